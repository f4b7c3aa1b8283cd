//! The main job: fetch one Serverless snapshot, its Flex successor's snapshot and a
//! list, and print them, readable and as JSON.
//!
//! With no credentials in the environment it starts the embedded Atlas stand-in and
//! signs in with an API key over HTTP Digest, as against real Atlas. With credentials
//! (see `Client::from_env`) it calls the configured Atlas with ids from its arguments:
//!
//! ```sh
//! cargo run --example quickstart -- GROUP_ID SERVERLESS_NAME SNAPSHOT_ID FLEX_NAME FLEX_SNAPSHOT_ID
//! ```
#![allow(deprecated)] // the Serverless call is deprecated; showing that is part of the job

use std::{env, process::ExitCode};

use atlas_snapshots::{Client, Credentials, Error, PageRequest, Response};
use atlas_snapshots_standin::{StandIn, sample};
use serde::Serialize;

const PUBLIC_KEY: &str = "quickstart-public";
const PRIVATE_KEY: &str = "quickstart-private-key";

struct Ids {
    group: String,
    serverless: String,
    serverless_snapshot: String,
    flex: String,
    flex_snapshot: String,
}

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

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let configured = [
        "MONGODB_ATLAS_CLIENT_ID",
        "MONGODB_ATLAS_PUBLIC_API_KEY",
        "MONGODB_ATLAS_ACCESS_TOKEN",
    ]
    .iter()
    .any(|v| env::var_os(v).is_some());
    // Kept alive for the whole run when used: dropping it stops the server.
    let mut _standin = None;
    let (client, ids) = if configured {
        let args: Vec<String> = env::args().skip(1).collect();
        let [group, serverless, serverless_snapshot, flex, flex_snapshot] = args.as_slice() else {
            return Err("with credentials set, pass: GROUP_ID SERVERLESS_NAME SNAPSHOT_ID FLEX_NAME FLEX_SNAPSHOT_ID".into());
        };
        let ids = Ids {
            group: group.clone(),
            serverless: serverless.clone(),
            serverless_snapshot: serverless_snapshot.clone(),
            flex: flex.clone(),
            flex_snapshot: flex_snapshot.clone(),
        };
        (Client::from_env()?, ids)
    } else {
        let standin = StandIn::builder()
            .digest(PUBLIC_KEY, PRIVATE_KEY)
            .start()
            .await?;
        let ids = Ids {
            group: sample::GROUP_ID.to_owned(),
            serverless: sample::SERVERLESS_NAME.to_owned(),
            serverless_snapshot: id_of(&sample::serverless_snapshot(0)),
            flex: sample::FLEX_NAME.to_owned(),
            flex_snapshot: id_of(&sample::flex_snapshot(0)),
        };
        standin.seed_serverless(
            &ids.group,
            &ids.serverless,
            (0..3).map(sample::serverless_snapshot).collect(),
        );
        standin.seed_flex(
            &ids.group,
            &ids.flex,
            (0..3).map(sample::flex_snapshot).collect(),
        );
        println!(
            "No credentials set: using the embedded Atlas stand-in at {}",
            standin.base_url()
        );
        println!("signing in with an API key over HTTP Digest\n");
        let client = Client::builder()
            .base_url(standin.base_url())
            .credentials(Credentials::api_key(PUBLIC_KEY, PRIVATE_KEY))
            .build()?;
        _standin = Some(standin);
        (client, ids)
    };

    // 1. The deprecated Serverless call: a warning says what replaces it. Past its
    //    sunset real Atlas answers 410 VERSION_GONE, which names the successor too.
    match client
        .get_serverless_backup_snapshot(&ids.group, &ids.serverless, &ids.serverless_snapshot)
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
        .get_flex_backup_snapshot(&ids.group, &ids.flex, &ids.flex_snapshot)
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
        .list_flex_backup_snapshots(&ids.group, &ids.flex, PageRequest::default())
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
