//! Contract tests against Prism (`@stoplight/prism-cli`, pinned in `package.json`).
//!
//! Prism reads `spec/openapi.yaml` itself, so these tests check the SDK and the stand-in
//! against the spec with a second, independent reader of it:
//!
//! - `mock_*`: `prism mock` serves the spec's own examples. Every operation is called
//!   through the public client; Prism must see no request violation, and the typed
//!   result must serialise back to exactly the body Prism served.
//! - `proxy_*`: `prism proxy` sits in front of the stand-in and validates the stand-in's
//!   answers against the spec. The only response violations allowed are the stand-in's
//!   documented deviations (where real Atlas differs from its spec), and the envelope
//!   form the spec describes only in prose.
//!
//! The tests spawn Prism themselves from `PRISM_BIN` (e.g. `node_modules/.bin/prism`
//! after `npm ci`). Without it they print a skip note and pass, unless `CI` is set: then
//! they fail, so CI cannot skip them silently.
#![allow(deprecated)]

use std::{
    io::Read as _,
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use atlas_snapshots::{
    Client, Credentials, Deprecation, Error, PageRequest, Response, RetryPolicy,
};
use atlas_snapshots_standin::{FLEX_MEDIA_TYPE, SERVERLESS_MEDIA_TYPE, StandIn, sample};
use reqwest::{StatusCode, header::HeaderMap};
use serde::Serialize;
use serde_json::{Value, json};

mod common;

// ---------------------------------------------------------------------------------------
// Finding and running Prism
// ---------------------------------------------------------------------------------------

/// Decides whether the suite runs: `Ok(Some(bin))` to run, `Ok(None)` to skip, `Err` to
/// fail (CI without Prism, or a `PRISM_BIN` that does not exist).
fn gate(prism_bin: Option<&str>, ci: Option<&str>, root: &Path) -> Result<Option<PathBuf>, String> {
    fn set(v: Option<&str>) -> Option<&str> {
        v.map(str::trim).filter(|v| !v.is_empty())
    }
    let ci = set(ci).filter(|v| !matches!(v.to_ascii_lowercase().as_str(), "0" | "false"));
    match (set(prism_bin), ci) {
        (Some(bin), _) => {
            let path = root.join(bin);
            if path.is_file() {
                Ok(Some(path))
            } else {
                Err(format!(
                    "PRISM_BIN={bin:?} does not exist (looked at {}); run `npm ci` first",
                    path.display()
                ))
            }
        }
        (None, Some(ci)) => Err(format!(
            "CI={ci:?} is set but PRISM_BIN is not: the Prism contract tests would be skipped \
             silently. Run `npm ci` and set PRISM_BIN=node_modules/.bin/prism (see .ci/prism.sh)"
        )),
        (None, None) => Ok(None),
    }
}

fn prism_bin() -> Option<PathBuf> {
    let var = |name| std::env::var(name).ok();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    match gate(var("PRISM_BIN").as_deref(), var("CI").as_deref(), root) {
        Ok(Some(bin)) => Some(bin),
        Ok(None) => {
            eprintln!(
                "skipped: PRISM_BIN is not set (npm ci; PRISM_BIN=node_modules/.bin/prism cargo test --test prism)"
            );
            None
        }
        Err(why) => panic!("{why}"),
    }
}

/// Gets the Prism binary or returns from the test with a skip note.
macro_rules! prism_or_skip {
    () => {
        match prism_bin() {
            Some(bin) => bin,
            None => return,
        }
    };
}

fn spec_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("spec/openapi.yaml")
}

/// A free port on 127.0.0.1: bind port 0, read it, release it.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind 127.0.0.1:0")
        .port()
}

