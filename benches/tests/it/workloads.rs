//! Each workload's correctness assertion holds for bandpro (and the peers) at a small size:
//! traces end with their expected text, score-like pitches match a plain model, and
//! concurrent-merge replicas converge.

use bandpro_benches::engines::NAMES;
use bandpro_benches::runner::{self, Sizes, WORKLOADS};
use bandpro_benches::trace::{Patch, Trace, Txn, apply_to_string};
use bandpro_benches::workload::{self, ListEdit, XorShift, agent_clocks, list_edits};

fn check(workload: &str, engine: &str) {
    let metrics = runner::run(workload, engine, &Sizes::SMALL)
        .unwrap_or_else(|e| panic!("{workload} on {engine}: {e}"));
    assert!(metrics.iter().all(|(_, v)| v.is_finite() && *v >= 0.0), "{workload} on {engine}: {metrics:?}");
}

#[test]
fn every_workload_holds_for_bandpro() {
    for w in WORKLOADS {
        check(w, "bandpro");
    }
}

#[test]
fn every_workload_holds_for_the_peers() {
    for w in WORKLOADS {
        for e in NAMES.iter().filter(|e| **e != "bandpro" && runner::supports(w, e)) {
            check(w, e);
        }
    }
}

#[test]
fn the_full_concurrent_trace_converges_to_its_end_text_on_bandpro() {
    // friendsforever is small enough to replay whole even without optimisation; only the full
    // trace knows its end text, so this is the test of the DAG replay.
    let trace = Trace::load("friendsforever").expect("trace loads");
    assert!(trace.concurrent && trace.end.is_some());
    workload::concurrent_trace::<bandpro_benches::engines::bandpro::Bandpro>(&trace).expect("converges");
}

#[test]
fn the_traces_load_with_their_documented_shape() {
    for (name, concurrent) in [("automerge-paper", false), ("seph-blog1", false), ("friendsforever", true)] {
        let t = Trace::load(name).expect("trace loads");
        assert_eq!(t.concurrent, concurrent, "{name}");
        assert!(t.patch_count() > 10_000, "{name}");
        assert!(t.end.as_deref().is_some_and(|e| !e.is_empty()), "{name}");
        if concurrent {
            assert_eq!(agent_clocks(&t).map(|c| c.len()), Ok(t.txns.len()), "{name}");
        }
    }
}

#[test]
fn a_sequential_trace_reference_model_reaches_the_end_text() {
    let t = Trace::load("seph-blog1").expect("trace loads");
    assert_eq!(Some(apply_to_string(&t.start, t.txns.iter().flat_map(|x| &x.patches))), t.end);
}

fn txn(agent: usize, parents: &[usize], pos: usize, del: usize, insert: &str) -> Txn {
    Txn { patches: vec![Patch { pos, del, insert: insert.into() }], agent, parents: parents.to_vec() }
}

#[test]
fn a_concurrent_trace_is_replayed_at_its_parents_version() {
    // Two agents type at position 0 of the same empty text concurrently, then agent 0 appends
    // after seeing both: the last position only makes sense once both edits are merged.
    let trace = Trace {
        name: "tiny".into(),
        start: String::new(),
        end: None,
        txns: vec![
            txn(0, &[], 0, 0, "ab"),
            txn(1, &[], 0, 0, "xy"),
            txn(0, &[0, 1], 4, 0, "!"),
            txn(1, &[1], 1, 1, ""),
        ],
        concurrent: true,
        num_agents: 2,
    };
    let clocks = agent_clocks(&trace).expect("each agent's txns form a chain");
    assert_eq!(clocks, vec![vec![1, 0], vec![0, 1], vec![2, 1], vec![0, 2]]);
    // "ab" and "xy" typed concurrently at 0 land in either order (each engine breaks the tie
    // its own way); "!" goes at the end of the merged "abxy"/"xyab"; agent 1, which never saw
    // "ab", deletes its own "y". Either way, exactly one of these texts.
    let with_end = |end: &str| Trace { end: Some(end.to_owned()), ..trace.clone() };
    assert!(["abx!", "xab!"].contains(&merged_text(&trace).as_str()));
    for engine in ["bandpro", "automerge", "yrs", "loro", "diamond-types"] {
        let ok =
            ["abx!", "xab!"].iter().filter(|end| runner::run_trace(&with_end(end), engine).is_ok()).count();
        assert_eq!(ok, 1, "{engine}");
    }
}

fn merged_text(trace: &Trace) -> String {
    use bandpro_benches::engines::bandpro::Bandpro;
    use bandpro_benches::workload::TextEngine;
    // The same history by hand with two bandpro replicas.
    let base = Bandpro::create("");
    let mut a = base.fork(1);
    let mut b = base.fork(2);
    let c0 = a.edit_and_export(&trace.txns[0].patches);
    let c1 = b.edit_and_export(&trace.txns[1].patches);
    a.import(&[&c1]);
    let c2 = a.edit_and_export(&trace.txns[2].patches);
    let c3 = b.edit_and_export(&trace.txns[3].patches);
    a.import(&[&c3]);
    b.import(&[&c0, &c2]);
    assert_eq!(a.text(), b.text());
    a.text()
}

#[test]
fn a_missing_ancestor_chain_is_refused() {
    let trace = Trace {
        name: "bad".into(),
        start: String::new(),
        end: None,
        txns: vec![txn(0, &[], 0, 0, "a"), txn(0, &[], 0, 0, "b")],
        concurrent: true,
        num_agents: 1,
    };
    assert!(agent_clocks(&trace).is_err());
}

#[test]
fn list_edits_stay_in_bounds_and_are_deterministic() {
    let edits = list_edits(7, 3, 1_000);
    assert_eq!(edits, list_edits(7, 3, 1_000));
    let mut len = 3usize;
    for e in edits {
        match e {
            ListEdit::Insert(i, _) => {
                assert!(i <= len);
                len += 1;
            }
            ListEdit::Remove(i) => {
                assert!(i < len);
                len -= 1;
            }
        }
    }
    let mut rng = XorShift::new(1);
    assert_ne!(rng.next_u64(), rng.next_u64());
}
