//! Retries, timeouts and limits against the stand-in's faults: for each, the outcome,
//! the requests the server saw, and that the call ended within a bound derived from
//! the policy. Bounds are loose on purpose: they catch a call that waits for the wrong
//! thing (a 30 s attempt timeout, a 10 s backoff), not a slow machine.

mod common;

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use atlas_snapshots::{Credentials, DEFAULT_MAX_BODY, Error, PageRequest, RetryPolicy, Timeouts};
use atlas_snapshots_standin::{Fault, RateLimitHeaders, StandIn};
use common::*;
use http::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Generous ceiling for a call whose policy waits at most ~100 ms in all (common's
/// backoff is 5 ms doubling to 20 ms, 4 attempts).
const QUICK: Duration = Duration::from_secs(5);

/// Gets one seeded flex snapshot: its attempts on success, the error otherwise.
async fn get_one(client: &atlas_snapshots::Client) -> Result<u32, Error> {
    client
        .get_flex_backup_snapshot(GROUP, FLEX, &flex_id(0))
        .await
        .map(|r| r.attempts())
}

/// Runs `f`, returning its output and how long it took.
async fn timed<F: Future>(f: F) -> (F::Output, Duration) {
    let t = Instant::now();
    let out = f.await;
    (out, t.elapsed())
}

#[tokio::test]
async fn each_retryable_status_once_then_success() {
    let standin = standin(1).await;
    let client = client(&standin);
    for status in [429, 500, 502, 503, 504] {
        let before = standin.request_count();
        standin.set_fault(
            Fault::status(StatusCode::from_u16(status).unwrap()),
            Some(2),
        );
        let (outcome, took) = timed(get_one(&client)).await;
        assert_eq!(outcome.unwrap(), 3, "HTTP {status}");
        assert_eq!(standin.request_count() - before, 3, "HTTP {status}");
        assert!(took < QUICK, "HTTP {status}: {took:?}");
    }
}

#[tokio::test]
async fn always_failing_gives_up_after_max_attempts_with_the_last_answer() {
    let standin = standin(1).await;
    standin.set_fault(Fault::status(StatusCode::SERVICE_UNAVAILABLE), None);
    let (outcome, took) = timed(get_one(&client(&standin))).await;
    let err = outcome.unwrap_err();
    assert!(matches!(err, Error::Api(_)), "{err:?}");
    assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(err.error_code(), Some("SERVICE_UNAVAILABLE"));
    assert!(err.is_retryable());
    assert_eq!(err.attempts(), Some(4));
    assert_eq!(standin.request_count(), 4);
    assert!(took < QUICK, "{took:?}");
}

#[tokio::test]
async fn a_disabled_policy_makes_one_attempt() {
    let standin = standin(1).await;
    standin.set_fault(Fault::status(StatusCode::SERVICE_UNAVAILABLE), Some(1));
    let client = builder(&standin)
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();
    let err = get_one(&client).await.unwrap_err();
    assert_eq!(err.attempts(), Some(1));
    assert_eq!(standin.request_count(), 1);
}

#[tokio::test]
async fn other_4xx_are_never_retried() {
    let standin = standin(1).await;
    let client = client(&standin);
    // A real 404 from the routes: an unknown snapshot.
    let err = client
        .get_flex_backup_snapshot(GROUP, FLEX, "0123456789abcdef01234567")
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!((err.attempts(), standin.request_count()), (Some(1), 1));
    assert!(!err.is_retryable());
    for status in [400, 403, 404, 409, 410, 422] {
        let before = standin.request_count();
        standin.set_fault(Fault::status(StatusCode::from_u16(status).unwrap()), None);
        let (outcome, took) = timed(get_one(&client)).await;
        let err = outcome.unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status), "{err:?}");
        assert_eq!(err.attempts(), Some(1), "HTTP {status}");
        assert_eq!(standin.request_count() - before, 1, "HTTP {status}");
        assert!(!err.is_retryable(), "HTTP {status}");
        assert!(took < QUICK);
    }
    // A 401 belongs to authentication: a wrong bearer token is tried once.
    standin.clear_fault();
    let before = standin.request_count();
    let wrong = atlas_snapshots::Client::builder()
        .base_url(standin.base_url())
        .credentials(Credentials::bearer("wrong"))
        .build()
        .unwrap();
    let err = get_one(&wrong).await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED));
    assert_eq!(standin.request_count() - before, 1);
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let standin = standin(1).await;
    standin.set_fault(Fault::rate_limited(Some(1)), Some(1));
    let (outcome, took) = timed(get_one(&client(&standin))).await;
    assert_eq!(outcome.unwrap(), 2);
    assert_eq!(standin.request_count(), 2);
    // The computed backoff is at most 20 ms, so only Retry-After explains a second.
    assert!(took >= Duration::from_millis(950), "{took:?}");
    assert!(took < Duration::from_secs(1) + QUICK, "{took:?}");
}

