//! Configuration and inputs refused before anything is sent: base URLs, credentials,
//! environment variables and path parameters, through the library and the CLI. No
//! refusal may repeat a secret.
// The serverless operations are deprecated; their parameters are checked all the same.
#![allow(deprecated)]

mod common;

use std::{
    collections::HashMap,
    ffi::{OsStr, OsString},
    future::Future,
    os::unix::ffi::OsStrExt,
    time::Duration,
};

use atlas_snapshots::{Client, Credentials, Error, PageRequest, env};
use atlas_snapshots_standin::StandIn;
use common::{FLEX, GROUP, SERVERLESS, flex_id};

const SECRET: &str = "pw-s3cret";

/// Bounds a call that must be refused locally, so a regression cannot hang the test.
async fn bounded<T>(call: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(10), call)
        .await
        .expect("refused within 10 s")
}

/// The `Config` message of a build that must fail.
fn config_error(result: atlas_snapshots::Result<Client>) -> String {
    match result {
        Err(Error::Config(message)) => message,
        Err(other) => panic!("expected a Config error, got {other:?}"),
        Ok(client) => panic!("expected a Config error, got {client:?}"),
    }
}

// ----- base URL -----

#[tokio::test]
async fn a_base_url_with_userinfo_is_refused_and_never_echoed() {
    let standin = StandIn::start().await.expect("start the stand-in");
    let port = standin.base_url().rsplit(':').next().unwrap().to_owned();
    for url in [
        format!("https://user:{SECRET}@cloud.example.com"),
        format!("https://:{SECRET}@cloud.example.com/"),
        format!("https://{SECRET}@cloud.example.com"),
        // Plain http to loopback without credentials is allowed, so only the userinfo
        // check stands between this and a Basic-auth request to the stand-in.
        format!("http://user:{SECRET}@127.0.0.1:{port}"),
    ] {
        let builder = Client::builder().base_url(&url);
        let debug = format!("{builder:?}");
        assert!(!debug.contains(SECRET), "{debug}");
        let message = config_error(builder.build());
        assert!(message.contains("user name or password"), "{message}");
        assert!(!message.contains(SECRET), "{message}");
        // With credentials too (this used to be the plain-http refusal's job).
        let message = config_error(
            Client::builder()
                .base_url(&url)
                .credentials(Credentials::bearer("tok"))
                .build(),
        );
        assert!(!message.contains(SECRET), "{message}");
    }
    assert_eq!(standin.request_count(), 0, "nothing reached the server");
}

#[test]
fn a_base_url_with_a_query_or_fragment_is_refused() {
    for url in [
        "https://cloud.example.com/?tenant=1",
        "https://cloud.example.com/base?",
        "https://cloud.example.com#top",
        "https://cloud.example.com/?token=pw-s3cret",
    ] {
        let message = config_error(Client::builder().base_url(url).build());
        assert!(message.contains("query or fragment"), "{url}: {message}");
        assert!(!message.contains(SECRET), "{message}");
    }
    // A path prefix (a proxy mount) is still fine.
    let client = Client::builder()
        .base_url("https://proxy.example.com/atlas/")
        .build()
        .expect("a base URL with a path builds");
    assert_eq!(client.base_url(), "https://proxy.example.com/atlas");
}

#[test]
fn an_unparsable_base_url_is_reported_with_its_userinfo_masked() {
    for url in [
        format!("https://user:{SECRET}@cloud.example.com:99999"),
        format!("https://user:{SECRET}@[::1"),
        format!("https://user:{SECRET}@"),
        format!("https://user:{SECRET}/x@cloud.example.com:bad"),
    ] {
        let builder = Client::builder().base_url(&url);
        assert!(!format!("{builder:?}").contains(SECRET));
        let message = config_error(builder.build());
        assert!(!message.contains(SECRET), "{message}");
        assert!(
            message.contains("***@"),
            "the rest is still shown: {message}"
        );
    }
}

// ----- credentials -----

