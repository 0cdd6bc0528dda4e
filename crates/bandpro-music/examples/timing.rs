//! Rough timings of the hot paths on a generated 40-part, 500-measure score (the benchmarks in
//! `bandpro-bench` are the reference; this is a quick local check).
//!
//! `cargo run --release -p bandpro-music --example timing`

use std::time::Instant;

use bandpro_music::validate::{Rule, ValidationConfig, Validator};
use bandpro_music::{ScoreView, chordify, generate, key_detect};

/// Minimum time of `runs` runs: the least disturbed by other work on a shared machine.
fn time<T>(label: &str, runs: u32, mut f: impl FnMut() -> T) -> T {
    let mut out = f();
    let mut best = f64::MAX;
    for _ in 0..runs {
        let start = Instant::now();
        out = f();
        best = best.min(start.elapsed().as_secs_f64());
    }
    println!("{label:<28} {:>10.1} us", best * 1e6);
    out
}

fn main() {
    let score = time("generate", 1, || generate::band_score(40, 500, 42));
    println!("notes: {}", score.note_count());
    let cfg = ValidationConfig::default();
    if std::env::var("ONLY_RANGE").is_ok() {
        let mut v = Validator::new();
        time("validate 4 measures", 20000, || v.validate_measures(&score, 200..204, &cfg));
        return;
    }
    if let Ok(id) = std::env::var("ONLY_RULE") {
        let only = ValidationConfig::only(&[Rule::from_id(&id).expect("rule id")]);
        let mut v = Validator::new();
        time(&id, 200, || v.validate(&score, &only).len());
        return;
    }
    let mut v = Validator::new();
    let diags = time("validate full", 20, || v.validate(&score, &cfg));
    println!("diagnostics: {}", diags.len());
    for r in Rule::ALL {
        println!("  {:<26} {}", r.id(), diags.iter().filter(|d| d.rule == *r).count());
    }
    for rule in Rule::ALL {
        let only = ValidationConfig::only(&[*rule]);
        time(rule.id(), 5, || v.validate(&score, &only).len());
    }
    time("validate 4 measures", 2000, || v.validate_measures(&score, 200..204, &cfg));
    time("key detection", 50, || key_detect::detect_key(&score));
    time("windowed keys", 50, || key_detect::windowed_keys(&score, &Default::default()));
    time("chordify", 10, || chordify::chordify(&score).len());
    let _ = score.measure_count();
}
