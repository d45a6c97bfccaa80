// The "Your electricity" section on the live page: a Datahub export uploaded with the section's form travels
// through Kafka to the energy log, and the page shows what it cost by month with the basic fees, against the
// fixed price, by day, by hour and the dearest quarters, with the figures this test computes from the prices it
// set. Production imported with `price-monitor import-energy` is then valued at the spot price without VAT.
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
// Basic fees of 3.10 € (the contract) and 27.90 € (the network) a month: each Helsinki day metered carries its
// month's share of 31 €.
const helsinkiDate = (t) => new Date(t).toLocaleDateString('en-CA', { timeZone: 'Europe/Helsinki' });
const metered = new Set(Array.from({ length: 15 }, (_, i) => helsinkiDate(first + i * QUARTER)));
const feeEuros = [...metered].reduce((sum, day) => {
  const [y, m] = day.split('-').map(Number);
  return sum + 31 / new Date(Date.UTC(y, m, 0)).getUTCDate();
}, 0);
// 1 kWh sold in each of two quarters at 20 c/kWh: without VAT, 2 × 20 / 1.255 c.
const soldEuros = (2 * 20) / 1.255 / 100;

let system;
let browser;

before(async () => {
  system = await startSystem({ prices: { prices }, env: { FIXED_PRICE: '10', CONTRACT_FEE: '3.1', NETWORK_FEE: '27.9' } });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await system?.stop();
});

test('a Datahub export uploaded on the page is priced by the slot in the "Your electricity" section', { timeout: 180_000 }, async () => {
  await waitForRows(system, prices.length);
  const file = join(system.dir, 'consumption.csv');
  writeFileSync(file, `\ufeff${header}\n${rows.join('\n')}\n`);

  // Before any energy: the section is the form. A bad file is refused with its line, and nothing appears.
  const { page, problems } = await openPage(browser);
  await page.goto(system.url);
  const form = page.locator('form.energy-import');
  const bad = join(system.dir, 'bad.csv');
  writeFileSync(bad, `${header}\n643007572000123456;;PT15M;kWh;BN01;2026-01-14T22:00:00Z;-0,5;OK\n`);
  await form.locator('input[type=file]').setInputFiles(bad);
  await Promise.all([page.waitForURL(/import_error=/), form.locator('button[type=submit]').click()]);
  assert.match(await page.locator('section.energy [role=status]').innerText(), /^Nothing was imported: bad\.csv: line 2: /);
  assert.equal(await page.locator('table.energy-months').count(), 0);

  // The export: the redirect says what was imported once it is in the log, and the section shows it.
  await page.locator('form.energy-import input[type=file]').setInputFiles(file);
  await Promise.all([page.waitForURL(/imported=15/), page.locator('form.energy-import button[type=submit]').click()]);
  const said = await page.locator('section.energy [role=status]').innerText();
  assert.equal(said, 'Imported 15 intervals (1 marked missing: not priced).', system.logs());
  const section = page.locator('section.energy');
  await section.locator('table.energy-months').waitFor({ timeout: 5_000 });
  const cells = await section.locator('table.energy-months tbody tr').last().locator('th, td').allInnerTexts();
  const euros = (x) => `${x.toFixed(2)} €`;
  assert.deepEqual(cells.slice(0, 6), ['All', '7.5 kWh', euros(expectedEuros), euros(feeEuros), euros(expectedEuros + feeEuros), euros(0.75 + feeEuros)], cells.join(' | '));
  assert.match(await section.locator('.energy-fees').innerText(), /3\.10 € for the contract, 27\.90 € for the network/);
  const dearest = await section.locator('ol.energy-dearest li').allInnerTexts();
  assert.equal(dearest.length, 5, dearest.join('\n'));
  assert.match(dearest[0], /: 0\.50 kWh at 20\.00 c\/kWh, 0\.10 €$/);
  const hours = await section.locator('ol.energy-hours li').allInnerTexts();
  assert.equal(hours.length, 4, hours.join('\n'));
  assert.ok(hours.some((h) => h.endsWith(': 2.0 kWh, 0.40 €')), hours.join('\n'));

  // Production by the command: what it earned, and the net.
  const solar = join(system.dir, 'production.csv');
  const sold = [8, 9].map((i) => `;;PT15M;kWh;BN01;${new Date(first + i * QUARTER).toISOString().replace('.000Z', 'Z')};1,000000;OK`);
  writeFileSync(solar, `${header}\n${sold.join('\n')}\n`);
  const { stdout, stderr } = await promisify(execFile)(join(root, 'target', 'debug', 'price-monitor'), ['import-energy', solar, '--kind', 'production', '--bootstrap-servers', system.bootstrap]);
  assert.match(stdout + stderr, /2 intervals of production/);
  await eventually('the sold energy on the page', async () => {
    await page.goto(system.url);
    const all = await page.locator('table.energy-months tbody tr').last().locator('td').allInnerTexts();
    return all[6] === `2.0 kWh, ${euros(soldEuros)}` && all[7] === euros(expectedEuros + feeEuros - soldEuros);
  }, 30_000);
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
  assert.match(await month.innerText(), new RegExp(`^All\n7\\.5 kWh\n0\\.62 €\n${feeEuros.toFixed(2)} €\n`), 'a line per figure');
  await phone.page.locator('section.energy').screenshot({ path: screenshotPath('energy-section-phone.png') });
  await phone.context.close();
});
