//! Table layouts, one per item type of the operation table (`Operation::page_item`, or
//! `body_type` for a single item): data, read by one renderer over the JSON as received.

use std::collections::HashMap;

use serde_json::value::RawValue;

use crate::output::{Heading, NONE, human_size};

/// How a column shows the fields it reads.
#[derive(Debug, Clone, Copy)]
enum Show {
    /// The first field present, as text (strings unquoted, other JSON as sent).
    First,
    /// The first timestamp present, as RFC 3339 in UTC to the second.
    Time,
    /// The fields present, joined by the separator.
    Joined(&'static str),
    /// A byte count in binary units.
    Size,
}

#[derive(Debug)]
struct Column {
    header: &'static str,
    fields: &'static [&'static str],
    show: Show,
}

impl Column {
    const fn new(header: &'static str, fields: &'static [&'static str], show: Show) -> Self {
        Column {
            header,
            fields,
            show,
        }
    }
}

/// The columns for each item type. The snapshot tables are a contract: ID, TIME,
/// STATUS, TYPE, SIZE, with `-` where a kind has no such field.
const LAYOUTS: &[(&str, &[Column])] = &[
    (
        "ServerlessBackupSnapshot",
        &[
            Column::new("ID", &["id"], Show::First),
            Column::new("TIME", &["createdAt"], Show::Time),
            Column::new("STATUS", &["status"], Show::First),
            Column::new(
                "TYPE",
                &["snapshotType", "frequencyType"],
                Show::Joined("/"),
            ),
            Column::new("SIZE", &["storageSizeBytes"], Show::Size),
        ],
    ),
    (
        "FlexBackupSnapshot",
        &[
            Column::new("ID", &["id"], Show::First),
            // When it was scheduled, or failing that, started.
            Column::new("TIME", &["scheduledTime", "startTime"], Show::Time),
            Column::new("STATUS", &["status"], Show::First),
            Column::new("TYPE", &[], Show::First),
            Column::new("SIZE", &[], Show::Size),
        ],
    ),
    ("FlexCluster", CLUSTER),
    ("ServerlessInstance", CLUSTER),
    (
        "FlexBackupRestoreJob",
        &[
            Column::new("ID", &["id"], Show::First),
            Column::new("SNAPSHOT", &["snapshotId"], Show::First),
            Column::new("STATUS", &["status"], Show::First),
            Column::new("DELIVERY", &["deliveryType"], Show::First),
            Column::new("TARGET", &["targetDeploymentItemName"], Show::First),
            Column::new("FINISHED", &["restoreFinishedDate"], Show::Time),
        ],
    ),
    (
        "ServerlessBackupRestoreJob",
        &[
            Column::new("ID", &["id"], Show::First),
            Column::new("SNAPSHOT", &["snapshotId"], Show::First),
            Column::new("DELIVERY", &["deliveryType"], Show::First),
            Column::new("TARGET", &["targetClusterName"], Show::First),
            Column::new("FINISHED", &["finishedAt"], Show::Time),
        ],
    ),
];

/// Flex clusters and Serverless instances describe themselves alike.
const CLUSTER: &[Column] = &[
    Column::new("NAME", &["name"], Show::First),
    Column::new("ID", &["id"], Show::First),
    Column::new("STATE", &["stateName"], Show::First),
    Column::new("VERSION", &["mongoDBVersion"], Show::First),
    Column::new("CREATED", &["createDate"], Show::Time),
];

/// The table layout of one item type.
#[derive(Debug, Clone, Copy)]
pub struct Layout(&'static [Column]);

impl Layout {
    /// The layout for `item_type`, if it has one.
    pub fn of(item_type: &str) -> Option<Layout> {
        LAYOUTS
            .iter()
            .find(|(name, _)| *name == item_type)
            .map(|(_, columns)| Layout(columns))
    }

    pub fn headings(&self) -> Vec<Heading> {
        self.0
            .iter()
            .map(|c| Heading {
                header: c.header,
                right: matches!(c.show, Show::Size),
            })
            .collect()
    }

    /// One item's cells; a value that is not what the column expects is shown as sent.
    pub fn row(&self, item: &RawValue) -> Vec<String> {
        // Owned keys: a key with an escape in it cannot be borrowed.
        let fields: HashMap<String, &RawValue> =
            serde_json::from_str(item.get()).unwrap_or_default();
        let present: Vec<Vec<&RawValue>> = self
            .0
            .iter()
            .map(|c| {
                c.fields
                    .iter()
                    .filter_map(|f| fields.get(*f).copied())
                    .filter(|v| v.get() != "null")
                    .collect()
            })
            .collect();
        self.0
            .iter()
            .zip(present)
            .map(|(column, values)| cell(column.show, &values))
            .collect()
    }
}

fn text(value: &RawValue) -> String {
    serde_json::from_str::<String>(value.get()).unwrap_or_else(|_| value.get().to_owned())
}

fn cell(show: Show, values: &[&RawValue]) -> String {
    let Some(first) = values.first() else {
        return NONE.to_owned();
    };
    match show {
        Show::First => text(first),
        Show::Time => {
            let text = text(first);
            chrono::DateTime::parse_from_rfc3339(&text).map_or(text, |t| {
                t.with_timezone(&chrono::Utc)
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            })
        }
        Show::Joined(separator) => values
            .iter()
            .map(|v| text(v))
            .collect::<Vec<_>>()
            .join(separator),
        Show::Size => first
            .get()
            .parse::<i64>()
            .map_or_else(|_| text(first), human_size),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(json: &str) -> Box<RawValue> {
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn serverless_rows_join_types_and_size_in_binary_units() {
        let layout = Layout::of("ServerlessBackupSnapshot").unwrap_or(Layout(&[]));
        let item = raw(
            r#"{"id":"a","createdAt":"2026-01-10T04:00:00.123+01:00","status":"completed",
                "snapshotType":"scheduled","frequencyType":"daily","storageSizeBytes":1610612736}"#,
        );
        assert_eq!(
            layout.row(&item),
            [
                "a",
                "2026-01-10T03:00:00Z",
                "completed",
                "scheduled/daily",
                "1.5 GiB"
            ]
        );
        let sparse = raw(r#"{"id":"b","frequencyType":"daily","storageSizeBytes":null}"#);
        assert_eq!(layout.row(&sparse), ["b", "-", "-", "daily", "-"]);
    }

    #[test]
    fn flex_rows_fall_back_to_start_time_and_dashes() {
        let layout = Layout::of("FlexBackupSnapshot").unwrap_or(Layout(&[]));
        let item = raw(r#"{"id":"c","startTime":"2026-01-10T04:00:00Z","status":"queued"}"#);
        assert_eq!(
            layout.row(&item),
            ["c", "2026-01-10T04:00:00Z", "queued", "-", "-"]
        );
    }

    /// Every item type the table answers with has a layout, so `--output table` works
    /// for every command.
    #[test]
    fn every_item_type_of_the_table_has_a_layout() {
        for op in atlas_snapshots::operations::ALL {
            if let Some(item) = op.page_item.or(op.body_type) {
                assert!(Layout::of(item).is_some(), "{}: {item}", op.id);
            }
        }
    }

    #[test]
    fn odd_values_are_shown_as_sent() {
        let layout = Layout::of("ServerlessBackupSnapshot").unwrap_or(Layout(&[]));
        let item =
            raw(r#"{"id":7,"createdAt":"soon","storageSizeBytes":123456789012345678901234}"#);
        assert_eq!(
            layout.row(&item),
            ["7", "soon", "-", "-", "123456789012345678901234"]
        );
        assert_eq!(layout.row(&raw("[]")), ["-", "-", "-", "-", "-"]);
    }
}
