//! `window.meshcast`: the page's JavaScript API for customising the viewer without Rust (see
//! `docs/customising.md` for the reference), and `window.__meshcast`, the test hooks: both built
//! from the one table in [`super::js_table`]. Registered before the viewer connects; the
//! `meshcast:ready` event on `window` says it is there. This module holds what the entries share:
//! argument parsing, values to JavaScript, and the delivery of messages to JavaScript handlers.
//!
//! Node arguments are either a node object (anything with `client` and `uid`, such as what
//! `nodes()` returns) or two numbers `client, uid`. Functions that change the viewer throw an
//! `Error` when called while the viewer is busy (from inside Rust code that holds it), which the
//! viewer itself never does when it calls the message handlers.

use js_sys::{Array, Function, Object, Reflect};
use meshcast_scene::{Node, NodeKey};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::js_table::{Scope, API};
use super::js_value::to_js;
use super::message::ClientMessage;
use crate::web::app::App;
use crate::web::Shared;

/// The version of the API (bumped on incompatible changes).
pub const API_VERSION: u32 = 1;

pub(super) fn obj(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        let _ = Reflect::set(&o, &JsValue::from_str(k), v);
    }
    o.into()
}

pub(super) fn num(v: f64) -> JsValue {
    JsValue::from_f64(v)
}

pub(super) fn floats(v: &[f32]) -> JsValue {
    v.iter().map(|c| num(f64::from(*c))).collect::<Array>().into()
}

pub(super) fn type_error(msg: &str) -> JsValue {
    js_sys::TypeError::new(msg).into()
}

pub(super) fn busy() -> JsValue {
    js_sys::Error::new("the meshcast viewer is busy (called from inside Rust code that holds it)").into()
}

/// The JavaScript view of a client message: `{type, uid, args, kwargs, client, replay}`.
pub fn message_to_js(m: &ClientMessage) -> JsValue {
    let kwargs = Object::new();
    for (k, v) in &m.kwargs {
        let _ = Reflect::set(&kwargs, &JsValue::from_str(k), &to_js(v));
    }
    obj(&[
        ("type", num(m.msg_type as f64)),
        ("uid", m.uid.map_or(JsValue::NULL, |u| num(u as f64))),
        ("args", m.args.iter().map(to_js).collect::<Array>().into()),
        ("kwargs", kwargs.into()),
        ("client", num(m.client as f64)),
        ("replay", JsValue::from_bool(m.replay)),
    ])
}

/// `{client, uid, kind, name, frames, visible, selected, color, position, parts}` of a node;
/// `parts` lists an SMPL body's parts as `{part, name, visible}` (empty for other kinds).
pub(super) fn node_to_js(app: &App, n: &Node) -> JsValue {
    let frame = app.frame();
    let parts: Array = app
        .smpl
        .bodies
        .parts(&n.key())
        .into_iter()
        .map(|p| {
            obj(&[
                ("part", JsValue::from_str(p.id())),
                ("name", JsValue::from_str(p.label())),
                (
                    "visible",
                    JsValue::from_bool(!app.core.view().is_part_hidden(&n.key(), p)),
                ),
            ])
        })
        .collect();
    obj(&[
        ("client", num(n.key().client as f64)),
        ("uid", num(n.key().uid as f64)),
        ("kind", JsValue::from_str(n.kind().name())),
        ("name", JsValue::from_str(n.name())),
        ("frames", num(n.n_frames() as f64)),
        ("visible", JsValue::from_bool(!app.core.view().is_hidden(&n.key()))),
        ("selected", JsValue::from_bool(app.core.selected() == Some(n.key()))),
        (
            "color",
            crate::core::edits::color(n).map_or(JsValue::NULL, |c| floats(&c)),
        ),
        ("position", floats(&crate::core::edits::position(n, frame))),
        ("parts", parts.into()),
    ])
}

/// A whole number >= 0 (an id).
pub(super) fn id_of(v: &JsValue) -> Option<u64> {
    v.as_f64()
        .filter(|f| *f >= 0.0 && f.fract() == 0.0 && *f <= 9_007_199_254_740_991.0)
        .map(|f| f as u64)
}

