//! Read queries against a loaded graph: the result table every target returns, and its parameters.
//!
//! `learngraph query` runs the same Cypher on the embedded database and on a Bolt server; each
//! target converts its own values into a [`Table`] of JSON values, so that printing, comparing and
//! testing the answers never depends on the target.

use serde::Serialize;

/// A query parameter: a name and a JSON value (string, number, boolean, null or list).
pub type Param = (String, serde_json::Value);

/// The rows a query returned, with its column names.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Table {
    /// Column names, in `RETURN` order.
    pub columns: Vec<String>,
    /// One vector per row, one value per column. Dates and instants are ISO 8601 strings.
    pub rows: Vec<Vec<serde_json::Value>>,
}

/// Why a query could not run.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// The target could not be opened or reached.
    #[error("{target}: {message}")]
    Target {
        /// The target, without credentials.
        target: String,
        /// What went wrong.
        message: String,
    },
    /// The target refused or failed the query; the message is the target's own.
    #[error("query failed on {target}: {message}")]
    Query {
        /// The target, without credentials.
        target: String,
        /// The target's message.
        message: String,
    },
    /// A parameter has a value the target cannot take.
    #[error("parameter ${name}: {message}")]
    Param {
        /// Parameter name.
        name: String,
        /// What is wrong with it.
        message: String,
    },
}

/// A graph that answers read queries.
pub trait GraphQuery {
    /// Runs `cypher` with `params` and returns every row.
    fn query(&mut self, cypher: &str, params: &[Param]) -> Result<Table, QueryError>;
}
