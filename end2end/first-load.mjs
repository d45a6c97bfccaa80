// For scripts/bench.sh: loads the dashboard at the URL given five times in a fresh headless Chromium context
// (nothing cached) and prints the median time from navigation start until all three charts have drawn.
// Not a test (node --test skips this file name); server/tests/bench.rs runs it against a running server.
import { launchBrowser } from './harness.mjs';

const url = process.argv[2];
const charts = ['trend-chart', 'hourly-chart', 'histogram-chart'];
const browser = await launchBrowser();
const times = [];
try {
  for (let run = 0; run < 5; run++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(url);
    // ECharts has drawn when a chart's canvas exists and has pixels on it.
    await page.waitForFunction(
      (ids) => ids.every((id) => document.querySelector(`#${id} canvas`)?.width > 0),
      charts,
      { timeout: 30_000, polling: 'raf' },
    );
    times.push(await page.evaluate(() => performance.now()));
    await context.close();
  }
} finally {
  await browser.close();
}
times.sort((a, b) => a - b);
console.log(`${times[2].toFixed(0)} ms (fastest ${times[0].toFixed(0)}, slowest ${times[4].toFixed(0)})`);
