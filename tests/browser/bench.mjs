// Browser viewer benchmark: prints figures, asserts nothing.
//
//   cd tests/browser && node bench.mjs [--backend webgl|webgpu|both] [--skip-scene | --scene-only] [--msaa 1|4]
//                                      [--before DIST]
//
// Needs dist/ (trunk build --release) and target/debug/meshcast-relay, like the tests.
// --before DIST: another build of the page (e.g. an older dist/) whose wasm sizes and page load
// are measured in the same run, side by side.
// Measures, per backend:
//   - page load to first rendered frame (performance.now() at the first present, i.e. since
//     navigation start; and wall time from page.goto to the page reporting it), median of 5 after
//     a warm-up, with ?backend= set and without (the page's loader picks the build);
//   - ingest of 1,000 frames of a 6,890-vertex mesh, sent as 1,000 ADD_FRAMES messages and as one
//     1,000-frame creation: from the first byte sent until the page reports 1,000 frames, and
//     until the next frame was presented (the frames are then on the GPU);
//   - opening a recording of the same 1,000 frames (written by a relay started with --record) in
//     a page with no relay: fetch + open, until the page reports 1,000 frames and until the next
//     frame was presented, beside the live ingest above;
//   - the target scene (50 animated 6,890-vertex meshes + 100,000 spheres), playing: presented
//     frames per second and CPU milliseconds per rendered frame (performance.now() around the
//     frame callback: advance, sync, encode+submit, UI refresh), with shadows on (the default:
//     the meshes cast, the spheres do not) and then off (the View panel's Shadows box);
// and the size, raw and gzipped, of every wasm in dist/ (the page's two builds).
// Headless Chromium here renders with SwiftShader: a CPU rasteriser, so fps figures are for
// SOFTWARE rendering, far below any GPU's.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

import { Producer, MSG, NdArray, f32, i32, uvSphere } from './send.mjs';
import {
  allowPageErrors, startRelay, startStatic, launch, openViewer, waitReady, waitFor, nextFrames, sleep, shot, DIST,
} from './lib.mjs';

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : dflt;
};
const backends = opt('--backend', 'both') === 'both' ? ['webgl', 'webgpu'] : [opt('--backend')];
const skipScene = argv.includes('--skip-scene');
const sceneOnly = argv.includes('--scene-only');
const msaa = opt('--msaa', '4');
const beforeDist = opt('--before', null);

// A UV sphere with 53 × 130 = 6,890 vertices (SMPL's vertex count) and 13,416 triangles.
const BODY = uvSphere([0, 0, 0], 0.3, 52, 129);
const V = BODY.vertices.length / 3;
if (V !== 6890) throw new Error(`test mesh has ${V} vertices`);
const F = BODY.faces.length / 3;

