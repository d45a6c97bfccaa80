// With prices around the present moment (the shipped sample is from January 2026): the current price is the
// slot containing now, the trend chart marks now, the cheapest coming hours are listed, nothing is stale.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchBrowser, openPage, pricesAroundNow, screenshotPath, startSystem, waitForRows } from './harness.mjs';

const prices = pricesAroundNow(4);

let system;
let browser;

before(async () => {
  system = await startSystem({ prices: { prices: [...prices].reverse() } });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await system?.stop();
});

test('the current slot, the now marker and the cheapest hours from now', { timeout: 120_000 }, async () => {
  await waitForRows(system);
  const { page, problems } = await openPage(browser);
  await page.goto(system.url);

  const now = Date.now();
  const current = prices.find((p) => Date.parse(p.startDate) <= now && now < Date.parse(p.endDate) + 1);
  const cards = await page.locator('.stats').innerText();
  assert.match(cards, new RegExp(`Current price\\s+${current.price.toFixed(2)}`), cards);
  assert.match(cards, /Today's average/);
  assert.equal(await page.locator('.warning').count(), 0, 'nothing stale');
  assert.equal(await page.locator('.cheapest li').count(), 3, 'cheapest 1, 2 and 3 hours');

  await page.waitForFunction(() => globalThis.echarts?.getInstanceByDom(document.getElementById('trend-chart')));
  const marks = await page.evaluate(() => globalThis.echarts.getInstanceByDom(document.getElementById('trend-chart'))
    .getOption().series[0].markLine.data.map((d) => d.name));
  assert.ok(marks.includes('now'), `the now marker: ${marks}`);
  await page.screenshot({ path: screenshotPath('today.png'), fullPage: true });
  assert.deepEqual(problems, []);
});
