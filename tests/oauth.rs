//! Service accounts (OAuth 2.0 client credentials), by behaviour: token lifetimes,
//! failures shared and backed off like tokens, token replies checked, revocation within
//! the timeouts, client credentials form-encoded, and clear refusals without secrets.
//! Answers the stand-in must never give come from a tiny HTTP server inside the test.

mod common;

use std::{
    future::Future,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use atlas_snapshots::{Client, ClientBuilder, Credentials, Error, RetryPolicy, Timeouts};
use atlas_snapshots_standin::StandIn;
use base64::Engine as _;
use common::*;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

const CLIENT_ID: &str = "mdb_sa_id_oauth";
const CLIENT_SECRET: &str = "mdb_sa_sk_oauth-5ecret";
const TOKEN_PATH: &str = "/api/oauth/token";
const REVOKE_PATH: &str = "/api/oauth/revoke";

/// Every test's bound on its own run.
async fn bounded<F: Future>(seconds: u64, test: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(seconds), test)
        .await
        .expect("the test finished in time")
}

// ----- a tiny server for answers the stand-in never gives -----

/// What the test server does with one request.
#[derive(Clone)]
enum Reply {
    /// These bytes, then it closes the connection.
    Raw(String),
    /// These bytes after a pause, then it closes.
    Late(Duration, String),
    /// Nothing, holding the connection open for a minute.
    Silent,
    /// Closes the connection without a word.
    Hangup,
    /// This head, then body bytes until the client hangs up (at most 64 MiB).
    Endless(String),
}

/// A whole HTTP/1.1 answer that closes the connection.
fn response(status: &str, content_type: Option<&str>, body: &str) -> String {
    let content_type = content_type
        .map(|t| format!("Content-Type: {t}\r\n"))
        .unwrap_or_default();
    format!(
        "HTTP/1.1 {status}\r\n{content_type}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

fn raw(status: &str, content_type: Option<&str>, body: &str) -> Reply {
    Reply::Raw(response(status, content_type, body))
}

fn json(status: &str, body: &str) -> Reply {
    raw(status, Some("application/json"), body)
}

/// A 200 token reply with these JSON members.
fn token_reply(members: &str) -> Reply {
    json("200 OK", &format!("{{{members}}}"))
}

const GOOD_TOKEN: &str = r#""access_token":"tok-ok","token_type":"Bearer","expires_in":3600"#;

/// An Atlas 404: what every API call to the tiny server gets, once it carries a token.
fn not_found() -> Reply {
    json(
        "404 Not Found",
        r#"{"detail":"No such snapshot.","error":404,"errorCode":"RESOURCE_NOT_FOUND","parameters":[],"reason":"Not Found"}"#,
    )
}

/// The request heads the server saw.
struct Server {
    url: String,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Requests to `path` (the token or revoke path), or to the API when `path` is "".
    fn count(&self, path: &str) -> usize {
        self.heads(path).len()
    }

    fn heads(&self, path: &str) -> Vec<String> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|head| {
                let target = head.split_whitespace().nth(1).unwrap_or("");
                match path {
                    "" => target.starts_with("/api/atlas/"),
                    path => target == path,
                }
            })
            .cloned()
            .collect()
    }
}

/// A server answering the token path with `token`, revoke with `revoke`, and the API
/// with [`not_found`].
async fn serve(token: Reply, revoke: Reply) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let (token, revoke, record) = (token.clone(), revoke.clone(), Arc::clone(&record));
            tokio::spawn(async move {
                let mut socket = socket;
                let Some(head) = read_request(&mut socket).await else {
                    return;
                };
                let target = head.split_whitespace().nth(1).unwrap_or("").to_owned();
                record.lock().unwrap().push(head);
                let reply = match target.as_str() {
                    TOKEN_PATH => token,
                    REVOKE_PATH => revoke,
                    _ => not_found(),
                };
                answer(socket, reply).await;
            });
        }
    });
    Server { url, seen }
}

/// The request's head; its body (small here) is read and dropped, so that closing the
/// connection after the answer cannot reset it.
async fn read_request(socket: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > 64 * 1024 {
            return None;
        }
        let n = socket.read(&mut chunk).await.ok().filter(|n| *n > 0)?;
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let length = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0)
        .min(64 * 1024);
    while buf.len() < head_end + length {
        let n = socket.read(&mut chunk).await.ok().filter(|n| *n > 0)?;
        buf.extend_from_slice(&chunk[..n]);
    }
    Some(head)
}

