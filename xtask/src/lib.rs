//! Library half of `cargo xtask`: everything that touches the vendored OpenAPI fragment.
//!
//! * [`manifest`] reads `spec/manifest.yaml` (which operations to vendor, and their former ids).
//! * [`cut`] cuts a fragment out of a full upstream spec: the chosen operations plus every
//!   component they reach through `$ref`, copied unchanged and in upstream order.
//! * [`check`] recuts and compares with the committed fragment (the drift gate).
//! * [`diff`] compares two specs operation by operation and classes each change.
//! * [`update`] writes `spec/openapi.yaml`, `spec/provenance.yaml` and `build/path-parameters.yaml`.
//! * [`probe`] runs every operation of a spec through build.rs's generation pipeline
//!   ([`pipeline`], [`transforms`] and [`emit`] are build.rs's own files, included here;
//!   [`whole_spec`] decides on the whole upstream what build.rs reads from `build/`).
//!
//! `main.rs` only parses arguments; all the logic is here so tests can drive it.

pub mod check;
pub mod cut;
pub mod diff;
#[path = "../../build/emit.rs"]
pub mod emit;
pub mod manifest;
#[path = "../../build/pipeline.rs"]
pub mod pipeline;
pub mod probe;
#[path = "../../build/renames.rs"]
pub mod renames;
#[path = "../../build/transforms.rs"]
pub mod transforms;
pub mod update;
#[path = "../../build/whole_spec.rs"]
pub mod whole_spec;
pub mod yaml;

use std::fmt;
use std::path::{Path, PathBuf};

/// An error with a message meant for a person: it names the file or operation at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(pub String);

impl Error {
    pub fn new(msg: impl Into<String>) -> Self {
        Error(msg.into())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The workspace root (the parent of this crate's directory), fixed at compile time.
///
/// Paths in the manifest and provenance are relative to it, so the commands work from any
/// working directory inside the repository.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Read a file to a string, naming the file on failure.
pub fn read_to_string(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| Error(format!("cannot read {}: {e}", path.display())))
}

/// Read a file's bytes, naming the file on failure.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error(format!("cannot read {}: {e}", path.display())))
}

/// Write a file, naming it on failure.
pub fn write(path: &Path, contents: impl AsRef<[u8]>) -> Result<()> {
    std::fs::write(path, contents)
        .map_err(|e| Error(format!("cannot write {}: {e}", path.display())))
}

/// Lower-case hex sha256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest.iter() {
        out.push_str(&format!("{b:02x}"));
    }
    out
}
