//! `meshcast-render`: headless video export. Reads a recording (`meshcast-relay --record`,
//! `RemoteViewer.record`) or joins a live relay as a viewer, then renders the video frame by
//! frame with the browser viewer's renderer (the same WGSL shaders, natively through wgpu: a GPU
//! when there is one, Mesa's llvmpipe software rasteriser when there is none, no display
//! needed), to PNG frames and a video file encoded by ffmpeg. Frame-exact: each frame is
//! rendered once, in order, whatever the machine's speed; the orbit angle is a function of the
//! frame index (`meshcast_viewer::core::video`).
//!
//! - [`source`]: the scene from a recording or a relay.
//! - [`smpl`]: SMPL bodies, evaluated with local model files.
//! - [`render`]: the camera, the loop, PNG files.
//! - [`encoder`]: ffmpeg, found at run time.

pub mod encoder;
pub mod render;
pub mod smpl;
pub mod source;
