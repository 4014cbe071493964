//! Reusable per-thread buffers for encoding.
//!
//! A message is encoded into this thread's output buffer and split off it as a [`Bytes`]
//! (no copy); the relay hands that one buffer to every viewer. When the message is dropped, the
//! next encode on the thread reclaims its memory instead of asking the allocator (which would
//! map and unmap pages for each large message). An array's data is copied once, into the
//! message, when its header and data are already in one buffer ([`crate::NdArray::ext_payload`]);
//! otherwise it is first assembled in a scratch buffer, itself reused across messages.

use std::cell::{Cell, RefCell};

use bytes::{BufMut, Bytes, BytesMut};
use serde::Serialize;

/// Buffers larger than this are released after use rather than kept for the next message.
const KEEP_AT_MOST: usize = 8 << 20;

/// Room reserved for a message at least (most are small).
const MIN_RESERVE: usize = 512;

thread_local! {
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    static OUTPUT: RefCell<BytesMut> = RefCell::new(BytesMut::new());
    /// The size of the last message encoded on this thread: the room reserved for the next one
    /// (a stream of frames is mostly of one size), so that a large array is written without
    /// the buffer growing (and copying what is already written) on the way.
    static LAST_LEN: Cell<usize> = const { Cell::new(0) };
}

fn release_if_large(buf: &mut Vec<u8>) {
    if buf.capacity() > KEEP_AT_MOST {
        *buf = Vec::new();
    }
}

/// Runs `f` with this thread's scratch buffer (for extension payloads).
pub(crate) fn with_scratch<R>(f: impl FnOnce(&mut Vec<u8>) -> R) -> R {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => {
            let r = f(&mut buf);
            release_if_large(&mut buf);
            r
        }
        // Re-entered (cannot happen for Value trees): fall back to a fresh buffer.
        Err(_) => f(&mut Vec::new()),
    })
}

/// Encodes `msg` as MessagePack with struct fields as map keys.
pub(crate) fn encode_named<T: Serialize + ?Sized>(msg: &T) -> Bytes {
    OUTPUT.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => {
            buf.clear();
            buf.reserve(LAST_LEN.get().max(MIN_RESERVE));
            // Serialising into memory cannot fail: every Value variant maps onto MessagePack.
            let ok = msg
                .serialize(&mut rmp_serde::Serializer::new((&mut *buf).writer()).with_struct_map())
                .is_ok();
            let out = buf.split().freeze();
            LAST_LEN.set(out.len());
            if out.len() > KEEP_AT_MOST || buf.capacity() > KEEP_AT_MOST {
                // Do not keep a large allocation alive (through the split) for the next message.
                *buf = BytesMut::new();
                LAST_LEN.set(0);
            }
            if ok {
                out
            } else {
                Bytes::new()
            }
        }
        Err(_) => rmp_serde::to_vec_named(msg).unwrap_or_default().into(),
    })
}

#[cfg(test)]
mod tests {
    use crate::{decode_envelope, encode_envelope, encode_envelope_bytes, Envelope, NdArray};

    #[test]
    fn reused_buffers_give_independent_results() {
        let a =
            Envelope::new(3, Some(1)).with_kwarg("positions", NdArray::from_f32(&[1, 1, 3], &[1.0, 2.0, 3.0]).unwrap());
        let b = Envelope::new(3, Some(2)).with_kwarg("positions", NdArray::from_f32(&[1, 2, 3], &[4.0; 6]).unwrap());
        let ea = encode_envelope(&a);
        let eb = encode_envelope(&b);
        assert_eq!(decode_envelope(&ea).unwrap(), a);
        assert_eq!(decode_envelope(&eb).unwrap(), b);
        assert_eq!(encode_envelope(&a), ea);
    }

    #[test]
    fn arrays_encode_the_same_with_and_without_their_payload() {
        let a = NdArray::from_f32(&[2, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
        let b = NdArray::new(a.dtype(), a.shape().to_vec(), a.data().clone()).unwrap();
        assert!(a.ext_payload().is_some() && b.ext_payload().is_none());
        let ea = encode_envelope(&Envelope::new(3, Some(1)).with_kwarg("positions", a));
        let eb = encode_envelope(&Envelope::new(3, Some(1)).with_kwarg("positions", b));
        assert_eq!(ea, eb);
    }

    #[test]
    fn a_dropped_message_leaves_its_buffer_for_the_next() {
        let env = |x: f32| {
            Envelope::new(102, Some(1)).with_kwarg("vertices", NdArray::from_f32(&[1, 1000, 3], &[x; 3000]).unwrap())
        };
        let first = encode_envelope_bytes(&env(1.0));
        let at = first.as_ptr();
        // While the first is alive the second gets other memory...
        let second = encode_envelope_bytes(&env(2.0));
        assert_ne!(second.as_ptr(), at);
        assert_eq!(decode_envelope(&first).unwrap(), env(1.0));
        drop((first, second));
        // ...and once both are gone, the next is written where the last one was.
        let before = encode_envelope_bytes(&env(3.0));
        let at = before.as_ptr();
        drop(before);
        let again = encode_envelope_bytes(&env(4.0));
        assert_eq!(again.as_ptr(), at);
        assert_eq!(decode_envelope(&again).unwrap(), env(4.0));
    }

    #[test]
    fn large_messages_round_trip() {
        let big = NdArray::from_f32(&[1000, 6890, 3], &vec![0.25; 1000 * 6890 * 3]).unwrap();
        let env = Envelope::new(2, Some(1)).with_kwarg("vertices", big);
        assert_eq!(decode_envelope(&encode_envelope(&env)).unwrap(), env);
    }
}
