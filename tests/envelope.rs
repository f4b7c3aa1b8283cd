//! What an answer means decides its retries and its error: the status inside the
//! envelope, and an Atlas error document inside a success. Against the stand-in, and a
//! fixed-answer server for answers the stand-in never gives.

mod common;

use std::{
    sync::{
        Arc,
        atomic::{AtomicU32, Ordering},
    },
    time::{Duration, Instant},
};

use atlas_snapshots::{Client, Error, PageRequest, RetryPolicy};
use atlas_snapshots_standin::{Fault, sample};
use common::*;
use http::StatusCode;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

/// Generous ceiling for a call whose policy waits at most ~100 ms in all.
const QUICK: Duration = Duration::from_secs(5);

async fn get_one(client: &Client) -> Result<u32, Error> {
    client
        .get_flex_backup_snapshot(GROUP, FLEX, &flex_id(0))
        .await
        .map(|r| r.attempts())
}

fn enveloped(standin: &atlas_snapshots_standin::StandIn) -> Client {
    builder(standin).envelope(true).build().unwrap()
}

/// A server on 127.0.0.1 answering every request with `status` and `body` (one request
/// a connection), and the number of requests it answered. It answers at most 16.
async fn fixed_server(status: u16, body: String) -> (String, Arc<AtomicU32>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let answered = Arc::new(AtomicU32::new(0));
    let count = Arc::clone(&answered);
    tokio::spawn(async move {
        for _ in 0..16 {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let mut head = Vec::new();
            let mut buf = [0u8; 4096];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 64 * 1024 {
                match socket.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => head.extend_from_slice(&buf[..n]),
                }
            }
            count.fetch_add(1, Ordering::SeqCst);
            let answer = format!(
                "HTTP/1.1 {status} Fixed\r\ncontent-type: {}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                atlas_snapshots_standin::FLEX_MEDIA_TYPE,
                body.len()
            );
            let _ = socket.write_all(answer.as_bytes()).await;
            let _ = socket.shutdown().await;
        }
    });
    (url, answered)
}

fn fixed_client(url: String, envelope: bool) -> Client {
    Client::builder()
        .base_url(url)
        .envelope(envelope)
        .deprecation_warnings(false)
        .retry(
            RetryPolicy::default()
                .initial_backoff(Duration::from_millis(5))
                .max_backoff(Duration::from_millis(20)),
        )
        .build()
        .unwrap()
}

// ----- item 10: under the envelope, retries and errors follow the envelope's status -----

#[tokio::test]
async fn an_enveloped_429_is_retried_then_succeeds() {
    let standin = standin(1).await;
    let client = enveloped(&standin);
    standin.set_fault(Fault::rate_limited(None), Some(2));
    let started = Instant::now();
    assert_eq!(get_one(&client).await.unwrap(), 3);
    assert_eq!(standin.request_count(), 3);
    assert!(started.elapsed() < QUICK);
}

#[tokio::test]
async fn an_enveloped_503_is_retried_until_the_policy_gives_up() {
    let standin = standin(1).await;
    let client = enveloped(&standin);
    standin.set_fault(Fault::status(StatusCode::SERVICE_UNAVAILABLE), None);
    let started = Instant::now();
    let err = get_one(&client).await.unwrap_err();
    let failure = err.api_failure().expect("an API error");
    assert_eq!(failure.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(failure.body.error_code, "SERVICE_UNAVAILABLE");
    assert_eq!(failure.attempts, 4);
    assert_eq!(standin.request_count(), 4);
    assert!(started.elapsed() < QUICK);
}

#[tokio::test]
async fn retry_after_in_the_headers_still_applies_under_the_envelope() {
    let standin = standin(1).await;
    let client = enveloped(&standin);
    standin.set_fault(Fault::rate_limited(Some(1)), Some(1));
    let started = Instant::now();
    assert_eq!(get_one(&client).await.unwrap(), 2);
    let took = started.elapsed();
    assert!(took >= Duration::from_secs(1), "{took:?}");
    assert!(took < QUICK, "{took:?}");
}

#[tokio::test]
async fn an_enveloped_error_with_its_own_http_status_reads_the_same() {
    let standin = standin(1).await;
    let client = enveloped(&standin);
    standin.set_envelope_errors_plain(true);
    standin.set_fault(Fault::status(StatusCode::BAD_GATEWAY), Some(1));
    assert_eq!(get_one(&client).await.unwrap(), 2);
    assert_eq!(standin.request_count(), 2);
}

#[tokio::test]
async fn an_enveloped_404_is_an_api_error_and_not_retried() {
    let standin = standin(1).await;
    let client = enveloped(&standin);
    for plain in [false, true] {
        standin.set_envelope_errors_plain(plain);
        let before = standin.request_count();
        let err = client
            .get_flex_backup_snapshot(GROUP, FLEX, "0123456789abcdef01234567")
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Api(_)), "{err:?}");
        assert!(err.is_not_found(), "{err:?}");
        assert_eq!(err.error_code(), Some("RESOURCE_NOT_FOUND"));
        assert_eq!(err.attempts(), Some(1));
        assert_eq!(standin.request_count() - before, 1, "plain status: {plain}");
    }
}

