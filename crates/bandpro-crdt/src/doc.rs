//! The document: materialised state of every object, the change graph, and the application of
//! changes (local or remote) with an undo log so that a failed change leaves no trace.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::change::{Change, InsertContent, ObjRef, Op, OpAction, OpValue, Personal, RefId};
use crate::erasure::{Erasures, check_root_key};
use crate::error::Error;
use crate::graph::{Graph, GraphMark, VersionVector};
use crate::id::{ChangeHash, ObjId, OpId, ReplicaId};
use crate::patch::{Patch, PatchAction};
use crate::rewind::History;
use crate::seq::{Seq, SeqError};
use crate::value::{ObjType, Prop, ScalarValue, Value};

/// The root map's internal id: counter 0 is never assigned to an operation.
pub(crate) const ROOT_ID: OpId = OpId { counter: 0, replica: 0 };

/// How deeply objects may nest. Readers such as [`Document::hydrate`] recurse into nested
/// objects, so a peer must not be able to nest them deep enough to overflow a stack; real
/// documents nest a handful of levels.
pub const MAX_NESTING: usize = 1_000;

/// How many changes may wait for missing dependencies by default.
pub const DEFAULT_MAX_PENDING: usize = 10_000;

/// A stored value: a scalar, or a nested object whose id is the id of the op that holds it.
#[derive(Clone, Debug)]
pub(crate) enum IValue {
    Scalar(ScalarValue),
    Object(ObjType),
}

#[derive(Clone, Debug)]
pub(crate) struct MapEntry {
    pub(crate) key: u32,
    pub(crate) id: OpId,
    pub(crate) value: IValue,
}

#[derive(Clone, Debug)]
pub(crate) enum ObjState {
    Map(Vec<MapEntry>),
    List(Seq<IValue>),
    Text(Seq<char>),
}

