//! `Client::invoke` refuses a bad invocation before anything is sent, naming the
//! parameter as the spec does (or the body's field), and sends a good one through the
//! typed method (tests/operations.rs calls every operation this way).

mod common;

use atlas_snapshots::{Error, Invocation, operations};
use common::*;

const CREATE: &atlas_snapshots::Operation = &operations::CREATE_FLEX_RESTORE_JOB;
const LIST: &atlas_snapshots::Operation = &operations::LIST_FLEX_BACKUP_SNAPSHOTS;

fn create() -> Invocation {
    Invocation::new(CREATE)
        .argument("groupId", GROUP)
        .argument("name", FLEX)
}

fn list() -> Invocation {
    Invocation::new(LIST)
        .argument("groupId", GROUP)
        .argument("name", FLEX)
}

const BODY: &str =
    r#"{"snapshotId": "6a1b2c3d4e5f6a7b8c9d0e1f", "targetDeploymentItemName": "Flex1"}"#;

/// The refusal of `invocation`, and that nothing reached the server.
async fn refused(invocation: Invocation) -> (&'static str, String) {
    let server = Loopback::start(200, &[], "{}").await;
    let error = server.client().invoke(invocation).await.unwrap_err();
    assert!(server.received().is_empty(), "sent: {error}");
    match error {
        Error::InvalidArgument { parameter, reason } => (parameter, reason),
        other => panic!("not InvalidArgument: {other:?}"),
    }
}

#[tokio::test]
async fn an_unknown_parameter_is_refused_with_the_ones_it_takes() {
    let (parameter, reason) = refused(list().argument("itemPerPage", "5")).await;
    assert_eq!(parameter, "argument");
    assert!(
        reason.contains("\"itemPerPage\" is not a parameter of listFlexBackupSnapshots"),
        "{reason}"
    );
    assert!(reason.contains("itemsPerPage"), "{reason}");
    assert!(
        !reason.contains("envelope"),
        "client-level ones are not offered: {reason}"
    );
}

#[tokio::test]
async fn a_missing_required_path_parameter_is_refused_by_name() {
    let (parameter, reason) = refused(Invocation::new(LIST).argument("groupId", GROUP)).await;
    assert_eq!((parameter, reason.as_str()), ("name", "is required"));
}

#[tokio::test]
async fn a_path_value_off_its_pattern_is_named_as_the_spec_names_it() {
    let (parameter, reason) = refused(
        Invocation::new(LIST)
            .argument("groupId", "../../admin")
            .argument("name", FLEX),
    )
    .await;
    assert_eq!(parameter, "groupId", "{reason}");
    assert!(reason.contains("does not match"), "{reason}");
}

#[tokio::test]
async fn a_query_value_that_does_not_parse_or_is_out_of_range_is_refused() {
    let (parameter, reason) = refused(list().argument("itemsPerPage", "many")).await;
    assert_eq!(parameter, "itemsPerPage");
    assert!(
        reason.contains("\"many\" is not a whole number"),
        "{reason}"
    );
    let (parameter, reason) = refused(list().argument("includeCount", "yes")).await;
    assert_eq!(parameter, "includeCount");
    assert!(reason.contains("`true` or `false`"), "{reason}");
    // Parsed, then range-checked by the typed method, and named as the spec does.
    let (parameter, reason) = refused(list().argument("itemsPerPage", "501")).await;
    assert_eq!(
        (parameter, reason.as_str()),
        ("itemsPerPage", "must be from 1 to 500")
    );
    let (parameter, _) = refused(list().argument("pageNum", "-1")).await;
    assert_eq!(parameter, "pageNum");
}

#[tokio::test]
async fn client_level_and_repeated_parameters_are_refused() {
    let (parameter, reason) = refused(list().argument("envelope", "true")).await;
    assert_eq!(parameter, "envelope");
    assert!(reason.contains("ClientBuilder::envelope"), "{reason}");
    let (parameter, reason) = refused(list().argument("pretty", "true")).await;
    assert_eq!(parameter, "pretty");
    assert!(reason.contains("pretty-print"), "{reason}");
    let (parameter, reason) = refused(list().argument("name", "Flex1")).await;
    assert_eq!(
        (parameter, reason.as_str()),
        ("name", "is given more than once")
    );
}

