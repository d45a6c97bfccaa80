// The compose test's prices: the stub's price file at each revision, and the CSV checked against them.
//   node prices.mjs write DIR        the next revision: DIR/www/v2/latest-prices.json, kept in DIR/revisions.json
//   node prices.mjs now DIR          the spot price of the slot containing now, in the latest revision
//   node prices.mjs check DIR < CSV  every revision in the CSV exactly once: prints "rows|expected|lost|duplicated"
//                                    and exits non-zero when one is lost or duplicated
// Revision 0 is 192 quarter-hours from a day before the current hour, every price distinct; each later one
// raises the prices of the slots from the current quarter to an hour ahead, to prices no revision had before.
import { mkdirSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const QUARTER = 15 * 60_000;
const [command, dir] = process.argv.slice(2);
const revisionsFile = join(dir, 'revisions.json');
const revisions = existsSync(revisionsFile) ? JSON.parse(readFileSync(revisionsFile, 'utf8')) : [];
const round = (p) => Math.round(p * 1000) / 1000;

function next() {
  if (revisions.length === 0) {
    const first = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 24 * 3_600_000;
    return Array.from({ length: 192 }, (_, i) => ({
      price: round(5 + 3 * Math.sin((i / 96) * 2 * Math.PI) + i / 1000),
      startDate: new Date(first + i * QUARTER).toISOString(),
      endDate: new Date(first + (i + 1) * QUARTER - 1).toISOString(),
    }));
  }
  const r = revisions.length;
  const now = Date.now();
  return revisions[r - 1].map((slot) => {
    const start = Date.parse(slot.startDate);
    const changed = start + QUARTER > now && start < now + 4 * QUARTER;
    return changed ? { ...slot, price: round(slot.price + 0.5 + r / 100) } : slot;
  });
}

function current() {
  const now = Date.now();
  const slot = revisions.at(-1).find((s) => Date.parse(s.startDate) <= now && now < Date.parse(s.endDate) + 1);
  return slot.price;
}

/** Per slot, the prices the CSV must hold in order: each revision's price where it differs from the one before. */
function expected() {
  const slots = new Map();
  for (const revision of revisions) {
    for (const { startDate, price } of revision) {
      const prices = slots.get(startDate) ?? [];
      if (prices.at(-1) !== price) prices.push(price);
      slots.set(startDate, prices);
    }
  }
  return slots;
}

function check(csv) {
  // A last line without its newline is still being written: the next look reads it whole.
  const whole = csv.endsWith('\n') ? csv : csv.slice(0, csv.lastIndexOf('\n') + 1);
  const [header, ...lines] = whole.trim().split('\n');
  if (header !== 'received_timestamp,price,startDate,endDate,source') throw new Error(`not the CSV log: ${header}`);
  const found = new Map();
  for (const line of lines) {
    const [, price, startDate] = line.split(',');
    const prices = found.get(startDate) ?? [];
    prices.push(Number(price));
    found.set(startDate, prices);
  }
  let want = 0;
  let lost = 0;
  let duplicated = 0;
  for (const [start, prices] of expected()) {
    want += prices.length;
    const got = found.get(start) ?? [];
    for (const price of prices) {
      const n = got.filter((p) => Math.abs(p - price) < 1e-9).length;
      if (n === 0) lost += 1;
      if (n > 1) duplicated += n - 1;
    }
  }
  const rows = lines.length;
  // Rows that no revision made count as duplicates too: nothing else may reach the CSV.
  duplicated += Math.max(0, rows - (want - lost) - duplicated);
  console.log(`${rows}|${want}|${lost}|${duplicated}`);
  return lost === 0 && duplicated === 0;
}

if (command === 'write') {
  const prices = next();
  revisions.push(prices);
  const www = join(dir, 'www', 'v2');
  mkdirSync(www, { recursive: true });
  // Newest first, as porssisahko.net lists them; renamed into place, so the server never sends half a file.
  const [tmp, file] = [join(www, 'latest-prices.json.tmp'), join(www, 'latest-prices.json')];
  writeFileSync(tmp, JSON.stringify({ prices: [...prices].reverse() }));
  // busybox httpd's ETag is the file's mtime in whole seconds and its size: a revision of the same size written
  // in the same second as the one before would be answered 304 for good. Each revision gets a later second.
  const before = existsSync(file) ? Math.floor(statSync(file).mtimeMs / 1000) : 0;
  const mtime = Math.max(Math.floor(Date.now() / 1000), before + 1);
  utimesSync(tmp, mtime, mtime);
  renameSync(tmp, file);
  writeFileSync(revisionsFile, JSON.stringify(revisions));
  console.log(revisions.length - 1);
} else if (command === 'now') {
  console.log(current());
} else if (command === 'check') {
  process.exitCode = check(readFileSync(0, 'utf8')) ? 0 : 1;
} else {
  console.error('usage: node prices.mjs write|now|check DIR');
  process.exitCode = 2;
}
