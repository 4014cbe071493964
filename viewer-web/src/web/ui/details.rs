//! Properties of the selected node: kind, name, sending client, stats, visibility, affine
//! (position, rotation as XYZ Euler degrees, scale), colour and the mesh toggles.
//!
//! The panel's structure is built when the selection changes; values are refreshed in place
//! (never in the field being typed in). Inputs carry `data-edit`; one delegated listener applies
//! edits through [`crate::core::edits`].

use meshcast_protocol::NodeKind;
use meshcast_scene::NodeKey;
use std::cell::RefCell;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, Event, HtmlInputElement};

use crate::core::{edits, Action, Edit};
use crate::web::dom::{child, clear, input, on, set_text, set_value};
use crate::web::emit::Emitter;
use crate::web::Page;

/// The panel.
#[derive(Clone)]
pub struct Details {
    body: Element,
    /// The inputs built for the selected node (rebuilt when the selection changes).
    view: RefCell<Option<View>>,
}

/// The inputs of one selected node.
#[derive(Clone)]
struct View {
    key: NodeKey,
    stats: Element,
    client: Element,
    visible: HtmlInputElement,
    position: [HtmlInputElement; 3],
    rotation: [HtmlInputElement; 3],
    scale: HtmlInputElement,
    color: HtmlInputElement,
    alpha: HtmlInputElement,
    color_note: Element,
    flat: Option<HtmlInputElement>,
    edges: Option<HtmlInputElement>,
    /// Sphere or joint radius (Spheres, RigidBodies, Skeletons).
    radius: Option<HtmlInputElement>,
}

impl Details {
    /// Builds the section inside `parent`.
    pub fn build(doc: &Document, parent: &Element) -> Result<Details, JsValue> {
        let sec = child(
            doc,
            parent,
            "section",
            &[("class", "mc-panel"), ("aria-labelledby", "mc-details-title")],
            None,
        )?;
        child(doc, &sec, "h2", &[("id", "mc-details-title")], Some("Properties"))?;
        let body = child(doc, &sec, "div", &[("id", "mc-details")], None)?;
        Ok(Details {
            body,
            view: RefCell::new(None),
        })
    }

    /// Delegated handlers for every input of the panel.
    pub fn wire(&self, emit: &Emitter) -> Result<(), JsValue> {
        for event in ["change", "input"] {
            let a = emit.clone();
            on(&self.body, event, move |ev| on_edit(&a, &ev, event == "input"))?;
        }
        let a = emit.clone();
        on(&self.body, "click", move |ev| {
            let Some(t) = ev.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
                return;
            };
            if t.get_attribute("data-edit").as_deref() == Some("center") {
                a.command(crate::web::command::Command::CenterSelection);
            }
        })?;
        Ok(())
    }
}

fn num(i: &HtmlInputElement) -> Option<f32> {
    i.value().trim().parse::<f32>().ok().filter(|v| v.is_finite())
}

fn on_edit(emit: &Emitter, ev: &Event, live: bool) {
    let Some(t) = ev.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()) else {
        return;
    };
    let Some(what) = t.get_attribute("data-edit") else {
        return;
    };
    // Text fields apply on commit ("change"); colour, checkboxes and sliders live.
    let is_live_kind = matches!(what.as_str(), "color" | "alpha");
    if live && !is_live_kind {
        return;
    }
    let Some(Some(view)) = emit.read(|app| app.ui.details.view.borrow().clone()) else {
        return;
    };
    let key = view.key;
    let action = match what.as_str() {
        "visible" => Action::SetVisible(key, t.checked()),
        "flat" | "edges" => Action::SetMeshFlag {
            key,
            edges: what == "edges",
            on: t.checked(),
        },
        "position" => Action::Edit(
            key,
            Edit::Position(view.position.each_ref().map(|i| num(i).unwrap_or(0.0))),
        ),
        "rotation" => Action::Edit(
            key,
            Edit::RotationEulerDeg(view.rotation.each_ref().map(|i| num(i).unwrap_or(0.0))),
        ),
        "scale" => match num(&view.scale) {
            Some(s) => Action::Edit(key, Edit::Scale(s)),
            None => return,
        },
        "radius" => match view.radius.as_ref().and_then(num) {
            Some(r) => Action::Edit(key, Edit::Radius(r)),
            None => return,
        },
        "color" | "alpha" => match edits::from_hex(&view.color.value()) {
            Some([r, g, b]) => {
                let alpha = num(&view.alpha).unwrap_or(1.0).clamp(0.0, 1.0);
                Action::Edit(key, Edit::Color([r, g, b, alpha]))
            }
            None => return,
        },
        _ => return,
    };
    emit.emit(action);
}

