//! Typed, validated views of the built-in messages.

use std::collections::BTreeMap;

use crate::kinds::{Allowed, Dim, FieldDtype, FieldRole, FieldSpec, OptionType};
use crate::{
    DType, Envelope, FrameSelection, Kwargs, MessageType, NdArray, NodeKind, ProtocolError, SmplModelType, Uid, Value,
};

/// A validated creation message.
///
/// Array arguments are normalised: per-frame data is in batch form `(N, ...)`, float data is
/// `f32` and checked finite, index data (`faces`, `joint_connections`) is `i32` and in range.
/// `color` is `(4,)` or one RGBA row per element; `enabled_frames` is a `bool` mask.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateNode {
    /// The kind of node.
    pub kind: NodeKind,
    /// The client's id for it.
    pub uid: Uid,
    /// Array arguments by name.
    pub fields: BTreeMap<String, NdArray>,
    /// Every other argument (name, radius, flags, ...), type-checked.
    pub options: Kwargs,
}

/// Validated data of an `add_frames` or `update_frames`: per-frame arrays in batch form, `f32`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FrameData {
    /// Arrays by argument name, each `(K, ...)`.
    pub fields: BTreeMap<String, NdArray>,
}

/// A typed message.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Create a node (types 1-6, 10, 11).
    Create(CreateNode),
    /// Append frames (101). The data is validated against the node's kind by [`FrameData::parse_add`].
    AddFrames {
        /// The node.
        uid: Uid,
        /// Positional arguments as received.
        args: Vec<Value>,
        /// Keyword arguments as received.
        kwargs: Kwargs,
    },
    /// Overwrite frames (102). Validated by [`FrameData::parse_update`].
    UpdateFrames {
        /// The node.
        uid: Uid,
        /// Positional arguments as received.
        args: Vec<Value>,
        /// Keyword arguments as received.
        kwargs: Kwargs,
    },
    /// Remove frames (103).
    RemoveFrames {
        /// The node.
        uid: Uid,
        /// Which frames.
        frames: FrameSelection,
    },
    /// Delete a node (100).
    Delete {
        /// The node.
        uid: Uid,
    },
    /// Set the scene's current frame (200).
    SetFrame(i64),
    /// Next frame, wrapping (201).
    NextFrame,
    /// Previous frame, wrapping (202).
    PreviousFrame,
    /// Ask for an acknowledgement of everything received so far (900).
    Flush,
    /// A user message (>= 10000), forwarded untouched.
    User(Envelope),
}

fn uid_of(env: &Envelope, t: MessageType) -> Result<Uid, ProtocolError> {
    env.uid.ok_or(ProtocolError::NoUid(t.name()))
}

/// Takes a named argument from kwargs, or else from the positional `args` by the given order.
fn take_arg<'a>(args: &'a [Value], kwargs: &'a Kwargs, order: &[&str], name: &str) -> Option<&'a Value> {
    kwargs
        .get(name)
        .or_else(|| order.iter().position(|p| *p == name).and_then(|i| args.get(i)))
        .filter(|v| !v.is_nil())
}

impl Command {
    /// Reads the typed view of an envelope. Creation messages are fully validated here; frame
    /// data is validated against the node's kind by the scene ([`FrameData::parse_add`]).
    pub fn from_envelope(env: Envelope) -> Result<Command, ProtocolError> {
        let t = MessageType::from_code(env.msg_type).ok_or(ProtocolError::UnknownType(env.msg_type))?;
        if let Some(kind) = NodeKind::from_message_type(t) {
            return CreateNode::parse(kind, &env).map(Command::Create);
        }
        Ok(match t {
            MessageType::Delete => Command::Delete { uid: uid_of(&env, t)? },
            MessageType::AddFrames => Command::AddFrames {
                uid: uid_of(&env, t)?,
                args: env.args,
                kwargs: env.kwargs,
            },
            MessageType::UpdateFrames => Command::UpdateFrames {
                uid: uid_of(&env, t)?,
                args: env.args,
                kwargs: env.kwargs,
            },
            MessageType::RemoveFrames => {
                let uid = uid_of(&env, t)?;
                let v =
                    take_arg(&env.args, &env.kwargs, &["frames"], "frames").ok_or_else(|| ProtocolError::Missing {
                        kind: t.name(),
                        name: "frames".into(),
                    })?;
                let frames = FrameSelection::from_value(v).ok_or_else(|| frames_type_error(t.name(), v))?;
                Command::RemoveFrames { uid, frames }
            }
            MessageType::SetFrame => {
                let v =
                    take_arg(&env.args, &env.kwargs, &["frame"], "frame").ok_or_else(|| ProtocolError::Missing {
                        kind: t.name(),
                        name: "frame".into(),
                    })?;
                let i = v.as_i64().ok_or_else(|| ProtocolError::Type {
                    kind: t.name(),
                    name: "frame".into(),
                    got: v.type_name(),
                    expected: "an int".into(),
                })?;
                Command::SetFrame(i)
            }
            MessageType::NextFrame => Command::NextFrame,
            MessageType::PreviousFrame => Command::PreviousFrame,
            MessageType::Flush => Command::Flush,
            MessageType::User(_) => Command::User(env),
            _ => return Err(ProtocolError::UnknownType(env.msg_type)),
        })
    }

    /// The envelope of this command (for forwarding and snapshots).
    pub fn to_envelope(&self) -> Envelope {
        match self {
            Command::Create(c) => c.to_envelope(),
            Command::AddFrames { uid, args, kwargs } => Envelope {
                msg_type: MessageType::AddFrames.code(),
                uid: Some(*uid),
                args: args.clone(),
                kwargs: kwargs.clone(),
            },
            Command::UpdateFrames { uid, args, kwargs } => Envelope {
                msg_type: MessageType::UpdateFrames.code(),
                uid: Some(*uid),
                args: args.clone(),
                kwargs: kwargs.clone(),
            },
            Command::RemoveFrames { uid, frames } => {
                Envelope::new(MessageType::RemoveFrames.code(), Some(*uid)).with_kwarg("frames", frames.to_value())
            }
            Command::Delete { uid } => Envelope::new(MessageType::Delete.code(), Some(*uid)),
            Command::SetFrame(i) => Envelope::new(MessageType::SetFrame.code(), None).with_arg(Value::Int(*i)),
            Command::NextFrame => Envelope::new(MessageType::NextFrame.code(), None),
            Command::PreviousFrame => Envelope::new(MessageType::PreviousFrame.code(), None),
            Command::Flush => Envelope::new(MessageType::Flush.code(), None),
            Command::User(env) => env.clone(),
        }
    }

