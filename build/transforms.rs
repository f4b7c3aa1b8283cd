//! Pure transforms that adapt the vendored Atlas fragment for progenitor.
//!
//! Each one takes the spec as a `serde_json::Value` and fixes one of progenitor's
//! blind spots. They only use `serde_json`, so `tests/build_transforms.rs` compiles this
//! file as it is and unit-tests every transform on small inputs.

use serde_json::{Map, Value, json};

/// What the spec says about one operation, kept for the generated operation table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationRow {
    /// `operationId` as upstream has it, e.g. `getGroupServerlessBackupSnapshot`.
    pub spec_id: String,
    /// The id the method is named after: `x-xgen-operation-id-override` when present.
    pub id: String,
    pub method: String,
    pub path: String,
    pub summary: String,
    /// The versioned media type of the 200 response, e.g. `application/vnd.atlas.2023-01-01+json`.
    pub media_type: String,
    pub version: String,
    pub deprecated: bool,
    /// `x-sunset` of the 200 media type, `YYYY-MM-DD`.
    pub sunset: Option<String>,
    /// The `id` of the operation that replaces this one, resolved from `externalDocs`.
    pub successor: Option<String>,
    pub docs_url: Option<String>,
}

/// An enum property rewritten into an open enum: known values typed, others kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenEnum {
    pub name: String,
    pub values: Vec<String>,
    pub description: Option<String>,
}

const VENDOR_MEDIA_PREFIX: &str = "application/vnd.atlas.";
const HTTP_METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Every operation of the spec as `(path, method, operation object)`, in spec order.
fn operations(spec: &Value) -> Vec<(String, String, &Value)> {
    let mut out = Vec::new();
    if let Some(paths) = spec.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            for method in HTTP_METHODS {
                if let Some(op) = item.get(method) {
                    out.push((path.clone(), method.to_string(), op));
                }
            }
        }
    }
    out
}

fn operations_mut(spec: &mut Value) -> Vec<&mut Value> {
    let mut out = Vec::new();
    if let Some(paths) = spec.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            if let Some(item) = item.as_object_mut() {
                for (key, op) in item.iter_mut() {
                    if HTTP_METHODS.contains(&key.as_str()) {
                        out.push(op);
                    }
                }
            }
        }
    }
    out
}

fn str_field(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// The id a method is named after: Atlas's short override when it has one.
fn method_id(op: &Value) -> Option<String> {
    str_field(op, "x-xgen-operation-id-override").or_else(|| str_field(op, "operationId"))
}

/// Reads one row per operation, before any other transform touches the spec.
pub fn operation_rows(spec: &Value) -> Result<Vec<OperationRow>, String> {
    let ops = operations(spec);
    let mut rows = Vec::new();
    for (path, method, op) in &ops {
        let spec_id = str_field(op, "operationId")
            .ok_or_else(|| format!("{method} {path}: operation has no operationId"))?;
        let id = method_id(op).unwrap_or_else(|| spec_id.clone());
        let content = op
            .pointer("/responses/200/content")
            .and_then(Value::as_object)
            .ok_or_else(|| format!("{spec_id}: no 200 response content"))?;
        let (media_type, media) = content
            .iter()
            .find(|(k, _)| k.starts_with(VENDOR_MEDIA_PREFIX))
            .ok_or_else(|| format!("{spec_id}: no application/vnd.atlas.* media type on 200"))?;
        let version = str_field(media, "x-xgen-version")
            .or_else(|| version_of_media_type(media_type))
            .ok_or_else(|| format!("{spec_id}: cannot tell the version of {media_type}"))?;
        let successor = match op.pointer("/externalDocs/url").and_then(Value::as_str) {
            Some(url) => resolve_successor(url, &ops),
            None => None,
        };
        rows.push(OperationRow {
            spec_id,
            id,
            method: method.clone(),
            path: path.clone(),
            summary: str_field(op, "summary").unwrap_or_default(),
            media_type: media_type.clone(),
            version,
            deprecated: op.get("deprecated").and_then(Value::as_bool) == Some(true),
            sunset: str_field(media, "x-sunset"),
            successor,
            docs_url: str_field(op, "x-xgen-docs-url"),
        });
    }
    Ok(rows)
}

/// `application/vnd.atlas.2024-11-13+json` → `2024-11-13`.
pub fn version_of_media_type(media_type: &str) -> Option<String> {
    media_type
        .strip_prefix(VENDOR_MEDIA_PREFIX)?
        .strip_suffix("+json")
        .map(str::to_owned)
}

/// Finds the operation an `externalDocs` link points at (`…/operation/<name>`).
///
/// Upstream still links the pre-2025-09 ids (`getFlexBackup`, `listFlexBackups`) that
/// were renamed to `getGroupFlexClusterBackupSnapshot` (override `getFlexBackupSnapshot`),
/// so an exact match is tried first, then the one live id the old name is a prefix of.
/// A link that fits no operation, or several, names no successor.
pub fn resolve_successor(url: &str, ops: &[(String, String, &Value)]) -> Option<String> {
    let linked = url.rsplit_once("/operation/")?.1.to_ascii_lowercase();
    let ids = |op: &Value| -> Vec<String> {
        ["operationId", "x-xgen-operation-id-override"]
            .iter()
            .filter_map(|k| str_field(op, k))
            .collect()
    };
    let live = ops
        .iter()
        .filter(|(_, _, op)| op.get("deprecated").and_then(Value::as_bool) != Some(true));
    let exact: Vec<&Value> = live
        .clone()
        .filter(|(_, _, op)| ids(op).iter().any(|i| i.to_ascii_lowercase() == linked))
        .map(|(_, _, op)| *op)
        .collect();
    let candidates = if exact.is_empty() {
        live.filter(|(_, _, op)| {
            ids(op)
                .iter()
                .any(|i| i.to_ascii_lowercase().starts_with(&linked))
        })
        .map(|(_, _, op)| *op)
        .collect()
    } else {
        exact
    };
    match candidates.as_slice() {
        [only] => method_id(only),
        _ => None,
    }
}

/// Names each operation after Atlas's short override id (the name the Atlas CLI uses),
/// so methods read `get_serverless_backup_snapshot`, not `get_group_serverless_…`.
pub fn apply_operation_id_overrides(spec: &mut Value) {
    for op in operations_mut(spec) {
        if let Some(id) = str_field(op, "x-xgen-operation-id-override") {
            op["operationId"] = Value::String(id);
        }
    }
}

/// progenitor types only `application/json` bodies: present every vendor media type as
/// JSON. The exact type to send in `Accept` lives on in the operation table.
pub fn normalize_media_types(spec: &mut Value) {
    let fix_content = |content: &mut Value| {
        if let Some(map) = content.as_object_mut() {
            let renamed: Map<String, Value> = std::mem::take(map)
                .into_iter()
                .map(|(k, v)| {
                    if k.starts_with(VENDOR_MEDIA_PREFIX) && k.ends_with("+json") {
                        ("application/json".to_owned(), v)
                    } else {
                        (k, v)
                    }
                })
                .collect();
            *map = renamed;
        }
    };
    for op in operations_mut(spec) {
        if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
            for response in responses.values_mut() {
                if let Some(content) = response.get_mut("content") {
                    fix_content(content);
                }
            }
        }
    }
    if let Some(responses) = spec
        .pointer_mut("/components/responses")
        .and_then(Value::as_object_mut)
    {
        for response in responses.values_mut() {
            if let Some(content) = response.get_mut("content") {
                fix_content(content);
            }
        }
    }
}

