//! The Serverless-to-Flex backup domain over real HTTP: every operation's route, its
//! version, parameters, bodies, errors, paging, envelope, and sunsets.

mod support;

use std::time::Duration;

use atlas_snapshots_standin::{FLEX_MEDIA_TYPE, Operation, SERVERLESS_MEDIA_TYPE, sample};
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::*;

fn flex_restore_body() -> Value {
    json!({"snapshotId": migrated_snapshot(0), "targetDeploymentItemName": FLEX_ONLY})
}

fn serverless_restore_body() -> Value {
    json!({
        "deliveryType": "automated",
        "snapshotId": migrated_snapshot(0),
        "targetClusterName": UNMIGRATED,
        "targetGroupId": G,
    })
}

/// A request that succeeds for `op` in the world: path and, for a POST, body. Restore
/// job ids are the ones `jobs` created.
fn request_for(op: Operation, jobs: (&str, &str)) -> (String, Option<Value>) {
    let snapshot = migrated_snapshot(1);
    match op.id() {
        "listGroupServerlessInstances" => (format!("/api/atlas/v2/groups/{G}/serverless"), None),
        "getGroupServerlessInstance" => (serverless(MIGRATED, ""), None),
        "listGroupServerlessBackupSnapshots" => (serverless(MIGRATED, "/backup/snapshots"), None),
        "getGroupServerlessBackupSnapshot" => (
            serverless(MIGRATED, &format!("/backup/snapshots/{snapshot}")),
            None,
        ),
        "listGroupServerlessBackupRestoreJobs" => {
            (serverless(MIGRATED, "/backup/restoreJobs"), None)
        }
        "getGroupServerlessBackupRestoreJob" => (
            serverless(MIGRATED, &format!("/backup/restoreJobs/{}", jobs.0)),
            None,
        ),
        "createGroupServerlessBackupRestoreJob" => (
            serverless(MIGRATED, "/backup/restoreJobs"),
            Some(serverless_restore_body()),
        ),
        "listGroupFlexClusters" => (format!("/api/atlas/v2/groups/{G}/flexClusters"), None),
        "getGroupFlexCluster" => (flex(MIGRATED, ""), None),
        "listGroupFlexClusterBackupSnapshots" => (flex(MIGRATED, "/backup/snapshots"), None),
        "getGroupFlexClusterBackupSnapshot" => (
            flex(MIGRATED, &format!("/backup/snapshots/{snapshot}")),
            None,
        ),
        "listGroupFlexClusterBackupRestoreJobs" => (flex(MIGRATED, "/backup/restoreJobs"), None),
        "getGroupFlexClusterBackupRestoreJob" => (
            flex(MIGRATED, &format!("/backup/restoreJobs/{}", jobs.1)),
            None,
        ),
        "createGroupFlexClusterBackupRestoreJob" => (
            flex(MIGRATED, "/backup/restoreJobs"),
            Some(flex_restore_body()),
        ),
        "downloadGroupFlexClusterBackup" => (
            flex(MIGRATED, "/backup/download"),
            Some(json!({"snapshotId": snapshot})),
        ),
        other => panic!("no request for {other}"),
    }
}

async fn send(
    s: &atlas_snapshots_standin::StandIn,
    path: &str,
    body: Option<&Value>,
    accept: &str,
) -> reqwest::Response {
    let client = reqwest::Client::new();
    let url = format!("{}{path}", s.base_url());
    let req = match body {
        Some(b) => client
            .post(url)
            .header("content-type", media_of(path))
            .body(b.to_string()),
        None => client.get(url),
    };
    req.header("accept", accept).send().await.expect("send")
}

