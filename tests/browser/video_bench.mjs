// Video export benchmark: seconds per frame of the demo scene (client/examples/demo.rs, recorded
// with --record) at 1280×720, natively with meshcast-render (llvmpipe, or a GPU when there is
// one) and in the page's exportVideo (headless Chromium on SwiftShader, WebGL2 and WebGPU),
// printed side by side. Median over the frames after the first (which uploads the scene).
//
//   cargo build --release -p meshcast-render && cargo build -p meshcast-client --example demo
//   trunk build --release
//   node tests/browser/video_bench.mjs [--frames 20] [--width 1280 --height 720]

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { DIST, TARGET, launch, startStatic } from './lib.mjs';

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const FRAMES = arg('frames', 20);
const W = arg('width', 1280);
const H = arg('height', 720);
const RENDER = process.env.MESHCAST_RENDER_BIN ?? path.join(TARGET, 'release', 'meshcast-render');
const DEMO = path.join(TARGET, 'debug', 'examples', 'demo');

const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshcast-video-bench-'));
try {
  const rec = path.join(dir, 'demo.mcrec');
  let r = spawnSync(DEMO, ['--record', rec], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`demo --record failed: ${r.stderr}`);

  // Native: render + read back per frame (the command's median), and the whole run with VP9
  // encoding by ffmpeg.
  const last = String(FRAMES - 1);
  r = spawnSync(RENDER, [rec, '--last', last, '--width', String(W), '--height', String(H), '--fps', '60',
    '-o', path.join(dir, 'native.webm')], { encoding: 'utf8', env: { ...process.env, RUST_LOG: 'warn' } });
  if (r.status !== 0) throw new Error(`meshcast-render failed: ${r.stderr}`);
  const m = r.stdout.match(/on (.*?) \((\w+)\): ([\d.]+) s per rendered frame \(median\), ([\d.]+) s in all/);
  if (!m) throw new Error(`unexpected output: ${r.stdout}`);
  const rows = [[`native meshcast-render (${m[1]}, ${m[2]})`, Number(m[3]), Number(m[4]) / FRAMES]];

  // The page: per exported frame (render + read back + VP8 encode), from the progress callbacks.
  const site = await startStatic(DIST, { '/demo.mcrec': rec });
  for (const backend of ['webgl', 'webgpu']) {
    const browser = await launch(backend);
    try {
      const page = await browser.context.newPage();
      await page.goto(`${site.url}?backend=${backend}&autotarget=0&recording=/demo.mcrec`);
      await page.waitForFunction(() => document.body.dataset.connection === 'recording' && document.body.dataset.firstFrame === '1', null, { timeout: 120000 });
      await page.waitForFunction(() => window.meshcast.nFrames() === 240, null, { timeout: 120000 });
      const res = await page.evaluate(async ({ last, W, H }) => {
        const times = [];
        let t = performance.now();
        const t0 = t;
        await window.meshcast.exportVideo({
          last, width: W, height: H, fps: 60,
          onProgress: () => {
            const now = performance.now();
            times.push(now - t);
            t = now;
          },
        });
        return { times, total: performance.now() - t0 };
      }, { last: FRAMES - 1, W, H });
      rows.push([`page exportVideo, ${backend} (SwiftShader)`, median(res.times.slice(1)) / 1000, res.total / 1000 / FRAMES]);
    } finally {
      await browser.close();
    }
  }
  await site.stop();

  console.log(`video export, demo scene, ${W}x${H}, ${FRAMES} frames (median of frames 2..${FRAMES}; load average ${os.loadavg()[0].toFixed(1)})`);
  console.log('| path | s per rendered frame (median) | s per frame, whole export incl. encoding |');
  console.log('| --- | --- | --- |');
  for (const [name, med, all] of rows) console.log(`| ${name} | ${med.toFixed(3)} | ${all.toFixed(3)} |`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
