//! The scene: every node by `(client, uid)`, and the current frame.

use std::collections::HashMap;

use meshcast_protocol::{ClientId, Command, Envelope, FrameData, MessageType, NdArray, ProtocolError};

use crate::{Node, NodeKey, SceneError};

/// What a message changed.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// A node was created.
    Created(NodeKey),
    /// A node was created with a key that existed; the old node is gone.
    Replaced(NodeKey),
    /// A node's frames changed (added, updated or removed).
    Frames(NodeKey),
    /// A node was deleted, and with it every node below it (its children, theirs, ...).
    Deleted(NodeKey),
    /// The current frame changed.
    CurrentFrame(usize),
    /// Nothing in the scene changed (user messages, flushes, frame ops on plain nodes).
    Nothing,
}

/// The result of applying a message.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    /// What changed.
    pub change: Change,
    /// The normalised command to forward to viewers: frame data validated and in batch form,
    /// frame selections resolved to absolute indices. Applying it to another scene that holds
    /// the same state yields the same state. `None` for messages not forwarded (flush).
    pub forward: Option<Command>,
}

/// The scene model.
#[derive(Debug, Clone, Default)]
pub struct Scene {
    nodes: HashMap<NodeKey, Node>,
    current_frame: usize,
    next_seq: u64,
}

impl Scene {
    /// An empty scene.
    pub fn new() -> Self {
        Self::default()
    }

    /// Removes every node and resets the current frame.
    pub fn clear(&mut self) {
        self.nodes.clear();
        self.current_frame = 0;
    }

    /// A node by key.
    pub fn node(&self, key: &NodeKey) -> Option<&Node> {
        self.nodes.get(key)
    }

    /// A local edit (a viewer's properties panel): overwrites the data frame of the series
    /// `name` shown at scene frame `frame` with `batch` (shape `[1, ..frame shape]`), or makes
    /// `batch` the whole series when the node has none of that shape. Bumps the node's version.
    /// False when there is no such node.
    pub fn edit_series_frame(&mut self, key: &NodeKey, name: &str, frame: usize, batch: &NdArray) -> bool {
        let Some(node) = self.nodes.get_mut(key) else {
            return false;
        };
        node.write_shown_frame(name, frame, batch);
        true
    }

    /// A local edit: sets the static array `name` of a node (a uniform colour). Bumps the
    /// node's version. False when there is no such node.
    pub fn edit_static(&mut self, key: &NodeKey, name: &str, array: NdArray) -> bool {
        let Some(node) = self.nodes.get_mut(key) else {
            return false;
        };
        node.set_static(name, array);
        true
    }

    /// A local edit: sets the option `name` of a node (a radius). Bumps the node's version.
    /// False when there is no such node.
    pub fn edit_option(&mut self, key: &NodeKey, name: &str, value: meshcast_protocol::Value) -> bool {
        let Some(node) = self.nodes.get_mut(key) else {
            return false;
        };
        node.set_option(name, value);
        true
    }

    /// Puts back a copy of a node taken earlier with [`Scene::node`] (the relay undoes a message
    /// that would exceed its memory limit). False when no node has its key now.
    pub fn restore(&mut self, node: Node) -> bool {
        match self.nodes.get_mut(&node.key()) {
            Some(slot) => {
                *slot = node;
                true
            }
            None => false,
        }
    }

    /// Every node, in creation order.
    pub fn nodes(&self) -> Vec<&Node> {
        let mut v: Vec<&Node> = self.nodes.values().collect();
        v.sort_by_key(|n| n.seq());
        v
    }

    /// Every node in creation order, except that a node comes after its parent (a parent
    /// re-created after its children moves before them): the order a snapshot replays in.
    pub fn nodes_parents_first(&self) -> Vec<&Node> {
        let mut out = Vec::with_capacity(self.nodes.len());
        let mut done = std::collections::HashSet::with_capacity(self.nodes.len());
        for node in self.nodes() {
            let mut chain: Vec<&Node> = self.ancestors(&node.key()).into_iter().rev().collect();
            chain.push(node);
            for n in chain {
                if done.insert(n.key()) {
                    out.push(n);
                }
            }
        }
        out
    }

    /// The nodes above `key`, nearest first (its parent, the parent's parent, ...); empty for a
    /// node at the top or an unknown key.
    pub fn ancestors(&self, key: &NodeKey) -> Vec<&Node> {
        let mut out = Vec::new();
        let mut next = self.nodes.get(key).and_then(Node::parent);
        // Creation refuses cycles; the bound keeps a walk finite whatever the map holds.
        while let Some(p) = next.filter(|_| out.len() < self.nodes.len()) {
            let Some(node) = self.nodes.get(&p) else { break };
            out.push(node);
            next = node.parent();
        }
        out
    }

