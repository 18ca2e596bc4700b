//! The Cypher the Bolt sink sends, and the rows it sends with it.
//!
//! Every statement binds its batch to `$rows` and `UNWIND`s it: one round trip per batch, values
//! only as parameters, labels and types from the model's checked identifiers. Writes are `MERGE`
//! on the node keys (the unique constraints make them index lookups), so replaying a batch
//! changes nothing, and `SET n = row` replaces a node's properties whole, so that a property that
//! became null on a newer export is removed. Only into a database that held no learner when the
//! run began are learners and their relationships `CREATE`d, with the `MERGE` form for replays.

use std::collections::HashMap;

use chrono::{NaiveDate, TimeZone};
use learngraph_model::properties::hex16;
use learngraph_model::schema::{label, rel, Ident};
use learngraph_model::{
    City, Cohort, Country, Date, DateTime, Key, Learner, Program, PropertyWriter, Skill,
};
use neo4rs::{BoltList, BoltMap, BoltString, BoltType};

/// `MERGE` a node by its key and replace its properties with the row.
pub fn merge_nodes(label: Ident, key: Ident) -> String {
    format!("UNWIND $rows AS row MERGE (n:{label} {{{key}: row.{key}}}) SET n = row")
}

/// [`merge_nodes`] with `CREATE`: no look-up before the write, and right only when no node with
/// the rows' keys can exist yet (a learner in a database that held none when the run began).
pub fn create_nodes(label: Ident) -> String {
    format!("UNWIND $rows AS row CREATE (n:{label}) SET n = row")
}

/// `MERGE` a dimension node by its key, setting its properties when it is created: a dimension
/// node keeps the properties it was created with (a skill's display name is the first spelling
/// seen), on this target as on the embedded one.
pub fn merge_dimension_nodes(label: Ident, key: Ident) -> String {
    format!("UNWIND $rows AS row MERGE (n:{label} {{{key}: row.{key}}}) ON CREATE SET n = row")
}

/// Deletes the relationships of the learners `row.id`: all of them start at the learner, and a
/// changed learner's are written anew.
pub const DELETE_LEARNER_RELS: &str =
    "UNWIND $rows AS row MATCH (l:Learner {learner_id: row.id})-[r]->() DELETE r";

/// Deletes the learners `row.id` with their relationships.
pub const DELETE_LEARNERS: &str =
    "UNWIND $rows AS row MATCH (l:Learner {learner_id: row.id}) DETACH DELETE l";

/// Sets the learners' `content_hash`: in an incremental load, the last write of a learner, so that
/// a learner whose writing a crash cut short is not taken for unchanged.
pub const SET_CONTENT_HASH: &str =
    "UNWIND $rows AS row MATCH (l:Learner {learner_id: row.id}) SET l.content_hash = row.hash";

/// Every stored learner's key and `content_hash`.
pub const STORED_LEARNERS: &str =
    "MATCH (l:Learner) RETURN l.learner_id AS id, l.content_hash AS hash";

/// `MERGE` a relationship between two existing nodes, found by key; `row.props`, when the type has
/// properties, replaces the relationship's. For the dimension nodes' own relationships.
pub fn merge_rels(kind: &RelKind) -> String {
    let set = if kind.props { " SET r = row.props" } else { "" };
    format!(
        "UNWIND $rows AS row MATCH (a:{fl} {{{fk}: row.from}}) MATCH (b:{tl} {{{tk}: row.to}}) \
         MERGE (a)-[r:{ty}]->(b){set}",
        fl = kind.from.0,
        fk = kind.from.1,
        tl = kind.to.0,
        tk = kind.to.1,
        ty = kind.ty,
    )
}

/// `MERGE` a learner's relationships of one kind: a row holds the learner's key and the list of
/// its hubs' entries ([`hub_entry`]), so that the learner is looked up once for all of them; the
/// hubs are looked up once per statement, in `$hubs`, which the entries name by position (see
/// [`index_hubs`]). Returns `written`, the relationships written, for the sink to check.
pub fn merge_learner_rels(kind: &RelKind) -> String {
    learner_rels("MERGE", kind)
}

/// [`merge_learner_rels`] with `CREATE`: half the server's work of a `MERGE`, and right only when
/// the relationships cannot exist yet (their learner was created by this run).
pub fn create_learner_rels(kind: &RelKind) -> String {
    learner_rels("CREATE", kind)
}

