//! Which node is under the cursor, and what in it: a CPU ray cast against each node's current-frame geometry
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

/// What a ray hit inside a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Element {
    /// Triangle `face` of a mesh (instance `instance` when the mesh is instanced), and of its
    /// corners the vertex `vertex` nearest to the hit.
    Face {
        /// Face index.
        face: usize,
        /// Vertex index (into the frame's vertices).
        vertex: usize,
        /// Instance index (0 without `instance_transforms`).
        instance: usize,
    },
    /// Sphere `index` of the frame (a sphere, a rigid body's centre, a skeleton joint).
    Sphere(usize),
    /// Cylinder or cone `index` of the frame (a line segment, an arrow part, a bone, an axis).
    Segment(usize),
}

impl Element {
    /// `[face, vertex, instance, sphere, segment]`: the indices that apply to this element.
    pub fn indices(&self) -> [Option<usize>; 5] {
        match *self {
            Element::Face { face, vertex, instance } => [Some(face), Some(vertex), Some(instance), None, None],
            Element::Sphere(i) => [None, None, None, Some(i), None],
            Element::Segment(i) => [None, None, None, None, Some(i)],
        }
    }
}

/// The nearest hit under a ray: the node, what in it, and where.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// The node hit (an SMPL body's key when its mesh or skeleton was hit).
    pub key: NodeKey,
    /// What in the node.
    pub element: Element,
    /// The world-space point hit.
    pub point: Vec3,
    /// The node's data frame.
    pub data_frame: usize,
}

/// The nearest hit of the world-space ray `origin + t·dir` (t > 0) at scene frame `frame`:
/// node, element (face and nearest vertex, sphere or segment) and point (aitviewer's inspect
/// mode). Hidden, non-selectable and non-pickable nodes are skipped.
pub fn inspect(
    scene: &Scene,
    derived: &dyn DerivedNodes,
    frame: usize,
    opts: &ViewOptions,
    ray_origin: Vec3,
    ray_dir: Vec3,
) -> Option<Hit> {
    if !ray_origin.is_finite() || !ray_dir.is_finite() || ray_dir.length_squared() == 0.0 {
        return None;
    }
    let mut best: Option<(f32, Hit)> = None;
    for node in scene.nodes() {
        if !opts.is_shown(scene, &node.key()) || !is_pickable(node) {
            continue;
        }
        let Some(i) = node.data_frame(frame) else { continue };
        let Some(d) = drawn(node, derived) else { continue };
        // What is drawn, with the model matrix it is drawn with (an SMPL body's parts share
        // its mesh's, `z_up` included): a body with its mesh hidden is picked by its skeleton.
        let Some(parent) = super::hierarchy::parent_matrix(scene, node, frame) else {
            continue;
        };
        let model = parent * model_matrix(d.base, i);
        for target in [d.mesh, d.prims[0], d.prims[1]].into_iter().flatten() {
            if let Some((t, element)) = hit_node(target, model, i, ray_origin, ray_dir) {
                if best.is_none_or(|(bt, _)| t < bt) {
                    let hit = Hit {
                        key: node.key(),
                        element,
                        point: ray_origin + ray_dir * t,
                        data_frame: i,
                    };
                    best = Some((t, hit));
                }
            }
        }
    }
    best.map(|(_, h)| h)
}

/// The nearest of two optional hits.
fn nearer(a: Option<(f32, Element)>, b: Option<(f32, Element)>) -> Option<(f32, Element)> {
    match (a, b) {
        (Some(x), Some(y)) => Some(if y.0 < x.0 { y } else { x }),
        (x, y) => x.or(y),
    }
}

