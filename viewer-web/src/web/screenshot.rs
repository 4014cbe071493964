//! Screenshot: renders a frame and downloads the canvas as a PNG (`canvas.toBlob` in the same
//! task as the render, so both WebGPU and WebGL2 canvases still hold the picture).

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::{ui, Shared};

/// Renders the current frame and starts the download of `meshcast-frame<N>.png`.
pub fn download(app: &Shared) {
    let (canvas, name, doc) = {
        let Ok(mut a) = app.try_borrow_mut() else { return };
        if !a.render() {
            return;
        }
        let Some(canvas) = ui::canvas(&a) else { return };
        (canvas, format!("meshcast-frame{:05}.png", a.frame()), a.ui.doc.clone())
    };
    let counter = app.clone();
    let cb = Closure::once_into_js(move |blob: JsValue| {
        let Some(blob) = blob.dyn_ref::<web_sys::Blob>() else {
            return;
        };
        let Ok(url) = web_sys::Url::create_object_url_with_blob(blob) else {
            return;
        };
        if let Ok(a) = doc.create_element("a") {
            if let Ok(a) = a.dyn_into::<web_sys::HtmlAnchorElement>() {
                a.set_href(&url);
                a.set_download(&name);
                a.click();
            }
        }
        if let Ok(mut a) = counter.try_borrow_mut() {
            a.screenshots += 1;
        }
        // Revoke later: the download reads the URL asynchronously.
        let revoke = Closure::once_into_js(move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        });
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 30_000);
        }
    });
    let _ = canvas.to_blob(cb.unchecked_ref());
}
