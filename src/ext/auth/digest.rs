//! HTTP Digest (RFC 7616) for Atlas API keys, with the server's nonce kept.
//!
//! Written on `md-5`/`sha2` rather than the `digest_auth` crate: the nonce session is
//! shared by every concurrent call with an atomic nonce count and a cached HA1, and the
//! private key stays in a `SecretString` (digest_auth copies it into a plain struct).
//! Keeping the nonce is what makes a stream of calls cost one HTTP request each, where
//! `curl --digest` and the official SDKs pay a 401 round trip every time.
//!
//! A session is in one of three states:
//! - no nonce known: the first call goes unsigned to draw the challenge and the calls
//!   arriving meanwhile wait for it ([`DigestTurn`] holds the gate); when that call is
//!   answered without a challenge (an outage's 5xx, a 200 from a server that wants no
//!   key) the session stops waiting for challenges, so calls run side by side;
//! - shared: one nonce signs every call, each with its own nonce count, concurrently;
//! - exclusive: the server refused a count of a nonce that was working (Apache's
//!   `AuthDigestNcCheck` wants counts in arrival order), so each nonce is lent to one
//!   exchange at a time and returned once it served; a call that finds none free draws
//!   a fresh challenge. The pool grows to the calls' concurrency and no further.
//!
//! A `nextnonce` in `Authentication-Info` (RFC 7616 §3.5) replaces the nonce it came
//! with: the shared one, or the one lent to that exchange.

use std::{
    cmp::Reverse,
    fmt::Write as _,
    sync::{
        Arc, Mutex, MutexGuard,
        atomic::{AtomicU32, Ordering},
    },
};

use md5::{Digest as _, Md5};
use reqwest::{
    StatusCode,
    header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue, WWW_AUTHENTICATE},
};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Sha256, Sha512_256};

/// RFC 7616 §3.5's header for what the server says after a successful request.
const AUTHENTICATION_INFO: HeaderName = HeaderName::from_static("authentication-info");

/// Idle nonces kept in exclusive mode; beyond this many concurrent calls, the extra ones
/// draw a challenge each and drop its nonce afterwards.
const MAX_IDLE: usize = 64;

/// The RFC 7616 hash functions, weakest first (the order challenges are ranked in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Hash {
    Md5,
    Sha256,
    Sha512_256,
}

/// A Digest `algorithm`: a hash function, and whether it is the `-sess` variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Algorithm {
    pub hash: Hash,
    pub sess: bool,
}

impl Algorithm {
    fn parse(name: &str) -> Option<Self> {
        let upper = name.to_ascii_uppercase();
        let (base, sess) = match upper.strip_suffix("-SESS") {
            Some(base) => (base, true),
            None => (upper.as_str(), false),
        };
        let hash = match base {
            "MD5" => Hash::Md5,
            "SHA-256" => Hash::Sha256,
            "SHA-512-256" => Hash::Sha512_256,
            _ => return None,
        };
        Some(Algorithm { hash, sess })
    }

