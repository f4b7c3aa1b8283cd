//! Properties over arbitrary input: path parameters are sent verbatim or refused before
//! sending, any response body decodes or fails as `Error::Decode` (never a panic), and
//! the pure header parsers never panic and read what they promise.
//!
//! One runtime and one server per test serve all of its cases; case counts are modest
//! so the suite stays quick.
#![allow(deprecated)] // the serverless operations are deprecated; calling them is the point

mod common;

use std::sync::{Arc, Mutex, OnceLock};

use atlas_snapshots::{
    Client, Deprecation, Error, LifecycleHeaders, PageRequest, RateLimit,
    types::{
        ApiError, FlexBackupSnapshot, FlexBackupSnapshotPage, ServerlessBackupSnapshot,
        ServerlessBackupSnapshotPage,
    },
};
use atlas_snapshots_standin::{FLEX_MEDIA_TYPE, SERVERLESS_MEDIA_TYPE, StandIn, sample};
use chrono::DateTime;
use common::*;
use proptest::prelude::*;
use reqwest::header::{HeaderMap, HeaderValue};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    runtime::Runtime,
};

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

// ----- path parameters -----

/// The spec's patterns, written out by hand so they do not share the client's regexes.
fn is_hex24(s: &str) -> bool {
    s.len() == 24 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn is_cluster_name(s: &str) -> bool {
    let mut bytes = s.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphanumeric())
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn hex24() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-f0-9]{24}",
        1 => "[a-fA-F0-9]{23,25}",
        1 => any::<String>(),
        1 => prop::sample::select(vec!["", "..", "%2e%2e", "0123456789abcdef0123456\n"])
            .prop_map(str::to_owned),
    ]
}

fn cluster_name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-zA-Z0-9][a-zA-Z0-9-]{0,40}",
        1 => "[a-zA-Z0-9./%?#-]{0,12}",
        1 => any::<String>(),
        1 => prop::sample::select(vec!["", ".", "..", "-x", "a/b", "a%2Fb", "a?b", "a#b", "Flex0\n"])
            .prop_map(str::to_owned),
    ]
}

struct Paths {
    rt: Runtime,
    standin: StandIn,
    client: Client,
}

fn paths() -> &'static Paths {
    static PATHS: OnceLock<Paths> = OnceLock::new();
    PATHS.get_or_init(|| {
        let rt = runtime();
        let standin = rt.block_on(standin(2));
        let client = builder(&standin).build().expect("client");
        Paths {
            rt,
            standin,
            client,
        }
    })
}

