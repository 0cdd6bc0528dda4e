//! Reverting a change: a new change whose ops undo an old one's effects, without clobbering
//! what others did since.
//!
//! - A key write is undone only if it is still a current value of its key: the previous value
//!   comes back (a scalar), or the key is removed if it had none. A later write by anyone wins.
//! - An insert is undone by deleting whatever of it is still visible.
//! - A delete is undone by restoring the same elements (same ids), unless someone deleted or
//!   restored them again since.
//! - An increment is undone by the opposite increment.
//!
//! A key write whose previous value was a nested object cannot relink that object (objects are
//! bound to the op that created them); such a write is left as it is and counted in
//! [`Reverted::skipped`].

use crate::change::{ObjRef, Op, OpAction, OpValue};
use crate::doc::{Document, ObjState, ROOT_ID};
use crate::error::Error;
use crate::id::{ChangeHash, ObjId, OpId};
use crate::transaction::Transaction;
use crate::value::{ObjType, ScalarValue, Value};

/// What a revert did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reverted {
    /// Ops of the old change that were undone.
    pub undone: usize,
    /// Ops with nothing left to undo (overwritten or deleted since by someone else).
    pub superseded: usize,
    /// Ops that cannot be undone (see the module docs).
    pub skipped: usize,
}

impl Document {
    /// The value an op wrote, looked up in history: `Some(Ok(scalar))`, `Some(Err(type))` for a
    /// nested object, `None` if the op is not a key write.
    fn written_value(&self, id: OpId) -> Option<Result<ScalarValue, ObjType>> {
        let chain = self.graph.by_replica.get(id.replica as usize)?;
        let pos = chain.partition_point(|&i| self.graph.node(i).end_op < id.counter);
        let node = self.graph.node(*chain.get(pos)?);
        if node.start_op > id.counter {
            return None;
        }
        let mut counter = node.start_op;
        for op in node.change().ops() {
            if counter == id.counter {
                return match &op.action {
                    OpAction::Put { value: OpValue::Scalar(s), .. } => Some(Ok(s.clone())),
                    OpAction::Put { value: OpValue::Object(t), .. } => Some(Err(*t)),
                    _ => None,
                };
            }
            counter += op.width() as u32;
        }
        None
    }
}

