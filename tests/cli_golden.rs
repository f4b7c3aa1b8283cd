#![cfg(feature = "cli")]
//! Golden files for what people and scripts read: `--help` of every command (found by
//! walking the binary's own help, so a new command gets a file) and table output.
//!
//! A change shows as a failing test naming the file; review it, then accept every
//! change at once with `ACCEPT_GOLDEN=1 cargo test --features cli --test cli_golden`
//! and commit `tests/golden/`.

mod cli_support;

use std::{collections::BTreeSet, fs, path::PathBuf};

use atlas_snapshots_standin::sample;
use cli_support::{Run, cli, run, standin};

const ACCEPT: &str = "ACCEPT_GOLDEN";

fn golden_dir(kind: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(kind)
}

/// Compares `actual` with the golden file `kind/name.txt`, or writes it when accepting.
/// Returns a description of the difference, if any.
fn check(kind: &str, name: &str, actual: &str) -> Option<String> {
    let path = golden_dir(kind).join(format!("{name}.txt"));
    if std::env::var_os(ACCEPT).is_some() {
        fs::create_dir_all(golden_dir(kind)).expect("create the golden directory");
        fs::write(&path, actual).expect("write the golden file");
        return None;
    }
    let expected = fs::read_to_string(&path).unwrap_or_default();
    if expected == actual {
        return None;
    }
    let line = expected
        .lines()
        .zip(actual.lines())
        .position(|(e, a)| e != a)
        .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
    Some(format!(
        "{} differs from line {} on:\n--- expected\n{}\n+++ actual\n{}",
        path.display(),
        line + 1,
        expected
            .lines()
            .skip(line)
            .take(5)
            .collect::<Vec<_>>()
            .join("\n"),
        actual
            .lines()
            .skip(line)
            .take(5)
            .collect::<Vec<_>>()
            .join("\n"),
    ))
}

/// The subcommands a help text lists under `Commands:`, without `help`.
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

fn verdict(differences: Vec<String>) {
    assert!(
        differences.is_empty(),
        "{}\n\nIf the change is intended: {ACCEPT}=1 cargo test --features cli --test cli_golden",
        differences.join("\n\n")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn help_of_every_command_matches_its_golden_file() {
    let mut differences = Vec::new();
    let mut seen = BTreeSet::new();
    let mut queue: Vec<Vec<String>> = vec![Vec::new()];
    while let Some(words) = queue.pop() {
        let args = words
            .iter()
            .map(String::as_str)
            .chain(["--help"])
            .collect::<Vec<_>>();
        let out: Run = run(cli("http://127.0.0.1:9", &args.join(" "))).await;
        out.assert_code(0);
        let name = std::iter::once("atlas-snapshots")
            .chain(words.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join("_");
        differences.extend(check("help", &name, &out.stdout));
        seen.insert(format!("{name}.txt"));
        for sub in subcommands(&out.stdout) {
            let mut next = words.clone();
            next.push(sub);
            queue.push(next);
        }
    }
    // The `api` commands are among them, and a removed command leaves no stale file.
    assert!(
        seen.contains("atlas-snapshots_api_cloudBackups_getServerlessBackupSnapshot.txt"),
        "{seen:?}"
    );
    let on_disk: BTreeSet<String> = fs::read_dir(golden_dir("help"))
        .map(|dir| {
            dir.filter_map(|e| Some(e.ok()?.file_name().to_string_lossy().into_owned()))
                .collect()
        })
        .unwrap_or_default();
    for stale in on_disk.difference(&seen) {
        if std::env::var_os(ACCEPT).is_some() {
            fs::remove_file(golden_dir("help").join(stale)).expect("remove a stale golden file");
        } else {
            differences.push(format!("tests/golden/help/{stale} has no command any more"));
        }
    }
    verdict(differences);
}

#[tokio::test(flavor = "multi_thread")]
async fn table_output_matches_its_golden_files() {
    let standin = standin().await;
    let group = sample::GROUP_ID;
    let (serverless, flex) = (sample::SERVERLESS_NAME, sample::FLEX_NAME);
    standin.seed_serverless(
        group,
        serverless,
        (0..12).map(sample::serverless_snapshot).collect(),
    );
    let mut odd = sample::flex_snapshot(1);
    odd["scheduledTime"] = serde_json::Value::Null;
    standin.seed_flex(
        group,
        flex,
        vec![sample::flex_snapshot(0), odd, sample::flex_snapshot(30)],
    );
    standin.seed_flex_cluster(group, flex, sample::flex_cluster_in(group, flex));
    standin.seed_serverless_instance(
        group,
        serverless,
        sample::serverless_instance_in(group, serverless),
    );
    let serverless_id = sample::snapshot_id(0x6571, 9);
    let flex_id = sample::snapshot_id(0x6f1e, 0);

    let cases = [
        (
            "serverless-list",
            format!("serverless list --group-id {group} --cluster {serverless}"),
        ),
        (
            "serverless-list-all",
            format!(
                "serverless list --all --page-size 5 --group-id {group} --cluster {serverless}"
            ),
        ),
        (
            "serverless-get",
            format!(
                "serverless get --group-id {group} --cluster {serverless} --snapshot {serverless_id}"
            ),
        ),
        (
            "flex-list",
            format!("flex list --group-id {group} --cluster {flex}"),
        ),
        (
            "flex-get",
            format!("flex get --group-id {group} --cluster {flex} --snapshot {flex_id}"),
        ),
        (
            "api-flex-list",
            format!("api flexSnapshots listFlexBackupSnapshots --groupId {group} --name {flex}"),
        ),
        ("clusters-list", format!("clusters list --group-id {group}")),
        (
            "serverless-instances-list",
            format!("serverless instances list --all --group-id {group}"),
        ),
    ];
    let mut differences = Vec::new();
    for (name, args) in cases {
        let out = run(cli(&standin.base_url(), &format!("--output table {args}"))).await;
        out.assert_code(0);
        differences.extend(check("table", name, &out.stdout));
    }
    verdict(differences);
}
