//! meshcast's wire protocol, shared by the relay, both clients and the browser viewer.
//!
//! Every WebSocket binary frame carries one MessagePack message. Producer clients send
//! [`Envelope`]s: aitviewer's `{type, uid, args, kwargs}` dictionary, with n-dimensional arrays
//! carried as [`NdArray`] (a MessagePack extension holding dtype, shape and raw little-endian
//! bytes). [`Command`] is the typed, validated view of an envelope. The relay talks back with
//! [`RelayToClient`] and to viewers with [`RelayToViewer`]; viewers answer with
//! [`ViewerToRelay`]. [`recording`] reads and writes recordings (the log of those messages) over
//! `std::io` readers and writers. The crate opens no files or sockets; see `docs/protocol.md` for
//! the byte-level format and `docs/recording.md` for recordings.

pub mod bounded;
mod buffers;
mod command;
mod dtype;
mod envelope;
mod error;
mod frames;
#[cfg(feature = "images")]
pub mod image;
mod kinds;
mod message_type;
mod ndarray;
pub mod recording;
mod shared;
mod value;
mod wire;

pub use command::{Command, CreateNode, FrameData, MAX_TEXTURE_SIDE};
pub use dtype::DType;
pub use envelope::{decode_envelope, decode_envelope_bytes, encode_envelope, encode_envelope_bytes, Envelope, Kwargs};
pub use error::ProtocolError;
pub use frames::FrameSelection;
pub use kinds::{
    Allowed, Dim, FieldDtype, FieldRole, FieldSpec, KindSpec, NodeKind, OptionDefault, OptionSpec, OptionType,
    SmplModelType, COMMON_FIELDS, COMMON_OPTIONS,
};
pub use message_type::{MessageType, USER_MESSAGE};
pub use ndarray::NdArray;
pub use value::{RangeValue, Value};
pub use wire::{
    decode, decode_bytes, encode, encode_bytes, ClientId, ClientInfo, RelayToClient, RelayToViewer, ViewerToRelay,
};

/// The TCP port the relay listens on by default, as aitviewer's `server_port`.
pub const DEFAULT_PORT: u16 = 8417;

/// WebSocket path for producer clients (the path real aitviewer clients use).
pub const CLIENT_PATH: &str = "/";

/// WebSocket path for browser viewers.
pub const VIEWER_PATH: &str = "/viewer";

/// Query parameter of [`VIEWER_PATH`]: `?announce=N` asks the relay for a
/// [`RelayToViewer::Incoming`] before every write of at least `N` bytes.
pub const ANNOUNCE_QUERY: &str = "announce";

/// MessagePack extension type of an [`NdArray`].
pub const EXT_NDARRAY: i8 = 1;

/// MessagePack extension type of a [`RangeValue`].
pub const EXT_RANGE: i8 = 2;

/// Node ids are chosen by the client (aitviewer: a per-process counter starting at 1).
pub type Uid = u64;
