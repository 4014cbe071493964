//! Scenes for the geometry layer's unit tests: nodes made from a message's keyword arguments.
#![allow(clippy::unwrap_used)]

use meshcast_protocol::{ClientId, Command, Envelope, NdArray, Value};
use meshcast_scene::{NodeKey, Scene};

/// Applies a creation message of type `kind` with keyword arguments `kw` from `client`; returns
/// the node's key.
pub fn add(scene: &mut Scene, client: ClientId, kind: i64, uid: u64, kw: Vec<(&str, Value)>) -> NodeKey {
    let mut env = Envelope::new(kind, Some(uid));
    for (k, v) in kw {
        env = env.with_kwarg(k, v);
    }
    scene.apply(client, Command::from_envelope(env).unwrap()).unwrap();
    NodeKey { client, uid }
}

/// A `float32` array of `shape`.
pub fn arr(shape: &[usize], v: &[f32]) -> Value {
    NdArray::from_f32(shape, v).unwrap().into()
}
