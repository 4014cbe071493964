//! meshcast-client (being written).
