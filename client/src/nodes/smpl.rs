//! [`RemoteSmplSequence`]: an SMPL-family body sequence (message type 10).

use meshcast_protocol::{Kwargs, NdArray, NodeKind, SmplModelType, Value};

use super::options::{node_setters, value_setters};
use super::{handle_common, put_opt, NodeHandle, NodeOptions};
use crate::array::named;
use crate::{ClientError, Flavor, Frames, IntoArray, RemoteViewer};

const KIND: NodeKind = NodeKind::Smpl;

/// The body model's gender (which model file the viewer loads).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Gender {
    /// The gender-neutral model (the default; SMPL-H has none and uses the female one).
    #[default]
    Neutral,
    /// The male model.
    Male,
    /// The female model.
    Female,
}

impl Gender {
    /// aitviewer's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Gender::Neutral => "neutral",
            Gender::Male => "male",
            Gender::Female => "female",
        }
    }
}

/// Options of [`RemoteSmplSequence`], with aitviewer's names and defaults.
///
/// ```
/// use meshcast_client::{Gender, SmplModelType, SmplOptions};
/// let o = SmplOptions::default().gender(Gender::Female).num_betas(16);
/// assert_eq!((o.model_type, o.include_root, o.is_rigged), (SmplModelType::Smpl, true, true));
/// ```
#[derive(Debug, Clone)]
pub struct SmplOptions {
    /// Name, transform, mesh colour (default `(160/255,160/255,160/255,1)`) and the other common
    /// arguments.
    pub node: NodeOptions,
    /// SMPL, SMPL-H or SMPL-X (SMPL).
    pub model_type: SmplModelType,
    /// Which model file (neutral).
    pub gender: Gender,
    /// Shape coefficients used (10).
    pub num_betas: u32,
    /// Root orientation, axis-angle, `(N,3)` (zeros).
    pub poses_root: Option<NdArray>,
    /// Shape, `(B,)` shared or `(N,B)` per frame (zeros).
    pub betas: Option<NdArray>,
    /// Translation `(N,3)` (zeros).
    pub trans: Option<NdArray>,
    /// Left hand pose `(N,45)` (SMPL-H, SMPL-X).
    pub poses_left_hand: Option<NdArray>,
    /// Right hand pose `(N,45)` (SMPL-H, SMPL-X).
    pub poses_right_hand: Option<NdArray>,
    /// Jaw pose `(N,3)` (SMPL-X).
    pub poses_jaw: Option<NdArray>,
    /// Left eye pose `(N,3)` (SMPL-X).
    pub poses_leye: Option<NdArray>,
    /// Right eye pose `(N,3)` (SMPL-X).
    pub poses_reye: Option<NdArray>,
    /// Expression coefficients `(N,E)` (SMPL-X).
    pub expression: Option<NdArray>,
    /// Apply the root orientation and translation (true).
    pub include_root: bool,
    /// Make frame 0's root the identity at the origin (false).
    pub normalize_root: bool,
    /// Show the skeleton (true).
    pub is_rigged: bool,
    /// Show per-joint orientation frames (false).
    pub show_joint_angles: bool,
    /// The data is z-up (false).
    pub z_up: bool,
}

impl Default for SmplOptions {
    fn default() -> Self {
        Self {
            node: NodeOptions::default(),
            model_type: SmplModelType::Smpl,
            gender: Gender::Neutral,
            num_betas: const { KIND.default_int("num_betas") as u32 },
            poses_root: None,
            betas: None,
            trans: None,
            poses_left_hand: None,
            poses_right_hand: None,
            poses_jaw: None,
            poses_leye: None,
            poses_reye: None,
            expression: None,
            include_root: const { KIND.default_bool("include_root") },
            normalize_root: const { KIND.default_bool("normalize_root") },
            is_rigged: const { KIND.default_bool("is_rigged") },
            show_joint_angles: const { KIND.default_bool("show_joint_angles") },
            z_up: const { KIND.default_bool("z_up") },
        }
    }
}

node_setters!(SmplOptions);
value_setters!(SmplOptions {
    /// Sets the body model.
    model_type: SmplModelType,
    /// Sets the gender.
    gender: Gender,
    /// Sets how many shape coefficients are used.
    num_betas: u32,
    /// Sets whether root orientation and translation apply.
    include_root: bool,
    /// Sets root normalisation.
    normalize_root: bool,
    /// Sets whether the skeleton shows.
    is_rigged: bool,
    /// Sets whether joint orientation frames show.
    show_joint_angles: bool,
    /// Marks the data as z-up.
    z_up: bool,
});

macro_rules! array_setters {
    ($($f:ident: $doc:literal),* $(,)?) => {
        impl SmplOptions {$(
            #[doc = $doc]
            pub fn $f(mut self, data: impl IntoArray) -> Self {
                self.$f = self.array(stringify!($f), data);
                self
            }
        )*}
    };
}

array_setters!(
    poses_root: "Sets the root orientation, axis-angle `(N,3)`.",
    betas: "Sets the shape: `(B,)` shared or `(N,B)` per frame.",
    trans: "Sets the translation `(N,3)`.",
    poses_left_hand: "Sets the left hand pose `(N,45)`.",
    poses_right_hand: "Sets the right hand pose `(N,45)`.",
    poses_jaw: "Sets the jaw pose `(N,3)`.",
    poses_leye: "Sets the left eye pose `(N,3)`.",
    poses_reye: "Sets the right eye pose `(N,3)`.",
    expression: "Sets the expression `(N,E)`.",
);

impl SmplOptions {
    /// aitviewer's default body colour.
    pub const DEFAULT_COLOR: [f32; 4] = KIND.default_color();

