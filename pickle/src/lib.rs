//! meshcast-pickle (being written).
