//! Recording of every request received.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use super::lock;

/// One request as the stand-in received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// The method, e.g. `GET`.
    pub method: String,
    /// The path exactly as sent, percent-encoding included.
    pub path: String,
    /// The raw query (after `?`), if the target had one.
    pub query: Option<String>,
    /// Every header as `(lowercase name, value)`, in received order (repeats of a name are
    /// grouped after its first occurrence). Non-UTF-8 values are converted lossily.
    pub headers: Vec<(String, String)>,
    /// The request body.
    pub body: Vec<u8>,
}

impl RecordedRequest {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The request target: path plus `?query` when present.
    pub fn target(&self) -> String {
        match &self.query {
            Some(q) => format!("{}?{q}", self.path),
            None => self.path.clone(),
        }
    }
}

/// Bounded request log.
pub(crate) struct Recorder {
    enabled: AtomicBool,
    limit: usize,
    log: Mutex<VecDeque<RecordedRequest>>,
}

impl Recorder {
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            enabled: AtomicBool::new(true),
            limit,
            log: Mutex::new(VecDeque::new()),
        }
    }

    pub(crate) fn set_enabled(&self, on: bool) {
        self.enabled.store(on, Ordering::Relaxed);
    }

    pub(crate) fn record(&self, parts: &http::request::Parts, body: &[u8]) {
        if self.limit == 0 || !self.enabled.load(Ordering::Relaxed) {
            return;
        }
        let req = RecordedRequest {
            method: parts.method.as_str().to_owned(),
            path: parts.uri.path().to_owned(),
            query: parts.uri.query().map(str::to_owned),
            headers: parts
                .headers
                .iter()
                .map(|(n, v)| {
                    (
                        n.as_str().to_owned(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body: body.to_vec(),
        };
        let mut log = lock(&self.log);
        while log.len() >= self.limit {
            log.pop_front();
        }
        log.push_back(req);
    }

    pub(crate) fn snapshot(&self) -> Vec<RecordedRequest> {
        lock(&self.log).iter().cloned().collect()
    }

    pub(crate) fn clear(&self) {
        lock(&self.log).clear();
    }
}
