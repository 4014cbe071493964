//! The inspect readout (I, aitviewer's inspect mode): while the mode is on, a line over the
//! canvas names what is under the cursor: the node, the face and its nearest vertex (or the
//! sphere or segment), and the 3-D point.
//!
//! It carries the hit as `data-*` attributes for scripts and tests: `data-client`, `data-uid`,
//! `data-face`, `data-vertex`, `data-sphere`, `data-segment` (empty when not that kind of hit)
//! and `data-point` (`x,y,z`).

use wasm_bindgen::prelude::*;
use web_sys::{Document, Element};

use crate::geometry::{Element as Part, Hit};
use crate::web::dom::{child, set_attr, set_hidden, set_text};
use crate::web::Page;

/// The readout element.
#[derive(Clone)]
pub struct InspectReadout {
    el: Element,
}

impl InspectReadout {
    /// Builds it (hidden) inside the view container.
    pub fn build(doc: &Document, view: &Element) -> Result<InspectReadout, JsValue> {
        let el = child(
            doc,
            view,
            "div",
            &[
                ("id", "mc-inspect"),
                ("class", "mc-inspect"),
                ("role", "status"),
                ("aria-live", "polite"),
            ],
            None,
        )?;
        set_hidden(&el, true);
        Ok(InspectReadout { el })
    }
}

/// Shows the readout while inspect mode is on, with what is under the cursor.
pub fn refresh(app: &Page) {
    let el = &app.ui.inspect.el;
    let on = app.core.view().inspect;
    set_hidden(el, !on);
    if !on {
        return;
    }
    let hit = app.inspected.filter(|h| app.core.scene().node(&h.key).is_some());
    set_text(el, &describe(app, hit.as_ref()));
    let [face, vertex, _, sphere, segment] = hit.map_or([None; 5], |h| h.element.indices());
    let number = |i: Option<usize>| i.map(|i| i.to_string());
    let attrs = [
        ("data-client", hit.map(|h| h.key.client.to_string())),
        ("data-uid", hit.map(|h| h.key.uid.to_string())),
        ("data-face", number(face)),
        ("data-vertex", number(vertex)),
        ("data-sphere", number(sphere)),
        ("data-segment", number(segment)),
        (
            "data-point",
            hit.map(|h| format!("{},{},{}", h.point.x, h.point.y, h.point.z)),
        ),
    ];
    for (name, value) in attrs {
        set_attr(el, name, value.as_deref().unwrap_or(""));
    }
}

/// The line shown: `Inspect: name (uid) · face F · vertex V · (x, y, z)`.
fn describe(app: &Page, hit: Option<&Hit>) -> String {
    let Some(h) = hit else {
        return "Inspect: nothing under the cursor".into();
    };
    let name = app.core.scene().node(&h.key).map_or("", |n| n.name());
    let what = match h.element {
        Part::Face { face, vertex, instance } if instance > 0 => {
            format!("instance {instance} · face {face} · vertex {vertex}")
        }
        Part::Face { face, vertex, .. } => format!("face {face} · vertex {vertex}"),
        Part::Sphere(i) => format!("sphere {i}"),
        Part::Segment(i) => format!("segment {i}"),
    };
    let p = h.point;
    format!(
        "Inspect: {name} (uid {}) · frame {} · {what} · ({:.3}, {:.3}, {:.3})",
        h.key.uid, h.data_frame, p.x, p.y, p.z
    )
}
