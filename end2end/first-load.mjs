// For scripts/bench.sh: loads the dashboard at the URL given five times in a fresh headless Chromium context
// (nothing cached) and prints the median time from navigation start until all three charts have drawn, and
// when, in that load, the HTML, ECharts and the WebAssembly had arrived: what the time is spent waiting for.
// Not a test (node --test skips this file name); server/tests/bench.rs runs it against a running server.
import { launchBrowser } from './harness.mjs';

const url = process.argv[2];
const charts = ['trend-chart', 'hourly-chart', 'histogram-chart'];
const browser = await launchBrowser();
const loads = [];
try {
  for (let run = 0; run < 5; run++) {
    const context = await browser.newContext();
    // ECharts has drawn when a chart's canvas exists with a size: it makes the canvas and draws the chart in one
    // task (app/src/page/echarts.rs). The page notes the time itself, at its first frame that has all three: a
    // check from outside starts only once the page has loaded, and its answer waits behind whatever the page runs
    // next.
    await context.addInitScript((ids) => {
      const check = () => {
        if (ids.every((id) => document.querySelector(`#${id} canvas`)?.width > 0)) {
          globalThis.chartsDrawnAt = performance.now();
        } else {
          requestAnimationFrame(check);
        }
      };
      requestAnimationFrame(check);
    }, charts);
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForFunction(() => globalThis.chartsDrawnAt !== undefined, null, { timeout: 30_000 });
    loads.push(await page.evaluate(() => {
      const arrived = (part) => performance.getEntriesByType('resource').find((r) => r.name.includes(part))?.responseEnd;
      return {
        charts: globalThis.chartsDrawnAt,
        html: performance.getEntriesByType('navigation')[0].responseEnd,
        echarts: arrived('echarts'),
        wasm: arrived('.wasm'),
      };
    }));
    await context.close();
  }
} finally {
  await browser.close();
}
loads.sort((a, b) => a.charts - b.charts);
const [fastest, median, slowest] = [loads[0], loads[2], loads[4]];
const ms = (t) => (t === undefined ? '?' : t.toFixed(0));
console.log(
  `${ms(median.charts)} ms (fastest ${ms(fastest.charts)}, slowest ${ms(slowest.charts)}; in the median load ` +
    `the HTML had arrived at ${ms(median.html)}, ECharts at ${ms(median.echarts)}, ` +
    `the WebAssembly at ${ms(median.wasm)})`,
);
