//! The migration question: has a Serverless instance become a Flex cluster, are its
//! snapshots reachable through the Flex operations, and what to call instead.
//!
//! Atlas moved Serverless instances to Flex clusters under the same name and is sunsetting
//! the Serverless operations. So a 404 on either side and Atlas's 410 `VERSION_GONE` on the
//! Serverless side are answers to the question, not failures of the check.

use super::{
    client::{Client, PageRequest},
    error::{Error, Result},
    lifecycle::Operation,
};

/// What one side (Serverless or Flex) said about the name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Lookup {
    /// It answered with a deployment of that name.
    Found,
    /// It answered 404: no deployment of that name there.
    NotFound,
    /// It answered 410 `VERSION_GONE`: the operation's version is past its sunset, so
    /// this side can no longer say.
    Gone {
        /// The sunset date from the spec (`YYYY-MM-DD`), when it names one.
        sunset: Option<&'static str>,
    },
}

/// The answer, in one word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verdict {
    /// A Flex cluster of that name exists: use the Flex operations (its snapshots, if
    /// any, are there).
    Flex,
    /// A Serverless instance of that name exists and no Flex cluster does: it has not
    /// been migrated yet.
    NotMigrated,
    /// Neither side knows the name (or the Serverless side is gone and Flex has no
    /// cluster of that name).
    Unknown,
}

/// A deprecated operation and the one the operation table names to call instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Replacement {
    /// The deprecated operation.
    pub deprecated: &'static Operation,
    /// Its successor.
    pub instead: &'static Operation,
}

/// What [`Client::migration_check`] found for one Serverless instance name.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MigrationReport {
    /// The project (group) id asked about.
    pub group_id: String,
    /// The Serverless instance (and Flex cluster) name asked about.
    pub name: String,
    /// What the Serverless instance operation answered.
    pub serverless: Lookup,
    /// What the Flex cluster operation answered.
    pub flex: Lookup,
    /// The Flex cluster's snapshots, when the Flex snapshot list answered for it:
    /// Atlas's `totalCount` (`None` inside when it gave none). `None` when they are not
    /// reachable there (no Flex cluster, or the list answered 404).
    pub flex_snapshots: Option<Option<i64>>,
    /// Every deprecated operation of the table with its successor: what to call
    /// instead of each Serverless operation.
    pub replacements: Vec<Replacement>,
}

impl MigrationReport {
    /// The answer, in one word.
    pub fn verdict(&self) -> Verdict {
        match (self.flex, self.serverless) {
            (Lookup::Found, _) => Verdict::Flex,
            (_, Lookup::Found) => Verdict::NotMigrated,
            _ => Verdict::Unknown,
        }
    }

    /// Whether its snapshots can be read through the Flex operations.
    pub fn snapshots_reachable(&self) -> bool {
        self.flex_snapshots.is_some()
    }
}

/// Every deprecated operation of the table that names a successor, in table order.
pub(crate) fn replacements() -> Vec<Replacement> {
    crate::operations::ALL
        .iter()
        .copied()
        .filter(|op| op.deprecated)
        .filter_map(|op| {
            Some(Replacement {
                deprecated: op,
                instead: op.successor_operation()?,
            })
        })
        .collect()
}

/// A 404 or a 410 `VERSION_GONE` as an answer; anything else fails the check.
fn lookup<T>(result: Result<T>) -> Result<Lookup> {
    match result {
        Ok(_) => Ok(Lookup::Found),
        Err(e) if e.is_not_found() => Ok(Lookup::NotFound),
        Err(Error::VersionGone { sunset, .. }) => Ok(Lookup::Gone { sunset }),
        Err(e) => Err(e),
    }
}

impl Client {
    /// Answers the migration question for the Serverless instance `name` of project
    /// `group_id`: whether it is now a Flex cluster, whether its snapshots are reachable
    /// through the Flex operations, and what to call instead of each Serverless
    /// operation.
    ///
    /// It asks both sides (two or three GETs). A 404 and the Serverless side's 410
    /// `VERSION_GONE` are answers, in [`MigrationReport::serverless`] and
    /// [`MigrationReport::flex`]; any other failure (credentials, 5xx, transport) is the
    /// error. Both arguments are checked before anything is sent.
    ///
    /// ```no_run
    /// use atlas_snapshots::Verdict;
    ///
    /// # async fn run(client: atlas_snapshots::Client) -> atlas_snapshots::Result<()> {
    /// let report = client.migration_check("5f1a2b3c4d5e6f7a8b9c0d1e", "Serverless0").await?;
    /// if report.verdict() == Verdict::Flex && report.snapshots_reachable() {
    ///     for r in &report.replacements {
    ///         println!("{} -> {}", r.deprecated.method_name, r.instead.method_name);
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn migration_check(&self, group_id: &str, name: &str) -> Result<MigrationReport> {
        let flex = lookup(self.get_flex_cluster(group_id, name).await)?;
        // The question is about a Serverless instance, so its operation is called on
        // purpose; the deprecation it reports is the point.
        #[allow(deprecated)]
        let serverless = lookup(self.get_serverless_instance(group_id, name).await)?;
        let flex_snapshots = if flex == Lookup::Found {
            // One item is enough to learn whether the list answers, and its total.
            let page = PageRequest::new(1, 1);
            match self.list_flex_backup_snapshots(group_id, name, page).await {
                Ok(page) => Some(page.value().total_count.map(i64::from)),
                Err(e) if e.is_not_found() => None,
                Err(e) => return Err(e),
            }
        } else {
            None
        };
        Ok(MigrationReport {
            group_id: group_id.to_owned(),
            name: name.to_owned(),
            serverless,
            flex,
            flex_snapshots,
            replacements: replacements(),
        })
    }
}
