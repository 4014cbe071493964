//! meshcast-smpl (being written).
