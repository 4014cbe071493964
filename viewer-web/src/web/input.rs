//! Mouse, touch and keyboard.
//!
//! Pointer events cover mouse and touch: left drag orbits; right, middle or shift drag pans;
//! the wheel zooms (shift ×4 faster, ctrl ×0.25 slower, as aitviewer; ctrl+wheel never zooms
//! the page); with two fingers, pinch zooms and the midpoint pans. A click (press and
//! release without moving more than [`CLICK_SLOP_PX`]) picks the node under the cursor.
//! Keyboard shortcuts go through [`super::actions`] unless the focus is in a text field; in
//! first-person camera mode W/A/S/D/Q/E move the eye first ([`command::walk_for_key`]).
//! Any camera move by the user turns the automatic camera target off.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, Event, HtmlElement, KeyboardEvent, PointerEvent, WheelEvent};

use crate::core::camera::{CameraMode, WHEEL_FAST, WHEEL_SLOW};

use super::actions;
use super::command::{self, Command};
use super::dom::{on, on_active};
use super::emit::Emitter;
use super::Shared;
use crate::core::Action;

/// How far a press may move and still count as a click.
const CLICK_SLOP_PX: f64 = 4.0;
/// Wheel pixels per "line" when the browser reports lines.
const WHEEL_LINE_PX: f64 = 33.0;
/// Wheel-equivalent pixels per pixel of pinch distance change.
const PINCH_GAIN: f64 = 2.0;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Drag {
    Orbit,
    Pan,
}

#[derive(Debug, Default)]
struct Pointers {
    /// Active pointers: id and last position (CSS px in the canvas).
    active: Vec<(i32, f64, f64)>,
    /// Where the single-pointer press started, its button and drag mode.
    press: Option<(f64, f64, i16, Drag)>,
    /// Whether the press moved beyond the click slop (or became a pinch).
    dragged: bool,
    /// Last pinch distance and midpoint.
    pinch: Option<(f64, f64, f64)>,
}

impl Pointers {
    fn pos(&self, id: i32) -> Option<(f64, f64)> {
        self.active.iter().find(|p| p.0 == id).map(|p| (p.1, p.2))
    }

    fn two(&self) -> Option<(f64, f64, f64)> {
        match self.active.as_slice() {
            [a, b, ..] => {
                let d = ((a.1 - b.1).powi(2) + (a.2 - b.2).powi(2)).sqrt();
                Some((d, (a.1 + b.1) / 2.0, (a.2 + b.2) / 2.0))
            }
            _ => None,
        }
    }
}

fn offset(canvas: &Element, ev: &PointerEvent) -> (f64, f64) {
    let r = canvas.get_bounding_client_rect();
    (f64::from(ev.client_x()) - r.left(), f64::from(ev.client_y()) - r.top())
}

