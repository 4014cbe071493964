//! The error type of this crate.

/// Everything that can go wrong while loading a model file or evaluating a body.
#[derive(Debug, thiserror::Error)]
pub enum SmplError {
    /// The bytes are not a readable zip (`.npz`) archive, or an entry could not be decompressed.
    #[error("cannot read the npz archive: {0}")]
    Archive(String),
    /// A required array is not in the archive.
    #[error("the model file has no array `{0}` (expected keys: v_template, shapedirs, posedirs, J_regressor, weights, kintree_table, f)")]
    MissingKey(String),
    /// An `.npy` entry could not be parsed (bad magic, header or dtype, truncated data).
    #[error("array `{key}`: {reason}")]
    Npy {
        /// The array name (npz key) or `"<npy>"` for a bare `.npy` buffer.
        key: String,
        /// What was wrong.
        reason: String,
    },
    /// An array has the wrong number of dimensions or inconsistent sizes.
    #[error("array `{key}` has shape {found:?}, expected {expected}")]
    BadShape {
        /// The array name.
        key: String,
        /// The shape found in the file.
        found: Vec<usize>,
        /// A description of the accepted shapes.
        expected: String,
    },
    /// The arrays are individually well formed but do not describe a usable model.
    #[error("invalid model: {0}")]
    InvalidModel(String),
    /// A pose, shape or translation parameter has the wrong number of values.
    #[error("parameter `{name}` has {found} values, expected {expected}")]
    BadParameter {
        /// The parameter name (aitviewer's keyword, e.g. `poses_body`).
        name: &'static str,
        /// The number of values given.
        found: usize,
        /// A description of the accepted lengths.
        expected: String,
    },
    /// An output buffer passed to an evaluation function has the wrong length.
    #[error("output buffer `{name}` holds {found} floats, expected {expected}")]
    BadOutput {
        /// Which buffer.
        name: &'static str,
        /// Its length.
        found: usize,
        /// The required length.
        expected: usize,
    },
}
