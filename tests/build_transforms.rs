//! Unit tests of build.rs's transforms and emitters, on small inputs.
//! The build script's own files are compiled here as they are.

#[path = "../build/transforms.rs"]
#[allow(dead_code)]
mod transforms;

#[path = "../build/emit.rs"]
#[allow(dead_code)]
mod emit;

use serde_json::{Value, json};
use transforms::*;

/// A two-operation spec in Atlas's shape: a deprecated one pointing at its successor
/// through `externalDocs`, with an old id in the link as upstream has it.
fn spec() -> Value {
    json!({
        "openapi": "3.0.1",
        "info": {"title": "t", "version": "2.0"},
        "components": {
            "parameters": {
                "groupId": {"in": "path", "name": "groupId", "required": true,
                    "schema": {"type": "string", "pattern": "^([a-f0-9]{24})$", "example": "32b6e34b3d91647abb20e7b8"}}
            },
            "schemas": {
                "ApiError": {"type": "object", "properties": {
                    "parameters": {"type": "array", "items": {"type": "object"}},
                    "errorCode": {"type": "string"}}},
                "Snap": {"type": "object", "properties": {
                    "status": {"type": "string", "enum": ["queued", "inProgress"], "description": "Stage."},
                    "mongodVersion": {"type": "string", "pattern": "([\\d]+\\.[\\d]+\\.[\\d]+)", "readOnly": true},
                    "total": {"type": "integer", "minimum": 0}
                }}
            },
            "responses": {
                "notFound": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}}}
            }
        },
        "paths": {
            "/groups/{groupId}/serverless/{clusterName}/snaps/{id}": {"get": {
                "operationId": "getGroupServerlessSnap",
                "x-xgen-operation-id-override": "getServerlessSnap",
                "deprecated": true,
                "summary": "Old one",
                "externalDocs": {"url": "https://example.com/#tag/Flex/operation/getFlexSnap"},
                "parameters": [
                    {"$ref": "#/components/parameters/groupId"},
                    {"in": "path", "name": "clusterName", "required": true, "schema": {"type": "string", "pattern": "^[a-z]+$"}}
                ],
                "responses": {"200": {"content": {"application/vnd.atlas.2023-01-01+json": {
                    "schema": {"$ref": "#/components/schemas/Snap"}, "x-sunset": "2026-01-22", "x-xgen-version": "2023-01-01"}}},
                    "404": {"$ref": "#/components/responses/notFound"}}
            }},
            "/groups/{groupId}/flexClusters/{name}/snaps/{id}": {"get": {
                "operationId": "getGroupFlexClusterSnap",
                "x-xgen-operation-id-override": "getFlexSnapshot",
                "summary": "New one",
                "parameters": [
                    {"$ref": "#/components/parameters/groupId"},
                    {"in": "path", "name": "name", "required": true, "schema": {"type": "string", "pattern": "^[a-z]+$"}}
                ],
                "responses": {"200": {"content": {"application/vnd.atlas.2024-11-13+json": {
                    "schema": {"$ref": "#/components/schemas/Snap"}, "x-xgen-version": "2024-11-13"}}}}
            }}
        }
    })
}

#[test]
fn rows_carry_media_type_lifecycle_and_successor() {
    let rows = operation_rows(&spec()).unwrap();
    let old = rows.iter().find(|r| r.id == "getServerlessSnap").unwrap();
    assert_eq!(old.spec_id, "getGroupServerlessSnap");
    assert_eq!(old.media_type, "application/vnd.atlas.2023-01-01+json");
    assert_eq!(old.version, "2023-01-01");
    assert!(old.deprecated);
    assert_eq!(old.sunset.as_deref(), Some("2026-01-22"));
    // The link names `getFlexSnap`, a prefix of the live override `getFlexSnapshot`.
    assert_eq!(old.successor.as_deref(), Some("getFlexSnapshot"));
    let new = rows.iter().find(|r| r.id == "getFlexSnapshot").unwrap();
    assert!(!new.deprecated && new.sunset.is_none() && new.successor.is_none());
}

#[test]
fn successor_is_none_when_the_link_is_ambiguous_or_unknown() {
    let s = spec();
    let ops: Vec<(String, String, &Value)> = s["paths"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(p, item)| (p.clone(), "get".to_owned(), &item["get"]))
        .collect();
    assert_eq!(
        resolve_successor("https://x/#tag/a/operation/nothingLikeIt", &ops),
        None
    );
    let other = json!({"operationId": "getFlexOther"});
    let mut with_other = ops.clone();
    with_other.push(("/other".to_owned(), "get".to_owned(), &other));
    assert_eq!(
        resolve_successor("https://x/#tag/a/operation/getFlex", &with_other),
        None,
        "two live operations start with getFlex"
    );
    assert_eq!(
        resolve_successor("https://x/#tag/a/operation/getFlex", &ops).as_deref(),
        Some("getFlexSnapshot")
    );
    assert_eq!(
        resolve_successor("https://x/operation/getGroupFlexClusterSnap", &ops).as_deref(),
        Some("getFlexSnapshot"),
        "exact operationId match"
    );
    // A deprecated operation is never a successor.
    assert_eq!(
        resolve_successor("https://x/operation/getServerlessSnap", &ops),
        None
    );
}

#[test]
fn overrides_become_operation_ids() {
    let mut s = spec();
    apply_operation_id_overrides(&mut s);
    let get = &s["paths"]["/groups/{groupId}/serverless/{clusterName}/snaps/{id}"]["get"];
    assert_eq!(get["operationId"], "getServerlessSnap");
}