#[tokio::test]
async fn exhausted_rate_limit_retries_expose_retry_after_and_rate_limit() {
    let standin = standin(1).await;
    standin.set_fault(
        Fault::Status {
            status: StatusCode::TOO_MANY_REQUESTS,
            retry_after: Some(1),
            rate_limit: Some(RateLimitHeaders {
                limit: 100,
                remaining: 0,
            }),
        },
        None,
    );
    let client = builder(&standin)
        .retry(RetryPolicy::default().max_attempts(2))
        .build()
        .unwrap();
    let (outcome, took) = timed(get_one(&client)).await;
    let err = outcome.unwrap_err();
    assert!(err.is_rate_limited(), "{err:?}");
    assert_eq!(err.error_code(), Some("RATE_LIMITED"));
    assert!(err.is_retryable());
    assert_eq!(err.attempts(), Some(2));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(1)));
    let rate_limit = err.rate_limit().expect("rate-limit headers");
    assert_eq!(
        (rate_limit.limit, rate_limit.remaining),
        (Some(100), Some(0))
    );
    assert_eq!(standin.request_count(), 2);
    assert!(took >= Duration::from_millis(950), "{took:?}");
    assert!(took < Duration::from_secs(1) + QUICK, "{took:?}");
}

#[tokio::test]
async fn a_retry_after_beyond_the_cap_or_the_total_timeout_returns_the_429_at_once() {
    let standin = standin(1).await;
    standin.set_fault(Fault::rate_limited(Some(5)), None);
    // Past the policy's cap on server-requested waits.
    let capped = builder(&standin)
        .retry(RetryPolicy::default().max_retry_after(Duration::from_secs(2)))
        .build()
        .unwrap();
    // Within the cap, but the wait would outlast the whole call's timeout.
    let hurried = builder(&standin)
        .timeout(Duration::from_secs(3))
        .build()
        .unwrap();
    for client in [capped, hurried] {
        let before = standin.request_count();
        let (outcome, took) = timed(get_one(&client)).await;
        let err = outcome.unwrap_err();
        assert!(err.is_rate_limited() && !err.is_timeout(), "{err:?}");
        assert_eq!(err.retry_after(), Some(Duration::from_secs(5)));
        assert_eq!(err.attempts(), Some(1));
        assert_eq!(standin.request_count() - before, 1);
        assert!(took < Duration::from_secs(2), "{took:?}");
    }
}

#[tokio::test]
async fn the_total_timeout_ends_a_delayed_call() {
    let standin = standin(1).await;
    standin.set_fault(Fault::Delay(Duration::from_secs(20)), None);
    let total = Duration::from_millis(400);
    let client = builder(&standin).timeout(total).build().unwrap();
    let (outcome, took) = timed(get_one(&client)).await;
    let err = outcome.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(err.attempts(), Some(1));
    assert_eq!(standin.request_count(), 1);
    assert!(took >= total, "{took:?}");
    assert!(took < total + QUICK, "{took:?}");
}

