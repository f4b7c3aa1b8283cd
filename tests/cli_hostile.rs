#![cfg(feature = "cli")]
//! The `atlas-snapshots` binary where output is large, servers are hostile or odd, and
//! its own streams are closed: `list --all` streams, server text never drives the
//! terminal, numbers come out as sent, and a closed stdout or stderr never panics.

mod cli_support;

use std::{
    io::Read,
    pin::Pin,
    process::{Child, Command, Stdio},
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
        mpsc,
    },
    time::{Duration, Instant},
};

use atlas_snapshots_standin::{StandIn, sample};
use cli_support::{Run, command as cli, standin};
use serde_json::{Value, json};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
    sync::Notify,
};

const GROUP: &str = sample::GROUP_ID;
const SERVERLESS: &str = sample::SERVERLESS_NAME;
const FLEX: &str = sample::FLEX_NAME;
/// How long any one run of the binary may take.
const RUN_LIMIT: Duration = Duration::from_secs(20);

/// A pipe whose read end is already closed: writing to it fails with EPIPE.
fn closed_pipe() -> Stdio {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    Stdio::from(writer)
}

/// Reads a piped stream to its end on a thread of its own.
fn drain(stream: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut stream) = stream {
            let _ = stream.read_to_end(&mut bytes);
        }
        bytes
    })
}

/// Waits for `child` at most [`RUN_LIMIT`] (killing it then), with what it wrote to
/// the streams that were piped.
fn finish(mut child: Child) -> Run {
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let deadline = Instant::now() + RUN_LIMIT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the binary") {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let text = |h: std::thread::JoinHandle<Vec<u8>>| {
        String::from_utf8_lossy(&h.join().unwrap_or_default()).into_owned()
    };
    Run {
        code: status.and_then(|s| s.code()),
        stdout: text(stdout),
        stderr: text(stderr),
    }
}

/// Runs `cmd` with the given stdout and stderr, off the runtime (which keeps serving).
async fn run_with(mut cmd: Command, stdout: Stdio, stderr: Stdio) -> Run {
    let child = cmd.stdout(stdout).stderr(stderr).spawn().expect("spawn");
    tokio::task::spawn_blocking(move || finish(child))
        .await
        .expect("the waiting thread")
}

async fn run(cmd: Command) -> Run {
    run_with(cmd, Stdio::piped(), Stdio::piped()).await
}

fn api_requests(standin: &StandIn) -> usize {
    let requests = standin.requests().into_iter();
    requests
        .filter(|r| r.path.starts_with("/api/atlas/v2/"))
        .count()
}

fn pretty(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value).expect("serialize") + "\n"
}

// --- A tiny server, for answers the stand-in does not give -------------------------

type Answer = Pin<Box<dyn Future<Output = (u16, String)> + Send>>;

/// One request as the tiny server saw it.
struct Request {
    path: String,
    page_num: u32,
}

/// An HTTP/1.1 server on 127.0.0.1 answering each request (one per connection) with
/// what `answer` returns, as `application/json`.
struct TinyServer {
    url: String,
    requests: Arc<AtomicUsize>,
}

impl TinyServer {
    async fn start(answer: impl Fn(Request) -> Answer + Send + Sync + 'static) -> TinyServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let requests = Arc::new(AtomicUsize::new(0));
        let count = requests.clone();
        let answer = Arc::new(answer);
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                let answer = answer.clone();
                tokio::spawn(async move {
                    let Some(request) = read_request(&mut socket).await else {
                        return;
                    };
                    let (status, body) = answer(request).await;
                    let head = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n\
                         content-length: {}\r\nconnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = socket.write_all(head.as_bytes()).await;
                    let _ = socket.write_all(body.as_bytes()).await;
                    let _ = socket.shutdown().await;
                });
            }
        });
        TinyServer { url, requests }
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// The request line of a GET (bounded: 64 KiB of head, 5 s).
async fn read_request(socket: &mut tokio::net::TcpStream) -> Option<Request> {
    let mut head = Vec::new();
    let read = async {
        let mut buf = [0_u8; 4096];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 65536 {
            let n = socket.read(&mut buf).await.ok()?;
            if n == 0 {
                return None;
            }
            head.extend_from_slice(&buf[..n]);
        }
        Some(())
    };
    tokio::time::timeout(Duration::from_secs(5), read)
        .await
        .ok()??;
    let head = String::from_utf8_lossy(&head);
    let target = head.split(' ').nth(1)?;
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let page_num = url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "pageNum")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(1);
    Some(Request {
        path: path.to_owned(),
        page_num,
    })
}

