//! The Cypher the Bolt sink sends, and the rows it sends with it.
//!
//! Every statement binds its batch to `$rows` and `UNWIND`s it: one round trip per batch, values
//! only as parameters, labels and types from the model's checked identifiers. Writes are `MERGE`
//! on the node keys (the unique constraints make them index lookups), so replaying a batch
//! changes nothing, and `SET n = {…}` replaces a node's properties whole, so that a property that
//! became null on a newer export is removed. Only into a database that held no learner when the
//! run began are learners and their relationships `CREATE`d, with the `MERGE` form for replays.
//!
//! The learners' rows, a million and more, are lists of values in the order of the model's
//! schema lists, which the statements name by position (`row[3]`); the few thousand dimension
//! rows are maps. A list costs the client one vector a row where a map costs a hash table and a
//! string for every key, built, copied for each attempt and encoded, and it spares the server
//! decoding those keys again. A null value leaves its property out, in a `CREATE` as in a `SET`.

use std::collections::HashMap;
use std::fmt::Write;

use chrono::{NaiveDate, TimeZone};
use learngraph_model::properties::hex16;
use learngraph_model::schema::{
    label, rel, Ident, Property, ENROLLED_IN_PROPERTIES, LEARNER_PROPERTIES,
};
use learngraph_model::{
    City, Cohort, Country, Date, DateTime, Enrollment, Key, Learner, Program, PropertyWriter, Skill,
};
use neo4rs::{BoltList, BoltMap, BoltString, BoltType};

/// The learner properties a learner row holds: all of them, or all but `content_hash` (see
/// [`SET_CONTENT_HASH`]), which is the last.
fn learner_properties(with_hash: bool) -> &'static [Property] {
    match LEARNER_PROPERTIES.split_last() {
        Some((last, rest)) if !with_hash && last.name == CONTENT_HASH => rest,
        _ => LEARNER_PROPERTIES,
    }
}

const CONTENT_HASH: Ident = Ident::new("content_hash");

/// `{name: var[offset], …}`: the map of `props` whose values are the list `var` from `offset`.
fn positional(props: &[Property], var: &str, offset: usize) -> String {
    let mut map = String::from("{");
    for (i, p) in props.iter().enumerate() {
        let sep = if i == 0 { "" } else { ", " };
        let _ = write!(map, "{sep}{}: {var}[{}]", p.name, offset + i);
    }
    map.push('}');
    map
}

/// `MERGE` learners by their key, the first value of a [`learner_row`], and replace their
/// properties with the row's.
pub fn merge_learners(with_hash: bool) -> String {
    format!(
        "UNWIND $rows AS row MERGE (n:{l} {{{k}: row[0]}}) SET n = {p}",
        l = label::LEARNER,
        k = key::LEARNER,
        p = positional(learner_properties(with_hash), "row", 0),
    )
}

/// [`merge_learners`] with `CREATE`: no look-up before the write, and right only when no learner
/// with the rows' keys can exist yet (a database that held none when the run began).
pub fn create_learners(with_hash: bool) -> String {
    format!(
        "UNWIND $rows AS row CREATE (n:{l} {p})",
        l = label::LEARNER,
        p = positional(learner_properties(with_hash), "row", 0),
    )
}

/// `MERGE` a dimension node by its key, setting its properties when it is created: a dimension
/// node keeps the properties it was created with (a skill's display name is the first spelling
/// seen), on this target as on the embedded one.
pub fn merge_dimension_nodes(label: Ident, key: Ident) -> String {
    format!("UNWIND $rows AS row MERGE (n:{label} {{{key}: row.{key}}}) ON CREATE SET n = row")
}

/// Deletes the relationships of the learners whose keys are the rows: all of them start at the
/// learner, and a changed learner's are written anew.
pub const DELETE_LEARNER_RELS: &str =
    "UNWIND $rows AS id MATCH (l:Learner {learner_id: id})-[r]->() DELETE r";

/// Deletes the learners whose keys are the rows, with their relationships.
pub const DELETE_LEARNERS: &str =
    "UNWIND $rows AS id MATCH (l:Learner {learner_id: id}) DETACH DELETE l";

/// Sets the learners' `content_hash` from rows of [`hash_row`]: in an incremental load, the last
/// write of a learner, so that a learner whose writing a crash cut short is not taken for
/// unchanged.
pub const SET_CONTENT_HASH: &str =
    "UNWIND $rows AS row MATCH (l:Learner {learner_id: row[0]}) SET l.content_hash = row[1]";

