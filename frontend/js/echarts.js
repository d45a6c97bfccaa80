// The part of ECharts the dashboard draws with, bundled by scripts/build-vendor.mjs into public/vendor/echarts.js.
// charming's WasmRenderer and app/src/components/echarts.rs call the global `echarts` (init, dispose), so the
// bundle defines it. A chart type or component that charming sets but is not registered here is silently not
// drawn: add it here when a chart starts using one.
import * as echarts from 'echarts/core';
import { BarChart, LineChart } from 'echarts/charts';
import {
  DataZoomInsideComponent,
  DataZoomSliderComponent,
  GridComponent,
  MarkLineComponent,
  TooltipComponent,
  VisualMapPiecewiseComponent,
} from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([
  BarChart,
  LineChart,
  DataZoomInsideComponent,
  DataZoomSliderComponent,
  GridComponent,
  MarkLineComponent,
  TooltipComponent,
  VisualMapPiecewiseComponent,
  CanvasRenderer,
]);

// A plain object, as the full build's global was: a module namespace cannot be added to or wrapped (the
// browser tests wrap `init` to count the charts made).
globalThis.echarts = { ...echarts };
