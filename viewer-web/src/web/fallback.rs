//! Handing the page back to its loader when a build without WebGL2 gets no WebGPU device.
//!
//! The standard page's loader (`viewer-web/loader.mjs`) loads the WebGPU-only build where
//! `navigator.gpu` yields an adapter. Should the device request still fail, that build cannot
//! draw at all; instead of a start-up error it clears what it built and calls the loader's
//! `window.__meshcastFallback(reason)`, which sets `data-fallback` on `<body>` and loads the build
//! with WebGL2. A page without the hook (a custom page loading a WebGPU-only build itself) gets
//! the start-up error as before.
//!
//! Whenever the loader loads the WebGL2 build for want of WebGPU (no adapter, or that fallback) it
//! sets `data-no-webgpu`; that build then uses WebGL2 without asking for an adapter again
//! ([`backend_after`]).

use wasm_bindgen::{JsCast, JsValue};

use super::params::BackendChoice;

/// The loader's hook on `window`.
pub const LOADER_HOOK: &str = "__meshcastFallback";

/// Whether this build has wgpu's WebGL2 backend (`webgl` feature); `data-build` on `<body>`
/// says `webgl` for it and `webgpu` for the WebGPU-only build.
pub const BUILD: &str = if cfg!(feature = "webgl") { "webgl" } else { "webgpu" };

/// Clears `root` and hands the page to the loader's hook with `reason`; `false` (and nothing
/// cleared) when this build has WebGL2 itself or the page has no such hook.
pub fn hand_over(root: &web_sys::Element, reason: &str) -> bool {
    if cfg!(feature = "webgl") {
        return false;
    }
    let Some(window) = web_sys::window() else {
        return false;
    };
    let hook = js_sys::Reflect::get(&window, &JsValue::from_str(LOADER_HOOK)).ok();
    let Some(hook) = hook.as_ref().and_then(|h| h.dyn_ref::<js_sys::Function>()) else {
        return false;
    };
    web_sys::console::warn_1(&JsValue::from_str(&format!(
        "meshcast: no WebGPU device ({reason}); loading the WebGL2 build"
    )));
    root.set_inner_html("");
    hook.call1(&JsValue::NULL, &JsValue::from_str(reason)).is_ok()
}

/// The backend to use: `asked` (`?backend=`), else WebGL2 when the loader found no WebGPU
/// (`data-no-webgpu` on `<body>`: no adapter, or the WebGPU-only build got no device), else
/// `None` (detect).
pub fn backend_after(asked: Option<BackendChoice>, document: &web_sys::Document) -> Option<BackendChoice> {
    let no_webgpu = document.body().is_some_and(|b| b.has_attribute("data-no-webgpu"));
    asked.or(no_webgpu.then_some(BackendChoice::WebGl))
}
