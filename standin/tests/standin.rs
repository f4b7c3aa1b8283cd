//! Behaviour of the Atlas stand-in, checked over real HTTP with plain `reqwest`.

use std::time::{Duration, Instant};

use atlas_snapshots_standin::{
    FLEX_MEDIA_TYPE, Fault, RateLimitHeaders, SERVERLESS_MEDIA_TYPE, StandIn, sample,
};
use md5::{Digest as _, Md5};
use reqwest::StatusCode;
use serde_json::{Value, json};

const G: &str = sample::GROUP_ID;

fn serverless_url(s: &StandIn, rest: &str) -> String {
    format!(
        "{}/api/atlas/v2/groups/{G}/serverless/Serverless0/backup/snapshots{rest}",
        s.base_url()
    )
}

fn flex_url(s: &StandIn, rest: &str) -> String {
    format!(
        "{}/api/atlas/v2/groups/{G}/flexClusters/Flex0/backup/snapshots{rest}",
        s.base_url()
    )
}

async fn seeded(n: u32) -> StandIn {
    let s = StandIn::start().await.expect("start");
    s.seed_serverless(
        G,
        "Serverless0",
        (0..n).map(sample::serverless_snapshot).collect(),
    );
    s.seed_flex(G, "Flex0", (0..n).map(sample::flex_snapshot).collect());
    s
}

async fn get(url: &str, accept: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(url)
        .header("accept", accept)
        .send()
        .await
        .expect("send")
}

