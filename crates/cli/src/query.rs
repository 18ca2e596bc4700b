//! `learngraph query`: Cypher or a built-in question against a target, printed for people or tools.

use std::io::Write;

use anyhow::Context;
use learngraph_model::presets::{preset, PRESETS};
use learngraph_model::{Param, Table};
use learngraph_pipeline::settings::BoltSettings;

use crate::cli::{OutputFormat, QueryArgs};
use crate::target::Target;
use crate::UsageError;

/// Runs the query and prints the result; returns the exit code.
pub fn run(args: &QueryArgs, target_uri: &str, bolt: &BoltSettings) -> anyhow::Result<u8> {
    if args.preset.as_deref() == Some("list") {
        let mut out = std::io::stdout().lock();
        for p in PRESETS {
            let params: Vec<String> = p
                .params
                .iter()
                .map(|(name, default)| match default {
                    Some(d) => format!("{name}={d}"),
                    None => name.to_string(),
                })
                .collect();
            writeln!(out, "{:<24} {}", p.name, p.about)?;
            if !params.is_empty() {
                writeln!(out, "{:<24}   parameters: {}", "", params.join(", "))?;
            }
        }
        return Ok(0);
    }
    let mut params = parse_params(&args.params)?;
    let (cypher, top) = match &args.preset {
        Some(name) => {
            let p = preset(name).ok_or_else(|| {
                let names: Vec<&str> = PRESETS.iter().map(|p| p.name).collect();
                UsageError(anyhow::anyhow!(
                    "no preset `{name}`; the presets are: {}",
                    names.join(", ")
                ))
            })?;
            for (name, default) in p.params {
                if params.iter().any(|(n, _)| n == name) {
                    continue;
                }
                match default {
                    Some(d) => params.push((name.to_string(), parse_value(d))),
                    None => {
                        return Err(UsageError(anyhow::anyhow!(
                            "preset `{}` needs --param {name}=VALUE",
                            p.name
                        ))
                        .into())
                    }
                }
            }
            let top = p.top_per_group.then(|| top_n(&params)).transpose()?;
            if p.top_per_group {
                params.retain(|(n, _)| n != "top");
            }
            (p.cypher.to_string(), top)
        }
        None => (args.cypher.clone().unwrap_or_default(), None),
    };
    let target = Target::parse(target_uri).map_err(|e| UsageError(e.into()))?;
    let mut engine = target.query_engine(target_uri, bolt)?;
    let mut table = engine.query(&cypher, &params)?;
    if let Some(n) = top {
        keep_top_per_group(&mut table, n);
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match args.format {
        OutputFormat::Table => print_table(&mut out, &table)?,
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &table)?;
            writeln!(out)?;
        }
        OutputFormat::Csv => print_csv(&mut out, &table)?,
    }
    out.flush().context("cannot write the result")?;
    Ok(0)
}

fn parse_params(raw: &[String]) -> anyhow::Result<Vec<Param>> {
    raw.iter()
        .map(|p| {
            let (name, value) = p
                .split_once('=')
                .ok_or_else(|| UsageError(anyhow::anyhow!("--param {p:?}: expected NAME=VALUE")))?;
            Ok((name.trim().to_string(), parse_value(value)))
        })
        .collect()
}

/// JSON when the text parses as JSON (`42`, `1.5`, `true`, `["a"]`), else the text itself.
fn parse_value(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|_| serde_json::Value::String(text.to_string()))
}

fn top_n(params: &[Param]) -> anyhow::Result<usize> {
    let value = params.iter().find(|(n, _)| n == "top").map(|(_, v)| v);
    value
        .and_then(|v| v.as_u64())
        .map(|n| n as usize)
        .ok_or_else(|| UsageError(anyhow::anyhow!("--param top must be a whole number")).into())
}

/// Keeps the first `n` rows of each run of equal first-column values.
fn keep_top_per_group(table: &mut Table, n: usize) {
    let mut kept = 0;
    let mut group: Option<serde_json::Value> = None;
    table.rows.retain(|row| {
        let key = row.first().cloned();
        if key != group {
            group = key;
            kept = 0;
        }
        kept += 1;
        kept <= n
    });
}

/// A cell as people read it: text bare, null empty, the rest as JSON.
fn cell(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn print_table(out: &mut impl Write, table: &Table) -> std::io::Result<()> {
    let cells: Vec<Vec<String>> = table
        .rows
        .iter()
        .map(|r| r.iter().map(cell).collect())
        .collect();
    let mut widths: Vec<usize> = table.columns.iter().map(|c| c.chars().count()).collect();
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count().min(60));
        }
    }
    let line = |out: &mut dyn Write, row: &[String]| -> std::io::Result<()> {
        let mut text = String::new();
        for (i, (c, w)) in row.iter().zip(&widths).enumerate() {
            if i > 0 {
                text.push_str("  ");
            }
            let shown: String = c.replace('\n', " ").chars().take(60).collect();
            text.push_str(&format!("{shown:<w$}"));
        }
        writeln!(out, "{}", text.trim_end())
    };
    line(out, &table.columns)?;
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    line(out, &rule)?;
    for row in &cells {
        line(out, row)?;
    }
    writeln!(
        out,
        "({} row{})",
        table.rows.len(),
        if table.rows.len() == 1 { "" } else { "s" }
    )
}

fn print_csv(out: &mut impl Write, table: &Table) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(&table.columns)?;
    for row in &table.rows {
        w.write_record(row.iter().map(cell))?;
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parameter_values_are_json_or_text() {
        for (text, value) in [
            ("42", json!(42)),
            ("1.5", json!(1.5)),
            ("true", json!(true)),
            ("[\"a\",\"b\"]", json!(["a", "b"])),
            ("Nairobi", json!("Nairobi")),
            ("L0000042", json!("L0000042")),
            ("", json!("")),
        ] {
            assert_eq!(parse_value(text), value, "{text}");
        }
    }

    #[test]
    fn top_per_group_keeps_the_first_rows_of_each_group() {
        let mut t = Table {
            columns: vec!["g".into(), "v".into()],
            rows: [("a", 1), ("a", 2), ("a", 3), ("b", 4), ("c", 5), ("c", 6)]
                .iter()
                .map(|(g, v)| vec![json!(g), json!(v)])
                .collect(),
        };
        keep_top_per_group(&mut t, 2);
        let kept: Vec<i64> = t.rows.iter().map(|r| r[1].as_i64().unwrap()).collect();
        assert_eq!(kept, [1, 2, 4, 5, 6]);
    }
}
