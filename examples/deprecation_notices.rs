//! How the crate tells you an operation is deprecated, and how to take that over.
//!
//! - At compile time: the Serverless methods carry `#[deprecated]` notes naming the
//!   sunset and the Flex method to use. This file allows them at each call with
//!   `#[allow(deprecated)]`; remove one and `cargo build` prints the note.
//! - At run time: the first call of a deprecated operation in a process logs one
//!   `tracing` warning (target `atlas_snapshots::lifecycle`). `on_deprecation` hands it
//!   to your code instead; `deprecation_warnings(false)` turns it off.
//! - In each answer: Atlas's `Deprecation` and `Sunset` headers, parsed, in
//!   `Response::lifecycle()`.
//! - In the operation table: `operations::ALL`, to check at startup what you call.
//!
//! ```sh
//! cargo run --example deprecation_notices            # on the stand-in, which sends Deprecation and Sunset headers
//! cargo run --example deprecation_notices -- GROUP_ID CLUSTER_NAME SNAPSHOT_ID   # with Atlas credentials set
//! ```
//! Against Atlas, past the sunset, the Serverless calls end in `Error::VersionGone`.

mod common;

use std::sync::{Arc, Mutex};

use atlas_snapshots::{DeprecationNotice, Error, PageRequest, operations};
use atlas_snapshots_standin::sample;
use common::{BoxError, Setup};

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    // Where the default warning goes: a tracing subscriber, here on stderr.
    tracing_subscriber::fmt()
        .with_env_filter("atlas_snapshots::lifecycle=warn")
        .with_writer(std::io::stderr)
        .init();

    let setup = Setup::start().await?;
    let sample_id = sample::serverless_snapshot(0)["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let [group, cluster, snapshot] = setup.ids(
        ["GROUP_ID", "CLUSTER_NAME", "SNAPSHOT_ID"],
        [sample::GROUP_ID, sample::SERVERLESS_NAME, &sample_id],
    )?;
    if let Some(standin) = &setup.standin {
        standin.seed_serverless(
            &group,
            &cluster,
            (0..3).map(sample::serverless_snapshot).collect(),
        );
        // The headers Atlas sends on a deprecated operation (RFC 9745 and RFC 8594).
        standin.set_deprecation(Some("@1748736000"))?; // 2025-06-01
        standin.set_sunset(Some("Thu, 22 Jan 2026 00:00:00 GMT"))?;
    }

    // The operation table: which operations are deprecated, until when, and what to
    // use instead. A startup check could refuse to run on a sunset one.
    println!("Deprecated operations in this crate's spec:");
    for op in operations::ALL.iter().filter(|op| op.deprecated) {
        println!(
            "  {} (version {}): sunset {}, use {}",
            op.id,
            op.version,
            op.sunset.unwrap_or("not announced"),
            op.successor.unwrap_or("-")
        );
    }

    // 1. Your handler instead of the log line: called once per deprecated operation
    //    per process, with the operation, the headers, the sunset and the days left.
    let notices = Arc::new(Mutex::new(Vec::<DeprecationNotice>::new()));
    let seen = Arc::clone(&notices);
    let client = setup
        .builder()?
        .on_deprecation(move |notice| seen.lock().unwrap().push(*notice))
        .build()?;
    #[allow(deprecated)] // get_flex_backup_snapshot replaces it; see migrate_serverless_to_flex.rs
    let answer = client
        .get_serverless_backup_snapshot(&group, &cluster, &snapshot)
        .await;
    match answer {
        Ok(response) => {
            let lifecycle = response.lifecycle();
            println!(
                "\nget_serverless_backup_snapshot answered {}",
                response.status()
            );
            println!("  Deprecation header: {:?}", lifecycle.deprecation);
            println!("  Sunset header:      {:?}", lifecycle.sunset);
        }
        Err(gone @ Error::VersionGone { .. }) => println!("\n{gone}"),
        Err(other) => return Err(other.into()),
    }
    for notice in notices.lock().unwrap().iter() {
        println!("  on_deprecation: {notice}");
        println!(
            "    sunset {:?}, days left {:?}",
            notice.sunset, notice.days_left
        );
    }

    // 2. No warnings at all, for a program that already knows.
    let quiet = setup.builder()?.deprecation_warnings(false).build()?;
    #[allow(deprecated)]
    let answer = quiet
        .list_serverless_backup_snapshots(&group, &cluster, PageRequest::default())
        .await;
    println!(
        "\nlist_serverless_backup_snapshots with deprecation_warnings(false): nothing reported"
    );
    report(answer.map(|r| r.into_inner().results.len()))?;

    // 3. The default: one tracing warning on stderr. A client that reported nothing did
    //    not use up the once-per-process notice, so this one still warns.
    let default = setup.builder()?.build()?;
    println!("\nlist_serverless_backup_snapshots with the default: a warning on stderr");
    #[allow(deprecated)]
    let answer = default
        .list_serverless_backup_snapshots(&group, &cluster, PageRequest::default())
        .await;
    report(answer.map(|r| r.into_inner().results.len()))?;
    Ok(())
}

/// Prints a list call's outcome; past the sunset, Atlas answers 410 VERSION_GONE.
fn report(answer: atlas_snapshots::Result<usize>) -> Result<(), BoxError> {
    match answer {
        Ok(count) => println!("  {count} snapshots"),
        Err(gone @ Error::VersionGone { .. }) => println!("  {gone}"),
        Err(other) => return Err(other.into()),
    }
    Ok(())
}