/// Every stored learner's key and `content_hash`.
pub const STORED_LEARNERS: &str =
    "MATCH (l:Learner) RETURN l.learner_id AS id, l.content_hash AS hash";

/// `MERGE` a relationship between two existing nodes, found by key, from rows of [`rel_row`]. For
/// the dimension nodes' own relationships, which have no properties.
pub fn merge_rels(kind: &RelKind) -> String {
    format!(
        "UNWIND $rows AS row MATCH (a:{fl} {{{fk}: row.from}}) MATCH (b:{tl} {{{tk}: row.to}}) \
         MERGE (a)-[r:{ty}]->(b)",
        fl = kind.from.0,
        fk = kind.from.1,
        tl = kind.to.0,
        tk = kind.to.1,
        ty = kind.ty,
    )
}

/// `MERGE` a learner's relationships of one kind: a row holds the learner's key and the list of
/// its hubs' entries ([`hub_entry`], [`enrollment_entry`]), so that the learner is looked up once
/// for all of them; the hubs are looked up once per statement, in `$hubs`, which the entries name
/// by position (see [`index_hubs`]). Returns `written`, the relationships written, for the sink
/// to check.
pub fn merge_learner_rels(kind: &RelKind) -> String {
    learner_rels("MERGE", kind)
}

/// [`merge_learner_rels`] with `CREATE`: half the server's work of a `MERGE`, and right only when
/// the relationships cannot exist yet (their learner was created by this run).
pub fn create_learner_rels(kind: &RelKind) -> String {
    learner_rels("CREATE", kind)
}

fn learner_rels(verb: &str, kind: &RelKind) -> String {
    let (at, with, set) = if kind.props.is_empty() {
        ("to", "", String::new())
    } else {
        (
            "to[0]",
            ", to",
            format!(" SET r = {}", positional(kind.props, "to", 1)),
        )
    };
    // `hs = $hubs` holds when every hub was found, in order: only then is `bs[i]` the hub at
    // `$hubs[i]`. Otherwise nothing is written, and `written` says so.
    format!(
        "UNWIND $hubs AS h MATCH (b:{tl} {{{tk}: h}}) WITH collect(b) AS bs, collect(h) AS hs \
         WHERE hs = $hubs UNWIND $rows AS row MATCH (a:{fl} {{{fk}: row[0]}}) \
         UNWIND row[1] AS to WITH a, bs[{at}] AS b{with} {verb} (a)-[r:{ty}]->(b){set} \
         RETURN count(*) AS written",
        fl = kind.from.0,
        fk = kind.from.1,
        tl = kind.to.0,
        tk = kind.to.1,
        ty = kind.ty,
    )
}

/// Replaces the hub keys in rows of [`learner_rels_row`] by their positions in the list it
/// returns, the statement's `$hubs`: each distinct hub once.
pub fn index_hubs(rows: &mut [BoltType]) -> BoltType {
    let mut hubs: Vec<BoltType> = Vec::new();
    let mut index: HashMap<String, i64, foldhash::fast::RandomState> = HashMap::default();
    let mut position = |key: String| -> BoltType {
        let i = match index.get(&key) {
            Some(&i) => i,
            None => {
                let i = hubs.len() as i64;
                hubs.push(BoltType::from(key.as_str()));
                index.insert(key, i);
                i
            }
        };
        BoltType::from(i)
    };
    for row in rows {
        let Some(to) = entries_mut(row) else { continue };
        for entry in to.value.iter_mut() {
            // The hub's key: the entry itself, or the first value of an entry with properties.
            let slot = match entry {
                BoltType::List(e) => match e.value.first_mut() {
                    Some(first) => first,
                    None => continue,
                },
                other => other,
            };
            if let BoltType::String(key) = slot {
                let key = std::mem::take(&mut key.value);
                *slot = position(key);
            }
        }
    }
    BoltType::List(BoltList::from(hubs))
}

/// The hub entries of a row of [`learner_rels_row`].
fn entries(row: &BoltType) -> Option<&BoltList> {
    match row {
        BoltType::List(r) => match r.value.get(1) {
            Some(BoltType::List(to)) => Some(to),
            _ => None,
        },
        _ => None,
    }
}

/// [`entries`], to change.
fn entries_mut(row: &mut BoltType) -> Option<&mut BoltList> {
    match row {
        BoltType::List(r) => match r.value.get_mut(1) {
            Some(BoltType::List(to)) => Some(to),
            _ => None,
        },
        _ => None,
    }
}