fn ready(status: u16, body: String) -> Answer {
    Box::pin(async move { (status, body) })
}

/// A list page body as Atlas lays it out.
fn page_body(items: &[Value], total: usize) -> String {
    json!({ "links": [], "results": items, "totalCount": total }).to_string()
}

fn not_found(detail: &str, code: &str) -> String {
    json!({
        "detail": detail,
        "error": 404,
        "errorCode": code,
        "parameters": [],
        "reason": "Not Found",
    })
    .to_string()
}

fn flex_list(page_size: usize, extra: &str) -> String {
    format!("{extra} flex list --all --page-size {page_size} --group-id {GROUP} --cluster {FLEX}")
}

// --- 12: `list --all` streams --------------------------------------------------------

/// Serves `items` two per page; page 2 only once `gate` is notified (or after 10 s).
async fn gated_server(items: Vec<Value>, gate: Arc<Notify>) -> TinyServer {
    TinyServer::start(move |request| {
        let (items, gate) = (items.clone(), gate.clone());
        Box::pin(async move {
            if request.page_num == 2 {
                // Bounded: a CLI that waits for every page before writing fails below.
                let _ = tokio::time::timeout(Duration::from_secs(10), gate.notified()).await;
            }
            let start = (request.page_num as usize - 1) * 2;
            let page = &items[start.min(items.len())..(start + 2).min(items.len())];
            (200, page_body(page, items.len()))
        })
    })
    .await
}

