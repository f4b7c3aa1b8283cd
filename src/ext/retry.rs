//! Retries: which failures are worth another try for which requests, and how long to wait.

use std::time::{Duration, SystemTime};

use reqwest::{Method, StatusCode, header::HeaderMap};

/// When and how often a call is tried again.
///
/// Whether a failed attempt is tried again depends on the request's HTTP method:
///
/// - **GET, PUT, DELETE** (and HEAD, OPTIONS, TRACE: the methods RFC 9110 §9.2.2 calls
///   idempotent) are retried on a rate limit (429), server trouble (500, 502, 503, 504)
///   and any connection failure before the whole answer arrived: refused, reset,
///   truncated body, attempt timeout. Sending one twice does no harm.
/// - **POST, PATCH** (and any other method) are retried only when the request provably
///   was not processed: a 429, a 503 with `Retry-After` (Atlas refusing before doing
///   anything, and saying when to come back), or a connection that could not be made
///   (`reqwest::Error::is_connect`: DNS, refused, unreachable, the connect timeout, TLS
///   or proxy handshake), so no byte of the request was written. After the request may
///   have left (a reset, an attempt timeout, a truncated answer, a 500, 502, 504 or a
///   503 without `Retry-After`) a create could already have started a restore job, so
///   the error is returned and says the request may have been processed.
///   [`Client::idempotent`](crate::Client::idempotent) marks the calls made through
///   a copy of the client as safe to repeat, so they are retried like a GET.
///
/// Below this policy, reqwest and hyper re-send on their own only what never reached
/// the server: a request taken back unsent from a pooled connection that closed, and
/// HTTP/2 `REFUSED_STREAM` or `GOAWAY` with `NO_ERROR`.
///
/// No other 4xx is retried, and a 401 belongs to authentication: a digest challenge or
/// a refused cached OAuth token is answered once inside the attempt, body included,
/// and that is not a retry (Atlas refused the request before processing it). A failure
/// to get a token is retried like a failure to connect: the API request was not sent.
/// The status is the one the answer means: under the envelope the one inside it, and
/// for a success carrying an Atlas error document the one that document names.
///
/// ```
/// use std::time::Duration;
/// use atlas_snapshots::RetryPolicy;
///
/// let patient = RetryPolicy::default()
///     .max_attempts(6)
///     .budget(Duration::from_secs(120));
/// let never = RetryPolicy::disabled();
/// assert_eq!(never.attempts(), 1);
/// # let _ = patient;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
    budget: Duration,
}

impl Default for RetryPolicy {
    /// 4 attempts, backoff from 200 ms doubling up to 10 s with full jitter, a server's
    /// `Retry-After` honoured up to 60 s, and no retry that would start after 90 s.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(60),
            budget: Duration::from_secs(90),
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retries.
    pub fn disabled() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Attempts in all, the first included (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The first backoff; each later one doubles, capped by [`Self::max_backoff`].
    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// The longest computed backoff.
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// The longest server-requested wait (`Retry-After`) that is honoured; a longer one
    /// ends the retries and returns the error, so a caller is never parked for an hour.
    pub fn max_retry_after(mut self, wait: Duration) -> Self {
        self.max_retry_after = wait;
        self
    }

    /// No retry starts if its wait would end later than this after the first attempt.
    pub fn budget(mut self, budget: Duration) -> Self {
        self.budget = budget;
        self
    }

    /// Attempts in all.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// How long to wait before attempt `attempt + 1` (1-based `attempt` just failed), or
    /// `None` to stop. `server_wait` is the answer's `Retry-After`, if any.
    pub(crate) fn next_wait(
        &self,
        attempt: u32,
        elapsed: Duration,
        server_wait: Option<Duration>,
    ) -> Option<Duration> {
        if attempt >= self.max_attempts {
            return None;
        }
        let wait = match server_wait {
            Some(w) if w > self.max_retry_after => return None,
            Some(w) => w,
            None => {
                // Exponential backoff with full jitter (AWS architecture blog's variant).
                let ceiling = self
                    .initial_backoff
                    .saturating_mul(1u32 << attempt.saturating_sub(1).min(20))
                    .min(self.max_backoff);
                // Jitter in whole nanoseconds: `mul_f64` panics when a huge ceiling
                // rounds past `Duration::MAX`.
                let nanos = ceiling.as_nanos().min(u64::MAX as u128) as u64;
                Duration::from_nanos(fastrand::u64(..=nanos))
            }
        };
        (elapsed.saturating_add(wait) <= self.budget).then_some(wait)
    }
}

/// Statuses a retry may cure.
pub(crate) fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 500 | 502 | 503 | 504)
}

