//! [`RemoteRigidBodies`]: a sphere and three axis arrows per body (message type 6).

use meshcast_protocol::{Kwargs, NodeKind, Value};

use super::options::{node_setters, value_setters};
use super::{node_handle, NodeOptions};
use crate::ClientError;

const KIND: NodeKind = NodeKind::RigidBodies;

/// Options of [`RemoteRigidBodies`], with aitviewer's names and defaults.
///
/// ```
/// let o = meshcast_client::RigidBodiesOptions::default().length(0.5);
/// assert_eq!((o.radius, o.length, o.radius_cylinder), (0.02, 0.5, None));
/// ```
#[derive(Debug, Clone)]
pub struct RigidBodiesOptions {
    /// Name, transform, colour (default `(0,1,0.5,1)`) and the other common arguments.
    pub node: NodeOptions,
    /// Radius of the sphere at each centre (0.02).
    pub radius: f32,
    /// Length of the axis arrows (0.2).
    pub length: f32,
    /// Arrow shaft radius (`None`: `length / 50`).
    pub radius_cylinder: Option<f32>,
}

impl Default for RigidBodiesOptions {
    fn default() -> Self {
        Self {
            node: NodeOptions::default(),
            radius: const { KIND.default_number("radius") as f32 },
            length: const { KIND.default_number("length") as f32 },
            radius_cylinder: None,
        }
    }
}

node_setters!(RigidBodiesOptions);
value_setters!(RigidBodiesOptions {
    /// Sets the sphere radius.
    radius: f32,
    /// Sets the axis length.
    length: f32,
});

impl RigidBodiesOptions {
    /// aitviewer's default rigid-body colour.
    pub const DEFAULT_COLOR: [f32; 4] = KIND.default_color();

    /// Sets the arrow shaft radius.
    pub fn radius_cylinder(mut self, r: f32) -> Self {
        self.radius_cylinder = Some(r);
        self
    }

    fn to_kwargs(&self) -> Result<Kwargs, ClientError> {
        let mut kw = self.node.to_kwargs(Self::DEFAULT_COLOR)?;
        kw.insert("radius".into(), Value::Float(f64::from(self.radius)));
        kw.insert("length".into(), Value::Float(f64::from(self.length)));
        if let Some(r) = self.radius_cylinder {
            kw.insert("radius_cylinder".into(), Value::Float(f64::from(r)));
        }
        Ok(kw)
    }
}

node_handle! {
    /// Rigid bodies on the viewer: aitviewer's `RemoteRigidBodies`. `rb_pos` is `(R,3)` or
    /// `(N,R,3)`; `rb_ori` rotation matrices `(R,3,3)` or `(N,R,3,3)` (`Mat3`s work).
    ///
    /// ```no_run
    /// use glam::{Mat3, Vec3};
    /// use meshcast_client::{RemoteRigidBodies, RemoteViewer, RigidBodiesOptions};
    /// # fn main() -> Result<(), meshcast_client::ClientError> {
    /// let v = RemoteViewer::connect("127.0.0.1")?;
    /// let rb = RemoteRigidBodies::new(&v, vec![Vec3::ZERO], vec![Mat3::IDENTITY], RigidBodiesOptions::default())?;
    /// rb.add_frames(vec![Vec3::X], vec![Mat3::from_rotation_y(0.5)])?;
    /// # Ok(()) }
    /// ```
    RemoteRigidBodies(KIND, RigidBodiesOptions) {
        /// Creates the rigid bodies (message RIGID_BODIES).
        new(rb_pos, rb_ori);
        frames(rb_pos, rb_ori),
        add: "Appends frames: positions `(R,3)`/`(K,R,3)` and orientations `(R,3,3)`/`(K,R,3,3)`.",
        update: "Overwrites `frames` with positions and orientations."
    }
}
