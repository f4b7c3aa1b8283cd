//! Cut a fragment out of a full OpenAPI document.
//!
//! The cut keeps the chosen operations (only the matched methods of their path items), every
//! component reachable from them through `$ref` (transitively), all `securitySchemes`, the
//! root metadata and the tags the operations use. Everything copied is copied unchanged and
//! in upstream order, so the same input always gives the same output.

use std::collections::{BTreeMap, HashSet};

use crate::manifest::OperationSpec;
use crate::yaml::{self, Mapping, Value};
use crate::{Error, Result};

/// HTTP methods an OpenAPI 3.0 path item can hold, in the order the spec lists them.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Root keys copied unchanged. (`paths`, `components` and `tags` are rebuilt.)
/// `externalDocs` is not in the current upstream but older copies have it.
pub const COPIED_ROOT_KEYS: [&str; 7] = [
    "openapi",
    "info",
    "servers",
    "security",
    "externalDocs",
    "x-topics",
    "x-externalLinks",
];

/// One operation that the cut found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CutOperation {
    /// The manifest's (current) id.
    pub id: String,
    /// The `operationId` the document actually has: `id` or one of the former ids.
    pub found_as: String,
    /// Lower-case HTTP method, as the path item key.
    pub method: String,
    pub path: String,
}

#[derive(Debug, Clone)]
pub struct Fragment {
    pub doc: Value,
    /// In manifest order.
    pub operations: Vec<CutOperation>,
    /// Manifest ids that matched nothing (only when cutting with [`Missing::Allow`]).
    pub missing: Vec<String>,
}

/// What to do when a manifest operation is not in the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    Error,
    Allow,
}

/// Every operation in a document: (method, path, operation object), in document order.
pub fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
    let mut out = Vec::new();
    if let Some(paths) = yaml::get(doc, "paths").and_then(Value::as_mapping) {
        for (path, item) in paths {
            let Some(item) = item.as_mapping() else {
                continue;
            };
            for (method, op) in item {
                let method = yaml::key_text(method);
                if METHODS.contains(&method.as_str()) {
                    out.push((method, yaml::key_text(path), op));
                }
            }
        }
    }
    out
}

