//! Waiting for restore jobs against the stand-in, whose jobs move through their states
//! over time (fast steps here): one that completes, one that fails, one that never
//! finishes and is bounded by its deadline, and a failing Atlas that the wait does not
//! retry beyond the client's retry policy.

mod common;

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use atlas_snapshots::{
    Client, Invocation, JobState, Response, WaitError, WaitPolicy, operations,
    types::{FlexBackupRestoreJob, FlexBackupRestoreJobCreate},
};
use atlas_snapshots_standin::{Fault, FaultScope, Operation, RestoreOutcome, sample};
use common::*;
use http::StatusCode;

const MIGRATED: &str = "Serverless0";
const GET_FLEX: Operation = Operation::GetGroupFlexClusterBackupRestoreJob;
const GET_SERVERLESS: Operation = Operation::GetGroupServerlessBackupRestoreJob;
/// A generous bound over the waits these tests ask for, for a loaded machine.
const SLACK: Duration = Duration::from_secs(5);

fn fast() -> WaitPolicy {
    WaitPolicy::default()
        .initial_interval(Duration::from_millis(10))
        .max_interval(Duration::from_millis(40))
        .deadline(Duration::from_secs(10))
}

/// Starts a Flex restore of the migrated cluster's first snapshot: the job's id.
async fn create_flex(client: &Client) -> String {
    let snapshot = sample::migrated_flex_snapshot_in(GROUP, MIGRATED, 0);
    let body: FlexBackupRestoreJobCreate = serde_json::from_value(serde_json::json!({
        "snapshotId": snapshot["id"],
        "targetDeploymentItemName": "Flex0",
    }))
    .unwrap();
    let job = client
        .create_flex_restore_job(GROUP, MIGRATED, &body)
        .await
        .unwrap();
    job.value().id.clone().expect("a job id")
}

/// Waits for `id`, recording each state the wait saw.
async fn wait_flex(
    client: &Client,
    policy: WaitPolicy,
    id: &str,
) -> (
    Result<Response<FlexBackupRestoreJob>, WaitError<FlexBackupRestoreJob>>,
    Vec<JobState>,
) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let outcome = policy
        .watch(
            || client.get_flex_restore_job(GROUP, MIGRATED, id),
            move |_, state| log.lock().unwrap().push(state.clone()),
        )
        .await;
    let seen = seen.lock().unwrap().clone();
    (outcome, seen)
}

#[tokio::test]
async fn a_flex_job_is_waited_for_until_it_completes() {
    let step = Duration::from_millis(60);
    let standin = migration_world(step).await;
    let client = client(&standin);
    let started = Instant::now();
    let id = create_flex(&client).await;
    let (outcome, seen) = wait_flex(&client, fast(), &id).await;
    let done = outcome.unwrap();
    assert_eq!(done.job_state(), JobState::Completed);
    assert_eq!(done.value().id.as_deref(), Some(id.as_str()));
    assert_eq!(
        done.value().status.as_ref().unwrap().to_string(),
        "COMPLETED"
    );
    // Three steps of the stand-in's clock, seen in order, and no poll after the end.
    assert!(started.elapsed() >= step * 3, "{:?}", started.elapsed());
    assert_eq!(seen.last(), Some(&JobState::Completed));
    assert!(
        seen[..seen.len() - 1].iter().all(|s| !s.is_finished()),
        "{seen:?}"
    );
    assert!(
        seen.contains(&JobState::Running(Some("RUNNING".into()))),
        "{seen:?}"
    );
    assert_eq!(standin.attempts(GET_FLEX), seen.len() as u64);
}

