//! Pure transforms that adapt the vendored Atlas fragment for progenitor.
//!
//! Each one takes the spec as a `serde_json::Value` and fixes one of progenitor's
//! blind spots. They only use `serde_json`, so `tests/build_transforms.rs` compiles this
//! file as it is and unit-tests every transform on small inputs.

use serde_json::{Map, Value, json};

/// What the spec says about one operation, kept for the generated operation table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OperationRow {
    /// `operationId` as upstream has it, e.g. `getGroupServerlessBackupSnapshot`.
    pub spec_id: String,
    /// The id the method is named after: `x-xgen-operation-id-override` when present.
    pub id: String,
    pub method: String,
    pub path: String,
    pub summary: String,
    /// The versioned media type of the first 2xx response (sent as `Accept`), e.g.
    /// `application/vnd.atlas.2023-01-01+json`.
    pub media_type: String,
    /// The versioned media type of the request body (sent as `Content-Type`), if any.
    pub content_type: Option<String>,
    pub version: String,
    pub deprecated: bool,
    /// `x-sunset` of the success media type, `YYYY-MM-DD`.
    pub sunset: Option<String>,
    /// The method id of the operation that replaces this one, as spec/manifest.yaml
    /// names it (`successor:`); never guessed from upstream's links.
    pub successor: Option<String>,
    pub docs_url: Option<String>,
    /// The spec's first tag, e.g. `Flex Restore Jobs`.
    pub tag: String,
    /// `x-rolesRequirements`: the roles any one of which may call it.
    pub roles: Vec<String>,
    /// Every version the vendored fragment has for it, oldest first (the pipeline fills
    /// it in before [`select_versions`] keeps one).
    pub versions: Vec<String>,
    /// The friendly CLI command, from the manifest's `cli:`.
    pub command: Option<Vec<String>>,
    /// The fields below are filled in by `describe_operations` from the transformed spec.
    /// The spec's `description`, for the method's docs.
    pub description: Option<String>,
    pub parameters: Vec<ParameterRow>,
    /// The 2xx statuses, lowest first.
    pub success: Vec<u16>,
    /// The request body's schema name as progenitor types it (its view, see
    /// [`request_body_views`]), e.g. `FlexBackupRestoreJobCreate`.
    pub request_body: Option<String>,
    /// The request body schema's description, for the method's docs.
    pub request_body_description: Option<String>,
    /// The body's top-level fields of one value each (string, integer, number,
    /// boolean), by name: what a command line can set one flag at a time.
    pub body_fields: Vec<BodyFieldRow>,
    /// The success body's schema name (e.g. `FlexBackupSnapshotPage`), if it has one.
    pub body_type: Option<String>,
    /// Whether a success may come without a body (a 200-or-204 operation).
    pub body_optional: bool,
    /// The item type when the body is a page (`results` and `totalCount`).
    pub page_item: Option<String>,
    /// Whether `results` is required on the page (typify then makes it a plain `Vec`).
    pub page_results_required: bool,
    /// Why build/emit.rs cannot write this operation's public method yet, if it cannot:
    /// progenitor still generates it, so `spec probe` passes, but build.rs refuses to
    /// vendor it.
    pub unsupported: Option<String>,
}

/// One parameter of an operation, as the transformed spec (what progenitor reads) has it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParameterRow {
    /// The wire name, e.g. `groupId`.
    pub name: String,
    /// `path` or `query`.
    pub location: String,
    pub required: bool,
    /// The shared validated type a path parameter was hoisted to (`GroupId`), if any.
    pub type_name: Option<String>,
    /// `boolean`, `integer` or `string`.
    pub kind: String,
    pub pattern: Option<String>,
    pub minimum: Option<i64>,
    pub maximum: Option<i64>,
    pub description: Option<String>,
}

/// One top-level field of one value in a request body (see `OperationRow::body_fields`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BodyFieldRow {
    /// The wire name, e.g. `snapshotId`.
    pub name: String,
    /// `string`, `integer`, `number` or `boolean`.
    pub kind: String,
    pub required: bool,
    /// The values it takes, when the spec closes them (an enum).
    pub values: Vec<String>,
    pub description: Option<String>,
}

/// An enum property rewritten into an open enum: known values typed, others kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenEnum {
    pub name: String,
    pub values: Vec<String>,
    pub description: Option<String>,
}

/// One operation of spec/manifest.yaml: build.rs and the xtask read the list with
/// [`manifest_operations`], so both see the same pins and successors.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OperationSpec {
    /// The current `operationId`.
    pub id: String,
    /// The ids it had before, newest first, so older upstream files can still be cut.
    pub formerly: Vec<String>,
    /// The pinned version (`version:`); `None` leaves it to [`choose_version`].
    pub version: Option<String>,
    /// The manifest `id` of the operation that replaces this deprecated one.
    pub successor: Option<String>,
    /// The friendly CLI command that runs it (`cli: [flex, restore, create]`), if any.
    pub cli: Option<Vec<String>>,
}

impl OperationSpec {
    /// Every id this operation answers to, current id first.
    pub fn all_ids(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.id.as_str()).chain(self.formerly.iter().map(String::as_str))
    }
}

/// The manifest entry an upstream `operationId` belongs to, by current or former id.
pub fn manifest_entry<'a>(manifest: &'a [OperationSpec], id: &str) -> Option<&'a OperationSpec> {
    manifest.iter().find(|m| m.all_ids().any(|i| i == id))
}

