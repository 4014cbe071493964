//! [`Changed`]: what an update of the viewer state changed, so the shell knows what to redraw
//! and which panels to refresh (instead of "needs redraw" flags set by hand).

use std::ops::{BitOr, BitOrAssign};

/// A set of changes, returned by every update of [`super::ViewerState`]. Combine with `|`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Changed(u16);

impl Changed {
    /// Nothing changed.
    pub const NONE: Changed = Changed(0);
    /// Nodes were created, deleted or replaced, or received frames (or a snapshot started/ended).
    pub const SCENE: Changed = Changed(1);
    /// A node's data was edited locally (transform, colour).
    pub const NODE_DATA: Changed = Changed(1 << 1);
    /// The selection or a node's visibility changed.
    pub const SELECTION: Changed = Changed(1 << 2);
    /// A per-node display override (flat shading, edges) changed.
    pub const NODE_VIEW: Changed = Changed(1 << 3);
    /// The frame shown changed.
    pub const FRAME: Changed = Changed(1 << 4);
    /// Playback state changed (playing, fps, looping).
    pub const PLAYBACK: Changed = Changed(1 << 5);
    /// The camera moved or changed mode or projection.
    pub const CAMERA: Changed = Changed(1 << 6);
    /// A view option changed (background, floor, lights).
    pub const VIEW: Changed = Changed(1 << 7);
    /// Producer clients connected or disconnected.
    pub const CLIENTS: Changed = Changed(1 << 8);
    /// The connection state or the last error changed.
    pub const CONNECTION: Changed = Changed(1 << 9);

    /// True when every change in `other` is in `self`.
    pub fn contains(self, other: Changed) -> bool {
        self.0 & other.0 == other.0
    }

    /// True when `self` and `other` share a change.
    pub fn intersects(self, other: Changed) -> bool {
        self.0 & other.0 != 0
    }

    /// True when nothing changed.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The picture must be rendered again.
    pub fn needs_redraw(self) -> bool {
        self.intersects(
            Changed::SCENE
                | Changed::NODE_DATA
                | Changed::SELECTION
                | Changed::NODE_VIEW
                | Changed::FRAME
                | Changed::PLAYBACK
                | Changed::CAMERA
                | Changed::VIEW,
        )
    }

    /// The list of nodes must be rebuilt.
    pub fn needs_scene_list(self) -> bool {
        self.intersects(Changed::SCENE | Changed::SELECTION)
    }

    /// The properties panel of the selected node must be rebuilt.
    pub fn needs_details(self) -> bool {
        self.intersects(
            Changed::SCENE | Changed::NODE_DATA | Changed::SELECTION | Changed::NODE_VIEW | Changed::CLIENTS,
        )
    }

    /// The list of clients must be rebuilt.
    pub fn needs_clients(self) -> bool {
        self.contains(Changed::CLIENTS)
    }

    /// The top bar's connection state or error line must be shown again, on this frame even
    /// while the other panels wait for their turn.
    pub fn needs_status(self) -> bool {
        self.contains(Changed::CONNECTION)
    }
}

impl BitOr for Changed {
    type Output = Changed;
    fn bitor(self, rhs: Changed) -> Changed {
        Changed(self.0 | rhs.0)
    }
}

impl BitOrAssign for Changed {
    fn bitor_assign(&mut self, rhs: Changed) {
        self.0 |= rhs.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combines_and_maps_to_refreshes() {
        let c = Changed::FRAME | Changed::CLIENTS;
        assert!(c.contains(Changed::FRAME) && c.contains(Changed::CLIENTS));
        assert!(!c.contains(Changed::SCENE));
        assert!(c.needs_redraw() && c.needs_clients() && c.needs_details() && !c.needs_scene_list());
        assert!(!Changed::CLIENTS.needs_redraw());
        assert!(!Changed::CONNECTION.needs_redraw() && !Changed::CONNECTION.needs_details());
        assert!(Changed::CONNECTION.needs_status() && !c.needs_status());
        assert!(Changed::SELECTION.needs_scene_list() && !Changed::NODE_VIEW.needs_scene_list());
        assert!(Changed::NONE.is_empty() && !Changed::FRAME.needs_details());
    }
}
