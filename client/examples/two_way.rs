//! Two-way communication, as aitviewer's `remote_two_way_communication.py`: prints every message
//! a viewer sends to this client and answers `{"name": ..., "position": [x, y, z]}` by creating a
//! cube with that name at that position.
//!
//! `cargo run -p meshcast-client --example two_way -- [--host H] [--port P]`; stops when the
//! relay closes the connection.

mod shapes;

use clap::Parser;
use meshcast_client::{ConnectOptions, MeshOptions, RemoteMeshes, RemoteViewer, Value};

#[derive(Parser)]
struct Args {
    /// The relay's host.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// The relay's port.
    #[arg(long, default_value_t = 8417)]
    port: u16,
}

/// `[x, y, z]` from a list of three numbers.
fn position(v: &Value) -> Option<[f32; 3]> {
    match v {
        Value::List(items) if items.len() == 3 => {
            let mut p = [0.0f32; 3];
            for (dst, item) in p.iter_mut().zip(items) {
                *dst = item.as_f64()? as f32;
            }
            Some(p)
        }
        Value::Array(a) if a.len() == 3 => {
            let f = a.to_f32_vec();
            Some([f[0], f[1], f[2]])
        }
        _ => None,
    }
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt().with_env_filter("info").init();
    let args = Args::parse();
    let v = RemoteViewer::connect_with(ConnectOptions::new(&args.host).port(args.port))?;
    let cube = shapes::cube();
    println!("waiting for messages from viewers at {} (Ctrl-C to stop)", v.url());
    while let Some(msg) = v.get_message(true) {
        println!("viewer {} sent {:?}", msg.viewer, msg.payload);
        let name = msg
            .payload
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("Cube")
            .to_owned();
        let Some(pos) = msg.payload.get("position").and_then(position) else {
            continue;
        };
        let options = MeshOptions::default()
            .name(name)
            .position(pos)
            .flat_shading(true)
            .scale(0.5f32);
        RemoteMeshes::new(&v, &cube.vertices, &cube.faces, options)?;
        if let Err(e) = v.flush() {
            eprintln!("{e}");
        }
    }
    println!("the connection closed");
    Ok(())
}
