// Shared helpers of the browser tests and the benchmark: the real relay as a child process,
// headless Chromium (WebGPU or WebGL2 on SwiftShader) through playwright-core, canvas
// screenshots decoded to pixels.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, afterEach, before } from 'node:test';
import { chromium } from 'playwright-core';
import { PNG } from 'pngjs';

import { Producer } from './send.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The repository root. */
export const ROOT = path.resolve(here, '..', '..');
/** Where screenshots go (gitignored). */
export const OUT = path.join(here, 'out');
/** Cargo's output folder: $CARGO_TARGET_DIR, else target/ in the repository. */
export const TARGET = process.env.CARGO_TARGET_DIR ? path.resolve(process.env.CARGO_TARGET_DIR) : path.join(ROOT, 'target');
/** The relay binary (`cargo build -p meshcast-relay`). Override with MESHCAST_RELAY_BIN. */
export const RELAY_BIN = process.env.MESHCAST_RELAY_BIN ?? path.join(TARGET, 'debug', 'meshcast-relay');
/** The trunk output the relay serves. Override with MESHCAST_DIST. */
export const DIST = process.env.MESHCAST_DIST ?? path.join(ROOT, 'dist');
/** Chromium. Override with CHROMIUM. */
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Page errors and console errors fail the test during which they happened (checked after each
// test, and once more after the file's last hook). A test that provokes one on purpose says so
// first with `allowPageErrors(page or browser, /pattern/)`.
const pageErrors = [];
const allowed = new WeakMap();

/** Lets errors matching `patterns` (RegExps) through on `target`: a page, or a browser from
 * `launch` (then for all its pages). */
export function allowPageErrors(target, ...patterns) {
  // A page has a context() method; a browser from launch() has a context property.
  const key = typeof target.context === 'function' ? target : (target.context ?? target);
  allowed.set(key, [...(allowed.get(key) ?? []), ...patterns]);
}

function isAllowed(page, text) {
  const patterns = [...(allowed.get(page) ?? []), ...(allowed.get(page.context()) ?? [])];
  return patterns.some((p) => p.test(text));
}

/** Records the page's uncaught errors and console errors (unless allowed). */
function watchPage(page) {
  page.on('console', (m) => {
    const text = `[console.${m.type()}] ${m.text()}`;
    if (process.env.MESHCAST_TEST_VERBOSE) console.log(`  [page ${m.type()}] ${m.text()}`);
    if (m.type() === 'error' && !isAllowed(page, m.text())) pageErrors.push(`${page.url()}: ${text}`);
  });
  page.on('pageerror', (e) => {
    if (!isAllowed(page, String(e))) pageErrors.push(`${page.url()}: [page error] ${e}`);
  });
}

function failOnPageErrors() {
  const errors = pageErrors.splice(0);
  if (errors.length) throw new Error(`the page logged ${errors.length} error(s):\n  ${errors.join('\n  ')}`);
}
afterEach(failOnPageErrors);
after(failOnPageErrors);

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** What the relay logs once it serves (its port bound, its scene ready). */
export const READY_LINE = 'meshcast relay listening';

/** Starts the relay (`bin`, default RELAY_BIN) on `port` serving `dist` (plus extra
 * command-line `args`); resolves once it serves (it logged READY_LINE). */
export async function startRelay({ port, dist = DIST, args = [], bin = RELAY_BIN } = {}) {
  port = port ?? (await freePort());
  if (!fs.existsSync(bin)) {
    throw new Error(`relay binary ${bin} missing: run cargo build -p meshcast-relay`);
  }
  if (!fs.existsSync(path.join(dist, 'index.html'))) {
    throw new Error(`${dist}/index.html missing: run trunk build --release`);
  }
  const proc = spawn(bin, ['--port', String(port), '--dist', dist, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'info' } });
  let log = '';
  proc.stdout.on('data', (d) => (log += d));
  proc.stderr.on('data', (d) => (log += d));
  let exited = null;
  proc.once('exit', (code, sig) => (exited = { code, sig }));
  // The relay's log line, not an open port, says it serves: a connection to a port nothing
  // listens on yet can reach itself (TCP simultaneous open), and a bound relay can still exit.
  const deadline = Date.now() + 30000;
  while (!log.includes(READY_LINE)) {
    if (exited) throw new Error(`relay exited (${JSON.stringify(exited)}) before serving:\n${log}`);
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`relay did not log "${READY_LINE}" within 30 s:\n${log}`);
    }
    await sleep(50);
  }
  return {
    port,
    proc,
    log: () => log,
    clientUrl: `ws://127.0.0.1:${port}/`,
    pageUrl: `http://127.0.0.1:${port}/`,
    async stop() {
      if (exited) return;
      const done = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await done;
      clearTimeout(t);
    },
  };
}

