//! The custom viewer (wasm32): its entry point and message handler.

use meshcast_viewer::web::{ClientMessage, Value, Viewer, ViewerContext, USER_MESSAGE};
use wasm_bindgen::prelude::*;

/// Our custom message type: the first user message number, as in aitviewer's example.
const CUSTOM_MESSAGE: i64 = USER_MESSAGE;

/// Starts the viewer with [`process_message`] as its message handler.
#[wasm_bindgen(start)]
pub fn start() {
    Viewer::builder().on_message(process_message).start();
}

/// aitviewer's `CustomViewer.process_message`.
fn process_message(msg: &ClientMessage, v: &mut ViewerContext<'_>) {
    if msg.msg_type != CUSTOM_MESSAGE {
        // Not ours: handle it normally first.
        if v.default(msg).is_err() {
            return;
        }
        // A node was just created (not replayed from the relay's scene): select it and look at it.
        if msg.is_creation() && !msg.replay {
            let key = msg
                .uid
                .and_then(|uid| v.node_by_remote_uid(uid, msg.client))
                .map(|n| n.key());
            if let Some(key) = key {
                v.select(Some(key));
                v.center_on(key);
            }
        }
        return;
    }
    let index = msg.kwarg("index").or_else(|| msg.arg(0)).and_then(Value::as_i64);
    let node = index
        .and_then(|i| u64::try_from(i).ok())
        .and_then(|uid| v.node_by_remote_uid(uid, msg.client))
        .map(|n| (n.key(), n.name().to_owned()));
    let reply = match node {
        Some((key, name)) => {
            v.select(Some(key));
            v.center_on(key);
            if let Some(rgba) = msg.kwarg("color").and_then(rgba) {
                v.set_color(key, rgba);
            }
            Value::Map(vec![
                (Value::from("selected"), Value::Int(key.uid as i64)),
                (Value::from("name"), Value::from(name)),
            ])
        }
        None => Value::Map(vec![(
            Value::from("error"),
            Value::from(format!("no node with uid {index:?} from client {}", msg.client)),
        )]),
    };
    // Tell the client that sent it (only that one).
    if let Err(e) = v.send_to_clients(reply, Some(msg.client)) {
        console_warn(&format!("custom viewer: reply not sent: {e}"));
    }
}

/// An RGBA colour from a list (or array) of 4 numbers.
fn rgba(v: &Value) -> Option<[f32; 4]> {
    let values: Vec<f64> = match v {
        Value::List(items) => items.iter().map(Value::as_f64).collect::<Option<_>>()?,
        Value::Array(a) => a.to_f64_vec(),
        _ => return None,
    };
    match values.as_slice() {
        [r, g, b, a] => Some([*r as f32, *g as f32, *b as f32, *a as f32]),
        _ => None,
    }
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = warn)]
    fn console_warn(s: &str);
}
