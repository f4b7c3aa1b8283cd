//! Beneath the API: TLS with each backend and a private CA, proxies (set on the builder
//! or taken from the environment) and `User-Agent`, against real servers on 127.0.0.1:
//! an HTTPS front and a forward proxy, both relaying to the stand-in.
//!
//! CI runs this file once per TLS feature (`.ci/run`), so what it says of "the backend"
//! is checked for rustls with aws-lc-rs, rustls with ring and native-tls.

// The proxy variables are tried on the CLI: the test process's environment stays as it is.
#[cfg(feature = "cli")]
mod cli_support;
mod common;

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use atlas_snapshots::{Client, Error, PageRequest, RetryPolicy};
use atlas_snapshots_standin::StandIn;
use common::{FLEX, GROUP};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};
use tokio_rustls::rustls::{
    self, ServerConfig,
    pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject},
};

const CA_PEM: &[u8] = include_bytes!("fixtures/tls/ca.pem");
const SERVER_PEM: &[u8] = include_bytes!("fixtures/tls/server.pem");
const SERVER_KEY: &[u8] = include_bytes!("fixtures/tls/server.key");
const SECRET: &str = "pw-s3cret";
const OWN_AGENT: &str = concat!("atlas-snapshots/", env!("CARGO_PKG_VERSION"));

/// Only one TLS backend speaks when native-tls is the sole TLS feature.
const NATIVE_ONLY: bool = cfg!(all(
    feature = "native-tls",
    not(any(feature = "rustls", feature = "rustls-ring"))
));

/// A call that must end (either way) well within the test's time.
async fn list(client: &Client) -> atlas_snapshots::Result<()> {
    tokio::time::timeout(
        Duration::from_secs(20),
        client.list_flex_backup_snapshots(GROUP, FLEX, PageRequest::default()),
    )
    .await
    .expect("the call ends within 20 s")
    .map(drop)
}

fn config_error(result: atlas_snapshots::Result<Client>) -> String {
    match result {
        Err(Error::Config(message)) => message,
        Err(other) => panic!("expected a Config error, got {other:?}"),
        Ok(client) => panic!("expected a Config error, got {client:?}"),
    }
}

/// A reqwest client of the user's own. With `rustls-ring` alone reqwest has no provider
/// of its own: a user installs one first, as `ClientBuilder::http_client` says.
fn users_reqwest() -> reqwest::ClientBuilder {
    #[cfg(feature = "rustls-ring")]
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
}

// ----- an HTTPS front for the stand-in -----

/// Accepts TLS on 127.0.0.1 with the fixture certificate (CN and SAN 127.0.0.1 and
/// localhost, signed by `ca.pem`) and relays the plaintext to `backend`. Ring is passed
/// explicitly so the process-default provider stays the client's business.
async fn https_front(backend: SocketAddr) -> SocketAddr {
    let certificates = CertificateDer::pem_slice_iter(SERVER_PEM)
        .collect::<Result<Vec<_>, _>>()
        .expect("server.pem");
    let key = PrivateKeyDer::from_pem_slice(SERVER_KEY).expect("server.key");
    let mut config =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(certificates, key)
            .expect("certificate and key");
    // The stand-in speaks HTTP/1.1 only.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A client that refuses the certificate ends the handshake: nothing to relay.
                let Ok(mut tls) = acceptor.accept(stream).await else {
                    return;
                };
                if let Ok(mut plain) = TcpStream::connect(backend).await {
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                }
            });
        }
    });
    addr
}

/// A stand-in wanting `common::TOKEN`, and the `https://` base URL of a front for it.
async fn https_standin(host: &str) -> (StandIn, String) {
    let standin = common::standin(1).await;
    let front = https_front(standin.addr()).await;
    let url = format!("https://{host}:{}", front.port());
    (standin, url)
}

// ----- a forward proxy -----

/// A forward proxy on 127.0.0.1: records the head of each connection's first request,
/// then relays to the target (absolute-form for http://, a CONNECT tunnel for https://),
/// which must be on 127.0.0.1.
struct Proxy {
    addr: SocketAddr,
    heads: Arc<Mutex<Vec<String>>>,
}

