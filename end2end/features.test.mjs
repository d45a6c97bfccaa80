// What price watchers ask for, on the live page: the total price with its parts, hourly averages, €/MWh, the
// planner with its inputs in the URL, ranks and levels, the history panel, and the dark theme.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually, launchBrowser, openPage, pricesAroundNow, screenshotPath, startSystem, waitForRows } from './harness.mjs';

const HOUR = 3_600_000;
// A wide daily wave: negative prices at night.
const prices = pricesAroundNow(6);
const tariff = { MARGIN: '0.5', TRANSFER_DAY: '3', TRANSFER_NIGHT: '1', ELECTRICITY_TAX: '2.253' };

/** The local hour in Helsinki of a time in ms. */
const helsinkiHour = (ms) => Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Helsinki', hour: '2-digit', hourCycle: 'h23' }).format(ms));
/** The total of a slot, as the tariff above makes it. */
const total = (p) => {
  const hour = helsinkiHour(Date.parse(p.startDate));
  const transfer = hour >= 7 && hour < 22 ? 3 : 1;
  return p.price + (0.5 + transfer + 2.253) * 1.255;
};
const current = () => prices.find((p) => Date.parse(p.startDate) <= Date.now() && Date.now() <= Date.parse(p.endDate));

let system;
let browser;

before(async () => {
  system = await startSystem({ prices: { prices }, env: tariff });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await system?.stop();
});

/** The option of the chart drawn in element `id`, once there is one. */
async function chartOption(page, id) {
  await page.waitForFunction((id) => globalThis.echarts?.getInstanceByDom(document.getElementById(id)), id);
  return page.evaluate((id) => {
    const option = globalThis.echarts.getInstanceByDom(document.getElementById(id)).getOption();
    return {
      series: option.series.map((s) => ({ name: s.name, length: s.data.length })),
      yName: option.yAxis[0].name,
      legendColor: option.legend?.[0]?.textStyle?.color,
      axisColor: option.xAxis[0].axisLabel?.color,
    };
  }, id);
}

test('spot, total and €/MWh, quarter hours and hours: the switches change every figure and the URL', { timeout: 120_000 }, async () => {
  await waitForRows(system);
  const { page, problems, context } = await openPage(browser);
  await page.goto(system.url);
  const cards = () => page.locator('.stats').innerText();
  assert.match(await cards(), new RegExp(`Current price\\s+${current().price.toFixed(2)}`));

  await page.click('[data-choice="price=total"]');
  await page.waitForURL(/price=total/);
  await eventually('the total in the current price card', async () =>
    new RegExp(`Current price\\s+${total(current()).toFixed(2)}`).test(await cards()), 20_000);
  await eventually('the note on what the total is', async () =>
    /margin, transfer and tax, with VAT/.test(await page.locator('.view-note').innerText()));
  const withParts = await eventually('the parts in the trend chart', async () => {
    const option = await chartOption(page, 'trend-chart');
    return option.series.length === 6 && option;
  }, 20_000);
  assert.deepEqual(withParts.series.map((s) => s.name), ['Price', 'spot', 'margin', 'transfer', 'tax', 'VAT on fees']);

  await page.click('[data-choice="res=hour"]');
  await page.waitForURL(/res=hour/);
  // An hour a point: 48, or 49 when the prices start and end mid-hour.
  const hours = new Set(prices.map((p) => Math.floor(Date.parse(p.startDate) / HOUR))).size;
  await eventually(`${hours} hourly points`, async () => (await chartOption(page, 'trend-chart')).series[0].length === hours, 20_000);
  assert.match(page.url(), /price=total/, 'the other choices stay');

  await page.click('[data-choice="unit=eur_mwh"]');
  await page.waitForURL(/unit=eur_mwh/);
  await eventually('€/MWh on the axis', async () => (await chartOption(page, 'trend-chart')).yName === '€/MWh', 20_000);
  assert.match(await page.locator('.subtitle').innerText(), /€\/MWh/);
  assert.match(await page.locator('.recent thead').innerText(), /Price \(€\/MWh\)/);
  await page.screenshot({ path: screenshotPath('features-switches.png'), fullPage: true });
  assert.deepEqual(problems, []);
  await context.close();
});

