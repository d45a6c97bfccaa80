// Starts the real system for a browser test: an Apache Kafka broker (scripts/kafka.sh) and `price-monitor all`
// (built by `cargo leptos build`), on free ports, with a copy of the sample price file in a temporary folder.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const root = fileURLToPath(new URL('..', import.meta.url));
export const artifacts = join(root, 'end2end', 'artifacts');

/**
 * A new temporary folder named `price-monitor-<name>-…`, removed with everything in it (a broker's data too) when
 * the test file's process ends; `KEEP_TEST_FILES=1` keeps it to look into.
 */
export function scratchFolder(name) {
  const dir = mkdtempSync(join(tmpdir(), `price-monitor-${name}-`));
  if (process.env.KEEP_TEST_FILES !== '1') {
    process.once('exit', () => {
      try { rmSync(dir, { recursive: true, force: true }); } catch {} // a child still writing there: left behind
    });
  }
  return dir;
}

/** A TCP port that nothing listens on now (`port`, or any when 0), or undefined when `port` is taken. */
function bindable(port = 0) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => {
      const bound = server.address().port;
      server.close(() => resolve(bound));
    });
  });
}

/** A TCP port that nothing listens on now. */
export async function freePort() {
  const port = await bindable();
  if (port === undefined) throw new Error('no free TCP port on 127.0.0.1');
  return port;
}

/**
 * A free port whose next port is free too, for scripts/run.sh: its broker's controller takes KAFKA_PORT + 1,
 * and that port may be a client connection's own at the moment (a broker that could not bind it failed a run).
 */
export async function freePortAndNext() {
  for (;;) {
    const port = await freePort();
    if (port < 65535 && (await bindable(port + 1)) !== undefined) return port;
  }
}

/** Whether something accepts connections on 127.0.0.1:`port`. */
export function listening(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a truthy value, failing after `ms` with `what`. */
export async function eventually(what, check, ms = 30_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(100);
  }
}

/**
 * The broker and the app, running until `stop()`, watching a copy of the sample file or `prices` if given;
 * `env` adds to the app's environment (a tariff, say).
 */
export async function startSystem({ prices, env = {} } = {}) {
  const dir = scratchFolder('e2e');
  const priceFile = join(dir, 'latest-prices.json');
  if (prices) writeFileSync(priceFile, JSON.stringify(prices));
  else copyFileSync(samplePath, priceFile);
  const kafkaPort = await freePort();
  const appPort = await freePort();
  const children = [];
  const logs = [];
  const run = (cmd, args, env) => {
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => logs.push(d.toString()));
    child.stderr.on('data', (d) => logs.push(d.toString()));
    children.push(child);
    return child;
  };
  const controllerPort = await freePort();
  try {
    run(join(root, 'scripts', 'kafka.sh'), ['--port', kafkaPort, '--controller-port', controllerPort, '--data', join(dir, 'kafka')], {});
    await eventually('Kafka to listen', () => listening(kafkaPort), 90_000);
    run(join(root, 'target', 'debug', 'price-monitor'), ['all'], {
      KAFKA_BOOTSTRAP_SERVERS: `127.0.0.1:${kafkaPort}`,
      PRICE_FILE: priceFile,
      CSV_PATH: join(dir, 'electricity_prices.csv'),
      ALERTS_LOG: join(dir, 'alerts.csv'),
      LEPTOS_SITE_ADDR: `127.0.0.1:${appPort}`,
      LEPTOS_SITE_ROOT: join(root, 'target', 'site'),
      LEPTOS_SITE_PKG_DIR: 'pkg',
      LEPTOS_OUTPUT_NAME: 'price-monitor',
      LEPTOS_ENV: 'DEV',
      ...env,
    });
    await eventually('the dashboard to answer', () => listening(appPort));
  } catch (e) {
    // Nothing may outlive a failed start: the test file would never end.
    for (const child of children) child.kill('SIGKILL');
    throw new Error(`${e.message}\n--- logs ---\n${logs.join('')}`);
  }
  const url = `http://127.0.0.1:${appPort}/`;
  return {
    url,
    dir,
    priceFile,
    /** The broker's address, for a command of the app's own (`price-monitor import-energy`, say). */
    bootstrap: `127.0.0.1:${kafkaPort}`,
    logs: () => logs.join(''),
    /** Sends SIGTERM to the app, then the broker; returns each one's exit code. */
    async stop() {
      const codes = {};
      for (const child of [...children].reverse()) {
        child.kill('SIGTERM');
        if (child.exitCode === null && child.signalCode === null) await new Promise((resolve) => child.once('exit', resolve));
        codes[child.spawnfile.split('/').pop()] = child.exitCode ?? child.signalCode;
      }
      return codes;
    },
  };
}

