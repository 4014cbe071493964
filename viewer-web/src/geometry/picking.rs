//! Which node is under the cursor: a CPU ray cast against each node's current-frame geometry
//! (triangles for meshes, spheres, capsules around cylinders, cones and bones). Hidden,
//! non-selectable and non-pickable nodes are skipped; the nearest hit wins.

use glam::{Mat4, Vec3};
use meshcast_protocol::NodeKind;
use meshcast_scene::{field, Node, NodeKey, Scene};

use super::drawn::{drawn, DerivedNodes};
use super::mesh_data::{ray_triangle, MeshTopology};
use super::node_data::{frame_points, instance_transforms, is_pickable, model_matrix};
use super::primitives::{cylinders, spheres};
use crate::core::ViewOptions;

/// The node hit first by the world-space ray `origin + t·dir` (t > 0) at scene frame `frame`;
/// an SMPL body is hit on its mesh from `derived`.
pub fn pick(
    scene: &Scene,
    derived: &dyn DerivedNodes,
    frame: usize,
    opts: &ViewOptions,
    ray_origin: Vec3,
    ray_dir: Vec3,
) -> Option<NodeKey> {
    if !ray_origin.is_finite() || !ray_dir.is_finite() || ray_dir.length_squared() == 0.0 {
        return None;
    }
    let mut best: Option<(f32, NodeKey)> = None;
    for node in scene.nodes() {
        if opts.is_hidden(&node.key()) || !is_pickable(node) {
            continue;
        }
        let Some(i) = node.data_frame(frame) else { continue };
        let Some(d) = drawn(node, derived) else { continue };
        // What is drawn: an SMPL body with its mesh hidden is picked by its skeleton.
        let Some(target) = d.mesh.or(d.prims[0]).or(d.prims[1]) else {
            continue;
        };
        if let Some(t) = hit_node(target, i, ray_origin, ray_dir) {
            if best.is_none_or(|(bt, _)| t < bt) {
                best = Some((t, node.key()));
            }
        }
    }
    best.map(|(_, k)| k)
}

/// The world ray parameter of the node's nearest hit at data frame `i`.
pub(crate) fn hit_node(node: &Node, i: usize, o: Vec3, d: Vec3) -> Option<f32> {
    let model = model_matrix(node, i);
    match node.kind() {
        NodeKind::Meshes => {
            let topo = MeshTopology::of(node)?;
            let verts = frame_points(node, field::VERTICES, i)?;
            let instances = instance_transforms(node, i).unwrap_or_else(|| vec![Mat4::IDENTITY]);
            instances
                .iter()
                .filter_map(|inst| {
                    let (lo, ld) = to_local(&(model * *inst), o, d)?;
                    topo.faces
                        .iter()
                        .filter_map(|f| {
                            let [a, b, c] = f.map(|k| verts.get(k as usize).copied());
                            ray_triangle(lo, ld, a?, b?, c?)
                        })
                        .min_by(f32::total_cmp)
                })
                .min_by(f32::total_cmp)
        }
        NodeKind::Node | NodeKind::Smpl => None,
        _ => {
            let (lo, ld) = to_local(&model, o, d)?;
            let s = spheres(node, i)
                .iter()
                .filter_map(|s| ray_sphere(lo, ld, s.center, s.radius))
                .min_by(f32::total_cmp);
            let c = cylinders(node, i)
                .iter()
                .filter_map(|c| ray_capsule(lo, ld, c.a, c.b, c.r_a.max(c.r_b)))
                .min_by(f32::total_cmp);
            match (s, c) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            }
        }
    }
}

/// The ray in a node's local space, with the same parameter `t` as in world space (the
/// direction is not renormalised).
fn to_local(m: &Mat4, o: Vec3, d: Vec3) -> Option<(Vec3, Vec3)> {
    if m.determinant().abs() < 1e-30 {
        return None;
    }
    let inv = m.inverse();
    Some((inv.transform_point3(o), inv.transform_vector3(d)))
}

