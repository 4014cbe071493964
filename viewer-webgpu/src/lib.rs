//! The meshcast viewer page built for WebGPU only.
//!
//! The same viewer as `meshcast-viewer`'s standard page, with wgpu's WebGPU backend only (its
//! `webgpu` feature), which makes the wasm about 1.7 MB smaller than the WebGL2 build. The page's
//! loader (`viewer-web/loader.mjs`) loads this build when the browser offers a WebGPU adapter and
//! `meshcast-viewer` with WebGL2 only (its `webgl` feature) otherwise; when this build then gets
//! no WebGPU device, the viewer hands over to the loader, which loads the other one (see
//! `docs/viewer.md`).
//! Natively this crate is empty.

/// Entry point: runs the standard viewer page when the wasm module is loaded.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    meshcast_viewer::web::Viewer::builder().start();
}
