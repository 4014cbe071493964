//! The instanced primitives each kind draws, in the node's local space: spheres (Spheres,
//! rigid-body centres, skeleton joints) and cylinders/cones (Lines, Arrows, rigid-body axes,
//! skeleton bones), with aitviewer's parameters and defaults.

use glam::Vec3;
use meshcast_protocol::NodeKind;
use meshcast_scene::{field, opt, Node};

use super::node_data::{colors, frame_f32, frame_points, opt_f32, opt_num, opt_str, Colors};

/// Below this tip radius a line segment is a cone (aitviewer).
pub(crate) const CONE_EPS: f32 = 1e-5;

/// One sphere.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct SphereInstance {
    /// Centre.
    pub center: Vec3,
    /// Radius.
    pub radius: f32,
    /// RGBA.
    pub color: [f32; 4],
}

/// One cylinder or cone from `a` to `b`, radius `r_a` at `a` and `r_b` at `b`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct CylinderInstance {
    /// Start point.
    pub a: Vec3,
    /// End point.
    pub b: Vec3,
    /// Radius at `a`.
    pub r_a: f32,
    /// Radius at `b` (0 for a cone).
    pub r_b: f32,
    /// RGBA.
    pub color: [f32; 4],
}

/// The spheres of data frame `i` (empty for kinds without spheres).
pub(crate) fn spheres(node: &Node, i: usize) -> Vec<SphereInstance> {
    let (name, radius) = match node.kind() {
        NodeKind::Spheres => (field::POSITIONS, opt_num(node, "radius")),
        NodeKind::RigidBodies => (field::RB_POS, opt_num(node, "radius")),
        NodeKind::Skeletons => (field::JOINT_POSITIONS, opt_num(node, "radius")),
        _ => return Vec::new(),
    };
    let col = colors(node);
    frame_points(node, name, i)
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(k, center)| SphereInstance {
            center,
            radius,
            color: col.get(k),
        })
        .collect()
}

/// aitviewer's arrow: a shaft cylinder from the origin to `mid = origin + (tip − origin)(1 − p)`
/// with radius `r_base`, and a head cone from `mid` to the tip with base radius `r_head`.
fn push_arrow(out: &mut Vec<CylinderInstance>, origin: Vec3, tip: Vec3, r_base: f32, r_head: f32, p: f32, c: [f32; 4]) {
    let mid = origin + (tip - origin) * (1.0 - p);
    out.push(CylinderInstance {
        a: origin,
        b: mid,
        r_a: r_base,
        r_b: r_base,
        color: c,
    });
    out.push(CylinderInstance {
        a: mid,
        b: tip,
        r_a: r_head,
        r_b: 0.0,
        color: c,
    });
}

/// The cylinders and cones of data frame `i` (empty for kinds without any).
pub(crate) fn cylinders(node: &Node, i: usize) -> Vec<CylinderInstance> {
    let mut out = Vec::new();
    match node.kind() {
        NodeKind::Lines => {
            let pts = frame_points(node, field::LINES, i).unwrap_or_default();
            let r_base = opt_num(node, "r_base");
            let r_tip = opt_f32(node, "r_tip", r_base);
            let r_tip = if r_tip < CONE_EPS { 0.0 } else { r_tip };
            let col = colors(node);
            let pairs: Vec<(Vec3, Vec3)> = if opt_str(node, opt::MODE) == Some("lines") {
                pts.chunks_exact(2).map(|c| (c[0], c[1])).collect()
            } else {
                pts.windows(2).map(|w| (w[0], w[1])).collect()
            };
            out.extend(pairs.into_iter().enumerate().map(|(k, (a, b))| CylinderInstance {
                a,
                b,
                r_a: r_base,
                r_b: r_tip,
                color: col.get(k),
            }));
        }
        NodeKind::Arrows => {
            let origins = frame_points(node, field::ORIGINS, i).unwrap_or_default();
            let tips = frame_points(node, field::TIPS, i).unwrap_or_default();
            let r_base = opt_num(node, "r_base");
            let r_head = opt_num(node, "r_head");
            let p = opt_num(node, "p").clamp(0.0, 1.0);
            let col = colors(node);
            for (k, (o, t)) in origins.iter().zip(&tips).enumerate() {
                push_arrow(&mut out, *o, *t, r_base, r_head, p, col.get(k));
            }
        }
        NodeKind::RigidBodies => {
            let pos = frame_points(node, field::RB_POS, i).unwrap_or_default();
            let ori = frame_f32(node, field::RB_ORI, i).unwrap_or_default();
            let length = opt_num(node, "length");
            let r_base = opt_f32(node, "radius_cylinder", length / 50.0);
            let axis_colors = [[1.0, 0.0, 0.0, 1.0], [0.0, 1.0, 0.0, 1.0], [0.0, 0.0, 1.0, 1.0]];
            for (k, p) in pos.iter().enumerate() {
                let Some(m) = ori.get(k * 9..k * 9 + 9) else { break };
                for (axis, c) in axis_colors.iter().enumerate() {
                    // Column `axis` of the row-major 3×3 rotation.
                    let dir = Vec3::new(m[axis], m[3 + axis], m[6 + axis]).normalize_or_zero() * length;
                    push_arrow(&mut out, *p, *p + dir, r_base, 2.0 * r_base, 0.1, *c);
                }
            }
        }
        NodeKind::Skeletons => {
            let joints = frame_points(node, field::JOINT_POSITIONS, i).unwrap_or_default();
            let radius = opt_num(node, "radius");
            let c = colors(node).get(0);
            let conn = node
                .static_array(field::JOINT_CONNECTIONS)
                .map(|a| a.to_i64_vec())
                .unwrap_or_default();
            for pair in conn.chunks_exact(2) {
                let (Ok(pa), Ok(pb)) = (usize::try_from(pair[0]), usize::try_from(pair[1])) else {
                    continue;
                };
                if let (Some(a), Some(b)) = (joints.get(pa), joints.get(pb)) {
                    out.push(CylinderInstance {
                        a: *a,
                        b: *b,
                        r_a: radius,
                        r_b: radius / 10.0,
                        color: c,
                    });
                }
            }
        }
        _ => {}
    }
    out
}