impl Proxy {
    async fn start() -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let proxy = Proxy {
            addr: listener.local_addr().expect("address"),
            heads: Arc::default(),
        };
        let heads = proxy.heads.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(relay(stream, heads.clone()));
            }
        });
        proxy
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The request heads seen, one per connection.
    fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }

    /// Their request lines.
    fn first_lines(&self) -> Vec<String> {
        self.heads()
            .iter()
            .map(|h| h.lines().next().unwrap_or("").to_owned())
            .collect()
    }
}

async fn relay(mut client: TcpStream, heads: Arc<Mutex<Vec<String>>>) -> std::io::Result<()> {
    let mut buffer = Vec::new();
    let end = loop {
        let mut chunk = [0; 4096];
        let n = client.read(&mut chunk).await?;
        if n == 0 || buffer.len() > 64 * 1024 {
            return Ok(());
        }
        buffer.extend_from_slice(&chunk[..n]);
        if let Some(i) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
    heads.lock().unwrap().push(head.clone());
    let mut words = head.split(' ');
    let (method, target) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    let authority = match method {
        "CONNECT" => target,
        _ => target
            .strip_prefix("http://")
            .and_then(|rest| rest.split('/').next())
            .unwrap_or(""),
    };
    let upstream = match authority.parse::<SocketAddr>() {
        Ok(addr) if addr.ip().is_loopback() => TcpStream::connect(addr).await,
        _ => Err(std::io::ErrorKind::PermissionDenied.into()),
    };
    let Ok(mut upstream) = upstream else {
        return client
            .write_all(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n")
            .await;
    };
    if method == "CONNECT" {
        client
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .await?;
        upstream.write_all(&buffer[end..]).await?;
    } else {
        upstream.write_all(&buffer).await?;
    }
    tokio::io::copy_bidirectional(&mut client, &mut upstream)
        .await
        .map(drop)
}

// ----- TLS -----

#[tokio::test]
async fn https_to_a_private_ca_fails_without_its_root_and_works_with_it() {
    for host in ["127.0.0.1", "localhost"] {
        let (standin, url) = https_standin(host).await;
        let builder = || {
            common::builder(&standin)
                .base_url(&url)
                .retry(RetryPolicy::disabled())
        };

        let refused = list(&builder().build().unwrap()).await.unwrap_err();
        let Error::Transport { message, .. } = &refused else {
            panic!("expected a transport error, got {refused:?}");
        };
        // The cause, in the backend's words: rustls's, or OpenSSL's.
        let expected = if NATIVE_ONLY {
            "certificate verify failed"
        } else {
            "invalid peer certificate"
        };
        assert!(message.contains(expected), "{host}: {message}");
        assert_eq!(standin.request_count(), 0, "nothing got through");

        let with_pem = builder().add_root_certificates_pem(CA_PEM).build().unwrap();
        list(&with_pem).await.unwrap();
        let certificate = reqwest::Certificate::from_pem(CA_PEM).unwrap();
        let with_certificate = builder().add_root_certificate(certificate).build().unwrap();
        list(&with_certificate).await.unwrap();
        assert_eq!(standin.request_count(), 2, "{host}");
    }
}

#[cfg(all(
    feature = "native-tls",
    any(feature = "rustls", feature = "rustls-ring")
))]
#[tokio::test]
async fn with_rustls_also_on_native_tls_is_used_only_when_asked() {
    let (standin, url) = https_standin("127.0.0.1").await;
    let builder = || {
        common::builder(&standin)
            .base_url(&url)
            .retry(RetryPolicy::disabled())
    };
    for (builder, expected) in [
        (builder(), "invalid peer certificate"),
        (builder().native_tls(), "certificate verify failed"),
    ] {
        let message = list(&builder.build().unwrap())
            .await
            .unwrap_err()
            .to_string();
        assert!(message.contains(expected), "{message}");
    }
    let native = builder()
        .native_tls()
        .add_root_certificates_pem(CA_PEM)
        .build()
        .unwrap();
    list(&native).await.unwrap();
}

