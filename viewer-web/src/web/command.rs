//! The user's commands, shared by keyboard shortcuts and buttons (what they run is in
//! [`super::actions`]): most become a core [`Action`]; the page's own (help, go-to box,
//! screenshot) stay in the shell.

use crate::core::Action;

/// A command from a key or a button.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
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
    /// Shift+P: download a PNG with a transparent background and no floor.
    TransparentScreenshot,
    /// O: orthographic camera.
    ToggleOrtho,
    /// D: dark light mode.
    ToggleDark,
    /// I: inspect mode.
    ToggleInspect,
    /// Floor on/off.
    ToggleFloor,
    /// S: shadows on/off.
    ToggleShadows,
    /// H or ?: the help overlay.
    ToggleHelp,
    /// R: reset the camera.
    ResetCamera,
    /// C: next camera mode (turntable → trackball → first person).
    CycleCameraMode,
    /// Esc: close overlays, else clear the selection.
    Escape,
    /// Open a recording file (no relay needed).
    OpenRecording,
    /// Download the scene shown as a recording.
    SaveScene,
    /// Export a video with the Video panel's options and download it.
    ExportVideo,
    /// Stop the video export.
    CancelExport,
}

/// The action of a key (`KeyboardEvent.key`), if any.
pub fn for_key(key: &str) -> Option<Command> {
    Some(match key {
        " " | "Spacebar" => Command::TogglePlay,
        "." | "ArrowRight" => Command::NextFrame,
        "," | "ArrowLeft" => Command::PreviousFrame,
        "g" | "G" => Command::GoToFrame,
        "x" | "X" => Command::CenterSelection,
        "a" | "A" => Command::FitScene,
        "f" | "F" => Command::ToggleFlat,
        "e" | "E" => Command::ToggleEdges,
        "p" => Command::Screenshot,
        "P" => Command::TransparentScreenshot,
        "o" | "O" => Command::ToggleOrtho,
        "d" | "D" => Command::ToggleDark,
        "i" | "I" => Command::ToggleInspect,
        "s" | "S" => Command::ToggleShadows,
        "h" | "H" | "?" => Command::ToggleHelp,
        "r" | "R" => Command::ResetCamera,
        "c" | "C" => Command::CycleCameraMode,
        "Escape" => Command::Escape,
        _ => return None,
    })
}

impl Command {
    /// The core action of this command, or `None` for the page's own commands.
    pub fn action(self, now_ms: f64) -> Option<Action> {
        Some(match self {
            Command::TogglePlay => Action::TogglePlay,
            Command::NextFrame => Action::Step { forward: true },
            Command::PreviousFrame => Action::Step { forward: false },
            Command::CenterSelection => Action::CenterSelection { now_ms },
            Command::FitScene => Action::FitScene { by_user: true },
            Command::ToggleFlat => Action::ToggleMeshFlag { edges: false },
            Command::ToggleEdges => Action::ToggleMeshFlag { edges: true },
            Command::ToggleOrtho => Action::ToggleOrtho,
            Command::ToggleDark => Action::ToggleDark,
            Command::ToggleInspect => Action::ToggleInspect,
            Command::ToggleFloor => Action::ToggleFloor,
            Command::ToggleShadows => Action::ToggleShadows,
            Command::ResetCamera => Action::ResetCamera,
            Command::CycleCameraMode => Action::CycleCameraMode,
            Command::GoToFrame
            | Command::Screenshot
            | Command::TransparentScreenshot
            | Command::ToggleHelp
            | Command::Escape
            | Command::OpenRecording
            | Command::SaveScene
            | Command::ExportVideo
            | Command::CancelExport => return None,
        })
    }
}

/// In first-person mode, the move of a key: `(forward, right, up)` steps. W/S forward/back,
/// D/A right/left, E/Q up/down. These take precedence over A (fit), S (shadows), D (dark) and
/// E (edges) while the camera is in first-person mode.
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
