//! The operations the stand-in serves, as data: one row per Atlas operation id.

use chrono::NaiveDate;
use http::Method;

use super::{FLEX_MEDIA_TYPE, SERVERLESS_MEDIA_TYPE};

/// The Atlas family an operation belongs to: its media type and lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Family {
    Serverless,
    Flex,
}

impl Family {
    pub(crate) fn media_type(self) -> &'static str {
        match self {
            Family::Serverless => SERVERLESS_MEDIA_TYPE,
            Family::Flex => FLEX_MEDIA_TYPE,
        }
    }

    pub(crate) fn index(self) -> usize {
        match self {
            Family::Serverless => 0,
            Family::Flex => 1,
        }
    }
}

/// What an operation acts on, whichever family it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resource {
    Deployments,
    Deployment,
    Snapshots,
    Snapshot,
    RestoreJobs,
    RestoreJob,
    CreateRestoreJob,
    Download,
}

/// One Atlas operation the stand-in serves, named by its Atlas operation id.
///
/// Counters ([`StandIn::attempts`](super::StandIn::attempts),
/// [`StandIn::creates`](super::StandIn::creates)) and fault scopes
/// ([`FaultScope::operation`](super::FaultScope::operation)) name operations this way.
///
/// ```
/// use atlas_snapshots_standin::Operation;
///
/// let op = Operation::from_id("createGroupFlexClusterBackupRestoreJob").unwrap();
/// assert_eq!(op, Operation::CreateGroupFlexClusterBackupRestoreJob);
/// assert_eq!(op.method(), "POST");
/// assert_eq!(op.media_type(), "application/vnd.atlas.2024-11-13+json");
/// assert_eq!(op.version(), "2024-11-13");
/// assert_eq!(Operation::GetGroupServerlessInstance.sunset(), Some("2027-01-18"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// `GET /groups/{groupId}/serverless` (deprecated).
    ListGroupServerlessInstances,
    /// `GET /groups/{groupId}/serverless/{name}` (deprecated).
    GetGroupServerlessInstance,
    /// `GET /groups/{groupId}/serverless/{clusterName}/backup/snapshots` (deprecated).
    ListGroupServerlessBackupSnapshots,
    /// `GET /groups/{groupId}/serverless/{clusterName}/backup/snapshots/{snapshotId}` (deprecated).
    GetGroupServerlessBackupSnapshot,
    /// `GET /groups/{groupId}/serverless/{clusterName}/backup/restoreJobs` (deprecated).
    ListGroupServerlessBackupRestoreJobs,
    /// `GET /groups/{groupId}/serverless/{clusterName}/backup/restoreJobs/{restoreJobId}` (deprecated).
    GetGroupServerlessBackupRestoreJob,
    /// `POST /groups/{groupId}/serverless/{clusterName}/backup/restoreJobs` (deprecated).
    CreateGroupServerlessBackupRestoreJob,
    /// `GET /groups/{groupId}/flexClusters`.
    ListGroupFlexClusters,
    /// `GET /groups/{groupId}/flexClusters/{name}`.
    GetGroupFlexCluster,
    /// `GET /groups/{groupId}/flexClusters/{name}/backup/snapshots`.
    ListGroupFlexClusterBackupSnapshots,
    /// `GET /groups/{groupId}/flexClusters/{name}/backup/snapshots/{snapshotId}`.
    GetGroupFlexClusterBackupSnapshot,
    /// `GET /groups/{groupId}/flexClusters/{name}/backup/restoreJobs`.
    ListGroupFlexClusterBackupRestoreJobs,
    /// `GET /groups/{groupId}/flexClusters/{name}/backup/restoreJobs/{restoreJobId}`.
    GetGroupFlexClusterBackupRestoreJob,
    /// `POST /groups/{groupId}/flexClusters/{name}/backup/restoreJobs`.
    CreateGroupFlexClusterBackupRestoreJob,
    /// `POST /groups/{groupId}/flexClusters/{name}/backup/download`.
    DownloadGroupFlexClusterBackup,
}

/// A row of the operation table.
struct Row {
    op: Operation,
    id: &'static str,
    family: Family,
    resource: Resource,
    /// The `x-sunset` of the operation's only version, if it has one.
    sunset: Option<&'static str>,
}

use Family::{Flex, Serverless};
use Operation as O;
use Resource as R;

