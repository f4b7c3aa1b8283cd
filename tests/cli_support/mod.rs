//! The `atlas-snapshots` binary as the CLI tests run it.

use std::process::{Command, Stdio};

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
