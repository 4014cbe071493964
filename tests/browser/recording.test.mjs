// Recordings in the page, on both backends: a recording written by the Python client with no
// relay (`RemoteViewer.record`) opens in a page served by a plain static server (no relay at all,
// `?recording=URL`) and shows the same picture as the same scene sent live through the relay; the
// file picker, a dropped file and `meshcast.openRecording` open one too; "Save scene" downloads
// a recording that reopens as the same picture; a damaged file is refused with its offset.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { DIST, ROOT, allowPageErrors, diffShare, launch, nextFrames, openViewer, region, shot, startRelay, startStatic, waitFor, waitReady } from './lib.mjs';

const PYTHON = process.env.MESHCAST_PYTHON ?? path.join(ROOT, '.venv', 'bin', 'python');
const SCENE = path.join(ROOT, 'tests', 'browser', 'clients', 'scene.py');
const BACKENDS = (process.env.MESHCAST_BACKENDS ?? 'webgl,webgpu').split(',');

/** Runs the scene script (`--port P` or `--record FILE`). */
function runScene(args) {
  const r = spawnSync(PYTHON, [SCENE, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60000 });
  assert.equal(r.status, 0, `scene.py ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
}

/** Pauses on frame 1 (the page plays by default) and returns a screenshot. */
async function frameOne(page, name) {
  await page.evaluate(() => {
    window.__meshcast.pause();
    window.__meshcast.setFrame(1);
  });
  await nextFrames(page);
  return shot(page, name);
}

/** Checks the scene's pixels: red square left, green spheres right, blue line below. */
function checkScene(img, what) {
  assert.ok(region(img, 'red', [0, 0, 0.5, 1]).n > 1500, `${what}: red square`);
  assert.ok(region(img, 'green', [0.5, 0, 1, 1]).n > 500, `${what}: green spheres`);
  assert.ok(region(img, 'blue').n > 200, `${what}: blue line`);
}

for (const backend of BACKENDS) {
  describe(`recordings in the page (${backend})`, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshcast-recording-test-'));
    const file = path.join(dir, 'run.mcrec');
    let browser;
    let relay;
    let site;
    let live;

    before(async () => {
      browser = await launch(backend);
      runScene(['--record', file]);
      site = await startStatic(DIST, { '/run.mcrec': file });
    });
    after(async () => {
      await browser?.close();
      await relay?.stop();
      await site?.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('a Python recording opens with no relay (?recording=) and looks like the live scene', async () => {
      relay = await startRelay();
      const page = await openViewer(browser.context, relay, backend);
      runScene(['--port', String(relay.port)]);
      await waitFor(page, () => window.__meshcast.nodes().length === 3);
      live = await frameOne(page, `${backend}-recording-live`);
      checkScene(live, 'live');
      await page.close();
      await relay.stop();
      relay = undefined;

      const offline = await browser.context.newPage();
      await offline.goto(`${site.url}?backend=${backend}&autotarget=0&recording=/run.mcrec`);
      await offline.waitForFunction(() => document.body.dataset.connection === 'recording', null, { timeout: 60000 });
      await waitFor(offline, () => window.__meshcast.nodes().length === 3);
      assert.equal(await offline.evaluate(() => window.__meshcast.nFrames()), 2);
      await offline.waitForFunction(() => document.getElementById('mc-status').textContent === 'recording run.mcrec');
      assert.equal(await offline.getAttribute('#mc-status', 'title'), '/run.mcrec');
      const img = await frameOne(offline, `${backend}-recording-offline`);
      checkScene(img, 'recording');
      const d = diffShare(live, img);
      assert.ok(d < 0.01, `the recording differs from the live scene in ${(d * 100).toFixed(2)} % of pixels`);
      await offline.close();
    });

    it('the file picker, a drop and openRecording() open one; Save scene reopens as the same picture', async () => {
      // A page of the static site with nothing to show yet: it tries the default relay (this
      // site's own address, which has none), so the browser logs the failed WebSocket.
      const page = await browser.context.newPage();
      allowPageErrors(page, /WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/viewer' failed/);
      await page.goto(`${site.url}?backend=${backend}&autotarget=0`);
      await page.waitForFunction(() => document.body.dataset.firstFrame === '1', null, { timeout: 60000 });

      await page.setInputFiles('#mc-open-recording-file', file);
      await page.waitForFunction(() => document.body.dataset.connection === 'recording', null, { timeout: 30000 });
      await waitFor(page, () => window.__meshcast.nodes().length === 3);
      const picked = await frameOne(page, `${backend}-recording-picked`);
      assert.ok(diffShare(live, picked) < 0.01, 'picked file looks like the live scene');

      // "Save scene" downloads a recording of what is shown.
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#mc-save-scene')]);
      assert.equal(download.suggestedFilename(), 'meshcast-scene.mcrec');
      const saved = fs.readFileSync(await download.path());
      assert.equal(saved.subarray(0, 8).toString(), 'MESHCAST');

      // Dropping the saved file on the page opens it.
      await page.evaluate(() => window.__meshcast.openRecording(new Uint8Array([77, 69, 83, 72, 67, 65, 83, 84, 1, 0, 0, 0, 0, 0, 0, 0])));
      await waitFor(page, () => window.__meshcast.nodes().length === 0);
      await page.evaluate((bytes) => {
        const dt = new DataTransfer();
        dt.items.add(new File([new Uint8Array(bytes)], 'saved.mcrec'));
        document.getElementById('meshcast').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      }, [...saved]);
      await waitFor(page, () => window.__meshcast.nodes().length === 3);
      await page.waitForFunction(() => document.getElementById('mc-status').textContent === 'recording saved.mcrec');
      const reopened = await frameOne(page, `${backend}-recording-saved`);
      assert.ok(diffShare(live, reopened) < 0.01, 'the saved scene looks like the live scene');

      // saveScene() gives the same bytes as the download.
      const again = await page.evaluate(() => [...window.__meshcast.saveScene()]);
      assert.deepEqual(Buffer.from(again), saved);

      // A damaged file: an Error naming the offset; the scene shown stays.
      const damaged = [...saved];
      damaged[damaged.length - 1] ^= 0x55;
      const err = await page.evaluate(async (bytes) => {
        try {
          window.__meshcast.openRecording(new Uint8Array(bytes), 'damaged.mcrec');
          return null;
        } catch (e) {
          return `${e.name}: ${e.message}`;
        }
      }, damaged);
      assert.match(err ?? '', /^Error: cannot open the recording damaged\.mcrec: .*offset \d+/);
      assert.equal(await page.evaluate(() => window.__meshcast.nodes().length), 3);
      // The top bar shows the error from the next frame on.
      await page.waitForFunction(() => /damaged\.mcrec/.test(document.getElementById('mc-error').textContent));
      const bad = await page.evaluate(() => {
        try {
          window.__meshcast.openRecording('not bytes');
          return null;
        } catch (e) {
          return e.name;
        }
      });
      assert.equal(bad, 'TypeError');
      await page.close();
    });
  });
}
