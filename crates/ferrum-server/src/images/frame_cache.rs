//! Decoded frames kept in memory, keyed by the object's content hash and the frame number,
//! so that a viewer asking for the same slice again (another window while dragging, another
//! size, PNG then JPEG) pays for the window and the encoding only, not for reading, parsing
//! and decoding the object again.
//!
//! Bounded by the bytes the frames hold; the least recently used go first. The key is the
//! SHA-256 of the stored object, so an overwritten instance never meets its old pixels.
//! It holds pixel data of patients: in memory only, never written anywhere.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use ferrum_dicom::render::PreparedFrame;

type Key = (String, u32);

pub struct FrameCache {
    budget: usize,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<Key, Entry>,
    bytes: usize,
    clock: u64,
}

struct Entry {
    frame: Arc<PreparedFrame>,
    bytes: usize,
    used: u64,
}

impl FrameCache {
    /// A cache holding at most `budget` bytes of decoded pixels (0 keeps nothing).
    pub fn new(budget: usize) -> Self {
        FrameCache { budget, inner: Mutex::new(Inner::default()) }
    }

    pub fn get(&self, sha256: &str, frame: u32) -> Option<Arc<PreparedFrame>> {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.clock += 1;
        let now = inner.clock;
        let entry = inner.entries.get_mut(&(sha256.to_owned(), frame))?;
        entry.used = now;
        Some(entry.frame.clone())
    }

    pub fn insert(&self, sha256: &str, frame: u32, prepared: Arc<PreparedFrame>) {
        let bytes = prepared.heap_bytes();
        // One frame larger than a quarter of the budget would push out everything else.
        if bytes > self.budget / 4 {
            return;
        }
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.clock += 1;
        let used = inner.clock;
        if let Some(old) = inner.entries.insert((sha256.to_owned(), frame), Entry { frame: prepared, bytes, used }) {
            inner.bytes -= old.bytes;
        }
        inner.bytes += bytes;
        while inner.bytes > self.budget {
            // A linear scan: the cache holds hundreds of frames, and this runs once per miss.
            let Some(oldest) = inner.entries.iter().min_by_key(|(_, e)| e.used).map(|(k, _)| k.clone()) else { break };
            if let Some(gone) = inner.entries.remove(&oldest) {
                inner.bytes -= gone.bytes;
            }
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.inner.lock().unwrap().entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferrum_dicom::render::prepare;

    /// A 65×49 8-bit grey frame of the render corpus: 3,185 bytes of pixels.
    fn frame() -> Arc<PreparedFrame> {
        let bytes = include_bytes!("../../../../tests/render-corpus/grey8_odd.dcm");
        Arc::new(prepare(bytes, 0).unwrap())
    }

    #[test]
    fn the_least_recently_used_frame_goes_first_when_the_budget_is_full() {
        let f = frame();
        assert_eq!(f.heap_bytes(), 3185);
        let cache = FrameCache::new(4 * 3185);
        for sha in ["a", "b", "c", "d"] {
            cache.insert(sha, 0, f.clone());
        }
        assert!(cache.get("a", 0).is_some(), "a is now the most recently used");
        cache.insert("e", 0, f.clone());
        assert!(cache.get("b", 0).is_none(), "b was the least recently used");
        assert!(cache.get("a", 0).is_some() && cache.get("e", 0).is_some());
        assert_eq!(cache.len(), 4);
        assert!(cache.get("a", 1).is_none(), "frames of one object are separate entries");
    }

    #[test]
    fn a_frame_larger_than_a_quarter_of_the_budget_is_not_kept() {
        let cache = FrameCache::new(4 * 3185 - 1);
        cache.insert("a", 0, frame());
        assert!(cache.get("a", 0).is_none());
        assert_eq!(FrameCache::new(0).get("a", 0).map(|_| ()), None);
    }
}
