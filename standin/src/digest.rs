//! HTTP Digest authentication (RFC 7616, `qop=auth`, MD5 and optionally SHA-256) with
//! nonce reuse: one nonce serves many requests, each with a nonce count not used before.
//!
//! Concurrent requests with one nonce travel over several connections and may arrive
//! out of order, so a replay is a count seen before (within a 64-count window, as in
//! IPsec's anti-replay window), not merely a count lower than the highest seen.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use http::header::HeaderValue;
use md5::{Digest as _, Md5};
use sha2::Sha256;

use super::DIGEST_REALM;
use super::auth::DigestCredentials;

/// Nonces kept before expired ones are pruned.
const MAX_NONCES: usize = 100_000;

struct NonceState {
    issued: Instant,
    uses: u32,
    replay: ReplayWindow,
    expired: bool,
}

/// The highest nonce count seen and which of the 63 below it were seen too.
#[derive(Default)]
struct ReplayWindow {
    highest: u32,
    seen_below: u64,
}

impl ReplayWindow {
    /// Records `nc`; `false` when it was seen before or is too old to tell.
    fn accept(&mut self, nc: u32) -> bool {
        if nc > self.highest {
            let shift = nc - self.highest;
            self.seen_below = if shift >= 64 {
                0
            } else {
                // The old highest becomes bit `shift - 1` below the new one.
                (self.seen_below << shift) | (1u64 << (shift - 1))
            };
            self.highest = nc;
            return true;
        }
        let behind = self.highest - nc;
        if nc == 0 || behind == 0 || behind > 63 {
            return false;
        }
        let bit = 1u64 << (behind - 1);
        let fresh = self.seen_below & bit == 0;
        self.seen_below |= bit;
        fresh
    }
}

/// Issued nonces and their limits.
pub(crate) struct NonceStore {
    nonces: HashMap<String, NonceState>,
    max_uses: Option<u32>,
    lifetime: Option<Duration>,
}

/// Why a digest was refused.
pub(crate) struct Failure {
    pub(crate) stale: bool,
    pub(crate) detail: &'static str,
}

fn fail(detail: &'static str) -> Failure {
    Failure {
        stale: false,
        detail,
    }
}

impl NonceStore {
    pub(crate) fn new(max_uses: Option<u32>, lifetime: Option<Duration>) -> Self {
        Self {
            nonces: HashMap::new(),
            max_uses,
            lifetime,
        }
    }

    pub(crate) fn set_max_uses(&mut self, uses: Option<u32>) {
        self.max_uses = uses;
    }

    pub(crate) fn set_lifetime(&mut self, lifetime: Option<Duration>) {
        self.lifetime = lifetime;
    }

    pub(crate) fn expire_all(&mut self) {
        for n in self.nonces.values_mut() {
            n.expired = true;
        }
    }

    fn is_expired(&self, n: &NonceState) -> bool {
        n.expired
            || self.max_uses.is_some_and(|max| n.uses >= max)
            || self.lifetime.is_some_and(|l| n.issued.elapsed() > l)
    }

    /// Issues a fresh nonce and returns the challenge header values (MD5 first).
    pub(crate) fn challenges(&mut self, stale: bool, sha256: bool) -> Vec<HeaderValue> {
        if self.nonces.len() >= MAX_NONCES {
            let max_uses = self.max_uses;
            let lifetime = self.lifetime;
            self.nonces.retain(|_, n| {
                !(n.expired
                    || max_uses.is_some_and(|m| n.uses >= m)
                    || lifetime.is_some_and(|l| n.issued.elapsed() > l)
                    || n.issued.elapsed() > Duration::from_secs(600))
            });
            if self.nonces.len() >= MAX_NONCES {
                self.nonces.clear();
            }
        }
        let nonce = format!("{:032x}", fastrand::u128(..));
        let mut out = Vec::with_capacity(2);
        let algorithms: &[&str] = if sha256 {
            &["MD5", "SHA-256"]
        } else {
            &["MD5"]
        };
        for alg in algorithms {
            let v = format!(
                "Digest realm=\"{DIGEST_REALM}\", domain=\"\", nonce=\"{nonce}\", algorithm={alg}, qop=\"auth\", stale={stale}"
            );
            if let Ok(v) = HeaderValue::from_str(&v) {
                out.push(v);
            }
        }
        self.nonces.insert(
            nonce,
            NonceState {
                issued: Instant::now(),
                uses: 0,
                replay: ReplayWindow::default(),
                expired: false,
            },
        );
        out
    }
}

/// Parses `k=v, k="quoted \" v"` pairs; keys lowercased. Never fails: junk is skipped.
pub(crate) fn parse_params(s: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && (b[i] == b',' || b[i].is_ascii_whitespace()) {
            i += 1;
        }
        let key_start = i;
        while i < b.len() && b[i] != b'=' && b[i] != b',' {
            i += 1;
        }
        let key = s[key_start..i].trim().to_ascii_lowercase();
        if i >= b.len() || b[i] == b',' {
            continue;
        }
        i += 1; // '='
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if i < b.len() && b[i] == b'"' {
            i += 1;
            let mut seg_start = i;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' && i + 1 < b.len() {
                    value.push_str(&s[seg_start..i]);
                    i += 1;
                    seg_start = i;
                }
                i += 1;
            }
            value.push_str(&s[seg_start..i.min(b.len())]);
            i += 1; // closing quote
        } else {
            let start = i;
            while i < b.len() && b[i] != b',' {
                i += 1;
            }
            value.push_str(s[start..i].trim());
        }
        if !key.is_empty() {
            out.insert(key, value);
        }
    }
    out
}

