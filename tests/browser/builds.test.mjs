// The page's two builds of the viewer (docs/viewer.md, "Two builds"): the loader in index.html
// fetches the WebGPU-only build where the browser offers a WebGPU adapter and the build with
// WebGL2 otherwise or for ?backend=webgl; a WebGPU-only build that then gets no device hands the
// page over to the WebGL2 build without a page error. The WebGL2 build has WebGL2 only.
//
// Run: `cd tests/browser && node --test builds.test.mjs` (needs dist/ and the relay, as npm test).

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { allowPageErrors, startRelay, launch, waitReady } from './lib.mjs';

/** Opens the page with `query`, recording the wasm files it fetches; with `noDevice`, every
 * WebGPU device request of the page's scripts fails (the adapter stays). */
async function open(context, relay, query, { noDevice = false } = {}) {
  const page = await context.newPage();
  if (noDevice) {
    await page.addInitScript(() => {
      GPUAdapter.prototype.requestDevice = () => Promise.reject(new Error('test: no device'));
    });
  }
  const wasm = [];
  page.on('request', (r) => {
    const file = new URL(r.url()).pathname.slice(1);
    if (file.endsWith('.wasm')) wasm.push(file);
  });
  await page.goto(`${relay.pageUrl}${query}`);
  return { page, wasm };
}

/** Opens the page and waits until it runs `backend`; returns its `data-*` state too. */
async function openReady(context, relay, query, backend, options) {
  const { page, wasm } = await open(context, relay, query, options);
  await waitReady(page, backend);
  const state = await page.evaluate(() => ({ ...document.body.dataset }));
  return { page, wasm, state };
}

/** Chromium for `backend` and a relay, for the enclosing suite (filled in by its `before` hook). */
function withBrowserAndRelay(backend) {
  const s = {};
  before(async () => {
    s.browser = await launch(backend);
    s.relay = await startRelay();
  });
  after(async () => {
    await s.browser?.close();
    await s.relay?.stop();
  });
  return s;
}

const isWebGpuOnly = (file) => file.startsWith('meshcast-viewer-webgpu-');

describe('page builds (WebGPU browser)', () => {
  const s = withBrowserAndRelay('webgpu');

  it('loads only the WebGPU-only build where WebGPU has an adapter', async () => {
    const { page, wasm, state } = await openReady(s.browser.context, s.relay, '?autotarget=0', 'webgpu');
    assert.equal(state.build, 'webgpu');
    assert.equal(state.fallback, undefined);
    assert.equal(state.noWebgpu, undefined);
    assert.deepEqual(wasm.map(isWebGpuOnly), [true], wasm.join(', '));
    await page.close();
  });

  it('loads only the WebGL2 build for ?backend=webgl', async () => {
    const { page, wasm, state } = await openReady(s.browser.context, s.relay, '?backend=webgl&autotarget=0', 'webgl');
    assert.equal(state.build, 'webgl');
    assert.deepEqual(wasm.map(isWebGpuOnly), [false], wasm.join(', '));
    await page.close();
  });

  it('falls back to the WebGL2 build when the WebGPU device fails, without page errors', async () => {
    const { page, wasm, state } = await openReady(s.browser.context, s.relay, '?autotarget=0', 'webgl', { noDevice: true });
    assert.equal(state.build, 'webgl');
    assert.match(state.fallback, /cannot create a webgpu device/);
    assert.equal(state.noWebgpu, state.fallback);
    assert.equal(state.error, undefined);
    assert.deepEqual(wasm.map(isWebGpuOnly), [true, false], wasm.join(', '));
    // One viewer on the page: the WebGPU-only build's canvas and panels are gone.
    assert.equal(await page.locator('canvas').count(), 1);
    assert.equal(await page.locator('.mc-side').count(), 1);
    await page.close();
  });

  it('the WebGL2 build has no WebGPU backend: without the loader\'s hint it uses WebGL2 and never asks for an adapter', async () => {
    const page = await s.browser.context.newPage();
    await page.addInitScript(() => {
      // The loader's request finds no adapter, so it loads the WebGL2 build; later requests (a
      // build with WebGPU asking again) are counted and get the real adapter.
      const real = GPU.prototype.requestAdapter;
      window.__adapterRequests = 0;
      GPU.prototype.requestAdapter = function (...args) {
        window.__adapterRequests += 1;
        return window.__adapterRequests === 1 ? Promise.resolve(null) : real.apply(this, args);
      };
      // Take back the loader's data-no-webgpu hint before the build starts.
      new MutationObserver(() => document.body?.removeAttribute('data-no-webgpu')).observe(document, {
        attributes: true,
        subtree: true,
        attributeFilter: ['data-no-webgpu'],
      });
    });
    const wasm = [];
    page.on('request', (r) => {
      if (r.url().endsWith('.wasm')) wasm.push(new URL(r.url()).pathname.slice(1));
    });
    await page.goto(`${s.relay.pageUrl}?autotarget=0`);
    await waitReady(page, 'webgl');
    const state = await page.evaluate(() => ({ ...document.body.dataset }));
    assert.equal(state.build, 'webgl');
    assert.equal(state.noWebgpu, undefined);
    assert.equal(await page.evaluate(() => window.__adapterRequests), 1);
    assert.deepEqual(wasm.map(isWebGpuOnly), [false], wasm.join(', '));
    await page.close();
  });

  it('reports the failed device for ?backend=webgpu instead of falling back', async () => {
    const { page, wasm } = await open(s.browser.context, s.relay, '?backend=webgpu&autotarget=0', { noDevice: true });
    allowPageErrors(page, /meshcast viewer failed to start: cannot create a webgpu device/);
    await page.waitForFunction(() => document.body.dataset.error !== undefined, null, { timeout: 60000 });
    const state = await page.evaluate(() => ({ ...document.body.dataset }));
    assert.match(state.error, /cannot create a webgpu device/);
    assert.equal(state.fallback, undefined);
    assert.equal(state.backend, undefined);
    assert.deepEqual(wasm.map(isWebGpuOnly), [true], wasm.join(', '));
    await page.close();
  });
});

describe('page builds (browser without WebGPU)', () => {
  const s = withBrowserAndRelay('webgl');

  it('loads only the WebGL2 build', async () => {
    const { page, wasm, state } = await openReady(s.browser.context, s.relay, '?autotarget=0', 'webgl');
    assert.equal(state.build, 'webgl');
    // The loader tells the build why, so that it does not ask for a WebGPU adapter again.
    assert.equal(state.noWebgpu, 'no WebGPU adapter');
    assert.deepEqual(wasm.map(isWebGpuOnly), [false], wasm.join(', '));
    await page.close();
  });
});
