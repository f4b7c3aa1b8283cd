//! `cargo xtask spec diff OLD NEW`: compare the vendored operations of two specs.
//!
//! Operations are matched by HTTP method + path, so an `operationId` rename shows up as a
//! rename rather than as one operation removed and another added. `$ref`s are resolved
//! (against each document's own components) before anything is compared.
//!
//! Each change is classed BREAKING or non-breaking from the point of view of a client
//! generated from the spec (progenitor, or an SDK that names methods from the ids).

use std::collections::HashSet;
use std::fmt::Write as _;

use crate::Result;
use crate::cut::{self, Missing};
use crate::manifest::OperationSpec;
use crate::yaml::{self, Value};

/// What kind of change this is (tests and tools match on it; the message is for people).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    OperationAdded,
    OperationRemoved,
    OperationIdChanged,
    OperationIdOverrideChanged,
    Deprecated,
    Sunset,
    TagsChanged,
    ParameterAdded,
    ParameterRemoved,
    ParameterChanged,
    RequestBodyAdded,
    RequestBodyRemoved,
    ResponseAdded,
    ResponseRemoved,
    ResponseHeaderAdded,
    ResponseHeaderRemoved,
    MediaTypeAdded,
    MediaTypeRemoved,
    VersionChanged,
    FieldAdded,
    FieldRemoved,
    RequiredChanged,
    TypeChanged,
    FormatChanged,
    EnumValuesAdded,
    EnumValuesRemoved,
    VariantsChanged,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// `GET /path`.
    pub operation: String,
    pub kind: Kind,
    pub breaking: bool,
    /// Worth a reader's attention even though nothing breaks (deprecation, sunset dates).
    pub notable: bool,
    pub message: String,
}

/// One operation compared: its method + path and its id on each side (if present).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComparedOperation {
    pub method: String,
    pub path: String,
    pub old_id: Option<String>,
    pub new_id: Option<String>,
}

impl ComparedOperation {
    pub fn key(&self) -> String {
        format!("{} {}", self.method.to_uppercase(), self.path)
    }
}

#[derive(Debug, Clone)]
pub struct DiffReport {
    pub old_name: String,
    pub new_name: String,
    pub old_xgen_sha: Option<String>,
    pub new_xgen_sha: Option<String>,
    pub operations: Vec<ComparedOperation>,
    pub changes: Vec<Change>,
}

impl DiffReport {
    pub fn breaking(&self) -> usize {
        self.changes.iter().filter(|c| c.breaking).count()
    }

    pub fn has_breaking(&self) -> bool {
        self.breaking() > 0
    }

    /// The changes of one kind.
    pub fn of_kind(&self, kind: Kind) -> Vec<&Change> {
        self.changes.iter().filter(|c| c.kind == kind).collect()
    }

    /// The report as text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let sha = |s: &Option<String>| {
            s.as_deref()
                .map(|s| format!(" (x-xgen-sha {s})"))
                .unwrap_or_default()
        };
        let _ = writeln!(out, "old: {}{}", self.old_name, sha(&self.old_xgen_sha));
        let _ = writeln!(out, "new: {}{}", self.new_name, sha(&self.new_xgen_sha));
        let _ = writeln!(
            out,
            "{} operation(s) compared, matched by HTTP method + path.",
            self.operations.len()
        );
        for op in &self.operations {
            let key = op.key();
            out.push('\n');
            let ids = match (&op.old_id, &op.new_id) {
                (Some(a), Some(b)) if a == b => a.clone(),
                (Some(a), Some(b)) => format!("{a} -> {b}"),
                (Some(a), None) => format!("{a} (old only)"),
                (None, Some(b)) => format!("{b} (new only)"),
                (None, None) => "-".to_string(),
            };
            let _ = writeln!(out, "{key}  [{ids}]");
            let changes: Vec<&Change> =
                self.changes.iter().filter(|c| c.operation == key).collect();
            if changes.is_empty() {
                let _ = writeln!(out, "  no changes");
            }
            for c in changes {
                let class = if c.breaking {
                    "BREAKING    "
                } else {
                    "non-breaking"
                };
                let note = if c.notable { "  (notable)" } else { "" };
                let _ = writeln!(out, "  {class}  {}{note}", c.message);
            }
        }
        let notable = self.changes.iter().filter(|c| c.notable).count();
        let _ = writeln!(
            out,
            "\nSummary: {} breaking, {} non-breaking ({} notable) change(s).",
            self.breaking(),
            self.changes.len() - self.breaking(),
            notable
        );
        out
    }
}

