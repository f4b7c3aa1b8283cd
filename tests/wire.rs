//! What the client puts on the wire and how it reads Atlas's answers, as a real HTTP
//! server on 127.0.0.1 (the stand-in) saw and served them.
#![allow(deprecated)] // the serverless operations are deprecated; calling them is the point

mod common;

use atlas_snapshots::{
    Error, PageRequest,
    types::{ServerlessBackupSnapshotFrequencyType, ServerlessBackupSnapshotStatus},
};
use atlas_snapshots_standin::{Fault, StandIn};
use common::*;
use futures::TryStreamExt;
use serde_json::json;

#[tokio::test]
async fn each_operation_sends_its_exact_media_type_and_no_api_version() {
    let standin = standin(3).await;
    let client = client(&standin);
    let sid = serverless_id(1);
    let fid = flex_id(2);
    client
        .get_serverless_backup_snapshot(GROUP, SERVERLESS, &sid)
        .await
        .unwrap();
    client
        .list_serverless_backup_snapshots(GROUP, SERVERLESS, PageRequest::default())
        .await
        .unwrap();
    client
        .get_flex_backup_snapshot(GROUP, FLEX, &fid)
        .await
        .unwrap();
    client
        .list_flex_backup_snapshots(GROUP, FLEX, PageRequest::default())
        .await
        .unwrap();

    let seen = standin.requests();
    let expect = [
        (
            format!("/api/atlas/v2/groups/{GROUP}/serverless/{SERVERLESS}/backup/snapshots/{sid}"),
            "application/vnd.atlas.2023-01-01+json",
        ),
        (
            format!("/api/atlas/v2/groups/{GROUP}/serverless/{SERVERLESS}/backup/snapshots"),
            "application/vnd.atlas.2023-01-01+json",
        ),
        (
            format!("/api/atlas/v2/groups/{GROUP}/flexClusters/{FLEX}/backup/snapshots/{fid}"),
            "application/vnd.atlas.2024-11-13+json",
        ),
        (
            format!("/api/atlas/v2/groups/{GROUP}/flexClusters/{FLEX}/backup/snapshots"),
            "application/vnd.atlas.2024-11-13+json",
        ),
    ];
    assert_eq!(seen.len(), expect.len());
    for (request, (path, accept)) in seen.iter().zip(&expect) {
        assert_eq!(request.method, "GET");
        assert_eq!(&request.path, path);
        assert_eq!(request.header("accept"), Some(*accept), "{path}");
        assert_eq!(
            request.header("api-version"),
            None,
            "progenitor's api-version header leaks"
        );
        assert_eq!(
            request.header("user-agent"),
            Some(concat!("atlas-snapshots/", env!("CARGO_PKG_VERSION")))
        );
        assert_eq!(
            request.header("authorization"),
            Some(format!("Bearer {TOKEN}").as_str())
        );
    }
    assert_eq!(seen[1].query.as_deref(), Some("itemsPerPage=100&pageNum=1"));
    assert_eq!(
        seen[0].query, None,
        "no envelope parameter unless asked for"
    );
}

#[tokio::test]
async fn typed_results_match_what_was_served() {
    let standin = standin(2).await;
    let client = client(&standin);
    let served = atlas_snapshots_standin::sample::flex_snapshot_in(GROUP, FLEX, 1);
    let got = client
        .get_flex_backup_snapshot(GROUP, FLEX, &flex_id(1))
        .await
        .unwrap();
    assert_eq!(serde_json::to_value(got.value()).unwrap(), served);
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(got.body()).unwrap(),
        served
    );
    assert_eq!(got.status(), 200);
    assert_eq!(got.attempts(), 1);
}

