//! The scene hierarchy: one row per node with a visibility checkbox; click a row to select it.
//!
//! Rows carry `data-client` and `data-uid`; one delegated listener on the list handles every
//! row, so rebuilding the list creates no new closures.

use meshcast_scene::NodeKey;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlInputElement};

use crate::core::Action;
use crate::web::dom::{child, clear, closest_with, on};
use crate::web::emit::Emitter;
use crate::web::Page;

/// The list element.
#[derive(Clone)]
pub struct SceneList {
    list: Element,
    count: Element,
}

impl SceneList {
    /// Builds the section inside `parent`.
    pub fn build(doc: &Document, parent: &Element) -> Result<SceneList, JsValue> {
        let sec = child(
            doc,
            parent,
            "section",
            &[("class", "mc-panel"), ("aria-labelledby", "mc-scene-title")],
            None,
        )?;
        let h = child(doc, &sec, "h2", &[("id", "mc-scene-title")], Some("Scene "))?;
        let count = child(
            doc,
            &h,
            "span",
            &[("id", "mc-node-count"), ("class", "mc-dim")],
            Some("(0)"),
        )?;
        let list = child(
            doc,
            &sec,
            "ul",
            &[
                ("id", "mc-scene-list"),
                ("role", "listbox"),
                ("aria-label", "Scene nodes"),
            ],
            None,
        )?;
        Ok(SceneList { list, count })
    }

    /// One listener for selection clicks, one for the checkboxes.
    pub fn wire(&self, emit: &Emitter) -> Result<(), JsValue> {
        let a = emit.clone();
        on(&self.list, "click", move |ev| {
            // Clicks on the checkbox only toggle visibility.
            if ev
                .target()
                .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
                .is_some()
            {
                return;
            }
            if let Some(key) = closest_with(&ev, "data-uid").and_then(|row| row_key(&row)) {
                // A click on the selected row clears the selection.
                let already = a.read(|app| app.core.selected() == Some(key)).unwrap_or(false);
                a.emit(Action::Select(if already { None } else { Some(key) }));
            }
        })?;
        let a = emit.clone();
        on(&self.list, "change", move |ev| {
            let Some(cb) = ev.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()) else {
                return;
            };
            if let Some(key) = closest_with(&ev, "data-uid").and_then(|row| row_key(&row)) {
                a.emit(Action::SetVisible(key, cb.checked()));
            }
        })?;
        let a = emit.clone();
        on(&self.list, "keydown", move |ev| {
            let Some(kev) = ev.dyn_ref::<web_sys::KeyboardEvent>() else {
                return;
            };
            if kev.key() != "Enter" {
                return;
            }
            if let Some(key) = closest_with(&ev, "data-uid").and_then(|row| row_key(&row)) {
                a.emit(Action::Select(Some(key)));
            }
        })?;
        Ok(())
    }
}

fn row_key(row: &Element) -> Option<NodeKey> {
    Some(NodeKey {
        client: row.get_attribute("data-client")?.parse().ok()?,
        uid: row.get_attribute("data-uid")?.parse().ok()?,
    })
}

/// Rebuilds the rows.
pub fn refresh(app: &Page) {
    let doc = app.ui.doc.clone();
    let sl = app.ui.scene_list.clone();
    clear(&sl.list);
    sl.count
        .set_text_content(Some(&format!("({})", app.core.scene().len())));
    for node in app.core.scene().nodes() {
        let key = node.key();
        let visible = !app.core.view().is_hidden(&key);
        let selected = app.core.selected() == Some(key);
        let client = key.client.to_string();
        let uid = key.uid.to_string();
        let Ok(row) = child(
            &doc,
            &sl.list,
            "li",
            &[
                ("role", "option"),
                ("tabindex", "0"),
                ("data-client", &client),
                ("data-uid", &uid),
                ("data-kind", node.kind().name()),
                ("aria-selected", if selected { "true" } else { "false" }),
                ("class", if visible { "mc-row" } else { "mc-row mc-hidden" }),
            ],
            None,
        ) else {
            continue;
        };
        let label = format!("{} visible", node.name());
        if let Ok(cb) = child(
            &doc,
            &row,
            "input",
            &[("type", "checkbox"), ("class", "mc-vis"), ("aria-label", &label)],
            None,
        ) {
            if let Some(cb) = cb.dyn_ref::<HtmlInputElement>() {
                cb.set_checked(visible);
            }
        }
        let _ = child(&doc, &row, "span", &[("class", "mc-name")], Some(node.name()));
        let meta = format!(
            "{} · {} frames · uid {}",
            node.kind().class_name(),
            node.n_frames(),
            node.key().uid
        );
        let _ = child(&doc, &row, "span", &[("class", "mc-meta")], Some(&meta));
    }
}