/// Reads spec/manifest.yaml's `operations` (given as JSON): `id`, `formerly`, `version`,
/// `successor`. An id listed twice is an error: a cut would not know which entry it is.
pub fn manifest_operations(manifest: &Value) -> Result<Vec<OperationSpec>, String> {
    let list = manifest
        .get("operations")
        .and_then(Value::as_array)
        .ok_or("`operations` must be a list")?;
    let mut out: Vec<OperationSpec> = Vec::new();
    for (i, op) in list.iter().enumerate() {
        let id = str_field(op, "id").ok_or(format!("operations[{i}] needs a string `id`"))?;
        let text = |key: &str| match op.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(format!("operation {id}: `{key}` must be a string")),
        };
        let formerly = match op.get("formerly") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(ids)) => ids
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .ok_or(format!("operation {id}: `formerly` must list strings"))?,
            Some(_) => return Err(format!("operation {id}: `formerly` must be a list of ids")),
        };
        let cli = match op.get("cli") {
            None | Some(Value::Null) => None,
            Some(Value::Array(words)) => Some(
                words
                    .iter()
                    .map(|w| w.as_str().filter(|w| is_command_word(w)).map(str::to_owned))
                    .collect::<Option<Vec<_>>>()
                    .filter(|words| !words.is_empty())
                    .ok_or(format!(
                        "operation {id}: `cli` must list one or more words of lowercase letters, digits and `-`"
                    ))?,
            ),
            Some(_) => return Err(format!("operation {id}: `cli` must be a list of words")),
        };
        let entry = OperationSpec {
            version: text("version")?,
            successor: text("successor")?,
            cli,
            id,
            formerly,
        };
        for other in &out {
            if let Some(dup) = entry.all_ids().find(|a| other.all_ids().any(|b| b == *a)) {
                return Err(format!(
                    "id `{dup}` is listed for both {} and {}",
                    other.id, entry.id
                ));
            }
            // A command that is another's prefix would be both a command and a group.
            if let (Some(a), Some(b)) = (&entry.cli, &other.cli)
                && (a.starts_with(b) || b.starts_with(a))
            {
                return Err(format!(
                    "the `cli` commands of {} ({}) and {} ({}) clash: one is the start of the other",
                    other.id,
                    b.join(" "),
                    entry.id,
                    a.join(" ")
                ));
            }
        }
        out.push(entry);
    }
    if out.is_empty() {
        return Err("`operations` is empty".to_owned());
    }
    Ok(out)
}