#[tokio::test]
async fn credentials_with_control_characters_or_nothing_in_them_are_refused_at_build() {
    let standin = StandIn::start().await.expect("start the stand-in");
    let fine = "abc123";
    for bad in [
        "tok\r\nX-Injected: 1",
        "tok\n",
        "\ttok",
        "t\0k",
        "t\u{7f}k",
        "t\u{85}k",
        "",
    ] {
        let secret = format!("{SECRET}{bad}");
        let cases = [
            ("client id", Credentials::service_account(bad, fine)),
            ("secret", Credentials::service_account(fine, &secret)),
            ("public API key", Credentials::api_key(bad, fine)),
            ("private API key", Credentials::api_key(fine, &secret)),
            ("bearer token", Credentials::bearer(&secret)),
        ];
        for (field, credentials) in cases {
            // An empty secret is prefixed with SECRET, so it is not empty: skip that pair.
            if bad.is_empty() && !matches!(field, "client id" | "public API key") {
                continue;
            }
            let message = config_error(
                Client::builder()
                    .base_url(standin.base_url())
                    .credentials(credentials)
                    .build(),
            );
            assert!(message.contains(field), "{bad:?} in the {field}: {message}");
            assert!(!message.contains(SECRET), "{message}");
        }
    }
    for (field, credentials) in [
        ("secret", Credentials::service_account(fine, "")),
        ("private API key", Credentials::api_key(fine, "")),
        ("bearer token", Credentials::bearer("")),
    ] {
        let message = config_error(
            Client::builder()
                .base_url(standin.base_url())
                .credentials(credentials)
                .build(),
        );
        assert!(
            message.contains(field) && message.contains("empty"),
            "{message}"
        );
    }
    assert_eq!(standin.request_count(), 0, "nothing reached the server");
}

// ----- path parameters -----

#[tokio::test]
async fn a_huge_path_parameter_is_an_invalid_argument_and_is_not_sent() {
    let standin = common::standin(1).await;
    let client = common::client(&standin);
    let huge = "a".repeat(10 * 1024 * 1024);
    let snapshot = flex_id(0);
    for (group, cluster, snapshot_id, parameter) in [
        (huge.as_str(), FLEX, snapshot.as_str(), "group_id"),
        (GROUP, huge.as_str(), snapshot.as_str(), "cluster_name"),
        (GROUP, FLEX, huge.as_str(), "snapshot_id"),
    ] {
        let mut results = vec![
            bounded(client.get_flex_backup_snapshot(group, cluster, snapshot_id))
                .await
                .map(drop),
            bounded(client.get_serverless_backup_snapshot(group, cluster, snapshot_id))
                .await
                .map(drop),
        ];
        if parameter != "snapshot_id" {
            let page = PageRequest::default();
            results.push(
                bounded(client.list_flex_backup_snapshots(group, cluster, page))
                    .await
                    .map(drop),
            );
            results.push(
                bounded(client.list_serverless_backup_snapshots(group, cluster, page))
                    .await
                    .map(drop),
            );
        }
        for result in results {
            match result {
                Err(Error::InvalidArgument {
                    parameter: p,
                    reason,
                }) => {
                    assert_eq!(p, parameter);
                    assert!(reason.len() < 200, "the value is not echoed whole");
                    assert!(reason.contains(&huge.len().to_string()), "{reason}");
                }
                other => panic!("{parameter}: expected InvalidArgument, got {other:?}"),
            }
        }
    }
    assert_eq!(standin.request_count(), 0, "nothing reached the server");
}

