//! The viewer core: the viewer's state and every rule that changes it, with no browser and no
//! GPU (no `web_sys`, `js_sys`, `wasm_bindgen` or `wgpu` here), so it is unit-tested natively.
//!
//! - [`ViewerState`] (`state`): scene, playback, camera, view options, selection, connection,
//!   clients, counters; [`ViewerState::apply`] takes an [`Action`], [`ViewerState::on_relay`] /
//!   [`ViewerState::apply_client`] (`relay`) the relay's messages. Each returns what changed
//!   ([`Changed`]), from which the shell decides what to redraw and refresh.
//! - [`action`]: the user's commands; [`changed`]: the change set.
//! - [`playback`] and [`camera`]: the frame clock and the camera, with aitviewer's rules.
//! - [`view`]: display options ([`body_parts`]: the parts of an SMPL body, hidden one by one); [`edits`]: local edits of a node; [`Aabb`]: bounds.
//! - [`scene_tree`]: the scene list's order (children under their `parent`).
//! - [`recording`]: opening a recording (the page with no relay) and saving the scene as one.
//! - [`video`]: video export's options, their checks and the frame plan (scene frame and camera
//!   per video frame), and the WebM and ZIP writers the page packs its frames with.
//! - [`pacing`]: when the frame loop draws while relay messages stream in; [`heap`]: room made
//!   for messages the relay announced.
//! - [`connection`]: the relay connection's state and the counters; [`defaults`]: the values of
//!   options a client left out.
//!
//! The core asks for node bounds through [`NodeBounds`], which the geometry layer implements.

pub mod aabb;
pub mod action;
pub mod body_parts;
pub mod camera;
pub mod changed;
pub mod connection;
pub mod defaults;
pub mod edits;
pub mod heap;
pub mod pacing;
pub mod playback;
pub mod recording;
mod relay;
pub mod scene_tree;
mod state;
pub mod video;
pub mod view;

#[cfg(test)]
mod tests;

pub use aabb::Aabb;
pub use action::{Action, Edit};
pub use body_parts::BodyPart;
pub use changed::Changed;
pub use connection::{ConnState, Stats};
pub use pacing::DrawPacer;
pub use recording::Opened;
pub use relay::{ClientEnvelope, Rejected, Relayed};
pub use state::{NodeBounds, ViewerState};
pub use view::{LightMode, ViewOptions};