    fn name(self) -> &'static str {
        match (self.hash, self.sess) {
            (Hash::Md5, false) => "MD5",
            (Hash::Md5, true) => "MD5-sess",
            (Hash::Sha256, false) => "SHA-256",
            (Hash::Sha256, true) => "SHA-256-sess",
            (Hash::Sha512_256, false) => "SHA-512-256",
            (Hash::Sha512_256, true) => "SHA-512-256-sess",
        }
    }

    fn hash(self, data: &str) -> String {
        match self.hash {
            Hash::Md5 => hex(&Md5::digest(data.as_bytes())),
            Hash::Sha256 => hex(&Sha256::digest(data.as_bytes())),
            Hash::Sha512_256 => hex(&Sha512_256::digest(data.as_bytes())),
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

/// One element of an RFC 7235 challenge list or auth-param list.
#[derive(Debug, PartialEq, Eq)]
enum Item {
    /// `Digest`, `Basic`, …: starts a challenge.
    Scheme(String),
    /// `name=value`, name lowercased, value unquoted.
    Param(String, String),
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn is_token68(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~+/".contains(&b)
}

fn skip_ows(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
        i += 1;
    }
    i
}

/// Splits a header value into schemes and auth-params (RFC 7235 §2.1, §4.1):
/// `Basic realm="x", Digest realm="y", nonce="a,b"` is a scheme, a param, a scheme and
/// two params. Token68 credentials are skipped; junk is skipped a byte at a time, so any
/// input ends in one pass without a panic (every slice starts and ends at an ASCII byte).
fn items(header: &str) -> Vec<Item> {
    let b = header.as_bytes();
    let mut out = Vec::new();
    let mut after_scheme = false;
    let mut i = 0;
    loop {
        while i < b.len() && (b[i] == b',' || b[i] == b' ' || b[i] == b'\t') {
            after_scheme &= b[i] != b',';
            i += 1;
        }
        if i >= b.len() {
            return out;
        }
        if after_scheme {
            after_scheme = false;
            // `Basic dXNlcg==`: right after a scheme, a token68 is followed by nothing
            // but `=`s up to the comma; an auth-param has a value after its `=`.
            let mut k = i;
            while k < b.len() && is_token68(b[k]) {
                k += 1;
            }
            while k > i && k < b.len() && b[k] == b'=' {
                k += 1;
            }
            let end = skip_ows(b, k);
            if k > i && (end == b.len() || b[end] == b',') {
                i = end;
                continue;
            }
        }
        let start = i;
        while i < b.len() && is_tchar(b[i]) {
            i += 1;
        }
        if i == start {
            i += 1;
            continue;
        }
        let token = &header[start..i];
        let eq = skip_ows(b, i);
        if eq >= b.len() || b[eq] != b'=' {
            out.push(Item::Scheme(token.to_owned()));
            after_scheme = true;
            i = eq;
            continue;
        }
        i = skip_ows(b, eq + 1);
        let value = if i < b.len() && b[i] == b'"' {
            let mut value = String::new();
            let mut chars = header[i + 1..].char_indices();
            let mut end = b.len();
            while let Some((j, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, next)) = chars.next() {
                            value.push(next);
                        }
                    }
                    '"' => {
                        end = i + 1 + j + 1;
                        break;
                    }
                    _ => value.push(c),
                }
            }
            i = end;
            value
        } else {
            let start = i;
            while i < b.len() && b[i] != b',' && b[i] != b' ' && b[i] != b'\t' {
                i += 1;
            }
            // Stop only at ASCII bytes: the slice ends on a character boundary.
            header[start..i].to_owned()
        };
        out.push(Item::Param(token.to_ascii_lowercase(), value));
    }
}

/// One `Digest` challenge we can answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Challenge {
    pub realm: String,
    pub nonce: String,
    pub opaque: Option<String>,
    pub algorithm: Algorithm,
    pub qop_auth: bool,
    pub stale: bool,
    pub userhash: bool,
}

