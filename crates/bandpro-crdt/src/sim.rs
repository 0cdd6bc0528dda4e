//! A multi-replica simulator for testing the CRDT laws, shared by the property tests and the
//! fuzz targets (enable the `sim` feature).
//!
//! Replicas make random nested edits and exchange changes over a lossy, reordering network with
//! duplicates and partitions. After every step each replica's patches are applied to a shadow
//! copy of its previous state and compared with its real state; at the end everything is
//! delivered and all replicas must hold identical documents.

use std::collections::{BTreeMap, HashMap};

use crate::{
    Change, Document, Hydrated, ObjId, ObjType, Patch, PatchAction, Prop, ROOT, ReplicaId, ScalarValue, Value,
};

/// One step of a simulation; the numbers pick replicas, objects, indices and values.
#[derive(Clone, Copy, Debug)]
pub struct Action {
    /// What kind of step: edit, deliver, partition or heal, or reload (save and load again, as
    /// after a crash).
    pub kind: u8,
    /// Chooses the acting replica.
    pub a: u64,
    /// Chooses the object, the peer or the subset.
    pub b: u64,
    /// Chooses the index, value or order.
    pub c: u64,
}

/// The shadow of one object, built only from patches.
#[derive(Clone, Debug, PartialEq)]
enum Shadow {
    Map(BTreeMap<String, (Value, bool)>),
    List(Vec<Value>),
    Text(Vec<char>),
}

struct Replica {
    doc: Document,
    shadow: HashMap<ObjId, Shadow>,
}

/// A simulation of several replicas.
pub struct Sim {
    replicas: Vec<Replica>,
    /// Partition group of each replica; only replicas in one group exchange changes.
    group: Vec<u8>,
    /// Steps taken, for failure messages.
    pub steps: usize,
}

fn pick<T: Copy>(items: &[T], n: u64) -> Option<T> {
    (!items.is_empty()).then(|| items[(n % items.len() as u64) as usize])
}

impl Sim {
    /// `n` empty replicas with ids 1..=n.
    pub fn new(n: usize) -> Self {
        let replicas = (0..n)
            .map(|i| Replica {
                doc: {
                    let mut d = Document::with_replica(ReplicaId::from_u128(i as u128 + 1));
                    d.enable_rewind();
                    d
                },
                shadow: HashMap::from([(ROOT, Shadow::Map(BTreeMap::new()))]),
            })
            .collect();
        Sim { replicas, group: vec![0; n], steps: 0 }
    }

    /// The replicas' documents.
    pub fn docs(&self) -> impl Iterator<Item = &Document> {
        self.replicas.iter().map(|r| &r.doc)
    }

    /// Every object reachable from the root, with its type, in a deterministic order.
    pub fn objects(doc: &Document) -> Vec<(ObjId, ObjType)> {
        let mut out = vec![(ROOT, ObjType::Map)];
        let mut i = 0;
        while i < out.len() {
            let (obj, kind) = out[i];
            let children: Vec<Value> = match kind {
                ObjType::Map => doc
                    .keys(&obj)
                    .unwrap()
                    .into_iter()
                    .filter_map(|k| doc.get(&obj, k.as_str()).unwrap())
                    .collect(),
                ObjType::List => doc.list(&obj).unwrap(),
                ObjType::Text => Vec::new(),
            };
            for v in children {
                if let Value::Object(t, id) = v {
                    out.push((id, t));
                }
            }
            i += 1;
        }
        out
    }

    /// Runs one step, checking the patch law afterwards. Panics (as a test failure) on any
    /// broken law.
    pub fn step(&mut self, action: Action) {
        self.steps += 1;
        let n = self.replicas.len() as u64;
        let r = (action.a % n) as usize;
        match action.kind % 12 {
            0..=4 => self.edit(r, action.b, action.c),
            8 => self.reload(r),
            10 => self.revert(r, action.b),
            11 => self.checkout(r, action.b, action.c),
            5 | 6 | 9 => {
                let to = (action.b % n) as usize;
                if to != r && self.group[r] == self.group[to] {
                    self.deliver(r, to, action.c);
                }
            }
            _ => {
                if action.b.is_multiple_of(3) {
                    self.group = vec![0; self.replicas.len()];
                } else {
                    self.group[r] = (action.c % 2) as u8;
                }
            }
        }
        self.check_shadow(r);
    }