impl Transaction<'_> {
    /// Adds to this transaction the ops that undo change `hash`; see the module docs.
    pub fn revert(&mut self, hash: &ChangeHash) -> Result<Reverted, Error> {
        let change = self.doc().change(hash).ok_or(Error::UnknownChange(*hash))?.clone();
        let doc = self.doc();
        let table: Vec<u32> = change
            .replicas()
            .iter()
            .map(|r| doc.replica_index_of(r).expect("an applied change's replicas are interned"))
            .collect();
        let map = |r: crate::change::RefId| OpId::new(table[r.replica as usize], r.counter);
        let mut ops: Vec<(OpId, Op)> = Vec::new();
        let mut counter = change.start_op();
        for op in change.ops() {
            ops.push((OpId::new(table[0], counter), op.clone()));
            counter += op.width() as u32;
        }
        let mut out = Reverted::default();
        for (id, op) in ops.into_iter().rev() {
            let obj_id = match op.obj {
                ObjRef::Root => ROOT_ID,
                ObjRef::Id(r) => map(r),
            };
            let obj = self.doc().ext_obj(obj_id);
            if self.doc().obj_index_of(&obj).is_err() {
                out.superseded += 1;
                continue;
            }
            let done = match &op.action {
                OpAction::Put { key, pred, .. } => {
                    self.revert_write(&obj, key, Some(id), pred.iter().map(|p| map(*p)).collect())?
                }
                OpAction::DeleteKey { key, pred } => {
                    self.revert_write(&obj, key, None, pred.iter().map(|p| map(*p)).collect())?
                }
                OpAction::Increment { target, by } => {
                    let target = map(*target);
                    let prop = self.counter_prop(&obj, target)?;
                    match prop {
                        Some(p) => {
                            self.increment(&obj, p, -by)?;
                            Step::Done
                        }
                        None => Step::Superseded,
                    }
                }
                OpAction::Insert { content, .. } => self.revert_insert(&obj, id, content.len() as u32)?,
                OpAction::Delete { target, len } => self.revert_mark(&obj, map(*target), *len, id, false)?,
                OpAction::Restore { target, len } => self.revert_mark(&obj, map(*target), *len, id, true)?,
            };
            match done {
                Step::Done => out.undone += 1,
                Step::Superseded => out.superseded += 1,
                Step::Skipped => out.skipped += 1,
            }
        }
        Ok(out)
    }

    fn counter_prop(&self, obj: &ObjId, target: OpId) -> Result<Option<crate::value::Prop>, Error> {
        let o = self.doc().obj_index_of(obj)?;
        Ok(match self.doc().object_state(o) {
            ObjState::Map(_) => self.doc().map_key_of(o, target).map(crate::value::Prop::Key),
            ObjState::List(s) => match s.position_of(target) {
                Some((false, i)) => Some(crate::value::Prop::Index(i)),
                _ => None,
            },
            ObjState::Text(_) => None,
        })
    }

    fn revert_write(
        &mut self,
        obj: &ObjId,
        key: &str,
        written: Option<OpId>,
        pred: Vec<OpId>,
    ) -> Result<Step, Error> {
        let o = self.doc().obj_index_of(obj)?;
        let current = self.doc().map_entries_for(o, key);
        match written {
            // A put: undo it only while the key still shows what it wrote. Comparing values,
            // not op ids, lets an undo follow a redo (which writes the value again, as a new op).
            Some(id) => {
                let still = match (self.doc().written_value(id), self.doc().map_winner_value(o, key)) {
                    (Some(Ok(v)), Some((_, crate::doc::IValue::Scalar(now)))) => *now == v,
                    (Some(Err(_)), Some((w, _))) => w == id,
                    _ => false,
                };
                if !still {
                    return Ok(Step::Superseded);
                }
            }
            // A delete: undo it only if nobody wrote the key since.
            None if !current.is_empty() => return Ok(Step::Superseded),
            None => {}
        }
        let replicas = self.doc().replica_table();
        let previous = pred.iter().copied().max_by(|a, b| Document::cmp_ids(replicas, *a, *b));
        match previous.map(|p| self.doc().written_value(p)) {
            None => {
                self.delete(obj, key)?;
                Ok(Step::Done)
            }
            Some(Some(Ok(value))) => {
                self.put(obj, key, value)?;
                Ok(Step::Done)
            }
            Some(_) => Ok(Step::Skipped),
        }
    }

    fn revert_insert(&mut self, obj: &ObjId, id: OpId, len: u32) -> Result<Step, Error> {
        let o = self.doc().obj_index_of(obj)?;
        let mut indices = Vec::new();
        for k in 0..len {
            let pos = match self.doc().object_state(o) {
                ObjState::List(s) => s.position_of(id.offset(k)),
                ObjState::Text(s) => s.position_of(id.offset(k)),
                ObjState::Map(_) => None,
            };
            if let Some((false, i)) = pos {
                indices.push(i);
            }
        }
        if indices.is_empty() {
            return Ok(Step::Superseded);
        }
        // Delete from the back so earlier indices stay valid.
        for i in indices.into_iter().rev() {
            match self.doc().object_type(obj)? {
                ObjType::Text => self.splice_text(obj, i, 1, "")?,
                _ => self.remove(obj, i, 1)?,
            }
        }
        Ok(Step::Done)
    }

    /// Undoes a delete (or a restore, `was_restore`) op `op`: the elements it still governs
    /// (their latest delete/restore is `op`) get the opposite op.
    fn revert_mark(
        &mut self,
        obj: &ObjId,
        target: OpId,
        len: u32,
        op: OpId,
        was_restore: bool,
    ) -> Result<Step, Error> {
        let o = self.doc().obj_index_of(obj)?;
        // Consecutive ids still governed by `op`, as spans.
        let mut spans: Vec<(OpId, u32)> = Vec::new();
        for k in 0..len {
            let id = target.offset(k);
            let mark = match self.doc().object_state(o) {
                ObjState::List(s) => s.mark_of(id),
                ObjState::Text(s) => s.mark_of(id),
                ObjState::Map(_) => None,
            };
            if mark.is_some_and(|(_, m)| m == Some(op)) {
                match spans.last_mut() {
                    Some((start, n)) if start.offset(*n) == id => *n += 1,
                    _ => spans.push((id, 1)),
                }
            }
        }
        if spans.is_empty() {
            return Ok(Step::Superseded);
        }
        let obj_ref = self.obj_ref(o);
        for (start, n) in spans {
            let target = self.ref_of(start);
            let action = if was_restore {
                OpAction::Delete { target, len: n }
            } else {
                OpAction::Restore { target, len: n }
            };
            self.apply(Op { obj: obj_ref, action })?;
        }
        Ok(Step::Done)
    }

    /// Copies the visible content of object `src` into the empty object `dst`, deeply.
    pub fn copy_object(&mut self, src: &ObjId, dst: &ObjId) -> Result<(), Error> {
        match self.doc().object_type(src)? {
            ObjType::Map => {
                let mut entries = Vec::new();
                self.doc().for_each_entry(src, |k, v| entries.push((k.to_owned(), v)))?;
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                for (k, v) in entries {
                    match v {
                        Value::Scalar(s) => self.put(dst, &k, s)?,
                        Value::Object(t, child) => {
                            let c = self.put_object(dst, &k, t)?;
                            self.copy_object(&child, &c)?;
                        }
                    }
                }
            }
            ObjType::List => {
                for (i, v) in self.doc().list(src)?.into_iter().enumerate() {
                    match v {
                        Value::Scalar(s) => self.insert(dst, i, s)?,
                        Value::Object(t, child) => {
                            let c = self.insert_object(dst, i, t)?;
                            self.copy_object(&child, &c)?;
                        }
                    }
                }
            }
            ObjType::Text => {
                let text = self.doc().text(src)?;
                self.splice_text(dst, 0, 0, &text)?;
            }
        }
        Ok(())
    }
}

enum Step {
    Done,
    Superseded,
    Skipped,
}
