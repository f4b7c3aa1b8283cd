//! Testing your own code against the Atlas stand-in (`atlas-snapshots-standin`), with
//! no network and no Atlas account: seed snapshots, inject faults, then assert on your
//! code's results and on the requests it sent.
//!
//! In your project these checks would be `#[tokio::test]` functions under `tests/`, with
//! `atlas-snapshots-standin` under `[dev-dependencies]`; here one program runs them in
//! turn and prints each as it passes. Each starts its own stand-in, as tests running in
//! parallel would. It never needs credentials:
//!
//! ```sh
//! cargo run --example test_against_standin
//! ```

use std::{error::Error, time::Duration};

use atlas_snapshots::{
    Client, Credentials, RetryPolicy,
    types::{FlexBackupSnapshot, FlexBackupSnapshotStatus},
};
use atlas_snapshots_standin::{FLEX_MEDIA_TYPE, Fault, StandIn, sample};
use futures::TryStreamExt as _;
use http::StatusCode;

type TestResult = Result<(), Box<dyn Error>>;

const PUBLIC_KEY: &str = "PUBLICKEY";
const PRIVATE_KEY: &str = "private-key";

// ----- the code under test: yours -----

/// The newest completed snapshot of a Flex cluster, if it has one.
async fn latest_completed(
    client: &Client,
    group: &str,
    cluster: &str,
) -> atlas_snapshots::Result<Option<FlexBackupSnapshot>> {
    let mut snapshots = std::pin::pin!(client.flex_backup_snapshots(group, cluster).items());
    let mut latest: Option<FlexBackupSnapshot> = None;
    while let Some(snapshot) = snapshots.try_next().await? {
        let completed = snapshot.status == Some(FlexBackupSnapshotStatus::Completed);
        if completed
            && latest
                .as_ref()
                .is_none_or(|l| snapshot.scheduled_time > l.scheduled_time)
        {
            latest = Some(snapshot);
        }
    }
    Ok(latest)
}

// ----- the tests -----

/// A stand-in that wants an API key over HTTP Digest, as Atlas does, and a client for it.
async fn standin_and_client(retry: RetryPolicy) -> Result<(StandIn, Client), Box<dyn Error>> {
    let standin = StandIn::builder()
        .digest(PUBLIC_KEY, PRIVATE_KEY)
        .start()
        .await?;
    let client = Client::builder()
        .base_url(standin.base_url())
        .credentials(Credentials::api_key(PUBLIC_KEY, PRIVATE_KEY))
        .retry(retry)
        .build()?;
    Ok((standin, client))
}

/// Quick retries, so that the fault tests take milliseconds.
fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(3)
        .initial_backoff(Duration::from_millis(10))
}

fn id(snapshot: &serde_json::Value) -> Option<String> {
    snapshot["id"].as_str().map(str::to_owned)
}

async fn finds_the_newest_completed_snapshot() -> TestResult {
    let (standin, client) = standin_and_client(fast_retries()).await?;
    // Samples get older as their number grows; 0 to 3 are pending, queued, running and
    // failed, so the newest completed one is number 4.
    let seeded = (0..40).map(sample::flex_snapshot).collect();
    standin.seed_flex(sample::GROUP_ID, sample::FLEX_NAME, seeded);
    let latest = latest_completed(&client, sample::GROUP_ID, sample::FLEX_NAME).await?;
    assert_eq!(latest.and_then(|s| s.id), id(&sample::flex_snapshot(4)));

    standin.seed_flex(sample::GROUP_ID, "Empty", Vec::new());
    assert!(
        latest_completed(&client, sample::GROUP_ID, "Empty")
            .await?
            .is_none()
    );
    Ok(())
}

async fn survives_a_rate_limit() -> TestResult {
    let (standin, client) = standin_and_client(fast_retries()).await?;
    standin.seed_flex(
        sample::GROUP_ID,
        sample::FLEX_NAME,
        vec![sample::flex_snapshot(4)],
    );
    // The first API request gets 429 RATE_LIMITED; the client waits and tries again.
    standin.set_fault(Fault::rate_limited(None), Some(1));
    let latest = latest_completed(&client, sample::GROUP_ID, sample::FLEX_NAME).await?;
    assert!(latest.is_some());
    assert_eq!(standin.faults_injected(), 1);
    Ok(())
}

async fn reports_an_outage() -> TestResult {
    let (standin, client) = standin_and_client(fast_retries()).await?;
    standin.seed_flex(
        sample::GROUP_ID,
        sample::FLEX_NAME,
        vec![sample::flex_snapshot(4)],
    );
    // Every request gets 503 until the fault is cleared: the error says so after the
    // policy's three attempts.
    standin.set_fault(Fault::status(StatusCode::SERVICE_UNAVAILABLE), None);
    let err = latest_completed(&client, sample::GROUP_ID, sample::FLEX_NAME)
        .await
        .expect_err("a 503 on every attempt");
    assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(err.attempts(), Some(3));
    assert!(err.is_retryable());
    Ok(())
}

async fn sends_what_atlas_expects() -> TestResult {
    let (standin, client) = standin_and_client(fast_retries()).await?;
    standin.seed_flex(sample::GROUP_ID, sample::FLEX_NAME, Vec::new());
    latest_completed(&client, sample::GROUP_ID, sample::FLEX_NAME).await?;
    let requests = standin.requests();
    assert!(!requests.is_empty());
    for request in &requests {
        assert_eq!(request.method, "GET");
        // Only the Flex operation, never the sunset Serverless one.
        assert!(
            request.path.contains("/flexClusters/Flex0/"),
            "{}",
            request.path
        );
        assert_eq!(request.header("accept"), Some(FLEX_MEDIA_TYPE));
        assert!(
            request.target().contains("itemsPerPage=500"),
            "{}",
            request.target()
        );
    }
    Ok(())
}

async fn signs_in_with_one_digest_challenge() -> TestResult {
    let (standin, client) = standin_and_client(fast_retries()).await?;
    standin.seed_flex(sample::GROUP_ID, sample::FLEX_NAME, Vec::new());
    for _ in 0..3 {
        latest_completed(&client, sample::GROUP_ID, sample::FLEX_NAME).await?;
    }
    // The first request is answered with the challenge; the client keeps the nonce, so
    // each later call is one signed request.
    assert_eq!(standin.unauthorized_count(), 1);
    assert_eq!(standin.request_count(), 4);
    let signed: Vec<_> = standin
        .requests()
        .into_iter()
        .filter_map(|r| r.header("authorization").map(str::to_owned))
        .collect();
    assert_eq!(signed.len(), 3);
    for authorization in signed {
        assert!(authorization.starts_with("Digest "));
        assert!(authorization.contains(&format!("username=\"{PUBLIC_KEY}\"")));
        assert!(!authorization.contains(PRIVATE_KEY));
    }
    Ok(())
}

#[tokio::main]
async fn main() -> TestResult {
    finds_the_newest_completed_snapshot().await?;
    println!("ok  seed: the newest completed snapshot is found, none in an empty cluster");
    survives_a_rate_limit().await?;
    println!("ok  fault injection: a 429 is retried and the answer still arrives");
    reports_an_outage().await?;
    println!("ok  fault injection: a lasting 503 is an error with its status and attempts");
    sends_what_atlas_expects().await?;
    println!("ok  request recording: only Flex GETs, with the 2024-11-13 media type");
    signs_in_with_one_digest_challenge().await?;
    println!("ok  digest: one challenge for three calls, no secret on the wire");
    Ok(())
}
