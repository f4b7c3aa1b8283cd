//! Every public item of the crate with the paths it is reachable by, read from the
//! sources with `syn`: the module tree from `src/lib.rs` (the generated code from
//! `OUT_DIR`, where `src/generated.rs` includes it), each `pub` item of a public module,
//! and each `pub use`, resolved through the module tree to the item it names.
//!
//! It resolves what this crate writes: `crate::`, `self::`, `super::` and child-module
//! paths, renames and groups, and imports followed through other imports. Anything it
//! cannot resolve inside the crate is an external item (a re-exported dependency would
//! be listed as such). A glob re-export or an unknown item macro in a public module
//! fails loudly instead of being skipped.

use std::{
    collections::BTreeMap,
    fmt::Write as _,
    path::{Path, PathBuf},
};

use quote::ToTokens;

use crate::tight;

/// [`tight`] for signatures, variants and attributes too: no space before `(` or `:`, none
/// after `#`, no trailing commas.
fn text(tokens: impl ToTokens) -> String {
    let mut t = tight(tokens);
    for (from, to) in [
        ("# [", "#["),
        (" (", "("),
        (" : ", ": "),
        (" ;", ";"),
        (",)", ")"),
        (", }", " }"),
        ("->(", "-> ("),
        ("=(", "= ("),
    ] {
        t = t.replace(from, to);
    }
    t
}

const CRATE: &str = "atlas_snapshots";

/// A module of the crate: its path from the root and its items.
struct Module {
    path: Vec<String>,
    items: Vec<syn::Item>,
    /// The file (for the listing), relative to the manifest directory.
    file: String,
    /// Whether it is code build.rs generated.
    generated: bool,
}

/// An item: the module that defines it and its name there.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct ItemId {
    module: Vec<String>,
    name: String,
}

/// The crate's module tree.
pub struct Crate {
    modules: BTreeMap<Vec<String>, Module>,
}

fn is_cfg_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.to_token_stream().to_string().replace(' ', "") == "#[cfg(test)]"
    })
}

fn is_pub(vis: &syn::Visibility) -> bool {
    matches!(vis, syn::Visibility::Public(_))
}

/// `include!(concat!(env!("OUT_DIR"), "/client.rs"))` → the file's name and items.
fn included_items(mac: &syn::Macro) -> Option<(String, Vec<syn::Item>)> {
    if !mac.path.is_ident("include") {
        return None;
    }
    let text = mac.tokens.to_string();
    let start = text.find("\"/")? + 2;
    let name = &text[start..start + text[start..].find('"')?];
    let path = Path::new(env!("OUT_DIR")).join(name);
    let source = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    Some((
        name.to_owned(),
        syn::parse_file(&source)
            .expect("generated code parses")
            .items,
    ))
}

/// progenitor's output: its modules are listed by name only and its impls skipped. The
/// other `OUT_DIR` files (build/emit.rs: the operation table, the `Client` methods, the
/// options) are this crate's surface and are walked like hand-written code.
const PROGENITOR_OUTPUT: &str = "client.rs";

/// A module's items with `include!`d files spliced in, each marked whether it came from
/// progenitor's output.
fn expand(items: Vec<syn::Item>) -> Vec<(syn::Item, bool)> {
    let mut out = Vec::new();
    for item in items {
        match &item {
            syn::Item::Macro(m) => match included_items(&m.mac) {
                Some((name, included)) => {
                    let progenitor = name == PROGENITOR_OUTPUT;
                    out.extend(included.into_iter().map(|i| (i, progenitor)));
                }
                None => out.push((item, false)),
            },
            _ => out.push((item, false)),
        }
    }
    out
}

impl Crate {
    /// Reads the module tree from `src/lib.rs`.
    pub fn load() -> Crate {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut krate = Crate {
            modules: BTreeMap::new(),
        };
        let lib = root.join("src/lib.rs");
        krate.load_file(Vec::new(), &lib, root.join("src"), false, root);
        krate
    }

    fn load_file(
        &mut self,
        path: Vec<String>,
        file: &Path,
        dir: PathBuf,
        generated: bool,
        root: &Path,
    ) {
        let source = std::fs::read_to_string(file)
            .unwrap_or_else(|e| panic!("reading {}: {e}", file.display()));
        let items = syn::parse_file(&source)
            .unwrap_or_else(|e| panic!("{} does not parse: {e}", file.display()))
            .items;
        let name = file.strip_prefix(root).unwrap().display().to_string();
        self.add(path, items, dir, name, generated, root);
    }