#[tokio::test]
async fn bad_ids_are_refused_before_anything_is_sent() {
    let standin = standin(1).await;
    let client = client(&standin);
    let good = serverless_id(0);
    let cases: [(&str, &str, &str, &str); 13] = [
        ("5F1A2B3C4D5E6F7A8B9C0D1E", SERVERLESS, &good, "group_id"),
        ("5f1a2b3c4d5e6f7a8b9c0d1", SERVERLESS, &good, "group_id"),
        ("5f1a2b3c4d5e6f7a8b9c0d1e0", SERVERLESS, &good, "group_id"),
        ("", SERVERLESS, &good, "group_id"),
        ("..", SERVERLESS, &good, "group_id"),
        (GROUP, "..", &good, "cluster_name"),
        (GROUP, ".", &good, "cluster_name"),
        (GROUP, "a/b", &good, "cluster_name"),
        (GROUP, "a%2Fb", &good, "cluster_name"),
        (GROUP, "", &good, "cluster_name"),
        (GROUP, "-leading", &good, "cluster_name"),
        (GROUP, SERVERLESS, "..", "snapshot_id"),
        (GROUP, SERVERLESS, "ABCDEF0123456789ABCDEF01", "snapshot_id"),
    ];
    for (group, cluster, snapshot, parameter) in cases {
        for result in [
            client
                .get_serverless_backup_snapshot(group, cluster, snapshot)
                .await
                .map(|_| ()),
            client
                .get_flex_backup_snapshot(group, cluster, snapshot)
                .await
                .map(|_| ()),
        ] {
            match result {
                Err(Error::InvalidArgument {
                    parameter: p,
                    reason,
                }) => {
                    assert_eq!(p, parameter, "{group} {cluster} {snapshot}");
                    assert!(reason.contains("does not match"), "{reason}");
                    assert!(reason.contains('^'), "the pattern is named: {reason}");
                }
                other => panic!("{group} {cluster} {snapshot}: {other:?}"),
            }
        }
    }
    let list = client
        .list_flex_backup_snapshots(GROUP, FLEX, PageRequest::new(1, 501))
        .await;
    assert!(matches!(
        list,
        Err(Error::InvalidArgument {
            parameter: "items_per_page",
            ..
        })
    ));
    assert_eq!(standin.request_count(), 0, "nothing reached the server");
}

#[tokio::test]
async fn a_404_is_an_api_error_with_atlas_fields() {
    let standin = standin(1).await;
    let client = client(&standin);
    let err = client
        .get_flex_backup_snapshot(GROUP, FLEX, "0123456789abcdef01234567")
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(err.error_code(), Some("RESOURCE_NOT_FOUND"));
    let failure = err.api_failure().unwrap();
    // Atlas puts strings and integers in `parameters`; the spec says objects.
    assert!(
        failure.body.parameters.iter().any(|p| p.is_string()),
        "{:?}",
        failure.body.parameters
    );
    assert!(!failure.raw.is_empty());
    assert!(!err.is_retryable());
    assert!(err.to_string().contains("404"), "{err}");
}

