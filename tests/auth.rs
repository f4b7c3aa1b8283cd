//! Signing in: API keys over HTTP Digest, service accounts over OAuth 2.0, bearer
//! tokens, the environment, and keeping secrets out of every output.

mod common;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use atlas_snapshots::{Client, Credentials, Error, PageRequest, RetryPolicy};
use atlas_snapshots_standin::{StandIn, sample};
use common::*;

const PUBLIC: &str = "abcdefgh";
const PRIVATE: &str = "9d1b2d4c-private-key-0001";
const CLIENT_ID: &str = "mdb_sa_id_0123456789";
const CLIENT_SECRET: &str = "mdb_sa_sk_super-secret-value";

async fn digest_standin() -> StandIn {
    let standin = StandIn::builder()
        .digest(PUBLIC, PRIVATE)
        .start()
        .await
        .unwrap();
    seed(&standin, 3);
    standin
}

async fn oauth_standin(lifetime: Duration) -> StandIn {
    let standin = StandIn::builder()
        .service_account(CLIENT_ID, CLIENT_SECRET)
        .token_lifetime(lifetime)
        .start()
        .await
        .unwrap();
    seed(&standin, 3);
    standin
}

fn client_with(standin: &StandIn, credentials: Credentials) -> Client {
    Client::builder()
        .base_url(standin.base_url())
        .credentials(credentials)
        .deprecation_warnings(false)
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap()
}

#[tokio::test]
async fn digest_keeps_the_nonce_one_request_per_call() {
    let standin = digest_standin().await;
    let client = client_with(&standin, Credentials::api_key(PUBLIC, PRIVATE));
    for _ in 0..100 {
        client
            .get_flex_backup_snapshot(GROUP, FLEX, &flex_id(1))
            .await
            .unwrap();
    }
    assert!(
        standin.request_count() <= 101,
        "{} requests",
        standin.request_count()
    );
    assert_eq!(
        standin.unauthorized_count(),
        1,
        "only the first call is challenged"
    );
    let last = standin.requests().pop().unwrap();
    let auth = last.header("authorization").unwrap();
    assert!(auth.starts_with("Digest username=\"abcdefgh\""), "{auth}");
    assert!(
        auth.contains("nc=00000064"),
        "nonce count increases: {auth}"
    );
    assert!(auth.contains("realm=\"MMS Public API\""));
}

#[tokio::test]
async fn digest_recovers_from_a_stale_nonce() {
    let standin = digest_standin().await;
    let client = client_with(&standin, Credentials::api_key(PUBLIC, PRIVATE));
    client
        .get_flex_backup_snapshot(GROUP, FLEX, &flex_id(0))
        .await
        .unwrap();
    standin.expire_nonces();
    let got = client
        .get_flex_backup_snapshot(GROUP, FLEX, &flex_id(1))
        .await;
    assert!(got.is_ok(), "{got:?}");
    // challenge, ok, stale, ok
    assert_eq!(standin.unauthorized_count(), 2);
    assert_eq!(standin.request_count(), 4);
}

#[tokio::test]
async fn digest_prefers_sha256_when_offered() {
    let standin = StandIn::builder()
        .digest(PUBLIC, PRIVATE)
        .digest_sha256(true)
        .start()
        .await
        .unwrap();
    seed(&standin, 1);
    let client = client_with(&standin, Credentials::api_key(PUBLIC, PRIVATE));
    client
        .get_flex_backup_snapshot(GROUP, FLEX, &flex_id(0))
        .await
        .unwrap();
    let auth = standin.requests().pop().unwrap();
    assert!(
        auth.header("authorization")
            .unwrap()
            .contains("algorithm=SHA-256")
    );
}

#[tokio::test]
async fn a_wrong_key_is_an_api_401() {
    let standin = digest_standin().await;
    let client = client_with(&standin, Credentials::api_key(PUBLIC, "wrong"));
    let err = client
        .get_flex_backup_snapshot(GROUP, FLEX, &flex_id(0))
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401), "{err:?}");
    assert!(matches!(err, Error::Api(_)));
    assert_eq!(
        standin.request_count(),
        2,
        "challenge answered once, then given up"
    );
}

