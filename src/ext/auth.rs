//! Credentials and how each kind signs a request: service accounts (OAuth 2.0 client
//! credentials), API keys (HTTP Digest) and plain bearer tokens.

mod digest;
mod oauth;
mod token_cache;

use std::fmt;

use reqwest::{
    StatusCode,
    header::{AUTHORIZATION, HeaderMap, HeaderValue},
};
use secrecy::{ExposeSecret, SecretString};

pub(crate) use digest::{DigestSession, DigestTurn};
pub(crate) use oauth::OAuthSession;
pub use token_cache::TokenCache;

use super::error::{Error, Result};

/// How the client proves who it is. Secrets never appear in `Debug`, logs or errors.
///
/// ```
/// use atlas_snapshots::Credentials;
///
/// let sa = Credentials::service_account("mdb_sa_id_123", "mdb_sa_sk_secret");
/// assert!(!format!("{sa:?}").contains("mdb_sa_sk_secret"));
/// ```
#[derive(Clone)]
pub struct Credentials(pub(crate) Kind);

#[derive(Clone)]
pub(crate) enum Kind {
    ServiceAccount {
        client_id: String,
        client_secret: SecretString,
    },
    ApiKey {
        public_key: String,
        private_key: SecretString,
    },
    Bearer(SecretString),
}

impl Credentials {
    /// A service account: its client id and secret are exchanged for short-lived tokens
    /// at `{base_url}/api/oauth/token`, cached and shared by every clone of the client.
    pub fn service_account(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Credentials(Kind::ServiceAccount {
            client_id: client_id.into(),
            client_secret: SecretString::from(client_secret.into()),
        })
    }

    /// A programmatic API key, signed with HTTP Digest (RFC 7616).
    pub fn api_key(public_key: impl Into<String>, private_key: impl Into<String>) -> Self {
        Credentials(Kind::ApiKey {
            public_key: public_key.into(),
            private_key: SecretString::from(private_key.into()),
        })
    }

    /// An access token you obtained yourself, sent as `Authorization: Bearer …`.
    pub fn bearer(token: impl Into<String>) -> Self {
        Credentials(Kind::Bearer(SecretString::from(token.into())))
    }

    /// Which kind of credentials these are: `service account`, `API key` or `bearer token`.
    pub fn kind(&self) -> &'static str {
        match self.0 {
            Kind::ServiceAccount { .. } => "service account",
            Kind::ApiKey { .. } => "API key",
            Kind::Bearer(_) => "bearer token",
        }
    }

    /// Refuses values no request could be signed with: empty, or holding a control
    /// character (CR or LF would split a header, and a digest or Basic header that cannot
    /// be built would leave requests unsigned). The message names the field only.
    fn check(&self) -> Result<()> {
        let usable = |what: &str, value: &str| {
            if value.is_empty() {
                Err(Error::Config(format!("the {what} is empty")))
            } else if value.chars().any(char::is_control) {
                Err(Error::Config(format!(
                    "the {what} holds a control character (such as CR or LF)"
                )))
            } else {
                Ok(())
            }
        };
        match &self.0 {
            Kind::ServiceAccount {
                client_id,
                client_secret,
            } => {
                usable("service account client id", client_id)?;
                usable("service account secret", client_secret.expose_secret())
            }
            Kind::ApiKey {
                public_key,
                private_key,
            } => {
                usable("public API key", public_key)?;
                usable("private API key", private_key.expose_secret())
            }
            Kind::Bearer(token) => usable("bearer token", token.expose_secret()),
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Kind::ServiceAccount { client_id, .. } => f
                .debug_struct("ServiceAccount")
                .field("client_id", client_id)
                .field("client_secret", &"** redacted **")
                .finish(),
            Kind::ApiKey { public_key, .. } => f
                .debug_struct("ApiKey")
                .field("public_key", public_key)
                .field("private_key", &"** redacted **")
                .finish(),
            Kind::Bearer(_) => f.write_str("Bearer(** redacted **)"),
        }
    }
}