async fn job_ids(s: &atlas_snapshots_standin::StandIn) -> (String, String) {
    let a = json_of(
        post(
            s,
            &serverless(MIGRATED, "/backup/restoreJobs"),
            &serverless_restore_body(),
        )
        .await,
    )
    .await;
    let b = json_of(
        post(
            s,
            &flex(MIGRATED, "/backup/restoreJobs"),
            &flex_restore_body(),
        )
        .await,
    )
    .await;
    (
        a["id"].as_str().expect("id").to_owned(),
        b["id"].as_str().expect("id").to_owned(),
    )
}

#[tokio::test]
async fn every_operation_answers_only_its_own_version() {
    let s = world(Duration::ZERO).await;
    let (a, b) = job_ids(&s).await;
    for op in Operation::all() {
        let (path, body) = request_for(op, (&a, &b));
        let other = if op.media_type() == FLEX_MEDIA_TYPE {
            SERVERLESS_MEDIA_TYPE
        } else {
            FLEX_MEDIA_TYPE
        };
        for bad in ["application/json", "*/*", other] {
            let resp = send(&s, &path, body.as_ref(), bad).await;
            assert_eq!(
                resp.status(),
                StatusCode::NOT_ACCEPTABLE,
                "{} {bad}",
                op.id()
            );
            assert_atlas_error(&json_of(resp).await, 406, "INVALID_VERSION_DATE", false);
        }
        let resp = send(&s, &path, body.as_ref(), op.media_type()).await;
        assert_eq!(resp.status(), StatusCode::OK, "{}", op.id());
        assert_eq!(content_type(&resp), op.media_type(), "{}", op.id());
        let v = json_of(resp).await;
        assert!(v.is_object(), "{}: {v}", op.id());
        // The envelope wraps each one the same way as the snapshot routes.
        let sep = if path.contains('?') { '&' } else { '?' };
        let resp = send(
            &s,
            &format!("{path}{sep}envelope=true"),
            body.as_ref(),
            op.media_type(),
        )
        .await;
        let v = json_of(resp).await;
        assert_eq!(v["status"], 200, "{}: {v}", op.id());
        if op.id().starts_with("list") {
            assert!(v["results"].is_array(), "{}: {v}", op.id());
        } else {
            assert!(v["content"].is_object(), "{}: {v}", op.id());
        }
        // Wrong methods are unknown routes.
        let resp = reqwest::Client::new()
            .delete(format!("{}{path}", s.base_url()))
            .header("accept", op.media_type())
            .send()
            .await
            .expect("send");
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{}", op.id());
    }
    for op in Operation::all() {
        let wanted =
            u64::from(op.method() == "POST") * 2 + u64::from(op.id().starts_with("create"));
        assert_eq!(s.creates(op), wanted, "{}", op.id());
        assert!(s.attempts(op) >= 5, "{}", op.id());
    }
}

#[tokio::test]
async fn bodies_need_the_vendor_content_type() {
    let s = world(Duration::ZERO).await;
    let path = flex(MIGRATED, "/backup/restoreJobs");
    let body = flex_restore_body().to_string();
    for bad in [
        Some("application/json"),
        Some(SERVERLESS_MEDIA_TYPE),
        Some("text/plain"),
        None,
    ] {
        let resp = post_as(&s, &path, bad, &body).await.expect("send");
        assert_eq!(resp.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "{bad:?}");
        assert_eq!(content_type(&resp), "application/json");
        let v = json_of(resp).await;
        assert_atlas_error(&v, 415, "UNSUPPORTED_MEDIA_TYPE", false);
        assert_eq!(v["parameters"][0], bad.unwrap_or_default(), "{v}");
        assert_eq!(v["parameters"][1], FLEX_MEDIA_TYPE, "{v}");
    }
    let charset = format!("{FLEX_MEDIA_TYPE}; charset=utf-8");
    let resp = post_as(&s, &path, Some(&charset), &body)
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        s.creates(Operation::CreateGroupFlexClusterBackupRestoreJob),
        1
    );
    assert_eq!(
        s.attempts(Operation::CreateGroupFlexClusterBackupRestoreJob),
        5
    );
}

