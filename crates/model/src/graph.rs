//! Nodes and relationships of the learner graph (`graph-model.md`), as the transform produces them.
//!
//! A [`Learner`] carries its own relationships (skills, enrollments) and its geography as codes, the
//! hybrid model: Country and City nodes hold the metadata, but no learner write has to lock them.
//! Dimension nodes ([`Skill`], [`Program`], [`Cohort`], [`Country`], [`City`]) are written once per run;
//! [`Dimensions`] is how a batch hands over the ones first seen in it.
//!
//! A learner refers to dimension nodes by key. Keys are [`Key`]s, interned for the process: hundreds
//! of thousands of learners share one skill or country, and sharing the key costs a copy of a
//! pointer.

use crate::key::Key;
use crate::value::{Date, DateTime};

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The value as stored in the graph.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }
    };
}

vocabulary! {
    /// Normalised gender; a declined answer is a null, not a value.
    Gender {
        /// Female.
        Female => "female",
        /// Male.
        Male => "male",
        /// A self-described gender other than the two above.
        Other => "other",
    }
}

vocabulary! {
    /// Highest education level, as a small ordered category.
    EducationLevel {
        /// No formal schooling completed.
        None => "none",
        /// Primary school.
        Primary => "primary",
        /// Secondary or high school.
        Secondary => "secondary",
        /// Vocational training, a diploma or certificate below a degree.
        Vocational => "vocational",
        /// Bachelor's degree.
        Bachelor => "bachelor",
        /// Master's degree, postgraduate diploma, MBA.
        Master => "master",
        /// Doctorate.
        Doctorate => "doctorate",
    }
}

vocabulary! {
    /// Employment status category.
    EmploymentStatus {
        /// Employed by someone else, full or part time.
        Employed => "employed",
        /// Self-employed, freelance, founder.
        SelfEmployed => "self_employed",
        /// Looking for work or not working.
        Unemployed => "unemployed",
        /// In education.
        Student => "student",
        /// Intern, apprentice, volunteer.
        Intern => "intern",
    }
}

vocabulary! {
    /// Status of one enrollment.
    EnrollmentStatus {
        /// Enrolled, not started or in progress.
        Enrolled => "enrolled",
        /// Finished the programme (graduated, completed, passed).
        Completed => "completed",
        /// Left before the end (dropped, withdrawn, failed).
        Dropped => "dropped",
        /// Postponed to a later cohort.
        Deferred => "deferred",
    }
}

/// One learner, normalised: the `Learner` node with its outgoing relationships.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Learner {
    /// Unique key.
    pub learner_id: String,
    /// Display name, or its salted hash, by the privacy setting.
    pub full_name: Option<String>,
    /// E-mail, or its salted hash, by the privacy setting.
    pub email: Option<String>,
    /// Normalised gender.
    pub gender: Option<Gender>,
    /// Full birth date, when the export gave one.
    pub birth_date: Option<Date>,
    /// Birth year, also when the export gave only a year.
    pub birth_year: Option<u16>,
    /// ISO 3166-1 alpha-2 code of the country of residence.
    pub country_of_residence_code: Option<Key>,
    /// Key of the `City` of residence.
    pub city_of_residence_id: Option<Key>,
    /// ISO 3166-1 alpha-2 code of the country of origin.
    pub country_of_origin_code: Option<Key>,
    /// Normalised education level.
    pub education_level: Option<EducationLevel>,
    /// Free text, cleaned.
    pub field_of_study: Option<String>,
    /// Normalised employment status.
    pub employment_status: Option<EmploymentStatus>,
    /// Normalised skill names, sorted and unique: the `HAS_SKILL` relationships.
    pub skills: Vec<Key>,
    /// Free text, cleaned (line breaks kept).
    pub bio: Option<String>,
    /// Sign-up instant.
    pub signup_at: Option<DateTime>,
    /// Last activity instant.
    pub last_active_at: Option<DateTime>,
    /// Assessment score, 0 to 100.
    pub assessment_score: Option<f64>,
    /// Line of the export where the row starts.
    pub source_row: u64,
    /// Stable hash of every property and relationship above but `source_row`.
    pub content_hash: u64,
    /// The `ENROLLED_IN` relationships, one per cohort.
    pub enrollments: Vec<Enrollment>,
}

/// An `ENROLLED_IN` relationship from a learner to a cohort.
#[derive(Clone, Debug, PartialEq)]
pub struct Enrollment {
    /// Key of the `Cohort`.
    pub cohort_id: Key,
    /// Normalised status.
    pub status: Option<EnrollmentStatus>,
    /// Enrollment date.
    pub enrolled_at: Option<Date>,
    /// Completion date.
    pub completed_at: Option<Date>,
    /// Final score, 0 to 100.
    pub score: Option<f64>,
}

/// A `Skill` node.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Skill {
    /// Normalised name (key).
    pub name: String,
    /// The spelling first seen in the export.
    pub display_name: String,
}

/// A `Program` node.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Program {
    /// Name (key).
    pub name: String,
}

/// A `Cohort` node and its `IN_PROGRAM` relationship.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Cohort {
    /// Cohort id (key).
    pub id: String,
    /// Name of the `Program` it belongs to, when the export says.
    pub program: Option<String>,
}

/// A `Country` node.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Country {
    /// ISO 3166-1 alpha-2 (key).
    pub code: String,
    /// ISO 3166-1 alpha-3.
    pub alpha3: Option<String>,
    /// ISO 3166-1 numeric, three digits.
    pub numeric: Option<String>,
    /// Short English name.
    pub name: String,
    /// Official English name.
    pub official_name: Option<String>,
    /// UN M49 region name and code.
    pub region: Option<(String, String)>,
    /// UN M49 subregion name and code.
    pub subregion: Option<(String, String)>,
    /// UN M49 intermediate region name and code.
    pub intermediate_region: Option<(String, String)>,
    /// Continent name.
    pub continent: Option<String>,
    /// Representative point.
    pub latitude: Option<f64>,
    /// Representative point.
    pub longitude: Option<f64>,
}

/// A `City` node and its `IN_COUNTRY` relationship.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct City {
    /// Stable key: GeoNames based when matched, a country-scoped slug otherwise.
    pub id: String,
    /// Canonical (or cleaned) name.
    pub name: String,
    /// ISO alpha-2 of its country.
    pub country_code: String,
    /// First-level administrative division's GeoNames code.
    pub admin1_code: Option<String>,
    /// Coordinates, only when a gazetteer knows the place.
    pub latitude: Option<f64>,
    /// Coordinates, only when a gazetteer knows the place.
    pub longitude: Option<f64>,
    /// Population from the gazetteer.
    pub population: Option<u64>,
    /// GeoNames id when matched.
    pub geonames_id: Option<u64>,
}

/// Dimension nodes first referenced by a batch; each is handed to the sink once per run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dimensions {
    /// New `Skill` nodes.
    pub skills: Vec<Skill>,
    /// New `Program` nodes.
    pub programs: Vec<Program>,
    /// New `Cohort` nodes (with `IN_PROGRAM`).
    pub cohorts: Vec<Cohort>,
    /// New `Country` nodes.
    pub countries: Vec<Country>,
    /// New `City` nodes (with `IN_COUNTRY`).
    pub cities: Vec<City>,
}

impl Dimensions {
    /// True when the batch introduces no dimension node.
    pub fn is_empty(&self) -> bool {
        self.skills.is_empty()
            && self.programs.is_empty()
            && self.cohorts.is_empty()
            && self.countries.is_empty()
            && self.cities.is_empty()
    }
}
