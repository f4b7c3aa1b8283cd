//! Unit tests of build.rs's transforms and emitters, on small inputs.
//! The build script's own files are compiled here as they are.

#[path = "../build/transforms.rs"]
#[allow(dead_code)]
mod transforms;

#[path = "../build/emit.rs"]
#[allow(dead_code)]
mod emit;

#[path = "../build/whole_spec.rs"]
mod whole_spec;

use serde_json::{Value, json};
use transforms::*;
use whole_spec::{path_parameter_patterns, suggested_successor};

/// spec/manifest.yaml for [`spec`]: the Serverless operation names the Flex one.
fn curated() -> Vec<OperationSpec> {
    let entry = |id: &str, successor: Option<&str>| OperationSpec {
        id: id.to_owned(),
        successor: successor.map(str::to_owned),
        ..OperationSpec::default()
    };
    vec![
        entry("getGroupServerlessSnap", Some("getGroupFlexClusterSnap")),
        entry("getGroupFlexClusterSnap", None),
    ]
}

/// A two-operation spec in Atlas's shape: a deprecated one pointing at its successor
/// through `externalDocs`, with an old id in the link as upstream has it (only a
/// suggestion: [`curated`] names the successor).
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
    let rows = operation_rows(&spec(), &curated()).unwrap();
    let old = rows.iter().find(|r| r.id == "getServerlessSnap").unwrap();
    assert_eq!(old.spec_id, "getGroupServerlessSnap");
    assert_eq!(old.media_type, "application/vnd.atlas.2023-01-01+json");
    assert_eq!(old.version, "2023-01-01");
    assert!(old.deprecated);
    assert_eq!(old.sunset.as_deref(), Some("2026-01-22"));
    // The manifest names the successor's operationId; the row its method id.
    assert_eq!(old.successor.as_deref(), Some("getFlexSnapshot"));
    let new = rows.iter().find(|r| r.id == "getFlexSnapshot").unwrap();
    assert!(!new.deprecated && new.sunset.is_none() && new.successor.is_none());
}

#[test]
fn successors_come_from_the_manifest_never_from_the_docs_link() {
    // Both operations link another; without a curated successor neither row names one.
    let mut s = spec();
    s["paths"]["/groups/{groupId}/flexClusters/{name}/snaps/{id}"]["get"]["externalDocs"] =
        json!({"url": "https://x/#tag/a/operation/getGroupServerlessSnap"});
    let rows = operation_rows(&s, &[]).unwrap();
    assert!(rows.iter().all(|r| r.successor.is_none()), "{rows:#?}");
    // A live operation whose link fits another live one (get cluster -> get flex cluster).
    let op = &mut s["paths"]["/groups/{groupId}/serverless/{clusterName}/snaps/{id}"]["get"];
    op.as_object_mut().unwrap().remove("deprecated");
    let rows = operation_rows(&s, &[]).unwrap();
    assert!(rows.iter().all(|r| r.successor.is_none()), "{rows:#?}");
}

#[test]
fn a_curated_successor_missing_from_the_spec_is_an_error() {
    let mut manifest = curated();
    manifest[0].successor = Some("getSomethingElse".to_owned());
    let err = operation_rows(&spec(), &manifest).unwrap_err();
    assert!(
        err.contains("getGroupServerlessSnap") && err.contains("getSomethingElse"),
        "{err}"
    );
}

#[test]
fn the_docs_link_suggests_one_live_operation_or_none() {
    let s = spec();
    let linking = |url: &str| json!({"externalDocs": {"url": url}});
    assert_eq!(
        suggested_successor(&s, &linking("https://x/#tag/a/operation/nothingLikeIt")),
        None
    );
    // `getFlexSnap` is a prefix of the live override `getFlexSnapshot`.
    assert_eq!(
        suggested_successor(&s, &linking("https://x/#tag/a/operation/getFlexSnap")).as_deref(),
        Some("getGroupFlexClusterSnap")
    );
    assert_eq!(
        suggested_successor(&s, &linking("https://x/operation/getGroupFlexClusterSnap")).as_deref(),
        Some("getGroupFlexClusterSnap"),
        "exact operationId match"
    );
    let mut with_other = spec();
    with_other["paths"]["/other"] = json!({"get": {"operationId": "getFlexOther"}});
    assert_eq!(
        suggested_successor(&with_other, &linking("https://x/#tag/a/operation/getFlex")),
        None,
        "two live operations start with getFlex"
    );
    // A deprecated operation is never suggested.
    assert_eq!(
        suggested_successor(&s, &linking("https://x/operation/getServerlessSnap")),
        None
    );
}

