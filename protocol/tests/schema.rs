//! The kinds table and a set of golden messages as committed files, so that other languages can
//! be checked against this crate without running it:
//!
//! - `protocol/schema/kinds.json`: the kinds table ([`NodeKind::spec`]) and the message types;
//! - `client/python/meshcast/_kinds.json`: the same file, shipped inside the Python package;
//! - `protocol/schema/golden/*.msgpack`: representative messages as this crate encodes them, with
//!   `index.json` describing each one (see `docs/protocol.md` for the description format).
//!
//! The test regenerates everything in memory and fails when a committed file differs. After a
//! change to the table or the encoding, rewrite the files with
//! `MESHCAST_UPDATE_SCHEMA=1 cargo test -p meshcast-protocol --test schema` and commit them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use meshcast_protocol::{
    encode, encode_envelope, Allowed, CreateNode, DType, Dim, Envelope, FieldSpec, MessageType, NdArray, NodeKind,
    OptionDefault, OptionSpec, RangeValue, RelayToClient, SmplModelType, Value, COMMON_FIELDS, USER_MESSAGE,
};
use serde::Serialize;
use serde_json::{json, Value as Json};

const UPDATE_VAR: &str = "MESHCAST_UPDATE_SCHEMA";
const UPDATE_COMMAND: &str = "MESHCAST_UPDATE_SCHEMA=1 cargo test -p meshcast-protocol --test schema";

// ---- The kinds table as JSON ----

#[derive(Serialize)]
struct Schema {
    #[serde(rename = "//")]
    note: &'static str,
    message_types: Vec<MessageTypeJson>,
    user_message: i64,
    common_fields: Vec<FieldJson>,
    smpl_models: Vec<SmplModelJson>,
    kinds: Vec<KindJson>,
}

#[derive(Serialize)]
struct MessageTypeJson {
    code: i64,
    name: &'static str,
}

#[derive(Serialize)]
struct SmplModelJson {
    name: &'static str,
    body_pose_len: usize,
    parts: &'static [&'static str],
}

#[derive(Serialize)]
struct KindJson {
    code: i64,
    name: &'static str,
    class_name: &'static str,
    remote_class: &'static str,
    fields: Vec<FieldJson>,
    options: Vec<OptionJson>,
    add_params: &'static [&'static str],
    update_params: &'static [&'static str],
    positional: &'static [&'static str],
    default_color: [f32; 4],
}

#[derive(Serialize)]
struct FieldJson {
    name: &'static str,
    role: &'static str,
    dims: Vec<Json>,
    dtype: &'static str,
    frame_op: bool,
}

#[derive(Serialize)]
struct OptionJson {
    name: &'static str,
    #[serde(rename = "type")]
    ty: &'static str,
    default: Json,
    #[serde(skip_serializing_if = "Option::is_none")]
    min: Option<Json>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max: Option<Json>,
    #[serde(skip_serializing_if = "Option::is_none")]
    one_of: Option<&'static [&'static str]>,
}

/// A number as JSON, whole numbers as integers (so that other languages print `3`, not `3.0`).
fn number(x: f64) -> Json {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        json!(x as i64)
    } else {
        json!(x)
    }
}

fn field_json(f: &FieldSpec) -> FieldJson {
    FieldJson {
        name: f.name,
        role: f.role.as_str(),
        dims: f
            .dims
            .iter()
            .map(|d| match d {
                Dim::Fixed(n) => json!(n),
                Dim::Sym(c) => json!(c.to_string()),
                Dim::Any => Json::Null,
            })
            .collect(),
        dtype: f.dtype.as_str(),
        frame_op: f.frame_op,
    }
}

fn option_json(o: &OptionSpec) -> OptionJson {
    let default = match o.default {
        OptionDefault::Unset | OptionDefault::ClassName | OptionDefault::KindColor => Json::Null,
        OptionDefault::Bool(b) => json!(b),
        OptionDefault::Int(i) => json!(i),
        OptionDefault::Number(x) => json!(x),
        OptionDefault::Str(s) => json!(s),
        OptionDefault::Rgba(c) => json!(c),
    };
    let (min, max, one_of) = match o.allowed {
        Allowed::Any => (None, None, None),
        Allowed::Range { min, max } => (Some(number(min)), max.map(number), None),
        Allowed::OneOf(v) => (None, None, Some(v)),
    };
    OptionJson {
        name: o.name,
        ty: o.ty.as_str(),
        default,
        min,
        max,
        one_of,
    }
}