/// A word of a CLI command: `restore`, `migrate-check`.
fn is_command_word(word: &str) -> bool {
    word.starts_with(|c: char| c.is_ascii_lowercase())
        && word
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

const VENDOR_MEDIA_PREFIX: &str = "application/vnd.atlas.";
pub const HTTP_METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Every operation of the spec as `(path, method, operation object)`, in spec order.
pub fn operations(spec: &Value) -> Vec<(String, String, &Value)> {
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

/// Reads one row per operation, after [`select_versions`] and before any other transform
/// touches the spec. Successors come from `manifest` alone; a successor must be in the
/// spec too, so the note can name its method.
pub fn operation_rows(
    spec: &Value,
    manifest: &[OperationSpec],
) -> Result<Vec<OperationRow>, String> {
    let ops = operations(spec);
    let mut rows = Vec::new();
    for (path, method, op) in &ops {
        let spec_id = str_field(op, "operationId")
            .ok_or_else(|| format!("{method} {path}: operation has no operationId"))?;
        let id = method_id(op).unwrap_or_else(|| spec_id.clone());
        // The first 2xx is the success; a 204 still names its media type, without a schema.
        let (media_type, media) = first_success(op)
            .and_then(|(_, response)| vendor_media(response))
            .ok_or_else(|| format!("{spec_id}: no application/vnd.atlas.* media type on a 2xx"))?;
        let version = media_version(media_type, media)
            .ok_or_else(|| format!("{spec_id}: cannot tell the version of {media_type}"))?;
        let content_type = op
            .get("requestBody")
            .and_then(vendor_media)
            .map(|(k, _)| k.clone());
        let successor = match manifest_entry(manifest, &spec_id).and_then(|m| m.successor.as_ref())
        {
            None => None,
            Some(s) => {
                let ids: Vec<&str> = match manifest_entry(manifest, s) {
                    Some(m) => m.all_ids().collect(),
                    None => vec![s.as_str()],
                };
                let found = ops.iter().find(|(_, _, o)| {
                    str_field(o, "operationId").is_some_and(|i| ids.contains(&i.as_str()))
                });
                let (_, _, o) = found.ok_or_else(|| {
                    format!("{spec_id}: its successor {s} is not in the spec; vendor it too")
                })?;
                method_id(o)
            }
        };
        let command = manifest_entry(manifest, &spec_id).and_then(|m| m.cli.clone());
        rows.push(OperationRow {
            spec_id,
            id,
            method: method.clone(),
            path: path.clone(),
            summary: str_field(op, "summary").unwrap_or_default(),
            media_type: media_type.clone(),
            content_type,
            version,
            deprecated: op.get("deprecated").and_then(Value::as_bool) == Some(true),
            sunset: str_field(media, "x-sunset"),
            successor,
            docs_url: str_field(op, "x-xgen-docs-url"),
            tag: op
                .pointer("/tags/0")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            roles: op
                .get("x-rolesRequirements")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|r| r.as_str().map(str::to_owned))
                .collect(),
            command,
            ..OperationRow::default()
        });
    }
    Ok(rows)
}

/// Fills each row's parameters, success statuses and body and page types from the spec as
/// progenitor reads it (after every transform), matching rows by method and path.
pub fn describe_operations(spec: &Value, rows: &mut [OperationRow]) -> Result<(), String> {
    let schema_name = |v: &Value| {
        v.get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
            .map(str::to_owned)
    };
    let resolve = |v: &Value| -> Value {
        match v.get("$ref").and_then(Value::as_str) {
            Some(r) => spec
                .pointer(r.trim_start_matches('#'))
                .cloned()
                .unwrap_or(Value::Null),
            None => v.clone(),
        }
    };
    for (path, method, op) in operations(spec) {
        let Some(row) = rows
            .iter_mut()
            .find(|r| r.path == path && r.method == method)
        else {
            continue;
        };
        // From here, not the upstream text: `fence_description_code_as_text` has made
        // indented code plain text, so rustdoc does not run it as a doctest.
        row.description = str_field(op, "description");
        row.parameters.clear();
        for param in op
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let param = resolve(param);
            let name = str_field(&param, "name")
                .ok_or_else(|| format!("{}: a parameter has no name", row.id))?;
            let location = str_field(&param, "in").unwrap_or_default();
            if location != "path" && location != "query" {
                row.unsupported.get_or_insert(format!(
                    "parameter {name} is in {location}; only path and query are generated"
                ));
                continue;
            }
            let schema = param.get("schema").cloned().unwrap_or(Value::Null);
            let type_name = schema_name(&schema);
            let schema = resolve(&schema);
            let int = |k: &str| schema.get(k).and_then(Value::as_i64);
            row.parameters.push(ParameterRow {
                required: location == "path"
                    || param.get("required").and_then(Value::as_bool) == Some(true),
                location,
                type_name,
                kind: str_field(&schema, "type").unwrap_or_else(|| "string".to_owned()),
                pattern: str_field(&schema, "pattern"),
                minimum: int("minimum"),
                maximum: int("maximum"),
                description: str_field(&param, "description"),
                name,
            });
        }
        // Path parameters first, in the template's order (the methods' argument order),
        // then the query in spec order.
        let position = |p: &ParameterRow| match p.location.as_str() {
            "path" => path.find(&format!("{{{}}}", p.name)).unwrap_or(0),
            _ => usize::MAX,
        };
        row.parameters.sort_by_key(position);
        if let Some(p) = row
            .parameters
            .iter()
            .find(|p| p.location == "path" && p.type_name.is_none())
        {
            // Unpatterned or unshared: no validated type, and an unchecked `..` would send
            // the request elsewhere (see the progenitor notes).
            row.unsupported.get_or_insert(format!(
                "path parameter {} has no shared validated type (a pattern in build/path-parameters.yaml)",
                p.name
            ));
        }
        if let Some(request) = op.get("requestBody") {
            let schema = request.pointer("/content/application~1json/schema");
            row.request_body = schema.and_then(schema_name);
            row.request_body_description = schema
                .map(resolve)
                .and_then(|s| str_field(&s, "description").or_else(|| str_field(&s, "title")));
            row.body_fields = schema
                .map(|schema| body_fields(&resolve(schema), &resolve))
                .unwrap_or_default();
            if row.request_body.is_none() {
                row.unsupported
                    .get_or_insert("its request body is not JSON with a named schema".to_owned());
            } else if request.get("required").and_then(Value::as_bool) != Some(true) {
                // A method taking `Option<&Body>` is easy; nothing vendored needs it yet.
                row.unsupported.get_or_insert(
                    "its request body is optional, which is not generated yet".to_owned(),
                );
            }
        }
        let responses = op.get("responses").and_then(Value::as_object);
        let successes: Vec<(&String, &Value)> = responses
            .into_iter()
            .flatten()
            .filter(|(s, _)| s.starts_with('2'))
            .collect();
        row.success = successes
            .iter()
            .filter_map(|(s, _)| s.parse().ok())
            .collect();
        row.success.sort_unstable();
        let body = successes
            .iter()
            .find_map(|(_, r)| r.pointer("/content/application~1json/schema"));
        // `optional_success_bodies` wraps a 200-or-204 body as a nullable `allOf`.
        let (body, optional) = match body.and_then(|b| b.pointer("/allOf/0")) {
            Some(inner) => (Some(inner), true),
            None => (body, false),
        };
        row.body_optional = optional;
        row.body_type = body.and_then(schema_name);
        let page = body.map(resolve).unwrap_or(Value::Null);
        row.page_item = page
            .pointer("/properties/results/items")
            .filter(|_| page.pointer("/properties/totalCount").is_some())
            .and_then(schema_name);
        row.page_results_required = page
            .get("required")
            .and_then(Value::as_array)
            .is_some_and(|r| r.iter().any(|v| v == "results"));
    }
    Ok(())
}

/// The top-level fields of `body` that hold one value, each resolved through a `$ref`
/// or a one-member `allOf` (`share_body_id_types` writes those) to find its type.
pub fn body_fields(body: &Value, resolve: &dyn Fn(&Value) -> Value) -> Vec<BodyFieldRow> {
    let required: Vec<&str> = body
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let mut fields = Vec::new();
    for (name, property) in body
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let inner = match property.pointer("/allOf/0") {
            Some(only) if property["allOf"].as_array().is_some_and(|a| a.len() == 1) => only,
            _ => property,
        };
        let schema = resolve(inner);
        let kind = str_field(&schema, "type").unwrap_or_default();
        if !["string", "integer", "number", "boolean"].contains(&kind.as_str()) {
            continue;
        }
        fields.push(BodyFieldRow {
            name: name.clone(),
            kind,
            required: required.contains(&name.as_str()),
            values: string_enum(&schema).unwrap_or_default(),
            description: str_field(property, "description")
                .or_else(|| str_field(&schema, "description")),
        });
    }
    fields
}

/// The lowest 2xx response of an operation, with its status.
fn first_success(op: &Value) -> Option<(&String, &Value)> {
    op.get("responses")?
        .as_object()?
        .iter()
        .filter(|(status, _)| status.starts_with('2'))
        .min_by_key(|(status, _)| status.as_str())
}

