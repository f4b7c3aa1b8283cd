//! Version pins and curated successors (spec/manifest.yaml's `version` and `successor`):
//! what the build generates for a pin, what `spec update` proposes, what `spec check`
//! and `spec update` refuse. The multi-version operation is a real one, cut from the pin.

mod common;

use common::{repo, scratch};
use serde_json::{Value, json};
use xtask::curation::{self, Proposal};
use xtask::cut::{self, Missing};
use xtask::manifest::{MANIFEST_PATH, Manifest, OperationSpec};
use xtask::update::{self, UpdateOptions};
use xtask::{pipeline, whole_spec, yaml};

/// `getGroupClusterProcessArgs`: 2023-01-01 (sunset 2027-07-01) and 2024-08-05.
const FIXTURE: &str = "tests/fixtures/spec/process-args.yaml";
const OP: &str = "getGroupClusterProcessArgs";
const TODAY: &str = "2026-12-01";

fn fixture() -> Value {
    serde_json::to_value(yaml::load(&repo(FIXTURE)).unwrap()).unwrap()
}

fn pinned(version: Option<&str>) -> Vec<OperationSpec> {
    vec![OperationSpec {
        version: version.map(str::to_owned),
        ..OperationSpec::new(OP, &[])
    }]
}

/// The success type the generated method decodes, e.g. `ClusterDescriptionProcessArgs`.
fn decoded(client: &str) -> &str {
    let at = client
        .find("ResponseValue < types :: ")
        .expect("a typed success")
        + 25;
    client[at..].split(' ').next().unwrap()
}

/// The operation table and client that build.rs would write for the fixture.
fn generate(manifest: &[OperationSpec]) -> Result<(String, String), String> {
    let spec = fixture();
    let patterns = whole_spec::path_parameter_patterns(&spec);
    let generated = pipeline::generate(spec, TODAY, manifest, &patterns)?;
    let client = quote::ToTokens::to_token_stream(&generated.client).to_string();
    Ok((generated.operations, client))
}

#[test]
fn the_fixture_is_a_cut_of_the_pin() {
    let manifest = Manifest::load(&repo(MANIFEST_PATH)).unwrap();
    let pin = yaml::load(&repo(&manifest.upstream)).unwrap();
    let fresh = cut::cut(&pin, &[OperationSpec::new(OP, &[])], "pin", Missing::Error).unwrap();
    assert!(
        yaml::load(&repo(FIXTURE)).unwrap() == fresh.doc,
        "{FIXTURE} no longer matches a cut of the pin; recut it (see its README)"
    );
}

#[test]
fn an_old_pin_gives_the_old_accept_schema_and_sunset() {
    let (table, client) = generate(&pinned(Some("2023-01-01"))).unwrap();
    assert!(
        table.contains("media_type: \"application/vnd.atlas.2023-01-01+json\""),
        "{table}"
    );
    assert!(table.contains("version: \"2023-01-01\""), "{table}");
    assert!(table.contains("sunset: Some(\"2027-07-01\")"), "{table}");
    assert_eq!(decoded(&client), "ClusterDescriptionProcessArgs");
}

#[test]
fn a_new_pin_gives_the_new_accept_schema_and_sunset() {
    let (table, client) = generate(&pinned(Some("2024-08-05"))).unwrap();
    assert!(
        table.contains("media_type: \"application/vnd.atlas.2024-08-05+json\""),
        "{table}"
    );
    assert!(table.contains("sunset: None"), "{table}");
    assert_eq!(decoded(&client), "ClusterDescriptionProcessArgs20240805");
}

#[test]
fn no_pin_takes_the_rules_choice() {
    let (table, client) = generate(&pinned(None)).unwrap();
    assert!(table.contains("version: \"2024-08-05\""), "{table}");
    assert_eq!(decoded(&client), "ClusterDescriptionProcessArgs20240805");
    // The rule moves off a sunset version; a pin does not.
    let mut spec = fixture();
    xtask::transforms::select_versions(&mut spec, "2027-07-02", &pinned(None)).unwrap();
    let rows = xtask::transforms::operation_rows(&spec, &[]).unwrap();
    assert_eq!(rows[0].version, "2024-08-05");
}

#[test]
fn a_pin_the_operation_lacks_is_an_error_naming_both() {
    let err = generate(&pinned(Some("2099-01-01"))).unwrap_err();
    assert!(err.contains(OP) && err.contains("2099-01-01"), "{err}");
    assert!(err.contains("2023-01-01, 2024-08-05"), "{err}");
    let review = curation::review(&pinned(Some("2099-01-01")), &fixture(), TODAY);
    assert_eq!(review.problems.len(), 1, "{review:#?}");
    assert!(review.problems[0].contains("2099-01-01"));
}

