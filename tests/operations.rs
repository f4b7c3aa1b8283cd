//! Every operation of the table, called through `Client::invoke` (so through its typed
//! method): the request carries the row's method, path, `Accept` and, for a body, its
//! `Content-Type` and the JSON given; the answer decodes into the method's type.

mod common;

use atlas_snapshots::{Operation, ParameterLocation, operations};
use common::{every_operation::*, *};
use serde_json::{Value, json};

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
    let client = server.client();
    let mut calls = Vec::new();
    for op in operations::ALL {
        calls.push((op, client.invoke(invocation(op, None)).await));
    }
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

/// The vendored fragment, read here on its own (not through build.rs).
fn spec() -> Value {
    serde_yaml_ng::from_str(include_str!("../spec/openapi.yaml")).expect("YAML")
}

#[test]
fn every_row_carries_its_tag_roles_versions_body_and_command_as_the_spec_and_manifest_say() {
    let spec = spec();
    let manifest: Value =
        serde_yaml_ng::from_str(include_str!("../spec/manifest.yaml")).expect("YAML");
    let mut commands = Vec::new();
    for op in operations::ALL {
        let upstream = &spec["paths"][op.path][op.http_method.to_ascii_lowercase()];
        assert_eq!(upstream["operationId"], op.spec_id);
        assert_eq!(
            upstream["x-xgen-operation-id-override"], op.id,
            "the Atlas CLI's name"
        );
        assert_eq!(upstream["tags"][0], op.tag, "{}", op.id);
        assert_eq!(
            upstream["x-rolesRequirements"],
            json!(op.roles),
            "{}",
            op.id
        );
        assert!(!op.roles.is_empty(), "{}", op.id);
        assert_eq!(
            op.description.is_some(),
            upstream.get("description").is_some()
        );
        assert!(op.versions.contains(&op.version), "{}", op.id);
        // A body exactly where the spec has one, and it is what the method takes.
        assert_eq!(
            op.request_body.is_some(),
            upstream.get("requestBody").is_some()
        );
        assert_eq!(op.request_body.is_some(), op.content_type.is_some());
        for p in op.parameters {
            assert!(p.description.is_some(), "{}: {}", op.id, p.name);
        }
        let entry = manifest["operations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["id"] == op.spec_id)
            .expect("in the manifest");
        assert_eq!(json!(op.command), entry["cli"], "{}", op.id);
        commands.push(
            op.command
                .expect("every vendored operation has a command")
                .join(" "),
        );
    }
    commands.sort();
    commands.dedup();
    assert_eq!(commands.len(), operations::ALL.len(), "commands are unique");
    let create = &operations::CREATE_FLEX_RESTORE_JOB;
    assert_eq!(create.command, Some(&["flex", "restore", "create"][..]));
    assert_eq!(create.tag, "Flex Restore Jobs");
    assert_eq!(create.request_body, Some("FlexBackupRestoreJobCreate"));
    let fields: Vec<(&str, &str, bool)> = create
        .body_fields
        .iter()
        .map(|f| (f.name, f.kind, f.required))
        .collect();
    assert_eq!(
        fields,
        [
            ("snapshotId", "string", true),
            ("targetDeploymentItemName", "string", true),
            ("targetProjectId", "string", false),
        ]
    );
    let delivery = operations::CREATE_SERVERLESS_RESTORE_JOB
        .body_fields
        .iter()
        .find(|f| f.name == "deliveryType")
        .expect("deliveryType");
    assert_eq!(delivery.values, ["automated", "download", "pointInTime"]);
    for op in operations::ALL {
        assert_eq!(
            op.body_fields.is_empty(),
            op.request_body.is_none(),
            "{}",
            op.id
        );
    }
    assert_eq!(
        operations::LIST_FLEX_CLUSTERS.command,
        Some(&["clusters", "list"][..])
    );
}

/// Against the stand-in, which serves the whole backup domain: every operation succeeds
/// through `invoke`, a get finds the restore job its family's create just made, and the
/// answer's deprecation is what the row says.
#[tokio::test]
async fn every_operation_succeeds_against_the_stand_in_and_reports_its_deprecation() {
    let standin = standin(1).await;
    // The stand-in marks the deprecated (Serverless) operations' answers only.
    standin.set_deprecation(Some("@1769040000")).unwrap();
    let client = client(&standin);
    let calls = call_every_operation(&client).await;
    for (op, result) in &calls {
        let response = result.as_ref().unwrap_or_else(|e| panic!("{}: {e}", op.id));
        assert!(
            op.success.contains(&response.status().as_u16()),
            "{}",
            op.id
        );
        assert_eq!(
            response.lifecycle().deprecation.is_some(),
            op.deprecated,
            "{}: the answer's Deprecation against the row",
            op.id
        );
    }
    assert_eq!(calls.len(), operations::ALL.len());
    assert_eq!(
        standin.requests().len(),
        operations::ALL.len(),
        "one request each"
    );
}