/**
 * Two days (or `count` quarters) of quarter-hours from 24 h ago, as porssisahko.net lists them: a daily wave around 5 c/kWh of
 * `swing` c/kWh, cheapest at night, every price distinct (`+ i / 1000`) so it can be found on the page.
 */
export function pricesAroundNow(swing, count = 192) {
  const quarter = 15 * 60_000;
  const first = Math.floor(Date.now() / quarter) * quarter - 24 * 3_600_000;
  return Array.from({ length: count }, (_, i) => {
    const start = first + i * quarter;
    const hour = new Date(start).getUTCHours();
    return {
      price: Number((5 + swing * Math.sin((hour - 8) / 24 * 2 * Math.PI) + i / 1000).toFixed(3)),
      startDate: new Date(start).toISOString(),
      endDate: new Date(start + quarter - 1).toISOString(),
    };
  });
}

/** The shipped sample price file (192 quarter-hours of January 2026). */
export const samplePath = join(root, 'data', 'sample-prices.json');

/** Waits until the server-rendered page counts `rows` records: the pipeline has filled the CSV. */
export function waitForRows(system, rows = 192) {
  return eventually(`${rows} records in the server-rendered page`, async () => {
    const html = await (await fetch(system.url)).text();
    return html.includes(`class="total-records">${rows}<`);
  }, 60_000).catch((e) => { throw new Error(`${e.message}\n--- logs ---\n${system.logs()}`); });
}

/** A page in a context of its own that records console errors and page errors in `problems`. */
export async function openPage(browser, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  // A script, style or connection the page's Content-Security-Policy refuses is a problem like any error.
  await context.addInitScript(() => document.addEventListener('securitypolicyviolation', (e) => {
    console.error(`CSP violation: ${e.violatedDirective} refused ${e.blockedURI || 'an inline script'}`);
  }));
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(e.message));
  return { page, problems, context };
}

/** Debian's Chromium, headless; never a downloaded browser. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

export function screenshotPath(name) {
  mkdirSync(artifacts, { recursive: true });
  return join(artifacts, name);
}

/**
 * Waits until every drawn chart of the page is as wide as its box (a pixel either way), and returns each
 * chart's widths. Nothing here resizes the window: a chart drawn at the wrong size and never refitted fails.
 */
export async function chartsFillTheirBoxes(page, { count, timeout = 10_000 } = {}) {
  const read = () => page.evaluate(() => [...document.querySelectorAll('.chart')]
    .filter((box) => box.querySelector('canvas'))
    .map((box) => ({ id: box.id, box: box.clientWidth, canvas: box.querySelector('canvas').getBoundingClientRect().width })));
  let charts = [];
  const deadline = Date.now() + timeout;
  for (;;) {
    charts = await read();
    const fits = charts.every((c) => c.box > 0 && Math.abs(c.canvas - c.box) <= 1);
    if (fits && (count === undefined || charts.length >= count)) return charts;
    if (Date.now() > deadline) {
      throw new Error(`charts narrower or wider than their boxes: ${JSON.stringify(charts)}`);
    }
    await sleep(200);
  }
}
