//! The transform section of the settings.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Settings of the transform stage.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TransformConfig {
    /// What the graph gets of personal data.
    pub privacy: PrivacyConfig,
    /// How strictly geography must resolve.
    pub geo: GeoConfig,
}

/// Geography settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GeoConfig {
    /// Fail the run, before anything is written, if any country value does not resolve.
    pub strict: bool,
    /// Fail the run, before anything is written, if fewer than this share of the non-empty
    /// values of a country column resolve (0 to 1).
    pub required_coverage: f64,
}

impl Default for GeoConfig {
    fn default() -> Self {
        GeoConfig {
            strict: false,
            required_coverage: 0.95,
        }
    }
}

/// What happens to one kind of personal data.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrivacyMode {
    /// The cleaned value.
    #[default]
    Keep,
    /// A salted SHA-256 of the normalised value: the same person matches across loads.
    Hash,
    /// Nothing.
    Drop,
}

/// Privacy settings for `email` and `full_name`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PrivacyConfig {
    /// Mode for `email`.
    pub email: PrivacyMode,
    /// Mode for `full_name`.
    pub full_name: PrivacyMode,
    /// Environment variable that holds the salt for `hash`.
    pub salt_env: String,
    /// File that holds the salt, used when the variable is unset.
    pub salt_file: Option<PathBuf>,
}

impl Default for PrivacyConfig {
    fn default() -> Self {
        PrivacyConfig {
            email: PrivacyMode::Keep,
            full_name: PrivacyMode::Keep,
            salt_env: "LEARNGRAPH_SALT".into(),
            salt_file: None,
        }
    }
}
