// SMPL evaluation speed in the browser (wasm, one thread): the real relay with a synthetic model
// folder, headless Chromium, one SMPL sequence of N frames sent at once, then frames streamed one
// add_frames at a time. Prints the page's own measurement (window.__meshcast.smplStats():
// frames evaluated and the milliseconds SmplBodies::sync took, performance.now()).
//
//   cd tests/browser && node smpl_bench.mjs [--frames 1000] [--stream 300] [--backend webgl]
//
// Prerequisites as for the tests (dist/ from trunk build --release, the relay binary, npm ci,
// python3 with numpy).

import fs from 'node:fs';

import { Producer, MSG, f32 } from './send.mjs';
import { startRelay, launch, openViewer, waitFor } from './lib.mjs';
import { makeModelsDir, randomBody } from './smpl.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const FRAMES = Number(arg('frames', '1000'));
const STREAM = Number(arg('stream', '300'));
const BACKEND = arg('backend', 'webgl');

const models = makeModelsDir(0);
// The relay's default log level: startRelay waits for its info-level READY_LINE.
const relay = await startRelay({ args: ['--smpl-models', models] });
const browser = await launch(BACKEND);
try {
  const page = await openViewer(browser.context, relay, BACKEND);
  const p = await Producer.connect(relay.clientUrl);
  const body = randomBody(FRAMES, 3);
  const kw = Object.fromEntries(Object.entries(body).map(([k, { shape, data }]) => [k, f32(shape, data)]));
  p.send(MSG.SMPL, 1, { ...kw, name: 'bench' });
  await p.flush();
  await waitFor(page, () => window.__meshcast.nodes().length === 1);
  const client = await page.evaluate(() => window.__meshcast.nodes()[0].client);
  await waitFor(page, ([c, n]) => window.__meshcast.smplStatus(c, 1)?.frames === n, [client, FRAMES], 600000);
  const s1 = await page.evaluate(() => window.__meshcast.smplStats());
  console.log(
    `${BACKEND}: whole sequence of ${s1.framesEvaluated} frames evaluated in ${s1.evalMs.toFixed(0)} ms: ` +
      `${((1000 * s1.framesEvaluated) / s1.evalMs).toFixed(0)} frames/s (wasm, one thread)`,
  );

  // Streaming: one frame per add_frames, as fast as the page takes them.
  const extra = randomBody(STREAM, 5);
  const t0 = Date.now();
  for (let i = 0; i < STREAM; i++) {
    p.send(MSG.ADD_FRAMES, 1, {
      poses_body: f32([1, 69], extra.poses_body.data.subarray(i * 69, (i + 1) * 69)),
      poses_root: f32([1, 3], extra.poses_root.data.subarray(i * 3, (i + 1) * 3)),
      trans: f32([1, 3], extra.trans.data.subarray(i * 3, (i + 1) * 3)),
    });
  }
  await p.flush();
  await waitFor(page, ([c, n]) => window.__meshcast.smplStatus(c, 1)?.frames === n, [client, FRAMES + STREAM], 600000);
  const wall = Date.now() - t0;
  const s2 = await page.evaluate(() => window.__meshcast.smplStats());
  const frames = s2.framesEvaluated - s1.framesEvaluated;
  const ms = s2.evalMs - s1.evalMs;
  console.log(
    `${BACKEND}: streaming ${STREAM} frames (node at ${FRAMES}..${FRAMES + STREAM} frames): ${frames} evaluated in ` +
      `${ms.toFixed(0)} ms of sync: ${((1000 * frames) / ms).toFixed(0)} frames/s; ${wall} ms wall clock until all were evaluated ` +
      `(the page evaluates what arrived once per rendered frame)`,
  );
  p.close();
} finally {
  await browser.close();
  await relay.stop();
  fs.rmSync(models, { recursive: true, force: true });
}
