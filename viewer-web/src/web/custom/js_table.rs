//! The one table of the page's JavaScript API: every function of `window.meshcast` and of the
//! test hooks `window.__meshcast`, with the scope it is published in. Both objects call these
//! functions, so an argument is validated once: a bad one throws a `TypeError` naming what was
//! expected, and a call while the viewer is busy throws an `Error`.
//!
//! Node arguments are a node object (anything with numeric `client` and `uid`, such as what
//! `nodes()` returns) or two numbers `client, uid`.

use std::cell::{Ref, RefMut};

use js_sys::{Array, Function, Reflect};
use meshcast_protocol::ClientId;
use meshcast_scene::NodeKey;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::context::ViewerContext;
use super::js_api::{busy, floats, func, id_of, key_arg, node_to_js, num, obj, remove_handler, type_error, vec_arg};
use super::js_value::from_js;
use super::outbox::SendError;
use super::panels;
use super::JsHandler;
use crate::core::{Action, BodyPart};
use crate::smpl_bodies::BodyStatus;
use crate::web::actions;
use crate::web::command::Command;
use crate::web::Page;
use crate::web::Shared;

/// Where an entry is published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// `window.meshcast` (documented in `docs/customising.md`) and `window.__meshcast`.
    Public,
    /// Only `window.__meshcast`: hooks for tests and benchmarks (`docs/viewer.md`).
    TestHooks,
}

/// One function of the API: its arguments (up to four) and its result or JavaScript error.
pub type Call = fn(&Shared, &Array) -> Result<JsValue, JsValue>;

/// The API: name, scope, function.
pub const API: &[(&str, Scope, Call)] = &[
    // Messages.
    ("onMessage", Scope::Public, on_message),
    ("offMessage", Scope::Public, off_message),
    ("sendToClients", Scope::Public, send_to_clients),
    // Queries.
    ("nodes", Scope::Public, nodes),
    ("node", Scope::Public, node),
    ("nodeByRemoteUid", Scope::Public, node_by_remote_uid),
    ("selected", Scope::Public, selected),
    ("currentFrame", Scope::Public, current_frame),
    ("nFrames", Scope::Public, n_frames),
    ("playing", Scope::Public, playing),
    ("connection", Scope::Public, connection),
    ("clients", Scope::Public, clients),
    // Actions.
    ("select", Scope::Public, select),
    ("setVisible", Scope::Public, set_visible),
    ("setPartVisible", Scope::Public, set_part_visible),
    ("setColor", Scope::Public, set_color),
    ("setPosition", Scope::Public, set_position),
    ("centerOn", Scope::Public, center_on),
    ("setFrame", Scope::Public, set_frame),
    ("play", Scope::Public, play),
    ("pause", Scope::Public, pause),
    ("fit", Scope::Public, fit),
    ("setInspect", Scope::Public, set_inspect),
    ("setShadows", Scope::Public, set_shadows),
    ("inspectAt", Scope::Public, inspect_at),
    // Recordings.
    ("openRecording", Scope::Public, open_recording),
    ("saveScene", Scope::Public, save_scene),
    // Page UI.
    ("addPanel", Scope::Public, add_panel),
    // Test hooks.
    ("fps", Scope::TestHooks, fps),
    ("backend", Scope::TestHooks, backend),
    ("stats", Scope::TestHooks, stats),
    ("resetStats", Scope::TestHooks, reset_stats),
    ("redraw", Scope::TestHooks, redraw),
    ("screenshot", Scope::TestHooks, screenshot),
    ("screenshotPng", Scope::Public, screenshot_png),
    ("exportVideo", Scope::Public, export_video),
    ("cancelExport", Scope::Public, cancel_export),
    ("camera", Scope::TestHooks, camera),
    ("cameraAnimating", Scope::TestHooks, camera_animating),
    ("smplVertices", Scope::TestHooks, smpl_vertices),
    ("smplJoints", Scope::TestHooks, smpl_joints),
    ("smplStatus", Scope::TestHooks, smpl_status),
    ("smplStats", Scope::TestHooks, smpl_stats),
];

