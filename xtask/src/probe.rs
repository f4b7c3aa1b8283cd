//! `cargo xtask spec probe`: does every operation of a spec get through the generation?
//!
//! Each operation is cut alone (with the components it reaches, by [`cut::cut`]) and run
//! through build.rs's own pipeline (`build/pipeline.rs`: the transforms, then progenitor's
//! generation; nothing is compiled); then the whole file as one spec. progenitor and
//! typify panic on what they do not support and typify can recurse until the stack
//! overflows, which aborts the process, so the cases run in child processes (this binary
//! again, [`CHILD_COMMAND`]) that say which case they start and how it ended: a child that
//! dies names the case that killed it, and a new child goes on after it.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Mutex;

use crate::manifest::{MANIFEST_PATH, Manifest, OperationSpec};
use crate::{Error, Result, cut, pipeline, whole_spec, yaml};

/// The hidden subcommand a child runs: `spec probe-child FILE TODAY FIRST END`.
pub const CHILD_COMMAND: &str = "probe-child";

/// Cases per child: enough to spread the child's YAML parse (about a second in a debug
/// build), few enough that the two cores stay busy to the end.
const BATCH: usize = 45;

/// typify recurses per nesting level; give it room so only a true loop overflows.
const STACK: usize = 256 << 20;

/// One probed case: an operation alone, or the whole file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// `GET /path (operationId)`, or `the whole file`.
    pub label: String,
    /// `None` when it generates, else why not.
    pub failure: Option<String>,
}

/// The probe's findings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// One per operation, in spec order.
    pub operations: Vec<Outcome>,
    pub whole: Outcome,
}

impl Report {
    pub fn generated(&self) -> usize {
        self.operations
            .iter()
            .filter(|o| o.failure.is_none())
            .count()
    }

    pub fn is_ok(&self) -> bool {
        self.generated() == self.operations.len() && self.whole.failure.is_none()
    }

    /// Failures one a line, the whole file's result, and last `N of M operations generate`.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for o in &self.operations {
            if let Some(f) = &o.failure {
                out.push_str(&format!("FAIL {}: {f}\n", o.label));
            }
        }
        match &self.whole.failure {
            None => out.push_str("the whole file as one spec generates\n"),
            Some(f) => out.push_str(&format!("FAIL the whole file as one spec: {f}\n")),
        }
        out.push_str(&format!(
            "{} of {} operations generate\n",
            self.generated(),
            self.operations.len()
        ));
        out
    }
}

/// A spec loaded for probing: the YAML to cut from, its operations, and what the
/// pipeline takes from the whole file.
pub struct Spec {
    doc: yaml::Value,
    /// `(method, path, operationId)` in spec order.
    operations: Vec<(String, String, String)>,
    patterns: BTreeMap<String, String>,
    /// Version pins, as build.rs applies them; operations without one get the rule's.
    pins: Vec<OperationSpec>,
}

/// The version pins of the manifest at `root`, without successors: a one-operation cut
/// does not hold the successor that build.rs would name.
pub fn manifest_pins(root: &Path) -> Result<Vec<OperationSpec>> {
    let manifest = Manifest::load(&root.join(MANIFEST_PATH))?;
    Ok(manifest
        .operations
        .into_iter()
        .map(|op| OperationSpec {
            successor: None,
            ..op
        })
        .collect())
}

impl Spec {
    pub fn load(path: &Path, pins: Vec<OperationSpec>) -> Result<Spec> {
        let doc = yaml::load(path)?;
        let operations = cut::operations(&doc)
            .into_iter()
            .map(|(method, path, op)| {
                let id = yaml::get_str(op, "operationId").unwrap_or_default();
                (method, path, id.to_owned())
            })
            .collect();
        let patterns = whole_spec::path_parameter_patterns(&to_json(&doc)?);
        Ok(Spec {
            doc,
            operations,
            patterns,
            pins,
        })
    }

    pub fn len(&self) -> usize {
        self.operations.len()
    }

    pub fn is_empty(&self) -> bool {
        self.operations.is_empty()
    }

    /// Case `i < len()` is operation `i` alone; case `len()` is the whole file.
    fn label(&self, case: usize) -> String {
        match self.operations.get(case) {
            Some((method, path, id)) => format!("{} {path} ({id})", method.to_uppercase()),
            None => "the whole file".to_owned(),
        }
    }

    /// Runs one case in this process; a panic comes back as its message.
    pub fn run(&self, case: usize, today: &str) -> Result<(), String> {
        let spec = match self.operations.get(case) {
            Some((_, _, id)) => {
                let wanted = [OperationSpec::new(id, &[])];
                let fragment = cut::cut(&self.doc, &wanted, id, cut::Missing::Error)
                    .map_err(|e| format!("cut: {e}"))?;
                to_json(&fragment.doc).map_err(|e| e.0)?
            }
            None => to_json(&self.doc).map_err(|e| e.0)?,
        };
        let (patterns, pins) = (&self.patterns, &self.pins);
        std::thread::scope(|s| {
            let worker = std::thread::Builder::new()
                .stack_size(STACK)
                .spawn_scoped(s, move || {
                    // Digestible is the question: an operation progenitor generates but
                    // build/emit.rs has no method for yet (`unsupported`) passes here,
                    // and build.rs names it if it is vendored.
                    pipeline::generate(spec, today, pins, patterns).map(drop)
                })
                .map_err(|e| format!("cannot start a thread: {e}"))?;
            worker.join().unwrap_or_else(|payload| {
                let msg = payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "a panic without a message".to_owned());
                Err(format!("panicked: {msg}"))
            })
        })
    }
}