fn kinds_json() -> String {
    let schema = Schema {
        note: "Generated from protocol/src/kinds.rs by protocol/tests/schema.rs; do not edit. \
               Regenerate: MESHCAST_UPDATE_SCHEMA=1 cargo test -p meshcast-protocol --test schema",
        message_types: MessageType::BUILTIN
            .iter()
            .map(|t| MessageTypeJson {
                code: t.code(),
                name: t.name(),
            })
            .collect(),
        user_message: USER_MESSAGE,
        common_fields: COMMON_FIELDS.iter().map(field_json).collect(),
        smpl_models: SmplModelType::ALL
            .iter()
            .map(|m| SmplModelJson {
                name: m.as_str(),
                body_pose_len: m.body_pose_len(),
                parts: m.parts(),
            })
            .collect(),
        kinds: NodeKind::ALL
            .iter()
            .map(|&k| {
                let s = k.spec();
                KindJson {
                    code: s.message_type.code(),
                    name: k.name(),
                    class_name: s.class_name,
                    remote_class: s.remote_class,
                    fields: s.fields.iter().map(field_json).collect(),
                    options: k.options().map(|o| option_json(&o)).collect(),
                    add_params: s.add_params,
                    update_params: s.update_params,
                    positional: s.positional,
                    default_color: s.default_color,
                }
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&schema).expect("the schema serialises");
    text.push('\n');
    text
}

// ---- Golden messages ----

/// A value as JSON for the golden index: plain JSON for nil, bools, numbers (floats always with
/// a fraction or exponent), strings, lists and string-keyed maps; `{"$ndarray": {dtype, shape,
/// data}}`, `{"$range": [start, stop, step]}` and `{"$bytes": "hex"}` for the rest.
fn describe(v: &Value) -> Json {
    match v {
        Value::Nil => Json::Null,
        Value::Bool(b) => json!(b),
        Value::Int(i) => json!(i),
        Value::Float(x) => json!(x),
        Value::Str(s) => json!(s),
        Value::Bin(b) => json!({ "$bytes": b.iter().map(|x| format!("{x:02x}")).collect::<String>() }),
        Value::List(items) => Json::Array(items.iter().map(describe).collect()),
        Value::Map(entries) => Json::Object(
            entries
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().expect("golden maps have string keys").to_owned(),
                        describe(v),
                    )
                })
                .collect(),
        ),
        Value::Array(a) => {
            let data: Vec<Json> = if matches!(a.dtype(), DType::F16 | DType::F32 | DType::F64) {
                a.to_f64_vec().into_iter().map(|x| json!(x)).collect()
            } else {
                a.to_i64_vec().into_iter().map(|x| json!(x)).collect()
            };
            json!({ "$ndarray": { "dtype": format!("<{}", a.dtype().numpy_code()), "shape": a.shape(), "data": data } })
        }
        Value::Range(r) => json!({ "$range": [r.start, r.stop, r.step] }),
    }
}

fn describe_envelope(env: &Envelope) -> Json {
    json!({
        "type": env.msg_type,
        "uid": env.uid,
        "args": env.args.iter().map(describe).collect::<Vec<_>>(),
        "kwargs": env.kwargs.iter().map(|(k, v)| (k.clone(), describe(v))).collect::<serde_json::Map<_, _>>(),
    })
}

/// One golden message: its file name (without `.msgpack`), what it shows, how it travels and its
/// bytes.
struct Golden {
    name: &'static str,
    note: &'static str,
    direction: &'static str,
    message: Json,
    bytes: Vec<u8>,
}

fn f32s(shape: &[usize], values: &[f32]) -> Value {
    Value::Array(NdArray::from_f32(shape, values).expect("golden array"))
}

fn i32s(shape: &[usize], values: &[i32]) -> Value {
    Value::Array(NdArray::from_i32(shape, values).expect("golden array"))
}

/// `n` values counting up by a quarter from `start` (exact in f32 and in JSON).
fn ramp(start: f32, n: usize) -> Vec<f32> {
    (0..n).map(|i| start + i as f32 * 0.25).collect()
}

fn env(t: MessageType, uid: Option<u64>, args: Vec<Value>, kwargs: &[(&str, Value)]) -> Envelope {
    Envelope {
        msg_type: t.code(),
        uid,
        args,
        kwargs: kwargs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect(),
    }
}

