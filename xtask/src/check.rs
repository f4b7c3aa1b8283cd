//! `cargo xtask spec check`: the committed fragment must equal a fresh cut of the pin,
//! and the pin must be the file that provenance records.

use std::path::Path;

use crate::Result;
use crate::manifest::{MANIFEST_PATH, Manifest};
use crate::update::{self, FRAGMENT_PATH, PATH_PARAMETERS_PATH, PROVENANCE_PATH, Provenance};

/// The one command that fixes any drift `check` reports.
pub const FIX_COMMAND: &str = "cargo xtask spec update";

#[derive(Debug, Clone, Default)]
pub struct CheckReport {
    /// Each problem is a short paragraph; the fragment mismatch includes a diff.
    pub problems: Vec<String>,
}

impl CheckReport {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Check the workspace at `root`. `Err` means the check could not run at all (for example a
/// missing manifest or an unreadable pin); drift is reported in the `CheckReport`.
pub fn check(root: &Path) -> Result<CheckReport> {
    let manifest = Manifest::load(&root.join(MANIFEST_PATH))?;
    let recut = update::recut(
        &manifest,
        &root.join(&manifest.upstream),
        &manifest.upstream,
    )?;
    let mut report = CheckReport::default();

    match std::fs::read(root.join(FRAGMENT_PATH)) {
        Err(e) => report
            .problems
            .push(format!("{FRAGMENT_PATH}: cannot read: {e}")),
        Ok(committed) => {
            if committed != recut.text.as_bytes() {
                let committed = String::from_utf8_lossy(&committed);
                report.problems.push(format!(
                    "{FRAGMENT_PATH} differs from a fresh cut of {}:\n{}",
                    manifest.upstream,
                    unified_diff(
                        &committed,
                        &recut.text,
                        &format!("{FRAGMENT_PATH} (committed)"),
                        "fresh cut",
                        3,
                        60
                    )
                ));
            }
        }
    }

    match std::fs::read(root.join(PATH_PARAMETERS_PATH)) {
        Err(e) => report
            .problems
            .push(format!("{PATH_PARAMETERS_PATH}: cannot read: {e}")),
        Ok(committed) if committed != recut.path_parameters.as_bytes() => {
            report.problems.push(format!(
                "{PATH_PARAMETERS_PATH} differs from the path-parameter patterns of {}:\n{}",
                manifest.upstream,
                unified_diff(
                    &String::from_utf8_lossy(&committed),
                    &recut.path_parameters,
                    &format!("{PATH_PARAMETERS_PATH} (committed)"),
                    "from the pin",
                    3,
                    60
                )
            ));
        }
        Ok(_) => {}
    }

    match Provenance::load_pin(&root.join(PROVENANCE_PATH)) {
        Err(e) => report.problems.push(e.0),
        Ok((upstream, sha)) => {
            if upstream != manifest.upstream {
                report.problems.push(format!(
                    "{PROVENANCE_PATH} records upstream {upstream} but {MANIFEST_PATH} pins {}",
                    manifest.upstream
                ));
            }
            if sha != recut.upstream_sha256 {
                report.problems.push(format!(
                    "{} has sha256 {} but {PROVENANCE_PATH} records {sha}",
                    manifest.upstream, recut.upstream_sha256
                ));
            }
        }
    }
    Ok(report)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Same,
    Del,
    Add,
}

/// A short unified-style line diff: `---`/`+++` names, `@@` hunks with `context` lines around
/// each change, at most `max_lines` body lines (then a note of how much was left out).
pub fn unified_diff(
    old: &str,
    new: &str,
    old_name: &str,
    new_name: &str,
    context: usize,
    max_lines: usize,
) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let script = line_script(&a, &b);
    // Positions of each script entry in a and b.
    let mut ai = 0;
    let mut bi = 0;
    let mut rows: Vec<(Op, usize, usize)> = Vec::with_capacity(script.len());
    for op in &script {
        rows.push((*op, ai, bi));
        match op {
            Op::Same => {
                ai += 1;
                bi += 1;
            }
            Op::Del => ai += 1,
            Op::Add => bi += 1,
        }
    }
    let changed: Vec<usize> = (0..rows.len()).filter(|&i| rows[i].0 != Op::Same).collect();
    let mut out = format!("--- {old_name}\n+++ {new_name}\n");
    if changed.is_empty() {
        if old != new {
            out.push_str("(the files differ only in line endings or a final newline)\n");
        }
        return out;
    }
    // Group changes into hunks.
    let mut hunks: Vec<(usize, usize)> = Vec::new();
    for &i in &changed {
        let start = i.saturating_sub(context);
        let end = (i + context + 1).min(rows.len());
        match hunks.last_mut() {
            Some(last) if start <= last.1 => last.1 = end,
            _ => hunks.push((start, end)),
        }
    }
    let mut printed = 0;
    let total: usize = hunks.iter().map(|h| h.1 - h.0).sum();
    for (start, end) in hunks {
        if printed >= max_lines {
            break;
        }
        let (_, a0, b0) = rows[start];
        let a_len = rows[start..end].iter().filter(|r| r.0 != Op::Add).count();
        let b_len = rows[start..end].iter().filter(|r| r.0 != Op::Del).count();
        out.push_str(&format!(
            "@@ -{},{} +{},{} @@\n",
            a0 + 1,
            a_len,
            b0 + 1,
            b_len
        ));
        for &(op, ia, ib) in &rows[start..end] {
            if printed >= max_lines {
                break;
            }
            let (sign, line) = match op {
                Op::Same => (' ', a[ia]),
                Op::Del => ('-', a[ia]),
                Op::Add => ('+', b[ib]),
            };
            out.push(sign);
            out.push_str(line);
            out.push('\n');
            printed += 1;
        }
    }
    if printed < total {
        out.push_str(&format!(
            "... ({} more diff lines not shown)\n",
            total - printed
        ));
    }
    out
}

/// An edit script from `a` to `b`: common prefix/suffix trimmed, LCS on the middle (or, if
/// the middle is too large for that, all of it deleted then added).
fn line_script(a: &[&str], b: &[&str]) -> Vec<Op> {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let am = &a[prefix..a.len() - suffix];
    let bm = &b[prefix..b.len() - suffix];
    let mut script = vec![Op::Same; prefix];
    if am.len().saturating_mul(bm.len()) > 4_000_000 {
        script.extend(std::iter::repeat_n(Op::Del, am.len()));
        script.extend(std::iter::repeat_n(Op::Add, bm.len()));
    } else {
        // lcs[i][j] = LCS length of am[i..] and bm[j..].
        let w = bm.len() + 1;
        let mut lcs = vec![0u32; (am.len() + 1) * w];
        for i in (0..am.len()).rev() {
            for j in (0..bm.len()).rev() {
                lcs[i * w + j] = if am[i] == bm[j] {
                    lcs[(i + 1) * w + j + 1] + 1
                } else {
                    lcs[(i + 1) * w + j].max(lcs[i * w + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < am.len() || j < bm.len() {
            if i < am.len() && j < bm.len() && am[i] == bm[j] {
                script.push(Op::Same);
                i += 1;
                j += 1;
            } else if i < am.len() && (j == bm.len() || lcs[(i + 1) * w + j] >= lcs[i * w + j + 1])
            {
                script.push(Op::Del);
                i += 1;
            } else {
                script.push(Op::Add);
                j += 1;
            }
        }
    }
    script.extend(std::iter::repeat_n(Op::Same, suffix));
    script
}
