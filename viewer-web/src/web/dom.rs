//! Small helpers over web-sys for building and updating the page.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, Event, EventTarget, HtmlElement, HtmlInputElement};

/// Creates `<tag>` with attributes and optional text.
pub fn el(doc: &Document, tag: &str, attrs: &[(&str, &str)], text: Option<&str>) -> Result<Element, JsValue> {
    let e = doc.create_element(tag)?;
    for (k, v) in attrs {
        e.set_attribute(k, v)?;
    }
    if let Some(t) = text {
        e.set_text_content(Some(t));
    }
    Ok(e)
}

/// Creates `<tag>` inside `parent`.
pub fn child(
    doc: &Document,
    parent: &Element,
    tag: &str,
    attrs: &[(&str, &str)],
    text: Option<&str>,
) -> Result<Element, JsValue> {
    let e = el(doc, tag, attrs, text)?;
    parent.append_child(&e)?;
    Ok(e)
}

/// Creates an `<input>` inside `parent`.
pub fn input(doc: &Document, parent: &Element, attrs: &[(&str, &str)]) -> Result<HtmlInputElement, JsValue> {
    child(doc, parent, "input", attrs, None)?
        .dyn_into::<HtmlInputElement>()
        .map_err(Into::into)
}

/// Adds an event listener that lives as long as the page.
pub fn on(target: &EventTarget, event: &str, f: impl FnMut(Event) + 'static) -> Result<(), JsValue> {
    let cb = Closure::<dyn FnMut(Event)>::new(f);
    target.add_event_listener_with_callback(event, cb.as_ref().unchecked_ref())?;
    cb.forget();
    Ok(())
}

/// Adds a non-passive listener (it may call `prevent_default`, e.g. on wheel and touch).
pub fn on_active(target: &EventTarget, event: &str, f: impl FnMut(Event) + 'static) -> Result<(), JsValue> {
    let cb = Closure::<dyn FnMut(Event)>::new(f);
    let opts = web_sys::AddEventListenerOptions::new();
    opts.set_passive(false);
    target.add_event_listener_with_callback_and_add_event_listener_options(
        event,
        cb.as_ref().unchecked_ref(),
        &opts,
    )?;
    cb.forget();
    Ok(())
}

/// Sets an element's text when it differs (avoids needless DOM mutations every frame).
pub fn set_text(e: &Element, text: &str) {
    if e.text_content().as_deref() != Some(text) {
        e.set_text_content(Some(text));
    }
}

/// Sets an attribute when it differs.
pub fn set_attr(e: &Element, name: &str, value: &str) {
    if e.get_attribute(name).as_deref() != Some(value) {
        let _ = e.set_attribute(name, value);
    }
}

/// Sets an input's value unless it has the keyboard focus (the user is typing in it).
pub fn set_value(i: &HtmlInputElement, value: &str) {
    if is_focused(i) {
        return;
    }
    if i.value() != value {
        i.set_value(value);
    }
}

/// Whether the element has the keyboard focus.
pub fn is_focused(e: &Element) -> bool {
    e.owner_document()
        .and_then(|d| d.active_element())
        .is_some_and(|a| &a == e)
}

/// Shows or hides an element (`hidden` attribute).
pub fn set_hidden(e: &Element, hidden: bool) {
    if let Some(h) = e.dyn_ref::<HtmlElement>() {
        if h.hidden() != hidden {
            h.set_hidden(hidden);
        }
    }
}

/// Removes every child of `e`.
pub fn clear(e: &Element) {
    e.set_inner_html("");
}

/// The nearest element at or above the event target that has attribute `attr`.
pub fn closest_with(ev: &Event, attr: &str) -> Option<Element> {
    let target = ev.target()?.dyn_into::<Element>().ok()?;
    target.closest(&format!("[{attr}]")).ok().flatten()
}

/// `performance.now()` in milliseconds (0 without a window).
pub fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

/// Starts the download of `blob` as the file `name`.
pub fn download(doc: &Document, name: &str, blob: &web_sys::Blob) {
    let Ok(url) = web_sys::Url::create_object_url_with_blob(blob) else {
        return;
    };
    if let Ok(a) = doc.create_element("a") {
        if let Ok(a) = a.dyn_into::<web_sys::HtmlAnchorElement>() {
            a.set_href(&url);
            a.set_download(name);
            a.click();
        }
    }
    // Revoke later: the download reads the URL asynchronously.
    let revoke = Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    if let Some(w) = web_sys::window() {
        let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 30_000);
    }
}
