//! The retry decision on the wire: `drive` sends a hand-made request (a POST with a
//! body, or a GET) to a raw loopback server that reads each whole request, records it,
//! and then answers, resets, truncates or hangs. What the server recorded is what
//! reached it, so "retried" and "sent once" are counted, not inferred.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

use reqwest::Method;

use super::*;
use crate::{Client, Credentials, RetryPolicy, Timeouts};

/// What the server does once it has read the `n`-th request (0-based).
#[derive(Clone, Copy)]
enum Act {
    /// Send this whole response head (the body is `{}`) and close.
    Answer(&'static str),
    /// Close with a TCP reset.
    Reset,
    /// Announce 100 body bytes, send 2, close.
    Truncate,
    /// Keep the connection open without answering.
    Hang,
}

const CREATED: &str = "HTTP/1.1 201 Created\r\ncontent-type: application/json";
const RATE_LIMITED: &str = "HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/json";
const UNAVAILABLE: &str = "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json";
const UNAVAILABLE_RETRY_AFTER: &str =
    "HTTP/1.1 503 Service Unavailable\r\nretry-after: 0\r\ncontent-type: application/json";
const DIGEST_CHALLENGE: &str = "HTTP/1.1 401 Unauthorized\r\nwww-authenticate: Digest realm=\"MMS Public API\", domain=\"\", nonce=\"n0nce\", algorithm=MD5, qop=\"auth\", stale=false";

/// One request as the server read it.
struct Received {
    head: String,
    body: Vec<u8>,
}

struct RawServer {
    url: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl RawServer {
    async fn start(act: impl Fn(usize) -> Act + Send + Sync + 'static) -> Self {
        let act: Arc<dyn Fn(usize) -> Act + Send + Sync> = Arc::new(act);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&received);
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let (log, act) = (Arc::clone(&log), Arc::clone(&act));
                tokio::spawn(async move { serve(socket, log, &*act).await });
            }
        });
        RawServer { url, received }
    }

    fn count(&self) -> usize {
        self.received.lock().unwrap().len()
    }
}

/// Reads one whole request (head, then `Content-Length` bytes of body), records it,
/// and acts.
async fn serve(
    mut socket: TcpStream,
    log: Arc<Mutex<Vec<Received>>>,
    act: &(dyn Fn(usize) -> Act + Send + Sync),
) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let length = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    while buf.len() < head_end + length {
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let body = buf[head_end..head_end + length].to_vec();
    let n = {
        let mut log = log.lock().unwrap();
        log.push(Received { head, body });
        log.len() - 1
    };
    match act(n) {
        Act::Answer(head) => {
            let response = format!("{head}\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{{}}");
            let _ = socket.write_all(response.as_bytes()).await;
        }
        Act::Reset => {
            let _ = socket.set_zero_linger();
        }
        Act::Truncate => {
            let response = format!("{CREATED}\r\ncontent-length: 100\r\n\r\n{{}}");
            let _ = socket.write_all(response.as_bytes()).await;
        }
        Act::Hang => tokio::time::sleep(Duration::from_secs(30)).await,
    }
}

fn quick() -> RetryPolicy {
    RetryPolicy::default()
        .initial_backoff(Duration::from_millis(5))
        .max_backoff(Duration::from_millis(20))
}

fn client(url: &str) -> Client {
    Client::builder()
        .base_url(url)
        .retry(quick())
        .timeouts(Timeouts::default().with_attempt(Some(Duration::from_millis(300))))
        .build()
        .unwrap()
}

const BODY: &str =
    r#"{"snapshotId":"6a1b2c3d4e5f6a7b8c9d0e1f","targetDeploymentItemName":"Flex1"}"#;

