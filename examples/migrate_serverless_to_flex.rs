//! Moving from the Serverless snapshot operations to their Flex successors.
//!
//! Atlas sunset the Serverless operations' version `2023-01-01` on 2026-01-22; since
//! then they answer `410 Gone` / `VERSION_GONE`, which this crate turns into
//! [`Error::VersionGone`] naming the operation that replaces them. Serverless instances
//! became Flex clusters under the same name, so code that must work on both sides of the
//! sunset can try the Serverless call, switch to the successor when it is gone, and map
//! both snapshot types onto one type of its own (the README's migration table, in code).
//! `Client::migration_check` says up front whether the instance is a Flex cluster now
//! and what replaces each Serverless operation.
//!
//! ```sh
//! cargo run --example migrate_serverless_to_flex            # on the stand-in, before and after its sunset
//! cargo run --example migrate_serverless_to_flex -- GROUP_ID CLUSTER_NAME   # with Atlas credentials set
//! ```
#![allow(deprecated)] // calling the deprecated Serverless operations is the point here

mod common;

use atlas_snapshots::{
    Client, Error, PageRequest, Verdict, operations,
    types::{
        FlexBackupSnapshot, FlexBackupSnapshotStatus, ServerlessBackupSnapshot,
        ServerlessBackupSnapshotStatus,
    },
};
use atlas_snapshots_standin::sample;
use chrono::{DateTime, Utc};
use common::{BoxError, Setup};

/// The application's own view of a snapshot, whichever API it came from.
struct Snapshot {
    /// Which API it came from: the ids of one are unknown to the other.
    api: Api,
    id: String,
    taken_at: Option<DateTime<Utc>>,
    expires_at: Option<DateTime<Utc>>,
    mongodb_version: Option<String>,
    state: State,
}

/// Both APIs' statuses on one scale. Flex adds `PENDING`; Serverless `inProgress` is
/// Flex `RUNNING`. Values Atlas adds later arrive as `Unknown`, so keep a catch-all.
#[derive(Clone, Copy, PartialEq)]
enum Api {
    Serverless,
    Flex,
}

enum State {
    Waiting,
    Running,
    Done,
    Failed,
    Other(String),
}

impl State {
    fn label(&self) -> &str {
        match self {
            State::Waiting => "waiting",
            State::Running => "running",
            State::Done => "done",
            State::Failed => "failed",
            State::Other(status) => status,
        }
    }
}

impl From<ServerlessBackupSnapshot> for Snapshot {
    fn from(s: ServerlessBackupSnapshot) -> Self {
        let state = match s.status {
            Some(ServerlessBackupSnapshotStatus::Queued) => State::Waiting,
            Some(ServerlessBackupSnapshotStatus::InProgress) => State::Running,
            Some(ServerlessBackupSnapshotStatus::Completed) => State::Done,
            Some(ServerlessBackupSnapshotStatus::Failed) => State::Failed,
            other => State::Other(other.map(|s| s.to_string()).unwrap_or_default()),
        };
        // frequencyType, snapshotType, serverlessInstanceName and storageSizeBytes have
        // no Flex counterpart, so the common type leaves them out.
        Snapshot {
            api: Api::Serverless,
            id: s.id.unwrap_or_default(),
            taken_at: s.created_at,
            expires_at: s.expires_at,
            mongodb_version: s.mongod_version,
            state,
        }
    }
}

impl From<FlexBackupSnapshot> for Snapshot {
    fn from(s: FlexBackupSnapshot) -> Self {
        let state = match s.status {
            Some(FlexBackupSnapshotStatus::Pending | FlexBackupSnapshotStatus::Queued) => {
                State::Waiting
            }
            Some(FlexBackupSnapshotStatus::Running) => State::Running,
            Some(FlexBackupSnapshotStatus::Completed) => State::Done,
            Some(FlexBackupSnapshotStatus::Failed) => State::Failed,
            other => State::Other(other.map(|s| s.to_string()).unwrap_or_default()),
        };
        Snapshot {
            api: Api::Flex,
            id: s.id.unwrap_or_default(),
            // Serverless `createdAt` is closest to Flex `scheduledTime`.
            taken_at: s.scheduled_time,
            // Flex `expiration` is when the download link stops working.
            expires_at: s.expiration,
            mongodb_version: s.mongo_db_version,
            state,
        }
    }
}