#[tokio::test]
async fn the_path_parameter_bound_is_256_bytes() {
    let standin = common::standin(1).await;
    let client = common::client(&standin);
    let longest = "a".repeat(256);
    // At the bound: valid, sent, and an unknown cluster to the stand-in.
    let result =
        bounded(client.list_flex_backup_snapshots(GROUP, &longest, PageRequest::default())).await;
    assert!(matches!(result, Err(Error::Api(_))), "{result:?}");
    assert_eq!(standin.request_count(), 1);
    // One past it, also as multi-byte text cut mid-character in the reason.
    for name in [format!("{longest}a"), "é".repeat(129)] {
        let result =
            bounded(client.list_flex_backup_snapshots(GROUP, &name, PageRequest::default())).await;
        assert!(
            matches!(
                result,
                Err(Error::InvalidArgument {
                    parameter: "cluster_name",
                    ..
                })
            ),
            "{result:?}"
        );
    }
    assert_eq!(standin.request_count(), 1, "nothing more was sent");
    // The serverless cluster still answers: the bound did not break ordinary names.
    let ok =
        bounded(client.list_serverless_backup_snapshots(GROUP, SERVERLESS, PageRequest::default()))
            .await;
    assert!(ok.is_ok(), "{ok:?}");
}

// ----- environment -----

fn os_env(pairs: &[(&str, &OsStr)]) -> impl Fn(&str) -> Option<OsString> + use<> {
    let map: HashMap<String, OsString> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_os_string()))
        .collect();
    move |name| map.get(name).cloned()
}

#[test]
fn from_env_names_a_variable_that_is_set_but_unusable() {
    let not_utf8 = OsStr::from_bytes(b"pw-s3cret\xff");
    let good: [(&str, &OsStr); 7] = [
        (
            env::OPS_MANAGER_URL,
            OsStr::new("https://cloud.example.com/"),
        ),
        (env::BASE_URL, OsStr::new("https://cloud.example.com")),
        (env::CLIENT_ID, OsStr::new("mdb_sa_id")),
        (env::CLIENT_SECRET, OsStr::new("mdb_sa_sk")),
        (env::PUBLIC_API_KEY, OsStr::new("PUBLIC")),
        (env::PRIVATE_API_KEY, OsStr::new("private")),
        (env::ACCESS_TOKEN, OsStr::new("token")),
    ];
    for (i, (name, _)) in good.iter().enumerate() {
        for (bad, what) in [(not_utf8, "not UTF-8"), (OsStr::new(""), "empty")] {
            let mut vars = good;
            vars[i].1 = bad;
            let message = match Client::builder_from(os_env(&vars)) {
                Err(Error::Config(message)) => message,
                other => panic!("{name} {what}: expected a Config error, got {other:?}"),
            };
            assert!(message.contains(name), "{message}");
            assert!(message.contains(what), "{message}");
            assert!(!message.contains(SECRET), "{message}");
            // Alone, too: an unusable token must not mean "no credentials".
            let alone = Client::builder_from(os_env(&[(name, bad)]));
            assert!(matches!(alone, Err(Error::Config(_))), "{name}: {alone:?}");
        }
    }
    assert!(Client::builder_from(os_env(&good)).unwrap().build().is_ok());
}

#[test]
fn the_base_url_comes_from_either_variable_and_both_must_agree() {
    let base_url = |vars: &[(&str, &str)]| {
        let vars: Vec<(&str, &OsStr)> = vars.iter().map(|(k, v)| (*k, OsStr::new(v))).collect();
        Client::builder_from(os_env(&vars))?
            .build()
            .map(|client| client.base_url().to_owned())
    };
    let qa = "https://cloud-qa.mongodb.com";
    let qa_slash = "https://cloud-qa.mongodb.com/";
    for (vars, expected) in [
        (vec![], atlas_snapshots::DEFAULT_BASE_URL),
        // The Atlas CLI's own profiles carry the trailing slash.
        (vec![(env::OPS_MANAGER_URL, qa_slash)], qa),
        (vec![(env::BASE_URL, qa)], qa),
        (
            vec![(env::OPS_MANAGER_URL, qa_slash), (env::BASE_URL, qa)],
            qa,
        ),
    ] {
        assert_eq!(base_url(&vars).unwrap(), expected, "{vars:?}");
    }
    let both = [
        (env::OPS_MANAGER_URL, qa),
        (env::BASE_URL, "https://cloud.mongodb.com"),
    ];
    let message = match base_url(&both) {
        Err(Error::Config(message)) => message,
        other => panic!("expected a Config error, got {other:?}"),
    };
    assert!(message.contains(env::OPS_MANAGER_URL), "{message}");
    assert!(message.contains(env::BASE_URL), "{message}");
}

