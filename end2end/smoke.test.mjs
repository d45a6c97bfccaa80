// The page loads, hydrates, and draws the price history from the real pipeline, under its Content-Security-Policy;
// no console errors and no policy violation.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchBrowser, openPage, screenshotPath, startSystem, waitForRows } from './harness.mjs';

let system;
let browser;

before(async () => {
  system = await startSystem();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  const codes = await system?.stop();
  // A JVM stopped by SIGTERM exits with 143 (128 + 15) once its shutdown hooks have run; Kafka's log says
  // whether its shutdown was clean.
  assert.deepEqual(codes, { 'kafka.sh': 143, 'price-monitor': 0 }, 'SIGTERM stops both');
  assert.match(system.logs(), /\[BrokerServer id=1\] shut down completed/, 'Kafka shut down cleanly');
});

test('the dashboard draws the 192 sample prices in an ECharts canvas, without console errors', { timeout: 120_000 }, async () => {
  // The page is server-rendered from the CSV: wait until the pipeline has filled it.
  await waitForRows(system);
  const { page, problems } = await openPage(browser);
  const response = await page.goto(system.url);
  const policy = response.headers()['content-security-policy'] ?? '';
  assert.match(policy, /script-src 'self' 'nonce-[\w-]{16,}' 'wasm-unsafe-eval';/, 'the page\'s scripts by nonce');

  await page.waitForSelector('#trend-chart canvas', { timeout: 30_000 });
  // Let the line's drawing animation end (or have ended) before reading pixels and taking the screenshot.
  await page.evaluate(() => new Promise((resolve) => {
    globalThis.echarts.getInstanceByDom(document.getElementById('trend-chart')).on('finished', resolve);
    setTimeout(resolve, 3000);
  }));
  const drawn = await page.evaluate(() => {
    const div = document.getElementById('trend-chart');
    const chart = globalThis.echarts.getInstanceByDom(div);
    const canvas = div.querySelector('canvas');
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) painted++;
    return { points: chart?.getOption().series[0].data.length, width: canvas.width, painted };
  });
  assert.equal(drawn.points, 192, 'the chart has every slot');
  assert.ok(drawn.width > 0, 'the canvas has a size');
  assert.ok(drawn.painted > 1000, `the canvas is painted (${drawn.painted} pixels)`);
  assert.equal(await page.title(), 'Electricity price monitor');
  // The tooltip's numbers come from a formatter of the page's own code, not from text compiled with eval.
  await page.locator('#trend-chart').scrollIntoViewIfNeeded();
  const box = await page.locator('#trend-chart').boundingBox();
  await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2);
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.waitForFunction(() => /\d\.\d\d c\/kWh/.test(document.querySelector('#trend-chart').innerText), null, { timeout: 10_000 });
  await page.screenshot({ path: screenshotPath('smoke.png'), fullPage: true });
  assert.deepEqual(problems, [], 'no console errors');
});
