// The part of ECharts the dashboard draws with, bundled by scripts/build-vendor.mjs into public/vendor/echarts.js,
// which the page loads as a module.
// charming's WasmRenderer, app/src/page/echarts.rs and the browser tests call the global `echarts` (init,
// dispose, getInstanceByDom), so the bundle defines it. A chart type or component that charming sets but is not
// registered here is silently not drawn: add it here when a chart starts using one.
import { dispose, getInstanceByDom, init, use } from 'echarts/core';
import * as charts from 'echarts/charts';
import * as components from 'echarts/components';
import * as renderers from 'echarts/renderers';

// esbuild keeps only the members named here: the legends fit on one line, so the scrolling one is left out.
use([
  charts.BarChart,
  charts.LineChart,
  components.DataZoomInsideComponent,
  components.DataZoomSliderComponent,
  components.GridComponent,
  components.LegendPlainComponent,
  components.MarkLineComponent,
  components.TooltipComponent,
  components.VisualMapPiecewiseComponent,
  renderers.CanvasRenderer,
]);

// Only the calls the page and its tests make: the whole of echarts/core would keep its geo parser, its helpers
// and more (5 KB of brotli, with the plain legend for the scrolling one). A plain object, which the browser tests
// can wrap (they count `init`s).
globalThis.echarts = { init, dispose, getInstanceByDom };
