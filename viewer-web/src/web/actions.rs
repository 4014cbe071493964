//! The user's commands, shared by keyboard shortcuts and buttons.

use crate::render::LightMode;

use super::{screenshot, ui, Shared};

/// A command from a key or a button.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Space: play/pause.
    TogglePlay,
    /// `.` / ArrowRight (paused only).
    NextFrame,
    /// `,` / ArrowLeft (paused only).
    PreviousFrame,
    /// G: open the go-to-frame box.
    GoToFrame,
    /// X: centre the view on the selection.
    CenterSelection,
    /// A: fit the view to the whole scene.
    FitScene,
    /// F: flat shading on the selected mesh.
    ToggleFlat,
    /// E: edges on the selected mesh.
    ToggleEdges,
    /// P: download a PNG of the canvas.
    Screenshot,
    /// O: orthographic camera.
    ToggleOrtho,
    /// D: dark light mode.
    ToggleDark,
    /// Floor on/off.
    ToggleFloor,
    /// H or ?: the help overlay.
    ToggleHelp,
    /// R: reset the camera.
    ResetCamera,
    /// Esc: close overlays, else clear the selection.
    Escape,
}

/// The action of a key (`KeyboardEvent.key`), if any.
pub fn for_key(key: &str) -> Option<Action> {
    Some(match key {
        " " | "Spacebar" => Action::TogglePlay,
        "." | "ArrowRight" => Action::NextFrame,
        "," | "ArrowLeft" => Action::PreviousFrame,
        "g" | "G" => Action::GoToFrame,
        "x" | "X" => Action::CenterSelection,
        "a" | "A" => Action::FitScene,
        "f" | "F" => Action::ToggleFlat,
        "e" | "E" => Action::ToggleEdges,
        "p" | "P" => Action::Screenshot,
        "o" | "O" => Action::ToggleOrtho,
        "d" | "D" => Action::ToggleDark,
        "h" | "H" | "?" => Action::ToggleHelp,
        "r" | "R" => Action::ResetCamera,
        "Escape" => Action::Escape,
        _ => return None,
    })
}

/// Runs an action. Work that may dispatch DOM events synchronously (focus, downloads) happens
/// after the app is released.
pub fn run(app: &Shared, action: Action) {
    let Ok(mut a) = app.try_borrow_mut() else { return };
    a.dirty.redraw = true;
    match action {
        Action::TogglePlay => {
            let playing = !a.playback.playing();
            a.set_playing(playing);
        }
        Action::NextFrame => a.step(true),
        Action::PreviousFrame => a.step(false),
        Action::GoToFrame => {
            drop(a);
            ui::open_goto(app);
        }
        Action::CenterSelection => a.fit_selection(),
        Action::FitScene => a.fit_scene(),
        Action::ToggleFlat => a.toggle_mesh_flag(false),
        Action::ToggleEdges => a.toggle_mesh_flag(true),
        Action::Screenshot => {
            drop(a);
            screenshot::download(app);
        }
        Action::ToggleOrtho => a.camera.orthographic = !a.camera.orthographic,
        Action::ToggleDark => {
            let dark = a.opts.light_mode != LightMode::Dark;
            a.set_light_mode(if dark { LightMode::Dark } else { LightMode::Default });
        }
        Action::ToggleFloor => a.opts.show_floor = !a.opts.show_floor,
        Action::ToggleHelp => {
            drop(a);
            ui::toggle_help(app, None);
        }
        Action::ResetCamera => a.camera.reset(),
        Action::Escape => {
            let overlay_open = a.help_open || !a.ui.overlays.goto_closed();
            if overlay_open {
                drop(a);
                ui::toggle_help(app, Some(false));
                ui::close_goto(app);
            } else {
                a.select(None);
            }
        }
    }
}
