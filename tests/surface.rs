//! The public surface, rendered to `tests/surface.txt` and compared: any change of the
//! spec or of the hand-written layer that changes what users call or read shows up here,
//! in review. The generated operations and types come first, then every public item
//! reachable from the crate root with its one path, read from the sources with `syn`
//! (rustdoc's JSON would need nightly). A second path to any item fails the build.
//!
//! Accept a change: `ACCEPT_SURFACE=1 cargo test --all-features --test surface`, then
//! commit the file.

mod surface_walk;
use surface_walk as walk;

use std::fmt::Write as _;

use quote::ToTokens;

const GENERATED: &str = include_str!(concat!(env!("OUT_DIR"), "/client.rs"));
const SNAPSHOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/surface.txt");

/// Token text without the spaces `to_string` puts around punctuation.
pub(crate) fn tight(tokens: impl ToTokens) -> String {
    let mut text = tokens.to_token_stream().to_string();
    for (from, to) in [
        (" :: ", "::"),
        (":: ", "::"),
        (" < ", "<"),
        (" <", "<"),
        ("< ", "<"),
        (" >", ">"),
        (" ,", ","),
        ("& ", "&"),
        ("' ", "'"),
    ] {
        text = text.replace(from, to);
    }
    text.replace(",>", ">")
        .replace("::std::option::", "")
        .replace("::std::string::", "")
        .replace("::std::vec::", "")
        .replace("::chrono::offset::", "")
        .replace("::chrono::", "")
        .replace("::serde_json::", "serde_json::")
        .replace("::std::num::", "")
        .replace("types::", "")
        .replace("crate::generated::", "")
}

fn module<'a>(items: &'a [syn::Item], name: &str) -> &'a [syn::Item] {
    items
        .iter()
        .find_map(|i| match i {
            syn::Item::Mod(m) if m.ident == name => m.content.as_ref().map(|c| c.1.as_slice()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no module {name} in the generated code"))
}

fn render() -> String {
    let file = syn::parse_file(GENERATED).expect("generated code parses");
    let mut out = String::from(
        "# Public surface. Accept changes: ACCEPT_SURFACE=1 cargo test --all-features --test surface\n\n## Operations\n",
    );
    for op in atlas_snapshots::operations::ALL {
        writeln!(
            out,
            "{} ({}): {} {} [{}]{}{}{}",
            op.method_name,
            op.spec_id,
            op.http_method,
            op.path,
            op.media_type,
            if op.deprecated { " deprecated" } else { "" },
            op.sunset
                .map(|s| format!(" sunset={s}"))
                .unwrap_or_default(),
            op.successor
                .map(|s| format!(" successor={s}"))
                .unwrap_or_default(),
        )
        .unwrap();
        // The parameters progenitor's builder for this operation takes.
        let builder_name: String = op
            .method_name
            .split('_')
            .map(|w| w[..1].to_uppercase() + &w[1..])
            .collect();
        let builder = module(&file.items, "builder")
            .iter()
            .find_map(|i| match i {
                syn::Item::Struct(s) if s.ident == builder_name => Some(s),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no builder {builder_name}"));
        for field in &builder.fields {
            let name = field.ident.as_ref().unwrap();
            if name == "client" {
                continue;
            }
            let ty = tight(&field.ty)
                .replace("Result<", "")
                .replace(", String>", "");
            writeln!(out, "    {name}: {ty}").unwrap();
        }
    }
    out.push_str("\n## Types\n");
    for item in module(&file.items, "types") {
        match item {
            syn::Item::Struct(s) if matches!(s.vis, syn::Visibility::Public(_)) => {
                writeln!(out, "struct {}", s.ident).unwrap();
                for field in &s.fields {
                    let name = field
                        .ident
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_else(|| "0".into());
                    // The wire name, where it differs from the field's.
                    let rename = field
                        .attrs
                        .iter()
                        .filter(|a| a.path().is_ident("serde"))
                        .find_map(|a| {
                            let text = a.to_token_stream().to_string();
                            let start = text.find("rename = \"")? + "rename = \"".len();
                            let len = text[start..].find('"')?;
                            Some(format!("  (wire: {})", &text[start..start + len]))
                        })
                        .unwrap_or_default();
                    writeln!(out, "    {name}: {}{rename}", tight(&field.ty)).unwrap();
                }
            }
            syn::Item::Enum(e) if matches!(e.vis, syn::Visibility::Public(_)) => {
                writeln!(out, "enum {}", e.ident).unwrap();
                for v in &e.variants {
                    writeln!(out, "    {}", tight(v)).unwrap();
                }
            }
            syn::Item::Macro(m) => {
                let text = tight(&m.mac.tokens);
                let body = text.rsplit_once("] ").map_or(text.as_str(), |(_, b)| b);
                writeln!(out, "open enum {body}").unwrap();
            }
            _ => {}
        }
    }
    out.push_str("\n## Public items, one path each\n");
    out.push_str(&walk::Crate::load().render());
    out
}

#[test]
fn the_public_surface_matches_the_committed_snapshot() {
    let now = render();
    if std::env::var_os("ACCEPT_SURFACE").is_some() {
        std::fs::write(SNAPSHOT, &now).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(SNAPSHOT).unwrap_or_default();
    if committed != now {
        let diff: Vec<String> = diff_lines(&committed, &now);
        panic!(
            "the public surface changed ({} lines differ); review, then accept with \
             `ACCEPT_SURFACE=1 cargo test --all-features --test surface`:\n{}",
            diff.len(),
            diff.join("\n")
        );
    }
}

/// Lines only in the old (`-`) or only in the new (`+`) rendering.
fn diff_lines(old: &str, new: &str) -> Vec<String> {
    let old_lines: Vec<&str> = old.lines().collect();
    let new_lines: Vec<&str> = new.lines().collect();
    let mut out: Vec<String> = old_lines
        .iter()
        .filter(|l| !new_lines.contains(l))
        .map(|l| format!("- {l}"))
        .collect();
    out.extend(
        new_lines
            .iter()
            .filter(|l| !old_lines.contains(l))
            .map(|l| format!("+ {l}")),
    );
    out
}

#[test]
fn every_public_item_has_exactly_one_path() {
    let krate = walk::Crate::load();
    let twice = krate.items_with_several_paths();
    assert!(
        twice.is_empty(),
        "items reachable by more than one path (make the module private, or drop the \
         re-export):\n{}",
        twice.join("\n")
    );
}
