//! Generation pipeline: vendored fragment → small pure transforms → progenitor → OUT_DIR.
//!
//! The vendored `spec/openapi.yaml` stays upstream's text; every adaptation happens
//! in `build/transforms.rs` (unit-tested in `tests/build_transforms.rs`), run in order by
//! `build/pipeline.rs`, which `cargo xtask spec probe` also runs on the whole upstream.

#[path = "build/emit.rs"]
mod emit;
#[path = "build/pipeline.rs"]
mod pipeline;
#[path = "build/renames.rs"]
mod renames;
#[path = "build/transforms.rs"]
mod transforms;

use std::{env, fs, path::PathBuf};

const SPEC: &str = "spec/openapi.yaml";
/// Written by `cargo xtask spec update` from the whole pin: the shared path-parameter
/// types' patterns, so they do not depend on which operations are vendored.
const PATH_PARAMETERS: &str = "build/path-parameters.yaml";
/// Its `updated` date picks the version of an operation the manifest does not pin, so a
/// build does not change with the clock.
const PROVENANCE: &str = "spec/provenance.yaml";
/// Each operation's pinned version and successor. It ships with the package; the
/// upstream file it names is not read here.
const MANIFEST: &str = "spec/manifest.yaml";

fn main() {
    for input in [
        SPEC,
        PROVENANCE,
        MANIFEST,
        PATH_PARAMETERS,
        "build/transforms.rs",
        "build/emit.rs",
        "build/pipeline.rs",
        "build/renames.rs",
        "build.rs",
    ] {
        println!("cargo::rerun-if-changed={input}");
    }
    if let Err(e) = generate() {
        // A failed build script should say what is wrong in one line, not panic.
        println!("cargo::error=atlas-snapshots code generation: {e}");
        std::process::exit(1);
    }
}

fn read_yaml(path: &str) -> Result<serde_json::Value, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("reading {path}: {e}"))?;
    serde_yaml_ng::from_str(&text).map_err(|e| format!("parsing {path}: {e}"))
}

fn generate() -> Result<(), String> {
    let spec = read_yaml(SPEC)?;
    let provenance = read_yaml(PROVENANCE)?;
    let today = provenance["updated"]
        .as_str()
        .ok_or(format!("{PROVENANCE} has no `updated` date"))?;
    let patterns = read_yaml(PATH_PARAMETERS)?
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
        .collect();
    let manifest = transforms::manifest_operations(&read_yaml(MANIFEST)?)
        .map_err(|e| format!("{MANIFEST}: {e}"))?;
    let generated = pipeline::generate(spec, today, &manifest, &patterns)?;
    // A vendored operation without its public method would be a silent gap.
    if !generated.unsupported.is_empty() {
        return Err(format!(
            "no public method can be generated for {}",
            generated.unsupported.join("; ")
        ));
    }

    let out = PathBuf::from(env::var("OUT_DIR").map_err(|e| format!("OUT_DIR: {e}"))?);
    write(
        &out.join("client.rs"),
        &prettyplease::unparse(&generated.client),
    )?;
    write(&out.join("operations.rs"), &generated.operations)?;
    write(
        &out.join("methods.rs"),
        &prettyplease::unparse(&generated.methods),
    )?;
    write(&out.join("options.rs"), &generated.options)
}

fn write(path: &std::path::Path, text: &str) -> Result<(), String> {
    fs::write(path, text).map_err(|e| format!("writing {}: {e}", path.display()))
}
