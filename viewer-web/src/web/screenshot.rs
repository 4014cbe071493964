//! Screenshots: the canvas as a PNG download (`canvas.toBlob` in the same task as the render, so
//! both WebGPU and WebGL2 canvases still hold the picture), and aitviewer's "transparent
//! background" screenshot: the frame rendered into a texture with no background and no floor,
//! read back, and encoded as a PNG by a 2D canvas.

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen::{Clamped, JsCast};
use web_sys::{Blob, CanvasRenderingContext2d, Document, HtmlCanvasElement, ImageData};

use super::app::Readback;
use super::{dom, ui, Shared};

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
    let app = app.clone();
    let cb = Closure::once_into_js(move |blob: JsValue| {
        if let Some(blob) = blob.dyn_ref::<Blob>() {
            save(&app, &doc, &name, blob);
        }
    });
    let _ = canvas.to_blob(cb.unchecked_ref());
}

/// Renders the current frame with a transparent background and starts the download of
/// `meshcast-frame<N>-transparent.png`.
pub fn download_transparent(app: &Shared) {
    let Ok((name, doc)) = app.try_borrow().map(|a| {
        (
            format!("meshcast-frame{:05}-transparent.png", a.frame()),
            a.ui.doc.clone(),
        )
    }) else {
        return;
    };
    let png = png(app, true);
    let app = app.clone();
    let saved: Closure<dyn FnMut(JsValue)> = Closure::once(move |blob: JsValue| {
        if let Some(blob) = blob.dyn_ref::<Blob>() {
            save(&app, &doc, &name, blob);
        }
    });
    let failed: Closure<dyn FnMut(JsValue)> = Closure::once(|e: JsValue| {
        tracing::warn!("transparent screenshot failed: {e:?}");
    });
    let _ = png.then(&saved).catch(&failed);
    saved.forget();
    failed.forget();
}

/// Renders the current frame (with `transparent`: no background and no floor) off the canvas;
/// the promise resolves with the PNG as a `Blob` (rejects when the viewer is busy or the
/// read-back fails).
pub fn png(app: &Shared, transparent: bool) -> Promise {
    let (readback, doc) = match app.try_borrow_mut() {
        Ok(mut a) => (a.render_readback(transparent), a.ui.doc.clone()),
        Err(_) => return Promise::reject(&js_sys::Error::new("the meshcast viewer is busy").into()),
    };
    let mut pending = Some((readback, doc));
    Promise::new(&mut |resolve, reject| {
        let Some((rb, doc)) = pending.take() else { return };
        let buffer = rb.target.buffer.clone();
        buffer.map_async(wgpu::MapMode::Read, .., move |mapped| {
            let result = mapped
                .map_err(|e| JsValue::from(js_sys::Error::new(&format!("reading the screenshot back: {e}"))))
                .and_then(|()| encode_png(&doc, &rb, &resolve));
            if let Err(e) = result {
                let _ = reject.call1(&JsValue::NULL, &e);
            }
        });
        // WebGPU maps by itself; WebGL2 maps when the frame loop polls the device after the
        // copy's fence has passed.
    })
}

/// RGBA rows of a mapped read-back, encoded as a PNG blob handed to `resolve`.
fn encode_png(doc: &Document, rb: &Readback, resolve: &js_sys::Function) -> Result<(), JsValue> {
    let rgba = rb
        .pixels()
        .map_err(|e| js_sys::Error::new(&format!("reading the screenshot back: {e}")))?;
    let png = png_blob(doc, &rgba, rb.target.width, rb.target.height)?;
    let resolve = resolve.clone();
    let done = Closure::once(move |blob: JsValue| {
        let _ = resolve.call1(&JsValue::NULL, &blob);
    });
    let _ = png.then(&done);
    done.forget();
    Ok(())
}

/// A promise of `rgba` (`width × height`, rows top to bottom) as a PNG `Blob`, encoded by a 2D
/// canvas.
pub fn png_blob(doc: &Document, rgba: &[u8], width: u32, height: u32) -> Result<Promise, JsValue> {
    let image = ImageData::new_with_u8_clamped_array_and_sh(Clamped(rgba), width, height)?;
    let canvas: HtmlCanvasElement = doc.create_element("canvas")?.dyn_into()?;
    canvas.set_width(width);
    canvas.set_height(height);
    let ctx: CanvasRenderingContext2d = canvas
        .get_context("2d")?
        .ok_or_else(|| js_sys::Error::new("no 2D canvas context to encode a PNG"))?
        .dyn_into()?;
    ctx.put_image_data(&image, 0.0, 0.0)?;
    let mut canvas = Some(canvas);
    let mut failed = None;
    let promise = Promise::new(&mut |resolve, reject| {
        let Some(canvas) = canvas.take() else { return };
        let done = Closure::once_into_js(move |blob: JsValue| {
            let _ = if blob.is_null() {
                reject.call1(&JsValue::NULL, &js_sys::Error::new("the canvas made no PNG").into())
            } else {
                resolve.call1(&JsValue::NULL, &blob)
            };
        });
        if let Err(e) = canvas.to_blob_with_type(done.unchecked_ref(), "image/png") {
            failed = Some(e);
        }
    });
    match failed {
        Some(e) => Err(e),
        None => Ok(promise),
    }
}

/// Downloads `blob` as `name` and counts the screenshot.
fn save(app: &Shared, doc: &Document, name: &str, blob: &Blob) {
    dom::download(doc, name, blob);
    if let Ok(mut a) = app.try_borrow_mut() {
        a.screenshots += 1;
    }
}