#[test]
fn from_env_without_credentials_is_a_config_error_naming_the_variables() {
    let url = [(env::OPS_MANAGER_URL, "https://cloud-qa.mongodb.com/")];
    if common::rerun_alone(
        "from_env_without_credentials_is_a_config_error_naming_the_variables",
        &url,
    ) {
        return;
    }
    let message = config_error(Client::from_env());
    for name in [
        env::CLIENT_ID,
        env::CLIENT_SECRET,
        env::PUBLIC_API_KEY,
        env::PRIVATE_API_KEY,
        env::ACCESS_TOKEN,
    ] {
        assert!(message.contains(name), "{message}");
    }
    // An unsigned client stays an explicit choice.
    assert!(
        Client::builder_from(|name| std::env::var_os(name))
            .unwrap()
            .build()
            .is_ok()
    );
}

#[test]
fn from_env_reads_the_atlas_cli_url_and_the_credentials() {
    let vars = [
        (env::OPS_MANAGER_URL, "https://cloud-qa.mongodb.com/"),
        (env::ACCESS_TOKEN, SECRET),
    ];
    if common::rerun_alone(
        "from_env_reads_the_atlas_cli_url_and_the_credentials",
        &vars,
    ) {
        return;
    }
    let client = Client::from_env().unwrap();
    assert_eq!(client.base_url(), "https://cloud-qa.mongodb.com");
    assert!(!format!("{client:?}").contains(SECRET));
}

// ----- the CLI -----

#[cfg(feature = "cli")]
mod cli {
    use std::{ffi::OsStr, net::TcpListener, os::unix::ffi::OsStrExt, time::Duration};

    use assert_cmd::Command;
    use atlas_snapshots::env;
    use atlas_snapshots_standin::StandIn;

    use super::{GROUP, SECRET, common};

    /// The CLI with an empty environment but for `vars`, run off the runtime (which keeps
    /// serving the stand-in meanwhile): exit code and stderr.
    async fn run(args: Vec<String>, vars: Vec<(&'static str, &'static OsStr)>) -> (i32, String) {
        let mut cmd = Command::cargo_bin("atlas-snapshots").expect("the atlas-snapshots binary");
        cmd.env_clear()
            .envs(vars)
            .args(args)
            .timeout(Duration::from_secs(20));
        let output = tokio::task::spawn_blocking(move || cmd.output())
            .await
            .expect("the command thread")
            .expect("run the command");
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        (output.status.code().expect("exited"), stderr)
    }

    fn flex_list(base_url: &str, cluster: &str) -> Vec<String> {
        [
            "--base-url",
            base_url,
            "flex",
            "list",
            "--group-id",
            GROUP,
            "--cluster",
            cluster,
        ]
        .map(str::to_owned)
        .to_vec()
    }

    #[tokio::test]
    async fn a_base_url_with_a_password_exits_2_without_showing_it() {
        let standin = StandIn::start().await.expect("start the stand-in");
        let url = standin
            .base_url()
            .replacen("http://", &format!("http://user:{SECRET}@"), 1);
        let (code, stderr) = run(flex_list(&url, common::FLEX), vec![]).await;
        assert_eq!(code, 2, "{stderr}");
        assert!(!stderr.contains(SECRET), "{stderr}");
        assert_eq!(standin.request_count(), 0, "nothing reached the server");
    }

    #[tokio::test]
    async fn without_credentials_the_cli_still_calls_a_server_that_wants_none() {
        let standin = StandIn::start().await.expect("start the stand-in");
        common::seed(&standin, 1);
        let (code, stderr) = run(flex_list(&standin.base_url(), common::FLEX), vec![]).await;
        assert_eq!(code, 0, "{stderr}");
        let requests = standin.requests();
        assert_eq!(requests.len(), 1);
        assert_eq!(requests[0].header("authorization"), None);
    }

