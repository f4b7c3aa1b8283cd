//! Paging always ends: at the last page, or with an error naming why, against a stand-in
//! whose list pages ignore `pageNum`, lie in `totalCount` or never run short. Every
//! test bounds its time and counts the requests made.

mod common;

use std::time::Duration;

use atlas_snapshots::{Client, DEFAULT_MAX_PAGES, Error, Paginated, types::FlexBackupSnapshotPage};
use atlas_snapshots_standin::{Fault, StandIn};
use common::*;
use futures::{StreamExt, TryStreamExt};

/// Far above what any of these takes; a pager that never ends fails here instead of
/// hanging the test run.
const BOUND: Duration = Duration::from_secs(60);

fn paging(ignore_page_num: bool, always_full: bool, total_count: Option<u64>) -> Fault {
    Fault::Paging {
        ignore_page_num,
        always_full,
        total_count,
    }
}

/// Every item `flex_backup_snapshots` yields until its first error, and that error.
async fn drain(
    standin: &StandIn,
    page_size: u32,
    max_pages: Option<u32>,
) -> (usize, Option<Error>) {
    let client = client(standin);
    let mut list = client
        .flex_backup_snapshots(GROUP, FLEX)
        .page_size(page_size);
    if let Some(n) = max_pages {
        list = list.max_pages(n);
    }
    let run = async {
        let mut items = list.items().boxed();
        let mut n = 0;
        while let Some(item) = items.next().await {
            match item {
                Ok(_) => n += 1,
                Err(e) => {
                    assert!(items.next().await.is_none(), "the stream ends at its error");
                    return (n, Some(e));
                }
            }
        }
        (n, None)
    };
    tokio::time::timeout(BOUND, run).await.expect("paging ends")
}

#[tokio::test]
async fn a_server_that_ignores_page_num_ends_with_repeated_page() {
    let standin = standin(10).await;
    standin.set_fault(paging(true, false, None), None);
    let client = client(&standin);
    let pages: Vec<_> = tokio::time::timeout(
        BOUND,
        client
            .flex_backup_snapshots(GROUP, FLEX)
            .page_size(3)
            .pages()
            .collect::<Vec<_>>(),
    )
    .await
    .unwrap();
    assert_eq!(pages.len(), 2, "{pages:?}");
    let first = pages[0].as_ref().unwrap();
    assert_eq!((first.page_num, first.items.len()), (1, 3));
    let err = pages[1].as_ref().unwrap_err();
    assert!(
        matches!(err, Error::RepeatedPage { page_num: 2 }),
        "{err:?}"
    );
    assert!(err.to_string().contains("ignores pageNum"), "{err}");
    assert_eq!(standin.request_count(), 2, "no request after the repeat");
}

/// The report behind this: a server ignoring `pageNum` with a huge `totalCount` drew
/// thousands of identical requests.
#[tokio::test]
async fn ignoring_page_num_with_a_lying_total_count_still_ends_at_the_repeat() {
    let standin = standin(10).await;
    standin.set_fault(paging(true, false, Some(1_000_000)), None);
    let (items, err) = drain(&standin, 3, None).await;
    assert_eq!(items, 3);
    assert!(
        matches!(err, Some(Error::RepeatedPage { page_num: 2 })),
        "{err:?}"
    );
    assert_eq!(standin.request_count(), 2);
}

#[tokio::test]
async fn full_pages_without_end_stop_at_the_cap() {
    let standin = standin(0).await;
    standin.set_fault(paging(false, true, Some(1_000_000)), None);
    let (items, err) = drain(&standin, 2, Some(5)).await;
    assert_eq!(items, 10, "the five pages before the cap are all yielded");
    assert!(
        matches!(err, Some(Error::TooManyPages { max_pages: 5 })),
        "{err:?}"
    );
    assert_eq!(standin.request_count(), 5, "no request past the cap");
}

#[tokio::test]
async fn full_pages_without_end_stop_at_the_default_cap() {
    let standin = standin(0).await;
    standin.set_recording(false);
    standin.set_fault(paging(false, true, Some(1_000_000)), None);
    let (items, err) = drain(&standin, 1, None).await;
    assert_eq!(items, DEFAULT_MAX_PAGES as usize);
    assert!(
        matches!(err, Some(Error::TooManyPages { max_pages }) if max_pages == DEFAULT_MAX_PAGES),
        "{err:?}"
    );
    assert_eq!(standin.request_count(), u64::from(DEFAULT_MAX_PAGES));
}

#[tokio::test]
async fn a_list_that_ends_exactly_at_the_cap_is_not_an_error() {
    let standin = standin(10).await;
    let (items, err) = drain(&standin, 5, Some(2)).await;
    assert_eq!((items, err.map(|e| e.to_string())), (10, None));
    assert_eq!(standin.request_count(), 2);
}

#[tokio::test]
async fn a_total_count_above_the_truth_ends_at_the_short_or_empty_page() {
    let standin = standin(6).await;
    standin.set_fault(paging(false, false, Some(1_000_000)), None);
    let (items, err) = drain(&standin, 3, None).await;
    assert_eq!((items, err.map(|e| e.to_string())), (6, None));
    assert_eq!(
        standin.request_count(),
        3,
        "pages 1 and 2 full, page 3 empty"
    );
    standin.clear_requests();
    let (items, err) = drain(&standin, 4, None).await;
    assert_eq!((items, err.map(|e| e.to_string())), (6, None));
    assert_eq!(standin.request_count(), 3 + 2, "page 2 is short");
}

/// `totalCount` is Atlas's word: paging believes it even when it is low.
#[tokio::test]
async fn a_total_count_below_the_truth_ends_paging_early() {
    let standin = standin(10).await;
    standin.set_fault(paging(false, false, Some(4)), None);
    let (items, err) = drain(&standin, 3, None).await;
    assert_eq!((items, err.map(|e| e.to_string())), (6, None));
    assert_eq!(standin.request_count(), 2);
}

