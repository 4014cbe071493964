//! The connection to NATS: options from the command line (credentials, TLS), and the stream and
//! buckets of the scene, created by the first relay that needs them.

use std::time::Duration;

use async_nats::jetstream::{self, kv, object_store, stream};
use tracing::info;

use super::{FederationError, Names, NatsConfig};

/// How long the bucket holding the snapshot writer's lock keeps an entry: a relay that dies while
/// writing a snapshot stops blocking the others after this.
const LOCK_TTL: Duration = Duration::from_secs(120);

/// The key of the relay counter in the scene's key-value bucket.
const RELAYS_KEY: &str = "relays";

/// Tries at claiming a relay number against other relays starting at the same time.
const CLAIM_TRIES: usize = 100;

/// An open connection and the scene's JetStream handles.
#[derive(Clone)]
pub struct Link {
    /// The NATS connection.
    pub client: async_nats::Client,
    /// JetStream on it.
    pub js: jetstream::Context,
    /// The scene's names.
    pub names: Names,
    /// Key-value bucket (relay counter, snapshot pointer).
    pub kv: kv::Store,
    /// Key-value bucket of the snapshot writer's lock.
    pub lock: kv::Store,
    /// Object store of snapshots.
    pub objects: object_store::ObjectStore,
    /// Counts the connection's (re)connects: a stream reader starts over on a change, since a
    /// restarted server has lost its consumer.
    pub connects: tokio::sync::watch::Receiver<u64>,
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Link").field("names", &self.names).finish()
    }
}

/// The connect options `config` asks for.
async fn options(
    config: &NatsConfig,
    connects: tokio::sync::watch::Sender<u64>,
) -> Result<async_nats::ConnectOptions, FederationError> {
    let connects = std::sync::Arc::new(connects);
    let mut o = match &config.creds {
        Some(file) => async_nats::ConnectOptions::with_credentials_file(file)
            .await
            .map_err(|e| FederationError::Connect {
                url: config.url.clone(),
                message: format!("cannot read the credentials file {}: {e}", file.display()),
            })?,
        None => async_nats::ConnectOptions::new(),
    };
    if let (Some(user), Some(password)) = (&config.user, &config.password) {
        o = o.user_and_password(user.clone(), password.clone());
    }
    if let Some(token) = &config.token {
        o = o.token(token.clone());
    }
    if let Some(ca) = &config.tls_ca {
        o = o.add_root_certificates(ca.clone());
    }
    if let (Some(cert), Some(key)) = (&config.tls_cert, &config.tls_key) {
        o = o.add_client_certificate(cert.clone(), key.clone());
    }
    Ok(o.require_tls(config.require_tls)
        .name(format!("meshcast-relay scene {}", config.scene))
        .connection_timeout(Duration::from_secs(5))
        .event_callback(move |event| {
            let connects = connects.clone();
            async move {
                match event {
                    async_nats::Event::Connected => {
                        info!("NATS connected");
                        connects.send_modify(|n| *n += 1);
                    }
                    async_nats::Event::Disconnected => tracing::warn!("NATS disconnected; reconnecting"),
                    other => tracing::debug!(event = %other, "NATS event"),
                }
            }
        }))
}

