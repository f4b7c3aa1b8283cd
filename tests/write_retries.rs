//! Retries by method against the stand-in, counting the restore jobs it recorded: a
//! create is sent again only when it provably was not processed, so a reset after it
//! left makes one job, never two. `src/ext/wire/retry_tests.rs` covers each way an
//! attempt can end over raw sockets; these prove it end to end on the real operations.

mod common;

use std::time::Duration;

use atlas_snapshots::{Error, types::FlexBackupRestoreJobCreate};
use atlas_snapshots_standin::{Fault, FaultScope, Operation, StandIn, sample};
use common::*;
use http::StatusCode;

const CREATE: Operation = Operation::CreateGroupFlexClusterBackupRestoreJob;
const GET_JOBS: Operation = Operation::ListGroupFlexClusterBackupRestoreJobs;
const MIGRATED: &str = "Serverless0";

fn restore_body() -> FlexBackupRestoreJobCreate {
    let snapshot = sample::migrated_flex_snapshot_in(GROUP, MIGRATED, 0);
    serde_json::from_value(serde_json::json!({
        "snapshotId": snapshot["id"],
        "targetDeploymentItemName": "Flex0",
    }))
    .expect("a valid create body")
}

/// Faults only the create: reads stay healthy.
fn on_create(standin: &StandIn, fault: Fault, times: Option<u32>) {
    standin.set_fault_scoped(fault, FaultScope::all().operation(CREATE), times);
}

async fn create(client: &atlas_snapshots::Client) -> Result<u32, Error> {
    client
        .create_flex_restore_job(GROUP, MIGRATED, &restore_body())
        .await
        .map(|r| r.attempts())
}

#[tokio::test]
async fn a_reset_after_the_create_left_makes_exactly_one_job_and_an_error() {
    let standin = migration_world(Duration::ZERO).await;
    on_create(&standin, Fault::ResetAfterProcessing, Some(1));
    let err = create(&client(&standin)).await.unwrap_err();
    assert!(
        matches!(err, Error::Transport { timeout: false, .. }),
        "{err:?}"
    );
    assert_eq!(err.attempts(), Some(1));
    assert!(
        err.to_string()
            .contains("the POST may have been processed, so it was not sent again"),
        "{err}"
    );
    // A caller asking the error must hear the same: not safe to send again.
    assert!(err.may_have_been_processed(), "{err:?}");
    assert!(!err.is_retryable(), "{err:?}");
    assert_eq!((standin.attempts(CREATE), standin.creates(CREATE)), (1, 1));
}

#[tokio::test]
async fn a_get_that_breaks_off_stays_retryable_and_was_not_a_write() {
    let standin = migration_world(Duration::ZERO).await;
    standin.set_fault_scoped(
        Fault::ConnectionReset,
        FaultScope::all().operation(GET_JOBS),
        None,
    );
    let err = client(&standin)
        .list_flex_restore_jobs(GROUP, MIGRATED, atlas_snapshots::PageRequest::default())
        .await
        .unwrap_err();
    assert!(err.attempts() > Some(1), "a GET is retried: {err:?}");
    assert!(!err.may_have_been_processed(), "{err:?}");
    assert!(err.is_retryable(), "{err:?}");
}

#[tokio::test]
async fn a_reset_before_processing_is_not_retried_either() {
    // The client cannot tell the two resets apart, so it assumes the worse.
    let standin = migration_world(Duration::ZERO).await;
    on_create(&standin, Fault::ConnectionReset, Some(1));
    let err = create(&client(&standin)).await.unwrap_err();
    assert_eq!(err.attempts(), Some(1), "{err:?}");
    assert_eq!((standin.attempts(CREATE), standin.creates(CREATE)), (1, 0));
}

