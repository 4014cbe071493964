//! Nodes under other nodes (a creation's `parent` option): a child is drawn, bounded and picked
//! with its parent's world matrix times its own model matrix, as aitviewer's
//! `M_world = M_parent_world · M_local`, and only at frames where every node above it has data.

use glam::Mat4;
use meshcast_scene::{Node, Scene};

use super::node_data::model_matrix;

/// The world matrix of the nodes above `node` at scene frame `frame` (the identity for a node at
/// the top); `None` when one of them shows nothing at that frame (`enabled_frames`), which hides
/// the child as aitviewer hides a disabled node's children.
pub fn parent_matrix(scene: &Scene, node: &Node, frame: usize) -> Option<Mat4> {
    matrix_of(&scene.ancestors(&node.key()), frame)
}

/// The world matrix of `above` (a node's ancestors, nearest first, from
/// [`Scene::ancestors`]) at scene frame `frame`; `None` as in [`parent_matrix`].
pub fn matrix_of(above: &[&Node], frame: usize) -> Option<Mat4> {
    let mut m = Mat4::IDENTITY;
    for a in above {
        m = model_matrix(a, a.data_frame(frame)?) * m;
    }
    Some(m)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use glam::Vec3;
    use meshcast_protocol::{Envelope, NdArray, Value};
    use meshcast_scene::NodeKey;

    use super::*;

    fn node(uid: u64, parent: Option<i64>, position: &[f32]) -> Envelope {
        let frames = position.len() / 3;
        let mut e =
            Envelope::new(1, Some(uid)).with_kwarg("position", NdArray::from_f32(&[frames, 3], position).unwrap());
        if let Some(p) = parent {
            e = e.with_kwarg("parent", Value::Int(p));
        }
        e
    }

    #[test]
    fn a_grandchild_is_moved_by_every_node_above_it_at_their_own_frames() {
        let mut s = Scene::new();
        s.apply_envelope(1, node(1, None, &[1.0, 0.0, 0.0, 2.0, 0.0, 0.0]))
            .unwrap();
        s.apply_envelope(1, node(2, Some(1), &[0.0, 10.0, 0.0])).unwrap();
        s.apply_envelope(1, node(3, Some(2), &[0.0, 0.0, 100.0])).unwrap();
        let grandchild = s.node(&NodeKey { client: 1, uid: 3 }).unwrap();
        let at = |f| parent_matrix(&s, grandchild, f).unwrap().transform_point3(Vec3::ZERO);
        assert_eq!(at(0), Vec3::new(1.0, 10.0, 0.0));
        // The root's second frame moves the whole chain, though the children have one frame.
        assert_eq!(at(1), Vec3::new(2.0, 10.0, 0.0));
        let root = s.node(&NodeKey { client: 1, uid: 1 }).unwrap();
        assert_eq!(parent_matrix(&s, root, 1), Some(Mat4::IDENTITY));
    }

    #[test]
    fn a_child_has_no_place_where_its_parent_is_disabled() {
        let mut s = Scene::new();
        let mask = NdArray::new(meshcast_protocol::DType::Bool, vec![2], vec![1, 0]).unwrap();
        s.apply_envelope(1, node(1, None, &[1.0, 0.0, 0.0]).with_kwarg("enabled_frames", mask))
            .unwrap();
        s.apply_envelope(1, node(2, Some(1), &[0.0, 0.0, 0.0])).unwrap();
        let child = s.node(&NodeKey { client: 1, uid: 2 }).unwrap();
        assert!(parent_matrix(&s, child, 0).is_some());
        assert!(parent_matrix(&s, child, 1).is_none());
    }
}