    fn add(
        &mut self,
        path: Vec<String>,
        items: Vec<syn::Item>,
        dir: PathBuf,
        file: String,
        generated: bool,
        root: &Path,
    ) {
        let marked = expand(items);
        let inherited = generated;
        let generated = inherited || marked.iter().any(|(_, progenitor)| *progenitor);
        let items: Vec<syn::Item> = marked.iter().map(|(i, _)| i.clone()).collect();
        for (item, progenitor) in &marked {
            // A module progenitor wrote is opaque; one written around an include is not.
            let generated = inherited || *progenitor;
            let syn::Item::Mod(m) = item else { continue };
            if is_cfg_test(&m.attrs) {
                continue;
            }
            let mut child = path.clone();
            child.push(m.ident.to_string());
            let child_dir = dir.join(m.ident.to_string());
            match &m.content {
                Some((_, inner)) => self.add(
                    child,
                    inner.clone(),
                    child_dir,
                    file.clone(),
                    generated,
                    root,
                ),
                None => {
                    let flat = dir.join(format!("{}.rs", m.ident));
                    let (file, child_dir) = if flat.exists() {
                        (flat, child_dir)
                    } else {
                        (child_dir.join("mod.rs"), child_dir)
                    };
                    self.load_file(child, &file, child_dir, generated, root);
                }
            }
        }
        self.modules.insert(
            path.clone(),
            Module {
                path,
                items,
                file,
                generated,
            },
        );
    }

    /// What `segments`, written in module `from`, names: a module (`name` empty) or an
    /// item, following imports. `None` for anything outside the crate.
    fn resolve(&self, from: &[String], segments: &[String], depth: usize) -> Option<ItemId> {
        assert!(
            depth < 32,
            "import cycle resolving {segments:?} in {from:?}"
        );
        let (first, rest) = segments.split_first()?;
        let (mut module, rest): (Vec<String>, &[String]) = match first.as_str() {
            "crate" => (Vec::new(), rest),
            "self" => (from.to_vec(), rest),
            "super" => (from[..from.len().checked_sub(1)?].to_vec(), rest),
            _ => (from.to_vec(), segments),
        };
        for (i, segment) in rest.iter().enumerate() {
            let last = i + 1 == rest.len();
            if segment == "super" {
                module.pop();
                continue;
            }
            let mut child = module.clone();
            child.push(segment.clone());
            if self.modules.contains_key(&child) {
                module = child;
                continue;
            }
            let here = self.modules.get(&module)?;
            // An import of that name in this module: follow it.
            if let Some(target) = self
                .imports(here)
                .into_iter()
                .find(|(alias, _, _)| alias == segment)
            {
                let (_, path, _) = target;
                let found = self.resolve(&module, &path, depth + 1)?;
                if last {
                    return Some(found);
                }
                let mut next = found.module.clone();
                if !found.name.is_empty() {
                    next.push(found.name.clone());
                }
                let mut tail = vec!["crate".to_owned()];
                tail.extend(next);
                tail.extend(rest[i + 1..].iter().cloned());
                return self.resolve(&[], &tail, depth + 1);
            }
            return last
                .then(|| defines(here, segment))
                .flatten()
                .map(|_| ItemId {
                    module: module.clone(),
                    name: segment.clone(),
                });
        }
        Some(ItemId {
            module,
            name: String::new(),
        })
    }

    /// The module's imports as `(name, path, public)`; `self` in a group names the prefix.
    fn imports(&self, module: &Module) -> Vec<(String, Vec<String>, bool)> {
        let mut out = Vec::new();
        for item in &module.items {
            if let syn::Item::Use(u) = item {
                flatten(&u.tree, Vec::new(), is_pub(&u.vis), &mut out);
            }
        }
        out
    }

    /// Every public path, each with the item it names.
    fn paths(&self) -> Vec<(Vec<String>, ItemId)> {
        let mut out = Vec::new();
        self.walk(&[], vec![CRATE.to_owned()], &mut out, 0);
        out
    }

