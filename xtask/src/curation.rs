//! What spec/manifest.yaml decides by hand, checked against the upstream: each
//! operation's pinned version, and each deprecated operation's successor. Upstream's
//! rule and `externalDocs` links only propose; `spec update` prints the proposals, and
//! `spec update` and `spec check` fail on the [`Review::problems`].

use serde_json::Value;

use crate::manifest::OperationSpec;
use crate::transforms::{self, choose_version, version_for, versions_of};
use crate::whole_spec::suggested_successor;

/// The version upstream's rule picks for an operation, where it differs from the pin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub id: String,
    /// `None` when the manifest pins nothing.
    pub pinned: Option<String>,
    pub proposed: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Review {
    /// A pin naming a version the operation lacks, a deprecated operation without a
    /// successor, a successor that is not vendored or not live.
    pub problems: Vec<String>,
    pub proposals: Vec<Proposal>,
    /// `ID: upstream's docs link suggests X`, where that differs from the manifest.
    pub suggestions: Vec<String>,
}

fn upstream_op<'a>(upstream: &'a Value, entry: &OperationSpec) -> Option<&'a Value> {
    transforms::operations(upstream)
        .into_iter()
        .map(|(_, _, op)| op)
        .find(|op| {
            op.get("operationId")
                .and_then(Value::as_str)
                .is_some_and(|id| entry.all_ids().any(|i| i == id))
        })
}

fn deprecated(op: &Value) -> bool {
    op.get("deprecated").and_then(Value::as_bool) == Some(true)
}

/// Reviews the manifest's operations against the whole `upstream` as of `today`
/// (`YYYY-MM-DD`). Operations upstream lacks are the cut's error, not repeated here.
pub fn review(manifest: &[OperationSpec], upstream: &Value, today: &str) -> Review {
    let mut review = Review::default();
    for entry in manifest {
        let Some(op) = upstream_op(upstream, entry) else {
            continue;
        };
        let id = &entry.id;
        if let Err(e) = version_for(op, manifest, today) {
            review.problems.push(e);
        }
        if let Some(proposed) = choose_version(&versions_of(op), today)
            && entry.version.as_ref() != Some(&proposed)
        {
            review.proposals.push(Proposal {
                id: id.clone(),
                pinned: entry.version.clone(),
                proposed,
            });
        }
        let suggested = deprecated(op)
            .then(|| suggested_successor(upstream, op))
            .flatten();
        if let Some(s) = &suggested
            && entry.successor.as_ref() != Some(s)
        {
            review
                .suggestions
                .push(format!("{id}: upstream's docs link suggests {s}"));
        }
        match (&entry.successor, deprecated(op)) {
            (None, false) => {}
            (None, true) => review.problems.push(format!(
                "{id} is deprecated upstream: name its `successor` in spec/manifest.yaml{}",
                suggested.map_or(String::new(), |s| format!(
                    " (upstream's docs link suggests {s})"
                ))
            )),
            (Some(s), false) => review.problems.push(format!(
                "{id} is not deprecated, so it has no `successor` (the manifest names {s})"
            )),
            (Some(s), true) => {
                if let Some(problem) = dead_successor(manifest, upstream, id, s, today) {
                    review.problems.push(problem);
                }
            }
        }
    }
    review
}

/// Why successor `s` of `id` cannot replace it, if it cannot: it must be vendored (the
/// deprecation note names its method), not deprecated, and its version not sunset.
fn dead_successor(
    manifest: &[OperationSpec],
    upstream: &Value,
    id: &str,
    s: &str,
    today: &str,
) -> Option<String> {
    let Some(entry) = transforms::manifest_entry(manifest, s) else {
        return Some(format!(
            "{id}: its successor {s} is not in spec/manifest.yaml; vendor it too"
        ));
    };
    let op = upstream_op(upstream, entry)?;
    if deprecated(op) {
        return Some(format!("{id}: its successor {s} is deprecated too"));
    }
    let version = version_for(op, manifest, today).ok()??;
    let sunset = versions_of(op)
        .into_iter()
        .filter(|(v, _)| *v == version)
        .find_map(|(_, sunset)| sunset)?;
    (sunset.as_str() <= today)
        .then(|| format!("{id}: its successor {s} is sunset: version {version} on {sunset}"))
}
