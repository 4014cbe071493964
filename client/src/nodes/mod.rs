//! Node handles: one module per kind of remote node, on top of [`NodeHandle`] (the uid, the
//! validation shared by all kinds, and the frame operations) and [`NodeOptions`] (the arguments
//! every node takes).

mod arrows;
mod lines;
mod meshes;
mod node;
mod options;
mod rigid_bodies;
mod skeletons;
mod smpl;
mod spheres;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use meshcast_protocol::{
    encode_envelope_bytes, CreateNode, Envelope, FieldRole, FrameData, Kwargs, MessageType, NodeKind, Uid, Value,
};

pub use arrows::{ArrowsOptions, RemoteArrows};
pub use lines::{LineMode, LinesOptions, RemoteLines};
pub use meshes::{MeshOptions, RemoteMeshes};
pub use node::RemoteNode;
pub use options::NodeOptions;
pub use rigid_bodies::{RemoteRigidBodies, RigidBodiesOptions};
pub use skeletons::{RemoteSkeletons, SkeletonsOptions};
pub use smpl::{Gender, RemoteSmplSequence, SmplFrames, SmplOptions};
pub use spheres::{RemoteSpheres, SpheresOptions};

use crate::{ClientError, Flavor, Frames};

/// The process-wide uid counter (aitviewer's `GLOBAL_ID`): every node made in this process,
/// through any connection, takes the next value; the first is 1.
static NEXT_UID: AtomicU64 = AtomicU64::new(1);

/// Takes the next node uid.
pub(crate) fn next_uid() -> Uid {
    NEXT_UID.fetch_add(1, Ordering::Relaxed)
}

/// What every handle holds: its viewer, uid and kind, and the per-frame shapes of its frame
/// data (checked by frame operations before sending).
#[derive(Clone)]
pub(crate) struct NodeHandle<V> {
    viewer: V,
    uid: Uid,
    kind: NodeKind,
    frame_shapes: Arc<BTreeMap<String, Vec<usize>>>,
}

/// Words for a per-frame shape: `(K,8,3) or (8,3)`.
fn frames_of(shape: &[usize]) -> String {
    let dims: Vec<String> = shape.iter().map(ToString::to_string).collect();
    if dims.is_empty() {
        "(K,) or a number".into()
    } else {
        format!("(K,{d}) or ({d})", d = dims.join(","))
    }
}

