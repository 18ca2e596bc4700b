//! [`LearnerTables`]: a batch's learners and their relationships encoded as Parquet row groups,
//! one per table, ready to be spliced into the staged files.
//!
//! On a first load (the database held no learner when the sink opened), every learner is new, so
//! each transform worker encodes its batches itself, as the sink's [`LearnerEncoder`], a few
//! learners at a time right after they are made, while their text is in that core's cache. The
//! sink's one thread then only copies the encoded row groups into the files. Into a populated
//! database the sink decides learner by learner what to copy, and encodes those with a
//! `LearnerTables` of its own, the same way.

use learngraph_model::schema::{label, rel, Ident, PropType, LEARNER_PROPERTIES};
use learngraph_model::{Encoded, Learner, LearnerEncoder};

use crate::schema::REL_TABLES;
use crate::staged_parquet::{Layout, TableEncoder};

/// The learners' columns whose values differ from row to row: keys, names, e-mails, free text,
/// instants, row numbers and hashes, staged without a dictionary.
const DISTINCT_LEARNER_COLUMNS: &[&str] = &[
    "learner_id",
    "full_name",
    "email",
    "bio",
    "signup_at",
    "last_active_at",
    "source_row",
    "content_hash",
];

/// The learners' columns that hold a value in every row.
const REQUIRED_LEARNER_COLUMNS: &[&str] = &["learner_id", "source_row", "content_hash"];

/// A learner's relationships follow each other: its key repeats a few times, and over the table
/// it is as distinct as the learners are. Both ends are always there.
const LEARNER_REL_LAYOUT: Layout<'static> = Layout {
    distinct: &["from"],
    required: &["from", "to"],
};

/// A table staged as Parquet: its name, its columns (name and type) and how they are written.
pub(crate) struct TableDef {
    pub table: Ident,
    pub columns: Vec<(&'static str, PropType)>,
    pub layout: Layout<'static>,
}

/// The tables staged as Parquet, in the order of [`Encoded::outputs`]: the learners, then the
/// relationships that leave a learner, in [`REL_TABLES`] order.
pub(crate) fn table_defs() -> Vec<TableDef> {
    let learners = TableDef {
        table: label::LEARNER,
        columns: LEARNER_PROPERTIES
            .iter()
            .map(|p| (p.name.as_str(), p.ty))
            .collect(),
        layout: Layout {
            distinct: DISTINCT_LEARNER_COLUMNS,
            required: REQUIRED_LEARNER_COLUMNS,
        },
    };
    let rels = REL_TABLES
        .iter()
        .filter(|(_, from, _, _)| *from == label::LEARNER)
        .map(|(ty, _, _, props)| {
            let mut columns = vec![("from", PropType::String), ("to", PropType::String)];
            columns.extend(props.iter().map(|p| (p.name.as_str(), p.ty)));
            TableDef {
                table: *ty,
                columns,
                layout: LEARNER_REL_LAYOUT,
            }
        });
    std::iter::once(learners).chain(rels).collect()
}

/// The rows of learners and of their relationships, gathered per table and encoded together.
pub(crate) struct LearnerTables {
    /// One encoder per table of [`table_defs`], in that order: the learners first.
    tables: Vec<(Ident, TableEncoder)>,
    /// Where the relationships' tables are in `tables`, found once rather than per learner.
    has_skill: usize,
    enrolled_in: usize,
    /// `LIVES_IN`, `RESIDES_IN` and `FROM_COUNTRY`, when the geography relationships are
    /// written.
    geography: Option<[usize; 3]>,
}

impl LearnerTables {
    /// Encoders for the learners' tables; `geo_relationships` adds the relationships to the
    /// city and the countries.
    pub fn new(geo_relationships: bool) -> Self {
        let tables: Vec<(Ident, TableEncoder)> = table_defs()
            .into_iter()
            .map(|d| (d.table, TableEncoder::new(&d.columns, d.layout)))
            .collect();
        let at = |ty: Ident| {
            tables
                .iter()
                .position(|(t, _)| *t == ty)
                .unwrap_or_else(|| unreachable!("every table of a learner is encoded"))
        };
        let geography = [rel::LIVES_IN, rel::RESIDES_IN, rel::FROM_COUNTRY].map(at);
        LearnerTables {
            has_skill: at(rel::HAS_SKILL),
            enrolled_in: at(rel::ENROLLED_IN),
            geography: geo_relationships.then_some(geography),
            tables,
        }
    }

    /// Learners gathered since the last [`LearnerTables::encode`].
    pub fn rows(&self) -> usize {
        self.tables[0].1.rows()
    }

    /// Gathers the rows of `l`: the learner and its relationships.
    pub fn push(&mut self, l: &Learner) {
        let id = l.learner_id.as_str();
        let tables = &mut self.tables;
        tables[0].1.push(|row| l.write_properties(row));
        let has_skill = &mut tables[self.has_skill].1;
        for skill in &l.skills {
            has_skill.push(|row| {
                row.key(id);
                row.key(skill);
            });
        }
        let enrolled_in = &mut tables[self.enrolled_in].1;
        for e in &l.enrollments {
            enrolled_in.push(|row| {
                row.key(id);
                row.key(&e.cohort_id);
                e.write_properties(row);
            });
        }
        if let Some(geography) = self.geography {
            let targets = [
                &l.city_of_residence_id,
                &l.country_of_residence_code,
                &l.country_of_origin_code,
            ];
            for (target, table) in targets.into_iter().zip(geography) {
                if let Some(t) = target {
                    tables[table].1.push(|row| {
                        row.key(id);
                        row.key(t);
                    });
                }
            }
        }
    }

