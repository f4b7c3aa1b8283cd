//! The SDK side of `bench/peers`: N sequential `get_flex_backup_snapshot` calls in one
//! process against a running Atlas stand-in (or any Atlas), timed in-process.
//!
//! ```text
//! cargo run --release -p atlas-snapshots-bench --example bench_client -- --base-url http://127.0.0.1:PORT \
//!     (--digest PUBLIC:PRIVATE | --bearer TOKEN) [--calls N]
//! cargo run --release -p atlas-snapshots-bench --example bench_client -- --print-path
//! cargo run --release -p atlas-snapshots-bench --example bench_client -- --base-url URL --bearer TOKEN --floor [--calls N]
//! ```
//!
//! `--floor` makes the same calls with plain reqwest and serde_json instead of the SDK,
//! so `valgrind --tool=callgrind` can count what the SDK adds per call. With `--digest`
//! the floor signs by hand with one kept nonce (two MD5s and a header per call, as the
//! criterion bench's digest floor). `--envelope` builds the SDK client with
//! `.envelope(true)`.
//!
//! Prints one line: `sdk calls=N seconds=S calls_per_sec=R`. With `--print-path` it
//! prints the URL path of the flex snapshot it fetches (the sample snapshot 0 that
//! `standin/examples/standin.rs` seeds) and the `Accept` media type, so peers fetch the same URL.

use std::{process::ExitCode, time::Instant};

use atlas_snapshots::{Client, Credentials, types::FlexBackupSnapshot};
use atlas_snapshots_standin::{FLEX_MEDIA_TYPE, sample};

fn usage() -> ExitCode {
    eprintln!(
        "usage: bench_client --base-url URL (--digest PUBLIC:PRIVATE | --bearer TOKEN) [--floor | --envelope] [--calls N]\n       bench_client --print-path"
    );
    ExitCode::from(2)
}