#[tokio::test]
async fn a_missing_or_unwanted_body_is_refused() {
    let (parameter, reason) = refused(create()).await;
    assert_eq!(parameter, "body");
    assert!(
        reason.contains("takes a FlexBackupRestoreJobCreate"),
        "{reason}"
    );
    let (parameter, reason) = refused(list().body("{}")).await;
    assert_eq!(parameter, "body");
    assert!(reason.contains("takes no request body"), "{reason}");
}

#[tokio::test]
async fn a_body_that_is_not_json_or_not_the_body_type_is_refused_naming_the_field() {
    let (parameter, reason) = refused(create().body("{\"snapshotId\": ")).await;
    assert_eq!(parameter, "body");
    assert!(reason.starts_with("is not JSON"), "{reason}");
    let cases = [
        (
            r#"{"targetDeploymentItemName": "Flex1"}"#,
            "missing field `snapshotId`",
        ),
        (
            r#"{"snapshotId": "6a1b2c3d4e5f6a7b8c9d0e1f", "targetDeploymentItemName": "Flex1", "snapshotID": "x"}"#,
            "unknown field `snapshotID`",
        ),
        // Read-only fields are not the caller's to send.
        (
            r#"{"snapshotId": "6a1b2c3d4e5f6a7b8c9d0e1f", "targetDeploymentItemName": "Flex1", "status": "QUEUED"}"#,
            "unknown field `status`",
        ),
        (
            r#"{"targetDeploymentItemName": "Flex1", "snapshotId": "NOT-AN-ID"}"#,
            "field `snapshotId`: doesn't match pattern",
        ),
        (
            r#"{"snapshotId": "6a1b2c3d4e5f6a7b8c9d0e1f", "targetDeploymentItemName": 7}"#,
            "field `targetDeploymentItemName`: invalid type: integer `7`",
        ),
        // serde would read a struct from an array of its fields; a caller writes an object.
        (
            r#"["6a1b2c3d4e5f6a7b8c9d0e1f", "Flex1", null]"#,
            "must be a JSON object",
        ),
    ];
    for (body, expected) in cases {
        let (parameter, reason) = refused(create().body(body)).await;
        assert_eq!(parameter, "body");
        assert!(reason.contains(expected), "{body}: {reason}");
    }
    // A closed enum in what is sent: a typo is refused, not passed on.
    let serverless = Invocation::new(&operations::CREATE_SERVERLESS_RESTORE_JOB)
        .argument("groupId", GROUP)
        .argument("clusterName", SERVERLESS)
        .body(format!(
            r#"{{"deliveryType": "automatic", "targetClusterName": "S1", "targetGroupId": "{GROUP}"}}"#
        ));
    let (_, reason) = refused(serverless).await;
    assert!(
        reason.contains("field `deliveryType`: unknown variant `automatic`"),
        "{reason}"
    );
}

#[tokio::test]
async fn a_good_invocation_sends_its_query_and_body_and_answers_the_bytes() {
    // A job and a page at once: each type reads its own fields.
    let answer = r#"{"id":"6b1c2d3e4f5a6b7c8d9e0f1a","status":"QUEUED","extra":1,"results":[]}"#;
    let server = Loopback::start(200, &[("content-type", "application/json")], answer).await;
    let client = server.client();
    let response = client.invoke(create().body(BODY)).await.unwrap();
    assert_eq!(
        response.body().as_ref(),
        answer.as_bytes(),
        "as received, unknown fields kept"
    );
    let response = client
        .invoke(
            list()
                .argument("itemsPerPage", "5")
                .argument("includeCount", "false"),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let received = server.received();
    let sent: serde_json::Value = serde_json::from_slice(&received[0].body).unwrap();
    assert_eq!(
        sent,
        serde_json::from_str::<serde_json::Value>(BODY).unwrap()
    );
    let query = received[1].query.as_deref().unwrap();
    assert!(
        query.contains("itemsPerPage=5") && query.contains("includeCount=false"),
        "{query}"
    );
}

#[test]
fn an_invocation_shows_its_body_size_not_its_body() {
    let shown = format!("{:?}", create().body(BODY));
    let size = format!("body_bytes: Some({})", BODY.len());
    assert!(
        shown.contains("createFlexRestoreJob") && shown.contains(&size),
        "{shown}"
    );
    assert!(!shown.contains("Flex1\\\""), "{shown}");
}
