//! Lifecycle of the API's operations: versions, deprecation, sunset and successors.

use std::{
    collections::HashSet,
    fmt,
    sync::{Arc, Mutex, OnceLock},
};

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use reqwest::header::{HeaderMap, HeaderName};

/// One operation of the vendored spec, as build.rs read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Operation {
    /// Atlas's short id (`x-xgen-operation-id-override`), e.g. `getServerlessBackupSnapshot`.
    pub id: &'static str,
    /// The spec's `operationId`, e.g. `getGroupServerlessBackupSnapshot`.
    pub spec_id: &'static str,
    /// The name of the [`Client`](crate::Client) method that calls it.
    pub method_name: &'static str,
    /// HTTP method.
    pub http_method: &'static str,
    /// Path template.
    pub path: &'static str,
    /// The spec's one-line summary.
    pub summary: &'static str,
    /// The versioned media type sent in `Accept`, e.g. `application/vnd.atlas.2023-01-01+json`.
    pub media_type: &'static str,
    /// The versioned media type of the request body, sent as `Content-Type`.
    pub content_type: Option<&'static str>,
    /// The resource version it is generated for, e.g. `2023-01-01` (the manifest's pin).
    pub version: &'static str,
    /// Every version the vendored spec has for it, oldest first; `version` is one of them.
    pub versions: &'static [&'static str],
    /// Whether the spec marks the operation deprecated.
    pub deprecated: bool,
    /// The spec's `x-sunset` date (`YYYY-MM-DD`) for this version.
    pub sunset: Option<&'static str>,
    /// The method name of the operation that replaces this one.
    pub successor: Option<&'static str>,
    /// Atlas's documentation page for the operation.
    pub docs_url: Option<&'static str>,
    /// The spec's first tag, e.g. `Flex Restore Jobs` (the Atlas CLI's `atlas api` group).
    pub tag: &'static str,
    /// The spec's description, beyond the summary.
    pub description: Option<&'static str>,
    /// `x-rolesRequirements`: the project roles any one of which may call it.
    pub roles: &'static [&'static str],
    /// The friendly CLI command that runs it, e.g. `["flex", "restore", "create"]`
    /// (spec/manifest.yaml's `cli:`).
    pub command: Option<&'static [&'static str]>,
    /// Its path and query parameters: path parameters in the template's order, then the
    /// query in spec order.
    pub parameters: &'static [Parameter],
    /// The name of the request body's type in [`types`](crate::types), if it takes one.
    /// A body is always required: an operation with an optional one is not generated.
    pub request_body: Option<&'static str>,
    /// The success statuses, lowest first.
    pub success: &'static [u16],
    /// The request body's top-level fields of one value each, by name (what a
    /// command line can set one flag at a time); empty without a body.
    pub body_fields: &'static [BodyField],
    /// The name of the success body's type in [`types`](crate::types), if it has a body.
    pub body_type: Option<&'static str>,
    /// The item type in [`types`](crate::types) when the body is a page; the operation
    /// then has a paging stream, named after it without `list_`.
    pub page_item: Option<&'static str>,
    /// Whether it takes `envelope` (set for every call by
    /// [`ClientBuilder::envelope`](crate::ClientBuilder::envelope)).
    pub envelope: bool,
    /// Whether it takes `pretty`. Not offered as an option: it changes only the
    /// whitespace of [`Response::body`](crate::Response::body).
    pub pretty: bool,
}

/// Where a parameter goes in the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParameterLocation {
    /// A `{name}` segment of the path template.
    Path,
    /// The query string.
    Query,
}

/// One parameter of an [`Operation`], as the spec declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Parameter {
    /// The wire name, e.g. `groupId`.
    pub name: &'static str,
    /// The name of the method argument or options field, e.g. `group_id`.
    pub rust_name: &'static str,
    /// Path or query.
    pub location: ParameterLocation,
    /// The Rust type it is checked as: a validated type of [`types`](crate::types)
    /// (`GroupId`) for a path parameter, else `bool`, `u32`, `i64` or `String`.
    pub rust_type: &'static str,
    /// The spec's pattern, checked before anything is sent.
    pub pattern: Option<&'static str>,
    /// Whether the spec requires it (path parameters always are).
    pub required: bool,
    /// The spec's inclusive bounds of an integer, checked before anything is sent.
    pub minimum: Option<i64>,
    /// See `minimum`.
    pub maximum: Option<i64>,
    /// The spec's description of it.
    pub description: Option<&'static str>,
}

