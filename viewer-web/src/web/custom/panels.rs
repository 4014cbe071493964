//! Panels that users add to the page's side bar (`window.meshcast.addPanel(title)`,
//! [`super::ViewerHandle::add_panel`]): below the scene list, in the order they were added.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

use crate::web::dom::{child, el};

/// The container of user panels, made on first use right after the scene list.
fn container(doc: &web_sys::Document) -> Result<Element, JsValue> {
    if let Some(c) = doc.get_element_by_id("mc-user-panels") {
        return Ok(c);
    }
    let side = doc
        .query_selector("#meshcast .mc-side")?
        .ok_or("the viewer's side bar is not on the page yet")?;
    let c = el(doc, "div", &[("id", "mc-user-panels")], None)?;
    let after_scene_list = side.first_element_child().and_then(|e| e.next_sibling());
    side.insert_before(&c, after_scene_list.as_ref())?;
    Ok(c)
}

/// Adds a titled section; returns its body (a `<div>`) for the caller's inputs and buttons.
pub fn add(title: &str) -> Result<HtmlElement, JsValue> {
    let doc = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let parent = container(&doc)?;
    let n = parent.child_element_count() + 1;
    let title_id = format!("mc-user-panel-{n}");
    let sec = child(
        &doc,
        &parent,
        "section",
        &[("class", "mc-panel mc-user-panel"), ("aria-labelledby", &title_id)],
        None,
    )?;
    child(&doc, &sec, "h2", &[("id", &title_id)], Some(title))?;
    let body = child(&doc, &sec, "div", &[("class", "mc-user-panel-body")], None)?;
    body.dyn_into::<HtmlElement>().map_err(Into::into)
}
