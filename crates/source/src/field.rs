//! The logical fields of a learner export, independent of what the columns are called.

use serde::{Deserialize, Serialize};

macro_rules! fields {
    ($($variant:ident => $name:literal),+ $(,)?) => {
        /// A logical field of the export; the column that holds it is configuration.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Field { $(#[doc = concat!("Default column `", $name, "`.")] $variant),+ }

        impl Field {
            /// Every field, in the spec's column order.
            pub const ALL: [Field; 17] = [$(Field::$variant),+];

            /// The field's name, which is also its default column name.
            pub fn name(self) -> &'static str {
                match self { $(Field::$variant => $name),+ }
            }
        }
    };
}

fields! {
    LearnerId => "learner_id",
    FullName => "full_name",
    Email => "email",
    Gender => "gender",
    DateOfBirth => "date_of_birth",
    CountryOfResidence => "country_of_residence",
    CityOfResidence => "city_of_residence",
    CountryOfOrigin => "country_of_origin",
    EducationLevel => "education_level",
    FieldOfStudy => "field_of_study",
    EmploymentStatus => "employment_status",
    SkillsList => "skills_list",
    Bio => "bio",
    Enrollments => "enrollments",
    SignupDate => "signup_date",
    LastActiveAt => "last_active_at",
    AssessmentScore => "assessment_score",
}

impl Field {
    /// Position of the field in [`Field::ALL`], for per-field counters.
    pub fn index(self) -> usize {
        self as usize
    }
}

impl std::fmt::Display for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