/// The world ray parameter of the nearest hit of `node`'s data frame `i` drawn with `model`,
/// and what was hit.
pub(crate) fn hit_node(node: &Node, model: Mat4, i: usize, o: Vec3, d: Vec3) -> Option<(f32, Element)> {
    match node.kind() {
        NodeKind::Meshes => {
            let topo = MeshTopology::of(node)?;
            let verts = frame_points(node, field::VERTICES, i)?;
            let instances = instance_transforms(node, i).unwrap_or_else(|| vec![Mat4::IDENTITY]);
            let mut best = None;
            for (instance, inst) in instances.iter().enumerate() {
                let Some((lo, ld)) = to_local(&(model * *inst), o, d) else {
                    continue;
                };
                for (face, f) in topo.faces.iter().enumerate() {
                    let [a, b, c] = f.map(|k| verts.get(k as usize).copied());
                    let (Some(a), Some(b), Some(c)) = (a, b, c) else {
                        continue;
                    };
                    let Some(t) = ray_triangle(lo, ld, a, b, c) else {
                        continue;
                    };
                    let at = lo + ld * t;
                    let corner = [a, b, c]
                        .iter()
                        .enumerate()
                        .min_by(|x, y| x.1.distance_squared(at).total_cmp(&y.1.distance_squared(at)))
                        .map_or(0, |(k, _)| k);
                    let vertex = f[corner] as usize;
                    best = nearer(best, Some((t, Element::Face { face, vertex, instance })));
                }
            }
            best
        }
        NodeKind::Node | NodeKind::Smpl => None,
        _ => {
            let (lo, ld) = to_local(&model, o, d)?;
            let s = spheres(node, i)
                .iter()
                .enumerate()
                .filter_map(|(k, s)| Some((ray_sphere(lo, ld, s.center, s.radius)?, Element::Sphere(k))))
                .min_by(|x, y| x.0.total_cmp(&y.0));
            let c = cylinders(node, i)
                .iter()
                .enumerate()
                .filter_map(|(k, c)| Some((ray_capsule(lo, ld, c.a, c.b, c.r_a.max(c.r_b))?, Element::Segment(k))))
                .min_by(|x, y| x.0.total_cmp(&y.0));
            nearer(s, c)
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

    /// The node hit first (frame 0, no SMPL bodies).
    fn pick(s: &Scene, opts: &ViewOptions, origin: Vec3, dir: Vec3) -> Option<NodeKey> {
        inspect(s, &NoDerived, 0, opts, origin, dir).map(|h| h.key)
    }

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
        assert_eq!(pick(&s, &opts, eye, -Vec3::Z), Some(near));
        // From behind, the other one is nearer.
        assert_eq!(pick(&s, &opts, Vec3::new(0.0, 0.0, -5.0), Vec3::Z), Some(far));
    }

    #[test]
    fn miss_returns_none() {
        let mut s = Scene::new();
        sphere_at(&mut s, 1, 0.0);
        let opts = ViewOptions::default();
        assert_eq!(pick(&s, &opts, Vec3::new(0.5, 0.0, 5.0), -Vec3::Z), None);
        assert_eq!(pick(&s, &opts, Vec3::new(0.0, 0.0, 5.0), Vec3::Z), None);
        assert_eq!(pick(&s, &opts, Vec3::new(0.0, 0.0, 5.0), Vec3::ZERO), None);
    }

    #[test]
    fn hidden_and_unselectable_are_skipped() {
        let mut s = Scene::new();
        let far = sphere_at(&mut s, 1, -1.0);
        let near = sphere_at(&mut s, 2, 1.0);
        let mut opts = ViewOptions::default();
        opts.hidden.insert(near);
        let eye = Vec3::new(0.0, 0.0, 5.0);
        assert_eq!(pick(&s, &opts, eye, -Vec3::Z), Some(far));
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
        assert_eq!(pick(&s, &opts, eye, -Vec3::Z), Some(near));
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
        assert_eq!(pick(&s, &opts, Vec3::new(5.0, 0.0, 5.0), -Vec3::Z), Some(mesh));
        assert_eq!(pick(&s, &opts, Vec3::new(0.0, 0.0, 5.0), -Vec3::Z), None);
        // The cylinder's side, and just outside its radius.
        assert_eq!(pick(&s, &opts, Vec3::new(0.3, 3.05, 5.0), -Vec3::Z), Some(line));
        assert_eq!(pick(&s, &opts, Vec3::new(0.3, 3.15, 5.0), -Vec3::Z), None);
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

    #[test]
    fn inspect_names_the_face_the_nearest_vertex_and_the_point() {
        let mut s = Scene::new();
        // Two triangles side by side in z = 0, moved by position (10, 0, 0).
        let verts = [0., 0., 0., 1., 0., 0., 0., 1., 0., 2., 0., 0., 2., 1., 0.];
        let mesh = add(
            &mut s,
            2,
            1,
            vec![
                (field::VERTICES, arr(&[5, 3], &verts)),
                (
                    field::FACES,
                    NdArray::from_i64(&[2, 3], &[0, 1, 2, 1, 3, 4]).unwrap().into(),
                ),
                (field::POSITION, arr(&[3], &[10., 0., 0.])),
            ],
        );
        let opts = ViewOptions::default();
        let hit = inspect(&s, &NoDerived, 0, &opts, Vec3::new(11.8, 0.15, 5.0), -Vec3::Z).unwrap();
        assert_eq!(hit.key, mesh);
        assert_eq!(
            hit.element,
            Element::Face {
                face: 1,
                vertex: 3,
                instance: 0
            }
        );
        assert!(
            (hit.point - Vec3::new(11.8, 0.15, 0.0)).length() < 1e-5,
            "{}",
            hit.point
        );
        assert_eq!(hit.data_frame, 0);
        let hit = inspect(&s, &NoDerived, 0, &opts, Vec3::new(10.1, 0.8, 5.0), -Vec3::Z).unwrap();
        assert_eq!(
            hit.element,
            Element::Face {
                face: 0,
                vertex: 2,
                instance: 0
            }
        );

        // Spheres: which one.
        let spheres = add(
            &mut s,
            3,
            2,
            vec![
                (field::POSITIONS, arr(&[3, 3], &[0., 5., 0., 1., 5., 0., 2., 5., 0.])),
                ("radius", Value::Float(0.2)),
            ],
        );
        let hit = inspect(&s, &NoDerived, 0, &opts, Vec3::new(2.0, 5.0, 5.0), -Vec3::Z).unwrap();
        assert_eq!((hit.key, hit.element), (spheres, Element::Sphere(2)));
        assert!((hit.point - Vec3::new(2.0, 5.0, 0.2)).length() < 1e-5);
    }
}