#[tokio::test]
async fn an_attempt_timeout_is_retried_and_a_later_attempt_succeeds() {
    let standin = standin(1).await;
    standin.set_fault(Fault::Delay(Duration::from_secs(20)), Some(1));
    let attempt = Duration::from_millis(300);
    let client = builder(&standin)
        .timeouts(Timeouts::default().with_attempt(Some(attempt)))
        .build()
        .unwrap();
    let (outcome, took) = timed(get_one(&client)).await;
    assert_eq!(outcome.unwrap(), 2);
    assert_eq!(standin.request_count(), 2);
    assert!(took >= attempt, "{took:?}");
    assert!(took < attempt + QUICK, "{took:?}");

    // Every attempt timing out ends as a timeout after all of them.
    standin.set_fault(Fault::Delay(Duration::from_secs(20)), None);
    let before = standin.request_count();
    let (outcome, took) = timed(get_one(&client)).await;
    let err = outcome.unwrap_err();
    assert!(err.is_timeout() && err.is_retryable(), "{err:?}");
    assert_eq!(err.attempts(), Some(4));
    assert_eq!(standin.request_count() - before, 4);
    assert!(took < attempt * 4 + QUICK, "{took:?}");
}

/// A truncated body and a reset connection are transport failures of a GET: retried.
#[tokio::test]
async fn truncated_bodies_are_retried_then_reported_as_transport_errors() {
    let standin = standin(1).await;
    let client = client(&standin);
    standin.set_fault(Fault::TruncatedBody, Some(1));
    let (outcome, took) = timed(get_one(&client)).await;
    assert_eq!(outcome.unwrap(), 2);
    assert_eq!(standin.request_count(), 2);
    assert!(took < QUICK);

    standin.set_fault(Fault::TruncatedBody, None);
    let (outcome, took) = timed(get_one(&client)).await;
    let err = outcome.unwrap_err();
    assert!(
        matches!(err, Error::Transport { timeout: false, .. }),
        "{err:?}"
    );
    assert_eq!(err.attempts(), Some(4));
    assert_eq!(standin.request_count(), 6);
    assert!(took < QUICK);
}

#[tokio::test]
async fn connection_resets_are_retried_then_reported_as_transport_errors() {
    let standin = standin(1).await;
    let client = client(&standin);
    standin.set_fault(Fault::ConnectionReset, Some(2));
    let (outcome, took) = timed(get_one(&client)).await;
    assert_eq!(outcome.unwrap(), 3);
    assert_eq!(standin.request_count(), 3);
    assert!(took < QUICK);

    standin.set_fault(Fault::ConnectionReset, None);
    let (outcome, took) = timed(get_one(&client)).await;
    let err = outcome.unwrap_err();
    assert!(
        matches!(err, Error::Transport { timeout: false, .. }),
        "{err:?}"
    );
    assert!(err.is_retryable());
    assert_eq!(err.attempts(), Some(4));
    assert_eq!(standin.request_count(), 7);
    assert!(took < QUICK);
}

#[tokio::test]
async fn an_html_502_is_retried_then_reported_as_a_decode_error() {
    let standin = standin(1).await;
    let client = client(&standin);
    standin.set_fault(Fault::HtmlBadGateway, Some(1));
    assert_eq!(get_one(&client).await.unwrap(), 2);
    assert_eq!(standin.request_count(), 2);

    standin.set_fault(Fault::HtmlBadGateway, None);
    let (outcome, took) = timed(get_one(&client)).await;
    let err = outcome.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert_eq!(err.status(), Some(StatusCode::BAD_GATEWAY));
    assert!(err.is_retryable());
    assert_eq!(err.attempts(), Some(4));
    assert_eq!(standin.request_count(), 6);
    assert!(took < QUICK);
}

/// JSON under the wrong label is still the answer: it is decoded, not retried.
#[tokio::test]
async fn a_wrong_content_type_with_a_json_body_is_accepted_once() {
    let standin = standin(1).await;
    standin.set_fault(Fault::WrongContentType, None);
    let got = client(&standin)
        .get_flex_backup_snapshot(GROUP, FLEX, &flex_id(0))
        .await
        .unwrap();
    assert_eq!(got.value().id.as_deref(), Some(flex_id(0).as_str()));
    assert_eq!(got.headers()["content-type"], "text/plain");
    assert_eq!((got.attempts(), standin.request_count()), (1, 1));
}

