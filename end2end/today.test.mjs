// With prices around the present moment (the shipped sample is from January 2026): the current price is the
// slot containing now, the trend chart marks now, the cheapest coming hours are listed, nothing is stale.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { chartsFillTheirBoxes, launchBrowser, openPage, pricesAroundNow, screenshotPath, startSystem, waitForRows } from './harness.mjs';

// Three days from 24 h ago: today and tomorrow whole, so that no day lacks quarters.
const prices = pricesAroundNow(4, 288);

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
  await waitForRows(system, prices.length);
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
  // One level for the slot of now, from one rule: the card, the table's first row and the trend's point, in
  // name and in colour (the stylesheet's, which the chart reads).
  const levels = await page.evaluate(() => {
    const classes = ['very-cheap', 'cheap', 'normal', 'expensive', 'very-expensive'];
    const card = document.querySelector('.stats .stat');
    const row = document.querySelector('.recent tbody tr');
    const option = globalThis.echarts.getInstanceByDom(document.getElementById('trend-chart')).getOption();
    const index = option.xAxis[0].data.indexOf(row.cells[0].innerText.trim());
    const piece = option.visualMap[0].pieces.find((p) => p.gte <= index && index < p.lt);
    const colour = (name) => getComputedStyle(document.documentElement).getPropertyValue(`--${name}`).trim();
    const cardClass = classes.find((c) => card.classList.contains(c));
    return {
      slotInChart: index,
      rowPrice: row.cells[1].innerText,
      names: [card.querySelector('.stat-detail').innerText.split(', ').pop(), row.cells[3].innerText, piece.label],
      colours: [colour(cardClass), colour(classes.find((c) => row.classList.contains(c))), piece.color],
      rule: document.querySelector('.chart-card .level-key').innerText,
    };
  });
  assert.equal(levels.rowPrice, current.price.toFixed(2), 'the table starts at the slot of now');
  assert.ok(levels.slotInChart >= 0, 'the table\'s first slot is a point of the trend');
  assert.equal(new Set(levels.names).size, 1, `one level name: ${levels.names}`);
  assert.equal(new Set(levels.colours).size, 1, `one colour: ${levels.colours}`);
  assert.match(levels.rule, /average of the 7 days up to it/);

  // The history panel's two charts as well as the three above, at the page's first size.
  await page.waitForFunction(() => ['days-chart', 'daily-chart']
    .every((id) => globalThis.echarts?.getInstanceByDom(document.getElementById(id))), null, { timeout: 30_000 });
  await chartsFillTheirBoxes(page, { count: 5 });
  assert.equal(await page.locator('.history .empty-note:visible').count(), 0, 'no empty-state note with data');
  await page.screenshot({ path: screenshotPath('today.png'), fullPage: true });
  assert.deepEqual(problems, []);
});