impl Challenge {
    /// Builds a challenge from a Digest challenge's params; `None` when it lacks a realm
    /// or nonce, or asks for an algorithm or qop we do not speak.
    fn from_params(params: &[(String, String)]) -> Option<Self> {
        let get = |k: &str| {
            params
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
        let algorithm = Algorithm::parse(get("algorithm").unwrap_or("MD5"))?;
        let qop = get("qop");
        let qop_auth = qop.is_some_and(|q| q.split(',').any(|o| o.trim() == "auth"));
        // qop=auth-int alone is not for us; `-sess` needs the cnonce that qop brings.
        if (qop.is_some() || algorithm.sess) && !qop_auth {
            return None;
        }
        let flag = |k: &str| get(k).is_some_and(|s| s.eq_ignore_ascii_case("true"));
        Some(Challenge {
            realm: get("realm")?.to_owned(),
            nonce: get("nonce")?.to_owned(),
            opaque: get("opaque").map(str::to_owned),
            algorithm,
            qop_auth,
            stale: flag("stale"),
            userhash: flag("userhash"),
        })
    }

    /// Every Digest challenge in one header value, whatever other schemes it also offers.
    pub(crate) fn all_in(header: &str) -> Vec<Self> {
        let mut out = Vec::new();
        let mut current: Option<Vec<(String, String)>> = None;
        for item in items(header) {
            match item {
                Item::Scheme(scheme) => {
                    out.extend(current.take().and_then(|p| Challenge::from_params(&p)));
                    current = scheme.eq_ignore_ascii_case("digest").then(Vec::new);
                }
                Item::Param(k, v) => {
                    if let Some(params) = &mut current {
                        params.push((k, v));
                    }
                }
            }
        }
        out.extend(current.and_then(|p| Challenge::from_params(&p)));
        out
    }

    /// The strongest challenge among a 401's `WWW-Authenticate` headers (SHA-512-256,
    /// then SHA-256, then MD5); among equals, the first the server listed.
    pub(crate) fn best(headers: &HeaderMap) -> Option<Self> {
        headers
            .get_all(WWW_AUTHENTICATE)
            .iter()
            .flat_map(|v| Challenge::all_in(&String::from_utf8_lossy(v.as_bytes())))
            .min_by_key(|c| Reverse(c.algorithm.hash))
    }
}

/// The `nextnonce` of an `Authentication-Info` header (RFC 7616 §3.5), if any.
fn next_nonce(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(AUTHENTICATION_INFO)?;
    items(&String::from_utf8_lossy(value.as_bytes()))
        .into_iter()
        .find_map(|item| match item {
            Item::Param(k, v) if k == "nextnonce" && !v.is_empty() => Some(v),
            _ => None,
        })
}

/// A nonce the server gave us, with what is needed to sign with it.
struct Nonce {
    challenge: Challenge,
    ha1: String,
    /// For `-sess`: the one cnonce every request with this nonce sends, so A1 is the
    /// same whether the server computes it once per nonce or once per request.
    sess_cnonce: Option<String>,
    count: AtomicU32,
}

fn random_cnonce() -> String {
    format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..))
}

/// The nonces of a session and how calls may use them.
#[derive(Default)]
struct Nonces {
    /// Shared mode: the nonce every call signs with.
    shared: Option<Arc<Nonce>>,
    /// Exclusive mode is on: one exchange per nonce at a time.
    exclusive: bool,
    /// Exclusive mode: nonces no exchange holds, ready for their next count.
    idle: Vec<Arc<Nonce>>,
    /// A call that drew for a challenge got none: later calls do not wait for one.
    open: bool,
}

type SharedNonces = Arc<Mutex<Nonces>>;

fn lock(nonces: &Mutex<Nonces>) -> MutexGuard<'_, Nonces> {
    nonces
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The API key and its nonces, shared by every clone of a client.
pub(crate) struct DigestSession {
    username: String,
    password: SecretString,
    nonces: SharedNonces,
    /// Held by the one call that fetches a challenge while no nonce is kept, so that
    /// many concurrent first calls cost one 401, not one each.
    first_challenge: Arc<tokio::sync::Mutex<()>>,
}

