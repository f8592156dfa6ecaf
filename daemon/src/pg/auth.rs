//! pgwire authentication: trust on loopback without users, SCRAM-SHA-256 against
//! stored verifiers otherwise. Only PostgreSQL-format verifiers are kept in the
//! config, never passwords or salted passwords, so a leaked config does not let
//! anyone log in.

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use futures::{Sink, SinkExt};
use hmac::{Hmac, Mac};
use pgwire::api::auth::{
    DefaultServerParameterProvider, StartupHandler, finish_authentication, protocol_negotiation,
    save_startup_parameters_to_metadata,
};
use pgwire::api::{ClientInfo, PgWireConnectionState};
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use pgwire::messages::startup::Authentication;
use pgwire::messages::{PgWireBackendMessage, PgWireFrontendMessage};
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tokio::sync::Mutex;

type HmacSha256 = Hmac<Sha256>;

/// Iterations used for new verifiers (PostgreSQL's default), and the fewest accepted.
pub const DEFAULT_ITERATIONS: u32 = 4096;

/// A SCRAM-SHA-256 verifier: `SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>`.
#[derive(Clone, PartialEq, Eq)]
pub struct ScramVerifier {
    /// PBKDF2 iterations.
    pub iterations: u32,
    /// Salt.
    pub salt: Vec<u8>,
    /// H(ClientKey).
    pub stored_key: Vec<u8>,
    /// HMAC(SaltedPassword, "Server Key").
    pub server_key: Vec<u8>,
}

impl Debug for ScramVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ScramVerifier(..)")
    }
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so new_from_slice cannot fail here.
    let mut m = <HmacSha256 as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

/// PBKDF2-HMAC-SHA-256 with a single 32-byte block (all SCRAM-SHA-256 needs).
fn salted_password(password: &[u8], salt: &[u8], iterations: u32) -> Vec<u8> {
    let mut block = salt.to_vec();
    block.extend_from_slice(&1u32.to_be_bytes());
    let mut u = hmac(password, &block);
    let mut out = u.clone();
    for _ in 1..iterations {
        u = hmac(password, &u);
        for (o, x) in out.iter_mut().zip(&u) {
            *o ^= x;
        }
    }
    out
}

