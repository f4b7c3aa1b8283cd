//! `cargo xtask spec update`: recut `spec/openapi.yaml` and record `spec/provenance.yaml`.

use std::path::{Path, PathBuf};

use crate::cut::{self, CutOperation, Missing};
use crate::manifest::{MANIFEST_PATH, Manifest};
use crate::yaml::{self, Mapping, Value};
use crate::{Error, Result};

pub const FRAGMENT_PATH: &str = "spec/openapi.yaml";
pub const PROVENANCE_PATH: &str = "spec/provenance.yaml";
pub const UPSTREAM_DIR: &str = "spec/upstream";
/// The pattern of each shared path-parameter type, decided on the whole pin (see
/// `whole_spec::path_parameter_patterns`), for build.rs, which only sees the fragment.
pub const PATH_PARAMETERS_PATH: &str = "build/path-parameters.yaml";

/// A fragment cut from a full spec, rendered, with what we know about its source.
#[derive(Debug, Clone)]
pub struct Recut {
    /// The rendered fragment (header comment + YAML).
    pub text: String,
    pub operations: Vec<CutOperation>,
    pub upstream_sha256: String,
    pub xgen_sha: Option<String>,
    /// The text of [`PATH_PARAMETERS_PATH`] for this upstream.
    pub path_parameters: String,
}

/// Cut the upstream file at `upstream` (shown in the header as `upstream_label`) by `manifest`.
pub fn recut(manifest: &Manifest, upstream: &Path, upstream_label: &str) -> Result<Recut> {
    let bytes = crate::read_bytes(upstream)?;
    let name = upstream.display().to_string();
    let text = std::str::from_utf8(&bytes).map_err(|e| Error(format!("{name}: not UTF-8: {e}")))?;
    let doc = yaml::parse(text, &name)?;
    let fragment = cut::cut(&doc, &manifest.operations, &name, Missing::Error)?;
    let rendered = cut::render(&fragment.doc, &cut::update_header(upstream_label))?;
    let xgen_sha = yaml::get(&doc, "info")
        .and_then(|i| yaml::get_str(i, "x-xgen-sha"))
        .map(str::to_string);
    let whole = serde_json::to_value(&doc).map_err(|e| Error(format!("{name}: {e}")))?;
    let patterns: Mapping = crate::whole_spec::path_parameter_patterns(&whole)
        .into_iter()
        .map(|(k, v)| (Value::String(k), Value::String(v)))
        .collect();
    let path_parameters = cut::render(
        &Value::Mapping(patterns),
        &format!(
            "Written by `cargo xtask spec update` from {upstream_label}: the pattern of each shared\n\
             path-parameter type, as most operations of the whole upstream spell it, so a type's\n\
             shape does not depend on which operations are vendored. Do not edit by hand."
        ),
    )?;
    Ok(Recut {
        text: rendered,
        operations: fragment.operations,
        upstream_sha256: crate::sha256_hex(&bytes),
        xgen_sha,
        path_parameters,
    })
}

#[derive(Debug, Clone)]
pub struct UpdateOptions {
    /// The workspace root.
    pub root: PathBuf,
    /// A new upstream file to pin; `None` recuts from the pin named in the manifest.
    pub from: Option<PathBuf>,
    /// The date to record (`YYYY-MM-DD`).
    pub date: String,
}

#[derive(Debug, Clone)]
pub struct UpdateReport {
    /// The pinned upstream, relative to the workspace root.
    pub upstream: String,
    pub recut: Recut,
    /// True when `--from` was copied into `spec/upstream/`.
    pub pinned_copy: bool,
    /// The previous pin, when the manifest now names a different file.
    pub previous_pin: Option<String>,
    pub fragment_changed: bool,
}

