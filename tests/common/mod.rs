//! Shared set-up for the integration tests: a seeded stand-in and a client for it.
#![allow(dead_code)]

pub mod every_operation;

use std::sync::{Arc, Mutex};

use atlas_snapshots::{Client, ClientBuilder, Credentials, RetryPolicy};
use atlas_snapshots_standin::{StandIn, sample};

pub const GROUP: &str = sample::GROUP_ID;
pub const SERVERLESS: &str = "Serverless0";
pub const FLEX: &str = "Flex0";
pub const TOKEN: &str = "test-bearer-token";

/// A stand-in that wants `TOKEN`, with `n` snapshots in each cluster.
pub async fn standin(n: u32) -> StandIn {
    let standin = StandIn::builder()
        .bearer_token(TOKEN)
        .start()
        .await
        .expect("stand-in starts");
    seed(&standin, n);
    standin
}

/// A stand-in that wants `TOKEN`, seeded with the migration world
/// (`StandIn::seed_migration_world`), its restore jobs taking `step` per state.
pub async fn migration_world(step: std::time::Duration) -> StandIn {
    let standin = StandIn::builder()
        .bearer_token(TOKEN)
        .restore_step(step)
        .start()
        .await
        .expect("stand-in starts");
    standin.seed_migration_world();
    standin
}

pub fn seed(standin: &StandIn, n: u32) {
    standin.seed_serverless(
        GROUP,
        SERVERLESS,
        (0..n)
            .map(|i| sample::serverless_snapshot_in(GROUP, SERVERLESS, i))
            .collect(),
    );
    standin.seed_flex(
        GROUP,
        FLEX,
        (0..n)
            .map(|i| sample::flex_snapshot_in(GROUP, FLEX, i))
            .collect(),
    );
}

/// A builder aimed at `standin`, bearer-signed, with quick retries.
pub fn builder(standin: &StandIn) -> ClientBuilder {
    builder_for(&standin.base_url())
}

/// A builder aimed at `base_url`, bearer-signed, with quick retries.
pub fn builder_for(base_url: &str) -> ClientBuilder {
    Client::builder()
        .base_url(base_url)
        .credentials(Credentials::bearer(TOKEN))
        .deprecation_warnings(false)
        .retry(
            RetryPolicy::default()
                .initial_backoff(std::time::Duration::from_millis(5))
                .max_backoff(std::time::Duration::from_millis(20)),
        )
}

pub fn client(standin: &StandIn) -> Client {
    builder(standin).build().expect("client builds")
}

/// `n` flex snapshot gets at once, each on its own task over a clone of `client`
/// (the seeded snapshots in turn), and how each ended.
pub async fn concurrent_flex_gets(client: &Client, n: u32) -> Vec<atlas_snapshots::Result<()>> {
    let calls = (0..n).map(|i| {
        let client = client.clone();
        tokio::spawn(async move {
            client
                .get_flex_backup_snapshot(GROUP, FLEX, &flex_id(i % 3))
                .await
                .map(|_| ())
        })
    });
    futures::future::join_all(calls)
        .await
        .into_iter()
        .map(|joined| joined.expect("the call's task"))
        .collect()
}

/// The id of the `i`-th seeded snapshot.
pub fn serverless_id(i: u32) -> String {
    sample::serverless_snapshot_in(GROUP, SERVERLESS, i)["id"]
        .as_str()
        .expect("sample has an id")
        .to_owned()
}

pub fn flex_id(i: u32) -> String {
    sample::flex_snapshot_in(GROUP, FLEX, i)["id"]
        .as_str()
        .expect("sample has an id")
        .to_owned()
}

/// A `tracing` writer into a shared buffer, to read what was logged.
#[derive(Clone, Default)]
pub struct Captured(pub Arc<Mutex<Vec<u8>>>);

impl Captured {
    /// Everything written so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

/// Set in the child process [`rerun_alone`] starts.
const CHILD: &str = "ATLAS_SNAPSHOTS_TEST_CHILD";

/// Runs test `name` again, alone in a child process whose whole environment is `vars`:
/// for what is process-wide (the environment `Client::from_env` reads, rustls's default
/// provider), leaving this process's alone. True in the parent once the child passed
/// (the caller returns); false in the child, which goes on with the test.
pub fn rerun_alone(name: &str, vars: &[(&str, &str)]) -> bool {
    if std::env::var_os(CHILD).is_some() {
        return false;
    }
    let output = std::process::Command::new(std::env::current_exe().expect("the test binary"))
        .args([name, "--exact", "--test-threads=1"])
        .env_clear()
        .env(CHILD, "1")
        .envs(vars.iter().copied())
        .output()
        .expect("run the test binary");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains("1 passed"),
        "the child ran {name}: {stdout}"
    );
    true
}

/// One request a [`Loopback`] received.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    /// The path as sent, without the query.
    pub path: String,
    pub query: Option<String>,
    pub headers: http::HeaderMap,
    pub body: Vec<u8>,
}

/// A server on 127.0.0.1 that records every request and answers each with `status`,
/// `headers` and `body`, whatever the route: for the wire shape of operations the
/// stand-in does not serve.
pub struct Loopback {
    pub base_url: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Loopback {
    pub async fn start(status: u16, headers: &[(&str, &str)], body: &str) -> Loopback {
        use http_body_util::{BodyExt, Full};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let received: Arc<Mutex<Vec<Received>>> = Arc::default();
        let record = received.clone();
        let mut answer = http::Response::builder().status(status);
        for (name, value) in headers {
            answer = answer.header(*name, *value);
        }
        let answer = answer.body(bytes::Bytes::from(body.to_owned())).unwrap();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (record, answer) = (record.clone(), answer.clone());
                let service =
                    hyper::service::service_fn(move |req: http::Request<hyper::body::Incoming>| {
                        let (record, answer) = (record.clone(), answer.clone());
                        async move {
                            let (parts, body) = req.into_parts();
                            // Test bodies are small; a broken one reads as empty.
                            let body = body.collect().await.map(|b| b.to_bytes().to_vec());
                            record.lock().unwrap().push(Received {
                                method: parts.method.to_string(),
                                path: parts.uri.path().to_owned(),
                                query: parts.uri.query().map(str::to_owned),
                                headers: parts.headers,
                                body: body.unwrap_or_default(),
                            });
                            Ok::<_, std::convert::Infallible>(answer.map(Full::new))
                        }
                    });
                tokio::spawn(
                    hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service),
                );
            }
        });
        Loopback { base_url, received }
    }

    /// Every request so far, in arrival order.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// A bearer-signed client for it, retrying quickly.
    pub fn client(&self) -> Client {
        builder_for(&self.base_url).build().expect("client builds")
    }
}
