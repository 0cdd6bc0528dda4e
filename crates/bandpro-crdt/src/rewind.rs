//! Moving a document to another version in place: taking changes back off the top of its log
//! and applying the ones the target has, instead of replaying the whole history into a new
//! document.
//!
//! A change's ops say almost everything needed to take it back (what it inserted, which object
//! it created, what it added to a counter). What they do not say is what a write overwrote and
//! what a delete or restore found: that depends on the state the change met. A document with
//! rewinding enabled keeps exactly that, the *residue* of each change, as it applies it. For an
//! insert-only change the residue is empty, so a score built note by note costs nothing extra;
//! an edit that changes a pitch keeps the one overwritten value.
//!
//! Changes are taken back strictly in the reverse of the order they were applied, so each one
//! meets exactly the state it produced, and the residue undoes it exactly.

use std::sync::Arc;

use crate::change::{Change, InsertContent, ObjRef, Op, OpAction, OpValue};
use crate::doc::{Document, MapEntry, ObjState, ROOT_ID, Undo};
use crate::error::Error;
use crate::id::{ChangeHash, OpId, ReplicaId};
use crate::patch::{Patch, PatchAction};
use crate::value::Prop;

/// The delete/restore states a mark op replaced: `(first id, length, was deleted, previous
/// mark)` per span, as `Seq::mark` reports them.
pub(crate) type Marks = Vec<(OpId, u32, bool, Option<OpId>)>;

/// What one op of a change overwrote.
#[derive(Clone, Debug)]
pub(crate) enum Residue {
    /// The map entries a write or key delete removed.
    Map(Vec<MapEntry>),
    /// The element states a delete or restore replaced.
    Marks(Marks),
}

/// The residues of the changes applied since rewinding was enabled, one record per graph node
/// from `floor` on.
#[derive(Clone, Debug, Default)]
pub(crate) struct History {
    pub(crate) enabled: bool,
    pub(crate) floor: usize,
    /// Per node: `(op index, residue)` for the ops that overwrote something.
    pub(crate) records: Vec<Box<[(u32, Residue)]>>,
}

/// The residue of a change from the undo steps its ops recorded, in op order. Each op records a
/// fixed pattern of steps (see `Document::apply_op`): a write or an object insert first records
/// the new object, then its own step.
pub(crate) fn residue_of(ops: &[Op], undo: &[Undo]) -> Box<[(u32, Residue)]> {
    let mut out = Vec::new();
    let mut steps = undo.iter();
    for (i, op) in ops.iter().enumerate() {
        let creates = matches!(
            &op.action,
            OpAction::Put { value: OpValue::Object(_), .. }
                | OpAction::Insert { content: InsertContent::Object(_), .. }
        );
        if creates {
            steps.next();
        }
        match steps.next() {
            Some(Undo::MapWrite { removed, .. }) if !removed.is_empty() => {
                out.push((i as u32, Residue::Map(removed.clone())))
            }
            Some(Undo::SeqMark { undo, .. }) if !undo.is_empty() => {
                out.push((i as u32, Residue::Marks(undo.clone())))
            }
            _ => {}
        }
    }
    out.into_boxed_slice()
}

impl History {
    fn push(&mut self, record: Box<[(u32, Residue)]>) {
        if self.enabled {
            self.records.push(record);
        }
    }
}

impl Document {
    /// Keeps, from now on, what each applied change overwrote, so that
    /// [`Document::checkout_from`] can move this document to an earlier or a sibling version
    /// without replaying history. Costs memory only for overwrites (a changed value keeps the
    /// old one), not for inserts.
    pub fn enable_rewind(&mut self) {
        if !self.history.enabled {
            self.history = History { enabled: true, floor: self.graph.len(), records: Vec::new() };
        }
    }

    /// Records the residue of the change just pushed onto the graph.
    pub(crate) fn record_residue(&mut self, ops: &[Op], undo: &[Undo]) {
        if self.history.enabled {
            let record = residue_of(ops, undo);
            self.history.push(record);
        }
    }

    /// Forgets the records of nodes that a rollback removed.
    pub(crate) fn truncate_history(&mut self) {
        let keep = self.graph.len().saturating_sub(self.history.floor);
        self.history.records.truncate(keep);
        if self.graph.len() < self.history.floor {
            self.history.floor = self.graph.len();
        }
    }

