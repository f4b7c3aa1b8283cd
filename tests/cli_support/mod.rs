//! The `atlas-snapshots` binary as the CLI tests run it.
// Each test binary that includes this module uses a part of it.
#![allow(dead_code)]

use std::{
    fs,
    path::{Path, PathBuf},
    process::{Command, Output, Stdio},
    sync::atomic::{AtomicU32, Ordering},
    time::Duration,
};

use assert_cmd::cargo::CommandCargoExt;
use atlas_snapshots::env;

/// The bearer token the CLI is given; stand-ins in the tests require it.
pub const TOKEN: &str = "cli-test-token";

/// The binary with a clean environment (only [`TOKEN`]; no proxy variables; an empty
/// home of its own, so no real profile or token cache is read), pointed at `base_url`,
/// with `args` split at whitespace and no stdin.
pub fn command(base_url: &str, args: &str) -> Command {
    // Never created: nothing to read there, and bearer tokens are not cached.
    let nowhere = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-home-none");
    let mut cmd = bare_command(&nowhere);
    cmd.env(env::ACCESS_TOKEN, TOKEN)
        .arg("--base-url")
        .arg(base_url)
        .args(args.split_whitespace());
    cmd
}

/// The binary with no credentials, no URL and no arguments: only `home` for config
/// and cache (see [`Home`]), and no stdin.
pub fn bare_command(home: &Path) -> Command {
    let mut cmd = Command::cargo_bin("atlas-snapshots").expect("the atlas-snapshots binary");
    for var in [
        "MONGODB_ATLAS_PROJECT_ID",
        "ATLAS_SNAPSHOTS_NO_TOKEN_CACHE",
        "APPDATA",
        "LOCALAPPDATA",
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
    cmd.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .stdin(Stdio::null());
    cmd
}

/// A directory standing for the user's home, under Cargo's temporary directory for
/// tests: the CLI's config and cache locations point into it.
pub struct Home(PathBuf);

impl Home {
    /// A new, empty home of its own, removed on drop.
    pub fn new(name: &str) -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
            "cli-home-{name}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("create the test home");
        Home(dir)
    }

    /// The binary with this home; see [`bare_command`].
    pub fn command(&self) -> Command {
        bare_command(&self.0)
    }

    /// Where the CLI looks for the Atlas CLI's config.
    pub fn config_file(&self) -> PathBuf {
        self.0.join("config").join("atlascli").join("config.toml")
    }

    /// Writes the Atlas CLI's config, mode 0600.
    pub fn write_config(&self, toml: &str) {
        let file = self.config_file();
        fs::create_dir_all(file.parent().expect("a parent")).expect("create the config dir");
        fs::write(&file, toml).expect("write the config");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            fs::set_permissions(&file, fs::Permissions::from_mode(0o600)).expect("chmod");
        }
    }

    /// Where the CLI caches tokens.
    pub fn cache_dir(&self) -> PathBuf {
        self.0.join("cache").join("atlas-snapshots")
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
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