#[tokio::test]
async fn the_world_has_migrated_unmigrated_and_flex_only_deployments() {
    let s = world(Duration::ZERO).await;
    let clusters = json_of(get(&s, &format!("/api/atlas/v2/groups/{G}/flexClusters")).await).await;
    assert_eq!(names(&clusters), [MIGRATED, FLEX_ONLY]);
    assert_eq!(clusters["totalCount"], 2);
    let instances = json_of(get(&s, &format!("/api/atlas/v2/groups/{G}/serverless")).await).await;
    assert_eq!(names(&instances), [MIGRATED, UNMIGRATED]);
    let other = format!(
        "/api/atlas/v2/groups/{}/flexClusters",
        sample::OTHER_GROUP_ID
    );
    assert_eq!(
        names(&json_of(get(&s, &other).await).await),
        ["Analytics1", "Reports2"]
    );

    // The migrated one is the same deployment in both families.
    let instance = json_of(get(&s, &serverless(MIGRATED, "")).await).await;
    let cluster = json_of(get(&s, &flex(MIGRATED, "")).await).await;
    assert_eq!(instance["id"], cluster["id"]);
    assert_eq!(instance["name"], MIGRATED);
    assert_eq!(instance["providerSettings"]["providerName"], "SERVERLESS");
    assert_eq!(cluster["providerSettings"]["providerName"], "FLEX");
    assert_eq!(cluster, sample::flex_cluster_in(G, MIGRATED));

    // Its snapshots are reachable through both families, by the same ids.
    let id = migrated_snapshot(3);
    let via_serverless = json_of(
        get(
            &s,
            &serverless(MIGRATED, &format!("/backup/snapshots/{id}")),
        )
        .await,
    )
    .await;
    let via_flex =
        json_of(get(&s, &flex(MIGRATED, &format!("/backup/snapshots/{id}"))).await).await;
    assert_eq!(via_serverless["id"], via_flex["id"]);
    assert_eq!(via_serverless["createdAt"], via_flex["scheduledTime"]);
    assert!(
        via_flex.get("mongoDBVersion").is_some() && via_serverless.get("mongodVersion").is_some()
    );
    let list = json_of(get(&s, &flex(MIGRATED, "/backup/snapshots")).await).await;
    assert_eq!(list["totalCount"], sample::WORLD_SNAPSHOTS);

    // The unmigrated one has no Flex side; the Flex-only one no Serverless side.
    for path in [
        flex(UNMIGRATED, ""),
        flex(UNMIGRATED, "/backup/snapshots"),
        serverless(FLEX_ONLY, ""),
    ] {
        let resp = get(&s, &path).await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{path}");
        let v = json_of(resp).await;
        assert_atlas_error(&v, 404, "RESOURCE_NOT_FOUND", false);
        assert_eq!(v["parameters"], json!([path, 0]));
    }
    // An unknown group is 404 for lists and gets alike.
    let nobody = "0123456789abcdef01234567";
    for path in [
        format!("/api/atlas/v2/groups/{nobody}/flexClusters"),
        format!("/api/atlas/v2/groups/{nobody}/serverless"),
        format!("/api/atlas/v2/groups/{nobody}/flexClusters/{MIGRATED}/backup/restoreJobs"),
    ] {
        let resp = get(&s, &path).await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{path}");
        let v = json_of(resp).await;
        assert!(
            v["detail"].as_str().is_some_and(|d| d.contains(nobody)),
            "{v}"
        );
    }

    // A seeded description is served exactly as given.
    let odd = json!({"name": "Odd1", "stateName": "SOMETHING_NEW", "providerSettings": {}});
    s.seed_flex_cluster(G, "Odd1", odd.clone());
    assert_eq!(json_of(get(&s, &flex("Odd1", "")).await).await, odd);
}