/// A running Prism; killed (and reaped) on drop, also when the test panics.
struct Prism {
    child: Child,
    url: String,
    log: Arc<Mutex<String>>,
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Prism {
    /// `prism mock -h 127.0.0.1 -p <port> -v warn spec/openapi.yaml`.
    async fn mock(bin: &Path) -> Prism {
        Prism::start(bin, |port| {
            vec![
                "mock".into(),
                "-h".into(),
                "127.0.0.1".into(),
                "-p".into(),
                port.to_string(),
                "-v".into(),
                "warn".into(),
                spec_path().display().to_string(),
            ]
        })
        .await
    }

    /// `prism proxy spec/openapi.yaml <upstream> -h 127.0.0.1 -p <port> -v warn`.
    async fn proxy(bin: &Path, upstream: &str) -> Prism {
        Prism::start(bin, |port| {
            vec![
                "proxy".into(),
                spec_path().display().to_string(),
                upstream.into(),
                "-h".into(),
                "127.0.0.1".into(),
                "-p".into(),
                port.to_string(),
                "-v".into(),
                "warn".into(),
            ]
        })
        .await
    }

    /// Spawns Prism on a free port and waits until it answers HTTP. The port is free
    /// when picked but may be taken before Prism binds it: a Prism that exits while
    /// starting is retried on another port.
    async fn start(bin: &Path, args: impl Fn(u16) -> Vec<String>) -> Prism {
        let mut last = String::new();
        for _ in 0..4 {
            let port = free_port();
            let mut child = Command::new(bin)
                .args(args(port))
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap_or_else(|e| panic!("spawning {}: {e}", bin.display()));
            let log = Arc::new(Mutex::new(String::new()));
            for stream in [
                child
                    .stdout
                    .take()
                    .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
                child
                    .stderr
                    .take()
                    .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
            ]
            .into_iter()
            .flatten()
            {
                let log = Arc::clone(&log);
                std::thread::spawn(move || drain(stream, &log));
            }
            let mut prism = Prism {
                child,
                url: format!("http://127.0.0.1:{port}"),
                log,
            };
            match prism.ready().await {
                Ok(()) => return prism,
                Err(why) => last = format!("{why}\n--- prism output ---\n{}", prism.output()),
            }
        }
        panic!("Prism did not start: {last}");
    }

    async fn ready(&mut self) -> Result<(), String> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .expect("reqwest client");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            // Any HTTP answer (Prism's 404 for this path included) means it is serving.
            if http
                .get(format!("{}/__ready", self.url))
                .send()
                .await
                .is_ok()
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err("no answer within 60 s".into());
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                // Give the output threads a moment to collect the reason.
                tokio::time::sleep(Duration::from_millis(100)).await;
                return Err(format!("Prism exited while starting ({status})"));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn output(&self) -> String {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

fn drain(mut stream: Box<dyn std::io::Read + Send>, log: &Mutex<String>) {
    let mut buf = [0u8; 4096];
    while let Ok(n) = stream.read(&mut buf) {
        if n == 0 {
            break;
        }
        log.lock()
            .unwrap_or_else(|p| p.into_inner())
            .push_str(&String::from_utf8_lossy(&buf[..n]));
    }
}

// ---------------------------------------------------------------------------------------
// Reading Prism's verdict
// ---------------------------------------------------------------------------------------

/// One entry of Prism's `sl-violations` header.
#[derive(Debug, Clone, PartialEq)]
struct Violation {
    location: Vec<String>,
    code: String,
    message: String,
}

impl Violation {
    fn is_request(&self) -> bool {
        self.location.first().is_some_and(|l| l == "request")
    }

    fn at(&self) -> String {
        self.location.join(".")
    }
}

fn violations(headers: &HeaderMap) -> Vec<Violation> {
    let Some(raw) = headers.get("sl-violations") else {
        return Vec::new();
    };
    let raw = raw.to_str().expect("sl-violations is ASCII");
    let list: Vec<Value> = serde_json::from_str(raw)
        .unwrap_or_else(|e| panic!("sl-violations is not a JSON array ({e}): {raw}"));
    list.iter()
        .map(|v| Violation {
            location: v["location"]
                .as_array()
                .unwrap_or_else(|| panic!("violation without location: {v}"))
                .iter()
                .map(|l| l.as_str().map_or_else(|| l.to_string(), str::to_owned))
                .collect(),
            code: match &v["code"] {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            },
            message: v["message"].as_str().unwrap_or_default().to_owned(),
        })
        .collect()
}

fn assert_no_request_violation(what: &str, headers: &HeaderMap) {
    let request: Vec<_> = violations(headers)
        .into_iter()
        .filter(Violation::is_request)
        .collect();
    assert!(
        request.is_empty(),
        "{what}: Prism says the SDK's request breaks the spec: {request:#?}"
    );
}

/// Where and what, e.g. `response.body.mongodVersion pattern`, sorted.
fn summary(violations: &[Violation]) -> Vec<String> {
    let mut s: Vec<_> = violations
        .iter()
        .map(|v| format!("{} {}", v.at(), v.code))
        .collect();
    s.sort();
    s
}

/// The typed value serialises back to exactly the JSON that was served: no field lost,
/// none added (absent stays absent, no `null`s), enums and integers as sent.
fn assert_typed_is_body<T: Serialize>(what: &str, response: &Response<T>) -> Value {
    let served: Value = serde_json::from_slice(response.body())
        .unwrap_or_else(|e| panic!("{what}: body is not JSON ({e})"));
    let typed = serde_json::to_value(response.value()).expect("typed value serialises");
    assert_eq!(
        typed, served,
        "{what}: typed result differs from the body served"
    );
    assert!(
        served.as_object().is_some_and(|o| !o.is_empty()),
        "{what}: empty body proves nothing: {served}"
    );
    served
}

fn client(base_url: &str, token: &str) -> atlas_snapshots::ClientBuilder {
    Client::builder()
        .base_url(base_url)
        .credentials(Credentials::bearer(token))
        .deprecation_warnings(false)
        .retry(RetryPolicy::disabled())
}

const G: &str = sample::GROUP_ID;
/// Prism mock answers any well-formed ids; these are only well-formed.
const SNAP: &str = "65715f1a2b3c4d5e00000000";
const PAGE: PageRequest = PageRequest::new(1, 100);

/// What Prism's generated serverless snapshot breaks: the spec's example-less
/// `mongodVersion` becomes `"string"`, which fails the spec's own pattern.
const MOCK_MONGOD_VERSION: &str = "pattern";
/// json-schema-faker's smallest safe integer, generated for the example-less int64.
const MOCK_STORAGE_SIZE: i64 = -9_007_199_254_740_991;

// ---------------------------------------------------------------------------------------
// The gate itself (runs everywhere, Prism or not)
// ---------------------------------------------------------------------------------------

#[test]
fn gate_skips_locally_runs_with_prism_and_fails_on_ci_without_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    assert_eq!(gate(None, None, root), Ok(None));
    assert_eq!(gate(Some(""), Some(""), root), Ok(None));
    assert_eq!(gate(None, Some("false"), root), Ok(None));
    assert!(gate(None, Some("1"), root).is_err());
    assert!(
        gate(None, Some("true"), root)
            .unwrap_err()
            .contains("PRISM_BIN is not")
    );
    assert!(gate(Some("node_modules/.bin/no-such-prism"), None, root).is_err());
    assert_eq!(
        gate(Some("Cargo.toml"), Some("true"), root),
        Ok(Some(root.join("Cargo.toml")))
    );
}

// ---------------------------------------------------------------------------------------
// prism mock: the SDK against the spec's own answers
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn mock_serverless_get_decodes_what_prism_serves() {
    let bin = prism_or_skip!();
    let prism = Prism::mock(&bin).await;
    let client = client(&prism.url, "any").build().expect("client");

    let r = client
        .get_serverless_backup_snapshot(G, "Serverless0", SNAP)
        .await
        .unwrap_or_else(|e| panic!("get_serverless_backup_snapshot: {e:?}"));
    assert_eq!(r.status(), StatusCode::OK);
    assert_no_request_violation("get serverless", r.headers());
    assert_eq!(
        summary(&violations(r.headers())),
        [format!("response.body.mongodVersion {MOCK_MONGOD_VERSION}")],
        "Prism's own example breaks the spec's mongodVersion pattern, and nothing else"
    );
    assert_typed_is_body("get serverless", &r);
    assert_eq!(r.value().mongod_version.as_deref(), Some("string"));
    assert_eq!(r.value().storage_size_bytes, Some(MOCK_STORAGE_SIZE));
    assert_eq!(r.lifecycle().deprecation, Some(Deprecation::Flagged));
    assert_eq!(
        r.headers().get("content-type").map(|v| v.as_bytes()),
        Some(SERVERLESS_MEDIA_TYPE.as_bytes())
    );
}

#[tokio::test]
async fn mock_serverless_list_decodes_what_prism_serves() {
    let bin = prism_or_skip!();
    let prism = Prism::mock(&bin).await;
    let client = client(&prism.url, "any").build().expect("client");

    let r = client
        .list_serverless_backup_snapshots(G, "Serverless0", PAGE)
        .await
        .unwrap_or_else(|e| panic!("list_serverless_backup_snapshots: {e:?}"));
    assert_eq!(r.status(), StatusCode::OK);
    assert_no_request_violation("list serverless", r.headers());
    assert_eq!(
        summary(&violations(r.headers())),
        [format!(
            "response.body.results.0.mongodVersion {MOCK_MONGOD_VERSION}"
        )]
    );
    let served = assert_typed_is_body("list serverless", &r);
    assert!(!r.value().results.is_empty(), "{served}");
    assert!(
        r.value()
            .results
            .iter()
            .all(|s| s.storage_size_bytes == Some(MOCK_STORAGE_SIZE))
    );
    assert_eq!(r.lifecycle().deprecation, Some(Deprecation::Flagged));
}

#[tokio::test]
async fn mock_flex_get_decodes_what_prism_serves() {
    let bin = prism_or_skip!();
    let prism = Prism::mock(&bin).await;
    let client = client(&prism.url, "any").build().expect("client");

    let r = client
        .get_flex_backup_snapshot(G, "Flex0", SNAP)
        .await
        .unwrap_or_else(|e| panic!("get_flex_backup_snapshot: {e:?}"));
    assert_eq!(r.status(), StatusCode::OK);
    assert_no_request_violation("get flex", r.headers());
    assert_eq!(violations(r.headers()), []);
    assert_typed_is_body("get flex", &r);
    assert!(
        r.value().status.as_ref().is_some_and(|s| s.is_known()),
        "{:?}",
        r.value().status
    );
    assert_eq!(r.lifecycle().deprecation, None);
    assert_eq!(
        r.headers().get("content-type").map(|v| v.as_bytes()),
        Some(FLEX_MEDIA_TYPE.as_bytes())
    );
}

#[tokio::test]
async fn mock_flex_list_decodes_what_prism_serves() {
    let bin = prism_or_skip!();
    let prism = Prism::mock(&bin).await;
    let client = client(&prism.url, "any").build().expect("client");

    let r = client
        .list_flex_backup_snapshots(G, "Flex0", PageRequest::new(3, 500))
        .await
        .unwrap_or_else(|e| panic!("list_flex_backup_snapshots: {e:?}"));
    assert_eq!(r.status(), StatusCode::OK);
    assert_no_request_violation("list flex", r.headers());
    assert_eq!(violations(r.headers()), []);
    let served = assert_typed_is_body("list flex", &r);
    assert!(!r.value().results.is_empty(), "{served}");
    assert_eq!(r.lifecycle().deprecation, None);
}

/// A value Prism's mock accepts for each path parameter (it checks patterns only).
fn mock_arg(p: &atlas_snapshots::Parameter, op: &atlas_snapshots::Operation) -> &'static str {
    match p.rust_type {
        "GroupId" => G,
        "ClusterName" if op.path.contains("/flexClusters") => "Flex0",
        "ClusterName" | "ServerlessName" => "Serverless0",
        _ => SNAP,
    }
}

/// A body the spec accepts for each operation that takes one.
fn mock_body(op: &atlas_snapshots::Operation) -> Value {
    match op.request_body {
        Some("FlexBackupRestoreJobCreate") => {
            json!({"snapshotId": SNAP, "targetDeploymentItemName": "Flex1", "targetProjectId": G})
        }
        Some("FlexBackupSnapshotDownloadCreate") => json!({"snapshotId": SNAP}),
        Some("ServerlessBackupRestoreJobCreate") => json!({
            "deliveryType": "automated", "snapshotId": SNAP,
            "targetClusterName": "Serverless1", "targetGroupId": G}),
        other => panic!("{}: no sample body for {other:?}", op.id),
    }
}

/// What Prism's generated answers break, by operation: where the spec gives Prism nothing
/// valid to generate. `mongodVersion`/`mongoDBVersion` have a pattern and no example, so
/// Prism's `"string"` fails it. `effectiveInstanceSizeName` is a `oneOf` of three
/// instance-size enums that share values (`M10` is in all three), so no value can match
/// exactly one of them; the client reads it as one open enum.
fn mock_response_violations(op: &atlas_snapshots::Operation) -> Vec<String> {
    let page = if op.page_item.is_some() {
        "results.0."
    } else {
        ""
    };
    let at = |field: &str, code: &str| format!("response.body.{page}{field} {code}");
    match op.body_type {
        Some("ServerlessBackupSnapshot" | "ServerlessBackupSnapshotPage") => {
            vec![at("mongodVersion", MOCK_MONGOD_VERSION)]
        }
        Some("FlexCluster" | "FlexClusterPage") => vec![at("mongoDBVersion", "pattern")],
        Some("ServerlessInstance" | "ServerlessInstancePage") => vec![
            at("mongoDBVersion", "pattern"),
            at("providerSettings.effectiveInstanceSizeName", "oneOf"),
            at("providerSettings.effectiveInstanceSizeName", "type"),
        ],
        _ => Vec::new(),
    }
}

/// Every operation of the table through `Client::invoke`, so through its typed method:
/// Prism sees no request violation (path, query, `Accept`, `Content-Type`, the body
/// against its schema), answers a success the method decodes, and flags the deprecated
/// operations.
#[tokio::test]
async fn mock_every_operation_is_sent_and_answered_within_the_spec() {
    let bin = prism_or_skip!();
    let prism = Prism::mock(&bin).await;
    let client = client(&prism.url, "any").build().expect("client");
    let mut unexpected = Vec::new();
    for op in atlas_snapshots::operations::ALL {
        let mut invocation = atlas_snapshots::Invocation::new(op);
        for p in op
            .parameters
            .iter()
            .filter(|p| p.location == atlas_snapshots::ParameterLocation::Path)
        {
            invocation = invocation.argument(p.name, mock_arg(p, op));
        }
        if op.request_body.is_some() {
            invocation = invocation.body(mock_body(op).to_string());
        }
        let r = client
            .invoke(invocation)
            .await
            .unwrap_or_else(|e| panic!("{}: {e:?}\n{}", op.id, prism.output()));
        assert!(op.success.contains(&r.status().as_u16()), "{}", op.id);
        assert_no_request_violation(op.id, r.headers());
        let flagged = summary(&violations(r.headers()));
        if flagged != mock_response_violations(op) {
            unexpected.push(format!("{}: {flagged:?}", op.id));
        }
        assert_eq!(
            r.lifecycle().deprecation,
            op.deprecated.then_some(Deprecation::Flagged),
            "{}",
            op.id
        );
        assert_eq!(
            r.headers().get("content-type").map(|v| v.as_bytes()),
            Some(op.media_type.as_bytes()),
            "{}",
            op.id
        );
    }
    assert!(
        unexpected.is_empty(),
        "response violations: {unexpected:#?}"
    );
}

/// The typed create and download calls: what Prism answers serialises back exactly.
#[tokio::test]
async fn mock_restore_job_creates_and_download_decode_what_prism_serves() {
    use atlas_snapshots::{operations, types};
    let bin = prism_or_skip!();
    let prism = Prism::mock(&bin).await;
    let client = client(&prism.url, "any").build().expect("client");

    let flex: types::FlexBackupRestoreJobCreate =
        serde_json::from_value(mock_body(&operations::CREATE_FLEX_RESTORE_JOB)).unwrap();
    let r = client
        .create_flex_restore_job(G, "Flex0", &flex)
        .await
        .unwrap();
    assert_no_request_violation("create flex restore job", r.headers());
    assert_typed_is_body("create flex restore job", &r);
    let download: types::FlexBackupSnapshotDownloadCreate =
        serde_json::from_value(mock_body(&operations::DOWNLOAD_FLEX_BACKUP)).unwrap();
    let r = client
        .download_flex_backup(G, "Flex0", &download)
        .await
        .unwrap();
    assert_no_request_violation("download flex backup", r.headers());
    assert_typed_is_body("download flex backup", &r);
    let serverless: types::ServerlessBackupRestoreJobCreate =
        serde_json::from_value(mock_body(&operations::CREATE_SERVERLESS_RESTORE_JOB)).unwrap();
    let r = client
        .create_serverless_restore_job(G, "Serverless0", &serverless)
        .await
        .unwrap();
    assert_no_request_violation("create serverless restore job", r.headers());
    assert_typed_is_body("create serverless restore job", &r);
}

/// Requests the client would refuse to send, sent with plain reqwest: Prism must reject
/// them and name the broken part of the request. This is what makes the "no request
/// violation" checks above mean something.
#[tokio::test]
async fn mock_rejects_requests_that_break_the_spec() {
    let bin = prism_or_skip!();
    let prism = Prism::mock(&bin).await;
    let http = reqwest::Client::new();
    let flex = |group: &str, rest: &str| {
        format!(
            "{}/api/atlas/v2/groups/{group}/flexClusters/Flex0/backup/snapshots{rest}",
            prism.url
        )
    };
    let send = |url: String, accept: &'static str, auth: bool| {
        let mut req = http.get(url).header("accept", accept);
        if auth {
            req = req.bearer_auth("any");
        }
        req.send()
    };

