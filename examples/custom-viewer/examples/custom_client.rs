//! The client half of the custom viewer example (aitviewer's `remote_custom_viewer.py` without
//! arguments): sends three cubes named "Cube 0".."Cube 2" (uids 1, 2, 3 on a fresh connection),
//! then a user message (type 10000) with `index` (and `color` when given) in its kwargs and
//! `index` as its first positional argument, and prints what the viewer answers.
//!
//! `cargo run -p meshcast-custom-viewer --example custom_client -- [--port P] [--index 2]
//! [--color 1,0,1,1] [--wait 3] [--expect 1] [--no-cubes]`
//!
//! With the custom viewer, each cube is selected as it arrives, then the one with uid `index`;
//! the viewer answers `{"selected": index, "name": ...}`. Any page with a `window.meshcast`
//! handler for type 10000 can answer too (docs/customising.md).

use std::time::{Duration, Instant};

use clap::Parser;
use meshcast_client::{ConnectOptions, Kwargs, MeshOptions, RemoteMeshes, RemoteViewer, Value};

#[derive(Parser)]
struct Args {
    /// The relay's host.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// The relay's port.
    #[arg(long, default_value_t = 8417)]
    port: u16,
    /// The uid of the cube the viewer should select.
    #[arg(long, default_value_t = 2)]
    index: i64,
    /// A colour for that cube: r,g,b,a in 0-1.
    #[arg(long, value_delimiter = ',')]
    color: Option<Vec<f64>>,
    /// Seconds to wait for answers from viewers.
    #[arg(long, default_value_t = 3.0)]
    wait: f64,
    /// Stop waiting once this many answers arrived (0: wait the whole time).
    #[arg(long, default_value_t = 0)]
    expect: usize,
    /// Send only the user message (the cubes are there already).
    #[arg(long)]
    no_cubes: bool,
}

/// A cube of side 1 centred at the origin: 8 vertices, 12 outward-facing triangles.
const VERTICES: [[f32; 3]; 8] = [
    [-0.5, -0.5, -0.5],
    [0.5, -0.5, -0.5],
    [-0.5, 0.5, -0.5],
    [0.5, 0.5, -0.5],
    [-0.5, -0.5, 0.5],
    [0.5, -0.5, 0.5],
    [-0.5, 0.5, 0.5],
    [0.5, 0.5, 0.5],
];
const FACES: [[u32; 3]; 12] = [
    [0, 2, 3],
    [0, 3, 1],
    [4, 5, 7],
    [4, 7, 6],
    [0, 1, 5],
    [0, 5, 4],
    [2, 6, 7],
    [2, 7, 3],
    [0, 4, 6],
    [0, 6, 2],
    [1, 3, 7],
    [1, 7, 5],
];

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.color.as_ref().is_some_and(|c| c.len() != 4) {
        anyhow::bail!("--color needs four numbers: r,g,b,a");
    }
    let v = RemoteViewer::connect_with(ConnectOptions::new(&args.host).port(args.port))?;
    if !args.no_cubes {
        for i in 0..3 {
            let options = MeshOptions::default()
                .name(format!("Cube {i}"))
                .position([0.6 * (i as f32 - 1.0), 0.0, 0.0])
                .scale(0.3f32);
            let cube = RemoteMeshes::new(&v, VERTICES, FACES, options)?;
            println!("sent Cube {i} (uid {})", cube.uid());
        }
    }
    let mut kwargs = Kwargs::new();
    kwargs.insert("index".into(), Value::Int(args.index));
    if let Some(c) = &args.color {
        kwargs.insert(
            "color".into(),
            Value::List(c.iter().map(|x| Value::Float(*x)).collect()),
        );
    }
    v.send_message(10000, None, vec![Value::Int(args.index)], kwargs)?;
    v.flush()?;
    println!("sent USER_MESSAGE index={}", args.index);
    let deadline = Instant::now() + Duration::from_secs_f64(args.wait.max(0.0));
    let mut answers = 0;
    while Instant::now() < deadline && (args.expect == 0 || answers < args.expect) {
        match v.get_message(false) {
            Some(m) => {
                println!("viewer {} answered {:?}", m.viewer, m.payload);
                answers += 1;
            }
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    v.close()?;
    Ok(())
}