#[tokio::test]
async fn deployment_lists_page_count_and_check_their_flags() {
    let s = world(Duration::ZERO).await;
    for i in 0..5 {
        s.seed_flex(G, &format!("Extra{i}"), vec![]);
    }
    let path = format!("/api/atlas/v2/groups/{G}/flexClusters");
    let v = json_of(get(&s, &format!("{path}?itemsPerPage=3&pageNum=2")).await).await;
    assert_eq!(names(&v), ["Extra1", "Extra2", "Extra3"]);
    assert_eq!(v["totalCount"], 7);
    let rels: Vec<&str> = v["links"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l["rel"].as_str())
        .collect();
    assert_eq!(rels, ["self", "next", "previous"]);
    let v = json_of(
        get(
            &s,
            &format!("{path}?itemsPerPage=3&pageNum=3&includeCount=false"),
        )
        .await,
    )
    .await;
    assert_eq!(names(&v), ["Extra4"]);
    assert!(v.get("totalCount").is_none(), "{v}");
    let v = json_of(get(&s, &format!("{path}?pageNum=99")).await).await;
    assert_eq!(v["results"], json!([]));
    for bad in [
        "itemsPerPage=501",
        "pageNum=0",
        "includeCount=maybe",
        "pretty=banana",
        "envelope=2",
    ] {
        for p in [
            path.clone(),
            flex(MIGRATED, &format!("/backup/restoreJobs?{bad}")),
        ] {
            let p = if p.contains('?') {
                p
            } else {
                format!("{p}?{bad}")
            };
            let resp = get(&s, &p).await;
            assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{p}");
            let v = json_of(resp).await;
            assert_atlas_error(&v, 400, "INVALID_PARAMETER", false);
            assert_eq!(v["parameters"][0], bad.split('=').next().unwrap(), "{v}");
        }
    }
    assert_eq!(
        get(&s, &format!("{path}?pretty=true")).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn bad_path_parameters_are_400_naming_them() {
    let s = world(Duration::ZERO).await;
    let cases = [
        (
            "/api/atlas/v2/groups/XYZ/flexClusters".to_owned(),
            "groupId",
        ),
        (flex("-bad", ""), "name"),
        (serverless("a_b", ""), "name"),
        (serverless("a_b", "/backup/restoreJobs"), "clusterName"),
        (flex("a_b", "/backup/restoreJobs"), "name"),
        (flex(MIGRATED, "/backup/restoreJobs/123"), "restoreJobId"),
        (
            serverless(MIGRATED, "/backup/restoreJobs/ABCDEF0123456789ABCDEF01"),
            "restoreJobId",
        ),
        (flex(MIGRATED, "/backup/restoreJobs/"), "restoreJobId"),
    ];
    for (path, param) in cases {
        let resp = get(&s, &path).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{path}");
        let v = json_of(resp).await;
        assert_atlas_error(&v, 400, "INVALID_PARAMETER", false);
        assert_eq!(v["parameters"][0], param, "{path}: {v}");
    }
    // Bad ids on a POST are refused before anything is created.
    let resp = post(
        &s,
        &flex("a%5Fb", "/backup/download"),
        &json!({"snapshotId": migrated_snapshot(0)}),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_of(resp).await["parameters"], json!(["name", "a_b"]));
    assert_eq!(s.creates(Operation::DownloadGroupFlexClusterBackup), 0);
    // Deeper paths are unknown routes.
    let resp = get(
        &s,
        &flex(MIGRATED, "/backup/restoreJobs/0123456789abcdef01234567/x"),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn create_bodies_are_validated_field_by_field() {
    let s = world(Duration::ZERO).await;
    let flex_jobs = flex(MIGRATED, "/backup/restoreJobs");
    let serverless_jobs = serverless(MIGRATED, "/backup/restoreJobs");
    let download = flex(MIGRATED, "/backup/download");
    let snap = migrated_snapshot(0);
    let cases: Vec<(&str, String, &str)> = vec![
        (&flex_jobs, "{not json".into(), "body"),
        (&flex_jobs, "[1,2]".into(), "body"),
        (&flex_jobs, "".into(), "body"),
        // Nested past serde_json's depth limit: refused, not a stack overflow.
        (&flex_jobs, "[".repeat(100_000), "body"),
        (&flex_jobs, json!({"snapshotId": snap, "targetDeploymentItemName": "x".repeat(65)}).to_string(), "targetDeploymentItemName"),
        (&flex_jobs, json!({"targetDeploymentItemName": "x"}).to_string(), "snapshotId"),
        (&flex_jobs, json!({"snapshotId": "nope", "targetDeploymentItemName": "x"}).to_string(), "snapshotId"),
        (&flex_jobs, json!({"snapshotId": snap}).to_string(), "targetDeploymentItemName"),
        (&flex_jobs, json!({"snapshotId": snap, "targetDeploymentItemName": "a b"}).to_string(), "targetDeploymentItemName"),
        (&flex_jobs, json!({"snapshotId": snap, "targetDeploymentItemName": "x", "targetProjectId": 7}).to_string(), "targetProjectId"),
        (&download, json!({}).to_string(), "snapshotId"),
        (&serverless_jobs, json!({"snapshotId": snap, "targetClusterName": "x", "targetGroupId": G}).to_string(), "deliveryType"),
        (&serverless_jobs, json!({"deliveryType": "teleport", "snapshotId": snap, "targetClusterName": "x", "targetGroupId": G}).to_string(), "deliveryType"),
        (&serverless_jobs, json!({"deliveryType": "automated", "targetClusterName": "x", "targetGroupId": G}).to_string(), "snapshotId"),
        (&serverless_jobs, json!({"deliveryType": "automated", "snapshotId": snap, "targetGroupId": G}).to_string(), "targetClusterName"),
        (&serverless_jobs, json!({"deliveryType": "automated", "snapshotId": snap, "targetClusterName": "x"}).to_string(), "targetGroupId"),
        (&serverless_jobs, json!({"deliveryType": "pointInTime", "targetClusterName": "x", "targetGroupId": G, "oplogTs": 5}).to_string(), "oplogTs"),
        (&serverless_jobs, json!({"deliveryType": "pointInTime", "targetClusterName": "x", "targetGroupId": G, "oplogInc": 1.5}).to_string(), "oplogInc"),
    ];
    for (path, body, field) in cases {
        let resp = post_as(&s, path, Some(media_of(path)), &body)
            .await
            .expect("send");
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{path} {body}");
        let v = json_of(resp).await;
        assert_atlas_error(&v, 400, "VALIDATION_ERROR", true);
        assert_eq!(v["parameters"], json!([field]), "{body}: {v}");
        let fields = &v["badRequestDetail"]["fields"];
        assert_eq!(fields[0]["field"], field, "{v}");
        assert!(fields[0]["description"].is_string(), "{v}");
    }
    // A snapshot the cluster does not have is a 404; the other cluster's snapshot too.
    for id in ["0123456789abcdef01234567".to_owned(), flex_only_snapshot(0)] {
        let resp = post(
            &s,
            &flex_jobs,
            &json!({"snapshotId": id, "targetDeploymentItemName": "x"}),
        )
        .await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{id}");
        let v = json_of(resp).await;
        assert_atlas_error(&v, 404, "RESOURCE_NOT_FOUND", false);
        assert_eq!(v["parameters"][1], sample::WORLD_SNAPSHOTS, "{v}");
    }
    // A point in time needs no snapshot, and its fields come back.
    let resp = post(
        &s,
        &serverless_jobs,
        &json!({
            "deliveryType": "pointInTime", "targetClusterName": "x", "targetGroupId": G,
            "pointInTimeUTCSeconds": 1_767_000_000, "unknownField": true,
        }),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let v = json_of(resp).await;
    assert_eq!(v["pointInTimeUTCSeconds"], 1_767_000_000);
    assert!(
        v.get("snapshotId").is_none() && v.get("unknownField").is_none(),
        "{v}"
    );
    assert_eq!(
        s.creates(Operation::CreateGroupServerlessBackupRestoreJob),
        1
    );
    assert_eq!(
        s.creates(Operation::CreateGroupFlexClusterBackupRestoreJob),
        0
    );
    assert_eq!(s.creates(Operation::DownloadGroupFlexClusterBackup), 0);
}

#[tokio::test]
async fn enveloped_errors_of_new_routes_follow_the_envelope_knob() {
    let s = world(Duration::ZERO).await;
    let path = format!("{}?envelope=true", flex(MIGRATED, "/backup/restoreJobs"));
    let resp = post(&s, &path, &json!({})).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let v = json_of(resp).await;
    assert_eq!(v["status"], 400);
    assert_atlas_error(&v["content"], 400, "VALIDATION_ERROR", true);
    s.set_envelope_errors_plain(true);
    let resp = get(&s, &format!("{}?envelope=true", flex(UNMIGRATED, ""))).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(json_of(resp).await["status"], 404);
}

#[tokio::test]
async fn deprecated_operations_go_gone_after_their_own_sunset() {
    let s = world(Duration::ZERO).await;
    s.set_deprecation(Some("@1769040000")).expect("header");
    let instance = serverless(MIGRATED, "");
    let snapshots = serverless(MIGRATED, "/backup/snapshots");
    let jobs = serverless(MIGRATED, "/backup/restoreJobs");
    let clusters = flex(MIGRATED, "");

    // 2026-12-01: snapshots and restore jobs (sunset 2026-01-22) are gone, instances
    // (sunset 2027-01-18) are not, Flex never is.
    s.set_today(Some("2026-12-01")).expect("date");
    let resp = get(&s, &instance).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["deprecation"], "@1769040000");
    for path in [&snapshots, &jobs] {
        let resp = get(&s, path).await;
        assert_eq!(resp.status(), StatusCode::GONE, "{path}");
        assert_eq!(resp.headers()["deprecation"], "@1769040000");
        let v = json_of(resp).await;
        assert_atlas_error(&v, 410, "VERSION_GONE", false);
        assert_eq!(v["parameters"], json!([path, "2023-01-01"]));
    }
    let resp = post(&s, &jobs, &serverless_restore_body()).await;
    assert_eq!(resp.status(), StatusCode::GONE);
    assert_eq!(
        s.creates(Operation::CreateGroupServerlessBackupRestoreJob),
        0
    );
    let resp = get(&s, &clusters).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers().get("deprecation").is_none());

    // On the sunset day itself the version still answers; the day after it is gone.
    s.set_today(Some("2027-01-18")).expect("date");
    assert_eq!(get(&s, &instance).await.status(), StatusCode::OK);
    s.set_today(Some("2027-01-19")).expect("date");
    assert_eq!(get(&s, &instance).await.status(), StatusCode::GONE);
    assert_eq!(
        get(&s, &format!("/api/atlas/v2/groups/{G}/serverless"))
            .await
            .status(),
        StatusCode::GONE
    );

    let err = s.set_today(Some("2027-13-01")).expect_err("bad date");
    assert!(err.to_string().contains("2027-13-01"), "{err}");
    assert_eq!(
        get(&s, &instance).await.status(),
        StatusCode::GONE,
        "the previous date stays"
    );

    s.set_today(None).expect("date");
    for path in [&instance, &snapshots, &jobs] {
        assert_eq!(get(&s, path).await.status(), StatusCode::OK, "{path}");
    }
    // Gone mode: every deprecated operation, whatever its sunset.
    s.set_gone(true);
    for path in [&instance, &snapshots, &jobs] {
        assert_eq!(get(&s, path).await.status(), StatusCode::GONE, "{path}");
    }
    assert_eq!(get(&s, &clusters).await.status(), StatusCode::OK);
}