impl Link {
    /// Connects to `config.url` and opens (or creates) the scene's stream and buckets.
    pub async fn open(config: &NatsConfig, names: Names) -> Result<Link, FederationError> {
        let (connects_tx, connects) = tokio::sync::watch::channel(0);
        let client = options(config, connects_tx)
            .await?
            .connect(config.url.as_str())
            .await
            .map_err(|e| FederationError::Connect {
                url: config.url.clone(),
                message: e.to_string(),
            })?;
        let js = jetstream::new(client.clone());
        let replicas = config.replicas.max(1);
        js.get_or_create_stream(stream::Config {
            name: names.stream.clone(),
            subjects: vec![names.log_subject.clone()],
            storage: stream::StorageType::File,
            num_replicas: replicas,
            // The duplicate window (JetStream's default, 2 minutes) lets a relay re-send what
            // a lost connection may or may not have delivered.
            duplicate_window: Duration::from_secs(120),
            ..Default::default()
        })
        .await
        .map_err(|e| FederationError::js("open the scene's stream")(&e))?;
        let kv = bucket(&js, &names.kv, Duration::ZERO, replicas).await?;
        let lock = bucket(&js, &names.lock, LOCK_TTL, replicas).await?;
        let objects = match js.get_object_store(&names.objects).await {
            Ok(o) => o,
            Err(_) => js
                .create_object_store(object_store::Config {
                    bucket: names.objects.clone(),
                    num_replicas: replicas,
                    storage: stream::StorageType::File,
                    ..Default::default()
                })
                .await
                .map_err(|e| FederationError::js("open the snapshot store")(&e))?,
        };
        info!(url = %config.url, scene = %config.scene, stream = %names.stream, "NATS JetStream ready");
        Ok(Link {
            client,
            js,
            names,
            kv,
            lock,
            objects,
            connects,
        })
    }

    /// Claims a relay number no relay of this scene had before (a counter in the key-value
    /// bucket, increased with compare-and-set).
    pub async fn claim_relay_number(&self) -> Result<u64, FederationError> {
        for _ in 0..CLAIM_TRIES {
            let entry = self
                .kv
                .entry(RELAYS_KEY)
                .await
                .map_err(|e| FederationError::js("read the relay counter")(&e))?;
            let claimed = match entry {
                Some(e) if e.operation == kv::Operation::Put => {
                    let n: u64 = std::str::from_utf8(&e.value)
                        .ok()
                        .and_then(|s| s.parse().ok())
                        .ok_or_else(|| FederationError::JetStream {
                            what: "read the relay counter",
                            message: format!("{RELAYS_KEY} holds {:?}, not a number", e.value),
                        })?;
                    let next = n + 1;
                    self.kv
                        .update(RELAYS_KEY, next.to_string().into(), e.revision)
                        .await
                        .ok()
                        .map(|_| next)
                }
                _ => self.kv.create(RELAYS_KEY, "1".into()).await.ok().map(|_| 1),
            };
            if let Some(n) = claimed {
                info!(relay = n, "relay number claimed");
                return Ok(n);
            }
        }
        Err(FederationError::JetStream {
            what: "claim a relay number",
            message: format!("{CLAIM_TRIES} tries lost against other relays"),
        })
    }

    /// The scene's stream.
    pub async fn stream(&self) -> Result<stream::Stream, FederationError> {
        self.js
            .get_stream(&self.names.stream)
            .await
            .map_err(|e| FederationError::js("open the scene's stream")(&e))
    }
}

/// Opens (or creates) a key-value bucket. The stream behind it is created here, with the
/// configuration async-nats gives a bucket (`create_key_value` first asks for the account's
/// information, which async-nats 0.51 cannot parse from Debian's nats-server 2.9).
async fn bucket(
    js: &jetstream::Context,
    name: &str,
    max_age: Duration,
    replicas: usize,
) -> Result<kv::Store, FederationError> {
    if let Ok(store) = js.get_key_value(name).await {
        return Ok(store);
    }
    let mut config = stream::Config {
        name: format!("KV_{name}"),
        subjects: vec![format!("$KV.{name}.>")],
        max_messages_per_subject: 1,
        max_age,
        storage: stream::StorageType::File,
        num_replicas: replicas,
        allow_rollup: true,
        deny_delete: true,
        allow_direct: true,
        discard: stream::DiscardPolicy::New,
        ..Default::default()
    };
    if !max_age.is_zero() {
        config.duplicate_window = max_age.min(Duration::from_secs(120));
    }
    js.get_or_create_stream(config)
        .await
        .map_err(|e| FederationError::js("open a key-value bucket")(&e))?;
    js.get_key_value(name)
        .await
        .map_err(|e| FederationError::js("open a key-value bucket")(&e))
}
