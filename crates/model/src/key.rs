//! [`Key`]: the key of a dimension node, interned for the life of the process.
//!
//! Hundreds of thousands of learners point at one skill, cohort or country. A learner holds the
//! key itself, so that every sink can write it, and two workers make learners at once. With a
//! reference-counted string (`Arc<str>`) each learner's keys cost an atomic increment when it is
//! made and a decrement when it is dropped, on counters that both cores write: a cache line
//! passed back and forth for every popular key (about 3 % of a load's CPU samples). An interned
//! key is a plain `&'static str`, copied for free.
//!
//! The price is that a key's text is never freed. The keys are the distinct dimension values seen
//! by the process (skills with each spelling of their display name, cohorts, programmes,
//! countries, cities: about 1,200 in the generator's 1.7M-row export), each stored once however
//! many runs see it. A run holds every distinct value for its own length anyway: the pipeline's
//! dimension registry admits each dimension node once.

use std::borrow::Borrow;
use std::collections::HashSet;
use std::fmt;
use std::ops::Deref;
use std::sync::{Mutex, OnceLock};

/// A shared, immutable key of a dimension node. Compares, orders and hashes as its text.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key(&'static str);

impl Key {
    /// The key for `text`: the same one for equal text, process-wide.
    ///
    /// Takes a global lock; callers that ask for the same values again and again keep a cache of
    /// their own in front of it (the transform's `Interner`).
    pub fn new(text: &str) -> Key {
        static KEYS: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
        let mut keys = KEYS
            .get_or_init(Default::default)
            .lock()
            // The set is only ever added to, whole strings at a time: a panic elsewhere while it
            // was held cannot have left it half-changed.
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(k) = keys.get(text) {
            return Key(k);
        }
        let k: &'static str = Box::leak(text.into());
        keys.insert(k);
        Key(k)
    }

    /// The key's text.
    pub fn as_str(self) -> &'static str {
        self.0
    }
}

impl Deref for Key {
    type Target = str;

    fn deref(&self) -> &str {
        self.0
    }
}

impl AsRef<str> for Key {
    fn as_ref(&self) -> &str {
        self.0
    }
}

impl Borrow<str> for Key {
    fn borrow(&self) -> &str {
        self.0
    }
}

impl From<&str> for Key {
    fn from(text: &str) -> Key {
        Key::new(text)
    }
}

impl From<String> for Key {
    fn from(text: String) -> Key {
        Key::new(&text)
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.0, f)
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_text_gives_one_key_and_one_copy_of_the_text() {
        let a = Key::from("DS-2023-07");
        let b = Key::from(String::from("DS-2023-07"));
        assert_eq!(a, b);
        assert_eq!(a.as_str().as_ptr(), b.as_str().as_ptr());
        let c = Key::from("DS-2023-08");
        assert_ne!(a, c);
        assert!(a < c, "keys order as their text");
        assert_eq!(format!("{a} {a:?}"), "DS-2023-07 \"DS-2023-07\"");
    }

    #[test]
    fn a_key_is_found_in_a_set_by_its_text() {
        let set: HashSet<Key> = [Key::from("python"), Key::from("sql")].into();
        assert!(set.contains("python"));
        assert!(!set.contains("rust"));
    }
}
