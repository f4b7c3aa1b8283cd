//! Every operation of the table, called through its generated method against the
//! stand-in: the request carries the row's media type and fills its path template, and
//! the answer's deprecation is what the row says.

mod common;

use atlas_snapshots::{Operation, Parameter, ParameterLocation, operations};
use common::*;

include!(concat!(env!("OUT_DIR"), "/every_operation.rs"));

/// A value the stand-in holds for each path parameter of `op`.
fn arg(op: &'static Operation, parameter: &Parameter) -> String {
    let flex = op.path.contains("/flexClusters/");
    match (parameter.rust_name, flex) {
        ("group_id", _) => GROUP.to_owned(),
        ("cluster_name", true) => FLEX.to_owned(),
        ("cluster_name", false) => SERVERLESS.to_owned(),
        ("snapshot_id", true) => flex_id(0),
        ("snapshot_id", false) => serverless_id(0),
        (other, _) => panic!("{}: no stand-in value for {other}", op.id),
    }
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
async fn every_operation_sends_its_media_type_to_its_path_and_reports_its_deprecation() {
    let standin = standin(1).await;
    // The stand-in marks the deprecated (serverless) operations' answers only.
    standin.set_deprecation(Some("@1769040000")).unwrap();
    let client = client(&standin);
    let calls = call_every_operation(&client, arg).await;
    assert_eq!(calls.len(), operations::ALL.len());
    let requests = standin.requests();
    assert_eq!(requests.len(), calls.len(), "one request per operation");
    for ((op, result), request) in calls.iter().zip(&requests) {
        let response = result.as_ref().unwrap_or_else(|e| panic!("{}: {e}", op.id));
        assert!(
            op.success.contains(&response.status().as_u16()),
            "{}",
            op.id
        );
        assert_eq!(request.method, op.http_method, "{}", op.id);
        assert_eq!(request.path, filled(op), "{}", op.id);
        let accept: Vec<&str> = request
            .headers
            .iter()
            .filter(|(name, _)| name == "accept")
            .map(|(_, value)| value.as_str())
            .collect();
        assert_eq!(accept, [op.media_type], "{}", op.id);
        assert_eq!(
            response.lifecycle().deprecation.is_some(),
            op.deprecated,
            "{}: the answer's Deprecation against the row",
            op.id
        );
        assert_eq!(op.sunset.is_some(), op.deprecated, "{}", op.id);
    }
}
