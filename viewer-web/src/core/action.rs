//! [`Action`]: every change the user (keys, buttons, panels, pointer, scripts) can make to the
//! viewer state. The web shell turns DOM events into actions and hands them to
//! [`super::ViewerState::apply`]; nothing else writes the state.

use glam::Vec3;
use meshcast_scene::NodeKey;

use super::camera::CameraMode;
use super::view::LightMode;
use super::BodyPart;

/// A local edit of one node (the properties panel, message handlers): it changes this viewer's
/// copy of the node only, at the frame shown.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Edit {
    /// Position at the frame shown.
    Position([f32; 3]),
    /// Rotation at the frame shown, extrinsic XYZ Euler angles in degrees.
    RotationEulerDeg([f32; 3]),
    /// Uniform scale at the frame shown (clamped to 0.001–100; non-finite ignored).
    Scale(f32),
    /// One colour for the whole node (RGBA 0–1).
    Color([f32; 4]),
    /// Sphere or joint radius of Spheres, RigidBodies and Skeletons nodes (clamped to
    /// 0.0001–100; non-finite ignored).
    Radius(f32),
}

/// A change the user asks for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Action {
    /// Play/pause (Space).
    TogglePlay,
    /// Play or pause.
    SetPlaying(bool),
    /// One frame forward (`true`) or back, wrapping; only while paused (aitviewer's `.`/`,`).
    Step {
        /// Forward or back.
        forward: bool,
    },
    /// Jump to a frame (clamped).
    SetFrame(i64),
    /// Playback rate (clamped to the UI's range; non-finite ignored).
    SetFps(f64),
    /// Loop at the end or stop there.
    SetLooping(bool),
    /// Orbit by a drag of (dx, dy) pixels.
    Orbit {
        /// Horizontal pixels.
        dx: f32,
        /// Vertical pixels.
        dy: f32,
    },
    /// Pan by a drag of (dx, dy) pixels in a viewport `viewport_h` pixels high.
    Pan {
        /// Horizontal pixels.
        dx: f32,
        /// Vertical pixels.
        dy: f32,
        /// Viewport height in pixels.
        viewport_h: f32,
    },
    /// Zoom by a wheel delta (already scaled by the modifiers).
    Zoom(f32),
    /// Pinch: zoom and pan in one step (two-finger touch).
    Pinch {
        /// Wheel-equivalent zoom delta.
        zoom: f32,
        /// Horizontal pan in pixels.
        dx: f32,
        /// Vertical pan in pixels.
        dy: f32,
        /// Viewport height in pixels.
        viewport_h: f32,
    },
    /// First-person step: forward, right, up.
    Walk(f32, f32, f32),
    /// Vertical field of view in degrees.
    SetFov(f32),
    /// Put the eye at `eye` looking at `target`.
    LookFrom {
        /// Eye position.
        eye: Vec3,
        /// Target position.
        target: Vec3,
    },
    /// Camera control mode.
    SetCameraMode(CameraMode),
    /// Next camera mode (C).
    CycleCameraMode,
    /// Orthographic on/off (O).
    ToggleOrtho,
    /// Reset the camera (R).
    ResetCamera,
    /// Fit the camera to the whole visible scene (A, or a script or handler).
    FitScene {
        /// Asked by the user (A): the automatic camera target is off after it.
        by_user: bool,
    },
    /// Centre on the selection (X, the Centre button), easing the move over
    /// [`super::camera::CENTER_ANIM_MS`] from `now_ms` (`performance.now()` ms).
    CenterSelection {
        /// Start of the animation.
        now_ms: f64,
    },
    /// Point the camera at a node at once, without selecting it.
    CenterOn(NodeKey),
    /// Dark light mode on/off (D).
    ToggleDark,
    /// Light mode (the background follows unless the user picked one).
    SetLightMode(LightMode),
    /// Inspect mode on/off (I).
    ToggleInspect,
    /// Inspect mode on or off.
    SetInspect(bool),
    /// Floor on/off.
    ToggleFloor,
    /// Floor on or off.
    SetFloor(bool),
    /// Shadows on/off (aitviewer's S).
    ToggleShadows,
    /// Shadows on or off.
    SetShadows(bool),
    /// Ambient strength (clamped to 0–10; non-finite ignored).
    SetAmbient(f32),
    /// Background colour (RGB 0–1).
    SetBackground([f32; 3]),
    /// Select a node or clear the selection (a key of no node clears it).
    Select(Option<NodeKey>),
    /// Show or hide a node.
    SetVisible(NodeKey, bool),
    /// Show or hide one part of an SMPL body.
    SetPartVisible(NodeKey, BodyPart, bool),
    /// Toggle flat shading (`edges: false`, F) or edges (E) on the selected mesh.
    ToggleMeshFlag {
        /// Edges rather than flat shading.
        edges: bool,
    },
    /// Set flat shading or edges on a node.
    SetMeshFlag {
        /// The node.
        key: NodeKey,
        /// Edges rather than flat shading.
        edges: bool,
        /// On or off.
        on: bool,
    },
    /// A local edit of a node.
    Edit(NodeKey, Edit),
    /// Restart the CPU-time average (the benchmark's `resetStats`).
    ResetCpuStats,
}

impl Action {
    /// True for camera moves made by the user: after one, the automatic camera target is off
    /// and a running camera animation stops where it is.
    pub fn moves_camera(&self) -> bool {
        matches!(
            self,
            Action::Orbit { .. }
                | Action::Pan { .. }
                | Action::Zoom(_)
                | Action::Pinch { .. }
                | Action::Walk(..)
                | Action::LookFrom { .. }
                | Action::ResetCamera
                | Action::FitScene { by_user: true }
                | Action::CenterSelection { .. }
        )
    }
}
