//! Version pins (spec/manifest.yaml's `version`): what the build generates for a pin,
//! what `spec update` proposes, what `spec check` and `spec update` refuse. The multi-version operation is a real one, cut from the pin.

mod common;

use common::{repo, scratch};
use serde_json::Value;
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
    let rows = xtask::transforms::operation_rows(&spec).unwrap();
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
