//! Building a client: base URL, credentials, timeouts, retries, envelope, limits.

use std::{ffi::OsString, fmt, net::IpAddr, sync::Arc, time::Duration};

use reqwest::header::HeaderValue;

use super::{
    Shared,
    auth::{Credentials, Signer, TokenCache},
    error::{Error, Result},
    lifecycle::{DeprecationNotice, DeprecationWarnings},
    retry::RetryPolicy,
};
use crate::Client;

/// Atlas's production address.
pub const DEFAULT_BASE_URL: &str = "https://cloud.mongodb.com";

/// Responses larger than this fail with [`Error::BodyTooLarge`] unless configured:
/// a full 500-item page is about 300 KiB.
pub const DEFAULT_MAX_BODY: usize = 16 * 1024 * 1024;

/// The environment variables `Client::from_env` reads (the Atlas CLI's names, and the
/// Terraform provider's for the base URL).
pub mod env {
    /// Base URL as the Atlas CLI names it, default `https://cloud.mongodb.com`.
    pub const OPS_MANAGER_URL: &str = "MONGODB_ATLAS_OPS_MANAGER_URL";
    /// Base URL as the Terraform provider names it; see [`OPS_MANAGER_URL`].
    pub const BASE_URL: &str = "MONGODB_ATLAS_BASE_URL";
    /// Service account client id.
    pub const CLIENT_ID: &str = "MONGODB_ATLAS_CLIENT_ID";
    /// Service account secret.
    pub const CLIENT_SECRET: &str = "MONGODB_ATLAS_CLIENT_SECRET";
    /// API key, public part.
    pub const PUBLIC_API_KEY: &str = "MONGODB_ATLAS_PUBLIC_API_KEY";
    /// API key, private part.
    pub const PRIVATE_API_KEY: &str = "MONGODB_ATLAS_PRIVATE_API_KEY";
    /// A ready access token.
    pub const ACCESS_TOKEN: &str = "MONGODB_ATLAS_ACCESS_TOKEN";
}

/// How long a call may take. `None` means no limit of that kind.
///
/// Defaults: connect 10 s; each attempt 30 s (from sending to the last byte of the
/// body); the whole call, retries and their waits included, 120 s. Built from
/// [`Timeouts::default`] or [`Timeouts::none`] and the `with_*` setters, so a new kind
/// of timeout can be added without breaking your code:
///
/// ```
/// use std::time::Duration;
/// use atlas_snapshots::Timeouts;
///
/// let t = Timeouts::default()
///     .with_attempt(Some(Duration::from_secs(20)))
///     .with_total(None);
/// assert_eq!(t.connect, Some(Duration::from_secs(10)));
/// assert_eq!((t.attempt, t.total), (Some(Duration::from_secs(20)), None));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Timeouts {
    /// Establishing a connection (TCP and TLS).
    pub connect: Option<Duration>,
    /// One attempt, from sending the request to the end of the body.
    pub attempt: Option<Duration>,
    /// The whole call, across retries.
    pub total: Option<Duration>,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Some(Duration::from_secs(10)),
            attempt: Some(Duration::from_secs(30)),
            total: Some(Duration::from_secs(120)),
        }
    }
}

impl Timeouts {
    /// No limits of any kind.
    pub const fn none() -> Self {
        Timeouts {
            connect: None,
            attempt: None,
            total: None,
        }
    }

    /// Sets [`Timeouts::connect`]; `None` for no limit.
    pub const fn with_connect(mut self, connect: Option<Duration>) -> Self {
        self.connect = connect;
        self
    }

    /// Sets [`Timeouts::attempt`]; `None` for no limit.
    pub const fn with_attempt(mut self, attempt: Option<Duration>) -> Self {
        self.attempt = attempt;
        self
    }

    /// Sets [`Timeouts::total`]; `None` for no limit.
    pub const fn with_total(mut self, total: Option<Duration>) -> Self {
        self.total = total;
        self
    }
}

