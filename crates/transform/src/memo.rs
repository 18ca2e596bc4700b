//! A bounded memo for normalising repeated strings. A worker meets the same few hundred spellings
//! of a category, a skill or an enrollment status a million times, so each is normalised once and
//! then looked up. Past [`Memo::MAX`] distinct spellings (free text where a category was
//! expected), a new spelling is normalised each time instead of remembered, so that no export can
//! grow a worker's memory without bound.

use foldhash::{HashMap, HashMapExt};

/// Normalised values by the raw bytes they came from.
#[derive(Debug)]
pub struct Memo<V> {
    map: HashMap<Box<[u8]>, V>,
}

impl<V> Default for Memo<V> {
    fn default() -> Self {
        Memo {
            map: HashMap::new(),
        }
    }
}

impl<V: Clone> Memo<V> {
    /// Distinct spellings kept.
    pub const MAX: usize = 4096;

    /// The value for `key`: remembered, or made by `normalise` (and remembered while there is
    /// room).
    pub fn get_or(&mut self, key: &[u8], normalise: impl FnOnce() -> V) -> V {
        if let Some(hit) = self.get(key) {
            return hit.clone();
        }
        let value = normalise();
        self.remember(key, value.clone());
        value
    }

    /// The value remembered for `key`, if any. With [`Memo::remember`], for a memo shared behind
    /// a lock, where the value should be made outside it.
    pub fn get(&self, key: &[u8]) -> Option<&V> {
        self.map.get(key)
    }

    /// Remembers `value` for `key` while there is room.
    pub fn remember(&mut self, key: &[u8], value: V) {
        if self.map.len() < Self::MAX {
            self.map.insert(key.into(), value);
        }
    }

    /// Spellings remembered.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether nothing is remembered yet.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_made_once_and_the_memo_is_bounded() {
        let mut memo: Memo<usize> = Memo::default();
        let mut made = 0;
        for _ in 0..3 {
            assert_eq!(
                memo.get_or(b"male", || {
                    made += 1;
                    4
                }),
                4
            );
        }
        assert_eq!((made, memo.len()), (1, 1));
        for i in 0..Memo::<usize>::MAX {
            memo.get_or(format!("noise {i}").as_bytes(), || i);
        }
        assert_eq!(memo.len(), Memo::<usize>::MAX);
        // Past the bound: still the right value, made each time, not kept.
        let mut made = 0;
        for _ in 0..2 {
            assert_eq!(
                memo.get_or(b"female", || {
                    made += 1;
                    7
                }),
                7
            );
        }
        assert_eq!((made, memo.len()), (2, Memo::<usize>::MAX));
        assert_eq!(memo.get_or(b"male", || 0), 4, "kept values are still found");
    }
}
