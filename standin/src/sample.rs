//! Realistic, schema-valid sample snapshots for seeding a [`StandIn`](super::StandIn).
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
}