/// The first page of a cluster's snapshots: Serverless while Atlas still serves it,
/// then the successor the error names.
async fn snapshots(client: &Client, group: &str, cluster: &str) -> Result<Vec<Snapshot>, BoxError> {
    let page = PageRequest::default();
    match client
        .list_serverless_backup_snapshots(group, cluster, page)
        .await
    {
        Ok(response) => {
            println!("  served by listServerlessBackupSnapshots (deprecated)");
            let results = response.into_inner().results;
            Ok(results.into_iter().map(Snapshot::from).collect())
        }
        Err(Error::VersionGone {
            operation,
            successor: Some(successor),
            ..
        }) if successor == operations::LIST_FLEX_BACKUP_SNAPSHOTS.method_name => {
            println!("  {operation} is gone; switching to {successor}");
            let results = client
                .list_flex_backup_snapshots(group, cluster, page)
                .await?
                .into_inner()
                .results;
            Ok(results.into_iter().map(Snapshot::from).collect())
        }
        Err(other) => Err(other.into()),
    }
}

/// The first few snapshots, one line each.
fn print(snapshots: &[Snapshot]) {
    const SHOWN: usize = 5;
    if snapshots.len() > SHOWN {
        println!("    (the first {SHOWN} of {})", snapshots.len());
    }
    for s in snapshots.iter().take(SHOWN) {
        println!(
            "    {}  taken {}  expires {}  MongoDB {}  {}",
            s.id,
            s.taken_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
            s.expires_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
            s.mongodb_version.as_deref().unwrap_or("-"),
            s.state.label(),
        );
    }
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let setup = Setup::start().await?;
    let [group, cluster] = setup.ids(
        ["GROUP_ID", "CLUSTER_NAME"],
        [sample::GROUP_ID, sample::SERVERLESS_NAME],
    )?;
    if let Some(standin) = &setup.standin {
        // The same cluster on both sides: a Serverless instance and, after the
        // migration, a Flex cluster that kept its name.
        let serverless = (0..3).map(|i| sample::serverless_snapshot_in(&group, &cluster, i));
        let flex = (0..3).map(|i| sample::flex_snapshot_in(&group, &cluster, i));
        standin.seed_serverless(&group, &cluster, serverless.collect());
        standin.seed_flex(&group, &cluster, flex.collect());
    }
    // Deprecation warnings are the subject of examples/deprecation_notices.rs.
    let client = setup.builder()?.deprecation_warnings(false).build()?;

    // Ask first: is the instance a Flex cluster now, are its snapshots reachable there,
    // and what replaces each Serverless call (the operation table's successors)?
    let report = client.migration_check(&group, &cluster).await?;
    println!(
        "{cluster}: {:?} (Serverless side {:?}, Flex side {:?}); snapshots on Flex: {}",
        report.verdict(),
        report.serverless,
        report.flex,
        match report.flex_snapshots {
            Some(Some(n)) => format!("{n}"),
            Some(None) => "yes".to_owned(),
            None => "no".to_owned(),
        }
    );
    for r in &report.replacements {
        let (op, next) = (r.deprecated, r.instead);
        println!(
            "  {} ({}, sunset {}) -> {} ({} {}, {})",
            op.id,
            op.version,
            op.sunset.unwrap_or("-"),
            next.method_name,
            next.http_method,
            next.path,
            next.media_type
        );
    }
    if report.verdict() == Verdict::NotMigrated {
        println!("  not migrated yet: only the Serverless operations know it");
    }

    if let Some(standin) = &setup.standin {
        println!("\nBefore the sunset:");
        print(&snapshots(&client, &group, &cluster).await?);
        // The stand-in's gone mode: Serverless operations answer 410 VERSION_GONE, as
        // real Atlas does now.
        standin.set_gone(true);
    }
    println!(
        "\n{}:",
        if setup.standin.is_some() {
            "After the sunset"
        } else {
            "Now"
        }
    );
    let after = snapshots(&client, &group, &cluster).await?;
    print(&after);

    // One snapshot by id: the Flex successor of get_serverless_backup_snapshot. Flex
    // snapshots have their own ids, so take one from the Flex list, not a Serverless id.
    if let Some(first) = after.iter().find(|s| s.api == Api::Flex) {
        let flex = client
            .get_flex_backup_snapshot(&group, &cluster, &first.id)
            .await?
            .into_inner();
        println!("\nOne Flex snapshot by id (get_flex_backup_snapshot):");
        print(&[Snapshot::from(flex)]);
    }
    Ok(())
}
