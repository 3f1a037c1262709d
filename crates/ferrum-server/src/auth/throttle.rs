//! Slowing down guessing without locking out the owner of an account: failed logins are
//! counted per client address (after 20 in 10 minutes that address gets 429 until the window
//! passes), and per unknown username, so that a name that does not exist locks like one that
//! does and the answers do not tell them apart. Kept in memory, per server instance, with a
//! bounded number of entries: it is a brake on one address, the account lockout (in the
//! catalog, shared by all instances) is the limit.
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failed logins from one address within [`WINDOW`] before it is refused.
const ADDRESS_FAILURES: u32 = 20;
const WINDOW: Duration = Duration::from_secs(600);
/// Most entries kept; the oldest windows are dropped first.
const MAX_ENTRIES: usize = 50_000;

#[derive(Default)]
pub struct LoginThrottle {
    addresses: Mutex<HashMap<IpAddr, Window>>,
    unknown_names: Mutex<HashMap<String, Window>>,
}

#[derive(Clone, Copy)]
struct Window {
    started: Instant,
    failures: u32,
}

fn count<K: std::hash::Hash + Eq>(map: &Mutex<HashMap<K, Window>>, key: K) -> u32 {
    let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
    let now = Instant::now();
    if map.len() >= MAX_ENTRIES {
        map.retain(|_, w| now.duration_since(w.started) < WINDOW);
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
    }
    let w = map.entry(key).or_insert(Window { started: now, failures: 0 });
    if now.duration_since(w.started) >= WINDOW {
        *w = Window { started: now, failures: 0 };
    }
    w.failures += 1;
    w.failures
}

fn current<K: std::hash::Hash + Eq>(map: &Mutex<HashMap<K, Window>>, key: &K) -> (u32, Option<Duration>) {
    let map = map.lock().unwrap_or_else(|e| e.into_inner());
    match map.get(key) {
        Some(w) if w.started.elapsed() < WINDOW => (w.failures, Some(WINDOW - w.started.elapsed())),
        _ => (0, None),
    }
}

impl LoginThrottle {
    /// Seconds the address must wait, if it is refused now.
    pub fn address_wait(&self, addr: Option<IpAddr>) -> Option<u64> {
        let addr = addr?;
        match current(&self.addresses, &addr) {
            (n, Some(left)) if n >= ADDRESS_FAILURES => Some(left.as_secs().max(1)),
            _ => None,
        }
    }

    pub fn address_failed(&self, addr: Option<IpAddr>) {
        if let Some(addr) = addr {
            count(&self.addresses, addr);
        }
    }

    /// Counts a login attempt for a name no account has; answers the attempts so far.
    pub fn unknown_name_failed(&self, name: &str) -> u32 {
        count(&self.unknown_names, name.to_lowercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_refused_after_its_failures_and_others_are_not() {
        let t = LoginThrottle::default();
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        for _ in 0..ADDRESS_FAILURES {
            assert_eq!(t.address_wait(Some(a)), None);
            t.address_failed(Some(a));
        }
        assert!(t.address_wait(Some(a)).is_some());
        assert_eq!(t.address_wait(Some(b)), None);
    }

    #[test]
    fn unknown_names_are_counted_case_insensitively() {
        let t = LoginThrottle::default();
        t.unknown_name_failed("Ghost");
        assert_eq!(t.unknown_name_failed("ghost"), 2);
    }
}
