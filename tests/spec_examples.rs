//! Every example in the vendored fragment decodes into the generated types: the error
//! examples of each response as they stand, and for each response schema an object
//! assembled from its properties' examples (enums take each of their values).

use atlas_snapshots::types;
use serde_json::{Map, Value, json};

fn spec() -> Value {
    let text = include_str!("../spec/openapi.yaml");
    serde_yaml_ng::from_str(text).expect("the vendored fragment is YAML")
}

/// Decodes `value` as the generated type of schema `name` (named after it, or as
/// build/renames.rs renames it), and checks that encoding the result gives back the same
/// JSON (nothing silently dropped): a rename changes the Rust name, never the wire.
fn decode_as(name: &str, value: &Value) {
    fn check<T: serde::de::DeserializeOwned + serde::Serialize>(name: &str, value: &Value) {
        let typed: T = serde_json::from_value(value.clone())
            .unwrap_or_else(|e| panic!("{name} example does not decode: {e}\n{value:#}"));
        assert_eq!(
            &serde_json::to_value(&typed).unwrap(),
            value,
            "{name} round trip"
        );
    }
    match name {
        "ApiError" => check::<types::ApiError>(name, value),
        "ServerlessBackupSnapshot" => check::<types::ServerlessBackupSnapshot>(name, value),
        "FlexBackupSnapshot20241113" => check::<types::FlexBackupSnapshot>(name, value),
        "PaginatedApiAtlasServerlessBackupSnapshotView" => {
            check::<types::ServerlessBackupSnapshotPage>(name, value)
        }
        "PaginatedApiAtlasFlexBackupSnapshot20241113View" => {
            check::<types::FlexBackupSnapshotPage>(name, value)
        }
        "PaginatedApiAtlasFlexBackupRestoreJob20241113View" => {
            check::<types::FlexBackupRestoreJobPage>(name, value)
        }
        "PaginatedApiAtlasServerlessBackupRestoreJobView" => {
            check::<types::ServerlessBackupRestoreJobPage>(name, value)
        }
        "PaginatedFlexClusters20241113" => check::<types::FlexClusterPage>(name, value),
        "PaginatedServerlessInstanceDescriptionView" => {
            check::<types::ServerlessInstancePage>(name, value)
        }
        "FlexBackupRestoreJob20241113" => check::<types::FlexBackupRestoreJob>(name, value),
        "FlexClusterDescription20241113" => check::<types::FlexCluster>(name, value),
        "ServerlessBackupRestoreJob" => check::<types::ServerlessBackupRestoreJob>(name, value),
        "ServerlessInstanceDescription" => check::<types::ServerlessInstance>(name, value),
        "Link" => check::<types::Link>(name, value),
        "BadRequestDetail" => check::<types::BadRequestDetail>(name, value),
        "FieldViolation" => check::<types::FieldViolation>(name, value),
        other => panic!("schema {other} has no generated type mapped here: add it"),
    }
}

fn schema_name(reference: &str) -> &str {
    reference.rsplit('/').next().unwrap_or(reference)
}

fn resolve<'a>(spec: &'a Value, node: &'a Value) -> &'a Value {
    match node.get("$ref").and_then(Value::as_str) {
        Some(r) => spec
            .pointer(&r.replace("#/", "/"))
            .expect("a $ref resolves"),
        None => node,
    }
}

/// An instance of `schema` built from its examples; `variant` picks among enum values.
fn assemble(spec: &Value, schema: &Value, variant: usize) -> Value {
    let schema = resolve(spec, schema);
    if let Some(example) = schema.get("example") {
        // YAML reads upstream's `1199145600.0` for an int32 as a float; JSON from Atlas
        // (or Prism, whose JavaScript numbers print without `.0`) carries the integer.
        return match (example.as_f64(), schema["type"].as_str()) {
            (Some(f), Some("integer")) if f.fract() == 0.0 => json!(f as i64),
            _ => example.clone(),
        };
    }
    if let Some(first) = schema.pointer("/oneOf/0") {
        return assemble(spec, first, variant);
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return values[variant % values.len()].clone();
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("object") => {
            let mut object = Map::new();
            for (name, property) in schema["properties"].as_object().into_iter().flatten() {
                object.insert(name.clone(), assemble(spec, property, variant));
            }
            Value::Object(object)
        }
        Some("array") => json!([assemble(spec, &schema["items"], variant)]),
        Some("string") => match schema.get("format").and_then(Value::as_str) {
            Some("date-time") => json!("2026-01-22T00:00:00Z"),
            _ => json!("text"),
        },
        // int64 above 2^32, so a narrowing type would show.
        Some("integer") if schema["format"] == "int64" => json!(5_000_000_000_i64),
        Some("integer") => json!(404),
        Some("number") => json!(1.5),
        Some("boolean") => json!(true),
        _ => json!({}),
    }
}

#[test]
fn every_response_example_decodes() {
    let spec = spec();
    let mut seen = 0;
    for (name, response) in spec["components"]["responses"].as_object().unwrap() {
        for (media, content) in response["content"].as_object().unwrap() {
            let schema = schema_name(content["schema"]["$ref"].as_str().unwrap());
            let examples = content.get("example").into_iter().chain(
                content["examples"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(_, e)| &e["value"]),
            );
            for example in examples {
                assert_eq!(media, "application/json", "{name}");
                decode_as(schema, example);
                seen += 1;
            }
        }
    }
    assert_eq!(
        seen, 7,
        "400, 401, 403, 404, 409, 429 and 500 each carry an example"
    );
}

#[test]
fn every_success_schema_decodes_from_its_property_examples() {
    let spec = spec();
    let mut seen = 0;
    let operations = spec["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values());
    for op in operations {
        let content = op["responses"]["200"]["content"].as_object().unwrap();
        for (media, body) in content {
            assert!(media.starts_with("application/vnd.atlas."), "{media}");
            let name = schema_name(body["schema"]["$ref"].as_str().unwrap());
            for variant in 0..5 {
                decode_as(name, &assemble(&spec, &body["schema"], variant));
            }
            seen += 1;
        }
    }
    assert_eq!(seen, atlas_snapshots::operations::ALL.len());
}