/// The first `application/vnd.atlas.*` entry of a response's or request body's `content`.
fn vendor_media(holder: &Value) -> Option<(&String, &Value)> {
    holder
        .get("content")?
        .as_object()?
        .iter()
        .find(|(k, _)| k.starts_with(VENDOR_MEDIA_PREFIX))
}

/// `application/vnd.atlas.2024-11-13+json` → `2024-11-13` (also `+gzip`, `+csv`, `preview`).
pub fn version_of_media_type(media_type: &str) -> Option<String> {
    let rest = media_type.strip_prefix(VENDOR_MEDIA_PREFIX)?;
    rest.split_once('+').map(|(v, _)| v.to_owned())
}

/// The version of one `content` entry: the media type says it (upstream's
/// `x-xgen-version` is sometimes the whole media type), `x-xgen-version` is the fallback.
fn media_version(media_type: &str, media: &Value) -> Option<String> {
    version_of_media_type(media_type).or_else(|| str_field(media, "x-xgen-version"))
}

/// The version to generate an operation for, from `(version, x-sunset)` of its media
/// entries: the newest dated version not sunset on `today`; failing that the newest
/// dated one; failing that `preview`. Dates compare as `YYYY-MM-DD` text.
pub fn choose_version(versions: &[(String, Option<String>)], today: &str) -> Option<String> {
    let dated = |v: &&(String, Option<String>)| v.0.starts_with(|c: char| c.is_ascii_digit());
    let sunset = |version: &str| {
        versions
            .iter()
            .any(|(v, s)| v == version && s.as_deref().is_some_and(|s| s <= today))
    };
    let newest = |live_only: bool| {
        versions
            .iter()
            .filter(dated)
            .filter(|(v, _)| !live_only || !sunset(v))
            .map(|(v, _)| v.clone())
            .max()
    };
    newest(true)
        .or_else(|| newest(false))
        .or_else(|| versions.first().map(|(v, _)| v.clone()))
}

/// Each operation's versions (`(path, method)` → versions, oldest first), as the spec has
/// them before [`select_versions`].
pub fn versions_by_operation(spec: &Value) -> Vec<((String, String), Vec<String>)> {
    operations(spec)
        .into_iter()
        .map(|(path, method, op)| {
            let mut versions: Vec<String> = versions_of(op).into_iter().map(|(v, _)| v).collect();
            versions.sort();
            versions.dedup();
            ((path, method), versions)
        })
        .collect()
}

/// `(version, x-sunset)` of every versioned media entry of an operation's request body
/// and responses.
pub fn versions_of(op: &Value) -> Vec<(String, Option<String>)> {
    let bodies = op.get("requestBody").into_iter();
    let responses = op
        .get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|r| r.values());
    let mut versions = Vec::new();
    for holder in bodies.chain(responses) {
        for (k, media) in holder
            .get("content")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if let Some(v) = media_version(k, media) {
                versions.push((v, str_field(media, "x-sunset")));
            }
        }
    }
    versions
}

/// The version an operation is generated for: its pin in `manifest`, or, unpinned (as in
/// `cargo xtask spec probe`), [`choose_version`]'s as of `today`. A pin the operation
/// has no media type for is an error naming both.
pub fn version_for(
    op: &Value,
    manifest: &[OperationSpec],
    today: &str,
) -> Result<Option<String>, String> {
    let versions = versions_of(op);
    let id = str_field(op, "operationId").unwrap_or_default();
    match manifest_entry(manifest, &id).and_then(|m| m.version.as_ref()) {
        None => Ok(choose_version(&versions, today)),
        Some(pin) if versions.iter().any(|(v, _)| v == pin) => Ok(Some(pin.clone())),
        Some(pin) => {
            let mut have: Vec<&str> = versions.iter().map(|(v, _)| v.as_str()).collect();
            have.sort_unstable();
            have.dedup();
            Err(format!(
                "{id}: spec/manifest.yaml pins version {pin}, which it does not have (it has {})",
                have.join(", ")
            ))
        }
    }
}

/// Keeps one version per operation ([`version_for`]), so the `Accept` the table records,
/// the request body, the decoded schema and the sunset all come from the same version
/// (progenitor also refuses bodies in several media types). A response left with no media
/// type belonged to another version's status (`200` in 2023-01-01, `204` in 2024-05-30)
/// and goes.
pub fn select_versions(
    spec: &mut Value,
    today: &str,
    manifest: &[OperationSpec],
) -> Result<(), String> {
    for op in operations_mut(spec) {
        let Some(chosen) = version_for(op, manifest, today)? else {
            continue;
        };
        let keep = |content: &mut Map<String, Value>| {
            content.retain(|k, media| {
                !k.starts_with(VENDOR_MEDIA_PREFIX)
                    || media_version(k, media).as_deref() == Some(chosen.as_str())
            });
        };
        if let Some(c) = op
            .pointer_mut("/requestBody/content")
            .and_then(Value::as_object_mut)
        {
            keep(c);
        }
        if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
            responses.retain(|_, response| match response.get_mut("content") {
                Some(Value::Object(content)) if !content.is_empty() => {
                    keep(content);
                    !content.is_empty()
                }
                _ => true,
            });
        }
    }
    Ok(())
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

