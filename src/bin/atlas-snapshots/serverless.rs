//! `atlas-snapshots serverless get|list`.
//!
//! Atlas deprecated the Serverless operations (the library marks them `#[deprecated]`,
//! naming the sunset and the Flex successor); the CLI still offers them on purpose,
//! warns once per run on stderr, and names the `flex` command once they are gone.

use std::io::Write;

use atlas_snapshots::{Client, Error, PageRequest, types::ServerlessBackupSnapshot};

use crate::{
    Failure, SnapshotCommand,
    commands::{self, Snapshot},
    output::{self, Format, NONE, Row},
};

const GET_SUCCESSOR: &str = "Serverless snapshots are gone; use 'atlas-snapshots flex get' instead";
const LIST_SUCCESSOR: &str =
    "Serverless snapshots are gone; use 'atlas-snapshots flex list' instead";

impl Snapshot for ServerlessBackupSnapshot {
    fn row(&self) -> Row {
        let kind = match (&self.snapshot_type, &self.frequency_type) {
            (Some(t), Some(f)) => format!("{t}/{f}"),
            (Some(t), None) => t.to_string(),
            (None, Some(f)) => f.to_string(),
            (None, None) => NONE.to_owned(),
        };
        Row {
            id: output::text(self.id.as_ref()),
            time: output::time(self.created_at.as_ref()),
            status: output::text(self.status.as_ref()),
            kind,
            size: self
                .storage_size_bytes
                .map_or_else(|| NONE.to_owned(), output::human_size),
        }
    }
}

// Calling the deprecated Serverless operations is this command's purpose.
#[allow(deprecated)]
pub async fn run(
    client: &Client,
    group: &str,
    command: SnapshotCommand,
    format: Format,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let (result, successor) = match command {
        SnapshotCommand::Get(args) => {
            let call =
                client.get_serverless_backup_snapshot(group, &args.target.cluster, &args.snapshot);
            (commands::get(call, format, out).await, GET_SUCCESSOR)
        }
        SnapshotCommand::List(args) => {
            let cluster = &args.target.cluster;
            let size = args.page_size();
            let result = if args.all {
                let pages = client
                    .serverless_backup_snapshots(group, cluster)
                    .page_size(size);
                commands::list_all(pages, format, out).await
            } else {
                let page = PageRequest::new(1, size);
                let call = client.list_serverless_backup_snapshots(group, cluster, page);
                commands::list(call, format, out).await
            };
            (result, LIST_SUCCESSOR)
        }
    };
    result.map_err(|failure| match failure {
        Failure::Atlas {
            error: error @ Error::VersionGone { .. },
            ..
        } => Failure::Atlas {
            error,
            hint: Some(successor),
        },
        other => other,
    })
}