async fn answer(mut socket: TcpStream, reply: Reply) {
    match reply {
        Reply::Raw(bytes) => {
            let _ = socket.write_all(bytes.as_bytes()).await;
        }
        Reply::Late(pause, bytes) => {
            tokio::time::sleep(pause).await;
            let _ = socket.write_all(bytes.as_bytes()).await;
        }
        Reply::Silent => tokio::time::sleep(Duration::from_secs(60)).await,
        Reply::Hangup => {}
        Reply::Endless(head) => {
            if socket.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let chunk = vec![b' '; 8192];
            for _ in 0..(64 * 1024 * 1024 / chunk.len()) {
                if socket.write_all(&chunk).await.is_err() {
                    return;
                }
            }
        }
    }
    let _ = socket.shutdown().await;
}

/// A service-account client for the tiny server, without retries unless a test adds them.
fn oauth(url: &str) -> ClientBuilder {
    Client::builder()
        .base_url(url)
        .credentials(Credentials::service_account(CLIENT_ID, CLIENT_SECRET))
        .deprecation_warnings(false)
        .retry(RetryPolicy::disabled())
}

async fn get(client: &Client) -> Result<(), Error> {
    client
        .get_flex_backup_snapshot(GROUP, FLEX, &flex_id(0))
        .await
        .map(|_| ())
}

/// The call got past signing in: the token was sent and the API answered.
fn assert_reached_the_api(outcome: &Result<(), Error>, case: &str) {
    match outcome {
        Err(e) if e.is_not_found() && !matches!(e, Error::Auth { .. }) => {}
        other => panic!("{case}: expected the API's 404, got {other:?}"),
    }
}

/// Neither the client secret (as given, form-encoded, or inside the Basic value) nor
/// any of `tokens` is in the error's Display or Debug.
fn assert_no_secret(error: &Error, tokens: &[&str]) {
    let basic =
        base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"));
    let texts = [error.to_string(), format!("{error:?}")];
    for secret in [CLIENT_SECRET, "5ecret", basic.as_str()]
        .iter()
        .chain(tokens)
    {
        for text in &texts {
            assert!(!text.contains(secret), "{secret:?} is in {text:?}");
        }
    }
}

fn auth_message(error: &Error) -> &str {
    match error {
        Error::Auth { message, .. } => message,
        other => panic!("expected Error::Auth, got {other:?}"),
    }
}

// ----- token lifetimes -----