#[tokio::test]
async fn a_failed_flex_job_is_a_typed_error_carrying_the_job() {
    let standin = migration_world(Duration::from_millis(20)).await;
    standin.set_restore_outcome(RestoreOutcome::Failed);
    let client = client(&standin);
    let id = create_flex(&client).await;
    let (outcome, _) = wait_flex(&client, fast(), &id).await;
    match outcome.unwrap_err() {
        WaitError::Unsuccessful { state, job } => {
            assert_eq!(state, JobState::Failed);
            assert_eq!(job.value().id.as_deref(), Some(id.as_str()));
            assert_eq!(job.value().status.as_ref().unwrap().to_string(), "FAILED");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_job_that_never_finishes_ends_at_its_deadline() {
    let standin = migration_world(Duration::from_millis(10)).await;
    standin.set_restore_outcome(RestoreOutcome::NeverFinishes);
    let client = client(&standin);
    let id = create_flex(&client).await;
    let deadline = Duration::from_millis(300);
    let started = Instant::now();
    let (outcome, seen) = wait_flex(&client, fast().deadline(deadline), &id).await;
    let took = started.elapsed();
    let err = outcome.unwrap_err();
    assert!(took >= deadline, "{took:?}");
    assert!(took < deadline + SLACK, "{took:?}");
    match &err {
        WaitError::Deadline { state, waited, job } => {
            assert_eq!(*state, JobState::Running(Some("RUNNING".into())));
            assert!(*waited >= deadline, "{waited:?}");
            assert_eq!(job.value().id.as_deref(), Some(id.as_str()));
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("still running (RUNNING)"), "{err}");
    // Backoff: intervals of 10 ms doubling to 40 ms make about 10 polls in 300 ms, not
    // the 30 a fixed 10 ms would.
    assert!((4..=20).contains(&seen.len()), "{} polls", seen.len());
}

#[tokio::test]
async fn a_failing_poll_ends_the_wait_within_the_retry_policy() {
    let standin = migration_world(Duration::from_millis(10)).await;
    standin.set_restore_outcome(RestoreOutcome::NeverFinishes);
    let client = client(&standin);
    let id = create_flex(&client).await;
    // Every poll answers 503: the first poll's four attempts are all there is.
    standin.set_fault_scoped(
        Fault::status(StatusCode::SERVICE_UNAVAILABLE),
        FaultScope::all().operation(GET_FLEX),
        None,
    );
    let (outcome, seen) = wait_flex(&client, fast(), &id).await;
    match outcome.unwrap_err() {
        WaitError::Call(e) => {
            assert_eq!(e.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
            assert_eq!(e.attempts(), Some(4));
        }
        other => panic!("{other:?}"),
    }
    assert!(seen.is_empty());
    assert_eq!(standin.attempts(GET_FLEX), 4);

    // One 503 is cured inside its poll, and the wait goes on to the deadline.
    standin.set_fault_scoped(
        Fault::status(StatusCode::SERVICE_UNAVAILABLE),
        FaultScope::all().operation(GET_FLEX),
        Some(1),
    );
    let (outcome, seen) =
        wait_flex(&client, fast().deadline(Duration::from_millis(100)), &id).await;
    assert!(matches!(outcome, Err(WaitError::Deadline { .. })));
    assert_eq!(standin.attempts(GET_FLEX), 4 + 1 + seen.len() as u64);
}

#[tokio::test]
#[allow(deprecated)]
async fn a_serverless_job_is_read_by_its_flags() {
    let standin = migration_world(Duration::from_millis(20)).await;
    let client = client(&standin);
    let snapshot = serverless_id(0);
    let create = |client: &Client| {
        let body = serde_json::from_value(serde_json::json!({
            "deliveryType": "automated",
            "snapshotId": snapshot,
            "targetClusterName": "Legacy0",
            "targetGroupId": GROUP,
        }))
        .unwrap();
        let client = client.clone();
        async move {
            let job = client
                .create_serverless_restore_job(GROUP, MIGRATED, &body)
                .await
                .unwrap();
            job.value().id.clone().unwrap()
        }
    };
    let id = create(&client).await;
    let wait = fast()
        .until_finished(|| client.get_serverless_restore_job(GROUP, MIGRATED, &id))
        .await;
    let done = wait.unwrap();
    assert_eq!(done.job_state(), JobState::Completed);
    assert!(done.value().finished_at.is_some());

    standin.set_restore_outcome(RestoreOutcome::Failed);
    let id = create(&client).await;
    let err = fast()
        .until_finished(|| client.get_serverless_restore_job(GROUP, MIGRATED, &id))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, WaitError::Unsuccessful { state: JobState::Failed, job } if job.value().failed == Some(true)),
        "{err:?}"
    );
    assert!(standin.attempts(GET_SERVERLESS) >= 2);

    // Past its sunset the Serverless operation answers 410: the wait ends with it.
    standin.set_gone(true);
    let err = fast()
        .until_finished(|| client.get_serverless_restore_job(GROUP, MIGRATED, &id))
        .await
        .unwrap_err();
    match err {
        WaitError::Call(e) => assert!(
            matches!(e, atlas_snapshots::Error::VersionGone { .. }),
            "{e:?}"
        ),
        other => panic!("{other:?}"),
    }
}

/// The untyped path (the CLI's): answers read by the operation's body type, and an
/// operation that answers no restore job refused before anything is sent.
#[tokio::test]
async fn watch_operation_reads_by_the_operation_and_refuses_other_operations() {
    let standin = migration_world(Duration::from_millis(10)).await;
    let client = client(&standin);
    let id = create_flex(&client).await;
    let before = standin.request_count();
    let refused = fast()
        .watch_operation(
            &operations::GET_FLEX_BACKUP_SNAPSHOT,
            || client.get_flex_restore_job(GROUP, MIGRATED, &id),
            |_, _| {},
        )
        .await
        .unwrap_err();
    assert!(
        matches!(refused, WaitError::NotRestoreJob { operation } if operation.id == "getFlexBackupSnapshot"),
        "{refused:?}"
    );
    assert_eq!(
        refused.to_string(),
        "getFlexBackupSnapshot answers FlexBackupSnapshot, not a restore job"
    );
    assert_eq!(standin.request_count(), before);

    // Polled through `Client::invoke` (a `Response<()>`), with an error of the caller's own.
    #[derive(Debug)]
    struct Mine(#[allow(dead_code)] atlas_snapshots::Error);
    let invocation = Invocation::new(&operations::GET_FLEX_RESTORE_JOB)
        .argument("groupId", GROUP)
        .argument("name", MIGRATED)
        .argument("restoreJobId", id.as_str());
    let done = fast()
        .watch_operation(
            &operations::GET_FLEX_RESTORE_JOB,
            || async { client.invoke(invocation.clone()).await.map_err(Mine) },
            |_, _| {},
        )
        .await
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(done.body()).unwrap();
    assert_eq!(body["status"], "COMPLETED");
}