/// Nearest positive `t` with `|o + t·d − c| = r` (d need not be unit length).
fn ray_sphere(o: Vec3, d: Vec3, c: Vec3, r: f32) -> Option<f32> {
    let dd = d.length_squared();
    let oc = o - c;
    // Closest approach along the ray, computed in a numerically stable way.
    let tc = -oc.dot(d) / dd;
    let q = oc + d * tc;
    let h = r * r - q.length_squared();
    if h < 0.0 {
        return None;
    }
    let dt = (h / dd).sqrt();
    let t0 = tc - dt;
    let t1 = tc + dt;
    if t0 > 0.0 {
        Some(t0)
    } else if t1 > 0.0 {
        Some(t1)
    } else {
        None
    }
}

/// Nearest positive `t` where the ray meets the capsule of radius `r` around segment `a–b`.
fn ray_capsule(o: Vec3, d: Vec3, a: Vec3, b: Vec3, r: f32) -> Option<f32> {
    let ab = b - a;
    let len2 = ab.length_squared();
    let caps = [ray_sphere(o, d, a, r), ray_sphere(o, d, b, r)];
    let mut best = caps.into_iter().flatten().min_by(f32::total_cmp);
    if len2 > 0.0 {
        // Infinite cylinder around the axis, in the plane perpendicular to it.
        let w = ab / len2.sqrt();
        let ao = o - a;
        let dp = d - w * d.dot(w);
        let op = ao - w * ao.dot(w);
        let qa = dp.length_squared();
        if qa > 0.0 {
            let qb = 2.0 * dp.dot(op);
            let qc = op.length_squared() - r * r;
            let disc = qb * qb - 4.0 * qa * qc;
            if disc >= 0.0 {
                let s = disc.sqrt();
                for t in [(-qb - s) / (2.0 * qa), (-qb + s) / (2.0 * qa)] {
                    let along = (ao + d * t).dot(w);
                    if t > 0.0 && (0.0..=len2.sqrt()).contains(&along) && best.is_none_or(|bt| t < bt) {
                        best = Some(t);
                    }
                }
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::geometry::test_scene::{self, arr};
    use crate::geometry::NoDerived;
    use meshcast_protocol::{NdArray, Value};

    /// A node of this test client.
    fn add(scene: &mut Scene, kind: i64, uid: u64, kw: Vec<(&str, Value)>) -> NodeKey {
        test_scene::add(scene, 3, kind, uid, kw)
    }

    fn sphere_at(scene: &mut Scene, uid: u64, z: f32) -> NodeKey {
        add(
            scene,
            3,
            uid,
            vec![
                (field::POSITIONS, arr(&[1, 3], &[0., 0., z])),
                ("radius", Value::Float(0.2)),
            ],
        )
    }

    #[test]
    fn nearer_of_two_spheres_wins() {
        let mut s = Scene::new();
        let far = sphere_at(&mut s, 1, -1.0);
        let near = sphere_at(&mut s, 2, 1.0);
        let opts = ViewOptions::default();
        let eye = Vec3::new(0.0, 0.0, 5.0);
        assert_eq!(pick(&s, &NoDerived, 0, &opts, eye, -Vec3::Z), Some(near));
        // From behind, the other one is nearer.
        assert_eq!(
            pick(&s, &NoDerived, 0, &opts, Vec3::new(0.0, 0.0, -5.0), Vec3::Z),
            Some(far)
        );
    }

    #[test]
    fn miss_returns_none() {
        let mut s = Scene::new();
        sphere_at(&mut s, 1, 0.0);
        let opts = ViewOptions::default();
        assert_eq!(pick(&s, &NoDerived, 0, &opts, Vec3::new(0.5, 0.0, 5.0), -Vec3::Z), None);
        assert_eq!(pick(&s, &NoDerived, 0, &opts, Vec3::new(0.0, 0.0, 5.0), Vec3::Z), None);
        assert_eq!(
            pick(&s, &NoDerived, 0, &opts, Vec3::new(0.0, 0.0, 5.0), Vec3::ZERO),
            None
        );
    }

    #[test]
    fn hidden_and_unselectable_are_skipped() {
        let mut s = Scene::new();
        let far = sphere_at(&mut s, 1, -1.0);
        let near = sphere_at(&mut s, 2, 1.0);
        let mut opts = ViewOptions::default();
        opts.hidden.insert(near);
        let eye = Vec3::new(0.0, 0.0, 5.0);
        assert_eq!(pick(&s, &NoDerived, 0, &opts, eye, -Vec3::Z), Some(far));
        opts.hidden.clear();
        add(
            &mut s,
            3,
            3,
            vec![
                (field::POSITIONS, arr(&[1, 3], &[0., 0., 2.])),
                ("is_selectable", Value::Bool(false)),
            ],
        );
        assert_eq!(pick(&s, &NoDerived, 0, &opts, eye, -Vec3::Z), Some(near));
    }

    #[test]
    fn mesh_triangles_lines_and_transforms() {
        let mut s = Scene::new();
        let verts = arr(&[3, 3], &[-1., -1., 0., 1., -1., 0., 0., 1., 0.]);
        let faces: Value = NdArray::from_i32(&[1, 3], &[0, 1, 2]).unwrap().into();
        let mesh = add(
            &mut s,
            2,
            1,
            vec![
                (field::VERTICES, verts),
                (field::FACES, faces),
                (field::POSITION, arr(&[3], &[5., 0., 0.])),
            ],
        );
        let line = add(
            &mut s,
            4,
            2,
            vec![
                (field::LINES, arr(&[2, 3], &[-1., 3., 0., 1., 3., 0.])),
                ("r_base", Value::Float(0.1)),
            ],
        );
        let opts = ViewOptions::default();
        // The mesh was moved to x = 5.
        assert_eq!(
            pick(&s, &NoDerived, 0, &opts, Vec3::new(5.0, 0.0, 5.0), -Vec3::Z),
            Some(mesh)
        );
        assert_eq!(pick(&s, &NoDerived, 0, &opts, Vec3::new(0.0, 0.0, 5.0), -Vec3::Z), None);
        // The cylinder's side, and just outside its radius.
        assert_eq!(
            pick(&s, &NoDerived, 0, &opts, Vec3::new(0.3, 3.05, 5.0), -Vec3::Z),
            Some(line)
        );
        assert_eq!(
            pick(&s, &NoDerived, 0, &opts, Vec3::new(0.3, 3.15, 5.0), -Vec3::Z),
            None
        );
    }

    #[test]
    fn capsule_and_sphere_math() {
        let t = ray_sphere(Vec3::new(0.0, 0.0, 10.0), Vec3::new(0.0, 0.0, -2.0), Vec3::ZERO, 1.0);
        assert!((t.unwrap() - 4.5).abs() < 1e-5);
        // From inside, the far side is hit.
        let t = ray_sphere(Vec3::ZERO, Vec3::X, Vec3::ZERO, 1.0);
        assert!((t.unwrap() - 1.0).abs() < 1e-6);
        let t = ray_capsule(Vec3::new(0.5, 0.0, 5.0), -Vec3::Z, Vec3::ZERO, Vec3::X, 0.25);
        assert!((t.unwrap() - 4.75).abs() < 1e-5);
        // Beyond the end but within the end cap.
        let t = ray_capsule(Vec3::new(1.1, 0.0, 5.0), -Vec3::Z, Vec3::ZERO, Vec3::X, 0.25);
        assert!(t.is_some());
        assert!(ray_capsule(Vec3::new(1.3, 0.0, 5.0), -Vec3::Z, Vec3::ZERO, Vec3::X, 0.25).is_none());
    }
}