/// The node named by the arguments from index `i` (a node object, or `client, uid`) and the
/// index of the next argument.
pub(super) fn key_arg(args: &Array, i: u32) -> Result<(NodeKey, u32), JsValue> {
    let first = args.get(i);
    if first.is_object() {
        let get = |k: &str| Reflect::get(&first, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED);
        if let (Some(client), Some(uid)) = (id_of(&get("client")), id_of(&get("uid"))) {
            return Ok((NodeKey { client, uid }, i + 1));
        }
        return Err(type_error("a node object needs numeric client and uid"));
    }
    match (id_of(&first), id_of(&args.get(i + 1))) {
        (Some(client), Some(uid)) => Ok((NodeKey { client, uid }, i + 2)),
        _ => Err(type_error("expected a node object or (client, uid)")),
    }
}

/// Three or four finite numbers from a JavaScript array.
pub(super) fn vec_arg<const N: usize>(v: &JsValue, what: &str) -> Result<[f32; N], JsValue> {
    let bad = || type_error(&format!("{what} must be an array of {N} numbers"));
    if !Array::is_array(v) && !js_sys::ArrayBuffer::is_view(v) {
        return Err(bad());
    }
    let len = Reflect::get(v, &"length".into())
        .ok()
        .and_then(|l| l.as_f64())
        .unwrap_or(0.0);
    if len as usize != N {
        return Err(bad());
    }
    let mut out = [0.0f32; N];
    for (i, dst) in out.iter_mut().enumerate() {
        let x = Reflect::get_u32(v, i as u32)
            .ok()
            .and_then(|x| x.as_f64())
            .ok_or_else(bad)?;
        if !x.is_finite() {
            return Err(bad());
        }
        *dst = x as f32;
    }
    Ok(out)
}

type Api = dyn Fn(JsValue, JsValue, JsValue, JsValue) -> Result<JsValue, JsValue>;

/// A JavaScript function of up to four arguments over the shared app.
pub(super) fn func(app: &Shared, f: impl Fn(&Shared, &Array) -> Result<JsValue, JsValue> + 'static) -> Function {
    let app = app.clone();
    Closure::<Api>::new(move |a: JsValue, b: JsValue, c: JsValue, d: JsValue| f(&app, &Array::of4(&a, &b, &c, &d)))
        .into_js_value()
        .unchecked_into()
}

/// Installs `window.meshcast` (the [`Scope::Public`] entries of [`API`], frozen, plus
/// `version`) and `window.__meshcast` (every entry: the test hooks). Both objects call the same
/// functions, so they validate arguments and fail alike.
pub fn expose(app: &Shared) -> Result<(), JsValue> {
    let window = web_sys::window().ok_or("no window")?;
    let public = Object::new();
    let hooks = Object::new();
    Reflect::set(&public, &"version".into(), &num(f64::from(API_VERSION)))?;
    for &(name, scope, call) in API {
        let f: JsValue = func(app, call).into();
        Reflect::set(&hooks, &JsValue::from_str(name), &f)?;
        if scope == Scope::Public {
            Reflect::set(&public, &JsValue::from_str(name), &f)?;
        }
    }
    Object::freeze(&public);
    Reflect::set(&window, &JsValue::from_str("meshcast"), &public)?;
    Reflect::set(&window, &JsValue::from_str("__meshcast"), &hooks)?;
    Ok(())
}

/// Unregisters a `window.meshcast.onMessage` handler.
pub(super) fn remove_handler(app: &Shared, f: &JsValue) -> Result<(), JsValue> {
    let mut a = app.try_borrow_mut().map_err(|_| busy())?;
    a.ext.js_handlers.retain(|h| JsValue::from(h.f.clone()) != *f);
    Ok(())
}

/// Runs the JavaScript handlers on the messages queued by [`super::message::dispatch`]. Call it
/// with the app not borrowed (the handlers call back into `window.meshcast`).
pub fn deliver(app: &Shared) {
    let (messages, handlers) = {
        let Ok(mut a) = app.try_borrow_mut() else { return };
        if a.ext.js_queue.is_empty() {
            return;
        }
        (std::mem::take(&mut a.ext.js_queue), a.ext.js_handlers.clone())
    };
    for m in &messages {
        let mut js = None;
        for h in handlers.iter().filter(|h| h.wants(m.msg_type)) {
            let js = js.get_or_insert_with(|| message_to_js(m));
            if let Err(e) = h.f.call1(&JsValue::NULL, js) {
                web_sys::console::error_2(&JsValue::from_str("meshcast: a message handler threw"), &e);
            }
        }
    }
}