    fn edit(&mut self, r: usize, b: u64, c: u64) {
        let before = self.replicas[r].doc.hydrate(&ROOT).unwrap();
        let doc = &mut self.replicas[r].doc;
        let objs = Self::objects(doc);
        let (obj, kind) = pick(&objs, b).expect("the root is always there");
        let keys = ["a", "b", "c", "d"];
        let key = keys[(c % 4) as usize];
        let sel = (b >> 8) % 10;
        let val = (c >> 8) % 1000;
        let mut tx = doc.transaction();
        tx.set_author(format!("replica {r}")).set_time(1_000 + val as i64);
        let result = match kind {
            ObjType::Map => match sel {
                0..=3 => tx.put(&obj, key, val as i64),
                4 => tx.put_object(&obj, key, ObjType::List).map(|_| ()),
                5 => tx.put_object(&obj, key, ObjType::Text).map(|_| ()),
                6 => tx.put_object(&obj, key, ObjType::Map).map(|_| ()),
                7 => tx.put(&obj, key, ScalarValue::Counter(val as i64)),
                8 => tx.increment(&obj, key, 1 + (val as i64 % 5)),
                _ => tx.delete(&obj, key),
            },
            ObjType::List => {
                let len = tx.doc().length(&obj).unwrap();
                let at = (c % (len as u64 + 1)) as usize;
                match sel {
                    0..=4 => tx.insert(&obj, at, val as i64),
                    5 => tx.insert_object(&obj, at, ObjType::Map).map(|_| ()),
                    6 => tx.insert(&obj, at, ScalarValue::Counter(0)),
                    7 if len > 0 => tx.increment(&obj, (c as usize) % len, 2),
                    _ if len > 0 => {
                        let at = (c as usize) % len;
                        tx.remove(&obj, at, 1 + (val as usize % 3).min(len - at - 1))
                    }
                    _ => tx.insert(&obj, 0, val as i64),
                }
            }
            ObjType::Text => {
                let len = tx.doc().length(&obj).unwrap();
                let at = (c % (len as u64 + 1)) as usize;
                let del = if sel < 7 { 0 } else { (val as usize % 4).min(len - at) };
                let text: String =
                    (0..1 + val % 4).map(|i| char::from(b'a' + ((val + i) % 26) as u8)).collect();
                tx.splice_text(&obj, at, del, &text)
            }
        };
        // Edits the doc refuses (incrementing a non-counter) are expected; they must leave nothing.
        let commit = match result {
            Ok(()) => tx.commit(),
            Err(_) => {
                tx.rollback();
                assert_eq!(
                    self.replicas[r].doc.hydrate(&ROOT).unwrap(),
                    before,
                    "a failed edit left a trace"
                );
                return;
            }
        };
        self.apply_patches(r, &commit.patches);
    }

    /// Reverts a random change this replica holds (as undo does), checking the patch law.
    fn revert(&mut self, r: usize, b: u64) {
        let doc = &mut self.replicas[r].doc;
        let hashes: Vec<_> = doc.changes().map(|c| c.hash()).collect();
        let Some(h) = pick(&hashes, b) else { return };
        let mut tx = doc.transaction();
        tx.set_time(7);
        tx.revert(&h).expect("reverting a known change works");
        let commit = tx.commit();
        self.apply_patches(r, &commit.patches);
    }

    /// Saves a replica and loads it back as the same replica, as a restart would (alternately
    /// from the saved log and from a snapshot); waiting changes are kept by the app across the
    /// restart, so they are re-offered.
    fn reload(&mut self, r: usize) {
        let doc = &self.replicas[r].doc;
        let pending: Vec<Change> = doc.pending_changes().to_vec();
        let mut loaded = if self.steps.is_multiple_of(2) {
            Document::load_as(&doc.save(), doc.replica()).expect("a saved document loads")
        } else {
            Document::from_snapshot(&doc.snapshot(), doc.replica()).expect("a snapshot loads")
        };
        assert_eq!(loaded.hydrate(&ROOT).unwrap(), doc.hydrate(&ROOT).unwrap(), "reload changed the state");
        assert_eq!(loaded.heads(), doc.heads());
        assert!(loaded.apply_changes(pending).expect("re-offered changes").is_empty());
        // Rewinding restarts from here: a checkout further back rebuilds instead.
        loaded.enable_rewind();
        self.replicas[r].doc = loaded;
    }