#[test]
fn the_manifest_reads_pins_and_successors_and_rejects_other_shapes() {
    let ops = manifest_operations(&json!({"operations": [
        {"id": "a", "formerly": ["b"], "version": "2024-11-13", "successor": "c"},
        {"id": "c"}
    ]}))
    .unwrap();
    assert_eq!(ops[0].version.as_deref(), Some("2024-11-13"));
    assert_eq!(ops[0].successor.as_deref(), Some("c"));
    assert_eq!(ops[1].version, None);
    assert_eq!(manifest_entry(&ops, "b").map(|m| m.id.as_str()), Some("a"));
    let err = manifest_operations(&json!({"operations": [{"id": "a", "version": 20241113}]}))
        .unwrap_err();
    assert!(err.contains("`version` must be a string"), "{err}");
}

#[test]
fn the_manifest_reads_cli_commands_and_refuses_malformed_or_clashing_ones() {
    let read = |cli: Value, other: Value| {
        manifest_operations(&json!({"operations": [
            {"id": "a", "cli": cli}, {"id": "b", "cli": other}]}))
    };
    let ops = read(
        json!(["flex", "restore", "create"]),
        json!(["migrate-check"]),
    )
    .unwrap();
    assert_eq!(
        ops[0].cli.as_deref(),
        Some(&["flex".to_owned(), "restore".to_owned(), "create".to_owned()][..])
    );
    assert_eq!(
        manifest_operations(&json!({"operations": [{"id": "a"}]})).unwrap()[0].cli,
        None
    );
    for bad in [
        json!([]),
        json!(["Flex"]),
        json!(["flex restore"]),
        json!([1]),
        json!("flex"),
    ] {
        let err = read(bad.clone(), json!(null)).unwrap_err();
        assert!(err.contains("operation a: `cli`"), "{bad}: {err}");
    }
    // The same command twice, or one that is another's group, is refused.
    for (a, b) in [
        (json!(["flex", "get"]), json!(["flex", "get"])),
        (json!(["flex"]), json!(["flex", "get"])),
    ] {
        let err = read(a, b).unwrap_err();
        assert!(err.contains("the `cli` commands of a"), "{err}");
    }
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
    let patterns = path_parameter_patterns(&s);
    let mut names = hoist_path_parameters(&mut s, &patterns).unwrap();
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
fn a_path_parameter_in_another_language_keeps_its_own_validated_type() {
    let mut s = spec();
    let flex = "/groups/{groupId}/flexClusters/{name}/snaps/{id}";
    s["paths"][flex]["get"]["parameters"][1]["schema"]["pattern"] = json!("^[0-9]+$");
    // The whole spec says ClusterName is `^[a-z]+$`: the flex one stays inline, patterned.
    let patterns = [("ClusterName".to_owned(), "^[a-z]+$".to_owned())].into();
    hoist_path_parameters(&mut s, &patterns).unwrap();
    assert_eq!(
        s["components"]["schemas"]["ClusterName"]["pattern"],
        "^[a-z]+$"
    );
    let flex_name = &s["paths"][flex]["get"]["parameters"][1]["schema"];
    assert_eq!(flex_name["pattern"], "^[0-9]+$", "{flex_name}");
    assert!(flex_name.get("$ref").is_none());
}

#[test]
fn a_spelling_of_the_same_language_shares_the_type_in_the_whole_specs_spelling() {
    let mut s = spec();
    let flex = "/groups/{groupId}/flexClusters/{name}/snaps/{id}";
    s["paths"][flex]["get"]["parameters"][1]["schema"]["pattern"] = json!("^([a-z]+)$");
    let patterns = [("ClusterName".to_owned(), "^[a-z]+$".to_owned())].into();
    hoist_path_parameters(&mut s, &patterns).unwrap();
    assert_eq!(
        s["paths"][flex]["get"]["parameters"][1]["schema"]["$ref"],
        "#/components/schemas/ClusterName"
    );
    assert_eq!(
        s["components"]["schemas"]["ClusterName"]["pattern"],
        "^[a-z]+$"
    );
}

#[test]
fn patterns_compare_by_language_not_spelling() {
    assert_eq!(canonical_pattern("^([a-f0-9]{24})$"), "^[0-9a-f]{24}$");
    assert_eq!(canonical_pattern("^[a-f0-9]{24}$"), "^[0-9a-f]{24}$");
    // Upper case is accepted by one and refused by the other: not the same.
    assert_ne!(
        canonical_pattern("^[a-fA-F0-9]{24}$"),
        canonical_pattern("^([a-f0-9]{24})$")
    );
    // An alternation inside the group is not an outer group to drop.
    assert_eq!(canonical_pattern("^(a)|(b)$"), "^(a)|(b)$");
    assert_eq!(canonical_pattern("^(a|b)$"), "^(a|b)$");
}

#[test]
fn the_shared_pattern_is_the_one_most_operations_use() {
    let mut s = spec();
    let flex = "/groups/{groupId}/flexClusters/{name}/snaps/{id}";
    s["paths"][flex]["get"]["parameters"][1]["schema"]["pattern"] = json!("^[0-9]+$");
    s["paths"]["/third/{name}"] = json!({"get": {"operationId": "third", "parameters": [
        {"in": "path", "name": "clusterName", "required": true, "schema": {"type": "string", "pattern": "^([a-z]+)$"}}
    ], "responses": {}}});
    let patterns = path_parameter_patterns(&s);
    // Two uses of [a-z]+ (spelled two ways, a tie going to the smaller), one of [0-9]+.
    assert_eq!(patterns["ClusterName"], "^([a-z]+)$");
    assert_eq!(patterns["GroupId"], "^([a-f0-9]{24})$");
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
    assert_eq!(
        path_parameter_type_name("name", "/g/{groupId}/serverless/{name}"),
        "ServerlessName"
    );
}

#[test]
fn response_constraints_are_relaxed_but_kept_in_request_views() {
    let mut s = spec();
    relax_response_constraints(&mut s);
    let props = &s["components"]["schemas"]["Snap"]["properties"];
    assert!(props["mongodVersion"].get("pattern").is_none());
    assert!(props["total"].get("minimum").is_none());
    let mut s = spec();
    s["components"]["schemas"]["Keep"] =
        json!({"type": "string", "pattern": "^x$", REQUEST_VIEW: true});
    relax_response_constraints(&mut s);
    assert_eq!(s["components"]["schemas"]["Keep"]["pattern"], "^x$");
}

/// A create operation whose body schema is `body`, answered with `answer`.
fn with_body(schemas: Value, body: &str, answer: &str) -> Value {
    let r = |n: &str| json!({"schema": {"$ref": format!("#/components/schemas/{n}")}});
    json!({"openapi": "3.0.1", "info": {"title": "t", "version": "2.0"},
        "components": {"schemas": schemas},
        "paths": {"/jobs": {"post": {"operationId": "createJob", "summary": "S",
            "requestBody": {"required": true, "content": {"application/json": r(body)}},
            "responses": {"200": {"content": {"application/json": r(answer)}}}}}}})
}

fn job_schema() -> Value {
    json!({"type": "object", "required": ["snapshotId", "id"], "properties": {
        "id": {"type": "string", "readOnly": true, "pattern": "^[a-f0-9]{24}$"},
        "at": {"$ref": "#/components/schemas/Stamp"},
        "snapshotId": {"type": "string", "pattern": "^[a-f0-9]{24}$"},
        "kind": {"type": "string", "enum": ["automated", "download"]},
        "name": {"type": "string", "pattern": "^[\\p{L}\\p{N}-]{1,64}$"}}})
}

#[test]
fn a_shared_request_body_gets_a_strict_view_of_its_own() {
    let schemas = json!({"Job": job_schema(), "Stamp": {"type": "object", "readOnly": true}});
    let mut s = with_body(schemas, "Job", "Job");
    assert_eq!(request_body_views(&mut s).unwrap(), ["JobBody"]);
    let op = &s["paths"]["/jobs"]["post"];
    assert_eq!(
        op["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/JobBody"
    );
    assert_eq!(
        op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/Job",
        "the answer keeps the tolerant schema"
    );
    let view = &s["components"]["schemas"]["JobBody"];
    let props = view["properties"].as_object().unwrap();
    // What Atlas alone writes goes, directly or through a readOnly schema.
    assert_eq!(
        props.keys().collect::<Vec<_>>(),
        ["kind", "name", "snapshotId"]
    );
    assert_eq!(view["required"], json!(["snapshotId"]));
    assert_eq!(view["additionalProperties"], false);
    assert!(view["description"].as_str().unwrap().contains("`Job`"));
    // regress would read `\p{L}` as four characters and refuse real names.
    assert!(props["name"].get("pattern").is_none());

    // Relaxing and opening enums leave the view alone, not the answer's schema.
    relax_response_constraints(&mut s);
    let enums = extract_open_enums(&mut s).unwrap();
    let names: Vec<&str> = enums.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["JobKind"]);
    let view = &s["components"]["schemas"]["JobBody"]["properties"];
    assert_eq!(view["snapshotId"]["pattern"], "^[a-f0-9]{24}$");
    assert_eq!(view["kind"]["enum"], json!(["automated", "download"]));
    let job = &s["components"]["schemas"]["Job"]["properties"];
    assert!(job["snapshotId"].get("pattern").is_none());
}

#[test]
fn a_body_only_requests_use_becomes_its_view_in_place() {
    let schemas = json!({"JobCreate": job_schema(), "Job": {"type": "object"},
        "Stamp": {"type": "object"}});
    let mut s = with_body(schemas, "JobCreate", "Job");
    assert_eq!(request_body_views(&mut s).unwrap(), ["JobCreate"]);
    let view = &s["components"]["schemas"]["JobCreate"];
    assert_eq!(view[REQUEST_VIEW], true);
    assert!(view["properties"].get("id").is_none());
    assert!(
        view["properties"].get("at").is_some(),
        "Stamp is not readOnly"
    );
    assert!(s["components"]["schemas"].get("JobCreateRequest").is_none());
}

#[test]
fn a_request_view_name_that_clashes_is_an_error() {
    let schemas = json!({"Job": job_schema(), "JobBody": {"type": "object"},
        "Stamp": {"type": "object"}});
    let mut s = with_body(schemas, "Job", "Job");
    let err = request_body_views(&mut s).unwrap_err();
    assert!(err.contains("JobBody"), "{err}");
}

#[test]
fn a_body_operation_gets_the_body_argument_and_its_type_in_the_row() {
    let schemas = json!({"Job": job_schema(), "Stamp": {"type": "object"}});
    let mut s = with_body(schemas, "Job", "Job");
    s["paths"]["/jobs"]["post"]["requestBody"]["content"] = json!({
        vnd("2024-11-13"): {"schema": {"$ref": "#/components/schemas/Job"}}});
    s["paths"]["/jobs"]["post"]["responses"]["200"]["content"] = json!({
        vnd("2024-11-13"): {"schema": {"$ref": "#/components/schemas/Job"}}});
    let mut rows = operation_rows(&s, &[]).unwrap();
    normalize_media_types(&mut s);
    request_body_views(&mut s).unwrap();
    describe_operations(&s, &mut rows).unwrap();
    assert_eq!(rows[0].unsupported, None);
    assert_eq!(rows[0].request_body.as_deref(), Some("JobBody"));
    let methods = emit::client_methods(&rows);
    assert!(
        methods.contains("pub async fn create_job(&self, body: &types::JobBody)"),
        "{methods}"
    );
    assert!(methods.contains(".body(body.clone())"), "{methods}");
    // `Client::invoke` decodes the body as that type and calls the same method.
    let dispatch = emit::dispatcher(&rows);
    assert!(
        dispatch.contains("\"create_job\" => {\nlet body: types::JobBody = invocation.json()?;\nself.create_job(&body)"),
        "{dispatch}"
    );
    assert!(
        methods.contains(&format!("sent as `{}`", vnd("2024-11-13"))),
        "{methods}"
    );

    // An optional body is not generated yet, so it is refused by name.
    s["paths"]["/jobs"]["post"]["requestBody"]["required"] = json!(false);
    describe_operations(&s, &mut rows).unwrap();
    let reason = rows[0].unsupported.clone().unwrap();
    assert!(reason.contains("optional"), "{reason}");
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
    let enums = extract_open_enums(&mut s).unwrap();
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
    // typify cannot name these ("Failed to make unique variant names").
    assert_eq!(variant_name("<"), "Lt");
    assert_eq!(variant_name(">"), "Gt");
    assert_eq!(variant_name(">="), "GtEq");
}

#[test]
fn the_table_carries_the_deprecation_note_and_successor_method() {
    let rows = operation_rows(&spec(), &curated()).unwrap();
    let table = emit::operation_table(&rows);
    assert!(
        table.contains("pub const GET_SERVERLESS_SNAP: Operation"),
        "{table}"
    );
    assert!(table.contains("media_type: \"application/vnd.atlas.2023-01-01+json\""));
    assert!(table.contains("content_type: None"));
    assert!(table.contains("successor: Some(\"get_flex_snapshot\")"));
    let old = rows.iter().find(|r| r.deprecated).unwrap();
    let new = rows.iter().find(|r| !r.deprecated).unwrap();
    let note = emit::deprecation_note(old).unwrap();
    assert!(note.contains("sunset on 2026-01-22"), "{note}");
    assert!(
        note.contains("use `Client::get_flex_snapshot` instead"),
        "{note}"
    );
    // The note goes on the generated method, beside the table's facts.
    let methods = emit::client_methods(&rows);
    assert!(
        methods.contains(&format!("#[deprecated(note = {note:?})]")),
        "{methods}"
    );
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

/// One operation with the given responses and request body, in a spec of its own.
fn one_op(responses: Value, body: Option<Value>) -> Value {
    let mut op = json!({"operationId": "op", "summary": "S", "responses": responses});
    if let Some(body) = body {
        op["requestBody"] = json!({"content": body});
    }
    json!({"openapi": "3.0.1", "info": {"title": "t", "version": "2.0"},
        "components": {"schemas": {}}, "paths": {"/x": {"post": op}}})
}

fn vnd(version: &str) -> String {
    format!("application/vnd.atlas.{version}+json")
}

#[test]
fn the_version_is_the_newest_dated_one_not_yet_sunset() {
    let v = |v: &str, s: Option<&str>| (v.to_owned(), s.map(str::to_owned));
    let versions = [
        v("2023-01-01", None),
        v("2024-05-30", Some("2026-06-01")),
        v("preview", None),
    ];
    assert_eq!(
        choose_version(&versions, "2026-12-01").as_deref(),
        Some("2023-01-01")
    );
    assert_eq!(
        choose_version(&versions, "2026-05-31").as_deref(),
        Some("2024-05-30")
    );
    // All sunset: the newest still; only preview: preview.
    let sunset = [
        v("2023-01-01", Some("2025-01-01")),
        v("2024-05-30", Some("2025-01-01")),
    ];
    assert_eq!(
        choose_version(&sunset, "2026-12-01").as_deref(),
        Some("2024-05-30")
    );
    assert_eq!(
        choose_version(&[v("preview", None)], "2026-12-01").as_deref(),
        Some("preview")
    );
}

#[test]
fn one_version_is_kept_for_accept_body_and_schema_alike() {
    let schema = |n: &str| json!({"schema": {"$ref": format!("#/components/schemas/{n}")}});
    let mut s = one_op(
        json!({
            "200": {"content": {vnd("2023-01-01"): schema("Old")}},
            "204": {"content": {vnd("2024-05-30"): {}}},
        }),
        Some(json!({vnd("2023-01-01"): schema("OldIn"), vnd("2024-05-30"): schema("NewIn")})),
    );
    select_versions(&mut s, "2026-12-01", &[]).unwrap();
    let op = &s["paths"]["/x"]["post"];
    // The 200 belonged to 2023-01-01 only: in 2024-05-30 the answer is a 204.
    assert!(op["responses"].get("200").is_none(), "{op}");
    assert!(op["responses"]["204"]["content"][vnd("2024-05-30")].is_object());
    let body = op["requestBody"]["content"].as_object().unwrap();
    assert_eq!(body.keys().collect::<Vec<_>>(), [&vnd("2024-05-30")]);
    let rows = operation_rows(&s, &[]).unwrap();
    assert_eq!(rows[0].media_type, vnd("2024-05-30"));
    assert_eq!(rows[0].version, "2024-05-30");
    assert_eq!(
        rows[0].content_type.as_deref(),
        Some(vnd("2024-05-30").as_str())
    );
    assert!(
        emit::operation_table(&rows)
            .contains(&format!("content_type: Some({:?})", vnd("2024-05-30")))
    );
}

#[test]
fn the_first_2xx_is_the_success_whatever_its_code() {
    let s = one_op(
        json!({"202": {"content": {vnd("2023-02-01"): {"schema": {"type": "object"}}}},
               "400": {"content": {"application/json": {}}}}),
        None,
    );
    let rows = operation_rows(&s, &[]).unwrap();
    assert_eq!(rows[0].media_type, vnd("2023-02-01"));
    assert_eq!(rows[0].content_type, None);
}

#[test]
fn request_bodies_are_presented_as_json_too() {
    let mut s = one_op(
        json!({}),
        Some(json!({vnd("2023-01-01"): {"schema": {"type": "object"}}})),
    );
    normalize_media_types(&mut s);
    assert!(s["paths"]["/x"]["post"]["requestBody"]["content"]["application/json"].is_object());
}

#[test]
fn schemaless_json_is_dropped_other_media_kept() {
    let mut s = one_op(
        json!({"204": {"content": {vnd("2023-01-01"): {"x-xgen-version": "2023-01-01"}}},
               "200": {"content": {"application/vnd.atlas.2023-01-01+gzip": {}}}}),
        None,
    );
    drop_schemaless_json(&mut s);
    let r = &s["paths"]["/x"]["post"]["responses"];
    assert_eq!(r["204"]["content"], json!({}));
    assert!(r["200"]["content"]["application/vnd.atlas.2023-01-01+gzip"].is_object());
}

#[test]
fn a_200_or_204_operation_decodes_an_optional_body() {
    let mut s = one_op(
        json!({"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/U"}}}},
               "204": {"description": "none"}}),
        None,
    );
    optional_success_bodies(&mut s);
    let r = &s["paths"]["/x"]["post"]["responses"];
    let expected = json!({"allOf": [{"$ref": "#/components/schemas/U"}], "nullable": true});
    assert_eq!(r["200"]["content"]["application/json"]["schema"], expected);
    assert_eq!(r["204"]["content"]["application/json"]["schema"], expected);
    assert_eq!(r["204"]["description"], "none");
}

