//! Every operation of the table, called through its generated method: the request
//! carries the row's method, path, `Accept` and, for a body, its `Content-Type` and the
//! JSON given; the answer decodes into the method's type.

mod common;

use atlas_snapshots::{Operation, Parameter, ParameterLocation, operations};
use common::*;
use serde_json::{Value, json};

include!(concat!(env!("OUT_DIR"), "/every_operation.rs"));

/// The restore job id the calls name.
const RESTORE_JOB: &str = "6b1c2d3e4f5a6b7c8d9e0f1a";

/// A value for each path parameter of `op`.
fn arg(op: &'static Operation, parameter: &Parameter) -> String {
    let flex = op.path.contains("/flexClusters");
    match (parameter.rust_name, flex) {
        ("group_id", _) => GROUP.to_owned(),
        ("cluster_name", true) => FLEX.to_owned(),
        ("cluster_name", false) | ("serverless_name", false) => SERVERLESS.to_owned(),
        ("snapshot_id", true) => flex_id(0),
        ("snapshot_id", false) => serverless_id(0),
        ("restore_job_id", _) => RESTORE_JOB.to_owned(),
        (other, _) => panic!("{}: no value for {other}", op.id),
    }
}

/// A valid request body for each operation that takes one.
fn body(op: &'static Operation) -> Value {
    match op.method_name {
        "create_flex_restore_job" => json!({
            "snapshotId": flex_id(0),
            "targetDeploymentItemName": "Flex1",
            "targetProjectId": GROUP,
        }),
        "download_flex_backup" => json!({ "snapshotId": flex_id(0) }),
        "create_serverless_restore_job" => json!({
            "deliveryType": "automated",
            "snapshotId": serverless_id(0),
            "targetClusterName": "Serverless1",
            "targetGroupId": GROUP,
        }),
        other => panic!("{other}: no sample body"),
    }
}

/// One answer every success type of the table decodes: each type reads its own fields
/// (the required ones of a page, a cluster and a Serverless restore job are here) and
/// ignores the rest.
fn any_success() -> String {
    json!({
        "results": [],
        "totalCount": 0,
        "providerSettings": { "backingProviderName": "AWS", "regionName": "US_EAST_1" },
        "deliveryType": "automated",
        "targetClusterName": "Serverless1",
        "targetGroupId": GROUP,
    })
    .to_string()
}

/// `op.path` with each `{name}` replaced by its argument.
fn filled(op: &'static Operation) -> String {
    op.parameters
        .iter()
        .filter(|p| p.location == ParameterLocation::Path)
        .fold(op.path.to_owned(), |path, p| {
            path.replace(&format!("{{{}}}", p.name), &arg(op, p))
        })
}

#[tokio::test]
async fn every_operation_sends_its_method_path_media_types_and_body() {
    let server =
        Loopback::start(200, &[("content-type", "application/json")], &any_success()).await;
    let calls = call_every_operation(&server.client(), arg, body).await;
    assert_eq!(calls.len(), operations::ALL.len());
    let received = server.received();
    assert_eq!(received.len(), calls.len(), "one request per operation");
    for ((op, result), request) in calls.iter().zip(&received) {
        let response = result.as_ref().unwrap_or_else(|e| panic!("{}: {e}", op.id));
        assert!(
            op.success.contains(&response.status().as_u16()),
            "{}",
            op.id
        );
        assert_eq!(request.method, op.http_method, "{}", op.id);
        assert_eq!(request.path, filled(op), "{}", op.id);
        let accept: Vec<_> = request.headers.get_all("accept").iter().collect();
        assert_eq!(accept, [op.media_type], "{}", op.id);
        let content_type: Vec<_> = request.headers.get_all("content-type").iter().collect();
        match op.content_type {
            Some(media) => {
                assert_eq!(content_type, [media], "{}", op.id);
                let sent: Value = serde_json::from_slice(&request.body).unwrap();
                assert_eq!(sent, body(op), "{}: the body as given", op.id);
            }
            None => {
                assert!(content_type.is_empty(), "{}", op.id);
                assert!(request.body.is_empty(), "{}", op.id);
            }
        }
        assert_eq!(op.sunset.is_some(), op.deprecated, "{}", op.id);
    }
}