/// Compare `old` and `new` (full specs or fragments) over the `wanted` operations, plus any
/// operation that either document's cut contains.
pub fn diff(
    old: &Value,
    new: &Value,
    wanted: &[OperationSpec],
    old_name: &str,
    new_name: &str,
) -> Result<DiffReport> {
    let old_cut = cut::cut(old, wanted, old_name, Missing::Allow)?;
    let new_cut = cut::cut(new, wanted, new_name, Missing::Allow)?;
    let mut keys: Vec<(String, String)> = Vec::new();
    for op in new_cut.operations.iter().chain(&old_cut.operations) {
        let key = (op.method.clone(), op.path.clone());
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    // Operations in the cut of a fragment that the manifest does not name.
    for doc in [&new_cut.doc, &old_cut.doc] {
        for (method, path, _) in cut::operations(doc) {
            let key = (method, path);
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
    }

    let mut changes = Vec::new();
    let mut operations = Vec::new();
    for (method, path) in keys {
        let o = find_operation(old, &path, &method);
        let n = find_operation(new, &path, &method);
        let compared = ComparedOperation {
            method: method.clone(),
            path: path.clone(),
            old_id: o
                .and_then(|(op, _)| yaml::get_str(op, "operationId"))
                .map(str::to_string),
            new_id: n
                .and_then(|(op, _)| yaml::get_str(op, "operationId"))
                .map(str::to_string),
        };
        let mut cx = Cx {
            old_root: old,
            new_root: new,
            operation: compared.key(),
            changes: &mut changes,
        };
        match (o, n) {
            (None, None) => {}
            (None, Some(_)) => cx.push(
                Kind::OperationAdded,
                false,
                false,
                format!(
                    "operation added ({})",
                    compared.new_id.as_deref().unwrap_or("no operationId")
                ),
            ),
            (Some(_), None) => cx.push(
                Kind::OperationRemoved,
                true,
                false,
                format!(
                    "operation removed ({})",
                    compared.old_id.as_deref().unwrap_or("no operationId")
                ),
            ),
            (Some((oo, op_params)), Some((no, np_params))) => {
                cx.operation_changes(oo, no, op_params, np_params);
            }
        }
        operations.push(compared);
    }
    let xgen = |d: &Value| {
        yaml::get(d, "info")
            .and_then(|i| yaml::get_str(i, "x-xgen-sha"))
            .map(str::to_string)
    };
    Ok(DiffReport {
        old_name: old_name.to_string(),
        new_name: new_name.to_string(),
        old_xgen_sha: xgen(old),
        new_xgen_sha: xgen(new),
        operations,
        changes,
    })
}

/// The operation object at `method path`, with the path item's own `parameters`.
fn find_operation<'a>(
    doc: &'a Value,
    path: &str,
    method: &str,
) -> Option<(&'a Value, Option<&'a Value>)> {
    let item = yaml::get(doc, "paths")?.as_mapping()?.get(path)?;
    let op = yaml::get(item, method)?;
    Some((op, yaml::get(item, "parameters")))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Dir {
    /// Data the client sends: new requirements break it.
    Request,
    /// Data the client receives: lost guarantees break it.
    Response,
}

struct Cx<'a, 'c> {
    old_root: &'a Value,
    new_root: &'a Value,
    operation: String,
    changes: &'c mut Vec<Change>,
}

/// Follow `$ref`s (up to a limit) within `root`. An unresolvable ref stays as it is.
fn resolve<'a>(root: &'a Value, mut v: &'a Value) -> &'a Value {
    for _ in 0..32 {
        match yaml::ref_of(v).and_then(|r| yaml::resolve_pointer(root, r)) {
            Some(target) => v = target,
            None => break,
        }
    }
    v
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    yaml::get(v, key).and_then(|x| match x {
        Value::String(s) => Some(s.as_str()),
        _ => None,
    })
}

fn text_of(v: &Value, key: &str) -> Option<String> {
    yaml::get(v, key).map(yaml::scalar_text)
}

fn bool_of(v: &Value, key: &str) -> bool {
    yaml::get(v, key).and_then(Value::as_bool).unwrap_or(false)
}

fn show(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("(none)")
}

/// `application/vnd.atlas.2024-11-13+json` -> `2024-11-13`.
fn atlas_version(media_type: &str) -> Option<&str> {
    media_type
        .strip_prefix("application/vnd.atlas.")?
        .split('+')
        .next()
}

fn describe_media(media_type: &str) -> String {
    match atlas_version(media_type) {
        Some(v) => format!("media type {media_type} (API version {v})"),
        None => format!("media type {media_type}"),
    }
}

/// Entries of a mapping-valued key, as (key text, value), in document order.
fn entries<'a>(v: &'a Value, key: &str) -> Vec<(String, &'a Value)> {
    yaml::get(v, key)
        .and_then(Value::as_mapping)
        .map(|m| m.iter().map(|(k, v)| (yaml::key_text(k), v)).collect())
        .unwrap_or_default()
}

impl Cx<'_, '_> {
    fn push(&mut self, kind: Kind, breaking: bool, notable: bool, message: String) {
        self.changes.push(Change {
            operation: self.operation.clone(),
            kind,
            breaking,
            notable,
            message,
        });
    }

    fn operation_changes(
        &mut self,
        o: &Value,
        n: &Value,
        op_params: Option<&Value>,
        np_params: Option<&Value>,
    ) {
        let (oid, nid) = (text_of(o, "operationId"), text_of(n, "operationId"));
        if oid != nid {
            self.push(
                Kind::OperationIdChanged,
                true,
                false,
                format!(
                    "operationId renamed: {} -> {} (generated method names change)",
                    show(&oid),
                    show(&nid)
                ),
            );
        }
        let key = "x-xgen-operation-id-override";
        let (oov, nov) = (text_of(o, key), text_of(n, key));
        if oov != nov {
            self.push(
                Kind::OperationIdOverrideChanged,
                true,
                false,
                format!(
                    "{key}: {} -> {} (SDKs that name methods from it change)",
                    show(&oov),
                    show(&nov)
                ),
            );
        }
        match (bool_of(o, "deprecated"), bool_of(n, "deprecated")) {
            (false, true) => self.push(
                Kind::Deprecated,
                false,
                true,
                "deprecated: now true (still callable; plan the move away)".to_string(),
            ),
            (true, false) => self.push(
                Kind::Deprecated,
                false,
                false,
                "deprecated: no longer".to_string(),
            ),
            _ => {}
        }
        self.sunset(o, n, "operation");
        let tags = |v: &Value| -> Vec<String> {
            yaml::get(v, "tags")
                .and_then(Value::as_sequence)
                .map(|s| s.iter().map(yaml::scalar_text).collect())
                .unwrap_or_default()
        };
        let (ot, nt) = (tags(o), tags(n));
        if ot != nt {
            self.push(
                Kind::TagsChanged,
                false,
                false,
                format!("tags: [{}] -> [{}]", ot.join(", "), nt.join(", ")),
            );
        }
        self.parameters(o, n, op_params, np_params);
        self.request_body(o, n);
        self.responses(o, n);
    }

    fn sunset(&mut self, o: &Value, n: &Value, place: &str) {
        let (os, ns) = (text_of(o, "x-sunset"), text_of(n, "x-sunset"));
        let verb = match (&os, &ns) {
            (None, Some(_)) => "set",
            (Some(_), None) => "removed",
            (Some(a), Some(b)) if a != b => "moved",
            _ => return,
        };
        self.push(
            Kind::Sunset,
            false,
            true,
            format!("{place}: x-sunset {verb}: {} -> {}", show(&os), show(&ns)),
        );
    }

    fn params_of<'v>(
        root: &'v Value,
        op: &'v Value,
        path_params: Option<&'v Value>,
    ) -> Vec<((String, String), &'v Value)> {
        let mut out: Vec<((String, String), &'v Value)> = Vec::new();
        let lists = [path_params, yaml::get(op, "parameters")];
        for list in lists.into_iter().flatten() {
            for p in list.as_sequence().into_iter().flatten() {
                let p = resolve(root, p);
                let key = (
                    str_of(p, "in").unwrap_or("?").to_string(),
                    str_of(p, "name").unwrap_or("?").to_string(),
                );
                // Operation-level parameters override path-level ones.
                out.retain(|(k, _)| *k != key);
                out.push((key, p));
            }
        }
        out
    }

    fn parameters(
        &mut self,
        o: &Value,
        n: &Value,
        op_params: Option<&Value>,
        np_params: Option<&Value>,
    ) {
        let old = Self::params_of(self.old_root, o, op_params);
        let new = Self::params_of(self.new_root, n, np_params);
        for ((loc, name), p) in &new {
            let label = format!("{loc} parameter `{name}`");
            match old.iter().find(|(k, _)| k.0 == *loc && k.1 == *name) {
                None => {
                    let required = bool_of(p, "required");
                    self.push(
                        Kind::ParameterAdded,
                        required,
                        false,
                        format!(
                            "{} {label} added",
                            if required { "required" } else { "optional" }
                        ),
                    );
                }
                Some((_, op)) => {
                    match (bool_of(op, "required"), bool_of(p, "required")) {
                        (false, true) => self.push(
                            Kind::ParameterChanged,
                            true,
                            false,
                            format!("{label} is now required"),
                        ),
                        (true, false) => self.push(
                            Kind::ParameterChanged,
                            false,
                            false,
                            format!("{label} is now optional"),
                        ),
                        _ => {}
                    }
                    if let (Some(os), Some(ns)) = (yaml::get(op, "schema"), yaml::get(p, "schema"))
                    {
                        let mut seen = HashSet::new();
                        self.schema(os, ns, Dir::Request, &label, "", 0, &mut seen);
                    }
                }
            }
        }
        for ((loc, name), _) in &old {
            if !new.iter().any(|(k, _)| k.0 == *loc && k.1 == *name) {
                self.push(
                    Kind::ParameterRemoved,
                    true,
                    false,
                    format!(
                        "{loc} parameter `{name}` removed (generated methods lose the argument)"
                    ),
                );
            }
        }
    }

    fn request_body(&mut self, o: &Value, n: &Value) {
        let ob = yaml::get(o, "requestBody").map(|b| resolve(self.old_root, b));
        let nb = yaml::get(n, "requestBody").map(|b| resolve(self.new_root, b));
        match (ob, nb) {
            (None, None) => {}
            (None, Some(b)) => {
                let required = bool_of(b, "required");
                self.push(
                    Kind::RequestBodyAdded,
                    required,
                    false,
                    format!(
                        "{} request body added",
                        if required { "required" } else { "optional" }
                    ),
                );
            }
            (Some(_), None) => self.push(
                Kind::RequestBodyRemoved,
                true,
                false,
                "request body removed".to_string(),
            ),
            (Some(ob), Some(nb)) => {
                if !bool_of(ob, "required") && bool_of(nb, "required") {
                    self.push(
                        Kind::ParameterChanged,
                        true,
                        false,
                        "request body is now required".to_string(),
                    );
                }
                self.content(ob, nb, Dir::Request, "request body");
            }
        }
    }

    fn responses(&mut self, o: &Value, n: &Value) {
        let old = entries(o, "responses");
        let new = entries(n, "responses");
        for (code, nr) in &new {
            match old.iter().find(|(c, _)| c == code) {
                None => self.push(
                    Kind::ResponseAdded,
                    false,
                    false,
                    format!("response {code} added{}", response_note(self.new_root, nr)),
                ),
                Some((_, or)) => {
                    let or = resolve(self.old_root, or);
                    let nr = resolve(self.new_root, nr);
                    self.response_headers(code, or, nr);
                    self.content(or, nr, Dir::Response, &format!("response {code}"));
                }
            }
        }
        for (code, _) in &old {
            if !new.iter().any(|(c, _)| c == code) {
                self.push(
                    Kind::ResponseRemoved,
                    true,
                    false,
                    format!("response {code} removed (generated response types change)"),
                );
            }
        }
    }

    fn response_headers(&mut self, code: &str, or: &Value, nr: &Value) {
        let old = entries(or, "headers");
        let new = entries(nr, "headers");
        for (name, h) in &new {
            if !old.iter().any(|(k, _)| k.eq_ignore_ascii_case(name)) {
                let h = resolve(self.new_root, h);
                let ty = yaml::get(h, "schema")
                    .map(|s| resolve(self.new_root, s))
                    .and_then(|s| str_of(s, "type"))
                    .map(|t| format!(" ({t})"))
                    .unwrap_or_default();
                self.push(
                    Kind::ResponseHeaderAdded,
                    false,
                    false,
                    format!("response {code}: header {name}{ty} added"),
                );
            }
        }
        for (name, _) in &old {
            if !new.iter().any(|(k, _)| k.eq_ignore_ascii_case(name)) {
                self.push(
                    Kind::ResponseHeaderRemoved,
                    true,
                    false,
                    format!("response {code}: header {name} removed"),
                );
            }
        }
    }

    /// Compare the `content` maps of two request bodies or responses.
    fn content(&mut self, o: &Value, n: &Value, dir: Dir, place: &str) {
        let old = entries(o, "content");
        let new = entries(n, "content");
        for (mt, nm) in &new {
            match old.iter().find(|(k, _)| k == mt) {
                None => self.push(
                    Kind::MediaTypeAdded,
                    false,
                    false,
                    format!("{place}: {} added", describe_media(mt)),
                ),
                Some((_, om)) => {
                    let where_ = format!("{place} {mt}");
                    self.sunset(om, nm, &where_);
                    let (ov, nv) = (text_of(om, "x-xgen-version"), text_of(nm, "x-xgen-version"));
                    if ov != nv {
                        self.push(
                            Kind::VersionChanged,
                            false,
                            false,
                            format!("{where_}: x-xgen-version {} -> {}", show(&ov), show(&nv)),
                        );
                    }
                    if let (Some(os), Some(ns)) = (yaml::get(om, "schema"), yaml::get(nm, "schema"))
                    {
                        let mut seen = HashSet::new();
                        self.schema(os, ns, dir, &where_, "", 0, &mut seen);
                    }
                }
            }
        }
        for (mt, _) in &old {
            if !new.iter().any(|(k, _)| k == mt) {
                self.push(
                    Kind::MediaTypeRemoved,
                    true,
                    false,
                    format!("{place}: {} removed", describe_media(mt)),
                );
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn schema(
        &mut self,
        o: &Value,
        n: &Value,
        dir: Dir,
        place: &str,
        field: &str,
        depth: usize,
        seen: &mut HashSet<(String, String)>,
    ) {
        if depth > 40 {
            return;
        }
        if let (Some(a), Some(b)) = (yaml::ref_of(o), yaml::ref_of(n)) {
            // Compare each pair of named schemas once per path (stops recursion on cycles).
            if !seen.insert((a.to_string(), b.to_string())) {
                return;
            }
        }
        let of = Flat::of(self.old_root, o);
        let nf = Flat::of(self.new_root, n);
        let at = if field.is_empty() {
            format!("{place}: body")
        } else {
            format!("{place}: field `{field}`")
        };

        if of.ty != nf.ty && (of.ty.is_some() || nf.ty.is_some()) {
            self.push(
                Kind::TypeChanged,
                true,
                false,
                format!("{at}: type {} -> {}", show(&of.ty), show(&nf.ty)),
            );
        }
        if of.format != nf.format {
            self.push(
                Kind::FormatChanged,
                true,
                false,
                format!("{at}: format {} -> {}", show(&of.format), show(&nf.format)),
            );
        }
        if let (Some(oe), Some(ne)) = (&of.enum_values, &nf.enum_values) {
            let added: Vec<&String> = ne.iter().filter(|v| !oe.contains(v)).collect();
            let removed: Vec<&String> = oe.iter().filter(|v| !ne.contains(v)).collect();
            if !added.is_empty() {
                let why = match dir {
                    Dir::Response => {
                        "non-breaking for a tolerant client; a client whose enums reject unknown values will fail to parse them"
                    }
                    Dir::Request => "more values accepted",
                };
                self.push(
                    Kind::EnumValuesAdded,
                    false,
                    false,
                    format!("{at}: enum values added: {} ({why})", join(&added)),
                );
            }
            if !removed.is_empty() {
                self.push(
                    Kind::EnumValuesRemoved,
                    true,
                    false,
                    format!(
                        "{at}: enum values removed: {} (generated enums lose variants)",
                        join(&removed)
                    ),
                );
            }
        } else if of.enum_values.is_none() && nf.enum_values.is_some() {
            self.push(
                Kind::EnumValuesRemoved,
                true,
                false,
                format!("{at}: now restricted to an enum"),
            );
        } else if of.enum_values.is_some() && nf.enum_values.is_none() {
            self.push(
                Kind::EnumValuesAdded,
                dir == Dir::Response,
                false,
                format!("{at}: enum restriction dropped (any value now possible)"),
            );
        }

        let sub = |name: &str| {
            if field.is_empty() {
                name.to_string()
            } else {
                format!("{field}.{name}")
            }
        };
        for (name, ns) in &nf.properties {
            match of.properties.iter().find(|(k, _)| k == name) {
                None => {
                    let required = nf.required.contains(name);
                    let breaking = dir == Dir::Request && required;
                    self.push(
                        Kind::FieldAdded,
                        breaking,
                        false,
                        format!(
                            "{place}: field `{}` added{}",
                            sub(name),
                            if required { " (required)" } else { "" }
                        ),
                    );
                }
                Some((_, os)) => {
                    let (or, nr) = (of.required.contains(name), nf.required.contains(name));
                    if or != nr {
                        let breaking = match dir {
                            Dir::Response => or && !nr,
                            Dir::Request => !or && nr,
                        };
                        self.push(
                            Kind::RequiredChanged,
                            breaking,
                            false,
                            format!(
                                "{place}: field `{}` is now {}",
                                sub(name),
                                if nr { "required" } else { "optional" }
                            ),
                        );
                    }
                    self.schema(os, ns, dir, place, &sub(name), depth + 1, seen);
                }
            }
        }
        for (name, _) in &of.properties {
            if !nf.properties.iter().any(|(k, _)| k == name) {
                self.push(
                    Kind::FieldRemoved,
                    true,
                    false,
                    format!("{place}: field `{}` removed", sub(name)),
                );
            }
        }
        if let (Some(oi), Some(ni)) = (of.items, nf.items) {
            self.schema(oi, ni, dir, place, &format!("{field}[]"), depth + 1, seen);
        }
        if let (Some(oa), Some(na)) = (of.additional, nf.additional) {
            self.schema(
                oa,
                na,
                dir,
                place,
                &format!("{field}{{*}}"),
                depth + 1,
                seen,
            );
        }
        for (kw, ov, nv) in [
            ("oneOf", &of.one_of, &nf.one_of),
            ("anyOf", &of.any_of, &nf.any_of),
        ] {
            for (i, (a, b)) in ov.iter().zip(nv.iter()).enumerate() {
                self.schema(
                    a,
                    b,
                    dir,
                    place,
                    &format!("{field}<{kw}[{i}]>"),
                    depth + 1,
                    seen,
                );
            }
            if nv.len() > ov.len() {
                self.push(
                    Kind::VariantsChanged,
                    false,
                    false,
                    format!("{at}: {kw} variants {} -> {}", ov.len(), nv.len()),
                );
            } else if nv.len() < ov.len() {
                self.push(
                    Kind::VariantsChanged,
                    true,
                    false,
                    format!("{at}: {kw} variants {} -> {}", ov.len(), nv.len()),
                );
            }
        }
    }
}

fn join(values: &[&String]) -> String {
    values
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A short note on what an added response is, e.g. ` (Too Many Requests)`.
fn response_note(root: &Value, r: &Value) -> String {
    let r = resolve(root, r);
    str_of(r, "description")
        .map(|d| {
            let first = d.lines().next().unwrap_or("").trim();
            let short: String = first.chars().take(80).collect();
            if short.is_empty() {
                String::new()
            } else {
                format!(" ({short})")
            }
        })
        .unwrap_or_default()
}

/// A schema with `$ref`s resolved and `allOf` merged.
#[derive(Default)]
struct Flat<'a> {
    ty: Option<String>,
    format: Option<String>,
    enum_values: Option<Vec<String>>,
    properties: Vec<(String, &'a Value)>,
    required: HashSet<String>,
    items: Option<&'a Value>,
    additional: Option<&'a Value>,
    one_of: Vec<&'a Value>,
    any_of: Vec<&'a Value>,
}

impl<'a> Flat<'a> {
    fn of(root: &'a Value, schema: &'a Value) -> Flat<'a> {
        let mut flat = Flat::default();
        flat.merge(root, schema, 0);
        flat
    }

    fn merge(&mut self, root: &'a Value, schema: &'a Value, depth: usize) {
        if depth > 16 {
            return;
        }
        let s = resolve(root, schema);
        if self.ty.is_none() {
            self.ty = text_of(s, "type");
        }
        if self.format.is_none() {
            self.format = text_of(s, "format");
        }
        if self.enum_values.is_none() {
            self.enum_values = yaml::get(s, "enum")
                .and_then(Value::as_sequence)
                .map(|e| e.iter().map(yaml::scalar_text).collect());
        }
        for (name, p) in entries(s, "properties") {
            if !self.properties.iter().any(|(k, _)| *k == name) {
                self.properties.push((name, p));
            }
        }
        if let Some(req) = yaml::get(s, "required").and_then(Value::as_sequence) {
            self.required
                .extend(req.iter().filter_map(Value::as_str).map(str::to_string));
        }
        if self.items.is_none() {
            self.items = yaml::get(s, "items");
        }
        if self.additional.is_none() {
            self.additional = yaml::get(s, "additionalProperties").filter(|v| v.is_mapping());
        }
        if let Some(seq) = yaml::get(s, "oneOf").and_then(Value::as_sequence) {
            self.one_of.extend(seq.iter());
        }
        if let Some(seq) = yaml::get(s, "anyOf").and_then(Value::as_sequence) {
            self.any_of.extend(seq.iter());
        }
        if let Some(all) = yaml::get(s, "allOf").and_then(Value::as_sequence) {
            for part in all {
                self.merge(root, part, depth + 1);
            }
        }
    }
}