/// Every `content` map of the spec: operations' request bodies and responses, and the
/// shared `components.responses`.
fn contents_mut(spec: &mut Value) -> Vec<&mut Map<String, Value>> {
    let mut holders: Vec<&mut Value> = Vec::new();
    for (key, value) in spec.as_object_mut().into_iter().flatten() {
        match key.as_str() {
            "components" => {
                if let Some(responses) = value.get_mut("responses").and_then(Value::as_object_mut) {
                    holders.extend(responses.values_mut());
                }
            }
            "paths" => {
                let items = value.as_object_mut().into_iter().flat_map(|p| p.iter_mut());
                for (method, op) in
                    items.flat_map(|(_, item)| item.as_object_mut().into_iter().flatten())
                {
                    if !HTTP_METHODS.contains(&method.as_str()) {
                        continue;
                    }
                    for (key, value) in op.as_object_mut().into_iter().flatten() {
                        match key.as_str() {
                            "requestBody" => holders.push(value),
                            "responses" => holders.extend(
                                value
                                    .as_object_mut()
                                    .into_iter()
                                    .flat_map(|r| r.values_mut()),
                            ),
                            _ => {}
                        }
                    }
                }
            }
            _ => {}
        }
    }
    holders
        .into_iter()
        .filter_map(|h| h.get_mut("content").and_then(Value::as_object_mut))
        .collect()
}

fn is_json(media_type: &str) -> bool {
    media_type == "application/json"
        || (media_type.starts_with(VENDOR_MEDIA_PREFIX) && media_type.ends_with("+json"))
}

/// progenitor types only `application/json` bodies (and rejects any other request body):
/// present every vendor JSON media type as JSON. The exact types to send in `Accept` and
/// `Content-Type` live on in the operation table.
pub fn normalize_media_types(spec: &mut Value) {
    for content in contents_mut(spec) {
        let renamed: Map<String, Value> = std::mem::take(content)
            .into_iter()
            .map(|(k, v)| {
                if is_json(&k) {
                    ("application/json".to_owned(), v)
                } else {
                    (k, v)
                }
            })
            .collect();
        *content = renamed;
    }
}

/// A JSON media type without a schema (a 204's) makes progenitor `todo!()`: it carries no
/// body, so drop it and let the response be an empty one.
pub fn drop_schemaless_json(spec: &mut Value) {
    for content in contents_mut(spec) {
        content.retain(|k, media| !is_json(k) || media.get("schema").is_some());
    }
}

/// progenitor wants one success type per operation. Where one 2xx has a JSON body and
/// another none (`200` or `204`), every 2xx decodes the body as nullable, so the method
/// returns an `Option` (the wire hook reads an empty 204 body as `null`).
pub fn optional_success_bodies(spec: &mut Value) {
    for op in operations_mut(spec) {
        let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
            continue;
        };
        let body = |r: &Value| r.pointer("/content/application~1json/schema").cloned();
        let successes: Vec<&String> = responses.keys().filter(|s| s.starts_with('2')).collect();
        let typed = successes.iter().find_map(|s| body(&responses[s.as_str()]));
        let empty = successes.iter().any(|s| {
            responses[s.as_str()]
                .get("content")
                .is_none_or(|c| c.as_object().is_some_and(Map::is_empty))
        });
        let (Some(schema), true) = (typed, empty) else {
            continue;
        };
        let nullable =
            json!({"application/json": {"schema": {"allOf": [schema], "nullable": true}}});
        for (status, response) in responses.iter_mut() {
            if status.starts_with('2') {
                response["content"] = nullable.clone();
            }
        }
    }
}

/// progenitor wants one error type per operation. An operation whose error responses
/// carry another body beside `ApiError` (the resource-policy 400s) gets one merged object,
/// `ApiErrorWith{Other}`, on every error response, so no field of either is lost.
pub fn merge_error_bodies(spec: &mut Value) -> Result<(), String> {
    const API_ERROR: &str = "#/components/schemas/ApiError";
    let shared: Map<String, Value> = spec
        .pointer("/components/responses")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let resolve = |r: &Value| -> Value {
        match r
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|p| p.rsplit('/').next())
        {
            Some(name) => shared.get(name).cloned().unwrap_or(Value::Null),
            None => r.clone(),
        }
    };
    let mut merged: Map<String, Value> = Map::new();
    for op in operations_mut(spec) {
        let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
            continue;
        };
        let is_error = |s: &str| !s.starts_with('1') && !s.starts_with('2') && !s.starts_with('3');
        let mut others: Vec<String> = responses
            .iter()
            .filter(|(s, _)| is_error(s))
            .filter_map(|(_, r)| {
                resolve(r)
                    .pointer("/content/application~1json/schema/$ref")
                    .and_then(Value::as_str)
                    .filter(|r| *r != API_ERROR)
                    .map(str::to_owned)
            })
            .collect();
        others.sort();
        others.dedup();
        let [other] = &others[..] else {
            if others.len() > 1 {
                let id = str_field(op, "operationId").unwrap_or_default();
                return Err(format!("{id}: more than one non-ApiError error body"));
            }
            continue;
        };
        let name = format!(
            "ApiErrorWith{}",
            other.rsplit('/').next().unwrap_or_default()
        );
        merged.insert(
            name.clone(),
            json!({"allOf": [{"$ref": API_ERROR}, {"$ref": other}]}),
        );
        let schema = json!({"$ref": format!("#/components/schemas/{name}")});
        for (status, response) in responses.iter_mut() {
            if !is_error(status) {
                continue;
            }
            let mut inline = resolve(response);
            if let Some(media) = inline.pointer_mut("/content/application~1json") {
                media["schema"] = schema.clone();
            }
            *response = inline;
        }
    }
    if let Some(schemas) = spec
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        schemas.extend(merged);
    }
    Ok(())
}