fn learner_rels(verb: &str, kind: &RelKind) -> String {
    let (at, with, set) = if kind.props {
        ("to.i", ", to", " SET r = to.props")
    } else {
        ("to", "", "")
    };
    // `hs = $hubs` holds when every hub was found, in order: only then is `bs[i]` the hub at
    // `$hubs[i]`. Otherwise nothing is written, and `written` says so.
    format!(
        "UNWIND $hubs AS h MATCH (b:{tl} {{{tk}: h}}) WITH collect(b) AS bs, collect(h) AS hs \
         WHERE hs = $hubs UNWIND $rows AS row MATCH (a:{fl} {{{fk}: row.from}}) \
         UNWIND row.to AS to WITH a, bs[{at}] AS b{with} {verb} (a)-[r:{ty}]->(b){set} \
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
    let mut index: HashMap<String, i64> = HashMap::new();
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
        let BoltType::Map(m) = row else { continue };
        let Some(BoltType::List(to)) = m.value.get_mut("to") else {
            continue;
        };
        for entry in to.value.iter_mut() {
            match entry {
                BoltType::String(key) => *entry = position(std::mem::take(&mut key.value)),
                BoltType::Map(e) => {
                    if let Some(BoltType::String(key)) = e.value.remove("key") {
                        e.put("i".into(), position(key.value));
                    }
                }
                _ => {}
            }
        }
    }
    BoltType::List(BoltList::from(hubs))
}

/// The relationships in rows of [`learner_rels_row`]: what `written` must be.
pub fn relationships_in(rows: &[BoltType]) -> i64 {
    rows.iter()
        .map(|row| match row {
            BoltType::Map(m) => match m.value.get("to") {
                Some(BoltType::List(to)) => to.len() as i64,
                _ => 0,
            },
            _ => 0,
        })
        .sum()
}

/// A learner's row of [`merge_learner_rels`]: its key and, so far, one hub entry.
pub fn learner_rels_row(from: &str, entry: BoltType) -> BoltType {
    let mut r = Row::default();
    r.put("from", from)
        .put("to", BoltType::List(BoltList::from(vec![entry])));
    r.into_bolt()
}

/// Adds a hub entry to a row of [`learner_rels_row`]; hands the entry back if `row` is not one.
pub fn add_hub(row: &mut BoltType, entry: BoltType) -> Option<BoltType> {
    match row {
        BoltType::Map(m) => match m.value.get_mut("to") {
            Some(BoltType::List(to)) => {
                to.push(entry);
                None
            }
            _ => Some(entry),
        },
        _ => Some(entry),
    }
}

/// One relationship in a learner's row of [`merge_learner_rels`]: the hub's key, or with
/// properties `{key, props}`.
pub fn hub_entry(to: &str, props: Option<BoltType>) -> BoltType {
    match props {
        None => to.into(),
        Some(p) => {
            let mut r = Row::default();
            r.put("key", to).put("props", p);
            r.into_bolt()
        }
    }
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
    /// Whether rows carry `props`.
    pub props: bool,
}

/// The relationships a learner has, each ending at a hub.
pub const LEARNER_RELS: [RelKind; 5] = [
    RelKind {
        ty: rel::HAS_SKILL,
        from: (label::LEARNER, key::LEARNER),
        to: (label::SKILL, key::NAME),
        props: false,
    },
    RelKind {
        ty: rel::ENROLLED_IN,
        from: (label::LEARNER, key::LEARNER),
        to: (label::COHORT, key::ID),
        props: true,
    },
    RelKind {
        ty: rel::LIVES_IN,
        from: (label::LEARNER, key::LEARNER),
        to: (label::CITY, key::ID),
        props: false,
    },
    RelKind {
        ty: rel::RESIDES_IN,
        from: (label::LEARNER, key::LEARNER),
        to: (label::COUNTRY, key::CODE),
        props: false,
    },
    RelKind {
        ty: rel::FROM_COUNTRY,
        from: (label::LEARNER, key::LEARNER),
        to: (label::COUNTRY, key::CODE),
        props: false,
    },
];

/// `IN_PROGRAM` and `IN_COUNTRY`, written with the dimension nodes.
pub const DIMENSION_RELS: [RelKind; 2] = [
    RelKind {
        ty: rel::IN_PROGRAM,
        from: (label::COHORT, key::ID),
        to: (label::PROGRAM, key::NAME),
        props: false,
    },
    RelKind {
        ty: rel::IN_COUNTRY,
        from: (label::CITY, key::ID),
        to: (label::COUNTRY, key::CODE),
        props: false,
    },
];

/// A row map under construction: null values are left out (Cypher stores no null property).
#[derive(Default)]
pub struct Row(BoltMap);

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
    pub fn into_bolt(self) -> BoltType {
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

fn date(d: Date) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(d.year() as i32, d.month(), d.day())
}

fn instant(t: DateTime) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    chrono::FixedOffset::east_opt(0)?
        .timestamp_opt(t.unix_seconds(), 0)
        .single()
}

/// The `Learner` node's properties.
/// `{id}`, or `{id, hash}` with the learner's `content_hash`.
pub fn id_row(id: &str, hash: Option<u64>) -> BoltType {
    let mut r = Row::default();
    r.put("id", id);
    if let Some(h) = hash {
        r.put("hash", content_hash(h));
    }
    r.into_bolt()
}

/// `content_hash` as stored: 16 hexadecimal digits.
pub fn content_hash(h: u64) -> String {
    String::from_utf8_lossy(&hex16(h)).into_owned()
}