/// Whether sending a request with `method` twice has the effect of sending it once
/// (RFC 9110 §9.2.2). Unknown methods are not.
pub(crate) fn is_idempotent(method: &Method) -> bool {
    [
        Method::GET,
        Method::HEAD,
        Method::OPTIONS,
        Method::TRACE,
        Method::PUT,
        Method::DELETE,
    ]
    .contains(method)
}

/// How one attempt ended, as far as trying it again is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ending {
    /// An answer, with the status it means and whether it carried `Retry-After`.
    Answer {
        status: StatusCode,
        retry_after: bool,
    },
    /// A failure that may pass, before any byte of the API request was written:
    /// connecting failed, or getting credentials did.
    NotSent,
    /// A failure after the request may have reached the server: a reset, a timeout,
    /// a truncated answer.
    Lost,
    /// A failure that another try would repeat (a request that cannot be built, a
    /// redirect refused, a body over the cap, credentials refused).
    Final,
}

/// Whether an attempt that ended so is worth another, for a request that is
/// `idempotent` (by its method, or marked so by the caller) or not.
pub(crate) fn worth_retrying(ending: Ending, idempotent: bool) -> bool {
    match ending {
        Ending::Answer { status, .. } if idempotent => is_retryable_status(status),
        // Atlas refused before processing: its rate limiter, or an outage that says
        // when to come back. Any other 5xx may come from a request half done.
        Ending::Answer {
            status,
            retry_after,
        } => {
            status == StatusCode::TOO_MANY_REQUESTS
                || (status == StatusCode::SERVICE_UNAVAILABLE && retry_after)
        }
        Ending::NotSent => true,
        Ending::Lost => idempotent,
        Ending::Final => false,
    }
}

/// `Retry-After` as a wait from now: delay-seconds or an HTTP-date.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = crate::ext::lifecycle::parse_http_date(value)?;
    let at = SystemTime::from(at);
    Some(at.duration_since(SystemTime::now()).unwrap_or_default())
}

/// Atlas's rate-limit headers, which it "might not always" send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimit {
    /// `RateLimit-Limit`: requests allowed in the window.
    pub limit: Option<u64>,
    /// `RateLimit-Remaining`: requests left in the window.
    pub remaining: Option<u64>,
}

