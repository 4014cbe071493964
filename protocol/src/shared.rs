//! Zero-copy decoding: byte strings of a message decoded from a [`Bytes`] buffer become slices
//! of that buffer instead of copies.
//!
//! `rmp-serde` decoding from a slice hands the visitors borrowed sub-slices of the input. While
//! [`with_source`] runs, [`share`] turns such a sub-slice back into a reference-counted slice of
//! the source buffer (found by address, in safe code); anything else is copied. An array decoded
//! this way keeps its raw little-endian bytes exactly where they arrived, at any alignment: its
//! elements are read bytewise ([`crate::NdArray::to_f32_vec`] and friends), never through a cast.

use std::cell::RefCell;

use bytes::Bytes;

thread_local! {
    static SOURCE: RefCell<Option<Bytes>> = const { RefCell::new(None) };
}

/// Runs `f` (a decode of `source`'s bytes) with `source` as the buffer [`share`] slices.
pub(crate) fn with_source<R>(source: &Bytes, f: impl FnOnce() -> R) -> R {
    let outer = SOURCE.with(|s| s.replace(Some(source.clone())));
    let r = f();
    SOURCE.with(|s| s.replace(outer));
    r
}

/// `sub` as a slice of the buffer being decoded when it lies inside it (no copy), else a copy.
pub(crate) fn share(sub: &[u8]) -> Bytes {
    SOURCE.with(|s| {
        s.borrow()
            .as_ref()
            .and_then(|src| offset_in(src, sub).map(|at| src.slice(at..at + sub.len())))
            .unwrap_or_else(|| Bytes::copy_from_slice(sub))
    })
}

/// Where `sub` starts in `buf`, when it lies entirely inside it.
fn offset_in(buf: &[u8], sub: &[u8]) -> Option<usize> {
    let start = (sub.as_ptr() as usize).checked_sub(buf.as_ptr() as usize)?;
    (start.checked_add(sub.len())? <= buf.len()).then_some(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_of_the_source_are_shared_and_others_copied() {
        let src = Bytes::from((0u8..100).collect::<Vec<u8>>());
        let inside = &src[10..20];
        let shared = with_source(&src, || share(inside));
        assert_eq!(shared.as_ptr(), inside.as_ptr());
        assert_eq!(&shared[..], inside);
        // Outside a decode, or not inside the source: a copy with the same contents.
        let other = vec![7u8; 5];
        let copied = with_source(&src, || share(&other));
        assert_ne!(copied.as_ptr(), other.as_ptr());
        assert_eq!(&copied[..], &other[..]);
        assert_ne!(share(inside).as_ptr(), inside.as_ptr());
    }

    #[test]
    fn a_slice_running_past_the_source_is_copied() {
        let whole = Bytes::from(vec![1u8; 64]);
        let src = whole.slice(0..32);
        let straddling = &whole[16..48];
        let got = with_source(&src, || share(straddling));
        assert_ne!(got.as_ptr(), straddling.as_ptr());
        assert_eq!(&got[..], straddling);
    }

    #[test]
    fn nested_sources_restore_the_outer_one() {
        let a = Bytes::from(vec![1u8; 8]);
        let b = Bytes::from(vec![2u8; 8]);
        with_source(&a, || {
            with_source(&b, || assert_eq!(share(&b[..4]).as_ptr(), b.as_ptr()));
            assert_eq!(share(&a[..4]).as_ptr(), a.as_ptr());
        });
        assert!(SOURCE.with(|s| s.borrow().is_none()));
    }
}
