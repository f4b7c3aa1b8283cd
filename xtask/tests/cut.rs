//! The cut on a small synthetic spec.

mod common;

use common::{SYNTHETIC, keys_at, parse};
use xtask::cut::{self, Missing};
use xtask::manifest::{Manifest, OperationSpec};
use xtask::yaml;

fn wanted() -> Vec<OperationSpec> {
    vec![OperationSpec::new("getSnapshot", &["getSnapshotOld"])]
}

#[test]
fn finds_an_operation_by_its_former_id() {
    let frag = cut::cut(&parse(SYNTHETIC), &wanted(), "synthetic", Missing::Error).unwrap();
    assert_eq!(frag.operations.len(), 1);
    let op = &frag.operations[0];
    assert_eq!(op.id, "getSnapshot");
    assert_eq!(op.found_as, "getSnapshotOld");
    assert_eq!(
        (op.method.as_str(), op.path.as_str()),
        ("get", "/groups/{groupId}/snapshots/{id}")
    );
}

#[test]
fn keeps_only_the_matched_methods_and_path_level_keys() {
    let frag = cut::cut(&parse(SYNTHETIC), &wanted(), "synthetic", Missing::Error).unwrap();
    assert_eq!(
        keys_at(&frag.doc, &["paths"]),
        ["/groups/{groupId}/snapshots/{id}"]
    );
    assert_eq!(
        keys_at(&frag.doc, &["paths", "/groups/{groupId}/snapshots/{id}"]),
        ["parameters", "get"],
        "the DELETE on the same path is not wanted; path-level parameters stay"
    );
}

#[test]
fn follows_refs_transitively_and_drops_unused_components_in_upstream_order() {
    let frag = cut::cut(&parse(SYNTHETIC), &wanted(), "synthetic", Missing::Error).unwrap();
    let doc = &frag.doc;
    // GroupId is reached only through a parameter; Link only through Snapshot; ApiError only
    // through a response; RateLimit only through that response's header. Order is upstream's.
    assert_eq!(
        keys_at(doc, &["components", "schemas"]),
        ["ApiError", "GroupId", "Snapshot", "Link"]
    );
    assert_eq!(keys_at(doc, &["components", "parameters"]), ["groupId"]);
    assert_eq!(keys_at(doc, &["components", "responses"]), ["notFound"]);
    assert_eq!(keys_at(doc, &["components", "headers"]), ["RateLimit"]);
    assert_eq!(
        keys_at(doc, &["components", "securitySchemes"]),
        ["DigestAuth", "ServiceAccounts"],
        "security schemes are copied whole"
    );
    assert_eq!(
        keys_at(doc, &["components"]),
        [
            "headers",
            "parameters",
            "responses",
            "schemas",
            "securitySchemes"
        ]
    );
}

#[test]
fn copies_root_metadata_and_only_used_tags() {
    let frag = cut::cut(&parse(SYNTHETIC), &wanted(), "synthetic", Missing::Error).unwrap();
    let doc = &frag.doc;
    assert_eq!(
        keys_at(doc, &[]),
        [
            "openapi",
            "info",
            "servers",
            "security",
            "tags",
            "components",
            "paths",
            "x-topics",
            "x-externalLinks"
        ]
    );
    let tags = yaml::get(doc, "tags").unwrap().as_sequence().unwrap();
    let names: Vec<&str> = tags
        .iter()
        .filter_map(|t| yaml::get_str(t, "name"))
        .collect();
    assert_eq!(names, ["Snapshots"]);
    let upstream = parse(SYNTHETIC);
    assert_eq!(
        yaml::get(doc, "info"),
        yaml::get(&upstream, "info"),
        "info is copied unchanged"
    );
}

#[test]
fn copied_nodes_are_unchanged() {
    let upstream = parse(SYNTHETIC);
    let frag = cut::cut(&upstream, &wanted(), "synthetic", Missing::Error).unwrap();
    let pick = |d, p: &[&str]| {
        let mut n = d;
        for k in p {
            n = yaml::get(n, k).unwrap();
        }
        n.clone()
    };
    for p in [
        &["components", "schemas", "Snapshot"][..],
        &["components", "responses", "notFound"],
        &["paths", "/groups/{groupId}/snapshots/{id}", "get"],
    ] {
        assert_eq!(pick(&frag.doc, p), pick(&upstream, p), "{p:?}");
    }
}

