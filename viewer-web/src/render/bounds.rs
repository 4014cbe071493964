//! Axis-aligned bounds of nodes and of the scene, on the CPU (used to fit the camera).

use glam::{Mat4, Vec3};
use meshcast_protocol::NodeKind;
use meshcast_scene::{Node, NodeKey, Scene};

use super::node_data::{frame_points, instance_transforms, model_matrix};
use super::primitives::{cylinders, spheres};
use super::ViewOptions;

/// An axis-aligned box.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Aabb {
    /// Smallest corner.
    pub min: Vec3,
    /// Largest corner.
    pub max: Vec3,
}

impl Aabb {
    /// The empty box (`min > max`); unions with it give the other box.
    pub const EMPTY: Aabb = Aabb {
        min: Vec3::splat(f32::INFINITY),
        max: Vec3::splat(f32::NEG_INFINITY),
    };

    /// The box around the given points (`EMPTY` for none).
    pub fn from_points(points: impl IntoIterator<Item = Vec3>) -> Aabb {
        points.into_iter().fold(Aabb::EMPTY, |b, p| b.with_point(p))
    }

    /// True when the box holds at least one point and is finite.
    pub fn is_valid(&self) -> bool {
        self.min.cmple(self.max).all() && self.min.is_finite() && self.max.is_finite()
    }

    /// The box grown to hold `p`.
    pub fn with_point(self, p: Vec3) -> Aabb {
        Aabb {
            min: self.min.min(p),
            max: self.max.max(p),
        }
    }

    /// The box holding both.
    pub fn union(self, other: Aabb) -> Aabb {
        Aabb {
            min: self.min.min(other.min),
            max: self.max.max(other.max),
        }
    }

    /// The box grown by `r` on every side.
    pub fn expanded(self, r: f32) -> Aabb {
        if !self.is_valid() {
            return self;
        }
        Aabb {
            min: self.min - Vec3::splat(r),
            max: self.max + Vec3::splat(r),
        }
    }

    /// Centre point.
    pub fn center(&self) -> Vec3 {
        (self.min + self.max) * 0.5
    }

    /// Extent along each axis.
    pub fn size(&self) -> Vec3 {
        self.max - self.min
    }

    /// The box around this box's corners after transforming them by `m`.
    pub fn transformed(&self, m: &Mat4) -> Aabb {
        if !self.is_valid() {
            return *self;
        }
        Aabb::from_points((0..8).map(|i| {
            let c = Vec3::new(
                if i & 1 == 0 { self.min.x } else { self.max.x },
                if i & 2 == 0 { self.min.y } else { self.max.y },
                if i & 4 == 0 { self.min.z } else { self.max.z },
            );
            m.transform_point3(c)
        }))
    }
}

/// Bounds of a node's geometry at data frame `i` in its local space (before the model matrix);
/// mesh instance transforms are applied. `EMPTY` for nodes without geometry (plain nodes,
/// SMPL until it is rendered).
pub(crate) fn local_bounds(node: &Node, i: usize) -> Aabb {
    match node.kind {
        NodeKind::Meshes => {
            let verts = Aabb::from_points(frame_points(node, "vertices", i).unwrap_or_default());
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

/// World-space bounds of a node's geometry at scene frame `frame`; `None` when the node does
/// not exist, is not shown at that frame or has no geometry.
pub fn node_bounds(scene: &Scene, key: NodeKey, frame: usize) -> Option<Aabb> {
    let node = scene.node(&key)?;
    let i = node.data_frame(frame)?;
    let b = local_bounds(node, i).transformed(&model_matrix(node, i));
    b.is_valid().then_some(b)
}

/// World-space bounds of every node shown at scene frame `frame` (hidden nodes skipped).
/// This walks the nodes' current geometry on the CPU: call it on user actions (fit), not per
/// rendered frame.
pub fn scene_bounds(scene: &Scene, frame: usize, opts: &ViewOptions) -> Option<Aabb> {
    let b = scene
        .nodes()
        .into_iter()
        .filter(|n| !opts.is_hidden(&n.key))
        .filter_map(|n| node_bounds(scene, n.key, frame))
        .fold(Aabb::EMPTY, Aabb::union);
    b.is_valid().then_some(b)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use meshcast_protocol::{Command, Envelope, NdArray, Value};

    fn add(scene: &mut Scene, kind: i64, uid: u64, kw: Vec<(&str, Value)>) -> NodeKey {
        let mut env = Envelope::new(kind, Some(uid));
        for (k, v) in kw {
            env = env.with_kwarg(k, v);
        }
        scene.apply(7, Command::from_envelope(env).unwrap()).unwrap();
        NodeKey { client: 7, uid }
    }

    fn arr(shape: &[usize], v: &[f32]) -> Value {
        NdArray::from_f32(shape, v).unwrap().into()
    }

    #[test]
    fn sphere_bounds_include_radius_and_transform() {
        let mut s = Scene::new();
        let k = add(
            &mut s,
            3,
            1,
            vec![
                ("positions", arr(&[2, 3], &[0., 0., 0., 1., 0., 0.])),
                ("radius", Value::Float(0.5)),
                ("position", arr(&[3], &[0., 10., 0.])),
            ],
        );
        let b = node_bounds(&s, k, 0).unwrap();
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
        let m = add(&mut s, 2, 1, vec![("vertices", verts), ("faces", faces)]);
        let sp = add(&mut s, 3, 2, vec![("positions", arr(&[1, 3], &[-4., 0., 0.]))]);
        assert_eq!(node_bounds(&s, m, 0).unwrap().max.z, 0.0);
        assert_eq!(node_bounds(&s, m, 1).unwrap().max.z, 5.0);
        // Past its end the mesh holds its last frame.
        assert_eq!(node_bounds(&s, m, 9).unwrap().max.z, 5.0);
        let mut opts = ViewOptions::default();
        let all = scene_bounds(&s, 0, &opts).unwrap();
        assert!(all.min.x < -3.9);
        opts.hidden.insert(sp);
        let some = scene_bounds(&s, 0, &opts).unwrap();
        assert_eq!(some.min.x, 0.0);
        opts.hidden.insert(m);
        assert_eq!(scene_bounds(&s, 0, &opts), None);
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
