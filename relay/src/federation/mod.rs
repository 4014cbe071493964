//! Several relays serving one scene over NATS JetStream (`--nats URL --scene NAME`).
//!
//! The scene is a fold over an ordered log ([`crate::scene_log`]); here the log is a JetStream
//! stream that every relay of the scene writes to and reads from:
//!
//! - each relay publishes its own producers' validated, normalised messages (and their
//!   connects and disconnects) to the stream, one record of the recording format
//!   ([`meshcast_protocol::recording`]) per stream message ([`publisher`]);
//! - each relay reads the whole stream in its total order and its hub applies it
//!   ([`consumer`], `hub::federated`): every relay's scene, and so every viewer's, is the same
//!   fold of the same log;
//! - from time to time a relay writes the scene as a recording (one snapshot) to a JetStream
//!   object store and purges the stream before it ([`snapshots`]): a relay that starts or
//!   restarts loads the latest snapshot and reads the stream after it, so starting costs what
//!   the scene costs, not its history;
//! - viewers' messages to producer clients travel on a plain NATS subject to the relay the
//!   client is connected to ([`to_clients`]).
//!
//! Names on the NATS server are derived from the scene name ([`Names`]). Relay numbers, claimed
//! from a counter in a key-value bucket at start, keep client and viewer ids unique across
//! relays: relay `r` numbers its connections from `r << 32`.

pub mod connect;
pub mod consumer;
pub mod publisher;
pub mod snapshots;
pub mod to_clients;

use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;
use meshcast_protocol::recording::{RecordKind, RecordReader, RecordWriter, RecordingError};
use meshcast_protocol::{ClientId, ClientInfo, RelayToViewer};
use meshcast_scene::Scene;

/// Bits of a client or viewer id that count connections within one relay; the bits above
/// hold the relay's number.
pub const RELAY_SHIFT: u32 = 32;

/// Default `--nats-snapshot-bytes`: stream bytes since the last snapshot before a new one (at
/// least twice the scene's size as well, as for `--data-dir`).
pub const DEFAULT_SNAPSHOT_BYTES: u64 = 64 << 20;

/// Header with the producer connection's sequence number of the message (for its error reply).
pub const SEQ_HEADER: &str = "Meshcast-Seq";

/// Settings of `--nats`.
#[derive(Debug, Clone)]
pub struct NatsConfig {
    /// Server URL(s), comma-separated (`nats://HOST:4222`, `tls://HOST:4222`).
    pub url: String,
    /// The scene's name: the stream, buckets and subjects are named after it.
    pub scene: String,
    /// A NATS credentials file (JWT and NKey seed).
    pub creds: Option<PathBuf>,
    /// User name (with `password`).
    pub user: Option<String>,
    /// Password for `user`.
    pub password: Option<String>,
    /// Authentication token.
    pub token: Option<String>,
    /// CA certificates (PEM) to trust for the server's TLS certificate.
    pub tls_ca: Option<PathBuf>,
    /// Client certificate (PEM) for mutual TLS, with `tls_key`.
    pub tls_cert: Option<PathBuf>,
    /// Client key (PEM) for `tls_cert`.
    pub tls_key: Option<PathBuf>,
    /// Insist on TLS to the server.
    pub require_tls: bool,
    /// Replicas of the stream and buckets when this relay creates them (a NATS cluster).
    pub replicas: usize,
    /// Stream bytes since the last snapshot before a new one is written.
    pub snapshot_bytes: u64,
}

impl NatsConfig {
    /// The settings for `url` and `scene` with defaults for the rest.
    pub fn new(url: impl Into<String>, scene: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            scene: scene.into(),
            creds: None,
            user: None,
            password: None,
            token: None,
            tls_ca: None,
            tls_cert: None,
            tls_key: None,
            require_tls: false,
            replicas: 1,
            snapshot_bytes: DEFAULT_SNAPSHOT_BYTES,
        }
    }
}

