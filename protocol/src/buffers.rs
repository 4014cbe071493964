//! Reusable per-thread scratch buffers for encoding.
//!
//! Encoding a large array builds its extension payload (header + data) and grows an output
//! buffer; doing that in fresh allocations every time makes the allocator map and unmap pages for
//! each message. A per-thread buffer reused across messages avoids that; the result is copied
//! once into an exactly sized `Vec`.

use std::cell::RefCell;

use serde::Serialize;

/// Buffers larger than this are released after use rather than kept for the next message.
const KEEP_AT_MOST: usize = 8 << 20;

thread_local! {
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    static OUTPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
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
pub(crate) fn encode_named<T: Serialize + ?Sized>(msg: &T) -> Vec<u8> {
    OUTPUT.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => {
            buf.clear();
            // Serialising into a Vec cannot fail: every Value variant maps onto MessagePack.
            let ok = msg
                .serialize(&mut rmp_serde::Serializer::new(&mut *buf).with_struct_map())
                .is_ok();
            let out = if ok { buf.to_vec() } else { Vec::new() };
            release_if_large(&mut buf);
            out
        }
        Err(_) => rmp_serde::to_vec_named(msg).unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use crate::{decode_envelope, encode_envelope, Envelope, NdArray};

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
    fn large_messages_round_trip() {
        let big = NdArray::from_f32(&[1000, 6890, 3], &vec![0.25; 1000 * 6890 * 3]).unwrap();
        let env = Envelope::new(2, Some(1)).with_kwarg("vertices", big);
        assert_eq!(decode_envelope(&encode_envelope(&env)).unwrap(), env);
    }
}