/// Atlas's polymorphic families (`CloudProviderAccessRole` lists its children in `oneOf`,
/// each child `allOf`s the parent back) send typify into endless recursion. In each
/// child, the parent's own fields take the place of the `$ref` to it.
pub fn inline_oneof_parents(spec: &mut Value) {
    let Some(schemas) = spec
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    // (parent ref, the parent's own fields, its children's names)
    let mut families: Vec<(String, Value, Vec<String>)> = Vec::new();
    for (name, schema) in schemas.iter() {
        let Some(children) = schema.get("oneOf").and_then(Value::as_array) else {
            continue;
        };
        let children = children
            .iter()
            .filter_map(|c| c.get("$ref").and_then(Value::as_str))
            .filter_map(|r| r.strip_prefix("#/components/schemas/"))
            .map(str::to_owned)
            .collect();
        let mut own = schema.clone();
        if let Some(own) = own.as_object_mut() {
            for key in [
                "oneOf",
                "discriminator",
                "description",
                "title",
                "example",
                "externalDocs",
            ] {
                own.remove(key);
            }
        }
        families.push((format!("#/components/schemas/{name}"), own, children));
    }
    for (parent, own, children) in &families {
        for child in children {
            let parts = schemas
                .get_mut(child)
                .and_then(|c| c.get_mut("allOf"))
                .and_then(Value::as_array_mut);
            for part in parts.into_iter().flatten() {
                if part.get("$ref").and_then(Value::as_str) == Some(parent.as_str()) {
                    *part = own.clone();
                }
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
    // One plural `s` goes; `Serverless` keeps its `ss`.
    let word = &resource[start..];
    let word = match word.strip_suffix('s') {
        Some(w) if !w.ends_with('s') => w,
        _ => word,
    };
    format!("{}Name", pascal_case(word))
}

fn pascal_case(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// A regex pattern in a canonical spelling, so spellings of the same language compare
/// equal: an outer group around the whole anchored pattern goes (`^([a-f0-9]{24})$` is
/// `^[a-f0-9]{24}$`) and simple character classes are sorted (`[a-f0-9]` is `[0-9a-f]`).
/// Case is kept: `[a-fA-F0-9]` accepts what `[a-f0-9]` refuses.
pub fn canonical_pattern(pattern: &str) -> String {
    let mut p = pattern.to_owned();
    if let Some(inner) = p.strip_prefix("^(").and_then(|r| r.strip_suffix(")$"))
        && encloses_whole(inner)
    {
        p = format!("^{inner}$");
    }
    let mut out = String::new();
    let mut rest = p.as_str();
    while let Some(start) = rest.find('[') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let Some(end) = after.find(']') else { break };
        let class = &after[..end];
        out.push('[');
        out.push_str(&sorted_class(class).unwrap_or_else(|| class.to_owned()));
        out.push(']');
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// Whether `inner` of `^(inner)$` is one group's body: no `|` at its top level and no
/// `)` that closes the outer group early.
fn encloses_whole(inner: &str) -> bool {
    let mut depth = 0i32;
    let mut escaped = false;
    for c in inner.chars() {
        match (escaped, c) {
            (true, _) => escaped = false,
            (false, '\\') => escaped = true,
            (false, '(') => depth += 1,
            (false, ')') => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            (false, '|') if depth == 0 => return false,
            _ => {}
        }
    }
    depth == 0
}

/// `a-f0-9` → `0-9a-f`, for classes of only alphanumeric ranges and characters.
fn sorted_class(class: &str) -> Option<String> {
    let chars: Vec<char> = class.chars().collect();
    let mut items = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_alphanumeric() {
            return None;
        }
        if i + 2 < chars.len() && chars[i + 1] == '-' && chars[i + 2].is_ascii_alphanumeric() {
            items.push(chars[i..i + 3].iter().collect::<String>());
            i += 3;
        } else {
            items.push(chars[i].to_string());
            i += 1;
        }
    }
    items.sort();
    items.dedup();
    Some(items.concat())
}

/// Moves every patterned path-parameter schema into `components.schemas` under one
/// shared name, so all operations take the same validated `GroupId`, `ClusterName`,
/// `SnapshotId` (typify otherwise makes one type per operation). `patterns` (from
/// `whole_spec::path_parameter_patterns`) says which language the shared type has; a parameter
/// spelled in another language stays inline, so typify gives its operation a type of its
/// own that keeps its pattern.
pub fn hoist_path_parameters(
    spec: &mut Value,
    patterns: &std::collections::BTreeMap<String, String>,
) -> Result<Vec<String>, String> {
    let mut hoisted: Map<String, Value> = Map::new();
    let mut hoist = |param: &mut Value, path: &str| {
        if param.get("in").and_then(Value::as_str) != Some("path") {
            return;
        }
        let Some(schema) = param.get("schema") else {
            return;
        };
        let Some(pattern) = schema.get("pattern").and_then(Value::as_str) else {
            return;
        };
        if schema.get("$ref").is_some() {
            return;
        }
        let name = param
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let type_name = path_parameter_type_name(name, path);
        let shared = patterns.get(&type_name).map_or(pattern, String::as_str);
        if canonical_pattern(shared) != canonical_pattern(pattern) {
            return;
        }
        let mut schema = schema.clone();
        if let Some(obj) = schema.as_object_mut() {
            obj.remove("example");
            obj.insert("pattern".to_owned(), Value::String(shared.to_owned()));
            if let Some(desc) = param.get("description") {
                obj.entry("description").or_insert_with(|| desc.clone());
            }
        }
        hoisted.entry(type_name.clone()).or_insert(schema);
        param["schema"] = json!({ "$ref": format!("#/components/schemas/{type_name}") });
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
            hoist(param, &path);
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
                    hoist(param, path);
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
/// schema in `components.schemas` except the request bodies' own views
/// ([`request_body_views`] marks them [`REQUEST_VIEW`]).
pub fn relax_response_constraints(spec: &mut Value) {
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
        for schema in schemas.values_mut() {
            if !is_request_view(schema) {
                strip(schema);
            }
        }
    }
}

/// The extension [`request_body_views`] marks a request body's own schema with.
pub const REQUEST_VIEW: &str = "x-atlas-snapshots-request-body";

fn is_request_view(schema: &Value) -> bool {
    schema.get(REQUEST_VIEW).and_then(Value::as_bool) == Some(true)
}

/// Whether a property is only ever sent by Atlas: `readOnly` itself, or a `$ref` to a
/// schema that is.
fn read_only(spec: &Value, property: &Value) -> bool {
    let target = property
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| spec.pointer(r.trim_start_matches('#')));
    [Some(property), target]
        .into_iter()
        .flatten()
        .any(|p| p.get("readOnly").and_then(Value::as_bool) == Some(true))
}

fn count_refs(value: &Value, target: &str) -> usize {
    match value {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) if k == "$ref" => usize::from(s == target),
                _ => count_refs(v, target),
            })
            .sum(),
        Value::Array(items) => items.iter().map(|v| count_refs(v, target)).sum(),
        _ => 0,
    }
}

/// Validate what we send: each named JSON request body gets a schema of its own, the
/// view of what a caller writes. Properties Atlas only sends (`readOnly`) go, an unknown
/// property is refused (`additionalProperties: false`, so a misspelt field is not
/// silently dropped), and the schema is marked [`REQUEST_VIEW`] so its patterns, bounds
/// and closed enums survive [`relax_response_constraints`] and [`extract_open_enums`].
/// A schema only request bodies use becomes its view in place; one that responses share
/// (`ServerlessBackupRestoreJob` is both the create body and the job) is copied to
/// `{Schema}Body` (upstream has `...Request` schemas of its own), so answers stay
/// tolerant. Schemas the body reaches through `$ref` stay shared, and relaxed. Returns
/// the views' names.
pub fn request_body_views(spec: &mut Value) -> Result<Vec<String>, String> {
    let mut bodies: Vec<String> = Vec::new();
    for (_, _, op) in operations(spec) {
        if let Some(r) = op
            .pointer("/requestBody/content/application~1json/schema/$ref")
            .and_then(Value::as_str)
            && !bodies.iter().any(|b| b == r)
        {
            bodies.push(r.to_owned());
        }
    }
    let mut views = Vec::new();
    for reference in bodies {
        let Some(name) = reference.strip_prefix("#/components/schemas/") else {
            continue;
        };
        let schema = spec
            .pointer(reference.trim_start_matches('#'))
            .cloned()
            .ok_or_else(|| format!("request body {reference} is not in the spec"))?;
        let in_bodies: usize = operations(spec)
            .iter()
            .filter_map(|(_, _, op)| op.get("requestBody"))
            .map(|b| count_refs(b, &reference))
            .sum();
        let shared = count_refs(spec, &reference) > in_bodies;
        let view_name = if shared {
            format!("{name}Body")
        } else {
            name.to_owned()
        };
        let mut view = schema;
        if let Some(props) = view.get("properties").and_then(Value::as_object) {
            let gone: Vec<String> = props
                .iter()
                .filter(|(_, p)| read_only(spec, p))
                .map(|(k, _)| k.clone())
                .collect();
            let obj = view
                .as_object_mut()
                .ok_or("a request body is not an object")?;
            if let Some(props) = obj.get_mut("properties").and_then(Value::as_object_mut) {
                props.retain(|k, _| !gone.contains(k));
            }
            if let Some(required) = obj.get_mut("required").and_then(Value::as_array_mut) {
                required.retain(|r| r.as_str().is_none_or(|r| !gone.iter().any(|g| g == r)));
            }
            obj.insert("additionalProperties".to_owned(), Value::Bool(false));
        }
        drop_unicode_property_patterns(&mut view);
        if let Some(obj) = view.as_object_mut() {
            obj.insert(REQUEST_VIEW.to_owned(), Value::Bool(true));
            if shared {
                obj.entry("description").or_insert_with(|| {
                    Value::String(format!("The fields of `{name}` a caller sends."))
                });
            }
        }
        let schemas = spec
            .pointer_mut("/components/schemas")
            .and_then(Value::as_object_mut)
            .ok_or("spec has no components.schemas")?;
        if shared && schemas.contains_key(&view_name) {
            return Err(format!(
                "the request view {view_name} of {name} clashes with a schema"
            ));
        }
        schemas.insert(view_name.clone(), view);
        if shared {
            let renamed = [(
                reference.clone(),
                format!("#/components/schemas/{view_name}"),
            )];
            for op in operations_mut(spec) {
                if let Some(body) = op.get_mut("requestBody") {
                    rewrite_refs(body, &renamed);
                }
            }
        }
        views.push(view_name);
    }
    Ok(views)
}

/// Gives a request body's id and name fields the shared validated type of the path
/// parameter they name (`snapshotId` → `SnapshotId`, `targetClusterName` →
/// `ClusterName`), when the pattern is the same language, so a caller parses an id once
/// for paths and bodies alike instead of meeting one newtype per field. A `…ProjectId`
/// is a `GroupId`: Atlas's projects are the API's groups. Runs after
/// [`hoist_path_parameters`], on the schemas [`request_body_views`] marked; the field
/// keeps its own description beside the shared type.
pub fn share_body_id_types(
    spec: &mut Value,
    patterns: &std::collections::BTreeMap<String, String>,
) {
    let shared: Vec<(&str, String)> = patterns
        .iter()
        .filter(|(name, _)| {
            spec.pointer(&format!("/components/schemas/{name}"))
                .is_some()
        })
        .map(|(name, pattern)| (name.as_str(), canonical_pattern(pattern)))
        .collect();
    let Some(schemas) = spec
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    for view in schemas.values_mut().filter(|s| is_request_view(s)) {
        let Some(props) = view.get_mut("properties").and_then(Value::as_object_mut) else {
            continue;
        };
        for (field, property) in props.iter_mut() {
            let Some(pattern) = property.get("pattern").and_then(Value::as_str) else {
                continue;
            };
            let pattern = canonical_pattern(pattern);
            let field = pascal_case(field);
            let field = match field.strip_suffix("ProjectId") {
                Some(head) => format!("{head}GroupId"),
                None => field,
            };
            let Some((name, _)) = shared
                .iter()
                .filter(|(name, p)| field.ends_with(name) && *p == pattern)
                .max_by_key(|(name, _)| name.len())
            else {
                continue;
            };
            let mut typed =
                json!({ "allOf": [{ "$ref": format!("#/components/schemas/{name}") }] });
            if let Some(description) = property.get("description") {
                typed["description"] = description.clone();
            }
            *property = typed;
        }
    }
}

/// typify checks patterns with regress in its non-Unicode mode, where `\p{L}` is the
/// letters `p`, `{`, `L`, `}`: Atlas's `^[\p{L}\p{N}\-_.(),:&@+']{1,64}$` would refuse
/// `Flex0`. Such a pattern goes rather than refuse valid names (Atlas still checks it).
fn drop_unicode_property_patterns(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map
                .get("pattern")
                .and_then(Value::as_str)
                .is_some_and(|p| p.contains("\\p{") || p.contains("\\P{"))
            {
                map.remove("pattern");
            }
            map.values_mut().for_each(drop_unicode_property_patterns);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_unicode_property_patterns),
        _ => {}
    }
}

