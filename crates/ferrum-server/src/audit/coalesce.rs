//! Coalescing of high-rate events: frames and thumbnails fetched while scrolling, and
//! requests refused before anyone is identified (a flood of bad tokens). The first event of
//! an actor, address, action and series in a minute is written at once (fail closed); the
//! rest of that minute are counted here and written as one event with their count once the
//! minute is over. A crash loses at most the counts of the current minute, never the fact.
use std::collections::HashMap;
use std::sync::{Mutex, Weak};
use std::time::Duration;

use ferrum_store::audit::NewAuditEvent;

use super::AuditLog;

/// Windows kept at once; past this, events are written one by one rather than held.
const MAX_WINDOWS: usize = 100_000;
/// How often the windows that are over are written, at most.
const FLUSH_EVERY_MAX: Duration = Duration::from_secs(15);

#[derive(Clone, Hash, PartialEq, Eq)]
struct Key {
    actor: String,
    action: &'static str,
    outcome: &'static str,
    remote_addr: Option<String>,
    study: Option<String>,
    series: Option<String>,
    minute: i64,
}

struct Window {
    extra: i64,
    template: NewAuditEvent,
}

pub(super) struct Coalescer {
    windows: Mutex<HashMap<Key, Window>>,
    /// Length of a window in seconds; 0 writes every event on its own.
    secs: i64,
}

impl Coalescer {
    pub(super) fn new(secs: u64) -> Self {
        Coalescer { windows: Mutex::default(), secs: secs.min(3600) as i64 }
    }

    fn window_now(&self) -> i64 {
        chrono::Utc::now().timestamp().div_euclid(self.secs.max(1))
    }

    pub(super) fn flush_every(&self) -> Duration {
        Duration::from_secs(self.secs.max(1) as u64).min(FLUSH_EVERY_MAX)
    }

    /// True when `event` was counted into an open window (already on the trail); false when
    /// it opens one and must be written now.
    pub(super) fn absorb(&self, event: &NewAuditEvent) -> bool {
        if self.secs == 0 {
            return false;
        }
        let key = Key {
            actor: event.actor.clone(),
            action: event.action.as_str(),
            outcome: event.outcome.as_str(),
            remote_addr: event.remote_addr.clone(),
            study: event.study_uid.clone(),
            series: event.series_uid.clone(),
            minute: self.window_now(),
        };
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(w) = windows.get_mut(&key) {
            w.extra += 1;
            return true;
        }
        if windows.len() < MAX_WINDOWS {
            windows.insert(key, Window { extra: 0, template: event.clone() });
        }
        false
    }

    /// The events of the windows that are over (every window when `all`), with their counts.
    pub(super) fn due(&self, all: bool) -> Vec<NewAuditEvent> {
        let now = self.window_now();
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let over: Vec<Key> = windows.keys().filter(|k| all || k.minute < now).cloned().collect();
        let mut events = Vec::new();
        for key in over {
            let Some(w) = windows.remove(&key) else { continue };
            if w.extra == 0 {
                continue;
            }
            let mut event = w.template;
            event.count = w.extra;
            event.sop_uid = None;
            event.request_id = None;
            let start = chrono::DateTime::from_timestamp(key.minute * self.secs, 0).unwrap_or_default();
            event.detail = Some(serde_json::json!({
                "coalesced": true,
                "window_start": start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            }));
            events.push(event);
        }
        events
    }
}

/// Writes the windows that are over, every few seconds, for as long as the log lives.
pub(super) fn start_flusher(log: Weak<AuditLog>, every: Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            let Some(log) = log.upgrade() else { return };
            log.flush_coalesced(false).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use ferrum_store::audit::{Action, Outcome};

    use super::*;

    #[test]
    fn the_first_event_of_a_window_is_written_and_the_rest_counted() {
        let c = Coalescer::new(60);
        let mut e = NewAuditEvent::new("user:a", Action::ViewImage, Outcome::Allowed);
        e.series_uid = Some("1.2.3".into());
        assert!(!c.absorb(&e));
        assert!(c.absorb(&e));
        assert!(c.absorb(&e));
        let mut other = e.clone();
        other.series_uid = Some("1.2.4".into());
        assert!(!c.absorb(&other));
        let due = c.due(true);
        assert_eq!(due.len(), 1, "only the window with more than its first event");
        assert_eq!(due[0].count, 2);
        assert!(c.due(true).is_empty());
    }
}
