#![cfg(feature = "cli")]
//! The `api <tag> <operationId>` form, the new flags (`-o`, `--page-num`), the 401 hint
//! and completions, through the binary against the stand-in.

mod cli_support;

use atlas_snapshots::env;
use atlas_snapshots_standin::sample;
use cli_support::{cli, run, standin};

const GROUP: &str = sample::GROUP_ID;
const SERVERLESS: &str = sample::SERVERLESS_NAME;
const FLEX: &str = sample::FLEX_NAME;

/// The seed's command line, with operation id `id`.
fn seed_line(id: &str, snapshot: &str) -> String {
    format!(
        "api cloudBackups {id} --groupId {GROUP} --clusterName {SERVERLESS} --snapshotId {snapshot}"
    )
}

fn query(standin: &atlas_snapshots_standin::StandIn) -> Vec<(String, String)> {
    let requests = standin.requests();
    let last = requests.last().expect("a request");
    let mut pairs: Vec<(String, String)> =
        url::form_urlencoded::parse(last.query.clone().unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    pairs.sort();
    pairs
}

#[tokio::test(flavor = "multi_thread")]
async fn the_seeds_command_line_returns_the_snapshot_by_short_and_current_id() {
    let standin = standin().await;
    let snapshot = sample::serverless_snapshot(3);
    let id = snapshot["id"].as_str().expect("sample id").to_owned();
    standin.seed_serverless(
        GROUP,
        SERVERLESS,
        vec![sample::serverless_snapshot(0), snapshot.clone()],
    );
    // The stand-in's clock, the day before the Serverless snapshots' sunset.
    standin.set_today(Some("2026-01-21")).expect("a date");

    for operation in [
        "getServerlessBackupSnapshot",
        "getGroupServerlessBackupSnapshot",
    ] {
        let out = run(cli(&standin.base_url(), &seed_line(operation, &id))).await;
        out.assert_code(0);
        assert_eq!(out.json(), snapshot, "{operation}");
        assert!(
            out.stderr.contains("warning: getServerlessBackupSnapshot")
                && out
                    .stderr
                    .contains("use 'atlas-snapshots flex get' instead"),
            "deprecated, naming the Flex command: {out:#?}"
        );
    }
    let requests = standin.requests();
    assert_eq!(requests.len(), 2);
    for request in requests {
        assert_eq!(
            request.path,
            format!("/api/atlas/v2/groups/{GROUP}/serverless/{SERVERLESS}/backup/snapshots/{id}")
        );
        assert_eq!(
            request.header("accept"),
            Some("application/vnd.atlas.2023-01-01+json")
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn after_the_sunset_the_api_form_exits_3_naming_the_flex_command() {
    let standin = standin().await;
    standin.seed_serverless(GROUP, SERVERLESS, vec![sample::serverless_snapshot(0)]);
    standin.set_today(Some("2026-01-23")).expect("a date");
    let id = sample::snapshot_id(0x6571, 0);

    let out = run(cli(
        &standin.base_url(),
        &seed_line("getServerlessBackupSnapshot", &id),
    ))
    .await;

    out.assert_code(3);
    assert_eq!(out.stdout, "");
    let errors: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| !l.starts_with("warning:"))
        .collect();
    assert!(
        errors[0].contains("410") && errors[0].contains("VERSION_GONE"),
        "{out:#?}"
    );
    assert_eq!(
        errors.get(1).copied(),
        Some("hint: getServerlessBackupSnapshot is gone; use 'atlas-snapshots flex get' instead"),
        "{out:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn api_help_shows_the_parameters_their_patterns_and_the_sunset() {
    let out = run(cli(
        "http://127.0.0.1:9",
        "api cloudBackups getServerlessBackupSnapshot --help",
    ))
    .await;
    out.assert_code(0);
    for expected in [
        "Return One Snapshot of One Serverless Instance",
        "--groupId <GROUPID>",
        "--clusterName <CLUSTERNAME>",
        "--snapshotId <SNAPSHOTID>",
        "matching ^([a-f0-9]{24})$",
        "--version <YYYY-MM-DD>",
        "[possible values: 2023-01-01]",
        "Deprecated by Atlas; sunset 2026-01-22",
        "Use `atlas-snapshots flex get` (`atlas-snapshots api flexSnapshots getFlexBackupSnapshot`) instead",
    ] {
        assert!(
            out.stdout.contains(expected),
            "{expected:?} in {}",
            out.stdout
        );
    }
    // The list's help has its query parameters, with their bounds.
    let out = run(cli(
        "http://127.0.0.1:9",
        "api flexSnapshots listFlexBackupSnapshots --help",
    ))
    .await;
    out.assert_code(0);
    for expected in [
        "--itemsPerPage <N>",
        "1 to 500",
        "--pageNum <N>",
        "--pretty",
        "--includeCount",
    ] {
        assert!(
            out.stdout.contains(expected),
            "{expected:?} in {}",
            out.stdout
        );
    }
    assert!(!out.stdout.contains("Deprecated"), "{}", out.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn api_list_sends_the_spec_query_parameters() {
    let standin = standin().await;
    standin.seed_flex(GROUP, FLEX, (0..5).map(sample::flex_snapshot).collect());

    let args = format!(
        "api flexSnapshots listFlexBackupSnapshots --groupId {GROUP} --name {FLEX} --pageNum 2 --itemsPerPage 2 --includeCount=false"
    );
    let out = run(cli(&standin.base_url(), &args)).await;

    out.assert_code(0);
    let page = out.json();
    assert_eq!(page["results"][0], sample::flex_snapshot(2), "{out:#?}");
    assert_eq!(
        query(&standin),
        [
            ("includeCount".to_owned(), "false".to_owned()),
            ("itemsPerPage".to_owned(), "2".to_owned()),
            ("pageNum".to_owned(), "2".to_owned()),
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn api_refuses_bad_values_naming_the_spec_flag_before_sending() {
    let standin = standin().await;
    let cases = [
        // The pattern, checked by the library: the flag is named as typed.
        (
            "api cloudBackups getServerlessBackupSnapshot --groupId ABC --clusterName S --snapshotId 0123456789abcdef01234567".to_owned(),
            "invalid --groupId",
        ),
        // An unknown API version.
        (
            format!("{} --version 2099-01-01", seed_line("getServerlessBackupSnapshot", "0123456789abcdef01234567")),
            "2099-01-01",
        ),
        // The spec's bounds.
        (
            format!("api flexSnapshots listFlexBackupSnapshots --groupId {GROUP} --name {FLEX} --itemsPerPage 501"),
            "--itemsPerPage",
        ),
        // A required parameter.
        (
            format!("api cloudBackups getServerlessBackupSnapshot --groupId {GROUP} --clusterName S"),
            "--snapshotId",
        ),
    ];
    for (args, named) in cases {
        let out = run(cli(&standin.base_url(), &args)).await;
        out.assert_code(2);
        assert!(out.stderr.contains(named), "{named:?}: {out:#?}");
    }
    assert_eq!(standin.request_count(), 0, "nothing was sent");
}

#[tokio::test(flavor = "multi_thread")]
async fn short_output_flag_and_page_num_work_on_friendly_lists() {
    let standin = standin().await;
    standin.seed_flex(GROUP, FLEX, (0..3).map(sample::flex_snapshot).collect());

    let args = format!(
        "-o table flex list --group-id {GROUP} --cluster {FLEX} --page-size 1 --page-num 3"
    );
    let out = run(cli(&standin.base_url(), &args)).await;

    out.assert_code(0);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{out:#?}");
    assert!(lines[0].starts_with("ID"), "{out:#?}");
    assert!(
        lines[1].starts_with(&sample::snapshot_id(0x6f1e, 2)),
        "{out:#?}"
    );
    assert_eq!(
        query(&standin),
        [
            ("itemsPerPage".to_owned(), "1".to_owned()),
            ("pageNum".to_owned(), "3".to_owned()),
        ]
    );

    let args = format!("flex list --group-id {GROUP} --cluster {FLEX} --all --page-num 2");
    let out = run(cli(&standin.base_url(), &args)).await;
    out.assert_code(2);
    assert!(out.stderr.contains("--page-num"), "{out:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_401_without_credentials_hints_at_the_variables() {
    let standin = standin().await;
    standin.seed_flex(GROUP, FLEX, vec![sample::flex_snapshot(0)]);
    let args = format!("flex list --group-id {GROUP} --cluster {FLEX}");

    let mut cmd = cli(&standin.base_url(), &args);
    cmd.env_remove(env::ACCESS_TOKEN);
    let out = run(cmd).await;
    out.assert_code(3);
    let hint = out
        .stderr
        .lines()
        .find(|l| l.starts_with("hint:"))
        .unwrap_or_else(|| panic!("a hint: {out:#?}"));
    for variable in [
        env::CLIENT_ID,
        env::CLIENT_SECRET,
        env::PUBLIC_API_KEY,
        env::PRIVATE_API_KEY,
        env::ACCESS_TOKEN,
    ] {
        assert!(hint.contains(variable), "{variable}: {hint}");
    }

    // With a credential that is simply wrong, the hint would mislead.
    let mut cmd = cli(&standin.base_url(), &args);
    cmd.env(env::ACCESS_TOKEN, "not-the-token");
    let out = run(cmd).await;
    out.assert_code(3);
    assert!(!out.stderr.contains("hint:"), "{out:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn completions_are_generated_for_bash_zsh_and_fish() {
    for shell in ["bash", "zsh", "fish"] {
        let out = run(cli("http://127.0.0.1:9", &format!("completions {shell}"))).await;
        out.assert_code(0);
        for word in [
            "serverless",
            "flex",
            "api",
            "cloudBackups",
            "getServerlessBackupSnapshot",
            "group-id",
            "page-num",
        ] {
            assert!(out.stdout.contains(word), "{shell}: {word}");
        }
    }
    let out = run(cli("http://127.0.0.1:9", "completions tcsh")).await;
    out.assert_code(2);
    assert_eq!(out.stdout, "");
}