/// Cut `spec` down to the operations in `wanted`. `name` names the document in errors.
pub fn cut(
    spec: &Value,
    wanted: &[OperationSpec],
    name: &str,
    missing: Missing,
) -> Result<Fragment> {
    let root = spec.as_mapping().ok_or_else(|| {
        Error(format!(
            "{name}: not an OpenAPI document (top level is not a mapping)"
        ))
    })?;
    let paths = root
        .get("paths")
        .and_then(Value::as_mapping)
        .ok_or_else(|| Error(format!("{name}: no `paths` mapping")))?;

    // 1. Find each wanted operation, by current or former id.
    let mut found: Vec<Option<CutOperation>> = vec![None; wanted.len()];
    for (method, path, op) in operations(spec) {
        let Some(op_id) = yaml::get_str(op, "operationId") else {
            continue;
        };
        for (i, w) in wanted.iter().enumerate() {
            if !w.all_ids().any(|id| id == op_id) {
                continue;
            }
            let hit = CutOperation {
                id: w.id.clone(),
                found_as: op_id.to_string(),
                method: method.clone(),
                path: path.clone(),
            };
            if let Some(prev) = &found[i] {
                return Err(Error(format!(
                    "{name}: operation {} is ambiguous: {} {} (operationId {}) and {} {} (operationId {})",
                    w.id,
                    prev.method.to_uppercase(),
                    prev.path,
                    prev.found_as,
                    hit.method.to_uppercase(),
                    hit.path,
                    hit.found_as
                )));
            }
            found[i] = Some(hit);
        }
    }
    let mut operations_found = Vec::new();
    let mut missing_ids = Vec::new();
    for (w, f) in wanted.iter().zip(found) {
        match f {
            Some(f) => operations_found.push(f),
            None => missing_ids.push(w.id.clone()),
        }
    }
    if missing == Missing::Error && !missing_ids.is_empty() {
        let list: Vec<String> = wanted
            .iter()
            .filter(|w| missing_ids.contains(&w.id))
            .map(|w| {
                if w.formerly.is_empty() {
                    w.id.clone()
                } else {
                    format!("{} (formerly {})", w.id, w.formerly.join(", "))
                }
            })
            .collect();
        return Err(Error(format!(
            "{name}: operation(s) not found: {}",
            list.join("; ")
        )));
    }

    // 2. Copy the path items, keeping only the matched methods (path-level keys stay).
    let mut keep: BTreeMap<&str, HashSet<&str>> = BTreeMap::new();
    for op in &operations_found {
        keep.entry(op.path.as_str())
            .or_default()
            .insert(op.method.as_str());
    }
    let mut new_paths = Mapping::new();
    let mut used_tags: HashSet<String> = HashSet::new();
    for (path, item) in paths {
        let path_text = yaml::key_text(path);
        let Some(methods) = keep.get(path_text.as_str()) else {
            continue;
        };
        let item = item
            .as_mapping()
            .ok_or_else(|| Error(format!("{name}: path item {path_text} is not a mapping")))?;
        let mut new_item = Mapping::new();
        for (k, v) in item {
            let key = yaml::key_text(k);
            if METHODS.contains(&key.as_str()) {
                if !methods.contains(key.as_str()) {
                    continue;
                }
                if let Some(tags) = yaml::get(v, "tags").and_then(Value::as_sequence) {
                    used_tags.extend(tags.iter().filter_map(Value::as_str).map(str::to_string));
                }
            }
            new_item.insert(k.clone(), v.clone());
        }
        new_paths.insert(path.clone(), Value::Mapping(new_item));
    }

    // 3. Follow `$ref`s transitively.
    let components = root.get("components").and_then(Value::as_mapping);
    let mut needed: HashSet<(String, String)> = HashSet::new();
    let mut queue: Vec<(String, String)> = Vec::new(); // (ref, where it was found)
    let path_value = Value::Mapping(new_paths.clone());
    collect_refs(&path_value, &mut |r| {
        queue.push((r.to_string(), "paths".to_string()))
    });
    if let Some(schemes) = components.and_then(|c| c.get("securitySchemes")) {
        collect_refs(schemes, &mut |r| {
            queue.push((r.to_string(), "components/securitySchemes".to_string()))
        });
    }
    while let Some((reference, origin)) = queue.pop() {
        let segs = yaml::pointer_segments(&reference).ok_or_else(|| {
            Error(format!(
                "{name}: unsupported $ref `{reference}` in {origin}: only local references are supported"
            ))
        })?;
        if segs.len() < 3 || segs[0] != "components" {
            return Err(Error(format!(
                "{name}: unsupported $ref `{reference}` in {origin}: expected #/components/<kind>/<name>"
            )));
        }
        if yaml::resolve_pointer(spec, &reference).is_none() {
            return Err(Error(format!(
                "{name}: $ref `{reference}` in {origin} points at nothing"
            )));
        }
        let key = (segs[1].clone(), segs[2].clone());
        if needed.contains(&key) {
            continue;
        }
        let target = components
            .and_then(|c| c.get(key.0.as_str()))
            .and_then(|k| k.get(key.1.as_str()))
            .ok_or_else(|| {
                Error(format!(
                    "{name}: $ref `{reference}` in {origin} points at nothing"
                ))
            })?;
        let here = format!("components/{}/{}", key.0, key.1);
        collect_refs(target, &mut |r| queue.push((r.to_string(), here.clone())));
        needed.insert(key);
    }

    // 4. Rebuild components in upstream order.
    let mut new_components = Mapping::new();
    if let Some(components) = components {
        for (kind, entries) in components {
            let kind_text = yaml::key_text(kind);
            if kind_text == "securitySchemes" {
                new_components.insert(kind.clone(), entries.clone());
                continue;
            }
            let Some(entries) = entries.as_mapping() else {
                continue;
            };
            let mut kept = Mapping::new();
            for (entry_name, entry) in entries {
                if needed.contains(&(kind_text.clone(), yaml::key_text(entry_name))) {
                    kept.insert(entry_name.clone(), entry.clone());
                }
            }
            if !kept.is_empty() {
                new_components.insert(kind.clone(), Value::Mapping(kept));
            }
        }
    }

    // 5. The root, in upstream key order.
    let mut out = Mapping::new();
    for (k, v) in root {
        let key = yaml::key_text(k);
        match key.as_str() {
            "paths" => {
                out.insert(k.clone(), Value::Mapping(new_paths.clone()));
            }
            "components" if !new_components.is_empty() => {
                out.insert(k.clone(), Value::Mapping(new_components.clone()));
            }
            "tags" => {
                let kept: Vec<Value> = v
                    .as_sequence()
                    .map(|tags| {
                        tags.iter()
                            .filter(|t| {
                                yaml::get_str(t, "name").is_some_and(|n| used_tags.contains(n))
                            })
                            .cloned()
                            .collect()
                    })
                    .unwrap_or_default();
                if !kept.is_empty() {
                    out.insert(k.clone(), Value::Sequence(kept));
                }
            }
            k_text if COPIED_ROOT_KEYS.contains(&k_text) => {
                out.insert(k.clone(), v.clone());
            }
            _ => {}
        }
    }

    Ok(Fragment {
        doc: Value::Mapping(out),
        operations: operations_found,
        missing: missing_ids,
    })
}

/// Call `f` with every `$ref` string anywhere under `value`.
pub fn collect_refs(value: &Value, f: &mut dyn FnMut(&str)) {
    match value {
        Value::Mapping(m) => {
            for (k, v) in m {
                if k.as_str() == Some("$ref") {
                    if let Some(r) = v.as_str() {
                        f(r);
                    }
                } else {
                    collect_refs(v, f);
                }
            }
        }
        Value::Sequence(s) => s.iter().for_each(|v| collect_refs(v, f)),
        Value::Tagged(t) => collect_refs(&t.value, f),
        _ => {}
    }
}

/// Render a fragment as YAML text with a leading comment `header` (each line gets `# `).
pub fn render(doc: &Value, header: &str) -> Result<String> {
    let mut out = String::new();
    for line in header.lines() {
        if line.is_empty() {
            out.push_str("#\n");
        } else {
            out.push_str("# ");
            out.push_str(line);
            out.push('\n');
        }
    }
    out.push_str(&yaml::to_string(doc)?);
    Ok(out)
}

/// The header that `cargo xtask spec update` writes on `spec/openapi.yaml`.
pub fn update_header(upstream: &str) -> String {
    format!(
        "Generated by `cargo xtask spec update` from {upstream}. Do not edit by hand:\n\
         change spec/manifest.yaml (or pin a newer upstream) and rerun the command."
    )
}