#[tokio::test]
async fn an_html_502_from_a_proxy_is_a_clear_decode_error() {
    let standin = standin(1).await;
    standin.set_fault(Fault::HtmlBadGateway, None);
    let client = builder(&standin)
        .retry(atlas_snapshots::RetryPolicy::disabled())
        .build()
        .unwrap();
    let err = client
        .get_flex_backup_snapshot(GROUP, FLEX, &flex_id(0))
        .await
        .unwrap_err();
    match &err {
        Error::Decode {
            status,
            content_type,
            body_prefix,
            ..
        } => {
            assert_eq!(status.as_u16(), 502);
            assert!(
                content_type
                    .as_deref()
                    .unwrap_or("")
                    .starts_with("text/html")
            );
            assert!(body_prefix.starts_with(b"<"), "{body_prefix:?}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(err.status().map(|s| s.as_u16()), Some(502));
    assert!(err.to_string().contains("text/html"), "{err}");
}

#[tokio::test]
async fn unknown_enum_values_and_large_integers_survive() {
    let standin = StandIn::builder()
        .bearer_token(TOKEN)
        .start()
        .await
        .unwrap();
    let id = "0123456789abcdef01234567";
    let mut snapshot =
        atlas_snapshots_standin::sample::serverless_snapshot_in(GROUP, SERVERLESS, 0);
    snapshot["id"] = json!(id);
    snapshot["status"] = json!("archived");
    snapshot["frequencyType"] = json!("yearly");
    snapshot["storageSizeBytes"] = json!(9_007_199_254_740_993_i64); // 2^53 + 1
    snapshot["mongodVersion"] = json!("string"); // off its spec pattern, as Prism serves it
    standin.seed_serverless(GROUP, SERVERLESS, vec![snapshot.clone()]);
    let client = client(&standin);
    let got = client
        .get_serverless_backup_snapshot(GROUP, SERVERLESS, id)
        .await
        .unwrap();
    assert_eq!(
        got.value().status,
        Some(ServerlessBackupSnapshotStatus::Unknown("archived".into()))
    );
    assert_eq!(
        got.value().frequency_type,
        Some(ServerlessBackupSnapshotFrequencyType::Unknown(
            "yearly".into()
        ))
    );
    assert_eq!(got.value().storage_size_bytes, Some(9_007_199_254_740_993));
    assert_eq!(
        serde_json::to_value(got.value()).unwrap(),
        snapshot,
        "round trip to JSON"
    );
}

#[tokio::test]
async fn pagination_fetches_every_item_one_page_at_a_time() {
    for (n, size, requests) in [
        (0, 500, 1),
        (1, 500, 1),
        (500, 500, 2),
        (501, 500, 2),
        (1234, 500, 3),
        (1234, 100, 13),
    ] {
        let standin = standin(n).await;
        let client = client(&standin);
        let all = client
            .flex_backup_snapshots(GROUP, FLEX)
            .page_size(size)
            .collect()
            .await
            .unwrap();
        assert_eq!(all.len(), n as usize, "{n} items");
        let mut ids: Vec<_> = all.iter().filter_map(|s| s.id.clone()).collect();
        ids.dedup();
        assert_eq!(ids.len(), n as usize, "no item twice");
        // 500 items: the first page is full, so a second (empty) one is asked for unless
        // totalCount already says there is no more.
        let expected = if n == 500 { 1 } else { requests };
        assert_eq!(
            standin.request_count(),
            expected,
            "{n} items, pages of {size}"
        );
        let serverless = client
            .serverless_backup_snapshots(GROUP, SERVERLESS)
            .page_size(size);
        let pages: Vec<_> = serverless.pages().try_collect().await.unwrap();
        assert_eq!(
            pages.iter().map(|p| p.items.len()).sum::<usize>(),
            n as usize
        );
    }
}

#[tokio::test]
async fn pagination_stops_on_a_short_page_without_total_count() {
    let standin = standin(7).await;
    let client = client(&standin);
    let pages: Vec<_> = client
        .flex_backup_snapshots(GROUP, FLEX)
        .page_size(3)
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        pages.iter().map(|p| p.items.len()).collect::<Vec<_>>(),
        [3, 3, 1]
    );
    assert_eq!(pages[2].page_num, 3);
    assert_eq!(standin.request_count(), 3);
}

#[tokio::test]
async fn https_is_real_tls_a_plain_server_fails_the_handshake() {
    let standin = standin(1).await;
    let url = standin.base_url().replace("http://", "https://");
    let client = atlas_snapshots::Client::builder()
        .base_url(url)
        .credentials(atlas_snapshots::Credentials::bearer(TOKEN))
        .retry(atlas_snapshots::RetryPolicy::disabled())
        .build()
        .unwrap();
    let err = client
        .get_flex_backup_snapshot(GROUP, FLEX, &flex_id(0))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(
        standin.request_count(),
        0,
        "no HTTP request was parsed from a TLS hello"
    );
}