fn rgba(c: [f32; 4]) -> Value {
    Value::List(c.iter().map(|&x| Value::Float(f64::from(x))).collect())
}

fn envelopes() -> Vec<(&'static str, &'static str, Envelope)> {
    use MessageType as M;
    let tri = f32s(&[3, 3], &[0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0]);
    vec![
        (
            "node_positional",
            "NODE with aitviewer's positional arguments (name, icon) and a per-frame position",
            env(
                M::Node,
                Some(1),
                vec![Value::from("root"), Value::Nil],
                &[("position", f32s(&[2, 3], &ramp(0.0, 6)))],
            ),
        ),
        (
            "meshes_create",
            "MESHES: vertices (V,3), integer faces, the default colour and bool options",
            env(
                M::Meshes,
                Some(2),
                vec![],
                &[
                    ("vertices", tri.clone()),
                    ("faces", i32s(&[1, 3], &[0, 1, 2])),
                    ("color", rgba(NodeKind::Meshes.default_color())),
                    ("name", Value::from("triangle")),
                    ("flat_shading", Value::Bool(true)),
                    ("vertex_colors", f32s(&[3, 4], &ramp(0.0, 12))),
                ],
            ),
        ),
        (
            "spheres_create",
            "SPHERES: two frames of positions (N,P,3), radius, tessellation",
            env(
                M::Spheres,
                Some(3),
                vec![],
                &[
                    ("positions", f32s(&[2, 2, 3], &ramp(-1.0, 12))),
                    ("radius", Value::Float(0.05)),
                    ("rings", Value::Int(16)),
                    ("sectors", Value::Int(32)),
                    ("color", f32s(&[2, 4], &ramp(0.0, 8))),
                ],
            ),
        ),
        (
            "lines_create",
            "LINES: segments (mode lines), r_tip nil",
            env(
                M::Lines,
                Some(4),
                vec![],
                &[
                    ("lines", f32s(&[4, 3], &ramp(0.0, 12))),
                    ("mode", Value::from("lines")),
                    ("r_base", Value::Float(0.01)),
                    ("r_tip", Value::Nil),
                ],
            ),
        ),
        (
            "arrows_create",
            "ARROWS: origins and tips (B,3)",
            env(
                M::Arrows,
                Some(5),
                vec![],
                &[
                    ("origins", f32s(&[2, 3], &ramp(0.0, 6))),
                    ("tips", f32s(&[2, 3], &ramp(1.0, 6))),
                    ("p", Value::Float(0.25)),
                ],
            ),
        ),
        (
            "rigid_bodies_create",
            "RIGID_BODIES: positions (R,3) and orientations (R,3,3)",
            env(
                M::RigidBodies,
                Some(6),
                vec![],
                &[
                    ("rb_pos", f32s(&[1, 3], &[0.0, 1.0, 2.0])),
                    (
                        "rb_ori",
                        f32s(&[1, 3, 3], &[1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]),
                    ),
                    ("length", Value::Float(0.5)),
                ],
            ),
        ),
        (
            "skeletons_create",
            "SKELETONS: joint positions and integer connections with a -1 row",
            env(
                M::Skeletons,
                Some(7),
                vec![],
                &[
                    ("joint_positions", tri.clone()),
                    ("joint_connections", i32s(&[3, 2], &[0, 1, 1, 2, -1, 0])),
                    ("radius", Value::Float(0.02)),
                ],
            ),
        ),
        (
            "smpl_create",
            "SMPL: two frames of body poses (N,69), shared betas, model options",
            env(
                M::Smpl,
                Some(8),
                vec![],
                &[
                    ("poses_body", f32s(&[2, 69], &ramp(0.0, 138))),
                    ("betas", f32s(&[10], &ramp(0.0, 10))),
                    ("trans", f32s(&[2, 3], &ramp(0.0, 6))),
                    ("model_type", Value::from("smpl")),
                    ("gender", Value::from("female")),
                    ("num_betas", Value::Int(10)),
                    ("is_rigged", Value::Bool(false)),
                ],
            ),
        ),
        (
            "add_frames",
            "ADD_FRAMES: one more frame of mesh vertices, batch form (K,V,3)",
            env(
                M::AddFrames,
                Some(2),
                vec![],
                &[("vertices", f32s(&[1, 3, 3], &ramp(0.0, 9)))],
            ),
        ),
        (
            "add_frames_positional",
            "ADD_FRAMES with aitviewer's positional arguments (origins, tips)",
            env(
                M::AddFrames,
                Some(5),
                vec![f32s(&[2, 3], &ramp(0.0, 6)), f32s(&[2, 3], &ramp(2.0, 6))],
                &[],
            ),
        ),
        (
            "update_frames_range",
            "UPDATE_FRAMES: one frame of positions written to range(0, 2)",
            env(
                M::UpdateFrames,
                Some(3),
                vec![],
                &[
                    ("positions", f32s(&[2, 3], &ramp(0.5, 6))),
                    (
                        "frames",
                        Value::Range(RangeValue {
                            start: 0,
                            stop: 2,
                            step: 1,
                        }),
                    ),
                ],
            ),
        ),
        (
            "update_frames_list",
            "UPDATE_FRAMES: frames as a list of ints, negative from the end",
            env(
                M::UpdateFrames,
                Some(2),
                vec![],
                &[
                    ("vertices", tri),
                    ("frames", Value::List(vec![Value::Int(0), Value::Int(-1)])),
                ],
            ),
        ),
        (
            "remove_frames",
            "REMOVE_FRAMES: one frame by index",
            env(M::RemoveFrames, Some(2), vec![], &[("frames", Value::Int(0))]),
        ),
        ("delete", "DELETE a node", env(M::Delete, Some(4), vec![], &[])),
        (
            "set_frame",
            "SET_FRAME: the frame as the one positional argument",
            env(M::SetFrame, None, vec![Value::Int(3)], &[]),
        ),
        ("next_frame", "NEXT_FRAME", env(M::NextFrame, None, vec![], &[])),
        (
            "previous_frame",
            "PREVIOUS_FRAME",
            env(M::PreviousFrame, None, vec![], &[]),
        ),
        (
            "flush",
            "FLUSH: meshcast's request for an Ack",
            env(M::Flush, None, vec![], &[]),
        ),
        (
            "user_message",
            "a user message (type >= 10000): any values, forwarded untouched",
            env(
                MessageType::User(USER_MESSAGE + 1),
                None,
                vec![
                    Value::from("hello"),
                    Value::Float(1.5),
                    Value::Int(-300),
                    Value::Int(1 << 40),
                    Value::Bool(true),
                    Value::Nil,
                    Value::Bin(vec![0u8, 1, 255].into()),
                ],
                &[(
                    "payload",
                    Value::Map(vec![
                        (
                            Value::from("list"),
                            Value::List(vec![Value::Int(1), Value::from("two")]),
                        ),
                        (Value::from("n"), Value::Int(200)),
                    ]),
                )],
            ),
        ),
    ]
}