fn labelled_input(
    doc: &Document,
    parent: &Element,
    label: &str,
    attrs: &[(&str, &str)],
) -> Result<HtmlInputElement, JsValue> {
    let l = child(doc, parent, "label", &[("class", "mc-field")], None)?;
    child(doc, &l, "span", &[], Some(label))?;
    input(doc, &l, attrs)
}

fn build_view(doc: &Document, body: &Element, app: &Page, key: NodeKey) -> Result<View, JsValue> {
    let node = app.core.scene().node(&key).ok_or("selected node is gone")?;
    clear(body);
    child(
        doc,
        body,
        "h3",
        &[("id", "mc-details-name"), ("data-kind", node.kind().name())],
        Some(&format!("{} · {}", node.name(), node.kind().class_name())),
    )?;
    let client = child(
        doc,
        body,
        "p",
        &[("id", "mc-details-client"), ("class", "mc-dim")],
        None,
    )?;
    let stats = child(
        doc,
        body,
        "dl",
        &[("id", "mc-details-stats"), ("class", "mc-stats")],
        None,
    )?;
    let visible = labelled_input(doc, body, "Visible", &[("type", "checkbox"), ("data-edit", "visible")])?;
    let (flat, edges) = if node.kind() == NodeKind::Meshes {
        (
            Some(labelled_input(
                doc,
                body,
                "Flat shading [F]",
                &[("type", "checkbox"), ("data-edit", "flat")],
            )?),
            Some(labelled_input(
                doc,
                body,
                "Draw edges [E]",
                &[("type", "checkbox"), ("data-edit", "edges")],
            )?),
        )
    } else {
        (None, None)
    };
    let affine = child(doc, body, "fieldset", &[("class", "mc-affine")], None)?;
    child(doc, &affine, "legend", &[], Some("Affine"))?;
    let row = |label: &str, what: &str, step: &str| -> Result<[HtmlInputElement; 3], JsValue> {
        let r = child(
            doc,
            &affine,
            "div",
            &[("class", "mc-vec"), ("role", "group"), ("aria-label", label)],
            None,
        )?;
        child(doc, &r, "span", &[], Some(label))?;
        let mk = |axis: &str| {
            let aria = format!("{label} {axis}");
            input(
                doc,
                &r,
                &[
                    ("type", "number"),
                    ("step", step),
                    ("data-edit", what),
                    ("aria-label", &aria),
                ],
            )
        };
        Ok([mk("x")?, mk("y")?, mk("z")?])
    };
    let position = row("Position", "position", "0.01")?;
    let rotation = row("Rotation (XYZ°)", "rotation", "1")?;
    let scale = labelled_input(
        doc,
        &affine,
        "Scale",
        &[
            ("type", "number"),
            ("step", "0.01"),
            ("min", "0.001"),
            ("max", "100"),
            ("data-edit", "scale"),
        ],
    )?;
    let material = child(doc, body, "fieldset", &[("class", "mc-material")], None)?;
    child(doc, &material, "legend", &[], Some("Material"))?;
    let color = labelled_input(doc, &material, "Colour", &[("type", "color"), ("data-edit", "color")])?;
    let alpha = labelled_input(
        doc,
        &material,
        "Alpha",
        &[
            ("type", "number"),
            ("step", "0.05"),
            ("min", "0"),
            ("max", "1"),
            ("data-edit", "alpha"),
        ],
    )?;
    let color_note = child(doc, &material, "p", &[("class", "mc-dim")], None)?;
    let radius = match edits::radius(node) {
        Some(_) => Some(labelled_input(
            doc,
            &material,
            "Radius",
            &[
                ("type", "number"),
                ("step", "0.005"),
                ("min", "0.0001"),
                ("max", "100"),
                ("data-edit", "radius"),
            ],
        )?),
        None => None,
    };
    child(
        doc,
        body,
        "button",
        &[
            ("type", "button"),
            ("data-edit", "center"),
            ("title", "Centre the view on this node [X]"),
        ],
        Some("Centre view"),
    )?;
    Ok(View {
        key,
        stats,
        client,
        visible,
        position,
        rotation,
        scale,
        color,
        alpha,
        color_note,
        flat,
        edges,
        radius,
    })
}

