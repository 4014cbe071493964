//! [`NodeOptions`]: the arguments every node takes (aitviewer's `Node`), and the macro that
//! gives every kind's options the same builder setters.

use meshcast_protocol::{Kwargs, NdArray, Value};

use super::rgba;
use crate::array::named;
use crate::{ClientError, IntoArray};

/// Arguments every node takes, as in aitviewer's `Node`; unset ones are not sent and the
/// viewer's defaults apply.
///
/// ```
/// use meshcast_client::NodeOptions;
/// let o = NodeOptions::default().name("root").position([0.0f32, 1.0, 0.0]).scale(2.0f32);
/// assert_eq!(o.name.as_deref(), Some("root"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct NodeOptions {
    /// Label in the scene list (default: the class name, such as `Meshes`).
    pub name: Option<String>,
    /// Translation: `(3,)`, or `(F,3)` per frame (default zeros).
    pub position: Option<NdArray>,
    /// Rotation matrix: `(3,3)`, or `(F,3,3)` per frame (default identity).
    pub rotation: Option<NdArray>,
    /// Uniform scale: a number, or `(F,)` per frame (default 1).
    pub scale: Option<NdArray>,
    /// RGBA in 0..1; each kind has its own default (meshes `(0.5,0.5,0.5,1)`, spheres
    /// `(0,0,1,1)`, ...).
    pub color: Option<[f32; 4]>,
    /// Whether clicking picks this node (default true).
    pub is_selectable: Option<bool>,
    /// Visibility mask over the scene's frames; its `true` count must equal the node's frames.
    pub enabled_frames: Option<Vec<bool>>,
    /// The uid of the node (of the same viewer connection) this one hangs under.
    pub parent: Option<meshcast_protocol::Uid>,
    /// Any other keyword argument, sent as given (the relay rejects unknown ones).
    pub extra: Kwargs,
    /// The first conversion error of a setter, reported by the constructor.
    pub(crate) error: Option<ClientError>,
}

impl NodeOptions {
    fn set_array(&mut self, name: &str, data: impl IntoArray) -> Option<NdArray> {
        match named(name, data) {
            Ok(a) => Some(a),
            Err(e) => {
                self.error.get_or_insert(e);
                None
            }
        }
    }

    /// Sets the name shown in the scene list.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the translation: `[x, y, z]`, a `Vec3`, or one per frame (`&[[f32; 3]]`).
    pub fn position(mut self, position: impl IntoArray) -> Self {
        self.position = self.set_array("position", position);
        self
    }

    /// Sets the rotation matrix: `[[f32; 3]; 3]` (row-major), a `Mat3`, or one per frame.
    pub fn rotation(mut self, rotation: impl IntoArray) -> Self {
        self.rotation = self.set_array("rotation", rotation);
        self
    }

    /// Sets the uniform scale: a number, or one per frame (`&[f32]`).
    pub fn scale(mut self, scale: impl IntoArray) -> Self {
        self.scale = self.set_array("scale", scale);
        self
    }

    /// Sets the RGBA colour (0..1).
    pub fn color(mut self, rgba: [f32; 4]) -> Self {
        self.color = Some(rgba);
        self
    }

    /// Sets whether clicking picks this node.
    pub fn is_selectable(mut self, selectable: bool) -> Self {
        self.is_selectable = Some(selectable);
        self
    }

    /// Sets the visibility mask over the scene's frames.
    pub fn enabled_frames(mut self, mask: impl IntoIterator<Item = bool>) -> Self {
        self.enabled_frames = Some(mask.into_iter().collect());
        self
    }

    /// Puts the node under the node `uid` (sent through the same viewer, e.g. `root.uid()`): it
    /// moves with it (`M_world = M_parent_world · M_local`), is listed under it in the scene
    /// tree, and is hidden and deleted with it. The relay rejects an unknown parent.
    pub fn parent(mut self, uid: meshcast_protocol::Uid) -> Self {
        self.parent = Some(uid);
        self
    }

    /// Adds any other keyword argument (for example `"icon"` or `"gui_affine"`).
    pub fn kwarg(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.extra.insert(key.into(), value.into());
        self
    }

