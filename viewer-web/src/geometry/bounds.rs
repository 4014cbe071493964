//! Axis-aligned bounds of nodes and of the scene, on the CPU (used to fit the camera).

use meshcast_protocol::NodeKind;
use meshcast_scene::{field, Node, NodeKey, Scene};

use super::drawn::{drawn, DerivedNodes};
use super::node_data::{frame_points, instance_transforms, model_matrix};
use super::primitives::{cylinders, spheres};
use crate::core::{Aabb, ViewOptions};

/// Bounds of a node's geometry at data frame `i` in its local space (before the model matrix);
/// mesh instance transforms are applied. `EMPTY` for nodes without geometry (plain nodes,
/// SMPL until it is rendered).
pub(crate) fn local_bounds(node: &Node, i: usize) -> Aabb {
    match node.kind() {
        NodeKind::Meshes => {
            let verts = Aabb::from_points(frame_points(node, field::VERTICES, i).unwrap_or_default());
            match instance_transforms(node, i) {
                Some(inst) => inst.iter().fold(Aabb::EMPTY, |b, m| b.union(verts.transformed(m))),
                None => verts,
            }
        }
        NodeKind::Node | NodeKind::Smpl => Aabb::EMPTY,
        _ => {
            let s = spheres(node, i).iter().fold(Aabb::EMPTY, |b, s| {
                b.union(Aabb::from_points([s.center]).expanded(s.radius))
            });
            cylinders(node, i).iter().fold(s, |b, c| {
                b.union(Aabb::from_points([c.a, c.b]).expanded(c.r_a.max(c.r_b)))
            })
        }
    }
}

/// World-space bounds of what a node draws at scene frame `frame` (an SMPL body's mesh from
/// `derived`); `None` when the node does not exist, is not shown at that frame or has no
/// geometry.
pub fn node_bounds(scene: &Scene, derived: &dyn DerivedNodes, key: NodeKey, frame: usize) -> Option<Aabb> {
    let node = scene.node(&key)?;
    let i = node.data_frame(frame)?;
    let base = drawn(node, derived)?.base;
    let parent = super::hierarchy::parent_matrix(scene, node, frame)?;
    let b = local_bounds(base, i).transformed(&(parent * model_matrix(base, i)));
    b.is_valid().then_some(b)
}

/// World-space bounds of every node shown at scene frame `frame` (hidden nodes skipped).
/// This walks the nodes' current geometry on the CPU: call it on user actions (fit), not per
/// rendered frame.
pub fn scene_bounds(scene: &Scene, derived: &dyn DerivedNodes, frame: usize, opts: &ViewOptions) -> Option<Aabb> {
    let b = scene
        .nodes()
        .into_iter()
        .filter(|n| opts.is_shown(scene, &n.key()))
        .filter_map(|n| node_bounds(scene, derived, n.key(), frame))
        .fold(Aabb::EMPTY, Aabb::union);
    b.is_valid().then_some(b)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::geometry::test_scene::{self, arr};
    use crate::geometry::NoDerived;
    use glam::{Mat4, Vec3};
    use meshcast_protocol::{NdArray, Value};

    /// A node of this test client.
    fn add(scene: &mut Scene, kind: i64, uid: u64, kw: Vec<(&str, Value)>) -> NodeKey {
        test_scene::add(scene, 7, kind, uid, kw)
    }

    #[test]
    fn sphere_bounds_include_radius_and_transform() {
        let mut s = Scene::new();
        let k = add(
            &mut s,
            3,
            1,
            vec![
                (field::POSITIONS, arr(&[2, 3], &[0., 0., 0., 1., 0., 0.])),
                ("radius", Value::Float(0.5)),
                (field::POSITION, arr(&[3], &[0., 10., 0.])),
            ],
        );
        let b = node_bounds(&s, &NoDerived, k, 0).unwrap();
        assert!((b.min - Vec3::new(-0.5, 9.5, -0.5)).length() < 1e-6);
        assert!((b.max - Vec3::new(1.5, 10.5, 0.5)).length() < 1e-6);
    }

    #[test]
    fn mesh_bounds_follow_frames_and_hidden_nodes_are_skipped() {
        let mut s = Scene::new();
        let verts = arr(
            &[2, 3, 3],
            &[0., 0., 0., 1., 0., 0., 0., 1., 0., 0., 0., 5., 1., 0., 5., 0., 1., 5.],
        );
        let faces: Value = NdArray::from_i32(&[1, 3], &[0, 1, 2]).unwrap().into();
        let m = add(&mut s, 2, 1, vec![(field::VERTICES, verts), (field::FACES, faces)]);
        let sp = add(&mut s, 3, 2, vec![(field::POSITIONS, arr(&[1, 3], &[-4., 0., 0.]))]);
        assert_eq!(node_bounds(&s, &NoDerived, m, 0).unwrap().max.z, 0.0);
        assert_eq!(node_bounds(&s, &NoDerived, m, 1).unwrap().max.z, 5.0);
        // Past its end the mesh holds its last frame.
        assert_eq!(node_bounds(&s, &NoDerived, m, 9).unwrap().max.z, 5.0);
        let mut opts = ViewOptions::default();
        let all = scene_bounds(&s, &NoDerived, 0, &opts).unwrap();
        assert!(all.min.x < -3.9);
        opts.hidden.insert(sp);
        let some = scene_bounds(&s, &NoDerived, 0, &opts).unwrap();
        assert_eq!(some.min.x, 0.0);
        opts.hidden.insert(m);
        assert_eq!(scene_bounds(&s, &NoDerived, 0, &opts), None);
    }

    #[test]
    fn union_and_transform() {
        let a = Aabb::from_points([Vec3::ZERO, Vec3::ONE]);
        assert!(a.is_valid() && !Aabb::EMPTY.is_valid());
        assert_eq!(Aabb::EMPTY.union(a), a);
        let r = a.transformed(&Mat4::from_rotation_y(std::f32::consts::FRAC_PI_2));
        assert!((r.min - Vec3::new(0.0, 0.0, -1.0)).length() < 1e-5);
        assert!((r.max - Vec3::new(1.0, 1.0, 0.0)).length() < 1e-5);
    }
}