    /// The node this command is about, if any.
    pub fn uid(&self) -> Option<Uid> {
        match self {
            Command::Create(c) => Some(c.uid),
            Command::AddFrames { uid, .. }
            | Command::UpdateFrames { uid, .. }
            | Command::RemoveFrames { uid, .. }
            | Command::Delete { uid } => Some(*uid),
            Command::User(env) => env.uid,
            _ => None,
        }
    }
}

fn frames_type_error(kind: &'static str, v: &Value) -> ProtocolError {
    ProtocolError::Type {
        kind,
        name: "frames".into(),
        got: v.type_name(),
        expected: "an int, a list of ints, a range or an int array".into(),
    }
}

/// Words for a shape, for example `(N,V,3) or (V,3)`.
fn describe(spec: &FieldSpec) -> String {
    let dims: Vec<String> = spec
        .dims
        .iter()
        .map(|d| match d {
            Dim::Fixed(n) => n.to_string(),
            Dim::Sym(c) => c.to_string(),
            Dim::Any => "D".into(),
        })
        .collect();
    let one = format!("({})", dims.join(","));
    match spec.role {
        FieldRole::Static => one,
        _ if dims.is_empty() => "a number or (N,)".into(),
        _ => format!("(N,{}) or {one}", dims.join(",")),
    }
}

/// The largest side of a mesh's `texture` image, in pixels.
pub const MAX_TEXTURE_SIDE: usize = 16384;

/// Converts one argument to a normalised array: batch form for per-frame roles, `f32` or `i32`,
/// fixed axes checked, floats finite.
fn normalise(kind: &'static str, spec: &FieldSpec, v: &Value) -> Result<NdArray, ProtocolError> {
    let arr = v.to_ndarray().ok_or_else(|| ProtocolError::Type {
        kind,
        name: spec.name.into(),
        got: v.type_name(),
        expected: format!("an array {}", describe(spec)),
    })?;
    let original = arr.shape().to_vec();
    let shape_err = |_: &[usize]| ProtocolError::Shape {
        kind,
        name: spec.name.into(),
        got: original.clone(),
        expected: describe(spec),
    };
    let k = spec.dims.len();
    let arr = match spec.role {
        FieldRole::Static if arr.ndim() == k => arr,
        FieldRole::Static => return Err(shape_err(arr.shape())),
        _ if arr.ndim() == k => arr.with_leading_axis(),
        _ if arr.ndim() == k + 1 => arr,
        _ => return Err(shape_err(arr.shape())),
    };
    let frame_shape = if spec.role == FieldRole::Static {
        arr.shape()
    } else {
        &arr.shape()[1..]
    };
    for (d, &n) in spec.dims.iter().zip(frame_shape) {
        if let Dim::Fixed(want) = d {
            if *want != n {
                return Err(shape_err(arr.shape()));
            }
        }
    }
    let (dtype, lo, hi, what) = match spec.dtype {
        FieldDtype::Float => {
            let arr = arr.astype(DType::F32);
            check_finite(kind, spec.name, &arr)?;
            return Ok(arr);
        }
        FieldDtype::Index => (DType::I32, i64::from(i32::MIN), i64::from(i32::MAX), "32 bits"),
        FieldDtype::Byte => (DType::U8, 0, 255, "a byte (0..=255)"),
    };
    if !arr.dtype().is_integer() {
        return Err(ProtocolError::Type {
            kind,
            name: spec.name.into(),
            got: format!("an array of {}", arr.dtype()),
            expected: "an integer array".into(),
        });
    }
    if arr.dtype() == dtype {
        return Ok(arr);
    }
    let mut outside = None;
    arr.for_each_i64(|x| {
        if outside.is_none() && !(lo..=hi).contains(&x) {
            outside = Some(x);
        }
    });
    if let Some(x) = outside {
        return Err(ProtocolError::Invalid {
            kind,
            name: spec.name.into(),
            reason: format!("value {x} does not fit in {what}"),
        });
    }
    Ok(arr.astype(dtype))
}

fn check_finite(kind: &'static str, name: &str, arr: &NdArray) -> Result<(), ProtocolError> {
    match arr.first_non_finite() {
        Some((i, x)) => Err(ProtocolError::Invalid {
            kind,
            name: name.into(),
            reason: format!("element {i} is {x}; values must be finite"),
        }),
        None => Ok(()),
    }
}

