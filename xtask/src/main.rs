//! `cargo xtask`: repository automation. See `cargo xtask help`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use xtask::manifest::{MANIFEST_PATH, Manifest};
use xtask::{check, cut, diff, probe, update, yaml};

const USAGE: &str = "\
usage: cargo xtask spec <command>

commands:
  update [--from FILE]   Recut spec/openapi.yaml from the pinned upstream (or pin FILE first:
                         it is copied to spec/upstream/ and named in spec/manifest.yaml), and
                         rewrite spec/provenance.yaml and build/path-parameters.yaml.
  check                  Fail if spec/openapi.yaml or build/path-parameters.yaml differs from
                         what the pin gives, or the pin's sha256 differs from
                         spec/provenance.yaml.
  diff OLD NEW [--fail-on-breaking]
                         Report how the manifest's operations changed between two specs (full
                         upstream files or fragments). Exits 0 unless --fail-on-breaking is given
                         and a change is BREAKING.
  cut FILE --out OUT     Cut FILE by the manifest into OUT, without touching the pin or
                         provenance (used to make test fixtures).
  probe [FILE] [--today YYYY-MM-DD]
                         Cut every operation of FILE (default: the pin) alone and run it
                         through build.rs's transforms and progenitor's generation (no
                         compile), then the whole file as one spec. Versions are chosen as
                         of --today, by default spec/provenance.yaml's `updated` date, as
                         build.rs does. Prints each failure and last
                         `N of M operations generate`; exits 1 unless all generate.

