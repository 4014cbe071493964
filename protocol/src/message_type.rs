//! aitviewer's `Message` numbers, plus meshcast's own control messages.

/// The `type` of an envelope. Values below 10000 are built in; 10000 and above are the user's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageType {
    /// Create a plain transform node (1).
    Node,
    /// Create triangle meshes (2).
    Meshes,
    /// Create spheres (3).
    Spheres,
    /// Create lines (4).
    Lines,
    /// Create arrows (5).
    Arrows,
    /// Create rigid bodies (6).
    RigidBodies,
    /// Create an SMPL body sequence (10).
    Smpl,
    /// Create skeletons (11, aitviewer 1.14).
    Skeletons,
    /// Delete a node (100).
    Delete,
    /// Append frames to a node (101).
    AddFrames,
    /// Overwrite frames of a node (102).
    UpdateFrames,
    /// Remove frames of a node (103).
    RemoveFrames,
    /// Set the scene's current frame (200).
    SetFrame,
    /// Advance the scene's current frame (201).
    NextFrame,
    /// Step the scene's current frame back (202).
    PreviousFrame,
    /// meshcast: ask the relay to acknowledge everything received so far (900).
    Flush,
    /// A user-defined message (10000 and above).
    User(i64),
}

/// The first type number reserved for users (aitviewer's `USER_MESSAGE`).
pub const USER_MESSAGE: i64 = 10000;

impl MessageType {
    /// Every built-in type (all but [`MessageType::User`]), in code order.
    pub const BUILTIN: [MessageType; 16] = [
        Self::Node,
        Self::Meshes,
        Self::Spheres,
        Self::Lines,
        Self::Arrows,
        Self::RigidBodies,
        Self::Smpl,
        Self::Skeletons,
        Self::Delete,
        Self::AddFrames,
        Self::UpdateFrames,
        Self::RemoveFrames,
        Self::SetFrame,
        Self::NextFrame,
        Self::PreviousFrame,
        Self::Flush,
    ];

    /// The type with this number.
    pub fn from_code(code: i64) -> Option<MessageType> {
        Some(match code {
            1 => Self::Node,
            2 => Self::Meshes,
            3 => Self::Spheres,
            4 => Self::Lines,
            5 => Self::Arrows,
            6 => Self::RigidBodies,
            10 => Self::Smpl,
            11 => Self::Skeletons,
            100 => Self::Delete,
            101 => Self::AddFrames,
            102 => Self::UpdateFrames,
            103 => Self::RemoveFrames,
            200 => Self::SetFrame,
            201 => Self::NextFrame,
            202 => Self::PreviousFrame,
            900 => Self::Flush,
            c if c >= USER_MESSAGE => Self::User(c),
            _ => return None,
        })
    }

    /// The number of this type on the wire.
    pub fn code(self) -> i64 {
        match self {
            Self::Node => 1,
            Self::Meshes => 2,
            Self::Spheres => 3,
            Self::Lines => 4,
            Self::Arrows => 5,
            Self::RigidBodies => 6,
            Self::Smpl => 10,
            Self::Skeletons => 11,
            Self::Delete => 100,
            Self::AddFrames => 101,
            Self::UpdateFrames => 102,
            Self::RemoveFrames => 103,
            Self::SetFrame => 200,
            Self::NextFrame => 201,
            Self::PreviousFrame => 202,
            Self::Flush => 900,
            Self::User(c) => c,
        }
    }

    /// aitviewer's name for the type, for logs and errors.
    pub fn name(self) -> &'static str {
        match self {
            Self::Node => "NODE",
            Self::Meshes => "MESHES",
            Self::Spheres => "SPHERES",
            Self::Lines => "LINES",
            Self::Arrows => "ARROWS",
            Self::RigidBodies => "RIGID_BODIES",
            Self::Smpl => "SMPL",
            Self::Skeletons => "SKELETONS",
            Self::Delete => "DELETE",
            Self::AddFrames => "ADD_FRAMES",
            Self::UpdateFrames => "UPDATE_FRAMES",
            Self::RemoveFrames => "REMOVE_FRAMES",
            Self::SetFrame => "SET_FRAME",
            Self::NextFrame => "NEXT_FRAME",
            Self::PreviousFrame => "PREVIOUS_FRAME",
            Self::Flush => "FLUSH",
            Self::User(_) => "USER_MESSAGE",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for c in [
            1, 2, 3, 4, 5, 6, 10, 11, 100, 101, 102, 103, 200, 201, 202, 900, 10000, 12345,
        ] {
            let t = MessageType::from_code(c).unwrap();
            assert_eq!(t.code(), c);
        }
        for t in MessageType::BUILTIN {
            assert_eq!(MessageType::from_code(t.code()), Some(t));
        }
        for c in [0, 7, 12, 99, 104, 203, 9999, -1] {
            assert!(MessageType::from_code(c).is_none(), "{c}");
        }
    }
}
