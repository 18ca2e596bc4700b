//! Free-text categories to small vocabularies. Keys are compared after [`vocab_key`], so case,
//! dots, apostrophes and hyphens do not matter; anything not listed is `Unrecognised`, never guessed.

use learngraph_model::{EducationLevel, EmploymentStatus, EnrollmentStatus, Gender};

use crate::stats::NullReason;
use crate::text::vocab_key;

fn lookup<T: Copy>(table: &[(&[&str], T)], key: &str) -> Option<T> {
    table
        .iter()
        .find(|(keys, _)| keys.contains(&key))
        .map(|(_, v)| *v)
}

/// Declined answers: a null, for a reason the report counts, rather than a value.
const DECLINED: &[&str] = &[
    "prefer not to say",
    "prefer not to answer",
    "rather not say",
    "declined",
    "decline to answer",
    "not disclosed",
    "undisclosed",
    "not specified",
    "unspecified",
    "unknown",
];

/// Normalises a gender answer.
pub fn gender(raw: &str) -> Result<Gender, NullReason> {
    const TABLE: &[(&[&str], Gender)] = &[
        (
            &[
                "female", "f", "woman", "women", "girl", "femme", "féminin", "feminin", "mujer",
                "feminino", "أنثى", "انثى", "kike", "ሴት",
            ],
            Gender::Female,
        ),
        (
            &[
                "male",
                "m",
                "man",
                "men",
                "boy",
                "homme",
                "masculin",
                "hombre",
                "masculino",
                "ذكر",
                "kiume",
                "ወንድ",
            ],
            Gender::Male,
        ),
        (
            &[
                "other",
                "non binary",
                "nonbinary",
                "nb",
                "enby",
                "genderqueer",
                "agender",
                "genderfluid",
                "gender fluid",
                "third gender",
                "autre",
            ],
            Gender::Other,
        ),
    ];
    let key = vocab_key(raw);
    if DECLINED.contains(&&*key) {
        return Err(NullReason::Declined);
    }
    lookup(TABLE, &key).ok_or(NullReason::Unrecognised)
}

/// Normalises an education level.
pub fn education(raw: &str) -> Result<EducationLevel, NullReason> {
    use EducationLevel::*;
    const TABLE: &[(&[&str], EducationLevel)] = &[
        (
            &[
                "none",
                "no formal education",
                "no schooling",
                "no education",
            ],
            None,
        ),
        (
            &[
                "primary",
                "primary school",
                "elementary",
                "elementary school",
            ],
            Primary,
        ),
        (
            &[
                "high school",
                "highschool",
                "secondary",
                "secondary school",
                "hs",
                "ssce",
                "waec",
                "kcse",
                "o level",
                "a level",
                "igcse",
                "matric",
                "baccalaureate",
                "bac",
                "thanaweya amma",
                "high school diploma",
            ],
            Secondary,
        ),
        (
            &[
                "diploma",
                "vocational",
                "tvet",
                "certificate",
                "associate",
                "associates",
                "associate degree",
                "hnd",
                "ond",
                "technical",
                "national diploma",
                "college diploma",
                "some college",
            ],
            Vocational,
        ),
        (
            &[
                "bachelors",
                "bachelor",
                "bachelors degree",
                "bachelor degree",
                "bsc",
                "ba",
                "beng",
                "btech",
                "bcom",
                "bba",
                "llb",
                "mbbs",
                "mbbch",
                "undergraduate",
                "degree",
                "licence",
                "licenciatura",
                "first degree",
            ],
            Bachelor,
        ),
        (
            &[
                "masters",
                "master",
                "masters degree",
                "master degree",
                "msc",
                "ma",
                "mba",
                "meng",
                "mphil",
                "llm",
                "postgraduate",
                "postgraduate diploma",
                "pgd",
                "graduate",
            ],
            Master,
        ),
        (
            &[
                "phd",
                "doctorate",
                "doctoral",
                "dphil",
                "doctor of philosophy",
                "edd",
            ],
            Doctorate,
        ),
    ];
    lookup(TABLE, &vocab_key(raw)).ok_or(NullReason::Unrecognised)
}

