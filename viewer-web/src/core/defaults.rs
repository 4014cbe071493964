//! The viewer's values for options a client left out (aitviewer's defaults), read from the
//! protocol's kinds table, the one place every side (relay, viewer, both clients) takes them from.

use meshcast_protocol::{NodeKind, OptionDefault};

/// The colour a node of `kind` has when the client sent none.
pub fn color(kind: NodeKind) -> [f32; 4] {
    kind.default_color()
}

/// The default of a numeric option of `kind`; `None` for options without a fixed default
/// (`r_tip` follows `r_base`, `radius_cylinder` follows `length`) and for names that are no
/// numeric option of `kind`.
pub fn number(kind: NodeKind, option: &str) -> Option<f32> {
    match kind.option_spec(option)?.default {
        OptionDefault::Number(v) => Some(v as f32),
        OptionDefault::Int(v) => Some(v as f32),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_aitviewers() {
        assert_eq!(number(NodeKind::Spheres, "radius"), Some(0.01));
        assert_eq!(number(NodeKind::RigidBodies, "radius"), Some(0.02));
        assert_eq!(number(NodeKind::RigidBodies, "length"), Some(0.2));
        assert_eq!(number(NodeKind::Arrows, "r_head"), Some(0.02));
        assert_eq!(number(NodeKind::Arrows, "p"), Some(0.1));
        assert_eq!(number(NodeKind::Smpl, "skeleton_radius"), Some(0.01));
        assert_eq!(number(NodeKind::Lines, "r_tip"), None);
        assert_eq!(number(NodeKind::RigidBodies, "radius_cylinder"), None);
        assert_eq!(number(NodeKind::Spheres, "no_such_option"), None);
        assert_eq!(color(NodeKind::Arrows), [0.0, 0.0, 0.5, 1.0]);
        assert_eq!(color(NodeKind::Meshes), [0.5, 0.5, 0.5, 1.0]);
        assert_eq!(color(NodeKind::Skeletons), [1.0, 177.0 / 255.0, 1.0 / 255.0, 1.0]);
    }
}