#[tokio::test]
async fn oauth_64_concurrent_calls_on_a_cold_client_fetch_one_token() {
    let standin = oauth_standin(Duration::from_secs(3600)).await;
    let client = client_with(
        &standin,
        Credentials::service_account(CLIENT_ID, CLIENT_SECRET),
    );
    let id = flex_id(0);
    let calls = (0..64).map(|_| {
        let (client, id) = (client.clone(), id.clone());
        tokio::spawn(async move {
            client
                .get_flex_backup_snapshot(GROUP, FLEX, &id)
                .await
                .map(|_| ())
        })
    });
    for call in futures::future::join_all(calls).await {
        call.unwrap().unwrap();
    }
    assert_eq!(standin.token_requests(), 1);
    for _ in 0..1000 {
        client
            .get_flex_backup_snapshot(GROUP, FLEX, &id)
            .await
            .unwrap();
    }
    assert_eq!(
        standin.token_requests(),
        1,
        "1,000 calls within the token's lifetime"
    );
    let token_request = standin
        .requests()
        .into_iter()
        .find(|r| r.path == "/api/oauth/token")
        .expect("token request recorded");
    assert_eq!(token_request.method, "POST");
    assert!(
        token_request
            .header("authorization")
            .unwrap()
            .starts_with("Basic ")
    );
    assert_eq!(token_request.body, b"grant_type=client_credentials");
}

#[tokio::test]
async fn oauth_refreshes_a_short_lived_token_without_a_failed_call() {
    let standin = oauth_standin(Duration::from_secs(2)).await;
    let client = client_with(
        &standin,
        Credentials::service_account(CLIENT_ID, CLIENT_SECRET),
    );
    let started = std::time::Instant::now();
    while started.elapsed() < Duration::from_millis(4500) {
        client
            .get_flex_backup_snapshot(GROUP, FLEX, &flex_id(0))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let tokens = standin.token_requests();
    assert!(
        (3..=5).contains(&tokens),
        "refreshed before expiry: {tokens} tokens in 4.5 s"
    );
    assert_eq!(
        standin.unauthorized_count(),
        0,
        "never sent an expired token"
    );
}

#[tokio::test]
async fn a_revoked_or_expired_token_is_refreshed_once_and_the_call_retried() {
    let standin = oauth_standin(Duration::from_secs(3600)).await;
    let client = client_with(
        &standin,
        Credentials::service_account(CLIENT_ID, CLIENT_SECRET),
    );
    client
        .get_flex_backup_snapshot(GROUP, FLEX, &flex_id(0))
        .await
        .unwrap();
    standin.revoke_all_tokens();
    client
        .get_flex_backup_snapshot(GROUP, FLEX, &flex_id(1))
        .await
        .unwrap();
    assert_eq!(standin.token_requests(), 2);
    assert_eq!(standin.unauthorized_count(), 1);

    // revoke_token() revokes at the endpoint; the next call fetches a new token.
    client.revoke_token().await.unwrap();
    let revoke = standin
        .requests()
        .into_iter()
        .rfind(|r| r.path == "/api/oauth/revoke")
        .unwrap();
    let body = String::from_utf8(revoke.body).unwrap();
    assert!(
        body.starts_with("token=") && body.ends_with("&token_type_hint=access_token"),
        "{body}"
    );
    client
        .get_flex_backup_snapshot(GROUP, FLEX, &flex_id(1))
        .await
        .unwrap();
    assert_eq!(standin.token_requests(), 3);
    assert_eq!(
        standin.unauthorized_count(),
        1,
        "no 401: the revoked token was not reused"
    );
}

#[tokio::test]
async fn invalid_client_is_a_clear_error_after_one_token_request() {
    let standin = oauth_standin(Duration::from_secs(3600)).await;
    let client = client_with(&standin, Credentials::service_account(CLIENT_ID, "wrong"));
    let err = client
        .get_flex_backup_snapshot(GROUP, FLEX, &flex_id(0))
        .await
        .unwrap_err();
    match &err {
        Error::Auth {
            message, status, ..
        } => {
            assert!(message.contains("invalid_client"), "{message}");
            assert_eq!(status.map(|s| s.as_u16()), Some(401));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(standin.token_requests(), 1);
    assert_eq!(standin.request_count(), 1, "no API call without a token");
    standin.set_token_rate_limited(true);
    let client = client_with(
        &standin,
        Credentials::service_account(CLIENT_ID, CLIENT_SECRET),
    );
    let err = client
        .get_flex_backup_snapshot(GROUP, FLEX, &flex_id(0))
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429), "{err:?}");
    assert!(err.is_retryable());
    assert_eq!(
        standin.token_requests(),
        2,
        "a 429 from the token endpoint is not looped on"
    );
}

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name| map.get(name).cloned()
}

