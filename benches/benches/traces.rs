//! Criterion benches of the editing traces, cut to their first txns, on BandPro and its peers
//! side by side. Each iteration replays the trace on a fresh document; only the replay is timed.

use std::time::Duration;

use bandpro_benches::engines::NAMES;
use bandpro_benches::runner::{self, Sizes};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

fn traces(c: &mut Criterion) {
    for workload in ["trace:automerge-paper", "trace:seph-blog1", "trace:friendsforever"] {
        let trace = runner::load_trace(workload, &Sizes::SMALL).expect("trace loads");
        let mut group = c.benchmark_group(workload);
        group.throughput(Throughput::Elements(trace.patch_count() as u64));
        for engine in NAMES {
            group.bench_function(BenchmarkId::from_parameter(engine), |b| {
                b.iter_custom(|iters| {
                    (0..iters)
                        .map(|_| runner::run_trace(&trace, engine).expect("replay checks").elapsed)
                        .sum()
                })
            });
        }
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
    targets = traces
}
criterion_main!(benches);