/** `n` frames of the body, bobbing and breathing, offset by `at`. */
function bodyFrames(n, at = [0, 0, 0], phase = 0) {
  const out = new Float32Array(n * V * 3);
  for (let f = 0; f < n; f++) {
    const t = (2 * Math.PI * f) / Math.max(n, 1) + phase;
    const s = 1 + 0.1 * Math.sin(t);
    const dy = 0.1 * Math.sin(t);
    const o = f * V * 3;
    for (let v = 0; v < V; v++) {
      out[o + 3 * v] = at[0] + s * BODY.vertices[3 * v];
      out[o + 3 * v + 1] = at[1] + dy + BODY.vertices[3 * v + 1];
      out[o + 3 * v + 2] = at[2] + s * BODY.vertices[3 * v + 2];
    }
  }
  return out;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => `${x.toFixed(0)} ms`;

/** Every wasm in `dir`: file, raw and gzip -9 bytes. */
function wasmSizes(dir) {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.wasm'))
    .sort()
    .map((file) => {
      const raw = fs.readFileSync(path.join(dir, file));
      return { file, raw: raw.length, gzip: zlib.gzipSync(raw, { level: 9 }).length };
    });
}

/** The dists measured: this one, and --before's. */
const DISTS = [{ label: 'this dist/', dir: DIST }, ...(beforeDist ? [{ label: `before (${beforeDist})`, dir: beforeDist }] : [])];

/** Page load to the first frame with `query`, in the page `backend` runs: median of 5 after a warm-up. */
async function pageLoad(context, relay, backend, query) {
  const firstMs = [];
  const wall = [];
  for (let i = 0; i < 6; i++) {
    const t0 = Date.now();
    const page = await context.newPage();
    await page.goto(`${relay.pageUrl}?autotarget=0&msaa=${msaa}${query}`);
    await waitReady(page, backend);
    const w = Date.now() - t0;
    const first = Number(await page.evaluate(() => document.body.dataset.firstFrameMs));
    await page.close();
    if (i === 0) continue;
    wall.push(w);
    firstMs.push(first);
  }
  return { firstFrame: median(firstMs), wall: median(wall) };
}

/** Page load figures of every dist, side by side. */
async function pageLoads(context, backend) {
  for (const query of [`&backend=${backend}`, '']) {
    const cells = [];
    for (const d of DISTS) {
      const relay = await startRelay({ dist: d.dir });
      try {
        const r = await pageLoad(context, relay, backend, query);
        cells.push(`${d.label} ${ms(r.firstFrame)} (wall ${ms(r.wall)})`);
      } finally {
        await relay.stop();
      }
    }
    const how = query ? `?backend=${backend}` : 'no ?backend (the page picks)';
    console.log(`page load → first rendered frame, ${how}, after navigation start (wall: page.goto to ready): ${cells.join(' | ')}`);
  }
}

async function ingest(page, relay, mode) {
  const p = await Producer.connect(relay.clientUrl);
  const frames = bodyFrames(1000);
  const faces = i32([F, 3], BODY.faces);
  const frameLen = V * 3;
  const before = await page.evaluate(() => {
    window.__meshcast.pause();
    return window.__meshcast.stats();
  });
  const t0 = performance.now();
  if (mode === 'one message') {
    p.send(MSG.MESHES, 1, { vertices: new NdArray('f32', [1000, V, 3], frames), faces, name: 'ingest' });
  } else {
    p.send(MSG.MESHES, 1, { vertices: f32([1, V, 3], frames.subarray(0, frameLen)), faces, name: 'ingest' });
    for (let f = 1; f < 1000; f++) {
      p.send(MSG.ADD_FRAMES, 1, { vertices: f32([1, V, 3], frames.subarray(f * frameLen, (f + 1) * frameLen)) });
    }
  }
  const sent = performance.now() - t0;
  const acked = p.flush(300000).then(() => performance.now() - t0);
  await waitFor(page, () => window.__meshcast.nodes()[0]?.frames === 1000, null, 300000);
  const received = performance.now() - t0;
  await nextFrames(page, 1, 300000);
  const rendered = performance.now() - t0;
  const after = await page.evaluate(() => window.__meshcast.stats());
  const gpuBytes = after.gpuBytes;
  const decode = after.decodeMs - before.decodeMs;
  const apply = after.applyMs - before.applyMs;
  const relayAck = await acked;
  p.send(MSG.DELETE, 1);
  await p.flush();
  p.close();
  await waitFor(page, () => window.__meshcast.nodes().length === 0, null, 60000);
  return { sent, relayAck, received, rendered, gpuBytes, decode, apply };
}

/** Records the 1,000 ADD_FRAMES through a relay started with --record; returns the file. */
async function makeRecording(dir) {
  const file = path.join(dir, 'bench.mcrec');
  const relay = await startRelay({ args: ['--record', file] });
  try {
    const p = await Producer.connect(relay.clientUrl);
    const frames = bodyFrames(1000);
    const frameLen = V * 3;
    p.send(MSG.MESHES, 1, { vertices: f32([1, V, 3], frames.subarray(0, frameLen)), faces: i32([F, 3], BODY.faces), name: 'ingest' });
    for (let f = 1; f < 1000; f++) {
      p.send(MSG.ADD_FRAMES, 1, { vertices: f32([1, V, 3], frames.subarray(f * frameLen, (f + 1) * frameLen)) });
    }
    await p.flush(300000);
    p.close();
  } finally {
    await relay.stop();
  }
  return file;
}

/** Opens the recording in a page served with no relay: fetch + openRecording, timed in the page. */
async function openRecordingTimed(context, backend, file) {
  const site = await startStatic(DIST, { '/bench.mcrec': file });
  const page = await context.newPage();
  allowPageErrors(page, /WebSocket connection to/);
  try {
    await page.goto(`${site.url}?backend=${backend}&msaa=${msaa}`);
    await page.waitForFunction(() => document.body.dataset.firstFrame === '1', null, { timeout: 60000 });
    const t = await page.evaluate(async () => {
      const t0 = performance.now();
      const bytes = new Uint8Array(await (await fetch('/bench.mcrec')).arrayBuffer());
      const fetched = performance.now() - t0;
      window.__meshcast.openRecording(bytes, 'bench.mcrec');
      window.__meshcast.pause();
      return { t0, fetched, opened: performance.now() - t0 };
    });
    await waitFor(page, () => window.__meshcast.nodes()[0]?.frames === 1000, null, 300000);
    await nextFrames(page, 1, 300000);
    const rendered = await page.evaluate((t0) => performance.now() - t0, t.t0);
    return { bytes: fs.statSync(file).size, fetched: t.fetched, opened: t.opened, rendered };
  } finally {
    await page.close();
    await site.stop();
  }
}

async function targetScene(page, relay, backend) {
  const p = await Producer.connect(relay.clientUrl);
  const faces = i32([F, 3], BODY.faces);
  const N_FRAMES = 30;
  for (let m = 0; m < 50; m++) {
    const at = [(m % 10) * 0.8 - 3.6, 0.4, Math.floor(m / 10) * 0.8 - 1.6];
    p.send(MSG.MESHES, 100 + m, {
      vertices: new NdArray('f32', [N_FRAMES, V, 3], bodyFrames(N_FRAMES, at, m)),
      faces,
      color: f32([4], [0.8, 0.5 + 0.01 * m, 0.3, 1]),
      name: `body ${m}`,
    });
  }
  const P = 100000;
  const pos = new Float32Array(P * 3);
  let seed = 1;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let i = 0; i < P; i++) {
    pos[3 * i] = rnd() * 8 - 4;
    pos[3 * i + 1] = rnd() * 1.5 + 0.9;
    pos[3 * i + 2] = rnd() * 4 - 2;
  }
  p.send(MSG.SPHERES, 99, { positions: f32([P, 3], pos), radius: 0.01, color: f32([4], [0.1, 0.3, 1, 1]), name: '100k spheres' });
  await p.flush(300000);
  await waitFor(page, () => window.__meshcast.nodes().length === 51, null, 300000);
  await page.evaluate(() => {
    window.__meshcast.fit();
    window.__meshcast.play();
  });
  const on = await playing(page, `bench-${backend}-target-scene`);
  await page.locator('#mc-shadows').uncheck();
  await waitFor(page, () => document.body.dataset.shadows === '0');
  const off = await playing(page, `bench-${backend}-target-scene-no-shadows`);
  p.close();
  return { on, off };
}