/// Whatever `expires_in` says (1e19 overflowed `Instant` and panicked), the token either
/// works with a clamped lifetime (and is reused by the next call) or the call is an
/// `Error::Auth`; never a panic.
#[tokio::test]
async fn any_expires_in_gives_a_working_token_or_an_auth_error() {
    bounded(60, async {
        let cases = [
            ("10000000000000000000", true),
            ("18446744073709551615", true),
            ("1e20", true),
            ("1.7e308", true),
            ("0", true),
            ("0.25", true),
            ("3600.5", true),
            (r#""3600""#, true),
            ("null", true),
            ("-1", false),
            ("-1e20", false),
            (r#""soon""#, false),
            ("true", false),
            ("{}", false),
        ];
        for (expires_in, works) in cases {
            let server = serve(
                token_reply(&format!(
                    r#""access_token":"tok-ok","token_type":"Bearer","expires_in":{expires_in}"#
                )),
                json("200 OK", ""),
            )
            .await;
            let client = oauth(&server.url).build().unwrap();
            // Spawned, so that a panic comes back as a JoinError with the case named.
            let first = {
                let client = client.clone();
                tokio::spawn(async move { get(&client).await })
                    .await
                    .unwrap_or_else(|e| panic!("expires_in {expires_in}: {e}"))
            };
            if works {
                assert_reached_the_api(&first, expires_in);
                assert_reached_the_api(&get(&client).await, expires_in);
                assert_eq!(server.count(""), 2, "expires_in {expires_in}");
            } else {
                let error = first.unwrap_err();
                assert!(
                    auth_message(&error).contains("expires_in"),
                    "expires_in {expires_in}: {error}"
                );
                assert_eq!(error.status().map(|s| s.as_u16()), Some(200));
                assert_no_secret(&error, &["tok-ok"]);
                assert_eq!(server.count(""), 0, "expires_in {expires_in}");
            }
            assert_eq!(server.count(TOKEN_PATH), 1, "expires_in {expires_in}");
        }
    })
    .await;
}

/// A stand-in with one service account and one snapshot in each cluster.
async fn service_account_standin(id: &str, secret: &str) -> StandIn {
    let standin = StandIn::builder()
        .service_account(id, secret)
        .start()
        .await
        .unwrap();
    seed(&standin, 1);
    standin
}

// ----- failures are shared like tokens -----

/// 1,000 calls waiting on a refused client id make one token request between them, and
/// every one of them gets the refusal.
#[tokio::test]
async fn a_refused_client_is_one_token_request_for_1000_waiting_calls() {
    bounded(60, async {
        let standin = service_account_standin(CLIENT_ID, CLIENT_SECRET).await;
        let client = builder(&standin)
            .credentials(Credentials::service_account(CLIENT_ID, "mdb_sa_sk_wrong"))
            .build()
            .unwrap();
        let calls = (0..1000).map(|_| {
            let client = client.clone();
            tokio::spawn(async move { get(&client).await })
        });
        for outcome in futures::future::join_all(calls).await {
            let error = outcome.unwrap().unwrap_err();
            assert!(auth_message(&error).contains("invalid_client"), "{error}");
            assert_eq!(error.status().map(|s| s.as_u16()), Some(401));
            assert_no_secret(&error, &["mdb_sa_sk_wrong"]);
        }
        assert_eq!(standin.token_requests(), 1);
        assert_eq!(standin.request_count(), 1, "and no API request");
    })
    .await;
}

/// 1,000 calls against a token endpoint answering 503, each retried by the wire layer
/// up to 4 attempts: the failure is shared and backed off, so the endpoint sees at most
/// one request per attempt round (4), not one per call and attempt (4,000).
#[tokio::test]
async fn a_failing_token_endpoint_is_asked_a_bounded_number_of_times() {
    bounded(60, async {
        let body = r#"{"error":"temporarily_unavailable","error_description":"Try later."}"#;
        let server = serve(
            Reply::Late(
                Duration::from_millis(50),
                response("503 Service Unavailable", Some("application/json"), body),
            ),
            json("200 OK", ""),
        )
        .await;
        let client = oauth(&server.url)
            .retry(
                RetryPolicy::default()
                    .max_attempts(4)
                    .initial_backoff(Duration::from_millis(5))
                    .max_backoff(Duration::from_millis(20)),
            )
            .build()
            .unwrap();
        let calls = (0..1000).map(|_| {
            let client = client.clone();
            tokio::spawn(async move { get(&client).await })
        });
        for outcome in futures::future::join_all(calls).await {
            let error = outcome.unwrap().unwrap_err();
            let message = auth_message(&error);
            assert!(
                message.contains("503") && message.contains("temporarily_unavailable: Try later."),
                "{error}"
            );
            assert!(error.is_retryable());
            assert_no_secret(&error, &[]);
        }
        let asked = server.count(TOKEN_PATH);
        assert!((1..=4).contains(&asked), "{asked} token requests");
        assert_eq!(server.count(""), 0);
    })
    .await;
}

/// A connection failure is shared too: every waiting call gets a transport error with
/// the same account of the cause, after one connection.
#[tokio::test]
async fn waiters_share_a_connection_failure() {
    bounded(30, async {
        let server = serve(Reply::Hangup, Reply::Hangup).await;
        let client = oauth(&server.url).build().unwrap();
        let calls = (0..200).map(|_| {
            let client = client.clone();
            tokio::spawn(async move { get(&client).await })
        });
        let messages: Vec<String> = futures::future::join_all(calls)
            .await
            .into_iter()
            .map(|outcome| match outcome.unwrap().unwrap_err() {
                Error::Transport { message, .. } => message,
                other => panic!("expected a transport error, got {other:?}"),
            })
            .collect();
        assert_eq!(server.count(TOKEN_PATH), 1);
        assert!(messages.iter().all(|m| m == &messages[0]), "{messages:?}");
        // The cause, not just reqwest's "error sending request".
        assert!(
            messages[0].starts_with("sending the token request: ")
                && messages[0].matches(": ").count() >= 2,
            "{}",
            messages[0]
        );
    })
    .await;
}

/// Calls one after another against a failing endpoint: each failure in a row doubles
/// the back-off (0.25-0.5 s, 0.5-1 s, 1-2 s, ...), so 2.5 s of calls every 10 ms ask at
/// most 4 times. A fixed back-off of that first size would ask at least 5 times.
#[tokio::test]
async fn repeated_failures_back_off() {
    bounded(30, async {
        let server = serve(
            json(
                "503 Service Unavailable",
                r#"{"error":"temporarily_unavailable"}"#,
            ),
            json("200 OK", ""),
        )
        .await;
        let client = oauth(&server.url).build().unwrap();
        let started = Instant::now();
        let mut calls = 0;
        while started.elapsed() < Duration::from_millis(2500) {
            let error = get(&client).await.unwrap_err();
            assert_eq!(error.status().map(|s| s.as_u16()), Some(503), "{error}");
            assert_eq!(error.retry_after(), None, "the server sent no Retry-After");
            calls += 1;
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let asked = server.count(TOKEN_PATH);
        assert!(calls > 50, "{calls} calls");
        assert!((2..=4).contains(&asked), "{asked} token requests in 2.5 s");
    })
    .await;
}

/// The endpoint's Retry-After holds back every call of the client, which learns how
/// long is left; once it is over, the next call fetches a token and succeeds.
#[tokio::test]
async fn the_token_endpoints_retry_after_is_honoured_then_it_recovers() {
    bounded(30, async {
        let standin = service_account_standin(CLIENT_ID, CLIENT_SECRET).await;
        let client = builder(&standin)
            .credentials(Credentials::service_account(CLIENT_ID, CLIENT_SECRET))
            .retry(RetryPolicy::disabled())
            .build()
            .unwrap();
        standin.set_token_rate_limited(true);
        let error = get(&client).await.unwrap_err();
        assert!(error.is_rate_limited(), "{error:?}");
        assert_eq!(error.retry_after(), Some(Duration::from_secs(1)));
        standin.set_token_rate_limited(false);
        let error = get(&client).await.unwrap_err();
        assert!(error.is_rate_limited(), "{error:?}");
        let left = error.retry_after().expect("how long is left");
        assert!(
            left > Duration::ZERO && left < Duration::from_secs(1),
            "{left:?}"
        );
        assert_eq!(
            standin.token_requests(),
            1,
            "not asked again within Retry-After"
        );
        tokio::time::sleep(left + Duration::from_millis(20)).await;
        get(&client).await.unwrap();
        assert_eq!(standin.token_requests(), 2);
    })
    .await;
}

// ----- token replies are checked -----

/// A 2xx reply without a usable bearer token is an `Error::Auth` that says what is
/// wrong, never shows the token, and sends nothing to the API; `bearer` in any case is
/// a bearer token.
#[tokio::test]
async fn a_reply_without_a_usable_bearer_token_is_an_auth_error() {
    bounded(60, async {
        let refused = [
            (
                r#""access_token":"tok-5ecret","token_type":"mac""#,
                "token_type",
            ),
            (
                r#""access_token":"tok-5ecret","token_type":7"#,
                "token_type",
            ),
            (r#""access_token":"tok-5ecret""#, "without a token_type"),
            (r#""access_token":"","token_type":"Bearer""#, "empty"),
            (
                r#""access_token":"tok-5ecret\r\nX-Evil: 1","token_type":"Bearer""#,
                "control",
            ),
            (
                r#""access_token":"tok-5ecret\u0000","token_type":"Bearer""#,
                "control",
            ),
            (
                r#""access_token":"tok-5ecret\tx","token_type":"Bearer""#,
                "control",
            ),
            (
                r#""access_token":"tok 5ecret","token_type":"Bearer""#,
                "spaces",
            ),
            (
                r#""access_token":"tok-5ecret\u00e9","token_type":"Bearer""#,
                "non-ASCII",
            ),
            (
                r#""access_token":51234567,"token_type":"Bearer""#,
                "not a string",
            ),
            (r#""token_type":"Bearer""#, "without an access_token"),
        ];
        for (members, why) in refused {
            let server = serve(token_reply(members), json("200 OK", "")).await;
            let client = oauth(&server.url).build().unwrap();
            let error = get(&client).await.unwrap_err();
            let message = auth_message(&error);
            assert!(message.contains(why), "{members}: {message}");
            assert!(
                message.starts_with("the token endpoint answered 200 OK"),
                "{message}"
            );
            assert_eq!(error.status().map(|s| s.as_u16()), Some(200));
            assert_no_secret(&error, &["tok-5ecret", "tok 5ecret", "51234567"]);
            assert_eq!(server.count(""), 0, "{members}: nothing sent to the API");
        }
        for token_type in ["bearer", "BEARER", "Bearer"] {
            let server = serve(
                token_reply(&format!(
                    r#""access_token":"tok-ok","token_type":"{token_type}""#
                )),
                json("200 OK", ""),
            )
            .await;
            let client = oauth(&server.url).build().unwrap();
            assert_reached_the_api(&get(&client).await, token_type);
            let api = server.heads("");
            assert!(
                api[0]
                    .to_ascii_lowercase()
                    .contains("authorization: bearer tok-ok\r\n"),
                "{api:?}"
            );
        }
    })
    .await;
}

// ----- revocation -----

/// A client that has a token (from one call to the tiny server) with these timeouts.
async fn client_with_a_token(server: &Server, timeouts: Timeouts) -> Client {
    let client = oauth(&server.url).timeouts(timeouts).build().unwrap();
    assert_reached_the_api(&get(&client).await, "first call");
    client
}

/// A silent revoke endpoint ends `revoke_token()` at the attempt timeout.
#[tokio::test]
async fn revoke_gives_up_on_a_silent_endpoint_at_the_attempt_timeout() {
    bounded(30, async {
        let server = serve(token_reply(GOOD_TOKEN), Reply::Silent).await;
        let timeouts = Timeouts::none()
            .with_connect(Some(Duration::from_secs(5)))
            .with_attempt(Some(Duration::from_millis(300)));
        let client = client_with_a_token(&server, timeouts).await;
        let started = Instant::now();
        let error = client.revoke_token().await.unwrap_err();
        assert!(error.is_timeout(), "{error:?}");
        assert!(started.elapsed() < Duration::from_secs(10));
        assert_eq!(server.count(REVOKE_PATH), 1);
        assert_no_secret(&error, &["tok-ok"]);
    })
    .await;
}

/// With no attempt timeout, the total timeout ends it.
#[tokio::test]
async fn revoke_gives_up_on_a_silent_endpoint_at_the_total_timeout() {
    bounded(30, async {
        let server = serve(token_reply(GOOD_TOKEN), Reply::Silent).await;
        let timeouts = Timeouts::none()
            .with_connect(Some(Duration::from_secs(5)))
            .with_total(Some(Duration::from_millis(500)));
        let client = client_with_a_token(&server, timeouts).await;
        let started = Instant::now();
        let error = client.revoke_token().await.unwrap_err();
        assert!(error.is_timeout(), "{error:?}");
        assert!(error.to_string().contains("total timeout"), "{error}");
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(450) && took < Duration::from_secs(10),
            "{took:?}"
        );
    })
    .await;
}

/// An endless revoke reply is read no further than the body cap, with no timeout to
/// end it otherwise, whatever its status.
#[tokio::test]
async fn revoke_reads_no_more_than_the_body_cap() {
    bounded(30, async {
        for status in ["200 OK", "400 Bad Request"] {
            let server = serve(
                token_reply(GOOD_TOKEN),
                Reply::Endless(format!(
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
                )),
            )
            .await;
            let timeouts = Timeouts::none().with_connect(Some(Duration::from_secs(5)));
            let client = client_with_a_token(&server, timeouts).await;
            let error = client.revoke_token().await.unwrap_err();
            assert!(
                auth_message(&error).contains("revoke endpoint's reply is over 65536 bytes"),
                "{status}: {error}"
            );
        }
    })
    .await;
}

// ----- client credentials are form-encoded -----

const ODD_ID: &str = "id:with%colon +plus é";
const ODD_SECRET: &str = "sk:5ecret%20 +ü€";
/// Both, form-encoded (RFC 6749 §2.3.1), joined by the one `:` that is not encoded.
const ODD_PAIR: &str = "id%3Awith%25colon+%2Bplus+%C3%A9:sk%3A5ecret%2520+%2B%C3%BC%E2%82%AC";

/// A client id and secret with `:`, `%`, space, `+` and non-ASCII sign in: each is
/// form-encoded before HTTP Basic, and the stand-in decodes them again.
#[tokio::test]
async fn client_id_and_secret_are_form_encoded_before_basic() {
    bounded(30, async {
        let standin = service_account_standin(ODD_ID, ODD_SECRET).await;
        let client = builder(&standin)
            .credentials(Credentials::service_account(ODD_ID, ODD_SECRET))
            .build()
            .unwrap();
        get(&client).await.unwrap();
        let token_request = standin
            .requests()
            .into_iter()
            .find(|r| r.path == TOKEN_PATH)
            .expect("a token request");
        let basic = token_request.header("authorization").unwrap();
        let pair = base64::engine::general_purpose::STANDARD
            .decode(basic.strip_prefix("Basic ").unwrap())
            .unwrap();
        assert_eq!(String::from_utf8(pair).unwrap(), ODD_PAIR);

        // The revoke request signs in the same way.
        client.revoke_token().await.unwrap();
        assert_eq!(standin.token_requests(), 1);
        get(&client).await.unwrap();
        assert_eq!(standin.token_requests(), 2);
    })
    .await;
}

/// The stand-in is a strict oracle: credentials sent without the form encoding are
/// refused, encoded ones accepted.
#[tokio::test]
async fn the_stand_in_refuses_credentials_that_are_not_form_encoded() {
    bounded(30, async {
        let standin = StandIn::builder()
            .service_account(ODD_ID, ODD_SECRET)
            .start()
            .await
            .unwrap();
        let http = reqwest::Client::new();
        let ask = |authorization: String| {
            http.post(format!("{}{TOKEN_PATH}", standin.base_url()))
                .header("authorization", authorization)
                .header("content-type", "application/x-www-form-urlencoded")
                .body("grant_type=client_credentials")
                .send()
        };
        let basic = |pair: &str| {
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            )
        };
        let raw_pair = format!("{ODD_ID}:{ODD_SECRET}");
        let half_encoded = format!("id%3Awith%25colon+%2Bplus+%C3%A9:{ODD_SECRET}");
        for refused in [
            raw_pair.as_str(),
            half_encoded.as_str(),
            "id%zz:x",
            "id%3:x",
        ] {
            let resp = ask(basic(refused)).await.unwrap();
            assert_eq!(resp.status().as_u16(), 401, "{refused}");
        }
        let resp = ask(basic(ODD_PAIR)).await.unwrap();
        assert_eq!(resp.status().as_u16(), 200);
    })
    .await;
}

// ----- refusals say what they are, without secrets -----

/// Every way the token or revoke endpoint can refuse reads as what it is: the OAuth
/// error with its description when there is one (any status, 2xx included), else the
/// status and the kind of body, never "could not decode", never the body's content,
/// never a secret, and with the endpoint's own text shortened and its control
/// characters escaped.
#[tokio::test]
async fn every_refusal_says_what_it_was() {
    bounded(60, async {
        let oauth_error = |status: &str, error: &str, description: &str| {
            json(
                status,
                &serde_json::json!({"error": error, "error_description": description}).to_string(),
            )
        };
        let long = "y".repeat(5000);
        let cases = [
            (
                oauth_error("400 Bad Request", "invalid_grant", "Grant type not allowed."),
                vec!["answered 400 Bad Request with OAuth error invalid_grant: Grant type not allowed."],
            ),
            (
                oauth_error("200 OK", "invalid_client", "Invalid credentials provided."),
                vec!["answered 200 OK with OAuth error invalid_client: Invalid credentials provided."],
            ),
            (
                json("401 Unauthorized", r#"{"error":"invalid_client"}"#),
                vec!["answered 401 Unauthorized with OAuth error invalid_client"],
            ),
            (
                raw("401 Unauthorized", Some("text/html"), "<html>Go away</html>"),
                vec!["answered 401 Unauthorized with a 20-byte text/html body, not an OAuth error"],
            ),
            (
                raw("502 Bad Gateway", None, ""),
                vec!["answered 502 Bad Gateway with an empty body, not an OAuth error"],
            ),
            (
                raw("200 OK", Some("text/html"), "<html>Welcome</html>"),
                vec!["answered 200 OK with a 20-byte text/html body, not a token reply"],
            ),
            (
                json("403 Forbidden", &format!(r#"{{"echo":"{CLIENT_SECRET}"}}"#)),
                vec!["answered 403 Forbidden with a ", "application/json body, not an OAuth error"],
            ),
            (
                oauth_error("400 Bad Request", "invalid_request", "line one\r\nforged: line"),
                vec!["invalid_request: line one\\r\\nforged: line"],
            ),
            (
                oauth_error("400 Bad Request", "invalid_request", &long),
                vec!["invalid_request: yyyy", "…"],
            ),
        ];
        for (reply, expected) in cases {
            for endpoint in ["token", "revoke"] {
                let (token, revoke) = match endpoint {
                    "token" => (reply.clone(), json("200 OK", "")),
                    _ => (token_reply(GOOD_TOKEN), reply.clone()),
                };
                // The 200 cases are fine answers from the revoke endpoint only when
                // they hold no OAuth error.
                let server = serve(token, revoke).await;
                let client = oauth(&server.url).build().unwrap();
                let error = match endpoint {
                    "token" => get(&client).await.unwrap_err(),
                    _ => {
                        assert_reached_the_api(&get(&client).await, "first call");
                        match client.revoke_token().await {
                            Ok(()) if expected[0].contains("not a token reply") => continue,
                            outcome => outcome.unwrap_err(),
                        }
                    }
                };
                let message = auth_message(&error);
                assert!(
                    message.starts_with(&format!("the {endpoint} endpoint ")),
                    "{message}"
                );
                for part in &expected {
                    assert!(message.contains(part), "{endpoint}: {part:?} not in {message:?}");
                }
                assert!(!message.contains("decode"), "{message}");
                assert!(!message.contains('\r') && !message.contains('\n'), "{message:?}");
                assert!(message.len() < 600, "{message}");
                assert_no_secret(&error, &["tok-ok"]);
            }
        }
    })
    .await;
}

// ----- the CLI -----

/// The CLI given a token reply with a huge `expires_in` signs in (it exited 101 on a
/// panic), and one with a CR/LF in the token fails as a sign-in failure (exit 3), not
/// as configuration "nothing was sent" (exit 2), though the token request went out.
#[cfg(feature = "cli")]
#[tokio::test(flavor = "multi_thread")]
async fn the_cli_survives_any_token_reply() {
    use atlas_snapshots::env;
    bounded(60, async {
        let cases = [
            (
                r#""access_token":"tok-ok","token_type":"Bearer","expires_in":1e20"#,
                "404",
            ),
            (
                r#""access_token":"tok-5ecret\r\nX: y","token_type":"Bearer""#,
                "the token endpoint answered 200 OK",
            ),
        ];
        for (members, expected) in cases {
            let server = serve(token_reply(members), json("200 OK", "")).await;
            let mut cmd = assert_cmd::Command::cargo_bin("atlas-snapshots").unwrap();
            for var in [
                env::BASE_URL,
                env::PUBLIC_API_KEY,
                env::PRIVATE_API_KEY,
                env::ACCESS_TOKEN,
                "RUST_LOG",
            ] {
                cmd.env_remove(var);
            }
            cmd.env(env::CLIENT_ID, CLIENT_ID)
                .env(env::CLIENT_SECRET, CLIENT_SECRET)
                .args([
                    "--base-url",
                    &server.url,
                    "flex",
                    "get",
                    "--group-id",
                    GROUP,
                ])
                .args(["--cluster", FLEX, "--snapshot", &flex_id(0)])
                .timeout(Duration::from_secs(20));
            let out = tokio::task::spawn_blocking(move || cmd.output())
                .await
                .unwrap()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(3), "{members}: {stderr}");
            assert!(stderr.contains(expected), "{members}: {stderr}");
            assert!(!stderr.contains("5ecret"), "{stderr}");
            assert_eq!(server.count(TOKEN_PATH), 1);
        }
    })
    .await;
}