/// Configures a [`Client`].
///
/// ```no_run
/// use std::time::Duration;
/// use atlas_snapshots::{Client, Credentials, RetryPolicy};
///
/// # fn main() -> atlas_snapshots::Result<()> {
/// let client = Client::builder()
///     .credentials(Credentials::service_account("mdb_sa_id_…", "mdb_sa_sk_…"))
///     .timeout(Duration::from_secs(30))
///     .retry(RetryPolicy::default().max_attempts(6))
///     .build()?;
/// # let _ = client; Ok(()) }
/// ```
///
/// # TLS, proxies and roots
///
/// The HTTP client this builder makes speaks TLS through the backend the crate's
/// features chose: `rustls` (default, with aws-lc-rs), `rustls-ring` (rustls with
/// ring) or `native-tls` (OpenSSL, Schannel or Security Framework). With a rustls
/// feature and `native-tls` both on, rustls is used unless `native_tls()` (a method of
/// that feature) asks otherwise. `rustls-ring` installs ring as the process-wide
/// default rustls provider when the first client is built, unless the application
/// installed one before (then that one is used); with both rustls features on, ring
/// is thus used too.
///
/// It trusts the system's roots plus any [added](ClientBuilder::add_root_certificate),
/// and takes its proxy from `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY`
/// (and, on macOS and Windows, the system settings) unless
/// [`ClientBuilder::proxy_url`] or [`ClientBuilder::proxy`] names one.
///
/// With your own [`ClientBuilder::http_client`], that client owns TLS and proxies:
/// setting a proxy, a root or `native_tls` here as well is an [`Error::Config`].
#[derive(Default)]
pub struct ClientBuilder {
    base_url: Option<String>,
    credentials: Option<Credentials>,
    token_cache: Option<TokenCache>,
    http: Option<reqwest::Client>,
    transport: TransportOptions,
    app_name: Option<String>,
    timeouts: Timeouts,
    retry: RetryPolicy,
    envelope: bool,
    deprecation: DeprecationWarnings,
    max_body: Option<usize>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url.as_deref().map(redact_userinfo))
            .field("credentials", &self.credentials)
            .field("token_cache", &self.token_cache)
            .field("timeouts", &self.timeouts)
            .field("retry", &self.retry)
            .field("envelope", &self.envelope)
            .field("app_name", &self.app_name)
            .field("transport", &self.transport)
            .finish_non_exhaustive()
    }
}

/// What the builder passes to the HTTP client it makes (none applies to the user's).
#[derive(Default)]
struct TransportOptions {
    proxies: Vec<ProxySetting>,
    roots: Vec<RootCertificate>,
    #[cfg(feature = "native-tls")]
    native_tls: bool,
}

enum ProxySetting {
    /// Checked at build, so that a bad one is an `Error::Config` like the base URL.
    Url(String),
    // Boxed: a reqwest::Proxy is several times the size of a String.
    Ready(Box<reqwest::Proxy>),
}

enum RootCertificate {
    Pem(Vec<u8>),
    Ready(reqwest::Certificate),
}

impl fmt::Debug for TransportOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // reqwest::Proxy's Debug may show the password of its URL; only ours are redacted.
        let proxies: Vec<String> = self
            .proxies
            .iter()
            .map(|p| match p {
                ProxySetting::Url(url) => redact_userinfo(url),
                ProxySetting::Ready(_) => "reqwest::Proxy".to_owned(),
            })
            .collect();
        let mut f = f.debug_struct("TransportOptions");
        f.field("proxies", &proxies)
            .field("roots", &self.roots.len());
        #[cfg(feature = "native-tls")]
        f.field("native_tls", &self.native_tls);
        f.finish()
    }
}

impl TransportOptions {
    /// The builder method that set an option, for the refusal next to `http_client`.
    fn first_set(&self) -> Option<&'static str> {
        #[cfg(feature = "native-tls")]
        if self.native_tls {
            return Some("native_tls");
        }
        if !self.proxies.is_empty() {
            Some("proxy_url/proxy")
        } else if !self.roots.is_empty() {
            Some("add_root_certificate/add_root_certificates_pem")
        } else {
            None
        }
    }
}

