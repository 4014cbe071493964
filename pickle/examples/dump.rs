//! Prints what `decode` makes of pickle files: `cargo run -p meshcast-pickle --example dump -- FILE...`.

fn main() {
    for path in std::env::args().skip(1) {
        match std::fs::read(&path) {
            Ok(bytes) => match meshcast_pickle::decode(&bytes, &meshcast_pickle::Limits::default()) {
                Ok(v) => println!("{path}: {v:?}"),
                Err(e) => println!("{path}: error: {e}"),
            },
            Err(e) => println!("{path}: cannot read: {e}"),
        }
    }
}