#[test]
fn output_is_deterministic_and_reads_back_equal() {
    let upstream = parse(SYNTHETIC);
    let a = cut::cut(&upstream, &wanted(), "synthetic", Missing::Error).unwrap();
    let b = cut::cut(&upstream, &wanted(), "synthetic", Missing::Error).unwrap();
    let ta = cut::render(&a.doc, "header line").unwrap();
    let tb = cut::render(&b.doc, "header line").unwrap();
    assert_eq!(ta, tb);
    assert!(ta.starts_with("# header line\n"));
    assert_eq!(yaml::parse(&ta, "rendered").unwrap(), a.doc);
}

#[test]
fn a_missing_operation_is_an_error_naming_it() {
    let wanted = vec![OperationSpec::new("getNothing", &["getNothingOld"])];
    let err = cut::cut(&parse(SYNTHETIC), &wanted, "synthetic.yaml", Missing::Error).unwrap_err();
    assert!(
        err.0.contains("synthetic.yaml") && err.0.contains("getNothing (formerly getNothingOld)"),
        "{err}"
    );
    let frag = cut::cut(&parse(SYNTHETIC), &wanted, "synthetic.yaml", Missing::Allow).unwrap();
    assert_eq!(frag.missing, ["getNothing"]);
}

#[test]
fn an_id_matching_two_operations_is_ambiguous() {
    let wanted = vec![OperationSpec::new("notWanted", &["deleteSnapshot"])];
    let err = cut::cut(&parse(SYNTHETIC), &wanted, "synthetic.yaml", Missing::Error).unwrap_err();
    assert!(err.0.contains("ambiguous"), "{err}");
}

#[test]
fn dangling_and_external_refs_are_clear_errors() {
    let dangling = SYNTHETIC.replace("'#/components/schemas/Link'", "'#/components/schemas/Nope'");
    let err = cut::cut(&parse(&dangling), &wanted(), "s.yaml", Missing::Error).unwrap_err();
    assert!(
        err.0.contains("#/components/schemas/Nope")
            && err.0.contains("components/schemas/Snapshot"),
        "{err}"
    );
    let external = SYNTHETIC.replace("'#/components/schemas/Link'", "'other.yaml#/Link'");
    let err = cut::cut(&parse(&external), &wanted(), "s.yaml", Missing::Error).unwrap_err();
    assert!(err.0.contains("other.yaml#/Link"), "{err}");
}

#[test]
fn not_a_spec_is_an_error_not_a_panic() {
    let err = cut::cut(&parse("a: 1"), &wanted(), "a.yaml", Missing::Error).unwrap_err();
    assert!(err.0.contains("a.yaml") && err.0.contains("paths"), "{err}");
    assert!(
        yaml::parse("a: [", "broken.yaml")
            .unwrap_err()
            .0
            .contains("broken.yaml")
    );
}

#[test]
fn manifest_parses_and_rejects_duplicates() {
    let m = Manifest::parse(
        "upstream: spec/upstream/v2.yaml\noperations:\n  - id: a\n    formerly: [b]\n    version: 2024-11-13\n    successor: c\n  - id: c\n",
        "m.yaml",
    )
    .unwrap();
    assert_eq!(m.upstream, "spec/upstream/v2.yaml");
    assert_eq!(
        m.operations,
        [
            OperationSpec {
                version: Some("2024-11-13".to_owned()),
                successor: Some("c".to_owned()),
                ..OperationSpec::new("a", &["b"])
            },
            OperationSpec::new("c", &[])
        ]
    );
    let err = Manifest::parse(
        "upstream: x\noperations:\n  - id: a\n  - id: c\n    formerly: [a]\n",
        "m.yaml",
    )
    .unwrap_err();
    assert!(err.0.contains("`a`"), "{err}");
    assert!(Manifest::parse("operations: []", "m.yaml").is_err());
}

#[test]
fn manifest_cli_commands_are_read_and_a_clash_names_both_operations() {
    let m = Manifest::parse(
        "upstream: x\noperations:\n  - id: a\n    cli: [flex, restore, create]\n",
        "m.yaml",
    )
    .unwrap();
    assert_eq!(
        m.operations[0].cli,
        Some(vec![
            "flex".to_owned(),
            "restore".to_owned(),
            "create".to_owned()
        ])
    );
    let err = Manifest::parse(
        "upstream: x\noperations:\n  - id: a\n    cli: [flex, get]\n  - id: c\n    cli: [flex, get]\n",
        "m.yaml",
    )
    .unwrap_err();
    assert!(
        err.0.contains("m.yaml") && err.0.contains("of a (flex get) and c (flex get)"),
        "{err}"
    );
    let err = Manifest::parse(
        "upstream: x\noperations:\n  - id: a\n    cli: [Flex]\n",
        "m.yaml",
    )
    .unwrap_err();
    assert!(err.0.contains("operation a: `cli`"), "{err}");
}
