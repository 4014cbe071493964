//! Page plugins: `?plugin=NAME` (repeatable, or comma-separated) loads `plugins/NAME.js` from the
//! folder the page itself was served from, before the viewer connects to the relay, so a plugin's
//! `meshcast.onMessage` handler sees every message.
//!
//! Only scripts in that one folder can load (names are 1–64 characters of `a-z 0-9 _ -`), so a
//! link cannot make the page run a script from elsewhere: what runs is what the relay's operator
//! put in `dist/plugins/`. Loaded names go to `data-plugins` on `<body>`, refused or failed ones
//! to `data-plugin-errors` and the console.

use wasm_bindgen::prelude::*;

use crate::web::Shared;

/// The folder plugins load from, relative to the page.
pub const FOLDER: &str = "plugins";

/// Whether `name` may name a plugin: 1–64 of `a-z 0-9 _ -`.
pub fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// The plugin names the page's URL asks for, valid ones and refused ones, without duplicates.
pub fn requested(loc: &web_sys::Location) -> (Vec<String>, Vec<String>) {
    let search = loc.search().unwrap_or_default();
    let Ok(q) = web_sys::UrlSearchParams::new_with_str(&search) else {
        return (Vec::new(), Vec::new());
    };
    let (mut ok, mut refused) = (Vec::new(), Vec::new());
    for v in q.get_all("plugin").iter() {
        let v = v.as_string().unwrap_or_default();
        for name in v.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            if !valid_name(name) {
                refused.push(name.to_owned());
            } else if !ok.iter().any(|n| n == name) {
                ok.push(name.to_owned());
            }
        }
    }
    (ok, refused)
}

/// Loads one script and waits for it to run (or fail).
async fn load_one(doc: &web_sys::Document, name: &str) -> Result<(), String> {
    let script = doc.create_element("script").map_err(|e| format!("{e:?}"))?;
    let src = format!("{FOLDER}/{name}.js");
    script.set_attribute("src", &src).map_err(|e| format!("{e:?}"))?;
    script
        .set_attribute("data-meshcast-plugin", name)
        .map_err(|e| format!("{e:?}"))?;
    let done = js_sys::Promise::new(&mut |resolve, reject| {
        let _ = script.add_event_listener_with_callback("load", &resolve);
        let _ = script.add_event_listener_with_callback("error", &reject);
    });
    let head = doc.head().ok_or("the page has no <head>")?;
    head.append_child(&script).map_err(|e| format!("{e:?}"))?;
    wasm_bindgen_futures::JsFuture::from(done)
        .await
        .map(|_| ())
        .map_err(|_| format!("{src} could not be loaded"))
}

/// Loads the plugins the URL asks for, one after the other.
pub async fn load_requested(app: &Shared) {
    let Some(window) = web_sys::window() else { return };
    let Some(doc) = window.document() else { return };
    let (names, refused) = requested(&window.location());
    let mut errors: Vec<String> = refused
        .iter()
        .map(|n| format!("plugin name {n:?} refused (allowed: 1-64 of a-z 0-9 _ -)"))
        .collect();
    let mut loaded = Vec::new();
    for name in names {
        match load_one(&doc, &name).await {
            Ok(()) => loaded.push(name),
            Err(e) => errors.push(e),
        }
    }
    for e in &errors {
        web_sys::console::error_1(&JsValue::from_str(&format!("meshcast: {e}")));
    }
    if let Ok(mut a) = app.try_borrow_mut() {
        a.ext.plugins = loaded;
        a.ext.plugin_errors = errors;
    }
}

/// Fires `meshcast:ready` on `window` (scripts on the page register handlers in its listener).
pub fn announce_ready() {
    let Some(window) = web_sys::window() else { return };
    if let Ok(ev) = web_sys::Event::new("meshcast:ready") {
        let _ = window.dispatch_event(&ev);
    }
}
