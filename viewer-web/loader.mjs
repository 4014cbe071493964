// The page's loader (inlined into index.html by trunk): picks one of the viewer's two builds
// before any wasm is fetched (docs/viewer.md, "Two builds"):
//   - webgpu: WebGPU only (crate viewer-webgpu), ~1.3 MB, where navigator.gpu yields an adapter
//     or ?backend=webgpu asks for it;
//   - webgl: WebGL2 and WebGPU (crate viewer-web), the rest and ?backend=webgl.
// Should the WebGPU-only build then get no device, it calls window.__meshcastFallback(reason)
// and this loads the WebGL2 build (body data-fallback says why).
// Whenever this loads the WebGL2 build for want of WebGPU, body data-no-webgpu says why, and that
// build uses WebGL2 without asking for a WebGPU adapter again (which costs ~90 ms on SwiftShader).
// The file names: the WebGL2 build's from Trunk.toml's pattern_script, the WebGPU-only build's
// written over the placeholders below by scripts/trunk_webgpu_names.sh (a trunk post_build hook).
const builds = {
  webgpu: { js: '__MESHCAST_WEBGPU_JS__', wasm: '__MESHCAST_WEBGPU_WASM__' },
  webgl: window.__meshcastWebglBuild,
};

async function hasWebGpuAdapter() {
  try {
    return Boolean(await navigator.gpu?.requestAdapter());
  } catch {
    return false;
  }
}

async function load(name) {
  const { js, wasm } = builds[name];
  try {
    // The wasm downloads while the glue module loads.
    const response = fetch(wasm);
    const glue = await import(js);
    await glue.default({ module_or_path: response });
  } catch (e) {
    document.body.dataset.error = `cannot load the ${name} build: ${e}`;
    throw e;
  }
}

window.__meshcastFallback = (reason) => {
  document.body.dataset.fallback = reason;
  document.body.dataset.noWebgpu = reason;
  load('webgl');
};

const asked = new URLSearchParams(location.search).get('backend');
if (asked === 'webgpu') {
  await load('webgpu');
} else if (asked === 'webgl' || asked === 'webgl2') {
  await load('webgl');
} else if (await hasWebGpuAdapter()) {
  await load('webgpu');
} else {
  document.body.dataset.noWebgpu = 'no WebGPU adapter';
  await load('webgl');
}