#[cfg(feature = "rustls-ring")]
#[test]
fn rustls_ring_installs_ring_as_the_process_default() {
    // Alone in a process, so no other test has installed a provider yet.
    let name = "rustls_ring_installs_ring_as_the_process_default";
    if common::rerun_alone(name, &[]) {
        return;
    }
    assert!(rustls::crypto::CryptoProvider::get_default().is_none());
    Client::builder().build().unwrap();
    assert!(rustls::crypto::CryptoProvider::get_default().is_some());
    // So a user's reqwest client now builds too, instead of panicking.
    reqwest::Client::builder().build().unwrap();
}

#[test]
fn root_pem_that_holds_no_certificate_is_a_config_error() {
    let broken = b"-----BEGIN CERTIFICATE-----\n%%%\n-----END CERTIFICATE-----\n";
    for pem in [&b"not PEM at all"[..], b"", broken, SERVER_KEY] {
        let message = config_error(Client::builder().add_root_certificates_pem(pem).build());
        assert!(message.contains("root certificate PEM"), "{message}");
    }
}

// ----- proxies -----

#[tokio::test]
async fn proxy_url_carries_requests_and_its_credentials_to_the_proxy() {
    let standin = common::standin(1).await;
    let proxy = Proxy::start().await;
    let url = proxy
        .url()
        .replacen("http://", &format!("http://user:{SECRET}@"), 1);
    let builder = common::builder(&standin).proxy_url(&url);
    let debug = format!("{builder:?}");
    assert!(!debug.contains(SECRET), "{debug}");
    list(&builder.build().unwrap()).await.unwrap();

    let heads = proxy.heads();
    assert_eq!(heads.len(), 1, "{heads:?}");
    let expected = format!(
        "GET {}/api/atlas/v2/groups/{GROUP}/flexClusters/{FLEX}/backup/snapshots?",
        standin.base_url()
    );
    assert!(heads[0].starts_with(&expected), "{heads:?}");
    // base64("user:pw-s3cret")
    assert!(
        heads[0]
            .to_ascii_lowercase()
            .contains("proxy-authorization: basic dxnlcjpwdy1zm2nyzxq="),
        "{heads:?}"
    );
    assert_eq!(standin.request_count(), 1);
}

#[tokio::test]
async fn https_goes_through_a_proxy_tunnel_to_a_private_ca() {
    let (standin, url) = https_standin("127.0.0.1").await;
    let proxy = Proxy::start().await;
    let client = common::builder(&standin)
        .base_url(&url)
        .proxy(reqwest::Proxy::https(proxy.url()).unwrap())
        .add_root_certificates_pem(CA_PEM)
        .build()
        .unwrap();
    list(&client).await.unwrap();
    let port = url.rsplit(':').next().unwrap();
    assert_eq!(
        proxy.first_lines(),
        [format!("CONNECT 127.0.0.1:{port} HTTP/1.1")]
    );
    assert_eq!(standin.request_count(), 1);
}

#[test]
fn an_unusable_proxy_url_is_a_config_error_without_its_password() {
    for url in [
        format!("http://user:{SECRET}@127.0.0.1:99999"),
        format!("socks5://user:{SECRET}@127.0.0.1:1080"),
        format!("user:{SECRET}@proxy.example.com:3128"),
        format!("http://user:{SECRET}@"),
        "proxy.example.com".to_owned(),
    ] {
        let message = config_error(Client::builder().proxy_url(&url).build());
        assert!(message.contains("proxy URL"), "{url}: {message}");
        assert!(!message.contains(SECRET), "{message}");
    }
}

#[test]
fn transport_options_are_refused_next_to_a_users_client() {
    let own = || Client::builder().http_client(users_reqwest().build().unwrap());
    let proxied = own().proxy_url("http://127.0.0.1:3128");
    assert!(config_error(proxied.build()).contains("ClientBuilder::proxy"));
    let rooted = own().add_root_certificates_pem(CA_PEM);
    assert!(config_error(rooted.build()).contains("ClientBuilder::add_root_certificate"));
    #[cfg(feature = "native-tls")]
    assert!(config_error(own().native_tls().build()).contains("ClientBuilder::native_tls"));
    assert!(own().build().is_ok());
}

