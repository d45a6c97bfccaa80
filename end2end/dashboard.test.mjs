// The dashboard as a person uses it, against the real pipeline: numbers without JavaScript, three charts with
// it, the history slider, live updates without a reload, and no piling up of chart instances.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  chartsFillTheirBoxes, eventually, launchBrowser, openPage as open, samplePath, screenshotPath, sleep, startSystem, waitForRows,
} from './harness.mjs';

const sample = JSON.parse(readFileSync(samplePath, 'utf8'));
const average = sample.prices.reduce((sum, p) => sum + p.price, 0) / sample.prices.length;

let system;
let browser;

before(async () => {
  system = await startSystem();
  browser = await launchBrowser();
  await waitForRows(system);
});

after(async () => {
  await browser?.close();
  await system?.stop();
});

const chartIds = ['trend-chart', 'hourly-chart', 'histogram-chart'];

/** Data points of each chart, and how many ECharts instances the page has. */
function chartState(page) {
  return page.evaluate((ids) => ({
    points: Object.fromEntries(ids.map((id) => {
      const chart = globalThis.echarts.getInstanceByDom(document.getElementById(id));
      return [id, chart ? chart.getOption().series[0].data.length : null];
    })),
    instances: document.querySelectorAll('[_echarts_instance_]').length,
    canvases: ids.filter((id) => document.querySelector(`#${id} canvas`)).length,
  }), chartIds);
}

async function waitForCharts(page) {
  await page.waitForFunction((ids) => ids.every((id) => {
    const el = document.getElementById(id);
    return el && globalThis.echarts?.getInstanceByDom(el);
  }), chartIds, { timeout: 30_000 });
  // The history panel loads on its own: its months, once it is there.
  await page.locator('.months tbody tr').first().waitFor({ timeout: 30_000 });
}

test('without JavaScript the numbers and the table are in the page', { timeout: 60_000 }, async () => {
  const { page, problems, context } = await open(browser, { javaScriptEnabled: false });
  await page.goto(system.url);
  const text = await page.locator('main').innerText();
  assert.match(text, new RegExp(`Average\\s+${average.toFixed(2)}`), 'the average card');
  assert.match(text, /Lowest\s+4\.39/);
  assert.match(text, /Highest\s+17\.15/);
  assert.equal(await page.locator('.recent tbody tr').count(), 20, 'the last 20 slots');
  assert.equal(await page.locator('.slots-displayed').innerText(), '192');
  assert.ok(await page.locator('.warning').count() >= 1, 'the old sample data is flagged as stale');
  assert.match(await page.locator('.cheapest').innerText(), /appear once prices ahead of now arrive/, 'says what fills it');
  // The history links work without scripts.
  await page.click('.quick-ranges >> text=6 h');
  await page.waitForURL(/hours=6/);
  assert.equal(await page.locator('.slots-displayed').innerText(), '24');
  assert.deepEqual(problems, []);
  await context.close();
});