impl ObjState {
    fn kind(&self) -> ObjType {
        match self {
            ObjState::Map(_) => ObjType::Map,
            ObjState::List(_) => ObjType::List,
            ObjState::Text(_) => ObjType::Text,
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Object {
    pub(crate) id: OpId,
    /// The parent object and the id of the write or element that holds this one.
    pub(crate) parent: Option<(u32, OpId)>,
    pub(crate) state: ObjState,
}

/// One reversible step, recorded while ops apply so that a failing change can be undone.
#[derive(Debug)]
pub(crate) enum Undo {
    MapWrite { obj: u32, added: Option<OpId>, removed: Vec<MapEntry> },
    SeqInsert { obj: u32, id: OpId, len: u32 },
    SeqMark { obj: u32, undo: Vec<(OpId, u32, bool, Option<OpId>)> },
    Increment { target: OpId, by: i64 },
    NewObject { id: OpId },
}

/// A document's state as plain data, for comparisons and tests.
#[derive(Clone, PartialEq, Debug)]
pub enum Hydrated {
    /// A scalar (counters read as their current total).
    Scalar(ScalarValue),
    /// A map's visible values.
    Map(BTreeMap<String, Hydrated>),
    /// A list's visible values.
    List(Vec<Hydrated>),
    /// A text.
    Text(String),
}

/// A collaborative document: nested maps, lists, texts and counters on a hashed change DAG.
///
/// ```
/// use bandpro_crdt::{Document, ObjType, ROOT};
///
/// let mut alice = Document::new();
/// let mut tx = alice.transaction();
/// let title = tx.put_object(&ROOT, "title", ObjType::Text).unwrap();
/// tx.splice_text(&title, 0, 0, "Blue Bossa").unwrap();
/// tx.commit();
///
/// let mut bob = alice.fork();
/// let mut tx = bob.transaction();
/// tx.put(&ROOT, "tempo", 120).unwrap();
/// tx.commit();
///
/// alice.merge(&bob).unwrap();
/// assert_eq!(alice.text(&title).unwrap(), "Blue Bossa");
/// assert_eq!(alice.get(&ROOT, "tempo").unwrap().and_then(|v| v.as_int()), Some(120));
/// ```
#[derive(Clone, Debug)]
pub struct Document {
    pub(crate) me: u32,
    pub(crate) replicas: Vec<ReplicaId>,
    pub(crate) replica_index: HashMap<ReplicaId, u32, ahash::RandomState>,
    pub(crate) keys: Vec<Box<str>>,
    pub(crate) key_index: HashMap<Box<str>, u32, ahash::RandomState>,
    /// Shared between copies until one of them changes an object (copy on write), so that a
    /// fork or a branch does not copy every object up front.
    pub(crate) objects: Vec<Arc<Object>>,
    pub(crate) obj_index: HashMap<OpId, u32, ahash::RandomState>,
    pub(crate) increments: HashMap<OpId, i64, ahash::RandomState>,
    pub(crate) graph: Graph,
    pub(crate) max_op: u32,
    pending: Vec<Change>,
    max_pending: usize,
    rejected: Vec<Error>,
    pub(crate) erasures: Erasures,
    pub(crate) history: History,
}

impl Default for Document {
    fn default() -> Self {
        Self::new()
    }
}

struct Mark {
    graph: GraphMark,
    max_op: u32,
}

impl Document {
    /// An empty document with a random replica id.
    pub fn new() -> Self {
        Self::with_replica(ReplicaId::random())
    }

    /// An empty document edited as `replica`.
    pub fn with_replica(replica: ReplicaId) -> Self {
        let mut doc = Document {
            me: 0,
            replicas: Vec::new(),
            replica_index: HashMap::default(),
            keys: Vec::new(),
            key_index: HashMap::default(),
            objects: vec![Arc::new(Object { id: ROOT_ID, parent: None, state: ObjState::Map(Vec::new()) })],
            obj_index: [(ROOT_ID, 0)].into_iter().collect(),
            increments: HashMap::default(),
            graph: Graph::default(),
            max_op: 0,
            pending: Vec::new(),
            max_pending: DEFAULT_MAX_PENDING,
            rejected: Vec::new(),
            erasures: Erasures::default(),
            history: History::default(),
        };
        doc.me = doc.intern_replica(replica);
        doc
    }

    /// Sets how many changes may wait for missing dependencies before new ones are refused.
    pub fn set_max_pending(&mut self, limit: usize) {
        self.max_pending = limit;
    }

    /// The replica this document edits as.
    pub fn replica(&self) -> ReplicaId {
        self.replicas[self.me as usize]
    }

    pub(crate) fn me(&self) -> u32 {
        self.me
    }

    pub(crate) fn intern_replica(&mut self, r: ReplicaId) -> u32 {
        if let Some(&i) = self.replica_index.get(&r) {
            return i;
        }
        let i = self.replicas.len() as u32;
        self.replicas.push(r);
        self.replica_index.insert(r, i);
        i
    }

    pub(crate) fn replica_id(&self, i: u32) -> ReplicaId {
        self.replicas[i as usize]
    }

    fn intern_key(&mut self, k: &str) -> u32 {
        if let Some(&i) = self.key_index.get(k) {
            return i;
        }
        let i = self.keys.len() as u32;
        self.keys.push(k.into());
        self.key_index.insert(k.into(), i);
        i
    }

    /// Orders op ids as Lamport timestamps, ties broken by full replica id.
    pub(crate) fn cmp_ids(replicas: &[ReplicaId], a: OpId, b: OpId) -> Ordering {
        a.counter
            .cmp(&b.counter)
            .then_with(|| replicas[a.replica as usize].cmp(&replicas[b.replica as usize]))
    }

    pub(crate) fn ext_obj(&self, id: OpId) -> ObjId {
        if id == ROOT_ID {
            ObjId::Root
        } else {
            ObjId::Id { replica: self.replicas[id.replica as usize], counter: id.counter }
        }
    }

    pub(crate) fn obj_index_of(&self, obj: &ObjId) -> Result<u32, Error> {
        let id = match obj {
            ObjId::Root => ROOT_ID,
            ObjId::Id { replica, counter } => {
                let r = self.replica_index.get(replica).ok_or(Error::NoSuchObject(*obj))?;
                OpId::new(*r, *counter)
            }
        };
        self.obj_index.get(&id).copied().ok_or(Error::NoSuchObject(*obj))
    }

    pub(crate) fn object(&self, i: u32) -> &Object {
        &self.objects[i as usize]
    }

    pub(crate) fn object_state(&self, i: u32) -> &ObjState {
        &self.objects[i as usize].state
    }

    pub(crate) fn ext_value(&self, id: OpId, v: &IValue) -> Value {
        match v {
            IValue::Scalar(ScalarValue::Counter(base)) => {
                let inc = self.increments.get(&id).copied().unwrap_or(0);
                Value::Scalar(ScalarValue::Counter(base.wrapping_add(inc)))
            }
            IValue::Scalar(s) => Value::Scalar(s.clone()),
            IValue::Object(t) => Value::Object(*t, self.ext_obj(id)),
        }
    }

    // ----- reading -----

    /// The type of an object.
    pub fn object_type(&self, obj: &ObjId) -> Result<ObjType, Error> {
        Ok(self.object_state(self.obj_index_of(obj)?).kind())
    }

    /// The visible value at `prop`: the winning value of a map key, or a list's element.
    pub fn get(&self, obj: &ObjId, prop: impl Into<Prop>) -> Result<Option<Value>, Error> {
        Ok(self.get_all(obj, prop)?.into_iter().next())
    }

    /// Every value at `prop`, the winner first: concurrent writes that lost to it follow, so a
    /// caller can see and report the conflict.
    pub fn get_all(&self, obj: &ObjId, prop: impl Into<Prop>) -> Result<Vec<Value>, Error> {
        let o = self.obj_index_of(obj)?;
        match (self.object_state(o), prop.into()) {
            (ObjState::Map(entries), Prop::Key(k)) => {
                let Some(&key) = self.key_index.get(k.as_str()) else { return Ok(Vec::new()) };
                let mut found: Vec<&MapEntry> = entries.iter().filter(|e| e.key == key).collect();
                found.sort_by(|a, b| Self::cmp_ids(&self.replicas, b.id, a.id));
                Ok(found.into_iter().map(|e| self.ext_value(e.id, &e.value)).collect())
            }
            (ObjState::List(seq), Prop::Index(i)) => {
                Ok(seq.get(i).map(|(id, v)| self.ext_value(id, v)).into_iter().collect())
            }
            (ObjState::Text(seq), Prop::Index(i)) => Ok(seq
                .get(i)
                .map(|(_, c)| Value::Scalar(ScalarValue::Str(c.to_string().into())))
                .into_iter()
                .collect()),
            (state, _) => Err(Error::WrongObjectType {
                obj: *obj,
                actual: state.kind(),
                expected: "map for a key, list or text for an index",
            }),
        }
    }

    /// The keys of a map that have a value, sorted.
    pub fn keys(&self, obj: &ObjId) -> Result<Vec<String>, Error> {
        let o = self.obj_index_of(obj)?;
        match self.object_state(o) {
            ObjState::Map(entries) => {
                let mut keys: Vec<String> =
                    entries.iter().map(|e| self.keys[e.key as usize].to_string()).collect();
                keys.sort();
                keys.dedup();
                Ok(keys)
            }
            s => Err(Error::WrongObjectType { obj: *obj, actual: s.kind(), expected: "map" }),
        }
    }

    /// Calls `f` with every key of a map and its visible (winning) value, in no particular
    /// order; cheaper than one [`Document::get`] per key.
    pub fn for_each_entry(&self, obj: &ObjId, mut f: impl FnMut(&str, Value)) -> Result<(), Error> {
        let o = self.obj_index_of(obj)?;
        let ObjState::Map(entries) = self.object_state(o) else {
            return Err(Error::WrongObjectType {
                obj: *obj,
                actual: self.object_state(o).kind(),
                expected: "map",
            });
        };
        // Entries are sorted by key, then id: the winner of a key is its greatest id by Lamport
        // order, found in one pass over each key's run.
        let mut i = 0;
        while i < entries.len() {
            let key = entries[i].key;
            let mut w = i;
            let mut j = i + 1;
            while j < entries.len() && entries[j].key == key {
                if Self::cmp_ids(&self.replicas, entries[j].id, entries[w].id) == Ordering::Greater {
                    w = j;
                }
                j += 1;
            }
            f(&self.keys[key as usize], self.ext_value(entries[w].id, &entries[w].value));
            i = j;
        }
        Ok(())
    }

    /// The number of keys of a map, or of elements of a list or text.
    pub fn length(&self, obj: &ObjId) -> Result<usize, Error> {
        let o = self.obj_index_of(obj)?;
        Ok(match self.object_state(o) {
            ObjState::Map(_) => self.keys(obj)?.len(),
            ObjState::List(s) => s.len(),
            ObjState::Text(s) => s.len(),
        })
    }

    /// The content of a text object.
    pub fn text(&self, obj: &ObjId) -> Result<String, Error> {
        let o = self.obj_index_of(obj)?;
        match self.object_state(o) {
            ObjState::Text(s) => Ok(s.iter().map(|(_, c)| *c).collect()),
            s => Err(Error::WrongObjectType { obj: *obj, actual: s.kind(), expected: "text" }),
        }
    }

    /// The visible values of a list, in order.
    pub fn list(&self, obj: &ObjId) -> Result<Vec<Value>, Error> {
        let o = self.obj_index_of(obj)?;
        match self.object_state(o) {
            ObjState::List(s) => Ok(s.iter().map(|(id, v)| self.ext_value(id, v)).collect()),
            s => Err(Error::WrongObjectType { obj: *obj, actual: s.kind(), expected: "list" }),
        }
    }

    /// The path from the root to `obj`: each step the parent and the key or index in it.
    /// `None` if the object is no longer reachable (an overwritten key or a deleted element).
    pub fn path(&self, obj: &ObjId) -> Result<Option<Vec<(ObjId, Prop)>>, Error> {
        let mut o = self.obj_index_of(obj)?;
        let mut path = Vec::new();
        while let Some((parent, holder)) = self.object(o).parent {
            let prop = match self.object_state(parent) {
                ObjState::Map(entries) => {
                    let Some(e) = entries.iter().find(|e| e.id == holder) else { return Ok(None) };
                    // Reachable only if the holder is the visible winner of its key.
                    let winner = entries
                        .iter()
                        .filter(|x| x.key == e.key)
                        .max_by(|a, b| Self::cmp_ids(&self.replicas, a.id, b.id))
                        .map(|x| x.id);
                    if winner != Some(holder) {
                        return Ok(None);
                    }
                    Prop::Key(self.keys[e.key as usize].to_string())
                }
                ObjState::List(seq) => match seq.get_by_id(holder) {
                    Some((Some(i), _)) => Prop::Index(i),
                    _ => return Ok(None),
                },
                ObjState::Text(_) => return Ok(None),
            };
            path.push((self.ext_obj(self.object(parent).id), prop));
            o = parent;
        }
        path.reverse();
        Ok(Some(path))
    }

    /// The whole state under `obj` as plain data.
    pub fn hydrate(&self, obj: &ObjId) -> Result<Hydrated, Error> {
        let o = self.obj_index_of(obj)?;
        Ok(self.hydrate_index(o))
    }

    fn hydrate_value(&self, id: OpId, v: &IValue) -> Hydrated {
        match v {
            IValue::Object(_) => self.hydrate_index(self.obj_index[&id]),
            s => match self.ext_value(id, s) {
                Value::Scalar(s) => Hydrated::Scalar(s),
                Value::Object(..) => unreachable!("scalars stay scalars"),
            },
        }
    }

    fn hydrate_index(&self, o: u32) -> Hydrated {
        match self.object_state(o) {
            ObjState::Map(entries) => {
                let mut out = BTreeMap::new();
                let mut winners: HashMap<u32, &MapEntry> = HashMap::new();
                for e in entries {
                    let w = winners.entry(e.key).or_insert(e);
                    if Self::cmp_ids(&self.replicas, e.id, w.id) == Ordering::Greater {
                        *w = e;
                    }
                }
                for (k, e) in winners {
                    out.insert(self.keys[k as usize].to_string(), self.hydrate_value(e.id, &e.value));
                }
                Hydrated::Map(out)
            }
            ObjState::List(s) => Hydrated::List(s.iter().map(|(id, v)| self.hydrate_value(id, v)).collect()),
            ObjState::Text(s) => Hydrated::Text(s.iter().map(|(_, c)| *c).collect()),
        }
    }

    // ----- the change graph -----

    /// The current version: the hashes of the changes no other change depends on, sorted.
    pub fn heads(&self) -> Vec<ChangeHash> {
        self.graph.heads()
    }

    /// How many changes the document holds.
    pub fn change_count(&self) -> usize {
        self.graph.len()
    }

    /// Every change, in an order where deps come first.
    pub fn changes(&self) -> impl Iterator<Item = &Change> + '_ {
        self.graph.nodes.iter().map(|n| n.change())
    }

    /// The hashes of every change, in the order of [`Document::changes`], without decoding
    /// any change (a document opened from a snapshot decodes its history only when asked).
    pub fn change_hashes(&self) -> impl Iterator<Item = ChangeHash> + '_ {
        self.graph.nodes.iter().map(|n| n.hash)
    }

    /// Every change, newest first by Lamport time: by decreasing counter of its last op, ties
    /// by replica id (the order in which conflicting writes win). No op of a later change in
    /// this order has a counter above its `end_op`, so a search for the latest change that
    /// did something can stop at the first change whose `end_op` is below the best found.
    pub fn changes_newest_first(&self) -> impl Iterator<Item = &Change> + '_ {
        let nodes = &self.graph.nodes;
        let mut order: Vec<usize> = (0..nodes.len()).collect();
        order.sort_unstable_by(|&a, &b| {
            let (x, y) = (&nodes[a], &nodes[b]);
            y.end_op
                .cmp(&x.end_op)
                .then_with(|| self.replicas[y.replica as usize].cmp(&self.replicas[x.replica as usize]))
        });
        order.into_iter().map(move |i| nodes[i].change())
    }