fn snapshot_id() -> String {
    sample::flex_snapshot(0)["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// The URL path of the flex snapshot every variant fetches.
fn snapshot_path() -> String {
    format!(
        "/api/atlas/v2/groups/{}/flexClusters/{}/backup/snapshots/{}",
        sample::GROUP_ID,
        sample::FLEX_NAME,
        snapshot_id()
    )
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let mut base_url = None;
    let mut credentials = None;
    let mut calls: u32 = 1000;
    let mut floor = false;
    let mut bearer = None;
    let mut digest = None;
    let mut envelope = false;
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--print-path") {
        println!("{}", snapshot_path());
        println!("{FLEX_MEDIA_TYPE}");
        return ExitCode::SUCCESS;
    }
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == "--floor" {
            floor = true;
            continue;
        }
        if arg == "--envelope" {
            envelope = true;
            continue;
        }
        let Some(value) = args.next() else {
            return usage();
        };
        match arg.as_str() {
            "--base-url" => base_url = Some(value),
            "--digest" => match value.split_once(':') {
                Some((public, private)) => {
                    credentials = Some(Credentials::api_key(public, private));
                    digest = Some((public.to_owned(), private.to_owned()));
                }
                None => return usage(),
            },
            "--bearer" => {
                credentials = Some(Credentials::bearer(value.clone()));
                bearer = Some(value);
            }
            "--calls" => match value.parse() {
                Ok(n) if n > 0 => calls = n,
                _ => return usage(),
            },
            _ => return usage(),
        }
    }
    let (Some(base_url), Some(credentials)) = (base_url, credentials) else {
        return usage();
    };
    if floor {
        if let Some((public, private)) = digest {
            return run_digest_floor(&base_url, &public, &private, calls).await;
        }
        let Some(token) = bearer else {
            return usage();
        };
        return run_floor(&base_url, &token, calls).await;
    }
    let client = match Client::builder()
        .base_url(base_url)
        .credentials(credentials)
        .envelope(envelope)
        .build()
    {
        Ok(client) => client,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let id = snapshot_id();
    time_calls("sdk", calls, || {
        client.get_flex_backup_snapshot(sample::GROUP_ID, sample::FLEX_NAME, &id)
    })
    .await
}

/// Makes `calls` sequential calls and prints one `LABEL calls=N seconds=S calls_per_sec=R`
/// line; the first error ends the run.
async fn time_calls<T, E: std::fmt::Display, Fut: Future<Output = Result<T, E>>>(
    label: &str,
    calls: u32,
    mut call: impl FnMut() -> Fut,
) -> ExitCode {
    let started = Instant::now();
    for _ in 0..calls {
        match call().await {
            Ok(value) => {
                std::hint::black_box(&value);
            }
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{label} calls={calls} seconds={seconds:.4} calls_per_sec={:.1}",
        f64::from(calls) / seconds
    );
    ExitCode::SUCCESS
}

/// The same calls with plain reqwest and serde_json: what any client must spend.
async fn run_floor(base_url: &str, token: &str, calls: u32) -> ExitCode {
    use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue};
    let mut headers = HeaderMap::new();
    headers.insert(ACCEPT, HeaderValue::from_static(FLEX_MEDIA_TYPE));
    match HeaderValue::try_from(format!("Bearer {token}")) {
        Ok(value) => headers.insert(AUTHORIZATION, value),
        Err(_) => return usage(),
    };
    let Ok(http) = reqwest::Client::builder().default_headers(headers).build() else {
        return ExitCode::FAILURE;
    };
    let url = format!("{base_url}{}", snapshot_path());
    let (http, url) = (&http, &url);
    time_calls("floor", calls, || floor_fetch(http.get(url))).await
}

/// What a floor call does with its request: send it, refuse an error status, read the
/// body and decode it, as the SDK must too.
async fn floor_fetch(request: reqwest::RequestBuilder) -> Result<FlexBackupSnapshot, String> {
    let body = request
        .send()
        .await
        .map_err(|e| e.to_string())?
        .error_for_status()
        .map_err(|e| e.to_string())?
        .bytes()
        .await
        .map_err(|e| e.to_string())?;
    serde_json::from_slice::<FlexBackupSnapshot>(&body).map_err(|e| e.to_string())
}

fn md5_hex(data: &str) -> String {
    use md5::{Digest as _, Md5};
    Md5::digest(data.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The digest floor: plain reqwest signing by hand with the one nonce of a first 401,
/// two MD5s and a header per call (the least a digest client can do).
async fn run_digest_floor(base_url: &str, public: &str, private: &str, calls: u32) -> ExitCode {
    use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue};
    let mut headers = HeaderMap::new();
    headers.insert(ACCEPT, HeaderValue::from_static(FLEX_MEDIA_TYPE));
    let Ok(http) = reqwest::Client::builder().default_headers(headers).build() else {
        return ExitCode::FAILURE;
    };
    let path = snapshot_path();
    let url = format!("{base_url}{path}");
    let challenge = match http.get(&url).send().await {
        Ok(r) => match r
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
        {
            Some(v) => v.to_owned(),
            None => return ExitCode::FAILURE,
        },
        Err(_) => return ExitCode::FAILURE,
    };
    let param = |name: &str| {
        let start = challenge.find(&format!("{name}=\""))? + name.len() + 2;
        let len = challenge[start..].find('"')?;
        Some(challenge[start..start + len].to_owned())
    };
    let (Some(realm), Some(nonce)) = (param("realm"), param("nonce")) else {
        return ExitCode::FAILURE;
    };
    let ha1 = md5_hex(&format!("{public}:{realm}:{private}"));
    let nc = std::cell::Cell::new(0u32);
    let (http, url, path, ha1, nonce, realm, nc) = (&http, &url, &path, &ha1, &nonce, &realm, &nc);
    time_calls("floor-digest", calls, || async move {
        nc.set(nc.get() + 1);
        let nc = nc.get();
        let cnonce = "0a4f113b0a4f113b";
        let ha2 = md5_hex(&format!("GET:{path}"));
        let response = md5_hex(&format!("{ha1}:{nonce}:{nc:08x}:{cnonce}:auth:{ha2}"));
        let header = format!(
            "Digest username=\"{public}\", realm=\"{realm}\", nonce=\"{nonce}\", uri=\"{path}\", algorithm=MD5, qop=auth, nc={nc:08x}, cnonce=\"{cnonce}\", response=\"{response}\""
        );
        floor_fetch(http.get(url).header(AUTHORIZATION, header)).await
    })
    .await
}
