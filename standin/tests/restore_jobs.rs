//! Restore jobs and downloads over real HTTP: states over time, outcomes, expiring
//! links, paging and counts.

mod support;

use std::time::{Duration, Instant};

use atlas_snapshots_standin::{Operation, RestoreOutcome, StandIn};
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::*;

fn time(v: &Value, field: &str) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339(
        v[field].as_str().unwrap_or_else(|| panic!("{field}: {v}")),
    )
    .unwrap_or_else(|e| panic!("{field} ({e}): {v}"))
}

async fn create_flex(s: &StandIn) -> Value {
    let resp = post(
        s,
        &flex(MIGRATED, "/backup/restoreJobs"),
        &json!({"snapshotId": migrated_snapshot(5), "targetDeploymentItemName": FLEX_ONLY}),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    json_of(resp).await
}

async fn create_serverless(s: &StandIn, delivery: &str) -> Value {
    let resp = post(
        s,
        &serverless(MIGRATED, "/backup/restoreJobs"),
        &json!({
            "deliveryType": delivery,
            "snapshotId": migrated_snapshot(5),
            "targetClusterName": UNMIGRATED,
            "targetGroupId": G,
        }),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    json_of(resp).await
}

async fn job(s: &StandIn, v: &Value) -> Value {
    let id = v["id"].as_str().expect("id");
    let path = match v.get("instanceName") {
        Some(_) => flex(MIGRATED, &format!("/backup/restoreJobs/{id}")),
        None => serverless(MIGRATED, &format!("/backup/restoreJobs/{id}")),
    };
    let resp = get(s, &path).await;
    assert_eq!(resp.status(), StatusCode::OK, "{path}");
    json_of(resp).await
}

const ORDER: [&str; 4] = ["PENDING", "QUEUED", "RUNNING", "COMPLETED"];

#[tokio::test]
async fn a_flex_restore_job_moves_through_its_states_in_order() {
    // Long enough that a loaded machine still polls inside each step.
    let step = Duration::from_millis(400);
    let s = world(step).await;
    let started = Instant::now();
    let created = create_flex(&s).await;
    assert_eq!(created["status"], "PENDING", "{created}");
    assert_eq!(created["deliveryType"], "RESTORE");
    assert_eq!(created["instanceName"], MIGRATED);
    assert_eq!(created["projectId"], G);
    assert_eq!(created["snapshotId"], migrated_snapshot(5));
    assert_eq!(created["targetDeploymentItemName"], FLEX_ONLY);
    assert_eq!(created["targetProjectId"], G);
    let snapshot = atlas_snapshots_standin::sample::migrated_flex_snapshot_in(G, MIGRATED, 5);
    assert_eq!(created["snapshotFinishedDate"], snapshot["finishTime"]);
    assert!(created.get("restoreFinishedDate").is_none(), "{created}");
    assert!(created.get("snapshotUrl").is_none(), "{created}");
    let id = created["id"].as_str().unwrap();
    assert!(
        created["links"][0]["href"]
            .as_str()
            .is_some_and(|h| h.ends_with(id))
    );

    // Polled, the status only moves forward, and ends COMPLETED after three steps.
    let mut seen = vec![0];
    let last = loop {
        let v = job(&s, &created).await;
        let at = ORDER
            .iter()
            .position(|st| v["status"] == *st)
            .unwrap_or_else(|| panic!("{v}"));
        assert!(at >= *seen.last().unwrap(), "went back: {v}");
        if seen.last() != Some(&at) {
            seen.push(at);
        }
        if at == 3 {
            break v;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "never finished: {v}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(started.elapsed() >= step * 3, "finished early");
    assert!(seen.len() >= 3, "too few states seen: {seen:?}");
    let finished = time(&last, "restoreFinishedDate") - time(&last, "restoreScheduledDate");
    // Whole seconds, as Atlas writes them: 1.2 s after the create.
    assert!((1..=2).contains(&finished.num_seconds()), "{last}");
    // The list shows the same job, in the same state.
    let list = json_of(get(&s, &flex(MIGRATED, "/backup/restoreJobs")).await).await;
    assert_eq!(list["totalCount"], 1);
    assert_eq!(list["results"][0], last);
}

#[tokio::test]
async fn jobs_can_be_made_to_fail_or_never_finish() {
    let s = world(Duration::ZERO).await;
    let done = create_flex(&s).await;
    assert_eq!(done["status"], "COMPLETED", "a zero step finishes at once");

    s.set_restore_outcome(RestoreOutcome::Failed);
    let failed = create_flex(&s).await;
    assert_eq!(failed["status"], "FAILED");
    assert!(failed.get("restoreFinishedDate").is_some(), "{failed}");
    let serverless_failed = create_serverless(&s, "automated").await;
    assert_eq!(serverless_failed["failed"], true);
    assert!(
        serverless_failed.get("finishedAt").is_some(),
        "{serverless_failed}"
    );

    s.set_restore_outcome(RestoreOutcome::NeverFinishes);
    let stuck = create_flex(&s).await;
    let serverless_stuck = create_serverless(&s, "automated").await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let stuck = job(&s, &stuck).await;
    assert_eq!(stuck["status"], "RUNNING");
    assert!(stuck.get("restoreFinishedDate").is_none(), "{stuck}");
    let serverless_stuck = job(&s, &serverless_stuck).await;
    assert_eq!(serverless_stuck["failed"], false);
    assert!(
        serverless_stuck.get("finishedAt").is_none(),
        "{serverless_stuck}"
    );

    // Jobs keep the outcome they were created with.
    s.set_restore_outcome(RestoreOutcome::Completed);
    assert_eq!(job(&s, &failed).await["status"], "FAILED");
    assert_eq!(job(&s, &stuck).await["status"], "RUNNING");
    assert_eq!(job(&s, &done).await["status"], "COMPLETED");
}

#[tokio::test]
async fn a_serverless_restore_job_finishes_after_its_steps() {
    let s = world(Duration::from_millis(100)).await;
    let created = create_serverless(&s, "automated").await;
    assert_eq!(created["deliveryType"], "automated");
    assert_eq!(created["cancelled"], false);
    assert_eq!(created["failed"], false);
    assert_eq!(created["expired"], false);
    assert_eq!(created["targetClusterName"], UNMIGRATED);
    assert_eq!(created["targetGroupId"], G);
    assert_eq!(
        created["timestamp"],
        atlas_snapshots_standin::sample::serverless_snapshot_in(G, MIGRATED, 5)["createdAt"]
    );
    assert!(created.get("finishedAt").is_none(), "{created}");
    assert!(created.get("deliveryUrl").is_none(), "{created}");
    tokio::time::sleep(Duration::from_millis(350)).await;
    let v = job(&s, &created).await;
    assert!(v.get("finishedAt").is_some(), "{v}");
    assert_eq!(v["failed"], false);
}

#[tokio::test]
async fn a_flex_download_hands_out_a_link_that_expires() {
    let s = world(Duration::ZERO).await;
    let path = flex(MIGRATED, "/backup/download");
    let v = json_of(post(&s, &path, &json!({"snapshotId": migrated_snapshot(4)})).await).await;
    assert_eq!(v["deliveryType"], "DOWNLOAD", "{v}");
    assert_eq!(v["snapshotId"], migrated_snapshot(4));
    assert!(v.get("targetDeploymentItemName").is_none(), "{v}");
    // Atlas: the link works for four hours after the request.
    let lifetime = time(&v, "expirationDate") - time(&v, "restoreScheduledDate");
    assert_eq!(lifetime.num_seconds(), 4 * 3600);
    let url = v["snapshotUrl"].as_str().expect("snapshotUrl").to_owned();
    assert!(url.starts_with(&s.base_url()), "{url}");
    let resp = reqwest::get(&url).await.expect("send");
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(!resp.bytes().await.expect("body").is_empty());
    // A download is a restore job too.
    let list = json_of(get(&s, &flex(MIGRATED, "/backup/restoreJobs")).await).await;
    assert_eq!(list["results"][0]["id"], v["id"]);

    // Long enough to fetch the link once before it expires, even on a loaded machine.
    s.set_download_link_lifetime(Duration::from_millis(500));
    let short = json_of(post(&s, &path, &json!({"snapshotId": migrated_snapshot(4)})).await).await;
    let url = short["snapshotUrl"]
        .as_str()
        .expect("snapshotUrl")
        .to_owned();
    assert_eq!(
        reqwest::get(&url).await.expect("send").status(),
        StatusCode::OK
    );
    tokio::time::sleep(Duration::from_millis(600)).await;
    let resp = reqwest::get(&url).await.expect("send");
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(
        resp.text()
            .await
            .expect("body")
            .contains("Request has expired")
    );
    let again = job(&s, &short).await;
    let now = chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now());
    assert!(time(&again, "expirationDate") < now, "{again}");
    // The first link still works; made-up links do not exist.
    assert_eq!(
        reqwest::get(v["snapshotUrl"].as_str().unwrap())
            .await
            .expect("send")
            .status(),
        StatusCode::OK
    );
    let made_up = format!(
        "{}/standin/downloads/6a0b00000000000000000999/x.tar.gz",
        s.base_url()
    );
    assert_eq!(
        reqwest::get(&made_up).await.expect("send").status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(s.creates(Operation::DownloadGroupFlexClusterBackup), 2);
}

#[tokio::test]
async fn a_serverless_download_says_when_it_expired() {
    let s = StandIn::builder()
        .restore_step(Duration::ZERO)
        .download_link_lifetime(Duration::from_millis(500))
        .start()
        .await
        .expect("start");
    s.seed_migration_world();
    let v = create_serverless(&s, "download").await;
    assert_eq!(v["expired"], false, "{v}");
    let urls = v["deliveryUrl"].as_array().expect("deliveryUrl");
    assert_eq!(urls.len(), 1);
    let url = urls[0].as_str().unwrap().to_owned();
    assert!(v.get("expiresAt").is_some(), "{v}");
    assert_eq!(
        reqwest::get(&url).await.expect("send").status(),
        StatusCode::OK
    );
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(job(&s, &v).await["expired"], true);
    assert_eq!(
        reqwest::get(&url).await.expect("send").status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn restore_job_lists_page_and_unknown_jobs_are_404() {
    let s = world(Duration::ZERO).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(create_flex(&s).await["id"].clone());
    }
    let path = flex(MIGRATED, "/backup/restoreJobs");
    let v = json_of(get(&s, &format!("{path}?itemsPerPage=2&pageNum=2")).await).await;
    assert_eq!(v["totalCount"], 3);
    assert_eq!(v["results"].as_array().map(Vec::len), Some(1));
    assert_eq!(v["results"][0]["id"], ids[2]);
    let v = json_of(get(&s, &format!("{path}?itemsPerPage=2")).await).await;
    assert_eq!(v["links"][1]["rel"], "next");
    assert_eq!(v["results"][0]["id"], ids[0]);
    assert_ne!(ids[0], ids[1]);

    let missing = flex(MIGRATED, "/backup/restoreJobs/0123456789abcdef01234567");
    let resp = get(&s, &missing).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let v = json_of(resp).await;
    assert_atlas_error(&v, 404, "RESOURCE_NOT_FOUND", false);
    assert_eq!(v["parameters"], json!([missing, 3]));
    // A job belongs to its own cluster and family only.
    let id = ids[0].as_str().unwrap();
    for other in [
        flex(FLEX_ONLY, &format!("/backup/restoreJobs/{id}")),
        serverless(MIGRATED, &format!("/backup/restoreJobs/{id}")),
    ] {
        assert_eq!(
            get(&s, &other).await.status(),
            StatusCode::NOT_FOUND,
            "{other}"
        );
    }
    let empty = json_of(get(&s, &flex(FLEX_ONLY, "/backup/restoreJobs")).await).await;
    assert_eq!(empty["results"], json!([]));
    assert_eq!(empty["totalCount"], 0);
    // Clearing the data forgets the jobs.
    s.clear_data();
    assert_eq!(get(&s, &path).await.status(), StatusCode::NOT_FOUND);
}
