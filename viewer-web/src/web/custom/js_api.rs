//! `window.meshcast`: the page's JavaScript API for customising the viewer without Rust (see
//! `docs/customising.md` for the reference). Registered before the viewer connects; the
//! `meshcast:ready` event on `window` says it is there.
//!
//! Node arguments are either a node object (anything with `client` and `uid`, such as what
//! `nodes()` returns) or two numbers `client, uid`. Functions that change the viewer throw an
//! `Error` when called while the viewer is busy (from inside Rust code that holds it), which the
//! viewer itself never does when it calls the message handlers.

use js_sys::{Array, Function, Object, Reflect};
use meshcast_protocol::ClientId;
use meshcast_scene::{Node, NodeKey};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::context::ViewerContext;
use super::js_value::{from_js, to_js};
use super::message::ClientMessage;
use super::outbox::SendError;
use super::panels;
use crate::web::app::App;
use crate::web::Shared;

/// The version of the API (bumped on incompatible changes).
pub const API_VERSION: u32 = 1;

fn obj(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        let _ = Reflect::set(&o, &JsValue::from_str(k), v);
    }
    o.into()
}

fn num(v: f64) -> JsValue {
    JsValue::from_f64(v)
}

fn floats(v: &[f32]) -> JsValue {
    v.iter().map(|c| num(f64::from(*c))).collect::<Array>().into()
}

fn type_error(msg: &str) -> JsValue {
    js_sys::TypeError::new(msg).into()
}

