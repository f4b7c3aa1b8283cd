//! `spec/manifest.yaml`: which operations to vendor, the ids they had before, each one's
//! pinned version and, for a deprecated one, its successor. The operation list is read by
//! build.rs's own [`transforms::manifest_operations`], so the build and the xtask agree.

use std::path::Path;

use crate::transforms;
use crate::yaml;
use crate::{Error, Result};

pub use crate::transforms::OperationSpec;

impl OperationSpec {
    /// An entry with no pin and no successor.
    pub fn new(id: &str, formerly: &[&str]) -> Self {
        OperationSpec {
            id: id.to_string(),
            formerly: formerly.iter().map(|s| s.to_string()).collect(),
            ..OperationSpec::default()
        }
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
        let json = serde_json::to_value(&doc).map_err(|e| Error(format!("{name}: {e}")))?;
        let operations =
            transforms::manifest_operations(&json).map_err(|e| Error(format!("{name}: {e}")))?;
        Ok(Manifest {
            upstream,
            operations,
        })
    }
}
