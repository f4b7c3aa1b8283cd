//! `atlas-snapshots migrate-check` and `flex restore watch` against the stand-in's
//! migration world: the report as JSON and as a table, the exit codes of a job that
//! completes, fails or outlasts its deadline, and progress kept off a stderr that is
//! not a terminal.

mod cli_support;

use std::time::{Duration, Instant};

use atlas_snapshots_standin::{Operation, RestoreOutcome, StandIn, sample};
use cli_support::*;
use serde_json::{Value, json};

const GROUP: &str = sample::GROUP_ID;

async fn world(step: Duration) -> StandIn {
    let standin = StandIn::builder()
        .bearer_token(TOKEN)
        .restore_step(step)
        .start()
        .await
        .expect("start the stand-in");
    standin.seed_migration_world();
    standin
}

#[tokio::test(flavor = "multi_thread")]
async fn migrate_check_reports_a_migrated_instance_as_json() {
    let standin = world(Duration::ZERO).await;
    let args = format!("migrate-check --group-id {GROUP} --cluster Serverless0");
    let out = run(cli(&standin.base_url(), &args)).await;
    out.assert_code(0);
    let report = out.json();
    assert_eq!(report["verdict"], "flex", "{report}");
    assert_eq!(report["serverless"], json!({"answer": "found"}));
    assert_eq!(report["flex"], json!({"answer": "found"}));
    assert_eq!(
        report["flexSnapshots"],
        json!({"reachable": true, "totalCount": sample::WORLD_SNAPSHOTS})
    );
    let instead = report["instead"].as_array().expect("instead");
    assert!(
        instead
            .iter()
            .any(|r| r["deprecated"] == "getServerlessBackupSnapshot"
                && r["instead"] == "getFlexBackupSnapshot"
                && r["insteadCommand"] == "atlas-snapshots flex get"),
        "{report}"
    );
    // The deprecated Serverless call was made on purpose; its warning names the command.
    assert!(
        out.stderr.contains("warning: getServerlessInstance"),
        "{out:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn migrate_check_answers_not_migrated_unknown_and_sunset_with_exit_0() {
    let standin = world(Duration::ZERO).await;
    let check = |name: &str| format!("migrate-check --group-id {GROUP} --cluster {name}");
    let legacy = run(cli(&standin.base_url(), &check("Legacy0"))).await;
    legacy.assert_code(0);
    assert_eq!(legacy.json()["verdict"], "notMigrated");
    assert_eq!(legacy.json()["flexSnapshots"]["reachable"], false);
    let nowhere = run(cli(&standin.base_url(), &check("Nowhere9"))).await;
    nowhere.assert_code(0);
    assert_eq!(nowhere.json()["verdict"], "unknown");

    standin.set_gone(true);
    let gone = run(cli(&standin.base_url(), &check("Serverless0"))).await;
    gone.assert_code(0);
    let report = gone.json();
    assert_eq!(report["verdict"], "flex");
    assert_eq!(report["serverless"]["answer"], "gone");
    assert!(report["serverless"]["sunset"].is_string(), "{report}");
}

#[tokio::test(flavor = "multi_thread")]
async fn migrate_check_as_a_table_and_bad_flags_exit_2_before_sending() {
    let standin = world(Duration::ZERO).await;
    let args = format!("migrate-check --group-id {GROUP} --cluster Legacy0 --output table");
    let out = run(cli(&standin.base_url(), &args)).await;
    out.assert_code(0);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(lines[0].starts_with("QUESTION"), "{out:#?}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("verdict") && l.ends_with("notMigrated"))
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("flex cluster") && l.ends_with("not found"))
    );

    let before = standin.request_count();
    let out = run(cli(
        &standin.base_url(),
        "migrate-check --group-id nope --cluster X",
    ))
    .await;
    out.assert_code(2);
    assert!(out.stderr.contains("invalid --group-id"), "{out:#?}");
    assert_eq!(standin.request_count(), before);
}