    fn walk(
        &self,
        module: &[String],
        at: Vec<String>,
        out: &mut Vec<(Vec<String>, ItemId)>,
        depth: usize,
    ) {
        assert!(depth < 16, "module re-export cycle at {at:?}");
        let here = &self.modules[module];
        for item in &here.items {
            let (vis, name) = match item {
                syn::Item::Use(_) => continue,
                syn::Item::Mod(m) if is_cfg_test(&m.attrs) => continue,
                syn::Item::Macro(m) => {
                    if let Some(name) = macro_item_name(m) {
                        let mut path = at.clone();
                        path.push(name.clone());
                        out.push((
                            path,
                            ItemId {
                                module: module.to_vec(),
                                name,
                            },
                        ));
                    } else {
                        // `compile_error!` names no item: it only guards feature sets.
                        assert!(
                            m.mac.path.is_ident("macro_rules")
                                || m.mac.path.is_ident("compile_error"),
                            "{}: unknown item macro `{}` in a public module; teach tests/surface_walk",
                            here.file,
                            tight(&m.mac.path)
                        );
                    }
                    continue;
                }
                other => match item_vis_and_name(other) {
                    Some(v) => v,
                    None => continue,
                },
            };
            if !is_pub(vis) {
                continue;
            }
            let mut path = at.clone();
            path.push(name.clone());
            let mut child = module.to_vec();
            child.push(name.clone());
            if matches!(item, syn::Item::Mod(_)) {
                out.push((
                    path.clone(),
                    ItemId {
                        module: child.clone(),
                        name: String::new(),
                    },
                ));
                self.walk(&child, path, out, depth + 1);
            } else {
                out.push((
                    path,
                    ItemId {
                        module: module.to_vec(),
                        name,
                    },
                ));
            }
        }
        for (alias, target, public) in self.imports(here) {
            if !public {
                continue;
            }
            assert!(
                alias != "*",
                "{}: glob re-export `{}::*`; name the items instead",
                here.file,
                target.join("::")
            );
            let mut path = at.clone();
            path.push(alias);
            let Some(id) = self.resolve(module, &target, 0) else {
                out.push((
                    path,
                    ItemId {
                        module: vec!["<external>".into()],
                        name: target.join("::"),
                    },
                ));
                continue;
            };
            out.push((path.clone(), id.clone()));
            if id.name.is_empty() {
                self.walk(&id.module, path, out, depth + 1);
            }
        }
    }

    /// `path: item` lines of every item that more than one public path reaches.
    pub fn items_with_several_paths(&self) -> Vec<String> {
        let mut by_item: BTreeMap<ItemId, Vec<String>> = BTreeMap::new();
        for (path, id) in self.paths() {
            by_item.entry(id).or_default().push(path.join("::"));
        }
        by_item
            .into_iter()
            .filter(|(_, paths)| paths.len() > 1)
            .map(|(id, paths)| format!("{}: {}", describe(&id), paths.join(", ")))
            .collect()
    }

    /// One block per public item, sorted by path: its path, kind and file; for the
    /// hand-written ones also attributes, public fields or variants, public methods and
    /// the traits implemented for it.
    pub fn render(&self) -> String {
        let mut paths = self.paths();
        paths.sort();
        let mut out = String::new();
        for (path, id) in &paths {
            let path = path.join("::");
            let Some(module) = self.modules.get(&id.module) else {
                writeln!(out, "{path}: re-export of the external `{}`", id.name).unwrap();
                continue;
            };
            let origin = if module.generated {
                "generated"
            } else {
                &module.file
            };
            if id.name.is_empty() {
                writeln!(out, "mod {path}  ({origin})").unwrap();
                // The `mod` item, in its parent, carries the module's `cfg`.
                let (name, parent) = id.module.split_last().expect("not the root");
                if let Some(item) = self.modules.get(parent).and_then(|p| defines(p, name)) {
                    for attr in notable_attrs(item_attrs(item)) {
                        writeln!(out, "    {attr}").unwrap();
                    }
                }
                continue;
            }
            let item = defines(module, &id.name)
                .unwrap_or_else(|| panic!("{path} resolves to {id:?}, which is not defined there"));
            writeln!(out, "{} {path}{}  ({origin})", kind(item), generics(item)).unwrap();
            if module.generated {
                continue;
            }
            self.render_item(&mut out, module, item);
        }
        out
    }

