// Python wheel benchmark: prints figures, asserts nothing.
//
//   ./scripts/wheel.sh && node tests/browser/wheel_bench.mjs [WHEEL]   (default: .whl/meshcast-*.whl)
//
// Measures, as a Python user meets the wheel: its size (and that of the relay and the page in
// it), then in a fresh venv: `pip install WHEEL` (its dependencies numpy, msgpack and websockets
// come from pip's cache or PyPI), `python -m meshcast.server` until it accepts connections,
// headless Chromium's start, and the page until its first frame is drawn and it is connected to
// the relay; the sum is the time from `pip install` to a drawn page. The venv's creation is
// printed apart and not counted. Every process it starts is stopped; the venv is removed.

import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { ROOT, freePort, launch, sleep, waitReady } from './lib.mjs';

const MB = 1e6;
const wheel = process.argv[2] ?? (() => {
  const dir = path.join(ROOT, '.whl');
  const found = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /^meshcast-.*\.whl$/.test(f)) : [];
  if (found.length !== 1) throw new Error(`expected one meshcast wheel in ${dir} (run ./scripts/wheel.sh), found ${found.length}`);
  return path.join(dir, found[0]);
})();

/** Seconds `fn` takes (awaited). */
async function timed(fn) {
  const t0 = performance.now();
  const value = await fn();
  return { s: (performance.now() - t0) / 1000, value };
}

/** Sizes of the entries of a zip whose names match `re`, summed (uncompressed, compressed). */
function zipSizes(file, re) {
  const script = `import re, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
items = [i for i in z.infolist() if re.search(sys.argv[2], i.filename)]
print(sum(i.file_size for i in items), sum(i.compress_size for i in items))`;
  const [raw, packed] = execFileSync('python3', ['-c', script, file, re]).toString().trim().split(' ').map(Number);
  return { raw, packed };
}

async function listening(port, proc) {
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`meshcast.server exited with ${proc.exitCode}`);
    const open = await new Promise((resolve) => {
      const c = net.connect({ port, host: '127.0.0.1' }, () => { c.destroy(); resolve(true); });
      c.once('error', () => resolve(false));
    });
    if (open) return;
    await sleep(20);
  }
}

const size = fs.statSync(wheel).size;
const relay = zipSizes(wheel, '^meshcast/bin/');
const page = zipSizes(wheel, '^meshcast/page/');
console.log(`wheel: ${path.basename(wheel)}`);
console.log(`wheel size: ${(size / MB).toFixed(2)} MB (goal < 15 MB)`);
console.log(`  relay binary: ${(relay.raw / MB).toFixed(2)} MB, ${(relay.packed / MB).toFixed(2)} MB compressed`);
console.log(`  page (dist/): ${(page.raw / MB).toFixed(2)} MB, ${(page.packed / MB).toFixed(2)} MB compressed`);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshcast-wheel-bench-'));
const venv = path.join(dir, 'venv');
let server;
let browser;
try {
  const made = await timed(() => execFileSync('python3', ['-m', 'venv', venv]));
  console.log(`python3 -m venv (not counted): ${made.s.toFixed(1)} s`);
  const pip = await timed(() => execFileSync(path.join(venv, 'bin', 'pip'), ['install', '--quiet', wheel]));
  const port = await freePort();
  const start = await timed(async () => {
    server = spawn(path.join(venv, 'bin', 'python'), ['-m', 'meshcast.server', '--port', String(port)], { stdio: 'ignore' });
    await listening(port, server);
  });
  const chromium = await timed(async () => { browser = await launch('webgl'); });
  const drawn = await timed(async () => {
    const p = await browser.context.newPage();
    await p.goto(`http://127.0.0.1:${port}/?backend=webgl`);
    await waitReady(p, 'webgl');
  });
  const total = pip.s + start.s + chromium.s + drawn.s;
  console.log(`pip install of the wheel: ${pip.s.toFixed(1)} s`);
  console.log(`python -m meshcast.server until it listens: ${start.s.toFixed(2)} s`);
  console.log(`headless Chromium start: ${chromium.s.toFixed(2)} s`);
  console.log(`page until its first frame is drawn and it is connected (WebGL2): ${drawn.s.toFixed(2)} s`);
  console.log(`pip install to a drawn page: ${total.toFixed(1)} s`);
} finally {
  await browser?.close();
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await exited;
  }
  fs.rmSync(dir, { recursive: true, force: true });
}