impl ScramVerifier {
    /// Derive a verifier for `password` with a random salt.
    pub fn generate(password: &str, iterations: u32) -> Self {
        let mut salt = vec![0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        Self::derive(password, &salt, iterations)
    }

    /// Derive a verifier for `password` with the given salt.
    pub fn derive(password: &str, salt: &[u8], iterations: u32) -> Self {
        let salted = salted_password(password.as_bytes(), salt, iterations);
        let client_key = hmac(&salted, b"Client Key");
        let stored_key = Sha256::digest(&client_key).to_vec();
        let server_key = hmac(&salted, b"Server Key");
        ScramVerifier {
            iterations,
            salt: salt.to_vec(),
            stored_key,
            server_key,
        }
    }

    /// Parse PostgreSQL's verifier text.
    pub fn parse(s: &str) -> Option<Self> {
        let rest = s.strip_prefix("SCRAM-SHA-256$")?;
        let (iter_salt, keys) = rest.split_once('$')?;
        let (iter, salt) = iter_salt.split_once(':')?;
        let (stored, server) = keys.split_once(':')?;
        let v = ScramVerifier {
            iterations: iter.parse().ok().filter(|&i: &u32| i >= 1)?,
            salt: B64.decode(salt).ok()?,
            stored_key: B64.decode(stored).ok()?,
            server_key: B64.decode(server).ok()?,
        };
        (v.stored_key.len() == 32 && v.server_key.len() == 32).then_some(v)
    }

    /// PostgreSQL's verifier text.
    pub fn encode(&self) -> String {
        format!(
            "SCRAM-SHA-256${}:{}${}:{}",
            self.iterations,
            B64.encode(&self.salt),
            B64.encode(&self.stored_key),
            B64.encode(&self.server_key)
        )
    }
}

/// A login the server accepts.
#[derive(Debug, Clone)]
pub struct Login {
    /// Verifier.
    pub verifier: ScramVerifier,
    /// reader | operator | admin.
    pub role: String,
}

/// Everything the startup phase needs.
#[derive(Debug, Default)]
pub struct AuthConfig {
    /// Users by name; empty means trust (only allowed on loopback, and only with `trust`).
    pub users: HashMap<String, Login>,
    /// Refuse connections that did not negotiate TLS.
    pub require_tls: bool,
    /// Without users, log every (loopback) client in as admin (`server.trust_loopback`).
    pub trust: bool,
    /// Statement timeout a new session starts with.
    pub statement_timeout: Option<std::time::Duration>,
    /// Failed logins by client address (shared with the console's login).
    pub throttle: Arc<crate::throttle::LoginThrottle>,
}

/// What a connection's startup handler works with.
pub struct LoginContext {
    /// Logins.
    pub auth: Arc<AuthConfig>,
    /// The engine (binds the login's identity to the session).
    pub engine: Arc<crate::engine::Engine>,
    /// The connection's SQL session.
    pub ctx: Arc<datafusion::prelude::SessionContext>,
    /// Where logins and failed logins are recorded.
    pub audit: Arc<dyn crate::audit::AuditSink>,
    /// Logged-in sessions; one permit per login, held until the connection closes.
    pub slots: Arc<tokio::sync::Semaphore>,
    /// The client.
    pub peer: std::net::SocketAddr,
}

/// Server-side SCRAM exchange state.
enum ScramState {
    Initial,
    ServerFirstSent {
        user: String,
        client_first_bare: String,
        server_first: String,
        nonce: String,
        /// The gs2 header (`n,,` or `y,,`), which the client-final `c=` must repeat.
        gs2_header: String,
    },
    Done,
}

fn auth_error(code: &str, msg: impl Into<String>) -> PgWireError {
    PgWireError::UserError(Box::new(ErrorInfo::new(
        "FATAL".into(),
        code.into(),
        msg.into(),
    )))
}

fn parse_attrs(s: &str) -> HashMap<char, String> {
    s.split(',')
        .filter_map(|kv| {
            let mut it = kv.splitn(2, '=');
            let k = it.next()?.chars().next()?;
            Some((k, it.next().unwrap_or("").to_string()))
        })
        .collect()
}

/// One connection's startup handler.
pub struct PwStartupHandler {
    login: LoginContext,
    auth: Arc<AuthConfig>,
    params: DefaultServerParameterProvider,
    state: Mutex<ScramState>,
    /// The backend key and login slot, once logged in.
    session: std::sync::Mutex<Option<((i32, Vec<u8>), tokio::sync::OwnedSemaphorePermit)>>,
}

impl PwStartupHandler {
    /// Startup handler for a new connection.
    pub fn new(login: LoginContext) -> Self {
        let mut params = DefaultServerParameterProvider::default();
        params.server_version = format!("16.0 (pathwarden {})", env!("CARGO_PKG_VERSION"));
        PwStartupHandler {
            auth: login.auth.clone(),
            login,
            params,
            state: Mutex::new(ScramState::Initial),
            session: std::sync::Mutex::new(None),
        }
    }

    /// The backend (pid, secret key) of the logged-in session.
    pub fn backend(&self) -> Option<(i32, Vec<u8>)> {
        match self.session.lock() {
            Ok(g) => g.as_ref().map(|(k, _)| k.clone()),
            Err(p) => p.into_inner().as_ref().map(|(k, _)| k.clone()),
        }
    }

    fn audit(&self, user: &str, error: Option<String>) {
        if let Some(e) = &error {
            tracing::warn!(user = %user, client = %self.login.peer, error = %e, "pgwire login refused");
        }
        self.login.audit.record(crate::audit::AuditEvent {
            time: chrono::Utc::now(),
            kind: "login".into(),
            user: user.to_string(),
            client_addr: self.login.peer.to_string(),
            action: "pgwire login".into(),
            duration_ms: 0,
            rows: None,
            error,
        });
    }

    /// Refuse a login, recording why.
    fn refuse(&self, user: &str, code: &str, msg: String) -> PgWireError {
        self.audit(user, Some(format!("{code}: {msg}")));
        auth_error(code, msg)
    }

    /// The login succeeded: take a session slot, bind the role to the SQL session, assign
    /// the backend key, and tell the client.
    async fn complete<C>(&self, client: &mut C, user: &str, role: &str) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let permit = match self.login.slots.clone().try_acquire_owned() {
            Ok(p) => p,
            Err(_) => {
                return Err(self.refuse(
                    user,
                    "53300",
                    "sorry, too many clients already (server.max_connections)".into(),
                ));
            }
        };
        let identity = crate::identity::Identity {
            user: user.to_string(),
            role: crate::identity::Role::parse(role),
        };
        self.login.engine.bind(&self.login.ctx, identity);
        // The search path the client asked for at connect time (`options=-csearch_path=`,
        // pgjdbc's `currentSchema`), else PostgreSQL's default for this catalog.
        super::search_path::from_startup(client.metadata())
            .unwrap_or_default()
            .apply(&self.login.ctx);
        client
            .metadata_mut()
            .insert("pathwarden.role".into(), role.to_string());
        client.metadata_mut().insert(
            super::session::STATEMENT_TIMEOUT_KEY.into(),
            self.auth
                .statement_timeout
                .map(|d| d.as_millis())
                .unwrap_or(0)
                .to_string(),
        );
        let pid = (rand::rng().next_u32() & 0x7fff_ffff) as i32;
        let secret = rand::rng().next_u32() as i32;
        let key = pgwire::messages::startup::SecretKey::I32(secret);
        let key_bytes = key.to_bytes().to_vec();
        client.set_pid_and_secret_key(pid, key);
        if let Ok(mut g) = self.session.lock() {
            *g = Some(((pid, key_bytes), permit));
        }
        self.audit(user, None);
        finish_authentication(client, &self.params).await
    }
}

