//! HTTP Digest for API keys against servers unlike Atlas's happy path: no challenge at all
//! (an outage), challenges after other schemes, `nextnonce`, every RFC 7616 algorithm,
//! and nonce counts checked strictly in arrival order (Apache's `AuthDigestNcCheck On`).

mod common;

use std::{
    convert::Infallible,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::Duration,
};

use atlas_snapshots::{Client, Credentials, RetryPolicy};
use atlas_snapshots_standin::{DigestAlgorithm, FLEX_MEDIA_TYPE, StandIn, StandInBuilder, sample};
use bytes::Bytes;
use common::*;
use http_body_util::Full;
use hyper::{Request, Response, StatusCode, body::Incoming, service::service_fn};
use hyper_util::rt::TokioIo;

const PUBLIC: &str = "abcdefgh";
const PRIVATE: &str = "9d1b2d4c-private-key-0001";
/// Every test ends within this, whatever the client does.
const BOUND: Duration = Duration::from_secs(20);

fn api_key_client(base_url: String) -> Client {
    Client::builder()
        .base_url(base_url)
        .credentials(Credentials::api_key(PUBLIC, PRIVATE))
        .deprecation_warnings(false)
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap()
}

async fn digest_standin(configure: impl FnOnce(StandInBuilder) -> StandInBuilder) -> StandIn {
    let standin = configure(StandIn::builder().digest(PUBLIC, PRIVATE))
        .start()
        .await
        .unwrap();
    seed(&standin, 3);
    standin
}

/// `n` concurrent flex snapshot gets; how many failed.
async fn concurrent_failures(client: &Client, n: u32) -> usize {
    let results = tokio::time::timeout(BOUND, concurrent_flex_gets(client, n))
        .await
        .expect("the calls end in time");
    results.iter().filter(|r| r.is_err()).count()
}

/// A server that wants no credentials: while `down`, every request is answered after
/// `delay` with `status` and never a challenge, as Atlas's front end does in an outage
/// (5xx) or a server without authentication would (200); once not `down`, requests go
/// through to `upstream`. It counts the requests it answered itself and the most it had
/// in flight at once.
struct NoChallenge {
    base_url: String,
    down: Arc<AtomicBool>,
    requests: Arc<AtomicUsize>,
    max_in_flight: Arc<AtomicUsize>,
}

#[derive(Clone)]
struct NoChallengeState {
    delay: Duration,
    status: StatusCode,
    body: Bytes,
    upstream: Option<String>,
    down: Arc<AtomicBool>,
    requests: Arc<AtomicUsize>,
    in_flight: Arc<AtomicUsize>,
    max_in_flight: Arc<AtomicUsize>,
}

impl NoChallengeState {
    async fn answer(self, req: Request<Incoming>) -> Response<Full<Bytes>> {
        let path = req.uri().path_and_query().map_or("/", |p| p.as_str());
        if let (false, Some(upstream)) = (self.down.load(Ordering::SeqCst), &self.upstream) {
            let mut forward = reqwest::Client::new().get(format!("{upstream}{path}"));
            for (name, value) in req.headers() {
                if name != "host" {
                    forward = forward.header(name, value);
                }
            }
            let answer = forward.send().await.unwrap();
            let mut response = Response::builder().status(answer.status().as_u16());
            for (name, value) in answer.headers() {
                response = response.header(name.as_str(), value.as_bytes());
            }
            let body = answer.bytes().await.unwrap();
            return response.body(Full::new(body)).unwrap();
        }
        self.requests.fetch_add(1, Ordering::SeqCst);
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(self.delay).await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        let content_type = if self.status.is_success() {
            FLEX_MEDIA_TYPE
        } else {
            "application/json"
        };
        Response::builder()
            .status(self.status)
            .header("content-type", content_type)
            .body(Full::new(self.body))
            .unwrap()
    }
}

