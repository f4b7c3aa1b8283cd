//! What spec/manifest.yaml decides by hand, checked against the upstream: each
//! operation's pinned version. Upstream's rule only proposes; `spec update` prints the
//! proposals, and `spec update` and `spec check` fail on the [`Review::problems`].

use serde_json::Value;

use crate::manifest::OperationSpec;
use crate::transforms::{self, choose_version, version_for, versions_of};

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
    /// A pin naming a version the operation lacks.
    pub problems: Vec<String>,
    pub proposals: Vec<Proposal>,
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

/// Reviews the manifest's operations against the whole `upstream` as of `today`
/// (`YYYY-MM-DD`). Operations upstream lacks are the cut's error, not repeated here.
pub fn review(manifest: &[OperationSpec], upstream: &Value, today: &str) -> Review {
    let mut review = Review::default();
    for entry in manifest {
        let Some(op) = upstream_op(upstream, entry) else {
            continue;
        };
        if let Err(e) = version_for(op, manifest, today) {
            review.problems.push(e);
        }
        if let Some(proposed) = choose_version(&versions_of(op), today)
            && entry.version.as_ref() != Some(&proposed)
        {
            review.proposals.push(Proposal {
                id: entry.id.clone(),
                pinned: entry.version.clone(),
                proposed,
            });
        }
    }
    review
}