#[test]
fn a_second_error_body_is_merged_with_api_error() {
    let mut s = one_op(
        json!({"200": {"content": {"application/json": {"schema": {"type": "object"}}}},
               "400": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/PolicyError"}}}},
               "409": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/PolicyError"}}}},
               "401": {"$ref": "#/components/responses/unauthorized"}}),
        None,
    );
    s["components"]["responses"] = json!({"unauthorized": {"description": "no",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}}}});
    merge_error_bodies(&mut s).unwrap();
    let merged = json!({"$ref": "#/components/schemas/ApiErrorWithPolicyError"});
    let r = &s["paths"]["/x"]["post"]["responses"];
    assert_eq!(r["400"]["content"]["application/json"]["schema"], merged);
    assert_eq!(r["401"]["content"]["application/json"]["schema"], merged);
    assert_eq!(r["401"]["description"], "no");
    assert_eq!(
        s["components"]["schemas"]["ApiErrorWithPolicyError"]["allOf"],
        json!([{"$ref": "#/components/schemas/ApiError"}, {"$ref": "#/components/schemas/PolicyError"}])
    );
    // The shared response is untouched for the operations that only answer ApiError.
    assert_eq!(
        s["components"]["responses"]["unauthorized"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ApiError"
    );
}

#[test]
fn a_child_that_all_ofs_its_one_of_parent_gets_the_parents_fields_instead() {
    let mut s = json!({"components": {"schemas": {
        "Role": {"description": "Parent.", "type": "object",
            "discriminator": {"propertyName": "provider"},
            "oneOf": [{"$ref": "#/components/schemas/Aws"}],
            "properties": {"provider": {"type": "string"}}, "required": ["provider"]},
        "Aws": {"allOf": [{"$ref": "#/components/schemas/Role"}, {"properties": {"arn": {"type": "string"}}}]},
        // Not a child of Role: its reference stays.
        "Other": {"allOf": [{"$ref": "#/components/schemas/Role"}]}
    }}});
    inline_oneof_parents(&mut s);
    let schemas = &s["components"]["schemas"];
    assert_eq!(
        schemas["Aws"]["allOf"][0],
        json!({"type": "object", "properties": {"provider": {"type": "string"}}, "required": ["provider"]})
    );
    assert_eq!(
        schemas["Other"]["allOf"][0]["$ref"],
        "#/components/schemas/Role"
    );
    assert!(
        schemas["Role"]["oneOf"].is_array(),
        "the parent keeps its children"
    );
}