/// Calls operation `op` with the three values; what it returned, as a variant name.
async fn call_op(client: &Client, op: u8, g: &str, c: &str, s: &str) -> Result<(), Error> {
    let page = PageRequest::default();
    match op {
        0 => client
            .get_serverless_backup_snapshot(g, c, s)
            .await
            .map(drop),
        1 => client
            .list_serverless_backup_snapshots(g, c, page)
            .await
            .map(drop),
        2 => client.get_flex_backup_snapshot(g, c, s).await.map(drop),
        _ => client
            .list_flex_backup_snapshots(g, c, page)
            .await
            .map(drop),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn path_parameters_are_sent_verbatim_or_refused_before_sending(
        op in 0u8..4,
        group in hex24(),
        cluster in cluster_name(),
        snapshot in hex24(),
    ) {
        let w = paths();
        // Serialised: the checks below count this case's requests on a shared server.
        static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
        let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
        let takes_snapshot = op % 2 == 0;
        let first_invalid = if !is_hex24(&group) {
            Some("group_id")
        } else if !is_cluster_name(&cluster) {
            Some("cluster_name")
        } else if takes_snapshot && !is_hex24(&snapshot) {
            Some("snapshot_id")
        } else {
            None
        };
        let before = w.standin.request_count();
        let outcome = w.rt.block_on(call_op(&w.client, op, &group, &cluster, &snapshot));
        let sent = w.standin.request_count() - before;
        match first_invalid {
            Some(name) => {
                prop_assert_eq!(sent, 0);
                match outcome {
                    Err(Error::InvalidArgument { parameter, .. }) => prop_assert_eq!(parameter, name),
                    other => prop_assert!(false, "expected InvalidArgument for {}: {:?}", name, other),
                }
            }
            None => {
                prop_assert_eq!(sent, 1);
                prop_assert!(
                    matches!(outcome, Ok(()) | Err(Error::Api(_))),
                    "{:?}", outcome
                );
                let last = w.standin.requests().pop().expect("recorded");
                let segments: Vec<&str> = last.path.split('/').collect();
                prop_assert_eq!(segments[5], group.as_str());
                prop_assert_eq!(segments[7], cluster.as_str());
                if takes_snapshot {
                    prop_assert_eq!(segments.len(), 11);
                    prop_assert_eq!(segments[10], snapshot.as_str());
                } else {
                    prop_assert_eq!(segments.len(), 10);
                }
            }
        }
    }
}

// ----- response bodies -----

/// A raw HTTP/1.1 server that answers every request `200 OK` with the operation's media
/// type and whatever body the current case set.
struct Bodies {
    rt: Runtime,
    body: Arc<Mutex<Vec<u8>>>,
    plain: Client,
    enveloped: Client,
}

fn bodies() -> &'static Bodies {
    static BODIES: OnceLock<Bodies> = OnceLock::new();
    BODIES.get_or_init(|| {
        let rt = runtime();
        let body = Arc::new(Mutex::new(Vec::new()));
        let served = Arc::clone(&body);
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        rt.spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else {
                    continue;
                };
                let body = served.lock().unwrap().clone();
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut buf = [0u8; 2048];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match socket.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    let media = if head.windows(12).any(|w| w == b"flexClusters") {
                        FLEX_MEDIA_TYPE
                    } else {
                        SERVERLESS_MEDIA_TYPE
                    };
                    let mut answer = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: {media}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                        body.len()
                    )
                    .into_bytes();
                    answer.extend_from_slice(&body);
                    let _ = socket.write_all(&answer).await;
                    let _ = socket.shutdown().await;
                });
            }
        });
        let make = |envelope| {
            Client::builder()
                .base_url(format!("http://{addr}"))
                .deprecation_warnings(false)
                .retry(atlas_snapshots::RetryPolicy::disabled())
                .envelope(envelope)
                .build()
                .expect("client")
        };
        Bodies {
            rt,
            body,
            plain: make(false),
            enveloped: make(true),
        }
    })
}

/// Real answers to start mutating from: an entity, a page, an error, an envelope.
fn templates() -> Vec<Vec<u8>> {
    let page = |results: Vec<serde_json::Value>| serde_json::json!({"links": [], "results": results, "totalCount": results.len()});
    [
        sample::flex_snapshot(0),
        sample::serverless_snapshot(3),
        page((0..3).map(sample::flex_snapshot).collect()),
        page((0..3).map(sample::serverless_snapshot).collect()),
        serde_json::json!({"detail": "x", "error": 404, "errorCode": "RESOURCE_NOT_FOUND", "parameters": ["a", 1], "reason": "Not Found"}),
        serde_json::json!({"status": 200, "content": sample::flex_snapshot(1)}),
        serde_json::json!({"status": 404, "content": {"error": 404, "errorCode": "RESOURCE_NOT_FOUND"}}),
    ]
    .iter()
    .map(|v| serde_json::to_vec(v).unwrap())
    .collect()
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    let templates = templates();
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..256),
        (
            prop::sample::select(templates),
            any::<prop::sample::Index>(),
            prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..3),
            any::<bool>(),
        )
            .prop_map(|(mut t, cut, flips, truncate)| {
                for (at, byte) in flips {
                    let i = at.index(t.len());
                    t[i] = byte;
                }
                if truncate {
                    t.truncate(cut.index(t.len() + 1));
                }
                t
            }),
    ]
}