pub fn update(opts: &UpdateOptions) -> Result<UpdateReport> {
    let root = &opts.root;
    let manifest_path = root.join(MANIFEST_PATH);
    let manifest = Manifest::load(&manifest_path)?;

    // Where to cut from, and the pin's path relative to the root once we are done.
    let (source, upstream) = match &opts.from {
        None => (root.join(&manifest.upstream), manifest.upstream.clone()),
        Some(from) => {
            let file_name = from
                .file_name()
                .and_then(|n| n.to_str())
                .ok_or_else(|| Error(format!("--from {}: not a file path", from.display())))?;
            (from.clone(), format!("{UPSTREAM_DIR}/{file_name}"))
        }
    };
    // Cut first: if the new file is unusable, nothing in the workspace changes.
    let recut = recut(&manifest, &source, &upstream)?;

    let mut pinned_copy = false;
    let dest = root.join(&upstream);
    let same_file = match (source.canonicalize(), dest.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if !same_file {
        std::fs::create_dir_all(root.join(UPSTREAM_DIR))
            .map_err(|e| Error(format!("cannot create {UPSTREAM_DIR}: {e}")))?;
        std::fs::copy(&source, &dest).map_err(|e| {
            Error(format!(
                "cannot copy {} to {}: {e}",
                source.display(),
                dest.display()
            ))
        })?;
        pinned_copy = true;
    }
    let mut previous_pin = None;
    if upstream != manifest.upstream {
        let text = crate::read_to_string(&manifest_path)?;
        let new_text = set_manifest_upstream(&text, &upstream).ok_or_else(|| {
            Error(format!(
                "{}: no `upstream:` line to update",
                manifest_path.display()
            ))
        })?;
        crate::write(&manifest_path, new_text)?;
        previous_pin = Some(manifest.upstream.clone());
    }

    let fragment_path = root.join(FRAGMENT_PATH);
    let fragment_changed =
        std::fs::read(&fragment_path).ok().as_deref() != Some(recut.text.as_bytes());
    if fragment_changed {
        crate::write(&fragment_path, &recut.text)?;
    }
    let path_parameters = root.join(PATH_PARAMETERS_PATH);
    if let Some(dir) = path_parameters.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error(format!("cannot create {}: {e}", dir.display())))?;
    }
    crate::write(&path_parameters, &recut.path_parameters)?;
    let mut provenance = Provenance {
        upstream: upstream.clone(),
        sha256: recut.upstream_sha256.clone(),
        xgen_sha: recut.xgen_sha.clone(),
        updated: opts.date.clone(),
        operations: recut.operations.clone(),
    };
    // Rerunning on an unchanged pin keeps the recorded date, so `update` is idempotent.
    let provenance_path = root.join(PROVENANCE_PATH);
    if !fragment_changed
        && let Ok(text) = std::fs::read_to_string(&provenance_path)
        && let Some(date) = same_pin_date(&text, &provenance)
    {
        provenance.updated = date;
    }
    crate::write(&provenance_path, provenance.render()?)?;
    Ok(UpdateReport {
        upstream,
        recut,
        pinned_copy,
        previous_pin,
        fragment_changed,
    })
}

/// The date recorded in existing provenance text, if everything else in it matches `p`.
fn same_pin_date(text: &str, p: &Provenance) -> Option<String> {
    let old = yaml::parse(text, PROVENANCE_PATH).ok()?;
    let date = yaml::get_str(&old, "updated")?.to_string();
    let candidate = Provenance {
        updated: date.clone(),
        ..p.clone()
    };
    (candidate.render().ok()? == text).then_some(date)
}

/// Replace the top-level `upstream:` line of the manifest text, keeping everything else.
pub fn set_manifest_upstream(text: &str, upstream: &str) -> Option<String> {
    let mut done = false;
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        if !done && line.starts_with("upstream:") {
            out.push_str(&format!("upstream: {upstream}\n"));
            done = true;
        } else {
            out.push_str(line);
        }
    }
    done.then_some(out)
}

/// `spec/provenance.yaml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    pub upstream: String,
    pub sha256: String,
    pub xgen_sha: Option<String>,
    pub updated: String,
    pub operations: Vec<CutOperation>,
}

impl Provenance {
    pub fn render(&self) -> Result<String> {
        let mut m = Mapping::new();
        let s = |v: &str| Value::String(v.to_string());
        m.insert(s("upstream"), s(&self.upstream));
        m.insert(s("sha256"), s(&self.sha256));
        m.insert(
            s("x-xgen-sha"),
            self.xgen_sha.as_deref().map(s).unwrap_or(Value::Null),
        );
        m.insert(s("updated"), s(&self.updated));
        let ops = self
            .operations
            .iter()
            .map(|op| {
                let mut o = Mapping::new();
                o.insert(s("id"), s(&op.id));
                if op.found_as != op.id {
                    o.insert(s("found-as"), s(&op.found_as));
                }
                o.insert(s("method"), s(&op.method.to_uppercase()));
                o.insert(s("path"), s(&op.path));
                Value::Mapping(o)
            })
            .collect();
        m.insert(s("operations"), Value::Sequence(ops));
        let header = "Written by `cargo xtask spec update`: where spec/openapi.yaml was cut from.\n\
                      `cargo xtask spec check` verifies that the pinned upstream still has this sha256.";
        cut::render(&Value::Mapping(m), header)
    }

    /// Read the fields `check` needs (`upstream`, `sha256`).
    /// The `updated` date recorded in a provenance file.
    pub fn load_updated(path: &Path) -> Result<String> {
        let doc = yaml::load(path)?;
        yaml::get_str(&doc, "updated")
            .map(str::to_owned)
            .ok_or_else(|| Error(format!("{}: no `updated` date", path.display())))
    }

    pub fn load_pin(path: &Path) -> Result<(String, String)> {
        let doc = yaml::load(path)?;
        let name = path.display();
        let upstream = yaml::get_str(&doc, "upstream")
            .ok_or_else(|| Error(format!("{name}: no `upstream` string")))?;
        let sha = yaml::get_str(&doc, "sha256")
            .ok_or_else(|| Error(format!("{name}: no `sha256` string")))?;
        Ok((upstream.to_string(), sha.to_string()))
    }
}

/// Today's UTC date as `YYYY-MM-DD`, or the date of `SOURCE_DATE_EPOCH` when that is set
/// (for reproducible runs).
pub fn today() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0)
        });
    civil_date(secs.div_euclid(86_400))
}

/// Days since 1970-01-01 to `YYYY-MM-DD` (Howard Hinnant's `civil_from_days`).
pub fn civil_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}
