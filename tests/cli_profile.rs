#![cfg(all(feature = "cli", unix))]
//! The binary's settings from the Atlas CLI's profiles (flags, then environment, then
//! profile) and its OAuth token cache across runs, against the stand-in. Every run has
//! a home of its own (config and cache locations point into it).

mod cli_support;

use std::{fs, os::unix::fs::PermissionsExt as _, path::Path, process::Command, time::Duration};

use assert_cmd::Command as BoundedCommand;

use atlas_snapshots::env;
use atlas_snapshots_standin::{StandIn, sample};
use cli_support::{Home, Run, TOKEN, standin};
use serde_json::Value;

const GROUP: &str = sample::GROUP_ID;
const FLEX: &str = sample::FLEX_NAME;
/// Groups with no snapshots: a run that used one of them lists nothing.
const ENV_GROUP: &str = "5e2211c17a3e5a48f5497de1";
const FLAG_GROUP: &str = "5e2211c17a3e5a48f5497de2";
const CLIENT_ID: &str = "mdb_sa_id_cli";
const CLIENT_SECRET: &str = "mdb_sa_sk_cli-5ecret";
const SECRET: &str = "s3cr3t-never-shown";

/// [`cli_support::run`] for a plain `Command`, killed after 20 s.
async fn run(cmd: Command) -> Run {
    let mut cmd = BoundedCommand::from_std(cmd);
    cmd.timeout(Duration::from_secs(20));
    cli_support::run(cmd).await
}

/// `flex list` of the sample cluster, then `args`.
fn flex_list(home: &Home, args: &[&str]) -> Command {
    let mut cmd = home.command();
    cmd.args(["flex", "list", "--cluster", FLEX]).args(args);
    cmd
}

/// The group id of every API request the stand-in received.
fn groups_asked(standin: &StandIn) -> Vec<String> {
    standin
        .requests()
        .iter()
        .filter_map(|r| r.path.strip_prefix("/api/atlas/v2/groups/"))
        .map(|rest| rest.split('/').next().unwrap_or("").to_owned())
        .collect()
}

fn seeded(standin: StandIn) -> StandIn {
    standin.seed_flex(GROUP, FLEX, vec![sample::flex_snapshot_in(GROUP, FLEX, 0)]);
    standin.seed_flex(ENV_GROUP, FLEX, Vec::new());
    standin.seed_flex(FLAG_GROUP, FLEX, Vec::new());
    standin
}

fn profile(name: &str, pairs: &[(&str, &str)]) -> String {
    let mut text = format!("[{name}]\n");
    for (key, value) in pairs {
        text.push_str(&format!("{key} = {value:?}\n"));
    }
    text
}

// ----- profiles -----