impl ClientBuilder {
    /// Where Atlas is; default `https://cloud.mongodb.com`. The OAuth token URL follows it.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// How to sign in. Without credentials requests go unsigned (for stand-ins).
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Keeps service-account tokens in `cache` as well as in memory, so that the
    /// processes of a user (each run of a script, say) share one token: the token
    /// endpoint allows about 10 requests a minute per client. Off by default; other
    /// credentials ignore it. See [`TokenCache`].
    pub fn token_cache(mut self, cache: TokenCache) -> Self {
        self.token_cache = Some(cache);
        self
    }

    /// Your own `reqwest::Client`. Its own TLS, proxies, timeouts, redirect policy and
    /// `User-Agent` then apply; this builder's connect timeout does not, and its proxy,
    /// root and TLS options are refused (see [`ClientBuilder`]).
    ///
    /// With the `rustls-ring` feature alone, reqwest needs a process-default rustls
    /// provider to build your client: install one first
    /// (`rustls::crypto::ring::default_provider().install_default()`), or reqwest panics.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Names your application in `User-Agent`, before this crate:
    /// `app_name("my-app/1.0")` sends `my-app/1.0 atlas-snapshots/0.1.0`, also through
    /// your own [`http_client`](ClientBuilder::http_client). Without it, the default
    /// client sends `atlas-snapshots/0.1.0` and your own client its own `User-Agent`.
    ///
    /// Printable ASCII and spaces only (product tokens such as `name/version`); empty or
    /// with control characters it is an [`Error::Config`] at build.
    pub fn app_name(mut self, name: impl Into<String>) -> Self {
        self.app_name = Some(name.into());
        self
    }

    /// Sends every request through the proxy at `url` (`http://` or `https://`), instead
    /// of the one from the environment. A user name and password in it go to the proxy
    /// as `Proxy-Authorization` and appear in no message. Checked at build: a URL that
    /// does not parse or has another scheme is an [`Error::Config`].
    ///
    /// May be given more than once, also with [`ClientBuilder::proxy`]: the first that
    /// matches a request is used.
    pub fn proxy_url(mut self, url: impl Into<String>) -> Self {
        self.transport.proxies.push(ProxySetting::Url(url.into()));
        self
    }

    /// Like [`ClientBuilder::proxy_url`], with reqwest's own `Proxy` (for `Proxy::https`
    /// alone, a `NoProxy` list or custom proxy headers).
    pub fn proxy(mut self, proxy: reqwest::Proxy) -> Self {
        self.transport
            .proxies
            .push(ProxySetting::Ready(Box::new(proxy)));
        self
    }

    /// Trusts `certificate` as a root, besides the system's: a private CA, or the one of
    /// a TLS-inspecting proxy.
    pub fn add_root_certificate(mut self, certificate: reqwest::Certificate) -> Self {
        self.transport
            .roots
            .push(RootCertificate::Ready(certificate));
        self
    }