#[cfg(feature = "cli")]
#[tokio::test]
async fn the_default_client_honours_the_proxy_variables() {
    let standin = StandIn::builder()
        .bearer_token(cli_support::TOKEN)
        .start()
        .await
        .expect("start the stand-in");
    common::seed(&standin, 1);
    let base_url = standin.base_url();
    let args = format!("--timeout 10 flex list --group-id {GROUP} --cluster {FLEX}");
    let cases = [
        (vec!["HTTP_PROXY"], true),
        (vec!["http_proxy"], true),
        (vec!["ALL_PROXY"], true),
        // HTTPS_PROXY is for https:// only; NO_PROXY exempts the stand-in.
        (vec!["HTTPS_PROXY"], false),
        (vec!["HTTP_PROXY", "NO_PROXY"], false),
    ];
    for (vars, proxied) in cases {
        let proxy = Proxy::start().await;
        let mut cmd = assert_cmd::Command::from_std(cli_support::command(&base_url, &args));
        cmd.timeout(Duration::from_secs(20));
        for var in &vars {
            let value = if var.eq_ignore_ascii_case("NO_PROXY") {
                "127.0.0.1".to_owned()
            } else {
                proxy.url()
            };
            cmd.env(var, value);
        }
        let output = tokio::task::spawn_blocking(move || cmd.output())
            .await
            .expect("the command thread")
            .expect("run the CLI");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{vars:?}: {stderr}");
        let seen = proxy.first_lines();
        if proxied {
            assert_eq!(seen.len(), 1, "{vars:?}: {seen:?}");
            assert!(seen[0].starts_with(&format!("GET {base_url}/")), "{seen:?}");
        } else {
            assert!(seen.is_empty(), "{vars:?}: {seen:?}");
        }
    }
}

// ----- User-Agent -----

/// The `User-Agent` of every request the stand-in saw from `client`.
async fn agents(client: Client, standin: &StandIn) -> Vec<Option<String>> {
    standin.clear_requests();
    list(&client).await.unwrap();
    standin
        .requests()
        .iter()
        .map(|r| r.header("user-agent").map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn user_agent_is_ours_the_users_clients_or_the_app_name_before_ours() {
    let standin = common::standin(1).await;
    let theirs = || {
        users_reqwest()
            .user_agent("their-client/2.0")
            .build()
            .unwrap()
    };
    let combined = format!("my-app/1.0 {OWN_AGENT}");
    let cases = [
        (common::builder(&standin), Some(OWN_AGENT.to_owned())),
        (
            common::builder(&standin).http_client(theirs()),
            Some("their-client/2.0".to_owned()),
        ),
        (
            common::builder(&standin).http_client(users_reqwest().build().unwrap()),
            None,
        ),
        (
            common::builder(&standin).app_name("my-app/1.0"),
            Some(combined.clone()),
        ),
        (
            common::builder(&standin)
                .app_name(" my-app/1.0 ")
                .http_client(theirs()),
            Some(combined.clone()),
        ),
    ];
    for (builder, expected) in cases {
        assert_eq!(agents(builder.build().unwrap(), &standin).await, [expected]);
    }
}

#[tokio::test]
async fn the_token_endpoint_sees_the_same_user_agent() {
    let standin = StandIn::builder()
        .service_account("mdb_sa_id_ua", SECRET)
        .start()
        .await
        .expect("start the stand-in");
    common::seed(&standin, 1);
    let client = Client::builder()
        .base_url(standin.base_url())
        .credentials(atlas_snapshots::Credentials::service_account(
            "mdb_sa_id_ua",
            SECRET,
        ))
        .deprecation_warnings(false)
        .app_name("my-app/1.0")
        .build()
        .unwrap();
    let expected = Some(format!("my-app/1.0 {OWN_AGENT}"));
    assert_eq!(agents(client, &standin).await, [expected.clone(), expected]);
    assert_eq!(standin.token_requests(), 1);
}

#[test]
fn an_app_name_a_header_cannot_carry_is_a_config_error() {
    for name in [
        "",
        "   ",
        "my-app/1.0\r\nX-Evil: 1",
        "my\tapp",
        "naïve/1.0",
        "\0",
    ] {
        let message = config_error(Client::builder().app_name(name).build());
        assert!(message.contains("app name"), "{name:?}: {message}");
        assert!(!message.contains('\n'), "{message}");
    }
}
