//! Deterministic instances shared by tests, benchmarks and examples (see kantorovich-testkit).
#![allow(unused_imports)]

pub use kantorovich_testkit::{cloud, SplitMix64};

/// The records of a fixture file under tests/fixtures/ (written by the scripts/make_*fixtures.py
/// scripts): one `key value value ...` per line, `#` comments and blank lines skipped.
#[allow(dead_code)] // not every test binary reads fixtures
pub fn fixture(name: &str) -> Vec<(String, Vec<f64>)> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let mut words = l.split_whitespace();
            let key = words.next().unwrap().to_string();
            (key, words.map(|w| w.parse::<f64>().unwrap()).collect())
        })
        .collect()
}
