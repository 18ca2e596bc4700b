//! Personal data by the privacy setting: the value, a salted SHA-256, or nothing.
//!
//! The salt is a secret: it comes from the environment or a file, is never logged, and is required
//! as soon as one field is set to `hash` (an unsalted hash of an e-mail is reversible by guessing).

use std::borrow::Cow;

use sha2::{Digest, Sha256};

use crate::config::{PrivacyConfig, PrivacyMode};

/// Why the privacy settings cannot be applied.
#[derive(Debug, thiserror::Error)]
pub enum PrivacyError {
    /// `hash` was asked for but no salt was given.
    #[error("privacy mode `hash` needs a salt: set the environment variable {env} or transform.privacy.salt_file")]
    MissingSalt {
        /// The variable looked at.
        env: String,
    },
    /// The salt file could not be read.
    #[error("cannot read the salt file {}: {source}", path.display())]
    SaltFile {
        /// The file.
        path: std::path::PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// The privacy settings, ready to apply.
#[derive(Clone)]
pub struct Privacy {
    email: PrivacyMode,
    full_name: PrivacyMode,
    salt: Vec<u8>,
}

impl std::fmt::Debug for Privacy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Privacy")
            .field("email", &self.email)
            .field("full_name", &self.full_name)
            .field("salt", &"<redacted>")
            .finish()
    }
}

impl Privacy {
    /// Resolves the salt (environment first, then file) when a field needs it.
    pub fn from_config(config: &PrivacyConfig) -> Result<Privacy, PrivacyError> {
        let needs_salt = config.email == PrivacyMode::Hash || config.full_name == PrivacyMode::Hash;
        let mut salt = Vec::new();
        if needs_salt {
            if let Some(v) = std::env::var_os(&config.salt_env).filter(|v| !v.is_empty()) {
                salt = v.into_encoded_bytes();
            } else if let Some(path) = &config.salt_file {
                salt = std::fs::read(path).map_err(|source| PrivacyError::SaltFile {
                    path: path.clone(),
                    source,
                })?;
                salt.truncate(salt.trim_ascii_end().len());
            }
            if salt.is_empty() {
                return Err(PrivacyError::MissingSalt {
                    env: config.salt_env.clone(),
                });
            }
        }
        Ok(Privacy {
            email: config.email,
            full_name: config.full_name,
            salt,
        })
    }

    /// Settings with an explicit salt (tests, benchmarks).
    pub fn with_salt(email: PrivacyMode, full_name: PrivacyMode, salt: &[u8]) -> Privacy {
        Privacy {
            email,
            full_name,
            salt: salt.to_vec(),
        }
    }

    /// The mode for e-mail.
    pub fn email_mode(&self) -> PrivacyMode {
        self.email
    }

    /// The mode for the full name.
    pub fn full_name_mode(&self) -> PrivacyMode {
        self.full_name
    }

    /// Applies `mode` to a normalised value; a value borrowed from the row is copied only when
    /// it is kept as it is.
    pub fn apply(&self, mode: PrivacyMode, value: Cow<'_, str>) -> Option<String> {
        match mode {
            PrivacyMode::Keep => Some(value.into_owned()),
            PrivacyMode::Drop => None,
            PrivacyMode::Hash => {
                let mut h = Sha256::new();
                h.update(&self.salt);
                h.update([0u8]);
                h.update(value.as_bytes());
                let digest = h.finalize();
                const HEX: &[u8; 16] = b"0123456789abcdef";
                let mut hex = [0u8; 64];
                for (pair, b) in hex.chunks_exact_mut(2).zip(digest) {
                    pair[0] = HEX[usize::from(b >> 4)];
                    pair[1] = HEX[usize::from(b & 15)];
                }
                // Every byte is an ASCII hex digit.
                std::str::from_utf8(&hex).ok().map(str::to_owned)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashing_is_salted_and_stable() {
        let a = Privacy::with_salt(PrivacyMode::Hash, PrivacyMode::Keep, b"s1");
        let b = Privacy::with_salt(PrivacyMode::Hash, PrivacyMode::Keep, b"s2");
        let h1 = a.apply(PrivacyMode::Hash, "x@y.org".into()).unwrap();
        // SHA-256 of salt, a zero byte and the value, in lowercase hex (Python's hashlib agrees).
        assert_eq!(
            h1,
            "48b1d235bc5c9b4a070cfbb3c936611161f74bae9e4fbfe6ede38782fa10087b"
        );
        assert_eq!(a.apply(PrivacyMode::Hash, "x@y.org".into()).unwrap(), h1);
        assert_ne!(b.apply(PrivacyMode::Hash, "x@y.org".into()).unwrap(), h1);
        assert_eq!(a.apply(PrivacyMode::Drop, "x".into()), None);
        assert_eq!(a.apply(PrivacyMode::Keep, "x".into()).as_deref(), Some("x"));
        assert!(
            !format!("{a:?}").contains("s1"),
            "the salt never shows in Debug output"
        );
    }

    #[test]
    fn hash_without_salt_is_refused() {
        let config = PrivacyConfig {
            email: PrivacyMode::Hash,
            salt_env: "LEARNGRAPH_TEST_SALT_THAT_IS_NOT_SET".into(),
            ..PrivacyConfig::default()
        };
        assert!(matches!(
            Privacy::from_config(&config),
            Err(PrivacyError::MissingSalt { .. })
        ));
    }
}
