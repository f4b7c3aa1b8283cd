//! The YAML emitter must write text that reads back as the same value.

use std::path::PathBuf;

use xtask::yaml::{self, Value};

fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(path)
}

fn round_trip(v: &Value) -> Value {
    let text = yaml::to_string(v).expect("emit");
    serde_yaml_ng::from_str::<Value>(&text)
        .unwrap_or_else(|e| panic!("re-parse failed: {e}\n{text}"))
}

#[test]
fn whole_upstream_spec_round_trips() {
    let doc = yaml::load(&repo("spec/upstream/v2.yaml")).expect("load pinned upstream");
    assert!(
        round_trip(&doc) == doc,
        "emitting and re-reading v2.yaml changed it"
    );
}

#[test]
fn awkward_strings_round_trip_and_are_quoted() {
    let cases = [
        "2024-11-13",
        "2026-01-22",
        "yes",
        "No",
        "on",
        "OFF",
        "y",
        "~",
        "null",
        "true",
        "",
        " lead",
        "trail ",
        "a: b",
        "a #b",
        "ends:",
        "- item",
        "-word",
        "#x",
        "'q'",
        "\"dq\"",
        "200",
        "1e3",
        ".5",
        "-.inf",
        "0x1F",
        "1:30",
        "<<",
        "=",
        "tab\there",
        "bell\u{7}",
        "line\u{2028}sep",
        "multi\nline",
        "multi\nline\n",
        "multi\nline\n\n",
        "\nleading newline",
        "  indented\nblock",
        "\n",
        "\n\n",
        "trailing spaces \nnext",
        "a\n  \nb",
        "é ü 漢字",
        "[x]",
        "{y}",
        "x[y]",
        "@at",
        "`tick",
        "%pct",
        "!bang",
        "&amp",
        "*star",
        "|pipe",
        ">gt",
        "?q",
        ":c",
        ",comma",
    ];
    let mut m = yaml::Mapping::new();
    for (i, s) in cases.iter().enumerate() {
        m.insert(Value::String(format!("k{i}")), Value::String(s.to_string()));
        m.insert(
            Value::String(s.replace('\n', " ")),
            Value::Sequence(vec![Value::String(s.to_string())]),
        );
    }
    let v = Value::Mapping(m);
    assert_eq!(round_trip(&v), v);
    let text = yaml::to_string(&v).unwrap();
    for date in ["'2024-11-13'", "'yes'", "'200'", "'on'"] {
        assert!(text.contains(date), "{date} should be quoted:\n{text}");
    }
    assert!(
        text.contains("k32: |-\n  multi\n  line\n"),
        "multi-line strings are literal blocks:\n{text}"
    );
}

#[test]
fn numbers_and_nesting_round_trip() {
    let text = "a: 1\nb: -2.5\nc: 1.0e+20\nd: [1, [2, 3], {x: [], y: {}}]\ne: null\nf: true\ng:\n  - - a\n    - b\n  - k: v\n    l: [w]\n";
    let v: Value = serde_yaml_ng::from_str(text).unwrap();
    assert_eq!(round_trip(&v), v);
}