/// The shared type name of a path parameter: `groupId` → `GroupId`; a bare `name` takes
/// the resource it names from the segment before it (`flexClusters/{name}` → `ClusterName`).
pub fn path_parameter_type_name(param: &str, path: &str) -> String {
    if param != "name" {
        return pascal_case(param);
    }
    let marker = format!("/{{{param}}}");
    let resource = path
        .split_once(&marker)
        .and_then(|(before, _)| before.rsplit('/').next())
        .unwrap_or("");
    // Last camel-case word, singular: `flexClusters` → `Cluster`.
    let start = resource
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_ascii_uppercase())
        .map_or(0, |(i, _)| i);
    let word = resource[start..].trim_end_matches('s');
    format!("{}Name", pascal_case(word))
}

fn pascal_case(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// Moves every patterned path-parameter schema into `components.schemas` under one
/// shared name, so all operations take the same validated `GroupId`, `ClusterName`,
/// `SnapshotId` (typify otherwise makes one type per operation). Two parameters that
/// would share a name but differ in schema are an error, not a silent merge.
pub fn hoist_path_parameters(spec: &mut Value) -> Result<Vec<String>, String> {
    let mut hoisted: Map<String, Value> = Map::new();
    let mut hoist = |param: &mut Value, path: &str| -> Result<(), String> {
        if param.get("in").and_then(Value::as_str) != Some("path") {
            return Ok(());
        }
        let Some(schema) = param.get("schema") else {
            return Ok(());
        };
        if schema.get("$ref").is_some() || schema.get("pattern").is_none() {
            return Ok(());
        }
        let name = param
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let type_name = path_parameter_type_name(name, path);
        let mut schema = schema.clone();
        if let Some(obj) = schema.as_object_mut() {
            obj.remove("example");
            if let Some(desc) = param.get("description") {
                obj.entry("description").or_insert_with(|| desc.clone());
            }
        }
        match hoisted.get(&type_name) {
            Some(existing) if existing.get("pattern") != schema.get("pattern") => {
                return Err(format!(
                    "path parameters named {type_name} disagree on their pattern: {} vs {}",
                    existing["pattern"], schema["pattern"]
                ));
            }
            Some(_) => {}
            None => {
                hoisted.insert(type_name.clone(), schema);
            }
        }
        param["schema"] = json!({ "$ref": format!("#/components/schemas/{type_name}") });
        Ok(())
    };

    // Parameters declared once in components are hoisted with the first path using them.
    let component_params: Vec<String> = spec
        .pointer("/components/parameters")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    for key in component_params {
        let path = operations(spec)
            .into_iter()
            .find(|(_, _, op)| {
                op.get("parameters")
                    .and_then(Value::as_array)
                    .is_some_and(|ps| {
                        ps.iter().any(|p| {
                            p.get("$ref").and_then(Value::as_str)
                                == Some(&format!("#/components/parameters/{key}"))
                        })
                    })
            })
            .map(|(path, _, _)| path)
            .unwrap_or_default();
        if let Some(param) = spec.pointer_mut(&format!("/components/parameters/{key}")) {
            hoist(param, &path)?;
        }
    }
    if let Some(paths) = spec.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for (key, op) in item.iter_mut() {
                let params = if key == "parameters" {
                    op.as_array_mut()
                } else if HTTP_METHODS.contains(&key.as_str()) {
                    op.get_mut("parameters").and_then(Value::as_array_mut)
                } else {
                    None
                };
                for param in params.into_iter().flatten() {
                    hoist(param, path)?;
                }
            }
        }
    }
    let names: Vec<String> = hoisted.keys().cloned().collect();
    let schemas = spec
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
        .ok_or("spec has no components.schemas")?;
    for (name, schema) in hoisted {
        if schemas.contains_key(&name) {
            return Err(format!(
                "hoisted path parameter type {name} clashes with a schema"
            ));
        }
        schemas.insert(name, schema);
    }
    Ok(names)
}

