//! The CRDT laws under a random multi-replica simulation: convergence in any delivery order,
//! idempotence, and patches that reproduce the state.

use bandpro_crdt::sim::{Action, Sim};
use proptest::prelude::*;

fn action() -> impl Strategy<Value = Action> {
    (any::<u8>(), any::<u64>(), any::<u64>(), any::<u64>()).prop_map(|(kind, a, b, c)| Action {
        kind,
        a,
        b,
        c,
    })
}

fn run(replicas: usize, actions: &[Action]) {
    let mut sim = Sim::new(replicas);
    for a in actions {
        sim.step(*a);
    }
    sim.finish();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(48), ..ProptestConfig::default() })]

    #[test]
    fn replicas_converge_whatever_the_delivery(replicas in 3usize..=5, actions in prop::collection::vec(action(), 1..80)) {
        run(replicas, &actions);
    }
}

/// A seeded run, longer than the property test's cases. `BANDPRO_TEST_SEED` replays a seed.
#[test]
fn seeded_simulation() {
    let seed: u64 =
        std::env::var("BANDPRO_TEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5eed_b0b5);
    println!("BANDPRO_TEST_SEED={seed}");
    let mut x = seed | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for round in 0..6 {
        let replicas = 3 + round % 3;
        let actions: Vec<Action> =
            (0..300).map(|_| Action { kind: next() as u8, a: next(), b: next(), c: next() }).collect();
        run(replicas, &actions);
    }
}