    /// The change with this hash.
    pub fn change(&self, hash: &ChangeHash) -> Option<&Change> {
        self.graph.lookup(hash).map(|i| self.graph.node(i).change())
    }

    /// Whether the document holds the change.
    pub fn has_change(&self, hash: &ChangeHash) -> bool {
        self.graph.contains(hash)
    }

    /// Whether change `a` is `b` or an ancestor of it.
    pub fn is_ancestor(&self, a: &ChangeHash, b: &ChangeHash) -> Result<bool, Error> {
        let ab = self.graph.resolve(&[*a, *b])?;
        Ok(self.graph.is_ancestor(ab[0], ab[1]))
    }

    /// The changes in version `heads` and all their ancestors, in topological order.
    pub fn ancestors(&self, heads: &[ChangeHash]) -> Result<Vec<ChangeHash>, Error> {
        let idx = self.graph.resolve(heads)?;
        let set = self.graph.ancestors(&idx);
        Ok((0..set.len()).filter(|&i| set[i]).map(|i| self.graph.nodes[i].hash).collect())
    }

    /// The best common ancestors of two versions, sorted.
    pub fn merge_bases(&self, a: &[ChangeHash], b: &[ChangeHash]) -> Result<Vec<ChangeHash>, Error> {
        let (a, b) = (self.graph.resolve(a)?, self.graph.resolve(b)?);
        let mut out: Vec<ChangeHash> =
            self.graph.merge_bases(&a, &b).into_iter().map(|i| self.graph.node(i).hash).collect();
        out.sort();
        Ok(out)
    }

