//! Route matching, parameter validation, and the seeded snapshot data.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError};

use bytes::Bytes;
use http::header::{ACCEPT, HeaderValue};
use http::{Method, Response, StatusCode};
use serde_json::Value;

use super::body::ResBody;
use super::envelope::{self, ApiError};
use super::{FLEX_MEDIA_TYPE, SERVERLESS_MEDIA_TYPE, Shared, lock};

/// Which family of operations a route belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Serverless,
    Flex,
}

impl Kind {
    fn media_type(self) -> &'static str {
        match self {
            Kind::Serverless => SERVERLESS_MEDIA_TYPE,
            Kind::Flex => FLEX_MEDIA_TYPE,
        }
    }

    fn name_param(self) -> &'static str {
        match self {
            Kind::Serverless => "clusterName",
            Kind::Flex => "name",
        }
    }

    fn index(self) -> usize {
        match self {
            Kind::Serverless => 0,
            Kind::Flex => 1,
        }
    }
}

/// The snapshots of one cluster, pre-serialized so serving them copies bytes only.
pub(crate) struct Cluster {
    items: Vec<Bytes>,
    by_id: HashMap<String, usize>,
}

impl Cluster {
    pub(crate) fn new(snapshots: Vec<Value>) -> Self {
        let mut by_id = HashMap::with_capacity(snapshots.len());
        let items = snapshots
            .iter()
            .enumerate()
            .map(|(i, v)| {
                if let Some(id) = v.get("id").and_then(Value::as_str) {
                    by_id.entry(id.to_owned()).or_insert(i);
                }
                Bytes::from(serde_json::to_vec(v).unwrap_or_default())
            })
            .collect();
        Cluster { items, by_id }
    }
}

/// All seeded clusters: `[kind][group][name]`.
#[derive(Default)]
pub(crate) struct Store {
    clusters: [HashMap<String, HashMap<String, Arc<Cluster>>>; 2],
}

impl Store {
    pub(crate) fn insert(&mut self, kind: Kind, group: &str, name: &str, cluster: Cluster) {
        self.clusters[kind.index()]
            .entry(group.to_owned())
            .or_default()
            .insert(name.to_owned(), Arc::new(cluster));
    }

    fn get(&self, kind: Kind, group: &str, name: &str) -> Option<Arc<Cluster>> {
        self.clusters[kind.index()]
            .get(group)
            .and_then(|g| g.get(name))
            .cloned()
    }
}

/// The vendor media type for a path (used by faults that answer "successfully").
pub(crate) fn media_type_for_path(path: &str) -> &'static str {
    if path.contains("/flexClusters/") {
        FLEX_MEDIA_TYPE
    } else {
        SERVERLESS_MEDIA_TYPE
    }
}

/// Whether the raw query asks for `envelope=true`.
pub(crate) fn envelope_requested(query: Option<&str>) -> bool {
    query.is_some_and(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .filter(|(k, _)| k == "envelope")
            .last()
            .is_some_and(|(_, v)| v.eq_ignore_ascii_case("true"))
    })
}

/// A matched API route (raw, still percent-encoded segments).
struct Route<'a> {
    kind: Kind,
    group: &'a str,
    name: &'a str,
    snapshot: Option<&'a str>,
}

fn match_route(path: &str) -> Option<Route<'_>> {
    let rest = path.strip_prefix("/api/atlas/v2/groups/")?;
    let mut seg = rest.split('/');
    let group = seg.next()?;
    let kind = match seg.next()? {
        "serverless" => Kind::Serverless,
        "flexClusters" => Kind::Flex,
        _ => return None,
    };
    let name = seg.next()?;
    if seg.next()? != "backup" || seg.next()? != "snapshots" {
        return None;
    }
    let snapshot = seg.next();
    if seg.next().is_some() {
        return None;
    }
    Some(Route {
        kind,
        group,
        name,
        snapshot,
    })
}

