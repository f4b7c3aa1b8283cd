//! The public client: one generated method per operation of the spec (build/emit.rs),
//! each validating its parameters before anything is sent, and the one call path they
//! share, which returns this crate's [`Error`].

use std::{borrow::Cow, fmt, str::FromStr, sync::Arc};

use progenitor_client::{ClientInfo, ResponseValue};
use reqwest::{StatusCode, header::HeaderMap};

use super::{
    Inner, Shared,
    error::{ApiFailure, Error, Result},
    invoke::Invocation,
    lifecycle::{LifecycleHeaders, Operation},
    pagination::{PageView, Paginated},
    retry::RateLimit,
    wire::CallRecord,
};
use crate::{
    generated::{self, operations, options},
    types::{self, ApiError},
};

// The public methods, one per operation, their `PageView` impls and paging streams, and
// `Client::invoke`: written by build/emit.rs from the operation table, so they read
// `param`, `range`, `Client::for_call` and `Client::call` below.
include!(concat!(env!("OUT_DIR"), "/methods.rs"));

/// A client for the Atlas backup-snapshot API. Cheap to clone: clones share the
/// connection pool, the OAuth token and the digest nonce.
///
/// ```no_run
/// # async fn run() -> atlas_snapshots::Result<()> {
/// let client = atlas_snapshots::Client::from_env()?;
/// let snapshot = client
///     .get_flex_backup_snapshot("5f1a2b3c4d5e6f7a8b9c0d1e", "Flex0", "6a1b2c3d4e5f6a7b8c9d0e1f")
///     .await?
///     .into_inner();
/// println!("{:?} {:?}", snapshot.status, snapshot.mongo_db_version);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    base_url: String,
    http: reqwest::Client,
    shared: Arc<Shared>,
    /// Set on the copy [`Client::idempotent`] makes.
    idempotent: bool,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url)
            .field("idempotent", &self.idempotent)
            .field("shared", &self.shared)
            .finish()
    }
}

/// A successful answer: the typed value with the status, headers and lifecycle facts it
/// came with.
///
/// The value is reached through [`Response::value`] (or `as_ref()`), never by `Deref`:
/// a snapshot's own `status` field (Atlas's snapshot status) and [`Response::status`]
/// (the HTTP status) would otherwise read alike.
///
/// ```no_run
/// # async fn run(client: atlas_snapshots::Client) -> atlas_snapshots::Result<()> {
/// let response = client
///     .get_flex_backup_snapshot("5f1a2b3c4d5e6f7a8b9c0d1e", "Flex0", "6a1b2c3d4e5f6a7b8c9d0e1f")
///     .await?;
/// println!("HTTP {} after {} attempt(s)", response.status(), response.attempts());
/// println!("snapshot {:?}", response.value().status);
/// let (snapshot, meta) = response.into_parts();
/// println!("{:?} {:?}", snapshot.id, meta.rate_limit());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Response<T> {
    value: T,
    body: bytes::Bytes,
    status: StatusCode,
    headers: HeaderMap,
    lifecycle: LifecycleHeaders,
    attempts: u32,
}

impl<T> Response<T> {
    /// The typed value.
    pub fn value(&self) -> &T {
        &self.value
    }

    /// The typed value, without the rest of the answer.
    pub fn into_inner(self) -> T {
        self.value
    }

    /// The typed value and the rest of the answer (status, headers, body, lifecycle,
    /// attempts) as a `Response<()>`, to keep both without cloning.
    pub fn into_parts(self) -> (T, Response<()>) {
        self.replace_value(())
    }

    /// This answer carrying `value` instead.
    pub(crate) fn with_value<U>(self, value: U) -> Response<U> {
        self.replace_value(value).1
    }

    /// The typed value, and this answer carrying `value` in its place.
    fn replace_value<U>(self, value: U) -> (T, Response<U>) {
        let Response {
            value: old,
            body,
            status,
            headers,
            lifecycle,
            attempts,
        } = self;
        let answer = Response {
            value,
            body,
            status,
            headers,
            lifecycle,
            attempts,
        };
        (old, answer)
    }

    /// The JSON body as received, for callers that want Atlas's exact text, unknown
    /// fields included. For an enveloped entity it is the `content` inside the envelope;
    /// an enveloped list page keeps the `status` field Atlas adds beside `results`.
    pub fn body(&self) -> &bytes::Bytes {
        &self.body
    }

    /// The HTTP status (for an enveloped answer, the status inside the envelope).
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// `Deprecation` and `Sunset` as Atlas sent them (empty when absent or malformed).
    pub fn lifecycle(&self) -> &LifecycleHeaders {
        &self.lifecycle
    }

