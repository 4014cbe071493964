//! The help overlay (H or ?) listing the shortcuts, and the go-to-frame box (G).

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement, HtmlInputElement};

use crate::web::dom::{child, input, on, set_hidden};
use crate::web::Shared;

/// The shortcuts, as the help overlay lists them.
pub const SHORTCUTS: &[(&str, &str)] = &[
    ("Space", "play / pause"),
    (". or →", "next frame (paused)"),
    (", or ←", "previous frame (paused)"),
    ("G", "go to frame"),
    ("X", "centre the view on the selection"),
    ("A", "fit the view to the scene"),
    ("R", "reset the camera"),
    ("O", "orthographic / perspective camera"),
    ("C", "camera mode: turntable / trackball / first person"),
    (
        "W A S D",
        "first person: move forward / left / back / right (instead of A, S, D)",
    ),
    ("Q E", "first person: move down / up (instead of E)"),
    ("F", "flat shading on the selected mesh"),
    ("E", "draw edges on the selected mesh"),
    ("D", "dark mode"),
    ("I", "inspect: the node, face, vertex and point under the cursor"),
    ("S", "shadows"),
    ("P", "screenshot (PNG download)"),
    ("Shift+P", "screenshot with a transparent background"),
    ("H or ?", "this help"),
    ("Esc", "close overlays / clear the selection"),
    ("left drag", "orbit (first person: look around)"),
    ("right or shift drag", "pan"),
    ("wheel / pinch", "zoom (first person: move forward / back)"),
    ("two-finger drag", "pan"),
    ("click", "select the node under the cursor"),
];

/// Overlay elements.
#[derive(Clone)]
pub struct Overlays {
    help: Element,
    goto: Element,
    goto_input: HtmlInputElement,
}

impl Overlays {
    /// Builds the overlays inside the view container.
    pub fn build(doc: &Document, view: &Element) -> Result<Overlays, JsValue> {
        let help = child(
            doc,
            view,
            "div",
            &[
                ("id", "mc-help"),
                ("class", "mc-overlay"),
                ("role", "dialog"),
                ("aria-label", "Keyboard shortcuts"),
                ("hidden", ""),
            ],
            None,
        )?;
        child(doc, &help, "h2", &[], Some("Keyboard shortcuts"))?;
        let dl = child(doc, &help, "dl", &[("class", "mc-keys")], None)?;
        for (k, what) in SHORTCUTS {
            child(doc, &dl, "dt", &[], None)?.set_inner_html(&format!("<kbd>{k}</kbd>"));
            child(doc, &dl, "dd", &[], Some(what))?;
        }
        child(
            doc,
            &help,
            "p",
            &[("class", "mc-dim")],
            Some("Press H, ? or Esc to close."),
        )?;
        let goto = child(
            doc,
            view,
            "form",
            &[
                ("id", "mc-goto"),
                ("class", "mc-overlay mc-goto"),
                ("role", "dialog"),
                ("aria-label", "Go to frame"),
                ("hidden", ""),
            ],
            None,
        )?;
        let l = child(doc, &goto, "label", &[], Some("Go to frame "))?;
        let goto_input = input(
            doc,
            &l,
            &[("id", "mc-goto-input"), ("type", "number"), ("min", "0"), ("step", "1")],
        )?;
        child(doc, &goto, "button", &[("type", "submit")], Some("Go"))?;
        Ok(Overlays { help, goto, goto_input })
    }

    /// Whether the go-to-frame box is closed.
    pub fn goto_closed(&self) -> bool {
        self.goto.dyn_ref::<HtmlElement>().is_none_or(HtmlElement::hidden)
    }

    /// Submitting the go-to box jumps; Esc inside it closes it.
    pub fn wire(&self, app: &Shared) -> Result<(), JsValue> {
        let a = app.clone();
        let field = self.goto_input.clone();
        on(&self.goto, "submit", move |ev| {
            ev.prevent_default();
            if let Ok(f) = field.value().trim().parse::<i64>() {
                if let Ok(mut app) = a.try_borrow_mut() {
                    app.act(crate::core::Action::SetFrame(f));
                }
            }
            close_goto(&a);
        })?;
        let a = app.clone();
        on(&self.goto_input, "keydown", move |ev| {
            if let Some(k) = ev.dyn_ref::<web_sys::KeyboardEvent>() {
                if k.key() == "Escape" {
                    close_goto(&a);
                }
            }
        })?;
        Ok(())
    }
}

/// Shows, hides (`Some`) or toggles (`None`) the help overlay.
pub fn toggle_help(app: &Shared, show: Option<bool>) {
    let Ok(mut a) = app.try_borrow_mut() else { return };
    let open = show.unwrap_or(!a.help_open);
    a.help_open = open;
    set_hidden(&a.ui.overlays.help, !open);
}

/// Opens the go-to-frame box with the current frame and focuses it.
pub fn open_goto(app: &Shared) {
    let (goto, field) = {
        let Ok(a) = app.try_borrow() else { return };
        let o = &a.ui.overlays;
        o.goto_input.set_value(&a.frame().to_string());
        o.goto_input.set_max(&(a.core.scene().n_frames() - 1).to_string());
        (o.goto.clone(), o.goto_input.clone())
    };
    set_hidden(&goto, false);
    let _ = field.focus();
    field.select();
}

/// Closes the go-to-frame box and gives the keyboard back to the canvas.
pub fn close_goto(app: &Shared) {
    let (goto, canvas) = {
        let Ok(a) = app.try_borrow() else { return };
        (a.ui.overlays.goto.clone(), a.ui.canvas.clone())
    };
    set_hidden(&goto, true);
    if let Some(c) = canvas.dyn_ref::<HtmlElement>() {
        let _ = c.focus();
    }
}