/// Runs `args` against a [`gated_server`], releasing page 2 only once stdout holds
/// `before`; returns the whole stdout, and whether `before` came before page 2.
async fn run_gated(args: &str, before: impl Fn(&str) -> bool + Send + 'static) -> (Run, bool) {
    let items: Vec<Value> = (0..5).map(sample::flex_snapshot).collect();
    let gate = Arc::new(Notify::new());
    let server = gated_server(items, gate.clone()).await;
    let mut child = cli(&server.url, args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdout = child.stdout.take().expect("piped stdout");
    let watched = tokio::task::spawn_blocking(move || {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = [0_u8; 4096];
            while let Ok(n @ 1..) = stdout.read(&mut buf) {
                if tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        let mut seen = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(8);
        let mut streamed = false;
        while let Ok(chunk) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            seen.extend(chunk);
            if !streamed && before(&String::from_utf8_lossy(&seen)) {
                streamed = true;
                gate.notify_one();
            }
        }
        // End of stdout, or the deadline: let the rest through either way.
        gate.notify_one();
        while let Ok(chunk) = rx.recv_timeout(RUN_LIMIT) {
            seen.extend(chunk);
        }
        let mut run = finish(child);
        run.stdout = String::from_utf8_lossy(&seen).into_owned();
        (run, streamed)
    });
    let (run, streamed) = watched.await.expect("the watching thread");
    assert_eq!(server.requests(), 3, "{run:#?}");
    (run, streamed)
}

#[tokio::test(flavor = "multi_thread")]
async fn list_all_json_writes_each_page_before_fetching_the_next() {
    let items: Vec<Value> = (0..5).map(sample::flex_snapshot).collect();
    let second = items[1]["id"].as_str().unwrap_or_default().to_owned();
    let (run, streamed) = run_gated(&flex_list(2, ""), move |out| {
        // Page 1's last snapshot, complete.
        out.contains(&second) && out.trim_end().ends_with('}')
    })
    .await;
    run.assert_code(0);
    assert!(streamed, "page 1 was not on stdout before page 2: {run:#?}");
    assert_eq!(run.stdout, pretty(&items), "the same bytes as one array");
}

#[tokio::test(flavor = "multi_thread")]
async fn list_all_table_writes_each_page_before_fetching_the_next() {
    let (run, streamed) = run_gated(&flex_list(2, "--output table"), |out| {
        out.lines().count() == 3 && out.ends_with('\n')
    })
    .await;
    run.assert_code(0);
    assert!(streamed, "page 1 was not on stdout before page 2: {run:#?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 6, "header and five rows: {run:#?}");
    // Pages 1 and 2 fit the widths of page 1; page 3's COMPLETED widens STATUS by 2.
    assert!(
        lines[..5].iter().all(|l| l.len() == lines[0].len()),
        "aligned: {run:#?}"
    );
    assert_eq!(lines[5].len(), lines[0].len() + 2, "{run:#?}");
    assert!(lines[5].contains("  COMPLETED  -"), "{run:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn list_all_of_many_small_pages_is_byte_identical_to_one_array() {
    let standin = standin().await;
    let mut snapshots: Vec<Value> = (0..1500).map(sample::flex_snapshot).collect();
    snapshots[700]["status"] = json!("archived");
    snapshots[701]["sizeHintBytes"] = json!(9_007_199_254_740_993_u64);
    standin.seed_flex(GROUP, FLEX, snapshots.clone());

    let out = run(cli(&standin.base_url(), &flex_list(7, ""))).await;
    out.assert_code(0);
    assert!(out.stdout == pretty(&snapshots), "stdout differs: {out:#?}");
    assert_eq!(api_requests(&standin), 1500_usize.div_ceil(7));

    // The first page holds the widest status, so the streamed table is aligned throughout.
    let out = run(cli(&standin.base_url(), &flex_list(7, "--output table"))).await;
    out.assert_code(0);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 1501);
    assert!(lines.iter().all(|l| l.len() == lines[0].len()), "{out:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_error_mid_list_leaves_the_array_unterminated_and_exits_3() {
    let items: Vec<Value> = (0..2).map(sample::flex_snapshot).collect();
    let first_page = page_body(&items, 6);
    let server = TinyServer::start(move |request| match request.page_num {
        1 => ready(200, first_page.clone()),
        _ => ready(
            404,
            not_found("The cluster went away.", "CLUSTER_NOT_FOUND"),
        ),
    })
    .await;

    let out = run(cli(&server.url, &flex_list(2, ""))).await;
    out.assert_code(3);
    // The snapshots so far, each complete, and no closing bracket: not valid JSON.
    let whole = pretty(&items);
    let open = whole.strip_suffix("]\n").unwrap_or_default();
    assert_eq!(out.stdout, open, "{out:#?}");
    assert!(serde_json::from_str::<Value>(&out.stdout).is_err());
    assert_eq!(out.stderr.lines().count(), 1, "{out:#?}");
    assert!(
        out.stderr.starts_with("error: ")
            && out.stderr.contains("404")
            && out.stderr.contains("CLUSTER_NOT_FOUND"),
        "{out:#?}"
    );

    let out = run(cli(&server.url, &flex_list(2, "--output table"))).await;
    out.assert_code(3);
    assert_eq!(out.stdout.lines().count(), 3, "header and page 1: {out:#?}");
    assert!(out.stderr.contains("CLUSTER_NOT_FOUND"), "{out:#?}");
    assert_eq!(server.requests(), 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_undecodable_page_mid_list_exits_4_after_the_pages_before_it() {
    let items: Vec<Value> = (0..2).map(sample::flex_snapshot).collect();
    let first_page = page_body(&items, 6);
    let server = TinyServer::start(move |request| match request.page_num {
        1 => ready(200, first_page.clone()),
        _ => ready(200, "<html>maintenance</html>".to_owned()),
    })
    .await;

    let out = run(cli(&server.url, &flex_list(2, ""))).await;
    out.assert_code(4);
    let whole = pretty(&items);
    assert_eq!(out.stdout, whole.strip_suffix("]\n").unwrap_or_default());
    assert_eq!(out.stderr.lines().count(), 1, "{out:#?}");
    assert!(
        out.stderr
            .starts_with("error: could not decode the answer (HTTP 200"),
        "{out:#?}"
    );
    assert_eq!(server.requests(), 2, "a 200 is not retried");
}

// --- 14: server text never drives the terminal --------------------------------------

/// Set the clipboard (OSC 52), set the title (OSC 0), clear the screen (CSI, also as
/// the C1 CSI U+009B), and reverse the text (U+202E).
const HOSTILE: &str =
    "\u{1b}]52;c;cHduZWQ=\u{7}\u{1b}]0;owned\u{1b}\\\u{1b}[2J\u{9b}31m\u{202e}gnp.exe";

/// No character of `text` can drive a terminal; `\u{1b}` shows where ESC was.
fn assert_inert(text: &str, what: &str) {
    let unsafe_char = text
        .chars()
        .find(|&c| (c.is_control() && c != '\n') || ('\u{202a}'..='\u{202e}').contains(&c));
    assert_eq!(unsafe_char, None, "{what}: {text:?}");
    assert!(
        text.contains("\\u{1b}]52;c;cHduZWQ=\\u{7}"),
        "{what}: {text:?}"
    );
    assert!(
        text.contains("\\u{9b}31m\\u{202e}gnp.exe"),
        "{what}: {text:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn server_text_is_escaped_in_tables_and_on_stderr_but_not_in_json() {
    let mut snapshot = sample::flex_snapshot(4);
    snapshot["id"] = json!(format!("6f1e{HOSTILE}"));
    snapshot["status"] = json!(format!("DONE{HOSTILE}"));
    let (one, page) = (snapshot.to_string(), page_body(&[snapshot.clone()], 1));
    let server = TinyServer::start(move |request| {
        if request.path.ends_with("/snapshots") {
            ready(200, page.clone())
        } else if request.path.ends_with(GROUP) {
            ready(200, one.clone())
        } else {
            ready(404, not_found(&format!("No snapshot {HOSTILE}"), HOSTILE))
        }
    })
    .await;
    let target = format!("--group-id {GROUP} --cluster {FLEX}");

    let get = format!("flex get {target} --snapshot {GROUP}");
    let out = run(cli(&server.url, &format!("--output table {get}"))).await;
    out.assert_code(0);
    assert_inert(&out.stdout, "get table");
    assert_eq!(out.stdout.lines().count(), 2, "{out:#?}");
    for list in [format!("flex list {target}"), flex_list(1, "")] {
        let out = run(cli(&server.url, &format!("--output table {list}"))).await;
        out.assert_code(0);
        assert_inert(&out.stdout, &list);
    }

    let missing = "0123456789abcdef01234567";
    let out = run(cli(
        &server.url,
        &format!("flex get {target} --snapshot {missing}"),
    ))
    .await;
    out.assert_code(3);
    assert_inert(&out.stderr, "error");
    assert_eq!(out.stderr.lines().count(), 1, "{out:#?}");

    // JSON is for programs: exactly the server's text (serde_json escapes C0 itself).
    let out = run(cli(&server.url, &get)).await;
    out.assert_code(0);
    assert_eq!(out.stdout, pretty(&snapshot));
}

// --- 15: closed streams ---------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn a_closed_stderr_changes_no_exit_code() {
    let standin = standin().await;
    let flex = sample::flex_snapshot(0);
    standin.seed_flex(GROUP, FLEX, vec![flex.clone()]);
    standin.seed_serverless(GROUP, SERVERLESS, vec![sample::serverless_snapshot(0)]);
    let flex_id = flex["id"].as_str().unwrap_or_default();
    let serverless_id = sample::snapshot_id(0x6571, 0);
    let url = standin.base_url();

    let cases = [
        // The error line goes nowhere.
        (
            format!("flex get --group-id {GROUP} --cluster {FLEX} --snapshot {GROUP}"),
            3,
        ),
        // The deprecation warning goes nowhere.
        (
            format!(
                "serverless get --group-id {GROUP} --cluster {SERVERLESS} --snapshot {serverless_id}"
            ),
            0,
        ),
        // Neither do the logs.
        (
            format!("-vv flex get --group-id {GROUP} --cluster {FLEX} --snapshot {flex_id}"),
            0,
        ),
        (format!("--group-id {GROUP}"), 2),
    ];
    for (args, code) in cases {
        let out = run_with(cli(&url, &args), Stdio::piped(), closed_pipe()).await;
        assert_eq!(out.code, Some(code), "{args}: {out:#?}");
        if code == 0 {
            let value: Value = serde_json::from_str(&out.stdout).expect("JSON on stdout");
            assert!(value["id"].is_string(), "{out:#?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_closed_stdout_exits_4_quietly_and_stops_paging() {
    let standin = standin().await;
    standin.seed_flex(GROUP, FLEX, (0..50).map(sample::flex_snapshot).collect());
    let id = sample::snapshot_id(0x6f1e, 0);
    let url = standin.base_url();

    for format in ["json", "table"] {
        let before = api_requests(&standin);
        let args = flex_list(5, &format!("--output {format}"));
        let out = run_with(cli(&url, &args), closed_pipe(), Stdio::piped()).await;
        out.assert_code(4);
        assert_eq!(out.stderr, "", "no panic, nothing to say: {out:#?}");
        assert_eq!(
            api_requests(&standin) - before,
            1,
            "no page after stdout went away ({format})"
        );
    }
    let get = format!("flex get --group-id {GROUP} --cluster {FLEX} --snapshot {id}");
    let api_help = "api cloudBackups getServerlessBackupSnapshot --help";
    for args in [get.as_str(), "--help", api_help, "completions bash"] {
        let out = run_with(cli(&url, args), closed_pipe(), Stdio::piped()).await;
        out.assert_code(4);
        assert_eq!(out.stderr, "", "{args}: {out:#?}");
    }
}

// --- 16: numbers exactly as sent --------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn json_keeps_numbers_and_key_order_exactly_as_sent() {
    let id = sample::snapshot_id(0x6f1e, 1);
    // Keys out of alphabetical order; numbers no f64 holds, in fields the crate does not know.
    let snapshot = format!(
        r#"{{"status":"COMPLETED","id":"{id}","huge":123456789012345678901234567890,"exact":0.1000000000000000055511151231257827,"more":{{"exp":1E+2,"neg":-0,"list":[-98765432109876543210.5]}}}}"#
    );
    let page = format!(r#"{{"results":[{snapshot}],"totalCount":1,"links":[]}}"#);
    let server = TinyServer::start(move |request| {
        if request.path.ends_with("/snapshots") {
            ready(200, page.clone())
        } else {
            ready(200, snapshot.clone())
        }
    })
    .await;
    let pretty_snapshot = |depth: usize| {
        let pad = "  ".repeat(depth);
        [
            "{".to_owned(),
            r#"  "status": "COMPLETED","#.to_owned(),
            format!(r#"  "id": "{id}","#),
            r#"  "huge": 123456789012345678901234567890,"#.to_owned(),
            r#"  "exact": 0.1000000000000000055511151231257827,"#.to_owned(),
            r#"  "more": {"#.to_owned(),
            r#"    "exp": 1E+2,"#.to_owned(),
            r#"    "neg": -0,"#.to_owned(),
            r#"    "list": ["#.to_owned(),
            r#"      -98765432109876543210.5"#.to_owned(),
            r#"    ]"#.to_owned(),
            r#"  }"#.to_owned(),
            "}".to_owned(),
        ]
        .iter()
        .enumerate()
        .map(|(i, line)| {
            if i == 0 {
                line.clone()
            } else {
                format!("{pad}{line}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
    };
    let target = format!("--group-id {GROUP} --cluster {FLEX}");

    let out = run(cli(
        &server.url,
        &format!("flex get {target} --snapshot {id}"),
    ))
    .await;
    out.assert_code(0);
    assert_eq!(out.stdout, pretty_snapshot(0) + "\n");

    let out = run(cli(&server.url, &format!("flex list {target}"))).await;
    out.assert_code(0);
    let expected = format!(
        "{{\n  \"results\": [\n    {}\n  ],\n  \"totalCount\": 1,\n  \"links\": []\n}}\n",
        pretty_snapshot(2)
    );
    assert_eq!(out.stdout, expected);

    let out = run(cli(&server.url, &format!("flex list --all {target}"))).await;
    out.assert_code(0);
    assert_eq!(out.stdout, format!("[\n  {}\n]\n", pretty_snapshot(1)));
}
