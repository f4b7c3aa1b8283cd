//! `atlas-snapshots flex get|list`.

use std::io::Write;

use atlas_snapshots::{Client, PageRequest, types::FlexBackupSnapshot};

use crate::{
    Failure, SnapshotCommand,
    commands::{self, Snapshot},
    output::{self, Format, NONE, Row},
};

impl Snapshot for FlexBackupSnapshot {
    /// Flex snapshots have no type and no size; their time is when they were scheduled
    /// (or, failing that, started).
    fn row(&self) -> Row {
        Row {
            id: output::text(self.id.as_ref()),
            time: output::time(self.scheduled_time.as_ref().or(self.start_time.as_ref())),
            status: output::text(self.status.as_ref()),
            kind: NONE.to_owned(),
            size: NONE.to_owned(),
        }
    }
}

pub async fn run(
    client: &Client,
    group: &str,
    command: SnapshotCommand,
    format: Format,
    out: &mut impl Write,
) -> Result<(), Failure> {
    match command {
        SnapshotCommand::Get(args) => {
            let call = client.get_flex_backup_snapshot(group, &args.target.cluster, &args.snapshot);
            commands::get(call, format, out).await
        }
        SnapshotCommand::List(args) => {
            let cluster = &args.target.cluster;
            let size = args.page_size();
            if args.all {
                let pages = client.flex_backup_snapshots(group, cluster).page_size(size);
                commands::list_all(pages, format, out).await
            } else {
                let page = PageRequest::new(1, size);
                commands::list(
                    client.list_flex_backup_snapshots(group, cluster, page),
                    format,
                    out,
                )
                .await
            }
        }
    }
}
