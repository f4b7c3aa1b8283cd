//! Fault knobs on the backup domain's routes, writes included: what a client sees, and
//! whether the create took effect.

mod support;

use std::time::{Duration, Instant};

use atlas_snapshots_standin::{Fault, FaultScope, Operation, StandIn};
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::*;

const CREATE: Operation = Operation::CreateGroupFlexClusterBackupRestoreJob;

fn jobs_path() -> String {
    flex(MIGRATED, "/backup/restoreJobs")
}

fn body() -> Value {
    json!({"snapshotId": migrated_snapshot(5), "targetDeploymentItemName": FLEX_ONLY})
}

async fn try_create(s: &StandIn) -> Result<reqwest::Response, reqwest::Error> {
    post_as(
        s,
        &jobs_path(),
        Some(media_of(&jobs_path())),
        &body().to_string(),
    )
    .await
}

async fn jobs_listed(s: &StandIn) -> u64 {
    json_of(get(s, &jobs_path()).await).await["totalCount"]
        .as_u64()
        .expect("totalCount")
}

#[tokio::test]
async fn a_reset_after_processing_leaves_the_job_created() {
    let s = world(Duration::ZERO).await;
    s.set_fault_scoped(
        Fault::ResetAfterProcessing,
        FaultScope::all().operation(CREATE),
        Some(1),
    );
    let err = try_create(&s).await.expect_err("the connection is cut");
    assert!(!err.is_status(), "{err}");
    assert_eq!((s.attempts(CREATE), s.creates(CREATE)), (1, 1));
    assert_eq!(jobs_listed(&s).await, 1, "the job exists");
    assert_eq!(try_create(&s).await.expect("send").status(), StatusCode::OK);
    assert_eq!((s.attempts(CREATE), s.creates(CREATE)), (2, 2));
    assert_eq!(s.faults_injected(), 1);
}

#[tokio::test]
async fn a_reset_before_processing_creates_nothing() {
    let s = world(Duration::ZERO).await;
    s.set_fault_scoped(
        Fault::ConnectionReset,
        FaultScope::all().method("POST"),
        Some(1),
    );
    try_create(&s).await.expect_err("the connection is cut");
    assert_eq!((s.attempts(CREATE), s.creates(CREATE)), (1, 0));
    assert_eq!(jobs_listed(&s).await, 0);
}

#[tokio::test]
async fn a_rate_limited_create_then_its_retry_is_two_attempts_and_one_create() {
    let s = world(Duration::ZERO).await;
    s.set_fault_scoped(
        Fault::rate_limited(Some(2)),
        FaultScope::all().operation(CREATE),
        Some(1),
    );
    let resp = try_create(&s).await.expect("send");
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(resp.headers()["retry-after"], "2");
    assert_atlas_error(&json_of(resp).await, 429, "RATE_LIMITED", false);
    assert_eq!(try_create(&s).await.expect("send").status(), StatusCode::OK);
    assert_eq!((s.attempts(CREATE), s.creates(CREATE)), (2, 1));
}

#[tokio::test]
async fn unavailable_with_and_without_retry_after_on_every_new_route() {
    let s = world(Duration::ZERO).await;
    let reads = [
        format!("/api/atlas/v2/groups/{G}/flexClusters"),
        flex(MIGRATED, ""),
        format!("/api/atlas/v2/groups/{G}/serverless"),
        serverless(MIGRATED, ""),
        serverless(MIGRATED, "/backup/restoreJobs"),
        jobs_path(),
    ];
    for retry_after in [None, Some(7)] {
        let fault = Fault::Status {
            status: StatusCode::SERVICE_UNAVAILABLE,
            retry_after,
            rate_limit: None,
        };
        s.set_fault(fault, None);
        for path in &reads {
            let resp = get(&s, path).await;
            assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE, "{path}");
            let header = resp
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_owned());
            assert_eq!(header, retry_after.map(|n| n.to_string()), "{path}");
            assert_atlas_error(&json_of(resp).await, 503, "SERVICE_UNAVAILABLE", false);
        }
        let resp = try_create(&s).await.expect("send");
        assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(s.creates(CREATE), 0, "a 503 processes nothing");
    }
    s.clear_fault();
    assert_eq!(try_create(&s).await.expect("send").status(), StatusCode::OK);
}

