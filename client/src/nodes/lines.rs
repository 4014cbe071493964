//! [`RemoteLines`]: line strips or segments drawn as cylinders (message type 4).

use meshcast_protocol::{Kwargs, NdArray, NodeKind, Value};

use super::options::{node_setters, value_setters};
use super::{node_handle, put_opt, NodeOptions};
use crate::{ClientError, IntoArray};

const KIND: NodeKind = NodeKind::Lines;

/// How points make lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LineMode {
    /// Segments 0-1, 1-2, 2-3, ... (`"line_strip"`, the default).
    #[default]
    LineStrip,
    /// Segments 0-1, 2-3, ... (`"lines"`; needs an even number of points).
    Lines,
}

impl LineMode {
    /// aitviewer's name for the mode.
    pub fn as_str(self) -> &'static str {
        match self {
            LineMode::LineStrip => "line_strip",
            LineMode::Lines => "lines",
        }
    }
}

/// Options of [`RemoteLines`], with aitviewer's names and defaults.
///
/// ```
/// use meshcast_client::{LineMode, LinesOptions};
/// let o = LinesOptions::default().mode(LineMode::Lines).r_base(0.02);
/// assert_eq!(o.r_tip, None); // same as r_base
/// ```
#[derive(Debug, Clone)]
pub struct LinesOptions {
    /// Name, transform, colour (default `(0,0,1,1)`) and the other common arguments.
    pub node: NodeOptions,
    /// Cylinder radius at the start of each segment (0.01).
    pub r_base: f32,
    /// Radius at the end (`None`: the same as `r_base`; 0 draws cones).
    pub r_tip: Option<f32>,
    /// Strip or separate segments (strip).
    pub mode: LineMode,
    /// One RGBA colour per line, `(L,4)`.
    pub colors: Option<NdArray>,
    /// Casts a shadow (true).
    pub cast_shadow: bool,
}

impl Default for LinesOptions {
    fn default() -> Self {
        Self {
            node: NodeOptions::default(),
            r_base: const { KIND.default_number("r_base") as f32 },
            r_tip: None,
            mode: LineMode::default(),
            colors: None,
            cast_shadow: const { KIND.default_bool("cast_shadow") },
        }
    }
}

node_setters!(LinesOptions);
value_setters!(LinesOptions {
    /// Sets the base radius.
    r_base: f32,
    /// Sets the mode.
    mode: LineMode,
    /// Sets shadow casting.
    cast_shadow: bool,
});

impl LinesOptions {
    /// aitviewer's default line colour.
    pub const DEFAULT_COLOR: [f32; 4] = KIND.default_color();

    /// Sets the tip radius.
    pub fn r_tip(mut self, r: f32) -> Self {
        self.r_tip = Some(r);
        self
    }

    /// Sets one colour per line.
    pub fn colors(mut self, colors: impl IntoArray) -> Self {
        self.colors = self.array("color", colors);
        self
    }

    fn to_kwargs(&self) -> Result<Kwargs, ClientError> {
        let mut kw = self.node.to_kwargs(Self::DEFAULT_COLOR)?;
        put_opt(&mut kw, "color", &self.colors);
        kw.insert("r_base".into(), Value::Float(f64::from(self.r_base)));
        if let Some(r) = self.r_tip {
            kw.insert("r_tip".into(), Value::Float(f64::from(r)));
        }
        kw.insert("mode".into(), Value::from(self.mode.as_str()));
        kw.insert("cast_shadow".into(), Value::Bool(self.cast_shadow));
        Ok(kw)
    }
}

node_handle! {
    /// Lines on the viewer: aitviewer's `RemoteLines`. `lines` is `(L,3)` points or `(N,L,3)`.
    ///
    /// ```no_run
    /// use meshcast_client::{LineMode, LinesOptions, RemoteLines, RemoteViewer};
    /// # fn main() -> Result<(), meshcast_client::ClientError> {
    /// let v = RemoteViewer::connect("127.0.0.1")?;
    /// let axes = [[0.0f32, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 1.0, 0.0]];
    /// RemoteLines::new(&v, &axes, LinesOptions::default().mode(LineMode::Lines))?;
    /// # Ok(()) }
    /// ```
    RemoteLines(KIND, LinesOptions) {
        /// Creates the lines (message LINES).
        new(lines);
        frames(lines),
        add: "Appends frames: points `(L,3)` or `(K,L,3)`.",
        update: "Overwrites `frames` with `lines`."
    }
}
