// For scripts/compose-test.sh: opens the dashboard at the URL given, at a laptop's and at a phone's size and
// without any resize, and fails unless every chart drawn is as wide as its box. The browser tests check this on
// the debug build; this is the check of the release build, the one the container image holds.
// Not a test of its own (node --test skips this file name).
import { chartsFillTheirBoxes, launchBrowser } from './harness.mjs';

const url = process.argv[2];
const charts = ['trend-chart', 'hourly-chart', 'histogram-chart'];
const browser = await launchBrowser();
try {
  for (const viewport of [{ width: 1366, height: 900 }, { width: 390, height: 844 }]) {
    const context = await browser.newContext({ viewport, isMobile: viewport.width < 600 });
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForFunction(
      (ids) => ids.every((id) => globalThis.echarts?.getInstanceByDom(document.getElementById(id))),
      charts,
      { timeout: 30_000 },
    );
    const drawn = await chartsFillTheirBoxes(page, { count: charts.length });
    console.log(`${viewport.width}×${viewport.height}: ${drawn.map((c) => `${c.id} ${c.canvas}/${c.box} px`).join(', ')}`);
    await context.close();
  }
} finally {
  await browser.close();
}
