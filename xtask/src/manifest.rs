//! `spec/manifest.yaml`: which operations to vendor, and the ids they had before.

use std::path::Path;

use crate::yaml::{self, Value};
use crate::{Error, Result};

/// One operation to vendor: its current `operationId` and the ids it was known by before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationSpec {
    pub id: String,
    pub formerly: Vec<String>,
}

impl OperationSpec {
    pub fn new(id: &str, formerly: &[&str]) -> Self {
        OperationSpec {
            id: id.to_string(),
            formerly: formerly.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// Every id this operation answers to, current id first.
    pub fn all_ids(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.id.as_str()).chain(self.formerly.iter().map(String::as_str))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// Path of the pinned upstream spec, relative to the workspace root.
    pub upstream: String,
    pub operations: Vec<OperationSpec>,
}

/// Where the manifest lives, relative to the workspace root.
pub const MANIFEST_PATH: &str = "spec/manifest.yaml";

impl Manifest {
    pub fn load(path: &Path) -> Result<Manifest> {
        let text = crate::read_to_string(path)?;
        Manifest::parse(&text, &path.display().to_string())
    }

    pub fn parse(text: &str, name: &str) -> Result<Manifest> {
        let doc = yaml::parse(text, name)?;
        let upstream = yaml::get_str(&doc, "upstream")
            .ok_or_else(|| Error(format!("{name}: `upstream` must be a string path")))?
            .to_string();
        let ops = yaml::get(&doc, "operations")
            .and_then(Value::as_sequence)
            .ok_or_else(|| Error(format!("{name}: `operations` must be a list")))?;
        let mut operations: Vec<OperationSpec> = Vec::new();
        for (i, op) in ops.iter().enumerate() {
            let id = yaml::get_str(op, "id")
                .ok_or_else(|| Error(format!("{name}: operations[{i}] needs a string `id`")))?;
            let formerly = match yaml::get(op, "formerly") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Sequence(seq)) => seq
                    .iter()
                    .map(|v| {
                        v.as_str().map(str::to_string).ok_or_else(|| {
                            Error(format!(
                                "{name}: operation {id}: `formerly` must list strings"
                            ))
                        })
                    })
                    .collect::<Result<Vec<_>>>()?,
                Some(_) => {
                    return Err(Error(format!(
                        "{name}: operation {id}: `formerly` must be a list of ids"
                    )));
                }
            };
            let spec = OperationSpec {
                id: id.to_string(),
                formerly,
            };
            for other in &operations {
                if let Some(dup) = spec.all_ids().find(|a| other.all_ids().any(|b| b == *a)) {
                    return Err(Error(format!(
                        "{name}: id `{dup}` is listed for both {} and {}",
                        other.id, spec.id
                    )));
                }
            }
            operations.push(spec);
        }
        if operations.is_empty() {
            return Err(Error(format!("{name}: `operations` is empty")));
        }
        Ok(Manifest {
            upstream,
            operations,
        })
    }
}