    /// The nodes whose parent is `key`, in creation order.
    pub fn children(&self, key: &NodeKey) -> Vec<&Node> {
        let mut v: Vec<&Node> = self.nodes.values().filter(|n| n.parent() == Some(*key)).collect();
        v.sort_by_key(|n| n.seq());
        v
    }

    /// `key` and every node below it.
    fn subtree(&self, key: NodeKey) -> Vec<NodeKey> {
        let mut out = vec![key];
        let mut i = 0;
        while i < out.len() {
            let k = out[i];
            out.extend(self.children(&k).into_iter().map(Node::key));
            i += 1;
        }
        out
    }

    /// Checks that a node created as `key` may hang under `parent`: the parent exists and is
    /// not `key` itself or below it (re-creating a node under one of its children).
    fn check_parent(&self, op: &'static str, key: NodeKey, parent: Option<NodeKey>) -> Result<(), SceneError> {
        let Some(p) = parent else { return Ok(()) };
        if !self.nodes.contains_key(&p) {
            return Err(SceneError::UnknownParent {
                op,
                uid: key.uid,
                parent: p.uid,
            });
        }
        if p == key || self.ancestors(&p).iter().any(|a| a.key() == key) {
            return Err(SceneError::ParentCycle {
                op,
                uid: key.uid,
                parent: p.uid,
            });
        }
        Ok(())
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// True when there are no nodes.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Bytes of array data held by all nodes.
    pub fn nbytes(&self) -> usize {
        self.nodes.values().map(Node::nbytes).sum()
    }

    /// The scene's length: the longest node's timeline, at least 1.
    pub fn n_frames(&self) -> usize {
        self.nodes.values().map(Node::timeline_len).max().unwrap_or(1).max(1)
    }

    /// The current frame, clamped to the scene's length.
    pub fn current_frame(&self) -> usize {
        self.current_frame.min(self.n_frames() - 1)
    }

    /// Sets the current frame, clamped to `0..n_frames` (aitviewer's SET_FRAME).
    pub fn set_frame(&mut self, f: i64) -> usize {
        self.current_frame = f.clamp(0, self.n_frames() as i64 - 1) as usize;
        self.current_frame
    }

    /// Next frame, wrapping to 0 after the last.
    pub fn next_frame(&mut self) -> usize {
        let n = self.n_frames();
        self.current_frame = (self.current_frame() + 1) % n;
        self.current_frame
    }

    /// Previous frame, wrapping to the last from 0.
    pub fn previous_frame(&mut self) -> usize {
        let n = self.n_frames();
        self.current_frame = (self.current_frame() + n - 1) % n;
        self.current_frame
    }

    /// Decodes and applies an envelope from `client`.
    pub fn apply_envelope(&mut self, client: ClientId, env: Envelope) -> Result<Applied, SceneError> {
        self.apply(client, Command::from_envelope(env)?)
    }

    fn existing(&mut self, op: MessageType, client: ClientId, uid: u64) -> Result<&mut Node, SceneError> {
        self.nodes
            .get_mut(&NodeKey { client, uid })
            .ok_or(SceneError::UnknownNode {
                op: op.name(),
                client,
                uid,
            })
    }

    /// What the whole scene costs against the relay's scene limit: the sum of every node's
    /// [`Node::footprint`].
    pub fn footprint(&self) -> usize {
        self.nodes.values().map(Node::footprint).sum()
    }

    /// Applies a command from `client`. On error nothing changed.
    pub fn apply(&mut self, client: ClientId, cmd: Command) -> Result<Applied, SceneError> {
        self.apply_within(client, cmd, usize::MAX)
    }

    /// Applies a command from `client` unless it would grow the scene's [`Scene::footprint`] by
    /// more than `room` bytes; then it fails with [`SceneError::TooBig`]. On error nothing
    /// changed.
    ///
    /// A creation is measured before it is stored. A frame change is measured after it is
    /// made, and undone when it is over: a copy of the node to undo it with is taken only when
    /// [`Node::add_frames_growth_bound`] (or the update's bound) does not already show it fits,
    /// so appending far below the limit copies nothing.
    pub fn apply_within(&mut self, client: ClientId, cmd: Command, room: usize) -> Result<Applied, SceneError> {
        let (change, forward) = match cmd {
            Command::Create(create) => {
                let key = NodeKey {
                    client,
                    uid: create.uid,
                };
                let node = Node::from_create(client, &create, self.next_seq + 1);
                self.check_parent(create.kind.message_type().name(), key, node.parent())?;
                let freed = self.nodes.get(&key).map_or(0, Node::footprint);
                let grows = node.footprint().saturating_sub(freed);
                if grows > room {
                    return Err(SceneError::TooBig {
                        op: create.kind.message_type().name(),
                        uid: create.uid,
                        grows,
                        room,
                    });
                }
                self.next_seq += 1;
                let change = if self.nodes.insert(key, node).is_some() {
                    Change::Replaced(key)
                } else {
                    Change::Created(key)
                };
                (change, Some(Command::Create(create)))
            }
            Command::AddFrames { uid, args, kwargs } => {
                let node = self.existing(MessageType::AddFrames, client, uid)?;
                let data = FrameData::parse_add(node.kind(), &args, &kwargs)?;
                let bound = node.add_frames_growth_bound(&data);
                within(node, MessageType::AddFrames, bound, room, |n| {
                    n.add_frames(&data).map(drop)
                })?;
                (
                    Change::Frames(node.key()),
                    Some(Command::AddFrames {
                        uid,
                        args: Vec::new(),
                        kwargs: data.to_kwargs(),
                    }),
                )
            }
            Command::UpdateFrames { uid, args, kwargs } => {
                let node = self.existing(MessageType::UpdateFrames, client, uid)?;
                let (data, frames) = FrameData::parse_update(node.kind(), &args, &kwargs)?;
                let indices = node.resolve("UPDATE_FRAMES", &frames, false)?;
                let bound = node.update_frames_growth_bound(&data);
                within(node, MessageType::UpdateFrames, bound, room, |n| {
                    n.update_frames(&indices, &data)
                })?;
                let mut kw = data.to_kwargs();
                kw.insert("frames".into(), resolved(&indices));
                (
                    Change::Frames(node.key()),
                    Some(Command::UpdateFrames {
                        uid,
                        args: Vec::new(),
                        kwargs: kw,
                    }),
                )
            }
            Command::RemoveFrames { uid, frames } => {
                let node = self.existing(MessageType::RemoveFrames, client, uid)?;
                let indices = node.resolve("REMOVE_FRAMES", &frames, true)?;
                node.remove_frames(&indices)?;
                let frames = meshcast_protocol::FrameSelection::List(indices.iter().map(|&i| i as i64).collect());
                (Change::Frames(node.key()), Some(Command::RemoveFrames { uid, frames }))
            }
            Command::Delete { uid } => {
                let key = NodeKey { client, uid };
                if !self.nodes.contains_key(&key) {
                    return Err(SceneError::UnknownNode {
                        op: "DELETE",
                        client,
                        uid,
                    });
                }
                for k in self.subtree(key) {
                    self.nodes.remove(&k);
                }
                (Change::Deleted(key), Some(Command::Delete { uid }))
            }
            Command::SetFrame(f) => {
                let f = self.set_frame(f);
                (Change::CurrentFrame(f), Some(Command::SetFrame(f as i64)))
            }
            Command::NextFrame => (Change::CurrentFrame(self.next_frame()), Some(Command::NextFrame)),
            Command::PreviousFrame => (
                Change::CurrentFrame(self.previous_frame()),
                Some(Command::PreviousFrame),
            ),
            Command::Flush => (Change::Nothing, None),
            Command::User(env) => (Change::Nothing, Some(Command::User(env))),
        };
        Ok(Applied { change, forward })
    }

    /// Commands that rebuild this scene from empty: every node's creation in creation order,
    /// then the current frame.
    pub fn snapshot(&self) -> Result<Vec<(ClientId, Command)>, ProtocolError> {
        let mut out = Vec::with_capacity(self.nodes.len() + 1);
        for node in self.nodes_parents_first() {
            out.push((node.key().client, Command::Create(node.to_create()?)));
        }
        out.push((0, Command::SetFrame(self.current_frame() as i64)));
        Ok(out)
    }
}

/// Runs `change` on `node` unless it grows the node's footprint by more than `room`; then the
/// node is put back as it was. `bound` is at least the growth: when it fits, no copy is taken.
fn within(
    node: &mut Node,
    op: MessageType,
    bound: usize,
    room: usize,
    change: impl FnOnce(&mut Node) -> Result<(), SceneError>,
) -> Result<(), SceneError> {
    let before = node.footprint();
    let backup = (bound > room).then(|| node.clone());
    change(node)?;
    let grows = node.footprint().saturating_sub(before);
    match backup {
        Some(old) if grows > room => {
            let uid = old.key().uid;
            *node = old;
            Err(SceneError::TooBig {
                op: op.name(),
                uid,
                grows,
                room,
            })
        }
        _ => Ok(()),
    }
}

fn resolved(indices: &[usize]) -> meshcast_protocol::Value {
    meshcast_protocol::Value::List(
        indices
            .iter()
            .map(|&i| meshcast_protocol::Value::Int(i as i64))
            .collect(),
    )
}