    // The same call, well-formed, is fine: the failures below are about what was broken.
    let ok = send(flex(G, &format!("/{SNAP}")), FLEX_MEDIA_TYPE, true)
        .await
        .expect("send");
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(violations(ok.headers()), []);

    let cases = [
        (
            flex("XYZ", &format!("/{SNAP}")),
            "request.path.groupid pattern",
        ),
        (
            flex(G, "/not-an-object-id"),
            "request.path.snapshotid pattern",
        ),
        (
            flex(G, "?itemsPerPage=501"),
            "request.query.itemsperpage maximum",
        ),
        (flex(G, "?pageNum=0"), "request.query.pagenum minimum"),
    ];
    for (url, expected) in cases {
        let resp = send(url.clone(), FLEX_MEDIA_TYPE, true)
            .await
            .expect("send");
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{url}");
        let found = summary(&violations(resp.headers()));
        assert_eq!(found, [expected], "{url}");
    }

    // No credentials at all: the spec requires one of its security schemes.
    let resp = send(flex(G, &format!("/{SNAP}")), FLEX_MEDIA_TYPE, false)
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(summary(&violations(resp.headers())), ["request 401"]);

    // The other operation's media type, and progenitor's default `application/json`.
    for accept in [SERVERLESS_MEDIA_TYPE, "application/json"] {
        let resp = send(flex(G, &format!("/{SNAP}")), accept, true)
            .await
            .expect("send");
        assert_eq!(resp.status(), StatusCode::NOT_ACCEPTABLE, "{accept}");
        let body: Value = resp.json().await.expect("problem+json");
        assert_eq!(
            body["type"], "https://stoplight.io/prism/errors#NOT_ACCEPTABLE",
            "{body}"
        );
    }