    /// Moves this document to version `heads` of `source` (a document that holds every change
    /// of this one, such as a repository's full log), editing as `replica` from then on.
    ///
    /// With rewinding enabled ([`Document::enable_rewind`]) and the way back covered by it,
    /// this takes back the changes `heads` lacks, newest first, then applies the ones it has
    /// and this document lacks, and returns the patches that turn the old state into the new
    /// one. Otherwise (or when this document is empty) it rebuilds the document from `source`,
    /// keeping rewinding enabled if it was, and returns `None`: every object should then be
    /// read again.
    pub fn checkout_from(
        &mut self,
        source: &Document,
        heads: &[ChangeHash],
        replica: ReplicaId,
    ) -> Result<Option<Vec<Patch>>, Error> {
        let target = source.graph.resolve(heads)?;
        let wanted = source.graph.ancestors(&target);
        let in_target = |h: &ChangeHash| source.graph.index_of(h).is_some_and(|j| wanted[j as usize]);
        let keep = self.graph.nodes.iter().position(|n| !in_target(&n.hash)).unwrap_or(self.graph.len());
        let covered = self.history.enabled && keep >= self.history.floor && self.pending_changes().is_empty();
        // From nothing, replaying without patches is cheaper than applying with them.
        if !covered || self.graph.len() == 0 {
            *self = source.replay_at(heads, replica, self.history.enabled)?;
            return Ok(None);
        }
        let mut patches = Vec::new();
        self.rewind_to(keep, &mut patches);
        let missing: Vec<Change> = source
            .graph
            .nodes
            .iter()
            .enumerate()
            .filter(|(j, n)| wanted[*j] && !self.graph.contains(&n.hash))
            .map(|(_, n)| n.change().clone())
            .collect();
        match self.apply_changes(missing) {
            Ok(more) => patches.extend(more),
            // The source's changes were all applied there once; should one still not apply
            // here, the move is finished by a replay rather than left halfway.
            Err(_) => {
                *self = source.replay_at(heads, replica, true)?;
                return Ok(None);
            }
        }
        self.me = self.intern_replica(replica);
        Ok(Some(patches))
    }

    /// Takes back every change from graph node `keep` on, newest first.
    fn rewind_to(&mut self, keep: usize, patches: &mut Vec<Patch>) {
        for i in (keep..self.graph.len()).rev() {
            let change = self.graph.nodes[i].change().clone();
            let record = self.history.records.pop().unwrap_or_default();
            self.take_back(&change, &record, patches);
        }
        self.graph.truncate(keep);
        self.max_op = self.graph.nodes.iter().map(|n| n.end_op).max().unwrap_or(0);
    }

    /// Undoes one change, the newest, with the patches that say so.
    fn take_back(&mut self, change: &Change, record: &[(u32, Residue)], patches: &mut Vec<Patch>) {
        let r = self.replica_index_of(&change.replica()).expect("an applied change's replica is interned");
        let table: Vec<u32> = change
            .replicas()
            .iter()
            .map(|x| self.replica_index_of(x).expect("an applied change's replicas are interned"))
            .collect();
        let mut counters = Vec::with_capacity(change.ops().len());
        let mut next = change.start_op();
        for op in change.ops() {
            counters.push(next);
            next += op.width() as u32;
        }
        let residue = |i: usize| record.iter().find(|(k, _)| *k as usize == i).map(|(_, r)| r);
        for (i, op) in change.ops().iter().enumerate().rev() {
            let id = OpId::new(r, counters[i]);
            let obj_id = match op.obj {
                ObjRef::Root => ROOT_ID,
                ObjRef::Id(x) => OpId::new(table[x.replica as usize], x.counter),
            };
            let obj = self.obj_index[&obj_id];
            let removed = || match residue(i) {
                Some(Residue::Map(m)) => m.clone(),
                _ => Vec::new(),
            };
            match &op.action {
                OpAction::Put { key, value, .. } => {
                    self.take_back_write(obj, key, Some(id), removed(), patches);
                    if matches!(value, OpValue::Object(_)) {
                        self.drop_newest_object(id);
                    }
                }
                OpAction::DeleteKey { key, .. } => self.take_back_write(obj, key, None, removed(), patches),
                OpAction::Increment { target, by } => {
                    let target = OpId::new(table[target.replica as usize], target.counter);
                    self.take_back_increment(obj, target, *by, patches);
                }
                OpAction::Insert { content, .. } => {
                    self.take_back_insert(obj, id, content.len() as u32, patches);
                    if matches!(content, InsertContent::Object(_)) {
                        self.drop_newest_object(id);
                    }
                }
                OpAction::Delete { .. } | OpAction::Restore { .. } => {
                    if let Some(Residue::Marks(m)) = residue(i) {
                        self.take_back_marks(obj, m, patches);
                    }
                }
            }
        }
    }

    fn drop_newest_object(&mut self, id: OpId) {
        let popped = self.objects.pop().expect("the newest object is the one taken back");
        debug_assert_eq!(popped.id, id);
        self.obj_index.remove(&id);
    }