    /// The keyword arguments, with `default_color` when no colour was set.
    pub(crate) fn to_kwargs(&self, default_color: [f32; 4]) -> Result<Kwargs, ClientError> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        let mut kw = self.extra.clone();
        if let Some(n) = &self.name {
            kw.insert("name".into(), Value::Str(n.clone()));
        }
        for (key, a) in [
            ("position", &self.position),
            ("rotation", &self.rotation),
            ("scale", &self.scale),
        ] {
            if let Some(a) = a {
                kw.insert(key.into(), Value::Array(a.clone()));
            }
        }
        kw.insert("color".into(), rgba(self.color.unwrap_or(default_color)));
        if let Some(p) = self.parent {
            let uid = i64::try_from(p).map_err(|_| ClientError::Invalid(format!("parent: uid {p} is out of range")))?;
            kw.insert("parent".into(), Value::Int(uid));
        }
        if let Some(s) = self.is_selectable {
            kw.insert("is_selectable".into(), Value::Bool(s));
        }
        if let Some(mask) = &self.enabled_frames {
            let bytes: Vec<u8> = mask.iter().map(|&b| u8::from(b)).collect();
            let arr = NdArray::new(meshcast_protocol::DType::Bool, vec![mask.len()], bytes)
                .map_err(|e| ClientError::Invalid(e.to_string()))?;
            kw.insert("enabled_frames".into(), Value::Array(arr));
        }
        Ok(kw)
    }
}

/// Gives an options struct with a `node: NodeOptions` field the common builder setters.
macro_rules! node_setters {
    ($t:ty) => {
        impl $t {
            /// Sets the name shown in the scene list.
            pub fn name(mut self, name: impl Into<String>) -> Self {
                self.node = self.node.name(name);
                self
            }

            /// Sets the translation: `[x, y, z]`, a `Vec3`, or one per frame.
            pub fn position(mut self, position: impl $crate::IntoArray) -> Self {
                self.node = self.node.position(position);
                self
            }

            /// Sets the rotation matrix: `[[f32; 3]; 3]` (row-major), a `Mat3`, or one per frame.
            pub fn rotation(mut self, rotation: impl $crate::IntoArray) -> Self {
                self.node = self.node.rotation(rotation);
                self
            }

            /// Sets the uniform scale: a number, or one per frame.
            pub fn scale(mut self, scale: impl $crate::IntoArray) -> Self {
                self.node = self.node.scale(scale);
                self
            }

            /// Sets the RGBA colour (0..1).
            pub fn color(mut self, rgba: [f32; 4]) -> Self {
                self.node = self.node.color(rgba);
                self
            }

            /// Sets whether clicking picks this node.
            pub fn is_selectable(mut self, selectable: bool) -> Self {
                self.node = self.node.is_selectable(selectable);
                self
            }

            /// Sets the visibility mask over the scene's frames.
            pub fn enabled_frames(mut self, mask: impl IntoIterator<Item = bool>) -> Self {
                self.node = self.node.enabled_frames(mask);
                self
            }

            /// Puts the node under the node `uid` of the same viewer (e.g. `root.uid()`): it moves,
            /// hides and is deleted with it, and is listed under it.
            pub fn parent(mut self, uid: meshcast_protocol::Uid) -> Self {
                self.node = self.node.parent(uid);
                self
            }

            /// Adds any other keyword argument.
            pub fn kwarg(mut self, key: impl Into<String>, value: impl Into<meshcast_protocol::Value>) -> Self {
                self.node = self.node.kwarg(key, value);
                self
            }

            /// Sets the array argument `name`, recording a conversion error for the constructor.
            #[allow(dead_code)]
            fn array(&mut self, name: &str, data: impl $crate::IntoArray) -> Option<meshcast_protocol::NdArray> {
                match $crate::array::named(name, data) {
                    Ok(a) => Some(a),
                    Err(e) => {
                        self.node.error.get_or_insert(e);
                        None
                    }
                }
            }
        }
    };
}
pub(crate) use node_setters;

/// Builder setters that store their argument in the field of the same name, each with the doc
/// comment given:
///
/// ```text
/// value_setters!(SpheresOptions {
///     /// Sets the radius.
///     radius: f32,
/// });
/// ```
macro_rules! value_setters {
    ($t:ty { $($(#[$doc:meta])* $field:ident: $ty:ty,)+ }) => {
        impl $t {
            $(
                $(#[$doc])*
                pub fn $field(mut self, $field: $ty) -> Self {
                    self.$field = $field;
                    self
                }
            )+
        }
    };
}
pub(crate) use value_setters;
