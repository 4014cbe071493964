//! The Camera panel (aitviewer's Camera window): vertical field of view (slider, 10–120°) and
//! the camera's position, target and up vector as numbers. They follow the camera as it moves;
//! editing Position or Target moves the camera ([`Camera::look_from`], which keeps the control
//! mode's invariants). Up is shown only (it follows from the mode and the view direction).

use std::cell::Cell;
use std::rc::Rc;

use glam::Vec3;
use wasm_bindgen::prelude::*;
use web_sys::{Document, Element, HtmlInputElement};

use crate::core::camera::{Camera, FOV_RANGE_DEG};
use crate::core::Action;
use crate::web::dom::{child, input, is_focused, on, set_text, set_value};
use crate::web::emit::Emitter;
use crate::web::Page;

/// Which editable row of three fields changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Row {
    Eye,
    Target,
}

/// The panel's controls.
#[derive(Clone)]
pub struct CameraPanel {
    fov: HtmlInputElement,
    fov_text: Element,
    eye: [HtmlInputElement; 3],
    target: [HtmlInputElement; 3],
    up: [HtmlInputElement; 3],
    /// What the fields show now (fov, eye, target, up), to skip the DOM when nothing moved.
    shown: Rc<Cell<Option<[f32; 10]>>>,
}

fn vec_row(
    doc: &Document,
    parent: &Element,
    label: &str,
    id: &str,
    readonly: bool,
) -> Result<[HtmlInputElement; 3], JsValue> {
    let l = child(
        doc,
        parent,
        "div",
        &[("class", "mc-vec"), ("role", "group"), ("aria-label", label)],
        None,
    )?;
    child(doc, &l, "span", &[], Some(label))?;
    let make = |axis: &str| -> Result<HtmlInputElement, JsValue> {
        let id = format!("mc-cam-{id}-{axis}");
        let title = format!("{label} {axis}");
        let mut attrs = vec![
            ("id", id.as_str()),
            ("type", "number"),
            ("step", "0.1"),
            ("aria-label", title.as_str()),
            ("title", title.as_str()),
        ];
        if readonly {
            attrs.push(("readonly", ""));
        }
        input(doc, &l, &attrs)
    };
    Ok([make("x")?, make("y")?, make("z")?])
}

fn read(fields: &[HtmlInputElement; 3]) -> Option<Vec3> {
    let mut v = [0.0f32; 3];
    for (o, f) in v.iter_mut().zip(fields) {
        *o = f.value().trim().parse::<f32>().ok().filter(|x| x.is_finite())?;
    }
    Some(Vec3::from_array(v))
}

impl CameraPanel {
    /// Builds the section inside `parent`.
    pub fn build(doc: &Document, parent: &Element) -> Result<CameraPanel, JsValue> {
        let sec = child(
            doc,
            parent,
            "section",
            &[("class", "mc-panel"), ("aria-labelledby", "mc-camera-title")],
            None,
        )?;
        child(doc, &sec, "h2", &[("id", "mc-camera-title")], Some("Camera"))?;
        let l = child(doc, &sec, "label", &[("class", "mc-field")], None)?;
        child(doc, &l, "span", &[], Some("Field of view"))?;
        let (min, max) = (FOV_RANGE_DEG.0.to_string(), FOV_RANGE_DEG.1.to_string());
        let fov = input(
            doc,
            &l,
            &[
                ("id", "mc-fov"),
                ("type", "range"),
                ("min", &min),
                ("max", &max),
                ("step", "1"),
                ("title", "Vertical field of view (degrees)"),
            ],
        )?;
        let fov_text = child(doc, &l, "output", &[("id", "mc-fov-value"), ("for", "mc-fov")], None)?;
        Ok(CameraPanel {
            fov,
            fov_text,
            eye: vec_row(doc, &sec, "Position", "eye", false)?,
            target: vec_row(doc, &sec, "Target", "target", false)?,
            up: vec_row(doc, &sec, "Up", "up", true)?,
            shown: Rc::new(Cell::new(None)),
        })
    }

    /// Attaches the handlers.
    pub fn wire(&self, emit: &Emitter) -> Result<(), JsValue> {
        let (a, fov) = (emit.clone(), self.fov.clone());
        on(&self.fov, "input", move |_| {
            if let Ok(v) = fov.value().parse::<f32>() {
                a.emit(Action::SetFov(v));
            }
        })?;
        for (row, fields) in [(Row::Eye, &self.eye), (Row::Target, &self.target)] {
            for f in fields {
                let (a, panel) = (emit.clone(), self.clone());
                on(f, "change", move |_| panel.on_edit(&a, row))?;
            }
        }
        Ok(())
    }

    /// Moves the camera after an edit of Position or Target.
    fn on_edit(&self, emit: &Emitter, row: Row) {
        let Some(camera) = emit.read(|app| *app.core.camera()) else {
            return;
        };
        let (eye, target) = match row {
            Row::Eye => (read(&self.eye), Some(camera.target)),
            Row::Target => (Some(camera.eye()), read(&self.target)),
        };
        let (Some(eye), Some(target)) = (eye, target) else {
            return;
        };
        emit.emit(Action::LookFrom { eye, target });
        // Show what the camera made of it (clamped pitch, rejected values).
        self.shown.set(None);
    }
}

fn values(c: &Camera) -> [f32; 10] {
    let (e, t, u) = (c.eye(), c.target, c.up());
    [c.fov_y.to_degrees(), e.x, e.y, e.z, t.x, t.y, t.z, u.x, u.y, u.z]
}

/// Shows the camera's state; touches the DOM only when it changed.
pub fn refresh(app: &Page) {
    let p = &app.ui.camera;
    let now = values(app.core.camera());
    if p.shown.get() == Some(now) {
        return;
    }
    let fov = format!("{:.0}", now[0]);
    set_value(&p.fov, &fov);
    set_text(&p.fov_text, &format!("{fov}°"));
    let mut skipped = false;
    for (i, f) in p.eye.iter().chain(&p.target).chain(&p.up).enumerate() {
        skipped |= is_focused(f);
        set_value(f, &format!("{:.3}", now[i + 1]));
    }
    // A focused field was left as the user typed it: refresh again once it is not.
    p.shown.set((!skipped).then_some(now));
}
