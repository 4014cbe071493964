//! A parsed model file with the static arrays its bodies share (faces, skeleton bones), built
//! once per file so every body drawn with it shares them.

use meshcast_protocol::{NdArray, NodeKind};
use meshcast_smpl::{SmplError, SmplModel};

use crate::core::defaults;

/// A model ready to evaluate and draw.
pub(crate) struct LoadedModel {
    /// The body model.
    pub model: SmplModel,
    /// `(F, 3)` triangle indices (`u32`).
    pub faces: NdArray,
    /// `(K, 2)` `(parent, child)` bones of aitviewer's skeleton: the root and the body joints
    /// (the first [`SmplModel::skeleton_joints`] joints).
    pub bones: NdArray,
    /// Joints in the skeleton.
    pub skeleton_joints: usize,
    /// aitviewer's SMPL mesh colour, `(4,)` (one array, so drawn nodes keep their identity).
    pub default_color: NdArray,
}

impl LoadedModel {
    /// Parses an `.npz` model file.
    pub(crate) fn from_npz(bytes: &[u8]) -> Result<LoadedModel, SmplError> {
        LoadedModel::new(SmplModel::from_npz(bytes)?)
    }

    /// Wraps a parsed model.
    pub(crate) fn new(model: SmplModel) -> Result<LoadedModel, SmplError> {
        let bad = |e: meshcast_protocol::ProtocolError| SmplError::InvalidModel(e.to_string());
        let faces = NdArray::from_u32(&[model.num_faces(), 3], model.faces()).map_err(bad)?;
        let skeleton_joints = model.skeleton_joints().min(model.num_joints());
        let pairs: Vec<i64> = model
            .parents()
            .iter()
            .enumerate()
            .take(skeleton_joints)
            .filter(|(_, &p)| p >= 0)
            .flat_map(|(c, &p)| [i64::from(p), c as i64])
            .collect();
        let bones = NdArray::from_i64(&[pairs.len() / 2, 2], &pairs).map_err(bad)?;
        let default_color = NdArray::from_f32(&[4], &defaults::color(NodeKind::Smpl)).map_err(bad)?;
        Ok(LoadedModel {
            model,
            faces,
            bones,
            skeleton_joints,
            default_color,
        })
    }
}