#[test]
fn enum_schemas_become_open_enums_under_upper_camel_names() {
    let mut s = json!({"components": {"schemas": {
        "Operator": {"type": "string", "enum": ["<", ">"], "description": "Compare."},
        "tokenizerwhitespace": {"type": "object", "properties": {"type": {"type": "string", "enum": ["whitespace"]}}}
    }}});
    let enums = extract_open_enums(&mut s).unwrap();
    let names: Vec<&str> = enums.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["Operator", "TokenizerwhitespaceType"]);
    assert_eq!(
        s["components"]["schemas"]["Operator"],
        json!({"type": "string"})
    );
    let source = emit::open_enums(&enums);
    assert!(source.contains("Lt = \"<\""), "{source}");
}

#[test]
fn a_one_of_of_string_enums_becomes_one_open_enum_of_their_union() {
    let mut s = spec();
    s["components"]["schemas"]["Size"] = json!({"description": "Size.", "oneOf": [
        {"type": "string", "enum": ["M10", "M20"]},
        {"type": "string", "enum": ["M20", "M90"]}]});
    let enums = extract_open_enums(&mut s).unwrap();
    let size = enums
        .iter()
        .find(|e| e.name == "Size")
        .expect("Size is open");
    assert_eq!(size.values, ["M10", "M20", "M90"]);
    assert_eq!(
        s["components"]["schemas"]["Size"],
        json!({"type": "string"})
    );
}