async fn no_challenge(
    delay: Duration,
    status: StatusCode,
    upstream: Option<String>,
) -> NoChallenge {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    let body = Bytes::from(if status.is_success() {
        sample::flex_snapshot_in(GROUP, FLEX, 0).to_string()
    } else {
        format!(
            r#"{{"detail":"down","error":{},"errorCode":"SERVICE_UNAVAILABLE","parameters":[],"reason":"Service Unavailable"}}"#,
            status.as_u16()
        )
    });
    let state = NoChallengeState {
        delay,
        status,
        body,
        upstream,
        down: Arc::new(AtomicBool::new(true)),
        requests: Arc::default(),
        in_flight: Arc::default(),
        max_in_flight: Arc::default(),
    };
    let server = NoChallenge {
        base_url,
        down: state.down.clone(),
        requests: state.requests.clone(),
        max_in_flight: state.max_in_flight.clone(),
    };
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let state = state.clone();
            let service = service_fn(move |req: Request<Incoming>| {
                let state = state.clone();
                async move { Ok::<_, Infallible>(state.answer(req).await) }
            });
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service),
            );
        }
    });
    server
}

/// Issue 12: 20 concurrent API-key calls against a server that answers without a
/// challenge ran one at a time (5.1 s where a bearer token took 0.3 s). The calls that
/// waited for the first one's challenge are let go together once it came back without
/// one, and later calls no longer wait.
async fn calls_run_side_by_side_without_a_challenge(status: StatusCode) {
    let server = no_challenge(Duration::from_millis(200), status, None).await;
    let client = api_key_client(server.base_url.clone());
    let failures = concurrent_failures(&client, 20).await;
    assert_eq!(failures, if status.is_success() { 0 } else { 20 });
    assert_eq!(
        server.requests.load(Ordering::SeqCst),
        20,
        "one request per call"
    );
    // The first call goes alone; the 19 that waited for its challenge go together.
    let max = server.max_in_flight.load(Ordering::SeqCst);
    assert!(max >= 15, "at most {max} requests were in flight at once");
    // Later calls do not wait for a challenge either.
    let before = server.requests.load(Ordering::SeqCst);
    concurrent_failures(&client, 20).await;
    assert_eq!(server.requests.load(Ordering::SeqCst) - before, 20);
}

#[tokio::test]
async fn calls_are_not_serialised_by_an_outage_without_a_challenge() {
    calls_run_side_by_side_without_a_challenge(StatusCode::SERVICE_UNAVAILABLE).await;
}

#[tokio::test]
async fn calls_are_not_serialised_by_a_server_that_wants_no_key() {
    calls_run_side_by_side_without_a_challenge(StatusCode::OK).await;
}

#[tokio::test]
async fn after_an_outage_the_first_challenges_are_answered() {
    let standin = digest_standin(|b| b).await;
    let server = no_challenge(
        Duration::from_millis(100),
        StatusCode::SERVICE_UNAVAILABLE,
        Some(standin.base_url()),
    )
    .await;
    let client = api_key_client(server.base_url.clone());
    assert_eq!(concurrent_failures(&client, 20).await, 20, "the outage");
    server.down.store(false, Ordering::SeqCst);
    // Calls no longer wait for one challenge, so each draws its own, once.
    assert_eq!(concurrent_failures(&client, 20).await, 0);
    let recovery = standin.request_count();
    assert!(recovery <= 40, "{recovery} requests: at most two per call");
    assert_eq!(recovery, 20 + standin.unauthorized_count());
    // Then the kept nonce signs every call.
    assert_eq!(concurrent_failures(&client, 20).await, 0);
    assert_eq!(standin.request_count() - recovery, 20);
}

#[tokio::test]
async fn a_digest_challenge_after_basic_in_one_header_is_found() {
    let standin = digest_standin(|b| {
        b.digest_one_header(true)
            .digest_algorithms([DigestAlgorithm::Md5, DigestAlgorithm::Sha256])
    })
    .await;
    let client = api_key_client(standin.base_url());
    assert_eq!(concurrent_failures(&client, 1).await, 0);
    let requests = standin.requests();
    assert!(requests[0].header("authorization").is_none());
    let auth = requests[1].header("authorization").unwrap();
    assert!(
        auth.contains("algorithm=SHA-256,"),
        "the stronger one: {auth}"
    );
    assert_eq!(standin.request_count(), 2);
}