const COMMON_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  '--enable-unsafe-swiftshader',
  '--use-angle=swiftshader',
  '--window-size=1200,800',
];
const WEBGPU_ARGS = ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader'];

/** Launches headless Chromium set up for `backend` ('webgpu' or 'webgl'), fresh profile. */
export async function launch(backend) {
  const args = backend === 'webgpu' ? [...COMMON_ARGS, ...WEBGPU_ARGS] : COMMON_ARGS;
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshcast-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args,
    viewport: { width: 1200, height: 800 },
    deviceScaleFactor: 1,
    acceptDownloads: true,
  });
  context.on('page', watchPage);
  return {
    context,
    async close() {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Opens the viewer served by `relay`; waits for the first frame and the connection. The
 * automatic camera target is off (`&autotarget=0`: expected pixel positions assume the target at
 * the origin) unless `extra` names `autotarget` itself. */
export async function openViewer(context, relay, backend, extra = '') {
  if (!extra.includes('autotarget=')) extra += '&autotarget=0';
  const page = await context.newPage();
  await page.goto(`${relay.pageUrl}?backend=${backend}${extra}`);
  await waitReady(page, backend);
  return page;
}

/** Registers `before`/`after` hooks of the enclosing suite: Chromium for `backend`, a relay, the
 * viewer page and a connected producer, closed again after the suite. Returns the object whose
 * `browser`, `relay`, `page` and `producer` the `before` hook fills in. */
export function withViewer(backend) {
  const s = {};
  before(async () => {
    s.browser = await launch(backend);
    s.relay = await startRelay();
    s.page = await openViewer(s.browser.context, s.relay, backend);
    s.producer = await Producer.connect(s.relay.clientUrl);
  });
  after(async () => {
    s.producer?.close();
    await s.page?.close();
    await s.browser?.close();
    await s.relay?.stop();
  });
  return s;
}

/** Waits until the page rendered a frame and is connected to the relay. */
export async function waitReady(page, backend, timeout = 60000) {
  try {
    await page.waitForFunction(
      () => document.body.dataset.firstFrame === '1' && document.body.dataset.connection === 'connected',
      null,
      { timeout },
    );
  } catch (e) {
    const state = await page.evaluate(() => ({ ...document.body.dataset }));
    throw new Error(`viewer not ready: ${JSON.stringify(state)}: ${e.message}`);
  }
  const b = await page.evaluate(() => document.body.dataset.backend);
  if (backend && b !== backend) throw new Error(`page runs ${b}, expected ${backend}`);
}

/** Waits until `fn(window.__meshcast)` is truthy. */
export async function waitFor(page, fn, arg, timeout = 30000) {
  await page.waitForFunction(fn, arg, { timeout, polling: 50 });
}

/** Asks for a redraw and waits until it was presented, `n` times (the page renders on demand). */
export async function nextFrames(page, n = 2, timeout = 30000) {
  for (let i = 0; i < n; i++) {
    const start = await page.evaluate(() => {
      window.__meshcast.redraw();
      return Number(document.body.dataset.framesRendered ?? '0');
    });
    await page.waitForFunction((s) => Number(document.body.dataset.framesRendered ?? '0') > s, start, {
      timeout,
      polling: 20,
    });
  }
}

/** Screenshot of the canvas, saved to out/<name>.png, decoded. */
export async function shot(page, name) {
  fs.mkdirSync(OUT, { recursive: true });
  const buf = await page.locator('#mc-canvas').screenshot({ animations: 'disabled' });
  fs.writeFileSync(path.join(OUT, `${name}.png`), buf);
  return PNG.sync.read(buf);
}

/** RGB of pixel (x, y). */
export function px(img, x, y) {
  const i = (img.width * Math.round(y) + Math.round(x)) * 4;
  return [img.data[i], img.data[i + 1], img.data[i + 2]];
}

/** Classifies a colour: 'red', 'green', 'blue', 'yellow', 'magenta', 'teal', 'white', 'grey',
 * 'dark' or 'other'. Shading darkens colours, so the classes go by channel ratios. */
export function hue([r, g, b]) {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  if (max < 40) return 'dark';
  if (max - min < 28) return max > 235 ? 'white' : 'grey';
  if (r > 1.6 * g && r > 1.6 * b) return 'red';
  if (g > 1.4 * r && g > 1.4 * b) return 'green';
  if (b > 1.4 * r && b > 1.4 * g) return 'blue';
  if (r > 1.5 * b && g > 1.5 * b && Math.abs(r - g) < 0.3 * max) return 'yellow';
  if (r > 1.5 * g && b > 1.5 * g && Math.abs(r - b) < 0.3 * max) return 'magenta';
  if (g > 1.5 * r && b > 1.5 * r && Math.abs(g - b) < 0.45 * max) return 'teal';
  return 'other';
}

/** Pixels of a class inside a region (fractions of the image: x0, y0, x1, y1). */
export function region(img, cls, [x0, y0, x1, y1] = [0, 0, 1, 1]) {
  let n = 0;
  let sx = 0;
  let sy = 0;
  const X0 = Math.floor(x0 * img.width);
  const X1 = Math.floor(x1 * img.width);
  const Y0 = Math.floor(y0 * img.height);
  const Y1 = Math.floor(y1 * img.height);
  for (let y = Y0; y < Y1; y++) {
    for (let x = X0; x < X1; x++) {
      if (hue(px(img, x, y)) === cls) {
        n++;
        sx += x;
        sy += y;
      }
    }
  }
  return { n, cx: n ? sx / n / img.width : NaN, cy: n ? sy / n / img.height : NaN };
}

/** Share of pixels that differ by more than `tol` in any channel. */
export function diffShare(a, b, tol = 24) {
  let d = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    if (
      Math.abs(a.data[i] - b.data[i]) > tol ||
      Math.abs(a.data[i + 1] - b.data[i + 1]) > tol ||
      Math.abs(a.data[i + 2] - b.data[i + 2]) > tol
    ) d++;
  }
  return d / (a.data.length / 4);
}

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** Serves the files of `dir` (and `extra`: URL path → file) over HTTP on 127.0.0.1, with no
 * relay behind it: a plain static web server, as a user would put the built page on one. */
export async function startStatic(dir, extra = {}) {
  const http = await import('node:http');
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const rel = url.pathname === '/' ? '/index.html' : decodeURIComponent(url.pathname);
    const file = extra[rel] ?? path.join(dir, path.normalize(rel).replace(/^(\.\.[/\\])+/, ''));
    if (!file.startsWith(dir) && !Object.values(extra).includes(file)) {
      res.writeHead(404).end();
      return;
    }
    fs.readFile(file, (err, data) => {
      if (err) {
        res.writeHead(404).end('not found');
        return;
      }
      res.writeHead(200, { 'content-type': MIME[path.extname(file)] ?? 'application/octet-stream' });
      res.end(data);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return {
    port,
    url: `http://127.0.0.1:${port}/`,
    stop: () => new Promise((r) => server.close(r)),
  };
}