    // A create body that breaks its schema is refused, naming the body.
    let jobs = format!(
        "{}/api/atlas/v2/groups/{G}/flexClusters/Flex0/backup/restoreJobs",
        prism.url
    );
    let post = |body: Value, content_type: &'static str| {
        http.post(&jobs)
            .header("accept", FLEX_MEDIA_TYPE)
            .header("content-type", content_type)
            .bearer_auth("any")
            .body(body.to_string())
            .send()
    };
    let good = json!({"snapshotId": SNAP, "targetDeploymentItemName": "Flex1"});
    let ok = post(good.clone(), FLEX_MEDIA_TYPE).await.expect("send");
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(violations(ok.headers()), []);
    let resp = post(
        json!({"targetDeploymentItemName": "Flex1"}),
        FLEX_MEDIA_TYPE,
    )
    .await
    .expect("send");
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        summary(&violations(resp.headers())),
        ["request.body required"]
    );
    // Prism does not check a request's media type against the spec's vendor type, so
    // tests/operations.rs checks the `Content-Type` the client sends.
    let resp = post(good, "application/json").await.expect("send");
    assert_eq!(resp.status(), StatusCode::OK);

    // And the client refuses the bad id before anything is sent.
    let client = client(&prism.url, "any").build().expect("client");
    let err = client
        .get_flex_backup_snapshot("XYZ", "Flex0", SNAP)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidArgument {
                parameter: "group_id",
                ..
            }
        ),
        "{err:?}"
    );
}

