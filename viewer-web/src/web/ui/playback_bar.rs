//! The playback bar: play/pause, step back/forward, frame slider and number, playback fps
//! (1–120), loop toggle.

use wasm_bindgen::prelude::*;
use web_sys::{Document, Element, HtmlInputElement};

use crate::core::playback::{MAX_FPS, MIN_FPS};
use crate::core::Action;
use crate::web::command::Command;
use crate::web::dom::{child, input, on, set_attr, set_text, set_value};
use crate::web::emit::Emitter;
use crate::web::Page;

/// The bar's controls.
#[derive(Clone)]
pub struct PlaybackBar {
    play: Element,
    prev: Element,
    next: Element,
    slider: HtmlInputElement,
    label: Element,
    fps: HtmlInputElement,
    looping: HtmlInputElement,
}

impl PlaybackBar {
    /// Builds the bar inside `root`.
    pub fn build(doc: &Document, root: &Element) -> Result<PlaybackBar, JsValue> {
        let bar = child(
            doc,
            root,
            "footer",
            &[
                ("class", "mc-playback"),
                ("role", "toolbar"),
                ("aria-label", "Playback"),
            ],
            None,
        )?;
        let prev = child(
            doc,
            &bar,
            "button",
            &[
                ("id", "mc-prev"),
                ("type", "button"),
                ("title", "Previous frame [,]"),
                ("aria-label", "Previous frame"),
            ],
            Some("‹"),
        )?;
        let play = child(
            doc,
            &bar,
            "button",
            &[
                ("id", "mc-play"),
                ("type", "button"),
                ("title", "Play/pause [Space]"),
                ("aria-pressed", "true"),
            ],
            Some("Pause"),
        )?;
        let next = child(
            doc,
            &bar,
            "button",
            &[
                ("id", "mc-next"),
                ("type", "button"),
                ("title", "Next frame [.]"),
                ("aria-label", "Next frame"),
            ],
            Some("›"),
        )?;
        let slider = input(
            doc,
            &bar,
            &[
                ("id", "mc-frame-slider"),
                ("type", "range"),
                ("min", "0"),
                ("max", "0"),
                ("value", "0"),
                ("step", "1"),
                ("aria-label", "Frame"),
            ],
        )?;
        let label = child(
            doc,
            &bar,
            "span",
            &[("id", "mc-frame-label"), ("aria-live", "off")],
            Some("0 / 1"),
        )?;
        let fl = child(doc, &bar, "label", &[("class", "mc-field")], None)?;
        child(doc, &fl, "span", &[], Some("fps"))?;
        let (lo, hi) = (MIN_FPS.to_string(), MAX_FPS.to_string());
        let fps = input(
            doc,
            &fl,
            &[
                ("id", "mc-fps-input"),
                ("type", "number"),
                ("min", &lo),
                ("max", &hi),
                ("step", "1"),
                ("value", "60"),
                ("aria-label", "Playback fps"),
            ],
        )?;
        let ll = child(doc, &bar, "label", &[("class", "mc-field")], None)?;
        let looping = input(doc, &ll, &[("id", "mc-loop"), ("type", "checkbox")])?;
        looping.set_checked(true);
        child(doc, &ll, "span", &[], Some("loop"))?;
        Ok(PlaybackBar {
            play,
            prev,
            next,
            slider,
            label,
            fps,
            looping,
        })
    }

    /// Attaches the controls' handlers.
    pub fn wire(&self, emit: &Emitter) -> Result<(), JsValue> {
        let a = emit.clone();
        on(&self.play, "click", move |_| a.command(Command::TogglePlay))?;
        let a = emit.clone();
        on(&self.prev, "click", move |_| {
            pause_then(&a, Action::Step { forward: false });
        })?;
        let a = emit.clone();
        on(&self.next, "click", move |_| {
            pause_then(&a, Action::Step { forward: true });
        })?;
        let a = emit.clone();
        let slider = self.slider.clone();
        on(&self.slider, "input", move |_| {
            if let Ok(f) = slider.value().parse::<i64>() {
                a.emit(Action::SetFrame(f));
            }
        })?;
        let a = emit.clone();
        let fps = self.fps.clone();
        on(&self.fps, "change", move |_| {
            if let Ok(v) = fps.value().parse::<f64>() {
                a.emit(Action::SetFps(v));
                if let Some(used) = a.read(|app| app.core.playback().fps()) {
                    fps.set_value(&used.to_string());
                }
            }
        })?;
        let a = emit.clone();
        let looping = self.looping.clone();
        on(&self.looping, "change", move |_| {
            a.emit(Action::SetLooping(looping.checked()));
        })?;
        Ok(())
    }
}

/// The step buttons pause first (stepping only applies while paused, as in aitviewer).
fn pause_then(emit: &Emitter, step: Action) {
    emit.emit(Action::SetPlaying(false));
    emit.emit(step);
}

/// Updates the bar from the playback state.
pub fn refresh(app: &Page) {
    let b = &app.ui.playback;
    let n = app.core.scene().n_frames();
    let f = app.frame();
    let playing = app.core.playback().playing();
    set_text(&b.play, if playing { "Pause" } else { "Play" });
    set_attr(&b.play, "aria-pressed", if playing { "true" } else { "false" });
    set_attr(&b.slider, "max", &(n - 1).to_string());
    let fs = f.to_string();
    if b.slider.value() != fs {
        b.slider.set_value(&fs);
    }
    set_text(&b.label, &format!("{f} / {}", n - 1));
    set_value(&b.fps, &app.core.playback().fps().to_string());
    if b.looping.checked() != app.core.playback().looping() {
        b.looping.set_checked(app.core.playback().looping());
    }
}
