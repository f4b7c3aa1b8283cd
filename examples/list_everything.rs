//! Listing every snapshot of a cluster with [`Paginated`]: the whole list at once, page
//! by page, item by item, in a spawned task, and the errors that end a list early.
//!
//! A `Paginated` fetches a page only when the stream is read and holds one page in
//! memory. It always ends: at a short or empty page, once `totalCount` items were read,
//! or with an error at a page repeating the one before it or after `max_pages` pages.
//!
//! ```sh
//! cargo run --example list_everything                         # on the stand-in, 1234 snapshots
//! cargo run --example list_everything -- GROUP_ID FLEX_NAME   # with Atlas credentials set
//! ```

mod common;

use std::collections::BTreeMap;

use atlas_snapshots::{
    Error, Paginated,
    types::{FlexBackupSnapshotPage, FlexBackupSnapshotStatus},
};
use atlas_snapshots_standin::{Fault, sample};
use common::{BoxError, Setup};
use futures::TryStreamExt as _;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let setup = Setup::start().await?;
    let [group, cluster] = setup.ids(
        ["GROUP_ID", "FLEX_NAME"],
        [sample::GROUP_ID, sample::FLEX_NAME],
    )?;
    if let Some(standin) = &setup.standin {
        standin.seed_flex(
            &group,
            &cluster,
            (0..1234).map(sample::flex_snapshot).collect(),
        );
    }
    let client = setup.builder()?.build()?;
    // A `Paginated` is consumed by reading it; this makes a fresh one for each part.
    let list = || client.flex_backup_snapshots(&group, &cluster);

    // 1. Everything in one Vec: 500 per request by default, the fewest round trips.
    let all = list().collect().await?;
    println!("collect(): {} snapshots", all.len());

    // 2. Page by page, to see each request: a page's number, its items, Atlas's count.
    let mut pages = std::pin::pin!(list().page_size(400).pages());
    while let Some(page) = pages.try_next().await? {
        println!(
            "pages(): page {} holds {} of {:?}",
            page.page_num,
            page.items.len(),
            page.total_count
        );
    }

    // 3. Item by item, stopping early: no page after the one holding the first failed
    //    snapshot is fetched.
    let mut items = std::pin::pin!(list().page_size(100).items());
    let mut read = 0;
    while let Some(snapshot) = items.try_next().await? {
        read += 1;
        if snapshot.status == Some(FlexBackupSnapshotStatus::Failed) {
            println!(
                "items(): first failed snapshot {:?}, item {read}",
                snapshot.id
            );
            break;
        }
    }

    // 4. In a task of its own: the stream owns a clone of the client and the ids
    //    (`Send + 'static`), so it can be spawned or returned from a function.
    let task = tokio::spawn(count_by_status(list()));
    let counts = task.await??;
    println!("tokio::spawn: counted by status in a task of its own");
    for (status, count) in counts {
        println!("  {status:<9} {count}");
    }

    // 5. The errors that end a list before its end.
    //    A cap: more pages announced than `max_pages` allows.
    match list().page_size(100).max_pages(3).collect().await {
        Err(Error::TooManyPages { max_pages }) => {
            println!("max_pages(3): Error::TooManyPages after {max_pages} pages")
        }
        other => println!("max_pages(3): unexpected {:?}", other.map(|v| v.len())),
    }
    //    A page size out of 1..=500, refused before anything is sent.
    match list().page_size(1000).collect().await {
        Err(Error::InvalidArgument { parameter, reason }) => {
            println!("page_size(1000): Error::InvalidArgument: {parameter} {reason}")
        }
        other => println!("page_size(1000): unexpected {:?}", other.map(|v| v.len())),
    }
    //    A server that ignores `pageNum` and sends page 1 again and again: on Atlas this
    //    would be a bug, so only the stand-in can show it.
    if let Some(standin) = &setup.standin {
        standin.set_fault(
            Fault::Paging {
                ignore_page_num: true,
                always_full: false,
                total_count: None,
            },
            None,
        );
        match list().page_size(100).collect().await {
            Err(e @ Error::RepeatedPage { .. }) => {
                println!("ignored pageNum: Error::RepeatedPage: {e}")
            }
            other => println!("ignored pageNum: unexpected {:?}", other.map(|v| v.len())),
        }
        standin.clear_fault();
    }
    Ok(())
}

/// How many snapshots are in each status, reading the list as a stream.
async fn count_by_status(
    list: Paginated<FlexBackupSnapshotPage>,
) -> atlas_snapshots::Result<BTreeMap<String, usize>> {
    list.items()
        .try_fold(BTreeMap::new(), |mut counts, snapshot| async move {
            let status = snapshot.status.map(|s| s.to_string()).unwrap_or_default();
            *counts.entry(status).or_insert(0) += 1;
            Ok(counts)
        })
        .await
}
