//! `meshcast-relay`: parses the command line, sets up logging and runs the relay until Ctrl-C
//! or SIGTERM.

use anyhow::Context;
use clap::Parser;
use meshcast_relay::cli::Cli;
use tracing_subscriber::EnvFilter;

/// mimalloc instead of the system allocator: memory freed on another thread than the one that
/// allocated it (every forwarded frame) goes back without a lock, and freed pages are kept for
/// the next frames instead of being returned to the kernel and faulted in again, zeroed, page
/// by page (`relay_bench`'s figures in BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let filter = EnvFilter::try_new(&cli.log).with_context(|| format!("invalid --log filter {:?}", cli.log))?;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let config = cli.config()?;
    // Listen for Ctrl-C and SIGTERM before the port is bound: a signal that comes as soon as the
    // relay listens must stop it gracefully, not kill it.
    let shutdown = shutdown_signal()?;
    let bind = cli.bind_addr();
    let listener = tokio::net::TcpListener::bind((bind, cli.port))
        .await
        .with_context(|| format!("cannot listen on {bind}:{}", cli.port))?;
    let addr = listener.local_addr()?;
    print!("{}", meshcast_relay::cli::banner(&config, addr));
    meshcast_relay::run(config, listener, shutdown).await?;
    Ok(())
}

/// Completes on Ctrl-C or SIGTERM; the handlers are installed when this is called.
#[cfg(unix)]
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot listen for Ctrl-C")?;
    let mut terminate = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}

/// Completes on Ctrl-C.
#[cfg(not(unix))]
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    })
}
