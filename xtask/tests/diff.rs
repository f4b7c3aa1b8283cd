//! `spec diff` on the committed fixtures (real upstream cuts) and on synthetic changes.

mod common;

use common::{SYNTHETIC, parse, repo};
use xtask::diff::{self, Change, DiffReport, Kind};
use xtask::manifest::{MANIFEST_PATH, Manifest, OperationSpec};
use xtask::yaml;

const SERVERLESS_GET: &str =
    "GET /api/atlas/v2/groups/{groupId}/serverless/{clusterName}/backup/snapshots/{snapshotId}";
const SERVERLESS_LIST: &str =
    "GET /api/atlas/v2/groups/{groupId}/serverless/{clusterName}/backup/snapshots";
const FLEX_GET: &str =
    "GET /api/atlas/v2/groups/{groupId}/flexClusters/{name}/backup/snapshots/{snapshotId}";
const FLEX_LIST: &str = "GET /api/atlas/v2/groups/{groupId}/flexClusters/{name}/backup/snapshots";

fn fixture_report() -> DiffReport {
    let manifest = Manifest::load(&repo(MANIFEST_PATH)).unwrap();
    let old = yaml::load(&repo("tests/fixtures/spec/2025-06-04.yaml")).unwrap();
    let new = yaml::load(&repo("tests/fixtures/spec/2026-08-21.yaml")).unwrap();
    diff::diff(&old, &new, &manifest.operations, "2025-06-04", "2026-08-21").unwrap()
}

fn on<'a>(r: &'a DiffReport, op: &str, kind: Kind) -> Vec<&'a Change> {
    r.changes
        .iter()
        .filter(|c| c.operation == op && c.kind == kind)
        .collect()
}

#[test]
fn fixtures_report_the_four_renames_as_breaking() {
    let r = fixture_report();
    let renames = r.of_kind(Kind::OperationIdChanged);
    let expected = [
        (
            SERVERLESS_GET,
            "getServerlessBackup -> getGroupServerlessBackupSnapshot",
        ),
        (
            SERVERLESS_LIST,
            "listServerlessBackups -> listGroupServerlessBackupSnapshots",
        ),
        (
            FLEX_GET,
            "getFlexBackup -> getGroupFlexClusterBackupSnapshot",
        ),
        (
            FLEX_LIST,
            "listFlexBackups -> listGroupFlexClusterBackupSnapshots",
        ),
    ];
    assert_eq!(renames.len(), 4, "{}", r.render());
    for (op, text) in expected {
        let c = on(&r, op, Kind::OperationIdChanged);
        assert_eq!(c.len(), 1, "{op}\n{}", r.render());
        assert!(c[0].breaking && c[0].message.contains(text), "{:?}", c[0]);
    }
    // Matched by method + path, so no operation looks added or removed.
    assert!(
        r.of_kind(Kind::OperationAdded).is_empty() && r.of_kind(Kind::OperationRemoved).is_empty()
    );
    assert!(r.has_breaking());
}

#[test]
fn fixtures_report_the_serverless_deprecation_and_sunset() {
    let r = fixture_report();
    for op in [SERVERLESS_GET, SERVERLESS_LIST] {
        let dep = on(&r, op, Kind::Deprecated);
        assert_eq!(dep.len(), 1, "{op}\n{}", r.render());
        assert!(!dep[0].breaking && dep[0].notable && dep[0].message.contains("now true"));
        let sunset = on(&r, op, Kind::Sunset);
        assert_eq!(sunset.len(), 1, "{op}\n{}", r.render());
        assert!(!sunset[0].breaking && sunset[0].notable);
        assert!(
            sunset[0].message.contains("(none) -> 2026-01-22"),
            "{}",
            sunset[0].message
        );
    }
    for op in [FLEX_GET, FLEX_LIST] {
        assert!(on(&r, op, Kind::Deprecated).is_empty() && on(&r, op, Kind::Sunset).is_empty());
    }
}