/// A top-level field of one value (a string, number or boolean) in an operation's
/// request body, as the spec declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct BodyField {
    /// The wire name, e.g. `snapshotId`.
    pub name: &'static str,
    /// Its JSON type: `string`, `integer`, `number` or `boolean`.
    pub kind: &'static str,
    /// Whether the body must have it.
    pub required: bool,
    /// The values it takes when the spec closes them (an enum); else empty.
    pub values: &'static [&'static str],
    /// The spec's description of it.
    pub description: Option<&'static str>,
}

impl Operation {
    /// The sunset date from the spec, parsed.
    pub fn sunset_date(&self) -> Option<NaiveDate> {
        self.sunset
            .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
    }

    /// The operation that replaces this one, from the operation table.
    pub fn successor_operation(&self) -> Option<&'static Operation> {
        let successor = self.successor?;
        crate::operations::ALL
            .iter()
            .copied()
            .find(|op| op.method_name == successor)
    }
}

/// What a response's `Deprecation` header said (RFC 9745 and its draft).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Deprecation {
    /// Deprecated since (or from) this moment: an HTTP-date or RFC 9745's `@<epoch>`.
    Since(DateTime<Utc>),
    /// The older draft's bare `true`, which Prism sends: deprecated, no date.
    Flagged,
}

/// The lifecycle headers of one answer. A malformed header reads as absent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LifecycleHeaders {
    /// `Deprecation`.
    pub deprecation: Option<Deprecation>,
    /// `Sunset` (RFC 8594).
    pub sunset: Option<DateTime<Utc>>,
}

/// The names, made once: a lookup by `&str` parses the name on every call.
static DEPRECATION: HeaderName = HeaderName::from_static("deprecation");
static SUNSET: HeaderName = HeaderName::from_static("sunset");

impl LifecycleHeaders {
    /// Reads `Deprecation` and `Sunset`; never fails.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
        LifecycleHeaders {
            deprecation: text(&DEPRECATION).and_then(parse_deprecation),
            sunset: text(&SUNSET).and_then(parse_date_or_epoch),
        }
    }

    /// Whether either header was present and readable.
    pub fn is_empty(&self) -> bool {
        self.deprecation.is_none() && self.sunset.is_none()
    }
}

/// Parses a `Deprecation` header value: `@<epoch>`, an HTTP-date, or `true`.
pub(crate) fn parse_deprecation(value: &str) -> Option<Deprecation> {
    let value = value.trim();
    if value.eq_ignore_ascii_case("true") {
        return Some(Deprecation::Flagged);
    }
    parse_date_or_epoch(value).map(Deprecation::Since)
}

fn parse_date_or_epoch(value: &str) -> Option<DateTime<Utc>> {
    let value = value.trim();
    match value.strip_prefix('@') {
        Some(epoch) => DateTime::from_timestamp(epoch.trim().parse().ok()?, 0),
        None => parse_http_date(value),
    }
}

/// Parses an HTTP-date leniently: IMF-fixdate with or without a zero-padded day
/// (Atlas's docs show `Wed, 1 Feb 2023 00:00:00 GMT`), RFC 850 and asctime forms.
pub(crate) fn parse_http_date(value: &str) -> Option<DateTime<Utc>> {
    let value = value.trim();
    if let Ok(t) = DateTime::parse_from_rfc2822(value) {
        return Some(t.with_timezone(&Utc));
    }
    ["%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(value, f).ok())
        .map(|t| t.and_utc())
}

/// A deprecated operation was called: what, until when, and what to use instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeprecationNotice {
    /// The operation called.
    pub operation: &'static Operation,
    /// The lifecycle headers of Atlas's answer, when it sent any.
    pub headers: Option<LifecycleHeaders>,
    /// The sunset date: the header's when Atlas sent one, else the spec's.
    pub sunset: Option<NaiveDate>,
    /// Days from today to the sunset (negative once it has passed).
    pub days_left: Option<i64>,
}

