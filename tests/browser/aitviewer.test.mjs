// Unmodified aitviewer clients, seen in the browser: a script using aitviewer's own
// `aitviewer.remote` package (installed in .venv by scripts/lib.sh) sends a red cube and green
// spheres through the relay's pickle path; the page shows them where they should be, in their
// colours, on both backends. The relay-side coverage is tests/aitviewer/.
//
// Prerequisites: those of viewer.test.mjs, plus .venv with aitviewer (scripts/lib.sh setup_python).

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

import { ROOT, startRelay, launch, openViewer, waitFor, nextFrames, shot, region } from './lib.mjs';

const PYTHON = process.env.MESHCAST_PYTHON ?? path.join(ROOT, '.venv', 'bin', 'python');
const BACKENDS = (process.env.MESHCAST_BACKENDS ?? 'webgl,webgpu').split(',');

/** An aitviewer client script: a red cube at x = -0.8 and two green spheres at x = +0.8. */
const SCRIPT = `
import os, sys
import numpy as np
from aitviewer.remote.viewer import RemoteViewer
from aitviewer.remote.renderables.meshes import RemoteMeshes
from aitviewer.remote.renderables.spheres import RemoteSpheres
v = RemoteViewer(host="127.0.0.1", port=int(sys.argv[1]), verbose=False)
assert v.connected
cube = np.array([[x, y, z] for z in (-.3, .3) for y in (-.3, .3) for x in (-.3, .3)])
faces = np.array([[0,2,1],[1,2,3],[4,5,6],[5,7,6],[0,1,4],[1,5,4],[2,6,3],[3,6,7],[0,4,2],[2,4,6],[1,3,5],[3,7,5]])
RemoteMeshes(v, cube, faces, name="aitviewer cube", position=(-0.8, 0.0, 0.0), color=(1.0, 0.0, 0.0, 1.0))
RemoteSpheres(v, np.array([[0.8, 0.25, 0.0], [0.8, -0.25, 0.0]]), radius=0.2, color=(0.0, 0.8, 0.0, 1.0), name="aitviewer spheres")
os._exit(0)  # aitviewer's close_connection() can hang; everything sent is delivered
`;

/**
 * aitviewer's `examples/remote.py` pattern: a 200-frame mesh and spheres, then `set_frame(50)`.
 * The spheres move from x = -1 (frame 0) to x = +1 (frame 199); the cube rides along in y.
 */
const SET_FRAME_SCRIPT = `
import os, sys
import numpy as np
from aitviewer.remote.viewer import RemoteViewer
from aitviewer.remote.renderables.meshes import RemoteMeshes
from aitviewer.remote.renderables.spheres import RemoteSpheres
v = RemoteViewer(host="127.0.0.1", port=int(sys.argv[1]), verbose=False)
n = 200
t = np.linspace(0.0, 1.0, n)
cube = np.array([[x, y, z] for z in (-.2, .2) for y in (-.2, .2) for x in (-.2, .2)])
faces = np.array([[0,2,1],[1,2,3],[4,5,6],[5,7,6],[0,1,4],[1,5,4],[2,6,3],[3,6,7],[0,4,2],[2,4,6],[1,3,5],[3,7,5]])
verts = cube[None] + np.stack([np.zeros(n), -0.6 + 0.2 * t, np.zeros(n)], -1)[:, None]
RemoteMeshes(v, verts, faces, name="moving cube", color=(1.0, 0.0, 0.0, 1.0))
spheres = np.stack([-1.0 + 2.0 * t, np.full(n, 0.4), np.zeros(n)], -1)[:, None]
RemoteSpheres(v, spheres, radius=0.15, color=(0.0, 0.8, 0.0, 1.0), name="moving spheres")
v.set_frame(50)
os._exit(0)
`;

for (const backend of BACKENDS) {
  describe(`aitviewer clients in the browser (${backend})`, () => {
    let browser;
    let relay;
    let page;
    before(async () => {
      browser = await launch(backend);
      relay = await startRelay();
      page = await openViewer(browser.context, relay, backend);
    });
    after(async () => {
      await page?.close();
      await browser?.close();
      await relay?.stop();
    });

    it('shows what an unmodified aitviewer script sends, in place and in colour', async () => {
      await promisify(execFile)(PYTHON, ['-c', SCRIPT, String(relay.port)], { cwd: ROOT, timeout: 60000 });
      await waitFor(page, () => window.__meshcast.nodes().length === 2);
      await nextFrames(page);
      const nodes = await page.evaluate(() => window.__meshcast.nodes());
      assert.deepEqual(nodes.map((n) => n.name).sort(), ['aitviewer cube', 'aitviewer spheres']);
      const img = await shot(page, `${backend}-aitviewer`);
      const red = region(img, 'red');
      const green = region(img, 'green');
      assert.ok(red.n > 1500, `red cube pixels: ${red.n}`);
      assert.ok(green.n > 1500, `green sphere pixels: ${green.n}`);
      assert.ok(red.cx < 0.4, `cube on the left (x = ${red.cx.toFixed(2)})`);
      assert.ok(green.cx > 0.6, `spheres on the right (x = ${green.cx.toFixed(2)})`);
    });

    it('a fresh tab starts paused, so a script ending in set_frame(50) shows frame 50', async () => {
      const fresh = await startRelay();
      const tab = await openViewer(browser.context, fresh, backend);
      try {
        assert.equal(await tab.evaluate(() => window.__meshcast.playing()), false, 'starts paused');
        await promisify(execFile)(PYTHON, ['-c', SET_FRAME_SCRIPT, String(fresh.port)], { cwd: ROOT, timeout: 60000 });
        await waitFor(tab, () => window.__meshcast.nFrames() === 200 && window.__meshcast.currentFrame() === 50);
        await nextFrames(tab, 3);
        // Still there a few frames later: nothing plays the scene away from it.
        assert.equal(await tab.evaluate(() => window.__meshcast.currentFrame()), 50);
        const green = region(await shot(tab, `${backend}-aitviewer-set-frame`), 'green');
        assert.ok(green.n > 500, `sphere pixels: ${green.n}`);
        // Frame 50 puts the sphere at x = -0.5: left of the centre (frame 149 would be right).
        assert.ok(green.cx < 0.42, `sphere at frame 50 is left of the centre (x = ${green.cx.toFixed(2)})`);
      } finally {
        await tab.close();
        await fresh.stop();
      }
    });

    it('?play starts the animation', async () => {
      const fresh = await startRelay();
      const tab = await openViewer(browser.context, fresh, backend, '&play');
      try {
        assert.equal(await tab.evaluate(() => window.__meshcast.playing()), true);
        await promisify(execFile)(PYTHON, ['-c', SET_FRAME_SCRIPT, String(fresh.port)], { cwd: ROOT, timeout: 60000 });
        await waitFor(tab, () => window.__meshcast.nFrames() === 200);
        const first = await tab.evaluate(() => window.__meshcast.currentFrame());
        await waitFor(tab, (f) => window.__meshcast.currentFrame() !== f, first);
        assert.equal(await tab.evaluate(() => document.getElementById('mc-play').textContent), 'Pause');
      } finally {
        await tab.close();
        await fresh.stop();
      }
    });
  });
}
