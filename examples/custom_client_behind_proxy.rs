//! Calling Atlas through an HTTP proxy: with the builder's own HTTP client
//! (`ClientBuilder::proxy_url`), then with your own `reqwest::Client`
//! (`ClientBuilder::http_client`), naming your application in `User-Agent` with
//! `app_name` both times.
//!
//! Against the stand-in, and against Atlas when no `HTTPS_PROXY` or `ALL_PROXY` is set,
//! it starts a tiny logging forward proxy on 127.0.0.1, so you can see each request go
//! through it. Against Atlas (https) the proxy only sees a `CONNECT` tunnel: what goes
//! through it is encrypted.
//!
//! ```sh
//! cargo run --example custom_client_behind_proxy                         # on the stand-in
//! cargo run --example custom_client_behind_proxy -- GROUP_ID FLEX_NAME   # with Atlas credentials set
//! ```

mod common;

use std::{env, time::Duration};

use atlas_snapshots_standin::sample;
use common::{BoxError, Setup};
use tokio::{
    io::{AsyncReadExt as _, AsyncWriteExt as _},
    net::{TcpListener, TcpStream},
};

const APP: &str = "snapshot-report/1.0";

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let setup = Setup::start().await?;
    let [group, cluster] = setup.ids(
        ["GROUP_ID", "FLEX_NAME"],
        [sample::GROUP_ID, sample::FLEX_NAME],
    )?;
    if let Some(standin) = &setup.standin {
        standin.seed_flex(
            &group,
            &cluster,
            (0..3).map(sample::flex_snapshot).collect(),
        );
    }
    // A configured proxy is only used for Atlas: the stand-in is on this machine.
    let configured = ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]
        .iter()
        .find_map(|name| env::var(name).ok())
        .filter(|_| setup.standin.is_none());
    let proxy = match configured {
        Some(proxy) => proxy,
        None => start_logging_proxy().await?,
    };
    println!("proxy: {proxy}\n");

    // 1. The builder's HTTP client, with the proxy named explicitly (by default it
    //    would read HTTPS_PROXY, HTTP_PROXY, ALL_PROXY and NO_PROXY). A user name and
    //    password in the URL go to the proxy as Proxy-Authorization, never into a log.
    let client = setup.builder()?.proxy_url(&proxy).app_name(APP).build()?;
    let snapshots = client
        .flex_backup_snapshots(&group, &cluster)
        .collect()
        .await?;
    println!("proxy_url: {} snapshots\n", snapshots.len());

    // 2. Your own reqwest::Client, for settings the builder does not have. Its proxy,
    //    TLS and timeouts then apply (setting a proxy on the builder as well would be an
    //    Error::Config); `app_name` still puts your application in User-Agent.
    let http = reqwest::Client::builder()
        .proxy(reqwest::Proxy::all(&proxy)?)
        .connect_timeout(Duration::from_secs(5))
        .pool_idle_timeout(Duration::from_secs(30))
        .build()?;
    let client = setup.builder()?.http_client(http).app_name(APP).build()?;
    let snapshots = client
        .flex_backup_snapshots(&group, &cluster)
        .collect()
        .await?;
    println!("http_client: {} snapshots\n", snapshots.len());

    // Two requests per client: a new client's first request is answered with the
    // Digest challenge, and the second is signed. Both came through the proxy.
    if let Some(standin) = &setup.standin {
        for request in standin.requests() {
            let signed = request.header("authorization").is_some();
            println!(
                "the stand-in saw {} {}, User-Agent: {}",
                request.method,
                if signed { "signed" } else { "unsigned" },
                request.header("user-agent").unwrap_or("-")
            );
        }
    }
    Ok(())
}

/// Starts a forward proxy on 127.0.0.1 that prints each request it passes on, and
/// returns its URL. Just enough HTTP/1.1 for this example, no more: `CONNECT host:port`
/// (how a client reaches an https:// URL through a proxy) becomes a tunnel, and a
/// plain-HTTP request (`GET http://host:port/path`) is sent on with `Connection: close`,
/// so that every request arrives on a connection of its own and is printed.
async fn start_logging_proxy() -> std::io::Result<String> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move {
        while let Ok((connection, _)) = listener.accept().await {
            tokio::spawn(async move {
                if let Err(e) = forward(connection).await {
                    eprintln!("  [proxy] {e}");
                }
            });
        }
    });
    Ok(url)
}

async fn forward(mut client: TcpStream) -> std::io::Result<()> {
    // The request head: everything up to the first empty line.
    let mut buf = Vec::new();
    let end = loop {
        let mut chunk = [0; 4096];
        let n = client.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let mut lines = head.split("\r\n").filter(|line| !line.is_empty());
    let request_line = lines.next().unwrap_or_default();
    let [method, target, version] = request_line
        .splitn(3, ' ')
        .collect::<Vec<_>>()
        .try_into()
        .map_err(|_| invalid(format!("not an HTTP request: {request_line:?}")))?;

    let (mut upstream, forwarded) = if method == "CONNECT" {
        println!("  [proxy] CONNECT {target}: a TLS tunnel, its requests are encrypted");
        let upstream = TcpStream::connect(target).await?;
        client
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .await?;
        (upstream, String::new())
    } else {
        let url = url::Url::parse(target).map_err(|e| invalid(format!("{target}: {e}")))?;
        let host = url.host_str().unwrap_or_default();
        let port = url.port_or_known_default().unwrap_or(80);
        let user_agent = lines
            .clone()
            .find_map(|line| {
                line.split_once(':')
                    .filter(|(n, _)| n.eq_ignore_ascii_case("user-agent"))
            })
            .map_or("-", |(_, value)| value.trim());
        println!("  [proxy] {method} {target}  User-Agent: {user_agent}");
        // On to the server in origin form (`GET /path`), without the hop-by-hop headers.
        let mut forwarded = format!(
            "{method} {} {version}\r\n",
            &url[url::Position::BeforePath..]
        );
        for line in lines {
            let name = line.split(':').next().unwrap_or_default().trim();
            let hop_by_hop = [
                "connection",
                "keep-alive",
                "proxy-connection",
                "proxy-authorization",
            ];
            if !hop_by_hop.iter().any(|h| name.eq_ignore_ascii_case(h)) {
                forwarded.push_str(line);
                forwarded.push_str("\r\n");
            }
        }
        forwarded.push_str("Connection: close\r\n\r\n");
        (TcpStream::connect((host, port)).await?, forwarded)
    };
    upstream.write_all(forwarded.as_bytes()).await?;
    upstream.write_all(&buf[end..]).await?;
    // Either side closing ends the exchange; how it closed does not matter here.
    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
    Ok(())
}

fn invalid(message: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, message)
}
