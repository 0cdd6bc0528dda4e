//! Criterion benches of the list workloads at reduced size (score-like: build a list of notes
//! then edit random pitches; concurrent-merge: exchange and merge two replicas' edits), on
//! BandPro and its peers side by side. Only each workload's timed part is measured.

use std::time::Duration;

use bandpro_benches::engines::NAMES;
use bandpro_benches::runner::{self, Sizes};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

fn lists(c: &mut Criterion) {
    let mut group = c.benchmark_group("score-like");
    for engine in NAMES.into_iter().filter(|e| runner::supports("score-like", e)) {
        group.bench_function(BenchmarkId::from_parameter(engine), |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| runner::run_score(engine, Sizes::SMALL.score).expect("checks").elapsed)
                    .sum()
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("concurrent-merge");
    for engine in NAMES {
        group.bench_function(BenchmarkId::from_parameter(engine), |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| runner::run_merge(engine, Sizes::SMALL.merge).expect("checks").0.elapsed)
                    .sum()
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
    targets = lists
}
criterion_main!(benches);