#[tokio::test(flavor = "multi_thread")]
async fn the_default_profile_gives_credentials_url_and_project() {
    let standin = seeded(standin().await);
    let home = Home::new("default");
    home.write_config(&format!(
        "skip_update_check = true\n{}",
        profile(
            "default",
            &[
                ("access_token", TOKEN),
                ("ops_manager_url", &standin.base_url()),
                ("project_id", GROUP),
                ("org_id", "5e2211c17a3e5a48f5497de0"),
                ("output", "json"),
            ],
        )
    ));
    let out = run(flex_list(&home, &[])).await;
    out.assert_code(0);
    assert_eq!(out.json()["totalCount"], 1, "{out:#?}");
    assert_eq!(groups_asked(&standin), [GROUP]);
    assert!(!out.stderr.contains("warning"), "{out:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn dash_p_picks_a_profile_by_name_in_any_case() {
    let standin = seeded(standin().await);
    let home = Home::new("named");
    let url = standin.base_url();
    home.write_config(&format!(
        "{}{}",
        profile(
            "default",
            &[
                ("access_token", "wrong"),
                ("ops_manager_url", &url),
                ("project_id", GROUP)
            ],
        ),
        profile(
            "work",
            &[
                ("access_token", TOKEN),
                ("ops_manager_url", &url),
                ("project_id", GROUP)
            ],
        ),
    ));
    run(flex_list(&home, &[])).await.assert_code(3);
    run(flex_list(&home, &["-P", "work"])).await.assert_code(0);
    run(flex_list(&home, &["--profile", "WORK"]))
        .await
        .assert_code(0);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_profiles_output_is_the_default_format_and_the_flag_wins() {
    let standin = seeded(standin().await);
    let with_output = |name: &str, output: &str| {
        let home = Home::new(name);
        home.write_config(&profile(
            "default",
            &[
                ("access_token", TOKEN),
                ("ops_manager_url", &standin.base_url()),
                ("project_id", GROUP),
                ("output", output),
            ],
        ));
        home
    };
    // plaintext is the Atlas CLI's columns: a table here.
    let home = with_output("plaintext", "plaintext");
    let table = run(flex_list(&home, &[])).await;
    table.assert_code(0);
    assert!(table.stdout.starts_with("ID"), "{}", table.stdout);
    // The flag over the profile.
    let json = run(flex_list(&home, &["-o", "json"])).await;
    json.assert_code(0);
    assert!(json.json()["results"].is_array(), "{}", json.stdout);
    // A format this tool does not write: a warning, and JSON.
    let home = with_output("template", "go-template={{.id}}");
    let other = run(flex_list(&home, &[])).await;
    other.assert_code(0);
    assert!(other.json()["results"].is_array(), "{}", other.stdout);
    assert!(
        other
            .stderr
            .contains("output \"go-template\" is not one this tool writes"),
        "{}",
        other.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn flags_win_over_the_environment_and_the_environment_over_the_profile() {
    let standin = seeded(standin().await);
    let home = Home::new("precedence");
    home.write_config(&profile(
        "default",
        &[
            ("access_token", "wrong-profile-token"),
            ("ops_manager_url", "http://127.0.0.1:9"),
            ("project_id", GROUP),
        ],
    ));
    let with_env = |args: &[&str]| {
        let mut cmd = flex_list(&home, args);
        cmd.env(env::ACCESS_TOKEN, TOKEN)
            .env(env::OPS_MANAGER_URL, standin.base_url())
            .env("MONGODB_ATLAS_PROJECT_ID", ENV_GROUP);
        cmd
    };
    // The environment's token, URL and project over the profile's.
    run(with_env(&[])).await.assert_code(0);
    // Flags over the environment: --group-id, and --base-url over a dead URL.
    let mut flags = with_env(&["--group-id", FLAG_GROUP]);
    flags
        .env(env::OPS_MANAGER_URL, "http://127.0.0.1:9")
        .args(["--base-url", &standin.base_url()]);
    run(flags).await.assert_code(0);
    // The profile's project when neither flag nor environment gives one.
    let mut profile_project = with_env(&[]);
    profile_project.env_remove("MONGODB_ATLAS_PROJECT_ID");
    run(profile_project).await.assert_code(0);
    assert_eq!(groups_asked(&standin), [ENV_GROUP, FLAG_GROUP, GROUP]);
}

#[tokio::test(flavor = "multi_thread")]
async fn credentials_in_the_environment_replace_the_profiles_as_a_whole() {
    let standin = seeded(standin().await);
    let home = Home::new("whole");
    // A service account in the profile; a bearer token in the environment.
    home.write_config(&profile(
        "default",
        &[
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("ops_manager_url", &standin.base_url()),
            ("project_id", GROUP),
        ],
    ));
    let mut cmd = flex_list(&home, &[]);
    cmd.env(env::ACCESS_TOKEN, TOKEN);
    run(cmd).await.assert_code(0);
    assert_eq!(
        standin.token_requests(),
        0,
        "the profile's service account is unused"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn auth_type_chooses_among_the_profiles_credentials() {
    let standin = seeded(standin().await);
    let home = Home::new("authtype");
    home.write_config(&profile(
        "default",
        &[
            ("auth_type", "user_account"),
            ("public_api_key", "PUBLIC"),
            ("private_api_key", SECRET),
            ("access_token", TOKEN),
            ("ops_manager_url", &standin.base_url()),
            ("project_id", GROUP),
        ],
    ));
    run(flex_list(&home, &[])).await.assert_code(0);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_auth_type_without_its_credentials_gets_a_warning() {
    let standin = seeded(standin().await);
    let home = Home::new("keyring");
    // What the Atlas CLI leaves in config.toml when its keyring holds the secrets.
    home.write_config(&profile(
        "default",
        &[
            ("auth_type", "service_account"),
            ("ops_manager_url", &standin.base_url()),
            ("project_id", GROUP),
        ],
    ));
    let out = run(flex_list(&home, &[])).await;
    out.assert_code(3);
    assert!(
        out.stderr.contains("warning:") && out.stderr.contains("keyring"),
        "{out:#?}"
    );
    let mut with_env = flex_list(&home, &[]);
    with_env.env(env::ACCESS_TOKEN, TOKEN);
    let out = run(with_env).await;
    out.assert_code(0);
    assert!(!out.stderr.contains("warning:"), "{out:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_profile_others_can_read_gets_a_warning() {
    let standin = seeded(standin().await);
    let home = Home::new("perms");
    home.write_config(&profile(
        "default",
        &[
            ("access_token", TOKEN),
            ("ops_manager_url", &standin.base_url()),
            ("project_id", GROUP),
        ],
    ));
    let file = home.config_file();
    fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).expect("chmod");
    let out = run(flex_list(&home, &[])).await;
    out.assert_code(0);
    let warning = out
        .stderr
        .lines()
        .find(|l| l.starts_with("warning:"))
        .unwrap_or_else(|| panic!("a warning: {out:#?}"));
    assert!(warning.contains(&file.display().to_string()), "{warning}");
    assert!(
        warning.contains("644") && warning.contains("other users"),
        "{warning}"
    );
    assert!(!out.stderr.contains(TOKEN), "{out:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_profile_is_exit_2_naming_the_file_and_key_and_nothing_is_sent() {
    let standin = seeded(standin().await);
    let url = standin.base_url();
    let cases: Vec<(&str, String, &[&str], &[&str])> = vec![
        (
            "unterminated string",
            format!("[default]\nprivate_api_key = \"{SECRET}\n"),
            &[],
            &["not valid TOML", "line 2"],
        ),
        (
            "bare value",
            format!("[default]\nclient_secret = {SECRET}\n"),
            &[],
            &["not valid TOML", "line 2"],
        ),
        (
            "control character",
            format!("[default]\npublic_api_key = \"p\"\nprivate_api_key = \"{SECRET}\\u0007\"\n"),
            &[],
            &["[default]", "private_api_key", "control character"],
        ),
        (
            "not a string",
            "[default]\nproject_id = 5\n".to_owned(),
            &[],
            &["[default]", "project_id", "must be a string"],
        ),
        (
            "half a pair",
            format!("[default]\nclient_secret = \"{SECRET}\"\n"),
            &[],
            &["[default]", "client_secret", "no client_id"],
        ),
        (
            "unknown profile",
            format!("[default]\naccess_token = \"{SECRET}\"\n[work]\n"),
            &["-P", "play"],
            &["no profile \"play\"", "default, work"],
        ),
        (
            "nested past the parser's limit",
            format!("a = {}{}\n", "[".repeat(100_000), "]".repeat(100_000)),
            &[],
            &["not valid TOML", "recursion"],
        ),
        (
            "oversized",
            format!("# {SECRET}{}\n", "x".repeat(2 << 20)),
            &[],
            &["is over 1048576 bytes"],
        ),
    ];
    for (case, config, args, expected) in cases {
        let home = Home::new("bad");
        home.write_config(&config);
        let mut all = vec!["--base-url", &url, "--group-id", GROUP];
        all.extend_from_slice(args);
        let out = run(flex_list(&home, &all)).await;
        out.assert_code(2);
        let file = home.config_file().display().to_string();
        assert!(
            out.stderr.contains(&file),
            "{case}: names the file: {out:#?}"
        );
        for text in expected {
            assert!(out.stderr.contains(text), "{case}: says {text:?}: {out:#?}");
        }
        assert!(!out.stderr.contains(SECRET), "{case}: no secret: {out:#?}");
    }
    let home = Home::new("utf8");
    home.write_config("");
    fs::write(home.config_file(), b"[default]\naccess_token = \"\xff\"\n").expect("write");
    let out = run(flex_list(&home, &["--base-url", &url, "--group-id", GROUP])).await;
    out.assert_code(2);
    assert!(out.stderr.contains("is not UTF-8"), "{out:#?}");
    // No file at all: -P is an error, the default profile is not.
    let home = Home::new("nofile");
    let out = run(flex_list(&home, &["--base-url", &url, "-P", "work"])).await;
    out.assert_code(2);
    assert!(
        out.stderr
            .contains(&home.config_file().display().to_string()),
        "{out:#?}"
    );
    assert_eq!(standin.request_count(), 0, "nothing was sent");
}

#[tokio::test(flavor = "multi_thread")]
async fn no_project_from_any_source_is_exit_2_before_anything_is_sent() {
    let standin = seeded(standin().await);
    let home = Home::new("noproject");
    let mut cmd = flex_list(&home, &["--base-url", &standin.base_url()]);
    cmd.env(env::ACCESS_TOKEN, TOKEN);
    let out = run(cmd).await;
    out.assert_code(2);
    for name in ["--group-id", "MONGODB_ATLAS_PROJECT_ID", "project_id"] {
        assert!(out.stderr.contains(name), "names {name}: {out:#?}");
    }
    assert_eq!(standin.request_count(), 0);
}

// ----- the token cache -----

async fn service_account_standin() -> StandIn {
    seeded(
        StandIn::builder()
            .service_account(CLIENT_ID, CLIENT_SECRET)
            .start()
            .await
            .expect("start the stand-in"),
    )
}

/// `flex list` signed with the service account from the environment.
fn sa_list(home: &Home, standin: &StandIn, args: &[&str]) -> Command {
    let mut cmd = flex_list(home, args);
    cmd.env(env::CLIENT_ID, CLIENT_ID)
        .env(env::CLIENT_SECRET, CLIENT_SECRET)
        .args(["--base-url", &standin.base_url(), "--group-id", GROUP]);
    cmd
}

/// The one token file in the home's cache, and its JSON.
fn cache_file(home: &Home) -> (std::path::PathBuf, Value) {
    let files: Vec<_> = fs::read_dir(home.cache_dir())
        .expect("the cache directory")
        .map(|e| e.expect("an entry").path())
        .collect();
    assert_eq!(files.len(), 1, "one file, no temporary left: {files:?}");
    let text = fs::read(&files[0]).expect("read the cache file");
    let json = serde_json::from_slice(&text).expect("the cache file is JSON");
    (files[0].clone(), json)
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).expect("metadata").permissions().mode() & 0o777
}

#[tokio::test(flavor = "multi_thread")]
async fn twenty_runs_with_one_service_account_make_one_token_request() {
    let standin = service_account_standin().await;
    let home = Home::new("twenty");
    for i in 0..20 {
        let out = run(sa_list(&home, &standin, &[])).await;
        assert_eq!(out.code, Some(0), "run {i}: {out:#?}");
    }
    assert_eq!(standin.token_requests(), 1);
    let (file, json) = cache_file(&home);
    assert_eq!(mode(&file), 0o600);
    assert_eq!(mode(&home.cache_dir()), 0o700);
    assert_eq!(json["client_id"], CLIENT_ID);
    assert!(
        !fs::read_to_string(&file)
            .expect("read")
            .contains(CLIENT_SECRET)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_profiles_service_account_is_cached_too() {
    let standin = service_account_standin().await;
    let home = Home::new("profilesa");
    home.write_config(&profile(
        "default",
        &[
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("ops_manager_url", &standin.base_url()),
            ("project_id", GROUP),
        ],
    ));
    for _ in 0..3 {
        run(flex_list(&home, &[])).await.assert_code(0);
    }
    assert_eq!(standin.token_requests(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn racing_runs_leave_a_valid_cache_file_with_mode_0600() {
    let standin = service_account_standin().await;
    let home = Home::new("race");
    let children: Vec<_> = (0..8)
        .map(|_| {
            let mut cmd = sa_list(&home, &standin, &[]);
            cmd.stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped());
            cmd.spawn().expect("spawn a run")
        })
        .collect();
    let waiting = tokio::task::spawn_blocking(move || {
        children
            .into_iter()
            .map(|child| child.wait_with_output().expect("wait for a run"))
            .collect::<Vec<_>>()
    });
    let outcomes = tokio::time::timeout(Duration::from_secs(60), waiting)
        .await
        .expect("the racing runs end")
        .expect("the waiting thread");
    for out in &outcomes {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let issued = standin.token_requests();
    assert!((1..=8).contains(&issued), "{issued} token requests");
    let (file, json) = cache_file(&home);
    assert_eq!(mode(&file), 0o600);
    assert!(json["access_token"].as_str().is_some_and(|t| !t.is_empty()));
    // The token that won is valid: the next run uses it and asks for none.
    run(sa_list(&home, &standin, &[])).await.assert_code(0);
    assert_eq!(standin.token_requests(), issued);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_401_drops_the_cached_token() {
    let standin = service_account_standin().await;
    let home = Home::new("drop");
    run(sa_list(&home, &standin, &[])).await.assert_code(0);
    let (_, before) = cache_file(&home);

    standin.revoke_all_tokens();
    run(sa_list(&home, &standin, &[])).await.assert_code(0);
    assert_eq!(
        standin.token_requests(),
        2,
        "the refused token was replaced"
    );
    let (_, after) = cache_file(&home);
    assert_ne!(before["access_token"], after["access_token"]);

    // Refused with no new token to be had: the file goes, and the run fails.
    standin.revoke_all_tokens();
    standin.set_token_rate_limited(true);
    let out = run(sa_list(&home, &standin, &["--timeout", "5"])).await;
    assert_ne!(out.code, Some(0), "{out:#?}");
    assert_eq!(
        fs::read_dir(home.cache_dir()).expect("the cache").count(),
        0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_flag_and_the_environment_switch_turn_the_cache_off() {
    let standin = service_account_standin().await;
    let home = Home::new("off");
    for _ in 0..3 {
        run(sa_list(&home, &standin, &["--no-token-cache"]))
            .await
            .assert_code(0);
    }
    assert_eq!(standin.token_requests(), 3);
    for _ in 0..3 {
        let mut cmd = sa_list(&home, &standin, &[]);
        cmd.env("ATLAS_SNAPSHOTS_NO_TOKEN_CACHE", "1");
        run(cmd).await.assert_code(0);
    }
    assert_eq!(standin.token_requests(), 6);
    assert!(!home.cache_dir().exists(), "nothing was cached");
    // A false value leaves the cache on.
    for _ in 0..2 {
        let mut cmd = sa_list(&home, &standin, &[]);
        cmd.env("ATLAS_SNAPSHOTS_NO_TOKEN_CACHE", "0");
        run(cmd).await.assert_code(0);
    }
    assert_eq!(standin.token_requests(), 7);
}

#[tokio::test(flavor = "multi_thread")]
async fn verbose_runs_never_show_the_token_or_the_secret() {
    let standin = service_account_standin().await;
    let home = Home::new("verbose");
    let fetched = run(sa_list(&home, &standin, &["-vv"])).await;
    fetched.assert_code(0);
    let (file, json) = cache_file(&home);
    let token = json["access_token"].as_str().expect("a token").to_owned();
    let cached = run(sa_list(&home, &standin, &["-vv"])).await;
    cached.assert_code(0);
    // A cache file that is not JSON, holding the token: the reason is logged, not it.
    fs::write(&file, format!("{token} garbage")).expect("spoil the cache file");
    let spoiled = run(sa_list(&home, &standin, &["-vv"])).await;
    spoiled.assert_code(0);
    assert!(
        spoiled.stderr.contains("token cache not used"),
        "{spoiled:#?}"
    );
    for out in [&fetched, &cached, &spoiled] {
        assert!(!out.stderr.is_empty(), "-vv logs something");
        assert!(!out.stderr.contains(&token), "{out:#?}");
        assert!(!out.stderr.contains(CLIENT_SECRET), "{out:#?}");
    }
    assert_eq!(standin.token_requests(), 2);
}