/// Rebuilds or refreshes the panel for the current selection.
pub fn refresh(app: &Page) {
    let doc = app.ui.doc.clone();
    let body = app.ui.details.body.clone();
    let Some(key) = app.core.selected().filter(|k| app.core.scene().node(k).is_some()) else {
        *app.ui.details.view.borrow_mut() = None;
        clear(&body);
        let _ = child(
            &doc,
            &body,
            "p",
            &[("id", "mc-details-empty"), ("class", "mc-dim")],
            Some("Nothing selected: click a node in the view or in the list."),
        );
        return;
    };
    let shown = app.ui.details.view.borrow().as_ref().map(|v| v.key);
    if shown != Some(key) {
        let built = build_view(&doc, &body, app, key).ok();
        *app.ui.details.view.borrow_mut() = built;
    }
    let view = app.ui.details.view.borrow().clone();
    let (Some(view), Some(node)) = (view, app.core.scene().node(&key)) else {
        return;
    };
    let frame = app.frame();
    let client = match (
        app.core.clients().get(&key.client),
        app.core.known_clients().get(&key.client),
    ) {
        (Some(c), _) => format!("from client #{} {} ({})", c.id, c.addr, c.format),
        (None, Some(c)) => format!("from client #{} {} (disconnected)", c.id, c.addr),
        (None, None) => format!("from client #{}", key.client),
    };
    set_text(&view.client, &format!("uid {} · {client}", key.uid));
    clear(&view.stats);
    for (label, value) in edits::stats(node) {
        let _ = child(&doc, &view.stats, "dt", &[], Some(label));
        let _ = child(&doc, &view.stats, "dd", &[("data-stat", label)], Some(&value));
    }
    view.visible.set_checked(!app.core.view().is_hidden(&key));
    if let Some(f) = &view.flat {
        f.set_checked(app.core.mesh_flag(&key, false));
    }
    if let Some(e) = &view.edges {
        e.set_checked(app.core.mesh_flag(&key, true));
    }
    let p = edits::position(node, frame);
    let r = edits::rotation_euler_deg(node, frame);
    for i in 0..3 {
        set_value(&view.position[i], &format!("{:.3}", p[i] + 0.0));
        set_value(&view.rotation[i], &format!("{:.1}", r[i] + 0.0));
    }
    set_value(&view.scale, &format!("{:.3}", edits::scale(node, frame)));
    if let (Some(input), Some(r)) = (&view.radius, edits::radius(node)) {
        set_value(input, &format!("{r:.4}"));
    }
    match edits::color(node) {
        Some(c) => {
            set_value(&view.color, &edits::to_hex(c));
            set_value(&view.alpha, &format!("{:.2}", c[3]));
            set_text(&view.color_note, "");
        }
        None => set_text(
            &view.color_note,
            "One colour per element; editing sets one colour for all.",
        ),
    }
}
