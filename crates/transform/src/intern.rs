//! A worker's cache of keys for repeated strings, in front of [`Key`]'s process-wide (locked)
//! interning.

use learngraph_model::Key;

/// Hands out one [`Key`] per distinct string.
#[derive(Debug, Default)]
pub struct Interner {
    keys: foldhash::HashSet<Key>,
}

impl Interner {
    /// The key for `s`, shared with every earlier request for the same text.
    pub fn key(&mut self, s: &str) -> Key {
        if let Some(k) = self.keys.get(s) {
            return *k;
        }
        let k = Key::from(s);
        self.keys.insert(k);
        k
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_strings_share_one_allocation() {
        let mut i = Interner::default();
        let a = i.key("DS-2023-07");
        let b = i.key(&String::from("DS-2023-07"));
        assert_eq!(a.as_str().as_ptr(), b.as_str().as_ptr());
        assert_ne!(a, i.key("DS-2023-08"));
    }
}
