// scripts/run.sh as a person uses it: started, stopped with Ctrl-C, started again. Kafka keeps its data in
// KAFKA_DATA across the two runs: the topic still holds the first run's messages, and the CSV gains nothing.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { eventually, freePort, freePortAndNext, listening, root, samplePath, scratchFolder, sleep } from './harness.mjs';

const dir = scratchFolder('run');
const csvPath = join(dir, 'electricity_prices.csv');
const csvRows = () => {
  try { return readFileSync(csvPath, 'utf8').trim().split('\n').length - 1; } catch { return 0; }
};

const running = new Set();
// A failed test must not leave run.sh, the app or Kafka behind: Ctrl-C first, which stops Kafka too, and
// SIGKILL for whatever is still there after 30 s.
after(async () => {
  for (const { child, exited } of running) {
    try { process.kill(-child.pid, 'SIGINT'); } catch {}
    await Promise.race([exited, sleep(30_000)]);
    try { process.kill(-child.pid, 'SIGKILL'); } catch {}
  }
});

/** scripts/run.sh in a process group of its own, as a terminal runs it; `interrupt()` is Ctrl-C. */
function runScript(env) {
  const child = spawn(join(root, 'scripts', 'run.sh'), [], {
    cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env },
  });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => {
    running.delete(entry);
    resolve(code ?? signal);
  }));
  const entry = { child, exited };
  running.add(entry);
  return {
    output: () => output,
    async interrupt() {
      process.kill(-child.pid, 'SIGINT');
      return exited;
    },
  };
}

/** The consumer's status as the dashboard's server function reports it. */
async function consumerStatus(url) {
  const response = await fetch(`${url}api/dashboard`, { method: 'POST', body: new URLSearchParams({ hours: '48' }) });
  return (await response.json()).pipeline?.consumer;
}

test('Ctrl-C stops the app and Kafka; a second run finds the topic and adds no row', { timeout: 600_000 }, async () => {
  const kafkaPort = await freePortAndNext();
  const appPort = await freePort();
  copyFileSync(samplePath, join(dir, 'latest-prices.json'));
  const env = {
    KAFKA_PORT: String(kafkaPort),
    KAFKA_DATA: join(dir, 'kafka'),
    PRICE_FILE: join(dir, 'latest-prices.json'),
    SOURCE_URL: '', // the copied sample alone
    CSV_PATH: csvPath,
    LEPTOS_SITE_ADDR: `127.0.0.1:${appPort}`,
  };
  const url = `http://127.0.0.1:${appPort}/`;

  const first = runScript(env);
  await eventually('192 rows from the first run', () => csvRows() === 192, 300_000)
    .catch((e) => { throw new Error(`${e.message}\n${first.output()}`); });
  assert.equal(await first.interrupt(), 0, `run.sh exits 0 on Ctrl-C\n${first.output()}`);
  assert.equal(await listening(kafkaPort), false, 'Kafka was stopped with the app');
  assert.match(first.output(), /stopping Kafka/);
  assert.match(first.output(), /consumer stopped/, 'the app shut down before Kafka');

  // A new consumer group reads the topic from its start: the first run's 192 messages, then the 192 that the
  // restarted producer sends again (it starts with an empty memory of what it sent).
  const second = runScript({ ...env, KAFKA_GROUP_ID: 'second-run' });
  const status = await eventually('the second run to read the whole topic', async () => {
    if (!(await listening(appPort))) return false;
    const consumer = await consumerStatus(url).catch(() => undefined);
    return consumer?.messages_read >= 384 && consumer;
  }, 120_000).catch((e) => { throw new Error(`${e.message}\n${second.output()}`); });
  await sleep(2000);
  assert.equal((await consumerStatus(url)).messages_read, 384, 'the topic held the first run\'s messages');
  assert.equal(status.rows_written, 0, 'nothing was written twice');
  assert.equal(csvRows(), 192);
  assert.equal(await second.interrupt(), 0, `run.sh exits 0 on Ctrl-C\n${second.output()}`);
  assert.equal(await listening(kafkaPort), false);
});

/** Two days of quarter hours from an hour ago, as porssisahko.net lists them: `base + i / 1000` c/kWh. */
function currentPrices(base, quarterNow = Math.floor(Date.now() / (15 * 60_000)) * 15 * 60_000) {
  const quarter = 15 * 60_000;
  const first = quarterNow - 4 * quarter;
  const prices = Array.from({ length: 192 }, (_, i) => ({
    price: Math.round((base + i / 1000) * 1000) / 1000,
    startDate: new Date(first + i * quarter).toISOString(),
    endDate: new Date(first + (i + 1) * quarter - 1).toISOString(),
  }));
  return { prices };
}