#[tokio::test]
async fn a_429_makes_two_attempts_and_one_job() {
    let standin = migration_world(Duration::ZERO).await;
    on_create(&standin, Fault::rate_limited(None), Some(1));
    assert_eq!(create(&client(&standin)).await.unwrap(), 2);
    assert_eq!((standin.attempts(CREATE), standin.creates(CREATE)), (2, 1));
}

#[tokio::test]
async fn a_503_is_retried_for_a_create_only_with_retry_after() {
    let standin = migration_world(Duration::ZERO).await;
    on_create(
        &standin,
        Fault::Status {
            status: StatusCode::SERVICE_UNAVAILABLE,
            retry_after: Some(0),
            rate_limit: None,
        },
        Some(1),
    );
    assert_eq!(create(&client(&standin)).await.unwrap(), 2);
    assert_eq!((standin.attempts(CREATE), standin.creates(CREATE)), (2, 1));

    on_create(
        &standin,
        Fault::status(StatusCode::SERVICE_UNAVAILABLE),
        Some(1),
    );
    let err = create(&client(&standin)).await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(err.attempts(), Some(1));
    assert_eq!((standin.attempts(CREATE), standin.creates(CREATE)), (3, 1));
}

#[tokio::test]
async fn other_5xx_end_a_create_at_once_but_a_get_is_retried() {
    let standin = migration_world(Duration::ZERO).await;
    for status in [500, 502, 504] {
        let status = StatusCode::from_u16(status).unwrap();
        standin.set_fault(Fault::status(status), Some(1));
        let before = standin.attempts(CREATE);
        let err = create(&client(&standin)).await.unwrap_err();
        assert_eq!((err.status(), err.attempts()), (Some(status), Some(1)));
        assert_eq!(standin.attempts(CREATE) - before, 1, "{status}");
        // The same answer to a GET is retried.
        standin.set_fault(Fault::status(status), Some(1));
        let got = client(&standin).get_flex_cluster(GROUP, MIGRATED).await;
        assert_eq!(got.unwrap().attempts(), 2, "{status}");
    }
}

#[tokio::test]
async fn the_idempotent_copy_retries_a_create_after_a_reset() {
    let standin = migration_world(Duration::ZERO).await;
    on_create(&standin, Fault::ResetAfterProcessing, Some(1));
    let client = client(&standin);
    assert_eq!(create(&client.idempotent()).await.unwrap(), 2);
    // The caller vouched for it: the first job was made too, which is why it is opt-in.
    assert_eq!((standin.attempts(CREATE), standin.creates(CREATE)), (2, 2));
    // The original client is not marked.
    on_create(&standin, Fault::ResetAfterProcessing, Some(1));
    assert_eq!(create(&client).await.unwrap_err().attempts(), Some(1));
    assert_eq!(standin.creates(CREATE), 3);
}

#[tokio::test]
async fn a_digest_challenge_on_a_create_re_sends_its_body_and_is_not_a_retry() {
    let standin = StandIn::builder()
        .digest("PUBKEY", "private-key-123")
        .restore_step(Duration::ZERO)
        .start()
        .await
        .unwrap();
    standin.seed_migration_world();
    let client = builder(&standin)
        .credentials(atlas_snapshots::Credentials::api_key(
            "PUBKEY",
            "private-key-123",
        ))
        .retry(atlas_snapshots::RetryPolicy::disabled())
        .build()
        .unwrap();
    let created = client
        .create_flex_restore_job(GROUP, MIGRATED, &restore_body())
        .await
        .unwrap();
    assert_eq!(created.attempts(), 1);
    assert_eq!(standin.unauthorized_count(), 1);
    assert_eq!(standin.creates(CREATE), 1);
    let sent = standin.requests();
    let posts: Vec<_> = sent.iter().filter(|r| r.method == "POST").collect();
    assert_eq!(posts.len(), 2, "{sent:?}");
    for post in posts {
        let body: serde_json::Value = serde_json::from_slice(&post.body).unwrap();
        assert_eq!(body["targetDeploymentItemName"], "Flex0", "{body}");
    }
}