/// Why federation over NATS could not start or went wrong.
#[derive(Debug, thiserror::Error)]
pub enum FederationError {
    /// The scene name cannot name a stream.
    #[error("--scene {0:?}: a scene name is 1 to 64 letters, digits, '-' or '_'")]
    SceneName(String),
    /// Connecting to the NATS server failed.
    #[error("cannot connect to NATS at {url}: {message}")]
    Connect {
        /// The URL.
        url: String,
        /// Why.
        message: String,
    },
    /// A JetStream request (stream, bucket, object) failed.
    #[error("NATS JetStream: {what}: {message}")]
    JetStream {
        /// What was being done.
        what: &'static str,
        /// Why it failed.
        message: String,
    },
    /// A snapshot in the object store could not be read.
    #[error("the scene's snapshot {object}: {source}")]
    Snapshot {
        /// The object's name.
        object: String,
        /// Why.
        source: Box<RecordingError>,
    },
}

impl FederationError {
    /// A [`FederationError::JetStream`] from any error.
    pub fn js(what: &'static str) -> impl FnOnce(&dyn std::fmt::Display) -> FederationError {
        move |e| FederationError::JetStream {
            what,
            message: e.to_string(),
        }
    }
}

/// The names a scene uses on the NATS server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    /// The stream of the scene's log.
    pub stream: String,
    /// The subject the log is published on.
    pub log_subject: String,
    /// Key-value bucket: the relay counter and the pointer to the latest snapshot.
    pub kv: String,
    /// Key-value bucket holding the snapshot writer's lock (entries expire).
    pub lock: String,
    /// Object store of snapshots.
    pub objects: String,
    /// Subject prefix of viewer messages to clients (`.all` or `.<client id>` follows).
    pub to_clients: String,
}

impl Names {
    /// The names for scene `scene`, which must be 1 to 64 ASCII letters, digits, `-` or `_`.
    pub fn of(scene: &str) -> Result<Names, FederationError> {
        let ok = !scene.is_empty()
            && scene.len() <= 64
            && scene
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !ok {
            return Err(FederationError::SceneName(scene.to_owned()));
        }
        Ok(Names {
            stream: format!("MESHCAST_{scene}"),
            log_subject: format!("meshcast.{scene}.log"),
            kv: format!("MESHCAST_{scene}"),
            lock: format!("MESHCAST_{scene}_lock"),
            objects: format!("MESHCAST_{scene}_snapshots"),
            to_clients: format!("meshcast.{scene}.to_clients"),
        })
    }
}

/// The first id of relay `relay`'s client and viewer connections.
pub fn first_id(relay: u64) -> u64 {
    (relay << RELAY_SHIFT) + 1
}

/// The relay a client or viewer id belongs to.
pub fn relay_of(id: u64) -> u64 {
    id >> RELAY_SHIFT
}

/// One record of the recording format holding `message` (an encoded `RelayToViewer`), as it
/// goes on the stream: the record header (length, kind, encoding, CRC) and the payload.
pub fn encode_record(message: &[u8], zstd: bool) -> Result<Bytes, RecordingError> {
    let mut w = RecordWriter::append(Vec::with_capacity(message.len() + 12), 0).with_zstd(zstd);
    w.write_record(RecordKind::Live, message)?;
    Ok(Bytes::from(w.into_inner()))
}

/// The message in a stream record (checked as every recording record is: CRC, kind, length).
pub fn decode_record(record: &[u8]) -> Result<RelayToViewer, RecordingError> {
    let mut reader = RecordReader::resume(record, 0);
    match reader.next_record()? {
        Some(r) => r.message(),
        None => Err(RecordingError::Truncated {
            offset: 0,
            what: "a record header",
            expected: meshcast_protocol::recording::RECORD_HEADER_LEN,
            found: 0,
        }),
    }
}

/// Where a stream record came from (its `Nats-Msg-Id` is `RELAY.N`: publish `N` of relay
/// `RELAY`; [`SEQ_HEADER`] has the producer's sequence number).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    /// The relay that published it.
    pub relay: u64,
    /// Its number among that relay's publishes, from 1.
    pub publish: u64,
    /// The producer connection's sequence number of the message, for a client message.
    pub client_seq: Option<u64>,
}

impl Origin {
    /// The `Nats-Msg-Id` of publish `publish` of relay `relay`.
    pub fn message_id(relay: u64, publish: u64) -> String {
        format!("{relay}.{publish}")
    }

    /// Reads an origin from a stream message's headers.
    pub fn from_headers(headers: Option<&async_nats::HeaderMap>) -> Option<Origin> {
        let h = headers?;
        let id = h.get(async_nats::header::NATS_MESSAGE_ID)?.as_str();
        let (relay, publish) = id.split_once('.')?;
        Some(Origin {
            relay: relay.parse().ok()?,
            publish: publish.parse().ok()?,
            client_seq: h.get(SEQ_HEADER).and_then(|v| v.as_str().parse().ok()),
        })
    }
}