/// One exchange's hold on the session, kept from signing until its last answer.
///
/// Dropping it releases what it holds: the gate other first calls wait at (telling them
/// not to wait for a challenge when none came), and a nonce lent in exclusive mode.
pub(crate) struct DigestTurn {
    nonces: SharedNonces,
    /// What the last request of this exchange was signed with; `None`: sent unsigned.
    nonce: Option<Arc<Nonce>>,
    /// `nonce` is lent to this exchange alone (exclusive mode).
    lent: bool,
    /// The last answer to `nonce` was not a 401, so it is good for another count.
    served: bool,
    /// A Digest challenge came during this exchange.
    challenged: bool,
    gate: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl Drop for DigestTurn {
    fn drop(&mut self) {
        let mut nonces = lock(&self.nonces);
        if self.gate.is_some() && !self.challenged {
            nonces.open = true;
        }
        if self.lent && self.served && nonces.exclusive && nonces.idle.len() < MAX_IDLE {
            nonces.idle.extend(self.nonce.take());
        }
        // `gate` is released after this body, once `open` is visible to the waiters.
    }
}

/// What a call signs with, decided under the nonce lock.
enum Plan {
    Sign(Arc<Nonce>, bool),
    Unsigned,
    AwaitChallenge,
}

impl DigestSession {
    pub(crate) fn new(username: String, password: SecretString) -> Self {
        DigestSession {
            username,
            password,
            nonces: SharedNonces::default(),
            first_challenge: Arc::default(),
        }
    }

    fn plan(&self) -> Plan {
        let mut nonces = lock(&self.nonces);
        if nonces.exclusive {
            return match nonces.idle.pop() {
                Some(nonce) => Plan::Sign(nonce, true),
                None => Plan::Unsigned,
            };
        }
        match &nonces.shared {
            Some(nonce) => Plan::Sign(nonce.clone(), false),
            None if nonces.open => Plan::Unsigned,
            None => Plan::AwaitChallenge,
        }
    }

    /// Signs pre-emptively with a kept nonce when there is one. Otherwise the request
    /// goes unsigned to draw a challenge; the first such call of a fresh session holds
    /// the gate while the others wait for the nonce it brings.
    pub(crate) async fn sign(&self, request: &mut reqwest::Request) -> DigestTurn {
        let mut turn = DigestTurn {
            nonces: self.nonces.clone(),
            nonce: None,
            lent: false,
            served: false,
            challenged: false,
            gate: None,
        };
        let mut plan = self.plan();
        let mut gate = None;
        if matches!(plan, Plan::AwaitChallenge) {
            gate = Some(self.first_challenge.clone().lock_owned().await);
            plan = self.plan();
        }
        match plan {
            Plan::Sign(nonce, lent) => {
                self.authorize(&nonce, request);
                turn.nonce = Some(nonce);
                turn.lent = lent;
            }
            Plan::Unsigned => {}
            Plan::AwaitChallenge => turn.gate = gate,
        }
        turn
    }

    /// Takes the challenge of a 401 (fresh or `stale=true`) and signs `request` with it;
    /// `false` when the 401 carried no Digest challenge we can answer.
    pub(crate) fn accept_challenge(
        &self,
        turn: &mut DigestTurn,
        headers: &HeaderMap,
        request: &mut reqwest::Request,
    ) -> bool {
        let Some(challenge) = Challenge::best(headers) else {
            return false;
        };
        turn.challenged = true;
        let nonce = Arc::new(self.nonce(challenge));
        self.authorize(&nonce, request);
        let mut nonces = lock(&self.nonces);
        // A fresh challenge for a count of a nonce that was not stale: the server wants
        // counts in arrival order, or forgot the nonce. Lending each nonce to one
        // exchange at a time serves both; a wrong key fails the same either way.
        if turn.nonce.is_some() && !nonce.challenge.stale && !nonces.exclusive {
            nonces.exclusive = true;
            nonces.shared = None;
        }
        turn.lent = nonces.exclusive;
        if !nonces.exclusive {
            nonces.shared = Some(nonce.clone());
        }
        turn.nonce = Some(nonce);
        turn.served = false;
        true
    }

    /// Notes an answer to a request of `turn`: whether its nonce served, and the
    /// `nextnonce` the server wants the next request to use.
    pub(crate) fn answered(&self, turn: &mut DigestTurn, status: StatusCode, headers: &HeaderMap) {
        turn.served = status != StatusCode::UNAUTHORIZED;
        let Some(current) = turn.nonce.as_ref().filter(|_| turn.served) else {
            return;
        };
        let Some(next) = next_nonce(headers) else {
            return;
        };
        let next = Arc::new(self.nonce(Challenge {
            nonce: next,
            stale: false,
            ..current.challenge.clone()
        }));
        if turn.lent {
            turn.nonce = Some(next);
        } else {
            let mut nonces = lock(&self.nonces);
            if !nonces.exclusive {
                nonces.shared = Some(next);
            }
        }
    }

