//! Messages between the relay and viewers, and from the relay back to producer clients.
//!
//! Each is one MessagePack value in one WebSocket binary frame: an enum variant is a map with one
//! key, the variant's name, whose value is a map of the variant's fields (a unit variant is just
//! its name as a string). See `docs/protocol.md`.

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::{Envelope, ProtocolError, Uid, Value};

/// The relay's id for one producer connection; nodes are keyed by `(ClientId, Uid)`.
pub type ClientId = u64;

/// What viewers are told about a producer client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientInfo {
    /// The relay's id for the connection.
    pub id: ClientId,
    /// The peer's address, `ip:port`.
    pub addr: String,
    /// The wire format it speaks: `msgpack` or `pickle`.
    pub format: String,
}

/// From the relay to a browser viewer (`/viewer`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum RelayToViewer {
    /// First message on a connection.
    Hello {
        /// The relay's id for this viewer.
        viewer_id: u64,
        /// The relay's version.
        version: String,
    },
    /// A snapshot of the whole scene follows: the viewer clears its scene.
    SnapshotBegin,
    /// The snapshot is complete; live messages follow.
    SnapshotEnd {
        /// The scene's current frame.
        current_frame: u64,
        /// The producer clients connected now.
        clients: Vec<ClientInfo>,
    },
    /// A validated client message (live, or part of a snapshot).
    Message {
        /// The client that sent it.
        client: ClientId,
        /// The message, normalised (arrays in batch form, `f32`).
        envelope: Envelope,
    },
    /// A producer client connected.
    ClientConnected(ClientInfo),
    /// A producer client disconnected (its nodes stay).
    ClientDisconnected {
        /// The client.
        client: ClientId,
    },
    /// Messages of `bytes` bytes in all follow at once (one large message, or a batch written
    /// together). Sent only to viewers that connected with `?announce=N` ([`ANNOUNCE_QUERY`]),
    /// and only before writes of at least `N` bytes: a browser viewer uses the time they take
    /// to arrive to make room for them, and `queued` to tell a pause in a stream of messages
    /// from its end.
    ///
    /// [`ANNOUNCE_QUERY`]: crate::ANNOUNCE_QUERY
    Incoming {
        /// Their size in bytes, as sent (MessagePack).
        bytes: u64,
        /// Bytes of messages already queued for this viewer behind them, to be written next
        /// (0 when the relay has nothing more for it yet; 0 from relays before this field).
        #[serde(default)]
        queued: u64,
    },
}

/// From a browser viewer to the relay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ViewerToRelay {
    /// Send a message to one producer client, or to all when `client` is nil.
    ToClients {
        /// The target, or nil for every client.
        client: Option<ClientId>,
        /// Any value; pickle clients receive it pickled.
        payload: Value,
    },
}

/// From the relay back to a MessagePack producer client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum RelayToClient {
    /// Every message up to and including number `seq` (counting binary frames on this
    /// connection from 1) has been handled. Sent in answer to a FLUSH message.
    Ack {
        /// The sequence number of the FLUSH message.
        seq: u64,
    },
    /// Message number `seq` was rejected; nothing of it was applied.
    Error {
        /// Its sequence number on this connection.
        seq: u64,
        /// Its type number, when it could be read.
        msg_type: Option<i64>,
        /// Its uid, when it could be read.
        uid: Option<Uid>,
        /// What was wrong.
        message: String,
    },
    /// A message a viewer sent to this client.
    FromViewer {
        /// The relay's id of the viewer.
        viewer: u64,
        /// What the viewer sent.
        payload: Value,
    },
}

/// Encodes any wire message.
pub fn encode<T: Serialize>(msg: &T) -> Vec<u8> {
    crate::buffers::encode_named(msg).into()
}

/// Encodes any wire message into a reference-counted buffer without a final copy: what the
/// relay sends to every viewer, encoded once.
pub fn encode_bytes<T: Serialize>(msg: &T) -> Bytes {
    crate::buffers::encode_named(msg)
}

/// Decodes any wire message, within the limits of [`crate::bounded`].
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ProtocolError> {
    crate::bounded::from_slice(bytes)
}

/// Decodes any wire message as [`decode`] does, sharing `bytes` with the arrays it holds
/// instead of copying their data.
pub fn decode_bytes<T: DeserializeOwned>(bytes: &Bytes) -> Result<T, ProtocolError> {
    crate::bounded::from_bytes(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NdArray;

    #[test]
    fn viewer_messages_round_trip() {
        let env =
            Envelope::new(3, Some(1)).with_kwarg("positions", NdArray::from_f32(&[1, 1, 3], &[1.0, 2.0, 3.0]).unwrap());
        for m in [
            RelayToViewer::Hello {
                viewer_id: 3,
                version: "0.1.0".into(),
            },
            RelayToViewer::SnapshotBegin,
            RelayToViewer::SnapshotEnd {
                current_frame: 4,
                clients: vec![ClientInfo {
                    id: 1,
                    addr: "127.0.0.1:5".into(),
                    format: "msgpack".into(),
                }],
            },
            RelayToViewer::Message {
                client: 1,
                envelope: env,
            },
            RelayToViewer::ClientDisconnected { client: 1 },
            RelayToViewer::Incoming {
                bytes: 82_680_000,
                queued: 5_000_000,
            },
        ] {
            assert_eq!(decode::<RelayToViewer>(&encode(&m)).unwrap(), m);
        }
    }

    #[test]
    fn client_messages_round_trip() {
        for m in [
            RelayToClient::Ack { seq: 10 },
            RelayToClient::Error {
                seq: 2,
                msg_type: Some(2),
                uid: None,
                message: "bad".into(),
            },
            RelayToClient::FromViewer {
                viewer: 1,
                payload: Value::from("hi"),
            },
        ] {
            assert_eq!(decode::<RelayToClient>(&encode(&m)).unwrap(), m);
        }
        let m = ViewerToRelay::ToClients {
            client: None,
            payload: Value::Int(1),
        };
        assert_eq!(decode::<ViewerToRelay>(&encode(&m)).unwrap(), m);
    }

    #[test]
    fn an_announcement_without_queued_bytes_reads_as_none_queued() {
        #[derive(Serialize)]
        enum Old {
            Incoming { bytes: u64 },
        }
        let old = encode(&Old::Incoming { bytes: 7 });
        assert_eq!(
            decode::<RelayToViewer>(&old).unwrap(),
            RelayToViewer::Incoming { bytes: 7, queued: 0 }
        );
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(decode::<RelayToViewer>(&[0x91, 0xc1]).is_err());
    }
}
