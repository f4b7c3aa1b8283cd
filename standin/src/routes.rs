//! Route matching, parameter and body validation, and serving the seeded world.

use std::sync::PoisonError;
use std::time::Instant;

use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_TYPE, HeaderValue};
use http::{HeaderMap, Method, Response, StatusCode};
use serde_json::Value;

use super::body::ResBody;
use super::envelope::{self, ApiError};
use super::operation::{Family, Operation, Resource};
use super::restore::{self, Job, Request};
use super::store::{Deployment, MAX_JOBS, Store, to_bytes};
use super::{Knobs, Shared, lock};

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
pub(crate) struct Route<'a> {
    pub(crate) op: Operation,
    group: &'a str,
    name: Option<&'a str>,
    id: Option<&'a str>,
}

/// The operation `method` and `path` name, with its raw path parameters.
pub(crate) fn match_route<'a>(method: &Method, path: &'a str) -> Option<Route<'a>> {
    let rest = path.strip_prefix("/api/atlas/v2/groups/")?;
    // Anything past the longest route lands in the seventh piece, which matches nothing.
    let mut seg = rest.splitn(7, '/');
    let group = seg.next()?;
    let family = match seg.next()? {
        "serverless" => Family::Serverless,
        "flexClusters" => Family::Flex,
        _ => return None,
    };
    let name = seg.next();
    let (resource, id) = match (name, seg.next(), seg.next(), seg.next(), seg.next()) {
        (None, ..) => (Resource::Deployments, None),
        (Some(_), None, ..) => (Resource::Deployment, None),
        (Some(_), Some("backup"), Some("snapshots"), None, _) => (Resource::Snapshots, None),
        (Some(_), Some("backup"), Some("snapshots"), id, None) => (Resource::Snapshot, id),
        (Some(_), Some("backup"), Some("restoreJobs"), None, _) if method == Method::POST => {
            (Resource::CreateRestoreJob, None)
        }
        (Some(_), Some("backup"), Some("restoreJobs"), None, _) => (Resource::RestoreJobs, None),
        (Some(_), Some("backup"), Some("restoreJobs"), id, None) => (Resource::RestoreJob, id),
        (Some(_), Some("backup"), Some("download"), None, _) => (Resource::Download, None),
        _ => return None,
    };
    let op = Operation::find(family, resource, method)?;
    Some(Route {
        op,
        group,
        name,
        id,
    })
}

/// Whether the operation's version is gone: [`StandIn::set_gone`](super::StandIn::set_gone)
/// for every deprecated operation, or the stand-in's date past the version's sunset.
fn is_gone(knobs: &Knobs, op: Operation) -> bool {
    let past_sunset = knobs
        .today
        .zip(op.sunset_date())
        .is_some_and(|(today, sunset)| today > sunset);
    op.is_deprecated() && (knobs.gone || past_sunset)
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

/// Whether any entry of header `name` is exactly `media` (parameters and q ignored).
fn names_media(headers: &HeaderMap, name: http::header::HeaderName, media: &str) -> bool {
    headers.get_all(name).iter().any(|v| {
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

fn header_text(headers: &HeaderMap, name: http::header::HeaderName) -> String {
    headers
        .get(name)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default()
}

/// Serves an API route (auth has already succeeded).
pub(crate) fn dispatch(
    shared: &Shared,
    parts: &http::request::Parts,
    body: &[u8],
    route: Option<&Route<'_>>,
) -> Response<ResBody> {
    let path = parts.uri.path();
    let envelope = envelope_requested(parts.uri.query());
    let (gone, plain) = {
        let k = lock(&shared.knobs);
        (
            route.is_some_and(|r| is_gone(&k, r.op)),
            k.envelope_errors_plain,
        )
    };
    let Some(route) = route else {
        let err = ApiError::new(
            StatusCode::NOT_FOUND,
            "RESOURCE_NOT_FOUND",
            format!("Cannot find resource {path}."),
        )
        .param(path);
        return envelope::error_response(&err, envelope, plain);
    };
    let result = if gone {
        Err(envelope::gone(path, route.op.version()))
    } else {
        serve(shared, parts, body, route, envelope)
    };
    let mut resp = match result {
        Ok(resp) => resp,
        Err(err) => envelope::error_response(&err, envelope, plain),
    };
    if route.op.is_deprecated() {
        envelope::add_lifecycle_headers(&mut resp, &lock(&shared.knobs));
    }
    resp
}

/// The name of the deployment's path parameter, as the spec spells it per operation.
fn name_param(op: Operation) -> &'static str {
    match (op.family(), op.resource()) {
        (Family::Serverless, Resource::Deployment) | (Family::Flex, _) => "name",
        (Family::Serverless, _) => "clusterName",
    }
}

fn not_found(path: &str, count: usize, what: String) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "RESOURCE_NOT_FOUND", what)
        .param(path)
        .param(i64::try_from(count).unwrap_or(i64::MAX))
}

/// The deployment a route names, or the 404 for its group or itself.
fn deployment<'s>(
    store: &'s Store,
    family: Family,
    group: &str,
    name: &str,
    path: &str,
) -> Result<&'s Deployment, ApiError> {
    if !store.has_group(group) {
        return Err(not_found(
            path,
            0,
            format!("No group with ID {group} exists."),
        ));
    }
    store.deployment(family, group, name).ok_or_else(|| {
        not_found(
            path,
            0,
            format!("No cluster named {name} exists in group {group}."),
        )
    })
}

