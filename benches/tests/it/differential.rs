//! Differential test: the same random sequential edit script (map puts and deletes, list
//! inserts and removes, text splices, nested maps, lists and texts) applied to bandpro and to
//! automerge gives the same values after every step.
//!
//! The proptest runs a fixed number of cases from a fixed seed; set `BANDPRO_TEST_SEED=<u64>`
//! to run other cases (the seed in use is printed), and the seeded long script uses it too.

use std::collections::BTreeMap;

use automerge::transaction::Transactable;
use automerge::{Automerge, ReadDoc};
use bandpro_benches::workload::XorShift;
use bandpro_crdt::{Document, Hydrated, ObjId, ObjType, Prop, ROOT, ReplicaId, ScalarValue, Value};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestRunner};

/// A document's values as plain data, the same shape for both engines.
#[derive(Clone, Debug, PartialEq)]
enum Tree {
    Map(BTreeMap<String, Tree>),
    List(Vec<Tree>),
    Text(String),
    Int(i64),
    Str(String),
    Bool(bool),
    Null,
}

fn from_bandpro(h: &Hydrated) -> Tree {
    match h {
        Hydrated::Map(m) => Tree::Map(m.iter().map(|(k, v)| (k.clone(), from_bandpro(v))).collect()),
        Hydrated::List(l) => Tree::List(l.iter().map(from_bandpro).collect()),
        Hydrated::Text(t) => Tree::Text(t.clone()),
        Hydrated::Scalar(ScalarValue::Int(i)) => Tree::Int(*i),
        Hydrated::Scalar(ScalarValue::Str(s)) => Tree::Str(s.to_string()),
        Hydrated::Scalar(ScalarValue::Bool(b)) => Tree::Bool(*b),
        Hydrated::Scalar(ScalarValue::Null) => Tree::Null,
        Hydrated::Scalar(other) => panic!("the script writes no {other:?}"),
    }
}

fn am_value(doc: &Automerge, v: automerge::Value<'_>, id: automerge::ObjId) -> Tree {
    match v {
        automerge::Value::Object(_) => from_automerge(doc, &id),
        automerge::Value::Scalar(s) => match s.as_ref() {
            automerge::ScalarValue::Int(i) => Tree::Int(*i),
            automerge::ScalarValue::Str(s) => Tree::Str(s.to_string()),
            automerge::ScalarValue::Boolean(b) => Tree::Bool(*b),
            automerge::ScalarValue::Null => Tree::Null,
            other => panic!("the script writes no {other:?}"),
        },
    }
}

fn from_automerge(doc: &Automerge, obj: &automerge::ObjId) -> Tree {
    match doc.object_type(obj).expect("an object") {
        automerge::ObjType::Map | automerge::ObjType::Table => Tree::Map(
            doc.keys(obj)
                .map(|k| {
                    let (v, id) = doc.get(obj, k.as_str()).expect("a map").expect("a listed key has a value");
                    (k, am_value(doc, v, id))
                })
                .collect(),
        ),
        automerge::ObjType::List => Tree::List(
            (0..doc.length(obj))
                .map(|i| {
                    let (v, id) = doc.get(obj, i).expect("a list").expect("in bounds");
                    am_value(doc, v, id)
                })
                .collect(),
        ),
        automerge::ObjType::Text => Tree::Text(doc.text(obj).expect("a text")),
    }
}

/// One step's random choices, interpreted against the document as it is when the step runs.
#[derive(Clone, Debug)]
struct Step {
    kind: u8,
    target: u16,
    a: u16,
    b: u16,
    value: u8,
    text: String,
}

fn step_strategy() -> impl Strategy<Value = Step> {
    (any::<u8>(), any::<u16>(), any::<u16>(), any::<u16>(), any::<u8>(), "[a-cé🎵 ]{0,4}")
        .prop_map(|(kind, target, a, b, value, text)| Step { kind, target, a, b, value, text })
}