test('with JavaScript the three charts render, the slider changes the range and the URL, updates arrive live', { timeout: 120_000 }, async () => {
  const { page, problems, context } = await open(browser);
  await page.goto(system.url);
  await waitForCharts(page);
  let state = await chartState(page);
  assert.deepEqual(state.points, { 'trend-chart': 192, 'hourly-chart': 24, 'histogram-chart': 30 });
  assert.equal(state.canvases, 3);
  assert.equal(state.instances, 3, 'the sample is older than the history charts reach: only its months show');
  // Where the history has nothing to draw, its cards say why and what would fill them.
  const notes = await page.locator('.history .empty-note:visible').allInnerTexts();
  assert.equal(notes.length, 3, `the two charts' and the grid's: ${notes}`);
  assert.ok(notes.every((n) => /^Nothing to (draw|show): no prices are stored for .+ as soon as prices/.test(n)), notes);

  // Count every chart made from now on.
  await page.evaluate(() => {
    globalThis.__inits = 0;
    const init = globalThis.echarts.init;
    globalThis.echarts.init = (...args) => { globalThis.__inits++; return init(...args); };
    globalThis.__loaded = 'this page';
  });

  // The slider: 6 hours of history.
  await page.locator('#hours').fill('6');
  await page.waitForURL(/\?hours=6$/);
  await eventually('24 slots displayed', async () => (await page.locator('.slots-displayed').innerText()) === '24');
  await eventually('the trend chart to show 24 slots', async () => (await chartState(page)).points['trend-chart'] === 24);

  // A new price written to the watched file reaches the page within one refresh, without a reload.
  const changed = structuredClone(sample);
  changed.prices[0].price = 77.77; // the newest slot, first in the file
  const tmp = `${system.priceFile}.tmp`;
  writeFileSync(tmp, JSON.stringify(changed));
  renameSync(tmp, system.priceFile);
  // Timed from when the row is in the CSV, so that a slow pipeline on a busy machine does not count as the page's.
  const csv = join(system.dir, 'electricity_prices.csv');
  let stored;
  await eventually('the new price in the recent table', async () => {
    stored ??= readFileSync(csv, 'utf8').includes(',77.77,') ? Date.now() : undefined;
    return (await page.locator('.recent tbody tr').first().innerText()).includes('77.77');
  }, 30_000);
  const seconds = (Date.now() - stored) / 1000;
  assert.ok(seconds <= 12, `on the page within one 10 s refresh (+ its answer) of being stored: ${seconds} s`);
  assert.equal(await page.evaluate(() => globalThis.__loaded), 'this page', 'no reload');
  assert.match(await page.locator('.stats').innerText(), /Highest\s+77\.77/);

  // Two more refreshes: still three instances, none created.
  await sleep(21_000);
  state = await chartState(page);
  assert.equal(state.instances, 3);
  assert.equal(await page.evaluate(() => globalThis.__inits), 0, 'charts are updated in place');
  await page.screenshot({ path: screenshotPath('dashboard.png'), fullPage: true });
  assert.deepEqual(problems, [], 'no console errors');
  await context.close();
});

test('on a phone the page fits the screen', { timeout: 60_000 }, async () => {
  const { page, problems, context } = await open(browser, { viewport: { width: 390, height: 844 }, isMobile: true });
  await page.goto(system.url);
  await waitForCharts(page);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no sideways scrolling (${overflow} px too wide)`);
  await page.screenshot({ path: screenshotPath('phone.png'), fullPage: true });
  assert.deepEqual(problems, []);
  await context.close();
});

for (const [name, viewport] of [['a laptop', { width: 1366, height: 900 }], ['a phone', { width: 390, height: 844 }]]) {
  test(`on ${name} (${viewport.width}×${viewport.height}) every chart fills its box from the start`, { timeout: 60_000 }, async () => {
    const { page, problems, context } = await open(browser, { viewport, isMobile: viewport.width < 600 });
    await page.goto(system.url);
    await waitForCharts(page);
    const charts = await chartsFillTheirBoxes(page, { count: chartIds.length });
    assert.ok(charts.every((c) => c.box > 200), `boxes of a real width: ${JSON.stringify(charts)}`);
    assert.deepEqual(problems, []);
    await context.close();
  });
}

// A drawn chart's canvas is as wide as its box was; a grid column as wide as its content would keep the box, and
// the canvas, at that width when the window narrows.
test('when the window narrows, every chart narrows with it and the page still fits', { timeout: 60_000 }, async () => {
  const { page, problems, context } = await open(browser, { viewport: { width: 1366, height: 900 } });
  await page.goto(system.url);
  await waitForCharts(page);
  await chartsFillTheirBoxes(page, { count: chartIds.length });
  for (const width of [800, 390]) {
    await page.setViewportSize({ width, height: 844 });
    const charts = await chartsFillTheirBoxes(page, { count: chartIds.length });
    assert.ok(charts.every((c) => c.box < width), `${width} px: boxes within the window: ${JSON.stringify(charts)}`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${width} px: no sideways scrolling (${overflow} px too wide)`);
  }
  assert.deepEqual(problems, []);
  await context.close();
});
