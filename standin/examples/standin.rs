//! The Atlas stand-in as a standalone server, for manual testing and benchmarks.
//!
//! ```text
//! cargo run -p atlas-snapshots-standin --example standin -- [--port N] [--digest PUBLIC:PRIVATE] [--bearer TOKEN] [--world]
//! ```
//!
//! Seeds group `5f1a2b3c4d5e6f7a8b9c0d1e` with serverless instance `Serverless0` and flex
//! cluster `Flex0` (1234 snapshots each), after the migration world with `--world`
//! (see the crate's README), prints `listening on http://127.0.0.1:PORT`, and serves
//! until killed.
//!
//! Each `counters` line read on standard input is answered on standard output with
//! `counters requests=N unauthorized=N token_requests=N connections=N` (the server's
//! totals so far), so a benchmark driver can read what the server saw. At the end of
//! standard input it goes on serving.

use std::io::Write as _;

use atlas_snapshots_standin::{StandIn, sample};
use tokio::io::{AsyncBufReadExt as _, BufReader};

const SNAPSHOTS: u32 = 1234;

fn usage() -> ! {
    eprintln!("usage: standin [--port N] [--digest PUBLIC:PRIVATE] [--bearer TOKEN] [--world]");
    std::process::exit(2);
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut builder = StandIn::builder();
    let mut world = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| usage());
        match arg.as_str() {
            "--port" => match value().parse() {
                Ok(port) => builder = builder.port(port),
                Err(_) => usage(),
            },
            "--digest" => match value().split_once(':') {
                Some((public, private)) => builder = builder.digest(public, private),
                None => usage(),
            },
            "--bearer" => builder = builder.bearer_token(value()),
            "--world" => world = true,
            _ => usage(),
        }
    }
    let standin = builder.start().await?;
    // A long-running server must not grow a request log forever.
    standin.set_recording(false);
    if world {
        standin.seed_migration_world();
    }
    standin.seed_serverless(
        sample::GROUP_ID,
        sample::SERVERLESS_NAME,
        (0..SNAPSHOTS).map(sample::serverless_snapshot).collect(),
    );
    standin.seed_flex(
        sample::GROUP_ID,
        sample::FLEX_NAME,
        (0..SNAPSHOTS).map(sample::flex_snapshot).collect(),
    );
    let mut out = std::io::stdout().lock();
    writeln!(out, "listening on {}", standin.base_url())?;
    out.flush()?;
    drop(out);
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if line.trim() == "counters" {
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "counters requests={} unauthorized={} token_requests={} connections={}",
                standin.request_count(),
                standin.unauthorized_count(),
                standin.token_requests(),
                standin.connections_accepted(),
            )?;
            out.flush()?;
        }
    }
    std::future::pending::<()>().await;
    Ok(())
}
