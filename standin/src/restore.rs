//! Restore jobs and downloads: what a create asks for, and the job's state at read time.

use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use http::StatusCode;
use serde_json::{Map, Value, json};

use super::envelope::ApiError;
use super::operation::Family;
use super::routes::{is_cluster_name, is_object_id};

const ATLAS: &str = "https://cloud.mongodb.com/api/atlas/v2";

/// How restore jobs created from now on end (see
/// [`StandIn::set_restore_outcome`](super::StandIn::set_restore_outcome)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum RestoreOutcome {
    /// The job finishes: Flex `COMPLETED`; Serverless `finishedAt` set, `failed: false`.
    #[default]
    Completed,
    /// The job fails: Flex `FAILED`; Serverless `finishedAt` set, `failed: true`.
    Failed,
    /// The job never leaves its running state (Flex `RUNNING`, Serverless no `finishedAt`).
    NeverFinishes,
}

/// The settings a job is created with; later changes of the knobs do not touch it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plan {
    pub(crate) step: Duration,
    pub(crate) outcome: RestoreOutcome,
    pub(crate) link_lifetime: Duration,
}

impl Default for Plan {
    fn default() -> Self {
        Plan {
            step: Duration::from_millis(250),
            outcome: RestoreOutcome::Completed,
            link_lifetime: Duration::from_secs(4 * 3600),
        }
    }
}

/// What a create asked for, validated.
#[derive(Debug, Clone)]
pub(crate) enum Request {
    /// `createGroupFlexClusterBackupRestoreJob` (`RESTORE`) or
    /// `downloadGroupFlexClusterBackup` (`DOWNLOAD`, no target).
    Flex {
        snapshot_id: String,
        target: Option<(String, Option<String>)>,
    },
    /// `createGroupServerlessBackupRestoreJob`.
    Serverless {
        delivery: &'static str,
        snapshot_id: Option<String>,
        target_cluster: String,
        target_group: String,
        /// `oplogTs`, `oplogInc` and `pointInTimeUTCSeconds` as sent.
        point_in_time: Map<String, Value>,
    },
}

impl Request {
    pub(crate) fn snapshot_id(&self) -> Option<&str> {
        match self {
            Request::Flex { snapshot_id, .. } => Some(snapshot_id),
            Request::Serverless { snapshot_id, .. } => snapshot_id.as_deref(),
        }
    }

    /// Whether the job hands out a download link rather than restoring into a cluster.
    pub(crate) fn is_download(&self) -> bool {
        match self {
            Request::Flex { target, .. } => target.is_none(),
            Request::Serverless { delivery, .. } => *delivery == "download",
        }
    }
}

/// A field of a request body that Atlas would refuse.
fn violation(field: &str, description: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "VALIDATION_ERROR",
        format!("The request body is invalid: {field} {description}."),
    )
    .param(field)
    .field(field, description)
}

fn object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(violation("body", "must be a JSON object")),
        Err(_) => Err(violation("body", "is not valid JSON")),
    }
}

/// A string field checked by `check`; `Ok(None)` when absent and optional.
fn string_field(
    m: &Map<String, Value>,
    field: &str,
    required: bool,
    check: fn(&str) -> bool,
    pattern: &str,
) -> Result<Option<String>, ApiError> {
    match m.get(field) {
        None | Some(Value::Null) if required => Err(violation(field, "is required")),
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if check(s) => Ok(Some(s.clone())),
        Some(_) => Err(violation(
            field,
            &format!("must be a string matching {pattern}"),
        )),
    }
}

const OBJECT_ID: &str = "^([a-f0-9]{24})$";
const NAME: &str = "^[a-zA-Z0-9][a-zA-Z0-9-]*$";
const TARGET_NAME: &str = "^[\\p{L}\\p{N}\\-_.(),:&@+']{1,64}$";

/// `^[\p{L}\p{N}\-_.(),:&@+']{1,64}$`
fn is_target_name(s: &str) -> bool {
    (1..=64).contains(&s.chars().count())
        && s.chars()
            .all(|c| c.is_alphanumeric() || "-_.(),:&@+'".contains(c))
}

