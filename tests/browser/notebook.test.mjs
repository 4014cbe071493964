// A notebook shows the scene it sends: client/python/examples/notebook.ipynb, executed by nbclient
// in an IPython kernel of MESHCAST_PYTHON (scripts/test_wheel.sh: a fresh venv with the meshcast
// wheel installed and no cargo on PATH), starts the relay the wheel carries
// (`RemoteViewer.create_new_process`), sends a red cube and green spheres and calls
// `viewer.show()`. The HTML it displayed (an <iframe> of the relay's page) is served from another
// origin on this machine, as Jupyter serves a notebook, and opened in headless Chromium: the viewer
// inside the frame draws the cube and the spheres, in place, on both backends.
//
// Prerequisites: MESHCAST_PYTHON with meshcast, nbclient, nbformat and ipykernel installed;
// Chromium; npm ci in this folder.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { ROOT, freePort, launch, nextFrames, region, shot, startStatic, waitFor, waitReady } from './lib.mjs';

const PYTHON = process.env.MESHCAST_PYTHON ?? path.join(ROOT, '.venv', 'bin', 'python');
const NOTEBOOK = path.join(ROOT, 'client', 'python', 'examples', 'notebook.ipynb');
const RUN_NOTEBOOK = path.join(ROOT, 'tests', 'browser', 'clients', 'run_notebook.py');
const BACKENDS = (process.env.MESHCAST_BACKENDS ?? 'webgl,webgpu').split(',');

/** Runs the notebook (clients/run_notebook.py) with the relay on `port`. `shown` resolves to
 * what it showed once every cell ran; the kernel (and with it the relay) runs until `stop()`. */
function runNotebook(port) {
  const proc = spawn(PYTHON, [RUN_NOTEBOOK, NOTEBOOK], {
    cwd: ROOT,
    env: { ...process.env, MESHCAST_PORT: String(port) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stderr.on('data', (d) => (err += d));
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  const shown = new Promise((resolve, reject) => {
    proc.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{') && out.includes(`${l}\n`));
      if (line) resolve(JSON.parse(line));
    });
    exited.then((code) => reject(new Error(`run_notebook.py exited (${code}) before showing anything:\n${out}\n${err}`)));
  });
  shown.catch(() => {});
  return {
    shown,
    /** Closes the notebook (its stdin): the kernel shuts down; then makes sure the relay is gone. */
    async stop(relayPid) {
      proc.stdin.end();
      await exited;
      if (relayPid) {
        try {
          process.kill(relayPid, 'SIGTERM');
        } catch (e) {
          if (e.code !== 'ESRCH') throw e;
        }
      }
    },
  };
}

describe('a notebook shows its scene (viewer.show)', () => {
  let notebook;
  let shown;
  before(async () => {
    const port = await freePort();
    notebook = runNotebook(port);
    shown = { ...(await notebook.shown), port };
  });
  after(async () => {
    await notebook?.stop(shown?.relay_pid);
  });

  it('runs every cell and shows an IFrame of the relay page it started', () => {
    assert.deepEqual(shown.errors, []);
    assert.ok(shown.relay_pid > 0, `relay pid: ${shown.relay_pid}`);
    assert.match(shown.iframe, new RegExp(`<iframe[^>]* src="http://127\\.0\\.0\\.1:${shown.port}/"`));
  });

  for (const backend of BACKENDS) {
    it(`draws the scene inside the shown IFrame (${backend})`, async () => {
      const browser = await launch(backend);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshcast-notebook-'));
      let notebookPage;
      try {
        // The notebook's output in a page of another origin on this machine, as Jupyter serves
        // it (a secure context: WebGPU needs one all the way up); the frame asks for the backend.
        const html = shown.iframe.replace(/src="([^"]*)"/, (_, src) => `src="${src}?backend=${backend}"`);
        fs.writeFileSync(path.join(dir, 'index.html'), `<!doctype html><link rel="icon" href="data:,"><body style="margin:0">${html}</body>`);
        notebookPage = await startStatic(dir);
        const page = await browser.context.newPage();
        await page.goto(notebookPage.url);
        const frame = await (await page.waitForSelector('iframe')).contentFrame();
        await waitReady(frame, backend);
        await waitFor(frame, () => window.__meshcast.nodes().length === 2);
        await nextFrames(frame);
        const names = await frame.evaluate(() => window.__meshcast.nodes().map((n) => n.name).sort());
        assert.deepEqual(names, ['cube', 'spheres']);
        const img = await shot(frame, `${backend}-notebook`);
        const red = region(img, 'red');
        const green = region(img, 'green');
        assert.ok(red.n > 1000, `red cube pixels: ${red.n}`);
        assert.ok(green.n > 1000, `green sphere pixels: ${green.n}`);
        assert.ok(red.cx < green.cx, `cube (x = ${red.cx.toFixed(2)}) left of the spheres (x = ${green.cx.toFixed(2)})`);
      } finally {
        await browser.close();
        await notebookPage?.stop();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
