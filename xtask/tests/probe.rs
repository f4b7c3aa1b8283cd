//! `cargo xtask spec probe`: every failure is reported with its operation and cause, and
//! a generator that aborts the process (stack overflow) is reported, not fatal.

use std::process::Command;

mod common;

use common::scratch;

/// Three operations: one that generates, one that makes progenitor panic (a media type
/// with an `encoding`) and one whose oneOf family loops through a grandchild, which the
/// transforms do not break and typify recurses on until the stack overflows.
const SPEC: &str = r##"
openapi: 3.0.1
info: {title: t, version: '2.0'}
paths:
  /things:
    get:
      operationId: listThings
      responses:
        '200':
          description: OK
          content:
            application/vnd.atlas.2023-01-01+json:
              schema: {$ref: '#/components/schemas/Thing'}
    post:
      operationId: createThing
      responses:
        '201':
          description: Created
          content:
            application/vnd.atlas.2023-01-01+json:
              schema: {$ref: '#/components/schemas/Thing'}
              encoding: {a: {contentType: text/plain}}
  /loops:
    get:
      operationId: getLoop
      responses:
        '200':
          description: OK
          content:
            application/vnd.atlas.2023-01-01+json:
              schema: {$ref: '#/components/schemas/Parent'}
components:
  schemas:
    Thing:
      type: object
      properties:
        name: {type: string}
    Parent:
      type: object
      properties:
        kind: {type: string}
      oneOf:
        - $ref: '#/components/schemas/Child'
    Child:
      allOf:
        - $ref: '#/components/schemas/Grandchild'
    Grandchild:
      allOf:
        - $ref: '#/components/schemas/Parent'
        - properties:
            x: {type: string}
"##;

fn probe(spec: &str, name: &str) -> (i32, String) {
    let dir = scratch(name);
    let file = dir.join("spec.yaml");
    std::fs::write(&file, spec).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["spec", "probe"])
        .arg(&file)
        .args(["--today", "2026-12-01"])
        .output()
        .expect("run xtask");
    let _ = std::fs::remove_dir_all(dir);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn failures_name_the_operation_and_cause_and_a_crash_does_not_stop_the_probe() {
    let (code, stdout) = probe(SPEC, "probe-failures");
    assert_eq!(code, 1, "{stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines.last(),
        Some(&"1 of 3 operations generate"),
        "{stdout}"
    );
    assert!(
        lines.contains(
            &"FAIL POST /things (createThing): panicked: assertion failed: mt.encoding.is_empty()"
        ),
        "{stdout}"
    );
    let crash = lines
        .iter()
        .find(|l| l.starts_with("FAIL GET /loops (getLoop): the generator died"))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(crash.contains("stack overflow"), "{crash}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("FAIL the whole file as one spec: the generator died")),
        "{stdout}"
    );
    assert!(!stdout.contains("listThings"), "it generates: {stdout}");
}

#[test]
fn a_spec_that_generates_passes() {
    let fine = SPEC.split("    post:").next().unwrap().to_owned()
        + "components:\n  schemas:\n    Thing:\n      type: object\n";
    let (code, stdout) = probe(&fine, "probe-ok");
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(
        stdout,
        "the whole file as one spec generates\n1 of 1 operations generate\n"
    );
}