#[test]
fn an_open_enum_name_that_clashes_with_a_schema_is_an_error() {
    let mut s = json!({"components": {"schemas": {
        "Snap": {"type": "object", "properties": {"status": {"type": "string", "enum": ["a"]}}},
        "SnapStatus": {"type": "object"}
    }}});
    let err = extract_open_enums(&mut s).unwrap_err();
    assert!(err.contains("SnapStatus"), "{err}");
}

#[test]
fn names_follow_progenitor_acronyms_and_keywords_included() {
    assert_eq!(
        emit::snake_case("getServerlessBackupSnapshot"),
        "get_serverless_backup_snapshot"
    );
    assert_eq!(emit::snake_case("getAPIKey"), "get_api_key");
    assert_eq!(emit::snake_case("type"), "type_");
}

/// A spec as progenitor reads it: a hoisted path type and query parameters.
fn described(query: Value, path_schema: Value) -> Result<String, String> {
    let spec = json!({
        "components": {"schemas": {
            "GroupId": {"type": "string", "pattern": "^([a-f0-9]{24})$"},
            "Page": {"type": "object", "required": ["results"], "properties": {
                "results": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}},
                "totalCount": {"type": "integer"}}},
            "Item": {"type": "object"}}},
        "paths": {"/groups/{groupId}/things": {"get": {
            "operationId": "listThings", "summary": "List things",
            "parameters": [query, {"in": "path", "name": "groupId", "required": true, "schema": path_schema}],
            "responses": {"200": {"content": {
                "application/vnd.atlas.2024-01-01+json": {"schema": {"$ref": "#/components/schemas/Page"}}}}}}}}
    });
    let mut rows = operation_rows(&spec, &[])?;
    let mut progenitor_view = spec.clone();
    normalize_media_types(&mut progenitor_view);
    describe_operations(&progenitor_view, &mut rows)?;
    match &rows[0].unsupported {
        Some(reason) => Err(reason.clone()),
        None => Ok(emit::client_methods(&rows) + &emit::options(&rows)),
    }
}

