// The alerts card on the live page: the rules of ALERTS_FILE in words, each one's next alert, and the alerts
// sent with what became of them, as the notifier delivered them to a local webhook.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { eventually, freePort, launchBrowser, openPage, scratchFolder, screenshotPath, startSystem, waitForRows } from './harness.mjs';

const QUARTER = 15 * 60_000;
const HOUR = 4 * QUARTER;
const now = Math.floor(Date.now() / QUARTER) * QUARTER;
// From two hours ago to a day ahead at 10 c/kWh; the hour from three hours on at 1.
const cheapFrom = now + 3 * HOUR;
const prices = Array.from({ length: 26 * 4 }, (_, i) => {
  const start = now - 2 * HOUR + i * QUARTER;
  const cheap = start >= cheapFrom && start < cheapFrom + HOUR;
  return { price: cheap ? 1 : 10, startDate: new Date(start).toISOString(), endDate: new Date(start + QUARTER - 1).toISOString() };
});
/** A time as the page shows it, in Helsinki. */
const hhmm = (ms) => new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Helsinki', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ms);

let system;
let browser;
let receiver;
const received = [];

before(async () => {
  const port = await freePort();
  receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => { body += chunk; });
    request.on('end', () => { received.push(JSON.parse(body)); response.end(); });
  });
  await new Promise((resolve) => receiver.listen(port, '127.0.0.1', resolve));
  const dir = scratchFolder('alerts');
  const rules = join(dir, 'alerts.toml');
  writeFileSync(rules, `
[[rule]]
name = "cheap"
kind = "below"
threshold = 5
channels = ["hook"]

[[rule]]
name = "dishwasher"
kind = "cheapest_run"
duration = "1h"
done_by = "${hhmm(now + 6 * HOUR)}"
channels = ["hook"]

[channel.hook]
kind = "webhook"
url = "http://127.0.0.1:${port}/hook"
`);
  system = await startSystem({ prices: { prices }, env: { ALERTS_FILE: rules } });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await system?.stop();
  receiver?.close();
});

test('the card lists the rules, their next alerts and the alert delivered to the webhook', { timeout: 120_000 }, async () => {
  await waitForRows(system, prices.length);
  // Known now, the cheapest run is said at once; the cheap period's alert is due 30 minutes before it.
  // Taken by the webhook, then written to the alert log once its answer is back: the card reads the log.
  await eventually('the run\'s alert at the webhook and in the alert log', () =>
    received.some((a) => a.id.startsWith('dishwasher/run/')) && system.logs().includes('delivered to hook'), 60_000)
    .catch((e) => { throw new Error(`${e.message}\n--- logs ---\n${system.logs()}`); });
  const { page, problems } = await openPage(browser);
  await page.goto(system.url);
  const card = page.locator('section.alerts');
  await card.waitFor({ timeout: 30_000 });
  const rows = await card.locator('table.alert-rules tbody tr').allInnerTexts();
  assert.equal(rows.length, 2, rows.join('\n'));
  assert.match(rows[0], new RegExp(`^cheap\\s+spot price below 5.00 c/kWh, 30 min before each period\\s+hook\\s+.*${hhmm(cheapFrom - 30 * 60_000)}: cheap: below 5.00 c/kWh from ${hhmm(cheapFrom)}$`));
  assert.match(rows[1], new RegExp(`^dishwasher\\s+the cheapest 1 h run done by .*\\s+hook\\s+.*${hhmm(cheapFrom)}: dishwasher: start now$`));
  const sent = await card.locator('ol.alert-log li.delivered').allInnerTexts();
  assert.equal(sent.length, 1, sent.join('\n'));
  assert.match(sent[0], /dishwasher: cheapest start .*: delivered to hook$/);
  await card.screenshot({ path: screenshotPath('alerts-card.png') });
  assert.equal(received.length, 1, JSON.stringify(received));
  assert.deepEqual(problems, []);

  // On a phone each rule is a block of lines, and the card does not widen the page.
  const phone = await openPage(browser, { viewport: { width: 390, height: 844 } });
  await phone.page.goto(system.url);
  await phone.page.locator('section.alerts').waitFor({ timeout: 30_000 });
  const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(overflow, 0, 'no horizontal scrolling on a phone');
  const row = phone.page.locator('table.alert-rules tbody tr').first();
  assert.equal(await row.evaluate((tr) => getComputedStyle(tr).display), 'block', 'a rule is a block, not a table row');
  assert.match(await row.innerText(), /^cheap\nspot price below 5\.00 c\/kWh, 30 min before each period\nhook\n.*: cheap: below/);
  await phone.page.locator('section.alerts').screenshot({ path: screenshotPath('alerts-card-phone.png') });
  await phone.context.close();
});