impl<V: Flavor> NodeHandle<V> {
    /// Validates and sends a creation message (the same validation the relay runs).
    pub(crate) fn create<T: Send + 'static>(
        viewer: &V,
        kind: NodeKind,
        kwargs: Result<Kwargs, ClientError>,
        wrap: fn(Self) -> T,
    ) -> V::Ret<Result<T, ClientError>> {
        let uid = next_uid();
        let prepared = kwargs.and_then(|kwargs| {
            let env = Envelope {
                msg_type: kind.message_type().code(),
                uid: Some(uid),
                args: Vec::new(),
                kwargs,
            };
            // Sent as validated (f32, batch form): the relay does not convert it again, and
            // forwards it to viewers as it arrived.
            let (create, normal) = CreateNode::parse_normalised(kind, &env)?;
            let shapes: BTreeMap<String, Vec<usize>> = create
                .fields
                .iter()
                .filter(|(name, _)| {
                    matches!(
                        kind.field(name).map(|f| f.role),
                        Some(FieldRole::Primary | FieldRole::Companion)
                    )
                })
                .map(|(name, a)| (name.clone(), a.shape()[1..].to_vec()))
                .collect();
            Ok((encode_envelope_bytes(&normal), shapes))
        });
        let core = Arc::clone(viewer.core());
        let v = viewer.clone();
        viewer.run(async move {
            let (bytes, shapes) = prepared?;
            core.send_bytes(bytes).await?;
            Ok(wrap(NodeHandle {
                viewer: v,
                uid,
                kind,
                frame_shapes: Arc::new(shapes),
            }))
        })
    }

    /// Sends an envelope about this node.
    fn send(&self, prepared: Result<Envelope, ClientError>) -> V::Ret<Result<(), ClientError>> {
        let core = Arc::clone(self.viewer.core());
        let prepared = prepared.map(|env| encode_envelope_bytes(&env));
        self.viewer.run(async move { core.send_bytes(prepared?).await })
    }

    /// Checks frame data against the node's kind and frame shapes; returns it as validated
    /// (batch form, `f32`/`i32`).
    fn check_frames(&self, op: MessageType, kwargs: &Kwargs) -> Result<FrameData, ClientError> {
        let data = if op == MessageType::AddFrames {
            FrameData::parse_add(self.kind, &[], kwargs)?
        } else {
            FrameData::parse_update(self.kind, &[], kwargs)?.0
        };
        for (name, arr) in &data.fields {
            if let Some(want) = self.frame_shapes.get(name) {
                if &arr.shape()[1..] != want.as_slice() {
                    let got = match kwargs.get(name) {
                        Some(Value::Array(a)) => a.shape().to_vec(),
                        _ => arr.shape().to_vec(),
                    };
                    return Err(ClientError::Shape {
                        argument: name.clone(),
                        got,
                        expected: frames_of(want),
                    });
                }
            }
        }
        Ok(data)
    }

    /// Sends ADD_FRAMES (`frames` absent) or UPDATE_FRAMES with keyword data.
    pub(crate) fn frames_op(
        &self,
        kwargs: Result<Kwargs, ClientError>,
        frames: Option<Frames>,
    ) -> V::Ret<Result<(), ClientError>> {
        let op = if frames.is_some() {
            MessageType::UpdateFrames
        } else {
            MessageType::AddFrames
        };
        let prepared = kwargs.and_then(|mut kwargs| {
            let frames = frames.map(|f| f.to_value());
            if let Some(f) = &frames {
                kwargs.insert("frames".into(), f.clone());
            }
            // Sent as validated: the f32 (or i32) batch-form arrays, not what was passed in.
            let mut normal = self.check_frames(op, &kwargs)?.to_kwargs();
            if let Some(f) = frames {
                normal.insert("frames".into(), f);
            }
            Ok(Envelope {
                msg_type: op.code(),
                uid: Some(self.uid),
                args: Vec::new(),
                kwargs: normal,
            })
        });
        self.send(prepared)
    }

    /// Sends REMOVE_FRAMES.
    pub(crate) fn remove_frames(&self, frames: Frames) -> V::Ret<Result<(), ClientError>> {
        let env =
            Envelope::new(MessageType::RemoveFrames.code(), Some(self.uid)).with_kwarg("frames", frames.to_value());
        self.send(Ok(env))
    }

    /// Sends DELETE.
    pub(crate) fn delete(&self) -> V::Ret<Result<(), ClientError>> {
        self.send(Ok(Envelope::new(MessageType::Delete.code(), Some(self.uid))))
    }

    /// Sends any envelope type about this node, without client-side checks.
    pub(crate) fn raw(
        &self,
        msg_type: MessageType,
        args: Vec<Value>,
        kwargs: Kwargs,
    ) -> V::Ret<Result<(), ClientError>> {
        self.send(Ok(Envelope {
            msg_type: msg_type.code(),
            uid: Some(self.uid),
            args,
            kwargs,
        }))
    }
}

/// The methods every handle has: `uid`, `viewer`, `remove_frames`, `delete`.
macro_rules! handle_common {
    ($t:ident) => {
        impl<V: $crate::Flavor> $t<V> {
            /// The node's uid (from the process-wide counter; the relay keys nodes by connection
            /// and uid).
            pub fn uid(&self) -> meshcast_protocol::Uid {
                self.0.uid
            }

            /// The viewer connection this node was created on.
            pub fn viewer(&self) -> &V {
                &self.0.viewer
            }

            /// Removes frames (an index, a list or a range; negative indices count from the
            /// end); later frames move down. The relay rejects indices out of range (reported
            /// by the next flush).
            ///
            /// ```no_run
            /// # fn demo(n: &meshcast_client::RemoteSpheres) -> Result<(), meshcast_client::ClientError> {
            /// n.remove_frames(0..10)?; // the first ten frames
            /// n.remove_frames(-1)?; // the last frame
            /// # Ok(()) }
            /// ```
            pub fn remove_frames(&self, frames: impl Into<$crate::Frames>) -> V::Ret<Result<(), $crate::ClientError>> {
                self.0.remove_frames(frames.into())
            }

            /// Deletes the node from the scene.
            pub fn delete(&self) -> V::Ret<Result<(), $crate::ClientError>> {
                self.0.delete()
            }
        }

        impl<V> std::fmt::Debug for $t<V> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($t)).field("uid", &self.0.uid).finish()
            }
        }
    };
}
pub(crate) use handle_common;