    fn nonce(&self, challenge: Challenge) -> Nonce {
        let mut ha1 = challenge.algorithm.hash(&format!(
            "{}:{}:{}",
            self.username,
            challenge.realm,
            self.password.expose_secret()
        ));
        let sess_cnonce = challenge.algorithm.sess.then(random_cnonce);
        if let Some(cnonce) = &sess_cnonce {
            ha1 = challenge
                .algorithm
                .hash(&format!("{ha1}:{}:{cnonce}", challenge.nonce));
        }
        Nonce {
            challenge,
            ha1,
            sess_cnonce,
            count: AtomicU32::new(0),
        }
    }

    fn authorize(&self, nonce: &Nonce, request: &mut reqwest::Request) {
        let uri = match request.url().query() {
            Some(q) => format!("{}?{q}", request.url().path()),
            None => request.url().path().to_owned(),
        };
        let nc = nonce.count.fetch_add(1, Ordering::Relaxed).wrapping_add(1);
        let cnonce = nonce.sess_cnonce.clone().unwrap_or_else(random_cnonce);
        let header = self.credentials(nonce, request.method().as_str(), &uri, nc, &cnonce);
        if let Ok(mut value) = HeaderValue::try_from(header) {
            value.set_sensitive(true);
            request.headers_mut().insert(AUTHORIZATION, value);
        }
    }

    /// The `Authorization` value for one request (RFC 7616 §3.4).
    fn credentials(&self, nonce: &Nonce, method: &str, uri: &str, nc: u32, cnonce: &str) -> String {
        let c = &nonce.challenge;
        let alg = c.algorithm;
        let mut header = String::from("Digest ");
        if c.userhash {
            let hashed = alg.hash(&format!("{}:{}", self.username, c.realm));
            let _ = write!(header, "username=\"{hashed}\", userhash=true");
        } else if self.username.is_ascii() {
            let _ = write!(header, "username=\"{}\"", quote(&self.username));
        } else {
            let _ = write!(header, "username*=UTF-8''{}", ext_value(&self.username));
        }
        let _ = write!(
            header,
            ", realm=\"{}\", nonce=\"{}\", uri=\"{}\", algorithm={}",
            quote(&c.realm),
            quote(&c.nonce),
            quote(uri),
            alg.name()
        );
        let ha2 = alg.hash(&format!("{method}:{uri}"));
        let response = if c.qop_auth {
            let _ = write!(
                header,
                ", qop=auth, nc={nc:08x}, cnonce=\"{}\"",
                quote(cnonce)
            );
            alg.hash(&format!(
                "{}:{}:{nc:08x}:{cnonce}:auth:{ha2}",
                nonce.ha1, c.nonce
            ))
        } else {
            alg.hash(&format!("{}:{}:{ha2}", nonce.ha1, c.nonce))
        };
        let _ = write!(header, ", response=\"{response}\"");
        if let Some(opaque) = &c.opaque {
            let _ = write!(header, ", opaque=\"{}\"", quote(opaque));
        }
        header
    }
}

fn quote(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// RFC 8187 percent-encoding for `username*` when the name is not ASCII.
fn ext_value(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn session(user: &str, password: &str) -> DigestSession {
        DigestSession::new(user.to_owned(), SecretString::from(password.to_owned()))
    }

    fn param<'a>(header: &'a str, name: &str) -> &'a str {
        let start = header.find(&format!("{name}=")).unwrap() + name.len() + 1;
        let rest = header[start..].trim_start_matches('"');
        &rest[..rest.find(['"', ',']).unwrap_or(rest.len())]
    }