/// The relationships in rows of [`learner_rels_row`]: what `written` must be.
pub fn relationships_in(rows: &[BoltType]) -> i64 {
    rows.iter()
        .filter_map(entries)
        .map(|to| to.len() as i64)
        .sum()
}

/// A learner's row of [`merge_learner_rels`], `[key, [entry, …]]`: so far one hub entry.
pub fn learner_rels_row(from: &str, entry: BoltType) -> BoltType {
    let row = vec![
        BoltType::from(from),
        BoltType::List(BoltList::from(vec![entry])),
    ];
    BoltType::List(BoltList::from(row))
}

/// Adds a hub entry to a row of [`learner_rels_row`]; hands the entry back if `row` is not one.
pub fn add_hub(row: &mut BoltType, entry: BoltType) -> Option<BoltType> {
    match entries_mut(row) {
        Some(to) => {
            to.push(entry);
            None
        }
        None => Some(entry),
    }
}

/// One relationship without properties in a learner's row of [`merge_learner_rels`]: the hub's
/// key.
pub fn hub_entry(to: &str) -> BoltType {
    to.into()
}

/// One `ENROLLED_IN` in a learner's row of [`merge_learner_rels`]: the cohort's key, then the
/// values of [`ENROLLED_IN_PROPERTIES`].
pub fn enrollment_entry(e: &Enrollment) -> BoltType {
    let mut v = Values::new(1 + ENROLLED_IN_PROPERTIES.len(), false);
    v.push(e.cohort_id.as_ref());
    e.write_properties(&mut v);
    v.into_bolt()
}

/// Keys of the node labels, as the statements use them.
pub mod key {
    use learngraph_model::schema::Ident;
    /// `Learner.learner_id`.
    pub const LEARNER: Ident = Ident::new("learner_id");
    /// `Skill.name`, `Program.name`.
    pub const NAME: Ident = Ident::new("name");
    /// `Cohort.id`, `City.id`.
    pub const ID: Ident = Ident::new("id");
    /// `Country.code`.
    pub const CODE: Ident = Ident::new("code");
}

/// A relationship type with its ends and whether it has properties.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RelKind {
    /// The type.
    pub ty: Ident,
    /// Start label and key.
    pub from: (Ident, Ident),
    /// End label and key.
    pub to: (Ident, Ident),
    /// The relationship's properties, whose values follow the hub's key in a learner's row
    /// ([`enrollment_entry`]); none for most types.
    pub props: &'static [Property],
}

/// The relationships a learner has, each ending at a hub.
pub const LEARNER_RELS: [RelKind; 5] = [
    RelKind {
        ty: rel::HAS_SKILL,
        from: (label::LEARNER, key::LEARNER),
        to: (label::SKILL, key::NAME),
        props: &[],
    },
    RelKind {
        ty: rel::ENROLLED_IN,
        from: (label::LEARNER, key::LEARNER),
        to: (label::COHORT, key::ID),
        props: ENROLLED_IN_PROPERTIES,
    },
    RelKind {
        ty: rel::LIVES_IN,
        from: (label::LEARNER, key::LEARNER),
        to: (label::CITY, key::ID),
        props: &[],
    },
    RelKind {
        ty: rel::RESIDES_IN,
        from: (label::LEARNER, key::LEARNER),
        to: (label::COUNTRY, key::CODE),
        props: &[],
    },
    RelKind {
        ty: rel::FROM_COUNTRY,
        from: (label::LEARNER, key::LEARNER),
        to: (label::COUNTRY, key::CODE),
        props: &[],
    },
];

/// `IN_PROGRAM` and `IN_COUNTRY`, written with the dimension nodes.
pub const DIMENSION_RELS: [RelKind; 2] = [
    RelKind {
        ty: rel::IN_PROGRAM,
        from: (label::COHORT, key::ID),
        to: (label::PROGRAM, key::NAME),
        props: &[],
    },
    RelKind {
        ty: rel::IN_COUNTRY,
        from: (label::CITY, key::ID),
        to: (label::COUNTRY, key::CODE),
        props: &[],
    },
];

/// A dimension row's map under construction: null values are left out (Cypher stores no null
/// property).
#[derive(Default)]
struct Row(BoltMap);

impl Row {
    fn put(&mut self, key: &str, value: impl Into<BoltType>) -> &mut Self {
        self.0.put(BoltString::from(key), value.into());
        self
    }