    /// Moves a replica in place to a random version of what it and a peer hold together (as a
    /// checkout of another branch would), editing as a fresh replica from then on. Checks the
    /// patch law across the move and the state against time travel.
    fn checkout(&mut self, r: usize, b: u64, c: u64) {
        let n = self.replicas.len();
        let mut source = self.replicas[r].doc.clone();
        if n > 1 {
            // The peer keeps everything this replica had, as a repository's full log does, so
            // that no change leaves the network with the move.
            let peer = (r + 1 + (b % (n as u64 - 1)) as usize) % n;
            let mine: Vec<Change> = self.replicas[r].doc.changes().cloned().collect();
            let patches = self.replicas[peer].doc.apply_changes(mine).expect("valid changes apply");
            self.apply_patches(peer, &patches);
            self.check_shadow(peer);
            let theirs: Vec<Change> = self.replicas[peer].doc.changes().cloned().collect();
            source.apply_changes(theirs).expect("valid changes apply");
        }
        let hashes: Vec<_> = source.changes().map(|ch| ch.hash()).collect();
        let Some(target) = pick(&hashes, c) else { return };
        let expected = source.at(&[target]).expect("a known version").hydrate(&ROOT).unwrap();
        let fresh = ReplicaId::from_u128(1_000 + self.steps as u128);
        let doc = &mut self.replicas[r].doc;
        match doc.checkout_from(&source, &[target], fresh).expect("checkout of a known version") {
            Some(patches) => self.apply_patches(r, &patches),
            None => {
                // Rebuilt: the shadow starts again from the state.
                let shadow = &mut self.replicas[r].shadow;
                shadow.clear();
                shadow.insert(ROOT, Shadow::Map(BTreeMap::new()));
                let mut scratch = Document::with_replica(ReplicaId::from_u128(5_000 + self.steps as u128));
                let all: Vec<Change> = self.replicas[r].doc.changes().cloned().collect();
                let patches = scratch.apply_changes(all).expect("its own changes apply");
                self.apply_patches(r, &patches);
            }
        }
        let doc = &self.replicas[r].doc;
        assert_eq!(doc.heads(), vec![target], "checkout lands on the version asked for");
        assert_eq!(doc.hydrate(&ROOT).unwrap(), expected, "checkout equals time travel");
        assert_eq!(doc.replica(), fresh);
    }

    fn deliver(&mut self, from: usize, to: usize, c: u64) {
        let heads = self.replicas[to].doc.heads();
        let mut changes: Vec<Change> =
            self.replicas[from].doc.changes_since(&heads).into_iter().cloned().collect();
        // A random subset, in a random order, with a duplicate.
        let mut x = c | 1;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        changes.retain(|_| next() % 4 != 0);
        for i in (1..changes.len()).rev() {
            let j = (next() % (i as u64 + 1)) as usize;
            changes.swap(i, j);
        }
        if let Some(first) = changes.first().cloned() {
            changes.push(first);
        }
        let patches = self.replicas[to].doc.apply_changes(changes).expect("valid changes apply");
        assert!(self.replicas[to].doc.take_rejected().is_empty());
        self.apply_patches(to, &patches);
    }

    fn apply_patches(&mut self, r: usize, patches: &[Patch]) {
        let shadow = &mut self.replicas[r].shadow;
        for p in patches {
            let mut created = Vec::new();
            // Patches cover every object from its creation, reachable or not: an object first
            // named by a patch starts empty.
            let target = shadow.entry(p.obj).or_insert_with(|| match &p.action {
                PatchAction::PutMap { .. } | PatchAction::DeleteMap { .. } => Shadow::Map(BTreeMap::new()),
                PatchAction::SpliceText { .. } => Shadow::Text(Vec::new()),
                _ => Shadow::List(Vec::new()),
            });
            match (&p.action, target) {
                (PatchAction::PutMap { key, value, conflict }, Shadow::Map(m)) => {
                    created.push(value.clone());
                    m.insert(key.clone(), (value.clone(), *conflict));
                }
                (PatchAction::DeleteMap { key }, Shadow::Map(m)) => {
                    assert!(m.remove(key).is_some(), "delete of absent key {key}");
                }
                (PatchAction::Insert { index, values }, Shadow::List(l)) => {
                    for (i, v) in values.iter().enumerate() {
                        l.insert(index + i, v.clone());
                        created.push(v.clone());
                    }
                }
                (PatchAction::SpliceText { index, text }, Shadow::Text(t)) => {
                    for (i, ch) in text.chars().enumerate() {
                        t.insert(index + i, ch);
                    }
                }
                (PatchAction::DeleteSeq { index, len }, Shadow::List(l)) => {
                    l.drain(*index..index + len);
                }
                (PatchAction::DeleteSeq { index, len }, Shadow::Text(t)) => {
                    t.drain(*index..index + len);
                }
                (PatchAction::Increment { prop: Prop::Key(k), by }, Shadow::Map(m)) => {
                    let (Value::Scalar(ScalarValue::Counter(v)), _) = m.get_mut(k).expect("counter key")
                    else {
                        panic!("increment of a non-counter")
                    };
                    *v += by;
                }
                (PatchAction::Increment { prop: Prop::Index(i), by }, Shadow::List(l)) => {
                    let Value::Scalar(ScalarValue::Counter(v)) = &mut l[*i] else {
                        panic!("increment of a non-counter")
                    };
                    *v += by;
                }
                (action, target) => panic!("patch {action:?} does not fit {target:?}"),
            }
            for v in created {
                if let Value::Object(t, id) = v {
                    shadow.entry(id).or_insert_with(|| match t {
                        ObjType::Map => Shadow::Map(BTreeMap::new()),
                        ObjType::List => Shadow::List(Vec::new()),
                        ObjType::Text => Shadow::Text(Vec::new()),
                    });
                }
            }
        }
    }