/** Presented fps and CPU ms per frame over 8 s of playback (after 2 s to settle). */
async function playing(page, name) {
  await sleep(2000);
  const s0 = await page.evaluate(() => {
    window.__meshcast.resetStats();
    return window.__meshcast.stats();
  });
  const t0 = Date.now();
  await sleep(8000);
  const s1 = await page.evaluate(() => window.__meshcast.stats());
  const secs = (Date.now() - t0) / 1000;
  // Paused for the screenshot (a playing page on SwiftShader may never look "stable" to it).
  await page.evaluate(() => window.__meshcast.pause());
  await shot(page, name);
  await page.evaluate(() => window.__meshcast.play());
  return {
    fps: (s1.framesRendered - s0.framesRendered) / secs,
    cpuMsAvg: s1.cpuMsAvg,
    drawCalls: s1.drawCalls,
    instances: s1.instances,
    gpuMiB: s1.gpuBytes / 2 ** 20,
  };
}

for (const d of DISTS) {
  for (const w of wasmSizes(d.dir)) {
    console.log(
      `wasm, ${d.label}: ${w.file}: ${w.raw} bytes = ${(w.raw / 1e6).toFixed(2)} MB (${(w.raw / 2 ** 20).toFixed(2)} MiB) raw, ` +
        `${(w.gzip / 1e6).toFixed(2)} MB gzip -9`,
    );
  }
}
console.log(`load average: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} (${os.cpus().length} CPUs)`);

for (const backend of backends) {
  const relay = await startRelay();
  const browser = await launch(backend);
  try {
    console.log(`\n[${backend}, msaa ${msaa}] (headless Chromium, SwiftShader software rendering)`);
    const page = await openViewer(browser.context, relay, backend, `&msaa=${msaa}`);
    if (!sceneOnly) await loadAndIngest(browser, relay, page, backend);
    if (!skipScene) {
      const t = await targetScene(page, relay, backend);
      for (const [label, r] of [['shadows on ', t.on], ['shadows off', t.off]]) {
        console.log(
          `target scene (50 animated ${V}-vertex meshes × 30 frames + 100,000 spheres, playing), ${label}: ` +
            `${r.fps.toFixed(1)} fps presented, CPU ${r.cpuMsAvg.toFixed(2)} ms per rendered frame ` +
            `(${r.drawCalls} draw calls, ${r.instances} instances, ${r.gpuMiB.toFixed(0)} MiB GPU buffers)`,
        );
      }
    }
    await page.close();
  } finally {
    await browser.close();
    await relay.stop();
  }
}

/** Page load, live ingest and recording figures. */
async function loadAndIngest(browser, relay, page, backend) {
  await pageLoads(browser.context, backend);
  for (const mode of ['1,000 ADD_FRAMES messages', 'one message']) {
    const r = await ingest(page, relay, mode);
    console.log(
      `ingest 1,000 frames × ${V} vertices (${mode}): sent in ${ms(r.sent)}, relay acked after ${ms(r.relayAck)}, ` +
        `page has 1,000 frames after ${ms(r.received)}, ` +
        `rendered (on the GPU) after ${ms(r.rendered)}; in the page: decode ${ms(r.decode)}, apply ${ms(r.apply)}; ` +
        `GPU buffers ${(r.gpuBytes / 2 ** 20).toFixed(1)} MiB`,
    );
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshcast-bench-'));
  try {
    const file = await makeRecording(dir);
    const r = await openRecordingTimed(browser.context, backend, file);
    console.log(
      `open a recording of the same 1,000 frames (${(r.bytes / 1e6).toFixed(1)} MB, no relay): fetched in ${ms(r.fetched)}, ` +
        `page has 1,000 frames after ${ms(r.opened)}, rendered after ${ms(r.rendered)}`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