#[tokio::test]
async fn malformed_json_is_a_decode_error_and_not_retried() {
    let standin = standin(1).await;
    standin.set_fault(Fault::MalformedJson, None);
    let (outcome, took) =
        timed(client(&standin).list_flex_backup_snapshots(GROUP, FLEX, PageRequest::default()))
            .await;
    let err = outcome.unwrap_err();
    match &err {
        Error::Decode {
            status,
            body_prefix,
            ..
        } => {
            assert_eq!(*status, StatusCode::OK);
            assert!(body_prefix.starts_with(b"{\"links\""), "{body_prefix:?}");
        }
        other => panic!("{other:?}"),
    }
    assert!(!err.is_retryable());
    assert_eq!(err.attempts(), Some(1));
    assert_eq!(standin.request_count(), 1);
    assert!(took < QUICK);
}

#[tokio::test]
async fn a_huge_body_is_refused_at_the_default_cap_and_not_retried() {
    let standin = standin(1).await;
    standin.set_fault(
        Fault::HugeBody {
            bytes: DEFAULT_MAX_BODY as u64 + 1,
        },
        None,
    );
    let (outcome, took) =
        timed(client(&standin).list_flex_backup_snapshots(GROUP, FLEX, PageRequest::default()))
            .await;
    let err = outcome.unwrap_err();
    assert!(
        matches!(err, Error::BodyTooLarge { limit } if limit == DEFAULT_MAX_BODY),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    assert!(err.to_string().contains("16777216-byte limit"), "{err}");
    assert_eq!(standin.request_count(), 1);
    assert!(took < QUICK, "{took:?}");
}

#[tokio::test]
async fn max_body_bytes_caps_an_ordinary_answer() {
    let standin = standin(20).await;
    let small = builder(&standin).max_body_bytes(1024).build().unwrap();
    let err = small
        .list_flex_backup_snapshots(GROUP, FLEX, PageRequest::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::BodyTooLarge { limit: 1024 }),
        "{err:?}"
    );
    assert_eq!(standin.request_count(), 1);
    // The same page fits under the default.
    let page = client(&standin)
        .list_flex_backup_snapshots(GROUP, FLEX, PageRequest::default())
        .await
        .unwrap();
    assert!(page.body().len() > 1024);
}

/// The cap also holds for a body without `Content-Length` (chunked), counted as it
/// streams in: a raw server that never stops sending.
#[tokio::test]
async fn the_cap_holds_for_a_chunked_body_without_a_length() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let sent = Arc::new(Mutex::new(0usize));
    let counter = Arc::clone(&sent);
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 4096];
        let _ = socket.read(&mut buf).await;
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/vnd.atlas.2024-11-13+json\r\ntransfer-encoding: chunked\r\n\r\n";
        socket.write_all(head.as_bytes()).await.unwrap();
        let chunk = format!("{:x}\r\n{}\r\n", 4096, " ".repeat(4096));
        // Stops by itself after 64 MiB should the client never hang up.
        for _ in 0..16 * 1024 {
            if socket.write_all(chunk.as_bytes()).await.is_err() {
                break;
            }
            *counter.lock().unwrap() += 4096;
        }
    });
    let client = atlas_snapshots::Client::builder()
        .base_url(format!("http://{addr}"))
        .max_body_bytes(64 * 1024)
        .build()
        .unwrap();
    let (outcome, took) = timed(get_one(&client)).await;
    let err = outcome.unwrap_err();
    assert!(
        matches!(err, Error::BodyTooLarge { limit: 65536 }),
        "{err:?}"
    );
    assert!(took < QUICK);
    // The client hung up near the cap instead of reading everything.
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(*sent.lock().unwrap() < 32 * 1024 * 1024);
}