/// A body that is an envelope is read by its status alone: an HTTP 500 around an
/// enveloped 200 is a success on the first attempt, not four attempts and then `Ok`.
#[tokio::test]
async fn an_http_500_around_an_enveloped_200_is_a_success_without_retries() {
    let entity = sample::flex_snapshot(0);
    let body = format!(r#"{{"status":200,"content":{entity}}}"#);
    let (url, answered) = fixed_server(500, body).await;
    let client = fixed_client(url, true);
    let got = tokio::time::timeout(QUICK, get_one(&client)).await.unwrap();
    assert_eq!(got.unwrap(), 1);
    assert_eq!(answered.load(Ordering::SeqCst), 1);
}

/// A body that is not an envelope keeps its HTTP status: a proxy's HTML 502 is retried.
#[tokio::test]
async fn a_plain_error_under_the_envelope_keeps_its_http_status() {
    let standin = standin(1).await;
    let client = enveloped(&standin);
    standin.set_fault(Fault::HtmlBadGateway, Some(1));
    assert_eq!(get_one(&client).await.unwrap(), 2);
    assert_eq!(standin.request_count(), 2);
}

// ----- item 11: a success that carries an Atlas error document is an error -----

#[tokio::test]
async fn a_success_carrying_an_error_document_is_an_api_error() {
    let standin = standin(1).await;
    for client in [client(&standin), enveloped(&standin)] {
        standin.set_fault(Fault::ErrorAsSuccess(StatusCode::NOT_FOUND), None);
        let before = standin.request_count();
        let err = get_one(&client).await.unwrap_err();
        let failure = err.api_failure().expect("an API error");
        assert_eq!(failure.status, StatusCode::NOT_FOUND, "{err:?}");
        assert_eq!(failure.body.error_code, "RESOURCE_NOT_FOUND");
        assert!(failure.body.detail.is_some());
        assert!(!failure.raw.is_empty());
        let err = client
            .list_flex_backup_snapshots(GROUP, FLEX, PageRequest::default())
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(StatusCode::NOT_FOUND), "{err:?}");
        assert_eq!(standin.request_count() - before, 2, "not retried");
    }
}

#[tokio::test]
async fn a_success_carrying_a_retryable_error_document_is_retried() {
    let standin = standin(1).await;
    let client = client(&standin);
    standin.set_fault(
        Fault::ErrorAsSuccess(StatusCode::SERVICE_UNAVAILABLE),
        Some(2),
    );
    assert_eq!(get_one(&client).await.unwrap(), 3);
    standin.set_fault(Fault::ErrorAsSuccess(StatusCode::TOO_MANY_REQUESTS), None);
    let err = get_one(&client).await.unwrap_err();
    assert!(err.is_rate_limited(), "{err:?}");
    assert_eq!(err.attempts(), Some(4));
    assert_eq!(standin.request_count(), 3 + 4);
}

#[tokio::test]
async fn an_error_document_without_an_error_status_keeps_the_http_status() {
    let body = r#"{"detail":"odd","error":0,"errorCode":"ODD_ERROR"}"#.to_owned();
    let (url, answered) = fixed_server(200, body).await;
    let client = fixed_client(url, false);
    let err = tokio::time::timeout(QUICK, get_one(&client))
        .await
        .unwrap()
        .unwrap_err();
    let failure = err.api_failure().expect("an API error");
    assert_eq!(
        (failure.status, failure.body.error_code.as_str()),
        (StatusCode::OK, "ODD_ERROR")
    );
    assert_eq!(answered.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn snapshots_that_mention_an_error_code_still_decode() {
    let standin = standin(0).await;
    let mut nested = sample::flex_snapshot(0);
    nested["lastError"] = serde_json::json!({"error": 500, "errorCode": "X"});
    let mut top_level = sample::flex_snapshot(1);
    top_level["errorCode"] = "NOT_AN_ERROR_DOCUMENT".into();
    standin.seed_flex(GROUP, FLEX, vec![nested, top_level]);
    let client = client(&standin);
    for i in 0..2 {
        let got = client
            .get_flex_backup_snapshot(GROUP, FLEX, &flex_id(i))
            .await
            .unwrap();
        assert_eq!(got.value().id.as_deref(), Some(&*flex_id(i)));
    }
    let page = client
        .list_flex_backup_snapshots(GROUP, FLEX, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(page.value().results.len(), 2);
}
