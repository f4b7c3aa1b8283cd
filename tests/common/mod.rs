//! Shared set-up for the integration tests: a seeded stand-in and a client for it.
#![allow(dead_code)]

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
    Client::builder()
        .base_url(standin.base_url())
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
