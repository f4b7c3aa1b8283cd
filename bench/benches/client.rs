//! Per-call cost of the SDK against the Atlas stand-in on 127.0.0.1, next to the floor
//! (raw reqwest + serde_json of the same URL), plus decode and concurrency.
//!
//! `cargo bench -p atlas-snapshots-bench --bench client` runs the criterion groups, then two sections of its own:
//!
//! * `paired`: every variant in interleaved rounds (round r runs each variant for a
//!   block of calls, in a rotating order), so slow drift of a shared machine hits all
//!   variants alike. It prints each variant's median per-call time, its ratio to the
//!   floor with the spread of the per-round ratios, and the stand-in's own counts
//!   (HTTP requests and 401s per call). This is the table `BENCHMARKS.md` quotes.
//! * `cold`: 64 concurrent calls on a fresh service-account client and on a fresh API-key
//!   client, repeated, with the token requests, 401s and connections the stand-in counted.
//! * `paired_64`: the 64-way concurrent variants in interleaved rounds (each round runs
//!   every variant for a block of fan-outs, rotating the order), with each variant's
//!   throughput per round as a ratio to the floor's in the same round. `-- paired` runs it
//!   too (the filter is a substring); `-- paired_64` runs it alone.
//!
//! `cargo bench -p atlas-snapshots-bench --bench client -- paired` runs only the paired section (any filter
//! picks criterion benchmarks by name and the own sections by `paired`/`cold`).
//! Under `cargo test --benches` everything runs once, briefly.

use std::{
    hint::black_box,
    sync::Arc,
    time::{Duration, Instant},
};

use atlas_snapshots::{
    Client, ClientBuilder, Credentials, RetryPolicy,
    types::{FlexBackupSnapshot, FlexBackupSnapshotPage},
};
use atlas_snapshots_standin::{DIGEST_REALM, FLEX_MEDIA_TYPE, StandIn, sample};
use criterion::{Criterion, Throughput};
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue};
use tokio::runtime::Runtime;

const TOKEN: &str = "bench-static-token";
const PUBLIC_KEY: &str = "bench-public";
const PRIVATE_KEY: &str = "bench-private-key";
const CLIENT_ID: &str = "mdb_sa_id_bench";
const CLIENT_SECRET: &str = "mdb_sa_sk_bench";
const CONCURRENCY: usize = 64;

/// The stand-in on its own runtime (one worker thread), so the client side of every
/// variant is measured on the same, separate runtime.
struct Server {
    standin: Option<StandIn>,
    runtime: Runtime,
}