/// What decoding `bytes` as `T` directly says.
fn decodes<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> bool {
    serde_json::from_slice::<T>(bytes).is_ok()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn any_response_body_decodes_or_is_a_decode_error(bytes in body()) {
        let w = bodies();
        static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
        let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
        *w.body.lock().unwrap() = bytes.clone();
        let expect = [
            decodes::<ServerlessBackupSnapshot>(&bytes),
            decodes::<ServerlessBackupSnapshotPage>(&bytes),
            decodes::<FlexBackupSnapshot>(&bytes),
            decodes::<FlexBackupSnapshotPage>(&bytes),
        ];
        // A success that is an Atlas error document is that error, whatever else it fits.
        let error_document = bytes.windows(11).any(|w| w == br#""errorCode""#)
            && decodes::<ApiError>(&bytes);
        let (g, c, s) = (GROUP, FLEX, flex_id(0));
        for op in 0..4u8 {
            // Without the envelope the client decodes exactly as serde would.
            let plain = w.rt.block_on(call_op(&w.plain, op, g, c, &s));
            match &plain {
                Err(Error::Api(_) | Error::VersionGone { .. }) => {
                    prop_assert!(error_document, "op {}: {:?}", op, plain)
                }
                _ if error_document => prop_assert!(false, "op {} missed an error document: {:?}", op, plain),
                Ok(()) => prop_assert!(expect[op as usize], "op {} accepted what serde refuses", op),
                Err(Error::Decode { status, body_prefix, .. }) => {
                    prop_assert!(!expect[op as usize], "op {} refused what serde accepts", op);
                    prop_assert_eq!(status.as_u16(), 200);
                    prop_assert!(bytes.starts_with(body_prefix));
                    prop_assert!(body_prefix.len() <= 256);
                }
                Err(other) => prop_assert!(false, "op {}: {:?}", op, other),
            }
            // With it, an answer may also unwrap into an Atlas error.
            let enveloped = w.rt.block_on(call_op(&w.enveloped, op, g, c, &s));
            prop_assert!(
                matches!(
                    enveloped,
                    Ok(()) | Err(Error::Decode { .. } | Error::Api(_) | Error::VersionGone { .. })
                ),
                "op {} enveloped: {:?}", op, enveloped
            );
        }
    }
}

// ----- header readers -----

fn header_map(name: &'static str, bytes: &[u8]) -> Option<HeaderMap> {
    let value = HeaderValue::from_bytes(bytes).ok()?;
    let mut h = HeaderMap::new();
    h.insert(name, value);
    Some(h)
}

/// Seconds from 0001-01-01 to 9999-12-31: the years an HTTP-date can spell.
const YEARS_1_TO_9999: std::ops::Range<i64> = -62_135_596_800..253_402_300_800;

// The parsers behind these readers are crate-private; their own properties are unit
// tests in src/ext/lifecycle.rs and src/ext/retry.rs.
proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn header_readers_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        for name in ["ratelimit-limit", "ratelimit-remaining", "deprecation", "sunset"] {
            if let Some(h) = header_map(name, &bytes) {
                let _ = RateLimit::from_headers(&h);
                let _ = LifecycleHeaders::from_headers(&h);
            }
        }
    }

    #[test]
    fn lifecycle_headers_read_epochs_and_http_dates_back_exactly(secs in YEARS_1_TO_9999) {
        let t = DateTime::from_timestamp(secs, 0).unwrap();
        let imf_fixdate = t.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        let mut h = header_map("deprecation", format!("@{secs}").as_bytes()).unwrap();
        h.insert("sunset", HeaderValue::from_str(&imf_fixdate).unwrap());
        let read = LifecycleHeaders::from_headers(&h);
        prop_assert_eq!(read.deprecation, Some(Deprecation::Since(t)));
        prop_assert_eq!(read.sunset, Some(t));
    }
}
