//! Errors from applying a message to the scene.

use meshcast_protocol::{ClientId, ProtocolError, Uid};

/// Why a message could not be applied. Nothing of a rejected message is applied.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SceneError {
    /// The message itself is invalid.
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
    /// The message names a node this client never created, or that was deleted.
    #[error("{op}: unknown node uid {uid} for client {client} (never created, or deleted)")]
    UnknownNode {
        /// The message name.
        op: &'static str,
        /// The client.
        client: ClientId,
        /// The uid it named.
        uid: Uid,
    },
    /// A creation names a parent this client has no node for.
    #[error("{op} uid {uid}: parent {parent} is not a node of this client (create the parent first)")]
    UnknownParent {
        /// The message name.
        op: &'static str,
        /// The uid of the node being created.
        uid: Uid,
        /// The parent uid it named.
        parent: Uid,
    },
    /// A creation would make a node its own ancestor.
    #[error("{op} uid {uid}: parent {parent} is the node itself or one of its descendants")]
    ParentCycle {
        /// The message name.
        op: &'static str,
        /// The uid of the node being created.
        uid: Uid,
        /// The parent uid it named.
        parent: Uid,
    },
    /// The frame data or selection does not fit the node.
    #[error("{op} on node {uid} ({kind}): {reason}")]
    Frames {
        /// The message name.
        op: &'static str,
        /// The node's uid.
        uid: Uid,
        /// The node's kind.
        kind: &'static str,
        /// What does not fit.
        reason: String,
    },
    /// The message would grow the scene past the memory it may still take (the relay's
    /// `--max-scene-bytes`); nothing of it was applied.
    #[error("{op} on node {uid} would grow the scene by {grows} bytes, {room} bytes are left")]
    TooBig {
        /// The message name.
        op: &'static str,
        /// The node's uid.
        uid: Uid,
        /// How much it would grow the scene's footprint, in bytes.
        grows: usize,
        /// How much the scene may still grow, in bytes.
        room: usize,
    },
}