    /// The changes in version `a` that are not in version `b`, in topological order.
    pub fn changes_between(&self, a: &[ChangeHash], b: &[ChangeHash]) -> Result<Vec<&Change>, Error> {
        let (a, b) = (self.graph.resolve(a)?, self.graph.resolve(b)?);
        Ok(self.graph.difference(&a, &b).into_iter().map(|i| self.graph.node(i).change()).collect())
    }

    /// The changes made since version `since` (every change not in it), deps first. Hashes
    /// this document does not know are ignored: the result then includes everything they
    /// would have covered.
    pub fn changes_since(&self, since: &[ChangeHash]) -> Vec<&Change> {
        let known: Vec<u32> = since.iter().filter_map(|h| self.graph.lookup(h)).collect();
        let set = self.graph.ancestors(&known);
        self.graph.nodes.iter().enumerate().filter(|(i, _)| !set[*i]).map(|(_, n)| n.change()).collect()
    }

    /// The version vector of the current version.
    pub fn version_vector(&self) -> VersionVector {
        let all = vec![true; self.graph.len()];
        self.graph.version_vector(&all, &self.replicas)
    }

    /// The largest counter the document has seen, i.e. its Lamport clock.
    pub fn max_op(&self) -> u32 {
        self.max_op
    }

    // ----- versions, branches, merges -----

    /// The document as it was at version `heads`, as a new document with a fresh replica id.
    pub fn at(&self, heads: &[ChangeHash]) -> Result<Document, Error> {
        self.fork_at_as(heads, ReplicaId::random())
    }

    /// A copy of this document that edits as a new random replica (a branch).
    pub fn fork(&self) -> Document {
        self.fork_as(ReplicaId::random())
    }

    /// A copy of this document that edits as `replica`.
    pub fn fork_as(&self, replica: ReplicaId) -> Document {
        let mut doc = self.clone();
        doc.me = doc.intern_replica(replica);
        doc.rejected.clear();
        doc
    }

    /// The document at version `heads`, editing as `replica`.
    pub fn fork_at_as(&self, heads: &[ChangeHash], replica: ReplicaId) -> Result<Document, Error> {
        self.replay_at(heads, replica, false)
    }

    /// The document at version `heads`, replayed from the log; `rewind` enables rewinding
    /// (see [`Document::enable_rewind`]) from the first change on.
    pub(crate) fn replay_at(
        &self,
        heads: &[ChangeHash],
        replica: ReplicaId,
        rewind: bool,
    ) -> Result<Document, Error> {
        let idx = self.graph.resolve(heads)?;
        let set = self.graph.ancestors(&idx);
        let mut doc = Document::with_replica(replica);
        if rewind {
            doc.enable_rewind();
        }
        let mut undo = Vec::new();
        let mut patches = Vec::new();
        for (i, node) in self.graph.nodes.iter().enumerate() {
            if set[i] {
                doc.apply_ready(node.change(), &mut undo, &mut patches)?;
                undo.clear();
                patches.clear();
            }
        }
        doc.settle_erasures();
        Ok(doc)
    }

    /// Applies every change of `other` that this document lacks.
    pub fn merge(&mut self, other: &Document) -> Result<Vec<Patch>, Error> {
        let missing: Vec<Change> = other.changes().filter(|c| !self.has_change(&c.hash())).cloned().collect();
        self.apply_changes(missing)
    }

    // ----- applying changes -----

    fn mark(&self) -> Mark {
        Mark { graph: self.graph.mark(), max_op: self.max_op }
    }

    fn rollback(&mut self, mark: Mark, undo: Vec<Undo>) {
        for u in undo.into_iter().rev() {
            self.undo_one(u);
        }
        self.graph.rollback(mark.graph);
        self.truncate_history();
        self.max_op = mark.max_op;
    }

    /// Applies changes from another replica, in any order and any number of times.
    ///
    /// A change whose deps are missing waits in a buffer until they arrive; a change the
    /// document already has is skipped. If any change *in this batch* is invalid, the whole
    /// batch is undone and the error says which change and why. A buffered change that this
    /// batch releases but that turns out invalid is dropped and reported by
    /// [`Document::take_rejected`], so it cannot block valid changes forever.
    pub fn apply_changes(&mut self, changes: impl IntoIterator<Item = Change>) -> Result<Vec<Patch>, Error> {
        let mark = self.mark();
        let pending_before = self.pending.clone();
        let mut undo = Vec::new();
        let mut patches = Vec::new();
        for change in changes {
            if let Err(e) = self.receive(change, &mut undo, &mut patches) {
                self.rollback(mark, undo);
                self.pending = pending_before;
                return Err(e);
            }
        }
        self.settle_erasures();
        Ok(patches)
    }