#[tokio::test]
async fn an_empty_list_is_one_request() {
    let standin = standin(0).await;
    let client = client(&standin);
    let all = tokio::time::timeout(BOUND, client.flex_backup_snapshots(GROUP, FLEX).collect())
        .await
        .unwrap()
        .unwrap();
    assert!(all.is_empty());
    assert_eq!(standin.request_count(), 1);
}

#[tokio::test]
async fn max_pages_is_at_least_one() {
    let standin = standin(10).await;
    let client = client(&standin);
    let err = tokio::time::timeout(
        BOUND,
        client
            .flex_backup_snapshots(GROUP, FLEX)
            .page_size(2)
            .max_pages(0)
            .items()
            .try_collect::<Vec<_>>(),
    )
    .await
    .unwrap()
    .unwrap_err();
    // `max_pages(0)` means one page: its items, then the cap.
    assert!(
        matches!(err, Error::TooManyPages { max_pages: 1 }),
        "{err:?}"
    );
    assert_eq!(standin.request_count(), 1);
}

/// A pager over a cluster named by a `String` that the function drops before returning:
/// the stream holds what it needs.
fn every_flex_snapshot(client: &Client) -> Paginated<FlexBackupSnapshotPage> {
    let cluster = String::from(FLEX);
    client.flex_backup_snapshots(GROUP, cluster).page_size(4)
}

#[tokio::test]
async fn a_pager_can_be_returned_and_its_stream_spawned() {
    let standin = standin(10).await;
    let client = client(&standin);
    let pages = every_flex_snapshot(&client);
    drop(client);
    let task = tokio::spawn(pages.pages().try_collect::<Vec<_>>());
    let pages = tokio::time::timeout(BOUND, task)
        .await
        .expect("paging ends")
        .expect("the task ran")
        .expect("every page arrives");
    let sizes: Vec<(u32, usize)> = pages.iter().map(|p| (p.page_num, p.items.len())).collect();
    assert_eq!(sizes, [(1, 4), (2, 4), (3, 2)]);
    let ids: Vec<_> = pages
        .iter()
        .flat_map(|p| &p.items)
        .map(|s| s.id.clone().unwrap())
        .collect();
    let expected: Vec<_> = (0..10).map(flex_id).collect();
    assert_eq!(ids, expected, "every snapshot once, in order");
    assert_eq!(standin.request_count(), 3);
}

#[tokio::test]
async fn a_spawned_items_stream_reports_a_bad_id_as_its_first_item() {
    let standin = standin(3).await;
    let client = client(&standin);
    let items = client.flex_backup_snapshots("not-a-group", FLEX).items();
    let first = tokio::spawn(async move { std::pin::pin!(items).next().await })
        .await
        .expect("the task ran")
        .expect("one item");
    assert!(
        matches!(
            first,
            Err(Error::InvalidArgument {
                parameter: "group_id",
                ..
            })
        ),
        "{first:?}"
    );
    assert_eq!(standin.request_count(), 0, "nothing sent for a bad id");
}

// --- Client::invoke_pages: the same paging for an operation named by its row -----------

fn list_invocation() -> atlas_snapshots::Invocation {
    atlas_snapshots::Invocation::new(&atlas_snapshots::operations::LIST_FLEX_BACKUP_SNAPSHOTS)
        .argument("groupId", GROUP)
        .argument("name", FLEX)
}

#[tokio::test]
async fn invoke_pages_yields_the_typed_streams_items_as_sent() {
    let standin = standin(23).await;
    let client = client(&standin);
    let typed = client
        .flex_backup_snapshots(GROUP, FLEX)
        .page_size(5)
        .collect()
        .await
        .expect("typed pages");
    let before = standin.request_count();

    // A pageNum given is the stream's to set.
    let invocation = list_invocation().argument("pageNum", "3");
    let pages: Vec<_> = client
        .invoke_pages(invocation)
        .page_size(5)
        .pages()
        .try_collect()
        .await
        .expect("pages through invoke");

    assert_eq!(
        pages.iter().map(|p| p.page_num).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5]
    );
    let items: Vec<serde_json::Value> = pages
        .iter()
        .flat_map(|p| &p.items)
        .map(|text| serde_json::from_str(text).expect("each item is JSON"))
        .collect();
    let typed: Vec<serde_json::Value> = typed
        .iter()
        .map(|s| serde_json::to_value(s).expect("serialise"))
        .collect();
    assert_eq!(items, typed);
    assert_eq!(pages[0].total_count, Some(23));
    assert_eq!(standin.request_count() - before, 5);
}

#[tokio::test]
async fn invoke_pages_ends_at_a_repeated_page_and_refuses_a_non_list_unsent() {
    let standin = standin(10).await;
    standin.set_fault(paging(true, false, None), None);
    let client = client(&standin);
    let run = client
        .invoke_pages(list_invocation())
        .page_size(5)
        .collect();
    let error = tokio::time::timeout(BOUND, run).await.expect("paging ends");
    assert!(
        matches!(error, Err(Error::RepeatedPage { page_num: 2 })),
        "{error:?}"
    );
    let before = standin.request_count();

    let get = atlas_snapshots::Invocation::new(&atlas_snapshots::operations::GET_FLEX_CLUSTER)
        .argument("groupId", GROUP)
        .argument("name", FLEX);
    let error = client.invoke_pages(get).collect().await;
    assert!(
        matches!(
            &error,
            Err(Error::InvalidArgument {
                parameter: "operation",
                ..
            })
        ),
        "{error:?}"
    );
    assert_eq!(standin.request_count(), before, "nothing sent");
}
