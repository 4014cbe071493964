//! The viewer-side display options the page UI edits: visibility, selection, shading overrides,
//! background, floor, lights.

use std::collections::{BTreeSet, HashMap, HashSet};

use meshcast_scene::NodeKey;

use super::BodyPart;

/// Background of aitviewer's default light mode (white).
pub const LIGHT_BACKGROUND: [f32; 4] = [1.0, 1.0, 1.0, 1.0];
/// Background of the dark light mode.
pub const DARK_BACKGROUND: [f32; 4] = [0.12, 0.12, 0.14, 1.0];

/// aitviewer's light modes (View > Light modes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LightMode {
    /// Two white directional lights plus the ambient strength.
    #[default]
    Default,
    /// Ambient scaled down to a fifth (aitviewer's dark mode: 2.0 becomes 0.4).
    Dark,
    /// Half the ambient and lights at double strength.
    Diffuse,
}

/// How to draw the scene, beyond the scene itself.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewOptions {
    /// Nodes the user switched off.
    pub hidden: HashSet<NodeKey>,
    /// Inspect mode (aitviewer's I): the node, vertex or face and the point under the cursor
    /// are shown.
    pub inspect: bool,
    /// Parts of SMPL bodies the user switched off.
    pub hidden_parts: BTreeSet<(NodeKey, BodyPart)>,
    /// The selected node: outlined in yellow.
    pub selected: Option<NodeKey>,
    /// Per-node flat shading chosen in the UI (wins over the node's `flat_shading`).
    pub flat_shading_override: HashMap<NodeKey, bool>,
    /// Per-node wireframe overlay chosen in the UI (wins over the node's `draw_edges`).
    pub draw_edges_override: HashMap<NodeKey, bool>,
    /// Clear colour, RGBA 0..1 (aitviewer: white).
    pub background: [f32; 4],
    /// Draw the chessboard floor.
    pub show_floor: bool,
    /// Shadows (accepted, not drawn yet).
    pub shadows: bool,
    /// Light preset.
    pub light_mode: LightMode,
    /// Ambient strength (aitviewer's scene ambient, default 2.0).
    pub ambient: f32,
}

impl Default for ViewOptions {
    fn default() -> Self {
        Self {
            hidden: HashSet::new(),
            inspect: false,
            hidden_parts: BTreeSet::new(),
            selected: None,
            flat_shading_override: HashMap::new(),
            draw_edges_override: HashMap::new(),
            background: LIGHT_BACKGROUND,
            show_floor: true,
            shadows: true,
            light_mode: LightMode::Default,
            ambient: 2.0,
        }
    }
}

impl ViewOptions {
    /// True when the user hid this part of the SMPL body `key` (the body itself may be hidden
    /// too: see [`ViewOptions::is_hidden`]).
    pub fn is_part_hidden(&self, key: &NodeKey, part: BodyPart) -> bool {
        self.hidden_parts.contains(&(*key, part))
    }

    /// True when the node is drawn as far as the user's choices go: neither it nor a node above
    /// it (`parent`) was hidden.
    pub fn is_shown(&self, scene: &meshcast_scene::Scene, key: &NodeKey) -> bool {
        !self.is_hidden(key) && scene.ancestors(key).iter().all(|a| !self.is_hidden(&a.key()))
    }

    /// True when the user hid this node.
    pub fn is_hidden(&self, key: &NodeKey) -> bool {
        self.hidden.contains(key)
    }

    /// The effective ambient term and directional light strength for the shader.
    pub(crate) fn light_terms(&self) -> (f32, f32) {
        let base = 0.2 * self.ambient.max(0.0);
        match self.light_mode {
            LightMode::Default => (base, 1.0),
            LightMode::Dark => (base * 0.2, 1.0),
            LightMode::Diffuse => (base * 0.5, 2.0),
        }
    }
}