#[tokio::test]
async fn retries_compose_with_digest() {
    let standin = StandIn::builder()
        .digest("PUBKEY", "private-key-123")
        .start()
        .await
        .unwrap();
    seed(&standin, 1);
    let client = builder(&standin)
        .credentials(Credentials::api_key("PUBKEY", "private-key-123"))
        .build()
        .unwrap();
    standin.set_fault(Fault::status(StatusCode::SERVICE_UNAVAILABLE), Some(1));
    let (outcome, took) = timed(get_one(&client)).await;
    // Unsigned try → challenge 401 → signed try → 503 → signed retry with the kept nonce.
    assert_eq!(outcome.unwrap(), 2);
    assert_eq!(standin.request_count(), 3);
    assert_eq!(standin.unauthorized_count(), 1);
    assert!(took < QUICK);
    let seen = standin.requests();
    assert!(
        seen[1]
            .header("authorization")
            .unwrap()
            .starts_with("Digest ")
    );
    assert!(
        seen[2]
            .header("authorization")
            .unwrap()
            .starts_with("Digest ")
    );
}

#[tokio::test]
async fn retries_compose_with_oauth() {
    let standin = StandIn::builder()
        .service_account("mdb_sa_id_test", "mdb_sa_sk_test")
        .start()
        .await
        .unwrap();
    seed(&standin, 1);
    let client = builder(&standin)
        .credentials(Credentials::service_account(
            "mdb_sa_id_test",
            "mdb_sa_sk_test",
        ))
        .build()
        .unwrap();
    standin.set_fault(Fault::status(StatusCode::BAD_GATEWAY), Some(2));
    let (outcome, took) = timed(get_one(&client)).await;
    assert_eq!(outcome.unwrap(), 3);
    // One token, three API requests, and no 401 along the way.
    assert_eq!(standin.token_requests(), 1);
    assert_eq!(standin.request_count(), 4);
    assert_eq!(standin.unauthorized_count(), 0);
    assert!(took < QUICK);
}

/// A rate-limited token endpoint is retried after its Retry-After like any 429.
#[tokio::test]
async fn a_rate_limited_token_endpoint_is_retried() {
    let standin = Arc::new(
        StandIn::builder()
            .service_account("mdb_sa_id_test", "mdb_sa_sk_test")
            .start()
            .await
            .unwrap(),
    );
    seed(&standin, 1);
    let client = builder(&standin)
        .credentials(Credentials::service_account(
            "mdb_sa_id_test",
            "mdb_sa_sk_test",
        ))
        .build()
        .unwrap();
    standin.set_token_rate_limited(true);
    let lift = Arc::clone(&standin);
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        lift.set_token_rate_limited(false);
    });
    let (outcome, took) = timed(get_one(&client)).await;
    assert_eq!(outcome.unwrap(), 2);
    assert_eq!(standin.token_requests(), 2);
    assert!(took >= Duration::from_millis(950), "{took:?}");
    assert!(took < Duration::from_secs(1) + QUICK, "{took:?}");

    // Still limited when retries run out: the Auth error keeps the server's word.
    standin.set_token_rate_limited(true);
    let client = builder(&standin)
        .credentials(Credentials::service_account(
            "mdb_sa_id_test",
            "mdb_sa_sk_test",
        ))
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();
    let err = get_one(&client).await.unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    assert!(err.is_retryable());
    assert_eq!(err.retry_after(), Some(Duration::from_secs(1)));
}

// ----- tracing -----

