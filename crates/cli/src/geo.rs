//! `learngraph geo resolve`: the resolver of a load, one name at a time.

use std::io::{BufRead, Write};

use anyhow::Context;
use learngraph_transform::geo::{GeoResolver, Unresolved};
use serde_json::json;

use crate::cli::ResolveArgs;
use crate::UsageError;

/// Prints one line per name; exits 0 even when names do not resolve (the output says why).
pub fn resolve(args: &ResolveArgs) -> anyhow::Result<u8> {
    let geo = GeoResolver::new();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if !args.city.is_empty() {
        let within = args.within.as_deref().unwrap_or_default();
        let country = geo.country(within).map_err(|why| {
            UsageError(anyhow::anyhow!(
                "--in {within:?}: the country is {}",
                reason(why)
            ))
        })?;
        let code = &country.country.code;
        for name in &args.city {
            let Some((city, method)) = geo.city(name.trim(), code) else {
                continue;
            };
            let method = method.map_or("unmatched", |m| match m {
                learngraph_transform::geo::CityMethod::Name => "name",
                learngraph_transform::geo::CityMethod::Variant => "variant",
                learngraph_transform::geo::CityMethod::Fuzzy => "fuzzy",
            });
            let coord = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
            if args.json {
                let line = json!({"input": name, "id": city.id, "name": city.name, "country": code,
                    "method": method, "latitude": city.latitude, "longitude": city.longitude,
                    "population": city.population});
                writeln!(out, "{line}")?;
            } else {
                writeln!(
                    out,
                    "{name}\t{}\t{}\t{code}\t{method}\t{}\t{}",
                    city.id,
                    city.name,
                    coord(city.latitude),
                    coord(city.longitude)
                )?;
            }
        }
        out.flush()?;
        return Ok(0);
    }
    let mut emit = |name: &str| -> anyhow::Result<()> {
        let name = name.trim();
        if name.is_empty() {
            return Ok(());
        }
        match geo.country(name) {
            Ok(m) if args.json => writeln!(
                out,
                "{}",
                json!({"input": name, "code": m.country.code,
                "name": m.country.name, "method": m.method.code(),
                "confidence": m.method.confidence(), "repaired_mojibake": m.repaired})
            )?,
            Ok(m) => writeln!(
                out,
                "{name}\t{}\t{}\t{}\t{}",
                m.country.code,
                m.country.name,
                m.method.code(),
                m.method.confidence()
            )?,
            Err(why) if args.json => writeln!(
                out,
                "{}",
                json!({"input": name, "code": null,
                "reason": reason(why)})
            )?,
            Err(why) => writeln!(out, "{name}\t\t\t\t{}", reason(why))?,
        }
        Ok(())
    };
    if args.country.is_empty() {
        for line in std::io::stdin().lock().lines() {
            emit(&line.context("cannot read stdin")?)?;
        }
    } else {
        for name in &args.country {
            emit(name)?;
        }
    }
    out.flush()?;
    Ok(0)
}

fn reason(why: Unresolved) -> &'static str {
    match why {
        Unresolved::Ambiguous => "ambiguous",
        Unresolved::Unknown => "unknown",
    }
}