#[async_trait]
impl StartupHandler for PwStartupHandler {
    async fn on_startup<C>(
        &self,
        client: &mut C,
        message: PgWireFrontendMessage,
    ) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        match message {
            PgWireFrontendMessage::Startup(ref startup) => {
                protocol_negotiation(client, startup).await?;
                save_startup_parameters_to_metadata(client, startup);
                let user = client.metadata().get("user").cloned().unwrap_or_default();
                if self.auth.require_tls && !client.is_secure() {
                    return Err(self.refuse(
                        &user,
                        "28000",
                        "this server requires TLS (sslmode=require)".into(),
                    ));
                }
                if self.auth.users.is_empty() {
                    if !self.auth.trust {
                        return Err(self.refuse(
                            &user,
                            "28000",
                            "no logins are configured ([[user]]) and server.trust_loopback = false"
                                .into(),
                        ));
                    }
                    self.complete(client, &user, "admin").await?;
                } else {
                    if let Err(wait) = self.auth.throttle.check(self.login.peer.ip()) {
                        return Err(self.refuse(&user, "28000", crate::throttle::retry_text(wait)));
                    }
                    client.set_state(PgWireConnectionState::AuthenticationInProgress);
                    client
                        .send(PgWireBackendMessage::Authentication(Authentication::SASL(
                            vec!["SCRAM-SHA-256".to_string()],
                        )))
                        .await?;
                }
            }
            PgWireFrontendMessage::PasswordMessageFamily(msg) => {
                let mut state = self.state.lock().await;
                match &*state {
                    ScramState::Initial => {
                        let init = msg.into_sasl_initial_response()?;
                        let user = client.metadata().get("user").cloned().unwrap_or_default();
                        if init.auth_method != "SCRAM-SHA-256" {
                            return Err(self.refuse(
                                &user,
                                "28000",
                                format!("unsupported SASL mechanism {}", init.auth_method),
                            ));
                        }
                        let data = init.data.as_ref().ok_or_else(|| {
                            auth_error("08P01", "empty SCRAM client-first message")
                        })?;
                        let text = std::str::from_utf8(data)
                            .map_err(|_| auth_error("08P01", "SCRAM message is not UTF-8"))?;
                        // gs2 header "n,," (no channel binding) or "y,,"; then client-first-bare.
                        let mut parts = text.splitn(3, ',');
                        let gs2 = parts.next().unwrap_or("");
                        let authzid = parts.next().unwrap_or("");
                        let bare = parts.next().ok_or_else(|| {
                            auth_error("08P01", "malformed SCRAM client-first message")
                        })?;
                        // We offer SCRAM-SHA-256 only (not -PLUS): a client may say it
                        // does not support channel binding (`n`) or that it does but
                        // thinks we do not (`y`); asking for it (`p=...`) is refused.
                        if gs2 != "n" && gs2 != "y" {
                            return Err(self.refuse(
                                &user,
                                "28000",
                                "SCRAM channel binding is not supported".into(),
                            ));
                        }
                        let gs2_header = format!("{gs2},{authzid},");
                        let attrs = parse_attrs(bare);
                        let client_nonce = attrs
                            .get(&'r')
                            .cloned()
                            .ok_or_else(|| auth_error("08P01", "SCRAM nonce missing"))?;
                        // PostgreSQL clients send an empty SCRAM user; the startup user is authoritative.
                        let login = self.auth.users.get(&user);
                        // Unknown users get a fake exchange so that user names cannot be probed.
                        let (salt, iterations) = match login {
                            Some(l) => (l.verifier.salt.clone(), l.verifier.iterations),
                            None => (
                                Sha256::digest(user.as_bytes())[..16].to_vec(),
                                DEFAULT_ITERATIONS,
                            ),
                        };
                        let mut sn = [0u8; 18];
                        rand::rng().fill_bytes(&mut sn);
                        let nonce = format!("{client_nonce}{}", B64.encode(sn));
                        let server_first =
                            format!("r={nonce},s={},i={iterations}", B64.encode(&salt));
                        client
                            .send(PgWireBackendMessage::Authentication(
                                Authentication::SASLContinue(
                                    server_first.clone().into_bytes().into(),
                                ),
                            ))
                            .await?;
                        *state = ScramState::ServerFirstSent {
                            user,
                            client_first_bare: bare.to_string(),
                            server_first,
                            nonce,
                            gs2_header,
                        };
                    }
                    ScramState::ServerFirstSent {
                        user,
                        client_first_bare,
                        server_first,
                        nonce,
                        gs2_header,
                    } => {
                        let resp = msg.into_sasl_response()?;
                        let text = std::str::from_utf8(&resp.data)
                            .map_err(|_| auth_error("08P01", "SCRAM message is not UTF-8"))?;
                        let (without_proof, proof_b64) = text
                            .rsplit_once(",p=")
                            .ok_or_else(|| auth_error("08P01", "SCRAM proof missing"))?;
                        let attrs = parse_attrs(without_proof);
                        let fail = || {
                            self.auth.throttle.failed(self.login.peer.ip());
                            self.refuse(
                                user,
                                "28P01",
                                format!("password authentication failed for user \"{user}\""),
                            )
                        };
                        if attrs.get(&'r') != Some(nonce) {
                            return Err(fail());
                        }
                        // The channel-binding attribute repeats the gs2 header (RFC 5802 §7).
                        if attrs.get(&'c') != Some(&B64.encode(gs2_header.as_bytes())) {
                            return Err(self.refuse(
                                user,
                                "08P01",
                                "SCRAM channel-binding attribute does not match the gs2 header"
                                    .into(),
                            ));
                        }
                        let proof = B64.decode(proof_b64).map_err(|_| fail())?;
                        let login = self.auth.users.get(user).ok_or_else(fail)?;
                        let auth_message =
                            format!("{client_first_bare},{server_first},{without_proof}");
                        let client_signature =
                            hmac(&login.verifier.stored_key, auth_message.as_bytes());
                        if proof.len() != client_signature.len() {
                            return Err(fail());
                        }
                        let client_key: Vec<u8> = proof
                            .iter()
                            .zip(&client_signature)
                            .map(|(a, b)| a ^ b)
                            .collect();
                        let computed = Sha256::digest(&client_key);
                        if !bool::from(computed.as_slice().ct_eq(&login.verifier.stored_key)) {
                            return Err(fail());
                        }
                        let server_sig = hmac(&login.verifier.server_key, auth_message.as_bytes());
                        let final_msg = format!("v={}", B64.encode(server_sig));
                        client
                            .send(PgWireBackendMessage::Authentication(
                                Authentication::SASLFinal(final_msg.into_bytes().into()),
                            ))
                            .await?;
                        self.auth.throttle.succeeded(self.login.peer.ip());
                        let (user, role) = (user.clone(), login.role.clone());
                        *state = ScramState::Done;
                        drop(state);
                        self.complete(client, &user, &role).await?;
                    }
                    ScramState::Done => {
                        return Err(auth_error("08P01", "unexpected authentication message"));
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7677_test_vector() {
        // RFC 7677 section 3: user "user", password "pencil".
        let salt = B64.decode("W22ZaJ0SNY7soEsUEjb6gQ==").unwrap();
        let v = ScramVerifier::derive("pencil", &salt, 4096);
        let client_first_bare = "n=user,r=rOprNGfwEbeRWgbNEkqO";
        let server_first = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
        let without_proof = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
        let auth = format!("{client_first_bare},{server_first},{without_proof}");
        let sig = hmac(&v.server_key, auth.as_bytes());
        assert_eq!(
            B64.encode(sig),
            "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
        );
        let proof = B64
            .decode("dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")
            .unwrap();
        let client_signature = hmac(&v.stored_key, auth.as_bytes());
        let client_key: Vec<u8> = proof
            .iter()
            .zip(&client_signature)
            .map(|(a, b)| a ^ b)
            .collect();
        assert_eq!(Sha256::digest(&client_key).to_vec(), v.stored_key);
    }

    #[test]
    fn verifier_round_trips_and_rejects_garbage() {
        let v = ScramVerifier::generate("s3cret", 4096);
        let text = v.encode();
        assert_eq!(ScramVerifier::parse(&text), Some(v));
        assert!(ScramVerifier::parse("s3cret").is_none());
        assert!(ScramVerifier::parse("SCRAM-SHA-256$0:AAAA$AAAA:AAAA").is_none());
    }
}