impl DeprecationNotice {
    /// The notice for a call of `operation` answered with `headers`, or `None` when
    /// neither the spec nor the answer says the operation is deprecated.
    pub fn new(
        operation: &'static Operation,
        headers: &LifecycleHeaders,
        today: NaiveDate,
    ) -> Option<Self> {
        if !operation.deprecated && headers.is_empty() {
            return None;
        }
        let sunset = headers
            .sunset
            .map(|t| t.date_naive())
            .or_else(|| operation.sunset_date());
        Some(DeprecationNotice {
            operation,
            headers: (!headers.is_empty()).then_some(*headers),
            sunset,
            days_left: sunset.map(|s| (s - today).num_days()),
        })
    }
}

impl fmt::Display for DeprecationNotice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = self.operation;
        write!(f, "{} (version {}) is deprecated", op.id, op.version)?;
        match (self.sunset, self.days_left) {
            (Some(date), Some(days)) if days < 0 => {
                write!(f, "; sunset {date}, {} days ago", -days)?
            }
            (Some(date), Some(days)) => write!(f, "; sunset {date}, in {days} days")?,
            _ => {}
        }
        if let Some(successor) = op.successor {
            write!(f, "; use {successor} instead")?;
        }
        Ok(())
    }
}

/// A callback for deprecation notices, in place of the default tracing warning.
pub(crate) type DeprecationHandler = Arc<dyn Fn(&DeprecationNotice) + Send + Sync>;

/// What the client does when a deprecated operation is called.
#[derive(Clone, Default)]
pub(crate) enum DeprecationWarnings {
    /// One `tracing` warning (target `atlas_snapshots::lifecycle`) per operation per process.
    #[default]
    Log,
    /// Your handler, called once per operation per process.
    Handler(DeprecationHandler),
    /// Nothing.
    Off,
}

impl fmt::Debug for DeprecationWarnings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DeprecationWarnings::Log => "Log",
            DeprecationWarnings::Handler(_) => "Handler",
            DeprecationWarnings::Off => "Off",
        })
    }
}

/// Process-wide memory of the operations already reported, so each is reported once.
fn first_report(operation: &Operation) -> bool {
    static SEEN: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut seen = SEEN
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    seen.insert(operation.id)
}

impl DeprecationWarnings {
    /// Reports a call of `operation` whose answer carried `headers`, once per process.
    pub(crate) fn report(&self, operation: &'static Operation, headers: &LifecycleHeaders) {
        // The common case, a live operation answered without lifecycle headers, costs
        // no clock read and no lock.
        if matches!(self, DeprecationWarnings::Off) || (!operation.deprecated && headers.is_empty())
        {
            return;
        }
        let Some(notice) = DeprecationNotice::new(operation, headers, Utc::now().date_naive())
        else {
            return;
        };
        if !first_report(operation) {
            return;
        }
        match self {
            DeprecationWarnings::Handler(handler) => handler(&notice),
            _ => tracing::warn!(
                target: "atlas_snapshots::lifecycle",
                operation = notice.operation.id,
                sunset = ?notice.sunset,
                days_left = ?notice.days_left,
                successor = ?notice.operation.successor,
                "{notice}"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn http_dates_with_and_without_zero_padding() {
        let feb1 = at("2023-02-01T00:00:00Z");
        assert_eq!(parse_http_date("Wed, 1 Feb 2023 00:00:00 GMT"), Some(feb1));
        assert_eq!(parse_http_date("Wed, 01 Feb 2023 00:00:00 GMT"), Some(feb1));
        assert_eq!(
            parse_http_date("Wednesday, 01-Feb-23 00:00:00 GMT"),
            Some(feb1)
        );
        assert_eq!(parse_http_date("Wed Feb  1 00:00:00 2023"), Some(feb1));
        assert_eq!(parse_http_date("yesterday"), None);
    }

    #[test]
    fn deprecation_header_forms() {
        assert_eq!(parse_deprecation("true"), Some(Deprecation::Flagged));
        assert_eq!(
            parse_deprecation("@1769040000"),
            Some(Deprecation::Since(at("2026-01-22T00:00:00Z")))
        );
        assert_eq!(
            parse_deprecation("Sun, 1 Jun 2025 00:00:00 GMT"),
            Some(Deprecation::Since(at("2025-06-01T00:00:00Z")))
        );
        for garbage in [
            "",
            "@",
            "@abc",
            "false",
            "tomorrow",
            "@99999999999999999999",
        ] {
            assert_eq!(parse_deprecation(garbage), None, "{garbage:?}");
        }
    }

    fn imf_fixdate(t: DateTime<Utc>) -> String {
        t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
    }

    /// Seconds from 0001-01-01 to 9999-12-31: the years an HTTP-date can spell.
    const YEARS_1_TO_9999: std::ops::Range<i64> = -62_135_596_800..253_402_300_800;

    // The parsers are crate-private, so their properties live here rather than in
    // tests/properties.rs (which checks `LifecycleHeaders::from_headers` on any bytes).
    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 256, ..Default::default() })]