test('with SOURCE_URL, run.sh fetches the prices itself and the dashboard is current', { timeout: 600_000 }, async () => {
  // A local stand-in for porssisahko.net, counting its requests.
  const quarter = 15 * 60_000;
  const made = Math.floor(Date.now() / quarter) * quarter;
  const body = JSON.stringify(currentPrices(6, made));
  let requests = 0;
  const source = createServer((request, response) => {
    requests += 1;
    response.writeHead(200, { 'Content-Type': 'application/json', ETag: '"today"' });
    response.end(body);
  });
  await new Promise((resolve) => source.listen(0, '127.0.0.1', resolve));
  after(() => source.close());
  const own = scratchFolder('fetch');
  const appPort = await freePort();
  const env = {
    KAFKA_PORT: String(await freePortAndNext()),
    KAFKA_DATA: join(own, 'kafka'),
    PRICE_FILE: join(own, 'prices', 'latest-prices.json'), // neither the file nor its folder exists yet
    CSV_PATH: join(own, 'electricity_prices.csv'),
    LEPTOS_SITE_ADDR: `127.0.0.1:${appPort}`,
    SOURCE_URL: `http://127.0.0.1:${source.address().port}/v2/latest-prices.json`,
  };
  const url = `http://127.0.0.1:${appPort}/`;
  const run = runScript(env);
  const ready = await eventually('/readyz to say ready', async () => {
    const response = await fetch(`${url}readyz`).catch(() => undefined);
    return response?.status === 200 && response.json();
  }, 300_000).catch((e) => { throw new Error(`${e.message}\n${run.output()}`); });
  assert.equal(ready.checks.data.ok, true);
  // The price file holds the source's prices as they were sent, and names where they came from.
  const written = JSON.parse(readFileSync(env.PRICE_FILE, 'utf8'));
  assert.deepEqual(written.prices, JSON.parse(body).prices, 'the fetched prices are the price file\'s');
  assert.deepEqual(written.sources, [{ url: env.SOURCE_URL, format: 'porssisahko.net', slots: 192 }]);
  assert.equal(requests, 1, 'one fetch at start');

  // The fetched price of now: the file's fifth quarter when it was made, one more for each quarter since
  // (the test may cross a quarter's end between making the file and asking).
  const priceNow = () => Math.round((6 + (4 + Math.floor((Date.now() - made) / quarter)) / 1000) * 1000) / 1000;
  const before = priceNow();
  const response = await fetch(`${url}api/dashboard`, { method: 'POST', body: new URLSearchParams({ hours: '48' }) });
  const data = await response.json();
  const metrics = await (await fetch(`${url}metrics`)).text();
  const now = [before, priceNow()];
  assert.ok(now.includes(data.cards.current.price), `the price now is the fetched one: ${data.cards.current.price}, not ${now}`);
  assert.match(metrics, /price_monitor_fetches_total\{outcome="written"\} 1/);
  const shown = Number(metrics.match(/price_monitor_price_cents_per_kwh ([-0-9.]+)/)?.[1]);
  assert.ok(now.includes(shown), `/metrics has the price now: ${shown}, not ${now}`);
  assert.equal(await run.interrupt(), 0, `run.sh exits 0 on Ctrl-C\n${run.output()}`);
});

test('when the source cannot be reached, run.sh shows the sample moved to today and says so', { timeout: 600_000 }, async () => {
  // A source that refuses connections: a port that was free a moment ago.
  const closedPort = await freePort();
  const own = scratchFolder('offline');
  const appPort = await freePort();
  const env = {
    KAFKA_PORT: String(await freePortAndNext()),
    KAFKA_DATA: join(own, 'kafka'),
    PRICE_FILE: join(own, 'latest-prices.json'),
    CSV_PATH: join(own, 'electricity_prices.csv'),
    LEPTOS_SITE_ADDR: `127.0.0.1:${appPort}`,
    SOURCE_URL: `http://127.0.0.1:${closedPort}/v2/latest-prices.json`,
  };
  const url = `http://127.0.0.1:${appPort}/`;
  const run = runScript(env);
  const post = async (endpoint, body) => (await fetch(`${url}api/${endpoint}`, { method: 'POST', body: new URLSearchParams(body) })).json();
  // Yesterday, today and tomorrow by the quarter hour: 288 slots, give or take a day whose clock changes.
  const data = await eventually('the re-dated sample on the page', async () => {
    if (!(await listening(appPort))) return false;
    const answer = await post('dashboard', { hours: '48' }).catch(() => undefined);
    return answer?.log?.total_slots >= 284 && answer;
  }, 300_000).catch((e) => { throw new Error(`${e.message}\n${run.output()}`); });
  assert.match(run.output(), /it holds the shipped sample, re-dated to yesterday, today and tomorrow/);
  assert.equal(data.cards.current?.source, 'electricity-price-monitor/sample', 'a price for now, from the sample');
  assert.ok(data.warnings.includes('SampleData'), `the page says it is sample data: ${JSON.stringify(data.warnings)}`);
  assert.equal(data.cheapest.length, 3, 'a cheapest 1, 2 and 3 hours ahead');
  const history = await post('history', {});
  assert.ok(history.today.filter((h) => h !== null).length >= 23, 'today\'s hours in the history');
  assert.ok(history.daily.length >= 2, "the history's daily chart has days");

  const page = await (await fetch(url)).text();
  assert.match(page, /Sample data: no real price for now is at hand/, 'said in the server-rendered page');
  assert.equal(await run.interrupt(), 0, `run.sh exits 0 on Ctrl-C\n${run.output()}`);
});
