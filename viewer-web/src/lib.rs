//! meshcast-viewer (being written).