/// `Prefer: code=404` asks Prism for the operation's 404 example. Prism only honours it
/// when `Accept` also lists `application/json` (the 404 is declared only for that media
/// type); the SDK sends exactly the operation's vendor media type and nothing else, so a
/// `Prefer` default header on the SDK's HTTP client gets the 200 example. The typed 404
/// is therefore tested against the stand-in behind `prism proxy`
/// (`proxy_not_found_is_the_typed_api_error`).
#[tokio::test]
async fn mock_prefer_404_needs_json_in_accept_which_the_sdk_never_sends() {
    let bin = prism_or_skip!();
    let prism = Prism::mock(&bin).await;
    let url = format!(
        "{}/api/atlas/v2/groups/{G}/flexClusters/Flex0/backup/snapshots/{SNAP}",
        prism.url
    );
    let get = |accept: &'static str| {
        reqwest::Client::new()
            .get(&url)
            .bearer_auth("any")
            .header("prefer", "code=404")
            .header("accept", accept)
            .send()
    };
    let with_json = get("application/vnd.atlas.2024-11-13+json, application/json")
        .await
        .expect("send");
    assert_eq!(with_json.status(), StatusCode::NOT_FOUND);
    let exact = get(FLEX_MEDIA_TYPE).await.expect("send");
    assert_eq!(
        exact.status(),
        StatusCode::OK,
        "Prism now honours Prefer with a vendor Accept"
    );

    // The SDK with `Prefer: code=404` on its HTTP client: the header does go out, with
    // the exact vendor Accept (checked on a stand-in that records requests) ...
    let mut headers = HeaderMap::new();
    headers.insert("prefer", "code=404".parse().expect("header"));
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .expect("http");
    let standin = StandIn::start().await.expect("stand-in");
    standin.seed_flex(G, "Flex0", vec![]);
    let recorded = client(&standin.base_url(), "any")
        .http_client(http.clone())
        .build()
        .expect("client");
    let _ = recorded.get_flex_backup_snapshot(G, "Flex0", SNAP).await;
    let sent = standin.requests();
    let sent = sent.last().expect("the stand-in saw the call");
    let header = |name: &str| {
        sent.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(header("prefer"), ["code=404"]);
    assert_eq!(header("accept"), [FLEX_MEDIA_TYPE]);

    // ... and Prism answers it with the 200 example.
    let sdk = client(&prism.url, "any")
        .http_client(http)
        .build()
        .expect("client");
    let r = sdk
        .get_flex_backup_snapshot(G, "Flex0", SNAP)
        .await
        .unwrap_or_else(|e| panic!("Prism honoured Prefer after all? {e:?}"));
    assert_eq!(r.status(), StatusCode::OK);
    assert_no_request_violation("get flex with Prefer", r.headers());
}

// ---------------------------------------------------------------------------------------
// prism proxy: the stand-in's answers against the spec
// ---------------------------------------------------------------------------------------

const TOKEN: &str = "prism-proxy-token";
const SERVERLESS: &str = "Serverless0";
const FLEX: &str = "Flex0";
/// 2^53 + 1: a valid int64 that a JavaScript number cannot hold.
const HUGE: i64 = 9_007_199_254_740_993;

/// A stand-in (bearer auth) seeded with the samples, and Prism proxying to it.
struct Proxied {
    prism: Prism,
    standin: StandIn,
}

impl Proxied {
    async fn start(bin: &Path) -> Proxied {
        let standin = StandIn::builder()
            .bearer_token(TOKEN)
            .start()
            .await
            .expect("stand-in");
        standin.seed_serverless(
            G,
            SERVERLESS,
            (0..3)
                .map(|i| sample::serverless_snapshot_in(G, SERVERLESS, i))
                .collect(),
        );
        standin.seed_flex(
            G,
            FLEX,
            (0..3)
                .map(|i| sample::flex_snapshot_in(G, FLEX, i))
                .collect(),
        );
        let prism = Prism::proxy(bin, &standin.base_url()).await;
        Proxied { prism, standin }
    }

    fn client(&self) -> Client {
        self.builder().build().expect("client")
    }

    fn builder(&self) -> atlas_snapshots::ClientBuilder {
        client(&self.prism.url, TOKEN)
    }

    /// Fails unless the stand-in answered the last call itself (the proxy really forwards).
    fn assert_forwarded(&self, before: u64) {
        assert!(
            self.standin.request_count() > before,
            "Prism answered without the stand-in"
        );
    }
}