/// The pinned upstream spec's facts for each operation (paths, methods, versions, sunsets).
#[rustfmt::skip]
const TABLE: [Row; 15] = [
    row(O::ListGroupServerlessInstances, "listGroupServerlessInstances", Serverless, R::Deployments, Some("2027-01-18")),
    row(O::GetGroupServerlessInstance, "getGroupServerlessInstance", Serverless, R::Deployment, Some("2027-01-18")),
    row(O::ListGroupServerlessBackupSnapshots, "listGroupServerlessBackupSnapshots", Serverless, R::Snapshots, Some("2026-01-22")),
    row(O::GetGroupServerlessBackupSnapshot, "getGroupServerlessBackupSnapshot", Serverless, R::Snapshot, Some("2026-01-22")),
    row(O::ListGroupServerlessBackupRestoreJobs, "listGroupServerlessBackupRestoreJobs", Serverless, R::RestoreJobs, Some("2026-01-22")),
    row(O::GetGroupServerlessBackupRestoreJob, "getGroupServerlessBackupRestoreJob", Serverless, R::RestoreJob, Some("2026-01-22")),
    row(O::CreateGroupServerlessBackupRestoreJob, "createGroupServerlessBackupRestoreJob", Serverless, R::CreateRestoreJob, Some("2026-01-22")),
    row(O::ListGroupFlexClusters, "listGroupFlexClusters", Flex, R::Deployments, None),
    row(O::GetGroupFlexCluster, "getGroupFlexCluster", Flex, R::Deployment, None),
    row(O::ListGroupFlexClusterBackupSnapshots, "listGroupFlexClusterBackupSnapshots", Flex, R::Snapshots, None),
    row(O::GetGroupFlexClusterBackupSnapshot, "getGroupFlexClusterBackupSnapshot", Flex, R::Snapshot, None),
    row(O::ListGroupFlexClusterBackupRestoreJobs, "listGroupFlexClusterBackupRestoreJobs", Flex, R::RestoreJobs, None),
    row(O::GetGroupFlexClusterBackupRestoreJob, "getGroupFlexClusterBackupRestoreJob", Flex, R::RestoreJob, None),
    row(O::CreateGroupFlexClusterBackupRestoreJob, "createGroupFlexClusterBackupRestoreJob", Flex, R::CreateRestoreJob, None),
    row(O::DownloadGroupFlexClusterBackup, "downloadGroupFlexClusterBackup", Flex, R::Download, None),
];

const fn row(
    op: Operation,
    id: &'static str,
    family: Family,
    resource: Resource,
    sunset: Option<&'static str>,
) -> Row {
    Row {
        op,
        id,
        family,
        resource,
        sunset,
    }
}

/// How many operations there are (the size of per-operation counters).
pub(crate) const COUNT: usize = TABLE.len();

impl Operation {
    /// Every operation the stand-in serves.
    pub fn all() -> impl Iterator<Item = Operation> {
        TABLE.iter().map(|r| r.op)
    }

    /// The operation with this Atlas operation id (e.g. `getGroupFlexCluster`).
    pub fn from_id(id: &str) -> Option<Operation> {
        TABLE.iter().find(|r| r.id == id).map(|r| r.op)
    }

    fn row(self) -> &'static Row {
        // The table lists the variants in declaration order.
        &TABLE[self as usize]
    }

    /// The Atlas operation id, e.g. `createGroupFlexClusterBackupRestoreJob`.
    pub fn id(self) -> &'static str {
        self.row().id
    }

    /// The HTTP method: `GET`, or `POST` for creates and downloads.
    pub fn method(self) -> &'static str {
        if self.http_method() == Method::POST {
            "POST"
        } else {
            "GET"
        }
    }

    /// The vendor media type of the operation's version, for `Accept` and request bodies.
    pub fn media_type(self) -> &'static str {
        self.family().media_type()
    }

    /// The API version, e.g. `2024-11-13`.
    pub fn version(self) -> &'static str {
        let media = self.media_type();
        media
            .strip_prefix("application/vnd.atlas.")
            .and_then(|m| m.strip_suffix("+json"))
            .unwrap_or(media)
    }

    /// Whether the spec marks the operation deprecated (the Serverless ones).
    pub fn is_deprecated(self) -> bool {
        self.family() == Family::Serverless
    }

    /// The sunset date of the operation's version (`YYYY-MM-DD`), if it has one.
    pub fn sunset(self) -> Option<&'static str> {
        self.row().sunset
    }

    pub(crate) fn sunset_date(self) -> Option<NaiveDate> {
        self.sunset()
            .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
    }

    pub(crate) fn family(self) -> Family {
        self.row().family
    }

    pub(crate) fn resource(self) -> Resource {
        self.row().resource
    }

    pub(crate) fn http_method(self) -> Method {
        match self.resource() {
            R::CreateRestoreJob | R::Download => Method::POST,
            _ => Method::GET,
        }
    }

    pub(crate) fn is_list(self) -> bool {
        matches!(
            self.resource(),
            R::Deployments | R::Snapshots | R::RestoreJobs
        )
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// The operation for a family, resource and method, if Atlas has one.
    pub(crate) fn find(family: Family, resource: Resource, method: &Method) -> Option<Operation> {
        TABLE
            .iter()
            .find(|r| r.family == family && r.resource == resource)
            .map(|r| r.op)
            .filter(|op| op.http_method() == method)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_in_declaration_order_and_ids_are_unique() {
        for (i, r) in TABLE.iter().enumerate() {
            assert_eq!(r.op as usize, i, "{}", r.id);
            assert_eq!(Operation::from_id(r.id), Some(r.op));
        }
        assert!(Operation::all().all(|op| op.sunset().is_none() || op.sunset_date().is_some()));
        assert_eq!(Operation::from_id("getServerlessBackup"), None);
        assert_eq!(
            Operation::all().filter(|op| op.method() == "POST").count(),
            3
        );
        assert!(Operation::all().all(|op| op.is_deprecated() == op.sunset().is_some()));
    }
}
