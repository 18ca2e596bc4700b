//! Why values became null and what was repaired, counted per field.
//!
//! Each worker keeps its own [`FieldStats`] and the collector adds them up, so counting costs an
//! array increment and no synchronisation.

use std::collections::BTreeMap;

use learngraph_source::Field;

use crate::geo::Method;

macro_rules! reasons {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every value.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// Stable code used in reports.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }
        }
    };
}

reasons! {
    /// Why a field's value is null.
    NullReason {
        /// The cell was empty or blank.
        Empty => "empty",
        /// The cell held a sentinel such as `-99` or `N/A`.
        Sentinel => "sentinel",
        /// The export has no column for the field.
        ColumnAbsent => "column_absent",
        /// A date or number in no recognised format.
        Unparseable => "unparseable",
        /// A well-formed date that does not exist, such as `2031-02-30`.
        ImpossibleDate => "impossible_date",
        /// A value outside the plausible range (a future birth date, a score over 100).
        OutOfRange => "out_of_range",
        /// A category value that maps to no vocabulary entry.
        Unrecognised => "unrecognised",
        /// The learner declined to answer.
        Declined => "declined",
        /// An e-mail address that is not one.
        MalformedEmail => "malformed_email",
        /// The enrollments cell is not valid JSON.
        InvalidJson => "invalid_json",
        /// The privacy setting drops the field.
        PrivacyDropped => "privacy_dropped",
        /// A country name that fits several countries (`Congo`), or a typo as close to two.
        Ambiguous => "ambiguous",
        /// A country or city that could not be resolved.
        Unresolved => "unresolved",
        /// A city given without a usable country.
        NoCountry => "no_country",
    }
}

reasons! {
    /// A repair applied to a value that was kept.
    Repair {
        /// NUL bytes removed.
        NulRemoved => "nul_removed",
        /// Invalid UTF-8 replaced by U+FFFD.
        InvalidUtf8 => "invalid_utf8_replaced",
        /// A skills cell that looked like JSON but was not, split as plain text.
        SkillsJsonFallback => "skills_json_fallback",
        /// An enrollment entry without a cohort, skipped.
        EnrollmentWithoutCohort => "enrollment_without_cohort",
        /// A second entry for the same cohort in one learner, skipped.
        DuplicateEnrollment => "duplicate_enrollment",
        /// A date given as a year only: `birth_year` kept, `birth_date` null.
        YearOnly => "year_only",
    }
}

const FIELDS: usize = Field::ALL.len();

/// Counters for one batch or one run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldStats {
    nulls: [[u64; NullReason::ALL.len()]; FIELDS],
    repairs: [[u64; Repair::ALL.len()]; FIELDS],
    resolved: [[u64; Method::ALL.len()]; FIELDS],
}

impl Default for FieldStats {
    fn default() -> Self {
        FieldStats {
            nulls: [[0; NullReason::ALL.len()]; FIELDS],
            repairs: [[0; Repair::ALL.len()]; FIELDS],
            resolved: [[0; Method::ALL.len()]; FIELDS],
        }
    }
}

impl FieldStats {
    /// Counts a null.
    pub fn null(&mut self, field: Field, reason: NullReason) {
        self.nulls[field.index()][reason as usize] += 1;
    }

    /// Counts a repair.
    pub fn repair(&mut self, field: Field, repair: Repair) {
        self.add_repairs(field, repair, 1);
    }

    /// Counts `n` repairs of one kind.
    pub fn add_repairs(&mut self, field: Field, repair: Repair, n: u64) {
        self.repairs[field.index()][repair as usize] += n;
    }

    /// Counts a country resolved by `method`.
    pub fn resolved(&mut self, field: Field, method: Method) {
        let i = Method::ALL.iter().position(|m| *m == method).unwrap_or(0);
        self.resolved[field.index()][i] += 1;
    }

    /// Values of `field` resolved by `method`.
    pub fn resolutions(&self, field: Field, method: Method) -> u64 {
        let i = Method::ALL.iter().position(|m| *m == method).unwrap_or(0);
        self.resolved[field.index()][i]
    }

    /// Nulls of `field` for `reason`.
    pub fn nulls(&self, field: Field, reason: NullReason) -> u64 {
        self.nulls[field.index()][reason as usize]
    }

    /// Repairs of `field` of kind `repair`.
    pub fn repairs(&self, field: Field, repair: Repair) -> u64 {
        self.repairs[field.index()][repair as usize]
    }

    /// Adds another set of counters.
    pub fn add(&mut self, other: &FieldStats) {
        for f in 0..FIELDS {
            for (a, b) in self.nulls[f].iter_mut().zip(other.nulls[f]) {
                *a += b;
            }
            for (a, b) in self.repairs[f].iter_mut().zip(other.repairs[f]) {
                *a += b;
            }
            for (a, b) in self.resolved[f].iter_mut().zip(other.resolved[f]) {
                *a += b;
            }
        }
    }

    /// Non-zero null counts as `field -> reason -> count`, for the report.
    pub fn nulls_by_field(&self) -> BTreeMap<&'static str, BTreeMap<&'static str, u64>> {
        Self::table(&self.nulls, NullReason::ALL.iter().map(|r| r.code()))
    }

    /// Non-zero repair counts as `field -> repair -> count`, for the report.
    pub fn repairs_by_field(&self) -> BTreeMap<&'static str, BTreeMap<&'static str, u64>> {
        Self::table(&self.repairs, Repair::ALL.iter().map(|r| r.code()))
    }

    /// Non-zero resolution counts as `field -> method -> count`, for the report.
    pub fn resolved_by_field(&self) -> BTreeMap<&'static str, BTreeMap<&'static str, u64>> {
        Self::table(&self.resolved, Method::ALL.iter().map(|m| m.code()))
    }

    fn table<const N: usize>(
        counts: &[[u64; N]; FIELDS],
        codes: impl Iterator<Item = &'static str> + Clone,
    ) -> BTreeMap<&'static str, BTreeMap<&'static str, u64>> {
        let mut out = BTreeMap::new();
        for field in Field::ALL {
            let row: BTreeMap<_, _> = codes
                .clone()
                .zip(counts[field.index()])
                .filter(|(_, n)| *n > 0)
                .collect();
            if !row.is_empty() {
                out.insert(field.name(), row);
            }
        }
        out
    }
}
