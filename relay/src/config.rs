//! Run-time settings of the relay (built from the command line by [`crate::cli::Cli`], or
//! directly by tests and embedders).

use std::path::PathBuf;
use std::sync::Arc;

use crate::access::Access;
use crate::scene_log::FsyncPolicy;

/// One GiB: the default `--max-message-size` (aitviewer clients send whole sequences in one
/// message, hundreds of MB).
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 1 << 30;

/// Default number of messages buffered per viewer before it is marked lagging: room for a
/// producer's whole burst at the default rate limit ([`DEFAULT_MAX_MESSAGES_PER_SECOND`], one
/// second's worth at once), since the hub queues small messages faster than a viewer's writer
/// sends them even to a viewer that reads at once (with 4096, a burst of 50,000 ~100-byte
/// messages marked a local viewer lagging, which loses what is not part of the scene). Only what
/// is queued takes memory, and `--viewer-queue-bytes` bounds that.
pub const DEFAULT_VIEWER_QUEUE: usize = 1 << 17;

/// Default number of bytes buffered per viewer before it is marked lagging.
pub const DEFAULT_VIEWER_QUEUE_BYTES: usize = 512 << 20;

/// Default `--max-scene-bytes`: a scene footprint of 8 GiB.
pub const DEFAULT_MAX_SCENE_BYTES: usize = 8 << 30;

/// Default `--max-connections`: open WebSocket connections, producers and viewers together.
pub const DEFAULT_MAX_CONNECTIONS: usize = 256;

/// Default `--max-messages-per-second` per producer connection (bursts of one second's worth).
pub const DEFAULT_MAX_MESSAGES_PER_SECOND: u32 = 100_000;

/// Settings of a running relay.
#[derive(Debug, Clone)]
pub struct Config {
    /// Folder of the built browser viewer (`index.html`, wasm, js) served over HTTP; `None`
    /// serves a small page that says how to build it.
    pub dist: Option<PathBuf>,
    /// Folder of SMPL model files (`--smpl-models`), served at `/models/`; SMPL bodies whose
    /// model file is missing from it are rejected. `None`: no models served, bodies accepted.
    pub smpl_models: Option<PathBuf>,
    /// Folder that aitviewer clients' `path_to_texture` files are read from (`--assets`);
    /// `None`: such meshes are accepted untextured.
    pub assets: Option<PathBuf>,
    /// Largest WebSocket message accepted from a producer or viewer, in bytes. A larger one
    /// closes that connection.
    pub max_message_size: usize,
    /// Messages buffered per viewer; when a viewer falls this far behind it is marked lagging,
    /// its queue is dropped and it is sent a fresh snapshot once it catches up.
    pub viewer_queue: usize,
    /// Bytes buffered per viewer before it is marked lagging (a single message is always let
    /// through, however large).
    pub viewer_queue_bytes: usize,
    /// Replies (acknowledgements, errors, viewer messages) buffered per producer client; more
    /// are dropped with a warning (a client that never reads its socket).
    pub client_queue: usize,
    /// Commands buffered between producer connections and the task that owns the scene; a full
    /// queue slows producers down (back-pressure).
    pub hub_queue: usize,
    /// Frames read ahead of the decoder on each producer connection.
    pub decode_queue: usize,
    /// Who may connect: access token, loopback rules, allowed origins.
    pub access: Access,
    /// TLS settings (wss:// and https://); `None` serves plain ws:// and http://.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// Largest scene, in bytes of `Scene::footprint` (array data with every frame counted in
    /// full, as a late viewer's snapshot carries it, plus fixed charges per node and frame). A
    /// creation or frame change that would grow the scene past it is rejected whole.
    pub max_scene_bytes: usize,
    /// Most WebSocket connections open at once (producers and viewers); more are refused with
    /// HTTP 503.
    pub max_connections: usize,
    /// Messages per second accepted from one producer connection (0: unlimited); MessagePack
    /// clients get an error for each message over it, pickle clients are slowed down.
    pub max_messages_per_second: u32,
    /// `--record FILE`: append every applied message to this new recording.
    pub record: Option<PathBuf>,
    /// `--data-dir DIR`: keep the scene durable in `DIR/scene.mcrec` and restore it on start.
    pub data_dir: Option<PathBuf>,
    /// `--replay FILE`: serve this recording's scene to viewers; accept no producers.
    pub replay: Option<PathBuf>,
    /// When the log is forced to disk (`--fsync`).
    pub fsync: FsyncPolicy,
    /// Compress log records with zstd (`--record-zstd`), on the NATS stream too.
    pub record_zstd: bool,
    /// `--nats URL --scene NAME`: serve one scene with other relays over NATS JetStream.
    pub nats: Option<crate::federation::NatsConfig>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            dist: None,
            smpl_models: None,
            assets: None,
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            viewer_queue: DEFAULT_VIEWER_QUEUE,
            viewer_queue_bytes: DEFAULT_VIEWER_QUEUE_BYTES,
            client_queue: 1024,
            hub_queue: 64,
            decode_queue: 4,
            access: Access::default(),
            record: None,
            data_dir: None,
            replay: None,
            fsync: FsyncPolicy::default(),
            record_zstd: false,
            nats: None,
            tls: None,
            max_scene_bytes: DEFAULT_MAX_SCENE_BYTES,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_messages_per_second: DEFAULT_MAX_MESSAGES_PER_SECOND,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_viewer_queue_holds_a_producers_whole_burst() {
        let c = Config::default();
        assert!(c.viewer_queue >= c.max_messages_per_second as usize);
        assert_eq!(c.viewer_queue, DEFAULT_VIEWER_QUEUE);
    }
}
