// SMPL bodies in the browser, end to end: the real relay with --smpl-models pointing at a
// synthetic model folder, an SMPL sequence sent by a producer, the page fetching the model and
// evaluating the body in wasm; its vertices (window.__meshcast.smplVertices) compared with the
// independent numpy reference (max abs error < 1e-4) on WebGL2 and WebGPU, a screenshot with the
// body visible, and the messages when the model file is missing.
//
// Prerequisites as for viewer.test.mjs, plus python3 with numpy (MESHCAST_PYTHON).
// Run: `cd tests/browser && node --test --test-concurrency=1 smpl.test.mjs`.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { Producer, MSG, f32 } from './send.mjs';
import { allowPageErrors, startRelay, launch, openViewer, waitFor, nextFrames, shot, region, OUT } from './lib.mjs';
import { makeModelsDir, randomBody, referenceVertices, maxAbsError } from './smpl.mjs';

const BACKENDS = (process.env.MESHCAST_BACKENDS ?? 'webgl,webgpu').split(',');
const N = 4;

const kwargsOf = (params) =>
  Object.fromEntries(Object.entries(params).map(([k, { shape, data }]) => [k, f32(shape, data)]));

describe('SMPL bodies', () => {
  let models;
  let modelPath;
  let params;
  let reference;

  before(() => {
    models = makeModelsDir(0);
    modelPath = path.join(models, 'smpl', 'SMPL_NEUTRAL.npz');
    params = randomBody(N, 11);
    reference = referenceVertices(modelPath, params);
    assert.equal(reference.length, N * 6890 * 3);
  });
  after(() => fs.rmSync(models, { recursive: true, force: true }));

  for (const backend of BACKENDS) {
    describe(`(${backend})`, () => {
      let browser;
      let relay;
      let page;
      let producer;
      before(async () => {
        browser = await launch(backend);
      });
      after(async () => {
        producer?.close();
        await page?.close();
        await browser?.close();
        await relay?.stop();
      });

      async function fresh(args) {
        producer?.close();
        await page?.close();
        await relay?.stop();
        relay = await startRelay({ args });
        page = await openViewer(browser.context, relay, backend);
        producer = await Producer.connect(relay.clientUrl);
      }

      it('evaluates the body in the page exactly as numpy does, and draws it', async () => {
        await fresh(['--smpl-models', models]);
        producer.send(MSG.SMPL, 1, { ...kwargsOf(params), name: 'body' });
        await producer.flush();
        await waitFor(page, () => window.__meshcast.nodes().length === 1);
        const client = await page.evaluate(() => window.__meshcast.nodes()[0].client);
        await waitFor(page, (c) => window.__meshcast.smplStatus(c, 1)?.state === 'loaded', client, 60000);
        let worst = 0;
        for (let f = 0; f < N; f++) {
          const v = await page.evaluate(([c, f]) => Array.from(window.__meshcast.smplVertices(c, 1, f)), [client, f]);
          const ref = reference.subarray(f * 6890 * 3, (f + 1) * 6890 * 3);
          worst = Math.max(worst, maxAbsError(Float32Array.from(v), ref));
        }
        console.log(`  ${backend}: max abs error vs numpy over ${N} frames: ${worst.toExponential(2)}`);
        assert.ok(worst < 1e-4, `max abs error ${worst}`);
        const stats = await page.evaluate(() => window.__meshcast.smplStats());
        assert.equal(stats.framesEvaluated, N);
        assert.equal(await page.evaluate(() => document.body.dataset.smplError ?? ''), '');

        // Streaming: one more frame is evaluated on its own.
        producer.send(MSG.ADD_FRAMES, 1, { poses_body: f32([1, 69], new Float32Array(69)) });
        await producer.flush();
        await waitFor(page, (c) => window.__meshcast.smplStatus(c, 1)?.frames === 5, client);
        assert.equal((await page.evaluate(() => window.__meshcast.smplStats())).framesEvaluated, N + 1);

        // The body is visible: fit the camera, look at frame 0.
        await page.evaluate(() => {
          window.__meshcast.pause();
          window.__meshcast.setFrame(0);
          window.__meshcast.fit();
        });
        await nextFrames(page, 3);
        const img = await shot(page, `${backend}-smpl-body`);
        const grey = region(img, 'grey');
        assert.ok(grey.n > 3000, `grey body pixels: ${grey.n}`);
        near(grey.cx, 0.5, 0.1, 'body centred after fit (x)');
      });

      it("lists the body's Mesh, Skeleton and Joint Angles under it and hides each on its own", async () => {
        await fresh(['--smpl-models', models]);
        producer.send(MSG.SMPL, 1, { ...kwargsOf(params), name: 'body', show_joint_angles: true, rb_length: 0.25 });
        await producer.flush();
        await waitFor(page, () => window.__meshcast.nodes().length === 1);
        const client = await page.evaluate(() => window.__meshcast.nodes()[0].client);
        await waitFor(page, (c) => window.__meshcast.smplStatus(c, 1)?.state === 'loaded', client, 60000);
        // The tree: the body's row, then its three parts (aitviewer's children), nested.
        await page.waitForFunction(() => document.querySelectorAll('#mc-scene-list li[data-part]').length === 3);
        const rows = await page.$$eval('#mc-scene-list li', (lis) =>
          lis.map((li) => [li.dataset.part ?? '', li.getAttribute('aria-level'), li.querySelector('.mc-name').textContent]),
        );
        assert.deepEqual(rows, [
          ['', '1', 'body'],
          ['mesh', '2', 'Mesh'],
          ['skeleton', '2', 'Skeleton'],
          ['joint_angles', '2', 'Joint Angles'],
        ]);
        const parts = await page.evaluate(() => window.__meshcast.nodes()[0].parts.map((p) => `${p.part}:${p.visible}`));
        assert.deepEqual(parts, ['mesh:true', 'skeleton:true', 'joint_angles:true']);
        await page.evaluate(() => {
          window.__meshcast.setFrame(0);
          window.__meshcast.fit();
        });
        await nextFrames(page, 3);
        const count = async (name) => {
          const img = await shot(page, `${backend}-smpl-parts-${name}`);
          const rgb = ['red', 'green', 'blue'].reduce((n, c) => n + region(img, c).n, 0);
          return { grey: region(img, 'grey', [0.25, 0.05, 0.75, 0.6]).n, rgb, orange: region(img, 'other').n };
        };
        const all = await count('all');
        // The whole page: the body with its shadow on the floor, and its tree in the scene list.
        await page.screenshot({ path: path.join(OUT, `${backend}-smpl-page.png`) });
        // Hiding the mesh (its checkbox in the tree) uncovers the skeleton and the joint axes.
        await page.click('#mc-scene-list li[data-part="mesh"] input');
        await waitFor(page, () => window.__meshcast.nodes()[0].parts[0].visible === false);
        await nextFrames(page, 2);
        const noMesh = await count('no-mesh');
        assert.ok(noMesh.grey < all.grey / 2, `mesh pixels ${all.grey} -> ${noMesh.grey}`);
        assert.ok(noMesh.rgb > 100, `joint axes (red, green, blue) pixels: ${noMesh.rgb}`);
        assert.ok(noMesh.orange > 100, `skeleton (orange) pixels: ${noMesh.orange}`);
        // Joint angles off: the axes go, the skeleton stays.
        await page.evaluate((c) => window.__meshcast.setPartVisible(c, 1, 'joint_angles', false), client);
        await nextFrames(page, 2);
        const bones = await count('skeleton-only');
        assert.ok(bones.rgb < noMesh.rgb / 10, `axes pixels ${noMesh.rgb} -> ${bones.rgb}`);
        assert.ok(bones.orange > noMesh.orange / 2, `skeleton pixels ${noMesh.orange} -> ${bones.orange}`);
        // Skeleton off as well: nothing of the body is left.
        await page.click('#mc-scene-list li[data-part="skeleton"] input');
        await nextFrames(page, 2);
        const none = await count('none');
        assert.ok(none.orange < bones.orange / 10, `skeleton pixels ${bones.orange} -> ${none.orange}`);
        // A part row selects its body; the mesh comes back with its checkbox.
        await page.click('#mc-scene-list li[data-part="joint_angles"] .mc-name');
        await waitFor(page, () => window.__meshcast.selected()?.uid === 1);
        await page.click('#mc-scene-list li[data-part="mesh"] input');
        await nextFrames(page, 2);
        const back = await count('mesh-back');
        assert.ok(back.grey > all.grey / 2, `mesh pixels back: ${back.grey} (first ${all.grey})`);
        await assert.rejects(
          page.evaluate((c) => window.__meshcast.setPartVisible(c, 1, 'arms', false), client),
          /joint_angles/,
        );
      });

      it('says which model file is missing, in the page and to the client', async () => {
        // No --smpl-models: the body is accepted, the page says the file is missing.
        await fresh([]);
        // The model file's fetch answers 404: the browser logs it.
        allowPageErrors(page, /status of 404/);
        producer.send(MSG.SMPL, 1, { ...kwargsOf(params), name: 'body' });
        await producer.flush();
        await waitFor(page, () => (document.body.dataset.smplError ?? '') !== '', null, 60000);
        const msg = await page.evaluate(() => document.body.dataset.smplError);
        assert.match(msg, /smpl\/SMPL_NEUTRAL\.npz/);
        assert.match(msg, /--smpl-models/);
        const top = await page.evaluate(() => document.body.innerText);
        assert.ok(top.includes('SMPL_NEUTRAL.npz'), 'the message is shown on the page');
        const client = await page.evaluate(() => window.__meshcast.nodes()[0].client);
        assert.equal((await page.evaluate((c) => window.__meshcast.smplStatus(c, 1), client)).state, 'missing');
        await nextFrames(page, 2);
        const img = await shot(page, `${backend}-smpl-missing`);
        assert.equal(region(img, 'grey', [0.3, 0.3, 0.7, 0.7]).n, 0, 'nothing drawn');

        // With a folder that lacks the file, the client is told which file and where.
        const empty = fs.mkdtempSync(path.join(path.dirname(models), 'meshcast-empty-models-'));
        await fresh(['--smpl-models', empty]);
        producer.send(MSG.SMPL, 1, { ...kwargsOf(params), gender: 'male' });
        await assert.rejects(producer.flush(), (e) => {
          assert.match(e.message, /smpl\/SMPL_MALE\.npz/);
          assert.ok(e.message.includes(fs.realpathSync(empty)), e.message);
          return true;
        });
        fs.rmSync(empty, { recursive: true, force: true });
      });
    });
  }
});

function near(a, b, tol, what) {
  assert.ok(Math.abs(a - b) < tol, `${what}: ${a.toFixed(3)} not within ${tol} of ${b}`);
}
