#![cfg(feature = "cli")]
//! The `atlas-snapshots` binary against the Atlas stand-in: what scripts depend on
//! (stdout, exit codes, stderr messages) and what reaches the server.

mod cli_support;

use std::time::Duration;

use atlas_snapshots::env;
use atlas_snapshots_standin::{Fault, RecordedRequest, StandIn, sample};
use cli_support::{Run, TOKEN, cli, run, standin};
use serde_json::{Value, json};

const GROUP: &str = sample::GROUP_ID;
const SERVERLESS: &str = sample::SERVERLESS_NAME;
const FLEX: &str = sample::FLEX_NAME;
/// 2^53 + 1: the smallest integer an f64 cannot hold.
const BEYOND_F64: u64 = 9_007_199_254_740_993;

/// The API requests the stand-in received (the OAuth routes are not used here).
fn api_requests(standin: &StandIn) -> Vec<RecordedRequest> {
    standin
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/api/atlas/v2/"))
        .collect()
}

fn query_pairs(request: &RecordedRequest) -> Vec<(String, String)> {
    let query = request.query.clone().unwrap_or_default();
    url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .filter(|(k, _)| k == "pageNum" || k == "itemsPerPage")
        .collect()
}

fn page_query(page: u32, size: u32) -> Vec<(String, String)> {
    let mut pairs = vec![
        ("itemsPerPage".to_owned(), size.to_string()),
        ("pageNum".to_owned(), page.to_string()),
    ];
    pairs.sort();
    pairs
}

fn sorted(mut pairs: Vec<(String, String)>) -> Vec<(String, String)> {
    pairs.sort();
    pairs
}

/// A serverless snapshot Atlas could send tomorrow: a status this crate does not know,
/// a size an f64 would round, and a field the spec does not have.
fn odd_serverless_snapshot() -> Value {
    let mut snapshot = sample::serverless_snapshot(0);
    snapshot["status"] = json!("archived");
    snapshot["storageSizeBytes"] = json!(BEYOND_F64);
    snapshot["retentionTier"] = json!("cold");
    snapshot
}

fn odd_flex_snapshot() -> Value {
    let mut snapshot = sample::flex_snapshot(4);
    snapshot["status"] = json!("archived");
    snapshot["sizeHintBytes"] = json!(BEYOND_F64);
    snapshot
}

