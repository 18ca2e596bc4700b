//! Shared keys for repeated strings: each distinct value is allocated once per worker.

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
            return k.clone();
        }
        let k = Key::from(s);
        self.keys.insert(k.clone());
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
        assert!(std::sync::Arc::ptr_eq(&a, &b));
        assert!(!std::sync::Arc::ptr_eq(&a, &i.key("DS-2023-08")));
    }
}