#[test]
fn a_query_parameter_upstream_adds_becomes_a_checked_option() {
    let source = described(
        json!({"in": "query", "name": "itemsPerPage", "schema": {"type": "integer", "minimum": 1, "maximum": 500}}),
        json!({"$ref": "#/components/schemas/GroupId"}),
    )
    .unwrap();
    for expected in [
        "group_id: &str, options: impl Into<options::ListThingsOptions>",
        "param::<types::GroupId>(\"group_id\", group_id)?",
        "range(\"items_per_page\", options.items_per_page.map(i64::from), Some(1), Some(500))?",
        "pub items_per_page: Option<u32>",
        "impl PageView for types::Page",
        "pub fn things(&self, group_id: impl Into<String>) -> Paginated<types::Page>",
    ] {
        assert!(source.contains(expected), "{expected} in\n{source}");
    }
}

#[test]
fn a_path_parameter_without_a_validated_type_is_refused() {
    let err = described(
        json!({"in": "query", "name": "pretty", "schema": {"type": "boolean"}}),
        json!({"type": "string"}),
    )
    .unwrap_err();
    assert!(
        err.contains("path parameter groupId has no shared validated type"),
        "{err}"
    );
}

#[test]
fn a_header_parameter_is_refused_rather_than_never_sent() {
    let err = described(
        json!({"in": "header", "name": "Use-Effective-Instance-Fields", "schema": {"type": "boolean"}}),
        json!({"$ref": "#/components/schemas/GroupId"}),
    )
    .unwrap_err();
    assert!(
        err.contains("parameter Use-Effective-Instance-Fields is in header"),
        "{err}"
    );
}

