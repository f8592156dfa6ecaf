//! Console sessions: a random id in an HttpOnly, SameSite=Strict cookie, kept server-side
//! (only its SHA-256) with an idle and an absolute expiry, and a CSRF token per session.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::identity::Role;
use crate::pg::auth::ScramVerifier;

/// Cookie holding the session id.
pub const SESSION_COOKIE: &str = "pw_session";
/// Cookie holding the login form's CSRF token (before a session exists).
pub const LOGIN_COOKIE: &str = "pw_login";

/// A session ends after this long without a request.
const IDLE: Duration = Duration::from_secs(2 * 3600);
/// And after this long in any case.
const ABSOLUTE: Duration = Duration::from_secs(12 * 3600);
/// Sessions kept at most; beyond, expired ones are dropped, then the oldest.
const MAX_SESSIONS: usize = 10_000;

/// A random token: 32 bytes, hex.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// Who a session belongs to.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    /// Login name (`[[user]]` name, token name, or `anonymous`).
    pub user: String,
    /// Role.
    pub role: Role,
    /// CSRF token every state-changing form carries.
    pub csrf: String,
}

struct Entry {
    info: SessionInfo,
    created: Instant,
    last_seen: Instant,
}

/// Server-side sessions, keyed by the SHA-256 of their id.
#[derive(Default)]
pub struct Sessions {
    map: Mutex<HashMap<[u8; 32], Entry>>,
}

fn key(id: &str) -> [u8; 32] {
    let mut k = [0u8; 32];
    k.copy_from_slice(&Sha256::digest(id.as_bytes()));
    k
}

impl Sessions {
    /// A new session for `user`; returns its id (the cookie value).
    pub fn create(&self, user: &str, role: Role) -> String {
        let id = random_token();
        let now = Instant::now();
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_SESSIONS {
            map.retain(|_, e| !expired(e, now));
            if map.len() >= MAX_SESSIONS {
                if let Some(oldest) = map.iter().min_by_key(|(_, e)| e.last_seen).map(|(k, _)| *k) {
                    map.remove(&oldest);
                }
            }
        }
        map.insert(
            key(&id),
            Entry {
                info: SessionInfo {
                    user: user.to_string(),
                    role,
                    csrf: random_token(),
                },
                created: now,
                last_seen: now,
            },
        );
        id
    }

    /// The live session with this id (its idle timer restarts).
    pub fn get(&self, id: &str) -> Option<SessionInfo> {
        let now = Instant::now();
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        let k = key(id);
        let e = map.get_mut(&k)?;
        if expired(e, now) {
            map.remove(&k);
            return None;
        }
        e.last_seen = now;
        Some(e.info.clone())
    }

    /// End a session.
    pub fn remove(&self, id: &str) {
        self.map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&key(id));
    }
}

fn expired(e: &Entry, now: Instant) -> bool {
    now.duration_since(e.last_seen) > IDLE || now.duration_since(e.created) > ABSOLUTE
}

/// Constant-time comparison of two tokens.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// Whether `password` matches a SCRAM-SHA-256 verifier: the keys derived from it with the
/// verifier's salt and iteration count equal the stored ones (what a SCRAM exchange proves).
pub fn password_matches(verifier: &ScramVerifier, password: &str) -> bool {
    let derived = ScramVerifier::derive(password, &verifier.salt, verifier.iterations);
    bool::from(derived.stored_key.ct_eq(&verifier.stored_key))
        & bool::from(derived.server_key.ct_eq(&verifier.server_key))
}

/// The value of cookie `name` in a `Cookie` header.
pub fn cookie<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|kv| {
        let (k, v) = kv.trim().split_once('=')?;
        (k == name).then_some(v)
    })
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, Path=/, Secure when asked.
pub fn set_cookie(name: &str, value: &str, secure: bool, max_age: Option<u64>) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if let Some(a) = max_age {
        c.push_str(&format!("; Max-Age={a}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_expire_and_end() {
        let s = Sessions::default();
        let id = s.create("ann", Role::Admin);
        let info = s.get(&id).expect("live");
        assert_eq!(info.user, "ann");
        assert_eq!(info.csrf.len(), 64);
        assert!(s.get("nope").is_none());
        s.remove(&id);
        assert!(s.get(&id).is_none());
    }

    #[test]
    fn passwords_are_checked_against_the_verifier() {
        let v = ScramVerifier::generate("s3cret", 4096);
        assert!(password_matches(&v, "s3cret"));
        assert!(!password_matches(&v, "s3cret "));
        assert!(!password_matches(&v, ""));
    }

    #[test]
    fn cookies_parse_and_render() {
        assert_eq!(
            cookie("a=1; pw_session=abc; b=2", "pw_session"),
            Some("abc")
        );
        assert_eq!(cookie("pw_sessionx=abc", "pw_session"), None);
        let c = set_cookie("pw_session", "x", true, None);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict") && c.ends_with("Secure"));
        assert!(!set_cookie("a", "b", false, Some(0)).contains("Secure"));
    }
}