    /// `RateLimit-Limit` / `RateLimit-Remaining`, where sent.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        RateLimit::from_headers(&self.headers)
    }

    /// HTTP attempts the call took (1 unless retried).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
}

impl<T> AsRef<T> for Response<T> {
    fn as_ref(&self) -> &T {
        &self.value
    }
}

/// The longest path parameter accepted, in bytes. The spec gives these parameters no
/// `maxLength` (typify would check one in `FromStr`): its patterns fix ids at 24
/// characters and leave cluster names unbounded, while real names are far shorter. The
/// bound is checked before the pattern, so a huge value costs nothing, and stays far
/// below the 64 KiB an HTTP request target may hold.
const MAX_PATH_PARAM: usize = 256;

/// A validated path-parameter type of the generated `types` module; build/emit.rs
/// `path_param_impls` writes the impls.
pub(crate) trait PathParam: FromStr {
    /// Whether `value` matches the type's spec pattern, by a matcher build.rs compiled
    /// from the pattern text, or `None` where it compiled none (the regex decides).
    fn quick_match(value: &str) -> Option<bool>;
    /// The value, already matched.
    fn matched(value: &str) -> Self;
}

/// Validates one path parameter against its length bound and spec pattern, naming it
/// (and at most the start of its value) when it fails.
fn param<T>(name: &'static str, value: &str) -> Result<T>
where
    T: PathParam,
    T::Err: fmt::Display,
{
    if value.len() > MAX_PATH_PARAM {
        let mut end = 32;
        while !value.is_char_boundary(end) {
            end -= 1;
        }
        return Err(Error::InvalidArgument {
            parameter: name,
            reason: format!(
                "{:?}… is {} bytes long, more than the {MAX_PATH_PARAM} allowed",
                &value[..end],
                value.len()
            ),
        });
    }
    // The compiled matcher spares a valid value the regex run (about 2k instructions
    // per id, per callgrind); a refused one still goes through the type's `FromStr`, so
    // its error is the regex's own.
    if T::quick_match(value) == Some(true) {
        return Ok(T::matched(value));
    }
    value.parse().map_err(|e: T::Err| Error::InvalidArgument {
        parameter: name,
        reason: format!(
            "{value:?} {}",
            e.to_string().replace("doesn't match", "does not match")
        ),
    })
}

/// The bytes progenitor's `encode_path` leaves alone: printable ASCII but space and
/// `"#<>?`{}/%`. A table, so a segment costs a load per byte, not a scan of the list.
const KEPT_IN_PATH: [bool; 256] = {
    let mut kept = [false; 256];
    let mut b = b'!';
    while b <= b'~' {
        kept[b as usize] = true;
        b += 1;
    }
    let escaped = b"\"#<>?`{}/%";
    let mut i = 0;
    while i < escaped.len() {
        kept[escaped[i] as usize] = false;
        i += 1;
    }
    kept
};

/// One path segment, as progenitor's `encode_path` escapes it, but borrowed when nothing
/// in it needs escaping (a validated id never does): the generated builders call this
/// in its place (build/pipeline.rs), sparing each segment an allocation.
pub(crate) fn path_segment(value: &str) -> Cow<'_, str> {
    if value.bytes().all(|b| KEPT_IN_PATH[usize::from(b)]) {
        Cow::Borrowed(value)
    } else {
        Cow::Owned(progenitor_client::encode_path(value))
    }
}

/// The builder with one optional query parameter added, as progenitor's generated
/// builders add it, when it is set; unchanged, without reqwest reopening the URL's
/// query, when it is not (build/pipeline.rs has the builders call this).
pub(crate) fn query_if_set<T: serde::Serialize>(
    builder: reqwest::RequestBuilder,
    name: &str,
    value: &Option<T>,
) -> reqwest::RequestBuilder {
    match value {
        Some(_) => builder.query(&progenitor_client::QueryParam::new(name, value)),
        None => builder,
    }
}

/// Checks an integer query option against the spec's inclusive bounds.
fn range(
    parameter: &'static str,
    value: Option<i64>,
    min: Option<i64>,
    max: Option<i64>,
) -> Result<()> {
    let Some(value) = value else {
        return Ok(());
    };
    if min.is_none_or(|min| value >= min) && max.is_none_or(|max| value <= max) {
        return Ok(());
    }
    let reason = match (min, max) {
        (Some(min), Some(max)) => format!("must be from {min} to {max}"),
        (Some(min), None) => format!("must be {min} or more"),
        (None, Some(max)) => format!("must be {max} or less"),
        (None, None) => unreachable!("a value without bounds is in range"),
    };
    Err(Error::InvalidArgument { parameter, reason })
}