    /// The patch law: the shadow built from patches equals the real state of every reachable
    /// object.
    fn check_shadow(&self, r: usize) {
        let rep = &self.replicas[r];
        for (obj, kind) in Self::objects(&rep.doc) {
            let actual = match kind {
                ObjType::Map => Shadow::Map(
                    rep.doc
                        .keys(&obj)
                        .unwrap()
                        .into_iter()
                        .map(|k| {
                            let all = rep.doc.get_all(&obj, k.as_str()).unwrap();
                            (k, (all[0].clone(), all.len() > 1))
                        })
                        .collect(),
                ),
                ObjType::List => Shadow::List(rep.doc.list(&obj).unwrap()),
                ObjType::Text => Shadow::Text(rep.doc.text(&obj).unwrap().chars().collect()),
            };
            assert_eq!(rep.shadow.get(&obj), Some(&actual), "step {}: replica {r}, object {obj}", self.steps);
        }
    }

    /// Delivers everything everywhere and checks convergence and idempotence.
    pub fn finish(&mut self) {
        self.group = vec![0; self.replicas.len()];
        let n = self.replicas.len();
        for _ in 0..2 {
            for from in 0..n {
                for to in 0..n {
                    if from != to {
                        let heads = self.replicas[to].doc.heads();
                        let changes: Vec<Change> =
                            self.replicas[from].doc.changes_since(&heads).into_iter().cloned().collect();
                        let patches =
                            self.replicas[to].doc.apply_changes(changes).expect("valid changes apply");
                        self.apply_patches(to, &patches);
                        self.check_shadow(to);
                    }
                }
            }
        }
        let first = self.replicas[0].doc.hydrate(&ROOT).unwrap();
        let heads = self.replicas[0].doc.heads();
        for (i, rep) in self.replicas.iter().enumerate() {
            assert!(rep.doc.pending_changes().is_empty(), "replica {i} still waits for changes");
            assert_eq!(rep.doc.heads(), heads, "replica {i} has other heads");
            assert_eq!(rep.doc.hydrate(&ROOT).unwrap(), first, "replica {i} did not converge");
        }
        // Idempotence: everything again changes nothing and reports nothing.
        let all: Vec<Change> = self.replicas[0].doc.changes().cloned().collect();
        for rep in &mut self.replicas {
            let patches = rep.doc.apply_changes(all.clone()).unwrap();
            assert!(patches.is_empty(), "re-applying known changes produced patches");
            assert_eq!(rep.doc.hydrate(&ROOT).unwrap(), first);
        }
        // A snapshot gives the same document, and its lazily decoded history is complete.
        let snap =
            Document::from_snapshot(&self.replicas[0].doc.snapshot(), ReplicaId::from_u128(99)).unwrap();
        assert_eq!(snap.hydrate(&ROOT).unwrap(), first);
        assert_eq!(snap.save(), self.replicas[0].doc.save());
        // Saving and loading gives the same document and heads.
        let saved = self.replicas[0].doc.save();
        let loaded = Document::load(&saved).expect("a saved document loads");
        assert_eq!(loaded.hydrate(&ROOT).unwrap(), first);
        assert_eq!(loaded.heads(), heads);
        // Time travel to the end equals the document; replay from the log equals it too.
        let replayed = self.replicas[0].doc.at(&heads).unwrap();
        assert_eq!(replayed.hydrate(&ROOT).unwrap(), first);
    }

    /// The converged state (call after [`Sim::finish`]).
    pub fn state(&self) -> Hydrated {
        self.replicas[0].doc.hydrate(&ROOT).unwrap()
    }
}