#[derive(Clone, Copy)]
enum Algorithm {
    Md5,
    Sha256,
}

fn hex_digest(alg: Algorithm, parts: &[&str]) -> String {
    fn hex(bytes: &[u8]) -> String {
        use std::fmt::Write as _;
        let mut s = String::with_capacity(bytes.len() * 2);
        for b in bytes {
            let _ = write!(s, "{b:02x}");
        }
        s
    }
    match alg {
        Algorithm::Md5 => {
            let mut h = Md5::new();
            for (i, p) in parts.iter().enumerate() {
                if i > 0 {
                    h.update(b":");
                }
                h.update(p.as_bytes());
            }
            hex(&h.finalize())
        }
        Algorithm::Sha256 => {
            let mut h = Sha256::new();
            for (i, p) in parts.iter().enumerate() {
                if i > 0 {
                    h.update(b":");
                }
                h.update(p.as_bytes());
            }
            hex(&h.finalize())
        }
    }
}

/// Verifies an `Authorization: Digest ...` parameter list against `creds`.
pub(crate) fn verify(
    store: &mut NonceStore,
    creds: &DigestCredentials,
    sha256_offered: bool,
    method: &str,
    target: &str,
    params: &str,
) -> Result<(), Failure> {
    let p = parse_params(params);
    let get = |k: &str| p.get(k).map(String::as_str);
    let (Some(username), Some(realm), Some(nonce), Some(uri), Some(response)) = (
        get("username"),
        get("realm"),
        get("nonce"),
        get("uri"),
        get("response"),
    ) else {
        return Err(fail("Malformed Digest authorization header."));
    };
    let alg = match get("algorithm") {
        None => Algorithm::Md5,
        Some(a) if a.eq_ignore_ascii_case("MD5") => Algorithm::Md5,
        Some(a) if sha256_offered && a.eq_ignore_ascii_case("SHA-256") => Algorithm::Sha256,
        Some(_) => return Err(fail("Unsupported Digest algorithm.")),
    };
    if get("qop") != Some("auth") {
        return Err(fail("Digest qop must be auth."));
    }
    let (Some(nc_raw), Some(cnonce)) = (get("nc"), get("cnonce")) else {
        return Err(fail("Digest nc and cnonce are required."));
    };
    let nc = match u32::from_str_radix(nc_raw, 16) {
        Ok(n) if nc_raw.len() == 8 => n,
        _ => return Err(fail("Digest nc must be 8 hex digits.")),
    };
    if realm != DIGEST_REALM {
        return Err(fail("Digest realm does not match."));
    }
    if uri != target {
        return Err(fail("Digest uri does not match the request target."));
    }
    if username != creds.public_key {
        return Err(fail("You are not authorized for this resource."));
    }
    let ha1 = hex_digest(alg, &[username, DIGEST_REALM, &creds.private_key]);
    let ha2 = hex_digest(alg, &[method, uri]);
    let expected = hex_digest(alg, &[&ha1, nonce, nc_raw, cnonce, "auth", &ha2]);
    if !expected.eq_ignore_ascii_case(response) {
        return Err(fail("You are not authorized for this resource."));
    }
    let Some(state) = store.nonces.get(nonce) else {
        return Err(Failure {
            stale: true,
            detail: "Unknown or expired nonce.",
        });
    };
    if store.is_expired(state) {
        return Err(Failure {
            stale: true,
            detail: "Unknown or expired nonce.",
        });
    }
    if let Some(state) = store.nonces.get_mut(nonce) {
        if !state.replay.accept(nc) {
            return Err(fail("Digest nonce count was used before (replay)."));
        }
        state.uses = state.uses.saturating_add(1);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_replay_window_takes_late_counts_once() {
        let mut w = ReplayWindow::default();
        assert!(!w.accept(0), "nonce counts start at 1");
        assert!(w.accept(3));
        assert!(w.accept(1), "late but new");
        assert!(!w.accept(1), "seen");
        assert!(!w.accept(3), "seen");
        assert!(w.accept(2));
        assert!(w.accept(100));
        assert!(w.accept(40), "within 63 of the highest");
        assert!(!w.accept(36), "too old to tell: refused");
        assert!(!w.accept(40));
    }

    #[test]
    fn params_parse_quoted_and_tokens() {
        let p = parse_params(r#"username="a\"b", nc=00000001 , qop=auth,uri="/x?a=1,b""#);
        assert_eq!(p["username"], "a\"b");
        assert_eq!(p["nc"], "00000001");
        assert_eq!(p["qop"], "auth");
        assert_eq!(p["uri"], "/x?a=1,b");
    }

    #[test]
    fn params_never_panic_on_junk() {
        for s in [
            "",
            "=",
            "\"",
            "a=\"",
            "a=\"\\",
            ",,,",
            "a",
            "a=b=c",
            "é=\"é\\é",
        ] {
            let _ = parse_params(s);
        }
    }

    #[test]
    fn rfc7616_md5_example() {
        // RFC 2617 §3.5 example (qop=auth, MD5).
        let ha1 = hex_digest(
            Algorithm::Md5,
            &["Mufasa", "testrealm@host.com", "Circle Of Life"],
        );
        let ha2 = hex_digest(Algorithm::Md5, &["GET", "/dir/index.html"]);
        let r = hex_digest(
            Algorithm::Md5,
            &[
                &ha1,
                "dcd98b7102dd2f0e8b11d0f600bfb0c093",
                "00000001",
                "0a4f113b",
                "auth",
                &ha2,
            ],
        );
        assert_eq!(r, "6629fae49393a05397450978507c4ef1");
    }
}