#[test]
fn body_ids_take_the_shared_type_of_the_parameter_they_name_when_the_pattern_agrees() {
    let hex = "^([a-f0-9]{24})$";
    let name = "^[a-zA-Z0-9][a-zA-Z0-9-]*$";
    let prop = |pattern: &str| json!({"type": "string", "pattern": pattern, "description": "Its own words."});
    let mut s = json!({"components": {"schemas": {
        "GroupId": {"type": "string", "pattern": hex},
        "SnapshotId": {"type": "string", "pattern": hex},
        "ClusterName": {"type": "string", "pattern": name},
        "Create": {
            REQUEST_VIEW: true,
            "type": "object",
            "properties": {
                "snapshotId": prop(hex),
                "targetGroupId": prop(hex),
                "targetProjectId": prop(hex),
                "targetClusterName": prop(name),
                // Same name, another language: it keeps its own pattern.
                "otherSnapshotId": prop("^[a-fA-F0-9]{24}$"),
                // Names no shared type.
                "checksum": prop(hex),
            },
        },
        // Not a request view: answers stay as they are.
        "Job": {"type": "object", "properties": {"snapshotId": prop(hex)}},
    }}});
    let patterns: std::collections::BTreeMap<String, String> = [
        ("GroupId", hex),
        ("SnapshotId", hex),
        ("ClusterName", name),
        // In the whole spec, but not hoisted here: never referenced.
        ("RestoreJobId", hex),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    share_body_id_types(&mut s, &patterns);
    let props = &s["components"]["schemas"]["Create"]["properties"];
    let typed = |field: &str| props[field]["allOf"][0]["$ref"].as_str().map(str::to_owned);
    assert_eq!(
        typed("snapshotId").as_deref(),
        Some("#/components/schemas/SnapshotId")
    );
    assert_eq!(
        typed("targetGroupId").as_deref(),
        Some("#/components/schemas/GroupId")
    );
    assert_eq!(
        typed("targetProjectId").as_deref(),
        Some("#/components/schemas/GroupId")
    );
    assert_eq!(
        typed("targetClusterName").as_deref(),
        Some("#/components/schemas/ClusterName")
    );
    assert_eq!(props["snapshotId"]["description"], "Its own words.");
    assert_eq!(props["otherSnapshotId"]["pattern"], "^[a-fA-F0-9]{24}$");
    assert_eq!(props["checksum"]["pattern"], hex);
    assert_eq!(
        s["components"]["schemas"]["Job"]["properties"]["snapshotId"]["pattern"],
        hex
    );
}

/// The matcher compiler takes the simple anchored patterns the shared path-parameter
/// types have, and refuses everything it cannot match exactly (those keep `regress`).
#[test]
fn pattern_matchers_compile_the_simple_patterns_and_refuse_the_rest() {
    assert_eq!(
        emit::pattern_matcher("^([a-f0-9]{24})$").as_deref(),
        Some(
            "b.len() >= 24 && b.len() <= 24 && b[0..].iter().all(|&c| matches!(c, b'a'..=b'f' | b'0'..=b'9'))"
        )
    );
    assert_eq!(
        emit::pattern_matcher("^[a-zA-Z0-9][a-zA-Z0-9-]*$").as_deref(),
        Some(
            "b.len() >= 1 && b[0..1].iter().all(|&c| matches!(c, b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9')) && b[1..].iter().all(|&c| matches!(c, b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-'))"
        )
    );
    for refused in [
        "[a-f0-9]{24}",                  // not anchored: a match anywhere counts
        "^[a-f0-9]{24}",                 // one anchor only
        "^[a-z]*a$",                     // a repeat before the end: needs backtracking
        "^[^a-z]+$",                     // negated class
        "^[\\p{L}\\p{N}\\-_.]{1,64}$",   // Unicode classes and escapes
        "^(a|b)$",                       // alternation
        "^a(b)c$",                       // a group inside
        "^a.$",                          // any character
        "^a*?$",                         // lazy quantifier
        "^a{2}{3}$",                     // repeated quantifier
        "^a{3,2}$",                      // empty range
        "^a{99999999999999999999}$",     // too large
        "^a{18446744073709551615}b{1}$", // the sum overflows
        "^[]$",                          // empty class
        "^$",                            // nothing to match
        "^é$",                           // non-ASCII literal
    ] {
        assert_eq!(emit::pattern_matcher(refused), None, "{refused}");
    }
    // Of the whole upstream's shared path-parameter patterns, the simple ones compile.
    let text = std::fs::read_to_string("build/path-parameters.yaml").unwrap();
    let patterns: std::collections::BTreeMap<String, String> =
        serde_yaml_ng::from_str(&text).unwrap();
    let compiled: Vec<&str> = patterns
        .iter()
        .filter(|(_, p)| emit::pattern_matcher(p).is_some())
        .map(|(name, _)| name.as_str())
        .collect();
    for name in [
        "GroupId",
        "ClusterName",
        "SnapshotId",
        "RestoreJobId",
        "ServerlessName",
        "FailoverId",
    ] {
        assert!(compiled.contains(&name), "{name}: {compiled:?}");
    }
    for name in [
        "EntryValue",
        "HostName",
        "UserName",
        "ClientId",
        "ProcessId",
    ] {
        assert!(!compiled.contains(&name), "{name}");
    }
}

#[test]
fn body_fields_are_the_top_level_fields_of_one_value_through_refs() {
    let spec = json!({"components": {"schemas": {
        "SnapshotId": {"type": "string", "pattern": "^[a-f0-9]{24}$"},
        "Kind": {"type": "string", "enum": ["automated", "download"]},
    }}});
    let resolve = |v: &Value| match v.get("$ref").and_then(Value::as_str) {
        Some(r) => spec
            .pointer(r.trim_start_matches('#'))
            .cloned()
            .unwrap_or(Value::Null),
        None => v.clone(),
    };
    let body = json!({
        "type": "object",
        "required": ["snapshotId", "kind"],
        "properties": {
            "snapshotId": {"allOf": [{"$ref": "#/components/schemas/SnapshotId"}], "description": "Which one."},
            "kind": {"$ref": "#/components/schemas/Kind"},
            "count": {"type": "integer"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "nested": {"type": "object"},
        },
    });
    let fields = body_fields(&body, &resolve);
    let names: Vec<(&str, &str, bool)> = fields
        .iter()
        .map(|f| (f.name.as_str(), f.kind.as_str(), f.required))
        .collect();
    assert_eq!(
        names,
        [
            ("count", "integer", false),
            ("kind", "string", true),
            ("snapshotId", "string", true),
        ]
    );
    assert_eq!(fields[1].values, ["automated", "download"]);
    assert_eq!(fields[2].description.as_deref(), Some("Which one."));
}