/// Keywords that constrain a value; Atlas's answers do not always keep them (a
/// `mongodVersion` off its pattern), and one stray field must not fail a whole call.
const RESPONSE_CONSTRAINTS: [&str; 8] = [
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "minItems",
    "maxItems",
    "uniqueItems",
];

/// Validate what we send, tolerate what we receive: drops value constraints from every
/// schema in `components.schemas` except the request-side ones named in `keep`.
pub fn relax_response_constraints(spec: &mut Value, keep: &[String]) {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(map) => {
                let is_schema_with_type = map.contains_key("type");
                if is_schema_with_type {
                    for key in RESPONSE_CONSTRAINTS {
                        map.remove(key);
                    }
                }
                for child in map.values_mut() {
                    strip(child);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    if let Some(schemas) = spec
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for (name, schema) in schemas.iter_mut() {
            if !keep.contains(name) {
                strip(schema);
            }
        }
    }
}

/// Atlas's `ApiError.parameters` is declared as objects but carries strings and
/// integers (`["/api/atlas/v2/…", 55]`): accept any JSON value per item.
pub fn relax_error_parameters(spec: &mut Value) {
    if let Some(items) =
        spec.pointer_mut("/components/schemas/ApiError/properties/parameters/items")
    {
        *items = json!({});
    }
}

/// Hoists every string `enum` property into a named schema `{Schema}{Property}` and
/// returns them, so build.rs can swap each for an open enum that keeps unknown values.
pub fn extract_open_enums(spec: &mut Value) -> Vec<OpenEnum> {
    let mut found = Vec::new();
    let Some(schemas) = spec
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return found;
    };
    for (schema_name, schema) in schemas.iter_mut() {
        let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
            continue;
        };
        for (prop_name, prop) in props.iter_mut() {
            let Some(values) = prop.get("enum").and_then(Value::as_array) else {
                continue;
            };
            let values: Vec<String> = values
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect();
            if values.is_empty() {
                continue;
            }
            let name = format!("{schema_name}{}", pascal_case(prop_name));
            let description = str_field(prop, "description");
            *prop = json!({ "$ref": format!("#/components/schemas/{name}") });
            found.push(OpenEnum {
                name,
                values,
                description,
            });
        }
    }
    for e in &found {
        schemas.insert(e.name.clone(), json!({ "type": "string" }));
    }
    found
}

/// Rust variant name of an enum value: `inProgress` → `InProgress`, `PENDING` → `Pending`.
pub fn variant_name(value: &str) -> String {
    let mut out = String::new();
    for word in value.split(|c: char| !c.is_ascii_alphanumeric()) {
        if word.is_empty() {
            continue;
        }
        let all_upper = word.chars().all(|c| !c.is_ascii_lowercase());
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            let rest: String = chars.collect();
            out.push_str(&if all_upper {
                rest.to_ascii_lowercase()
            } else {
                rest
            });
        }
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) || out.is_empty() {
        out.insert(0, 'V');
    }
    out
}

/// Descriptions become rustdoc; an untagged code fence there (the spec's curl example)
/// would be compiled as a Rust doctest. Tags each one as `text`.
pub fn fence_description_code_as_text(spec: &mut Value) {
    match spec {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                match value {
                    Value::String(text) if key == "description" && text.contains("```") => {
                        *text = tag_untagged_fences(text);
                    }
                    other => fence_description_code_as_text(other),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(fence_description_code_as_text),
        _ => {}
    }
}

fn tag_untagged_fences(text: &str) -> String {
    let mut inside = false;
    let mut lines: Vec<String> = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix("```") {
            if !inside && rest.trim().is_empty() {
                lines.push(line.replacen("```", "```text", 1));
            } else {
                lines.push(line.to_owned());
            }
            inside = !inside;
        } else {
            lines.push(line.to_owned());
        }
    }
    lines.join("\n")
}