    fn opt<T: Into<BoltType>>(&mut self, key: &str, value: Option<T>) -> &mut Self {
        if let Some(v) = value {
            self.put(key, v);
        }
        self
    }

    /// The finished map.
    fn into_bolt(self) -> BoltType {
        BoltType::Map(self.0)
    }
}

impl PropertyWriter for Row {
    fn text(&mut self, name: Ident, value: Option<&str>) {
        self.opt(name.as_str(), value);
    }

    fn long(&mut self, name: Ident, value: Option<i64>) {
        self.opt(name.as_str(), value);
    }

    fn double(&mut self, name: Ident, value: Option<f64>) {
        self.opt(name.as_str(), value);
    }

    fn date(&mut self, name: Ident, value: Option<Date>) {
        self.opt(name.as_str(), value.and_then(date));
    }

    fn datetime(&mut self, name: Ident, value: Option<DateTime>) {
        self.opt(name.as_str(), value.and_then(instant));
    }

    fn text_list(&mut self, name: Ident, value: &[Key]) {
        let items: Vec<&str> = value.iter().map(|s| s.as_ref()).collect();
        self.put(name.as_str(), items);
    }

    fn hash(&mut self, name: Ident, value: u64) {
        self.put(name.as_str(), content_hash(value));
    }
}

/// A row of values in schema order (the model's tests hold `write_properties` to its schema
/// list), null where absent, for statements that name them by position ([`positional`]).
struct Values {
    values: Vec<BoltType>,
    /// Whether the content hash is kept (see [`learner_properties`]).
    with_hash: bool,
}

impl Values {
    /// Room for `len` values.
    fn new(len: usize, with_hash: bool) -> Values {
        Values {
            values: Vec::with_capacity(len),
            with_hash,
        }
    }

    fn push(&mut self, value: impl Into<BoltType>) {
        self.values.push(value.into());
    }

    fn into_bolt(self) -> BoltType {
        BoltType::List(BoltList::from(self.values))
    }
}

impl PropertyWriter for Values {
    fn text(&mut self, _: Ident, value: Option<&str>) {
        self.push(value);
    }

    fn long(&mut self, _: Ident, value: Option<i64>) {
        self.push(value);
    }

    fn double(&mut self, _: Ident, value: Option<f64>) {
        self.push(value);
    }

    fn date(&mut self, _: Ident, value: Option<Date>) {
        self.push(value.and_then(date));
    }

    fn datetime(&mut self, _: Ident, value: Option<DateTime>) {
        self.push(value.and_then(instant));
    }

    fn text_list(&mut self, _: Ident, value: &[Key]) {
        let items: Vec<BoltType> = value.iter().map(|s| s.as_ref().into()).collect();
        self.push(BoltType::List(BoltList::from(items)));
    }

    fn hash(&mut self, _: Ident, value: u64) {
        if self.with_hash {
            self.push(content_hash(value));
        }
    }
}

fn date(d: Date) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(d.year() as i32, d.month(), d.day())
}

fn instant(t: DateTime) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    chrono::FixedOffset::east_opt(0)?
        .timestamp_opt(t.unix_seconds(), 0)
        .single()
}

/// A learner's key, a row of [`DELETE_LEARNER_RELS`] and [`DELETE_LEARNERS`].
pub fn id_row(id: &str) -> BoltType {
    id.into()
}

/// `[key, content_hash]`, a row of [`SET_CONTENT_HASH`].
pub fn hash_row(id: &str, hash: u64) -> BoltType {
    BoltType::List(BoltList::from(vec![id.into(), content_hash(hash).into()]))
}

/// `content_hash` as stored: 16 hexadecimal digits.
pub fn content_hash(h: u64) -> String {
    String::from_utf8_lossy(&hex16(h)).into_owned()
}

/// A learner's node row: its values in the order of [`LEARNER_PROPERTIES`], the key first;
/// without `content_hash` when `with_hash` is false (see [`SET_CONTENT_HASH`]).
pub fn learner_row(l: &Learner, with_hash: bool) -> BoltType {
    let mut v = Values::new(learner_properties(with_hash).len(), with_hash);
    l.write_properties(&mut v);
    v.into_bolt()
}

/// A relationship row of [`merge_rels`]: the keys of both ends.
pub fn rel_row(from: &str, to: &str) -> BoltType {
    let mut r = Row::default();
    r.put("from", from).put("to", to);
    r.into_bolt()
}

