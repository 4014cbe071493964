//! aitviewer's message envelope: `{type, uid, args, kwargs}` as a MessagePack map.

use std::collections::BTreeMap;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::{ProtocolError, Uid, Value};

/// Keyword arguments of a message.
pub type Kwargs = BTreeMap<String, Value>;

/// One message from a producer client: aitviewer's envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// The message type number (see [`crate::MessageType`]); >= 10000 is the user's.
    #[serde(rename = "type")]
    pub msg_type: i64,
    /// The client-chosen node id, or nil for scene-level messages.
    #[serde(default)]
    pub uid: Option<Uid>,
    /// Positional arguments.
    #[serde(default)]
    pub args: Vec<Value>,
    /// Keyword arguments.
    #[serde(default)]
    pub kwargs: Kwargs,
}

impl Envelope {
    /// An envelope with no arguments.
    pub fn new(msg_type: i64, uid: Option<Uid>) -> Self {
        Self {
            msg_type,
            uid,
            args: Vec::new(),
            kwargs: Kwargs::new(),
        }
    }

    /// Adds a keyword argument.
    pub fn with_kwarg(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.kwargs.insert(key.to_owned(), value.into());
        self
    }

    /// Adds a positional argument.
    pub fn with_arg(mut self, value: impl Into<Value>) -> Self {
        self.args.push(value.into());
        self
    }
}

/// Encodes an envelope as one MessagePack map (the payload of one WebSocket binary frame).
pub fn encode_envelope(env: &Envelope) -> Vec<u8> {
    crate::buffers::encode_named(env).into()
}

/// Encodes an envelope as [`encode_envelope`] does, into a reference-counted buffer without a
/// final copy (each array's data is copied once, into the message).
pub fn encode_envelope_bytes(env: &Envelope) -> Bytes {
    crate::buffers::encode_named(env)
}

/// Decodes one envelope from a WebSocket binary frame's payload, within the memory, value count
/// and depth limits of [`crate::bounded`].
pub fn decode_envelope(bytes: &[u8]) -> Result<Envelope, ProtocolError> {
    crate::bounded::from_slice(bytes).map_err(|e| match e {
        ProtocolError::Malformed(m) => ProtocolError::malformed(format!("not a message envelope: {m}")),
        other => other,
    })
}

/// Decodes one envelope as [`decode_envelope`] does, from a reference-counted buffer: the data
/// of its arrays (and binary values) are slices of `bytes`, not copies.
pub fn decode_envelope_bytes(bytes: &Bytes) -> Result<Envelope, ProtocolError> {
    crate::shared::with_source(bytes, || decode_envelope(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NdArray;

    #[test]
    fn envelope_round_trips() {
        let v = NdArray::from_f32(&[2, 3], &[0.0; 6]).unwrap();
        let env = Envelope::new(2, Some(1))
            .with_kwarg("vertices", v)
            .with_kwarg("name", "cube");
        let bytes = encode_envelope(&env);
        assert_eq!(decode_envelope(&bytes).unwrap(), env);
    }

    #[test]
    fn arrays_decoded_from_bytes_are_slices_of_the_message() {
        let v = NdArray::from_f32(&[1, 4, 3], &[0.5; 12]).unwrap();
        let texture = Value::Bin(bytes::Bytes::from_static(&[1, 2, 3, 4]));
        let env = Envelope::new(2, Some(1))
            .with_kwarg("vertices", v)
            .with_kwarg("raw", texture);
        let bytes = encode_envelope_bytes(&env);
        let within = |p: *const u8| {
            let start = bytes.as_ptr() as usize;
            (start..start + bytes.len()).contains(&(p as usize))
        };
        let shared = decode_envelope_bytes(&bytes).unwrap();
        assert_eq!(shared, env);
        let Some(Value::Array(a)) = shared.kwargs.get("vertices") else {
            panic!("no vertices")
        };
        assert!(within(a.data().as_ptr()), "array data was copied out of the message");
        // Its payload is the one in the message: re-encoding copies nothing else first.
        assert!(a.ext_payload().is_some_and(|p| within(p.as_ptr())));
        let Some(Value::Bin(b)) = shared.kwargs.get("raw") else {
            panic!("no raw bytes")
        };
        assert!(within(b.as_ptr()), "binary value was copied out of the message");
        // Decoding from a plain slice copies.
        let copied = decode_envelope(&bytes).unwrap();
        let Some(Value::Array(c)) = copied.kwargs.get("vertices") else {
            panic!("no vertices")
        };
        assert!(!within(c.data().as_ptr()));
        // Re-encoding a decoded envelope gives the same bytes.
        assert_eq!(encode_envelope_bytes(&shared), bytes);
    }

    #[test]
    fn keys_are_aitviewers() {
        let bytes = encode_envelope(&Envelope::new(200, None).with_arg(Value::Int(3)));
        let v: Value = rmp_serde::from_slice(&bytes).unwrap();
        assert_eq!(v.get("type"), Some(&Value::Int(200)));
        assert_eq!(v.get("uid"), Some(&Value::Nil));
        assert_eq!(v.get("args"), Some(&Value::List(vec![Value::Int(3)])));
        assert_eq!(v.get("kwargs"), Some(&Value::Map(vec![])));
    }

    #[test]
    fn garbage_is_malformed() {
        assert!(matches!(
            decode_envelope(&[0xc1, 0x00]),
            Err(ProtocolError::Malformed(_))
        ));
        assert!(matches!(decode_envelope(b""), Err(ProtocolError::Malformed(_))));
        // A map without "type".
        let bytes = rmp_serde::to_vec_named(&Value::Map(vec![(Value::from("uid"), Value::Int(1))])).unwrap();
        assert!(decode_envelope(&bytes).is_err());
    }
}
