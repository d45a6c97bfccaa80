// The part of ECharts the dashboard draws with, bundled by scripts/build-vendor.mjs into public/vendor/echarts.js.
// charming's WasmRenderer and app/src/page/echarts.rs call the global `echarts` (init, dispose), so the
// bundle defines it. A chart type or component that charming sets but is not registered here is silently not
// drawn: add it here when a chart starts using one.
import * as echarts from 'echarts/core';
import * as charts from 'echarts/charts';
import * as components from 'echarts/components';
import * as renderers from 'echarts/renderers';

// esbuild keeps only the members named here.
echarts.use([
  charts.BarChart,
  charts.LineChart,
  components.DataZoomInsideComponent,
  components.DataZoomSliderComponent,
  components.GridComponent,
  components.LegendComponent,
  components.MarkLineComponent,
  components.TooltipComponent,
  components.VisualMapPiecewiseComponent,
  renderers.CanvasRenderer,
]);

// A plain object, as the full build's global was: a module namespace cannot be added to or wrapped (the
// browser tests wrap `init` to count the charts made).
globalThis.echarts = { ...echarts };
