//! The scene hierarchy: one row per node with a visibility checkbox; click a row to select it.
//! An SMPL body's parts (Mesh, Skeleton, Joint Angles, as aitviewer lists them) are rows nested
//! under it, each with its own checkbox; clicking one selects the body. A node created with a
//! `parent` is listed under it, indented by its depth (`aria-level`, `data-depth`).
//!
//! Rows carry `data-client` and `data-uid` (part rows also `data-part`, rows under a parent
//! `data-parent`); one delegated listener
//! on the list handles every row, so rebuilding the list creates no new closures.

use meshcast_scene::NodeKey;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlInputElement};

use crate::core::{Action, BodyPart};
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
            let Some(row) = closest_with(&ev, "data-uid") else {
                return;
            };
            let Some(key) = row_key(&row) else { return };
            match row.get_attribute("data-part").and_then(|p| BodyPart::from_id(&p)) {
                Some(part) => a.emit(Action::SetPartVisible(key, part, cb.checked())),
                None => a.emit(Action::SetVisible(key, cb.checked())),
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
    for crate::core::scene_tree::TreeRow { node, depth } in crate::core::scene_tree::rows(app.core.scene()) {
        let key = node.key();
        let view = app.core.view();
        let selected = app.core.selected() == Some(key);
        let meta = format!(
            "{} · {} frames · uid {}",
            node.kind().class_name(),
            node.n_frames(),
            key.uid
        );
        let row = Row {
            key,
            depth,
            parent: node.parent().map(|p| p.uid),
            part: None,
            kind: node.kind().name(),
            name: node.name(),
            meta: Some(&meta),
            visible: !view.is_hidden(&key),
            selected,
        };
        row.add(&doc, &sl.list);
        for part in app.smpl.bodies.parts(&key) {
            let row = Row {
                key,
                depth,
                parent: None,
                part: Some(part),
                kind: node.kind().name(),
                name: part.label(),
                meta: None,
                visible: !view.is_part_hidden(&key, part),
                selected,
            };
            row.add(&doc, &sl.list);
        }
    }
}

/// One row of the list: a node, or a part of an SMPL body.
struct Row<'a> {
    key: NodeKey,
    /// How deep the node hangs under `parent`s (0 at the top).
    depth: usize,
    /// The uid of the node's parent.
    parent: Option<u64>,
    part: Option<BodyPart>,
    kind: &'a str,
    name: &'a str,
    meta: Option<&'a str>,
    visible: bool,
    selected: bool,
}

impl Row<'_> {
    fn add(&self, doc: &Document, list: &Element) {
        let client = self.key.client.to_string();
        let uid = self.key.uid.to_string();
        let level = (self.depth + 1 + usize::from(self.part.is_some())).to_string();
        let depth = self.depth.to_string();
        let style = format!("--mc-depth: {}", self.depth);
        let parent = self.parent.map(|p| p.to_string());
        let class = match (self.part.is_some(), self.visible) {
            (false, true) => "mc-row",
            (false, false) => "mc-row mc-hidden",
            (true, true) => "mc-row mc-part",
            (true, false) => "mc-row mc-part mc-hidden",
        };
        let mut attrs = vec![
            ("role", "option"),
            ("tabindex", "0"),
            ("data-client", client.as_str()),
            ("data-uid", uid.as_str()),
            ("data-kind", self.kind),
            ("aria-level", level.as_str()),
            ("data-depth", depth.as_str()),
            ("style", style.as_str()),
            (
                "aria-selected",
                if self.selected && self.part.is_none() {
                    "true"
                } else {
                    "false"
                },
            ),
            ("class", class),
        ];
        if let Some(p) = self.part {
            attrs.push(("data-part", p.id()));
        }
        if let Some(p) = &parent {
            attrs.push(("data-parent", p.as_str()));
        }
        let Ok(row) = child(doc, list, "li", &attrs, None) else {
            return;
        };
        let label = format!("{} visible", self.name);
        if let Ok(cb) = child(
            doc,
            &row,
            "input",
            &[("type", "checkbox"), ("class", "mc-vis"), ("aria-label", &label)],
            None,
        ) {
            if let Some(cb) = cb.dyn_ref::<HtmlInputElement>() {
                cb.set_checked(self.visible);
            }
        }
        let _ = child(doc, &row, "span", &[("class", "mc-name")], Some(self.name));
        if let Some(meta) = self.meta {
            let _ = child(doc, &row, "span", &[("class", "mc-meta")], Some(meta));
        }
    }
}
