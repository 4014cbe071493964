//! The scene list's order: each node under the node it names as `parent`, children in creation
//! order after their parent, as aitviewer's hierarchy shows them.

use meshcast_scene::{Node, Scene};

/// One row of the tree: a node and how deep it hangs (0 at the top).
#[derive(Debug, Clone, Copy)]
pub struct TreeRow<'a> {
    /// The node.
    pub node: &'a Node,
    /// 0 for a node at the top, 1 for its children, ...
    pub depth: usize,
}

/// Every node of `scene`, depth first: the nodes at the top in creation order, each followed by
/// the nodes below it.
pub fn rows(scene: &Scene) -> Vec<TreeRow<'_>> {
    let mut out = Vec::with_capacity(scene.len());
    let mut stack: Vec<TreeRow<'_>> = scene
        .nodes()
        .into_iter()
        .filter(|n| n.parent().is_none_or(|p| scene.node(&p).is_none()))
        .rev()
        .map(|node| TreeRow { node, depth: 0 })
        .collect();
    while let Some(row) = stack.pop() {
        out.push(row);
        let below = scene.children(&row.node.key());
        stack.extend(below.into_iter().rev().map(|node| TreeRow {
            node,
            depth: row.depth + 1,
        }));
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use meshcast_protocol::{Envelope, Value};

    use super::*;

    fn node(uid: u64, parent: Option<i64>) -> Envelope {
        let e = Envelope::new(1, Some(uid));
        match parent {
            Some(p) => e.with_kwarg("parent", Value::Int(p)),
            None => e,
        }
    }

    #[test]
    fn children_follow_their_parent_depth_first_in_creation_order() {
        let mut s = Scene::new();
        for (uid, parent) in [
            (1, None),
            (2, None),
            (3, Some(1)),
            (4, Some(3)),
            (5, Some(1)),
            (6, Some(2)),
        ] {
            s.apply_envelope(1, node(uid, parent)).unwrap();
        }
        let got: Vec<(u64, usize)> = rows(&s).iter().map(|r| (r.node.key().uid, r.depth)).collect();
        assert_eq!(got, [(1, 0), (3, 1), (4, 2), (5, 1), (2, 0), (6, 1)]);
    }
}
