//! HTTP Digest (RFC 7616) for Atlas API keys, with the server's nonce kept.
//!
//! Written on `md-5`/`sha2` rather than the `digest_auth` crate: the nonce session is
//! shared by every concurrent call with an atomic nonce count and a cached HA1, and the
//! private key stays in a `SecretString` (digest_auth copies it into a plain struct).
//! Keeping the nonce is what makes a stream of calls cost one HTTP request each, where
//! `curl --digest` and the official SDKs pay a 401 round trip every time.

use std::sync::{
    Mutex,
    atomic::{AtomicU32, Ordering},
};

use md5::{Digest as _, Md5};
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue, WWW_AUTHENTICATE};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

/// The Digest algorithms Atlas may offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Algorithm {
    Md5,
    Sha256,
}

impl Algorithm {
    fn name(self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Sha256 => "SHA-256",
        }
    }

    fn hash(self, data: &str) -> String {
        match self {
            Algorithm::Md5 => hex(&Md5::digest(data.as_bytes())),
            Algorithm::Sha256 => hex(&Sha256::digest(data.as_bytes())),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 0xf) as usize] as char);
    }
    out
}

/// One `WWW-Authenticate: Digest …` challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Challenge {
    pub realm: String,
    pub nonce: String,
    pub opaque: Option<String>,
    pub algorithm: Algorithm,
    pub qop_auth: bool,
    pub stale: bool,
}

/// Splits `key=value, key="quoted, value"` auth-params (RFC 7235 §2.1).
pub(crate) fn parse_params(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = s.trim();
    while !rest.is_empty() {
        let Some(eq) = rest.find('=') else { break };
        let key = rest[..eq]
            .trim()
            .trim_start_matches(',')
            .trim()
            .to_ascii_lowercase();
        rest = rest[eq + 1..].trim_start();
        let value;
        if let Some(quoted) = rest.strip_prefix('"') {
            let mut v = String::new();
            let mut chars = quoted.char_indices();
            let mut end = quoted.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, next)) = chars.next() {
                            v.push(next);
                        }
                    }
                    '"' => {
                        end = i + 1;
                        break;
                    }
                    _ => v.push(c),
                }
            }
            value = v;
            rest = quoted[end.min(quoted.len())..].trim_start();
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            value = rest[..end].trim().to_owned();
            rest = &rest[end..];
        }
        rest = rest.trim_start_matches(',').trim_start();
        out.push((key, value));
    }
    out
}

