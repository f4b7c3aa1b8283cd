//! The binary's exit codes and messages.

use std::process::Command;

mod common;

use common::repo;

fn xtask(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .output()
        .expect("run xtask");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn fixture(name: &str) -> String {
    repo(&format!("tests/fixtures/spec/{name}"))
        .display()
        .to_string()
}

#[test]
fn diff_is_a_report_unless_asked_to_fail() {
    let (old, new) = (fixture("2025-06-04.yaml"), fixture("2026-08-21.yaml"));
    let (code, stdout, _) = xtask(&["spec", "diff", &old, &new]);
    assert_eq!(code, 0);
    assert!(stdout.contains("BREAKING      operationId renamed: getServerlessBackup -> getGroupServerlessBackupSnapshot"), "{stdout}");
    let (code, _, stderr) = xtask(&["spec", "diff", &old, &new, "--fail-on-breaking"]);
    assert_eq!(code, 1, "{stderr}");
    let (code, _, _) = xtask(&["spec", "diff", &new, &new, "--fail-on-breaking"]);
    assert_eq!(code, 0);
}

#[test]
fn bad_input_is_a_clear_error_not_a_panic() {
    let (code, _, stderr) = xtask(&[
        "spec",
        "diff",
        "/nonexistent/old.yaml",
        &fixture("2026-08-21.yaml"),
    ]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("/nonexistent/old.yaml") && !stderr.contains("panicked"),
        "{stderr}"
    );
    let (code, _, stderr) = xtask(&["spec", "frobnicate"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("unknown spec command `frobnicate`") && stderr.contains("usage:"),
        "{stderr}"
    );
    let (code, _, stderr) = xtask(&["spec", "diff", "only-one.yaml"]);
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn check_passes_on_the_repository() {
    let (code, stdout, stderr) = xtask(&["spec", "check"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
}