/// Points every `$ref` equal to a `from` of `renamed` at its `to`.
pub fn rewrite_refs(value: &mut Value, renamed: &[(String, String)]) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                match v {
                    Value::String(s) if key == "$ref" => {
                        if let Some((_, to)) = renamed.iter().find(|(from, _)| from == s) {
                            *s = to.clone();
                        }
                    }
                    _ => rewrite_refs(v, renamed),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite_refs(v, renamed)),
        _ => {}
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

fn string_enum(schema: &Value) -> Option<Vec<String>> {
    let values: Vec<String> = schema
        .get("enum")?
        .as_array()?
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    (!values.is_empty()).then_some(values)
}

/// A string enum's values, or the union of a `oneOf` made only of string enums (Atlas's
/// instance sizes, one list per cloud provider), first spelling first.
fn enum_values(schema: &Value) -> Option<Vec<String>> {
    if let Some(values) = string_enum(schema) {
        return Some(values);
    }
    let mut union: Vec<String> = Vec::new();
    for part in schema.get("oneOf")?.as_array()? {
        for v in string_enum(part)? {
            if !union.contains(&v) {
                union.push(v);
            }
        }
    }
    (!union.is_empty()).then_some(union)
}

/// Turns every string `enum` into an open enum, returned so build.rs can swap each for a
/// type that keeps unknown values: a property's enum is hoisted into a schema named
/// `{Schema}{Property}` (upper camel case, so `tokenizerwhitespace.type` gives
/// `TokenizerwhitespaceType`), an enum schema (or a `oneOf` of string enums, whose values
/// it unites) keeps its name. A name is a function of the
/// schema and property alone, never of what else is in the spec; one that clashes with
/// another schema is an error, not an overwrite.
pub fn extract_open_enums(spec: &mut Value) -> Result<Vec<OpenEnum>, String> {
    let mut found = Vec::new();
    let Some(schemas) = spec
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return Ok(found);
    };
    for (schema_name, schema) in schemas.iter_mut() {
        // What we send stays closed: an unknown value there is a typo, refused before sending.
        if is_request_view(schema) {
            continue;
        }
        if let Some(values) = enum_values(schema) {
            found.push(OpenEnum {
                name: schema_name.clone(),
                values,
                description: str_field(schema, "description"),
            });
            continue;
        }
        let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
            continue;
        };
        for (prop_name, prop) in props.iter_mut() {
            let Some(values) = string_enum(prop) else {
                continue;
            };
            let name = format!("{}{}", pascal_case(schema_name), pascal_case(prop_name));
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
        let placeholder = schemas.insert(e.name.clone(), json!({ "type": "string" }));
        if placeholder.is_some_and(|p| enum_values(&p).is_none()) {
            return Err(format!("open enum {} clashes with a schema", e.name));
        }
    }
    Ok(found)
}

/// Rust variant name of an enum value: `inProgress` → `InProgress`, `PENDING` → `Pending`,
/// and a value of symbols is spelled out: `<` → `Lt`, `>=` → `GtEq`.
pub fn variant_name(value: &str) -> String {
    if !value.is_empty() && !value.chars().any(|c| c.is_ascii_alphanumeric()) {
        return value.chars().map(symbol_name).collect();
    }
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

fn symbol_name(c: char) -> &'static str {
    match c {
        '<' => "Lt",
        '>' => "Gt",
        '=' => "Eq",
        '!' => "Not",
        '+' => "Plus",
        '-' => "Minus",
        '*' => "Star",
        '/' => "Slash",
        '%' => "Percent",
        '&' => "And",
        '|' => "Or",
        '^' => "Caret",
        '~' => "Tilde",
        '.' => "Dot",
        ',' => "Comma",
        ':' => "Colon",
        '_' => "Underscore",
        ' ' => "Space",
        _ => "Symbol",
    }
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