/// A learner's node row; without `content_hash` when `with_hash` is false (see
/// [`SET_CONTENT_HASH`]).
pub fn learner_row(l: &Learner, with_hash: bool) -> BoltType {
    let mut r = Row::default();
    l.write_properties(&mut r);
    if !with_hash {
        r.0.value.remove(&BoltString::from("content_hash"));
    }
    r.into_bolt()
}

/// A relationship row: the keys of both ends, and properties when the type has them.
pub fn rel_row(from: &str, to: &str, props: Option<BoltType>) -> BoltType {
    let mut r = Row::default();
    r.put("from", from).put("to", to);
    if let Some(p) = props {
        r.put("props", p);
    }
    r.into_bolt()
}

/// The `ENROLLED_IN` properties of one enrollment.
pub fn enrollment_props(e: &learngraph_model::Enrollment) -> BoltType {
    let mut r = Row::default();
    e.write_properties(&mut r);
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
        assert_eq!(
            merge_nodes(label::SKILL, key::NAME),
            "UNWIND $rows AS row MERGE (n:Skill {name: row.name}) SET n = row"
        );
        assert_eq!(
            create_nodes(label::LEARNER),
            "UNWIND $rows AS row CREATE (n:Learner) SET n = row"
        );
        let s = merge_rels(&LEARNER_RELS[1]);
        assert_eq!(
            s,
            "UNWIND $rows AS row MATCH (a:Learner {learner_id: row.from}) MATCH (b:Cohort {id: row.to}) \
             MERGE (a)-[r:ENROLLED_IN]->(b) SET r = row.props"
        );
    }

    #[test]
    fn a_learners_relationships_are_one_row_and_a_fresh_load_creates_them() {
        let skills = create_learner_rels(&LEARNER_RELS[0]);
        assert_eq!(
            skills,
            "UNWIND $hubs AS h MATCH (b:Skill {name: h}) WITH collect(b) AS bs, collect(h) AS hs \
             WHERE hs = $hubs UNWIND $rows AS row MATCH (a:Learner {learner_id: row.from}) \
             UNWIND row.to AS to WITH a, bs[to] AS b CREATE (a)-[r:HAS_SKILL]->(b) \
             RETURN count(*) AS written"
        );
        assert_eq!(
            skills.replacen("CREATE (a)", "MERGE (a)", 1),
            merge_learner_rels(&LEARNER_RELS[0])
        );
        assert!(
            merge_learner_rels(&LEARNER_RELS[1]).contains(
                "MATCH (b:Cohort {id: h}) WITH collect(b) AS bs, collect(h) AS hs WHERE hs = $hubs"
            ) && merge_learner_rels(&LEARNER_RELS[1]).ends_with(
                "WITH a, bs[to.i] AS b, to MERGE (a)-[r:ENROLLED_IN]->(b) SET r = to.props \
                 RETURN count(*) AS written"
            ),
            "{}",
            merge_learner_rels(&LEARNER_RELS[1])
        );
        assert_eq!(hub_entry("python", None), BoltType::from("python"));
        let BoltType::Map(m) = hub_entry("C1", Some(BoltType::from(1i64))) else {
            panic!("a map")
        };
        assert_eq!(m.get::<String>("key").unwrap(), "C1");
        assert_eq!(m.get::<i64>("props").unwrap(), 1);
    }

    /// Rows of (learner, hubs), each hub with or without properties.
    fn grouped(rows: &[(&str, &[&str])], props: bool) -> Vec<BoltType> {
        rows.iter()
            .map(|(from, hubs)| {
                let entry = |h: &str| hub_entry(h, props.then(|| BoltType::from(h.len() as i64)));
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
                let BoltType::Map(m) = row else {
                    panic!("a map")
                };
                assert_eq!(m.get::<String>("from").unwrap(), *from);
                let Some(BoltType::List(to)) = m.value.get("to") else {
                    panic!("a list")
                };
                let named: Vec<(String, Option<i64>)> = to
                    .value
                    .iter()
                    .map(|entry| match entry {
                        BoltType::Integer(i) => (hubs[i.value as usize].clone(), None),
                        BoltType::Map(e) => {
                            assert!(!e.value.contains_key("key"), "the key is replaced");
                            let i: i64 = e.get("i").unwrap();
                            (
                                hubs[i as usize].clone(),
                                Some(e.get::<i64>("props").unwrap()),
                            )
                        }
                        other => panic!("an index: {other:?}"),
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

    #[test]
    fn null_properties_are_left_out_of_rows() {
        let l = Learner {
            learner_id: "L1".into(),
            source_row: 2,
            ..Learner::default()
        };
        let BoltType::Map(m) = learner_row(&l, true) else {
            panic!("a map")
        };
        let keys: Vec<String> = m.value.keys().map(|k| k.value.clone()).collect();
        for present in ["learner_id", "skills", "source_row", "content_hash"] {
            assert!(keys.iter().any(|k| k == present), "{present}");
        }
        assert_eq!(keys.len(), 4, "{keys:?}");
    }
}