/// Sends `method` with a JSON body (for a POST or PATCH) to `url` through `client`'s
/// wire, as the generated methods do.
async fn send(client: &Client, method: Method, url: &str) -> (Result<Answer, Failure>, u32) {
    let raw = client.for_call();
    let mut request = raw.client().request(method.clone(), format!("{url}/x"));
    if !retry::is_idempotent(&method) {
        request = request.header(CONTENT_TYPE, "application/json").body(BODY);
    }
    let request = request.build().unwrap();
    let operation = crate::operations::ALL[0];
    let outcome = drive(raw.client(), raw.inner(), operation, request).await;
    (outcome, raw.inner().call.take().attempts)
}

fn status(outcome: &Result<Answer, Failure>) -> Option<u16> {
    outcome.as_ref().ok().map(|a| a.status.as_u16())
}

fn error(outcome: Result<Answer, Failure>) -> Error {
    match outcome {
        Ok(a) => panic!("answered {}", a.status),
        Err(Failure::Ours(e)) => e,
        Err(Failure::Transport(e)) => Error::transport(e, 0),
    }
}

#[tokio::test]
async fn a_reset_after_a_post_left_is_not_retried_and_says_it_may_have_been_processed() {
    let server = RawServer::start(|_| Act::Reset).await;
    for method in [Method::POST, Method::PATCH] {
        let before = server.count();
        let (outcome, attempts) = send(&client(&server.url), method.clone(), &server.url).await;
        let e = error(outcome);
        assert!(
            matches!(e, Error::Transport { timeout: false, .. }),
            "{e:?}"
        );
        assert_eq!((attempts, e.attempts()), (1, Some(1)), "{method}");
        assert!(
            e.to_string()
                .contains(&format!("the {method} may have been processed")),
            "{e}"
        );
        assert_eq!(server.count() - before, 1, "{method}");
    }
    // The whole body reached the server: the request had left.
    assert_eq!(server.received.lock().unwrap()[0].body, BODY.as_bytes());
}

#[tokio::test]
async fn a_reset_after_a_get_put_or_delete_is_retried_to_the_last_attempt() {
    let server = RawServer::start(|_| Act::Reset).await;
    for method in [Method::GET, Method::PUT, Method::DELETE] {
        let before = server.count();
        let (outcome, attempts) = send(&client(&server.url), method.clone(), &server.url).await;
        let e = error(outcome);
        assert!(matches!(e, Error::Transport { .. }), "{e:?}");
        assert!(!e.to_string().contains("may have been processed"), "{e}");
        assert_eq!(attempts, 4, "{method}");
        assert_eq!(server.count() - before, 4, "{method}");
    }
}

#[tokio::test]
async fn the_idempotent_copy_retries_a_post_after_a_reset() {
    let server = RawServer::start(|n| {
        if n < 2 {
            Act::Reset
        } else {
            Act::Answer(CREATED)
        }
    })
    .await;
    let client = client(&server.url);
    let (outcome, attempts) = send(&client.idempotent(), Method::POST, &server.url).await;
    assert_eq!(status(&outcome), Some(201));
    assert_eq!((attempts, server.count()), (3, 3));
    // Every attempt carried the whole body.
    for r in server.received.lock().unwrap().iter() {
        assert_eq!(r.body, BODY.as_bytes());
    }
    // The original is not marked: the next reset ends its POST.
    let (outcome, attempts) = send(&client, Method::POST, &server.url).await;
    assert_eq!((status(&outcome), attempts), (Some(201), 1));
    let reset = RawServer::start(|_| Act::Reset).await;
    let (_, attempts) = send(&client, Method::POST, &reset.url).await;
    assert_eq!((attempts, reset.count()), (1, 1));
}

#[tokio::test]
async fn a_truncated_answer_or_an_attempt_timeout_ends_a_post_but_not_a_get() {
    for act in [Act::Truncate, Act::Hang] {
        let server = RawServer::start(move |_| act).await;
        let (outcome, attempts) = send(&client(&server.url), Method::POST, &server.url).await;
        let e = error(outcome);
        assert!(matches!(e, Error::Transport { .. }), "{e:?}");
        assert!(e.to_string().contains("may have been processed"), "{e}");
        assert_eq!((attempts, server.count()), (1, 1));

        let (_, attempts) = send(&client(&server.url), Method::GET, &server.url).await;
        assert_eq!((attempts, server.count()), (4, 5));
    }
}

