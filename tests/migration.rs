//! The migration question against the stand-in's migration world
//! (`seed_migration_world`): migrated, created as Flex, never migrated, unknown, and
//! the Serverless side past its sunset.

mod common;

use atlas_snapshots::{Error, Lookup, MigrationReport, Verdict, operations};
use atlas_snapshots_standin::{Fault, StandIn, sample};
use common::*;
use http::StatusCode;
use std::time::Duration;

async fn check(standin: &StandIn, name: &str) -> MigrationReport {
    client(standin).migration_check(GROUP, name).await.unwrap()
}

#[tokio::test]
async fn a_migrated_instance_is_a_flex_cluster_with_its_snapshots() {
    let standin = migration_world(Duration::ZERO).await;
    let report = check(&standin, "Serverless0").await;
    assert_eq!(report.verdict(), Verdict::Flex);
    assert_eq!(
        (report.serverless, report.flex),
        (Lookup::Found, Lookup::Found)
    );
    assert!(report.snapshots_reachable());
    assert_eq!(
        report.flex_snapshots,
        Some(Some(i64::from(sample::WORLD_SNAPSHOTS)))
    );
    assert_eq!(
        (report.group_id.as_str(), report.name.as_str()),
        (GROUP, "Serverless0")
    );
    // Flex cluster, Serverless instance, one page of Flex snapshots.
    assert_eq!(standin.request_count(), 3);
}

#[tokio::test]
async fn the_replacements_are_the_tables_successors() {
    let standin = migration_world(Duration::ZERO).await;
    let report = check(&standin, "Serverless0").await;
    let pairs: Vec<_> = report
        .replacements
        .iter()
        .map(|r| (r.deprecated.method_name, r.instead.method_name))
        .collect();
    assert!(
        pairs.contains(&("get_serverless_backup_snapshot", "get_flex_backup_snapshot")),
        "{pairs:?}"
    );
    assert!(
        pairs.contains(&("get_serverless_instance", "get_flex_cluster")),
        "{pairs:?}"
    );
    // Every deprecated operation is there, each with a live successor.
    let deprecated = operations::ALL.iter().filter(|op| op.deprecated).count();
    assert_eq!(pairs.len(), deprecated);
    assert!(report.replacements.iter().all(|r| !r.instead.deprecated));
}

#[tokio::test]
async fn a_cluster_created_as_flex_is_flex_without_a_serverless_side() {
    let standin = migration_world(Duration::ZERO).await;
    let report = check(&standin, "Flex0").await;
    assert_eq!(report.verdict(), Verdict::Flex);
    assert_eq!(report.serverless, Lookup::NotFound);
    assert!(report.snapshots_reachable());
}

#[tokio::test]
async fn an_instance_never_migrated_is_not_migrated_and_its_snapshots_are_not_on_flex() {
    let standin = migration_world(Duration::ZERO).await;
    let report = check(&standin, "Legacy0").await;
    assert_eq!(report.verdict(), Verdict::NotMigrated);
    assert_eq!(
        (report.serverless, report.flex),
        (Lookup::Found, Lookup::NotFound)
    );
    assert!(!report.snapshots_reachable());
    assert_eq!(report.flex_snapshots, None);
    // No snapshot list was asked for a cluster that is not there.
    assert_eq!(standin.request_count(), 2);
}

#[tokio::test]
async fn a_name_neither_side_knows_is_unknown() {
    let standin = migration_world(Duration::ZERO).await;
    let report = check(&standin, "Nowhere9").await;
    assert_eq!(report.verdict(), Verdict::Unknown);
    assert_eq!(
        (report.serverless, report.flex),
        (Lookup::NotFound, Lookup::NotFound)
    );
    assert!(!report.snapshots_reachable());
}

#[tokio::test]
async fn a_sunset_serverless_side_is_an_answer_not_a_failure() {
    let standin = migration_world(Duration::ZERO).await;
    standin.set_gone(true);
    let sunset = operations::GET_SERVERLESS_INSTANCE.sunset;
    assert!(sunset.is_some());
    let migrated = check(&standin, "Serverless0").await;
    assert_eq!(migrated.serverless, Lookup::Gone { sunset });
    assert_eq!(migrated.verdict(), Verdict::Flex);
    assert!(migrated.snapshots_reachable());
    // Gone, and no Flex cluster of that name: nobody can say any more.
    let legacy = check(&standin, "Legacy0").await;
    assert_eq!(legacy.serverless, Lookup::Gone { sunset });
    assert_eq!(legacy.verdict(), Verdict::Unknown);
}

#[tokio::test]
async fn other_failures_fail_the_check_and_bad_names_are_refused_before_sending() {
    let standin = migration_world(Duration::ZERO).await;
    standin.set_fault(Fault::status(StatusCode::FORBIDDEN), None);
    let err = client(&standin)
        .migration_check(GROUP, "Serverless0")
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::FORBIDDEN), "{err:?}");
    standin.clear_fault();

    let before = standin.request_count();
    for (group, name, parameter) in [
        ("not-a-group", "Serverless0", "group_id"),
        (GROUP, "../../orgs", "cluster_name"),
    ] {
        let err = client(&standin)
            .migration_check(group, name)
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::InvalidArgument { parameter: p, .. } if p == parameter),
            "{err:?}"
        );
    }
    assert_eq!(standin.request_count(), before);
}