/// Attaches the canvas and keyboard handlers.
pub fn wire(app: &Shared) -> Result<(), JsValue> {
    let canvas = app.borrow().ui.canvas.clone();
    let doc = app.borrow().ui.doc.clone();
    let app = &Emitter::new(app, actions::run);
    let state = Rc::new(RefCell::new(Pointers::default()));

    {
        let (state, c) = (state.clone(), canvas.clone());
        on(&canvas, "pointerdown", move |ev| {
            let Some(ev) = ev.dyn_ref::<PointerEvent>() else { return };
            let _ = c.set_pointer_capture(ev.pointer_id());
            if let Some(h) = c.dyn_ref::<HtmlElement>() {
                let _ = h.focus();
            }
            let (x, y) = offset(&c, ev);
            let mut s = state.borrow_mut();
            s.active.retain(|p| p.0 != ev.pointer_id());
            s.active.push((ev.pointer_id(), x, y));
            if s.active.len() == 1 {
                let pan = ev.button() == 1 || ev.button() == 2 || ev.shift_key();
                s.press = Some((x, y, ev.button(), if pan { Drag::Pan } else { Drag::Orbit }));
                s.dragged = false;
                s.pinch = None;
            } else {
                s.dragged = true;
                s.pinch = s.two();
            }
        })?;
    }
    {
        let (app, state, c) = (app.clone(), state.clone(), canvas.clone());
        on(&canvas, "pointermove", move |ev| {
            let Some(ev) = ev.dyn_ref::<PointerEvent>() else { return };
            let (x, y) = offset(&c, ev);
            let mut s = state.borrow_mut();
            if s.active.is_empty() {
                inspect_at(&app, &c, x, y);
                return;
            }
            let Some((px, py)) = s.pos(ev.pointer_id()) else { return };
            if let Some(p) = s.active.iter_mut().find(|p| p.0 == ev.pointer_id()) {
                p.1 = x;
                p.2 = y;
            }
            let a = &app;
            let h = f64::from(c.client_height()).max(1.0) as f32;
            if s.active.len() >= 2 {
                if let (Some((d0, mx0, my0)), Some((d1, mx1, my1))) = (s.pinch, s.two()) {
                    a.emit(Action::Pinch {
                        zoom: ((d0 - d1) * PINCH_GAIN) as f32,
                        dx: (mx1 - mx0) as f32,
                        dy: (my1 - my0) as f32,
                        viewport_h: h,
                    });
                }
                s.pinch = s.two();
                return;
            }
            let Some((sx, sy, _, mode)) = s.press else { return };
            if !s.dragged && ((x - sx).powi(2) + (y - sy).powi(2)).sqrt() > CLICK_SLOP_PX {
                s.dragged = true;
            }
            if s.dragged {
                let (dx, dy) = ((x - px) as f32, (y - py) as f32);
                a.emit(match mode {
                    Drag::Orbit => Action::Orbit { dx, dy },
                    Drag::Pan => Action::Pan { dx, dy, viewport_h: h },
                });
            }
        })?;
    }
    for event in ["pointerup", "pointercancel"] {
        let (app, state, c) = (app.clone(), state.clone(), canvas.clone());
        on(&canvas, event, move |ev| {
            let Some(ev) = ev.dyn_ref::<PointerEvent>() else { return };
            let (x, y) = offset(&c, ev);
            let mut s = state.borrow_mut();
            let was_single = s.active.len() == 1;
            s.active.retain(|p| p.0 != ev.pointer_id());
            s.pinch = s.two();
            let click = was_single && !s.dragged && ev.type_() == "pointerup";
            let primary = matches!(s.press, Some((_, _, 0, _)));
            if s.active.is_empty() {
                s.press = None;
            }
            drop(s);
            if click && primary {
                pick_at(&app, &c, x, y);
            }
        })?;
    }
    {
        let (app, c) = (app.clone(), canvas.clone());
        on_active(&canvas, "wheel", move |ev| {
            let Some(w) = ev.dyn_ref::<WheelEvent>() else { return };
            ev.prevent_default();
            let scale = match w.delta_mode() {
                1 => WHEEL_LINE_PX,
                2 => f64::from(c.client_height()),
                _ => 1.0,
            };
            // aitviewer's modifiers: shift zooms faster, ctrl slower (the default action, the
            // browser's page zoom on ctrl+wheel, was prevented above).
            let speed = wheel_speed(w.shift_key(), w.ctrl_key());
            // Shift+wheel may arrive as horizontal scrolling (some platforms swap the axes).
            let delta = if w.delta_y() == 0.0 { w.delta_x() } else { w.delta_y() };
            app.emit(Action::Zoom((delta * scale) as f32 * speed));
        })?;
    }
    on(&canvas, "contextmenu", |ev| ev.prevent_default())?;

    let a = app.clone();
    on_active(&doc, "keydown", move |ev| on_key(&a, &ev))?;
    Ok(())
}

/// The wheel zoom factor for the modifiers held: shift ×[`WHEEL_FAST`], ctrl ×[`WHEEL_SLOW`]
/// (both: they cancel to ×1).
fn wheel_speed(shift: bool, ctrl: bool) -> f32 {
    let mut s = 1.0;
    if shift {
        s *= WHEEL_FAST;
    }
    if ctrl {
        s *= WHEEL_SLOW;
    }
    s
}

/// Casts a ray through (x, y) (CSS px in the canvas) and selects what it hits, or clears the
/// selection on empty space.
fn pick_at(emit: &Emitter, canvas: &Element, x: f64, y: f64) {
    let (w, h) = (f64::from(canvas.client_width()), f64::from(canvas.client_height()));
    let Some(hit) = emit.read(|a| a.hit_at(x, y, w, h).map(|h| h.key)) else {
        return;
    };
    emit.emit(Action::Select(hit));
}

/// In inspect mode, notes what is under the hovering cursor at (x, y) (CSS px in the canvas).
fn inspect_at(emit: &Emitter, canvas: &Element, x: f64, y: f64) {
    let (w, h) = (f64::from(canvas.client_width()), f64::from(canvas.client_height()));
    if let Some(Some(hit)) = emit.read(|a| a.core.view().inspect.then(|| a.hit_at(x, y, w, h))) {
        emit.set_inspected(hit);
    }
}

fn typing_in_field(ev: &Event) -> bool {
    let Some(t) = ev.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
        return false;
    };
    let tag = t.tag_name().to_ascii_lowercase();
    let text_input = t
        .dyn_ref::<web_sys::HtmlInputElement>()
        .is_some_and(|i| !matches!(i.type_().as_str(), "checkbox" | "range" | "button" | "color"));
    text_input
        || tag == "textarea"
        || tag == "select"
        || t.dyn_ref::<HtmlElement>().is_some_and(|h| h.is_content_editable())
}

fn on_key(emit: &Emitter, ev: &Event) {
    let Some(k) = ev.dyn_ref::<KeyboardEvent>() else { return };
    if k.ctrl_key() || k.meta_key() || k.alt_key() || typing_in_field(ev) {
        return;
    }
    let key = k.key();
    let first_person = emit.read(|a| a.core.camera().mode == CameraMode::FirstPerson);
    if first_person == Some(true) {
        if let Some((forward, right, up)) = command::walk_for_key(&key) {
            ev.prevent_default();
            emit.emit(Action::Walk(forward, right, up));
            return;
        }
    }
    let Some(action) = command::for_key(&key) else { return };
    // Space on a focused button would click it as well: handle it here only.
    ev.prevent_default();
    emit.command(action);
    if action == Command::Escape {
        ev.stop_propagation();
    }
}