/// Percent-decodes a path segment; `None` if the result is not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    if !s.contains('%') {
        return Some(s.to_owned());
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hi = (b[i + 1] as char).to_digit(16);
            let lo = (b[i + 2] as char).to_digit(16);
            if let (Some(hi), Some(lo)) = (hi, lo) {
                out.push((hi * 16 + lo) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// `^([a-f0-9]{24})$`
pub(crate) fn is_object_id(s: &str) -> bool {
    s.len() == 24 && s.bytes().all(|c| matches!(c, b'a'..=b'f' | b'0'..=b'9'))
}

/// `^[a-zA-Z0-9][a-zA-Z0-9-]*$`
pub(crate) fn is_cluster_name(s: &str) -> bool {
    let mut bytes = s.bytes();
    bytes.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && bytes.all(|c| c.is_ascii_alphanumeric() || c == b'-')
}

const OBJECT_ID_PATTERN: &str = "^([a-f0-9]{24})$";
const NAME_PATTERN: &str = "^[a-zA-Z0-9][a-zA-Z0-9-]*$";

fn invalid_path_param(name: &str, raw: &str, pattern: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "INVALID_PARAMETER",
        format!("Invalid value for path parameter {name}: it must match {pattern}."),
    )
    .param(name)
    .param(raw)
}

fn validated(
    name: &str,
    raw: &str,
    check: fn(&str) -> bool,
    pattern: &str,
) -> Result<String, ApiError> {
    match percent_decode(raw) {
        Some(v) if check(&v) => Ok(v),
        Some(v) => Err(invalid_path_param(name, &v, pattern)),
        None => Err(invalid_path_param(name, raw, pattern)),
    }
}

/// Whether any `Accept` entry is exactly `media` (parameters and q ignored).
fn accepts(headers: &http::HeaderMap, media: &str) -> bool {
    headers.get_all(ACCEPT).iter().any(|v| {
        v.to_str().is_ok_and(|s| {
            s.split(',').any(|entry| {
                entry
                    .split(';')
                    .next()
                    .is_some_and(|t| t.trim().eq_ignore_ascii_case(media))
            })
        })
    })
}

/// Validated list query parameters.
struct ListQuery {
    page_num: u64,
    items_per_page: u64,
    include_count: bool,
}

fn invalid_query(name: &str, value: &str, rule: &str) -> ApiError {
    let err = ApiError::new(
        StatusCode::BAD_REQUEST,
        "INVALID_PARAMETER",
        format!("Invalid value for query parameter {name}: {rule}."),
    )
    .param(name);
    match value.parse::<i64>() {
        Ok(n) => err.param(n),
        Err(_) => err.param(value),
    }
}

fn parse_bool(name: &str, v: &str) -> Result<bool, ApiError> {
    if v.eq_ignore_ascii_case("true") {
        Ok(true)
    } else if v.eq_ignore_ascii_case("false") {
        Ok(false)
    } else {
        Err(invalid_query(name, v, "must be true or false"))
    }
}

fn parse_query(query: Option<&str>) -> Result<ListQuery, ApiError> {
    let mut q = ListQuery {
        page_num: 1,
        items_per_page: 100,
        include_count: true,
    };
    let Some(query) = query else { return Ok(q) };
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        match &*k {
            // The spec's only bound is `minimum: 1`: any larger integer is a page past
            // the end, so one beyond u64 reads as u64::MAX rather than as an error.
            "pageNum" => match v.parse::<u64>() {
                Ok(n) if n >= 1 => q.page_num = n,
                Err(e) if *e.kind() == std::num::IntErrorKind::PosOverflow => {
                    q.page_num = u64::MAX;
                }
                _ => return Err(invalid_query("pageNum", &v, "must be an integer >= 1")),
            },
            "itemsPerPage" => match v.parse::<u64>() {
                Ok(n) if (1..=500).contains(&n) => q.items_per_page = n,
                _ => {
                    return Err(invalid_query(
                        "itemsPerPage",
                        &v,
                        "must be an integer from 1 to 500",
                    ));
                }
            },
            "includeCount" => q.include_count = parse_bool("includeCount", &v)?,
            // `pretty` only changes whitespace, which the stand-in leaves compact.
            "envelope" | "pretty" => {
                parse_bool(&k, &v)?;
            }
            _ => {}
        }
    }
    Ok(q)
}

/// Serves an API route (auth has already succeeded).
pub(crate) fn dispatch(shared: &Shared, parts: &http::request::Parts) -> Response<ResBody> {
    let path = parts.uri.path();
    let envelope = envelope_requested(parts.uri.query());
    let (gone, plain) = {
        let k = lock(&shared.knobs);
        (k.gone, k.envelope_errors_plain)
    };
    let route = match match_route(path) {
        Some(r) if parts.method == Method::GET => r,
        _ => {
            let err = ApiError::new(
                StatusCode::NOT_FOUND,
                "RESOURCE_NOT_FOUND",
                format!("Cannot find resource {path}."),
            )
            .param(path);
            return envelope::error_response(&err, envelope, plain);
        }
    };
    let result = if gone && route.kind == Kind::Serverless {
        Err(envelope::gone(path))
    } else {
        serve(shared, parts, &route, envelope)
    };
    let mut resp = match result {
        Ok(resp) => resp,
        Err(err) => envelope::error_response(&err, envelope, plain),
    };
    if route.kind == Kind::Serverless {
        envelope::add_lifecycle_headers(&mut resp, &lock(&shared.knobs));
    }
    resp
}

