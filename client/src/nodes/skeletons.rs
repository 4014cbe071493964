//! [`RemoteSkeletons`]: joints and bones (message type 11, aitviewer 1.14).

use meshcast_protocol::{Kwargs, NodeKind, Value};

use super::options::{node_setters, value_setters};
use super::{node_handle, NodeOptions};
use crate::ClientError;

const KIND: NodeKind = NodeKind::Skeletons;

/// Options of [`RemoteSkeletons`], with aitviewer's names and defaults.
///
/// ```
/// assert_eq!(meshcast_client::SkeletonsOptions::default().radius, 0.01);
/// ```
#[derive(Debug, Clone)]
pub struct SkeletonsOptions {
    /// Name, transform, colour (default `(1, 177/255, 1/255, 1)`) and the other common arguments.
    pub node: NodeOptions,
    /// Joint sphere radius; bones taper from it to a tenth (0.01).
    pub radius: f32,
}

impl Default for SkeletonsOptions {
    fn default() -> Self {
        Self {
            node: NodeOptions::default(),
            radius: const { KIND.default_number("radius") as f32 },
        }
    }
}

node_setters!(SkeletonsOptions);
value_setters!(SkeletonsOptions {
    /// Sets the joint radius.
    radius: f32,
});

impl SkeletonsOptions {
    /// aitviewer's default skeleton colour.
    pub const DEFAULT_COLOR: [f32; 4] = KIND.default_color();

    fn to_kwargs(&self) -> Result<Kwargs, ClientError> {
        let mut kw = self.node.to_kwargs(Self::DEFAULT_COLOR)?;
        kw.insert("radius".into(), Value::Float(f64::from(self.radius)));
        Ok(kw)
    }
}

node_handle! {
    /// Skeletons on the viewer: aitviewer's `RemoteSkeletons`. `joint_positions` is `(J,3)` or
    /// `(N,J,3)`; `joint_connections` `(K,2)` (parent, child) index pairs, rows with -1 dropped.
    ///
    /// ```no_run
    /// use meshcast_client::{RemoteSkeletons, RemoteViewer, SkeletonsOptions};
    /// # fn main() -> Result<(), meshcast_client::ClientError> {
    /// let v = RemoteViewer::connect("127.0.0.1")?;
    /// let joints = [[0.0f32, 0.0, 0.0], [0.0, 1.0, 0.0], [0.5, 1.5, 0.0]];
    /// let s = RemoteSkeletons::new(&v, &joints, &[[0i32, 1], [1, 2]], SkeletonsOptions::default())?;
    /// s.add_frames(&joints)?;
    /// # Ok(()) }
    /// ```
    RemoteSkeletons(KIND, SkeletonsOptions) {
        /// Creates the skeletons (message SKELETONS).
        new(joint_positions, joint_connections);
        frames(joint_positions),
        add: "Appends frames: joint positions `(J,3)` or `(K,J,3)`.",
        update: "Overwrites `frames` with joint positions."
    }
}
