//! SMPL-family body models (SMPL, SMPL-H, SMPL-X) evaluated in pure Rust, for the meshcast
//! viewer (native and `wasm32-unknown-unknown`). No GPU, no I/O: the caller hands over the
//! bytes of a model file.
//!
//! * [`SmplModel::from_npz`] reads the `.npz` layout the `smplx` Python package reads
//!   (`v_template`, `shapedirs`, `posedirs`, `J_regressor`, `weights`, `kintree_table`, `f`).
//! * [`SmplModel::evaluate`] / [`Evaluator`] evaluate one frame exactly as `smplx.lbs` does:
//!   shape blend, joint regression, Rodrigues, pose blend, forward kinematics, linear blend
//!   skinning, translation. [`Evaluator`] caches the shape-dependent part between frames.
//! * [`SmplModel::evaluate_sequence`] applies aitviewer's `SMPLSequence` rules (shared or
//!   per-frame betas, `include_root`, `normalize_root`, zero-filled optional parts).
//! * [`vertex_normals`] recomputes smooth normals; [`Z_UP_TO_Y_UP`] is the `z_up` node rotation.
//!
//! ```no_run
//! # fn demo(bytes: &[u8]) -> Result<(), meshcast_smpl::SmplError> {
//! use meshcast_smpl::{SequenceOptions, SequenceParams, SmplModel};
//! let model = SmplModel::from_npz(bytes)?;
//! let poses_body = vec![0.0f32; 2 * model.body_pose_len()]; // two frames in the rest pose
//! let seq = model.evaluate_sequence(
//!     &SequenceParams { poses_body: &poses_body, ..Default::default() },
//!     &SequenceOptions::default(),
//! )?;
//! assert_eq!(seq.vertices.len(), 2 * model.num_vertices() * 3);
//! # Ok(()) }
//! ```

mod error;
mod eval;
mod model;
mod normals;
pub mod npy;
pub mod rotation;
mod sequence;

pub use error::SmplError;
pub use eval::{Evaluator, FrameParams};
pub use meshcast_protocol::SmplModelType;
pub use model::{ModelParts, SmplModel};
pub use normals::{vertex_normals, vertex_normals_into};
pub use rotation::Z_UP_TO_Y_UP;
pub use sequence::{Rows, SequenceOptions, SequenceOutput, SequenceParams};