/// Everything logged at TRACE, by this crate and the HTTP stack under it, during calls
/// with each kind of credential, succeeding and failing: no secret, no token and no
/// `Authorization` value, and the call's span and attempt events say what ran.
#[tokio::test]
async fn traces_carry_operation_and_attempt_but_no_secret() {
    const PRIVATE_KEY: &str = "digest-private-key-c0ffee";
    const CLIENT_SECRET: &str = "mdb_sa_sk_s3cr3t-value";
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(captured.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    // Bearer: retried 503s, then a wrong token.
    let bearer = standin(1).await;
    bearer.set_fault(Fault::status(StatusCode::SERVICE_UNAVAILABLE), Some(1));
    get_one(&client(&bearer)).await.unwrap();
    client(&bearer)
        .list_flex_backup_snapshots(GROUP, FLEX, PageRequest::default())
        .await
        .unwrap();
    bearer.set_fault(Fault::ConnectionReset, Some(1));
    get_one(&client(&bearer)).await.unwrap();
    bearer.set_fault(Fault::MalformedJson, Some(1));
    get_one(&client(&bearer)).await.unwrap_err();
    let wrong = atlas_snapshots::Client::builder()
        .base_url(bearer.base_url())
        .credentials(Credentials::bearer("wrong-bearer-token-5ecret"))
        .build()
        .unwrap();
    get_one(&wrong).await.unwrap_err();

    // Digest: the right key with a retried 502, then a wrong private key.
    let digest = StandIn::builder()
        .digest("PUBKEY", PRIVATE_KEY)
        .start()
        .await
        .unwrap();
    seed(&digest, 1);
    let signed = builder(&digest)
        .credentials(Credentials::api_key("PUBKEY", PRIVATE_KEY))
        .build()
        .unwrap();
    digest.set_fault(Fault::status(StatusCode::BAD_GATEWAY), Some(1));
    get_one(&signed).await.unwrap();
    let wrong_key = builder(&digest)
        .credentials(Credentials::api_key("PUBKEY", "wrong-private-key-5ecret"))
        .build()
        .unwrap();
    get_one(&wrong_key).await.unwrap_err();

    // OAuth: a retried 500, a wrong secret, and a rate-limited token endpoint.
    let oauth = StandIn::builder()
        .service_account("mdb_sa_id_x", CLIENT_SECRET)
        .start()
        .await
        .unwrap();
    seed(&oauth, 1);
    oauth.set_fault(Fault::status(StatusCode::INTERNAL_SERVER_ERROR), Some(1));
    let sa = builder(&oauth)
        .credentials(Credentials::service_account("mdb_sa_id_x", CLIENT_SECRET))
        .build()
        .unwrap();
    get_one(&sa).await.unwrap();
    let wrong_secret = builder(&oauth)
        .credentials(Credentials::service_account(
            "mdb_sa_id_x",
            "mdb_sa_sk_wrong-5ecret",
        ))
        .build()
        .unwrap();
    get_one(&wrong_secret).await.unwrap_err();
    oauth.set_token_rate_limited(true);
    let limited = builder(&oauth)
        .credentials(Credentials::service_account("mdb_sa_id_x", CLIENT_SECRET))
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();
    get_one(&limited).await.unwrap_err();

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let mut secrets: Vec<String> = [
        TOKEN,
        "wrong-bearer-token-5ecret",
        PRIVATE_KEY,
        "wrong-private-key-5ecret",
        CLIENT_SECRET,
        "mdb_sa_sk_wrong-5ecret",
    ]
    .map(str::to_owned)
    .into();
    // Every Authorization value that went out (digest responses, Basic pairs, access
    // tokens), without its scheme word.
    for standin in [&bearer, &digest, &oauth] {
        for request in standin.requests() {
            if let Some(value) = request.header("authorization") {
                let credential = value.split_once(' ').map_or(value, |(_, c)| c);
                secrets.push(credential.to_owned());
                if let Some(response) = credential.split("response=\"").nth(1) {
                    secrets.push(response.split('"').next().unwrap().to_owned());
                }
            }
        }
    }
    assert!(secrets.len() > 10, "{secrets:?}");
    for secret in &secrets {
        assert!(!log.contains(secret.as_str()), "{secret:?} is in the log");
    }
    for operation in ["getFlexBackupSnapshot", "listFlexBackupSnapshots"] {
        assert!(
            log.contains(&format!("atlas.call{{operation=\"{operation}\"")),
            "{log}"
        );
    }
    let attempts = log
        .lines()
        .filter(|l| l.contains("attempt") && l.contains("operation=\"getFlexBackupSnapshot\""));
    assert!(attempts.clone().any(|l| l.contains("attempt=2")), "{log}");
    assert!(
        log.lines()
            .any(|l| l.contains("close") && l.contains("attempts=2") && l.contains("duration_ms=")),
        "{log}"
    );
    assert!(log.contains("status=503"), "{log}");
}