/// Why a response violation is acceptable, or `None` when it is not.
///
/// - Error `parameters` hold strings and integers on real Atlas; the spec says objects
///   (stand-in docs, "Deliberate deviations": 404/400 parameters).
/// - Integers above 2^53 are valid int64 but beyond a JavaScript number; Prism flags them.
/// - `envelope=true` wraps a single resource (or an error) in `{"status","content"}`; the
///   spec describes that only in the parameter's prose, so Prism validates the envelope
///   against the resource's schema.
fn accepted_deviation(
    v: &Violation,
    status: StatusCode,
    body: &Value,
    envelope: bool,
) -> Option<&'static str> {
    let loc: Vec<&str> = v.location.iter().map(String::as_str).collect();
    let is_error = body.get("errorCode").is_some();
    match loc.as_slice() {
        ["response", "body", "parameters", n]
            if is_error && v.code == "type" && n.parse::<usize>().is_ok() =>
        {
            Some("error parameters are strings and integers")
        }
        ["response", "body", "storageSizeBytes"]
        | ["response", "body", "results", _, "storageSizeBytes"]
            if v.code == "maximum" && v.message.ends_with("<= 9007199254740991") =>
        {
            Some("int64 above 2^53")
        }
        ["response"] if status == StatusCode::GONE && v.message.contains("status code") => {
            Some("410 is not declared in the spec")
        }
        ["response", "body", "status"]
            if envelope && body["status"].is_u64() && body.get("content").is_some() =>
        {
            Some("envelope status is the HTTP status")
        }
        ["response", "body"]
            if envelope && body.get("content").is_some() && v.code == "required" =>
        {
            Some("enveloped error has no results")
        }
        _ => None,
    }
}

/// Every violation Prism reports for an SDK call through the proxy: none in the request,
/// and only accepted deviations in the response. Returns their reasons, for callers that
/// expect a particular one.
fn judge(
    what: &str,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    envelope: bool,
) -> Vec<&'static str> {
    assert_no_request_violation(what, headers);
    let body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let mut reasons = Vec::new();
    for v in violations(headers) {
        match accepted_deviation(&v, status, &body, envelope) {
            Some(reason) => reasons.push(reason),
            None => panic!("{what}: the stand-in's answer breaks the spec: {v:#?}\nbody: {body}"),
        }
    }
    reasons.sort();
    reasons.dedup();
    reasons
}

fn failure_of(what: &str, err: &Error) -> (StatusCode, String, HeaderMap, bytes::Bytes) {
    let f = err
        .api_failure()
        .unwrap_or_else(|| panic!("{what}: not an Atlas error: {err:?}"));
    (
        f.status,
        f.body.error_code.clone(),
        f.headers.clone(),
        f.raw.clone(),
    )
}

#[tokio::test]
async fn proxy_every_operation_answers_within_the_spec() {
    let bin = prism_or_skip!();
    let p = Proxied::start(&bin).await;
    let c = p.client();
    let sid = sample::serverless_snapshot_in(G, SERVERLESS, 1)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let fid = sample::flex_snapshot_in(G, FLEX, 1)["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let before = p.standin.request_count();
    let r = c
        .get_serverless_backup_snapshot(G, SERVERLESS, &sid)
        .await
        .expect("get serverless");
    p.assert_forwarded(before);
    assert_eq!(
        judge("get serverless", r.status(), r.headers(), r.body(), false),
        Vec::<&str>::new()
    );
    assert_typed_is_body("get serverless", &r);
    assert_eq!(r.value().id.as_deref(), Some(sid.as_str()));
    assert!(
        r.lifecycle().deprecation.is_some(),
        "deprecated operation, no Deprecation header"
    );

    let r = c
        .list_serverless_backup_snapshots(G, SERVERLESS, PAGE)
        .await
        .expect("list serverless");
    assert_eq!(
        judge("list serverless", r.status(), r.headers(), r.body(), false),
        Vec::<&str>::new()
    );
    assert_typed_is_body("list serverless", &r);
    assert_eq!(r.value().results.len(), 3);

    let r = c
        .get_flex_backup_snapshot(G, FLEX, &fid)
        .await
        .expect("get flex");
    assert_eq!(
        judge("get flex", r.status(), r.headers(), r.body(), false),
        Vec::<&str>::new()
    );
    assert_typed_is_body("get flex", &r);
    assert_eq!(r.value().id.as_deref(), Some(fid.as_str()));

    let r = c
        .list_flex_backup_snapshots(G, FLEX, PageRequest::new(2, 2))
        .await
        .expect("list flex");
    assert_eq!(
        judge("list flex", r.status(), r.headers(), r.body(), false),
        Vec::<&str>::new()
    );
    assert_typed_is_body("list flex", &r);
    assert_eq!(r.value().results.len(), 1);
    assert_eq!(r.value().total_count, Some(3));
}

/// Every operation of the table, the backup domain's writes among them, through the
/// proxy: Prism sees each request within the spec, and the stand-in's every answer
/// (restore jobs, downloads, clusters, instances) validates against its schema.
#[tokio::test]
async fn proxy_every_operation_of_the_table_answers_within_the_spec() {
    let bin = prism_or_skip!();
    let p = Proxied::start(&bin).await;
    let before = p.standin.request_count();
    let calls = common::every_operation::call_every_operation(&p.client()).await;
    assert_eq!(calls.len(), atlas_snapshots::operations::ALL.len());
    for (op, result) in &calls {
        let r = result.as_ref().unwrap_or_else(|e| panic!("{}: {e}", op.id));
        assert_eq!(
            judge(op.id, r.status(), r.headers(), r.body(), false),
            Vec::<&str>::new(),
            "{}",
            op.id
        );
    }
    assert_eq!(
        p.standin.request_count() - before,
        calls.len() as u64,
        "Prism forwarded every call to the stand-in"
    );
}

#[tokio::test]
async fn proxy_not_found_is_the_typed_api_error() {
    let bin = prism_or_skip!();
    let p = Proxied::start(&bin).await;
    let c = p.client();
    let missing = "0123456789abcdef01234567";

    let outcomes = [
        (
            "get serverless",
            c.get_serverless_backup_snapshot(G, SERVERLESS, missing)
                .await
                .map(|_| ()),
        ),
        (
            "list serverless",
            c.list_serverless_backup_snapshots(G, "Nope", PAGE)
                .await
                .map(|_| ()),
        ),
        (
            "get flex",
            c.get_flex_backup_snapshot(G, FLEX, missing)
                .await
                .map(|_| ()),
        ),
        (
            "list flex",
            c.list_flex_backup_snapshots(G, "Nope", PAGE)
                .await
                .map(|_| ()),
        ),
    ];
    for (what, outcome) in outcomes {
        let err = outcome.expect_err(what);
        assert!(matches!(err, Error::Api(_)), "{what}: {err:?}");
        assert!(err.is_not_found(), "{what}: {err:?}");
        let (status, code, headers, raw) = failure_of(what, &err);
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::NOT_FOUND, "RESOURCE_NOT_FOUND"),
            "{what}"
        );
        // Prism did look at the body: the parameters deviation is always flagged.
        assert_eq!(
            judge(what, status, &headers, &raw, false),
            ["error parameters are strings and integers"],
            "{what}"
        );
        let parameters = &err.api_failure().unwrap().body.parameters;
        assert!(
            parameters.iter().any(Value::is_string),
            "{what}: {parameters:?}"
        );
        assert!(
            parameters.iter().any(Value::is_i64),
            "{what}: {parameters:?}"
        );
    }
}