fn entity(item: &Bytes, envelope: bool) -> Bytes {
    if envelope {
        envelope::wrap_entity(item)
    } else {
        item.clone()
    }
}

/// The validated path parameters of a request.
struct Target {
    group: String,
    name: String,
    id: String,
}

fn serve(
    shared: &Shared,
    parts: &http::request::Parts,
    body: &[u8],
    route: &Route<'_>,
    envelope: bool,
) -> Result<Response<ResBody>, ApiError> {
    let op = route.op;
    let media = op.media_type();
    if !names_media(&parts.headers, ACCEPT, media) {
        return Err(ApiError::new(
            StatusCode::NOT_ACCEPTABLE,
            "INVALID_VERSION_DATE",
            format!(
                "Invalid accept header or version date. This operation requires Accept: {media}."
            ),
        )
        .param(header_text(&parts.headers, ACCEPT).as_str())
        .param(media));
    }
    if op.http_method() == Method::POST && !names_media(&parts.headers, CONTENT_TYPE, media) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            format!("Invalid Content-Type. This operation requires Content-Type: {media}."),
        )
        .param(header_text(&parts.headers, CONTENT_TYPE).as_str())
        .param(media));
    }
    let group = validated("groupId", route.group, is_object_id, OBJECT_ID_PATTERN)?;
    let name = route
        .name
        .map(|n| validated(name_param(op), n, is_cluster_name, NAME_PATTERN))
        .transpose()?
        .unwrap_or_default();
    let id_param = if op.resource() == Resource::Snapshot {
        "snapshotId"
    } else {
        "restoreJobId"
    };
    let id = route
        .id
        .map(|i| validated(id_param, i, is_object_id, OBJECT_ID_PATTERN))
        .transpose()?
        .unwrap_or_default();
    let target = Target { group, name, id };
    let query = parse_query(parts.uri.query())?;
    let path = parts.uri.path();
    let out = match (op.family(), op.resource()) {
        (family, resource @ (Resource::CreateRestoreJob | Resource::Download)) => {
            let request = match (family, resource) {
                (Family::Serverless, _) => restore::serverless_restore(body)?,
                (Family::Flex, Resource::Download) => restore::flex_download(body)?,
                (Family::Flex, _) => restore::flex_restore(body)?,
            };
            let job = create(shared, op, &target.group, &target.name, request, path)?;
            entity(&job, envelope)
        }
        _ => read(shared, parts, op, &target, &query, envelope)?,
    };
    Ok(envelope::response(
        StatusCode::OK,
        HeaderValue::from_static(media),
        out,
    ))
}

/// The body a read operation answers with.
fn read(
    shared: &Shared,
    parts: &http::request::Parts,
    op: Operation,
    target: &Target,
    query: &ListQuery,
    envelope: bool,
) -> Result<Bytes, ApiError> {
    let Target { group, name, id } = target;
    let (family, path, base) = (op.family(), parts.uri.path(), shared.base_url.as_str());
    let store = shared.data.read().unwrap_or_else(PoisonError::into_inner);
    let page = |items: &[Bytes], total| list_page(base, parts, total, items, query, envelope);
    Ok(match op.resource() {
        Resource::Deployments => {
            if !store.has_group(group) {
                let detail = format!("No group with ID {group} exists.");
                return Err(not_found(path, 0, detail));
            }
            let items: Vec<Bytes> = store
                .deployments(family, group)
                .into_iter()
                .flat_map(|d| d.iter().map(|d| d.description.clone()))
                .collect();
            page(&items[page_range(items.len(), query)], items.len())
        }
        Resource::Deployment => entity(
            &deployment(&store, family, group, name, path)?.description,
            envelope,
        ),
        resource @ (Resource::Snapshots | Resource::Snapshot) => {
            let snapshots = deployment(&store, family, group, name, path)?
                .snapshots
                .clone();
            // Serving copies bytes only, without holding the lock.
            drop(store);
            let items = &snapshots.items;
            if resource == Resource::Snapshots {
                return Ok(page(&items[page_range(items.len(), query)], items.len()));
            }
            let item = snapshots.get(id).ok_or_else(|| {
                let detail = format!("No snapshot with ID {id} exists in cluster {name}.");
                not_found(path, items.len(), detail)
            })?;
            entity(item, envelope)
        }
        Resource::RestoreJobs => {
            let jobs = &deployment(&store, family, group, name, path)?.jobs;
            let now = Instant::now();
            let rendered: Vec<Bytes> = jobs[page_range(jobs.len(), query)]
                .iter()
                .map(|j| to_bytes(&j.render(now)))
                .collect();
            page(&rendered, jobs.len())
        }
        _ => {
            let jobs = &deployment(&store, family, group, name, path)?.jobs;
            let job = jobs.iter().find(|j| &j.id == id).ok_or_else(|| {
                let detail = format!("No restore job with ID {id} exists for cluster {name}.");
                not_found(path, jobs.len(), detail)
            })?;
            entity(&to_bytes(&job.render(Instant::now())), envelope)
        }
    })
}