Paths given on the command line are relative to the current directory; the manifest, the
fragment and provenance are found from the workspace root.
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match run(&args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn usage_error(msg: &str) -> xtask::Error {
    xtask::Error(format!("{msg}\n\n{USAGE}"))
}

fn run(args: &[&str]) -> xtask::Result<ExitCode> {
    match args {
        [] | ["help" | "-h" | "--help"] | ["spec"] | ["spec", "help" | "-h" | "--help"] => {
            print!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        ["spec", "update", rest @ ..] => spec_update(rest),
        ["spec", "check"] => spec_check(),
        ["spec", "diff", rest @ ..] => spec_diff(rest),
        ["spec", "cut", rest @ ..] => spec_cut(rest),
        ["spec", "probe", rest @ ..] => spec_probe(rest),
        ["spec", probe::CHILD_COMMAND, file, today, first, end] => {
            let number = |s: &str| {
                s.parse::<usize>()
                    .map_err(|_| usage_error(&format!("not a case number: {s}")))
            };
            probe::child(Path::new(file), today, number(first)?, number(end)?)?;
            Ok(ExitCode::SUCCESS)
        }
        ["spec", other, ..] => Err(usage_error(&format!("unknown spec command `{other}`"))),
        [other, ..] => Err(usage_error(&format!("unknown command `{other}`"))),
    }
}

fn spec_update(args: &[&str]) -> xtask::Result<ExitCode> {
    let from = match args {
        [] => None,
        ["--from", file] => Some(PathBuf::from(file)),
        _ => return Err(usage_error("spec update takes only `--from FILE`")),
    };
    let start = Instant::now();
    let report = update::update(&update::UpdateOptions {
        root: xtask::workspace_root(),
        from,
        date: update::today(),
    })?;
    if report.pinned_copy {
        println!("pinned {}", report.upstream);
    }
    if let Some(prev) = &report.previous_pin {
        println!(
            "{MANIFEST_PATH} now pins {} (was {prev}; remove the old file if nothing else uses it)",
            report.upstream
        );
    }
    println!(
        "{} {} from {} (sha256 {}, x-xgen-sha {}): {} operation(s)",
        if report.fragment_changed {
            "wrote"
        } else {
            "unchanged:"
        },
        update::FRAGMENT_PATH,
        report.upstream,
        report.recut.upstream_sha256,
        report.recut.xgen_sha.as_deref().unwrap_or("none"),
        report.recut.operations.len()
    );
    for op in &report.recut.operations {
        let alias = if op.found_as != op.id {
            format!(" (found as {})", op.found_as)
        } else {
            String::new()
        };
        println!(
            "  {} {} {}{alias}",
            op.id,
            op.method.to_uppercase(),
            op.path
        );
    }
    println!(
        "wrote {} in {:.2?}",
        update::PROVENANCE_PATH,
        start.elapsed()
    );
    Ok(ExitCode::SUCCESS)
}

fn spec_check() -> xtask::Result<ExitCode> {
    let start = Instant::now();
    let report = check::check(&xtask::workspace_root())?;
    if report.is_ok() {
        println!(
            "spec check: {} matches a fresh cut of the pinned upstream ({:.2?})",
            update::FRAGMENT_PATH,
            start.elapsed()
        );
        return Ok(ExitCode::SUCCESS);
    }
    for p in &report.problems {
        eprintln!("spec check: {p}");
    }
    eprintln!("fix: run `{}` and commit the result", check::FIX_COMMAND);
    Ok(ExitCode::from(1))
}

fn spec_diff(args: &[&str]) -> xtask::Result<ExitCode> {
    let mut fail_on_breaking = false;
    let mut files = Vec::new();
    for a in args {
        match *a {
            "--fail-on-breaking" => fail_on_breaking = true,
            flag if flag.starts_with("--") => {
                return Err(usage_error(&format!("unknown flag `{flag}` for spec diff")));
            }
            file => files.push(file),
        }
    }
    let [old, new] = files[..] else {
        return Err(usage_error("spec diff needs two files: OLD NEW"));
    };
    let manifest = Manifest::load(&xtask::workspace_root().join(MANIFEST_PATH))?;
    let old_doc = yaml::load(Path::new(old))?;
    let new_doc = yaml::load(Path::new(new))?;
    let report = diff::diff(&old_doc, &new_doc, &manifest.operations, old, new)?;
    print!("{}", report.render());
    if fail_on_breaking && report.has_breaking() {
        eprintln!("spec diff: {} breaking change(s)", report.breaking());
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn spec_cut(args: &[&str]) -> xtask::Result<ExitCode> {
    let (file, out) = match args {
        [file, "--out", out] | ["--out", out, file] => (Path::new(file), Path::new(out)),
        _ => return Err(usage_error("spec cut needs FILE --out OUT")),
    };
    let manifest = Manifest::load(&xtask::workspace_root().join(MANIFEST_PATH))?;
    let name = file.display().to_string();
    let doc = yaml::load(file)?;
    let fragment = cut::cut(&doc, &manifest.operations, &name, cut::Missing::Error)?;
    let label = file.file_name().and_then(|n| n.to_str()).unwrap_or(&name);
    let header = format!(
        "Cut by `cargo xtask spec cut` from {label} (upstream sha256 {}).\n\
         Do not edit by hand: recut it instead.",
        xtask::sha256_hex(&xtask::read_bytes(file)?)
    );
    xtask::write(out, cut::render(&fragment.doc, &header)?)?;
    println!(
        "wrote {} ({} operation(s))",
        out.display(),
        fragment.operations.len()
    );
    for op in &fragment.operations {
        println!(
            "  {} {} {} as {}",
            op.id,
            op.method.to_uppercase(),
            op.path,
            op.found_as
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn spec_probe(args: &[&str]) -> xtask::Result<ExitCode> {
    let mut file = None;
    let root = xtask::workspace_root();
    let mut today = None;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match *arg {
            "--today" => match rest.next() {
                Some(date) => today = Some((*date).to_owned()),
                None => return Err(usage_error("--today needs a date")),
            },
            flag if flag.starts_with("--") => {
                return Err(usage_error(&format!(
                    "unknown flag `{flag}` for spec probe"
                )));
            }
            f if file.is_none() => file = Some(PathBuf::from(f)),
            _ => return Err(usage_error("spec probe takes one FILE")),
        }
    }
    let file = match file {
        Some(f) => f,
        None => root.join(Manifest::load(&root.join(MANIFEST_PATH))?.upstream),
    };
    // build.rs's date, so the probe checks what a build would generate, and a CI run does
    // not change with the calendar.
    let today = match today {
        Some(t) => t,
        None => update::Provenance::load_updated(&root.join(update::PROVENANCE_PATH))?,
    };
    let exe = std::env::current_exe()
        .map_err(|e| xtask::Error(format!("cannot find this program: {e}")))?;
    let workers = std::thread::available_parallelism().map_or(2, usize::from);
    let start = Instant::now();
    let report = probe::probe(&exe, &file, &today, workers)?;
    eprintln!(
        "spec probe: {} with versions as of {today}, in {:.1?}",
        file.display(),
        start.elapsed()
    );
    print!("{}", report.render());
    Ok(if report.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