impl Challenge {
    /// Parses one header value; `None` when it is not a usable Digest challenge.
    pub(crate) fn parse(header: &str) -> Option<Self> {
        let (scheme, params) = header.trim().split_once(' ')?;
        if !scheme.eq_ignore_ascii_case("digest") {
            return None;
        }
        let params = parse_params(params);
        let get = |k: &str| {
            params
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
        let algorithm = match get("algorithm")
            .unwrap_or("MD5")
            .to_ascii_uppercase()
            .as_str()
        {
            "MD5" => Algorithm::Md5,
            "SHA-256" => Algorithm::Sha256,
            _ => return None,
        };
        let qop = get("qop");
        let qop_auth = qop.is_some_and(|q| q.split(',').any(|o| o.trim() == "auth"));
        if qop.is_some() && !qop_auth {
            return None;
        }
        Some(Challenge {
            realm: get("realm")?.to_owned(),
            nonce: get("nonce")?.to_owned(),
            opaque: get("opaque").map(str::to_owned),
            algorithm,
            qop_auth,
            stale: get("stale").is_some_and(|s| s.eq_ignore_ascii_case("true")),
        })
    }

    /// The best challenge among a 401's `WWW-Authenticate` headers: SHA-256 over MD5.
    pub(crate) fn best(headers: &HeaderMap) -> Option<Self> {
        headers
            .get_all(WWW_AUTHENTICATE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(Challenge::parse)
            .max_by_key(|c| c.algorithm == Algorithm::Sha256)
    }
}

/// A nonce the server gave us, with what is needed to sign with it.
struct Nonce {
    challenge: Challenge,
    ha1: String,
    count: AtomicU32,
}

/// The API key and the current nonce, shared by every clone of a client.
pub(crate) struct DigestSession {
    username: String,
    password: SecretString,
    nonce: Mutex<Option<std::sync::Arc<Nonce>>>,
    /// Held by the one call that fetches a challenge while no nonce is kept, so that
    /// many concurrent first calls cost one 401, not one each.
    first_challenge: std::sync::Arc<tokio::sync::Mutex<()>>,
}

/// Held while the first challenge is fetched and answered; dropping it lets the
/// waiting calls sign with the nonce it brought.
pub(crate) type ChallengeGate = tokio::sync::OwnedMutexGuard<()>;

impl DigestSession {
    pub(crate) fn new(username: String, password: SecretString) -> Self {
        DigestSession {
            username,
            password,
            nonce: Mutex::new(None),
            first_challenge: std::sync::Arc::default(),
        }
    }

    fn current(&self) -> Option<std::sync::Arc<Nonce>> {
        self.nonce
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Signs pre-emptively with the kept nonce and says so. Without one, the first
    /// caller goes unsigned to draw the challenge and gets the gate to hold until it
    /// has answered it; the others wait for that nonce.
    pub(crate) async fn sign(
        &self,
        request: &mut reqwest::Request,
    ) -> (bool, Option<ChallengeGate>) {
        if let Some(nonce) = self.current() {
            self.authorize(&nonce, request);
            return (true, None);
        }
        let gate = self.first_challenge.clone().lock_owned().await;
        match self.current() {
            Some(nonce) => {
                self.authorize(&nonce, request);
                (true, None)
            }
            None => (false, Some(gate)),
        }
    }

    /// Takes the challenge of a 401 (fresh or `stale=true`) and signs `request` with it;
    /// `false` when the 401 carried no Digest challenge we can answer.
    pub(crate) fn accept_challenge(
        &self,
        headers: &HeaderMap,
        request: &mut reqwest::Request,
    ) -> bool {
        let Some(challenge) = Challenge::best(headers) else {
            return false;
        };
        let ha1 = challenge.algorithm.hash(&format!(
            "{}:{}:{}",
            self.username,
            challenge.realm,
            self.password.expose_secret()
        ));
        let nonce = std::sync::Arc::new(Nonce {
            challenge,
            ha1,
            count: AtomicU32::new(0),
        });
        *self
            .nonce
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(nonce.clone());
        self.authorize(&nonce, request);
        true
    }

    fn authorize(&self, nonce: &Nonce, request: &mut reqwest::Request) {
        let c = &nonce.challenge;
        let uri = match request.url().query() {
            Some(q) => format!("{}?{q}", request.url().path()),
            None => request.url().path().to_owned(),
        };
        let ha2 = c.algorithm.hash(&format!("{}:{uri}", request.method()));
        let mut header = format!(
            "Digest username=\"{}\", realm=\"{}\", nonce=\"{}\", uri=\"{uri}\", algorithm={}",
            quote(&self.username),
            quote(&c.realm),
            quote(&c.nonce),
            c.algorithm.name()
        );
        let response = if c.qop_auth {
            let nc = nonce.count.fetch_add(1, Ordering::Relaxed) + 1;
            let cnonce = format!("{:016x}", fastrand::u64(..));
            header.push_str(&format!(", qop=auth, nc={nc:08x}, cnonce=\"{cnonce}\""));
            c.algorithm.hash(&format!(
                "{}:{}:{nc:08x}:{cnonce}:auth:{ha2}",
                nonce.ha1, c.nonce
            ))
        } else {
            c.algorithm
                .hash(&format!("{}:{}:{ha2}", nonce.ha1, c.nonce))
        };
        header.push_str(&format!(", response=\"{response}\""));
        if let Some(opaque) = &c.opaque {
            header.push_str(&format!(", opaque=\"{}\"", quote(opaque)));
        }
        if let Ok(mut value) = HeaderValue::try_from(header) {
            value.set_sensitive(true);
            request.headers_mut().insert(AUTHORIZATION, value);
        }
    }
}

fn quote(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_atlas_challenge() {
        let c = Challenge::parse(
            r#"Digest realm="MMS Public API", domain="", nonce="abc,def", algorithm=MD5, qop="auth", stale=false"#,
        )
        .unwrap();
        assert_eq!(c.realm, "MMS Public API");
        assert_eq!(c.nonce, "abc,def");
        assert_eq!(c.algorithm, Algorithm::Md5);
        assert!(c.qop_auth && !c.stale);
        assert!(Challenge::parse("Basic realm=\"x\"").is_none());
        assert!(Challenge::parse("Digest realm=\"x\", nonce=\"n\", algorithm=SHA-512").is_none());
    }

    #[test]
    fn rfc_2617_worked_example() {
        // RFC 2617 §3.5: Mufasa / "Circle Of Life".
        let ha1 = Algorithm::Md5.hash("Mufasa:testrealm@host.com:Circle Of Life");
        let ha2 = Algorithm::Md5.hash("GET:/dir/index.html");
        let r = Algorithm::Md5.hash(&format!(
            "{ha1}:dcd98b7102dd2f0e8b11d0f600bfb0c093:00000001:0a4f113b:auth:{ha2}"
        ));
        assert_eq!(r, "6629fae49393a05397450978507c4ef1");
    }
}