fn random_step(rng: &mut XorShift) -> Step {
    const ALPHABET: [char; 6] = ['a', 'b', 'c', 'é', '🎵', ' '];
    let n = rng.below(5);
    Step {
        kind: rng.next_u64() as u8,
        target: rng.next_u64() as u16,
        a: rng.next_u64() as u16,
        b: rng.next_u64() as u16,
        value: rng.next_u64() as u8,
        text: (0..n).map(|_| ALPHABET[rng.below(ALPHABET.len())]).collect(),
    }
}

/// The two documents under test.
struct Pair {
    bp: Document,
    am: Automerge,
}

/// A reachable object: its type, bandpro id, and path of props from the root.
struct Reachable {
    kind: ObjType,
    id: ObjId,
    path: Vec<Prop>,
}

fn walk(doc: &Document, obj: ObjId, kind: ObjType, path: Vec<Prop>, out: &mut Vec<Reachable>) {
    let children: Vec<(Prop, Value)> = match kind {
        ObjType::Map => doc
            .keys(&obj)
            .expect("a map")
            .into_iter()
            .map(|k| {
                let v = doc.get(&obj, k.as_str()).expect("a map").expect("a listed key has a value");
                (Prop::Key(k), v)
            })
            .collect(),
        ObjType::List => doc
            .list(&obj)
            .expect("a list")
            .into_iter()
            .enumerate()
            .map(|(i, v)| (Prop::Index(i), v))
            .collect(),
        ObjType::Text => Vec::new(),
    };
    out.push(Reachable { kind, id: obj, path: path.clone() });
    for (prop, v) in children {
        if let Value::Object(k, id) = v {
            let mut p = path.clone();
            p.push(prop);
            walk(doc, id, k, p, out);
        }
    }
}

fn am_resolve(doc: &Automerge, path: &[Prop]) -> automerge::ObjId {
    let mut obj = automerge::ROOT;
    for prop in path {
        let got = match prop {
            Prop::Key(k) => doc.get(&obj, k.as_str()),
            Prop::Index(i) => doc.get(&obj, *i),
        };
        obj = got.expect("same shape").expect("same shape").1;
    }
    obj
}

fn scalar(v: u8) -> (ScalarValue, automerge::ScalarValue) {
    match v % 4 {
        0 => (ScalarValue::Int(i64::from(v)), automerge::ScalarValue::Int(i64::from(v))),
        1 => (ScalarValue::Str(format!("s{v}").into()), automerge::ScalarValue::Str(format!("s{v}").into())),
        2 => (ScalarValue::Bool(v % 8 == 2), automerge::ScalarValue::Boolean(v % 8 == 2)),
        _ => (ScalarValue::Null, automerge::ScalarValue::Null),
    }
}

fn kind_of(v: u8) -> (ObjType, automerge::ObjType) {
    match v % 3 {
        0 => (ObjType::Map, automerge::ObjType::Map),
        1 => (ObjType::List, automerge::ObjType::List),
        _ => (ObjType::Text, automerge::ObjType::Text),
    }
}

const KEYS: [&str; 4] = ["a", "b", "tempo", "notes"];

impl Pair {
    fn new() -> Pair {
        Pair {
            bp: Document::with_replica(ReplicaId::from_u128(1)),
            am: Automerge::new().with_actor(automerge::ActorId::from([1u8; 16])),
        }
    }