/// A `Skill` node.
pub fn skill_row(s: &Skill) -> BoltType {
    let mut r = Row::default();
    r.put("name", s.name.as_str())
        .put("display_name", s.display_name.as_str());
    r.into_bolt()
}

/// A `Program` node.
pub fn program_row(p: &Program) -> BoltType {
    let mut r = Row::default();
    r.put("name", p.name.as_str());
    r.into_bolt()
}

/// A `Cohort` node.
pub fn cohort_row(c: &Cohort) -> BoltType {
    let mut r = Row::default();
    r.put("id", c.id.as_str())
        .opt("program", c.program.as_deref());
    r.into_bolt()
}

/// A `Country` node.
pub fn country_row(c: &Country) -> BoltType {
    let mut r = Row::default();
    c.write_properties(&mut r);
    r.into_bolt()
}

/// A `City` node.
pub fn city_row(c: &City) -> BoltType {
    let mut r = Row::default();
    c.write_properties(&mut r);
    r.into_bolt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_take_values_only_as_parameters() {
        let create = create_learners(true);
        assert!(
            create.starts_with(
                "UNWIND $rows AS row CREATE (n:Learner {learner_id: row[0], full_name: row[1], "
            ) && create.ends_with("source_row: row[17], content_hash: row[18]})"),
            "{create}"
        );
        let merge = merge_learners(false);
        assert!(
            merge.starts_with(
                "UNWIND $rows AS row MERGE (n:Learner {learner_id: row[0]}) SET n = \
                 {learner_id: row[0], full_name: row[1], "
            ) && merge.ends_with("source_row: row[17]}"),
            "{merge}"
        );
        assert_eq!(
            merge_rels(&DIMENSION_RELS[0]),
            "UNWIND $rows AS row MATCH (a:Cohort {id: row.from}) MATCH (b:Program {name: row.to}) \
             MERGE (a)-[r:IN_PROGRAM]->(b)"
        );
    }

    #[test]
    fn a_learners_relationships_are_one_row_and_a_fresh_load_creates_them() {
        let skills = create_learner_rels(&LEARNER_RELS[0]);
        assert_eq!(
            skills,
            "UNWIND $hubs AS h MATCH (b:Skill {name: h}) WITH collect(b) AS bs, collect(h) AS hs \
             WHERE hs = $hubs UNWIND $rows AS row MATCH (a:Learner {learner_id: row[0]}) \
             UNWIND row[1] AS to WITH a, bs[to] AS b CREATE (a)-[r:HAS_SKILL]->(b) \
             RETURN count(*) AS written"
        );
        assert_eq!(
            skills.replacen("CREATE (a)", "MERGE (a)", 1),
            merge_learner_rels(&LEARNER_RELS[0])
        );
        let enrolled = merge_learner_rels(&LEARNER_RELS[1]);
        assert!(
            enrolled.contains(
                "MATCH (b:Cohort {id: h}) WITH collect(b) AS bs, collect(h) AS hs WHERE hs = $hubs"
            ) && enrolled.ends_with(
                "WITH a, bs[to[0]] AS b, to MERGE (a)-[r:ENROLLED_IN]->(b) SET r = {status: to[1], \
                 enrolled_at: to[2], completed_at: to[3], score: to[4]} RETURN count(*) AS written"
            ),
            "{enrolled}"
        );
        assert_eq!(hub_entry("python"), BoltType::from("python"));
    }

    /// Every row names each property of the schema list at its place, null where absent: the
    /// statements name the values by position.
    #[test]
    fn a_learners_values_follow_the_schema_with_nulls_in_place() {
        let bare = Learner {
            learner_id: "L1".into(),
            source_row: 2,
            ..Learner::default()
        };
        let full = Learner {
            full_name: Some("Ada".into()),
            assessment_score: Some(71.5),
            skills: vec!["python".into(), "sql".into()],
            content_hash: 0xff,
            ..bare.clone()
        };
        let at = |name: &str| {
            LEARNER_PROPERTIES
                .iter()
                .position(|p| p.name.as_str() == name)
                .unwrap()
        };
        // (learner, with_hash, expected values by property name)
        type Case<'a> = (&'a Learner, bool, &'a [(&'a str, BoltType)]);
        let cases: &[Case] = &[
            (
                &bare,
                true,
                &[
                    ("learner_id", "L1".into()),
                    ("full_name", BoltType::from(None::<&str>)),
                    ("source_row", 2i64.into()),
                    ("content_hash", "0000000000000000".into()),
                ],
            ),
            (
                &full,
                false,
                &[
                    ("full_name", "Ada".into()),
                    ("assessment_score", 71.5.into()),
                    ("skills", vec!["python", "sql"].into()),
                    ("bio", BoltType::from(None::<&str>)),
                ],
            ),
            (&full, true, &[("content_hash", "00000000000000ff".into())]),
        ];
        for (learner, with_hash, want) in cases {
            let BoltType::List(row) = learner_row(learner, *with_hash) else {
                panic!("a list")
            };
            assert_eq!(row.len(), learner_properties(*with_hash).len());
            assert_eq!(
                row.len(),
                LEARNER_PROPERTIES.len() - usize::from(!with_hash)
            );
            for (name, value) in *want {
                assert_eq!(&row.value[at(name)], value, "{name}");
            }
        }
        let e = Enrollment {
            cohort_id: "C1".into(),
            status: None,
            enrolled_at: None,
            completed_at: None,
            score: Some(90.0),
        };
        let BoltType::List(entry) = enrollment_entry(&e) else {
            panic!("a list")
        };
        assert_eq!(entry.len(), 1 + ENROLLED_IN_PROPERTIES.len());
        assert_eq!(entry.value[0], BoltType::from("C1"));
        assert_eq!(entry.value[1], BoltType::from(None::<&str>));
        assert_eq!(entry.value[4], BoltType::from(90.0));
    }

    /// Rows of (learner, hubs), each hub with or without properties.
    fn grouped(rows: &[(&str, &[&str])], props: bool) -> Vec<BoltType> {
        rows.iter()
            .map(|(from, hubs)| {
                let entry = |h: &str| {
                    if props {
                        let values = vec![h.into(), BoltType::from(h.len() as i64)];
                        BoltType::List(BoltList::from(values))
                    } else {
                        hub_entry(h)
                    }
                };
                let mut row = learner_rels_row(from, entry(hubs[0]));
                for h in &hubs[1..] {
                    assert!(add_hub(&mut row, entry(h)).is_none());
                }
                row
            })
            .collect()
    }

    #[test]
    fn hubs_are_named_once_per_statement_and_rows_name_them_by_position() {
        let cases: &[&[(&str, &[&str])]] = &[
            &[("L1", &["python"])],
            &[
                ("L1", &["python", "sql"]),
                ("L2", &["sql"]),
                ("L3", &["go", "python", "sql"]),
            ],
            &[("L1", &["a", "b", "c"]), ("L2", &["c", "b", "a"])],
        ];
        for (case, props) in cases.iter().flat_map(|c| [(c, false), (c, true)]) {
            let mut rows = grouped(case, props);
            let want: i64 = case.iter().map(|(_, h)| h.len() as i64).sum();
            assert_eq!(relationships_in(&rows), want);
            let BoltType::List(hubs) = index_hubs(&mut rows) else {
                panic!("a list")
            };
            let hubs: Vec<String> = hubs.value.iter().map(|h| h.to_string()).collect();
            let mut distinct: Vec<&str> =
                case.iter().flat_map(|(_, h)| h.iter().copied()).collect();
            distinct.sort();
            distinct.dedup();
            assert_eq!(hubs.len(), distinct.len(), "each hub once: {hubs:?}");
            assert_eq!(relationships_in(&rows), want);
            for (row, (from, want_hubs)) in rows.iter().zip(case.iter()) {
                let BoltType::List(row) = row else {
                    panic!("a list")
                };
                assert_eq!(row.value[0], BoltType::from(*from));
                let BoltType::List(to) = &row.value[1] else {
                    panic!("a list")
                };
                let hub = |i: &BoltType| match i {
                    BoltType::Integer(i) => hubs[i.value as usize].clone(),
                    other => panic!("an index: {other:?}"),
                };
                let named: Vec<(String, Option<i64>)> = to
                    .value
                    .iter()
                    .map(|entry| match entry {
                        BoltType::List(e) => match &e.value[1] {
                            BoltType::Integer(p) => (hub(&e.value[0]), Some(p.value)),
                            other => panic!("a property: {other:?}"),
                        },
                        i => (hub(i), None),
                    })
                    .collect();
                let expected: Vec<(String, Option<i64>)> = want_hubs
                    .iter()
                    .map(|h| (h.to_string(), props.then_some(h.len() as i64)))
                    .collect();
                assert_eq!(named, expected);
            }
        }
    }
}
