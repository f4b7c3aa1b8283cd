//! Decisions taken on the whole upstream spec, before any cut, so that what a type is
//! called and what it accepts never depends on which operations are vendored.
//! `cargo xtask spec update` writes them to `build/path-parameters.yaml` for build.rs
//! (which only sees the fragment); `cargo xtask spec probe` takes them from the file it
//! probes. Only `serde_json`, like the transforms, so `tests/build_transforms.rs` tests it.

use std::collections::BTreeMap;

use serde_json::Value;

use super::transforms::{HTTP_METHODS, canonical_pattern, path_parameter_type_name};

/// Every path parameter of every operation, `$ref`s to `components.parameters` resolved,
/// with the path it is used on.
fn path_parameters(spec: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let Some(paths) = spec.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for (path, item) in paths {
        let shared = item
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten();
        let own = HTTP_METHODS
            .iter()
            .filter_map(|m| item.get(*m))
            .flat_map(|op| {
                op.get("parameters")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
            });
        for param in shared.chain(own) {
            let param = match param.get("$ref").and_then(Value::as_str) {
                Some(r) => match r.strip_prefix('#').and_then(|p| spec.pointer(p)) {
                    Some(p) => p,
                    None => continue,
                },
                None => param,
            };
            if param.get("in").and_then(Value::as_str) == Some("path") {
                out.push((path.clone(), param.clone()));
            }
        }
    }
    out
}

/// The pattern each hoisted path-parameter type takes: of the spellings the spec gives
/// one name, the language most operations use (ties: the smaller canonical spelling),
/// written as most of them spell it. Read it from the whole upstream spec, so a type's
/// shape does not depend on which operations are vendored.
pub fn path_parameter_patterns(spec: &Value) -> BTreeMap<String, String> {
    // type name → canonical → spelling → uses
    let mut seen: BTreeMap<String, BTreeMap<String, BTreeMap<String, usize>>> = BTreeMap::new();
    for (path, param) in path_parameters(spec) {
        let (Some(name), Some(pattern)) = (
            param.get("name").and_then(Value::as_str),
            param.pointer("/schema/pattern").and_then(Value::as_str),
        ) else {
            continue;
        };
        *seen
            .entry(path_parameter_type_name(name, &path))
            .or_default()
            .entry(canonical_pattern(pattern))
            .or_default()
            .entry(pattern.to_owned())
            .or_default() += 1;
    }
    let most_used = |m: &BTreeMap<String, usize>| -> Option<(String, usize)> {
        // max_by_key keeps the last of equals; iterate reversed so ties go to the smaller key.
        m.iter()
            .rev()
            .max_by_key(|(_, n)| **n)
            .map(|(k, n)| (k.clone(), *n))
    };
    seen.into_iter()
        .filter_map(|(type_name, languages)| {
            let totals: BTreeMap<String, usize> = languages
                .iter()
                .map(|(c, spellings)| (c.clone(), spellings.values().sum()))
                .collect();
            let (language, _) = most_used(&totals)?;
            let (spelling, _) = most_used(&languages[&language])?;
            Some((type_name, spelling))
        })
        .collect()
}