/// When a snapshot was taken (Serverless) or finished (Flex), as it says itself.
fn snapshot_time(snapshot: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(snapshot).ok()?;
    ["createdAt", "finishTime", "scheduledTime"]
        .into_iter()
        .find_map(|k| v.get(k).and_then(Value::as_str).map(str::to_owned))
}

/// Records a restore job (or download) for the deployment and returns it as answered.
fn create(
    shared: &Shared,
    op: Operation,
    group: &str,
    name: &str,
    request: Request,
    path: &str,
) -> Result<Bytes, ApiError> {
    let plan = lock(&shared.knobs).plan;
    let mut store = shared.data.write().unwrap_or_else(PoisonError::into_inner);
    let family = op.family();
    let found = deployment(&store, family, group, name, path)?;
    let snapshot_time = match request.snapshot_id() {
        Some(id) => {
            let snapshot = found.snapshots.get(id).ok_or_else(|| {
                not_found(
                    path,
                    found.snapshots.items.len(),
                    format!("No snapshot with ID {id} exists in cluster {name}."),
                )
            })?;
            snapshot_time(snapshot)
        }
        None => None,
    };
    if found.jobs.len() >= MAX_JOBS {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "TOO_MANY_RESTORE_JOBS",
            format!("Cluster {name} already has {MAX_JOBS} restore jobs."),
        )
        .param(path));
    }
    let id = store.next_job_id();
    let download_url = request
        .is_download()
        .then(|| format!("{}{DOWNLOADS}{id}/{name}.tar.gz", shared.base_url));
    let job = Job {
        id,
        family,
        group: group.to_owned(),
        name: name.to_owned(),
        created: Instant::now(),
        created_at: std::time::SystemTime::now().into(),
        plan,
        request,
        snapshot_time,
        download_url,
    };
    let answer = to_bytes(&job.render(job.created));
    if let Some(d) = store.deployment_mut(family, group, name) {
        d.jobs.push(job);
    }
    shared.counters.creates[op.index()].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    Ok(answer)
}

/// Where the stand-in serves the links downloads hand out.
const DOWNLOADS: &str = "/standin/downloads/";

/// Serves a download link (`GET /standin/downloads/{jobId}/…`, no sign-in, as a
/// pre-signed URL): the archive while the link lives, 403 once it expired.
pub(crate) fn download_link(
    shared: &Shared,
    parts: &http::request::Parts,
) -> Option<Response<ResBody>> {
    let rest = parts.uri.path().strip_prefix(DOWNLOADS)?;
    let id = rest.split('/').next().unwrap_or_default();
    let store = shared.data.read().unwrap_or_else(PoisonError::into_inner);
    let job = store.download(id).filter(|_| parts.method == Method::GET);
    let xml = HeaderValue::from_static("application/xml");
    let (status, content_type, body) = match job {
        None => (
            StatusCode::NOT_FOUND,
            xml,
            Bytes::from_static(b"<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>"),
        ),
        Some(job) if job.link_expired(Instant::now()) => (
            StatusCode::FORBIDDEN,
            xml,
            Bytes::from_static(b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>"),
        ),
        Some(job) => (
            StatusCode::OK,
            HeaderValue::from_static("application/octet-stream"),
            Bytes::from(format!("stand-in snapshot archive of {} ({})\n", job.name, job.id)),
        ),
    };
    Some(envelope::response(status, content_type, body))
}

/// The positions of the page `q` asks for in a list of `total` items.
fn page_range(total: usize, q: &ListQuery) -> std::ops::Range<usize> {
    let total = total as u64;
    let start = (q.page_num - 1).saturating_mul(q.items_per_page).min(total);
    let end = start.saturating_add(q.items_per_page).min(total);
    // Both are at most `total`, which came from a usize.
    usize::try_from(start).unwrap_or(0)..usize::try_from(end).unwrap_or(0)
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
    total: usize,
    page: &[Bytes],
    q: &ListQuery,
    envelope: bool,
) -> Bytes {
    let more = page_range(total, q).end < total;
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
    if more {
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