    fn receive(
        &mut self,
        change: Change,
        undo: &mut Vec<Undo>,
        patches: &mut Vec<Patch>,
    ) -> Result<(), Error> {
        let hash = change.hash();
        if self.graph.contains(&hash) || self.pending.iter().any(|p| p.hash() == hash) {
            return Ok(());
        }
        if !change.deps().iter().all(|d| self.graph.contains(d)) {
            if self.pending.len() >= self.max_pending {
                return Err(Error::PendingLimit { pending: self.pending.len(), limit: self.max_pending });
            }
            self.pending.push(change);
            return Ok(());
        }
        self.apply_atomic(&change, undo, patches)?;
        // Release whatever waited for this change (and, transitively, for those).
        loop {
            let ready = self.pending.iter().position(|p| p.deps().iter().all(|d| self.graph.contains(d)));
            let Some(i) = ready else { break };
            let next = self.pending.swap_remove(i);
            if let Err(e) = self.apply_atomic(&next, undo, patches) {
                self.rejected.push(e);
            }
        }
        Ok(())
    }

    /// Applies one change whose deps are present; on failure undoes exactly its own effects.
    fn apply_atomic(
        &mut self,
        change: &Change,
        undo: &mut Vec<Undo>,
        patches: &mut Vec<Patch>,
    ) -> Result<(), Error> {
        let mark = self.mark();
        let mut own_undo = Vec::new();
        let mut own_patches = Vec::new();
        match self.apply_ready(change, &mut own_undo, &mut own_patches) {
            Ok(()) => {
                undo.append(&mut own_undo);
                patches.append(&mut own_patches);
                Ok(())
            }
            Err(e) => {
                self.rollback(mark, own_undo);
                Err(e)
            }
        }
    }

    /// Loads a stored log (changes deps first, as [`crate::Store::load_all`] returns them)
    /// into this document, which must hold no changes yet. Each change is checked like a
    /// remote one, but no patches are made and nothing is buffered, so it is several times
    /// cheaper than [`Document::apply_changes`] for a whole history. A change whose deps are
    /// not before it is an error ([`Error::MissingDependencies`]); on any error the document
    /// holds only part of the log and should be dropped.
    pub fn load_log(&mut self, changes: Vec<Change>) -> Result<(), Error> {
        if self.change_count() > 0 {
            return Err(Error::Decode {
                what: "log",
                offset: 0,
                reason: "load_log needs a document without changes".into(),
            });
        }
        self.apply_log(changes)
    }

    /// Applies a log whose changes come deps first, to a fresh document (loading): each change
    /// is checked like a remote one, but no undo log is kept, since on error the caller throws
    /// the whole document away.
    pub(crate) fn apply_log(&mut self, changes: Vec<Change>) -> Result<(), Error> {
        let mut undo = Vec::new();
        let mut patches = Vec::new();
        for c in changes {
            if self.graph.contains(&c.hash()) {
                continue;
            }
            if let Some(d) = c.deps().iter().find(|d| !self.graph.contains(d)) {
                return Err(Error::MissingDependencies { change: c.hash(), missing: vec![*d] });
            }
            self.apply_ready(&c, &mut undo, &mut patches)?;
            undo.clear();
            patches.clear();
        }
        self.settle_erasures();
        Ok(())
    }

    /// Changes that wait for deps this document does not have.
    pub fn pending_changes(&self) -> &[Change] {
        &self.pending
    }