#[test]
fn the_probe_applies_pins_and_the_rule_elsewhere() {
    let probe = |pins| xtask::probe::Spec::load(&repo(FIXTURE), pins).unwrap();
    // Case 0 is the operation alone, case 1 the whole file.
    assert_eq!(probe(Vec::new()).run(0, TODAY), Ok(()));
    let err = probe(pinned(Some("2099-01-01"))).run(0, TODAY).unwrap_err();
    assert!(err.contains(OP) && err.contains("2099-01-01"), "{err}");
    // The repository's pins carry no successor into a one-operation cut.
    let pins = xtask::probe::manifest_pins(&repo("")).unwrap();
    assert!(
        pins.iter()
            .all(|p| p.version.is_some() && p.successor.is_none())
    );
}

/// A workspace pinned to the fixture, with `version_line` under the operation.
fn workspace(name: &str, version_line: &str) -> std::path::PathBuf {
    let root = scratch(name);
    std::fs::create_dir_all(root.join("spec/upstream")).unwrap();
    std::fs::copy(repo(FIXTURE), root.join("spec/upstream/v2.yaml")).unwrap();
    std::fs::write(
        root.join(MANIFEST_PATH),
        format!("upstream: spec/upstream/v2.yaml\noperations:\n  - id: {OP}\n{version_line}"),
    )
    .unwrap();
    root
}

fn update(root: &std::path::Path, accept_versions: bool) -> xtask::Result<update::UpdateReport> {
    update::update(&UpdateOptions {
        root: root.to_owned(),
        from: None,
        date: TODAY.to_owned(),
        accept_versions,
    })
}

fn manifest_text(root: &std::path::Path) -> String {
    std::fs::read_to_string(root.join(MANIFEST_PATH)).unwrap()
}

#[test]
fn update_reports_a_newer_version_without_changing_the_pin() {
    let root = workspace("propose", "    version: 2023-01-01\n");
    let before = manifest_text(&root);
    let report = update(&root, false).unwrap();
    assert_eq!(
        report.review.proposals,
        [Proposal {
            id: OP.to_owned(),
            pinned: Some("2023-01-01".to_owned()),
            proposed: "2024-08-05".to_owned(),
        }]
    );
    assert!(report.pinned_versions.is_empty());
    assert_eq!(manifest_text(&root), before);
    // A proposal is advice, not drift.
    assert!(xtask::check::check(&root).unwrap().is_ok());

    let report = update(&root, true).unwrap();
    assert_eq!(report.pinned_versions.len(), 1);
    assert!(report.review.proposals.is_empty());
    assert_eq!(
        manifest_text(&root),
        before.replace("2023-01-01", "2024-08-05")
    );
    let _ = std::fs::remove_dir_all(root);
}

#[test]
fn update_fills_a_missing_pin_and_check_requires_one() {
    let root = workspace("fill", "    formerly: [oldName]\n");
    let report = update(&root, false).unwrap();
    assert_eq!(report.pinned_versions[0].pinned, None);
    assert_eq!(
        manifest_text(&root),
        format!(
            "upstream: spec/upstream/v2.yaml\noperations:\n  - id: {OP}\n    formerly: [oldName]\n    version: 2024-08-05\n"
        )
    );
    assert_eq!(
        Manifest::load(&root.join(MANIFEST_PATH))
            .unwrap()
            .operations[0]
            .version
            .as_deref(),
        Some("2024-08-05"),
        "an unquoted date reads back as the version string"
    );
    assert!(xtask::check::check(&root).unwrap().is_ok());
    std::fs::write(
        root.join(MANIFEST_PATH),
        format!("upstream: spec/upstream/v2.yaml\noperations:\n  - id: {OP}\n"),
    )
    .unwrap();
    let problems = xtask::check::check(&root).unwrap().problems;
    assert!(
        problems
            .iter()
            .any(|p| p.contains(OP) && p.contains("pins no version")),
        "{problems:#?}"
    );
    let _ = std::fs::remove_dir_all(root);
}

#[test]
fn update_refuses_a_bogus_pin_and_changes_nothing() {
    let root = workspace("bogus", "    version: 2022-02-02\n");
    let before = manifest_text(&root);
    let err = update(&root, false).unwrap_err();
    assert!(err.0.contains(OP) && err.0.contains("2022-02-02"), "{err}");
    assert_eq!(manifest_text(&root), before);
    assert!(!root.join(update::FRAGMENT_PATH).exists());
    // Taking the proposal replaces the pin upstream no longer has.
    update(&root, true).unwrap();
    assert!(manifest_text(&root).contains("version: 2024-08-05"));
    let _ = std::fs::remove_dir_all(root);
}

