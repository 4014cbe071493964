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
    /// C: next camera mode (turntable → trackball → first person).
    CycleCameraMode,
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
        "c" | "C" => Action::CycleCameraMode,
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
        Action::CenterSelection => {
            a.camera_moved_by_user();
            a.fit_selection_animated(super::net::now_ms());
        }
        Action::FitScene => {
            a.camera_moved_by_user();
            a.fit_scene();
        }
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
        Action::ResetCamera => {
            a.camera_moved_by_user();
            a.camera.reset();
        }
        Action::CycleCameraMode => {
            let next = a.camera.mode.next();
            a.camera.set_mode(next);
        }
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

/// In first-person mode, the move of a key: `(forward, right, up)` steps. W/S forward/back,
/// D/A right/left, E/Q up/down. These take precedence over A (fit), D (dark) and E (edges)
/// while the camera is in first-person mode.
pub fn walk_for_key(key: &str) -> Option<(f32, f32, f32)> {
    Some(match key {
        "w" | "W" => (1.0, 0.0, 0.0),
        "s" | "S" => (-1.0, 0.0, 0.0),
        "d" | "D" => (0.0, 1.0, 0.0),
        "a" | "A" => (0.0, -1.0, 0.0),
        "e" | "E" => (0.0, 0.0, 1.0),
        "q" | "Q" => (0.0, 0.0, -1.0),
        _ => return None,
    })
}