fn read(app: &Shared) -> Result<Ref<'_, Page>, JsValue> {
    app.try_borrow().map_err(|_| busy())
}

fn write(app: &Shared) -> Result<RefMut<'_, Page>, JsValue> {
    app.try_borrow_mut().map_err(|_| busy())
}

/// Applies a core action; returns `undefined`.
fn act(app: &Shared, action: Action) -> Result<JsValue, JsValue> {
    write(app)?.act(action);
    Ok(JsValue::UNDEFINED)
}

/// Runs `f` with a [`ViewerContext`] (what Rust handlers can do).
fn with_context(app: &Shared, f: impl FnOnce(&mut ViewerContext<'_>) -> JsValue) -> Result<JsValue, JsValue> {
    let mut a = write(app)?;
    Ok(f(&mut ViewerContext::new(&mut a)))
}

/// A whole-number argument >= 0 (a frame index).
fn index_arg(args: &Array, i: u32, what: &str) -> Result<usize, JsValue> {
    id_of(&args.get(i))
        .map(|v| v as usize)
        .ok_or_else(|| type_error(&format!("{what} must be a whole number >= 0")))
}

fn on_message(app: &Shared, args: &Array) -> Result<JsValue, JsValue> {
    let f: Function = args
        .get(0)
        .dyn_into()
        .map_err(|_| type_error("onMessage(handler) needs a function"))?;
    let types = message_types(&args.get(1))?;
    write(app)?.ext.js_handlers.push(JsHandler { f: f.clone(), types });
    // The returned function unregisters the handler.
    Ok(func(app, move |app, _| {
        remove_handler(app, &f)?;
        Ok(JsValue::UNDEFINED)
    })
    .into())
}

/// `onMessage`'s options: `undefined` (every message) or `{types: [n, ...]}` (only those types).
fn message_types(options: &JsValue) -> Result<Option<Vec<i64>>, JsValue> {
    const WANT: &str = "onMessage(handler, options): options must be {types: [message type numbers]}";
    if options.is_undefined() || options.is_null() {
        return Ok(None);
    }
    let types = Reflect::get(options, &JsValue::from_str("types")).map_err(|_| type_error(WANT))?;
    if types.is_undefined() {
        return Ok(None);
    }
    let types: Array = types.dyn_into().map_err(|_| type_error(WANT))?;
    types
        .iter()
        .map(|t| id_of(&t).map(|v| v as i64).ok_or_else(|| type_error(WANT)))
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

fn off_message(app: &Shared, args: &Array) -> Result<JsValue, JsValue> {
    remove_handler(app, &args.get(0))?;
    Ok(JsValue::UNDEFINED)
}

fn send_to_clients(app: &Shared, args: &Array) -> Result<JsValue, JsValue> {
    let payload = from_js(&args.get(0)).map_err(|e| type_error(&format!("sendToClients: {e}")))?;
    let target = args.get(1);
    let client: Option<ClientId> = if target.is_null() || target.is_undefined() {
        None
    } else {
        Some(id_of(&target).ok_or_else(|| type_error("sendToClients: client must be a client id or null"))?)
    };
    let mut a = write(app)?;
    match ViewerContext::new(&mut a).send_to_clients(payload, client) {
        Ok(()) => Ok(JsValue::TRUE),
        Err(SendError::NotConnected) => Ok(JsValue::FALSE),
        Err(e) => Err(js_sys::Error::new(&e.to_string()).into()),
    }
}

fn nodes(app: &Shared, _: &Array) -> Result<JsValue, JsValue> {
    let a = read(app)?;
    Ok(a.core
        .scene()
        .nodes()
        .into_iter()
        .map(|n| node_to_js(&a, n))
        .collect::<Array>()
        .into())
}

fn node(app: &Shared, args: &Array) -> Result<JsValue, JsValue> {
    let (key, _) = key_arg(args, 0)?;
    let a = read(app)?;
    Ok(a.core.scene().node(&key).map_or(JsValue::NULL, |n| node_to_js(&a, n)))
}

fn node_by_remote_uid(app: &Shared, args: &Array) -> Result<JsValue, JsValue> {
    let uid = id_of(&args.get(0)).ok_or_else(|| type_error("nodeByRemoteUid(uid, client) needs a uid"))?;
    let client = args.get(1);
    let client = if client.is_null() || client.is_undefined() {
        None
    } else {
        Some(id_of(&client).ok_or_else(|| type_error("client must be a client id"))?)
    };
    let a = read(app)?;
    let scene = a.core.scene();
    let node = match client {
        None => scene.nodes().into_iter().find(|n| n.key().uid == uid),
        Some(client) => scene.node(&NodeKey { client, uid }),
    };
    Ok(node.map_or(JsValue::NULL, |n| node_to_js(&a, n)))
}

fn selected(app: &Shared, _: &Array) -> Result<JsValue, JsValue> {
    let a = read(app)?;
    Ok(a.core
        .selected()
        .and_then(|k| a.core.scene().node(&k))
        .map_or(JsValue::NULL, |n| node_to_js(&a, n)))
}

fn current_frame(app: &Shared, _: &Array) -> Result<JsValue, JsValue> {
    Ok(num(read(app)?.frame() as f64))
}

fn n_frames(app: &Shared, _: &Array) -> Result<JsValue, JsValue> {
    Ok(num(read(app)?.core.scene().n_frames() as f64))
}

fn playing(app: &Shared, _: &Array) -> Result<JsValue, JsValue> {
    Ok(JsValue::from_bool(read(app)?.core.playback().playing()))
}

fn connection(app: &Shared, _: &Array) -> Result<JsValue, JsValue> {
    Ok(JsValue::from_str(read(app)?.core.connection().name()))
}

fn clients(app: &Shared, _: &Array) -> Result<JsValue, JsValue> {
    Ok(read(app)?
        .core
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
}

fn select(app: &Shared, args: &Array) -> Result<JsValue, JsValue> {
    let first = args.get(0);
    let key = if first.is_null() || first.is_undefined() {
        None
    } else {
        Some(key_arg(args, 0)?.0)
    };
    act(app, Action::Select(key))
}

fn set_visible(app: &Shared, args: &Array) -> Result<JsValue, JsValue> {
    let (key, i) = key_arg(args, 0)?;
    act(app, Action::SetVisible(key, args.get(i).is_truthy()))
}

/// `setPartVisible(node | client, uid, part, visible)`: `part` is `"mesh"`, `"skeleton"` or
/// `"joint_angles"`.
fn set_part_visible(app: &Shared, args: &Array) -> Result<JsValue, JsValue> {
    let (key, i) = key_arg(args, 0)?;
    let part = args
        .get(i)
        .as_string()
        .and_then(|s| BodyPart::from_id(&s))
        .ok_or_else(|| type_error("the part must be \"mesh\", \"skeleton\" or \"joint_angles\""))?;
    act(app, Action::SetPartVisible(key, part, args.get(i + 1).is_truthy()))
}

fn set_color(app: &Shared, args: &Array) -> Result<JsValue, JsValue> {
    let (key, i) = key_arg(args, 0)?;
    let c = args.get(i);
    let len = Reflect::get(&c, &"length".into()).ok().and_then(|l| l.as_f64());
    let rgba = if len == Some(3.0) {
        let [r, g, b] = vec_arg::<3>(&c, "the colour")?;
        [r, g, b, 1.0]
    } else {
        vec_arg::<4>(&c, "the colour (RGBA 0-1)")?
    };
    with_context(app, |v| JsValue::from_bool(v.set_color(key, rgba)))
}

fn set_position(app: &Shared, args: &Array) -> Result<JsValue, JsValue> {
    let (key, i) = key_arg(args, 0)?;
    let p = vec_arg::<3>(&args.get(i), "the position")?;
    with_context(app, |v| JsValue::from_bool(v.set_position(key, p)))
}

fn center_on(app: &Shared, args: &Array) -> Result<JsValue, JsValue> {
    let (key, _) = key_arg(args, 0)?;
    with_context(app, |v| JsValue::from_bool(v.center_on(key)))
}

fn set_frame(app: &Shared, args: &Array) -> Result<JsValue, JsValue> {
    let f = args
        .get(0)
        .as_f64()
        .ok_or_else(|| type_error("setFrame(n) needs a number"))?;
    act(app, Action::SetFrame(f as i64))
}

fn play(app: &Shared, _: &Array) -> Result<JsValue, JsValue> {
    act(app, Action::SetPlaying(true))
}

fn pause(app: &Shared, _: &Array) -> Result<JsValue, JsValue> {
    act(app, Action::SetPlaying(false))
}

/// Fits the camera to the scene, as the user's A: the automatic camera target is off after it.
fn fit(app: &Shared, _: &Array) -> Result<JsValue, JsValue> {
    act(app, Action::FitScene { by_user: true })
}

/// `setShadows(on)`: shadows (S) on or off.
fn set_shadows(app: &Shared, args: &Array) -> Result<JsValue, JsValue> {
    act(app, Action::SetShadows(args.get(0).is_truthy()))
}

/// `setInspect(on)`: inspect mode (I) on or off.
fn set_inspect(app: &Shared, args: &Array) -> Result<JsValue, JsValue> {
    act(app, Action::SetInspect(args.get(0).is_truthy()))
}

/// `inspectAt(x, y)` (CSS pixels in the canvas): what is under that point, as inspect mode
/// shows it: `{client, uid, name, frame, face, vertex, instance, sphere, segment, point}` (the
/// indices that do not apply are `null`), or `null` over empty space.
fn inspect_at(app: &Shared, args: &Array) -> Result<JsValue, JsValue> {
    let coord = |i: u32| {
        args.get(i)
            .as_f64()
            .filter(|v| v.is_finite())
            .ok_or_else(|| type_error("inspectAt(x, y) takes two numbers (CSS pixels in the canvas)"))
    };
    let (x, y) = (coord(0)?, coord(1)?);
    let a = read(app)?;
    let (w, h) = (
        f64::from(a.ui.canvas.client_width()),
        f64::from(a.ui.canvas.client_height()),
    );
    let Some(hit) = a.hit_at(x, y, w, h) else {
        return Ok(JsValue::NULL);
    };
    let index = |i: Option<usize>| i.map_or(JsValue::NULL, |i| num(i as f64));
    let [face, vertex, instance, sphere, segment] = hit.element.indices();
    let name = a.core.scene().node(&hit.key).map_or("", |n| n.name());
    Ok(obj(&[
        ("client", num(hit.key.client as f64)),
        ("uid", num(hit.key.uid as f64)),
        ("name", JsValue::from_str(name)),
        ("frame", num(hit.data_frame as f64)),
        ("face", index(face)),
        ("vertex", index(vertex)),
        ("instance", index(instance)),
        ("sphere", index(sphere)),
        ("segment", index(segment)),
        ("point", floats(&hit.point.to_array())),
    ]))
}

fn add_panel(_: &Shared, args: &Array) -> Result<JsValue, JsValue> {
    let title = args.get(0).as_string().unwrap_or_else(|| "Custom".to_owned());
    panels::add(&title).map(Into::into)
}

fn fps(app: &Shared, _: &Array) -> Result<JsValue, JsValue> {
    Ok(num(read(app)?.core.playback().fps()))
}

fn backend(app: &Shared, _: &Array) -> Result<JsValue, JsValue> {
    Ok(JsValue::from_str(read(app)?.gpu.backend.name()))
}

fn stats(app: &Shared, _: &Array) -> Result<JsValue, JsValue> {
    let a = read(app)?;
    let s = a.core.stats();
    let r = a.renderer.stats();
    Ok(obj(&[
        ("framesRendered", num(s.frames_rendered as f64)),
        ("cpuMsLast", num(s.cpu_ms_last)),
        ("cpuMsAvg", num(s.cpu_ms_avg())),
        ("uploadMsLast", num(a.pacer.upload_ms())),
        ("cpuFrames", num(s.cpu_frames as f64)),
        ("fps", num(s.fps)),
        ("messages", num(s.messages as f64)),
        ("rejected", num(s.rejected as f64)),
        ("bytesReceived", num(s.bytes_received as f64)),
        ("bytesWarmed", num(s.bytes_warmed as f64)),
        ("decodeMs", num(s.decode_ms)),
        ("applyMs", num(s.apply_ms)),
        ("redrawsDeferred", num(a.pacer.deferred() as f64)),
        ("redrawPending", JsValue::from_bool(a.dirty.redraw)),
        ("gpuFrameMs", a.pacer.gpu_frame_ms().map_or(JsValue::NULL, num)),
        ("drawCalls", num(r.draw_calls as f64)),
        ("instances", num(r.instances as f64)),
        ("gpuBytes", num(r.gpu_bytes as f64)),
        ("framesStale", num(r.frames_stale as f64)),
        ("firstFrameMs", s.first_frame_ms.map_or(JsValue::NULL, num)),
        ("sceneChangedAtMs", s.scene_changed_at_ms.map_or(JsValue::NULL, num)),
    ]))
}

fn reset_stats(app: &Shared, _: &Array) -> Result<JsValue, JsValue> {
    act(app, Action::ResetCpuStats)
}

/// Renders a new frame even though nothing changed (benchmarks).
fn redraw(app: &Shared, _: &Array) -> Result<JsValue, JsValue> {
    write(app)?.dirty.redraw = true;
    Ok(JsValue::UNDEFINED)
}

/// `openRecording(bytes, name?)`: shows the recording in `bytes` (a `Uint8Array` or an
/// `ArrayBuffer`); returns `{applied, skipped, tornTail}` or throws an `Error` naming the byte
/// offset of what is wrong.
fn open_recording(app: &Shared, args: &Array) -> Result<JsValue, JsValue> {
    let data = args.get(0);
    let bytes = if let Some(b) = data.dyn_ref::<js_sys::Uint8Array>() {
        b.to_vec()
    } else if data.is_instance_of::<js_sys::ArrayBuffer>() {
        js_sys::Uint8Array::new(&data).to_vec()
    } else {
        return Err(type_error(
            "openRecording(bytes, name?) needs a Uint8Array or an ArrayBuffer",
        ));
    };
    let name = args.get(1).as_string().unwrap_or_else(|| "recording".to_owned());
    let opened = crate::web::recording::open_bytes(app, &bytes, &name).map_err(|e| js_sys::Error::new(&e))?;
    Ok(obj(&[
        ("applied", num(opened.applied as f64)),
        ("skipped", num(opened.skipped.len() as f64)),
        (
            "tornTail",
            opened.torn_tail.map_or(JsValue::NULL, |t| JsValue::from_str(&t)),
        ),
    ]))
}

/// `saveScene()`: the scene shown as recording bytes (a `Uint8Array`).
fn save_scene(app: &Shared, _: &Array) -> Result<JsValue, JsValue> {
    let bytes = crate::web::recording::scene_bytes(app).map_err(|e| js_sys::Error::new(&e))?;
    Ok(js_sys::Uint8Array::from(bytes.as_slice()).into())
}

fn screenshot(app: &Shared, _: &Array) -> Result<JsValue, JsValue> {
    // Fails early when busy; the download itself runs with the app released.
    drop(read(app)?);
    actions::run(app, Command::Screenshot);
    Ok(JsValue::UNDEFINED)
}

/// `screenshotPng({transparent})`: a promise of the frame as a PNG `Blob`, rendered off the
/// canvas at its size; `transparent: true` leaves out the background and the floor
/// (aitviewer's screenshot option).
fn screenshot_png(app: &Shared, args: &Array) -> Result<JsValue, JsValue> {
    let opts = args.get(0);
    let transparent = opts.is_object() && Reflect::get(&opts, &"transparent".into()).is_ok_and(|v| v.is_truthy());
    drop(read(app)?);
    Ok(crate::web::screenshot::png(app, transparent).into())
}

/// `exportVideo(options)`: a promise of the video (`video/webm`) or the PNG frames
/// (`application/zip`) as a `Blob`, rendered frame by frame (`web::video`, `docs/video.md`).
fn export_video(app: &Shared, args: &Array) -> Result<JsValue, JsValue> {
    let req = crate::web::video::request_from_js(&args.get(0))?;
    drop(read(app)?);
    Ok(crate::web::video::export(app, req).into())
}

/// `cancelExport()`: stops the running video export (its promise rejects with an `AbortError`);
/// returns whether one was running.
fn cancel_export(app: &Shared, _: &Array) -> Result<JsValue, JsValue> {
    Ok(JsValue::from_bool(crate::web::video::cancel(app)))
}

fn camera(app: &Shared, _: &Array) -> Result<JsValue, JsValue> {
    let a = read(app)?;
    let c = a.core.camera();
    let v3 = |v: glam::Vec3| floats(&v.to_array());
    Ok(obj(&[
        ("eye", v3(c.eye())),
        ("target", v3(c.target)),
        ("up", v3(c.up())),
        ("mode", JsValue::from_str(c.mode.name())),
        ("fov", num(f64::from(c.fov_y.to_degrees()))),
        ("distance", num(f64::from(c.distance))),
        ("orthographic", JsValue::from_bool(c.orthographic)),
    ]))
}

fn camera_animating(app: &Shared, _: &Array) -> Result<JsValue, JsValue> {
    Ok(JsValue::from_bool(read(app)?.core.camera_animating()))
}

/// `Float32Array` of a body's evaluated vertices (or joints) at a data frame, or null.
fn smpl_array(app: &Shared, args: &Array, joints: bool) -> Result<JsValue, JsValue> {
    let (key, i) = key_arg(args, 0)?;
    let frame = index_arg(args, i, "the frame")?;
    let a = read(app)?;
    let bodies = &a.smpl.bodies;
    let values = if joints {
        bodies.joints(&key, frame)
    } else {
        bodies.vertices(&key, frame)
    };
    Ok(values.map_or(JsValue::NULL, |v| js_sys::Float32Array::from(v.as_slice()).into()))
}

fn smpl_vertices(app: &Shared, args: &Array) -> Result<JsValue, JsValue> {
    smpl_array(app, args, false)
}

fn smpl_joints(app: &Shared, args: &Array) -> Result<JsValue, JsValue> {
    smpl_array(app, args, true)
}

fn smpl_status(app: &Shared, args: &Array) -> Result<JsValue, JsValue> {
    let (key, _) = key_arg(args, 0)?;
    let a = read(app)?;
    let Some(status) = a.smpl.bodies.status(&key) else {
        return Ok(JsValue::NULL);
    };
    let state = match status {
        BodyStatus::Loaded { .. } => "loaded",
        BodyStatus::Waiting { .. } => "waiting",
        BodyStatus::Missing { .. } => "missing",
        BodyStatus::Failed { .. } => "failed",
    };
    Ok(obj(&[
        ("state", JsValue::from_str(state)),
        ("frames", num(a.smpl.bodies.num_frames(&key) as f64)),
        (
            "message",
            status.message().map_or(JsValue::NULL, |m| JsValue::from_str(&m)),
        ),
    ]))
}

fn smpl_stats(app: &Shared, _: &Array) -> Result<JsValue, JsValue> {
    let a = read(app)?;
    Ok(obj(&[
        ("framesEvaluated", num(a.smpl.frames_evaluated as f64)),
        ("evalMs", num(a.smpl.eval_ms)),
    ]))
}
