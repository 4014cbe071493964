//! Decoding memory, measured: a counting allocator records the peak of live heap bytes while
//! hostile messages of a few megabytes decode, and the peak above what was live before must stay
//! within `bounded::MEMORY_FACTOR` times the message's size plus `bounded::MEMORY_FLOOR`, whether
//! the message is accepted or refused. One test in this binary, so nothing else allocates
//! meanwhile.
#![allow(unsafe_code, clippy::unwrap_used)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use meshcast_protocol::bounded::{MEMORY_FACTOR, MEMORY_FLOOR};
use meshcast_protocol::{decode_envelope, encode_envelope, Envelope, NdArray, Value};

/// The system allocator, counting live bytes and their peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::SeqCst) + layout.size();
            PEAK.fetch_max(live, Ordering::SeqCst);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::SeqCst);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Decodes `msg` and returns the peak heap growth while it did, and whether it was accepted.
fn peak_growth(msg: &[u8]) -> (usize, bool) {
    let base = LIVE.load(Ordering::SeqCst);
    PEAK.store(base, Ordering::SeqCst);
    let accepted = decode_envelope(msg).is_ok();
    (PEAK.load(Ordering::SeqCst) - base, accepted)
}

fn user(v: Value) -> Vec<u8> {
    encode_envelope(&Envelope::new(10_000, None).with_kwarg("x", v))
}

#[test]
fn decoding_memory_stays_within_the_stated_factor() {
    let n = 1 << 20;
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("1-byte integers", user(Value::List(vec![Value::Int(1); n]))),
        ("floats", user(Value::List(vec![Value::Float(0.5); n]))),
        (
            "nested lists",
            user(Value::List(vec![Value::List(vec![Value::Int(1); 3]); n / 4])),
        ),
        ("maps", user(Value::Map(vec![(Value::Int(1), Value::Nil); n / 2]))),
        ("short strings", user(Value::List(vec![Value::from("ab"); n]))),
        ("many arguments", {
            let mut env = Envelope::new(10_000, None);
            env.args = vec![Value::Nil; n];
            encode_envelope(&env)
        }),
        ("many keyword arguments", {
            let mut env = Envelope::new(10_000, None);
            env.kwargs = (0..n / 4).map(|i| (format!("{i:x}"), Value::Nil)).collect();
            encode_envelope(&env)
        }),
        ("small list, accepted", user(Value::List(vec![Value::Int(1); 1000]))),
        (
            "a 16 MiB array, accepted",
            user(Value::Array(
                NdArray::from_f32(&[4 << 20], &vec![1.0; 4 << 20]).unwrap(),
            )),
        ),
    ];
    for (what, msg) in &cases {
        let (peak, accepted) = peak_growth(msg);
        let bound = MEMORY_FACTOR * msg.len() + MEMORY_FLOOR;
        println!(
            "{what}: {} bytes, {} on decode, peak {peak} bytes ({:.1}x its size), bound {bound}",
            msg.len(),
            if accepted { "accepted" } else { "refused" },
            peak as f64 / msg.len() as f64
        );
        assert!(peak <= bound, "{what}: peak {peak} > {bound}");
        assert_eq!(accepted, what.ends_with("accepted"), "{what}");
    }
}
