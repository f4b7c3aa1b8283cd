//! Realistic, schema-valid sample snapshots, Serverless instances and Flex clusters for
//! seeding a [`StandIn`](super::StandIn), and the migration world
//! [`StandIn::seed_migration_world`](super::StandIn::seed_migration_world) seeds.
//!
//! Snapshot `i` has a distinct 24-hex id, and snapshots get older as `i` grows (one hour
//! apart, the newest created at `2026-01-10T04:00:00Z`).

use chrono::{DateTime, Duration, SecondsFormat, TimeZone as _, Utc};
use serde_json::{Value, json};

/// The group (project) id the standalone stand-in seeds.
pub const GROUP_ID: &str = "5f1a2b3c4d5e6f7a8b9c0d1e";
/// The serverless instance name the samples name by default.
pub const SERVERLESS_NAME: &str = "Serverless0";
/// The flex cluster name the samples link to by default.
pub const FLEX_NAME: &str = "Flex0";
/// The second group of the migration world.
pub const OTHER_GROUP_ID: &str = "6a1b2c3d4e5f6a7b8c9d0e1f";
/// In the migration world: a Serverless instance never migrated (no Flex cluster).
pub const UNMIGRATED_NAME: &str = "Legacy0";
/// How many snapshots each deployment of the migration world has.
pub const WORLD_SNAPSHOTS: u32 = 12;

const ATLAS: &str = "https://cloud.mongodb.com/api/atlas/v2";

fn newest() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 10, 4, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The distinct 24-hex id of sample snapshot `i` (serverless and flex use different prefixes).
pub fn snapshot_id(prefix: u16, i: u32) -> String {
    format!("{prefix:04x}{:012x}{i:08x}", 0x5f1a_2b3c_4d5e_u64)
}

/// Serverless snapshot `i` of [`SERVERLESS_NAME`] in [`GROUP_ID`].
pub fn serverless_snapshot(i: u32) -> Value {
    serverless_snapshot_in(GROUP_ID, SERVERLESS_NAME, i)
}

/// Serverless snapshot `i` whose links and instance name point at `group_id`/`cluster_name`.
pub fn serverless_snapshot_in(group_id: &str, cluster_name: &str, i: u32) -> Value {
    let id = snapshot_id(0x6571, i);
    let created = newest() - Duration::hours(i64::from(i));
    let (frequency, keep_days) = match i % 4 {
        0 => ("hourly", 2),
        1 => ("daily", 7),
        2 => ("weekly", 28),
        _ => ("monthly", 365),
    };
    let status = match i % 23 {
        0 => "queued",
        1 => "inProgress",
        2 => "failed",
        _ => "completed",
    };
    let snapshot_type = if i % 10 == 9 { "onDemand" } else { "scheduled" };
    json!({
        "createdAt": rfc3339(created),
        "expiresAt": rfc3339(created + Duration::days(keep_days)),
        "frequencyType": frequency,
        "id": id,
        "links": [{
            "href": format!("{ATLAS}/groups/{group_id}/serverless/{cluster_name}/backup/snapshots/{id}"),
            "rel": "self"
        }],
        "mongodVersion": "8.0.4",
        "serverlessInstanceName": cluster_name,
        "snapshotType": snapshot_type,
        "status": status,
        "storageSizeBytes": 52_428_800_u64 + u64::from(i) * 4_099,
    })
}

/// Flex snapshot `i` of [`FLEX_NAME`] in [`GROUP_ID`].
pub fn flex_snapshot(i: u32) -> Value {
    flex_snapshot_in(GROUP_ID, FLEX_NAME, i)
}

/// Flex snapshot `i` whose links point at `group_id`/`name`.
pub fn flex_snapshot_in(group_id: &str, name: &str, i: u32) -> Value {
    let id = snapshot_id(0x6f1e, i);
    let scheduled = newest() - Duration::hours(i64::from(i));
    let start = scheduled + Duration::seconds(30);
    let status = match i % 29 {
        0 => "PENDING",
        1 => "QUEUED",
        2 => "RUNNING",
        3 => "FAILED",
        _ => "COMPLETED",
    };
    let mut v = json!({
        "expiration": rfc3339(scheduled + Duration::days(8)),
        "id": id,
        "links": [{
            "href": format!("{ATLAS}/groups/{group_id}/flexClusters/{name}/backup/snapshots/{id}"),
            "rel": "self"
        }],
        "mongoDBVersion": "8.0.4",
        "scheduledTime": rfc3339(scheduled),
        "status": status,
    });
    if let Some(obj) = v.as_object_mut() {
        if status != "PENDING" && status != "QUEUED" {
            obj.insert("startTime".into(), Value::String(rfc3339(start)));
        }
        if status == "COMPLETED" || status == "FAILED" {
            let finish = start + Duration::seconds(95 + i64::from(i % 60));
            obj.insert("finishTime".into(), Value::String(rfc3339(finish)));
        }
    }
    v
}

/// A stable 24-hex id for the deployment `name` in `group_id` (FNV-1a of both), so a
/// Serverless instance and the Flex cluster it became share it.
pub fn deployment_id(group_id: &str, name: &str) -> String {
    let fnv = |s: &str| {
        s.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
    };
    format!("{:08x}{:016x}", fnv(group_id) as u32, fnv(name))
}

fn host(name: &str) -> String {
    format!("{}.x1y2z.mongodb.net", name.to_ascii_lowercase())
}

