//! The parts an SMPL body draws, listed under it in the scene list as aitviewer lists an
//! `SMPLSequence`'s children: its mesh, its skeleton (`is_rigged`) and its joint angles
//! (`show_joint_angles`). Each can be hidden on its own.

/// One part of an SMPL body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BodyPart {
    /// The evaluated mesh.
    Mesh,
    /// Joints and bones.
    Skeleton,
    /// Each joint's global orientation frame.
    JointAngles,
}

impl BodyPart {
    /// Every part, in the order the scene list shows them.
    pub const ALL: [BodyPart; 3] = [BodyPart::Mesh, BodyPart::Skeleton, BodyPart::JointAngles];

    /// The name shown in the scene list (aitviewer's child names).
    pub fn label(self) -> &'static str {
        match self {
            BodyPart::Mesh => "Mesh",
            BodyPart::Skeleton => "Skeleton",
            BodyPart::JointAngles => "Joint Angles",
        }
    }

    /// The identifier used by the page (`data-part`) and the JavaScript API.
    pub fn id(self) -> &'static str {
        match self {
            BodyPart::Mesh => "mesh",
            BodyPart::Skeleton => "skeleton",
            BodyPart::JointAngles => "joint_angles",
        }
    }

    /// The part named by [`BodyPart::id`].
    pub fn from_id(id: &str) -> Option<BodyPart> {
        BodyPart::ALL.into_iter().find(|p| p.id() == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        for p in BodyPart::ALL {
            assert_eq!(BodyPart::from_id(p.id()), Some(p));
        }
        assert_eq!(BodyPart::from_id("legs"), None);
    }
}
