//! The meshcast viewer: keeps a [`meshcast_scene::Scene`] fed by the relay and renders it with
//! wgpu. In the browser (wasm32) the `web` module runs the page; natively the `offscreen` module
//! renders into a texture for golden-image tests and benchmarks.
//!
//! - `core`: the viewer's state and its rules (scene, playback, camera, view options,
//!   selection, connection), with no browser and no GPU; unit-tested natively.
//! - `picking`, `render`: what to draw and how (shared by web and native).
//! - `smpl_bodies`: SMPL nodes evaluated with their body model into meshes and skeletons.
//! - `web` (wasm32 only): canvas, connection to the relay, page UI, frame loop; also the viewer as
//!   a library (`web::Viewer::builder()`, message handlers, see `docs/customising.md`).
//! - `offscreen` (native only): render a scene to an RGBA image.

pub mod core;
pub mod geometry;
pub mod render;
pub mod smpl_bodies;

#[cfg(not(target_arch = "wasm32"))]
pub mod offscreen;

#[cfg(target_arch = "wasm32")]
pub mod web;

#[cfg(all(target_arch = "wasm32", not(any(feature = "webgpu", feature = "webgl"))))]
compile_error!("meshcast-viewer in the browser needs a backend: its `webgpu` or `webgl` feature, or both");
