//! [`RemoteSpheres`]: instanced spheres (message type 3).

use meshcast_protocol::{Kwargs, NdArray, NodeKind, Value};

use super::options::{node_setters, value_setters};
use super::{node_handle, put_opt, NodeOptions};
use crate::{ClientError, IntoArray};

const KIND: NodeKind = NodeKind::Spheres;

/// Options of [`RemoteSpheres`], with aitviewer's names and defaults.
///
/// ```
/// let o = meshcast_client::SpheresOptions::default().radius(0.05);
/// assert_eq!((o.radius, o.rings, o.sectors), (0.05, 16, 32));
/// ```
#[derive(Debug, Clone)]
pub struct SpheresOptions {
    /// Name, transform, colour (default `(0,0,1,1)`) and the other common arguments.
    pub node: NodeOptions,
    /// One radius for all spheres (0.01).
    pub radius: f32,
    /// One RGBA colour per sphere, `(P,4)`; replaces the uniform colour.
    pub colors: Option<NdArray>,
    /// Latitude tessellation (16).
    pub rings: u32,
    /// Longitude tessellation (32).
    pub sectors: u32,
    /// Casts a shadow (false).
    pub cast_shadow: bool,
}

impl Default for SpheresOptions {
    fn default() -> Self {
        Self {
            node: NodeOptions::default(),
            radius: const { KIND.default_number("radius") as f32 },
            colors: None,
            rings: const { KIND.default_int("rings") as u32 },
            sectors: const { KIND.default_int("sectors") as u32 },
            cast_shadow: const { KIND.default_bool("cast_shadow") },
        }
    }
}

node_setters!(SpheresOptions);
value_setters!(SpheresOptions {
    /// Sets the radius.
    radius: f32,
    /// Sets shadow casting.
    cast_shadow: bool,
});

impl SpheresOptions {
    /// aitviewer's default sphere colour.
    pub const DEFAULT_COLOR: [f32; 4] = KIND.default_color();

    /// Sets one colour per sphere (`(P,4)`).
    pub fn colors(mut self, colors: impl IntoArray) -> Self {
        self.colors = self.array("color", colors);
        self
    }

    /// Sets the tessellation.
    pub fn tessellation(mut self, rings: u32, sectors: u32) -> Self {
        self.rings = rings;
        self.sectors = sectors;
        self
    }

    fn to_kwargs(&self) -> Result<Kwargs, ClientError> {
        let mut kw = self.node.to_kwargs(Self::DEFAULT_COLOR)?;
        put_opt(&mut kw, "color", &self.colors);
        kw.insert("radius".into(), Value::Float(f64::from(self.radius)));
        kw.insert("rings".into(), Value::Int(i64::from(self.rings)));
        kw.insert("sectors".into(), Value::Int(i64::from(self.sectors)));
        kw.insert("cast_shadow".into(), Value::Bool(self.cast_shadow));
        Ok(kw)
    }
}

node_handle! {
    /// Spheres on the viewer: aitviewer's `RemoteSpheres`. `positions` is `(P,3)` or `(N,P,3)`.
    ///
    /// ```no_run
    /// use meshcast_client::{RemoteSpheres, RemoteViewer, SpheresOptions};
    /// # fn main() -> Result<(), meshcast_client::ClientError> {
    /// let v = RemoteViewer::connect("127.0.0.1")?;
    /// let cloud = vec![glam::Vec3::ZERO, glam::Vec3::X, glam::Vec3::Y];
    /// let s = RemoteSpheres::new(&v, &cloud, SpheresOptions::default().radius(0.05))?;
    /// s.add_frames(vec![vec![glam::Vec3::Z; 3]; 10])?; // ten more frames
    /// # Ok(()) }
    /// ```
    RemoteSpheres(KIND, SpheresOptions) {
        /// Creates the spheres (message SPHERES).
        new(positions);
        frames(positions),
        add: "Appends frames: positions `(P,3)` or `(K,P,3)`.",
        update: "Overwrites `frames` with `positions`."
    }
}