/// True when any colour the node draws with has alpha below 1.
pub(crate) fn colors_translucent(c: &Colors) -> bool {
    match c {
        Colors::Uniform(c) => c[3] < 0.999,
        Colors::PerElement(v) => v.iter().any(|c| c[3] < 0.999),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use meshcast_protocol::{Command, Envelope, NdArray, Value};
    use meshcast_scene::Scene;

    fn make(kind: i64, kw: Vec<(&str, Value)>) -> Node {
        let mut env = Envelope::new(kind, Some(1));
        for (k, v) in kw {
            env = env.with_kwarg(k, v);
        }
        let mut scene = Scene::new();
        scene.apply(1, Command::from_envelope(env).unwrap()).unwrap();
        scene.nodes()[0].clone()
    }

    fn arr(shape: &[usize], v: &[f32]) -> Value {
        NdArray::from_f32(shape, v).unwrap().into()
    }

    #[test]
    fn line_strip_and_lines_modes() {
        let pts = arr(&[4, 3], &[0., 0., 0., 1., 0., 0., 1., 1., 0., 0., 1., 0.]);
        let strip = make(4, vec![(field::LINES, pts.clone())]);
        assert_eq!(cylinders(&strip, 0).len(), 3);
        let lines = make(
            4,
            vec![
                (field::LINES, pts),
                (opt::MODE, "lines".into()),
                ("r_tip", Value::Float(0.0)),
            ],
        );
        let c = cylinders(&lines, 0);
        assert_eq!(c.len(), 2);
        assert_eq!(c[1].a, Vec3::new(1., 1., 0.));
        assert_eq!(c[1].r_b, 0.0);
        assert_eq!(c[1].color, [0.0, 0.0, 1.0, 1.0]);
    }

    #[test]
    fn arrow_shaft_and_head() {
        let a = make(
            5,
            vec![
                (field::ORIGINS, arr(&[1, 3], &[0., 0., 0.])),
                (field::TIPS, arr(&[1, 3], &[0., 0., 1.])),
                ("p", Value::Float(0.25)),
            ],
        );
        let c = cylinders(&a, 0);
        assert_eq!(c.len(), 2);
        assert!((c[0].b - Vec3::new(0., 0., 0.75)).length() < 1e-6);
        assert_eq!((c[0].r_a, c[0].r_b), (0.01, 0.01));
        assert_eq!((c[1].r_a, c[1].r_b), (0.02, 0.0));
        assert_eq!(c[1].b, Vec3::Z);
    }

    #[test]
    fn rigid_body_axes_follow_rotation_columns() {
        // Rotation of 90° about Z: the x axis (first column) points along +Y.
        let rb = make(
            6,
            vec![
                (field::RB_POS, arr(&[1, 3], &[1., 0., 0.])),
                (field::RB_ORI, arr(&[1, 3, 3], &[0., -1., 0., 1., 0., 0., 0., 0., 1.])),
            ],
        );
        let s = spheres(&rb, 0);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].radius, 0.02);
        assert_eq!(s[0].color, [0.0, 1.0, 0.5, 1.0]);
        let c = cylinders(&rb, 0);
        assert_eq!(c.len(), 6);
        // x axis arrow: red, tip at pos + 0.2·(0,1,0).
        assert_eq!(c[1].color, [1.0, 0.0, 0.0, 1.0]);
        assert!((c[1].b - Vec3::new(1.0, 0.2, 0.0)).length() < 1e-6);
        assert!((c[0].r_a - 0.004).abs() < 1e-7);
        assert!((c[1].r_a - 0.008).abs() < 1e-7);
    }

    #[test]
    fn skeleton_bones_taper() {
        let sk = make(
            11,
            vec![
                (
                    field::JOINT_POSITIONS,
                    arr(&[1, 3, 3], &[0., 0., 0., 0., 1., 0., 1., 1., 0.]),
                ),
                (
                    field::JOINT_CONNECTIONS,
                    NdArray::from_i64(&[3, 2], &[0, 1, 1, 2, -1, 0]).unwrap().into(),
                ),
                ("radius", Value::Float(0.05)),
            ],
        );
        assert_eq!(spheres(&sk, 0).len(), 3);
        let c = cylinders(&sk, 0);
        assert_eq!(c.len(), 2);
        assert_eq!((c[0].r_a, c[0].r_b), (0.05, 0.005));
    }
}
