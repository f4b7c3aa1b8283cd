//! Readable Rust names for the types users write down. Upstream names carry version
//! dates and view suffixes (`PaginatedApiAtlasFlexBackupSnapshot20241113View`); the
//! table below gives each one the name a user would guess, once, so no alias adds a
//! second path.
//!
//! Component schema names never reach the wire (serde names come from property names
//! and enum values), so renaming the schema and every `$ref` to it changes the Rust name
//! only. It is done in the spec rather than with typify's `with_patch` because typify
//! does not patch a replaced type, and the open enums are replaced types: a patch would
//! rename the snapshot but leave `FlexBackupSnapshot20241113Status` beside it.

use serde_json::Value;

use super::transforms::{OpenEnum, rewrite_refs};

/// `(schema name in the spec, Rust name)`. The open enums extracted from a schema's
/// properties are named `{Schema}{Property}` from the upstream name, so they are listed
/// too.
pub const RENAMES: &[(&str, &str)] = &[
    ("ApiBSONTimestampView", "BsonTimestamp"),
    ("FlexBackupRestoreJob20241113", "FlexBackupRestoreJob"),
    (
        "FlexBackupRestoreJob20241113DeliveryType",
        "FlexBackupRestoreJobDeliveryType",
    ),
    (
        "FlexBackupRestoreJob20241113Status",
        "FlexBackupRestoreJobStatus",
    ),
    (
        "FlexBackupRestoreJobCreate20241113",
        "FlexBackupRestoreJobCreate",
    ),
    ("FlexBackupSettings20241113", "FlexBackupSettings"),
    ("FlexBackupSnapshot20241113", "FlexBackupSnapshot"),
    (
        "FlexBackupSnapshot20241113Status",
        "FlexBackupSnapshotStatus",
    ),
    (
        "FlexBackupSnapshotDownloadCreate20241113",
        "FlexBackupSnapshotDownloadCreate",
    ),
    ("FlexClusterDescription20241113", "FlexCluster"),
    (
        "FlexClusterDescription20241113ClusterType",
        "FlexClusterType",
    ),
    (
        "FlexClusterDescription20241113StateName",
        "FlexClusterStateName",
    ),
    (
        "FlexClusterDescription20241113VersionReleaseSystem",
        "FlexClusterVersionReleaseSystem",
    ),
    ("FlexConnectionStrings20241113", "FlexConnectionStrings"),
    ("FlexProviderSettings20241113", "FlexProviderSettings"),
    (
        "FlexProviderSettings20241113BackingProviderName",
        "FlexProviderSettingsBackingProviderName",
    ),
    (
        "FlexProviderSettings20241113ProviderName",
        "FlexProviderSettingsProviderName",
    ),
    (
        "PaginatedApiAtlasFlexBackupRestoreJob20241113View",
        "FlexBackupRestoreJobPage",
    ),
    (
        "PaginatedApiAtlasFlexBackupSnapshot20241113View",
        "FlexBackupSnapshotPage",
    ),
    (
        "PaginatedApiAtlasServerlessBackupRestoreJobView",
        "ServerlessBackupRestoreJobPage",
    ),
    (
        "PaginatedApiAtlasServerlessBackupSnapshotView",
        "ServerlessBackupSnapshotPage",
    ),
    ("PaginatedFlexClusters20241113", "FlexClusterPage"),
    (
        "PaginatedServerlessInstanceDescriptionView",
        "ServerlessInstancePage",
    ),
    // The create body's own view (`transforms::request_body_views`), beside the job.
    (
        "ServerlessBackupRestoreJobBody",
        "ServerlessBackupRestoreJobCreate",
    ),
    (
        "ServerlessBackupSnapshotSnapshotType",
        "ServerlessBackupSnapshotType",
    ),
    ("ServerlessInstanceDescription", "ServerlessInstance"),
    (
        "ServerlessInstanceDescriptionConnectionStrings",
        "ServerlessInstanceConnectionStrings",
    ),
    (
        "ServerlessInstanceDescriptionStateName",
        "ServerlessInstanceStateName",
    ),
];

const SCHEMA_REF: &str = "#/components/schemas/";

/// Renames every schema of [`RENAMES`] the spec has, with the `$ref`s to it and the open
/// enum it may be. A row whose schema is missing is skipped (a fragment need not hold
/// every type); a new name that is already taken is an error, since typify would emit
/// two types of one name.
pub fn apply(spec: &mut Value, open_enums: &mut [OpenEnum]) -> Result<(), String> {
    let Some(schemas) = spec
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return Ok(());
    };
    let mut renamed = Vec::new();
    for &(from, to) in RENAMES {
        if let Some(schema) = schemas.remove(from) {
            if schemas.contains_key(to) {
                return Err(format!("cannot rename {from} to {to}: the spec has a {to}"));
            }
            schemas.insert(to.to_owned(), schema);
            renamed.push((format!("{SCHEMA_REF}{from}"), format!("{SCHEMA_REF}{to}")));
        }
        for e in open_enums.iter_mut().filter(|e| e.name == from) {
            e.name = to.to_owned();
        }
    }
    rewrite_refs(spec, &renamed);
    Ok(())
}