/// An upstream with a deprecated `old` whose docs link points at `neu`, a live `neu`, a
/// deprecated `gone` and a live `ending` whose only version is sunset on 2026-06-01.
fn lifecycle_upstream() -> Value {
    let op = |id: &str, deprecated: bool, sunset: Option<&str>, link: Option<&str>| {
        let mut media = json!({"schema": {"type": "object"}});
        if let Some(s) = sunset {
            media["x-sunset"] = json!(s);
        }
        let mut op = json!({"operationId": id, "deprecated": deprecated,
            "responses": {"200": {"content": {"application/vnd.atlas.2024-01-01+json": media}}}});
        if let Some(l) = link {
            op["externalDocs"] = json!({"url": format!("https://x/#tag/t/operation/{l}")});
        }
        json!({"get": op})
    };
    json!({"paths": {
        "/old": op("old", true, Some("2026-01-22"), Some("neu")),
        "/neu": op("neu", false, None, Some("old")),
        "/gone": op("gone", true, None, None),
        "/ending": op("ending", false, Some("2026-06-01"), None),
    }})
}

fn entry(id: &str, successor: Option<&str>) -> OperationSpec {
    OperationSpec {
        version: Some("2024-01-01".to_owned()),
        successor: successor.map(str::to_owned),
        ..OperationSpec::new(id, &[])
    }
}

fn problems(manifest: &[OperationSpec]) -> Vec<String> {
    curation::review(manifest, &lifecycle_upstream(), TODAY).problems
}

#[test]
fn a_live_successor_passes_and_the_docs_link_is_only_a_suggestion() {
    let review = curation::review(
        &[entry("old", Some("neu")), entry("neu", None)],
        &lifecycle_upstream(),
        TODAY,
    );
    assert!(review.problems.is_empty(), "{review:#?}");
    assert!(
        review.suggestions.is_empty(),
        "the link agrees: {review:#?}"
    );
    // `neu` is live: its link to `old` suggests nothing and needs no successor.
    let review = curation::review(
        &[
            entry("old", Some("neu")),
            entry("neu", None),
            entry("gone", None),
        ],
        &lifecycle_upstream(),
        TODAY,
    );
    assert_eq!(review.problems.len(), 1, "{review:#?}");
}

#[test]
fn a_deprecated_operation_without_a_successor_is_an_error_with_the_suggestion() {
    let found = problems(&[entry("old", None), entry("neu", None)]);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].contains("old is deprecated") && found[0].contains("suggests neu"),
        "{found:#?}"
    );
    let review = curation::review(&[entry("old", None)], &lifecycle_upstream(), TODAY);
    assert_eq!(
        review.suggestions,
        ["old: upstream's docs link suggests neu"]
    );
}

#[test]
fn a_successor_must_be_vendored_and_live() {
    let deprecated = problems(&[
        entry("old", Some("gone")),
        entry("gone", Some("neu")),
        entry("neu", None),
    ]);
    assert_eq!(deprecated.len(), 1, "{deprecated:#?}");
    assert!(
        deprecated[0].contains("gone is deprecated too"),
        "{deprecated:#?}"
    );
    let sunset = problems(&[entry("old", Some("ending")), entry("ending", None)]);
    assert!(
        sunset.len() == 1
            && sunset[0].contains("ending is sunset: version 2024-01-01 on 2026-06-01"),
        "{sunset:#?}"
    );
    let unvendored = problems(&[entry("old", Some("neu"))]);
    assert!(
        unvendored.len() == 1 && unvendored[0].contains("neu is not in spec/manifest.yaml"),
        "{unvendored:#?}"
    );
}

#[test]
fn a_live_operation_takes_no_successor() {
    let found = problems(&[entry("neu", Some("ending")), entry("ending", None)]);
    assert!(
        found.len() == 1 && found[0].contains("neu is not deprecated"),
        "{found:#?}"
    );
}

#[test]
fn the_shipped_rows_name_the_same_successors_as_before() {
    let manifest = Manifest::load(&repo(MANIFEST_PATH)).unwrap();
    let fragment = serde_json::to_value(yaml::load(&repo(update::FRAGMENT_PATH)).unwrap()).unwrap();
    let patterns = whole_spec::path_parameter_patterns(&fragment);
    let table = pipeline::generate(fragment, TODAY, &manifest.operations, &patterns)
        .unwrap()
        .operations;
    let successor = |konst: &str| {
        let row = &table[table
            .find(&format!("pub const {konst}: Operation"))
            .unwrap()..];
        let line = row
            .lines()
            .find(|l| l.trim_start().starts_with("successor:"))
            .unwrap();
        line.trim().to_owned()
    };
    assert_eq!(
        successor("GET_SERVERLESS_BACKUP_SNAPSHOT"),
        "successor: Some(\"get_flex_backup_snapshot\"),"
    );
    assert_eq!(
        successor("LIST_SERVERLESS_BACKUP_SNAPSHOTS"),
        "successor: Some(\"list_flex_backup_snapshots\"),"
    );
    assert_eq!(successor("GET_FLEX_BACKUP_SNAPSHOT"), "successor: None,");
    assert_eq!(successor("LIST_FLEX_BACKUP_SNAPSHOTS"), "successor: None,");
}
