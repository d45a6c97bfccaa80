// The "Your electricity" section on the live page: a Datahub export imported with `price-monitor import-energy`
// travels through Kafka to the energy log, and the page shows what it cost by month, against the fixed price,
// by day, by hour and the dearest quarters, with the figures this test computes from the prices it set.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { eventually, launchBrowser, openPage, root, screenshotPath, startSystem, waitForRows } from './harness.mjs';

const QUARTER = 15 * 60_000;
// Yesterday's and today's quarters from the last full hour a day ago: 4 c/kWh, but 20 c/kWh for the quarters
// 8 to 11 (the dearest hour).
const first = Math.floor(Date.now() / (4 * QUARTER)) * 4 * QUARTER - 24 * 3_600_000;
const prices = Array.from({ length: 96 }, (_, i) => ({
  price: i >= 8 && i < 12 ? 20 : 4,
  startDate: new Date(first + i * QUARTER).toISOString(),
  endDate: new Date(first + (i + 1) * QUARTER - 1).toISOString(),
}));
// 0,5 kWh in each of the first 16 quarters, one marked missing.
const header = 'Mittauspisteen tunnus;Tuotteen tyyppi;Resoluutio;Yksikkötyyppi;Lukeman tyyppi;Alkuaika;Määrä;Laatu';
const rows = Array.from({ length: 16 }, (_, i) => {
  const start = new Date(first + i * QUARTER).toISOString().replace('.000Z', 'Z');
  return i === 15 ? `643007572000123456;;PT15M;kWh;BN01;${start};;MISSING` : `643007572000123456;;PT15M;kWh;BN01;${start};0,500000;OK`;
});
// 15 quarters: 11 at 4 c/kWh and 4 at 20, 0.5 kWh each, with the tariff below (no fees): 0.5 × (11 × 4 + 4 × 20) c.
const expectedEuros = (0.5 * (11 * 4 + 4 * 20)) / 100;

let system;
let browser;

before(async () => {
  system = await startSystem({ prices: { prices }, env: { FIXED_PRICE: '10' } });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await system?.stop();
});

test('an imported Datahub export is priced by the slot in the "Your electricity" section', { timeout: 180_000 }, async () => {
  await waitForRows(system, prices.length);
  const file = join(system.dir, 'consumption.csv');
  writeFileSync(file, `\ufeff${header}\n${rows.join('\n')}\n`);
  const { stdout, stderr } = await promisify(execFile)(join(root, 'target', 'debug', 'price-monitor'), ['import-energy', file, '--bootstrap-servers', system.bootstrap]);
  assert.match(stdout + stderr, /15 intervals of consumption.*1 marked missing/s);

  const { page, problems } = await openPage(browser);
  await eventually('the section to show the imported energy', async () => {
    await page.goto(system.url);
    return (await page.locator('section.energy').count()) > 0;
  }, 60_000).catch((e) => { throw new Error(`${e.message}\n--- logs ---\n${system.logs()}`); });
  const section = page.locator('section.energy');
  const all = await section.locator('table.energy-months tbody tr').last().innerText();
  assert.match(all, new RegExp(`^All\\s+7\\.5 kWh\\s+${expectedEuros.toFixed(2)} €\\s+0\\.75 €`), all);
  const dearest = await section.locator('ol.energy-dearest li').allInnerTexts();
  assert.equal(dearest.length, 5, dearest.join('\n'));
  assert.match(dearest[0], /: 0\.50 kWh at 20\.00 c\/kWh, 0\.10 €$/);
  const hours = await section.locator('ol.energy-hours li').allInnerTexts();
  assert.equal(hours.length, 4, hours.join('\n'));
  assert.ok(hours.some((h) => h.endsWith(': 2.0 kWh, 0.40 €')), hours.join('\n'));
  await section.screenshot({ path: screenshotPath('energy-section.png') });
  assert.deepEqual(problems, []);

  // On a phone each month is a block of lines, and the section does not widen the page.
  const phone = await openPage(browser, { viewport: { width: 390, height: 844 } });
  await phone.page.goto(system.url);
  await phone.page.locator('section.energy').waitFor({ timeout: 30_000 });
  // Once the page has settled (hydrated, its charts sized): whatever is wider than the phone is named.
  const overflow = () => phone.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  await eventually('no horizontal scrolling on a phone', async () => (await overflow()) === 0, 10_000).catch(async (e) => {
    const wide = await phone.page.evaluate(() => [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
      .slice(0, 5).map((el) => `${el.tagName}.${el.className}: ${Math.round(el.getBoundingClientRect().right)} px`));
    throw new Error(`${e.message}: ${await overflow()} px too wide; ${wide.join(', ')}`);
  });
  const month = phone.page.locator('table.energy-months tbody tr').last();
  assert.match(await month.innerText(), /^All\n7\.5 kWh\n0\.62 €\n0\.75 €/, "a line per figure");
  await phone.page.locator('section.energy').screenshot({ path: screenshotPath('energy-section-phone.png') });
  await phone.context.close();
});