/// The body of `createGroupFlexClusterBackupRestoreJob`.
pub(crate) fn flex_restore(body: &[u8]) -> Result<Request, ApiError> {
    let m = object(body)?;
    let snapshot_id = string_field(&m, "snapshotId", true, is_object_id, OBJECT_ID)?;
    let target = string_field(
        &m,
        "targetDeploymentItemName",
        true,
        is_target_name,
        TARGET_NAME,
    )?;
    let project = string_field(&m, "targetProjectId", false, is_object_id, OBJECT_ID)?;
    Ok(Request::Flex {
        snapshot_id: snapshot_id.unwrap_or_default(),
        target: target.map(|t| (t, project)),
    })
}

/// The body of `downloadGroupFlexClusterBackup`.
pub(crate) fn flex_download(body: &[u8]) -> Result<Request, ApiError> {
    let m = object(body)?;
    let snapshot_id = string_field(&m, "snapshotId", true, is_object_id, OBJECT_ID)?;
    Ok(Request::Flex {
        snapshot_id: snapshot_id.unwrap_or_default(),
        target: None,
    })
}

/// An integer field with the spec's minimum, kept as sent.
fn bounded_int(m: &Map<String, Value>, field: &str, minimum: i64) -> Result<(), ApiError> {
    match m.get(field) {
        None | Some(Value::Null) => Ok(()),
        Some(v)
            if v.as_i64()
                .is_some_and(|n| n >= minimum && n <= i64::from(i32::MAX)) =>
        {
            Ok(())
        }
        Some(_) => Err(violation(
            field,
            &format!("must be an integer from {minimum} to {}", i32::MAX),
        )),
    }
}

/// The Serverless `deliveryType` values.
const DELIVERIES: [&str; 3] = ["automated", "download", "pointInTime"];

/// The body of `createGroupServerlessBackupRestoreJob`.
pub(crate) fn serverless_restore(body: &[u8]) -> Result<Request, ApiError> {
    let m = object(body)?;
    let delivery = match m.get("deliveryType") {
        None | Some(Value::Null) => return Err(violation("deliveryType", "is required")),
        Some(v) => v
            .as_str()
            .and_then(|s| DELIVERIES.into_iter().find(|d| *d == s))
            .ok_or_else(|| {
                violation(
                    "deliveryType",
                    "must be one of automated, download, pointInTime",
                )
            })?,
    };
    // Every delivery but a point in time restores one snapshot.
    let needs_snapshot = delivery != "pointInTime";
    let snapshot_id = string_field(&m, "snapshotId", needs_snapshot, is_object_id, OBJECT_ID)?;
    let target_cluster = string_field(&m, "targetClusterName", true, is_cluster_name, NAME)?;
    let target_group = string_field(&m, "targetGroupId", true, is_object_id, OBJECT_ID)?;
    bounded_int(&m, "oplogTs", 1_199_145_600)?;
    bounded_int(&m, "oplogInc", 1)?;
    bounded_int(&m, "pointInTimeUTCSeconds", 1_199_145_600)?;
    let point_in_time = ["oplogTs", "oplogInc", "pointInTimeUTCSeconds"]
        .into_iter()
        .filter_map(|k| {
            m.get(k)
                .filter(|v| !v.is_null())
                .map(|v| (k.to_owned(), v.clone()))
        })
        .collect();
    Ok(Request::Serverless {
        delivery,
        snapshot_id,
        target_cluster: target_cluster.unwrap_or_default(),
        target_group: target_group.unwrap_or_default(),
        point_in_time,
    })
}

/// Where a Flex job is in its workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Pending,
    Queued,
    Running,
    Completed,
    Failed,
}

impl Phase {
    fn flex_status(self) -> &'static str {
        match self {
            Phase::Pending => "PENDING",
            Phase::Queued => "QUEUED",
            Phase::Running => "RUNNING",
            Phase::Completed => "COMPLETED",
            Phase::Failed => "FAILED",
        }
    }

    fn is_terminal(self) -> bool {
        matches!(self, Phase::Completed | Phase::Failed)
    }
}

/// One restore job (or download) of one deployment.
#[derive(Debug, Clone)]
pub(crate) struct Job {
    pub(crate) id: String,
    pub(crate) family: Family,
    pub(crate) group: String,
    pub(crate) name: String,
    pub(crate) created: Instant,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) plan: Plan,
    pub(crate) request: Request,
    /// When the snapshot was taken or finished, as the snapshot says.
    pub(crate) snapshot_time: Option<String>,
    /// The link a download hands out, served by the stand-in itself.
    pub(crate) download_url: Option<String>,
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn plus(t: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(d)
        .ok()
        .and_then(|d| t.checked_add_signed(d))
        .unwrap_or(t)
}