#[test]
fn fixtures_report_429_and_rate_limit_headers_as_non_breaking() {
    let r = fixture_report();
    for op in [SERVERLESS_GET, SERVERLESS_LIST, FLEX_GET, FLEX_LIST] {
        let added = on(&r, op, Kind::ResponseAdded);
        assert_eq!(added.len(), 1, "{op}\n{}", r.render());
        assert!(added[0].message.starts_with("response 429 added") && !added[0].breaking);
        let headers: Vec<&str> = on(&r, op, Kind::ResponseHeaderAdded)
            .iter()
            .inspect(|c| assert!(!c.breaking))
            .map(|c| c.message.as_str())
            .collect();
        assert_eq!(
            headers,
            [
                "response 200: header RateLimit-Limit (integer) added",
                "response 200: header RateLimit-Remaining (integer) added"
            ],
            "{op}"
        );
    }
    let text = r.render();
    assert!(text.contains("Summary: 8 breaking"), "{text}");
}

#[test]
fn a_spec_compared_with_itself_has_no_changes() {
    let manifest = Manifest::load(&repo(MANIFEST_PATH)).unwrap();
    let new = yaml::load(&repo("tests/fixtures/spec/2026-08-21.yaml")).unwrap();
    let r = diff::diff(&new, &new, &manifest.operations, "a", "a").unwrap();
    assert_eq!(r.operations.len(), 4);
    assert!(r.changes.is_empty(), "{}", r.render());
}

fn synthetic_diff(edit: impl Fn(&str) -> String) -> DiffReport {
    let wanted = [OperationSpec::new("getSnapshot", &["getSnapshotOld"])];
    diff::diff(
        &parse(SYNTHETIC),
        &parse(&edit(SYNTHETIC)),
        &wanted,
        "old",
        "new",
    )
    .unwrap()
}

const OP: &str = "GET /groups/{groupId}/snapshots/{id}";

#[test]
fn a_removed_response_field_is_breaking() {
    let r = synthetic_diff(|s| s.replace("        id:\n          type: string\n", ""));
    let removed = r.of_kind(Kind::FieldRemoved);
    assert_eq!(removed.len(), 1, "{}", r.render());
    assert!(
        removed[0].breaking && removed[0].message.contains("field `id` removed"),
        "{:?}",
        removed[0]
    );
    assert!(
        removed[0]
            .message
            .contains("application/vnd.atlas.2023-01-01+json")
    );
}

#[test]
fn a_field_removed_deep_inside_a_ref_is_found() {
    // Link is reached through Snapshot.links[] -> $ref; Snapshot.parent is a cycle.
    let r = synthetic_diff(|s| {
        s.replace(
            "        href:\n          type: string\n",
            "        rel:\n          type: string\n",
        )
    });
    let removed = r.of_kind(Kind::FieldRemoved);
    assert_eq!(removed.len(), 1, "{}", r.render());
    assert!(
        removed[0].breaking && removed[0].message.contains("`links[].href`"),
        "{:?}",
        removed[0]
    );
    let added = r.of_kind(Kind::FieldAdded);
    assert!(added.len() == 1 && !added[0].breaking && added[0].message.contains("`links[].rel`"));
}

#[test]
fn a_removed_operation_is_breaking() {
    let r = synthetic_diff(|s| {
        s.replace("operationId: getSnapshotOld", "operationId: somethingElse")
            .replacen(
                "    get:\n      operationId: somethingElse",
                "    x-get-was-here:\n      operationId: somethingElse",
                1,
            )
    });
    let removed = on(&r, OP, Kind::OperationRemoved);
    assert_eq!(removed.len(), 1, "{}", r.render());
    assert!(removed[0].breaking);
    assert!(r.has_breaking());
}

#[test]
fn an_added_operation_is_not_breaking() {
    let wanted = [OperationSpec::new("getSnapshot", &["getSnapshotOld"])];
    let without = SYNTHETIC
        .replace("operationId: getSnapshotOld", "operationId: x")
        .replacen(
            "    get:\n      operationId: x",
            "    x-get:\n      operationId: x",
            1,
        );
    let r = diff::diff(&parse(&without), &parse(SYNTHETIC), &wanted, "old", "new").unwrap();
    let added = on(&r, OP, Kind::OperationAdded);
    assert!(added.len() == 1 && !added[0].breaking, "{}", r.render());
    assert!(!r.has_breaking());
}