/// One page of a list call: which page and how many items it may hold (1 to 500).
///
/// ```
/// use atlas_snapshots::PageRequest;
///
/// let third = PageRequest::new(3, 50);
/// assert_eq!((third.page_num, third.items_per_page), (3, 50));
/// assert_eq!(PageRequest::default(), PageRequest::new(1, 100));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PageRequest {
    /// 1-based page number.
    pub page_num: u32,
    /// Items per page, 1 to 500 (Atlas's default is 100).
    pub items_per_page: u32,
}

impl Default for PageRequest {
    /// The first page of 100 items, as Atlas pages without parameters.
    fn default() -> Self {
        PageRequest::new(1, 100)
    }
}

impl PageRequest {
    /// Page `page_num` (1-based) of `items_per_page` items; both are checked against the
    /// spec's bounds when the call is made.
    pub const fn new(page_num: u32, items_per_page: u32) -> Self {
        PageRequest {
            page_num,
            items_per_page,
        }
    }
}

impl Client {
    pub(crate) fn from_parts(base_url: String, http: reqwest::Client, shared: Shared) -> Self {
        Client {
            base_url,
            http,
            shared: Arc::new(shared),
            idempotent: false,
        }
    }

    /// A copy of this client whose calls you declare safe to repeat, so the retry
    /// policy treats them as it treats a GET, whatever their method.
    ///
    /// By default a POST or PATCH is sent again only when it provably was not
    /// processed (see [`RetryPolicy`](crate::RetryPolicy)): after a reset or a timeout
    /// a create may already have started a job, and a second one would start another.
    /// When you know better (the job is looked up and deduplicated afterwards, or a
    /// duplicate is harmless), make the call through this copy:
    ///
    /// ```no_run
    /// use atlas_snapshots::types::FlexBackupRestoreJobCreate;
    ///
    /// # async fn run(client: atlas_snapshots::Client, body: FlexBackupRestoreJobCreate) -> atlas_snapshots::Result<()> {
    /// // Sent again after a reset or a timeout too: this caller lists the cluster's
    /// // restore jobs afterwards, and a second job is harmless to it.
    /// let job = client
    ///     .idempotent()
    ///     .create_flex_restore_job("5f1a2b3c4d5e6f7a8b9c0d1e", "Flex0", &body)
    ///     .await?;
    /// # let _ = job; Ok(()) }
    /// ```
    ///
    /// It is a copy rather than a per-call argument, so every generated method keeps
    /// its signature, and it costs what a clone does (the copy shares the connection
    /// pool, token and nonce). Every call made through the copy is marked, so make it
    /// for the calls that need it and keep using the original for the rest.
    pub fn idempotent(&self) -> Client {
        Client {
            idempotent: true,
            ..self.clone()
        }
    }

    /// The base URL calls go to.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Revokes the cached OAuth token (service accounts only) so it cannot be used again.
    pub async fn revoke_token(&self) -> Result<()> {
        match &self.shared.signer {
            super::auth::Signer::OAuth(cache) => cache.revoke(&self.http).await,
            _ => Ok(()),
        }
    }

    /// A generated client for one call: the shared state, and an empty record the wire
    /// hooks fill (progenitor hands the hooks only the client and the operation id).
    /// Costs the base URL's copy, in place of the per-call state's allocation.
    pub(crate) fn for_call(&self) -> generated::Client {
        generated::Client::new_with_client(
            &self.base_url,
            self.http.clone(),
            Inner::for_call(&self.shared, self.idempotent),
        )
    }

