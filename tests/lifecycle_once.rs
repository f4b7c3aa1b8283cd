//! Deprecation warnings are said once per operation per process. This file is its own
//! process, so the one test below owns the process-wide memory of what was reported.
#![allow(deprecated)]

mod common;

use std::sync::{Arc, Mutex};

use atlas_snapshots::{DeprecationNotice, PageRequest};
use common::*;

#[tokio::test]
async fn deprecation_is_reported_once_per_operation_per_process() {
    let captured = Captured::default();
    let writer = captured.clone();
    let _guard = tracing::subscriber::set_default(
        tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish(),
    );
    let warnings = || {
        captured
            .text()
            .lines()
            .filter(|l| l.contains("WARN") && l.contains("atlas_snapshots::lifecycle"))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let standin = standin(2).await;
    let sid = serverless_id(0);

    // Off: nothing said, and nothing used up.
    let off = builder(&standin)
        .deprecation_warnings(false)
        .build()
        .unwrap();
    off.get_serverless_backup_snapshot(GROUP, SERVERLESS, &sid)
        .await
        .unwrap();
    assert!(warnings().is_empty());

    // A handler is called once for the operation, however many calls.
    let notices: Arc<Mutex<Vec<DeprecationNotice>>> = Arc::default();
    let sink = notices.clone();
    let handled = builder(&standin)
        .on_deprecation(move |n| sink.lock().unwrap().push(*n))
        .build()
        .unwrap();
    for _ in 0..3 {
        handled
            .get_serverless_backup_snapshot(GROUP, SERVERLESS, &sid)
            .await
            .unwrap();
        handled
            .get_flex_backup_snapshot(GROUP, FLEX, &flex_id(0))
            .await
            .unwrap();
    }
    let seen = notices.lock().unwrap().clone();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].operation.id, "getServerlessBackupSnapshot");
    assert_eq!(
        seen[0].sunset.map(|d| d.to_string()).as_deref(),
        Some("2026-01-22")
    );
    assert_eq!(
        seen[0].operation.successor,
        Some("get_flex_backup_snapshot")
    );
    assert!(
        seen[0].days_left.is_some_and(|d| d < 0),
        "the sunset has passed"
    );
    assert!(warnings().is_empty(), "a handler replaces the log line");

    // The default logs one warning per operation: the list operation is new here.
    let logged = builder(&standin)
        .deprecation_warnings(true)
        .build()
        .unwrap();
    for _ in 0..3 {
        logged
            .list_serverless_backup_snapshots(GROUP, SERVERLESS, PageRequest::default())
            .await
            .unwrap();
        logged
            .get_serverless_backup_snapshot(GROUP, SERVERLESS, &sid)
            .await
            .unwrap();
    }
    let lines = warnings();
    assert_eq!(lines.len(), 1, "{lines:?}");
    let line = &lines[0];
    assert!(line.contains("listServerlessBackupSnapshots"), "{line}");
    assert!(
        line.contains("sunset 2026-01-22") && line.contains("days ago"),
        "{line}"
    );
    assert!(
        line.contains("use list_flex_backup_snapshots instead"),
        "{line}"
    );
}