#[tokio::test]
async fn from_env_picks_service_account_then_api_key_then_token() {
    let digest = digest_standin().await;
    let oauth = oauth_standin(Duration::from_secs(3600)).await;
    let bearer = common::standin(1).await;
    let cases = [
        (
            &oauth,
            vec![
                ("MONGODB_ATLAS_CLIENT_ID", CLIENT_ID),
                ("MONGODB_ATLAS_CLIENT_SECRET", CLIENT_SECRET),
                ("MONGODB_ATLAS_PUBLIC_API_KEY", "ignored"),
                ("MONGODB_ATLAS_PRIVATE_API_KEY", "ignored"),
                ("MONGODB_ATLAS_ACCESS_TOKEN", "ignored"),
            ],
        ),
        (
            &digest,
            vec![
                ("MONGODB_ATLAS_PUBLIC_API_KEY", PUBLIC),
                ("MONGODB_ATLAS_PRIVATE_API_KEY", PRIVATE),
                ("MONGODB_ATLAS_ACCESS_TOKEN", "ignored"),
            ],
        ),
        (&bearer, vec![("MONGODB_ATLAS_ACCESS_TOKEN", TOKEN)]),
    ];
    for (standin, mut vars) in cases {
        let url = standin.base_url();
        vars.push(("MONGODB_ATLAS_BASE_URL", &url));
        let client = Client::builder_from(env(&vars))
            .unwrap()
            .deprecation_warnings(false)
            .build()
            .unwrap();
        assert_eq!(client.base_url(), url);
        client
            .list_flex_backup_snapshots(GROUP, FLEX, PageRequest::default())
            .await
            .unwrap();
    }
    // Explicit credentials win over the environment.
    let vars = [
        ("MONGODB_ATLAS_ACCESS_TOKEN", "wrong"),
        ("MONGODB_ATLAS_BASE_URL", &bearer.base_url()),
    ];
    let client = Client::builder_from(env(&vars))
        .unwrap()
        .credentials(Credentials::bearer(TOKEN))
        .build()
        .unwrap();
    client
        .list_flex_backup_snapshots(GROUP, FLEX, PageRequest::default())
        .await
        .unwrap();
}

#[test]
fn from_env_names_the_missing_half_of_a_pair() {
    for (set, missing) in [
        ("MONGODB_ATLAS_CLIENT_ID", "MONGODB_ATLAS_CLIENT_SECRET"),
        ("MONGODB_ATLAS_CLIENT_SECRET", "MONGODB_ATLAS_CLIENT_ID"),
        (
            "MONGODB_ATLAS_PUBLIC_API_KEY",
            "MONGODB_ATLAS_PRIVATE_API_KEY",
        ),
        (
            "MONGODB_ATLAS_PRIVATE_API_KEY",
            "MONGODB_ATLAS_PUBLIC_API_KEY",
        ),
    ] {
        let err = Client::builder_from(env(&[(set, "x"), ("MONGODB_ATLAS_ACCESS_TOKEN", "t")]))
            .unwrap_err();
        assert!(matches!(err, Error::Config(_)));
        assert!(err.to_string().contains(missing), "{err}");
        assert!(
            !err.to_string().contains("\"x\""),
            "no value in the error: {err}"
        );
    }
    assert!(
        Client::builder_from(env(&[])).unwrap().build().is_ok(),
        "no credentials at all is allowed"
    );
}

#[test]
fn debug_output_never_shows_a_secret() {
    let creds = [
        Credentials::service_account(CLIENT_ID, CLIENT_SECRET),
        Credentials::api_key(PUBLIC, PRIVATE),
        Credentials::bearer("tok_live_secret"),
    ];
    for c in creds {
        let client = Client::builder().credentials(c.clone()).build().unwrap();
        let builder = Client::builder().credentials(c.clone());
        for text in [
            format!("{c:?}"),
            format!("{client:?}"),
            format!("{builder:?}"),
            format!("{client:#?}"),
        ] {
            for secret in [CLIENT_SECRET, PRIVATE, "tok_live_secret"] {
                assert!(!text.contains(secret), "{text}");
            }
            assert!(text.contains("redacted"), "{text}");
        }
    }
}

