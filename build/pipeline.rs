//! The whole generation, spec in, Rust out: the transforms in order, then progenitor.
//! build.rs writes what it returns; `cargo xtask spec probe` runs it on every upstream
//! operation (without compiling the result), so both run exactly this code.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{emit, renames, transforms};

/// What build.rs writes to `OUT_DIR`.
pub struct Generated {
    /// progenitor's client with the open enums added to its `types` module.
    pub client: syn::File,
    /// The operation table (`operations.rs`).
    pub operations: String,
    /// The public `Client` methods, `PageView` impls, paging streams and `Client::invoke`
    /// (`methods.rs`).
    pub methods: syn::File,
    /// The options structs of the operations with query options (`options.rs`).
    pub options: String,
    /// `id: reason` of each operation without a public method (see
    /// `OperationRow::unsupported`): build.rs refuses to build with any.
    pub unsupported: Vec<String>,
}

/// `manifest` (spec/manifest.yaml's operations) pins versions and names successors;
/// `today` (`YYYY-MM-DD`) picks the version of an operation it does not pin; `patterns`
/// (decided on the whole upstream by `whole_spec::path_parameter_patterns`) the shared
/// path-parameter types' patterns.
pub fn generate(
    mut spec: Value,
    today: &str,
    manifest: &[transforms::OperationSpec],
    patterns: &BTreeMap<String, String>,
) -> Result<Generated, String> {
    // What versions there are, for the table, before one per operation is kept.
    let versions = transforms::versions_by_operation(&spec);
    // One version per operation before anything reads media types.
    transforms::select_versions(&mut spec, today, manifest)?;
    // The lifecycle facts next: later transforms rewrite media types and ids.
    let mut rows = transforms::operation_rows(&spec, manifest)?;
    for row in &mut rows {
        if let Some((_, v)) = versions
            .iter()
            .find(|((path, method), _)| *path == row.path && *method == row.method)
        {
            row.versions = v.clone();
        }
    }
    transforms::apply_operation_id_overrides(&mut spec);
    transforms::fence_description_code_as_text(&mut spec);
    transforms::drop_schemaless_json(&mut spec);
    transforms::normalize_media_types(&mut spec);
    transforms::optional_success_bodies(&mut spec);
    transforms::merge_error_bodies(&mut spec)?;
    transforms::inline_oneof_parents(&mut spec);
    transforms::relax_error_parameters(&mut spec);
    transforms::request_body_views(&mut spec)?;
    let mut open_enums = transforms::extract_open_enums(&mut spec)?;
    renames::apply(&mut spec, &mut open_enums)?;
    transforms::relax_response_constraints(&mut spec);
    transforms::hoist_path_parameters(&mut spec, patterns)?;
    transforms::share_body_id_types(&mut spec, patterns);
    // Parameters and bodies as progenitor will see them: hoisted types, final names.
    transforms::describe_operations(&spec, &mut rows)?;

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
    let mut client: syn::File =
        syn::parse2(tokens).map_err(|e| format!("progenitor emitted invalid Rust: {e}"))?;
    add_to_types_module(&mut client, &emit::open_enums(&open_enums))?;
    let methods = syn::parse_file(&(emit::client_methods(&rows) + &emit::dispatcher(&rows)))
        .map_err(|e| format!("the emitted client methods do not parse: {e}"))?;
    Ok(Generated {
        client,
        operations: emit::operation_table(&rows),
        methods,
        options: emit::options(&rows),
        unsupported: rows
            .iter()
            .filter_map(|r| Some(format!("{}: {}", r.id, r.unsupported.as_ref()?)))
            .collect(),
    })
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
