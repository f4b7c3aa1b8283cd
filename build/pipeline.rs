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
    // Every builder adds it; none is left to send.
    if drop_api_version_header(&mut client) == 0 && !rows.is_empty() {
        return Err(
            "progenitor's `api-version` header is no longer where build/pipeline.rs drops it"
                .into(),
        );
    }
    borrow_path_arguments(&mut client);
    // A name some operation requires is left alone everywhere: its value is no `Option`.
    let required: std::collections::BTreeSet<&str> = rows
        .iter()
        .flat_map(|r| &r.parameters)
        .filter(|p| p.location == "query" && p.required)
        .map(|p| p.name.as_str())
        .collect();
    skip_unset_queries(&mut client, &required);
    add_to_types_module(
        &mut client,
        &(emit::open_enums(&open_enums) + &emit::path_param_impls(&rows)),
    )?;
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
    let extra: syn::File = syn::parse_str(source)
        .map_err(|e| format!("emitted open enums and path-parameter matchers do not parse: {e}"))?;
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

/// Drops the `api-version` header progenitor's builders append to every request (its
/// value is the spec's `info.version`, which Atlas does not read: it versions by
/// `Accept`), and gives the map that held it no capacity, so a request without header
/// parameters allocates none. Returns how many it dropped.
fn drop_api_version_header(file: &mut syn::File) -> usize {
    use quote::ToTokens;
    use syn::visit_mut::VisitMut;

    struct Drop(usize);
    impl VisitMut for Drop {
        fn visit_block_mut(&mut self, block: &mut syn::Block) {
            let before = block.stmts.len();
            block.stmts.retain(|stmt| {
                !matches!(stmt, syn::Stmt::Expr(syn::Expr::MethodCall(call), _)
                    if call.method == "append"
                        && call.to_token_stream().to_string().contains("\"api-version\""))
            });
            if block.stmts.len() < before {
                self.0 += before - block.stmts.len();
                for stmt in &mut block.stmts {
                    if let syn::Stmt::Local(syn::Local {
                        init: Some(init), ..
                    }) = stmt
                        && init
                            .expr
                            .to_token_stream()
                            .to_string()
                            .contains("HeaderMap :: with_capacity")
                    {
                        *init.expr = syn::parse_quote!(::reqwest::header::HeaderMap::new());
                    }
                }
            }
            syn::visit_mut::visit_block_mut(self, block);
        }
    }
    let mut drop = Drop(0);
    drop.visit_file_mut(file);
    drop.0
}

/// `encode_path(&group_id.to_string())` → `crate::ext::client::path_segment(&group_id)`
/// in the URLs progenitor formats. Every path parameter is a validated string type that
/// derefs to `str` (build.rs refuses operations with any other), so the copy only cost
/// an allocation; and `path_segment` encodes as `encode_path` does but borrows a
/// segment with nothing to escape, sparing another. A type that did not deref to `str`
/// would not compile.
fn borrow_path_arguments(file: &mut syn::File) {
    use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
    use syn::visit_mut::VisitMut;

    /// `& name . to_string ()` → `& name`.
    fn borrowed(args: &TokenStream) -> Option<TokenStream> {
        let tokens: Vec<TokenTree> = args.clone().into_iter().collect();
        match tokens.as_slice() {
            [
                TokenTree::Punct(amp),
                TokenTree::Ident(name),
                TokenTree::Punct(dot),
                TokenTree::Ident(method),
                TokenTree::Group(call),
            ] if amp.as_char() == '&'
                && dot.as_char() == '.'
                && method == "to_string"
                && call.delimiter() == Delimiter::Parenthesis
                && call.stream().is_empty() =>
            {
                Some(TokenStream::from_iter([
                    TokenTree::Punct(amp.clone()),
                    TokenTree::Ident(name.clone()),
                ]))
            }
            _ => None,
        }
    }

    fn rewrite(stream: TokenStream) -> TokenStream {
        let trees: Vec<TokenTree> = stream.into_iter().collect();
        let mut out = TokenStream::new();
        let mut i = 0;
        while i < trees.len() {
            if let (TokenTree::Ident(name), Some(TokenTree::Group(args))) =
                (&trees[i], trees.get(i + 1))
                && name == "encode_path"
                && let Some(borrowed) = borrowed(&args.stream())
            {
                out.extend(quote::quote!(crate::ext::client::path_segment));
                let mut call = Group::new(Delimiter::Parenthesis, borrowed);
                call.set_span(args.span());
                out.extend([TokenTree::Group(call)]);
                i += 2;
                continue;
            }
            let tree = match &trees[i] {
                TokenTree::Group(group) => {
                    let mut new = Group::new(group.delimiter(), rewrite(group.stream()));
                    new.set_span(group.span());
                    TokenTree::Group(new)
                }
                other => other.clone(),
            };
            out.extend([tree]);
            i += 1;
        }
        out
    }

    struct Borrow;
    impl VisitMut for Borrow {
        fn visit_macro_mut(&mut self, mac: &mut syn::Macro) {
            mac.tokens = rewrite(std::mem::take(&mut mac.tokens));
        }
    }
    Borrow.visit_file_mut(file);
}

/// `builder.query(&progenitor_client::QueryParam::new("envelope", &envelope))` →
/// `crate::ext::client::query_if_set(builder, "envelope", &envelope)` for each optional
/// query parameter (not in `required`): a `None` adds nothing to the URL, but reqwest's
/// `query` still opens and re-parses the URL's query to add it (about 0.9k instructions
/// each, per callgrind). A value that is no `Option` would not compile.
fn skip_unset_queries(file: &mut syn::File, required: &std::collections::BTreeSet<&str>) {
    use syn::visit_mut::VisitMut;

    /// `("envelope", envelope)` of `&progenitor_client::QueryParam::new("envelope", &envelope)`.
    fn query_param(arg: &syn::Expr) -> Option<(syn::LitStr, syn::Expr)> {
        let syn::Expr::Reference(reference) = arg else {
            return None;
        };
        let syn::Expr::Call(call) = &*reference.expr else {
            return None;
        };
        let syn::Expr::Path(path) = &*call.func else {
            return None;
        };
        let segments: Vec<String> = path
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        if segments != ["progenitor_client", "QueryParam", "new"] || call.args.len() != 2 {
            return None;
        }
        let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(name),
            ..
        }) = &call.args[0]
        else {
            return None;
        };
        Some((name.clone(), call.args[1].clone()))
    }

    struct Skip<'a>(&'a std::collections::BTreeSet<&'a str>);
    impl VisitMut for Skip<'_> {
        fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
            syn::visit_mut::visit_expr_mut(self, expr);
            let syn::Expr::MethodCall(call) = expr else {
                return;
            };
            if call.method != "query" || call.args.len() != 1 {
                return;
            }
            let Some((name, value)) = query_param(&call.args[0]) else {
                return;
            };
            if self.0.contains(name.value().as_str()) {
                return;
            }
            let builder = &call.receiver;
            *expr = syn::parse_quote!(crate::ext::client::query_if_set(#builder, #name, #value));
        }
    }
    Skip(required).visit_file_mut(file);
}