fn to_json(doc: &yaml::Value) -> Result<serde_json::Value> {
    serde_json::to_value(doc).map_err(|e| Error(format!("not JSON-compatible: {e}")))
}

/// One line of a failure, short enough to read in a CI log.
fn one_line(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(300) {
        Some((i, _)) => format!("{}...", &flat[..i]),
        None => flat,
    }
}

/// The child's side: runs cases `first..end` of `file`, one line each on stdout,
/// `start I` before a case and `ok I` or `fail I CAUSE` after.
pub fn child(file: &Path, today: &str, first: usize, end: usize) -> Result<()> {
    // Panics are reported as results; the default hook would only add noise on stderr.
    std::panic::set_hook(Box::new(|_| {}));
    let spec = Spec::load(file, manifest_pins(&crate::workspace_root())?)?;
    let mut out = std::io::stdout().lock();
    let io = |e: std::io::Error| Error(format!("writing to the probe: {e}"));
    for case in first..end.min(spec.len() + 1) {
        writeln!(out, "start {case}")
            .and_then(|()| out.flush())
            .map_err(io)?;
        match spec.run(case, today) {
            Ok(()) => writeln!(out, "ok {case}"),
            Err(e) => writeln!(out, "fail {case} {}", one_line(&e)),
        }
        .and_then(|()| out.flush())
        .map_err(io)?;
    }
    Ok(())
}

/// The parent's side: probes every operation of `file`, and the whole file, in
/// `workers` parallel chains of child processes of `exe`.
pub fn probe(exe: &Path, file: &Path, today: &str, workers: usize) -> Result<Report> {
    // Only to count and label the cases: the children run them, with the pins.
    let spec = Spec::load(file, Vec::new())?;
    let cases = spec.len() + 1;
    // The whole file is the longest case: start it first so it does not finish last alone.
    let mut batches: Vec<(usize, usize)> = vec![(spec.len(), cases)];
    batches.extend(
        (0..spec.len())
            .step_by(BATCH)
            .map(|s| (s, (s + BATCH).min(spec.len()))),
    );
    batches.reverse();
    let queue = Mutex::new(batches);
    let results: Mutex<BTreeMap<usize, Option<String>>> = Mutex::new(BTreeMap::new());
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers.max(1))
            .map(|_| {
                s.spawn(|| -> Result<()> {
                    loop {
                        let Some((first, end)) = queue.lock().map_err(poisoned)?.pop() else {
                            return Ok(());
                        };
                        run_batch(exe, file, today, first, end, &results)?;
                    }
                })
            })
            .collect();
        handles.into_iter().try_for_each(|h| {
            h.join()
                .map_err(|_| Error::new("a probe thread panicked"))?
        })
    })?;
    let results = results.into_inner().map_err(poisoned)?;
    let outcome = |case: usize| Outcome {
        label: spec.label(case),
        failure: results
            .get(&case)
            .cloned()
            .unwrap_or_else(|| Some("no result".to_owned())),
    };
    Ok(Report {
        operations: (0..spec.len()).map(outcome).collect(),
        whole: outcome(spec.len()),
    })
}

fn poisoned<T>(_: T) -> Error {
    Error::new("a probe thread panicked")
}

/// Runs cases `first..end` in children until each has a result: a child that dies
/// mid-case gets that case recorded as its cause of death, and a new child resumes after it.
fn run_batch(
    exe: &Path,
    file: &Path,
    today: &str,
    mut first: usize,
    end: usize,
    results: &Mutex<BTreeMap<usize, Option<String>>>,
) -> Result<()> {
    while first < end {
        let mut child = Command::new(exe)
            .args(["spec", CHILD_COMMAND])
            .arg(file)
            .args([today, &first.to_string(), &end.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| Error(format!("cannot run {}: {e}", exe.display())))?;
        let stdout = child.stdout.take().ok_or(Error::new("no child stdout"))?;
        let mut running = None;
        for line in BufReader::new(stdout).lines() {
            let line = line.map_err(|e| Error(format!("reading a probe child: {e}")))?;
            let mut words = line.splitn(3, ' ');
            let (Some(what), Some(case)) = (words.next(), words.next()) else {
                continue;
            };
            let Ok(case) = case.parse::<usize>() else {
                continue;
            };
            let result = match what {
                "start" => {
                    running = Some(case);
                    continue;
                }
                "ok" => None,
                _ => Some(words.next().unwrap_or_default().to_owned()),
            };
            running = None;
            first = case + 1;
            results.lock().map_err(poisoned)?.insert(case, result);
        }
        let output = child
            .wait_with_output()
            .map_err(|e| Error(format!("waiting for a probe child: {e}")))?;
        if first >= end {
            break;
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr.lines().rfind(|l| !l.trim().is_empty()).unwrap_or("");
        let cause = format!("the generator died ({}): {}", output.status, one_line(last));
        match running {
            Some(case) => {
                results.lock().map_err(poisoned)?.insert(case, Some(cause));
                first = case + 1;
            }
            // It died before its first case: nothing in this batch can run.
            None => {
                let mut results = results.lock().map_err(poisoned)?;
                for case in first..end {
                    results.insert(case, Some(cause.clone()));
                }
                break;
            }
        }
    }
    Ok(())
}
