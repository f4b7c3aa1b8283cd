//! What the stand-in's domain tests share: a seeded world and raw HTTP helpers.
#![allow(dead_code)]

use std::time::Duration;

use atlas_snapshots_standin::{FLEX_MEDIA_TYPE, SERVERLESS_MEDIA_TYPE, StandIn, sample};
use serde_json::Value;

pub const G: &str = sample::GROUP_ID;
pub const MIGRATED: &str = sample::SERVERLESS_NAME;
pub const FLEX_ONLY: &str = sample::FLEX_NAME;
pub const UNMIGRATED: &str = sample::UNMIGRATED_NAME;

/// A stand-in with the migration world and restore steps of `step`.
pub async fn world(step: Duration) -> StandIn {
    let s = StandIn::builder()
        .restore_step(step)
        .start()
        .await
        .expect("start");
    s.seed_migration_world();
    s
}

pub fn flex(name: &str, rest: &str) -> String {
    format!("/api/atlas/v2/groups/{G}/flexClusters/{name}{rest}")
}

pub fn serverless(name: &str, rest: &str) -> String {
    format!("/api/atlas/v2/groups/{G}/serverless/{name}{rest}")
}

/// The media type a path's family answers with.
pub fn media_of(path: &str) -> &'static str {
    if path.contains("/flexClusters") {
        FLEX_MEDIA_TYPE
    } else {
        SERVERLESS_MEDIA_TYPE
    }
}

pub async fn get_as(s: &StandIn, path: &str, accept: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{}{path}", s.base_url()))
        .header("accept", accept)
        .send()
        .await
        .expect("send")
}

/// GET with the path's own media type.
pub async fn get(s: &StandIn, path: &str) -> reqwest::Response {
    get_as(s, path, media_of(path)).await
}

pub async fn post_as(
    s: &StandIn,
    path: &str,
    content_type: Option<&str>,
    body: &str,
) -> Result<reqwest::Response, reqwest::Error> {
    let mut req = reqwest::Client::new()
        .post(format!("{}{path}", s.base_url()))
        .header("accept", media_of(path))
        .body(body.to_owned());
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    req.send().await
}

/// POST `body` with the path's own media type as `Accept` and `Content-Type`.
pub async fn post(s: &StandIn, path: &str, body: &Value) -> reqwest::Response {
    post_as(s, path, Some(media_of(path)), &body.to_string())
        .await
        .expect("send")
}

pub async fn json_of(resp: reqwest::Response) -> Value {
    let text = resp.text().await.expect("body");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

pub fn content_type(resp: &reqwest::Response) -> String {
    resp.headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// An Atlas error document with this status and code (and `badRequestDetail` only
/// when `detail_fields` is true).
pub fn assert_atlas_error(v: &Value, status: u16, code: &str, detail_fields: bool) {
    assert_eq!(v["error"], status, "{v}");
    assert_eq!(v["errorCode"], code, "{v}");
    assert!(v["detail"].is_string(), "{v}");
    assert!(v["parameters"].is_array(), "{v}");
    assert!(v["reason"].is_string(), "{v}");
    let keys = if detail_fields { 6 } else { 5 };
    assert_eq!(v.as_object().map(|o| o.len()), Some(keys), "{v}");
    assert_eq!(v.get("badRequestDetail").is_some(), detail_fields, "{v}");
}

/// The id of the world's snapshot `i` of a migrated deployment (both families).
pub fn migrated_snapshot(i: u32) -> String {
    sample::serverless_snapshot_in(G, MIGRATED, i)["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

pub fn flex_only_snapshot(i: u32) -> String {
    sample::flex_snapshot_in(G, FLEX_ONLY, i)["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

/// The names in a list page's results.
pub fn names(page: &Value) -> Vec<String> {
    page["results"]
        .as_array()
        .map(|r| {
            r.iter()
                .filter_map(|d| d["name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}