    /// Runs one generated call on its own client (`for_call`), then turns what progenitor
    /// and the wire hooks saw into this crate's result.
    ///
    /// `send` comes boxed: the generated future holds the whole wire pipeline, and
    /// unboxed it would make this future, and the public method's, as large, so each
    /// move of them by the caller would copy all of it (callgrind: ~7k instructions of
    /// memcpy a call when every wrapper moved it, ~1.6k when only the caller's did).
    async fn call<T, F>(
        &self,
        operation: &'static Operation,
        raw: &generated::Client,
        send: std::pin::Pin<Box<F>>,
    ) -> Result<Response<T>>
    where
        F: Future<
            Output = std::result::Result<ResponseValue<T>, progenitor_client::Error<ApiError>>,
        >,
    {
        let inner = raw.inner();
        let span = tracing::info_span!(
            "atlas.call",
            operation = operation.id,
            attempts = tracing::field::Empty,
            status = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        );
        let started = std::time::Instant::now();
        // `instrument`, not `enter`: a guard held across `.await` would leak the span
        // into whatever else runs on this thread meanwhile.
        let scoped = tracing::Instrument::instrument(send, span.clone());
        let outcome = match inner.timeouts.total {
            Some(limit) => tokio::time::timeout(limit, scoped).await.ok(),
            None => Some(scoped.await),
        };
        let record = inner.call.take();
        span.record("attempts", record.attempts);
        span.record("duration_ms", started.elapsed().as_millis() as u64);
        if let Some(status) = record.status {
            span.record("status", status.as_u16());
        }
        span.in_scope(|| inner.deprecation.report(operation, &record.lifecycle));
        let Some(result) = outcome else {
            return Err(Error::Transport {
                message: format!(
                    "{} did not finish within its {:?} total timeout",
                    operation.id,
                    inner.timeouts.total.unwrap_or_default()
                ),
                attempts: record.attempts,
                timeout: true,
                // Cut off mid-attempt, a write may have reached Atlas all the same.
                may_have_been_processed: record.attempts > 0
                    && !inner.idempotent
                    && !operation
                        .http_method
                        .parse()
                        .is_ok_and(|m| crate::ext::retry::is_idempotent(&m)),
                source: None,
            });
        };
        convert(operation, result, record)
    }
}

fn convert<T>(
    operation: &'static Operation,
    result: std::result::Result<ResponseValue<T>, progenitor_client::Error<ApiError>>,
    mut record: CallRecord,
) -> Result<Response<T>> {
    if let Some(error) = record.error.take() {
        return Err(error);
    }
    let attempts = record.attempts;
    let status = record.status.unwrap_or(StatusCode::OK);
    use progenitor_client::Error as P;
    match result {
        Ok(rv) => Ok(Response {
            value: rv.into_inner(),
            body: record.body,
            status,
            headers: record.headers,
            lifecycle: record.lifecycle,
            attempts,
        }),
        Err(P::ErrorResponse(rv)) => {
            let failure = ApiFailure {
                status,
                headers: record.headers,
                body: rv.into_inner(),
                raw: record.body,
                attempts,
            };
            Err(api_error(operation, failure))
        }
        Err(P::UnexpectedResponse(_)) => match serde_json::from_slice::<ApiError>(&record.body) {
            Ok(body) => Err(api_error(
                operation,
                ApiFailure {
                    status,
                    headers: record.headers,
                    body,
                    raw: record.body,
                    attempts,
                },
            )),
            Err(e) => Err(Error::decode(
                status,
                &record.headers,
                &record.body,
                attempts,
                Some(e),
            )),
        },
        Err(P::InvalidResponsePayload(_, e)) => Err(Error::decode(
            status,
            &record.headers,
            &record.body,
            attempts,
            Some(e),
        )),
        Err(P::CommunicationError(e) | P::ResponseBodyError(e) | P::InvalidUpgrade(e)) => {
            Err(Error::transport(e, attempts))
        }
        Err(P::InvalidRequest(reason) | P::Custom(reason)) => Err(Error::InvalidArgument {
            parameter: "request",
            reason,
        }),
    }
}

/// An Atlas error answer, or [`Error::VersionGone`] when it says the version is sunset.
pub(crate) fn api_error(operation: &'static Operation, failure: ApiFailure) -> Error {
    if failure.body.error_code == "VERSION_GONE" {
        Error::VersionGone {
            operation: operation.id,
            sunset: operation.sunset,
            successor: operation.successor,
            failure: Box::new(failure),
        }
    } else {
        Error::Api(Box::new(failure))
    }
}

#[cfg(test)]
mod tests {
    use proptest::{prelude::*, sample::Index};

    use super::*;
    use crate::generated::types::PATH_PARAM_TYPES;

    type Entry = (
        &'static str,
        Option<&'static str>,
        fn(&str) -> Option<bool>,
        fn(&str) -> bool,
    );

    /// The types build.rs compiled a matcher for (the others answer `None` to anything).
    fn compiled() -> Vec<Entry> {
        PATH_PARAM_TYPES
            .iter()
            .copied()
            .filter(|(_, _, quick, _)| quick("").is_some())
            .collect()
    }

