//! A custom meshcast viewer: aitviewer's `examples/remote_custom_viewer.py` as a Rust crate.
//!
//! The crate depends on `meshcast-viewer` with `default-features = false` (no built-in start
//! function) and both backend features, `webgpu` and `webgl` (WebGPU and WebGL2 in one build), and starts the viewer
//! itself with its own message handler, which
//!
//! - handles every built-in message as usual (`v.default(msg)`), then, when a node was created,
//!   selects it and centres the view on it;
//! - for a user message (`USER_MESSAGE`, type 10000) reads `index` from its kwargs (or its first
//!   positional argument, as aitviewer's example sends it), selects that client's node with that
//!   uid, centres the view on it, recolours it when the message has `color` (RGBA), and answers
//!   the client with `{"selected": index, "name": ...}` (or `{"error": ...}`).
//!
//! Build and serve (from the repository root):
//!
//! ```text
//! trunk build --release --config examples/custom-viewer/Trunk.toml
//! cargo run -p meshcast-relay -- --dist examples/custom-viewer/dist
//! cargo run -p meshcast-custom-viewer --example custom_client -- --index 2
//! ```
//!
//! See `docs/customising.md`.

#[cfg(target_arch = "wasm32")]
mod viewer;