    /// Applies one step to both documents, each in its own transaction.
    fn apply(&mut self, step: &Step) {
        let mut reachable = Vec::new();
        walk(&self.bp, ROOT, ObjType::Map, Vec::new(), &mut reachable);
        let want = match step.kind % 7 {
            0..=2 => ObjType::Map,
            3 | 4 => ObjType::List,
            _ => ObjType::Text,
        };
        let candidates: Vec<&Reachable> = reachable.iter().filter(|r| r.kind == want).collect();
        // With no object of the wanted type, write to the root so every step does something.
        let target = if candidates.is_empty() {
            &reachable[0]
        } else {
            candidates[step.target as usize % candidates.len()]
        };
        let am_obj = am_resolve(&self.am, &target.path);
        let obj = target.id;
        let (bv, av) = scalar(step.value);
        let mut btx = self.bp.transaction();
        let mut atx = self.am.transaction();
        match target.kind {
            ObjType::Map => {
                let key = KEYS[step.a as usize % KEYS.len()];
                let present = btx.doc().get(&obj, key).expect("a map").is_some();
                match step.kind % 7 {
                    0 if present => {
                        btx.delete(&obj, key).expect("a map");
                        atx.delete(&am_obj, key).expect("a map");
                    }
                    1 => {
                        let (bk, ak) = kind_of(step.value);
                        btx.put_object(&obj, key, bk).expect("a map");
                        atx.put_object(&am_obj, key, ak).expect("a map");
                    }
                    _ => {
                        btx.put(&obj, key, bv).expect("a map");
                        atx.put(&am_obj, key, av).expect("a map");
                    }
                }
            }
            ObjType::List => {
                let len = btx.doc().length(&obj).expect("a list");
                assert_eq!(len, atx.length(&am_obj));
                let at = step.a as usize % (len + 1);
                if step.kind % 7 == 4 && at < len {
                    let n = 1 + step.b as usize % (len - at).min(3);
                    btx.remove(&obj, at, n).expect("in bounds");
                    for _ in 0..n {
                        atx.delete(&am_obj, at).expect("in bounds");
                    }
                } else if step.b.is_multiple_of(4) {
                    let (bk, ak) = kind_of(step.value);
                    btx.insert_object(&obj, at, bk).expect("in bounds");
                    atx.insert_object(&am_obj, at, ak).expect("in bounds");
                } else {
                    btx.insert(&obj, at, bv).expect("in bounds");
                    atx.insert(&am_obj, at, av).expect("in bounds");
                }
            }
            ObjType::Text => {
                let len = btx.doc().length(&obj).expect("a text");
                let at = step.a as usize % (len + 1);
                let del = if at == len { 0 } else { step.b as usize % (len - at).min(4) };
                btx.splice_text(&obj, at, del, &step.text).expect("in bounds");
                atx.splice_text(&am_obj, at, del as isize, &step.text).expect("in bounds");
            }
        }
        btx.commit();
        atx.commit();
    }

    fn check(&self) -> Result<(), String> {
        let b = from_bandpro(&self.bp.hydrate(&ROOT).expect("root"));
        let a = from_automerge(&self.am, &automerge::ROOT);
        if a == b { Ok(()) } else { Err(format!("bandpro {b:?}\nautomerge {a:?}")) }
    }
}

fn run_script(steps: &[Step]) -> Result<(), String> {
    let mut pair = Pair::new();
    for (i, s) in steps.iter().enumerate() {
        pair.apply(s);
        pair.check().map_err(|e| format!("after step {i} ({s:?}):\n{e}"))?;
    }
    Ok(())
}

/// `BANDPRO_TEST_SEED` if set, else a fixed seed; printed so a failure can be replayed.
fn seed() -> u64 {
    let seed = match std::env::var("BANDPRO_TEST_SEED") {
        Ok(s) => s.trim().parse().unwrap_or_else(|e| panic!("BANDPRO_TEST_SEED={s:?}: {e}")),
        Err(_) => 0xBA4D_0001,
    };
    println!("BANDPRO_TEST_SEED={seed}");
    seed
}

#[test]
fn bandpro_and_automerge_agree_on_random_scripts() {
    let config = Config {
        cases: 128,
        rng_seed: RngSeed::Fixed(seed()),
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    runner
        .run(&proptest::collection::vec(step_strategy(), 1..60), |steps| {
            run_script(&steps).map_err(TestCaseError::fail)
        })
        .unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn bandpro_and_automerge_agree_on_a_long_seeded_script() {
    let mut rng = XorShift::new(seed());
    let steps: Vec<Step> = (0..1_000).map(|_| random_step(&mut rng)).collect();
    if let Err(e) = run_script(&steps) {
        panic!("{e}");
    }
}

#[test]
fn the_comparison_sees_a_difference() {
    // Guards the test itself: a script that makes the documents differ must be caught.
    let mut pair = Pair::new();
    pair.apply(&Step { kind: 2, target: 0, a: 0, b: 0, value: 0, text: String::new() });
    let mut tx = pair.am.transaction();
    tx.put(automerge::ROOT, "a", 99).expect("a map");
    tx.commit();
    assert!(pair.check().is_err());
}
