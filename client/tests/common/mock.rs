//! A mock relay for transport tests: accepts one producer connection on 127.0.0.1, records the
//! envelopes it receives, acknowledges FLUSH messages, rejects messages of type 10666 and can
//! drop the connection.

use std::sync::{Arc, Mutex};

use futures_util::{SinkExt, StreamExt};
use meshcast_protocol::{decode_envelope, encode, Envelope, RelayToClient, Value};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

/// Messages of this type are answered with an `Error`.
pub const REJECTED_TYPE: i64 = 10666;
/// Messages of this type make the mock drop the connection at once.
pub const HANG_UP_TYPE: i64 = 10777;
/// Messages of this type make the mock send a `FromViewer` message back with the envelope's
/// args as payload.
pub const ECHO_TYPE: i64 = 10888;

/// The mock relay's handle.
pub struct MockRelay {
    pub port: u16,
    pub received: Arc<Mutex<Vec<Envelope>>>,
    _stop: mpsc::Sender<()>,
}

impl MockRelay {
    /// Starts the mock on the current tokio runtime.
    pub async fn start() -> MockRelay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let (stop_tx, mut stop_rx) = mpsc::channel::<()>(1);
        let rec = Arc::clone(&received);
        tokio::spawn(async move {
            loop {
                let stream = tokio::select! {
                    s = listener.accept() => match s { Ok((s, _)) => s, Err(_) => return },
                    _ = stop_rx.recv() => return,
                };
                let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
                    continue;
                };
                let mut seq = 0u64;
                while let Some(Ok(msg)) = ws.next().await {
                    let Message::Binary(bytes) = msg else { continue };
                    seq += 1;
                    let env = decode_envelope(&bytes).unwrap();
                    rec.lock().unwrap().push(env.clone());
                    let reply = match env.msg_type {
                        900 => Some(RelayToClient::Ack { seq }),
                        REJECTED_TYPE => Some(RelayToClient::Error {
                            seq,
                            msg_type: Some(env.msg_type),
                            uid: env.uid,
                            message: "rejected by the mock".into(),
                        }),
                        ECHO_TYPE => Some(RelayToClient::FromViewer {
                            viewer: 7,
                            payload: Value::List(env.args.clone()),
                        }),
                        HANG_UP_TYPE => break,
                        _ => None,
                    };
                    if let Some(r) = reply {
                        if ws.send(Message::Binary(encode(&r).into())).await.is_err() {
                            break;
                        }
                    }
                }
            }
        });
        MockRelay {
            port,
            received,
            _stop: stop_tx,
        }
    }

    /// Everything received so far.
    pub fn envelopes(&self) -> Vec<Envelope> {
        self.received.lock().unwrap().clone()
    }

    /// Options that reach the mock.
    pub fn options(&self) -> meshcast_client::ConnectOptions {
        meshcast_client::ConnectOptions::new("127.0.0.1").port(self.port)
    }
}
