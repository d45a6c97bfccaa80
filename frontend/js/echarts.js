// The part of ECharts the dashboard draws with, bundled by scripts/build-vendor.mjs into public/vendor/echarts.js.
// charming's WasmRenderer, app/src/page/echarts.rs and the browser tests call the global `echarts` (init,
// dispose, getInstanceByDom), so the bundle defines it. A chart type or component that charming sets but is not registered here is silently not
// drawn: add it here when a chart starts using one.
import { dispose, getInstanceByDom, init, use } from 'echarts/core';
import { BarChart, LineChart } from 'echarts/charts';
import {
  DataZoomInsideComponent,
  DataZoomSliderComponent,
  GridComponent,
  LegendPlainComponent,
  MarkLineComponent,
  TooltipComponent,
  VisualMapPiecewiseComponent,
} from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

// esbuild keeps only what is named here: the legends fit on one line, so the scrolling one is left out.
use([
  BarChart,
  LineChart,
  DataZoomInsideComponent,
  DataZoomSliderComponent,
  GridComponent,
  LegendPlainComponent,
  MarkLineComponent,
  TooltipComponent,
  VisualMapPiecewiseComponent,
  CanvasRenderer,
]);

// Only the calls the page and its tests make (the whole of echarts/core would keep its geo parser, its
// helpers and more: 5 KB of brotli, with the plain legend for the scrolling one). A plain object, which the browser tests can wrap (they count `init`s).
globalThis.echarts = { init, dispose, getInstanceByDom };
