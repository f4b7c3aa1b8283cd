//! Building a client: base URL, credentials, timeouts, retries, envelope, limits.

use std::{ffi::OsString, fmt, net::IpAddr, sync::Arc, time::Duration};

use reqwest::header::HeaderValue;

use super::{
    Inner, Shared,
    auth::{Credentials, Signer},
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

/// The environment variables `Client::from_env` reads (the Atlas CLI's names).
pub mod env {
    /// Base URL, default `https://cloud.mongodb.com`.
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
#[derive(Default)]
pub struct ClientBuilder {
    base_url: Option<String>,
    credentials: Option<Credentials>,
    http: Option<reqwest::Client>,
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
            .field("timeouts", &self.timeouts)
            .field("retry", &self.retry)
            .field("envelope", &self.envelope)
            .finish_non_exhaustive()
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

    /// Your own `reqwest::Client` (proxies, custom roots). Its own timeouts and redirect
    /// policy then apply; this builder's connect timeout does not.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
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
    /// credentials that are empty or hold control characters such as CR or LF. No
    /// message repeats a password, key or token.
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
        let http = match self.http {
            Some(client) => client,
            None => default_http_client(&self.timeouts)?,
        };
        let signer = Signer::new(self.credentials, &base_url, self.timeouts)?;
        let inner = Inner(Arc::new(Shared {
            signer,
            retry: self.retry,
            timeouts: self.timeouts,
            envelope: self.envelope,
            deprecation: self.deprecation,
            max_body: self.max_body.unwrap_or(DEFAULT_MAX_BODY),
            user_agent: HeaderValue::from_static(concat!(
                "atlas-snapshots/",
                env!("CARGO_PKG_VERSION")
            )),
        }));
        Ok(Client::from_parts(
            crate::generated::Client::new_with_client(&base_url, http, inner),
        ))
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

fn default_http_client(timeouts: &Timeouts) -> Result<reqwest::Client> {
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
    /// `MONGODB_ATLAS_ACCESS_TOKEN`; base URL from `MONGODB_ATLAS_BASE_URL`.
    ///
    /// Fails with [`Error::Config`] naming the variable when a pair is set half-way, or
    /// when one of these variables is set but empty or not UTF-8: skipping it would send
    /// requests unsigned, or to the default base URL.
    pub fn from_env() -> Result<Client> {
        Self::builder_from(|name| std::env::var_os(name))?.build()
    }

    /// [`Client::from_env`] with the variables read through `lookup` (for tests, or
    /// another source), as a builder so explicit settings can still be added.
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
        if let Some(url) = get(env::BASE_URL)? {
            builder = builder.base_url(url);
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
