//! Unit tests of build.rs's rename table (`build/renames.rs`), compiled as it is.

#[path = "../build/transforms.rs"]
#[allow(dead_code)]
mod transforms;

#[path = "../build/renames.rs"]
mod renames;

use serde_json::json;
use transforms::OpenEnum;

fn open_enum(name: &str) -> OpenEnum {
    OpenEnum {
        name: name.to_owned(),
        values: vec!["PENDING".to_owned()],
        description: None,
    }
}

#[test]
fn a_renamed_schema_keeps_its_body_and_every_ref_follows_it() {
    let snapshot = json!({"type": "object", "properties": {
        "status": {"$ref": "#/components/schemas/FlexBackupSnapshot20241113Status"},
        "mongoDBVersion": {"type": "string"}
    }});
    let mut spec = json!({
        "components": {"schemas": {
            "FlexBackupSnapshot20241113": snapshot,
            "FlexBackupSnapshot20241113Status": {"type": "string"},
            "PaginatedApiAtlasFlexBackupSnapshot20241113View": {"type": "object", "properties": {
                "results": {"type": "array", "items": {"$ref": "#/components/schemas/FlexBackupSnapshot20241113"}}
            }},
            "Link": {"type": "object"}
        }},
        "paths": {"/x": {"get": {"responses": {"200": {"content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/FlexBackupSnapshot20241113"}
        }}}}}}}
    });
    let mut enums = vec![open_enum("FlexBackupSnapshot20241113Status")];
    renames::apply(&mut spec, &mut enums).unwrap();

    let schemas = spec["components"]["schemas"].as_object().unwrap();
    let mut names: Vec<&str> = schemas.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "FlexBackupSnapshot",
            "FlexBackupSnapshotPage",
            "FlexBackupSnapshotStatus",
            "Link"
        ]
    );
    // Property names, the wire names, are untouched; only the refs moved.
    assert_eq!(
        schemas["FlexBackupSnapshot"]["properties"]["status"],
        json!({"$ref": "#/components/schemas/FlexBackupSnapshotStatus"})
    );
    assert_eq!(
        schemas["FlexBackupSnapshot"]["properties"]["mongoDBVersion"],
        json!({"type": "string"})
    );
    assert_eq!(
        schemas["FlexBackupSnapshotPage"]["properties"]["results"]["items"]["$ref"],
        "#/components/schemas/FlexBackupSnapshot"
    );
    assert_eq!(
        spec.pointer("/paths/~1x/get/responses/200/content/application~1json/schema/$ref"),
        Some(&json!("#/components/schemas/FlexBackupSnapshot"))
    );
    assert_eq!(
        enums[0].name, "FlexBackupSnapshotStatus",
        "the open enum is emitted under its new name"
    );
}

#[test]
fn rows_without_their_schema_are_skipped_and_a_taken_name_is_refused() {
    let mut spec = json!({"components": {"schemas": {"Link": {"type": "object"}}}});
    renames::apply(&mut spec, &mut []).unwrap();
    assert_eq!(
        spec,
        json!({"components": {"schemas": {"Link": {"type": "object"}}}})
    );

    let mut clash = json!({"components": {"schemas": {
        "FlexBackupSnapshot20241113": {"type": "object"},
        "FlexBackupSnapshot": {"type": "object"}
    }}});
    let err = renames::apply(&mut clash, &mut []).unwrap_err();
    assert!(err.contains("the spec has a FlexBackupSnapshot"), "{err}");
}

#[test]
fn every_new_name_is_unique_and_differs_from_its_old_one() {
    let mut seen = std::collections::HashSet::new();
    for (from, to) in renames::RENAMES {
        assert_ne!(from, to);
        assert!(seen.insert(*to), "{to} is the new name of two schemas");
    }
}
