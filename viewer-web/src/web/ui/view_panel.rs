//! The View panel: light mode (Default / Dark / Diffuse, as aitviewer's View menu), ambient
//! strength, background colour, floor, shadows (aitviewer's Render Shadows) and camera mode (turntable / trackball / first person, as
//! aitviewer's Camera › Control modes).

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlInputElement, HtmlSelectElement};

use crate::core::camera::CameraMode;
use crate::core::edits;
use crate::core::{Action, LightMode};
use crate::web::dom::{child, input, on, set_value};
use crate::web::emit::Emitter;
use crate::web::Page;

/// The panel's controls.
#[derive(Clone)]
pub struct ViewPanel {
    light: HtmlSelectElement,
    ambient: HtmlInputElement,
    background: HtmlInputElement,
    floor: HtmlInputElement,
    shadows: HtmlInputElement,
    camera_mode: HtmlSelectElement,
}

const MODES: &[(&str, &str)] = &[("default", "Default"), ("dark", "Dark"), ("diffuse", "Diffuse")];

fn camera_mode_label(m: CameraMode) -> &'static str {
    match m {
        CameraMode::Turntable => "Turntable",
        CameraMode::Trackball => "Trackball",
        CameraMode::FirstPerson => "First person",
    }
}

fn mode_name(m: LightMode) -> &'static str {
    match m {
        LightMode::Default => "default",
        LightMode::Dark => "dark",
        LightMode::Diffuse => "diffuse",
    }
}

/// A labelled field (`<label class="mc-field"><span>label</span>…</label>`) inside `parent`.
pub(super) fn field(doc: &Document, parent: &Element, label: &str) -> Result<Element, JsValue> {
    let l = child(doc, parent, "label", &[("class", "mc-field")], None)?;
    child(doc, &l, "span", &[], Some(label))?;
    Ok(l)
}

impl ViewPanel {
    /// Builds the section inside `parent`.
    pub fn build(doc: &Document, parent: &Element) -> Result<ViewPanel, JsValue> {
        let sec = child(
            doc,
            parent,
            "section",
            &[("class", "mc-panel"), ("aria-labelledby", "mc-view-title")],
            None,
        )?;
        child(doc, &sec, "h2", &[("id", "mc-view-title")], Some("View"))?;
        let l = field(doc, &sec, "Light mode")?;
        let light: HtmlSelectElement = child(doc, &l, "select", &[("id", "mc-light-mode")], None)?.dyn_into()?;
        for (value, label) in MODES {
            child(doc, &light, "option", &[("value", value)], Some(label))?;
        }
        let l = field(doc, &sec, "Ambient")?;
        let ambient = input(
            doc,
            &l,
            &[
                ("id", "mc-ambient"),
                ("type", "number"),
                ("min", "0"),
                ("max", "10"),
                ("step", "0.1"),
            ],
        )?;
        let l = field(doc, &sec, "Background")?;
        let background = input(doc, &l, &[("id", "mc-background"), ("type", "color")])?;
        let l = field(doc, &sec, "Floor")?;
        let floor = input(doc, &l, &[("id", "mc-show-floor"), ("type", "checkbox")])?;
        let l = field(doc, &sec, "Shadows")?;
        let shadows = input(
            doc,
            &l,
            &[("id", "mc-shadows"), ("type", "checkbox"), ("title", "Shadows (S)")],
        )?;
        let l = field(doc, &sec, "Camera mode")?;
        let camera_mode: HtmlSelectElement = child(
            doc,
            &l,
            "select",
            &[("id", "mc-camera-mode"), ("title", "Camera mode (C cycles)")],
            None,
        )?
        .dyn_into()?;
        for m in CameraMode::ALL {
            child(
                doc,
                &camera_mode,
                "option",
                &[("value", m.name())],
                Some(camera_mode_label(m)),
            )?;
        }
        Ok(ViewPanel {
            light,
            ambient,
            background,
            floor,
            shadows,
            camera_mode,
        })
    }

    /// Attaches the handlers.
    pub fn wire(&self, emit: &Emitter) -> Result<(), JsValue> {
        let (a, light) = (emit.clone(), self.light.clone());
        on(&self.light, "change", move |_| {
            a.emit(Action::SetLightMode(match light.value().as_str() {
                "dark" => LightMode::Dark,
                "diffuse" => LightMode::Diffuse,
                _ => LightMode::Default,
            }));
        })?;
        let (a, ambient) = (emit.clone(), self.ambient.clone());
        on(&self.ambient, "change", move |_| {
            if let Ok(v) = ambient.value().parse::<f32>() {
                a.emit(Action::SetAmbient(v));
            }
        })?;
        let (a, bg) = (emit.clone(), self.background.clone());
        on(&self.background, "input", move |_| {
            if let Some([r, g, b]) = edits::from_hex(&bg.value()) {
                a.emit(Action::SetBackground([r, g, b]));
            }
        })?;
        let (a, floor) = (emit.clone(), self.floor.clone());
        on(&self.floor, "change", move |_| {
            a.emit(Action::SetFloor(floor.checked()));
        })?;
        let (a, shadows) = (emit.clone(), self.shadows.clone());
        on(&self.shadows, "change", move |_| {
            a.emit(Action::SetShadows(shadows.checked()));
        })?;
        let (a, camera_mode) = (emit.clone(), self.camera_mode.clone());
        on(&self.camera_mode, "change", move |_| {
            if let Some(m) = CameraMode::from_name(&camera_mode.value()) {
                a.emit(Action::SetCameraMode(m));
            }
        })?;
        Ok(())
    }
}

/// Shows the current view options.
pub fn refresh(app: &Page) {
    let v = &app.ui.view;
    let mode = mode_name(app.core.view().light_mode);
    if v.light.value() != mode {
        v.light.set_value(mode);
    }
    set_value(&v.ambient, &format!("{:.1}", app.core.view().ambient));
    let bg = app.core.view().background;
    set_value(&v.background, &edits::to_hex(bg));
    if v.floor.checked() != app.core.view().show_floor {
        v.floor.set_checked(app.core.view().show_floor);
    }
    if v.shadows.checked() != app.core.view().shadows {
        v.shadows.set_checked(app.core.view().shadows);
    }
    let camera_mode = app.core.camera().mode.name();
    if v.camera_mode.value() != camera_mode {
        v.camera_mode.set_value(camera_mode);
    }
}