impl Server {
    fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("server runtime");
        let standin = runtime.block_on(async {
            let standin = StandIn::builder()
                .bearer_token(TOKEN)
                .digest(PUBLIC_KEY, PRIVATE_KEY)
                .service_account(CLIENT_ID, CLIENT_SECRET)
                .start()
                .await
                .expect("start the stand-in");
            standin.set_recording(false);
            standin.seed_flex(
                sample::GROUP_ID,
                sample::FLEX_NAME,
                (0..1234).map(sample::flex_snapshot).collect(),
            );
            standin
        });
        Server {
            standin: Some(standin),
            runtime,
        }
    }

    fn standin(&self) -> &StandIn {
        self.standin.as_ref().expect("running")
    }

    fn counts(&self) -> Counts {
        let s = self.standin();
        Counts {
            requests: s.request_count(),
            unauthorized: s.unauthorized_count(),
            tokens: s.token_requests(),
            connections: s.connections_accepted(),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(standin) = self.standin.take() {
            self.runtime.block_on(standin.shutdown());
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    requests: u64,
    unauthorized: u64,
    tokens: u64,
    connections: u64,
}

impl std::ops::Sub for Counts {
    type Output = Counts;
    fn sub(self, o: Counts) -> Counts {
        Counts {
            requests: self.requests - o.requests,
            unauthorized: self.unauthorized - o.unauthorized,
            tokens: self.tokens - o.tokens,
            connections: self.connections - o.connections,
        }
    }
}

fn snapshot_id() -> String {
    sample::flex_snapshot(0)["id"]
        .as_str()
        .expect("sample id")
        .to_owned()
}

/// The floor: one reqwest client with the same Accept and bearer as fixed headers.
#[derive(Clone)]
struct Floor {
    http: reqwest::Client,
    url: Arc<str>,
}

impl Floor {
    fn new(base_url: &str) -> Self {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static(FLEX_MEDIA_TYPE));
        let mut auth = HeaderValue::from_str(&format!("Bearer {TOKEN}")).expect("header");
        auth.set_sensitive(true);
        headers.insert(AUTHORIZATION, auth);
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .build()
            .expect("reqwest client");
        let url = format!(
            "{base_url}/api/atlas/v2/groups/{}/flexClusters/{}/backup/snapshots/{}",
            sample::GROUP_ID,
            sample::FLEX_NAME,
            snapshot_id()
        );
        Floor {
            http,
            url: url.into(),
        }
    }

    async fn get(&self) -> FlexBackupSnapshot {
        let response = self
            .http
            .get(&*self.url)
            .send()
            .await
            .expect("floor GET")
            .error_for_status()
            .expect("floor status");
        let bytes = response.bytes().await.expect("floor body");
        serde_json::from_slice(&bytes).expect("floor decode")
    }
}

/// One way of making the call: the floor or the SDK with some configuration.
#[derive(Clone)]
enum Caller {
    Floor(Floor),
    DigestFloor(Arc<DigestFloor>),
    Sdk(Client, Arc<str>),
}

impl Caller {
    fn sdk(
        base_url: &str,
        credentials: Credentials,
        tune: fn(ClientBuilder) -> ClientBuilder,
    ) -> Self {
        let builder = Client::builder()
            .base_url(base_url)
            .credentials(credentials)
            .deprecation_warnings(false);
        let client = tune(builder).build().expect("SDK client");
        Caller::Sdk(client, snapshot_id().into())
    }

    async fn call(&self) {
        if let Err(e) = self.try_call().await {
            panic!("call failed: {e}");
        }
    }

    async fn try_call(&self) -> Result<(), String> {
        match self {
            Caller::Floor(floor) => {
                black_box(floor.get().await);
            }
            Caller::DigestFloor(floor) => {
                black_box(floor.get().await);
            }
            Caller::Sdk(client, id) => {
                let snapshot = client
                    .get_flex_backup_snapshot(sample::GROUP_ID, sample::FLEX_NAME, id)
                    .await
                    .map_err(|e| e.to_string())?;
                black_box(snapshot);
            }
        }
        Ok(())
    }
}

fn md5_hex(data: &str) -> String {
    use md5::{Digest as _, Md5};
    Md5::digest(data.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A second floor for digest: raw reqwest signing by hand with one kept nonce (the least
/// a digest client can do per call: two MD5s and a header), so the server's own digest
/// verification is in the floor too.
struct DigestFloor {
    http: reqwest::Client,
    url: String,
    path: String,
    ha1: String,
    nonce: String,
    nc: std::sync::atomic::AtomicU32,
}

impl DigestFloor {
    fn new(rt: &Runtime, base_url: &str) -> Self {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static(FLEX_MEDIA_TYPE));
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .build()
            .expect("reqwest client");
        let path = format!(
            "/api/atlas/v2/groups/{}/flexClusters/{}/backup/snapshots/{}",
            sample::GROUP_ID,
            sample::FLEX_NAME,
            snapshot_id()
        );
        let url = format!("{base_url}{path}");
        let challenge = rt.block_on(async {
            let r = http.get(&url).send().await.expect("challenge GET");
            assert_eq!(r.status(), 401);
            r.headers()["www-authenticate"]
                .to_str()
                .expect("ascii")
                .to_owned()
        });
        let param = |name: &str| {
            let start = challenge.find(&format!("{name}=\"")).expect("param") + name.len() + 2;
            let len = challenge[start..].find('"').expect("closing quote");
            challenge[start..start + len].to_owned()
        };
        let realm = param("realm");
        DigestFloor {
            ha1: md5_hex(&format!("{PUBLIC_KEY}:{realm}:{PRIVATE_KEY}")),
            nonce: param("nonce"),
            http,
            url,
            path,
            nc: std::sync::atomic::AtomicU32::new(0),
        }
    }

    async fn get(&self) -> FlexBackupSnapshot {
        let nc = self.nc.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        let cnonce = "0a4f113b0a4f113b";
        let ha2 = md5_hex(&format!("GET:{}", self.path));
        let response = md5_hex(&format!(
            "{}:{}:{nc:08x}:{cnonce}:auth:{ha2}",
            self.ha1, self.nonce
        ));
        let header = format!(
            "Digest username=\"{PUBLIC_KEY}\", realm=\"{}\", nonce=\"{}\", uri=\"{}\", algorithm=MD5, qop=auth, nc={nc:08x}, cnonce=\"{cnonce}\", response=\"{response}\"",
            DIGEST_REALM, self.nonce, self.path
        );
        let response = self
            .http
            .get(&self.url)
            .header(AUTHORIZATION, header)
            .send()
            .await
            .expect("digest floor GET")
            .error_for_status()
            .expect("digest floor status");
        let bytes = response.bytes().await.expect("digest floor body");
        serde_json::from_slice(&bytes).expect("digest floor decode")
    }
}

fn same(b: ClientBuilder) -> ClientBuilder {
    b
}

/// No connect, attempt or total timeout: what the timers cost under concurrency.
fn no_timeouts(b: ClientBuilder) -> ClientBuilder {
    b.timeouts(atlas_snapshots::Timeouts::none())
}

/// The sequential variants, named as in the tables; the floor first.
fn variants(rt: &Runtime, base_url: &str) -> Vec<(&'static str, Caller)> {
    vec![
        (
            "floor: reqwest + serde_json",
            Caller::Floor(Floor::new(base_url)),
        ),
        (
            "floor digest: reqwest + 2 MD5",
            Caller::DigestFloor(Arc::new(DigestFloor::new(rt, base_url))),
        ),
        (
            "sdk bearer",
            Caller::sdk(base_url, Credentials::bearer(TOKEN), same),
        ),
        (
            "sdk digest (nonce kept)",
            Caller::sdk(
                base_url,
                Credentials::api_key(PUBLIC_KEY, PRIVATE_KEY),
                same,
            ),
        ),
        (
            "sdk oauth (cached token)",
            Caller::sdk(
                base_url,
                Credentials::service_account(CLIENT_ID, CLIENT_SECRET),
                same,
            ),
        ),
        (
            "sdk bearer + envelope",
            Caller::sdk(base_url, Credentials::bearer(TOKEN), |b| b.envelope(true)),
        ),
        (
            "sdk bearer, retry disabled",
            Caller::sdk(base_url, Credentials::bearer(TOKEN), |b| {
                b.retry(RetryPolicy::disabled())
            }),
        ),
        (
            "sdk bearer, retry default",
            Caller::sdk(base_url, Credentials::bearer(TOKEN), |b| {
                b.retry(RetryPolicy::default())
            }),
        ),
    ]
}

/// Exact wire bytes of one snapshot and of a 500-item page, as the stand-in sends them.
fn wire_bytes(rt: &Runtime, base_url: &str) -> (bytes::Bytes, bytes::Bytes) {
    let floor = Floor::new(base_url);
    rt.block_on(async {
        let one = floor.http.get(&*floor.url).send().await.expect("GET one");
        let one = one.bytes().await.expect("one body");
        let page_url = format!(
            "{base_url}/api/atlas/v2/groups/{}/flexClusters/{}/backup/snapshots?pageNum=1&itemsPerPage=500",
            sample::GROUP_ID,
            sample::FLEX_NAME
        );
        let page = floor.http.get(page_url).send().await.expect("GET page");
        let page = page.bytes().await.expect("page body");
        (one, page)
    })
}

struct Mode {
    bench: bool,
    filter: Option<String>,
}

impl Mode {
    fn from_args() -> Self {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let bench = args.iter().any(|a| a == "--bench") && !args.iter().any(|a| a == "--test");
        // criterion's own options that take a value, so their values are not filters.
        let valued = [
            "--save-baseline",
            "--baseline",
            "--load-baseline",
            "--sample-size",
            "--warm-up-time",
            "--measurement-time",
            "--nresamples",
            "--noise-threshold",
            "--confidence-level",
            "--significance-level",
            "--plotting-backend",
            "--output-format",
            "--color",
            "--format",
            "--profile-time",
            "--baseline-lenient",
            "--logfile",
        ];
        let mut filter = None;
        let mut skip = false;
        for a in &args {
            if skip {
                skip = false;
            } else if valued.contains(&a.as_str()) {
                skip = true;
            } else if !a.starts_with('-') {
                filter = Some(a.clone());
            }
        }
        Mode { bench, filter }
    }

    fn wants(&self, name: &str) -> bool {
        self.filter.as_deref().is_none_or(|f| name.contains(f))
    }
}

fn main() {
    let mode = Mode::from_args();
    let server = Server::start();
    let base_url = server.standin().base_url();
    let seq = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    let par = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("concurrent runtime");

    let mut c = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();

    // 1-5 and retry on/off: one call, sequential, on one client each.
    let callers = variants(&seq, &base_url);
    {
        let mut g = c.benchmark_group("get_flex_snapshot");
        for (name, caller) in &callers {
            g.bench_function(*name, |b| b.to_async(&seq).iter(|| caller.call()));
        }
        g.finish();
    }

    // 6: decode alone.
    let (one, page) = wire_bytes(&seq, &base_url);
    {
        let mut g = c.benchmark_group("decode");
        g.throughput(Throughput::Bytes(one.len() as u64));
        g.bench_function("one snapshot: typed", |b| {
            b.iter(|| serde_json::from_slice::<FlexBackupSnapshot>(black_box(&one)).unwrap())
        });
        g.bench_function("one snapshot: Value", |b| {
            b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(&one)).unwrap())
        });
        g.throughput(Throughput::Bytes(page.len() as u64));
        g.bench_function("500-item page: typed", |b| {
            b.iter(|| serde_json::from_slice::<FlexBackupSnapshotPage>(black_box(&page)).unwrap())
        });
        g.bench_function("500-item page: Value", |b| {
            b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(&page)).unwrap())
        });
        g.finish();
    }

    // 7: 64 concurrent tasks through one client, with the stand-in's counts.
    {
        let concurrent: Vec<(&str, Caller)> = vec![
            ("floor x64", Caller::Floor(Floor::new(&base_url))),
            (
                "sdk bearer x64",
                Caller::sdk(&base_url, Credentials::bearer(TOKEN), same),
            ),
            (
                "sdk bearer x64, no timeouts",
                Caller::sdk(&base_url, Credentials::bearer(TOKEN), no_timeouts),
            ),
            (
                "sdk oauth x64",
                Caller::sdk(
                    &base_url,
                    Credentials::service_account(CLIENT_ID, CLIENT_SECRET),
                    same,
                ),
            ),
            (
                "sdk digest x64",
                Caller::sdk(
                    &base_url,
                    Credentials::api_key(PUBLIC_KEY, PRIVATE_KEY),
                    same,
                ),
            ),
        ];
        let mut g = c.benchmark_group("concurrent_64");
        g.throughput(Throughput::Elements(CONCURRENCY as u64));
        let mut report = Vec::new();
        for (name, caller) in &concurrent {
            if !mode.wants(&format!("concurrent_64/{name}")) {
                continue;
            }
            let tally = Arc::new(Tally::default());
            let before = server.counts();
            g.bench_function(*name, |b| {
                b.to_async(&par).iter(|| {
                    let caller = caller.clone();
                    let tally = Arc::clone(&tally);
                    async move { tally.add(fan_out(&caller).await) }
                })
            });
            let seen = server.counts() - before;
            report.push((*name, tally.calls(), tally.failed(), seen));
        }
        g.finish();
        if !report.is_empty() {
            println!(
                "\nconcurrent_64: the stand-in's counts over each benchmark (warm-up included)"
            );
            println!(
                "| variant        |    calls | failed calls | requests/call | 401s/call | token requests | connections opened |"
            );
            println!(
                "|----------------|---------:|-------------:|--------------:|----------:|---------------:|-------------------:|"
            );
            for (name, calls, failed, seen) in report {
                let per = |n: u64| n as f64 / calls.max(1) as f64;
                println!(
                    "| {name:<14} | {calls:>8} | {failed:>12} | {:>13.3} | {:>9.3} | {:>14} | {:>18} |",
                    per(seen.requests),
                    per(seen.unauthorized),
                    seen.tokens,
                    seen.connections
                );
            }
        }
    }

    c.final_summary();

    if mode.wants("cold") {
        cold(&server, &par, &base_url, if mode.bench { 5 } else { 1 });
    }
    if mode.wants("paired_64") {
        let (rounds, block) = if mode.bench { (40, 20) } else { (2, 1) };
        paired_64(&server, &par, &base_url, rounds, block);
    }
    if mode.wants("paired") {
        let (rounds, block) = if mode.bench { (60, 200) } else { (2, 5) };
        paired(&server, &seq, &callers, rounds, block);
        paired_decode(&one, &page, rounds, if mode.bench { 20 } else { 1 });
    }
}