test('the planner finds the cheapest run, its saving and cost, and keeps its inputs in the URL', { timeout: 120_000 }, async () => {
  await waitForRows(system);
  const { page, problems, context } = await openPage(browser);
  await page.goto(`${system.url}?duration=1h&kw=2&count=3`); // 2 kW for an hour: 2 kWh
  // The cheapest four consecutive quarters from the current one, in the prices shown (spot, the default).
  const from = prices.indexOf(current());
  let best = Infinity;
  for (let i = from; i + 4 <= prices.length; i++) {
    best = Math.min(best, prices.slice(i, i + 4).reduce((sum, p) => sum + p.price, 0) / 4);
  }
  const plan = await page.locator('.plan-best').innerText();
  assert.match(plan, /Best 1 h:/);
  assert.equal(await page.locator('.plan-average').innerText(), best.toFixed(2), plan);
  assert.match(plan, new RegExp(`${(2 * best / 100).toFixed(2)} €`), 'the cost of 2 kWh');
  assert.match(await page.locator('.plan-now').innerText(), /Waiting saves/);
  assert.equal(await page.locator('.plan-quarters li').count(), 3);

  // The form, with scripts: a 30-minute run, and the URL says so.
  await page.selectOption('select[name="duration"]', '30m');
  await page.click('.planner button[type="submit"]');
  await page.waitForURL(/duration=30m/);
  await eventually('a 30-minute plan', async () => /Best 30 min:/.test(await page.locator('.plan-best').innerText()), 20_000);
  assert.match(page.url(), /kw=2/, "the other inputs stay");
  assert.deepEqual(problems, []);
  await context.close();
});

test('ranks, levels, the history panel and the dark theme', { timeout: 120_000 }, async () => {
  await waitForRows(system);
  const { page, problems, context } = await openPage(browser, { colorScheme: 'dark' });
  await page.goto(system.url);
  const row = await page.locator('.recent tbody tr').first().innerText();
  assert.match(row, /\d+ \/ \d+/, `a rank within the day: ${row}`);
  assert.match(row, /cheap|normal|expensive/i);

  const days = await chartOption(page, 'days-chart');
  assert.deepEqual(days.series.map((s) => s.name), ['today', 'yesterday', 'a week ago']);
  assert.ok(days.series.every((s) => s.length === 24));
  // A canvas ignores CSS: the charts' own text takes the theme's muted colour when they are drawn.
  assert.deepEqual([days.legendColor, days.axisColor], ['#9aa6b5', '#9aa6b5'], 'the dark theme, as the system is');
  assert.ok((await chartOption(page, 'daily-chart')).series[0].length >= 2, 'yesterday and today at least');
  assert.ok(await page.locator('.months tbody tr').count() >= 1);
  assert.ok(await page.locator('.heatmap tbody tr').count() >= 2);

  // The system's dark scheme, then the toggle: dark, light, back to the system's.
  const background = () => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
  assert.equal(await background(), 'rgb(17, 21, 27)', 'dark because the system is');
  await page.click('.theme-toggle');
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
  await page.click('.theme-toggle');
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'light');
  assert.equal(await background(), 'rgb(243, 245, 248)');
  await eventually('the charts redrawn in the light theme', async () =>
    (await chartOption(page, 'days-chart')).legendColor === '#5b6675'
      && (await chartOption(page, 'trend-chart')).axisColor === '#5b6675');
  await page.reload();
  await eventually('the choice kept across a reload', async () =>
    (await page.evaluate(() => document.documentElement.dataset.theme)) === 'light');
  await page.click('.theme-toggle');
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), undefined, 'the system decides again');
  await page.screenshot({ path: screenshotPath('features-history-dark.png'), fullPage: true });
  assert.deepEqual(problems, []);
  await context.close();
});