fn serve(
    shared: &Shared,
    parts: &http::request::Parts,
    route: &Route<'_>,
    envelope: bool,
) -> Result<Response<ResBody>, ApiError> {
    let media = route.kind.media_type();
    if !accepts(&parts.headers, media) {
        let got = parts
            .headers
            .get(ACCEPT)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .unwrap_or_default();
        return Err(ApiError::new(
            StatusCode::NOT_ACCEPTABLE,
            "INVALID_VERSION_DATE",
            format!(
                "Invalid accept header or version date. This operation requires Accept: {media}."
            ),
        )
        .param(got.as_str())
        .param(media));
    }
    let group = validated("groupId", route.group, is_object_id, OBJECT_ID_PATTERN)?;
    let name = validated(
        route.kind.name_param(),
        route.name,
        is_cluster_name,
        NAME_PATTERN,
    )?;
    let snapshot = route
        .snapshot
        .map(|s| validated("snapshotId", s, is_object_id, OBJECT_ID_PATTERN))
        .transpose()?;
    let query = parse_query(parts.uri.query())?;
    let path = parts.uri.path();
    let cluster = shared
        .data
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .get(route.kind, &group, &name);
    let not_found = |count: usize, what: String| {
        ApiError::new(StatusCode::NOT_FOUND, "RESOURCE_NOT_FOUND", what)
            .param(path)
            .param(i64::try_from(count).unwrap_or(i64::MAX))
    };
    let Some(cluster) = cluster else {
        return Err(not_found(
            0,
            format!("No cluster named {name} exists in group {group}."),
        ));
    };
    let content_type = HeaderValue::from_static(media);
    let body = match snapshot {
        Some(id) => {
            let Some(&i) = cluster.by_id.get(&id) else {
                return Err(not_found(
                    cluster.items.len(),
                    format!("No snapshot with ID {id} exists in cluster {name}."),
                ));
            };
            let item = &cluster.items[i];
            if envelope {
                envelope::wrap_entity(item)
            } else {
                item.clone()
            }
        }
        None => list_page(&shared.base_url, parts, &cluster, &query, envelope),
    };
    Ok(envelope::response(StatusCode::OK, content_type, body))
}

fn page_href(base: &str, path: &str, query: Option<&str>, page: u64) -> String {
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    let mut replaced = false;
    if let Some(q) = query {
        for (k, v) in url::form_urlencoded::parse(q.as_bytes()) {
            if k == "pageNum" {
                if !replaced {
                    ser.append_pair("pageNum", &page.to_string());
                    replaced = true;
                }
            } else {
                ser.append_pair(&k, &v);
            }
        }
    }
    if !replaced {
        ser.append_pair("pageNum", &page.to_string());
    }
    format!("{base}{path}?{}", ser.finish())
}

fn push_link(out: &mut Vec<u8>, href: &str, rel: &str) {
    out.extend_from_slice(b"{\"href\":");
    let _ = serde_json::to_writer(&mut *out, href);
    out.extend_from_slice(b",\"rel\":\"");
    out.extend_from_slice(rel.as_bytes());
    out.extend_from_slice(b"\"}");
}

fn list_page(
    base: &str,
    parts: &http::request::Parts,
    cluster: &Cluster,
    q: &ListQuery,
    envelope: bool,
) -> Bytes {
    let total = cluster.items.len() as u64;
    let start = (q.page_num - 1).saturating_mul(q.items_per_page);
    let end = start.saturating_add(q.items_per_page).min(total);
    let page: &[Bytes] = if start < total {
        &cluster.items[start as usize..end as usize]
    } else {
        &[]
    };
    let path = parts.uri.path();
    let query = parts.uri.query();
    let size: usize = page.iter().map(|b| b.len() + 1).sum();
    let mut out = Vec::with_capacity(size + 512);
    out.extend_from_slice(b"{\"links\":[");
    let self_href = match query {
        Some(q) => format!("{base}{path}?{q}"),
        None => format!("{base}{path}"),
    };
    push_link(&mut out, &self_href, "self");
    if end < total {
        out.push(b',');
        push_link(
            &mut out,
            &page_href(base, path, query, q.page_num + 1),
            "next",
        );
    }
    if q.page_num > 1 {
        out.push(b',');
        push_link(
            &mut out,
            &page_href(base, path, query, q.page_num - 1),
            "previous",
        );
    }
    out.extend_from_slice(b"],\"results\":[");
    for (i, item) in page.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(item);
    }
    out.push(b']');
    if envelope {
        out.extend_from_slice(b",\"status\":200");
    }
    if q.include_count {
        out.extend_from_slice(b",\"totalCount\":");
        out.extend_from_slice(total.to_string().as_bytes());
    }
    out.push(b'}');
    Bytes::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_checks_match_the_patterns() {
        assert!(is_object_id("5f1a2b3c4d5e6f7a8b9c0d1e"));
        assert!(!is_object_id("5F1A2B3C4D5E6F7A8B9C0D1E"));
        assert!(!is_object_id("5f1a2b3c4d5e6f7a8b9c0d1"));
        assert!(is_cluster_name("Serverless0"));
        assert!(is_cluster_name("a-b-"));
        assert!(!is_cluster_name("-a"));
        assert!(!is_cluster_name(""));
        assert!(!is_cluster_name("a_b"));
    }

    #[test]
    fn percent_decoding_is_total() {
        assert_eq!(percent_decode("a%2Db").as_deref(), Some("a-b"));
        assert_eq!(percent_decode("a%").as_deref(), Some("a%"));
        assert_eq!(percent_decode("a%4").as_deref(), Some("a%4"));
        assert_eq!(percent_decode("%zz").as_deref(), Some("%zz"));
        assert_eq!(percent_decode("%ff"), None);
    }
}