/// A Serverless instance `name` of `group_id` (schema `ServerlessInstanceDescription`).
pub fn serverless_instance_in(group_id: &str, name: &str) -> Value {
    let id = deployment_id(group_id, name);
    json!({
        "connectionStrings": {"standardSrv": format!("mongodb+srv://{}", host(name))},
        "createDate": "2024-03-04T05:06:07Z",
        "groupId": group_id,
        "id": id,
        "links": [{"href": format!("{ATLAS}/groups/{group_id}/serverless/{name}"), "rel": "self"}],
        "mongoDBVersion": "8.0.4",
        "name": name,
        "providerSettings": {
            "backingProviderName": "AWS",
            "providerName": "SERVERLESS",
            "regionName": "US_EAST_1"
        },
        "serverlessBackupOptions": {"serverlessContinuousBackupEnabled": false},
        "stateName": "IDLE",
        "tags": [],
        "terminationProtectionEnabled": false,
    })
}

/// A Flex cluster `name` of `group_id` (schema `FlexClusterDescription20241113`).
pub fn flex_cluster_in(group_id: &str, name: &str) -> Value {
    let id = deployment_id(group_id, name);
    json!({
        "backupSettings": {"enabled": true},
        "clusterType": "REPLICASET",
        "connectionStrings": {
            "standard": format!("mongodb://{}:27017", host(name)),
            "standardSrv": format!("mongodb+srv://{}", host(name))
        },
        "createDate": "2024-03-04T05:06:07Z",
        "groupId": group_id,
        "id": id,
        "links": [{"href": format!("{ATLAS}/groups/{group_id}/flexClusters/{name}"), "rel": "self"}],
        "mongoDBVersion": "8.0.4",
        "name": name,
        "providerSettings": {
            "backingProviderName": "AWS",
            "diskSizeGB": 5.0,
            "providerName": "FLEX",
            "regionName": "US_EAST_1"
        },
        "stateName": "IDLE",
        "tags": [],
        "terminationProtectionEnabled": false,
        "versionReleaseSystem": "LTS",
    })
}

/// Flex snapshot `i` of a cluster migrated from a Serverless instance: the Flex view of
/// [`serverless_snapshot_in`]`(group_id, name, i)`, with its id and times.
pub fn migrated_flex_snapshot_in(group_id: &str, name: &str, i: u32) -> Value {
    let serverless = serverless_snapshot_in(group_id, name, i);
    let id = serverless["id"].clone();
    let mut flex = flex_snapshot_in(group_id, name, i);
    flex["id"] = id.clone();
    flex["links"][0]["href"] = Value::String(format!(
        "{ATLAS}/groups/{group_id}/flexClusters/{name}/backup/snapshots/{}",
        id.as_str().unwrap_or_default()
    ));
    flex["scheduledTime"] = serverless["createdAt"].clone();
    flex["expiration"] = serverless["expiresAt"].clone();
    flex
}

/// One deployment of the migration world.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct WorldDeployment {
    /// Its group.
    pub group_id: &'static str,
    /// Its name (a migrated one has it in both families).
    pub name: &'static str,
    /// Served by the (deprecated) Serverless operations.
    pub serverless: bool,
    /// Served by the Flex operations.
    pub flex: bool,
}

/// What [`StandIn::seed_migration_world`](super::StandIn::seed_migration_world) seeds,
/// each with [`WORLD_SNAPSHOTS`] snapshots in every family it is in:
///
/// | group | name | Serverless | Flex | |
/// |---|---|---|---|---|
/// | [`GROUP_ID`] | `Serverless0` | yes | yes | migrated: same name, id and snapshot ids |
/// | [`GROUP_ID`] | `Flex0` | no | yes | created as Flex |
/// | [`GROUP_ID`] | `Legacy0` | yes | no | never migrated |
/// | [`OTHER_GROUP_ID`] | `Analytics1` | yes | yes | migrated |
/// | [`OTHER_GROUP_ID`] | `Reports2` | no | yes | created as Flex |
pub const WORLD: [WorldDeployment; 5] = [
    world(GROUP_ID, SERVERLESS_NAME, true, true),
    world(GROUP_ID, FLEX_NAME, false, true),
    world(GROUP_ID, UNMIGRATED_NAME, true, false),
    world(OTHER_GROUP_ID, "Analytics1", true, true),
    world(OTHER_GROUP_ID, "Reports2", false, true),
];

const fn world(
    group_id: &'static str,
    name: &'static str,
    serverless: bool,
    flex: bool,
) -> WorldDeployment {
    WorldDeployment {
        group_id,
        name,
        serverless,
        flex,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_distinct_object_ids() {
        let a = serverless_snapshot(0);
        let b = serverless_snapshot(1);
        let f = flex_snapshot(0);
        for v in [&a, &b, &f] {
            let id = v["id"].as_str().unwrap_or_default();
            assert!(super::super::routes::is_object_id(id), "{id}");
        }
        assert_ne!(a["id"], b["id"]);
        assert_ne!(a["id"], f["id"]);
        assert_eq!(a["createdAt"], "2026-01-10T04:00:00Z");
    }

    #[test]
    fn migrated_snapshots_share_ids_and_deployments_their_id() {
        let s = serverless_snapshot_in(GROUP_ID, "A", 3);
        let f = migrated_flex_snapshot_in(GROUP_ID, "A", 3);
        assert_eq!(s["id"], f["id"]);
        assert_eq!(s["createdAt"], f["scheduledTime"]);
        let a = serverless_instance_in(GROUP_ID, "A");
        let b = flex_cluster_in(GROUP_ID, "A");
        assert_eq!(a["id"], b["id"]);
        assert!(super::super::routes::is_object_id(
            a["id"].as_str().unwrap_or_default()
        ));
        assert_ne!(deployment_id(GROUP_ID, "A"), deployment_id(GROUP_ID, "B"));
        assert_ne!(
            deployment_id(GROUP_ID, "A"),
            deployment_id(OTHER_GROUP_ID, "A")
        );
    }
}