async fn json_of(resp: reqwest::Response) -> Value {
    let text = resp.text().await.expect("body");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

fn content_type(resp: &reqwest::Response) -> String {
    resp.headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

fn assert_atlas_error(v: &Value, status: u16, code: &str) {
    assert_eq!(v["error"], status, "{v}");
    assert_eq!(v["errorCode"], code, "{v}");
    assert!(v["detail"].is_string(), "{v}");
    assert!(v["parameters"].is_array(), "{v}");
    assert!(v["reason"].is_string(), "{v}");
    assert_eq!(v.as_object().map(|o| o.len()), Some(5), "{v}");
}

#[tokio::test]
async fn accept_header_must_name_the_operation_media_type() {
    let s = seeded(3).await;
    for bad in ["application/json", "*/*", FLEX_MEDIA_TYPE] {
        let resp = get(&serverless_url(&s, ""), bad).await;
        assert_eq!(resp.status(), StatusCode::NOT_ACCEPTABLE, "{bad}");
        assert_eq!(content_type(&resp), "application/json");
        assert_atlas_error(&json_of(resp).await, 406, "INVALID_VERSION_DATE");
    }
    let listed = format!("application/json;q=0.5, {SERVERLESS_MEDIA_TYPE}; charset=utf-8;q=1");
    let resp = get(&serverless_url(&s, ""), &listed).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(content_type(&resp), SERVERLESS_MEDIA_TYPE);
    let resp = get(&flex_url(&s, ""), FLEX_MEDIA_TYPE).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(content_type(&resp), FLEX_MEDIA_TYPE);
    // No Accept at all.
    let resp = reqwest::Client::new()
        .get(flex_url(&s, ""))
        .header("accept", "")
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::NOT_ACCEPTABLE);
}

#[tokio::test]
async fn invalid_path_parameters_are_400_naming_the_parameter() {
    let s = seeded(3).await;
    let base = s.base_url();
    let cases = [
        (
            format!(
                "{base}/api/atlas/v2/groups/5F1A2B3C4D5E6F7A8B9C0D1E/serverless/Serverless0/backup/snapshots"
            ),
            "groupId",
        ),
        (
            format!("{base}/api/atlas/v2/groups/{G}/serverless/-bad/backup/snapshots"),
            "clusterName",
        ),
        (
            format!("{base}/api/atlas/v2/groups/{G}/flexClusters/a_b/backup/snapshots"),
            "name",
        ),
        (
            format!("{base}/api/atlas/v2/groups/{G}/flexClusters/Flex0/backup/snapshots/123"),
            "snapshotId",
        ),
        (
            format!("{base}/api/atlas/v2/groups/{G}/serverless/Server%20less/backup/snapshots"),
            "clusterName",
        ),
        (
            format!("{base}/api/atlas/v2/groups/{G}/serverless/%FF%FE/backup/snapshots"),
            "clusterName",
        ),
    ];
    for (url, param) in cases {
        let accept = if url.contains("flexClusters") {
            FLEX_MEDIA_TYPE
        } else {
            SERVERLESS_MEDIA_TYPE
        };
        let resp = get(&url, accept).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{url}");
        let v = json_of(resp).await;
        assert_atlas_error(&v, 400, "INVALID_PARAMETER");
        assert_eq!(v["parameters"][0], param, "{v}");
    }
    // Percent-encoding is decoded before validation: %30 is "0".
    let url = format!("{base}/api/atlas/v2/groups/{G}/serverless/Serverless%30/backup/snapshots");
    assert_eq!(
        get(&url, SERVERLESS_MEDIA_TYPE).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn get_returns_the_seeded_json_exactly_and_404s_in_atlas_shape() {
    let s = StandIn::start().await.expect("start");
    let id = "0123456789abcdef01234567";
    let odd = json!({
        "id": id,
        "status": "someFutureStatus",
        "storageSizeBytes": 18_446_744_073_709_551_615_u64,
        "createdAt": "2026-01-10T04:00:00Z",
    });
    s.seed_serverless(G, "Serverless0", vec![odd.clone()]);
    let resp = get(
        &serverless_url(&s, &format!("/{id}")),
        SERVERLESS_MEDIA_TYPE,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(content_type(&resp), SERVERLESS_MEDIA_TYPE);
    let text = resp.text().await.expect("body");
    assert!(text.contains("18446744073709551615"), "{text}");
    assert_eq!(text, serde_json::to_string(&odd).expect("json"));

    let missing = "ffffffffffffffffffffffff";
    let resp = get(
        &serverless_url(&s, &format!("/{missing}")),
        SERVERLESS_MEDIA_TYPE,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(content_type(&resp), "application/json");
    let v = json_of(resp).await;
    assert_atlas_error(&v, 404, "RESOURCE_NOT_FOUND");
    assert_eq!(v["reason"], "Not Found");
    assert!(
        v["parameters"][0]
            .as_str()
            .is_some_and(|p| p.ends_with(missing)),
        "{v}"
    );
    assert_eq!(v["parameters"][1], 1, "{v}");

    // Unknown routes and unseeded clusters are 404 too.
    let resp = get(&format!("{}/api/atlas/v2/nope", s.base_url()), "*/*").await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_atlas_error(&json_of(resp).await, 404, "RESOURCE_NOT_FOUND");
    let resp = get(&flex_url(&s, ""), FLEX_MEDIA_TYPE).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn list_paginates_and_counts() {
    let s = seeded(250).await;
    let v = json_of(get(&serverless_url(&s, ""), SERVERLESS_MEDIA_TYPE).await).await;
    assert_eq!(v["totalCount"], 250);
    assert_eq!(v["results"].as_array().map(Vec::len), Some(100));
    assert_eq!(v["results"][0], sample::serverless_snapshot(0));
    assert_eq!(v["links"][0]["rel"], "self");
    assert_eq!(v["links"][0]["href"], serverless_url(&s, ""));

    let url = serverless_url(&s, "?pageNum=3&itemsPerPage=100");
    let v = json_of(get(&url, SERVERLESS_MEDIA_TYPE).await).await;
    assert_eq!(v["results"].as_array().map(Vec::len), Some(50));
    assert_eq!(v["results"][0], sample::serverless_snapshot(200));
    assert_eq!(v["links"][0]["href"], url);

    let v = json_of(
        get(
            &flex_url(&s, "?pageNum=9&itemsPerPage=500"),
            FLEX_MEDIA_TYPE,
        )
        .await,
    )
    .await;
    assert_eq!(v["results"], json!([]));
    assert_eq!(v["totalCount"], 250);

    let v = json_of(
        get(
            &flex_url(&s, "?includeCount=false&itemsPerPage=7"),
            FLEX_MEDIA_TYPE,
        )
        .await,
    )
    .await;
    assert!(v.get("totalCount").is_none(), "{v}");
    assert_eq!(v["results"].as_array().map(Vec::len), Some(7));

    for bad in [
        "itemsPerPage=501",
        "itemsPerPage=0",
        "pageNum=0",
        "pageNum=x",
        "includeCount=maybe",
    ] {
        let resp = get(&flex_url(&s, &format!("?{bad}")), FLEX_MEDIA_TYPE).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{bad}");
        let v = json_of(resp).await;
        assert_atlas_error(&v, 400, "INVALID_PARAMETER");
        assert_eq!(
            v["parameters"][0],
            bad.split('=').next().unwrap_or_default()
        );
    }
    let v = json_of(get(&flex_url(&s, "?itemsPerPage=501"), FLEX_MEDIA_TYPE).await).await;
    assert_eq!(v["parameters"], json!(["itemsPerPage", 501]));
}

#[tokio::test]
async fn flags_must_be_booleans_and_page_num_is_bounded_below_only() {
    let s = seeded(3).await;
    for url in [
        serverless_url(&s, "?pretty=banana"),
        flex_url(&s, "?pretty=1"),
        flex_url(
            &s,
            &format!(
                "/{}?pretty=",
                sample::flex_snapshot(0)["id"].as_str().unwrap()
            ),
        ),
    ] {
        let media = if url.contains("/flexClusters/") {
            FLEX_MEDIA_TYPE
        } else {
            SERVERLESS_MEDIA_TYPE
        };
        let resp = get(&url, media).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{url}");
        let v = json_of(resp).await;
        assert_atlas_error(&v, 400, "INVALID_PARAMETER");
        assert_eq!(v["parameters"][0], "pretty", "{v}");
    }
    let v = json_of(get(&serverless_url(&s, "?pretty=banana"), SERVERLESS_MEDIA_TYPE).await).await;
    assert_eq!(v["parameters"], json!(["pretty", "banana"]));
    for fine in ["pretty=true", "pretty=FALSE"] {
        let resp = get(&flex_url(&s, &format!("?{fine}")), FLEX_MEDIA_TYPE).await;
        assert_eq!(resp.status(), StatusCode::OK, "{fine}");
    }

    // The spec's only bound on pageNum is `minimum: 1`: far past the end is an empty page.
    for page in [
        "4",
        "18446744073709551615",
        "18446744073709551616",
        "1000000000000000000000000",
    ] {
        let resp = get(&flex_url(&s, &format!("?pageNum={page}")), FLEX_MEDIA_TYPE).await;
        assert_eq!(resp.status(), StatusCode::OK, "{page}");
        let v = json_of(resp).await;
        assert_eq!(v["results"], json!([]), "{page}");
        assert_eq!(v["totalCount"], 3);
    }
    for bad in ["0", "-1", "-18446744073709551616", "1.5", "1e3", ""] {
        let resp = get(&flex_url(&s, &format!("?pageNum={bad}")), FLEX_MEDIA_TYPE).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{bad}");
        let v = json_of(resp).await;
        assert_atlas_error(&v, 400, "INVALID_PARAMETER");
        assert_eq!(v["parameters"][0], "pageNum");
    }
}

#[tokio::test]
async fn envelope_wraps_entities_pages_and_errors() {
    let s = seeded(5).await;
    let id = sample::flex_snapshot(2)["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let v = json_of(
        get(
            &flex_url(&s, &format!("/{id}?envelope=true")),
            FLEX_MEDIA_TYPE,
        )
        .await,
    )
    .await;
    assert_eq!(
        v,
        json!({"status": 200, "content": sample::flex_snapshot(2)})
    );

    let v = json_of(get(&flex_url(&s, "?envelope=true"), FLEX_MEDIA_TYPE).await).await;
    assert_eq!(v["status"], 200);
    assert_eq!(v["totalCount"], 5);
    assert!(v["links"].is_array() && v["results"].is_array());

    let missing = flex_url(&s, "/ffffffffffffffffffffffff?envelope=true");
    let resp = get(&missing, FLEX_MEDIA_TYPE).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let v = json_of(resp).await;
    assert_eq!(v["status"], 404);
    assert_atlas_error(&v["content"], 404, "RESOURCE_NOT_FOUND");

    s.set_envelope_errors_plain(true);
    let resp = get(&missing, FLEX_MEDIA_TYPE).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(json_of(resp).await["status"], 404);
}

#[tokio::test]
async fn lifecycle_headers_and_gone_mode_apply_to_serverless_only() {
    let s = seeded(2).await;
    s.set_deprecation(Some("@1769040000")).expect("header");
    s.set_sunset(Some("Wed, 1 Feb 2023 00:00:00 GMT"))
        .expect("header");
    let resp = get(&serverless_url(&s, ""), SERVERLESS_MEDIA_TYPE).await;
    assert_eq!(resp.headers()["deprecation"], "@1769040000");
    assert_eq!(resp.headers()["sunset"], "Wed, 1 Feb 2023 00:00:00 GMT");
    let resp = get(&flex_url(&s, ""), FLEX_MEDIA_TYPE).await;
    assert!(resp.headers().get("deprecation").is_none());

    s.set_gone(true);
    let resp = get(&serverless_url(&s, ""), SERVERLESS_MEDIA_TYPE).await;
    assert_eq!(resp.status(), StatusCode::GONE);
    assert_eq!(resp.headers()["deprecation"], "@1769040000");
    let v = json_of(resp).await;
    assert_atlas_error(&v, 410, "VERSION_GONE");
    assert_eq!(v["reason"], "Gone");
    assert_eq!(
        get(&flex_url(&s, ""), FLEX_MEDIA_TYPE).await.status(),
        StatusCode::OK
    );
    s.set_deprecation(None).expect("header");
    s.set_gone(false);
    let resp = get(&serverless_url(&s, ""), SERVERLESS_MEDIA_TYPE).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers().get("deprecation").is_none());
}

// ----- digest -----

fn md5_hex(s: &str) -> String {
    Md5::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn sha256_hex(s: &str) -> String {
    sha2::Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn challenge_param<'a>(challenge: &'a str, key: &str) -> Option<&'a str> {
    let start = challenge.find(&format!("{key}="))? + key.len() + 1;
    let rest = &challenge[start..];
    if let Some(quoted) = rest.strip_prefix('"') {
        quoted.split('"').next()
    } else {
        rest.split(',').next().map(str::trim)
    }
}

fn digest_header(user: &str, pass: &str, nonce: &str, uri: &str, nc: u32, sha256: bool) -> String {
    let h = if sha256 { sha256_hex } else { md5_hex };
    let ha1 = h(&format!("{user}:MMS Public API:{pass}"));
    let ha2 = h(&format!("GET:{uri}"));
    let nc = format!("{nc:08x}");
    let cnonce = "0a4f113b";
    let response = h(&format!("{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}"));
    let alg = if sha256 { "SHA-256" } else { "MD5" };
    format!(
        "Digest username=\"{user}\", realm=\"MMS Public API\", nonce=\"{nonce}\", uri=\"{uri}\", \
         algorithm={alg}, qop=auth, nc={nc}, cnonce=\"{cnonce}\", response=\"{response}\""
    )
}

async fn digest_get(s: &StandIn, uri: &str, auth: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{}{uri}", s.base_url()))
        .header("accept", SERVERLESS_MEDIA_TYPE)
        .header("authorization", auth)
        .send()
        .await
        .expect("send")
}

fn challenges(resp: &reqwest::Response) -> Vec<String> {
    resp.headers()
        .get_all("www-authenticate")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect()
}

async fn fresh_nonce(s: &StandIn, uri: &str) -> String {
    let resp = reqwest::Client::new()
        .get(format!("{}{uri}", s.base_url()))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let c = challenges(&resp);
    challenge_param(&c[0], "nonce").expect("nonce").to_owned()
}

#[tokio::test]
async fn digest_challenge_nonce_reuse_replay_and_wrong_key() {
    let s = StandIn::builder()
        .digest("PUBKEY", "secret-key")
        .start()
        .await
        .expect("start");
    s.seed_serverless(
        G,
        "Serverless0",
        (0..3).map(sample::serverless_snapshot).collect(),
    );
    let uri =
        format!("/api/atlas/v2/groups/{G}/serverless/Serverless0/backup/snapshots?itemsPerPage=2");

    let resp = reqwest::Client::new()
        .get(format!("{}{uri}", s.base_url()))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let c = challenges(&resp);
    assert_eq!(c.len(), 1, "{c:?}");
    let nonce = challenge_param(&c[0], "nonce").expect("nonce").to_owned();
    assert_eq!(
        c[0],
        format!(
            "Digest realm=\"MMS Public API\", domain=\"\", nonce=\"{nonce}\", algorithm=MD5, qop=\"auth\", stale=false"
        )
    );
    assert_atlas_error(&json_of(resp).await, 401, "UNAUTHORIZED");

    // One nonce, increasing nc: all accepted.
    for nc in 1..=3 {
        let resp = digest_get(
            &s,
            &uri,
            &digest_header("PUBKEY", "secret-key", &nonce, &uri, nc, false),
        )
        .await;
        assert_eq!(resp.status(), StatusCode::OK, "nc={nc}");
    }
    // Replayed / lower nc: fresh challenge, not stale.
    for nc in [3, 2] {
        let resp = digest_get(
            &s,
            &uri,
            &digest_header("PUBKEY", "secret-key", &nonce, &uri, nc, false),
        )
        .await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        let c = challenges(&resp);
        assert_eq!(challenge_param(&c[0], "stale"), Some("false"));
        assert_ne!(challenge_param(&c[0], "nonce"), Some(nonce.as_str()));
    }
    // Wrong private key and wrong public key.
    for (user, pass) in [("PUBKEY", "wrong"), ("OTHER", "secret-key")] {
        let resp = digest_get(
            &s,
            &uri,
            &digest_header(user, pass, &nonce, &uri, 10, false),
        )
        .await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            challenge_param(&challenges(&resp)[0], "stale"),
            Some("false")
        );
        assert_atlas_error(&json_of(resp).await, 401, "UNAUTHORIZED");
    }
    // uri must be the request target.
    let other = format!("/api/atlas/v2/groups/{G}/serverless/Serverless0/backup/snapshots");
    let resp = digest_get(
        &s,
        &uri,
        &digest_header("PUBKEY", "secret-key", &nonce, &other, 11, false),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    // Still fine with a higher nc afterwards.
    let resp = digest_get(
        &s,
        &uri,
        &digest_header("PUBKEY", "secret-key", &nonce, &uri, 12, false),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    // Garbage never panics the server.
    for junk in [
        "Digest",
        "Digest ,,,=\"",
        "Digest username=\"PUBKEY\"",
        "Basic Zm9vOmJhcg==",
        "Bearer x",
    ] {
        assert_eq!(
            digest_get(&s, &uri, junk).await.status(),
            StatusCode::UNAUTHORIZED,
            "{junk}"
        );
    }
    assert_eq!(s.unauthorized_count(), 1 + 2 + 2 + 1 + 5);
}

#[tokio::test]
async fn digest_expired_nonces_are_stale_and_sha256_is_offered_when_configured() {
    let s = StandIn::builder()
        .digest("PUBKEY", "secret-key")
        .digest_sha256(true)
        .nonce_max_uses(2)
        .start()
        .await
        .expect("start");
    s.seed_serverless(G, "Serverless0", vec![]);
    let uri = format!("/api/atlas/v2/groups/{G}/serverless/Serverless0/backup/snapshots");
    let resp = reqwest::Client::new()
        .get(format!("{}{uri}", s.base_url()))
        .send()
        .await
        .expect("send");
    let c = challenges(&resp);
    assert_eq!(c.len(), 2, "{c:?}");
    assert_eq!(challenge_param(&c[1], "algorithm"), Some("SHA-256"));
    let nonce = challenge_param(&c[1], "nonce").expect("nonce").to_owned();
    for nc in 1..=2 {
        let resp = digest_get(
            &s,
            &uri,
            &digest_header("PUBKEY", "secret-key", &nonce, &uri, nc, true),
        )
        .await;
        assert_eq!(resp.status(), StatusCode::OK, "nc={nc}");
    }
    // Third use of a two-use nonce: stale=true.
    let resp = digest_get(
        &s,
        &uri,
        &digest_header("PUBKEY", "secret-key", &nonce, &uri, 3, true),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        challenge_param(&challenges(&resp)[0], "stale"),
        Some("true")
    );
    // A wrong key on an expired nonce is not stale.
    let resp = digest_get(
        &s,
        &uri,
        &digest_header("PUBKEY", "nope", &nonce, &uri, 4, true),
    )
    .await;
    assert_eq!(
        challenge_param(&challenges(&resp)[0], "stale"),
        Some("false")
    );

    // Time-based expiry via the runtime knob.
    s.set_nonce_max_uses(None);
    let nonce = fresh_nonce(&s, &uri).await;
    let resp = digest_get(
        &s,
        &uri,
        &digest_header("PUBKEY", "secret-key", &nonce, &uri, 1, false),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    s.expire_nonces();
    let resp = digest_get(
        &s,
        &uri,
        &digest_header("PUBKEY", "secret-key", &nonce, &uri, 2, false),
    )
    .await;
    assert_eq!(
        challenge_param(&challenges(&resp)[0], "stale"),
        Some("true")
    );
    s.set_nonce_lifetime(Some(Duration::from_millis(50)));
    let nonce = fresh_nonce(&s, &uri).await;
    tokio::time::sleep(Duration::from_millis(80)).await;
    let resp = digest_get(
        &s,
        &uri,
        &digest_header("PUBKEY", "secret-key", &nonce, &uri, 1, false),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        challenge_param(&challenges(&resp)[0], "stale"),
        Some("true")
    );
}

// ----- OAuth -----

async fn token_request(s: &StandIn, id: &str, secret: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/api/oauth/token", s.base_url()))
        .basic_auth(id, Some(secret))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .expect("send")
}

async fn bearer_get(s: &StandIn, token: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(serverless_url(s, ""))
        .header("accept", SERVERLESS_MEDIA_TYPE)
        .bearer_auth(token)
        .send()
        .await
        .expect("send")
}

#[tokio::test]
async fn oauth_tokens_expire_revoke_and_reject_bad_clients() {
    let s = StandIn::builder()
        .service_account("mdb_sa_id_1", "mdb_sa_sk_1")
        .bearer_token("static-token")
        .token_lifetime(Duration::from_secs(1))
        .start()
        .await
        .expect("start");
    s.seed_serverless(G, "Serverless0", vec![]);

    assert_eq!(
        bearer_get(&s, "static-token").await.status(),
        StatusCode::OK
    );
    let resp = bearer_get(&s, "made-up").await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_atlas_error(&json_of(resp).await, 401, "UNAUTHORIZED");

    let resp = token_request(&s, "mdb_sa_id_1", "wrong").await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        json_of(resp).await,
        json!({"error": "invalid_client", "error_description": "Invalid credentials provided."})
    );

    let resp = token_request(&s, "mdb_sa_id_1", "mdb_sa_sk_1").await;
    assert_eq!(resp.status(), StatusCode::OK);
    let v = json_of(resp).await;
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"], 1);
    let token = v["access_token"].as_str().expect("token").to_owned();
    assert_eq!(bearer_get(&s, &token).await.status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        bearer_get(&s, &token).await.status(),
        StatusCode::UNAUTHORIZED
    );

    // Revocation.
    s.set_token_lifetime(Duration::from_secs(60));
    let v = json_of(token_request(&s, "mdb_sa_id_1", "mdb_sa_sk_1").await).await;
    assert_eq!(v["expires_in"], 60);
    let token = v["access_token"].as_str().expect("token").to_owned();
    assert_eq!(bearer_get(&s, &token).await.status(), StatusCode::OK);
    let resp = reqwest::Client::new()
        .post(format!("{}/api/oauth/revoke", s.base_url()))
        .basic_auth("mdb_sa_id_1", Some("mdb_sa_sk_1"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("token={token}&token_type_hint=access_token"))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.text().await.expect("body"), "");
    assert_eq!(
        bearer_get(&s, &token).await.status(),
        StatusCode::UNAUTHORIZED
    );

    // The 429 knob.
    s.set_token_rate_limited(true);
    let resp = token_request(&s, "mdb_sa_id_1", "mdb_sa_sk_1").await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    s.set_token_rate_limited(false);
    assert_eq!(
        token_request(&s, "mdb_sa_id_1", "mdb_sa_sk_1")
            .await
            .status(),
        StatusCode::OK
    );

    assert_eq!(s.token_requests(), 5);
}

// ----- faults -----

#[tokio::test]
async fn status_faults_count_down_and_carry_rate_limit_headers() {
    let s = seeded(3).await;
    s.set_fault(Fault::status(StatusCode::SERVICE_UNAVAILABLE), Some(2));
    for _ in 0..2 {
        let resp = get(&serverless_url(&s, ""), SERVERLESS_MEDIA_TYPE).await;
        assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_atlas_error(&json_of(resp).await, 503, "SERVICE_UNAVAILABLE");
    }
    assert_eq!(
        get(&serverless_url(&s, ""), SERVERLESS_MEDIA_TYPE)
            .await
            .status(),
        StatusCode::OK
    );

    s.set_fault(
        Fault::Status {
            status: StatusCode::TOO_MANY_REQUESTS,
            retry_after: Some(3),
            rate_limit: Some(RateLimitHeaders {
                limit: 100,
                remaining: 0,
            }),
        },
        None,
    );
    for _ in 0..3 {
        let resp = get(&flex_url(&s, ""), FLEX_MEDIA_TYPE).await;
        assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(resp.headers()["retry-after"], "3");
        assert_eq!(resp.headers()["ratelimit-limit"], "100");
        assert_eq!(resp.headers()["ratelimit-remaining"], "0");
        let v = json_of(resp).await;
        assert_atlas_error(&v, 429, "RATE_LIMITED");
        assert!(
            v["parameters"][0].is_string() && v["parameters"][1].is_i64(),
            "{v}"
        );
    }
    assert_eq!(s.faults_injected(), 5);
    s.clear_fault();
    assert_eq!(
        get(&flex_url(&s, ""), FLEX_MEDIA_TYPE).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn faults_apply_only_after_authentication() {
    let s = StandIn::builder()
        .bearer_token("t")
        .start()
        .await
        .expect("start");
    s.seed_serverless(G, "Serverless0", vec![]);
    s.set_fault(Fault::status(StatusCode::INTERNAL_SERVER_ERROR), None);
    assert_eq!(
        bearer_get(&s, "wrong").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let resp = bearer_get(&s, "t").await;
    assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_atlas_error(&json_of(resp).await, 500, "UNEXPECTED_ERROR");
}

#[tokio::test]
async fn delay_fault_delays() {
    let s = seeded(1).await;
    s.set_fault(Fault::Delay(Duration::from_millis(300)), Some(1));
    // Built before the clock starts: with native-tls compiled in (--all-features) a
    // new reqwest client loads OpenSSL's roots, which under load takes 100 ms or more.
    let client = reqwest::Client::new();
    let get = || {
        client
            .get(serverless_url(&s, ""))
            .header("accept", SERVERLESS_MEDIA_TYPE)
            .send()
    };
    let t = Instant::now();
    assert_eq!(get().await.expect("send").status(), StatusCode::OK);
    assert!(
        t.elapsed() >= Duration::from_millis(300),
        "{:?}",
        t.elapsed()
    );
    let t = Instant::now();
    get().await.expect("send");
    assert!(t.elapsed() < Duration::from_millis(300));
}

#[tokio::test]
async fn truncated_body_and_connection_reset_are_transport_errors() {
    let s = seeded(20).await;
    s.set_fault(Fault::TruncatedBody, Some(1));
    let resp = get(&serverless_url(&s, ""), SERVERLESS_MEDIA_TYPE).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let declared = resp.content_length().expect("content-length");
    assert!(declared > 100);
    assert!(
        resp.bytes().await.is_err(),
        "a truncated body must fail to read"
    );

    s.set_fault(Fault::ConnectionReset, Some(1));
    let err = reqwest::Client::new()
        .get(serverless_url(&s, ""))
        .header("accept", SERVERLESS_MEDIA_TYPE)
        .send()
        .await
        .expect_err("reset");
    assert!(!err.is_status(), "{err}");
    assert_eq!(
        get(&serverless_url(&s, ""), SERVERLESS_MEDIA_TYPE)
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn html_wrong_type_malformed_and_huge_bodies() {
    let s = seeded(3).await;
    s.set_fault(Fault::HtmlBadGateway, Some(1));
    let resp = get(&serverless_url(&s, ""), SERVERLESS_MEDIA_TYPE).await;
    assert_eq!(resp.status(), StatusCode::BAD_GATEWAY);
    assert_eq!(content_type(&resp), "text/html");
    assert!(resp.text().await.expect("body").contains("<html>"));

    s.set_fault(Fault::WrongContentType, Some(1));
    let resp = get(&serverless_url(&s, ""), SERVERLESS_MEDIA_TYPE).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(content_type(&resp), "text/plain");

    s.set_fault(Fault::MalformedJson, Some(1));
    let resp = get(&flex_url(&s, ""), FLEX_MEDIA_TYPE).await;
    assert_eq!(content_type(&resp), FLEX_MEDIA_TYPE);
    let text = resp.text().await.expect("body");
    assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");

    let n = 5 * 1024 * 1024 + 17;
    s.set_fault(Fault::HugeBody { bytes: n }, Some(1));
    let resp = get(&flex_url(&s, ""), FLEX_MEDIA_TYPE).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(content_type(&resp), FLEX_MEDIA_TYPE);
    let body = resp.bytes().await.expect("body");
    assert_eq!(body.len() as u64, n);
    let v: Value = serde_json::from_slice(&body).expect("huge body is valid JSON");
    assert!(v["results"].as_array().is_some_and(|r| r.len() > 1000));
}

// ----- recording -----

#[tokio::test]
async fn requests_are_recorded_raw_and_counted() {
    let s = seeded(2).await;
    let client = reqwest::Client::new();
    let url = format!(
        "{}/api/atlas/v2/groups/{G}/serverless/Serverless%30/backup/snapshots?pageNum=1&x=a%20b",
        s.base_url()
    );
    for _ in 0..3 {
        let resp = client
            .get(&url)
            .header("accept", SERVERLESS_MEDIA_TYPE)
            .header("x-first", "1")
            .header("user-agent", "standin-test/1.0")
            .header("x-last", "z")
            .send()
            .await
            .expect("send");
        assert_eq!(resp.status(), StatusCode::OK);
        resp.bytes().await.expect("body");
    }
    let reqs = s.requests();
    assert_eq!(reqs.len(), 3);
    let r = &reqs[0];
    assert_eq!(r.method, "GET");
    assert_eq!(
        r.path,
        format!("/api/atlas/v2/groups/{G}/serverless/Serverless%30/backup/snapshots")
    );
    assert_eq!(r.query.as_deref(), Some("pageNum=1&x=a%20b"));
    assert_eq!(r.header("User-Agent"), Some("standin-test/1.0"));
    let names: Vec<&str> = r.headers.iter().map(|(n, _)| n.as_str()).collect();
    let pos = |n: &str| names.iter().position(|x| *x == n).unwrap_or(usize::MAX);
    assert!(
        pos("accept") < pos("x-first")
            && pos("x-first") < pos("user-agent")
            && pos("user-agent") < pos("x-last"),
        "{names:?}"
    );
    assert_eq!(s.request_count(), 3);
    assert_eq!(
        s.connections_accepted(),
        1,
        "keep-alive reuses the connection"
    );
    s.clear_requests();
    assert!(s.requests().is_empty());
    assert_eq!(s.request_count(), 3);
}

#[tokio::test]
async fn shutdown_stops_serving() {
    let s = seeded(1).await;
    let url = serverless_url(&s, "");
    assert_eq!(
        get(&url, SERVERLESS_MEDIA_TYPE).await.status(),
        StatusCode::OK
    );
    s.shutdown().await;
    let fresh = reqwest::Client::new();
    assert!(fresh.get(&url).send().await.is_err());
}

#[tokio::test]
async fn without_auth_config_any_client_gets_a_token_but_requests_must_be_well_formed() {
    let s = seeded(1).await;
    let resp = token_request(&s, "anyone", "anything").await;
    assert_eq!(resp.status(), StatusCode::OK);
    let token = json_of(resp).await["access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    assert_eq!(token.len(), 64);
    assert_eq!(bearer_get(&s, &token).await.status(), StatusCode::OK);

    let resp = reqwest::Client::new()
        .post(format!("{}/api/oauth/token", s.base_url()))
        .body("grant_type=client_credentials")
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(json_of(resp).await["error"], "invalid_client");

    let resp = reqwest::Client::new()
        .post(format!("{}/api/oauth/token", s.base_url()))
        .basic_auth("anyone", Some("anything"))
        .body("grant_type=password")
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_of(resp).await["error"], "unsupported_grant_type");

    let resp = reqwest::Client::new()
        .get(format!("{}/api/oauth/token", s.base_url()))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(s.token_requests(), 4);
    assert_eq!(s.unauthorized_count(), 1);

    // `pretty` is accepted and ignored.
    let resp = get(&serverless_url(&s, "?pretty=true"), SERVERLESS_MEDIA_TYPE).await;
    assert_eq!(resp.status(), StatusCode::OK);
}
