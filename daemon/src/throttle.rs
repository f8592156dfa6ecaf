//! Failed-login throttling per client address, shared by the pgwire and console logins.
//!
//! A client address may fail [`FREE_FAILURES`] logins in a row; each further failure locks
//! that address out for twice as long as the one before (1 s, 2 s, 4 s, ... up to
//! [`MAX_LOCK`]). A locked-out address is refused before any password work is done, and a
//! success clears its record. Records of addresses that stopped failing expire after
//! [`FORGET_AFTER`]; at most [`MAX_TRACKED`] addresses are tracked (the longest-quiet one
//! is forgotten first), so a flood of addresses cannot grow the table without bound.
//!
//! The key is the address only, not the user name: throttling by user would let anyone
//! lock a known user out. An attacker with many addresses (IPv6 ranges) gets
//! [`FREE_FAILURES`] guesses per address and then one per lock; long random passwords
//! (or SCRAM verifiers of them) remain the defence against that.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures in a row an address may have before it is locked out.
pub const FREE_FAILURES: u32 = 5;
/// The longest lock.
pub const MAX_LOCK: Duration = Duration::from_secs(300);
/// A record with no failure for this long is forgotten.
pub const FORGET_AFTER: Duration = Duration::from_secs(900);
/// Addresses tracked at most.
pub const MAX_TRACKED: usize = 65_536;

#[derive(Debug, Clone, Copy)]
struct Record {
    failures: u32,
    last_failure: Instant,
    locked_until: Option<Instant>,
}

/// Failed logins by client address.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    records: Mutex<HashMap<IpAddr, Record>>,
}

impl LoginThrottle {
    /// A throttle with no records.
    pub fn new() -> Self {
        Self::default()
    }

    /// `Err(wait)` when `addr` is locked out for `wait` more.
    pub fn check(&self, addr: IpAddr) -> Result<(), Duration> {
        self.check_at(addr, Instant::now())
    }

    /// Records a failed login from `addr`.
    pub fn failed(&self, addr: IpAddr) {
        self.failed_at(addr, Instant::now())
    }

    /// Records a successful login from `addr`: its failures are forgotten.
    pub fn succeeded(&self, addr: IpAddr) {
        self.lock().remove(&addr);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, Record>> {
        self.records.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn check_at(&self, addr: IpAddr, now: Instant) -> Result<(), Duration> {
        match self.lock().get(&addr).and_then(|r| r.locked_until) {
            Some(until) if until > now => Err(until - now),
            _ => Ok(()),
        }
    }

    fn failed_at(&self, addr: IpAddr, now: Instant) {
        let mut records = self.lock();
        if records.len() >= MAX_TRACKED && !records.contains_key(&addr) {
            records.retain(|_, r| now.duration_since(r.last_failure) < FORGET_AFTER);
            if records.len() >= MAX_TRACKED
                && let Some(quietest) = records
                    .iter()
                    .min_by_key(|(_, r)| r.last_failure)
                    .map(|(a, _)| *a)
            {
                records.remove(&quietest);
            }
        }
        let r = records.entry(addr).or_insert(Record {
            failures: 0,
            last_failure: now,
            locked_until: None,
        });
        if now.duration_since(r.last_failure) >= FORGET_AFTER {
            r.failures = 0;
        }
        r.failures = r.failures.saturating_add(1);
        r.last_failure = now;
        if r.failures > FREE_FAILURES {
            let doublings = (r.failures - FREE_FAILURES - 1).min(16);
            let lock = Duration::from_secs(1u64 << doublings).min(MAX_LOCK);
            r.locked_until = Some(now + lock);
        }
    }

    /// Addresses with a record.
    #[cfg(test)]
    fn tracked(&self) -> usize {
        self.lock().len()
    }
}

/// Whole seconds to wait, rounded up (a `Retry-After` value).
pub fn retry_secs(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

/// "try again in N s", rounded up.
pub fn retry_text(wait: Duration) -> String {
    format!(
        "too many failed logins from this address; try again in {} s",
        retry_secs(wait)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn free_failures_then_doubling_locks_up_to_the_cap() {
        let t = LoginThrottle::new();
        let a = ip("192.0.2.1");
        let t0 = Instant::now();
        for i in 0..FREE_FAILURES {
            assert!(t.check_at(a, t0).is_ok(), "failure {i} is free");
            t.failed_at(a, t0);
        }
        assert!(t.check_at(a, t0).is_ok());
        t.failed_at(a, t0);
        assert_eq!(t.check_at(a, t0), Err(Duration::from_secs(1)));
        assert!(t.check_at(a, t0 + Duration::from_secs(1)).is_ok());
        let t1 = t0 + Duration::from_secs(1);
        t.failed_at(a, t1);
        assert_eq!(t.check_at(a, t1), Err(Duration::from_secs(2)));
        let mut now = t1;
        for _ in 0..20 {
            now += Duration::from_secs(1);
            t.failed_at(a, now);
        }
        assert_eq!(t.check_at(a, now), Err(MAX_LOCK));
        // Another address is not affected.
        assert!(t.check_at(ip("192.0.2.2"), now).is_ok());
        // A success clears the record.
        t.succeeded(a);
        assert!(t.check_at(a, now).is_ok());
        assert_eq!(t.tracked(), 0);
    }

    #[test]
    fn quiet_addresses_are_forgotten() {
        let t = LoginThrottle::new();
        let a = ip("2001:db8::1");
        let t0 = Instant::now();
        for _ in 0..FREE_FAILURES {
            t.failed_at(a, t0);
        }
        // After a quiet period the count starts again: the next failure is free.
        let later = t0 + FORGET_AFTER;
        t.failed_at(a, later);
        assert!(t.check_at(a, later).is_ok());
    }

    #[test]
    fn the_table_is_bounded() {
        let t = LoginThrottle::new();
        let t0 = Instant::now();
        for i in 0..(MAX_TRACKED as u32 + 10) {
            let a = IpAddr::from(std::net::Ipv4Addr::from(0x0a00_0000 + i));
            t.failed_at(a, t0 + Duration::from_millis(u64::from(i)));
        }
        assert_eq!(t.tracked(), MAX_TRACKED);
        // The quietest (first) addresses went first; the latest is kept.
        assert!(
            t.lock()
                .contains_key(&IpAddr::from(std::net::Ipv4Addr::from(
                    0x0a00_0000 + MAX_TRACKED as u32 + 9
                )))
        );
    }

    #[test]
    fn retry_text_rounds_up() {
        assert!(retry_text(Duration::from_millis(1500)).ends_with("in 2 s"));
        assert!(retry_text(Duration::from_secs(3)).ends_with("in 3 s"));
    }
}