    /// Encodes the rows gathered into `out`, one Parquet file per table (empty for a table
    /// without rows), and starts gathering anew. On a refused row, the table and the message.
    pub fn encode(&mut self, out: &mut Encoded) -> Result<(), (Ident, String)> {
        out.outputs.resize_with(self.tables.len(), Vec::new);
        out.counts.clear();
        let mut result = Ok(());
        for ((table, encoder), buf) in self.tables.iter_mut().zip(&mut out.outputs) {
            let rows = encoder.rows() as u64;
            out.counts.push(rows);
            buf.clear();
            if rows == 0 {
                continue;
            }
            // Every table is encoded, so that each starts the next batch empty.
            if let Err(e) = encoder.encode(*table, buf) {
                result = result.and(Err((*table, e)));
            }
        }
        result
    }
}

/// A transform worker's encoder: the rows of every learner it makes, encoded when the batch ends.
impl LearnerEncoder for LearnerTables {
    fn append(&mut self, learners: &[Learner], _: &mut Encoded) {
        for l in learners {
            self.push(l);
        }
    }

    /// A batch the encoder refuses is left without outputs: the sink then encodes it itself and
    /// reports the refusal with the file it was to be staged in.
    fn finish(&mut self, out: &mut Encoded) {
        if self.encode(out).is_err() {
            out.outputs.clear();
            out.counts.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::cast::AsArray;
    use arrow_array::RecordBatch;
    use learngraph_model::schema::LEARNER_PROPERTIES;
    use learngraph_model::{Enrollment, Key};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    fn learner(n: u64) -> Learner {
        Learner {
            learner_id: format!("L{n}"),
            full_name: Some(format!("Name {n}")),
            city_of_residence_id: (n % 2 == 0).then(|| Key::from("2643743")),
            country_of_residence_code: Some(Key::from("GB")),
            skills: (0..n % 4).map(|s| Key::from(format!("skill{s}"))).collect(),
            enrollments: vec![Enrollment {
                cohort_id: Key::from(format!("C{}", n % 3)),
                status: None,
                enrolled_at: None,
                completed_at: None,
                score: Some(n as f64),
            }],
            source_row: n + 2,
            content_hash: n,
            ..Learner::default()
        }
    }

    /// The rows of an encoded table, read back.
    fn rows(bytes: &[u8]) -> Vec<RecordBatch> {
        if bytes.is_empty() {
            return Vec::new();
        }
        let bytes = bytes::Bytes::copy_from_slice(bytes);
        let reader = ParquetRecordBatchReaderBuilder::try_new(bytes).unwrap();
        reader.build().unwrap().map(Result::unwrap).collect()
    }

    fn count(bytes: &[u8]) -> usize {
        rows(bytes).iter().map(RecordBatch::num_rows).sum()
    }

    /// A misspelt name would leave its column with a dictionary, or with definition levels,
    /// silently.
    #[test]
    fn the_distinct_and_required_columns_are_learner_properties() {
        for name in DISTINCT_LEARNER_COLUMNS
            .iter()
            .chain(REQUIRED_LEARNER_COLUMNS)
        {
            assert!(
                LEARNER_PROPERTIES.iter().any(|p| p.name.as_str() == *name),
                "{name}"
            );
        }
    }

    /// A worker hands the encoder a few learners at a time, and the batch is encoded when it
    /// ends: the same bytes as the batch gathered at once, with every table's rows.
    #[test]
    fn a_batch_encoded_in_runs_is_the_batch_encoded_whole() {
        let learners: Vec<Learner> = (0..10).map(learner).collect();
        let mut whole = LearnerTables::new(true);
        for l in &learners {
            whole.push(l);
        }
        let mut expected = Encoded::default();
        whole.encode(&mut expected).unwrap();

        let mut worker: Box<dyn LearnerEncoder> = Box::new(LearnerTables::new(true));
        let mut out = Encoded::default();
        for run in learners.chunks(3) {
            worker.append(run, &mut out);
        }
        worker.finish(&mut out);
        assert_eq!(out.outputs, expected.outputs);
        assert_eq!(out.counts, expected.counts);

        let tables: Vec<Ident> = table_defs().iter().map(|d| d.table).collect();
        let by_table: Vec<(Ident, usize)> = tables
            .iter()
            .zip(&out.outputs)
            .map(|(t, bytes)| (*t, count(bytes)))
            .collect();
        let skills = learners.iter().map(|l| l.skills.len()).sum();
        assert_eq!(
            by_table,
            [
                (label::LEARNER, 10),
                (rel::HAS_SKILL, skills),
                (rel::ENROLLED_IN, 10),
                (rel::LIVES_IN, 5),
                (rel::RESIDES_IN, 10),
                (rel::FROM_COUNTRY, 0),
            ]
        );
        let counts: Vec<u64> = by_table.iter().map(|(_, n)| *n as u64).collect();
        assert_eq!(out.counts, counts);
        let enrolled = &rows(&out.outputs[2])[0];
        assert_eq!(enrolled.column(0).as_string::<i32>().value(4), "L4");
        assert_eq!(enrolled.column(1).as_string::<i32>().value(4), "C1");

        // The encoder starts the next batch empty.
        worker.finish(&mut out);
        assert!(out.outputs.iter().all(Vec::is_empty));
    }

    /// Without the geography relationships, their tables stay empty.
    #[test]
    fn geography_relationships_only_when_asked() {
        let mut tables = LearnerTables::new(false);
        tables.push(&learner(2));
        let mut out = Encoded::default();
        tables.encode(&mut out).unwrap();
        assert_eq!(out.counts, [1, 2, 1, 0, 0, 0]);
    }
}
