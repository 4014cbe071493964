//! Room for messages the relay announced ([`meshcast_protocol::RelayToViewer::Incoming`]).
//!
//! A message reaches the page as a JavaScript `ArrayBuffer` and is copied into the viewer's heap.
//! The first write to each page of memory the heap has not used before costs a fault (the system
//! hands out a zeroed page), and in the browser those faults cost more than the copy itself:
//! copying one 82 MB message took ~107 ms of the page's thread into fresh memory and ~5 ms into
//! memory used before (a CPU profile of headless Chromium). [`warm`] takes that cost while the
//! announced bytes are still arriving, when the page's thread waits anyway: it allocates them,
//! writes one byte per page and frees them again, and the allocator hands the same memory to the
//! allocations that follow.

/// The viewer asks the relay to announce writes of at least this many bytes
/// (`?announce=1048576`): below that, the faults of fresh memory cost little.
pub const ANNOUNCE_FROM_BYTES: usize = 1 << 20;

/// At most this much is made ready for one announcement.
pub const MAX_WARM_BYTES: usize = 512 << 20;

/// The system's memory page (4 KiB where browsers run): one write a page touches all of them.
const PAGE: usize = 4096;

/// Makes `bytes` of heap (at most `cap`) ready for the allocations that follow: allocates them,
/// writes one byte per page and frees them. Returns the bytes made ready, 0 when they could not
/// be allocated (nothing else happens then: the messages are copied into fresh memory as
/// before).
pub fn warm(bytes: usize, cap: usize) -> usize {
    let n = bytes.min(cap);
    let mut room: Vec<u8> = Vec::new();
    if n == 0 || room.try_reserve_exact(n).is_err() {
        return 0;
    }
    let spare = room.spare_capacity_mut();
    let mut at = 0;
    while let Some(byte) = spare.get_mut(at) {
        byte.write(1);
        at += PAGE;
    }
    // The writes go to memory freed right after without being read: keep the optimiser from
    // dropping them.
    std::hint::black_box(&*spare);
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warms_what_was_announced_up_to_the_cap() {
        assert_eq!(warm(3 << 20, MAX_WARM_BYTES), 3 << 20);
        assert_eq!(warm(10 << 20, 1 << 20), 1 << 20);
        assert_eq!(warm(PAGE + 1, MAX_WARM_BYTES), PAGE + 1);
        assert_eq!(warm(0, MAX_WARM_BYTES), 0);
    }

    #[test]
    fn what_cannot_be_allocated_is_not_warmed() {
        // More than any allocation may be: refused without allocating, not an abort.
        assert_eq!(warm(usize::MAX, usize::MAX), 0);
    }
}