#[tokio::test]
async fn every_rfc_7616_algorithm_signs_and_keeps_its_nonce() {
    for alg in [
        DigestAlgorithm::Md5,
        DigestAlgorithm::Md5Sess,
        DigestAlgorithm::Sha256,
        DigestAlgorithm::Sha256Sess,
        DigestAlgorithm::Sha512_256,
        DigestAlgorithm::Sha512_256Sess,
    ] {
        let standin = digest_standin(|b| b.digest_algorithms([alg])).await;
        let client = api_key_client(standin.base_url());
        for _ in 0..5 {
            assert_eq!(concurrent_failures(&client, 1).await, 0, "{alg:?}");
        }
        assert_eq!(concurrent_failures(&client, 10).await, 0, "{alg:?}");
        assert_eq!(
            standin.request_count(),
            16,
            "{alg:?}: one challenge, then one request each"
        );
        let auth = standin.requests().pop().unwrap();
        let auth = auth.header("authorization").unwrap();
        assert!(
            auth.contains(&format!("algorithm={},", alg.name())),
            "{auth}"
        );
    }
}

#[tokio::test]
async fn the_strongest_of_several_challenges_is_used() {
    let standin = digest_standin(|b| {
        b.digest_algorithms([
            DigestAlgorithm::Md5,
            DigestAlgorithm::Sha256Sess,
            DigestAlgorithm::Sha512_256,
            DigestAlgorithm::Sha512_256Sess,
            DigestAlgorithm::Sha256,
        ])
    })
    .await;
    let client = api_key_client(standin.base_url());
    assert_eq!(concurrent_failures(&client, 1).await, 0);
    let auth = standin.requests().pop().unwrap();
    let auth = auth.header("authorization").unwrap();
    assert!(
        auth.contains("algorithm=SHA-512-256,"),
        "first of the strongest: {auth}"
    );
}

#[tokio::test]
async fn nextnonce_is_used_for_the_next_request() {
    // Each nonce serves once; the answer names the next one.
    let standin = digest_standin(|b| b.nonce_max_uses(1).digest_next_nonce(true)).await;
    let client = api_key_client(standin.base_url());
    for _ in 0..10 {
        assert_eq!(concurrent_failures(&client, 1).await, 0);
    }
    assert_eq!(standin.unauthorized_count(), 1, "only the first challenge");
    assert_eq!(standin.request_count(), 11);
    let last = standin.requests().pop().unwrap();
    let auth = last.header("authorization").unwrap();
    assert!(
        auth.contains("nc=00000001"),
        "a next nonce starts counting at 1: {auth}"
    );
}

// Several threads, so that requests signed in one order can arrive in another.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn strict_nonce_counts_serve_concurrent_calls_without_failures() {
    let standin = digest_standin(|b| b.digest_strict_nc(true)).await;
    let client = api_key_client(standin.base_url());
    // Cold: the first call draws the challenge, the others share its nonce until the
    // server refuses a count that came out of order; a refused call is signed again
    // with the fresh challenge of its 401, which no other call uses.
    assert_eq!(concurrent_failures(&client, 20).await, 0);
    let first_round = standin.request_count();
    eprintln!(
        "first round: {first_round} requests, {} refused",
        standin.unauthorized_count()
    );
    assert!(
        first_round <= 40,
        "{first_round} requests: at most two per call"
    );
    // From then on each nonce serves one exchange at a time, so counts arrive in order;
    // new nonces are drawn only while fewer are free than calls run at once.
    for _ in 0..4 {
        assert_eq!(concurrent_failures(&client, 20).await, 0);
    }
    let later = standin.request_count() - first_round;
    assert!(
        later <= 80 + 20,
        "{later} requests for 80 calls: at most one challenge per concurrent call"
    );
    let requests_after = standin.request_count();
    let unauthorized = standin.unauthorized_count();
    assert_eq!(
        requests_after,
        100 + unauthorized,
        "each 401 costs exactly one more request"
    );
}

#[tokio::test]
async fn sequential_calls_on_a_strict_server_keep_one_nonce() {
    let standin = digest_standin(|b| b.digest_strict_nc(true)).await;
    let client = api_key_client(standin.base_url());
    for _ in 0..10 {
        assert_eq!(concurrent_failures(&client, 1).await, 0);
    }
    assert_eq!(standin.request_count(), 11);
}