#[tokio::test]
async fn a_post_is_retried_after_a_429_and_creates_once() {
    let server = RawServer::start(|n| {
        if n == 0 {
            Act::Answer(RATE_LIMITED)
        } else {
            Act::Answer(CREATED)
        }
    })
    .await;
    let (outcome, attempts) = send(&client(&server.url), Method::POST, &server.url).await;
    assert_eq!(status(&outcome), Some(201));
    assert_eq!((attempts, server.count()), (2, 2));
}

#[tokio::test]
async fn a_post_is_retried_after_a_503_only_with_retry_after() {
    let with = RawServer::start(|n| {
        if n == 0 {
            Act::Answer(UNAVAILABLE_RETRY_AFTER)
        } else {
            Act::Answer(CREATED)
        }
    })
    .await;
    let (outcome, attempts) = send(&client(&with.url), Method::POST, &with.url).await;
    assert_eq!(status(&outcome), Some(201));
    assert_eq!((attempts, with.count()), (2, 2));

    let without = RawServer::start(|n| {
        if n < 2 {
            Act::Answer(UNAVAILABLE)
        } else {
            Act::Answer(CREATED)
        }
    })
    .await;
    let (outcome, attempts) = send(&client(&without.url), Method::POST, &without.url).await;
    assert_eq!(status(&outcome), Some(503));
    assert_eq!((attempts, without.count()), (1, 1));
    // A GET is retried after the same answer (the second 503 here).
    let (outcome, attempts) = send(&client(&without.url), Method::GET, &without.url).await;
    assert_eq!(status(&outcome), Some(201));
    assert_eq!((attempts, without.count()), (2, 3));
}

#[tokio::test]
async fn other_5xx_end_a_post_at_once() {
    for head in [
        "HTTP/1.1 500 Internal Server Error",
        "HTTP/1.1 502 Bad Gateway",
        "HTTP/1.1 504 Gateway Timeout\r\nretry-after: 0",
    ] {
        let server = RawServer::start(move |_| Act::Answer(head)).await;
        let (outcome, attempts) = send(&client(&server.url), Method::POST, &server.url).await;
        assert_eq!(status(&outcome).map(|s| s / 100), Some(5), "{head}");
        assert_eq!((attempts, server.count()), (1, 1), "{head}");
    }
}

#[tokio::test]
async fn a_refused_connection_is_retried_for_a_post() {
    // A port nobody listens on: bound, then released.
    let url = {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let (outcome, attempts) = send(&client(&url), Method::POST, &url).await;
    let e = error(outcome);
    assert!(matches!(e, Error::Transport { .. }), "{e:?}");
    assert!(!e.to_string().contains("may have been processed"), "{e}");
    assert_eq!(attempts, 4);
}

/// A digest challenge is answered inside the attempt by re-sending the POST with its
/// body: not a retry, so it works with retries disabled.
#[tokio::test]
async fn a_digest_challenge_re_sends_a_post_with_its_body_and_is_not_a_retry() {
    let server = RawServer::start(|n| {
        if n == 0 {
            Act::Answer(DIGEST_CHALLENGE)
        } else {
            Act::Answer(CREATED)
        }
    })
    .await;
    let client = Client::builder()
        .base_url(&server.url)
        .credentials(Credentials::api_key("PUBKEY", "private-key-123"))
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();
    let (outcome, attempts) = send(&client, Method::POST, &server.url).await;
    assert_eq!(status(&outcome), Some(201));
    assert_eq!((attempts, server.count()), (1, 2));
    let received = server.received.lock().unwrap();
    assert!(
        received[0].head.starts_with("POST /x "),
        "{}",
        received[0].head
    );
    assert!(
        received[1]
            .head
            .to_ascii_lowercase()
            .contains("authorization: digest username=\"pubkey\""),
        "{}",
        received[1].head
    );
    for r in received.iter() {
        assert_eq!(r.body, BODY.as_bytes());
    }
}
