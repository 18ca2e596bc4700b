//! What a target held before an incremental load: each stored learner's `content_hash`, and which
//! of those learners the export holds. The embedded and the Bolt sinks both keep one.
//!
//! Learners are remembered by a 64-bit xxh3 hash of their key, 16 bytes per stored learner
//! instead of the key itself; the odds that two of 17 million keys collide are those of the
//! duplicate index (about 10⁻⁵ per run, see ARCHITECTURE.md).

use std::collections::{HashMap, HashSet};

use crate::sink::{WriteSummary, MISSING_SAMPLE};

/// The stored learners, and those the export holds.
#[derive(Debug, Default)]
pub struct StoredLearners {
    hashes: HashMap<u64, u64>,
    seen: HashSet<u64>,
}

impl StoredLearners {
    /// Remembers a stored learner with its `content_hash`.
    pub fn insert(&mut self, id: &str, content_hash: u64) {
        self.hashes.insert(key_hash(id), content_hash);
    }

    /// Whether the target held no learner.
    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// Stored learners.
    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    /// The stored `content_hash` of learner `id`, if stored; marks it as held by the export.
    pub fn visit(&mut self, id: &str) -> Option<u64> {
        // A first load into an empty target hashes no key.
        if self.hashes.is_empty() {
            return None;
        }
        let key = key_hash(id);
        let hash = self.hashes.get(&key).copied()?;
        self.seen.insert(key);
        Some(hash)
    }

    /// Whether learner `id` was stored and the export does not hold it.
    pub fn is_missing(&self, id: &str) -> bool {
        let key = key_hash(id);
        self.hashes.contains_key(&key) && !self.seen.contains(&key)
    }
}

impl WriteSummary {
    /// Records the missing learners: sorts them, counts them and keeps the first
    /// [`MISSING_SAMPLE`] keys.
    pub fn record_missing(&mut self, missing: &mut [String]) {
        missing.sort_unstable();
        self.learners_missing = missing.len() as u64;
        self.missing_sample = missing.iter().take(MISSING_SAMPLE).cloned().collect();
    }
}

fn key_hash(id: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(id.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_visited_learner_is_not_missing_and_an_unknown_one_never_is() {
        let mut s = StoredLearners::default();
        s.insert("a", 1);
        s.insert("b", 2);
        assert_eq!(s.visit("a"), Some(1));
        assert_eq!(s.visit("c"), None);
        assert!(!s.is_missing("a"));
        assert!(s.is_missing("b"));
        assert!(!s.is_missing("c"), "never stored");
        let mut summary = WriteSummary::default();
        let mut missing = vec!["z".to_string(), "b".to_string()];
        summary.record_missing(&mut missing);
        assert_eq!(summary.learners_missing, 2);
        assert_eq!(summary.missing_sample, ["b", "z"]);

        let mut empty = StoredLearners::default();
        assert_eq!(empty.visit("a"), None);
        assert!(!empty.is_missing("a"));
    }
}
