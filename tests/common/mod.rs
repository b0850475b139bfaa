//! Deterministic instances shared by tests, benchmarks and examples (see kantorovich-testkit).
#![allow(unused_imports)]

pub use kantorovich_testkit::{cloud, SplitMix64};
