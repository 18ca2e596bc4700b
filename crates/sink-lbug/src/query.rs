//! Read queries on an embedded database: [`LbugGraph`] runs Cypher with parameters and turns
//! LadybugDB's values into JSON.

use std::path::{Path, PathBuf};

use lbug::{Connection, Database, LogicalType, SystemConfig, Value};
use learngraph_model::{GraphQuery, Param, QueryError, Table};

/// An embedded database opened read-only for queries.
pub struct LbugGraph {
    dir: PathBuf,
    db: Database,
}

impl LbugGraph {
    /// Opens the database in the folder `dir`, which a load must have created.
    pub fn open(dir: &Path) -> Result<LbugGraph, QueryError> {
        let path = crate::database_path(dir);
        let target = format!("embedded:{}", dir.display());
        if !path.exists() {
            return Err(QueryError::Target {
                target,
                message: format!(
                    "no database at {}; load an export first (learngraph load INPUT --target embedded:{})",
                    path.display(),
                    dir.display()
                ),
            });
        }
        let db = Database::new(&path, SystemConfig::default().read_only(true)).map_err(|e| {
            QueryError::Target {
                target,
                message: e.to_string(),
            }
        })?;
        Ok(LbugGraph {
            dir: dir.to_path_buf(),
            db,
        })
    }

    fn target(&self) -> String {
        format!("embedded:{}", self.dir.display())
    }
}

impl GraphQuery for LbugGraph {
    fn query(&mut self, cypher: &str, params: &[Param]) -> Result<Table, QueryError> {
        let failed = |e: lbug::Error| QueryError::Query {
            target: self.target(),
            message: with_hint(e.to_string()),
        };
        let conn = Connection::new(&self.db).map_err(failed)?;
        let result = if params.is_empty() {
            conn.query(cypher).map_err(failed)?
        } else {
            let mut statement = conn.prepare(cypher).map_err(failed)?;
            let values = params
                .iter()
                .map(|(name, value)| Ok((name.as_str(), to_lbug(name, value)?)))
                .collect::<Result<Vec<_>, QueryError>>()?;
            conn.execute(&mut statement, values).map_err(failed)?
        };
        let columns = result.get_column_names();
        let rows = result
            .map(|row| row.into_iter().map(to_json).collect())
            .collect();
        Ok(Table { columns, rows })
    }
}

/// A JSON parameter as a LadybugDB value: integers as INT64, other numbers as DOUBLE, lists of
/// one element type.
fn to_lbug(name: &str, value: &serde_json::Value) -> Result<Value, QueryError> {
    use serde_json::Value as J;
    let bad = |message: &str| QueryError::Param {
        name: name.to_string(),
        message: message.to_string(),
    };
    Ok(match value {
        J::Null => Value::Null(LogicalType::String),
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => match n.as_i64() {
            Some(i) => Value::Int64(i),
            None => Value::Double(n.as_f64().ok_or_else(|| bad("not a number"))?),
        },
        J::String(s) => Value::String(s.clone()),
        J::Array(items) => {
            let items = items
                .iter()
                .map(|v| to_lbug(name, v))
                .collect::<Result<Vec<_>, _>>()?;
            let ty = match items.first() {
                Some(Value::Int64(_)) => LogicalType::Int64,
                Some(Value::Double(_)) => LogicalType::Double,
                Some(Value::Bool(_)) => LogicalType::Bool,
                _ => LogicalType::String,
            };
            Value::List(ty, items)
        }
        J::Object(_) => return Err(bad("maps are not supported as parameters")),
    })
}

/// A LadybugDB value as JSON: dates and instants as ISO 8601 strings, nodes and relationships as
/// objects of their properties.
pub(crate) fn to_json(value: Value) -> serde_json::Value {
    use serde_json::Value as J;
    let props = |props: &[(String, Value)]| {
        J::Object(
            props
                .iter()
                .filter(|(_, v)| !matches!(v, Value::Null(_)))
                .map(|(k, v)| (k.clone(), to_json(v.clone())))
                .collect(),
        )
    };
    match value {
        Value::Null(_) => J::Null,
        Value::Bool(b) => J::Bool(b),
        Value::Int64(i) => i.into(),
        Value::Int32(i) => i.into(),
        Value::Int16(i) => i.into(),
        Value::Int8(i) => i.into(),
        Value::UInt64(i) => i.into(),
        Value::UInt32(i) => i.into(),
        Value::UInt16(i) => i.into(),
        Value::UInt8(i) => i.into(),
        // `sum` of INT64 is INT128; as a number whenever it fits.
        Value::Int128(i) => i64::try_from(i).map_or_else(|_| J::String(i.to_string()), J::from),
        Value::Double(f) => serde_json::Number::from_f64(f).map_or(J::Null, J::Number),
        Value::Float(f) => serde_json::Number::from_f64(f64::from(f)).map_or(J::Null, J::Number),
        Value::String(s) => J::String(s),
        Value::Date(d) => J::String(d.to_string()),
        Value::Timestamp(t)
        | Value::TimestampTz(t)
        | Value::TimestampNs(t)
        | Value::TimestampMs(t)
        | Value::TimestampSec(t) => J::String(iso_instant(t)),
        Value::List(_, items) | Value::Array(_, items) => {
            J::Array(items.into_iter().map(to_json).collect())
        }
        Value::Struct(fields) => props(&fields),
        Value::Node(node) => props(node.get_properties()),
        Value::Rel(rel) => props(rel.get_properties()),
        other => J::String(other.to_string()),
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` (fractions only when present), the form the loaders write.
fn iso_instant(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    let mut s = format!(
        "{}T{:02}:{:02}:{:02}",
        t.date(),
        t.hour(),
        t.minute(),
        t.second()
    );
    if t.microsecond() != 0 {
        s.push_str(&format!(".{:06}", t.microsecond()));
    }
    s.push('Z');
    s
}

/// LadybugDB's message, with what to do about it where learngraph's own choices are the cause.
fn with_hint(message: String) -> String {
    // The learners' relationships are stored forward only unless the database was created with
    // `target.embedded.backward_edges` (see `schema::ddl`).
    if message.contains("Undirected rel pattern") {
        return format!(
            "{message} (this database stores the relationships that leave a learner in that \
             direction only: write the pattern with an arrow, e.g. (l:Learner)-[:HAS_SKILL]->(s), \
             or create the database with target.embedded.backward_edges = true)"
        );
    }
    message
}