/// A scene loaded from a snapshot, and where in the stream it stands.
#[derive(Debug, Default, Clone)]
pub struct Restart {
    /// The scene.
    pub scene: Scene,
    /// The last stream sequence the scene includes (0: none).
    pub seq: u64,
    /// The producer clients listed when the snapshot was taken.
    pub clients: Vec<ClientInfo>,
    /// For each relay, the last of its publishes the snapshot includes.
    pub publishes: Vec<(u64, u64)>,
}

/// The state of one relay in the federation, as started.
pub struct Started {
    /// The relay's number.
    pub relay: u64,
    /// The scene to start with.
    pub restart: Restart,
    /// The connection and JetStream handles.
    pub link: connect::Link,
}

impl std::fmt::Debug for Started {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Started")
            .field("relay", &self.relay)
            .field("seq", &self.restart.seq)
            .finish()
    }
}

/// Connects, makes sure the stream and buckets exist, claims a relay number and loads the
/// latest snapshot.
pub async fn start(config: &NatsConfig) -> Result<Started, FederationError> {
    let names = Names::of(&config.scene)?;
    let link = connect::Link::open(config, names).await?;
    let relay = link.claim_relay_number().await?;
    let restart = snapshots::load_latest(&link).await?;
    Ok(Started { relay, restart, link })
}

/// How long a relay waits between attempts when JetStream does not answer.
pub const RETRY_DELAY: Duration = Duration::from_millis(250);

/// A client id's relay, for logs: `None` for ids of relays without `--nats`.
pub fn client_relay(client: ClientId) -> Option<u64> {
    let r = relay_of(client);
    (r > 0).then_some(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use meshcast_protocol::{Envelope, NdArray};

    #[test]
    fn scene_names_are_checked() {
        let n = Names::of("lab-1_a").unwrap();
        assert_eq!(n.stream, "MESHCAST_lab-1_a");
        assert_eq!(n.log_subject, "meshcast.lab-1_a.log");
        for bad in ["", "a.b", "a b", "a*", "a>", &"x".repeat(65)] {
            let e = Names::of(bad).unwrap_err();
            assert!(e.to_string().contains("scene name"), "{e}");
        }
    }

    #[test]
    fn ids_are_unique_per_relay() {
        assert_eq!(first_id(3), 3 * (1 << 32) + 1);
        assert_eq!(relay_of(first_id(3) + 41), 3);
        assert_eq!(client_relay(7), None);
        assert_eq!(client_relay(first_id(2)), Some(2));
    }

    #[test]
    fn stream_records_round_trip_and_are_checked() {
        let env =
            Envelope::new(3, Some(7)).with_kwarg("positions", NdArray::from_f32(&[1, 1, 3], &[1.0, 2.0, 3.0]).unwrap());
        let msg = RelayToViewer::Message {
            client: first_id(2),
            envelope: env,
        };
        for zstd in [false, true] {
            let rec = encode_record(&meshcast_protocol::encode(&msg), zstd).unwrap();
            assert_eq!(decode_record(&rec).unwrap(), msg);
            let mut bad = rec.to_vec();
            let last = bad.len() - 1;
            bad[last] ^= 0xff;
            let e = decode_record(&bad).unwrap_err();
            assert!(e.to_string().contains("checksum"), "{e}");
            let e = decode_record(&rec[..5]).unwrap_err();
            assert!(e.is_truncation(), "{e}");
        }
        assert!(decode_record(&[]).unwrap_err().is_truncation());
    }

    #[test]
    fn origins_come_from_headers() {
        let mut h = async_nats::HeaderMap::new();
        h.insert(async_nats::header::NATS_MESSAGE_ID, Origin::message_id(4, 17).as_str());
        h.insert(SEQ_HEADER, "9");
        assert_eq!(
            Origin::from_headers(Some(&h)),
            Some(Origin {
                relay: 4,
                publish: 17,
                client_seq: Some(9)
            })
        );
        assert_eq!(Origin::from_headers(None), None);
        let mut junk = async_nats::HeaderMap::new();
        junk.insert(async_nats::header::NATS_MESSAGE_ID, "nope");
        assert_eq!(Origin::from_headers(Some(&junk)), None);
    }
}