    #[tokio::test]
    async fn base_url_overrides_url_variables_that_disagree() {
        let standin = StandIn::start().await.expect("start the stand-in");
        common::seed(&standin, 1);
        let url: &'static str = standin.base_url().leak();
        let vars = vec![
            (env::OPS_MANAGER_URL, OsStr::new(url)),
            (env::BASE_URL, OsStr::new("http://127.0.0.1:9")),
        ];
        let (code, stderr) = run(flex_list(url, common::FLEX), vars.clone()).await;
        assert_eq!(code, 0, "{stderr}");
        // Without the flag, neither wins.
        let args = flex_list(url, common::FLEX).split_off(2);
        let (code, stderr) = run(args, vars).await;
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains(env::OPS_MANAGER_URL) && stderr.contains(env::BASE_URL));
        assert_eq!(standin.request_count(), 1);
    }

    #[tokio::test]
    async fn a_huge_cluster_name_exits_2_and_sends_nothing() {
        let standin = common::standin(1).await;
        // Under Linux's 128 KiB limit on one argument, above the URI's 64 KiB.
        let huge = "a".repeat(100_000);
        let token = OsStr::new(common::TOKEN);
        let (code, stderr) = run(
            flex_list(&standin.base_url(), &huge),
            vec![(env::ACCESS_TOKEN, token)],
        )
        .await;
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains("--cluster"), "{stderr}");
        assert!(stderr.len() < 500, "the name is not echoed whole");
        assert_eq!(standin.request_count(), 0, "nothing reached the server");
    }

    #[tokio::test]
    async fn an_unusable_token_exits_2_naming_it_and_sends_nothing() {
        let standin = StandIn::start().await.expect("start the stand-in");
        for token in [
            OsStr::from_bytes(b"pw-s3cret\xff"),
            OsStr::new(""),
            OsStr::new("pw-s3cret\r\n"),
        ] {
            let (code, stderr) = run(
                flex_list(&standin.base_url(), common::FLEX),
                vec![(env::ACCESS_TOKEN, token)],
            )
            .await;
            assert_eq!(code, 2, "{token:?}: {stderr}");
            assert!(!stderr.contains(SECRET), "{stderr}");
            if !token.as_bytes().ends_with(b"\n") {
                assert!(stderr.contains(env::ACCESS_TOKEN), "{stderr}");
            }
        }
        assert_eq!(standin.request_count(), 0, "nothing reached the server");
    }

    #[tokio::test]
    async fn a_non_utf8_base_url_exits_2_naming_it_and_sends_nothing() {
        // Without the fix the CLI heads for cloud.mongodb.com: send that to a loopback
        // listener posing as the proxy, to see that no connection is even attempted.
        let proxy = TcpListener::bind("127.0.0.1:0").expect("bind a listener");
        proxy.set_nonblocking(true).expect("non-blocking");
        let proxy_url: &'static str =
            format!("http://{}", proxy.local_addr().expect("address")).leak();
        let mut vars = vec![
            (
                env::BASE_URL,
                OsStr::from_bytes(b"https://\xff.example.com"),
            ),
            (env::ACCESS_TOKEN, OsStr::new(common::TOKEN)),
        ];
        for name in [
            "HTTPS_PROXY",
            "https_proxy",
            "HTTP_PROXY",
            "http_proxy",
            "ALL_PROXY",
        ] {
            vars.push((name, OsStr::new(proxy_url)));
        }
        let args = [
            "--timeout",
            "5",
            "flex",
            "list",
            "--group-id",
            GROUP,
            "--cluster",
            "Flex0",
        ]
        .map(str::to_owned)
        .to_vec();
        let (code, stderr) = run(args, vars).await;
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains(env::BASE_URL), "{stderr}");
        assert!(
            proxy
                .accept()
                .is_err_and(|e| e.kind() == std::io::ErrorKind::WouldBlock),
            "no connection was made"
        );
    }
}