/// `envelope=true`: a single resource (or an error) comes as `{"status","content"}`, a
/// list as itself plus `status`. The spec describes this only in the parameter's prose,
/// so Prism checks the envelope's `status` against the resource's `status` enum (and an
/// enveloped error against the list's required `results`); nothing else may be flagged.
#[tokio::test]
async fn proxy_envelope_answers_within_the_spec() {
    let bin = prism_or_skip!();
    let p = Proxied::start(&bin).await;
    let c = p.builder().envelope(true).build().expect("client");
    let sid = sample::serverless_snapshot_in(G, SERVERLESS, 0)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let fid = sample::flex_snapshot_in(G, FLEX, 0)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // What went over the wire for a single resource: the client hands back the content.
    let wrapped = |content: &[u8]| {
        let content: Value = serde_json::from_slice(content).expect("json");
        json!({"status": 200, "content": content})
            .to_string()
            .into_bytes()
    };

    let r = c
        .get_serverless_backup_snapshot(G, SERVERLESS, &sid)
        .await
        .expect("get serverless");
    let query = p
        .standin
        .requests()
        .last()
        .and_then(|r| r.query.clone())
        .unwrap_or_default();
    assert!(query.contains("envelope=true"), "{query}");
    assert_eq!(
        judge(
            "get serverless",
            StatusCode::OK,
            r.headers(),
            &wrapped(r.body()),
            true
        ),
        ["envelope status is the HTTP status"]
    );
    assert_eq!(
        summary(&violations(r.headers())),
        ["response.body.status enum", "response.body.status type"]
    );
    assert_typed_is_body("get serverless (enveloped)", &r);
    assert_eq!(r.value().id.as_deref(), Some(sid.as_str()));

    let r = c
        .get_flex_backup_snapshot(G, FLEX, &fid)
        .await
        .expect("get flex");
    assert_eq!(
        judge(
            "get flex",
            StatusCode::OK,
            r.headers(),
            &wrapped(r.body()),
            true
        ),
        ["envelope status is the HTTP status"]
    );
    assert_eq!(
        summary(&violations(r.headers())),
        ["response.body.status enum", "response.body.status type"]
    );
    assert_typed_is_body("get flex (enveloped)", &r);

    // Lists are their own envelope: `status` is added next to `results`. The spec's list
    // schemas allow extra properties, so Prism has nothing to say; the typed value has
    // everything but `status`.
    let r = c
        .list_serverless_backup_snapshots(G, SERVERLESS, PAGE)
        .await
        .expect("list serverless");
    assert_eq!(violations(r.headers()), []);
    assert_list_is_body_but_status("list serverless (enveloped)", &r);
    assert_eq!(r.value().results.len(), 3);
    let r = c
        .list_flex_backup_snapshots(G, FLEX, PAGE)
        .await
        .expect("list flex");
    assert_eq!(violations(r.headers()), []);
    assert_list_is_body_but_status("list flex (enveloped)", &r);

    // Enveloped 404s: HTTP 200 on the wire, the typed 404 from the client.
    let missing = "0123456789abcdef01234567";
    let outcomes = [
        (
            "get serverless 404",
            c.get_serverless_backup_snapshot(G, SERVERLESS, missing)
                .await
                .map(|_| ()),
            "envelope status is the HTTP status",
        ),
        (
            "list serverless 404",
            c.list_serverless_backup_snapshots(G, "Nope", PAGE)
                .await
                .map(|_| ()),
            "enveloped error has no results",
        ),
        (
            "get flex 404",
            c.get_flex_backup_snapshot(G, FLEX, missing)
                .await
                .map(|_| ()),
            "envelope status is the HTTP status",
        ),
        (
            "list flex 404",
            c.list_flex_backup_snapshots(G, "Nope", PAGE)
                .await
                .map(|_| ()),
            "enveloped error has no results",
        ),
    ];
    for (what, outcome, expected) in outcomes {
        let err = outcome.expect_err(what);
        assert!(err.is_not_found(), "{what}: {err:?}");
        let (status, code, headers, raw) = failure_of(what, &err);
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::NOT_FOUND, "RESOURCE_NOT_FOUND"),
            "{what}"
        );
        let content: Value = serde_json::from_slice(&raw).expect("json");
        let wire = json!({"status": 404, "content": content}).to_string();
        assert_eq!(
            judge(what, StatusCode::OK, &headers, wire.as_bytes(), true),
            [expected],
            "{what}"
        );
    }
}

/// An enveloped list's body is the list plus the envelope's `status`.
fn assert_list_is_body_but_status<T: Serialize>(what: &str, response: &Response<T>) {
    let mut served: Value = serde_json::from_slice(response.body()).expect("json");
    let status = served.as_object_mut().and_then(|o| o.remove("status"));
    assert_eq!(status, Some(json!(200)), "{what}: {served}");
    let typed = serde_json::to_value(response.value()).expect("typed value serialises");
    assert_eq!(
        typed, served,
        "{what}: typed result differs from the body served"
    );
}

