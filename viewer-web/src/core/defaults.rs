//! The viewer's values for options a client left out (aitviewer's defaults), in one place: the
//! colours and radii every layer uses come from here, so they can move into the protocol's
//! `NodeKind` table in one step.

use meshcast_protocol::NodeKind;

/// The colour a node of `kind` has when the client sent none.
pub fn color(kind: NodeKind) -> [f32; 4] {
    match kind {
        NodeKind::Spheres | NodeKind::Lines => [0.0, 0.0, 1.0, 1.0],
        NodeKind::Arrows => [0.0, 0.0, 0.5, 1.0],
        NodeKind::RigidBodies => [0.0, 1.0, 0.5, 1.0],
        NodeKind::Skeletons => [1.0, 177.0 / 255.0, 1.0 / 255.0, 1.0],
        NodeKind::Smpl => [160.0 / 255.0, 160.0 / 255.0, 160.0 / 255.0, 1.0],
        NodeKind::Node | NodeKind::Meshes => [0.5, 0.5, 0.5, 1.0],
    }
}

/// Numeric options with a fixed default: kind, option, value.
const NUMBERS: &[(NodeKind, &str, f32)] = &[
    (NodeKind::Spheres, "radius", 0.01),
    (NodeKind::Lines, "r_base", 0.01),
    (NodeKind::Arrows, "r_base", 0.01),
    (NodeKind::Arrows, "r_head", 0.02),
    (NodeKind::Arrows, "p", 0.1),
    (NodeKind::RigidBodies, "radius", 0.02),
    (NodeKind::RigidBodies, "length", 0.2),
    (NodeKind::Skeletons, "radius", 0.01),
    (NodeKind::Smpl, "skeleton_radius", 0.01),
];

/// The default of a numeric option of `kind`; `None` for options without a fixed default
/// (`r_tip` follows `r_base`, `radius_cylinder` follows `length`).
pub fn number(kind: NodeKind, option: &str) -> Option<f32> {
    NUMBERS
        .iter()
        .find(|(k, name, _)| *k == kind && *name == option)
        .map(|(_, _, v)| *v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_options_of_their_kind() {
        for (kind, name, _) in NUMBERS {
            assert!(kind.option(name).is_some(), "{name} is no option of {kind:?}");
        }
        assert_eq!(number(NodeKind::RigidBodies, "radius"), Some(0.02));
        assert_eq!(number(NodeKind::Lines, "r_tip"), None);
        assert_eq!(color(NodeKind::Arrows), [0.0, 0.0, 0.5, 1.0]);
    }
}
