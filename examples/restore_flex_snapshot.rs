//! Restoring a Flex cluster's snapshot into another cluster and waiting for the restore
//! job, then asking for a download link to the same snapshot.
//!
//! A create is a write: the client sends it again only when Atlas provably did not
//! process it (a 429, a 503 with `Retry-After`, a connection never made). After a reset
//! or a timeout the call fails with `Error::may_have_been_processed()`, and the job may
//! exist all the same: list the jobs before creating another.
//!
//! ```sh
//! cargo run --example restore_flex_snapshot    # on the stand-in
//! cargo run --example restore_flex_snapshot -- GROUP_ID CLUSTER_NAME SNAPSHOT_ID TARGET_CLUSTER   # with Atlas credentials set
//! ```

mod common;

use std::time::Duration;

use atlas_snapshots::{
    PageRequest, WaitError, WaitPolicy,
    types::{FlexBackupRestoreJobCreate, FlexBackupSnapshotDownloadCreate},
};
use atlas_snapshots_standin::sample;
use common::{BoxError, Setup};

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let setup = Setup::start().await?;
    let sample_snapshot = sample::flex_snapshot_in(sample::GROUP_ID, sample::FLEX_NAME, 0);
    let sample_snapshot_id = sample_snapshot["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    if let Some(standin) = &setup.standin {
        standin.seed_flex(sample::GROUP_ID, sample::FLEX_NAME, vec![sample_snapshot]);
    }
    let [group, cluster, snapshot, target] = setup.ids(
        ["GROUP_ID", "CLUSTER_NAME", "SNAPSHOT_ID", "TARGET_CLUSTER"],
        [
            sample::GROUP_ID,
            sample::FLEX_NAME,
            &sample_snapshot_id,
            "Flex1",
        ],
    )?;
    let client = setup.builder()?.build()?;

    // The body's ids are checked against the spec's patterns here, before anything is sent.
    let restore = FlexBackupRestoreJobCreate {
        snapshot_id: snapshot.parse()?,
        target_deployment_item_name: target.clone(),
        target_project_id: None,
    };
    let created = match client
        .create_flex_restore_job(&group, &cluster, &restore)
        .await
    {
        Ok(created) => created,
        Err(e) if e.may_have_been_processed() => {
            // Atlas may have started the job: look before trying again.
            let jobs = client
                .list_flex_restore_jobs(&group, &cluster, PageRequest::default())
                .await?;
            eprintln!(
                "the create broke off after it was sent ({e}); the cluster now has {} restore jobs",
                jobs.value().results.len()
            );
            return Err(e.into());
        }
        Err(e) => return Err(e.into()),
    };
    let job = created
        .value()
        .id
        .clone()
        .ok_or("Atlas answered a job without an id")?;
    println!("restore job {job}: {snapshot} of {cluster} into {target}");

    // One poll after a second, doubling to every 15 s, for at most half an hour.
    let wait = WaitPolicy::default()
        .initial_interval(Duration::from_millis(500))
        .deadline(Duration::from_secs(30 * 60));
    let polled = wait
        .watch(
            || client.get_flex_restore_job(&group, &cluster, &job),
            |_, state| println!("  {state:?}"),
        )
        .await;
    match polled {
        Ok(done) => println!(
            "restored at {}",
            done.value()
                .restore_finished_date
                .map_or_else(|| "an unknown time".to_owned(), |t| t.to_rfc3339())
        ),
        Err(WaitError::Unsuccessful { state, job }) => {
            return Err(format!("the restore ended {state:?}: {:?}", job.value().status).into());
        }
        Err(WaitError::Deadline { waited, .. }) => {
            return Err(format!("the restore was still running after {waited:?}").into());
        }
        Err(WaitError::Call(e)) => return Err(e.into()),
        Err(other) => return Err(format!("{other:?}").into()),
    }

    // A download is a restore job too, with a link that expires.
    let download = FlexBackupSnapshotDownloadCreate {
        snapshot_id: snapshot.parse()?,
    };
    let link = client
        .download_flex_backup(&group, &cluster, &download)
        .await?;
    let link = link.value();
    println!(
        "download link (expires {}): {}",
        link.expiration_date.map_or_else(
            || "at a time Atlas did not say".to_owned(),
            |t| t.to_rfc3339()
        ),
        link.snapshot_url.as_deref().unwrap_or("none yet")
    );
    Ok(())
}