/// Lengths bound to the letters of [`Dim::Sym`] (V vertices, F faces, ...).
#[derive(Default)]
struct Symbols(BTreeMap<char, (usize, &'static str)>);

impl Symbols {
    fn bind(&mut self, kind: &'static str, spec: &FieldSpec, frame_shape: &[usize]) -> Result<(), ProtocolError> {
        for (d, &n) in spec.dims.iter().zip(frame_shape) {
            if let Dim::Sym(c) = d {
                match self.0.get(c) {
                    Some(&(m, other)) if m != n => {
                        return Err(ProtocolError::Invalid {
                            kind,
                            name: spec.name.into(),
                            reason: format!("has {n} along axis {c}, but '{other}' has {m}"),
                        })
                    }
                    Some(_) => {}
                    None => {
                        self.0.insert(*c, (n, spec.name));
                    }
                }
            }
        }
        Ok(())
    }

    fn get(&self, c: char) -> Option<usize> {
        self.0.get(&c).map(|(n, _)| *n)
    }
}

/// The strings a choice option allows, for errors: `"a", "b" or "c"`.
fn choice_words(kind: NodeKind, name: &str) -> String {
    let choices = kind.option_spec(name).map_or(&[][..], |o| o.choices());
    let quoted: Vec<String> = choices.iter().map(|c| format!("{c:?}")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => quoted.join(""),
    }
}

fn check_option(kind: NodeKind, name: &str, t: OptionType, v: &Value) -> Result<(), ProtocolError> {
    let ok = match t {
        OptionType::Str => v.as_str().is_some(),
        OptionType::Bool => v.as_bool().is_some(),
        OptionType::Int => v.as_i64().is_some(),
        OptionType::Number => v.as_f64().is_some_and(f64::is_finite),
        OptionType::NumberOrNil => v.is_nil() || v.as_f64().is_some_and(f64::is_finite),
        OptionType::Any => true,
    };
    if ok {
        Ok(())
    } else {
        let expected = match t {
            OptionType::Str => "a string",
            OptionType::Bool => "a bool",
            OptionType::Int => "an int",
            OptionType::Number => "a finite number",
            OptionType::NumberOrNil => "a finite number or nil",
            OptionType::Any => "anything",
        };
        Err(ProtocolError::Type {
            kind: kind.name(),
            name: name.into(),
            got: v.type_name(),
            expected: expected.into(),
        })
    }
}

impl CreateNode {
    /// Validates a creation envelope of the given kind.
    pub fn parse(kind: NodeKind, env: &Envelope) -> Result<CreateNode, ProtocolError> {
        Self::parse_fields(kind, env).map(|(node, _)| node)
    }

    /// Validates a creation envelope of the given kind, and returns it in normal form beside
    /// the node: every array as validated (`f32`, `i32` or bytes, per-frame data in batch form,
    /// the colour as an `f32` array, positional arguments named), the other arguments as given.
    /// It is what a client sends: the relay reads the same node from it, and the data it
    /// forwards to viewers is already in its final form. Companion data given for one frame
    /// stays one frame (the relay repeats it, as it does for any client).
    pub fn parse_normalised(kind: NodeKind, env: &Envelope) -> Result<(CreateNode, Envelope), ProtocolError> {
        let (node, mut fields) = Self::parse_fields(kind, env)?;
        for derived in ["color", "enabled_frames"] {
            if let Some(a) = node.fields.get(derived) {
                fields.insert(derived.to_owned(), a.clone());
            }
        }
        let mut normal = Envelope::new(kind.message_type().code(), Some(node.uid));
        normal.kwargs = node.options.clone();
        normal
            .kwargs
            .extend(fields.into_iter().map(|(k, a)| (k, Value::Array(a))));
        Ok((node, normal))
    }

    /// Validates a creation envelope; also returns its array arguments as normalised, before
    /// companion data is repeated for every frame.
    fn parse_fields(kind: NodeKind, env: &Envelope) -> Result<(CreateNode, BTreeMap<String, NdArray>), ProtocolError> {
        let kname = kind.name();
        let uid = env.uid.ok_or(ProtocolError::NoUid(kname))?;
        let mut kwargs = env.kwargs.clone();
        if !env.args.is_empty() {
            let positional = kind.spec().positional;
            if env.args.len() > positional.len() {
                return Err(ProtocolError::Invalid {
                    kind: kname,
                    name: "args".into(),
                    reason: format!("{} positional arguments; pass them by name", env.args.len()),
                });
            }
            for (name, v) in positional.iter().zip(&env.args) {
                kwargs.entry((*name).to_owned()).or_insert_with(|| v.clone());
            }
        }
        let mut fields = BTreeMap::new();
        let mut options = Kwargs::new();
        let mut syms = Symbols::default();
        let mut color: Option<&Value> = None;
        let mut enabled: Option<&Value> = None;
        for (name, v) in &kwargs {
            if let Some(spec) = kind.field(name) {
                if v.is_nil() {
                    continue;
                }
                // aitviewer treats a 4-tuple of vertex colours as a uniform colour.
                if name == "vertex_colors" && v.to_ndarray().is_some_and(|a| a.shape() == [4]) {
                    color = Some(v);
                    continue;
                }
                let arr = normalise(kname, spec, v)?;
                let frame_shape = if spec.role == FieldRole::Static {
                    arr.shape()
                } else {
                    &arr.shape()[1..]
                };
                syms.bind(kname, spec, frame_shape)?;
                fields.insert(name.clone(), arr);
            } else if let Some(t) = kind.option(name) {
                if v.is_nil() {
                    continue;
                }
                check_option(kind, name, t, v)?;
                match name.as_str() {
                    "color" => color = color.or(Some(v)),
                    "enabled_frames" => enabled = Some(v),
                    _ => {
                        options.insert(name.clone(), v.clone());
                    }
                }
            } else {
                let known: Vec<&str> = kind.fields().map(|f| f.name).collect();
                return Err(ProtocolError::Invalid {
                    kind: kname,
                    name: name.clone(),
                    reason: format!("unknown argument (array arguments of {kname}: {})", known.join(", ")),
                });
            }
        }
        let given = fields.clone();
        let mut node = CreateNode {
            kind,
            uid,
            fields,
            options,
        };
        node.check_primaries(&syms)?;
        node.check_kind_rules(&syms)?;
        if let Some(c) = color {
            node.set_color(&syms, c)?;
        }
        if let Some(e) = enabled {
            node.set_enabled_frames(e)?;
        }
        Ok((node, given))
    }

    /// Number of frames of the node as created.
    pub fn n_frames(&self) -> usize {
        self.kind
            .frame_count(|name| self.fields.get(name).map(NdArray::n_frames))
    }

    fn check_primaries(&mut self, syms: &Symbols) -> Result<(), ProtocolError> {
        let kname = self.kind.name();
        let mut n: Option<(usize, &str)> = None;
        for spec in self.kind.own_fields().iter().filter(|f| f.role == FieldRole::Primary) {
            let arr = self.fields.get(spec.name).ok_or_else(|| ProtocolError::Missing {
                kind: kname,
                name: spec.name.into(),
            })?;
            match n {
                Some((m, other)) if m != arr.n_frames() => {
                    return Err(ProtocolError::Invalid {
                        kind: kname,
                        name: spec.name.into(),
                        reason: format!("has {} frames but '{other}' has {m}", arr.n_frames()),
                    })
                }
                _ => n = Some((arr.n_frames(), spec.name)),
            }
        }
        let n_frames = self.n_frames();
        if n_frames == 0 {
            return Err(ProtocolError::Invalid {
                kind: kname,
                name: "frames".into(),
                reason: "a node needs at least one frame".into(),
            });
        }
        // Companion data has one frame per node frame; a single frame is repeated.
        for spec in self.kind.own_fields().iter().filter(|f| f.role == FieldRole::Companion) {
            if let Some(arr) = self.fields.get(spec.name) {
                let k = arr.n_frames();
                if k == n_frames {
                    continue;
                }
                if k != 1 {
                    return Err(ProtocolError::Invalid {
                        kind: kname,
                        name: spec.name.into(),
                        reason: format!("has {k} frames, expected 1 or {n_frames}"),
                    });
                }
                let repeated = NdArray::stack(arr.dtype(), &arr.shape()[1..], &vec![arr.data().clone(); n_frames])?;
                self.fields.insert(spec.name.into(), repeated);
            }
        }
        // Per-frame transforms of a plain node must agree on the frame count.
        for name in ["position", "rotation", "scale", "instance_transforms"] {
            if let Some(arr) = self.fields.get(name) {
                let k = arr.n_frames();
                // Instances may animate a single-frame mesh (aitviewer: n_frames = max of the two).
                let instances_of_static_mesh = name == "instance_transforms" && n_frames == 1;
                if k != 1
                    && k != n_frames
                    && !instances_of_static_mesh
                    && (self.kind == NodeKind::Node || name == "instance_transforms")
                {
                    return Err(ProtocolError::Invalid {
                        kind: kname,
                        name: name.into(),
                        reason: format!("has {k} frames, expected 1 or {n_frames}"),
                    });
                }
            }
        }
        let _ = syms;
        Ok(())
    }

    /// A mesh's `texture`: an `(H, W, 3|4)` image of at most [`MAX_TEXTURE_SIDE`] a side, with
    /// the `uv_coords` that place it.
    fn check_texture(&self) -> Result<(), ProtocolError> {
        let Some(t) = self.fields.get("texture") else {
            return Ok(());
        };
        let invalid = |reason: String| ProtocolError::Invalid {
            kind: self.kind.name(),
            name: "texture".into(),
            reason,
        };
        let (h, w, c) = (t.shape()[0], t.shape()[1], t.shape()[2]);
        if !matches!(c, 3 | 4) {
            return Err(invalid(format!("has {c} channels; an image has 3 (RGB) or 4 (RGBA)")));
        }
        if h == 0 || w == 0 || h > MAX_TEXTURE_SIDE || w > MAX_TEXTURE_SIDE {
            return Err(invalid(format!(
                "is {w}×{h} pixels; each side must be 1 to {MAX_TEXTURE_SIDE}"
            )));
        }
        if !self.fields.contains_key("uv_coords") {
            return Err(invalid("needs uv_coords (V,2) to be placed on the mesh".into()));
        }
        Ok(())
    }

    fn check_kind_rules(&mut self, syms: &Symbols) -> Result<(), ProtocolError> {
        let kname = self.kind.name();
        match self.kind {
            NodeKind::Meshes => {
                let v = syms.get('V').unwrap_or(0);
                if let Some(faces) = self.fields.get("faces") {
                    if let Some((i, x)) = faces
                        .to_i64_vec()
                        .iter()
                        .enumerate()
                        .find(|(_, &x)| x < 0 || x >= v as i64)
                    {
                        return Err(ProtocolError::Invalid {
                            kind: kname,
                            name: "faces".into(),
                            reason: format!("index {x} at row {} is out of range for {v} vertices", i / 3),
                        });
                    }
                } else {
                    return Err(ProtocolError::Missing {
                        kind: kname,
                        name: "faces".into(),
                    });
                }
                self.check_texture()?;
            }
            NodeKind::Skeletons => {
                let j = syms.get('J').unwrap_or(0) as i64;
                let conn = self
                    .fields
                    .get("joint_connections")
                    .ok_or_else(|| ProtocolError::Missing {
                        kind: kname,
                        name: "joint_connections".into(),
                    })?;
                let vals = conn.to_i64_vec();
                if let Some(x) = vals.iter().find(|&&x| x < -1 || x >= j) {
                    return Err(ProtocolError::Invalid {
                        kind: kname,
                        name: "joint_connections".into(),
                        reason: format!("joint {x} is out of range for {j} joints"),
                    });
                }
                // Rows with -1 are dropped, as in aitviewer.
                let kept: Vec<i32> = vals
                    .chunks_exact(2)
                    .filter(|r| r[0] >= 0 && r[1] >= 0)
                    .flat_map(|r| [r[0] as i32, r[1] as i32])
                    .collect();
                self.fields.insert(
                    "joint_connections".into(),
                    NdArray::from_i32(&[kept.len() / 2, 2], &kept)?,
                );
            }
            NodeKind::Lines => {
                let mode = self.options.get("mode").and_then(Value::as_str);
                let mode = mode.unwrap_or(NodeKind::Lines.default_str("mode"));
                let l = syms.get('L').unwrap_or(0);
                match mode {
                    "line_strip" if l < 2 => {
                        return Err(ProtocolError::Invalid {
                            kind: kname,
                            name: "lines".into(),
                            reason: format!("a line strip needs at least 2 points, got {l}"),
                        })
                    }
                    "lines" if l % 2 != 0 => {
                        return Err(ProtocolError::Invalid {
                            kind: kname,
                            name: "lines".into(),
                            reason: format!("mode 'lines' needs an even number of points, got {l}"),
                        })
                    }
                    "line_strip" | "lines" => {}
                    other => {
                        return Err(ProtocolError::Invalid {
                            kind: kname,
                            name: "mode".into(),
                            reason: format!("{other:?}; expected {}", choice_words(self.kind, "mode")),
                        })
                    }
                }
            }
            NodeKind::Smpl => self.check_smpl()?,
            _ => {}
        }
        self.check_ranges()
    }

    /// Checks the options with a range in the kinds table (radii, `p`, tessellation, ...).
    fn check_ranges(&self) -> Result<(), ProtocolError> {
        for spec in self.kind.options() {
            let Allowed::Range { min, max } = spec.allowed else {
                continue;
            };
            let Some(x) = self.options.get(spec.name).and_then(Value::as_f64) else {
                continue;
            };
            let reason = match max {
                None if x < min => format!("{x} is negative"),
                Some(max) if !(min..=max).contains(&x) => format!("{x} is outside {min}..{max}"),
                _ => continue,
            };
            return Err(ProtocolError::Invalid {
                kind: self.kind.name(),
                name: spec.name.into(),
                reason,
            });
        }
        Ok(())
    }

    fn check_smpl(&self) -> Result<(), ProtocolError> {
        let kname = self.kind.name();
        let mt_str = self.options.get("model_type").and_then(Value::as_str);
        let mt_str = mt_str.unwrap_or(NodeKind::Smpl.default_str("model_type"));
        let mt = SmplModelType::parse(mt_str).ok_or_else(|| ProtocolError::Invalid {
            kind: kname,
            name: "model_type".into(),
            reason: format!(
                "{mt_str:?}; expected {} (mano and flame have no body sequence)",
                choice_words(NodeKind::Smpl, "model_type")
            ),
        })?;
        let gender = self.options.get("gender").and_then(Value::as_str);
        let gender = gender.unwrap_or(NodeKind::Smpl.default_str("gender"));
        let genders = NodeKind::Smpl.option_spec("gender").map_or(&[][..], |o| o.choices());
        if !genders.contains(&gender) {
            return Err(ProtocolError::Invalid {
                kind: kname,
                name: "gender".into(),
                reason: format!("{gender:?}; expected {}", choice_words(NodeKind::Smpl, "gender")),
            });
        }
        let body = &self.fields["poses_body"];
        if body.shape()[1] != mt.body_pose_len() {
            return Err(ProtocolError::Shape {
                kind: kname,
                name: "poses_body".into(),
                got: body.shape().to_vec(),
                expected: format!("(N,{}) for model_type {:?}", mt.body_pose_len(), mt.as_str()),
            });
        }
        for name in SmplModelType::all_parts() {
            if !mt.parts().contains(name) && self.fields.contains_key(*name) {
                return Err(ProtocolError::Invalid {
                    kind: kname,
                    name: (*name).into(),
                    reason: format!("not part of model_type {:?}", mt.as_str()),
                });
            }
        }
        if let Some(b) = self.fields.get("betas") {
            let n = self.n_frames();
            if b.n_frames() != 1 && b.n_frames() != n {
                return Err(ProtocolError::Invalid {
                    kind: kname,
                    name: "betas".into(),
                    reason: format!("has {} rows, expected 1 or {n}", b.n_frames()),
                });
            }
        }
        Ok(())
    }

    fn set_color(&mut self, syms: &Symbols, v: &Value) -> Result<(), ProtocolError> {
        let kname = self.kind.name();
        let per_element = match self.kind {
            NodeKind::Spheres => syms.get('P'),
            NodeKind::Lines => {
                let l = syms.get('L').unwrap_or(0);
                let lines_mode = self.options.get("mode").and_then(Value::as_str) == Some("lines");
                Some(if lines_mode { l / 2 } else { l.saturating_sub(1) })
            }
            _ => None,
        };
        let expected = match per_element {
            Some(n) => format!("(4,) or ({n},4)"),
            None => "(4,)".into(),
        };
        let arr = v.to_ndarray().ok_or_else(|| ProtocolError::Type {
            kind: kname,
            name: "color".into(),
            got: v.type_name(),
            expected: expected.clone(),
        })?;
        let ok = arr.shape() == [4]
            || (per_element.is_some() && arr.ndim() == 2 && arr.shape()[1] == 4 && Some(arr.shape()[0]) == per_element);
        if !ok {
            return Err(ProtocolError::Shape {
                kind: kname,
                name: "color".into(),
                got: arr.shape().to_vec(),
                expected,
            });
        }
        let arr = arr.astype(DType::F32);
        check_finite(kname, "color", &arr)?;
        self.fields.insert("color".into(), arr);
        Ok(())
    }

    fn set_enabled_frames(&mut self, v: &Value) -> Result<(), ProtocolError> {
        let kname = self.kind.name();
        let arr = v
            .to_ndarray()
            .filter(|a| a.ndim() == 1)
            .ok_or_else(|| ProtocolError::Type {
                kind: kname,
                name: "enabled_frames".into(),
                got: v.type_name(),
                expected: "a 1-d bool array".into(),
            })?;
        let mask = arr.astype(DType::Bool);
        let on = mask.data().iter().filter(|&&b| b != 0).count();
        let n = self.n_frames();
        if on != n {
            return Err(ProtocolError::Invalid {
                kind: kname,
                name: "enabled_frames".into(),
                reason: format!("has {on} enabled entries, but the node has {n} frames"),
            });
        }
        self.fields.insert("enabled_frames".into(), mask);
        Ok(())
    }

    /// The envelope that creates this node (what the relay forwards and snapshots).
    pub fn to_envelope(&self) -> Envelope {
        let mut env = Envelope::new(self.kind.message_type().code(), Some(self.uid));
        env.kwargs = self.options.clone();
        for (k, a) in &self.fields {
            env.kwargs.insert(k.clone(), Value::Array(a.clone()));
        }
        env
    }
}

impl FrameData {
    fn parse_fields(
        kind: NodeKind,
        msg: MessageType,
        order: &[&str],
        args: &[Value],
        kwargs: &Kwargs,
    ) -> Result<FrameData, ProtocolError> {
        let kname = msg.name();
        if args.len() > order.len() {
            return Err(ProtocolError::Invalid {
                kind: kname,
                name: "args".into(),
                reason: format!(
                    "{} positional arguments, {kname} of {} takes at most {}",
                    args.len(),
                    kind.name(),
                    order.len()
                ),
            });
        }
        for name in kwargs.keys() {
            if name != "frames" && !kind.frame_op_fields().any(|f| f.name == name) {
                let known: Vec<&str> = kind.frame_op_fields().map(|f| f.name).collect();
                return Err(ProtocolError::Invalid {
                    kind: kname,
                    name: name.clone(),
                    reason: format!("not frame data of {} (expected {})", kind.name(), known.join(", ")),
                });
            }
        }
        let mut fields = BTreeMap::new();
        let mut n: Option<(usize, &str)> = None;
        for spec in kind.frame_op_fields() {
            let Some(v) = take_arg(args, kwargs, order, spec.name) else {
                if spec.role == FieldRole::Primary {
                    return Err(ProtocolError::Missing {
                        kind: kname,
                        name: spec.name.into(),
                    });
                }
                continue;
            };
            let arr = normalise(kname, spec, v)?;
            // SMPL betas may be one shared row; everything else has one row per frame.
            if !(spec.name == "betas" && arr.n_frames() == 1) {
                if let Some((m, other)) = n {
                    if m != arr.n_frames() {
                        return Err(ProtocolError::Invalid {
                            kind: kname,
                            name: spec.name.into(),
                            reason: format!("has {} frames but '{other}' has {m}", arr.n_frames()),
                        });
                    }
                }
                n = Some((arr.n_frames(), spec.name));
            }
            fields.insert(spec.name.to_owned(), arr);
        }
        Ok(FrameData { fields })
    }

    /// Validates the data of an `add_frames` for a node of `kind`.
    pub fn parse_add(kind: NodeKind, args: &[Value], kwargs: &Kwargs) -> Result<FrameData, ProtocolError> {
        Self::parse_fields(kind, MessageType::AddFrames, kind.add_params(), args, kwargs)
    }

    /// Validates the data and frame selection of an `update_frames` for a node of `kind`.
    pub fn parse_update(
        kind: NodeKind,
        args: &[Value],
        kwargs: &Kwargs,
    ) -> Result<(FrameData, FrameSelection), ProtocolError> {
        let t = MessageType::UpdateFrames;
        let order = kind.update_params();
        let v = take_arg(args, kwargs, order, "frames").ok_or_else(|| ProtocolError::Missing {
            kind: t.name(),
            name: "frames".into(),
        })?;
        let frames = FrameSelection::from_value(v).ok_or_else(|| frames_type_error(t.name(), v))?;
        let data = Self::parse_fields(kind, t, order, args, kwargs)?;
        Ok((data, frames))
    }

    /// Number of frames carried (the largest count among the arrays).
    pub fn n_frames(&self) -> usize {
        self.fields.values().map(NdArray::n_frames).max().unwrap_or(0)
    }

    /// The data as keyword arguments.
    pub fn to_kwargs(&self) -> Kwargs {
        self.fields
            .iter()
            .map(|(k, a)| (k.clone(), Value::Array(a.clone())))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verts(n: usize, v: usize) -> NdArray {
        NdArray::from_f32(&[n, v, 3], &vec![0.5; n * v * 3]).unwrap()
    }

    fn meshes(v: NdArray, faces: &[i32]) -> Envelope {
        Envelope::new(2, Some(1))
            .with_kwarg("vertices", v)
            .with_kwarg("faces", NdArray::from_i32(&[faces.len() / 3, 3], faces).unwrap())
    }

    #[test]
    fn single_frame_meshes_are_promoted_to_batch_form() {
        let env = meshes(NdArray::from_f64(&[3, 3], &[0.0; 9]).unwrap(), &[0, 1, 2]);
        let Command::Create(c) = Command::from_envelope(env).unwrap() else {
            panic!()
        };
        assert_eq!(c.fields["vertices"].shape(), &[1, 3, 3]);
        assert_eq!(c.fields["vertices"].dtype(), DType::F32);
        assert_eq!(c.fields["faces"].dtype(), DType::I32);
        assert_eq!(c.n_frames(), 1);
    }

    #[test]
    fn wrong_vertex_shape_names_argument_and_expected_shape() {
        let env = meshes(NdArray::from_f32(&[3, 2], &[0.0; 6]).unwrap(), &[0, 1, 2]);
        let e = Command::from_envelope(env).unwrap_err().to_string();
        assert!(
            e.contains("'vertices'") && e.contains("[3, 2]") && e.contains("(N,V,3) or (V,3)"),
            "{e}"
        );
    }

    #[test]
    fn a_texture_is_bytes_with_3_or_4_channels_and_needs_uv_coords() {
        let uv = NdArray::from_f32(&[3, 2], &[0.0, 0.0, 1.0, 0.0, 0.0, 1.0]).unwrap();
        let img = |shape: &[usize]| {
            let n: usize = shape.iter().product();
            NdArray::from_i32(shape, &vec![200; n]).unwrap()
        };
        let textured = |t: NdArray| {
            meshes(verts(1, 3), &[0, 1, 2])
                .with_kwarg("uv_coords", uv.clone())
                .with_kwarg("texture", t)
        };
        let c = CreateNode::parse(NodeKind::Meshes, &textured(img(&[2, 4, 3]))).unwrap();
        assert_eq!(
            c.fields["texture"].dtype(),
            DType::U8,
            "integer arrays are stored as bytes"
        );
        assert_eq!(c.fields["texture"].shape(), [2, 4, 3]);
        let err = |e: Envelope| CreateNode::parse(NodeKind::Meshes, &e).unwrap_err().to_string();
        assert!(err(textured(img(&[2, 4, 2]))).contains("2 channels"));
        assert!(err(textured(img(&[2, 4]))).contains("texture"));
        assert!(err(textured(NdArray::from_i32(&[1, 1, 3], &[0, 256, 0]).unwrap())).contains("256"));
        assert!(err(textured(NdArray::from_f32(&[1, 1, 3], &[0.5; 3]).unwrap())).contains("integer"));
        let no_uv = meshes(verts(1, 3), &[0, 1, 2]).with_kwarg("texture", img(&[1, 1, 4]));
        assert!(err(no_uv).contains("uv_coords"));
    }

    #[test]
    fn face_index_out_of_range_is_rejected() {
        let e = Command::from_envelope(meshes(verts(2, 3), &[0, 1, 3]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("index 3 at row 0 is out of range for 3 vertices"), "{e}");
    }

    #[test]
    fn non_finite_vertices_are_rejected() {
        let v = NdArray::from_f32(&[3, 3], &[0.0, 0.0, f32::NAN, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]).unwrap();
        let e = Command::from_envelope(meshes(v, &[0, 1, 2])).unwrap_err().to_string();
        assert!(e.contains("element 2 is NaN"), "{e}");
    }

    #[test]
    fn missing_required_argument_is_named() {
        let env = Envelope::new(3, Some(1));
        let e = Command::from_envelope(env).unwrap_err().to_string();
        assert!(e.contains("missing required argument 'positions'"), "{e}");
    }

    #[test]
    fn unknown_argument_is_rejected() {
        let env = Envelope::new(3, Some(1))
            .with_kwarg("positions", verts(1, 2))
            .with_kwarg("bogus", 1i64);
        let e = Command::from_envelope(env).unwrap_err().to_string();
        assert!(e.contains("'bogus'") && e.contains("unknown argument"), "{e}");
    }

    #[test]
    fn option_types_are_checked() {
        let env = Envelope::new(3, Some(1))
            .with_kwarg("positions", verts(1, 2))
            .with_kwarg("radius", "big");
        let e = Command::from_envelope(env).unwrap_err().to_string();
        assert!(e.contains("'radius'") && e.contains("finite number"), "{e}");
    }

    #[test]
    fn sphere_colors_may_be_per_sphere() {
        let c = NdArray::from_f32(&[2, 4], &[1.0; 8]).unwrap();
        let env = Envelope::new(3, Some(1))
            .with_kwarg("positions", verts(1, 2))
            .with_kwarg("color", c);
        assert!(Command::from_envelope(env).is_ok());
        let bad = NdArray::from_f32(&[3, 4], &[1.0; 12]).unwrap();
        let env = Envelope::new(3, Some(1))
            .with_kwarg("positions", verts(1, 2))
            .with_kwarg("color", bad);
        assert!(Command::from_envelope(env).unwrap_err().to_string().contains("(2,4)"));
    }

    #[test]
    fn color_tuple_is_accepted() {
        let col = Value::List(vec![
            Value::Float(1.0),
            Value::Float(0.0),
            Value::Float(0.0),
            Value::Float(1.0),
        ]);
        let env = meshes(verts(1, 3), &[0, 1, 2]).with_kwarg("color", col);
        let Command::Create(c) = Command::from_envelope(env).unwrap() else {
            panic!()
        };
        assert_eq!(c.fields["color"].to_f32_vec(), vec![1.0, 0.0, 0.0, 1.0]);
    }

    #[test]
    fn arrows_need_matching_origins_and_tips() {
        let env = Envelope::new(5, Some(1))
            .with_kwarg("origins", verts(2, 4))
            .with_kwarg("tips", verts(2, 5));
        let e = Command::from_envelope(env).unwrap_err().to_string();
        assert!(e.contains("along axis B"), "{e}");
    }

    #[test]
    fn lines_mode_lines_needs_even_points() {
        let env = Envelope::new(4, Some(1))
            .with_kwarg("lines", verts(1, 3))
            .with_kwarg("mode", "lines");
        assert!(Command::from_envelope(env).unwrap_err().to_string().contains("even"));
    }

    #[test]
    fn smpl_body_pose_length_follows_model_type() {
        let body = NdArray::from_f32(&[2, 63], &[0.0; 126]).unwrap();
        let env = Envelope::new(10, Some(1)).with_kwarg("poses_body", body.clone());
        assert!(Command::from_envelope(env).unwrap_err().to_string().contains("(N,69)"));
        let env = Envelope::new(10, Some(1))
            .with_kwarg("poses_body", body)
            .with_kwarg("model_type", "smplh");
        let Command::Create(c) = Command::from_envelope(env).unwrap() else {
            panic!()
        };
        assert_eq!(c.n_frames(), 2);
    }

    #[test]
    fn smpl_companion_single_frame_is_repeated() {
        let body = NdArray::from_f32(&[3, 69], &[0.0; 207]).unwrap();
        let root = NdArray::from_f32(&[3], &[0.1, 0.2, 0.3]).unwrap();
        let env = Envelope::new(10, Some(1))
            .with_kwarg("poses_body", body)
            .with_kwarg("poses_root", root);
        let Command::Create(c) = Command::from_envelope(env).unwrap() else {
            panic!()
        };
        assert_eq!(c.fields["poses_root"].shape(), &[3, 3]);
    }

    #[test]
    fn normal_form_is_what_was_validated_and_parses_to_the_same_node() {
        // f64 vertices of one frame, i64 faces, a colour as a list, positional-free.
        let v64 = NdArray::from_f64(&[3, 3], &[0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0]).unwrap();
        let col = Value::List(vec![Value::Float(1.0), Value::Int(0), Value::Float(0.5), Value::Int(1)]);
        let env = Envelope::new(2, Some(4))
            .with_kwarg("vertices", v64)
            .with_kwarg("faces", NdArray::from_i64(&[1, 3], &[0, 1, 2]).unwrap())
            .with_kwarg("color", col)
            .with_kwarg("name", "tri");
        let (node, normal) = CreateNode::parse_normalised(NodeKind::Meshes, &env).unwrap();
        let array = |k: &str| match normal.kwargs.get(k) {
            Some(Value::Array(a)) => a.clone(),
            other => panic!("{k}: {other:?}"),
        };
        assert_eq!(
            (array("vertices").dtype(), array("vertices").shape()),
            (DType::F32, &[1, 3, 3][..])
        );
        assert_eq!(array("faces").dtype(), DType::I32);
        assert_eq!(array("color").to_f32_vec(), vec![1.0, 0.0, 0.5, 1.0]);
        assert_eq!(normal.kwargs.get("name"), Some(&Value::from("tri")));
        assert_eq!(CreateNode::parse(NodeKind::Meshes, &normal).unwrap(), node);
        assert_eq!(CreateNode::parse(NodeKind::Meshes, &env).unwrap(), node);
    }

    #[test]
    fn normal_form_keeps_a_single_companion_frame() {
        let body = NdArray::from_f32(&[3, 69], &[0.0; 207]).unwrap();
        let root = NdArray::from_f64(&[3], &[0.1, 0.2, 0.3]).unwrap();
        let env = Envelope::new(10, Some(1))
            .with_kwarg("poses_body", body)
            .with_kwarg("poses_root", root);
        let (node, normal) = CreateNode::parse_normalised(NodeKind::Smpl, &env).unwrap();
        let Some(Value::Array(sent)) = normal.kwargs.get("poses_root") else {
            panic!()
        };
        assert_eq!((sent.dtype(), sent.shape()), (DType::F32, &[1, 3][..]));
        assert_eq!(node.fields["poses_root"].shape(), &[3, 3]);
        assert_eq!(CreateNode::parse(NodeKind::Smpl, &normal).unwrap(), node);
    }

    #[test]
    fn skeleton_rows_with_minus_one_are_dropped() {
        let conn = NdArray::from_i64(&[3, 2], &[-1, 0, 0, 1, 1, 2]).unwrap();
        let env = Envelope::new(11, Some(1))
            .with_kwarg("joint_positions", verts(2, 3))
            .with_kwarg("joint_connections", conn);
        let Command::Create(c) = Command::from_envelope(env).unwrap() else {
            panic!()
        };
        assert_eq!(c.fields["joint_connections"].to_i64_vec(), vec![0, 1, 1, 2]);
    }

    #[test]
    fn enabled_frames_must_match_frame_count() {
        let mask = Value::List(vec![Value::Bool(true), Value::Bool(false), Value::Bool(true)]);
        let env = Envelope::new(3, Some(1))
            .with_kwarg("positions", verts(2, 1))
            .with_kwarg("enabled_frames", mask);
        assert!(Command::from_envelope(env).is_ok());
        let mask = Value::List(vec![Value::Bool(true)]);
        let env = Envelope::new(3, Some(1))
            .with_kwarg("positions", verts(2, 1))
            .with_kwarg("enabled_frames", mask);
        assert!(Command::from_envelope(env).is_err());
    }

    #[test]
    fn node_takes_positional_arguments() {
        let env = Envelope::new(1, Some(4))
            .with_arg("group")
            .with_arg(Value::Nil)
            .with_arg(Value::List(vec![1.0.into(), 2.0.into(), 3.0.into()]));
        let Command::Create(c) = Command::from_envelope(env).unwrap() else {
            panic!()
        };
        assert_eq!(c.options["name"], Value::from("group"));
        assert_eq!(c.fields["position"].shape(), &[1, 3]);
    }

    #[test]
    fn frame_messages_parse() {
        let env = Envelope::new(103, Some(2)).with_kwarg("frames", Value::List(vec![Value::Int(1)]));
        assert_eq!(
            Command::from_envelope(env).unwrap(),
            Command::RemoveFrames {
                uid: 2,
                frames: FrameSelection::List(vec![1])
            }
        );
        let env = Envelope::new(200, None).with_arg(Value::Int(7));
        assert_eq!(Command::from_envelope(env).unwrap(), Command::SetFrame(7));
        assert!(matches!(
            Command::from_envelope(Envelope::new(100, None)),
            Err(ProtocolError::NoUid("DELETE"))
        ));
        assert!(matches!(
            Command::from_envelope(Envelope::new(7, None)),
            Err(ProtocolError::UnknownType(7))
        ));
        assert!(matches!(
            Command::from_envelope(Envelope::new(10001, None)),
            Ok(Command::User(_))
        ));
    }

    #[test]
    fn add_frames_accepts_single_and_batch_and_positional() {
        let mut kw = Kwargs::new();
        kw.insert(
            "vertices".into(),
            Value::Array(NdArray::from_f32(&[4, 3], &[0.0; 12]).unwrap()),
        );
        let d = FrameData::parse_add(NodeKind::Meshes, &[], &kw).unwrap();
        assert_eq!(d.fields["vertices"].shape(), &[1, 4, 3]);
        let d = FrameData::parse_add(NodeKind::Meshes, &[Value::Array(verts(5, 4))], &Kwargs::new()).unwrap();
        assert_eq!(d.n_frames(), 5);
        let e = FrameData::parse_add(NodeKind::Arrows, &[Value::Array(verts(1, 2))], &Kwargs::new()).unwrap_err();
        assert!(e.to_string().contains("'tips'"), "{e}");
    }

    #[test]
    fn update_frames_needs_frames() {
        let mut kw = Kwargs::new();
        kw.insert("positions".into(), Value::Array(verts(1, 4)));
        assert!(FrameData::parse_update(NodeKind::Spheres, &[], &kw)
            .unwrap_err()
            .to_string()
            .contains("'frames'"));
        kw.insert("frames".into(), Value::Int(0));
        let (d, f) = FrameData::parse_update(NodeKind::Spheres, &[], &kw).unwrap();
        assert_eq!(f, FrameSelection::Index(0));
        assert_eq!(d.n_frames(), 1);
    }

    #[test]
    fn frame_data_rejects_foreign_arguments() {
        let mut kw = Kwargs::new();
        kw.insert("positions".into(), Value::Array(verts(1, 4)));
        let e = FrameData::parse_add(NodeKind::Meshes, &[], &kw)
            .unwrap_err()
            .to_string();
        assert!(e.contains("'positions'") && e.contains("vertices"), "{e}");
    }
}