/// Calls made and calls failed, across tasks.
#[derive(Default)]
struct Tally {
    calls: std::sync::atomic::AtomicU64,
    failed: std::sync::atomic::AtomicU64,
}

impl Tally {
    fn add(&self, failed: u64) {
        use std::sync::atomic::Ordering::Relaxed;
        self.calls.fetch_add(CONCURRENCY as u64, Relaxed);
        self.failed.fetch_add(failed, Relaxed);
    }
    fn calls(&self) -> u64 {
        self.calls.load(std::sync::atomic::Ordering::Relaxed)
    }
    fn failed(&self) -> u64 {
        self.failed.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// `CONCURRENCY` spawned tasks, one call each, through clones of one caller; how many
/// failed (the first failure's message goes to stderr once per fan-out).
async fn fan_out(caller: &Caller) -> u64 {
    let tasks: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let caller = caller.clone();
            tokio::spawn(async move { caller.try_call().await.err() })
        })
        .collect();
    let mut failed = 0;
    for t in tasks {
        if let Some(e) = t.await.expect("task") {
            if failed == 0 {
                eprintln!("a concurrent call failed: {e}");
            }
            failed += 1;
        }
    }
    failed
}

/// 64 concurrent calls on brand-new clients (service account, then API key), `rounds`
/// times each.
fn cold(server: &Server, rt: &Runtime, base_url: &str, rounds: usize) {
    println!("\ncold: {CONCURRENCY} concurrent calls on a cold client, a new client per round");
    println!(
        "| credentials     | round | failed calls | token requests | HTTP requests | 401s | connections opened | wall ms |"
    );
    println!(
        "|-----------------|------:|-------------:|---------------:|--------------:|-----:|-------------------:|--------:|"
    );
    let mut worst = 0;
    for (kind, credentials) in [
        (
            "service account",
            Credentials::service_account(CLIENT_ID, CLIENT_SECRET),
        ),
        ("API key", Credentials::api_key(PUBLIC_KEY, PRIVATE_KEY)),
    ] {
        for round in 1..=rounds {
            let caller = Caller::sdk(base_url, credentials.clone(), same);
            let before = server.counts();
            let started = Instant::now();
            let failed = rt.block_on(fan_out(&caller));
            let wall = started.elapsed();
            let seen = server.counts() - before;
            if kind == "service account" {
                worst = worst.max(seen.tokens);
            }
            println!(
                "| {kind:<15} | {round:>5} | {failed:>12} | {:>14} | {:>13} | {:>4} | {:>18} | {:>7.1} |",
                seen.tokens,
                seen.requests,
                seen.unauthorized,
                seen.connections,
                wall.as_secs_f64() * 1e3
            );
        }
    }
    println!("cold: most token requests in one service-account round: {worst} (target 1)");
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn quartiles(v: &mut [f64]) -> (f64, f64) {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    (v[n / 4], v[(3 * n) / 4].min(v[n - 1]))
}

/// Interleaved rounds of every sequential variant; ratios to the floor per round.
fn paired(server: &Server, rt: &Runtime, callers: &[(&str, Caller)], rounds: usize, block: usize) {
    let n = callers.len();
    // Warm every client: connection open, digest nonce, OAuth token.
    rt.block_on(async {
        for (_, caller) in callers {
            for _ in 0..20 {
                caller.call().await;
            }
        }
    });
    let mut per_call: Vec<Vec<f64>> = vec![Vec::new(); n];
    let mut round_medians: Vec<Vec<f64>> = vec![Vec::new(); n];
    let mut counts = vec![Counts::default(); n];
    for round in 0..rounds {
        for k in 0..n {
            let i = (k + round) % n;
            let caller = &callers[i].1;
            let mut times = Vec::with_capacity(block);
            let before = server.counts();
            rt.block_on(async {
                for _ in 0..block {
                    let t = Instant::now();
                    caller.call().await;
                    times.push(t.elapsed().as_secs_f64() * 1e6);
                }
            });
            let seen = server.counts() - before;
            counts[i].requests += seen.requests;
            counts[i].unauthorized += seen.unauthorized;
            counts[i].tokens += seen.tokens;
            counts[i].connections += seen.connections;
            per_call[i].extend_from_slice(&times);
            round_medians[i].push(median(&mut times));
        }
    }
    let calls = (rounds * block) as f64;
    let floor_median = median(&mut per_call[0].clone());
    println!(
        "\npaired: {rounds} interleaved rounds x {block} sequential calls per variant (after 20 warm-up calls each)"
    );
    println!(
        "| variant                       | median µs | p90 µs | vs floor (median) | per-round ratio p25–p75 | requests/call | 401s/call |"
    );
    println!(
        "|-------------------------------|----------:|-------:|------------------:|------------------------:|--------------:|----------:|"
    );
    let mut ratios_by_name = Vec::new();
    for i in 0..n {
        let mut all = per_call[i].clone();
        let med = median(&mut all);
        all.sort_by(f64::total_cmp);
        let p90 = all[((all.len() - 1) * 9) / 10];
        let mut ratios: Vec<f64> = round_medians[i]
            .iter()
            .zip(&round_medians[0])
            .map(|(a, f)| a / f)
            .collect();
        let (q1, q3) = quartiles(&mut ratios.clone());
        let ratio = med / floor_median;
        ratios_by_name.push((callers[i].0, ratio, median(&mut ratios), q1, q3));
        println!(
            "| {:<29} | {:>9.1} | {:>6.1} | {:>16.3}x | {:>10.3}x – {:>8.3}x | {:>13.3} | {:>9.3} |",
            callers[i].0,
            med,
            p90,
            ratio,
            q1,
            q3,
            counts[i].requests as f64 / calls,
            counts[i].unauthorized as f64 / calls
        );
    }
    // Pairs compared round by round, one against the other.
    let idx = |name: &str| callers.iter().position(|(n, _)| *n == name);
    for (label, a, b) in [
        (
            "retry on vs off (bearer)",
            "sdk bearer, retry default",
            "sdk bearer, retry disabled",
        ),
        (
            "sdk digest vs digest floor",
            "sdk digest (nonce kept)",
            "floor digest: reqwest + 2 MD5",
        ),
    ] {
        let (Some(a), Some(b)) = (idx(a), idx(b)) else {
            continue;
        };
        let mut r: Vec<f64> = round_medians[a]
            .iter()
            .zip(&round_medians[b])
            .map(|(x, y)| x / y)
            .collect();
        let (q1, q3) = quartiles(&mut r.clone());
        let med = median(&mut r);
        let within = q1 <= 1.0 && 1.0 <= q3;
        println!(
            "{label}: median per-round ratio {med:.3}x, p25–p75 {q1:.3}x – {q3:.3}x: {}",
            if within {
                "within noise (1.000 inside the spread)"
            } else {
                "outside the spread"
            }
        );
    }
}

/// The 64-way concurrent variants in interleaved rounds of `block` fan-outs each:
/// throughput per round, and its ratio to the floor's in the same round.
fn paired_64(server: &Server, rt: &Runtime, base_url: &str, rounds: usize, block: usize) {
    let callers: Vec<(&str, Caller)> = vec![
        ("floor x64", Caller::Floor(Floor::new(base_url))),
        (
            "floor digest x64",
            Caller::DigestFloor(Arc::new(DigestFloor::new(rt, base_url))),
        ),
        (
            "sdk bearer x64",
            Caller::sdk(base_url, Credentials::bearer(TOKEN), same),
        ),
        (
            "sdk bearer x64, no timeouts",
            Caller::sdk(base_url, Credentials::bearer(TOKEN), no_timeouts),
        ),
        (
            "sdk digest x64",
            Caller::sdk(
                base_url,
                Credentials::api_key(PUBLIC_KEY, PRIVATE_KEY),
                same,
            ),
        ),
    ];
    let n = callers.len();
    // Warm every client: 64 connections each, the digest nonce.
    rt.block_on(async {
        for (_, caller) in &callers {
            for _ in 0..5 {
                fan_out(caller).await;
            }
        }
    });
    let mut per_round: Vec<Vec<f64>> = vec![Vec::new(); n];
    let mut failed = vec![0u64; n];
    let before = server.counts();
    for round in 0..rounds {
        for k in 0..n {
            let i = (k + round) % n;
            let caller = &callers[i].1;
            let t = Instant::now();
            let f = rt.block_on(async {
                let mut f = 0;
                for _ in 0..block {
                    f += fan_out(caller).await;
                }
                f
            });
            failed[i] += f;
            let secs = t.elapsed().as_secs_f64();
            per_round[i].push((block * CONCURRENCY) as f64 / secs);
        }
    }
    let seen = server.counts() - before;
    println!(
        "\npaired_64: {rounds} interleaved rounds x {block} fan-outs of {CONCURRENCY} concurrent calls per variant (after 5 warm-up fan-outs each)"
    );
    println!(
        "| variant                     | calls/s (median) | vs floor x64, per-round median | p25–p75 | failed calls |"
    );
    println!(
        "|-----------------------------|-----------------:|-------------------------------:|--------:|-------------:|"
    );
    for i in 0..n {
        let mut ratios: Vec<f64> = per_round[i]
            .iter()
            .zip(&per_round[0])
            .map(|(a, f)| a / f)
            .collect();
        let (q1, q3) = quartiles(&mut ratios.clone());
        println!(
            "| {:<27} | {:>16.0} | {:>29.3}x | {:.3}x – {:.3}x | {:>12} |",
            callers[i].0,
            median(&mut per_round[i].clone()),
            median(&mut ratios),
            q1,
            q3,
            failed[i]
        );
    }
    println!(
        "paired_64: stand-in totals requests={} unauthorized={} connections={}",
        seen.requests, seen.unauthorized, seen.connections
    );
}

/// Decode alone, interleaved: typed against `serde_json::Value` on the same bytes.
fn paired_decode(one: &[u8], page: &[u8], rounds: usize, reps: usize) {
    println!("\npaired decode: {rounds} interleaved rounds x {reps} decodes each");
    println!(
        "| bytes                    | typed µs (median) | Value µs (median) | typed / Value | per-round p25–p75 |"
    );
    println!(
        "|--------------------------|------------------:|------------------:|--------------:|------------------:|"
    );
    fn typed_one(b: &[u8]) -> bool {
        serde_json::from_slice::<FlexBackupSnapshot>(b).is_ok()
    }
    fn typed_page(b: &[u8]) -> bool {
        serde_json::from_slice::<FlexBackupSnapshotPage>(b).is_ok()
    }
    type Case<'a> = (&'a str, &'a [u8], fn(&[u8]) -> bool);
    let cases: [Case; 2] = [
        ("one snapshot", one, typed_one),
        ("500-item page", page, typed_page),
    ];
    for (name, bytes, typed_decode) in cases {
        let reps = if bytes.len() < 10_000 {
            reps * 50
        } else {
            reps
        };
        let mut typed = Vec::new();
        let mut value = Vec::new();
        let mut ratios = Vec::new();
        for round in 0..rounds {
            let mut t_round = Vec::new();
            let mut v_round = Vec::new();
            for k in 0..2 {
                let typed_first = (k + round) % 2 == 0;
                for _ in 0..reps {
                    let t = Instant::now();
                    if typed_first {
                        black_box(typed_decode(black_box(bytes)));
                        t_round.push(t.elapsed().as_secs_f64() * 1e6);
                    } else {
                        black_box(
                            serde_json::from_slice::<serde_json::Value>(black_box(bytes)).is_ok(),
                        );
                        v_round.push(t.elapsed().as_secs_f64() * 1e6);
                    }
                }
            }
            let (tm, vm) = (median(&mut t_round.clone()), median(&mut v_round.clone()));
            ratios.push(tm / vm);
            typed.extend(t_round);
            value.extend(v_round);
        }
        let (tm, vm) = (median(&mut typed), median(&mut value));
        let (q1, q3) = quartiles(&mut ratios.clone());
        println!(
            "| {:<24} | {:>17.2} | {:>17.2} | {:>12.3}x | {:>7.3}x – {:>6.3}x |",
            format!("{name} ({} B)", bytes.len()),
            tm,
            vm,
            tm / vm,
            q1,
            q3
        );
    }
}
