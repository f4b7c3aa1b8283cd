#![cfg(all(feature = "cli", feature = "test-util"))]
//! The `atlas-snapshots` binary where its own streams are closed: a closed stdout or
//! stderr never panics.

use std::{
    io::Read,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use assert_cmd::cargo::CommandCargoExt;
use atlas_snapshots::{
    env,
    standin::{StandIn, sample},
};
use serde_json::Value;

const TOKEN: &str = "cli-hostile-token";
const GROUP: &str = sample::GROUP_ID;
const SERVERLESS: &str = sample::SERVERLESS_NAME;
const FLEX: &str = sample::FLEX_NAME;
/// How long any one run of the binary may take.
const RUN_LIMIT: Duration = Duration::from_secs(20);

/// The binary with a clean environment (only the test's token), pointed at `base_url`.
fn cli(base_url: &str, args: &str) -> Command {
    let mut cmd = Command::cargo_bin("atlas-snapshots").expect("the atlas-snapshots binary");
    for var in [
        env::BASE_URL,
        env::CLIENT_ID,
        env::CLIENT_SECRET,
        env::PUBLIC_API_KEY,
        env::PRIVATE_API_KEY,
        env::ACCESS_TOKEN,
        "RUST_LOG",
    ] {
        cmd.env_remove(var);
    }
    cmd.env(env::ACCESS_TOKEN, TOKEN)
        .arg("--base-url")
        .arg(base_url)
        .args(args.split_whitespace())
        .stdin(Stdio::null());
    cmd
}

/// A pipe whose read end is already closed: writing to it fails with EPIPE.
fn closed_pipe() -> Stdio {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    Stdio::from(writer)
}

#[derive(Debug)]
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, Some(code), "exit code; {self:#?}");
        self
    }
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

async fn standin() -> StandIn {
    StandIn::builder()
        .bearer_token(TOKEN)
        .start()
        .await
        .expect("start the stand-in")
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
async fn a_closed_stdout_exits_4_quietly() {
    let standin = standin().await;
    standin.seed_flex(GROUP, FLEX, (0..50).map(sample::flex_snapshot).collect());
    let id = sample::snapshot_id(0x6f1e, 0);
    let url = standin.base_url();

    for format in ["json", "table"] {
        let args = format!(
            "--output {format} flex list --all --page-size 5 --group-id {GROUP} --cluster {FLEX}"
        );
        let out = run_with(cli(&url, &args), closed_pipe(), Stdio::piped()).await;
        out.assert_code(4);
        assert_eq!(out.stderr, "", "no panic, nothing to say: {out:#?}");
    }
    let get = format!("flex get --group-id {GROUP} --cluster {FLEX} --snapshot {id}");
    for args in [get.as_str(), "--help"] {
        let out = run_with(cli(&url, args), closed_pipe(), Stdio::piped()).await;
        out.assert_code(4);
        assert_eq!(out.stderr, "", "{args}: {out:#?}");
    }
}
