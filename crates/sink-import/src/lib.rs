//! Sink that writes the graph as `neo4j-admin database import full` input: node and relationship
//! CSV files with typed headers, plus `import.sh`, the exact command to run, and `schema.cypher`,
//! the constraints to create once the database is started.
//!
//! Layout of the output folder (large groups have a separate header file, so that data files can
//! be split or appended to without touching the header). No row carries its label or type:
//! `import.sh` names it once per file group (`--nodes=Learner=…`, `--relationships=HAS_SKILL=…`),
//! which keeps a column of the same word off millions of rows.
//!
//! | file | content |
//! |---|---|
//! | `learners.header.csv`, `learners.csv` | `Learner` nodes |
//! | `skills.csv`, `programs.csv`, `cohorts.csv`, `countries.csv`, `cities.csv` | dimension nodes |
//! | `has_skill.header.csv`, `has_skill.csv` | `HAS_SKILL` |
//! | `enrolled_in.header.csv`, `enrolled_in.csv` | `ENROLLED_IN` with its properties |
//! | `in_program.csv`, `in_country.csv` | `IN_PROGRAM`, `IN_COUNTRY` |
//! | `lives_in.csv`, `resides_in.csv`, `from_country.csv` | only with geo relationships on |

pub mod csv_out;
pub mod out_file;
mod sink;

pub use sink::{ImportDirConfig, ImportDirSink};

#[cfg(test)]
pub(crate) mod testing {
    /// A seed for [`xorshift`].
    pub(crate) const SEED: u64 = 0x9E37_79B9_7F4A_7C15;

    /// The next value of a xorshift stream whose state is `x`: pinned pseudo-random input, so
    /// that a failing test fails again.
    pub(crate) fn xorshift(x: &mut u64) -> u64 {
        *x ^= *x << 13;
        *x ^= *x >> 7;
        *x ^= *x << 17;
        *x
    }
}
