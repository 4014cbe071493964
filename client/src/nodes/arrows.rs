//! [`RemoteArrows`]: arrows with a cylinder shaft and a cone head (message type 5).

use meshcast_protocol::{Kwargs, NodeKind, Value};

use super::options::{node_setters, value_setters};
use super::{node_handle, NodeOptions};
use crate::ClientError;

const KIND: NodeKind = NodeKind::Arrows;

/// Options of [`RemoteArrows`], with aitviewer's names and defaults.
///
/// ```
/// let o = meshcast_client::ArrowsOptions::default().p(0.2);
/// assert_eq!((o.r_base, o.r_head, o.p), (0.01, 0.02, 0.2));
/// ```
#[derive(Debug, Clone)]
pub struct ArrowsOptions {
    /// Name, transform, colour (default `(0,0,0.5,1)`) and the other common arguments.
    pub node: NodeOptions,
    /// Shaft radius (0.01).
    pub r_base: f32,
    /// Head radius at its base (0.02).
    pub r_head: f32,
    /// Share of the length taken by the head (0.1).
    pub p: f32,
}

impl Default for ArrowsOptions {
    fn default() -> Self {
        Self {
            node: NodeOptions::default(),
            r_base: const { KIND.default_number("r_base") as f32 },
            r_head: const { KIND.default_number("r_head") as f32 },
            p: const { KIND.default_number("p") as f32 },
        }
    }
}

node_setters!(ArrowsOptions);
value_setters!(ArrowsOptions {
    /// Sets the shaft radius.
    r_base: f32,
    /// Sets the head radius.
    r_head: f32,
    /// Sets the head's share of the length.
    p: f32,
});

impl ArrowsOptions {
    /// aitviewer's default arrow colour.
    pub const DEFAULT_COLOR: [f32; 4] = KIND.default_color();

    fn to_kwargs(&self) -> Result<Kwargs, ClientError> {
        let mut kw = self.node.to_kwargs(Self::DEFAULT_COLOR)?;
        kw.insert("r_base".into(), Value::Float(f64::from(self.r_base)));
        kw.insert("r_head".into(), Value::Float(f64::from(self.r_head)));
        kw.insert("p".into(), Value::Float(f64::from(self.p)));
        Ok(kw)
    }
}

node_handle! {
    /// Arrows on the viewer: aitviewer's `RemoteArrows`. `origins` and `tips` are `(B,3)` or
    /// `(N,B,3)`, the same shape.
    ///
    /// ```no_run
    /// use meshcast_client::{ArrowsOptions, RemoteArrows, RemoteViewer};
    /// # fn main() -> Result<(), meshcast_client::ClientError> {
    /// let v = RemoteViewer::connect("127.0.0.1")?;
    /// let a = RemoteArrows::new(&v, &[[0.0f32; 3]], &[[0.0f32, 1.0, 0.0]], ArrowsOptions::default())?;
    /// a.add_frames(&[[0.0f32; 3]], &[[1.0f32, 0.0, 0.0]])?;
    /// # Ok(()) }
    /// ```
    RemoteArrows(KIND, ArrowsOptions) {
        /// Creates the arrows (message ARROWS).
        new(origins, tips);
        frames(origins, tips),
        add: "Appends frames: origins and tips `(B,3)` or `(K,B,3)`.",
        update: "Overwrites `frames` with origins and tips."
    }
}