fn golden() -> Vec<Golden> {
    let mut out: Vec<Golden> = envelopes()
        .into_iter()
        .map(|(name, note, env)| Golden {
            name,
            note,
            direction: "client_to_relay",
            message: describe_envelope(&env),
            bytes: encode_envelope(&env),
        })
        .collect();
    // A real validation error, as the relay reports it.
    let bad = env(
        MessageType::Meshes,
        Some(9),
        vec![],
        &[
            ("vertices", f32s(&[3, 3], &[0.0; 9])),
            ("faces", i32s(&[1, 3], &[0, 1, 5])),
        ],
    );
    let error = CreateNode::parse(NodeKind::Meshes, &bad).expect_err("face index 5 is out of range");
    let replies = [
        (
            "reply_ack",
            "the relay's Ack of a FLUSH",
            RelayToClient::Ack { seq: 18 },
        ),
        (
            "reply_error",
            "the relay's Error for a rejected message (here a face index out of range)",
            RelayToClient::Error {
                seq: 3,
                msg_type: Some(MessageType::Meshes.code()),
                uid: Some(9),
                message: error.to_string(),
            },
        ),
        (
            "reply_from_viewer",
            "a message a viewer sent to the client",
            RelayToClient::FromViewer {
                viewer: 1,
                payload: Value::Map(vec![(Value::from("clicked"), Value::Int(2))]),
            },
        ),
    ];
    for (name, note, reply) in replies {
        let message = match &reply {
            RelayToClient::Ack { seq } => json!({ "Ack": { "seq": seq } }),
            RelayToClient::Error {
                seq,
                msg_type,
                uid,
                message,
            } => json!({ "Error": { "seq": seq, "msg_type": msg_type, "uid": uid, "message": message } }),
            RelayToClient::FromViewer { viewer, payload } => {
                json!({ "FromViewer": { "viewer": viewer, "payload": describe(payload) } })
            }
        };
        out.push(Golden {
            name,
            note,
            direction: "relay_to_client",
            message,
            bytes: encode(&reply),
        });
    }
    out
}