#[tokio::test]
async fn credentials_never_go_over_plain_http_to_another_host() {
    for creds in [
        Credentials::bearer(TOKEN),
        Credentials::api_key(PUBLIC, PRIVATE),
        Credentials::service_account(CLIENT_ID, CLIENT_SECRET),
    ] {
        let err = Client::builder()
            .base_url("http://atlas.example.com")
            .credentials(creds.clone())
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{err:?}");
        assert!(err.to_string().contains("http://"), "{err}");
        for loopback in ["http://127.0.0.1:1", "http://localhost:1", "http://[::1]:1"] {
            assert!(
                Client::builder()
                    .base_url(loopback)
                    .credentials(creds.clone())
                    .build()
                    .is_ok()
            );
        }
    }
}

/// A server on 127.0.0.1 that redirects every request to `target` and records the
/// Authorization it was sent.
async fn redirector(target: String) -> (String, Arc<Mutex<Vec<Option<String>>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buf = vec![0u8; 8192];
            let n = socket.read(&mut buf).await.unwrap_or(0);
            let request = String::from_utf8_lossy(&buf[..n]).to_string();
            let path = request.split_whitespace().nth(1).unwrap_or("/").to_owned();
            let auth = request
                .lines()
                .find_map(|l| {
                    l.strip_prefix("authorization: ")
                        .or_else(|| l.strip_prefix("Authorization: "))
                })
                .map(str::to_owned);
            record.lock().unwrap().push(auth);
            let reply = format!(
                "HTTP/1.1 302 Found\r\nLocation: {target}{path}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            let _ = socket.write_all(reply.as_bytes()).await;
        }
    });
    (url, seen)
}

#[tokio::test]
async fn a_redirect_to_another_host_carries_no_authorization() {
    let standin = common::standin(1).await;
    // `localhost` and `127.0.0.1` are different hosts to a browser and to this client.
    let target = standin.base_url().replace("127.0.0.1", "localhost");
    let (url, seen) = redirector(target).await;
    let client = Client::builder()
        .base_url(url)
        .credentials(Credentials::bearer(TOKEN))
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();
    let err = client
        .get_flex_backup_snapshot(GROUP, FLEX, &flex_id(0))
        .await
        .unwrap_err();
    assert_eq!(
        err.status().map(|s| s.as_u16()),
        Some(302),
        "the redirect is not followed: {err:?}"
    );
    assert_eq!(seen.lock().unwrap().len(), 1);
    assert_eq!(standin.request_count(), 0, "nothing reached the other host");
    let _ = sample::GROUP_ID;
}

#[tokio::test]
async fn an_oversized_token_reply_is_refused() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buf = vec![0u8; 8192];
            let _ = socket.read(&mut buf).await;
            let body = format!("{{\"access_token\":\"{}\"}}", "a".repeat(100 * 1024));
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                body.len()
            );
            let _ = socket.write_all(head.as_bytes()).await;
            let _ = socket.write_all(body.as_bytes()).await;
        }
    });
    let client = Client::builder()
        .base_url(url)
        .credentials(Credentials::service_account(CLIENT_ID, CLIENT_SECRET))
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();
    let err = client
        .get_flex_backup_snapshot(GROUP, FLEX, &flex_id(0))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Auth { message, .. } if message.contains("over 65536 bytes")),
        "{err:?}"
    );
}

#[tokio::test]
async fn digest_survives_64_concurrent_calls_on_one_nonce() {
    let standin = digest_standin().await;
    let client = client_with(&standin, Credentials::api_key(PUBLIC, PRIVATE));
    client
        .get_flex_backup_snapshot(GROUP, FLEX, &flex_id(0))
        .await
        .unwrap();
    let before = standin.request_count();
    for _round in 0..5 {
        for call in concurrent_flex_gets(&client, 64).await {
            call.unwrap();
        }
    }
    assert_eq!(
        standin.request_count() - before,
        320,
        "one request per call, even out of order"
    );
    assert_eq!(standin.unauthorized_count(), 1);
}

#[tokio::test]
async fn a_cold_digest_client_draws_one_challenge_for_64_concurrent_calls() {
    let standin = digest_standin().await;
    let client = client_with(&standin, Credentials::api_key(PUBLIC, PRIVATE));
    for call in concurrent_flex_gets(&client, 64).await {
        call.unwrap();
    }
    assert_eq!(standin.unauthorized_count(), 1, "one challenge, shared");
    assert_eq!(standin.request_count(), 65);
}
