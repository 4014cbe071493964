//! The WebSocket to the relay's viewer endpoint, reconnecting with exponential backoff.
//!
//! On every (re)connection the relay sends `Hello`, then the whole scene between
//! `SnapshotBegin` (the viewer clears its scene) and `SnapshotEnd`, then live messages; so after
//! a relay restart, a network drop or a page reload the viewer shows the relay's scene again.

use std::cell::Cell;
use std::rc::Rc;

use meshcast_protocol::RelayToViewer;
use wasm_bindgen::prelude::*;

use super::dom::now_ms;
use super::socket::RelaySocket;
use super::Shared;
use crate::core::{heap, ConnState};

/// First reconnect delay.
const BACKOFF_START_MS: f64 = 250.0;
/// Longest reconnect delay.
const BACKOFF_MAX_MS: f64 = 5000.0;

/// The delay before reconnect attempt `attempt` (1-based): 250 ms doubling up to 5 s.
pub fn backoff_ms(attempt: u32) -> f64 {
    let exp = attempt.saturating_sub(1).min(16);
    (BACKOFF_START_MS * f64::from(1u32 << exp)).min(BACKOFF_MAX_MS)
}

/// Starts the connection task.
pub fn spawn(app: Shared, url: String) {
    wasm_bindgen_futures::spawn_local(run(app, url));
}

/// True once the page shows a recording: the connection task then ends.
fn showing_recording(app: &Shared) -> bool {
    app.try_borrow()
        .is_ok_and(|a| matches!(a.core.connection(), ConnState::Recording { .. }))
}

/// Why a connection ends when a recording is opened.
const RECORDING_OPENED: &str = "a recording was opened";

async fn run(app: Shared, url: String) {
    let url = super::params::with_announce(&url, heap::ANNOUNCE_FROM_BYTES);
    let said_hello = Rc::new(Cell::new(false));
    let socket = {
        let (app, said_hello) = (app.clone(), said_hello.clone());
        RelaySocket::start(move |bytes| {
            if showing_recording(&app) {
                return Err(RECORDING_OPENED.to_owned());
            }
            handle(&app, &said_hello, bytes::Bytes::from(bytes));
            Ok(())
        })
    };
    let mut attempt: u32 = 0;
    loop {
        if showing_recording(&app) {
            tracing::info!("a recording was opened: no longer connecting to the relay");
            return;
        }
        attempt += 1;
        let c = app.borrow_mut().core.set_connection(ConnState::Connecting { attempt });
        app.borrow_mut().note(c);
        said_hello.set(false);
        super::custom::outbox::attach(&app, socket.sender());
        let reason = socket.connect(&url).await;
        super::custom::outbox::detach(&app);
        if said_hello.get() {
            attempt = 0;
        }
        if showing_recording(&app) {
            tracing::info!("a recording was opened: disconnected from the relay");
            return;
        }
        let delay = backoff_ms(attempt.max(1));
        let at_ms = now_ms() + delay;
        tracing::info!("relay connection ended ({reason}); retrying in {delay} ms");
        let c = app
            .borrow_mut()
            .core
            .set_connection(ConnState::Reconnecting { at_ms, reason });
        app.borrow_mut().note(c);
        sleep_ms(delay).await;
    }
}

/// Decodes and applies one relay message, as it arrives (the frame loop draws the result when it
/// has time); notes whether the relay said hello. The arrays decoded share `bytes` (no copy).
/// An announcement of messages to come makes room for them in the heap.
fn handle(app: &Shared, said_hello: &Cell<bool>, bytes: bytes::Bytes) {
    let len = bytes.len() as u64;
    let t0 = now_ms();
    match meshcast_protocol::decode_bytes::<RelayToViewer>(&bytes) {
        Ok(RelayToViewer::Incoming {
            bytes: announced,
            queued,
        }) => {
            // Room for what follows, made while it arrives (see `core::heap`).
            let warmed = heap::warm(usize::try_from(announced).unwrap_or(usize::MAX), heap::MAX_WARM_BYTES);
            let mut a = app.borrow_mut();
            // What is on its way keeps a pause in the stream from being taken for its end.
            let coming = usize::try_from(announced.saturating_add(queued)).unwrap_or(usize::MAX);
            a.pacer.announced(now_ms(), coming);
            let s = a.core.stats_mut();
            s.bytes_received += len;
            s.bytes_warmed += warmed as u64;
        }
        Ok(m) => {
            let t1 = now_ms();
            let mut a = app.borrow_mut();
            if matches!(m, RelayToViewer::Hello { .. }) {
                said_hello.set(true);
                // What the last connection announced will not come.
                a.pacer.forget_announced();
            }
            let scene_gen = a.core.scene_gen();
            a.core.stats_mut().bytes_received += len;
            let relayed = a.core.on_relay(m);
            a.note(relayed.changed);
            if let Some(message) = relayed.message {
                super::custom::message::dispatch(&mut a, message);
            }
            let end = now_ms();
            a.pacer.message(end, len as usize);
            let changed_scene = a.core.scene_gen() != scene_gen;
            let s = a.core.stats_mut();
            s.decode_ms += t1 - t0;
            s.apply_ms += end - t1;
            if changed_scene {
                s.scene_changed_at_ms = Some(end);
            }
            drop(a);
            super::custom::js_api::deliver(app);
        }
        Err(e) => {
            let mut a = app.borrow_mut();
            let c = a
                .core
                .undecodable(format!("undecodable relay message ({len} bytes): {e}"));
            a.note(c);
        }
    }
}

/// Resolves after `ms` milliseconds.
async fn sleep_ms(ms: f64) {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms as i32);
        } else {
            let _ = resolve.call0(&JsValue::NULL);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
