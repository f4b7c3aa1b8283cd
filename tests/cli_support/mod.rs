//! The `atlas-snapshots` binary as the CLI tests run it.
// Each test binary that includes this module uses a part of it.
#![allow(dead_code)]

use std::{
    process::{Command, Output, Stdio},
    time::Duration,
};

use assert_cmd::cargo::CommandCargoExt;
use atlas_snapshots::env;

/// The bearer token the CLI is given; stand-ins in the tests require it.
pub const TOKEN: &str = "cli-test-token";

/// The binary with a clean environment (only [`TOKEN`]; no proxy variables), pointed at
/// `base_url`, with `args` split at whitespace and no stdin.
pub fn command(base_url: &str, args: &str) -> Command {
    let mut cmd = Command::cargo_bin("atlas-snapshots").expect("the atlas-snapshots binary");
    for var in [
        env::OPS_MANAGER_URL,
        env::BASE_URL,
        env::CLIENT_ID,
        env::CLIENT_SECRET,
        env::PUBLIC_API_KEY,
        env::PRIVATE_API_KEY,
        env::ACCESS_TOKEN,
        "RUST_LOG",
        // A proxy from the environment would carry these loopback calls elsewhere.
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
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

/// What one run of the CLI left behind.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// stdout as one JSON document.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}): {self:#?}"))
    }

    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, Some(code), "exit code; {self:#?}");
        self
    }
}

/// A stand-in that requires the bearer token the CLI is given.
pub async fn standin() -> atlas_snapshots_standin::StandIn {
    atlas_snapshots_standin::StandIn::builder()
        .bearer_token(TOKEN)
        .start()
        .await
        .expect("start the stand-in")
}

/// [`command`] as an `assert_cmd` command that is killed after 20 s.
pub fn cli(base_url: &str, args: &str) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::from_std(command(base_url, args));
    cmd.timeout(Duration::from_secs(20));
    cmd
}

/// Runs the command off the runtime, which keeps serving the stand-in meanwhile.
pub async fn run(mut cmd: assert_cmd::Command) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .expect("the command thread")
        .expect("run the command");
    Run {
        code: status.code(),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}