    /// [`ClientBuilder::add_root_certificate`] for each certificate of a PEM bundle.
    /// Checked at build: PEM that does not parse or holds no certificate is an
    /// [`Error::Config`].
    pub fn add_root_certificates_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.transport.roots.push(RootCertificate::Pem(pem.into()));
        self
    }

    /// Uses the platform's TLS (OpenSSL, Schannel or Security Framework) even when a
    /// rustls feature is on too. Rustls stays the default then, so that one dependency
    /// turning `native-tls` on does not change the TLS of every client in the program.
    #[cfg(feature = "native-tls")]
    pub fn native_tls(mut self) -> Self {
        self.transport.native_tls = true;
        self
    }

    /// Bounds each call as a whole, retries included.
    pub fn timeout(mut self, total: Duration) -> Self {
        self.timeouts.total = Some(total);
        self
    }

    /// All three timeouts at once.
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// The retry policy; [`RetryPolicy::disabled`] for none.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Ask Atlas for the envelope form (`envelope=true`) on every call. Results are
    /// the same either way; the envelope is unwrapped before decoding.
    pub fn envelope(mut self, on: bool) -> Self {
        self.envelope = on;
        self
    }

    /// Call `handler` (once per deprecated operation per process) instead of logging.
    pub fn on_deprecation(
        mut self,
        handler: impl Fn(&DeprecationNotice) + Send + Sync + 'static,
    ) -> Self {
        self.deprecation = DeprecationWarnings::Handler(Arc::new(handler));
        self
    }

    /// Turns deprecation warnings on (the default) or off.
    pub fn deprecation_warnings(mut self, on: bool) -> Self {
        self.deprecation = if on {
            DeprecationWarnings::Log
        } else {
            DeprecationWarnings::Off
        };
        self
    }

    /// The largest response body accepted, in bytes (default [`DEFAULT_MAX_BODY`]).
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body = Some(limit);
        self
    }

    /// Checks the configuration and builds the client. Nothing is sent.
    ///
    /// Refused with [`Error::Config`]: a base URL that does not parse, is not http(s),
    /// carries a user name or password (credentials go through
    /// [`ClientBuilder::credentials`]), or has a query or fragment (API paths are
    /// appended to it); plain `http://` with credentials to anything but loopback; and
    /// credentials that are empty or hold control characters such as CR or LF; an
    /// unusable [app name](ClientBuilder::app_name), [proxy](ClientBuilder::proxy_url)
    /// or [root](ClientBuilder::add_root_certificates_pem); proxy, root or TLS options
    /// next to [`ClientBuilder::http_client`]. No message repeats a password, key or
    /// token.
    pub fn build(self) -> Result<Client> {
        let base_url = self
            .base_url
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned())
            .trim_end_matches('/')
            .to_owned();
        let url = url::Url::parse(&base_url).map_err(|e| {
            Error::Config(format!("base URL {:?}: {e}", redact_userinfo(&base_url)))
        })?;
        let host = url.host_str().unwrap_or("");
        // reqwest would turn userinfo into Basic auth, bypassing the http:// check below.
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Error::Config(format!(
                "base URL for {host} holds a user name or password; pass credentials with ClientBuilder::credentials instead"
            )));
        }
        // Paths are appended to the base URL as text: `/?q=1` would become `/?q=1/api/...`.
        if url.query().is_some() || url.fragment().is_some() {
            return Err(Error::Config(format!(
                "base URL for {host} has a query or fragment; it must end at its path"
            )));
        }
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            "http" if self.credentials.is_none() => {}
            "http" => {
                return Err(Error::Config(format!(
                    "refusing to send {} credentials over plain http:// to {host}; use https:// (plain http is allowed only to loopback addresses)",
                    self.credentials.as_ref().map_or("", Credentials::kind),
                )));
            }
            other => {
                return Err(Error::Config(format!(
                    "base URL scheme {other:?} is not http or https"
                )));
            }
        }
        let user_agent = user_agent(self.app_name.as_deref(), self.http.is_some())?;
        let http = match self.http {
            Some(client) => match self.transport.first_set() {
                None => client,
                Some(option) => {
                    return Err(Error::Config(format!(
                        "ClientBuilder::{option} configures the HTTP client this builder makes; with http_client(..) configure your reqwest::Client instead"
                    )));
                }
            },
            None => default_http_client(&self.timeouts, self.transport)?,
        };
        let signer = Signer::new(
            self.credentials,
            &base_url,
            self.timeouts,
            user_agent.clone(),
            self.token_cache,
        )?;
        let shared = Shared {
            signer,
            retry: self.retry,
            timeouts: self.timeouts,
            envelope: self.envelope,
            deprecation: self.deprecation,
            max_body: self.max_body.unwrap_or(DEFAULT_MAX_BODY),
            user_agent,
        };
        Ok(Client::from_parts(base_url, http, shared))
    }
}