/// Starts a Flex restore through the stand-in's own HTTP API: the job's id.
async fn create_job(standin: &StandIn) -> String {
    let snapshot = sample::migrated_flex_snapshot_in(GROUP, "Serverless0", 0);
    let url = format!(
        "{}/api/atlas/v2/groups/{GROUP}/flexClusters/Serverless0/backup/restoreJobs",
        standin.base_url()
    );
    let job: Value = reqwest::Client::new()
        .post(url)
        .bearer_auth(TOKEN)
        .header("accept", "application/vnd.atlas.2024-11-13+json")
        .header("content-type", "application/vnd.atlas.2024-11-13+json")
        .body(
            json!({"snapshotId": snapshot["id"], "targetDeploymentItemName": "Flex0"}).to_string(),
        )
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("a job");
    job["id"].as_str().expect("an id").to_owned()
}

fn watch(id: &str, extra: &str) -> String {
    format!(
        "flex restore watch --group-id {GROUP} --cluster Serverless0 --restore-job {id} \
         --interval 0.01 {extra}"
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn flex_restore_watch_prints_the_completed_job_and_exits_0() {
    let standin = world(Duration::from_millis(50)).await;
    let id = create_job(&standin).await;
    let out = run(cli(&standin.base_url(), &watch(&id, ""))).await;
    out.assert_code(0);
    assert_eq!(out.json()["status"], "COMPLETED");
    assert_eq!(out.json()["id"], id.as_str());
    // stderr is a pipe here, not a terminal: no progress.
    assert_eq!(out.stderr, "", "{out:#?}");
    let polls = standin.attempts(Operation::GetGroupFlexClusterBackupRestoreJob);
    assert!(polls >= 2, "{polls}");
}

#[tokio::test(flavor = "multi_thread")]
async fn flex_restore_watch_exits_5_for_a_failed_job_and_6_at_its_deadline() {
    let standin = world(Duration::from_millis(10)).await;
    standin.set_restore_outcome(RestoreOutcome::Failed);
    let failed = create_job(&standin).await;
    let out = run(cli(&standin.base_url(), &watch(&failed, ""))).await;
    out.assert_code(5);
    assert_eq!(out.json()["status"], "FAILED");
    assert!(
        out.stderr
            .contains(&format!("error: restore job {failed} failed")),
        "{out:#?}"
    );

    standin.set_restore_outcome(RestoreOutcome::NeverFinishes);
    let stuck = create_job(&standin).await;
    let started = Instant::now();
    let out = run(cli(&standin.base_url(), &watch(&stuck, "--deadline 0.3"))).await;
    out.assert_code(6);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(out.json()["status"], "RUNNING");
    assert!(out.stderr.contains("still running (RUNNING)"), "{out:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn flex_restore_watch_refuses_a_bad_job_id_before_sending() {
    let standin = world(Duration::ZERO).await;
    let before = standin.request_count();
    let out = run(cli(&standin.base_url(), &watch("not-an-id", ""))).await;
    out.assert_code(2);
    assert!(out.stderr.contains("invalid --restore-job"), "{out:#?}");
    assert_eq!(standin.request_count(), before);
}

#[tokio::test(flavor = "multi_thread")]
async fn migrate_check_takes_the_project_from_the_environment_and_watch_exists_for_serverless() {
    let standin = world(Duration::ZERO).await;
    let mut cmd = cli(&standin.base_url(), "migrate-check --cluster Serverless0");
    cmd.env("MONGODB_ATLAS_PROJECT_ID", GROUP);
    let out = run(cmd).await;
    out.assert_code(0);
    assert_eq!(out.json()["groupId"], GROUP);

    // A watch beside every command that reads one restore job, Serverless included.
    let help = run(cli(&standin.base_url(), "serverless restore --help")).await;
    help.assert_code(0);
    assert!(help.stdout.contains("watch"), "{help:#?}");
}