    fn render_item(&self, out: &mut String, module: &Module, item: &syn::Item) {
        for attr in notable_attrs(item_attrs(item)) {
            writeln!(out, "    {attr}").unwrap();
        }
        match item {
            syn::Item::Struct(s) => {
                for field in s.fields.iter().filter(|f| is_pub(&f.vis)) {
                    let name = field
                        .ident
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default();
                    writeln!(out, "    pub {name}: {}", tight(&field.ty)).unwrap();
                }
            }
            syn::Item::Enum(e) => {
                for v in &e.variants {
                    let mut v = v.clone();
                    v.attrs.clear();
                    v.fields.iter_mut().for_each(|f| f.attrs.clear());
                    writeln!(out, "    {}", text(&v)).unwrap();
                }
            }
            syn::Item::Trait(t) => {
                for ti in &t.items {
                    match ti {
                        syn::TraitItem::Fn(f) => writeln!(out, "    {}", text(&f.sig)).unwrap(),
                        syn::TraitItem::Type(ty) => {
                            let mut ty = ty.clone();
                            ty.attrs.clear();
                            writeln!(out, "    {}", text(&ty)).unwrap()
                        }
                        _ => {}
                    }
                }
            }
            syn::Item::Const(c) => writeln!(out, "    : {}", tight(&c.ty)).unwrap(),
            syn::Item::Fn(f) => writeln!(out, "    {}", text(&f.sig)).unwrap(),
            syn::Item::Type(t) => writeln!(out, "    = {}", tight(&t.ty)).unwrap(),
            _ => {}
        }
        let id = ItemId {
            module: module.path.clone(),
            name: item_vis_and_name(item).map(|(_, n)| n).unwrap_or_default(),
        };
        let mut methods = Vec::new();
        let mut traits = Vec::new();
        for m in self.modules.values().filter(|m| !m.generated) {
            for imp in m.items.iter().filter_map(|i| match i {
                syn::Item::Impl(imp) if !is_cfg_test(&imp.attrs) => Some(imp),
                _ => None,
            }) {
                let syn::Type::Path(self_ty) = &*imp.self_ty else {
                    continue;
                };
                let segments: Vec<String> = self_ty
                    .path
                    .segments
                    .iter()
                    .map(|s| s.ident.to_string())
                    .collect();
                let self_id = self.resolve(&m.path, &segments, 0);
                match &imp.trait_ {
                    Some((trait_path, _)) => {
                        let trait_segments: Vec<String> = trait_path
                            .segments
                            .iter()
                            .map(|s| s.ident.to_string())
                            .collect();
                        if self_id.as_ref() == Some(&id) {
                            traits.push(format!("impl {}", text(trait_path)));
                        } else if self.resolve(&m.path, &trait_segments, 0).as_ref() == Some(&id) {
                            // A hand-written trait: its implementors are part of the surface.
                            traits.push(format!("impl for {}", text(&imp.self_ty)));
                        }
                    }
                    None if self_id.as_ref() == Some(&id) => {
                        for ii in &imp.items {
                            methods.extend(public_method(ii));
                        }
                    }
                    None => {}
                }
            }
        }
        traits.sort();
        for line in methods.into_iter().chain(traits) {
            writeln!(out, "    {line}").unwrap();
        }
    }
}

/// A public method's signature, with `#[deprecated]` where it has one.
fn public_method(item: &syn::ImplItem) -> Option<String> {
    let syn::ImplItem::Fn(f) = item else {
        return None;
    };
    let deprecated = f.attrs.iter().any(|a| a.path().is_ident("deprecated"));
    if !is_pub(&f.vis) {
        return None;
    }
    let mark = if deprecated { "#[deprecated] " } else { "" };
    Some(format!("{mark}{}", text(&f.sig)))
}

/// `(name, path, public)` for each name a use tree imports.
fn flatten(
    tree: &syn::UseTree,
    prefix: Vec<String>,
    public: bool,
    out: &mut Vec<(String, Vec<String>, bool)>,
) {
    let with = |last: String| {
        let mut p = prefix.clone();
        p.push(last);
        p
    };
    match tree {
        syn::UseTree::Path(p) => flatten(&p.tree, with(p.ident.to_string()), public, out),
        syn::UseTree::Name(n) if n.ident == "self" => out.push((
            prefix.last().cloned().unwrap_or_default(),
            prefix.clone(),
            public,
        )),
        syn::UseTree::Name(n) => out.push((n.ident.to_string(), with(n.ident.to_string()), public)),
        syn::UseTree::Rename(r) => {
            out.push((r.rename.to_string(), with(r.ident.to_string()), public))
        }
        syn::UseTree::Glob(_) => out.push(("*".to_owned(), prefix.clone(), public)),
        syn::UseTree::Group(g) => {
            for t in &g.items {
                flatten(t, prefix.clone(), public, out);
            }
        }
    }
}