fn golden_index(golden: &[Golden]) -> String {
    let entries: Vec<Json> = golden
        .iter()
        .map(|g| {
            json!({
                "name": g.name,
                "file": format!("{}.msgpack", g.name),
                "direction": g.direction,
                "note": g.note,
                "message": g.message,
            })
        })
        .collect();
    let index = json!({
        "//": "Generated by protocol/tests/schema.rs; do not edit. Regenerate: \
               MESHCAST_UPDATE_SCHEMA=1 cargo test -p meshcast-protocol --test schema",
        "messages": entries,
    });
    let mut text = serde_json::to_string_pretty(&index).expect("the index serialises");
    text.push('\n');
    text
}

// ---- Comparing with (or writing) the committed files ----

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the protocol crate sits in the workspace")
        .to_path_buf()
}

/// Every generated file, by path relative to the repository.
fn generated() -> BTreeMap<PathBuf, Vec<u8>> {
    let kinds = kinds_json().into_bytes();
    let golden = golden();
    let mut files = BTreeMap::new();
    files.insert(PathBuf::from("protocol/schema/kinds.json"), kinds.clone());
    files.insert(PathBuf::from("client/python/meshcast/_kinds.json"), kinds);
    files.insert(
        PathBuf::from("protocol/schema/golden/index.json"),
        golden_index(&golden).into_bytes(),
    );
    for g in golden {
        files.insert(
            PathBuf::from(format!("protocol/schema/golden/{}.msgpack", g.name)),
            g.bytes,
        );
    }
    files
}

/// Committed files in the golden folder that the generator no longer writes.
fn stale(files: &BTreeMap<PathBuf, Vec<u8>>) -> Vec<PathBuf> {
    let dir = Path::new("protocol/schema/golden");
    let Ok(entries) = std::fs::read_dir(repo().join(dir)) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .map(|e| dir.join(e.file_name()))
        .filter(|p| !files.contains_key(p))
        .collect()
}

#[test]
fn committed_schema_files_are_up_to_date() {
    let root = repo();
    let files = generated();
    if std::env::var_os(UPDATE_VAR).is_some_and(|v| v != "0") {
        for (path, bytes) in &files {
            let full = root.join(path);
            std::fs::create_dir_all(full.parent().expect("files sit in folders")).expect("create the folder");
            std::fs::write(&full, bytes).expect("write a schema file");
        }
        for path in stale(&files) {
            std::fs::remove_file(root.join(path)).expect("remove a stale golden file");
        }
        return;
    }
    let mut problems: Vec<String> = files
        .iter()
        .filter_map(|(path, bytes)| match std::fs::read(root.join(path)) {
            Ok(old) if old == *bytes => None,
            Ok(_) => Some(format!(
                "{} differs from what the protocol crate generates",
                path.display()
            )),
            Err(e) => Some(format!("{} cannot be read: {e}", path.display())),
        })
        .collect();
    problems.extend(
        stale(&files)
            .into_iter()
            .map(|p| format!("{} is no longer generated", p.display())),
    );
    assert!(
        problems.is_empty(),
        "the committed schema files are stale:\n  {}\nRegenerate them with\n  {UPDATE_COMMAND}\nand commit the result.",
        problems.join("\n  ")
    );
}

#[test]
fn golden_envelopes_decode_to_what_they_describe() {
    for g in golden().iter().filter(|g| g.direction == "client_to_relay") {
        let env = meshcast_protocol::decode_envelope(&g.bytes).expect("golden bytes decode");
        assert_eq!(describe_envelope(&env), g.message, "{}", g.name);
    }
}

#[test]
fn golden_creations_are_valid() {
    for (name, _, env) in envelopes() {
        let Some(kind) = MessageType::from_code(env.msg_type).and_then(NodeKind::from_message_type) else {
            continue;
        };
        if let Err(e) = CreateNode::parse(kind, &env) {
            panic!("{name}: {e}");
        }
    }
}
