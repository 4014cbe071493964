//! The wire format of one producer connection: MessagePack (meshcast's own clients) or Python
//! pickle (aitviewer's clients), detected from the connection's first frame.

use bytes::Bytes;
use meshcast_protocol::{Envelope, RelayToClient};

/// How a producer connection encodes its messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WireFormat {
    /// MessagePack envelopes; the client is answered with `RelayToClient` frames.
    MsgPack,
    /// aitviewer's pickled dictionaries; the client only receives what viewers send it, pickled.
    Pickle,
}

impl WireFormat {
    /// The name viewers are told (`ClientInfo::format`).
    pub fn name(self) -> &'static str {
        match self {
            Self::MsgPack => "msgpack",
            Self::Pickle => "pickle",
        }
    }

    /// Parses a name as given in a client's `?format=` query.
    pub fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "msgpack" | "messagepack" => Some(Self::MsgPack),
            "pickle" => Some(Self::Pickle),
            _ => None,
        }
    }

    /// Recognises a format from the first bytes of a frame: a pickle starts with the PROTO
    /// opcode `0x80` and a protocol number 2..=5, a MessagePack envelope with a fixmap of 1..=15
    /// entries (`0x81..=0x8f`; aitviewer's envelope has 4). `None` when it is neither.
    pub fn detect(frame: &[u8]) -> Option<Self> {
        if meshcast_pickle::is_pickle(frame) {
            return Some(Self::Pickle);
        }
        match frame {
            [0x81..=0x8f, ..] => Some(Self::MsgPack),
            _ => None,
        }
    }

    /// The format to assume for a connection before its first frame arrives (viewers may send
    /// to a client that has not sent anything yet): the `?format=` query when given; else
    /// pickle for aitviewer's Python client (User-Agent `Python/… websockets/…`); else MessagePack.
    pub fn guess(query_format: Option<&str>, user_agent: Option<&str>) -> Self {
        if let Some(f) = query_format.and_then(Self::from_name) {
            return f;
        }
        match user_agent {
            Some(ua) if ua.starts_with("Python/") && ua.contains("websockets/") => Self::Pickle,
            _ => Self::MsgPack,
        }
    }

    /// Decodes one frame into an envelope; a MessagePack envelope's arrays are slices of
    /// `frame`, not copies.
    pub fn decode_envelope(self, frame: &Bytes) -> Result<Envelope, DecodeError> {
        match self {
            Self::MsgPack => meshcast_protocol::decode_envelope_bytes(frame).map_err(|e| DecodeError(e.to_string())),
            Self::Pickle => decode_pickle(frame),
        }
    }

    /// Encodes a reply for this client, or `None` when this format gets no such reply (pickle
    /// clients only receive what viewers send them: an acknowledgement or an error would break
    /// their unpickling receive loop).
    pub fn encode_reply(self, reply: &RelayToClient) -> Option<Bytes> {
        match (self, reply) {
            (Self::MsgPack, r) => Some(meshcast_protocol::encode_bytes(r)),
            (Self::Pickle, RelayToClient::FromViewer { payload, .. }) => Some(encode_pickle(payload)),
            (Self::Pickle, _) => None,
        }
    }
}

/// Why a frame could not be decoded into an envelope.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct DecodeError(pub String);

fn decode_pickle(frame: &[u8]) -> Result<Envelope, DecodeError> {
    meshcast_pickle::decode_envelope(frame).map_err(|e| DecodeError(format!("malformed pickle message: {e}")))
}

fn encode_pickle(payload: &meshcast_protocol::Value) -> Bytes {
    Bytes::from(meshcast_pickle::encode(payload))
}

#[cfg(test)]
mod tests {
    use super::*;
    use meshcast_protocol::{encode_envelope, Value};

    #[test]
    fn detects_msgpack_envelopes_and_pickles() {
        let env = encode_envelope(&Envelope::new(200, None).with_arg(Value::Int(1)));
        assert_eq!(WireFormat::detect(&env), Some(WireFormat::MsgPack));
        assert_eq!(WireFormat::detect(&[0x80, 4, 0x95]), Some(WireFormat::Pickle));
        assert_eq!(WireFormat::detect(&[0x80, 5]), Some(WireFormat::Pickle));
        assert_eq!(WireFormat::detect(&[0x80, 1]), None);
        assert_eq!(WireFormat::detect(&[0x80]), None);
        assert_eq!(WireFormat::detect(b""), None);
        assert_eq!(WireFormat::detect(b"{\"type\": 1}"), None);
    }

    #[test]
    fn msgpack_arrays_are_decoded_as_slices_of_the_frame() {
        let vertices = meshcast_protocol::NdArray::from_f32(&[1, 100, 3], &[0.5; 300]).unwrap();
        let frame =
            meshcast_protocol::encode_envelope_bytes(&Envelope::new(102, Some(1)).with_kwarg("vertices", vertices));
        let env = WireFormat::MsgPack.decode_envelope(&frame).unwrap();
        let Some(Value::Array(a)) = env.kwargs.get("vertices") else {
            panic!("no vertices")
        };
        let start = frame.as_ptr() as usize;
        assert!((start..start + frame.len()).contains(&(a.data().as_ptr() as usize)));
    }

    #[test]
    fn guess_prefers_the_query_then_the_user_agent() {
        assert_eq!(
            WireFormat::guess(Some("msgpack"), Some("Python/3.11 websockets/17.4")),
            WireFormat::MsgPack
        );
        assert_eq!(WireFormat::guess(Some("PICKLE"), None), WireFormat::Pickle);
        assert_eq!(
            WireFormat::guess(None, Some("Python/3.11 websockets/17.4")),
            WireFormat::Pickle
        );
        assert_eq!(WireFormat::guess(Some("json"), None), WireFormat::MsgPack);
        assert_eq!(
            WireFormat::guess(None, Some("meshcast-client/0.1")),
            WireFormat::MsgPack
        );
        assert_eq!(WireFormat::guess(None, None), WireFormat::MsgPack);
    }

    #[test]
    fn pickle_clients_get_only_viewer_messages() {
        let ack = RelayToClient::Ack { seq: 3 };
        assert_eq!(WireFormat::Pickle.encode_reply(&ack), None);
        let bytes = WireFormat::MsgPack.encode_reply(&ack).unwrap();
        assert_eq!(meshcast_protocol::decode::<RelayToClient>(&bytes).unwrap(), ack);
        let from_viewer = RelayToClient::FromViewer {
            viewer: 1,
            payload: Value::from("hi"),
        };
        let pickled = WireFormat::Pickle.encode_reply(&from_viewer).unwrap();
        assert_eq!(WireFormat::detect(&pickled), Some(WireFormat::Pickle));
    }
}