#[test]
fn vendor_media_types_are_presented_as_json() {
    let mut s = spec();
    normalize_media_types(&mut s);
    let content = &s["paths"]["/groups/{groupId}/serverless/{clusterName}/snaps/{id}"]["get"]["responses"]
        ["200"]["content"];
    assert!(content.get("application/json").is_some());
    assert!(
        content
            .get("application/vnd.atlas.2023-01-01+json")
            .is_none()
    );
    assert!(s["components"]["responses"]["notFound"]["content"]["application/json"].is_object());
}

#[test]
fn path_parameters_share_one_type_per_name() {
    let mut s = spec();
    let mut names = hoist_path_parameters(&mut s).unwrap();
    names.sort();
    assert_eq!(names, ["ClusterName", "GroupId"]);
    let schemas = &s["components"]["schemas"];
    assert_eq!(schemas["GroupId"]["pattern"], "^([a-f0-9]{24})$");
    assert!(schemas["GroupId"].get("example").is_none());
    for path in s["paths"].as_object().unwrap().values() {
        let params = path["get"]["parameters"].as_array().unwrap();
        assert_eq!(
            params[1]["schema"]["$ref"],
            "#/components/schemas/ClusterName"
        );
    }
    assert_eq!(
        s["components"]["parameters"]["groupId"]["schema"]["$ref"],
        "#/components/schemas/GroupId"
    );
}

#[test]
fn conflicting_path_parameter_patterns_fail_the_build() {
    let mut s = spec();
    s["paths"]["/groups/{groupId}/flexClusters/{name}/snaps/{id}"]["get"]["parameters"][1]["schema"]
        ["pattern"] = json!("^[0-9]+$");
    let err = hoist_path_parameters(&mut s).unwrap_err();
    assert!(err.contains("ClusterName"), "{err}");
}

#[test]
fn bare_name_parameters_are_named_after_their_resource() {
    assert_eq!(
        path_parameter_type_name("name", "/g/{groupId}/flexClusters/{name}/x"),
        "ClusterName"
    );
    assert_eq!(
        path_parameter_type_name("groupId", "/g/{groupId}"),
        "GroupId"
    );
}

#[test]
fn response_constraints_are_relaxed_but_kept_where_asked() {
    let mut s = spec();
    relax_response_constraints(&mut s, &["Keep".to_owned()]);
    let props = &s["components"]["schemas"]["Snap"]["properties"];
    assert!(props["mongodVersion"].get("pattern").is_none());
    assert!(props["total"].get("minimum").is_none());
    let mut s = spec();
    s["components"]["schemas"]["Keep"] = json!({"type": "string", "pattern": "^x$"});
    relax_response_constraints(&mut s, &["Keep".to_owned()]);
    assert_eq!(s["components"]["schemas"]["Keep"]["pattern"], "^x$");
}

#[test]
fn error_parameters_accept_any_value() {
    let mut s = spec();
    relax_error_parameters(&mut s);
    assert_eq!(
        s["components"]["schemas"]["ApiError"]["properties"]["parameters"]["items"],
        json!({})
    );
}

#[test]
fn enums_are_extracted_as_open_enums() {
    let mut s = spec();
    let enums = extract_open_enums(&mut s);
    assert_eq!(enums.len(), 1);
    assert_eq!(enums[0].name, "SnapStatus");
    assert_eq!(enums[0].values, ["queued", "inProgress"]);
    assert_eq!(
        s["components"]["schemas"]["Snap"]["properties"]["status"]["$ref"],
        "#/components/schemas/SnapStatus"
    );
    let source = emit::open_enums(&enums);
    assert!(source.contains("InProgress = \"inProgress\""), "{source}");
}

#[test]
fn variant_names_are_rust_case() {
    assert_eq!(variant_name("inProgress"), "InProgress");
    assert_eq!(variant_name("PENDING"), "Pending");
    assert_eq!(variant_name("onDemand"), "OnDemand");
    assert_eq!(variant_name("2fa"), "V2fa");
}

#[test]
fn the_table_carries_the_deprecation_note_and_successor_method() {
    let rows = operation_rows(&spec()).unwrap();
    let table = emit::operation_table(&rows);
    assert!(
        table.contains("pub const GET_SERVERLESS_SNAP: Operation"),
        "{table}"
    );
    assert!(table.contains("media_type: \"application/vnd.atlas.2023-01-01+json\""));
    assert!(table.contains("successor: Some(\"get_flex_snapshot\")"));
    let old = rows.iter().find(|r| r.deprecated).unwrap();
    let new = rows.iter().find(|r| !r.deprecated).unwrap();
    let note = emit::deprecation_note(old).unwrap();
    assert!(note.contains("sunset on 2026-01-22"), "{note}");
    assert!(
        note.contains("use `Client::get_flex_snapshot` instead"),
        "{note}"
    );
    assert!(table.contains("#[deprecated(note ="));
    assert_eq!(emit::deprecation_note(new), None);
}

#[test]
fn untagged_code_fences_in_descriptions_become_text() {
    let mut s = json!({"info": {"description": "Try:\n```\ncurl -X GET x\n```\nor\n```rust\nfn f() {}\n```"}});
    fence_description_code_as_text(&mut s);
    let d = s["info"]["description"].as_str().unwrap();
    assert!(d.contains("```text\ncurl"), "{d}");
    assert_eq!(
        d.matches("```text").count(),
        1,
        "tagged fences and closing fences stay: {d}"
    );
}