impl Job {
    /// Three steps of `plan.step` each: waiting, queued, running; then the outcome.
    fn phase(&self, now: Instant) -> Phase {
        let elapsed = now.saturating_duration_since(self.created);
        let step = self.plan.step.as_nanos().max(1);
        let steps = if self.plan.step.is_zero() {
            u128::MAX
        } else {
            elapsed.as_nanos() / step
        };
        match (steps, self.plan.outcome) {
            (0, _) => Phase::Pending,
            (1, _) => Phase::Queued,
            (_, RestoreOutcome::NeverFinishes) | (2, _) => Phase::Running,
            (_, RestoreOutcome::Failed) => Phase::Failed,
            (_, RestoreOutcome::Completed) => Phase::Completed,
        }
    }

    fn finished_at(&self) -> DateTime<Utc> {
        plus(self.created_at, self.plan.step.saturating_mul(3))
    }

    fn link_expires_at(&self) -> DateTime<Utc> {
        plus(self.created_at, self.plan.link_lifetime)
    }

    /// Whether the download link no longer works.
    pub(crate) fn link_expired(&self, now: Instant) -> bool {
        now.saturating_duration_since(self.created) >= self.plan.link_lifetime
    }

    fn self_link(&self) -> Value {
        let family = match self.family {
            Family::Serverless => "serverless",
            Family::Flex => "flexClusters",
        };
        json!([{
            "href": format!("{ATLAS}/groups/{}/{family}/{}/backup/restoreJobs/{}", self.group, self.name, self.id),
            "rel": "self"
        }])
    }

    /// The job as Atlas would answer it at `now`.
    pub(crate) fn render(&self, now: Instant) -> Value {
        let phase = self.phase(now);
        let mut m = Map::new();
        let mut put = |k: &str, v: Value| {
            m.insert(k.to_owned(), v);
        };
        put("id", self.id.clone().into());
        put("links", self.self_link());
        if let Some(id) = self.request.snapshot_id() {
            put("snapshotId", id.into());
        }
        match &self.request {
            Request::Flex { target, .. } => {
                put("instanceName", self.name.clone().into());
                put("projectId", self.group.clone().into());
                put("restoreScheduledDate", rfc3339(self.created_at).into());
                put("status", phase.flex_status().into());
                if let Some(t) = &self.snapshot_time {
                    put("snapshotFinishedDate", t.clone().into());
                }
                if phase.is_terminal() {
                    put("restoreFinishedDate", rfc3339(self.finished_at()).into());
                }
                match target {
                    Some((name, project)) => {
                        put("deliveryType", "RESTORE".into());
                        put("targetDeploymentItemName", name.clone().into());
                        let project = project.as_deref().unwrap_or(&self.group);
                        put("targetProjectId", project.into());
                    }
                    None => {
                        put("deliveryType", "DOWNLOAD".into());
                        put("expirationDate", rfc3339(self.link_expires_at()).into());
                        if let Some(url) = &self.download_url {
                            put("snapshotUrl", url.clone().into());
                        }
                    }
                }
            }
            Request::Serverless {
                delivery,
                target_cluster,
                target_group,
                point_in_time,
                ..
            } => {
                put("cancelled", false.into());
                put("deliveryType", (*delivery).into());
                put("failed", (phase == Phase::Failed).into());
                put("targetClusterName", target_cluster.clone().into());
                put("targetGroupId", target_group.clone().into());
                if let Some(t) = &self.snapshot_time {
                    put("timestamp", t.clone().into());
                }
                if phase.is_terminal() {
                    put("finishedAt", rfc3339(self.finished_at()).into());
                }
                let download = self.request.is_download();
                put("expired", (download && self.link_expired(now)).into());
                if download {
                    put("expiresAt", rfc3339(self.link_expires_at()).into());
                    if let Some(url) = &self.download_url {
                        put("deliveryUrl", json!([url]));
                    }
                }
                for (k, v) in point_in_time {
                    put(k, v.clone());
                }
            }
        }
        Value::Object(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_names_follow_the_spec_pattern() {
        assert!(is_target_name("Flex0"));
        assert!(is_target_name("Ünïcode-1_(a),b:c&d@e+f'g."));
        assert!(!is_target_name(""));
        assert!(!is_target_name(&"a".repeat(65)));
        assert!(!is_target_name("a b"));
        assert!(!is_target_name("a/b"));
    }
}