/// `raw` with everything between `scheme://` and the last `@` masked. It works on text
/// that does not parse, where no authority can be found; masking too much is harmless.
fn redact_userinfo(raw: &str) -> String {
    let start = raw.find("://").map_or(0, |i| i + 3);
    match raw[start..].rfind('@') {
        Some(at) => format!("{}***{}", &raw[..start], &raw[start + at..]),
        None => raw.to_owned(),
    }
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

const OWN_USER_AGENT: &str = concat!("atlas-snapshots/", env!("CARGO_PKG_VERSION"));

/// The `User-Agent` this crate sends, or `None` to leave the user's client's own.
fn user_agent(app_name: Option<&str>, own_client: bool) -> Result<Option<HeaderValue>> {
    let Some(app) = app_name.map(str::trim) else {
        return Ok((!own_client).then(|| HeaderValue::from_static(OWN_USER_AGENT)));
    };
    let printable = !app.is_empty() && app.chars().all(|c| c == ' ' || c.is_ascii_graphic());
    HeaderValue::try_from(format!("{app} {OWN_USER_AGENT}"))
        .ok()
        .filter(|_| printable)
        .map(Some)
        .ok_or_else(|| {
            Error::Config(format!(
                "app name {app:?} must be printable ASCII such as \"my-app/1.0\", not empty and without control characters"
            ))
        })
}

/// A proxy URL as reqwest takes it, refused in our words: reqwest's own errors may
/// repeat the URL, password included.
fn proxy_from_url(raw: &str) -> Result<reqwest::Proxy> {
    let shown = redact_userinfo(raw);
    let url =
        url::Url::parse(raw).map_err(|e| Error::Config(format!("proxy URL {shown:?}: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::Config(format!(
            "proxy URL {shown:?}: scheme {:?} is not http or https",
            url.scheme()
        )));
    }
    reqwest::Proxy::all(url.as_str())
        .map_err(|_| Error::Config(format!("proxy URL {shown:?} is not usable")))
}

fn default_http_client(timeouts: &Timeouts, options: TransportOptions) -> Result<reqwest::Client> {
    // reqwest's `rustls-no-provider` has no provider of its own and panics at build
    // unless the process has a default one. Ring is installed unless the application
    // installed another first; then its choice stands and the error is expected.
    #[cfg(feature = "rustls-ring")]
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut builder = reqwest::Client::builder()
        // A redirect to another host would carry our Authorization header there.
        .redirect(reqwest::redirect::Policy::custom(|attempt| {
            let same_origin = attempt.previous().first().is_some_and(|first| {
                first.host_str() == attempt.url().host_str()
                    && first.port_or_known_default() == attempt.url().port_or_known_default()
                    && first.scheme() == attempt.url().scheme()
            });
            if same_origin && attempt.previous().len() < 5 {
                attempt.follow()
            } else {
                attempt.stop()
            }
        }))
        .pool_idle_timeout(Duration::from_secs(60));
    if let Some(connect) = timeouts.connect {
        builder = builder.connect_timeout(connect);
    }
    // reqwest picks native-tls whenever it is compiled in; here rustls stays the default.
    #[cfg(all(
        feature = "native-tls",
        any(feature = "rustls", feature = "rustls-ring")
    ))]
    {
        builder = if options.native_tls {
            builder.tls_backend_native()
        } else {
            builder.tls_backend_rustls()
        };
    }
    for proxy in options.proxies {
        builder = builder.proxy(match proxy {
            ProxySetting::Url(url) => proxy_from_url(&url)?,
            ProxySetting::Ready(proxy) => *proxy,
        });
    }
    for root in options.roots {
        match root {
            RootCertificate::Ready(certificate) => {
                builder = builder.add_root_certificate(certificate);
            }
            RootCertificate::Pem(pem) => {
                let certificates = reqwest::Certificate::from_pem_bundle(&pem)
                    .map_err(|e| Error::Config(format!("root certificate PEM: {e}")))?;
                if certificates.is_empty() {
                    return Err(Error::Config(
                        "root certificate PEM holds no certificate".into(),
                    ));
                }
                for certificate in certificates {
                    builder = builder.add_root_certificate(certificate);
                }
            }
        }
    }
    builder
        .build()
        .map_err(|e| Error::Config(format!("building the HTTP client: {e}")))
}