/// Normalises an employment status.
pub fn employment(raw: &str) -> Result<EmploymentStatus, NullReason> {
    use EmploymentStatus::*;
    const TABLE: &[(&[&str], EmploymentStatus)] = &[
        (
            &[
                "employed",
                "full time",
                "part time",
                "employed full time",
                "employed part time",
                "working",
                "employee",
                "wage employed",
                "salaried",
                "fully employed",
            ],
            Employed,
        ),
        (
            &[
                "self employed",
                "selfemployed",
                "freelance",
                "freelancer",
                "entrepreneur",
                "business owner",
                "founder",
                "contractor",
                "own business",
            ],
            SelfEmployed,
        ),
        (
            &[
                "unemployed",
                "not employed",
                "job seeker",
                "jobseeker",
                "looking for work",
                "seeking employment",
                "job seeking",
                "jobless",
                "not working",
            ],
            Unemployed,
        ),
        (
            &[
                "student",
                "studying",
                "in school",
                "full time student",
                "university student",
            ],
            Student,
        ),
        (
            &[
                "intern",
                "internship",
                "apprentice",
                "apprenticeship",
                "volunteer",
                "nysc",
                "national service",
            ],
            Intern,
        ),
    ];
    lookup(TABLE, &vocab_key(raw)).ok_or(NullReason::Unrecognised)
}

/// Normalises an enrollment status.
pub fn enrollment_status(raw: &str) -> Result<EnrollmentStatus, NullReason> {
    use EnrollmentStatus::*;
    const TABLE: &[(&[&str], EnrollmentStatus)] = &[
        (
            &[
                "enrolled",
                "active",
                "in progress",
                "ongoing",
                "registered",
                "started",
                "learning",
            ],
            Enrolled,
        ),
        (
            &[
                "graduated",
                "completed",
                "complete",
                "passed",
                "finished",
                "certified",
                "graduate",
            ],
            Completed,
        ),
        (
            &[
                "dropped",
                "dropped out",
                "dropout",
                "withdrawn",
                "withdrew",
                "failed",
                "inactive",
                "expelled",
                "removed",
            ],
            Dropped,
        ),
        (&["deferred", "postponed", "paused", "on hold"], Deferred),
    ];
    lookup(TABLE, &vocab_key(raw)).ok_or(NullReason::Unrecognised)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gender_table() {
        use Gender::*;
        let cases: &[(&str, Result<Gender, NullReason>)] = &[
            ("Male", Ok(Male)),
            ("male", Ok(Male)),
            ("M", Ok(Male)),
            ("female", Ok(Female)),
            ("F", Ok(Female)),
            (" FEMALE ", Ok(Female)),
            ("Femme", Ok(Female)),
            ("أنثى", Ok(Female)),
            ("Non-binary", Ok(Other)),
            ("Prefer not to say", Err(NullReason::Declined)),
            ("prefer-not-to-say", Err(NullReason::Declined)),
            ("x7", Err(NullReason::Unrecognised)),
        ];
        for (raw, want) in cases {
            assert_eq!(gender(raw), *want, "{raw}");
        }
    }

    #[test]
    fn education_table() {
        use EducationLevel::*;
        let cases: &[(&str, Result<EducationLevel, NullReason>)] = &[
            ("Bachelor's", Ok(Bachelor)),
            ("BSc", Ok(Bachelor)),
            ("B.Sc.", Ok(Bachelor)),
            ("bachelors degree", Ok(Bachelor)),
            ("Master's", Ok(Master)),
            ("MSc", Ok(Master)),
            ("MBA", Ok(Master)),
            ("High School", Ok(Secondary)),
            ("PhD", Ok(Doctorate)),
            ("Ph.D.", Ok(Doctorate)),
            ("Diploma", Ok(Vocational)),
            ("None", Ok(None)),
            ("astronaut", Err(NullReason::Unrecognised)),
        ];
        for (raw, want) in cases {
            assert_eq!(education(raw), *want, "{raw}");
        }
    }

    #[test]
    fn employment_table() {
        use EmploymentStatus::*;
        let cases: &[(&str, Result<EmploymentStatus, NullReason>)] = &[
            ("Employed", Ok(Employed)),
            ("Full-time", Ok(Employed)),
            ("Unemployed", Ok(Unemployed)),
            ("Self-employed", Ok(SelfEmployed)),
            ("self employed", Ok(SelfEmployed)),
            ("Freelancer", Ok(SelfEmployed)),
            ("Student", Ok(Student)),
            ("Intern", Ok(Intern)),
            ("retired?", Err(NullReason::Unrecognised)),
        ];
        for (raw, want) in cases {
            assert_eq!(employment(raw), *want, "{raw}");
        }
    }

    #[test]
    fn enrollment_status_table() {
        use EnrollmentStatus::*;
        for (raw, want) in [
            ("graduated", Ok(Completed)),
            ("Completed", Ok(Completed)),
            ("in_progress", Ok(Enrolled)),
            ("active", Ok(Enrolled)),
            ("dropped", Ok(Dropped)),
            ("Withdrawn", Ok(Dropped)),
            ("deferred", Ok(Deferred)),
            ("maybe", Err(NullReason::Unrecognised)),
        ] {
            assert_eq!(enrollment_status(raw), want, "{raw}");
        }
    }
}
