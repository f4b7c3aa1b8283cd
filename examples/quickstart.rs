//! The main job: fetch one Serverless snapshot, its Flex successor's snapshot and a
//! list, and print them, readable and as JSON.
//!
//! With no credentials in the environment it starts the embedded Atlas stand-in and
//! signs in with an API key over HTTP Digest, as against real Atlas. With credentials
//! (see `Client::from_env`) it calls the configured Atlas with ids from its arguments.
//! `examples/common/mod.rs`, shared by the examples, makes that choice.
//!
//! ```sh
//! cargo run --example quickstart -- GROUP_ID SERVERLESS_NAME SNAPSHOT_ID FLEX_NAME FLEX_SNAPSHOT_ID
//! ```
#![allow(deprecated)] // the Serverless call is deprecated; showing that is part of the job

mod common;

use std::process::ExitCode;

use atlas_snapshots::{Error, PageRequest, Response};
use atlas_snapshots_standin::sample;
use common::{BoxError, Setup};
use serde::Serialize;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "atlas_snapshots::lifecycle=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), BoxError> {
    let setup = Setup::start().await?;
    let (serverless_id, flex_id) = (
        id_of(&sample::serverless_snapshot(0)),
        id_of(&sample::flex_snapshot(0)),
    );
    let [
        group,
        serverless_name,
        serverless_snapshot,
        flex_name,
        flex_snapshot,
    ] = setup.ids(
        [
            "GROUP_ID",
            "SERVERLESS_NAME",
            "SNAPSHOT_ID",
            "FLEX_NAME",
            "FLEX_SNAPSHOT_ID",
        ],
        [
            sample::GROUP_ID,
            sample::SERVERLESS_NAME,
            &serverless_id,
            sample::FLEX_NAME,
            &flex_id,
        ],
    )?;
    if let Some(standin) = &setup.standin {
        let serverless_snapshots = (0..3).map(sample::serverless_snapshot).collect();
        standin.seed_serverless(&group, &serverless_name, serverless_snapshots);
        standin.seed_flex(
            &group,
            &flex_name,
            (0..3).map(sample::flex_snapshot).collect(),
        );
        println!("signing in with an API key over HTTP Digest\n");
    }
    let client = setup.builder()?.build()?;

    // 1. The deprecated Serverless call: a warning says what replaces it. Past its
    //    sunset real Atlas answers 410 VERSION_GONE, which names the successor too.
    match client
        .get_serverless_backup_snapshot(&group, &serverless_name, &serverless_snapshot)
        .await
    {
        Ok(response) => {
            let serverless = response.value();
            println!("Serverless snapshot (getServerlessBackupSnapshot, deprecated):");
            println!(
                "  {}  {}  status {}  {} bytes",
                serverless.id.as_deref().unwrap_or("-"),
                serverless
                    .created_at
                    .map(|t| t.to_rfc3339())
                    .unwrap_or_default(),
                serverless
                    .status
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                serverless.storage_size_bytes.unwrap_or_default(),
            );
            print_json(&response)?;
        }
        Err(gone @ Error::VersionGone { .. }) => println!("Serverless snapshot: {gone}"),
        Err(other) => return Err(other.into()),
    }

    // 2. Its successor: the Flex snapshot.
    let response = client
        .get_flex_backup_snapshot(&group, &flex_name, &flex_snapshot)
        .await?;
    let flex = response.value();
    println!("\nFlex snapshot (getFlexBackupSnapshot, the successor):");
    println!(
        "  {}  {}  status {}  MongoDB {}",
        flex.id.as_deref().unwrap_or("-"),
        flex.scheduled_time
            .map(|t| t.to_rfc3339())
            .unwrap_or_default(),
        flex.status
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        flex.mongo_db_version.as_deref().unwrap_or("-"),
    );
    print_json(&response)?;

    // 3. One list page.
    let response = client
        .list_flex_backup_snapshots(&group, &flex_name, PageRequest::default())
        .await?;
    let page = response.value();
    println!(
        "\nFlex snapshots, page 1 ({} of {:?}):",
        page.results.len(),
        page.total_count
    );
    for s in &page.results {
        println!(
            "  {}  {}",
            s.id.as_deref().unwrap_or("-"),
            s.status
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default()
        );
    }
    print_json(&response)?;
    Ok(())
}

fn id_of(snapshot: &serde_json::Value) -> String {
    snapshot["id"].as_str().unwrap_or_default().to_owned()
}

fn print_json<T: Serialize>(response: &Response<T>) -> serde_json::Result<()> {
    println!("{}", serde_json::to_string_pretty(response.value())?);
    Ok(())
}
