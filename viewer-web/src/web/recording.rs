//! Recordings in the page: "Open recording" (a file picker), a file dropped on the page,
//! `?recording=URL`, and "Save scene" (a download). Opening one needs no relay: the page stops
//! talking to the relay and shows the recording's final scene (`core::recording`).

use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{DragEvent, Element, HtmlInputElement};

use super::dom::{child, on};
use super::Shared;
use crate::core::Opened;

/// The file name "Save scene" downloads.
const SAVE_NAME: &str = "meshcast-scene.mcrec";

/// Opens the recording `bytes` named `name`: the page shows its scene. `Err` is the message
/// also shown in the top bar (the scene shown before stays).
pub fn open_bytes(app: &Shared, bytes: &[u8], name: &str) -> Result<Opened, String> {
    let mut a = app.try_borrow_mut().map_err(|_| "the viewer is busy".to_owned())?;
    match a.core.open_recording(bytes, name) {
        Ok(opened) => {
            a.note(opened.changed);
            for (offset, why) in &opened.skipped {
                tracing::warn!("recording {name}: message at offset {offset} skipped: {why}");
            }
            if let Some(torn) = &opened.torn_tail {
                tracing::warn!("recording {name}: {torn} (the torn tail is dropped)");
            }
            Ok(opened)
        }
        Err(e) => {
            let message = format!("cannot open the recording {name}: {e}");
            let c = a.core.set_error(Some(message.clone()));
            a.note(c);
            Err(message)
        }
    }
}

/// The bytes of a `Blob`/`File`, or of a fetched `Response`'s body.
async fn bytes_of(promise: js_sys::Promise) -> Result<Vec<u8>, String> {
    let buf = JsFuture::from(promise)
        .await
        .map_err(|e| e.as_string().unwrap_or_else(|| format!("{e:?}")))?;
    Ok(Uint8Array::new(&buf).to_vec())
}

/// Fetches `url` and opens it (`?recording=URL`).
pub async fn open_url(app: Shared, url: String) {
    let fetched = async {
        let window = web_sys::window().ok_or("no window")?;
        let resp: web_sys::Response = JsFuture::from(window.fetch_with_str(&url))
            .await
            .map_err(|e| format!("{e:?}"))?
            .dyn_into()
            .map_err(|_| "fetch did not return a Response".to_owned())?;
        if !resp.ok() {
            return Err(format!("HTTP {} {}", resp.status(), resp.status_text()));
        }
        bytes_of(resp.array_buffer().map_err(|e| format!("{e:?}"))?).await
    };
    match fetched.await {
        Ok(bytes) => {
            let _ = open_bytes(&app, &bytes, &url);
        }
        Err(e) => {
            if let Ok(mut a) = app.try_borrow_mut() {
                let c = a.core.set_error(Some(format!("cannot load the recording {url}: {e}")));
                a.note(c);
            }
        }
    }
}

/// Opens a file the user picked or dropped.
async fn open_file(app: Shared, file: web_sys::File) {
    let name = file.name();
    match bytes_of(file.array_buffer()).await {
        Ok(bytes) => {
            let _ = open_bytes(&app, &bytes, &name);
        }
        Err(e) => {
            if let Ok(mut a) = app.try_borrow_mut() {
                let c = a.core.set_error(Some(format!("cannot read {name}: {e}")));
                a.note(c);
            }
        }
    }
}

/// The scene shown, as recording bytes.
pub fn scene_bytes(app: &Shared) -> Result<Vec<u8>, String> {
    let a = app.try_borrow().map_err(|_| "the viewer is busy".to_owned())?;
    a.core.save_scene().map_err(|e| format!("cannot save the scene: {e}"))
}

/// "Save scene": downloads the scene shown as `meshcast-scene.mcrec`.
pub fn save(app: &Shared) {
    let bytes = match scene_bytes(app) {
        Ok(b) => b,
        Err(e) => {
            if let Ok(mut a) = app.try_borrow_mut() {
                let c = a.core.set_error(Some(e));
                a.note(c);
            }
            return;
        }
    };
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let parts = js_sys::Array::of1(&Uint8Array::from(bytes.as_slice()));
    let Ok(blob) = web_sys::Blob::new_with_u8_array_sequence(&parts) else {
        return;
    };
    super::dom::download(&doc, SAVE_NAME, &blob);
}

/// "Open recording": opens the file picker.
pub fn pick(app: &Shared) {
    let input = app.try_borrow().ok().and_then(|a| {
        a.ui.doc
            .get_element_by_id(INPUT_ID)
            .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
    });
    if let Some(input) = input {
        input.click();
    }
}

/// The hidden file input behind "Open recording".
const INPUT_ID: &str = "mc-open-recording-file";

/// Adds the hidden file input to `root` and lets a recording be dropped on the page.
pub fn wire(app: &Shared, root: &Element) -> Result<(), JsValue> {
    let doc = app.borrow().ui.doc.clone();
    let input = child(
        &doc,
        root,
        "input",
        &[
            ("id", INPUT_ID),
            ("type", "file"),
            ("accept", ".mcrec,application/octet-stream"),
            ("hidden", ""),
            ("aria-label", "Open a recording"),
        ],
        None,
    )?;
    let picked = app.clone();
    let field = input.clone();
    on(&input, "change", move |_| {
        let Some(input) = field.dyn_ref::<HtmlInputElement>() else {
            return;
        };
        if let Some(file) = input.files().and_then(|f| f.get(0)) {
            wasm_bindgen_futures::spawn_local(open_file(picked.clone(), file));
        }
        input.set_value("");
    })?;
    on(root, "dragover", |e| e.prevent_default())?;
    let dropped = app.clone();
    on(root, "drop", move |e| {
        let Some(drag) = e.dyn_ref::<DragEvent>() else {
            return;
        };
        let file = drag.data_transfer().and_then(|d| d.files()).and_then(|f| f.get(0));
        if let Some(file) = file {
            e.prevent_default();
            wasm_bindgen_futures::spawn_local(open_file(dropped.clone(), file));
        }
    })?;
    Ok(())
}
