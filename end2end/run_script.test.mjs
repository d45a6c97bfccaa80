// scripts/run.sh as a person uses it: started, stopped with Ctrl-C, started again. Kafka keeps its data in
// KAFKA_DATA across the two runs: the topic still holds the first run's messages, and the CSV gains nothing.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { eventually, freePort, listening, root, samplePath, sleep } from './harness.mjs';

const dir = mkdtempSync(join(tmpdir(), 'price-monitor-run-'));
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
  const kafkaPort = await freePort();
  const appPort = await freePort();
  copyFileSync(samplePath, join(dir, 'latest-prices.json'));
  const env = {
    KAFKA_PORT: String(kafkaPort),
    KAFKA_DATA: join(dir, 'kafka'),
    PRICE_FILE: join(dir, 'latest-prices.json'),
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
