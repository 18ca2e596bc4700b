//! Read queries over Bolt: [`BoltGraph`] runs Cypher with parameters and turns Bolt values into
//! JSON, in the same shapes as the embedded target's.

use learngraph_model::{GraphQuery, Param, QueryError, Table};
use neo4rs::{query, BoltType, Graph};

use crate::config::BoltConfig;
use crate::sink::BoltSink;

/// A Bolt server opened for read queries.
pub struct BoltGraph {
    uri: String,
    runtime: tokio::runtime::Runtime,
    graph: Graph,
}

impl BoltGraph {
    /// Connects (one connection is enough for queries).
    pub fn open(mut config: BoltConfig) -> Result<BoltGraph, QueryError> {
        config.writers = 1;
        let uri = config.target.uri.clone();
        let target_error = |message: String| QueryError::Target {
            target: uri.clone(),
            message,
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| target_error(e.to_string()))?;
        let graph = runtime
            .block_on(BoltSink::connect_for(&config))
            .map_err(target_error)?;
        Ok(BoltGraph {
            uri,
            runtime,
            graph,
        })
    }
}

impl GraphQuery for BoltGraph {
    fn query(&mut self, cypher: &str, params: &[Param]) -> Result<Table, QueryError> {
        let mut q = query(cypher);
        for (name, value) in params {
            q = q.param(name, to_bolt(value));
        }
        let failed = |e: neo4rs::Error| QueryError::Query {
            target: self.uri.clone(),
            message: e.to_string(),
        };
        let rows = self.runtime.block_on(async {
            // An explicit transaction: `Graph::execute` would retry failures on its own.
            let mut txn = self.graph.start_txn().await?;
            let mut stream = txn.execute(q).await?;
            let mut rows = Vec::new();
            while let Some(row) = stream.next(txn.handle()).await? {
                let map: std::collections::HashMap<String, BoltType> =
                    row.to().map_err(neo4rs::Error::DeserializationError)?;
                rows.push(map);
            }
            txn.commit().await?;
            Ok::<_, neo4rs::Error>(rows)
        });
        let rows = rows.map_err(failed)?;
        let mut columns: Vec<String> = rows
            .first()
            .map(|r| r.keys().cloned().collect())
            .unwrap_or_default();
        order_columns(cypher, &mut columns);
        let rows = rows
            .into_iter()
            .map(|mut r| {
                columns
                    .iter()
                    .map(|c| r.remove(c).map_or(serde_json::Value::Null, to_json))
                    .collect()
            })
            .collect();
        Ok(Table { columns, rows })
    }
}

/// Bolt returns a row as a map, without the order of `RETURN`: the columns are put back in the
/// order they appear in the statement's last `RETURN` clause.
fn order_columns(cypher: &str, columns: &mut [String]) {
    let upper = cypher.to_uppercase();
    let start = upper.rfind("RETURN").unwrap_or(0);
    let clause = &cypher[start..];
    // The first occurrence of `needle` not followed by an identifier character.
    let find_word = |needle: &str| {
        clause.match_indices(needle).map(|(i, _)| i).find(|i| {
            !clause[i + needle.len()..].starts_with(|ch: char| ch.is_alphanumeric() || ch == '_')
        })
    };
    let position = |c: &str| {
        find_word(&format!("AS {c}"))
            .or_else(|| find_word(c))
            .unwrap_or(usize::MAX)
    };
    columns.sort_by_key(|c| (position(c), c.clone()));
}

fn to_bolt(value: &serde_json::Value) -> BoltType {
    use serde_json::Value as J;
    match value {
        J::Null => BoltType::Null(neo4rs::BoltNull),
        J::Bool(b) => BoltType::from(*b),
        J::Number(n) => match n.as_i64() {
            Some(i) => BoltType::from(i),
            None => BoltType::from(n.as_f64().unwrap_or(f64::NAN)),
        },
        J::String(s) => BoltType::from(s.as_str()),
        J::Array(items) => BoltType::List(neo4rs::BoltList::from(
            items.iter().map(to_bolt).collect::<Vec<_>>(),
        )),
        J::Object(map) => {
            let mut m = neo4rs::BoltMap::default();
            for (k, v) in map {
                m.put(k.as_str().into(), to_bolt(v));
            }
            BoltType::Map(m)
        }
    }
}

/// A Bolt value as JSON: temporal values as ISO 8601 strings, nodes and relationships as objects
/// of their properties.
fn to_json(value: BoltType) -> serde_json::Value {
    use serde_json::Value as J;
    let map = |m: neo4rs::BoltMap| {
        J::Object(
            m.value
                .into_iter()
                .filter(|(_, v)| !matches!(v, BoltType::Null(_)))
                .map(|(k, v)| (k.value, to_json(v)))
                .collect(),
        )
    };
    match value {
        BoltType::Null(_) => J::Null,
        BoltType::Boolean(b) => J::Bool(b.value),
        BoltType::Integer(i) => J::from(i.value),
        BoltType::Float(f) => serde_json::Number::from_f64(f.value).map_or(J::Null, J::Number),
        BoltType::String(s) => J::String(s.value),
        BoltType::List(l) => J::Array(l.value.into_iter().map(to_json).collect()),
        BoltType::Map(m) => map(m),
        BoltType::Node(n) => map(n.properties),
        BoltType::Relation(r) => map(r.properties),
        BoltType::Date(d) => {
            let d: Result<chrono::NaiveDate, _> = (&d).try_into();
            d.map_or(J::Null, |d| J::String(d.to_string()))
        }
        // Servers without time zones (ArcadeDB) return the UTC instants the sink wrote as local.
        BoltType::LocalDateTime(t) => {
            let t: Result<chrono::NaiveDateTime, _> = (&t).try_into();
            t.map_or(J::Null, |t| {
                J::String(t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
            })
        }
        BoltType::DateTime(t) => {
            let t: Result<chrono::DateTime<chrono::FixedOffset>, _> = (&t).try_into();
            t.map_or(J::Null, |t| {
                J::String(
                    t.with_timezone(&chrono::Utc)
                        .format("%Y-%m-%dT%H:%M:%SZ")
                        .to_string(),
                )
            })
        }
        other => J::String(format!("{other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_follow_the_return_clause() {
        let mut cols = vec!["learners".to_string(), "code".into(), "country".into()];
        order_columns(
            "MATCH (c:Country) WITH c RETURN c.code AS code, c.name AS country, n AS learners",
            &mut cols,
        );
        assert_eq!(cols, ["code", "country", "learners"]);
        let mut cols = vec!["city".to_string(), "city_id".into()];
        order_columns("RETURN d.id AS city_id, d.name AS city", &mut cols);
        assert_eq!(cols, ["city_id", "city"]);
    }
}
