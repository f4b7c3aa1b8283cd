//! Arguments for every operation of the table, so suites that go through all of them
//! (against a recorder, the stand-in, or Prism in front of it) share one set.

use atlas_snapshots::{
    Client, Invocation, Operation, Parameter, ParameterLocation, Response, Result, operations,
};
use serde_json::{Value, json};

use super::{FLEX, GROUP, SERVERLESS, flex_id, serverless_id};

/// The restore job id the calls name when no job was created first.
pub const RESTORE_JOB: &str = "6b1c2d3e4f5a6b7c8d9e0f1a";

/// A value for each path parameter of `op`: the seeded group, clusters and snapshots.
pub fn arg(op: &'static Operation, parameter: &Parameter) -> String {
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
pub fn body(op: &'static Operation) -> Value {
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

/// `op` with a value for each path parameter (`job` for a restore job id, when given)
/// and its body, if it takes one.
pub fn invocation(op: &'static Operation, job: Option<&str>) -> Invocation {
    let mut invocation = Invocation::new(op);
    for p in op
        .parameters
        .iter()
        .filter(|p| p.location == ParameterLocation::Path)
    {
        let value = match (p.rust_name, job) {
            ("restore_job_id", Some(id)) => id.to_owned(),
            _ => arg(op, p),
        };
        invocation = invocation.argument(p.name, value);
    }
    match op.request_body {
        Some(_) => invocation.body(body(op).to_string()),
        None => invocation,
    }
}

/// Calls every operation once, in table order, against a server that keeps what it is
/// sent (the stand-in): each restore job get names the job its family's create made.
pub async fn call_every_operation(
    client: &Client,
) -> Vec<(&'static Operation, Result<Response<()>>)> {
    let (mut flex_job, mut serverless_job) = (None::<String>, None::<String>);
    let mut calls = Vec::new();
    for &op in operations::ALL {
        let job = if op.path.contains("/flexClusters") {
            &mut flex_job
        } else {
            &mut serverless_job
        };
        if op.path.contains("{restoreJobId}") {
            assert!(
                job.is_some(),
                "{}: the table lists no create before it",
                op.id
            );
        }
        let result = client.invoke(invocation(op, job.as_deref())).await;
        if let (true, Ok(response)) = (op.method_name.starts_with("create_"), &result) {
            let created: Value = serde_json::from_slice(response.body()).expect("JSON");
            *job = created["id"].as_str().map(str::to_owned);
        }
        calls.push((op, result));
    }
    calls
}