fn busy() -> JsValue {
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

/// `{client, uid, kind, name, frames, visible, selected, color, position}` of a node.
fn node_to_js(app: &App, n: &Node) -> JsValue {
    let frame = app.frame();
    obj(&[
        ("client", num(n.key.client as f64)),
        ("uid", num(n.key.uid as f64)),
        ("kind", JsValue::from_str(n.kind.name())),
        ("name", JsValue::from_str(n.name())),
        ("frames", num(n.n_frames() as f64)),
        ("visible", JsValue::from_bool(!app.core.view().is_hidden(&n.key))),
        ("selected", JsValue::from_bool(app.core.selected() == Some(n.key))),
        (
            "color",
            crate::core::edits::color(n).map_or(JsValue::NULL, |c| floats(&c)),
        ),
        ("position", floats(&crate::core::edits::position(n, frame))),
    ])
}

/// A whole number >= 0 (an id).
fn id_of(v: &JsValue) -> Option<u64> {
    v.as_f64()
        .filter(|f| *f >= 0.0 && f.fract() == 0.0 && *f <= 9_007_199_254_740_991.0)
        .map(|f| f as u64)
}

/// The node named by the arguments from index `i` (a node object, or `client, uid`) and the
/// index of the next argument.
fn key_arg(args: &Array, i: u32) -> Result<(NodeKey, u32), JsValue> {
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
fn vec_arg<const N: usize>(v: &JsValue, what: &str) -> Result<[f32; N], JsValue> {
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
fn func(app: &Shared, f: impl Fn(&Shared, &Array) -> Result<JsValue, JsValue> + 'static) -> Function {
    let app = app.clone();
    Closure::<Api>::new(move |a: JsValue, b: JsValue, c: JsValue, d: JsValue| f(&app, &Array::of4(&a, &b, &c, &d)))
        .into_js_value()
        .unchecked_into()
}

/// A function that reads the app.
fn query(app: &Shared, f: impl Fn(&App, &Array) -> Result<JsValue, JsValue> + 'static) -> Function {
    func(app, move |app, args| {
        let a = app.try_borrow().map_err(|_| busy())?;
        f(&a, args)
    })
}

/// A function that acts through a [`ViewerContext`]; returns `undefined` unless `f` says.
fn action(app: &Shared, f: impl Fn(&mut ViewerContext<'_>, &Array) -> Result<JsValue, JsValue> + 'static) -> Function {
    func(app, move |app, args| {
        let mut a = app.try_borrow_mut().map_err(|_| busy())?;
        f(&mut ViewerContext::new(&mut a), args)
    })
}

/// Installs `window.meshcast`.
pub fn expose(app: &Shared) -> Result<(), JsValue> {
    let window = web_sys::window().ok_or("no window")?;
    let api = Object::new();
    let put = |name: &str, v: &JsValue| Reflect::set(&api, &JsValue::from_str(name), v).map(|_| ());
    put("version", &num(f64::from(API_VERSION)))?;

    // Messages.
    put(
        "onMessage",
        &func(app, |app, args| {
            let f: Function = args
                .get(0)
                .dyn_into()
                .map_err(|_| type_error("onMessage(handler) needs a function"))?;
            app.try_borrow_mut()
                .map_err(|_| busy())?
                .ext
                .js_handlers
                .push(f.clone());
            // The returned function unregisters the handler.
            Ok(func(app, move |app, _| {
                remove_handler(app, &f)?;
                Ok(JsValue::UNDEFINED)
            })
            .into())
        }),
    )?;
    put(
        "offMessage",
        &func(app, |app, args| {
            remove_handler(app, &args.get(0))?;
            Ok(JsValue::UNDEFINED)
        }),
    )?;
    put(
        "sendToClients",
        &action(app, |v, args| {
            let payload = from_js(&args.get(0)).map_err(|e| type_error(&format!("sendToClients: {e}")))?;
            let target = args.get(1);
            let client: Option<ClientId> = if target.is_null() || target.is_undefined() {
                None
            } else {
                Some(id_of(&target).ok_or_else(|| type_error("sendToClients: client must be a client id or null"))?)
            };
            match v.send_to_clients(payload, client) {
                Ok(()) => Ok(JsValue::TRUE),
                Err(SendError::NotConnected) => Ok(JsValue::FALSE),
                Err(e) => Err(js_sys::Error::new(&e.to_string()).into()),
            }
        }),
    )?;

    // Queries.
    put(
        "nodes",
        &query(app, |a, _| {
            Ok(a.core
                .scene()
                .nodes()
                .into_iter()
                .map(|n| node_to_js(a, n))
                .collect::<Array>()
                .into())
        }),
    )?;
    put(
        "node",
        &query(app, |a, args| {
            let (key, _) = key_arg(args, 0)?;
            Ok(a.core.scene().node(&key).map_or(JsValue::NULL, |n| node_to_js(a, n)))
        }),
    )?;
    put(
        "nodeByRemoteUid",
        &query(app, |a, args| {
            let uid = id_of(&args.get(0)).ok_or_else(|| type_error("nodeByRemoteUid(uid, client) needs a uid"))?;
            let client = args.get(1);
            let node = if client.is_null() || client.is_undefined() {
                a.core.scene().nodes().into_iter().find(|n| n.key.uid == uid)
            } else {
                let client = id_of(&client).ok_or_else(|| type_error("client must be a client id"))?;
                a.core.scene().node(&NodeKey { client, uid })
            };
            Ok(node.map_or(JsValue::NULL, |n| node_to_js(a, n)))
        }),
    )?;
    put(
        "selected",
        &query(app, |a, _| {
            Ok(a.core
                .view()
                .selected
                .and_then(|k| a.core.scene().node(&k))
                .map_or(JsValue::NULL, |n| node_to_js(a, n)))
        }),
    )?;
    put("currentFrame", &query(app, |a, _| Ok(num(a.frame() as f64))))?;
    put("nFrames", &query(app, |a, _| Ok(num(a.core.scene().n_frames() as f64))))?;
    put(
        "playing",
        &query(app, |a, _| Ok(JsValue::from_bool(a.core.playback().playing()))),
    )?;
    put(
        "connection",
        &query(app, |a, _| Ok(JsValue::from_str(a.core.connection().name()))),
    )?;
    put(
        "clients",
        &query(app, |a, _| {
            Ok(a.core
                .clients()
                .values()
                .map(|c| {
                    obj(&[
                        ("id", num(c.id as f64)),
                        ("addr", JsValue::from_str(&c.addr)),
                        ("format", JsValue::from_str(&c.format)),
                    ])
                })
                .collect::<Array>()
                .into())
        }),
    )?;

    // Actions.
    put(
        "select",
        &action(app, |v, args| {
            let first = args.get(0);
            if first.is_null() || first.is_undefined() {
                v.select(None);
            } else {
                let (key, _) = key_arg(args, 0)?;
                v.select(Some(key));
            }
            Ok(JsValue::UNDEFINED)
        }),
    )?;
    put(
        "setVisible",
        &action(app, |v, args| {
            let (key, i) = key_arg(args, 0)?;
            v.set_visible(key, args.get(i).is_truthy());
            Ok(JsValue::UNDEFINED)
        }),
    )?;
    put(
        "setColor",
        &action(app, |v, args| {
            let (key, i) = key_arg(args, 0)?;
            let c = args.get(i);
            let len = Reflect::get(&c, &"length".into()).ok().and_then(|l| l.as_f64());
            let rgba = if len == Some(3.0) {
                let [r, g, b] = vec_arg::<3>(&c, "the colour")?;
                [r, g, b, 1.0]
            } else {
                vec_arg::<4>(&c, "the colour (RGBA 0-1)")?
            };
            Ok(JsValue::from_bool(v.set_color(key, rgba)))
        }),
    )?;
    put(
        "setPosition",
        &action(app, |v, args| {
            let (key, i) = key_arg(args, 0)?;
            let p = vec_arg::<3>(&args.get(i), "the position")?;
            Ok(JsValue::from_bool(v.set_position(key, p)))
        }),
    )?;
    put(
        "centerOn",
        &action(app, |v, args| {
            let (key, _) = key_arg(args, 0)?;
            Ok(JsValue::from_bool(v.center_on(key)))
        }),
    )?;
    put(
        "setFrame",
        &action(app, |v, args| {
            let f = args
                .get(0)
                .as_f64()
                .ok_or_else(|| type_error("setFrame(n) needs a number"))?;
            v.set_frame(f as i64);
            Ok(JsValue::UNDEFINED)
        }),
    )?;
    put(
        "play",
        &action(app, |v, _| {
            v.set_playing(true);
            Ok(JsValue::UNDEFINED)
        }),
    )?;
    put(
        "pause",
        &action(app, |v, _| {
            v.set_playing(false);
            Ok(JsValue::UNDEFINED)
        }),
    )?;
    put(
        "fit",
        &action(app, |v, _| {
            v.fit_scene();
            Ok(JsValue::UNDEFINED)
        }),
    )?;

    // Page UI.
    put(
        "addPanel",
        &func(app, |_, args| {
            let title = args.get(0).as_string().unwrap_or_else(|| "Custom".to_owned());
            panels::add(&title).map(Into::into)
        }),
    )?;

    Object::freeze(&api);
    Reflect::set(&window, &JsValue::from_str("meshcast"), &api)?;
    Ok(())
}

fn remove_handler(app: &Shared, f: &JsValue) -> Result<(), JsValue> {
    let mut a = app.try_borrow_mut().map_err(|_| busy())?;
    a.ext.js_handlers.retain(|h| JsValue::from(h.clone()) != *f);
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
        let js = message_to_js(m);
        for h in &handlers {
            if let Err(e) = h.call1(&JsValue::NULL, &js) {
                web_sys::console::error_2(&JsValue::from_str("meshcast: a message handler threw"), &e);
            }
        }
    }
}