#[tokio::test]
async fn proxy_gone_mode_is_version_gone() {
    let bin = prism_or_skip!();
    let p = Proxied::start(&bin).await;
    p.standin.set_gone(true);
    let c = p.client();
    let sid = sample::serverless_snapshot_in(G, SERVERLESS, 0)["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let outcomes = [
        (
            "get serverless",
            c.get_serverless_backup_snapshot(G, SERVERLESS, &sid)
                .await
                .map(|_| ()),
        ),
        (
            "list serverless",
            c.list_serverless_backup_snapshots(G, SERVERLESS, PAGE)
                .await
                .map(|_| ()),
        ),
    ];
    for (what, outcome) in outcomes {
        let err = outcome.expect_err(what);
        assert!(matches!(err, Error::VersionGone { .. }), "{what}: {err:?}");
        let (status, code, headers, _) = failure_of(what, &err);
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::GONE, "VERSION_GONE"),
            "{what}"
        );
        assert_eq!(
            judge(what, status, &headers, b"{}", false),
            ["410 is not declared in the spec"],
            "{what}"
        );
    }
    // Flex is not affected by gone mode.
    let fid = sample::flex_snapshot_in(G, FLEX, 0)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = c
        .get_flex_backup_snapshot(G, FLEX, &fid)
        .await
        .expect("flex still served");
    assert_eq!(
        judge("get flex", r.status(), r.headers(), r.body(), false),
        Vec::<&str>::new()
    );
}

/// int64 values above 2^53 (valid per the spec, beyond a JavaScript number): the client
/// decodes them exactly from the stand-in; through the proxy, Prism flags them
/// (`maximum` 9007199254740991) and forwards a rounded number, which the client then
/// decodes exactly as rounded.
#[tokio::test]
async fn proxy_integers_above_2_pow_53_are_flagged_and_decoded_exactly() {
    let bin = prism_or_skip!();
    let p = Proxied::start(&bin).await;
    let mut big = sample::serverless_snapshot_in(G, "Big", 0);
    big["storageSizeBytes"] = json!(HUGE);
    let id = big["id"].as_str().unwrap().to_owned();
    p.standin.seed_serverless(G, "Big", vec![big]);

    // Straight from the stand-in: exact.
    let direct = client(&p.standin.base_url(), TOKEN)
        .build()
        .expect("client");
    let r = direct
        .get_serverless_backup_snapshot(G, "Big", &id)
        .await
        .expect("get direct");
    assert_eq!(r.value().storage_size_bytes, Some(HUGE));
    assert_typed_is_body("get big (direct)", &r);
    let r = direct
        .list_serverless_backup_snapshots(G, "Big", PAGE)
        .await
        .expect("list direct");
    assert_eq!(r.value().results[0].storage_size_bytes, Some(HUGE));
    assert_typed_is_body("list big (direct)", &r);

    // Through Prism: flagged as the deviation it is, and rounded by Prism's JSON.
    let c = p.client();
    let r = c
        .get_serverless_backup_snapshot(G, "Big", &id)
        .await
        .expect("get");
    assert_eq!(
        judge("get big", r.status(), r.headers(), r.body(), false),
        ["int64 above 2^53"]
    );
    assert_eq!(
        summary(&violations(r.headers())),
        ["response.body.storageSizeBytes maximum"]
    );
    assert_typed_is_body("get big", &r);
    assert_eq!(
        r.value().storage_size_bytes,
        Some(HUGE - 1),
        "Prism no longer rounds: make the test exact"
    );
    let r = c
        .list_serverless_backup_snapshots(G, "Big", PAGE)
        .await
        .expect("list");
    assert_eq!(
        summary(&violations(r.headers())),
        ["response.body.results.0.storageSizeBytes maximum"]
    );
    assert_eq!(
        judge("list big", r.status(), r.headers(), r.body(), false),
        ["int64 above 2^53"]
    );
    assert_typed_is_body("list big", &r);
}

/// A value the spec does not list (Atlas adds enum values without a new version): the
/// client keeps it and serialises it back unchanged; Prism flags exactly that value,
/// which shows the proxy would catch a stand-in that invented one.
#[tokio::test]
async fn proxy_unknown_enum_values_round_trip_and_prism_notices_them() {
    let bin = prism_or_skip!();
    let p = Proxied::start(&bin).await;
    let mut odd = sample::flex_snapshot_in(G, "Odd", 0);
    odd["status"] = json!("ARCHIVED");
    let id = odd["id"].as_str().unwrap().to_owned();
    p.standin.seed_flex(G, "Odd", vec![odd]);
    let c = p.client();

    let r = c
        .get_flex_backup_snapshot(G, "Odd", &id)
        .await
        .expect("unknown enum value decodes");
    assert_typed_is_body("get odd", &r);
    let status = r.value().status.as_ref().expect("status");
    assert!(!status.is_known());
    assert_eq!(status.as_str(), "ARCHIVED");
    assert_eq!(
        summary(&violations(r.headers())),
        ["response.body.status enum"]
    );
}

/// Bearer auth through the proxy: a wrong token is the stand-in's 401 (Prism accepts any
/// bearer token itself, so the 401 is the stand-in's), typed, and within the spec but for
/// the `parameters` deviation.
#[tokio::test]
async fn proxy_wrong_token_is_the_typed_unauthorized() {
    let bin = prism_or_skip!();
    let p = Proxied::start(&bin).await;
    let c = client(&p.prism.url, "not-the-token")
        .build()
        .expect("client");
    let before = p.standin.unauthorized_count();
    let err = c
        .list_flex_backup_snapshots(G, FLEX, PAGE)
        .await
        .expect_err("401");
    assert_eq!(p.standin.unauthorized_count(), before + 1);
    let (status, code, headers, raw) = failure_of("list flex 401", &err);
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNAUTHORIZED, "UNAUTHORIZED")
    );
    assert_eq!(
        judge("list flex 401", status, &headers, &raw, false),
        ["error parameters are strings and integers"]
    );
}