        #[test]
        fn date_and_deprecation_parsers_never_panic(
            s in proptest::prelude::any::<String>(),
            dateish in "[A-Za-z]{3}, [0-9]{1,2} [A-Za-z]{3} -?[0-9]{1,6} [0-9]{2}:[0-9]{2}:[0-9]{2} (GMT|UTC|[+-][0-9]{4})",
        ) {
            let _ = parse_http_date(&s);
            let _ = parse_deprecation(&s);
            let _ = parse_http_date(&dateish);
            let _ = parse_deprecation(&format!("@{s}"));
        }

        #[test]
        fn http_dates_and_epochs_read_back_exactly(secs in YEARS_1_TO_9999) {
            let t = DateTime::from_timestamp(secs, 0).unwrap();
            proptest::prop_assert_eq!(parse_http_date(&imf_fixdate(t)), Some(t));
            proptest::prop_assert_eq!(parse_deprecation(&imf_fixdate(t)), Some(Deprecation::Since(t)));
            proptest::prop_assert_eq!(parse_deprecation(&format!("@{secs}")), Some(Deprecation::Since(t)));
        }
    }

    #[test]
    fn malformed_headers_read_as_absent() {
        let mut h = HeaderMap::new();
        h.insert("deprecation", "soon".parse().unwrap());
        h.insert("sunset", "Sun, 1 Jun 2025 00:00:00 GMT".parse().unwrap());
        let l = LifecycleHeaders::from_headers(&h);
        assert_eq!(l.deprecation, None);
        assert_eq!(l.sunset, Some(at("2025-06-01T00:00:00Z")));
    }

    #[test]
    fn the_notice_counts_days_to_the_sunset_and_names_the_successor() {
        let op = &crate::operations::GET_SERVERLESS_BACKUP_SNAPSHOT;
        let today = NaiveDate::from_ymd_opt(2026, 1, 20).unwrap();
        let notice = DeprecationNotice::new(op, &LifecycleHeaders::default(), today).unwrap();
        assert_eq!(notice.days_left, Some(2));
        let text = notice.to_string();
        assert!(text.contains("sunset 2026-01-22, in 2 days"), "{text}");
        assert!(
            text.contains("use get_flex_backup_snapshot instead"),
            "{text}"
        );
        let later = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        let past = DeprecationNotice::new(op, &LifecycleHeaders::default(), later).unwrap();
        assert!(past.to_string().contains("311 days ago"), "{past}");
        let flex = &crate::operations::GET_FLEX_BACKUP_SNAPSHOT;
        assert_eq!(
            DeprecationNotice::new(flex, &LifecycleHeaders::default(), today),
            None
        );
        assert_eq!(op.successor_operation(), Some(flex));
    }
}
