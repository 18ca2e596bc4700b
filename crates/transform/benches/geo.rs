//! Geography look-ups per second: uncached resolution of distinct spellings, and the cached
//! path every worker takes for repeated strings (what a load does for most rows).

#![allow(missing_docs)] // criterion_group! and criterion_main! generate undocumented items

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use learngraph_transform::geo::GeoResolver;

const NAMES: &[&str] = &[
    "Egypt",
    "egypt ",
    "EG",
    "EGY",
    "Arab Republic of Egypt",
    "Misr",
    "مصر",
    "Égypte",
    "Nigeria",
    "NGA",
    "Lagos",
    "Niger State",
    "Ghana",
    "Kenya",
    "Nairobi",
    "Morocco",
    "Maroc",
    "المغرب",
    "Ethiopia",
    "ኢትዮጵያ",
    "Rwanda",
    "Uganda",
    "South Africa",
    "RSA",
    "Côte d'Ivoire",
    "Ivory Coast",
    "CÃ´te d'Ivoire",
    "DRC",
    "Zaire",
    "Congo",
    "UAE",
    "Dubai",
    "KSA",
    "Swaziland",
    "Türkiye",
    "Keyna",
    "Nigeira",
    "Atlantis",
    "N/A",
    "Tanzania",
];

fn geo(c: &mut Criterion) {
    let geo = GeoResolver::new();
    let mut g = c.benchmark_group("geo");
    g.throughput(Throughput::Elements(NAMES.len() as u64));
    g.bench_function("country_uncached", |b| {
        b.iter(|| NAMES.iter().filter(|n| geo.country(n).is_ok()).count())
    });
    // A worker keeps each spelling's resolution by its text and clones it on a hit, as here.
    let mut cache = foldhash::HashMap::default();
    g.bench_function("country_cached", |b| {
        b.iter(|| {
            NAMES
                .iter()
                .filter(|n| match cache.get(**n) {
                    Some(hit) => Result::clone(hit).is_ok(),
                    None => {
                        let resolved = geo.country(n);
                        cache.insert(n.to_string(), resolved.clone());
                        resolved.is_ok()
                    }
                })
                .count()
        })
    });
    let cities = [
        ("Cairo", "EG"),
        ("El-Giza", "EG"),
        ("Alex", "EG"),
        ("Maadi", "EG"),
        ("6th of October", "EG"),
        ("Nairboi", "KE"),
        ("Lagos State", "NG"),
        ("Kigali", "RW"),
    ];
    g.throughput(Throughput::Elements(cities.len() as u64));
    g.bench_function("city_uncached", |b| {
        b.iter(|| {
            cities
                .iter()
                .filter(|(n, cc)| geo.city(n, cc).is_some())
                .count()
        })
    });
    g.finish();
}

criterion_group!(benches, geo);
criterion_main!(benches);
