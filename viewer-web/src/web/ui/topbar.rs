//! The top bar: title, connection status, FPS counter and tool buttons.

use wasm_bindgen::prelude::*;
use web_sys::{Document, Element};

use crate::core::ConnState;
use crate::web::command::Command;
use crate::web::dom::{child, on, set_attr, set_text};
use crate::web::emit::Emitter;
use crate::web::Page;

/// Tool buttons: (id, label, shortcut, action, longer description for the tooltip or "").
const TOOLS: &[(&str, &str, &str, Command, &str)] = &[
    ("mc-fit", "Fit scene", "A", Command::FitScene, ""),
    ("mc-center", "Centre on selection", "X", Command::CenterSelection, ""),
    ("mc-reset-camera", "Reset camera", "R", Command::ResetCamera, ""),
    ("mc-ortho", "Orthographic", "O", Command::ToggleOrtho, ""),
    ("mc-dark", "Dark mode", "D", Command::ToggleDark, ""),
    ("mc-floor", "Floor", "", Command::ToggleFloor, ""),
    ("mc-screenshot", "Screenshot", "P", Command::Screenshot, ""),
    (
        "mc-open-recording",
        "Open",
        "",
        Command::OpenRecording,
        "Open a recording (.mcrec) instead of the relay's scene; or drop one on the page",
    ),
    (
        "mc-save-scene",
        "Save",
        "",
        Command::SaveScene,
        "Save the scene shown as a recording (.mcrec)",
    ),
    ("mc-help-button", "Help", "H", Command::ToggleHelp, ""),
];

/// Top bar elements.
#[derive(Clone)]
pub struct TopBar {
    status: Element,
    error: Element,
    fps: Element,
    info: Element,
    tools: Vec<(Element, Command)>,
}

impl TopBar {
    /// Builds the bar inside `root`.
    pub fn build(doc: &Document, root: &Element) -> Result<TopBar, JsValue> {
        let bar = child(doc, root, "header", &[("class", "mc-top")], None)?;
        child(doc, &bar, "h1", &[("class", "mc-title")], Some("meshcast"))?;
        let status = child(
            doc,
            &bar,
            "span",
            &[
                ("id", "mc-status"),
                ("role", "status"),
                ("aria-live", "polite"),
                ("data-state", "connecting"),
            ],
            Some("connecting…"),
        )?;
        let fps = child(
            doc,
            &bar,
            "span",
            &[("id", "mc-fps"), ("title", "frames per second / CPU ms per frame")],
            Some("– fps"),
        )?;
        let info = child(doc, &bar, "span", &[("id", "mc-info"), ("class", "mc-dim")], None)?;
        let nav = child(
            doc,
            &bar,
            "nav",
            &[("class", "mc-tools"), ("aria-label", "View tools")],
            None,
        )?;
        let mut tools = Vec::new();
        for (id, label, key, action, hint) in TOOLS {
            let name = if hint.is_empty() { label } else { hint };
            let title = if key.is_empty() {
                (*name).to_owned()
            } else {
                format!("{name} [{key}]")
            };
            let b = child(
                doc,
                &nav,
                "button",
                &[("id", id), ("type", "button"), ("title", &title)],
                Some(label),
            )?;
            tools.push((b, *action));
        }
        let error = child(
            doc,
            &bar,
            "span",
            &[("id", "mc-error"), ("class", "mc-error"), ("role", "alert")],
            None,
        )?;
        Ok(TopBar {
            status,
            error,
            fps,
            info,
            tools,
        })
    }

    /// Attaches the buttons' handlers.
    pub fn wire(&self, emit: &Emitter) -> Result<(), JsValue> {
        for (b, action) in &self.tools {
            let emit = emit.clone();
            let action = *action;
            on(b, "click", move |_| emit.command(action))?;
        }
        Ok(())
    }
}

/// Updates status, FPS, info and the pressed state of toggles.
pub fn refresh(app: &Page, now_ms: f64) {
    let t = &app.ui.top;
    let (text, state) = match app.core.connection() {
        ConnState::Connecting { attempt } if *attempt > 1 => (format!("connecting (attempt {attempt})…"), "connecting"),
        ConnState::Connecting { .. } => ("connecting…".to_owned(), "connecting"),
        ConnState::Connected => ("connected".to_owned(), "connected"),
        ConnState::Reconnecting { at_ms, .. } => {
            let secs = ((at_ms - now_ms) / 1000.0).max(0.0).ceil();
            (format!("reconnecting in {secs} s"), "reconnecting")
        }
        ConnState::Recording { name } => {
            // The file's own name; the whole URL or path is in the title.
            let short = name.rsplit(['/', '\\']).find(|s| !s.is_empty()).unwrap_or(name);
            (format!("recording {short}"), "recording")
        }
    };
    set_text(&t.status, &text);
    set_attr(&t.status, "data-state", state);
    let title = match app.core.connection() {
        ConnState::Recording { name } => name.clone(),
        _ => crate::web::params::display_url(&app.params.relay_url).to_owned(),
    };
    set_attr(&t.status, "title", &title);
    set_text(&t.error, app.core.last_error().unwrap_or(""));
    let fps = if app.core.stats().fps > 0.0 {
        format!(
            "{:.0} fps · {:.1} ms",
            app.core.stats().fps,
            app.core.stats().cpu_ms_last
        )
    } else {
        "idle".to_owned()
    };
    set_text(&t.fps, &fps);
    let info = format!(
        "{} · {} · {} nodes · {} msgs",
        app.gpu.backend.name(),
        app.gpu.adapter_name,
        app.core.scene().len(),
        app.core.stats().messages
    );
    set_text(&t.info, &info);
    for (b, action) in &t.tools {
        let pressed = match action {
            Command::ToggleOrtho => Some(app.core.camera().orthographic),
            Command::ToggleDark => Some(app.core.view().light_mode == crate::core::LightMode::Dark),
            Command::ToggleFloor => Some(app.core.view().show_floor),
            Command::ToggleHelp => Some(app.help_open),
            _ => None,
        };
        if let Some(p) = pressed {
            set_attr(b, "aria-pressed", if p { "true" } else { "false" });
        }
    }
}
