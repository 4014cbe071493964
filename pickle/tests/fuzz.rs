//! Property tests: random bytes and mutated real pickles never panic, never hang, and never
//! decode to more than the expansion bound allows.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use meshcast_pickle::{decode, encode, Limits, Value};
use meshcast_protocol::{NdArray, RangeValue};
use proptest::prelude::*;

/// The fixtures, plus a few encoder outputs.
fn corpus() -> &'static [Vec<u8>] {
    static CORPUS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .expect("the fixtures directory")
            .map(|e| e.expect("a fixture").path())
            .filter(|p| p.extension().is_some_and(|e| e == "pkl"))
            .collect();
        files.sort();
        let mut corpus: Vec<Vec<u8>> = files.iter().map(|p| std::fs::read(p).expect("a fixture")).collect();
        corpus.push(encode(&Value::Map(vec![
            (
                Value::from("v"),
                Value::Array(NdArray::from_f32(&[2, 2], &[1.0, 2.0, 3.0, 4.0]).expect("an array")),
            ),
            (
                Value::from("r"),
                Value::Range(RangeValue {
                    start: 0,
                    stop: 9,
                    step: 2,
                }),
            ),
            (Value::from("l"), Value::from(vec![1i64, 1 << 40])),
        ])));
        corpus
    })
}

/// What a decoded value weighs against the expansion budget: nodes plus payload bytes.
fn weight(v: &Value) -> usize {
    1 + match v {
        Value::Str(s) => s.len(),
        Value::Bin(b) => b.len(),
        Value::Array(a) => a.nbytes(),
        Value::List(items) => items.iter().map(weight).sum(),
        Value::Map(pairs) => pairs.iter().map(|(k, v)| weight(k) + weight(v)).sum(),
        _ => 0,
    }
}

fn depth(v: &Value) -> usize {
    match v {
        Value::List(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Map(pairs) => 1 + pairs.iter().map(|(k, v)| depth(k).max(depth(v))).max().unwrap_or(0),
        _ => 0,
    }
}

/// Decodes and checks the bounds; returns whether it decoded.
fn check(input: &[u8]) -> bool {
    let limits = Limits::default();
    let started = Instant::now();
    let result = decode(input, &limits);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "decode of {} bytes took {:?}",
        input.len(),
        started.elapsed()
    );
    match result {
        Ok(v) => {
            let w = weight(&v);
            assert!(
                w <= limits.expansion_budget(input.len()),
                "{w} from {} bytes",
                input.len()
            );
            assert!(depth(&v) <= limits.max_depth);
            true
        }
        Err(e) => {
            // Every error renders, and the text stays short.
            assert!(e.to_string().len() < 600, "{e}");
            false
        }
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    Set(usize, u8),
    Flip(usize, u8),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    Truncate(usize),
    /// Copies a span to another place (repeats opcode sequences such as BINGET).
    Splice(usize, usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        (any::<usize>(), 0u8..8).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..12)).prop_map(|(i, b)| Mutation::Insert(i, b)),
        (any::<usize>(), 1usize..16).prop_map(|(i, n)| Mutation::Delete(i, n)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), 1usize..64, any::<usize>()).prop_map(|(a, n, b)| Mutation::Splice(a, n, b)),
    ]
}

fn apply(mut data: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        if data.is_empty() {
            break;
        }
        let len = data.len();
        match m {
            Mutation::Set(i, b) => data[i % len] = *b,
            Mutation::Flip(i, bit) => data[i % len] ^= 1 << bit,
            Mutation::Insert(i, bytes) => {
                let at = i % (len + 1);
                data.splice(at..at, bytes.iter().copied());
            }
            Mutation::Delete(i, n) => {
                let at = i % len;
                data.drain(at..(at + n).min(len));
            }
            Mutation::Truncate(i) => data.truncate(i % len),
            Mutation::Splice(a, n, b) => {
                let a = a % len;
                let span: Vec<u8> = data[a..(a + n).min(len)].to_vec();
                let at = b % (len + 1);
                data.splice(at..at, span);
            }
        }
    }
    data
}

proptest! {
    // 5000 cases each by default; `PROPTEST_CASES=200000` for a longer local run.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(5000),
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_bytes_never_panic(prefix in 0u8..4, body in prop::collection::vec(any::<u8>(), 0..256)) {
        let mut input = match prefix {
            0 => vec![],
            1 => vec![0x80, 4],
            2 => vec![0x80, 5, 0x95, 0, 0, 0, 0, 0, 0, 0, 0],
            _ => vec![0x80, 2],
        };
        input.extend(body);
        check(&input);
    }

    #[test]
    fn mutated_pickles_never_panic(
        pick in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let corpus = corpus();
        let seed = corpus[pick.index(corpus.len())].clone();
        check(&apply(seed, &mutations));
    }
}

#[test]
fn every_corpus_entry_decodes_within_bounds() {
    let decoded = corpus().iter().filter(|c| check(c)).count();
    // All but the malicious fixtures decode.
    assert!(decoded >= corpus().len() - 8, "{decoded} of {}", corpus().len());
}