    /// The deps the waiting changes need that neither the document nor the buffer holds.
    pub fn missing_deps(&self) -> Vec<ChangeHash> {
        let mut out: Vec<ChangeHash> = self
            .pending
            .iter()
            .flat_map(|c| c.deps().iter().copied())
            .filter(|d| !self.graph.contains(d) && !self.pending.iter().any(|p| p.hash() == *d))
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Gives up on every waiting change: their deps do not exist after all (the peer that
    /// sent them has finished). Each comes back as a [`Error::MissingDependencies`].
    pub fn expire_pending(&mut self) -> Vec<Error> {
        let pending = std::mem::take(&mut self.pending);
        pending
            .into_iter()
            .map(|c| Error::MissingDependencies {
                change: c.hash(),
                missing: c.deps().iter().copied().filter(|d| !self.graph.contains(d)).collect(),
            })
            .collect()
    }

    /// Buffered changes that were released but failed to apply, since the last call.
    pub fn take_rejected(&mut self) -> Vec<Error> {
        std::mem::take(&mut self.rejected)
    }

    /// Checks a change against the replica chain and applies its ops.
    fn apply_ready(
        &mut self,
        change: &Change,
        undo: &mut Vec<Undo>,
        patches: &mut Vec<Patch>,
    ) -> Result<(), Error> {
        let undo_start = undo.len();
        let hash = change.hash();
        // The last counter stays free, so that the next local change always has one to take.
        if change.end_op() == u32::MAX {
            return Err(Error::Overflow("operation counter"));
        }
        let author = change.replica();
        let r = self.intern_replica(author);
        let deps = self.graph.resolve(change.deps())?;
        let max_dep_op = deps.iter().map(|&d| self.graph.node(d).end_op).max().unwrap_or(0);
        if let Some(last) = self.graph.last_of_replica(r) {
            let last_node = self.graph.node(last);
            if change.start_op() <= last_node.end_op {
                // Someone already holds this counter: a second history of one replica, or a
                // replay of an old counter.
                let clash = self.graph.by_replica[r as usize]
                    .iter()
                    .map(|&i| self.graph.node(i))
                    .find(|n| n.start_op <= change.end_op() && change.start_op() <= n.end_op);
                return Err(match clash {
                    Some(n) => Error::Equivocation { change: hash, replica: author, existing: n.hash },
                    None => Error::CounterBackwards {
                        change: hash,
                        replica: author,
                        start_op: change.start_op(),
                        must_exceed: last_node.end_op,
                    },
                });
            }
            if !deps.iter().any(|&d| self.graph.is_ancestor(last, d)) {
                return Err(Error::Equivocation { change: hash, replica: author, existing: last_node.hash });
            }
        }
        if change.start_op() <= max_dep_op {
            return Err(Error::CounterBackwards {
                change: hash,
                replica: author,
                start_op: change.start_op(),
                must_exceed: max_dep_op,
            });
        }
        let table: Vec<u32> = change.replicas().iter().map(|rep| self.intern_replica(*rep)).collect();
        let mut counter = change.start_op();
        for (i, op) in change.ops().iter().enumerate() {
            self.apply_op(OpId::new(r, counter), op, &table, undo, patches)
                .map_err(|reason| Error::InvalidOp { change: hash, op_index: i, reason })?;
            counter += op.width() as u32;
        }
        self.max_op = self.max_op.max(change.end_op());
        // A copy from a replica that has not heard of an erasure yet loses the erased fields.
        let kept = self.strip_if_erased(change).unwrap_or_else(|| change.clone());
        self.graph.push(kept, r);
        self.record_residue(change.ops(), &undo[undo_start..]);
        Ok(())
    }

    fn map_ref(table: &[u32], r: RefId) -> OpId {
        OpId::new(table[r.replica as usize], r.counter)
    }

    fn describe(&self, id: OpId) -> String {
        format!("{}@{}", id.counter, &self.replicas[id.replica as usize].to_string()[..8])
    }

    /// Applies one op with id `id`. Errors are reasons, for [`Error::InvalidOp`].
    pub(crate) fn apply_op(
        &mut self,
        id: OpId,
        op: &Op,
        table: &[u32],
        undo: &mut Vec<Undo>,
        patches: &mut Vec<Patch>,
    ) -> Result<(), String> {
        let obj_id = match op.obj {
            ObjRef::Root => ROOT_ID,
            ObjRef::Id(r) => Self::map_ref(table, r),
        };
        let Some(&obj) = self.obj_index.get(&obj_id) else {
            return Err(format!("object {} does not exist", self.describe(obj_id)));
        };
        let kind = self.object_state(obj).kind();
        match &op.action {
            OpAction::Put { key, value, pred } => {
                if kind != ObjType::Map {
                    return Err(format!("a key write on a {kind:?}"));
                }
                if obj == 0 && check_root_key(key, false)? {
                    self.erasures.touched = true;
                }
                let pred: Vec<OpId> = pred.iter().map(|p| Self::map_ref(table, *p)).collect();
                let key = self.intern_key(key);
                let value = match value {
                    OpValue::Scalar(s) => IValue::Scalar(s.clone()),
                    OpValue::Object(t) => {
                        self.create_object(id, *t, obj, undo)?;
                        IValue::Object(*t)
                    }
                };
                self.map_write(obj, key, Some(MapEntry { key, id, value }), &pred, undo, patches);
            }
            OpAction::DeleteKey { key, pred } => {
                if kind != ObjType::Map {
                    return Err(format!("a key delete on a {kind:?}"));
                }
                if obj == 0 {
                    check_root_key(key, true)?;
                }
                let pred: Vec<OpId> = pred.iter().map(|p| Self::map_ref(table, *p)).collect();
                let key = self.intern_key(key);
                self.map_write(obj, key, None, &pred, undo, patches);
            }
            OpAction::Increment { target, by } => {
                let target = Self::map_ref(table, *target);
                self.increment(obj, target, *by, undo, patches)?;
            }
            OpAction::Insert { left, right, content } => {
                let left = left.map(|l| Self::map_ref(table, l));
                let right = right.map(|r| Self::map_ref(table, r));
                self.insert(obj, id, left, right, content, undo, patches)?;
            }
            OpAction::Delete { target, len } | OpAction::Restore { target, len } => {
                let target = Self::map_ref(table, *target);
                let delete = matches!(op.action, OpAction::Delete { .. });
                let ext = self.ext_obj(obj_id);
                let Document { objects, replicas, .. } = self;
                let order = |a: OpId, b: OpId| Self::cmp_ids(replicas, a, b);
                let result = match &mut Arc::make_mut(&mut objects[obj as usize]).state {
                    ObjState::List(s) => s.mark(target, *len, id, delete, order),
                    ObjState::Text(s) => s.mark(target, *len, id, delete, order),
                    ObjState::Map(_) => return Err("an element delete or restore on a Map".into()),
                };
                let (ranges, marks) = result.map_err(|SeqError::NoSuchElement(e)| {
                    format!("element {} does not exist", self.describe(e))
                })?;
                undo.push(Undo::SeqMark { obj, undo: marks });
                for (index, len, visible) in ranges {
                    let action = if !visible {
                        PatchAction::DeleteSeq { index, len }
                    } else {
                        match &self.objects[obj as usize].state {
                            ObjState::Text(s) => PatchAction::SpliceText {
                                index,
                                text: (index..index + len)
                                    .filter_map(|i| s.get(i).map(|(_, c)| *c))
                                    .collect(),
                            },
                            ObjState::List(s) => PatchAction::Insert {
                                index,
                                values: (index..index + len)
                                    .filter_map(|i| s.get(i).map(|(eid, v)| self.ext_value(eid, v)))
                                    .collect(),
                            },
                            ObjState::Map(_) => unreachable!("checked above"),
                        }
                    };
                    patches.push(Patch { obj: ext, action });
                }
            }
        }
        Ok(())
    }

    fn create_object(
        &mut self,
        id: OpId,
        kind: ObjType,
        parent: u32,
        undo: &mut Vec<Undo>,
    ) -> Result<(), String> {
        if self.depth_of(parent) >= MAX_NESTING {
            return Err(format!("objects nested more than {MAX_NESTING} deep"));
        }
        let state = match kind {
            ObjType::Map => ObjState::Map(Vec::new()),
            ObjType::List => ObjState::List(Seq::default()),
            ObjType::Text => ObjState::Text(Seq::default()),
        };
        self.obj_index.insert(id, self.objects.len() as u32);
        self.objects.push(Arc::new(Object { id, parent: Some((parent, id)), state }));
        undo.push(Undo::NewObject { id });
        Ok(())
    }

    /// How deep object `o` is nested (the root is 0), counted up to [`MAX_NESTING`].
    pub(crate) fn depth_of(&self, mut o: u32) -> usize {
        let mut depth = 0;
        while let Some((parent, _)) = self.objects[o as usize].parent {
            depth += 1;
            if depth >= MAX_NESTING {
                break;
            }
            o = parent;
        }
        depth
    }

    /// The winner of `key` and whether it has concurrent losers.
    pub(crate) fn map_winner(replicas: &[ReplicaId], entries: &[MapEntry], key: u32) -> (Option<OpId>, bool) {
        let mut winner: Option<OpId> = None;
        let mut n = 0;
        for e in entries.iter().filter(|e| e.key == key) {
            n += 1;
            if winner.is_none_or(|w| Self::cmp_ids(replicas, e.id, w) == Ordering::Greater) {
                winner = Some(e.id);
            }
        }
        (winner, n > 1)
    }

    fn map_write(
        &mut self,
        obj: u32,
        key: u32,
        new: Option<MapEntry>,
        pred: &[OpId],
        undo: &mut Vec<Undo>,
        patches: &mut Vec<Patch>,
    ) {
        let ObjState::Map(entries) = &mut Arc::make_mut(&mut self.objects[obj as usize]).state else {
            unreachable!("checked by the caller")
        };
        let before = Self::map_winner(&self.replicas, entries, key);
        let mut removed = Vec::new();
        entries.retain(|e| {
            let gone = e.key == key && pred.contains(&e.id);
            if gone {
                removed.push(e.clone());
            }
            !gone
        });
        let added = new.as_ref().map(|e| e.id);
        if let Some(e) = new {
            let at = entries.partition_point(|x| (x.key, x.id) < (e.key, e.id));
            entries.insert(at, e);
        }
        let after = Self::map_winner(&self.replicas, entries, key);
        undo.push(Undo::MapWrite { obj, added, removed });
        if before != after {
            let ext = self.ext_obj(self.objects[obj as usize].id);
            let key_name = self.keys[key as usize].to_string();
            let action = match after.0 {
                Some(w) => {
                    let ObjState::Map(entries) = &self.objects[obj as usize].state else { unreachable!() };
                    let e = entries.iter().find(|e| e.id == w).expect("winner is an entry");
                    PatchAction::PutMap {
                        key: key_name,
                        value: self.ext_value(w, &e.value),
                        conflict: after.1,
                    }
                }
                None => PatchAction::DeleteMap { key: key_name },
            };
            patches.push(Patch { obj: ext, action });
        }
    }

    fn increment(
        &mut self,
        obj: u32,
        target: OpId,
        by: i64,
        undo: &mut Vec<Undo>,
        patches: &mut Vec<Patch>,
    ) -> Result<(), String> {
        let ext = self.ext_obj(self.objects[obj as usize].id);
        let prop = match self.object_state(obj) {
            ObjState::Map(entries) => match entries.iter().find(|e| e.id == target) {
                Some(e) => {
                    if !matches!(e.value, IValue::Scalar(ScalarValue::Counter(_))) {
                        return Err(format!(
                            "increment of {}, which is not a counter",
                            self.describe(target)
                        ));
                    }
                    let (winner, _) = Self::map_winner(&self.replicas, entries, e.key);
                    (winner == Some(target)).then(|| Prop::Key(self.keys[e.key as usize].to_string()))
                }
                // Overwritten by a concurrent write this replica already applied: the increment
                // still counts for the hidden counter, as long as the target is a real past op.
                None => {
                    let known = self.graph.by_replica.get(target.replica as usize).and_then(|v| v.last());
                    if known.is_none_or(|&i| self.graph.node(i).end_op < target.counter) {
                        return Err(format!("increment of {}, which does not exist", self.describe(target)));
                    }
                    None
                }
            },
            ObjState::List(seq) => match seq.get_by_id(target) {
                Some((index, IValue::Scalar(ScalarValue::Counter(_)))) => index.map(Prop::Index),
                Some(_) => {
                    return Err(format!("increment of {}, which is not a counter", self.describe(target)));
                }
                None => return Err(format!("increment of {}, which does not exist", self.describe(target))),
            },
            ObjState::Text(_) => return Err("an increment on a Text".into()),
        };
        let total = self.increments.get(&target).copied().unwrap_or(0);
        let new_total = total.checked_add(by).ok_or("the counter overflows 64 bits")?;
        self.increments.insert(target, new_total);
        undo.push(Undo::Increment { target, by });
        if let Some(prop) = prop {
            patches.push(Patch { obj: ext, action: PatchAction::Increment { prop, by } });
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn insert(
        &mut self,
        obj: u32,
        id: OpId,
        left: Option<OpId>,
        right: Option<OpId>,
        content: &InsertContent,
        undo: &mut Vec<Undo>,
        patches: &mut Vec<Patch>,
    ) -> Result<(), String> {
        let ext = self.ext_obj(self.objects[obj as usize].id);
        let width = content.len() as u32;
        // Check the origins before creating any nested object, so a bad op leaves nothing.
        let origins_ok = |s: &dyn Fn(OpId) -> bool| [left, right].into_iter().flatten().find(|o| !s(*o));
        let missing = match self.object_state(obj) {
            ObjState::List(s) => origins_ok(&|o| s.contains_id(o)),
            ObjState::Text(s) => origins_ok(&|o| s.contains_id(o)),
            ObjState::Map(_) => return Err("an insert into a Map".into()),
        };
        if let Some(m) = missing {
            return Err(format!("element {} does not exist", self.describe(m)));
        }
        if let InsertContent::Object(t) = content {
            if !matches!(self.object_state(obj), ObjState::List(_)) {
                return Err("an object inserted into a Text".into());
            }
            self.create_object(id, *t, obj, undo)?;
        }
        let ext_id = self.ext_obj(id);
        // Split borrows: the sequence is changed while the replica table orders ids.
        let Document { objects, replicas, .. } = self;
        let order = |a: u32, b: u32| replicas[a as usize].cmp(&replicas[b as usize]);
        let action = match content {
            InsertContent::Text(text) => {
                let ObjState::Text(s) = &mut Arc::make_mut(&mut objects[obj as usize]).state else {
                    return Err("text inserted into a List".into());
                };
                let index =
                    s.integrate(id, left, right, text.chars(), order).map_err(|e| format!("{e:?}"))?;
                PatchAction::SpliceText { index, text: text.clone() }
            }
            InsertContent::Values(values) => {
                let ObjState::List(s) = &mut Arc::make_mut(&mut objects[obj as usize]).state else {
                    return Err("values inserted into a Text".into());
                };
                let index = s
                    .integrate(id, left, right, values.iter().cloned().map(IValue::Scalar), order)
                    .map_err(|e| format!("{e:?}"))?;
                PatchAction::Insert { index, values: values.iter().cloned().map(Value::Scalar).collect() }
            }
            InsertContent::Object(t) => {
                let ObjState::List(s) = &mut Arc::make_mut(&mut objects[obj as usize]).state else {
                    unreachable!()
                };
                let index = s
                    .integrate(id, left, right, [IValue::Object(*t)], order)
                    .map_err(|e| format!("{e:?}"))?;
                PatchAction::Insert { index, values: vec![Value::Object(*t, ext_id)] }
            }
        };
        undo.push(Undo::SeqInsert { obj, id, len: width });
        patches.push(Patch { obj: ext, action });
        Ok(())
    }

    fn undo_one(&mut self, u: Undo) {
        match u {
            Undo::MapWrite { obj, added, removed } => {
                let ObjState::Map(entries) = &mut Arc::make_mut(&mut self.objects[obj as usize]).state else {
                    unreachable!()
                };
                if let Some(a) = added {
                    entries.retain(|e| e.id != a);
                }
                for e in removed {
                    let at = entries.partition_point(|x| (x.key, x.id) < (e.key, e.id));
                    entries.insert(at, e);
                }
            }
            Undo::SeqInsert { obj, id, len } => {
                match &mut Arc::make_mut(&mut self.objects[obj as usize]).state {
                    ObjState::List(s) => s.remove(id, len),
                    ObjState::Text(s) => s.remove(id, len),
                    ObjState::Map(_) => unreachable!(),
                }
            }
            Undo::SeqMark { obj, undo } => match &mut Arc::make_mut(&mut self.objects[obj as usize]).state {
                ObjState::List(s) => s.unmark(&undo),
                ObjState::Text(s) => s.unmark(&undo),
                ObjState::Map(_) => unreachable!(),
            },
            Undo::Increment { target, by } => {
                let e = self.increments.entry(target).or_insert(0);
                *e -= by;
                if *e == 0 {
                    self.increments.remove(&target);
                }
            }
            Undo::NewObject { id } => {
                let popped = self.objects.pop().expect("undo pops the newest object");
                debug_assert_eq!(popped.id, id);
                self.obj_index.remove(&id);
            }
        }
    }

    // ----- used by transactions -----

    pub(crate) fn undo_all(&mut self, undo: Vec<Undo>) {
        for u in undo.into_iter().rev() {
            self.undo_one(u);
        }
    }

    pub(crate) fn map_entries_for(&self, obj: u32, key: &str) -> Vec<OpId> {
        let ObjState::Map(entries) = self.object_state(obj) else { return Vec::new() };
        let Some(&k) = self.key_index.get(key) else { return Vec::new() };
        entries.iter().filter(|e| e.key == k).map(|e| e.id).collect()
    }

    pub(crate) fn map_winner_value(&self, obj: u32, key: &str) -> Option<(OpId, &IValue)> {
        let ObjState::Map(entries) = self.object_state(obj) else { return None };
        let k = *self.key_index.get(key)?;
        let (w, _) = Self::map_winner(&self.replicas, entries, k);
        let w = w?;
        entries.iter().find(|e| e.id == w).map(|e| (e.id, &e.value))
    }

    pub(crate) fn replica_index_of(&self, r: &ReplicaId) -> Option<u32> {
        self.replica_index.get(r).copied()
    }

    pub(crate) fn replica_table(&self) -> &[ReplicaId] {
        &self.replicas
    }

    /// The key under which the write `id` sits in map object `obj`, if it is still there.
    pub(crate) fn map_key_of(&self, obj: u32, id: OpId) -> Option<String> {
        let ObjState::Map(entries) = self.object_state(obj) else { return None };
        let e = entries.iter().find(|e| e.id == id)?;
        let (winner, _) = Self::map_winner(&self.replicas, entries, e.key);
        (winner == Some(id)).then(|| self.keys[e.key as usize].to_string())
    }

    pub(crate) fn commit_local(&mut self, change: Change, undo: &[Undo]) {
        self.max_op = self.max_op.max(change.end_op());
        let me = self.me;
        self.record_residue(change.ops(), undo);
        self.graph.push(change, me);
        self.settle_erasures();
    }

    /// Erases author and message from every change `pred` selects, keeping each change's hash
    /// valid. Returns how many changes were erased.
    pub fn erase_personal(&mut self, pred: impl FnMut(&Change) -> bool) -> usize {
        self.graph.erase_personal(pred)
    }

    /// The personal fields of the change with this hash.
    pub fn personal(&self, hash: &ChangeHash) -> Option<&Personal> {
        self.change(hash).map(Change::personal)
    }
}

impl Object {
    pub(crate) fn id_internal(&self) -> OpId {
        self.id
    }
}

impl ObjState {
    pub(crate) fn kind_pub(&self) -> ObjType {
        self.kind()
    }
}