    /// The matcher, the type's `FromStr` and the spec's pattern run by `regress` (as
    /// typify's `FromStr` runs it) agree on `value`.
    fn agree(entry: &Entry, value: &str) -> std::result::Result<(), TestCaseError> {
        let (name, pattern, quick, parses) = *entry;
        let regex = regress::Regex::new(pattern.expect("a compiled type has a pattern"))
            .expect("the spec's pattern compiles");
        let expected = regex.find(value).is_some();
        prop_assert_eq!(quick(value), Some(expected), "{} on {:?}", name, value);
        prop_assert_eq!(parses(value), expected, "{} on {:?}", name, value);
        Ok(())
    }

    #[test]
    fn every_path_parameter_has_its_patterns_type_and_the_vendored_ones_a_matcher() {
        for operation in operations::ALL {
            for p in operation.parameters {
                if p.location != crate::ext::lifecycle::ParameterLocation::Path {
                    continue;
                }
                let entry = PATH_PARAM_TYPES
                    .iter()
                    .find(|(name, ..)| *name == p.rust_type)
                    .unwrap_or_else(|| panic!("{} has no matcher entry", p.rust_type));
                assert_eq!(entry.1, p.pattern, "{}.{}", operation.id, p.name);
            }
        }
        let names: Vec<&str> = compiled().iter().map(|e| e.0).collect();
        for name in ["GroupId", "ClusterName", "SnapshotId", "RestoreJobId"] {
            assert!(
                names.contains(&name),
                "{name} has no compiled matcher: {names:?}"
            );
        }
    }

    #[test]
    fn the_matchers_agree_with_regress_at_the_edges() {
        let hex = "0123456789abcdef01234567";
        let edges = [
            String::new(),
            hex.to_owned(),
            hex[1..].to_owned(),
            format!("{hex}0"),
            format!("{hex}\n"),
            format!("\n{hex}"),
            hex.to_ascii_uppercase(),
            hex.replace('a', "g"),
            hex.replace('a', "\u{0}"),
            hex.replace('a', "é"),
            hex.replace('1', "１"),
            "a".into(),
            "-".into(),
            "-a".into(),
            "a-".into(),
            "a--b".into(),
            "Cluster0".into(),
            "Cluster_0".into(),
            "Cluster 0".into(),
            "Clusterİ".into(),
            "a".repeat(256),
        ];
        for entry in compiled() {
            for value in &edges {
                agree(&entry, value).unwrap();
            }
        }
    }

    /// Text near what a pattern matches, and text far from it.
    fn inputs(pattern: &str) -> BoxedStrategy<String> {
        let body = pattern.trim_start_matches('^').trim_end_matches('$');
        let valid = || proptest::string::string_regex(body).expect("proptest reads the pattern");
        let chars = |s: &str| s.chars().collect::<Vec<char>>();
        prop_oneof![
            valid(),
            (valid(), any::<Index>(), any::<char>()).prop_map(move |(s, i, c)| {
                let mut v = chars(&s);
                if !v.is_empty() {
                    let at = i.index(v.len());
                    v[at] = c;
                }
                v.into_iter().collect()
            }),
            (valid(), any::<Index>(), any::<char>()).prop_map(move |(s, i, c)| {
                let mut v = chars(&s);
                v.insert(i.index(v.len() + 1), c);
                v.into_iter().collect()
            }),
            (valid(), any::<Index>()).prop_map(move |(s, i)| {
                let mut v = chars(&s);
                if !v.is_empty() {
                    v.remove(i.index(v.len()));
                }
                v.into_iter().collect()
            }),
            any::<String>(),
            "[a-zA-Z0-9_\\- ]{0,30}",
            "[a-fA-G0-9\u{0}\n\u{e9}-]{22,26}",
        ]
        .boxed()
    }

    fn cases() -> impl Strategy<Value = (Entry, String)> {
        prop::sample::select(compiled())
            .prop_flat_map(|entry| (Just(entry), inputs(entry.1.unwrap_or_default())))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

        /// The segment is what progenitor's `encode_path` writes, for any text.
        #[test]
        fn path_segments_are_encoded_as_progenitor_encodes_them(
            value in prop_oneof![any::<String>(), "[\\x00-\\x7f]{0,24}", "[a-zA-Z0-9 %/?#-]{0,24}"],
        ) {
            prop_assert_eq!(path_segment(&value), progenitor_client::encode_path(&value));
        }

        /// Exactly as strict as the spec: the compiled matcher accepts what `regress`
        /// accepts and nothing else, for every type it was compiled for.
        #[test]
        fn the_compiled_matchers_are_exactly_the_spec_patterns((entry, value) in cases()) {
            agree(&entry, &value)?;
        }
    }
}