#[tokio::test]
async fn scopes_pick_the_operation_the_method_and_the_nth_request() {
    let s = world(Duration::ZERO).await;
    let get_cluster = flex(MIGRATED, "");
    s.set_fault_scoped(
        Fault::status(StatusCode::INTERNAL_SERVER_ERROR),
        FaultScope::all()
            .operation(Operation::GetGroupFlexCluster)
            .skip(1),
        Some(2),
    );
    // Other operations pass and do not count the fault down.
    for _ in 0..3 {
        assert_eq!(get(&s, &jobs_path()).await.status(), StatusCode::OK);
    }
    assert_eq!(
        get(&s, &get_cluster).await.status(),
        StatusCode::OK,
        "skipped"
    );
    for _ in 0..2 {
        assert_eq!(
            get(&s, &get_cluster).await.status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }
    assert_eq!(
        get(&s, &get_cluster).await.status(),
        StatusCode::OK,
        "spent"
    );
    assert_eq!(s.faults_injected(), 2);
    assert_eq!(s.attempts(Operation::GetGroupFlexCluster), 4);

    // By method: GETs pass, the POST gets it; unknown routes are never in an
    // operation's scope.
    s.set_fault_scoped(
        Fault::HtmlBadGateway,
        FaultScope::all().method("POST"),
        None,
    );
    assert_eq!(get(&s, &jobs_path()).await.status(), StatusCode::OK);
    let resp = try_create(&s).await.expect("send");
    assert_eq!(resp.status(), StatusCode::BAD_GATEWAY);
    assert_eq!(content_type(&resp), "text/html");
    assert_eq!(s.creates(CREATE), 0);
    s.set_fault_scoped(
        Fault::HtmlBadGateway,
        FaultScope::all().operation(CREATE),
        None,
    );
    let resp = get(&s, "/api/atlas/v2/nowhere").await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn truncation_delay_and_bodies_on_the_new_routes() {
    let s = world(Duration::ZERO).await;
    // A truncated answer to a create: the job exists, the client cannot read it.
    s.set_fault_scoped(
        Fault::TruncatedBody,
        FaultScope::all().operation(CREATE),
        Some(1),
    );
    let resp = try_create(&s).await.expect("headers arrive");
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.bytes().await.is_err(),
        "a truncated body must fail to read"
    );
    assert_eq!(s.creates(CREATE), 1);

    s.set_fault(Fault::Delay(Duration::from_millis(200)), Some(1));
    let client = reqwest::Client::new();
    let t = Instant::now();
    let resp = client
        .get(format!("{}{}", s.base_url(), flex(MIGRATED, "")))
        .header("accept", media_of(&jobs_path()))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        t.elapsed() >= Duration::from_millis(200),
        "{:?}",
        t.elapsed()
    );

    s.set_fault(Fault::MalformedJson, Some(1));
    let resp = get(&s, &flex(MIGRATED, "")).await;
    assert_eq!(content_type(&resp), media_of(&jobs_path()));
    assert!(serde_json::from_str::<Value>(&resp.text().await.unwrap()).is_err());

    s.set_fault(Fault::MalformedJson, Some(1));
    let resp = get(&s, &serverless(MIGRATED, "")).await;
    assert_eq!(
        content_type(&resp),
        atlas_snapshots_standin::SERVERLESS_MEDIA_TYPE
    );
    resp.bytes().await.expect("body");

    s.set_fault(Fault::WrongContentType, Some(1));
    let resp = try_create(&s).await.expect("send");
    assert_eq!(content_type(&resp), "text/plain");
    assert_eq!(s.creates(CREATE), 2, "processed");

    s.set_fault(Fault::ErrorAsSuccess(StatusCode::CONFLICT), Some(1));
    let resp = try_create(&s).await.expect("send");
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(json_of(resp).await["errorCode"], "CONFLICT");
    assert_eq!(s.creates(CREATE), 2, "not processed");
}

#[tokio::test]
async fn paging_faults_apply_to_every_list() {
    let s = world(Duration::ZERO).await;
    for _ in 0..3 {
        assert_eq!(try_create(&s).await.expect("send").status(), StatusCode::OK);
    }
    s.set_fault(
        Fault::Paging {
            ignore_page_num: true,
            always_full: true,
            total_count: Some(1000),
        },
        None,
    );
    let page1 = json_of(get(&s, &format!("{}?itemsPerPage=2", jobs_path())).await).await;
    let page2 = json_of(get(&s, &format!("{}?itemsPerPage=2&pageNum=2", jobs_path())).await).await;
    assert_eq!(page1["results"], page2["results"], "pageNum ignored");
    assert_eq!(page2["totalCount"], 1000);
    // Restore jobs are never replaced by made-up snapshots.
    assert!(
        page2["results"][0]["status"].is_string()
            && page2["results"][0].get("instanceName").is_some()
    );
    let clusters = format!("/api/atlas/v2/groups/{G}/flexClusters?itemsPerPage=1&pageNum=2");
    let v = json_of(get(&s, &clusters).await).await;
    assert_eq!(names(&v), [MIGRATED]);
    assert_eq!(v["totalCount"], 1000);
    // Snapshot lists are filled up as before.
    let v = json_of(get(&s, &flex(MIGRATED, "/backup/snapshots?itemsPerPage=50")).await).await;
    assert_eq!(v["results"].as_array().map(Vec::len), Some(50));
    // Gets are untouched.
    assert_eq!(
        json_of(get(&s, &flex(MIGRATED, "")).await).await["name"],
        MIGRATED
    );
}