    fn take_back_write(
        &mut self,
        obj: u32,
        key: &str,
        added: Option<OpId>,
        removed: Vec<MapEntry>,
        patches: &mut Vec<Patch>,
    ) {
        let Some(&k) = self.key_index.get(key) else { return };
        let before = self.map_winner_of(obj, k);
        let ObjState::Map(entries) = &mut Arc::make_mut(&mut self.objects[obj as usize]).state else {
            return;
        };
        if let Some(a) = added {
            entries.retain(|e| e.id != a);
        }
        for e in removed {
            let at = entries.partition_point(|x| (x.key, x.id) < (e.key, e.id));
            entries.insert(at, e);
        }
        let after = self.map_winner_of(obj, k);
        if before != after {
            let ext = self.ext_obj(self.objects[obj as usize].id);
            let key = key.to_owned();
            let action = match after.0 {
                Some(w) => {
                    let ObjState::Map(entries) = &self.objects[obj as usize].state else { unreachable!() };
                    let e = entries.iter().find(|e| e.id == w).expect("the winner is an entry");
                    PatchAction::PutMap { key, value: self.ext_value(w, &e.value), conflict: after.1 }
                }
                None => PatchAction::DeleteMap { key },
            };
            patches.push(Patch { obj: ext, action });
        }
    }

    fn take_back_increment(&mut self, obj: u32, target: OpId, by: i64, patches: &mut Vec<Patch>) {
        let e = self.increments.entry(target).or_insert(0);
        *e = e.wrapping_sub(by);
        if *e == 0 {
            self.increments.remove(&target);
        }
        let prop = match &self.objects[obj as usize].state {
            ObjState::Map(entries) => entries.iter().find(|e| e.id == target).and_then(|e| {
                let (winner, _) = self.map_winner_of(obj, e.key);
                (winner == Some(target)).then(|| Prop::Key(self.keys[e.key as usize].to_string()))
            }),
            ObjState::List(s) => s.get_by_id(target).and_then(|(i, _)| i).map(Prop::Index),
            ObjState::Text(_) => None,
        };
        if let Some(prop) = prop {
            let ext = self.ext_obj(self.objects[obj as usize].id);
            patches.push(Patch { obj: ext, action: PatchAction::Increment { prop, by: by.wrapping_neg() } });
        }
    }

    fn take_back_insert(&mut self, obj: u32, id: OpId, len: u32, patches: &mut Vec<Patch>) {
        let ext = self.ext_obj(self.objects[obj as usize].id);
        let at = match &mut Arc::make_mut(&mut self.objects[obj as usize]).state {
            ObjState::List(s) => {
                let at = s.position_of(id);
                s.remove(id, len);
                at
            }
            ObjState::Text(s) => {
                let at = s.position_of(id);
                s.remove(id, len);
                at
            }
            ObjState::Map(_) => None,
        };
        // Everything after this insert is taken back already, so its elements are visible
        // and together.
        if let Some((false, index)) = at {
            patches.push(Patch { obj: ext, action: PatchAction::DeleteSeq { index, len: len as usize } });
        }
    }

    fn take_back_marks(&mut self, obj: u32, marks: &Marks, patches: &mut Vec<Patch>) {
        let ext = self.ext_obj(self.objects[obj as usize].id);
        for &span in marks.iter().rev() {
            let (id, len, was_deleted, _) = span;
            let now = match &mut Arc::make_mut(&mut self.objects[obj as usize]).state {
                ObjState::List(s) => {
                    let now = s.position_of(id);
                    s.unmark(&[span]);
                    now
                }
                ObjState::Text(s) => {
                    let now = s.position_of(id);
                    s.unmark(&[span]);
                    now
                }
                ObjState::Map(_) => None,
            };
            let Some((deleted_now, before)) = now else { continue };
            if deleted_now == was_deleted {
                continue;
            }
            if was_deleted {
                patches.push(Patch {
                    obj: ext,
                    action: PatchAction::DeleteSeq { index: before, len: len as usize },
                });
                continue;
            }
            let action = match &self.objects[obj as usize].state {
                ObjState::List(s) => {
                    let Some((_, index)) = s.position_of(id) else { continue };
                    let values = (index..index + len as usize)
                        .filter_map(|i| s.get(i).map(|(eid, v)| self.ext_value(eid, v)))
                        .collect();
                    PatchAction::Insert { index, values }
                }
                ObjState::Text(s) => {
                    let Some((_, index)) = s.position_of(id) else { continue };
                    let text =
                        (index..index + len as usize).filter_map(|i| s.get(i).map(|(_, c)| *c)).collect();
                    PatchAction::SpliceText { index, text }
                }
                ObjState::Map(_) => continue,
            };
            patches.push(Patch { obj: ext, action });
        }
    }

    fn map_winner_of(&self, obj: u32, key: u32) -> (Option<OpId>, bool) {
        match &self.objects[obj as usize].state {
            ObjState::Map(entries) => Self::map_winner(&self.replicas, entries, key),
            _ => (None, false),
        }
    }
}