fn item_vis_and_name(item: &syn::Item) -> Option<(&syn::Visibility, String)> {
    Some(match item {
        syn::Item::Const(i) => (&i.vis, i.ident.to_string()),
        syn::Item::Enum(i) => (&i.vis, i.ident.to_string()),
        syn::Item::Fn(i) => (&i.vis, i.sig.ident.to_string()),
        syn::Item::Mod(i) => (&i.vis, i.ident.to_string()),
        syn::Item::Static(i) => (&i.vis, i.ident.to_string()),
        syn::Item::Struct(i) => (&i.vis, i.ident.to_string()),
        syn::Item::Trait(i) => (&i.vis, i.ident.to_string()),
        syn::Item::Type(i) => (&i.vis, i.ident.to_string()),
        syn::Item::Union(i) => (&i.vis, i.ident.to_string()),
        _ => return None,
    })
}

/// The enum an `open_enum! { #[doc = ..] Name { .. } }` invocation defines.
fn macro_item_name(m: &syn::ItemMacro) -> Option<String> {
    let last = m.mac.path.segments.last()?;
    if last.ident != "open_enum" {
        return None;
    }
    m.mac
        .parse_body_with(|input: syn::parse::ParseStream| {
            input.call(syn::Attribute::parse_outer)?;
            let name: syn::Ident = input.parse()?;
            // The variants: not needed for the name.
            input.step(|cursor| {
                let mut rest = *cursor;
                while let Some((_, next)) = rest.token_tree() {
                    rest = next;
                }
                Ok(((), rest))
            })?;
            Ok(name.to_string())
        })
        .ok()
}

/// The item of that name defined in the module (not imported).
fn defines<'a>(module: &'a Module, name: &str) -> Option<&'a syn::Item> {
    module.items.iter().find(|item| match item {
        syn::Item::Macro(m) => macro_item_name(m).as_deref() == Some(name),
        other => item_vis_and_name(other).is_some_and(|(_, n)| n == name),
    })
}

fn item_attrs(item: &syn::Item) -> &[syn::Attribute] {
    match item {
        syn::Item::Const(i) => &i.attrs,
        syn::Item::Enum(i) => &i.attrs,
        syn::Item::Fn(i) => &i.attrs,
        syn::Item::Mod(i) => &i.attrs,
        syn::Item::Static(i) => &i.attrs,
        syn::Item::Struct(i) => &i.attrs,
        syn::Item::Trait(i) => &i.attrs,
        syn::Item::Type(i) => &i.attrs,
        syn::Item::Macro(i) => &i.attrs,
        _ => &[],
    }
}

/// The attributes that change what users may do: derives, `non_exhaustive`, `cfg`,
/// `deprecated`, `must_use`.
fn notable_attrs(attrs: &[syn::Attribute]) -> Vec<String> {
    attrs
        .iter()
        .filter(|a| {
            ["derive", "non_exhaustive", "cfg", "deprecated", "must_use"]
                .iter()
                .any(|name| a.path().is_ident(name))
        })
        .map(text)
        .collect()
}

/// `<T>`, `<P: PageView>`: the item's generic parameters, where it has any, and a
/// trait's supertraits.
fn generics(item: &syn::Item) -> String {
    let generics = match item {
        syn::Item::Enum(i) => &i.generics,
        syn::Item::Struct(i) => &i.generics,
        syn::Item::Trait(i) => &i.generics,
        syn::Item::Type(i) => &i.generics,
        _ => return String::new(),
    };
    let mut out = if generics.params.is_empty() {
        String::new()
    } else {
        text(generics)
    };
    // A trait's supertraits: a sealed one says so.
    if let syn::Item::Trait(t) = item
        && !t.supertraits.is_empty()
    {
        write!(out, ": {}", text(&t.supertraits)).unwrap();
    }
    out
}

fn kind(item: &syn::Item) -> &'static str {
    match item {
        syn::Item::Const(_) => "const",
        syn::Item::Enum(_) => "enum",
        syn::Item::Fn(_) => "fn",
        syn::Item::Mod(_) => "mod",
        syn::Item::Static(_) => "static",
        syn::Item::Struct(_) => "struct",
        syn::Item::Trait(_) => "trait",
        syn::Item::Type(_) => "type",
        syn::Item::Union(_) => "union",
        syn::Item::Macro(_) => "open enum",
        _ => "item",
    }
}

fn describe(id: &ItemId) -> String {
    let mut parts = vec!["crate".to_owned()];
    parts.extend(id.module.iter().cloned());
    if !id.name.is_empty() {
        parts.push(id.name.clone());
    }
    parts.join("::")
}