    #[test]
    fn parses_atlas_challenge() {
        let c = Challenge::all_in(
            r#"Digest realm="MMS Public API", domain="", nonce="abc,def", algorithm=MD5, qop="auth", stale=false"#,
        );
        let [c] = c.as_slice() else { panic!("{c:?}") };
        assert_eq!(c.realm, "MMS Public API");
        assert_eq!(c.nonce, "abc,def");
        assert_eq!(c.algorithm, Algorithm::parse("md5").unwrap());
        assert!(c.qop_auth && !c.stale && !c.userhash);
        assert!(Challenge::all_in("Basic realm=\"x\"").is_empty());
        assert!(Challenge::all_in("Digest realm=\"x\", nonce=\"n\", algorithm=SHA-512").is_empty());
        assert!(Challenge::all_in("Digest realm=\"x\", nonce=\"n\", qop=\"auth-int\"").is_empty());
    }

    #[test]
    fn finds_digest_after_other_schemes_in_one_header() {
        let header = r#"Basic realm="x", Negotiate, Bearer abc/+de==, Digest realm="r", nonce="n1", qop="auth,auth-int", algorithm=MD5, Digest realm="r", nonce="n2", qop=auth, algorithm=SHA-256-sess, NewScheme a=b"#;
        let found = Challenge::all_in(header);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].nonce, "n1");
        assert_eq!(found[1].nonce, "n2");
        assert_eq!(found[1].algorithm.name(), "SHA-256-sess");
    }

    #[test]
    fn prefers_the_strongest_algorithm_across_headers() {
        let mut headers = HeaderMap::new();
        for v in [
            r#"Basic realm="x""#,
            r#"Digest realm="r", nonce="a", qop="auth", algorithm=MD5"#,
            r#"Digest realm="r", nonce="b", qop="auth", algorithm=SHA-512-256-sess, Digest realm="r", nonce="c", qop="auth", algorithm=SHA-512-256"#,
            r#"Digest realm="r", nonce="d", qop="auth", algorithm=SHA-256"#,
        ] {
            headers.append(WWW_AUTHENTICATE, HeaderValue::from_static(v));
        }
        let best = Challenge::best(&headers).unwrap();
        assert_eq!(
            (best.nonce.as_str(), best.algorithm.name()),
            ("b", "SHA-512-256-sess")
        );
    }

    #[test]
    fn reads_nextnonce() {
        let mut headers = HeaderMap::new();
        headers.insert(
            AUTHENTICATION_INFO,
            HeaderValue::from_static(
                r#"qop=auth, rspauth="ab", cnonce="x,y", nc=00000001, nextnonce="n2""#,
            ),
        );
        assert_eq!(next_nonce(&headers).as_deref(), Some("n2"));
        headers.insert(AUTHENTICATION_INFO, HeaderValue::from_static("qop=auth"));
        assert_eq!(next_nonce(&headers), None);
    }

    #[test]
    fn hostile_headers_do_not_panic() {
        let huge = format!("Digest realm=\"{}\", nonce=\"n\"", "x".repeat(1 << 20));
        assert_eq!(Challenge::all_in(&huge).len(), 1);
        for s in [
            "",
            "Digest",
            "Digest ",
            "Digest realm=\"unterminated",
            "Digest realm=\"a\\",
            "Digest realm=\"é\\é, nonce=\"\\",
            "Digest =, ==, ,=\"\"",
            "\"\"\"\"",
            "Digest realm=x nonce=y",
            "Digest\trealm=\"x\",nonce=\"y\"",
            "Digest realm=\u{1F980}, nonce=é",
        ] {
            let _ = Challenge::all_in(s);
        }
        let tabbed = Challenge::all_in("Digest\trealm=\"x\",nonce=\"y\"");
        assert_eq!(tabbed.len(), 1);
    }

    proptest! {
        #[test]
        fn any_header_parses_without_panic(s in "\\PC{0,200}") {
            let _ = Challenge::all_in(&s);
            let _ = items(&s);
        }

        #[test]
        fn quoted_values_round_trip(realm in "\\PC{0,40}", nonce in "[ -~]{1,40}") {
            let header = format!(
                "Basic realm=\"b\", Digest realm=\"{}\", nonce=\"{}\", qop=\"auth\"",
                quote(&realm),
                quote(&nonce)
            );
            let found = Challenge::all_in(&header);
            prop_assert_eq!(found.len(), 1);
            prop_assert_eq!(&found[0].realm, &realm);
            prop_assert_eq!(&found[0].nonce, &nonce);
        }
    }

    fn signed(s: &DigestSession, challenge: &str, method: &str, uri: &str, cnonce: &str) -> String {
        let [c] = Challenge::all_in(challenge).try_into().unwrap();
        let nonce = s.nonce(c);
        s.credentials(&nonce, method, uri, 1, cnonce)
    }

    #[test]
    fn rfc_7616_md5_and_sha256_examples() {
        // RFC 7616 §3.9.1: Mufasa / "Circle of Life".
        let s = session("Mufasa", "Circle of Life");
        for (alg, expected) in [
            ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
            (
                "SHA-256",
                "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
            ),
        ] {
            let header = signed(
                &s,
                &format!(
                    r#"Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm={alg}, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS""#
                ),
                "GET",
                "/dir/index.html",
                "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
            );
            assert_eq!(param(&header, "response"), expected, "{alg}");
            assert_eq!(param(&header, "nc"), "00000001");
            assert_eq!(
                param(&header, "opaque"),
                "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"
            );
        }
    }

    #[test]
    fn rfc_7616_sha512_256_userhash_example() {
        // RFC 7616 §3.9.2. The username hash and response printed there are wrong
        // (erratum 4897); these were computed with Python's hashlib from the inputs given.
        let s = session("J\u{e4}s\u{f8}n Doe", "Secret, or not?");
        let header = signed(
            &s,
            r#"Digest realm="api@example.org", qop="auth", algorithm=SHA-512-256, nonce="5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK", opaque="HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS", charset=UTF-8, userhash=true"#,
            "GET",
            "/doe.json",
            "NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v",
        );
        assert_eq!(
            param(&header, "username"),
            "793263caabb707a56211940d90411ea4a575adeccb7e360aeb624ed06ece9b0b"
        );
        assert!(header.contains("userhash=true"), "{header}");
        assert_eq!(
            param(&header, "response"),
            "3798d4131c277846293534c3edc11bd8a5e4cdcbff78b05db9d95eeb1cec68a5"
        );
    }

    #[test]
    fn rfc_2617_md5_sess_keeps_one_cnonce_per_nonce() {
        let s = session("Mufasa", "Circle Of Life");
        let [c] = Challenge::all_in(
            r#"Digest realm="testrealm@host.com", qop="auth", algorithm=MD5-sess, nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093""#,
        )
        .try_into()
        .unwrap();
        let nonce = s.nonce(c);
        let cnonce = nonce.sess_cnonce.clone().unwrap();
        let base = Algorithm::parse("MD5")
            .unwrap()
            .hash("Mufasa:testrealm@host.com:Circle Of Life");
        let ha1 = Algorithm::parse("MD5").unwrap().hash(&format!(
            "{base}:dcd98b7102dd2f0e8b11d0f600bfb0c093:{cnonce}"
        ));
        assert_eq!(nonce.ha1, ha1);
    }

    #[test]
    fn non_ascii_usernames_use_the_extended_form() {
        let s = session("J\u{e4}s\u{f8}n Doe", "pw");
        let header = signed(
            &s,
            r#"Digest realm="r", nonce="n", qop=auth"#,
            "GET",
            "/",
            "c",
        );
        assert!(
            header.starts_with("Digest username*=UTF-8''J%C3%A4s%C3%B8n%20Doe, "),
            "{header}"
        );
    }
}