#[test]
fn type_format_enum_and_parameter_changes_are_classed() {
    let r = synthetic_diff(|s| {
        s.replace(
            "        id:\n          type: string\n",
            "        id:\n          type: integer\n          format: int64\n",
        )
        .replace(
            "    GroupId:\n      type: string\n",
            "    GroupId:\n      type: string\n      enum: [a, b]\n",
        )
        .replace(
            "    parameters:\n      - $ref: '#/components/parameters/groupId'\n    get:\n",
            "    parameters:\n      - $ref: '#/components/parameters/groupId'\n    get:\n      parameters:\n        - in: query\n          name: must\n          required: true\n          schema: {type: string}\n        - in: query\n          name: may\n          schema: {type: string}\n",
        )
    });
    let ty = r.of_kind(Kind::TypeChanged);
    assert!(
        ty.len() == 1 && ty[0].breaking && ty[0].message.contains("string -> integer"),
        "{}",
        r.render()
    );
    assert!(r.of_kind(Kind::FormatChanged).iter().all(|c| c.breaking));
    let enums = r.of_kind(Kind::EnumValuesRemoved);
    assert!(enums.len() == 1 && enums[0].breaking, "{}", r.render());
    let params = r.of_kind(Kind::ParameterAdded);
    assert_eq!(params.len(), 2, "{}", r.render());
    assert!(
        params
            .iter()
            .any(|c| c.breaking && c.message.contains("required query parameter `must`"))
    );
    assert!(
        params
            .iter()
            .any(|c| !c.breaking && c.message.contains("optional query parameter `may`"))
    );
}

#[test]
fn enum_additions_are_non_breaking_for_tolerant_clients_and_removals_break() {
    let with_enum = |values: &str| {
        SYNTHETIC.replace(
            "        id:\n          type: string\n",
            &format!("        id:\n          type: string\n          enum: [{values}]\n"),
        )
    };
    let wanted = [OperationSpec::new("getSnapshot", &["getSnapshotOld"])];
    let (a, b) = (parse(&with_enum("A, B")), parse(&with_enum("A, C")));
    let r = diff::diff(&a, &b, &wanted, "old", "new").unwrap();
    let added = r.of_kind(Kind::EnumValuesAdded);
    assert!(
        added.len() == 1 && !added[0].breaking && added[0].message.contains("tolerant"),
        "{}",
        r.render()
    );
    let removed = r.of_kind(Kind::EnumValuesRemoved);
    assert!(
        removed.len() == 1 && removed[0].breaking && removed[0].message.contains("B"),
        "{}",
        r.render()
    );
}

#[test]
fn media_type_versions_and_sunset_moves_are_reported() {
    let old = SYNTHETIC.replace(
        "            application/vnd.atlas.2023-01-01+json:\n              schema:\n                $ref: '#/components/schemas/Snapshot'\n",
        "            application/vnd.atlas.2023-01-01+json:\n              schema:\n                $ref: '#/components/schemas/Snapshot'\n              x-sunset: \"2026-01-15\"\n",
    );
    let new = SYNTHETIC.replace(
        "            application/vnd.atlas.2023-01-01+json:\n              schema:\n                $ref: '#/components/schemas/Snapshot'\n",
        "            application/vnd.atlas.2023-01-01+json:\n              schema:\n                $ref: '#/components/schemas/Snapshot'\n              x-sunset: \"2026-01-22\"\n            application/vnd.atlas.2024-11-13+json:\n              schema:\n                $ref: '#/components/schemas/Snapshot'\n",
    );
    let wanted = [OperationSpec::new("getSnapshot", &["getSnapshotOld"])];
    let r = diff::diff(&parse(&old), &parse(&new), &wanted, "old", "new").unwrap();
    let sunset = r.of_kind(Kind::Sunset);
    assert!(
        sunset.len() == 1
            && sunset[0]
                .message
                .contains("moved: 2026-01-15 -> 2026-01-22"),
        "{}",
        r.render()
    );
    let added = r.of_kind(Kind::MediaTypeAdded);
    assert!(
        added.len() == 1
            && !added[0].breaking
            && added[0].message.contains("API version 2024-11-13")
    );
    let back = diff::diff(&parse(&new), &parse(&old), &wanted, "new", "old").unwrap();
    let removed = back.of_kind(Kind::MediaTypeRemoved);
    assert!(
        removed.len() == 1 && removed[0].breaking,
        "{}",
        back.render()
    );
}
