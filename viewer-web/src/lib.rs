//! The meshcast viewer: keeps a [`meshcast_scene::Scene`] fed by the relay and renders it with
//! wgpu. In the browser (wasm32) the `web` module runs the page; natively the `offscreen` module
//! renders into a texture for golden-image tests and benchmarks.
//!
//! - `camera`, `picking`, `render`: what to draw and how (shared by web and native).
//! - `playback`: the scene's frame clock (play/pause, fps, loop, stepping).
//! - `web` (wasm32 only): canvas, connection to the relay, page UI, frame loop.
//! - `offscreen` (native only): render a scene to an RGBA image.

pub mod camera;
pub mod picking;
pub mod playback;
pub mod render;

#[cfg(not(target_arch = "wasm32"))]
pub mod offscreen;

#[cfg(target_arch = "wasm32")]
mod web;