    fn to_kwargs(&self) -> Result<Kwargs, ClientError> {
        let mut kw = self.node.to_kwargs(Self::DEFAULT_COLOR)?;
        kw.insert("model_type".into(), Value::from(self.model_type.as_str()));
        kw.insert("gender".into(), Value::from(self.gender.as_str()));
        kw.insert("num_betas".into(), Value::Int(i64::from(self.num_betas)));
        for (k, a) in [
            ("poses_root", &self.poses_root),
            ("betas", &self.betas),
            ("trans", &self.trans),
            ("poses_left_hand", &self.poses_left_hand),
            ("poses_right_hand", &self.poses_right_hand),
            ("poses_jaw", &self.poses_jaw),
            ("poses_leye", &self.poses_leye),
            ("poses_reye", &self.poses_reye),
            ("expression", &self.expression),
        ] {
            put_opt(&mut kw, k, a);
        }
        for (k, v) in [
            ("include_root", self.include_root),
            ("normalize_root", self.normalize_root),
            ("is_rigged", self.is_rigged),
            ("show_joint_angles", self.show_joint_angles),
            ("z_up", self.z_up),
        ] {
            kw.insert(k.into(), Value::Bool(v));
        }
        Ok(kw)
    }
}

/// Frame data of an SMPL sequence: body poses and, optionally, root orientation, translation
/// and shape (aitviewer's `add_frames(poses_body, poses_root, trans, betas)`).
///
/// ```
/// use meshcast_client::SmplFrames;
/// let f = SmplFrames::new(vec![[0.0f32; 69]; 4]).trans(vec![[0.0f32, 0.0, 1.0]; 4]);
/// ```
#[derive(Debug, Clone)]
pub struct SmplFrames {
    kwargs: Result<Kwargs, ClientError>,
}

impl SmplFrames {
    /// Body poses: `(J*3,)` for one frame or `(K, J*3)` (69 values for SMPL, 63 for SMPL-H/X).
    pub fn new(poses_body: impl IntoArray) -> Self {
        Self {
            kwargs: Ok(Kwargs::new()),
        }
        .with("poses_body", poses_body)
    }

    fn with(mut self, name: &str, data: impl IntoArray) -> Self {
        if let Ok(kw) = &mut self.kwargs {
            match named(name, data) {
                Ok(a) => {
                    kw.insert(name.to_owned(), Value::Array(a));
                }
                Err(e) => self.kwargs = Err(e),
            }
        }
        self
    }

    /// Root orientations, axis-angle `(3,)` or `(K,3)` (zeros when absent).
    pub fn poses_root(self, data: impl IntoArray) -> Self {
        self.with("poses_root", data)
    }

    /// Translations `(3,)` or `(K,3)` (zeros when absent).
    pub fn trans(self, data: impl IntoArray) -> Self {
        self.with("trans", data)
    }

    /// Shape: one shared row or one per frame.
    pub fn betas(self, data: impl IntoArray) -> Self {
        self.with("betas", data)
    }
}

/// An SMPL body sequence on the viewer: aitviewer's `RemoteSMPLSequence`. `poses_body` is
/// `(N, J*3)` axis-angle per body joint without the root (69 for SMPL). The viewer needs the
/// model files; the relay checks shapes and the model type.
///
/// ```no_run
/// use meshcast_client::{RemoteSmplSequence, RemoteViewer, SmplFrames, SmplOptions};
/// # fn main() -> Result<(), meshcast_client::ClientError> {
/// let v = RemoteViewer::connect("127.0.0.1")?;
/// let poses = vec![[0.0f32; 69]; 30];
/// let body = RemoteSmplSequence::new(&v, &poses, SmplOptions::default().trans(vec![[0.0f32; 3]; 30]))?;
/// body.add_frames_with(SmplFrames::new(vec![[0.1f32; 69]; 2]).trans(vec![[0.0f32, 0.0, 1.0]; 2]))?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RemoteSmplSequence<V = RemoteViewer>(NodeHandle<V>);

handle_common!(RemoteSmplSequence);

impl<V: Flavor> RemoteSmplSequence<V> {
    /// Creates the sequence (message SMPL).
    pub fn new(viewer: &V, poses_body: impl IntoArray, options: SmplOptions) -> V::Ret<Result<Self, ClientError>> {
        let kwargs = options.to_kwargs().and_then(|mut kw| {
            kw.insert("poses_body".into(), Value::Array(named("poses_body", poses_body)?));
            Ok(kw)
        });
        NodeHandle::create(viewer, KIND, kwargs, Self)
    }

    /// Appends frames of body poses (root and translation become zeros, betas stay).
    pub fn add_frames(&self, poses_body: impl IntoArray) -> V::Ret<Result<(), ClientError>> {
        self.add_frames_with(SmplFrames::new(poses_body))
    }

    /// Appends frames with root, translation or shape.
    pub fn add_frames_with(&self, frames: SmplFrames) -> V::Ret<Result<(), ClientError>> {
        self.0.frames_op(frames.kwargs, None)
    }

    /// Overwrites `frames` with body poses.
    pub fn update_frames(
        &self,
        poses_body: impl IntoArray,
        frames: impl Into<Frames>,
    ) -> V::Ret<Result<(), ClientError>> {
        self.update_frames_with(SmplFrames::new(poses_body), frames)
    }

    /// Overwrites `frames` with body poses and root, translation or shape.
    pub fn update_frames_with(&self, data: SmplFrames, frames: impl Into<Frames>) -> V::Ret<Result<(), ClientError>> {
        self.0.frames_op(data.kwargs, Some(frames.into()))
    }
}
