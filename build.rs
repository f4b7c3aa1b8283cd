//! Generation pipeline: vendored fragment → small pure transforms → progenitor → OUT_DIR.
//!
//! The vendored `spec/openapi.yaml` stays upstream's text; every adaptation happens
//! here (see `build/transforms.rs`, unit-tested in `tests/build_transforms.rs`).

#[path = "build/emit.rs"]
mod emit;
#[path = "build/renames.rs"]
mod renames;
#[path = "build/transforms.rs"]
mod transforms;

use std::{env, fs, path::PathBuf};

const SPEC: &str = "spec/openapi.yaml";

fn main() {
    for input in [
        SPEC,
        "build/transforms.rs",
        "build/emit.rs",
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

fn generate() -> Result<(), String> {
    let text = fs::read_to_string(SPEC).map_err(|e| format!("reading {SPEC}: {e}"))?;
    let mut spec: serde_json::Value =
        serde_yaml_ng::from_str(&text).map_err(|e| format!("parsing {SPEC}: {e}"))?;

    // Read the lifecycle facts first: later transforms rewrite media types and ids.
    let rows = transforms::operation_rows(&spec)?;
    transforms::apply_operation_id_overrides(&mut spec);
    transforms::fence_description_code_as_text(&mut spec);
    transforms::normalize_media_types(&mut spec);
    transforms::relax_error_parameters(&mut spec);
    let mut open_enums = transforms::extract_open_enums(&mut spec);
    renames::apply(&mut spec, &mut open_enums)?;
    transforms::relax_response_constraints(&mut spec, &[]);
    transforms::hoist_path_parameters(&mut spec)?;

    let openapi: openapiv3::OpenAPI = serde_json::from_value(spec)
        .map_err(|e| format!("the transformed spec is not OpenAPI 3.0: {e}"))?;

    let mut settings = progenitor::GenerationSettings::default();
    settings
        .with_interface(progenitor::InterfaceStyle::Builder)
        .with_tag(progenitor::TagStyle::Merged)
        .with_hooks(progenitor::HooksMode::Expected)
        .with_inner_type(quote::quote! { crate::ext::Inner })
        .with_derive("PartialEq");
    for e in &open_enums {
        settings.with_replacement(
            &e.name,
            format!("crate::generated::types::{}", e.name),
            [progenitor::TypeImpl::Display, progenitor::TypeImpl::FromStr].into_iter(),
        );
    }
    let tokens = progenitor::Generator::new(&settings)
        .generate_tokens(&openapi)
        .map_err(|e| format!("progenitor: {e}"))?;
    let mut file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("progenitor emitted invalid Rust: {e}"))?;
    add_to_types_module(&mut file, &emit::open_enums(&open_enums))?;

    let out = PathBuf::from(env::var("OUT_DIR").map_err(|e| format!("OUT_DIR: {e}"))?);
    write(&out.join("client.rs"), &prettyplease::unparse(&file))?;
    write(&out.join("operations.rs"), &emit::operation_table(&rows))
}

fn write(path: &std::path::Path, text: &str) -> Result<(), String> {
    fs::write(path, text).map_err(|e| format!("writing {}: {e}", path.display()))
}

/// Appends items (given as source) to progenitor's `pub mod types`.
fn add_to_types_module(file: &mut syn::File, source: &str) -> Result<(), String> {
    let extra: syn::File =
        syn::parse_str(source).map_err(|e| format!("emitted open enums do not parse: {e}"))?;
    let types = file
        .items
        .iter_mut()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "types" => m.content.as_mut(),
            _ => None,
        })
        .ok_or("progenitor emitted no `types` module")?;
    types.1.extend(extra.items);
    Ok(())
}