/// The per-client state that signs requests.
pub(crate) enum Signer {
    Anonymous,
    Bearer(HeaderValue),
    Digest(DigestSession),
    // Boxed: the token cache is several times the size of the other signers.
    OAuth(Box<OAuthSession>),
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Signer::Anonymous => "Anonymous",
            Signer::Bearer(_) => "Bearer(** redacted **)",
            Signer::Digest(_) => "Digest(** redacted **)",
            Signer::OAuth(_) => "OAuth(** redacted **)",
        })
    }
}

/// What signed one exchange, so a 401 can be answered the right way. Kept until the
/// exchange is over: a digest turn holds the session's gate or a lent nonce till then.
pub(crate) enum Signed {
    Nothing,
    /// A digest exchange, signed with a kept nonce or sent to draw a challenge.
    Digest(DigestTurn),
    /// OAuth token of this generation, from the cache or just fetched.
    Token {
        generation: u64,
        fresh: bool,
    },
}

impl Signer {
    pub(crate) fn new(
        credentials: Option<Credentials>,
        base_url: &str,
        timeouts: super::config::Timeouts,
        user_agent: Option<HeaderValue>,
        token_cache: Option<TokenCache>,
    ) -> Result<Self> {
        if let Some(credentials) = &credentials {
            credentials.check()?;
        }
        Ok(match credentials.map(|c| c.0) {
            None => Signer::Anonymous,
            Some(Kind::Bearer(token)) => Signer::Bearer(bearer_header(token.expose_secret())?),
            Some(Kind::ApiKey {
                public_key,
                private_key,
            }) => Signer::Digest(DigestSession::new(public_key, private_key)),
            Some(Kind::ServiceAccount {
                client_id,
                client_secret,
            }) => Signer::OAuth(Box::new(OAuthSession::new(
                client_id,
                client_secret,
                base_url,
                timeouts,
                user_agent,
                token_cache,
            ))),
        })
    }

    /// Signs `request` before it is sent. The result is to be kept until the exchange
    /// (with its answer to a 401) is over.
    pub(crate) async fn sign(
        &self,
        http: &reqwest::Client,
        request: &mut reqwest::Request,
    ) -> Result<Signed> {
        match self {
            Signer::Anonymous => Ok(Signed::Nothing),
            Signer::Bearer(value) => {
                request.headers_mut().insert(AUTHORIZATION, value.clone());
                Ok(Signed::Nothing)
            }
            Signer::Digest(session) => Ok(Signed::Digest(session.sign(request).await)),
            Signer::OAuth(cache) => {
                let (value, generation, fresh) = cache.token(http).await?;
                request.headers_mut().insert(AUTHORIZATION, value);
                Ok(Signed::Token { generation, fresh })
            }
        }
    }

    /// Notes every answer of the exchange: a digest session learns whether its nonce
    /// served and takes the server's `nextnonce`.
    pub(crate) fn answered(&self, signed: &mut Signed, status: StatusCode, headers: &HeaderMap) {
        if let (Signer::Digest(session), Signed::Digest(turn)) = (self, signed) {
            session.answered(turn, status, headers);
        }
    }

    /// After a 401: signs `request` for one more try and says whether there is one. A
    /// digest challenge (fresh or stale) is answered once; a refused token from the
    /// cache is dropped and replaced once; anything else (a wrong key, a token fresh
    /// from the endpoint refused) is final.
    pub(crate) async fn answer_unauthorized(
        &self,
        http: &reqwest::Client,
        signed: &mut Signed,
        response_headers: &HeaderMap,
        request: &mut reqwest::Request,
    ) -> Result<bool> {
        match (self, signed) {
            (Signer::Digest(session), Signed::Digest(turn)) => {
                Ok(session.accept_challenge(turn, response_headers, request))
            }
            (
                Signer::OAuth(cache),
                Signed::Token {
                    generation,
                    fresh: false,
                },
            ) => {
                cache.invalidate(*generation);
                let (value, _, _) = cache.token(http).await?;
                request.headers_mut().insert(AUTHORIZATION, value);
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

pub(crate) fn bearer_header(token: &str) -> Result<HeaderValue> {
    let mut value = HeaderValue::try_from(format!("Bearer {token}")).map_err(|_| {
        Error::Config("the bearer token holds characters a header cannot carry".into())
    })?;
    value.set_sensitive(true);
    Ok(value)
}