impl RateLimit {
    /// Reads the headers; `None` when neither is there.
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        let num = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse().ok())
        };
        let rl = RateLimit {
            limit: num("ratelimit-limit"),
            remaining: num("ratelimit-remaining"),
        };
        (rl.limit.is_some() || rl.remaining.is_some()).then_some(rl)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_stays_under_its_ceiling_and_the_budget() {
        let p = RetryPolicy::default()
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_millis(300));
        for attempt in 1..4 {
            let w = p.next_wait(attempt, Duration::ZERO, None).unwrap();
            assert!(w <= Duration::from_millis(300), "{w:?}");
        }
        assert_eq!(p.next_wait(4, Duration::ZERO, None), None);
        assert_eq!(p.next_wait(1, Duration::from_secs(91), None), None);
    }

    #[test]
    fn server_wait_is_honoured_up_to_the_cap() {
        let p = RetryPolicy::default();
        let w = Some(Duration::from_secs(2));
        assert_eq!(p.next_wait(1, Duration::ZERO, w), w);
        assert_eq!(
            p.next_wait(1, Duration::ZERO, Some(Duration::from_secs(3600))),
            None
        );
    }

    fn duration() -> impl proptest::strategy::Strategy<Value = Duration> {
        use proptest::prelude::*;
        prop_oneof![
            (0u64..120_000).prop_map(Duration::from_millis),
            any::<u64>().prop_map(Duration::from_nanos),
            (any::<u64>(), 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
            Just(Duration::MAX),
        ]
    }

    proptest::proptest! {
        // `next_wait` is crate-private, so its property lives here rather than in
        // tests/properties.rs.
        #[test]
        fn next_wait_never_panics_and_keeps_every_bound(
            attempts in 0u32..10,
            attempt in 0u32..40,
            initial in duration(),
            max_backoff in duration(),
            max_retry_after in duration(),
            budget in duration(),
            elapsed in duration(),
            server in proptest::option::of(duration()),
        ) {
            let p = RetryPolicy::default()
                .max_attempts(attempts)
                .initial_backoff(initial)
                .max_backoff(max_backoff)
                .max_retry_after(max_retry_after)
                .budget(budget);
            if let Some(w) = p.next_wait(attempt, elapsed, server) {
                proptest::prop_assert!(attempt < p.attempts());
                proptest::prop_assert!(elapsed.saturating_add(w) <= budget);
                match server {
                    Some(s) => proptest::prop_assert!(w == s && s <= max_retry_after),
                    None => proptest::prop_assert!(w <= max_backoff && w <= initial.saturating_mul(1 << 20)),
                }
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 256, ..Default::default() })]

        // `retry_after` is crate-private too; tests/properties.rs feeds the public
        // header readers arbitrary bytes.
        #[test]
        fn retry_after_never_panics_and_reads_delay_seconds(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64),
            digits in "[0-9]{1,25}",
        ) {
            if let Ok(value) = reqwest::header::HeaderValue::from_bytes(&bytes) {
                let mut h = HeaderMap::new();
                h.insert("retry-after", value);
                let _ = retry_after(&h);
            }
            // Delay-seconds read as seconds, however many digits (too many is no wait at all).
            let mut h = HeaderMap::new();
            h.insert("retry-after", digits.parse().unwrap());
            proptest::prop_assert_eq!(retry_after(&h), digits.parse().ok().map(Duration::from_secs));
            // A date in the past is "now", never a negative or huge wait.
            h.insert("retry-after", "Sun, 13 Sep 2020 12:26:40 GMT".parse().unwrap());
            proptest::prop_assert_eq!(retry_after(&h), Some(Duration::ZERO));
        }
    }

    #[test]
    fn idempotent_methods_are_those_of_rfc_9110() {
        for m in ["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"] {
            assert!(is_idempotent(&m.parse().unwrap()), "{m}");
        }
        for m in ["POST", "PATCH", "CONNECT", "PURGE"] {
            assert!(!is_idempotent(&m.parse().unwrap()), "{m}");
        }
    }

    /// Every method class against every way an attempt can end.
    #[test]
    fn the_retry_decision_for_each_method_class_and_ending() {
        let answer = |status: u16, retry_after| Ending::Answer {
            status: StatusCode::from_u16(status).unwrap(),
            retry_after,
        };
        let cases = [
            // (ending, retried when idempotent, retried when not)
            (answer(429, false), true, true),
            (answer(429, true), true, true),
            (answer(503, true), true, true),
            (answer(503, false), true, false),
            (answer(500, false), true, false),
            (answer(500, true), true, false),
            (answer(502, false), true, false),
            (answer(504, true), true, false),
            (answer(200, false), false, false),
            (answer(201, false), false, false),
            (answer(400, false), false, false),
            (answer(401, true), false, false),
            (answer(404, false), false, false),
            (answer(409, false), false, false),
            (answer(410, false), false, false),
            (Ending::NotSent, true, true),
            (Ending::Lost, true, false),
            (Ending::Final, false, false),
        ];
        for (ending, idempotent, write) in cases {
            assert_eq!(worth_retrying(ending, true), idempotent, "{ending:?}");
            assert_eq!(worth_retrying(ending, false), write, "{ending:?}");
        }
        for (method, expected) in [("GET", true), ("PUT", true), ("DELETE", true)] {
            let idempotent = is_idempotent(&method.parse().unwrap());
            assert_eq!(worth_retrying(Ending::Lost, idempotent), expected);
        }
        for method in ["POST", "PATCH"] {
            let idempotent = is_idempotent(&method.parse().unwrap());
            assert!(!worth_retrying(Ending::Lost, idempotent), "{method}");
            assert!(!worth_retrying(answer(502, false), idempotent), "{method}");
            assert!(worth_retrying(answer(429, false), idempotent), "{method}");
            assert!(worth_retrying(Ending::NotSent, idempotent), "{method}");
        }
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", "7".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert(
            "retry-after",
            "Wed, 1 Feb 2023 00:00:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        h.insert("retry-after", "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }
}