#[tokio::test(flavor = "multi_thread")]
async fn serverless_get_prints_the_snapshot_as_served_and_warns_once() {
    let standin = standin().await;
    let snapshot = odd_serverless_snapshot();
    let id = snapshot["id"].as_str().expect("sample id").to_owned();
    standin.seed_serverless(
        GROUP,
        SERVERLESS,
        vec![sample::serverless_snapshot(1), snapshot.clone()],
    );

    let args = format!("serverless get --group-id {GROUP} --cluster {SERVERLESS} --snapshot {id}");
    let out = run(cli(&standin.base_url(), &args)).await;

    out.assert_code(0);
    assert_eq!(out.json(), snapshot);
    assert!(
        out.stdout
            .contains(&format!("\"storageSizeBytes\": {BEYOND_F64}")),
        "{out:#?}"
    );
    let warnings: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect();
    assert_eq!(warnings.len(), 1, "one deprecation warning: {out:#?}");
    assert!(
        warnings[0].contains("getServerlessBackupSnapshot"),
        "{out:#?}"
    );
    assert!(
        warnings[0].contains("'atlas-snapshots flex get'"),
        "{out:#?}"
    );
    assert_eq!(
        out.stderr.lines().count(),
        1,
        "nothing else on stderr: {out:#?}"
    );
    let requests = api_requests(&standin);
    assert_eq!(requests.len(), 1);
    assert_eq!(
        requests[0].path,
        format!("/api/atlas/v2/groups/{GROUP}/serverless/{SERVERLESS}/backup/snapshots/{id}")
    );
    assert_eq!(
        requests[0].header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn flex_get_prints_the_snapshot_as_served_without_warnings() {
    let standin = standin().await;
    let snapshot = odd_flex_snapshot();
    let id = snapshot["id"].as_str().expect("sample id").to_owned();
    standin.seed_flex(
        GROUP,
        FLEX,
        vec![snapshot.clone(), sample::flex_snapshot(5)],
    );

    let args = format!("flex get --group-id {GROUP} --cluster {FLEX} --snapshot {id}");
    let out = run(cli(&standin.base_url(), &args)).await;

    out.assert_code(0);
    assert_eq!(out.json(), snapshot);
    assert!(out.stdout.contains(&BEYOND_F64.to_string()), "{out:#?}");
    assert_eq!(out.stderr, "", "{out:#?}");
    let requests = api_requests(&standin);
    assert_eq!(requests.len(), 1);
    assert_eq!(
        requests[0].path,
        format!("/api/atlas/v2/groups/{GROUP}/flexClusters/{FLEX}/backup/snapshots/{id}")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn serverless_list_prints_the_page_object() {
    let standin = standin().await;
    let mut snapshots: Vec<Value> = (0..7).map(sample::serverless_snapshot).collect();
    snapshots[1] = odd_serverless_snapshot();
    standin.seed_serverless(GROUP, SERVERLESS, snapshots.clone());

    let args = format!("serverless list --group-id {GROUP} --cluster {SERVERLESS} --page-size 3");
    let out = run(cli(&standin.base_url(), &args)).await;

    out.assert_code(0);
    let page = out.json();
    assert_eq!(
        page["results"],
        Value::Array(snapshots[..3].to_vec()),
        "{out:#?}"
    );
    assert_eq!(page["totalCount"], json!(7));
    assert!(
        page["links"].is_array(),
        "the page object, links included: {out:#?}"
    );
    let requests = api_requests(&standin);
    assert_eq!(requests.len(), 1);
    assert_eq!(sorted(query_pairs(&requests[0])), page_query(1, 3));
}

#[tokio::test(flavor = "multi_thread")]
async fn flex_list_asks_for_100_items_by_default() {
    let standin = standin().await;
    let snapshots: Vec<Value> = (0..150).map(sample::flex_snapshot).collect();
    standin.seed_flex(GROUP, FLEX, snapshots.clone());

    let args = format!("flex list --group-id {GROUP} --cluster {FLEX}");
    let out = run(cli(&standin.base_url(), &args)).await;

    out.assert_code(0);
    let page = out.json();
    assert_eq!(page["results"], Value::Array(snapshots[..100].to_vec()));
    assert_eq!(page["totalCount"], json!(150));
    let requests = api_requests(&standin);
    assert_eq!(requests.len(), 1);
    assert_eq!(sorted(query_pairs(&requests[0])), page_query(1, 100));
}

#[tokio::test(flavor = "multi_thread")]
async fn serverless_list_all_gathers_every_page_into_one_array() {
    let standin = standin().await;
    let mut snapshots: Vec<Value> = (0..1234).map(sample::serverless_snapshot).collect();
    snapshots[1233] = odd_serverless_snapshot();
    standin.seed_serverless(GROUP, SERVERLESS, snapshots.clone());

    let args = format!("serverless list --all --group-id {GROUP} --cluster {SERVERLESS}");
    let out = run(cli(&standin.base_url(), &args)).await;

    out.assert_code(0);
    assert_eq!(out.json(), Value::Array(snapshots));
    let requests = api_requests(&standin);
    let pages: Vec<_> = requests.iter().map(|r| sorted(query_pairs(r))).collect();
    assert_eq!(
        pages,
        vec![page_query(1, 500), page_query(2, 500), page_query(3, 500)]
    );
    // Three deprecated calls, one warning; no progress when stderr is not a terminal.
    assert_eq!(out.stderr.lines().count(), 1, "{out:#?}");
    assert!(
        out.stderr
            .starts_with("warning: listServerlessBackupSnapshots"),
        "{out:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn flex_list_all_stops_at_total_count_with_the_page_size_given() {
    let standin = standin().await;
    // 300 items in pages of 100: the third page is full, so only totalCount can stop it.
    let snapshots: Vec<Value> = (0..300).map(sample::flex_snapshot).collect();
    standin.seed_flex(GROUP, FLEX, snapshots.clone());

    let args = format!("flex list --all --page-size 100 --group-id {GROUP} --cluster {FLEX}");
    let out = run(cli(&standin.base_url(), &args)).await;

    out.assert_code(0);
    assert_eq!(out.json(), Value::Array(snapshots));
    let pages: Vec<_> = api_requests(&standin)
        .iter()
        .map(|r| sorted(query_pairs(r)))
        .collect();
    assert_eq!(
        pages,
        vec![page_query(1, 100), page_query(2, 100), page_query(3, 100)]
    );
    assert_eq!(out.stderr, "", "{out:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn list_all_against_a_server_that_ignores_page_num_exits_4_after_two_pages() {
    let standin = standin().await;
    standin.seed_flex(GROUP, FLEX, (0..10).map(sample::flex_snapshot).collect());
    // Every request gets page 1 again, and totalCount promises far more than that.
    standin.set_fault(
        Fault::Paging {
            ignore_page_num: true,
            always_full: false,
            total_count: Some(1_000_000),
        },
        None,
    );

    let args = format!("flex list --all --page-size 5 --group-id {GROUP} --cluster {FLEX}");
    let out = run(cli(&standin.base_url(), &args)).await;

    out.assert_code(4);
    assert_eq!(api_requests(&standin).len(), 2, "{out:#?}");
    assert!(out.stderr.starts_with("error: "), "{out:#?}");
    assert!(
        out.stderr.contains("page 2"),
        "the error names the page: {out:#?}"
    );
    // The first page's snapshots are out; the array stays open so no parser accepts it.
    assert!(out.stdout.starts_with('['), "{out:#?}");
    assert!(
        serde_json::from_str::<Value>(&out.stdout).is_err(),
        "{out:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn list_all_of_an_empty_cluster_is_an_empty_array() {
    let standin = standin().await;
    standin.seed_flex(GROUP, FLEX, Vec::new());

    let args = format!("flex list --all --group-id {GROUP} --cluster {FLEX}");
    let out = run(cli(&standin.base_url(), &args)).await;

    out.assert_code(0);
    assert_eq!(out.json(), json!([]));
    assert_eq!(api_requests(&standin).len(), 1);
}

/// The table's lines, split into columns at the header's column starts.
fn table(out: &Run) -> Vec<Vec<String>> {
    let mut lines = out.stdout.lines();
    let header = lines.next().expect("a header line");
    let names = ["ID", "TIME", "STATUS", "TYPE"];
    let starts: Vec<usize> = names
        .iter()
        .map(|name| {
            header
                .find(name)
                .unwrap_or_else(|| panic!("{name} in {header:?}"))
        })
        .collect();
    assert!(header.trim_end().ends_with("SIZE"), "{header:?}");
    std::iter::once(header)
        .chain(lines)
        .map(|line| {
            assert_eq!(line.len(), header.len(), "aligned: {:#?}", out.stdout);
            let mut cells = Vec::new();
            for (i, start) in starts.iter().enumerate() {
                let end = starts.get(i + 1).copied().unwrap_or(line.len());
                let cell = line.get(*start..end).unwrap_or_default();
                // A column holds one word, starting exactly at its header.
                assert!(!cell.starts_with(' '), "column {i} of {line:?}");
                cells.push(cell.trim().to_owned());
            }
            // The last column (SIZE) is right-aligned after the TYPE column.
            let type_and_size = cells.pop().unwrap_or_default();
            let (kind, size) = type_and_size
                .split_once("  ")
                .unwrap_or((&type_and_size, ""));
            cells.push(kind.trim().to_owned());
            cells.push(size.trim().to_owned());
            cells
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn serverless_table_shows_id_time_status_type_and_size() {
    let standin = standin().await;
    let mut big = sample::serverless_snapshot(1);
    big["storageSizeBytes"] = json!(1_610_612_736_u64);
    big["snapshotType"] = json!("onDemand");
    let odd = odd_serverless_snapshot();
    standin.seed_serverless(GROUP, SERVERLESS, vec![big.clone(), odd.clone()]);

    let args = format!("--output table serverless list --group-id {GROUP} --cluster {SERVERLESS}");
    let out = run(cli(&standin.base_url(), &args)).await;

    out.assert_code(0);
    let rows = table(&out);
    assert_eq!(rows[0], ["ID", "TIME", "STATUS", "TYPE", "SIZE"]);
    assert_eq!(
        rows[1],
        [
            big["id"].as_str().unwrap_or_default(),
            "2026-01-10T03:00:00Z",
            "inProgress",
            "onDemand/daily",
            "1.5 GiB"
        ]
    );
    assert_eq!(
        rows[2],
        [
            odd["id"].as_str().unwrap_or_default(),
            "2026-01-10T04:00:00Z",
            "archived",
            "scheduled/hourly",
            "8.0 PiB"
        ]
    );
    assert_eq!(rows.len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn flex_table_uses_scheduled_or_start_time_and_dashes() {
    let standin = standin().await;
    let scheduled = odd_flex_snapshot();
    let mut started = sample::flex_snapshot(6);
    if let Some(object) = started.as_object_mut() {
        object.remove("scheduledTime");
    }
    standin.seed_flex(GROUP, FLEX, vec![scheduled.clone(), started.clone()]);
    let id = scheduled["id"].as_str().unwrap_or_default();

    let get =
        format!("--output table flex get --group-id {GROUP} --cluster {FLEX} --snapshot {id}");
    let out = run(cli(&standin.base_url(), &get)).await;
    out.assert_code(0);
    let rows = table(&out);
    assert_eq!(rows.len(), 2, "{out:#?}");
    assert_eq!(rows[1], [id, "2026-01-10T00:00:00Z", "archived", "-", "-"]);

    let list = format!("flex list --group-id {GROUP} --cluster {FLEX} --output table --all");
    let out = run(cli(&standin.base_url(), &list)).await;
    out.assert_code(0);
    let rows = table(&out);
    assert_eq!(rows.len(), 3, "{out:#?}");
    // Snapshot 6 was scheduled at 22:00 and started 30 s later.
    assert_eq!(
        rows[2],
        [
            started["id"].as_str().unwrap_or_default(),
            "2026-01-09T22:00:30Z",
            "COMPLETED",
            "-",
            "-"
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn envelope_gives_the_same_output() {
    let standin = standin().await;
    let snapshot = odd_serverless_snapshot();
    let id = snapshot["id"].as_str().unwrap_or_default().to_owned();
    standin.seed_serverless(GROUP, SERVERLESS, vec![snapshot]);
    let snapshots: Vec<Value> = (0..120).map(sample::flex_snapshot).collect();
    standin.seed_flex(GROUP, FLEX, snapshots.clone());
    let url = standin.base_url();

    let get = format!("serverless get --group-id {GROUP} --cluster {SERVERLESS} --snapshot {id}");
    let plain = run(cli(&url, &get)).await;
    let enveloped = run(cli(&url, &format!("--envelope {get}"))).await;
    plain.assert_code(0);
    enveloped.assert_code(0);
    assert_eq!(enveloped.stdout, plain.stdout);

    let all =
        format!("--envelope flex list --all --page-size 50 --group-id {GROUP} --cluster {FLEX}");
    let out = run(cli(&url, &all)).await;
    out.assert_code(0);
    assert_eq!(out.json(), Value::Array(snapshots));

    let requests = api_requests(&standin);
    assert_eq!(requests.len(), 5, "1 + 1 + 3 pages");
    let envelope = |r: &RecordedRequest| {
        r.query
            .as_deref()
            .is_some_and(|q| q.contains("envelope=true"))
    };
    assert!(!envelope(&requests[0]), "{:?}", requests[0]);
    assert!(requests[1..].iter().all(envelope), "{requests:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_group_id_exits_2_and_sends_nothing() {
    let standin = standin().await;
    standin.seed_serverless(GROUP, SERVERLESS, vec![sample::serverless_snapshot(0)]);
    let upper = GROUP.to_uppercase();
    let snapshot = sample::snapshot_id(0x6571, 0);

    for args in [
        format!("serverless get --group-id {upper} --cluster {SERVERLESS} --snapshot {snapshot}"),
        format!("flex list --all --group-id {upper} --cluster {FLEX}"),
    ] {
        let out = run(cli(&standin.base_url(), &args)).await;
        out.assert_code(2);
        assert!(out.stderr.contains("--group-id"), "{out:#?}");
        assert!(out.stderr.contains(&upper), "{out:#?}");
        assert_eq!(out.stdout, "");
    }
    assert_eq!(standin.request_count(), 0, "{:#?}", standin.requests());
}

#[tokio::test(flavor = "multi_thread")]
async fn page_size_out_of_range_exits_2_and_sends_nothing() {
    let standin = standin().await;
    standin.seed_flex(GROUP, FLEX, vec![sample::flex_snapshot(0)]);

    for size in ["0", "501", "many"] {
        let args = format!("flex list --page-size {size} --group-id {GROUP} --cluster {FLEX}");
        let out = run(cli(&standin.base_url(), &args)).await;
        out.assert_code(2);
        assert!(out.stderr.contains("--page-size"), "{out:#?}");
    }
    assert_eq!(standin.request_count(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_arguments_exit_2_and_help_exits_0() {
    let out = run(cli("http://127.0.0.1:9", "flex delete")).await;
    out.assert_code(2);
    let out = run(cli(
        "http://127.0.0.1:9",
        &format!("flex get --group-id {GROUP}"),
    ))
    .await;
    out.assert_code(2);
    let out = run(cli("http://127.0.0.1:9", "--help")).await;
    out.assert_code(0);
    assert!(
        out.stdout.contains("serverless") && out.stdout.contains("flex"),
        "{out:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn half_set_credential_pair_exits_2_naming_the_missing_variable() {
    let standin = standin().await;
    standin.seed_flex(GROUP, FLEX, vec![sample::flex_snapshot(0)]);

    let mut cmd = cli(
        &standin.base_url(),
        &format!("flex list --group-id {GROUP} --cluster {FLEX}"),
    );
    cmd.env(env::PUBLIC_API_KEY, "PUBLICKEY");
    let out = run(cmd).await;

    out.assert_code(2);
    assert!(out.stderr.contains(env::PRIVATE_API_KEY), "{out:#?}");
    assert!(
        !out.stderr.contains("PUBLICKEY"),
        "no credential values: {out:#?}"
    );
    assert_eq!(standin.request_count(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn not_found_exits_3_with_status_and_error_code() {
    let standin = standin().await;
    standin.seed_flex(GROUP, FLEX, vec![sample::flex_snapshot(0)]);
    let missing = "0123456789abcdef01234567";

    let args = format!("flex get --group-id {GROUP} --cluster {FLEX} --snapshot {missing}");
    let out = run(cli(&standin.base_url(), &args)).await;

    out.assert_code(3);
    assert_eq!(out.stdout, "");
    assert!(out.stderr.contains("404"), "{out:#?}");
    assert!(out.stderr.contains("RESOURCE_NOT_FOUND"), "{out:#?}");
    assert!(
        out.stderr
            .contains(&format!("No snapshot with ID {missing}")),
        "detail: {out:#?}"
    );
    assert_eq!(out.stderr.lines().count(), 1, "printed once: {out:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_token_exits_3() {
    let standin = standin().await;
    standin.seed_flex(GROUP, FLEX, vec![sample::flex_snapshot(0)]);
    let mut cmd = cli(
        &standin.base_url(),
        &format!("flex list --group-id {GROUP} --cluster {FLEX}"),
    );
    cmd.env(env::ACCESS_TOKEN, "not-the-token");

    let out = run(cmd).await;

    out.assert_code(3);
    assert!(
        out.stderr.contains("401") && out.stderr.contains("UNAUTHORIZED"),
        "{out:#?}"
    );
    assert!(
        !out.stderr.contains("not-the-token"),
        "no secrets: {out:#?}"
    );
}

/// stderr without the deprecation warnings.
fn errors(out: &Run) -> String {
    let lines = out.stderr.lines().filter(|l| !l.starts_with("warning:"));
    lines.collect::<Vec<_>>().join("\n")
}

#[tokio::test(flavor = "multi_thread")]
async fn gone_serverless_exits_3_and_names_the_flex_command() {
    let standin = standin().await;
    standin.seed_serverless(GROUP, SERVERLESS, vec![sample::serverless_snapshot(0)]);
    standin.set_gone(true);
    let id = sample::snapshot_id(0x6571, 0);

    let get = format!("serverless get --group-id {GROUP} --cluster {SERVERLESS} --snapshot {id}");
    let out = run(cli(&standin.base_url(), &get)).await;
    out.assert_code(3);
    assert!(
        out.stderr.contains("410") && out.stderr.contains("VERSION_GONE"),
        "{out:#?}"
    );
    // The deprecation warning names flex too; the error itself must say it as well.
    let error = errors(&out);
    assert!(
        error.contains("use 'atlas-snapshots flex get' instead"),
        "{out:#?}"
    );
    assert_eq!(out.stdout, "");

    let list = format!("serverless list --all --group-id {GROUP} --cluster {SERVERLESS}");
    let out = run(cli(&standin.base_url(), &list)).await;
    out.assert_code(3);
    let error = errors(&out);
    assert!(
        error.contains("use 'atlas-snapshots flex list' instead"),
        "{out:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn proxy_error_page_exits_3() {
    let standin = standin().await;
    standin.seed_flex(GROUP, FLEX, vec![sample::flex_snapshot(0)]);
    standin.set_fault(Fault::HtmlBadGateway, None);

    let args = format!("flex list --group-id {GROUP} --cluster {FLEX}");
    let out = run(cli(&standin.base_url(), &args)).await;

    out.assert_code(3);
    assert!(out.stderr.contains("502"), "{out:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn server_down_exits_4() {
    // A port that was just free and that nothing listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let url = format!("http://{}", listener.local_addr().expect("its address"));
    drop(listener);

    let args = format!("flex get --group-id {GROUP} --cluster {FLEX} --snapshot {GROUP}");
    let out = run(cli(&url, &args)).await;

    out.assert_code(4);
    assert!(out.stderr.contains("transport"), "{out:#?}");
    assert_eq!(out.stdout, "");
}

#[tokio::test(flavor = "multi_thread")]
async fn timeout_exits_4() {
    let standin = standin().await;
    standin.seed_flex(GROUP, FLEX, vec![sample::flex_snapshot(0)]);
    standin.set_fault(Fault::Delay(Duration::from_secs(5)), None);

    let args = format!("--timeout 0.3 flex list --group-id {GROUP} --cluster {FLEX}");
    let started = std::time::Instant::now();
    let out = run(cli(&standin.base_url(), &args)).await;

    out.assert_code(4);
    assert!(out.stderr.contains("timeout"), "{out:#?}");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "bounded by --timeout"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn verbose_logs_go_to_stderr_without_the_token() {
    let standin = standin().await;
    let snapshot = sample::flex_snapshot(0);
    let id = snapshot["id"].as_str().unwrap_or_default().to_owned();
    standin.seed_flex(GROUP, FLEX, vec![snapshot.clone()]);

    let args = format!("-v flex get --group-id {GROUP} --cluster {FLEX} --snapshot {id}");
    let out = run(cli(&standin.base_url(), &args)).await;

    out.assert_code(0);
    assert_eq!(out.json(), snapshot, "stdout stays one JSON document");
    assert!(out.stderr.contains("getFlexBackupSnapshot"), "{out:#?}");
    assert!(!out.stderr.contains(TOKEN), "no secrets: {out:#?}");
    assert!(
        !out.stderr.contains('\x1b'),
        "no colours off a terminal: {out:#?}"
    );
}