/// `add_frames` and `update_frames` of a kind whose frame data is the given array arguments,
/// with their doc comments.
macro_rules! frame_ops {
    ($t:ident($($arg:ident),+), add: $add:literal, update: $update:literal) => {
        impl<V: $crate::Flavor> $t<V> {
            #[doc = $add]
            pub fn add_frames(&self, $($arg: impl $crate::IntoArray),+) -> V::Ret<Result<(), $crate::ClientError>> {
                self.0.frames_op($crate::nodes::arrays_kw!($($arg),+), None)
            }

            #[doc = $update]
            pub fn update_frames(
                &self,
                $($arg: impl $crate::IntoArray,)+
                frames: impl Into<$crate::Frames>,
            ) -> V::Ret<Result<(), $crate::ClientError>> {
                self.0.frames_op($crate::nodes::arrays_kw!($($arg),+), Some(frames.into()))
            }
        }
    };
}
pub(crate) use frame_ops;

/// A node kind's handle: the struct (with the doc comment given), the methods every handle has
/// ([`handle_common`]), `new` taking the kind's array arguments and options, and its frame
/// operations ([`frame_ops`]).
macro_rules! node_handle {
    (
        $(#[$doc:meta])*
        $t:ident($kind:expr, $opts:ty) {
            $(#[$new_doc:meta])*
            new($($arg:ident),+);
            frames($($frame_arg:ident),+),
            add: $add:literal,
            update: $update:literal
        }
    ) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $t<V = $crate::RemoteViewer>($crate::nodes::NodeHandle<V>);

        $crate::nodes::handle_common!($t);

        impl<V: $crate::Flavor> $t<V> {
            $(#[$new_doc])*
            pub fn new(
                viewer: &V,
                $($arg: impl $crate::IntoArray,)+
                options: $opts,
            ) -> V::Ret<Result<Self, $crate::ClientError>> {
                let kwargs = $crate::nodes::with_arrays(options.to_kwargs(), $crate::nodes::arrays_kw!($($arg),+));
                $crate::nodes::NodeHandle::create(viewer, $kind, kwargs, Self)
            }
        }

        $crate::nodes::frame_ops!($t($($frame_arg),+), add: $add, update: $update);
    };
}
pub(crate) use node_handle;

/// Keyword arguments holding the given array arguments, each under its variable's name.
macro_rules! arrays_kw {
    ($($arg:ident),+) => {
        (|| -> Result<meshcast_protocol::Kwargs, $crate::ClientError> {
            let mut kw = meshcast_protocol::Kwargs::new();
            $($crate::nodes::put_array(&mut kw, stringify!($arg), $arg)?;)+
            Ok(kw)
        })()
    };
}
pub(crate) use arrays_kw;

/// A creation message's keyword arguments: the options' and then the arrays' (the first error of
/// either).
pub(crate) fn with_arrays(
    options: Result<Kwargs, ClientError>,
    arrays: Result<Kwargs, ClientError>,
) -> Result<Kwargs, ClientError> {
    let mut kw = options?;
    kw.append(&mut arrays?);
    Ok(kw)
}

/// Converts a named array argument into the kwargs.
pub(crate) fn put_array(kw: &mut Kwargs, name: &str, data: impl crate::IntoArray) -> Result<(), ClientError> {
    kw.insert(name.to_owned(), Value::Array(crate::array::named(name, data)?));
    Ok(())
}

/// Inserts an optional array argument.
pub(crate) fn put_opt(kw: &mut Kwargs, name: &str, a: &Option<meshcast_protocol::NdArray>) {
    if let Some(a) = a {
        kw.insert(name.to_owned(), Value::Array(a.clone()));
    }
}

/// An RGBA colour as it travels.
pub(crate) fn rgba(c: [f32; 4]) -> Value {
    Value::List(c.iter().map(|&x| Value::Float(f64::from(x))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use meshcast_protocol::SmplModelType;

    #[test]
    fn enum_defaults_are_the_kinds_tables() {
        assert_eq!(LineMode::default().as_str(), NodeKind::Lines.default_str("mode"));
        assert_eq!(Gender::default().as_str(), NodeKind::Smpl.default_str("gender"));
        assert_eq!(
            SmplOptions::default().model_type,
            SmplModelType::parse(NodeKind::Smpl.default_str("model_type")).expect("a model type")
        );
    }
}