impl Client {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from the environment, in this order: service account
    /// (`MONGODB_ATLAS_CLIENT_ID` + `MONGODB_ATLAS_CLIENT_SECRET`), then API key
    /// (`MONGODB_ATLAS_PUBLIC_API_KEY` + `MONGODB_ATLAS_PRIVATE_API_KEY`), then
    /// `MONGODB_ATLAS_ACCESS_TOKEN`; base URL from `MONGODB_ATLAS_OPS_MANAGER_URL` (the
    /// Atlas CLI's name) or `MONGODB_ATLAS_BASE_URL` (the Terraform provider's).
    ///
    /// Fails with [`Error::Config`] naming the variables when no credentials are set (an
    /// unsigned client is [`Client::builder`] without credentials, or
    /// [`Client::builder_from`]), and as [`Client::builder_from`] does.
    pub fn from_env() -> Result<Client> {
        let builder = Self::builder_from(|name| std::env::var_os(name))?;
        if builder.credentials.is_none() {
            return Err(Error::Config(format!(
                "no credentials in the environment: set {} and {}, {} and {}, or {} (for unsigned requests, to a stand-in, use Client::builder or Client::builder_from)",
                env::CLIENT_ID,
                env::CLIENT_SECRET,
                env::PUBLIC_API_KEY,
                env::PRIVATE_API_KEY,
                env::ACCESS_TOKEN,
            )));
        }
        builder.build()
    }

    /// [`Client::from_env`] with the variables read through `lookup` (for tests, or
    /// another source), as a builder so explicit settings can still be added. Without
    /// credentials in the variables the builder has none: requests go unsigned.
    ///
    /// Fails with [`Error::Config`] naming the variable when a pair is set half-way, or
    /// when one of these variables is set but empty or not UTF-8: skipping it would send
    /// requests unsigned, or to the default base URL. `MONGODB_ATLAS_OPS_MANAGER_URL` and
    /// `MONGODB_ATLAS_BASE_URL` may both be set if they agree (trailing slashes aside);
    /// set to different URLs they are an error naming both.
    ///
    /// `lookup` returns a variable's raw value, or `None` when it is unset: read the
    /// process environment with `|name| std::env::var_os(name)`, not
    /// `std::env::var(name).ok()`, which hides a non-UTF-8 value as unset. A closure
    /// over strings works too (`|name| map.get(name).cloned()`).
    ///
    /// ```
    /// use atlas_snapshots::{Client, env};
    ///
    /// let err = Client::builder_from(|name| (name == env::ACCESS_TOKEN).then_some(""))
    ///     .unwrap_err();
    /// assert!(err.to_string().contains(env::ACCESS_TOKEN));
    /// ```
    pub fn builder_from<V: Into<OsString>>(
        lookup: impl Fn(&str) -> Option<V>,
    ) -> Result<ClientBuilder> {
        let get = |name: &str| -> Result<Option<String>> {
            let Some(value) = lookup(name) else {
                return Ok(None);
            };
            match value.into().into_string() {
                Ok(v) if v.is_empty() => Err(Error::Config(format!(
                    "{name} is set but empty; unset it or give it a value"
                ))),
                Ok(v) => Ok(Some(v)),
                Err(_) => Err(Error::Config(format!("{name} is set but is not UTF-8"))),
            }
        };
        let mut builder = Client::builder();
        match (get(env::OPS_MANAGER_URL)?, get(env::BASE_URL)?) {
            (Some(a), Some(b)) if a.trim_end_matches('/') != b.trim_end_matches('/') => {
                return Err(Error::Config(format!(
                    "{} and {} are set to different URLs; set one",
                    env::OPS_MANAGER_URL,
                    env::BASE_URL
                )));
            }
            (Some(url), _) | (None, Some(url)) => builder = builder.base_url(url),
            (None, None) => {}
        }
        let pair = |a: &'static str, b: &'static str| -> Result<Option<(String, String)>> {
            match (get(a)?, get(b)?) {
                (Some(x), Some(y)) => Ok(Some((x, y))),
                (None, None) => Ok(None),
                (Some(_), None) => Err(Error::Config(format!("{a} is set but {b} is not"))),
                (None, Some(_)) => Err(Error::Config(format!("{b} is set but {a} is not"))),
            }
        };
        let service_account = pair(env::CLIENT_ID, env::CLIENT_SECRET)?;
        let api_key = pair(env::PUBLIC_API_KEY, env::PRIVATE_API_KEY)?;
        let token = get(env::ACCESS_TOKEN)?;
        let credentials = if let Some((id, secret)) = service_account {
            Some(Credentials::service_account(id, secret))
        } else if let Some((public, private)) = api_key {
            Some(Credentials::api_key(public, private))
        } else {
            token.map(Credentials::bearer)
        };
        Ok(match credentials {
            Some(c) => builder.credentials(c),
            None => builder,
        })
    }
}
