//! The relay WebSocket, owned by a Web Worker (`relay_socket.js`): the browser receives at its
//! own speed while this thread draws, and each message reaches [`RelaySocket`]'s handler as a
//! transferred `ArrayBuffer`, which decodes and applies it at once (not in the frame loop, and
//! without an async stream between the socket and the scene).

use std::cell::RefCell;
use std::rc::Rc;

use futures_channel::oneshot;
use js_sys::{ArrayBuffer, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen(module = "/src/web/relay_socket.js")]
extern "C" {
    /// `relay_socket.js`'s socket host (in a worker, or on this thread where none can start).
    type SocketHost;

    #[wasm_bindgen(js_name = startRelaySocket)]
    fn start_relay_socket(on_event: &js_sys::Function) -> SocketHost;

    #[wasm_bindgen(method, getter, js_name = inWorker)]
    fn in_worker(this: &SocketHost) -> bool;

    #[wasm_bindgen(method)]
    fn send(this: &SocketHost, message: &JsValue, transfer: &js_sys::Array);
}

/// The current connection's end, shared with the event handler.
#[derive(Default)]
struct Lifecycle {
    /// Resolved with the reason when the current connection ends.
    ended: Option<oneshot::Sender<String>>,
    /// The host, to close the connection from the handler.
    host: Option<SocketHost>,
}

impl Lifecycle {
    /// Ends the current connection's wait with `reason`.
    fn end(&mut self, reason: String) {
        if let Some(tx) = self.ended.take() {
            let _ = tx.send(reason);
        }
    }
}

/// The socket host and its event handler; one per page, reused across reconnections.
pub struct RelaySocket {
    host: SocketHost,
    life: Rc<RefCell<Lifecycle>>,
    _on_event: Closure<dyn FnMut(JsValue)>,
}

/// A handle that sends on the relay connection (viewer → relay messages).
#[derive(Clone)]
pub struct SocketSender(JsValue);

impl SocketSender {
    /// Sends `bytes` (copied into a new `ArrayBuffer`, handed over to the worker).
    pub fn send(&self, bytes: &[u8]) {
        let buf = Uint8Array::from(bytes).buffer();
        let host: &SocketHost = self.0.unchecked_ref();
        host.send(&buf, &js_sys::Array::of1(&buf));
    }
}

impl RelaySocket {
    /// Starts the socket host. `on_message` handles each binary message from the relay, on this
    /// thread, as it arrives; when it returns `Err(reason)` the connection is closed for that
    /// reason.
    pub fn start(mut on_message: impl FnMut(Vec<u8>) -> Result<(), String> + 'static) -> RelaySocket {
        let life = Rc::new(RefCell::new(Lifecycle::default()));
        let l = life.clone();
        let on_event = Closure::<dyn FnMut(JsValue)>::new(move |ev: JsValue| {
            if let Some(buf) = ev.dyn_ref::<ArrayBuffer>() {
                if let Err(reason) = on_message(Uint8Array::new(buf).to_vec()) {
                    let mut life = l.borrow_mut();
                    if let Some(h) = &life.host {
                        close_op(h);
                    }
                    life.end(reason);
                }
                return;
            }
            let field = |k: &str| {
                Reflect::get(&ev, &JsValue::from_str(k))
                    .ok()
                    .and_then(|v| v.as_string())
            };
            match field("event").as_deref() {
                Some("open") => tracing::debug!("relay connection open"),
                Some("closed") => {
                    let reason = field("reason").unwrap_or_else(|| "the connection ended".to_owned());
                    l.borrow_mut().end(reason);
                }
                Some("text") => tracing::debug!("ignoring a text frame from the relay: {:?}", field("text")),
                other => tracing::warn!("unknown event from the relay socket: {other:?}"),
            }
        });
        let host = start_relay_socket(on_event.as_ref().unchecked_ref());
        if !host.in_worker() {
            tracing::warn!("the relay socket runs on the page's thread (no worker)");
        }
        life.borrow_mut().host = Some(JsValue::clone(&host).unchecked_into());
        RelaySocket {
            host,
            life,
            _on_event: on_event,
        }
    }

    /// Opens a connection to `url` (closing any other); resolves with the reason it ended.
    pub async fn connect(&self, url: &str) -> String {
        let (tx, rx) = oneshot::channel();
        self.life.borrow_mut().ended = Some(tx);
        self.op("open", Some(url));
        rx.await.unwrap_or_else(|_| "the connection was dropped".to_owned())
    }

    /// A handle to send on the connection.
    pub fn sender(&self) -> SocketSender {
        SocketSender(JsValue::clone(&self.host))
    }

    fn op(&self, op: &str, url: Option<&str>) {
        send_op(&self.host, op, url);
    }
}

fn send_op(host: &SocketHost, op: &str, url: Option<&str>) {
    let m = js_sys::Object::new();
    let _ = Reflect::set(&m, &"op".into(), &op.into());
    if let Some(u) = url {
        let _ = Reflect::set(&m, &"url".into(), &u.into());
    }
    host.send(&m, &js_sys::Array::new());
}

fn close_op(host: &SocketHost) {
    send_op(host, "close", None);
}
