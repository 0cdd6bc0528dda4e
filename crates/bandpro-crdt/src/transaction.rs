//! Transactions: local edits that become one change.
//!
//! Every edit applies to the document at once (so the transaction reads its own writes) and is
//! recorded in an undo log. `commit` seals the edits as one change with author, message and
//! time; dropping the transaction or an error inside [`Document::transact`] undoes them all.

use std::collections::HashMap;

use crate::change::{Change, ChangeParts, InsertContent, ObjRef, Op, OpAction, OpValue, Personal, RefId};
use crate::doc::{Document, IValue, ObjState, ROOT_ID, Undo};
use crate::error::Error;
use crate::id::{ChangeHash, ObjId, OpId, ReplicaId};
use crate::patch::Patch;
use crate::value::{ObjType, Prop, ScalarValue};

/// What a committed transaction produced.
#[derive(Clone, Debug, PartialEq)]
pub struct Commit {
    /// The new change's hash, or `None` if the transaction made no edits.
    pub hash: Option<ChangeHash>,
    /// What the edits did, in order.
    pub patches: Vec<Patch>,
}

/// A batch of local edits; see the module docs.
pub struct Transaction<'a> {
    doc: &'a mut Document,
    deps: Vec<ChangeHash>,
    ops: Vec<Op>,
    /// Replica table of the change being built, and its inverse.
    table: Vec<ReplicaId>,
    table_doc: Vec<u32>,
    table_index: HashMap<u32, u32>,
    start_op: u32,
    next_op: u32,
    undo: Vec<Undo>,
    patches: Vec<Patch>,
    author: Option<String>,
    message: Option<String>,
    time: Option<i64>,
    done: bool,
}

impl Document {
    /// Starts a transaction.
    pub fn transaction(&mut self) -> Transaction<'_> {
        let deps = self.heads();
        let start_op = self.max_op + 1;
        let me = self.me();
        let mine = self.replica();
        Transaction {
            doc: self,
            deps,
            ops: Vec::new(),
            table: vec![mine],
            table_doc: vec![me],
            table_index: HashMap::from([(me, 0)]),
            start_op,
            next_op: start_op,
            undo: Vec::new(),
            patches: Vec::new(),
            author: None,
            message: None,
            time: None,
            done: false,
        }
    }

    /// Runs `f` in a transaction and commits it if `f` succeeds; if `f` fails, every edit it
    /// made is undone and its error returned.
    pub fn transact<T, E>(
        &mut self,
        f: impl FnOnce(&mut Transaction<'_>) -> Result<T, E>,
    ) -> Result<(T, Commit), E> {
        let mut tx = self.transaction();
        match f(&mut tx) {
            Ok(v) => Ok((v, tx.commit())),
            Err(e) => {
                tx.rollback();
                Err(e)
            }
        }
    }
}

impl Transaction<'_> {
    /// Who makes the change.
    pub fn set_author(&mut self, author: impl Into<String>) -> &mut Self {
        self.author = Some(author.into());
        self
    }

    /// Why.
    pub fn set_message(&mut self, message: impl Into<String>) -> &mut Self {
        self.message = Some(message.into());
        self
    }

    /// The change's wall time in milliseconds since the Unix epoch (default: now).
    pub fn set_time(&mut self, millis: i64) -> &mut Self {
        self.time = Some(millis);
        self
    }

    /// The document, with this transaction's edits so far.
    pub fn doc(&self) -> &Document {
        self.doc
    }

    pub(crate) fn ref_of(&mut self, id: OpId) -> RefId {
        let next = self.table.len() as u32;
        let replica = *self.table_index.entry(id.replica).or_insert(next);
        if replica == next {
            self.table.push(self.doc.replica_id(id.replica));
            self.table_doc.push(id.replica);
        }
        RefId { replica, counter: id.counter }
    }

    pub(crate) fn obj_ref(&mut self, obj: u32) -> ObjRef {
        let id = self.doc.object(obj).id_internal();
        if id == ROOT_ID { ObjRef::Root } else { ObjRef::Id(self.ref_of(id)) }
    }

    pub(crate) fn apply(&mut self, op: Op) -> Result<OpId, Error> {
        let width = op.width() as u32;
        let id = OpId::new(self.doc.me(), self.next_op);
        self.next_op = self.next_op.checked_add(width).ok_or(Error::Overflow("operation counter"))?;
        let table = self.table_doc.clone();
        if let Err(reason) = self.doc.apply_op(id, &op, &table, &mut self.undo, &mut self.patches) {
            // Local edits are checked before they are built; reaching this is a bug, but the
            // caller still gets an error rather than a half-applied op.
            self.next_op -= width;
            return Err(Error::InvalidOp { change: ChangeHash([0; 32]), op_index: self.ops.len(), reason });
        }
        self.ops.push(op);
        Ok(id)
    }

    fn expect(&self, obj: &ObjId, want: ObjType) -> Result<u32, Error> {
        let o = self.doc.obj_index_of(obj)?;
        let actual = self.doc.object_type(obj)?;
        if actual != want {
            let expected = match want {
                ObjType::Map => "map",
                ObjType::List => "list",
                ObjType::Text => "text",
            };
            return Err(Error::WrongObjectType { obj: *obj, actual, expected });
        }
        Ok(o)
    }

    fn put_value(&mut self, obj: &ObjId, key: &str, value: OpValue) -> Result<OpId, Error> {
        let o = self.expect(obj, ObjType::Map)?;
        let pred: Vec<RefId> =
            self.doc.map_entries_for(o, key).into_iter().map(|id| self.ref_of(id)).collect();
        let obj = self.obj_ref(o);
        self.apply(Op { obj, action: OpAction::Put { key: key.to_owned(), value, pred } })
    }

    /// Writes a scalar under `key` of a map.
    pub fn put(&mut self, obj: &ObjId, key: &str, value: impl Into<ScalarValue>) -> Result<(), Error> {
        self.put_value(obj, key, OpValue::Scalar(value.into())).map(|_| ())
    }

    /// Creates a new empty object under `key` of a map and returns its id.
    pub fn put_object(&mut self, obj: &ObjId, key: &str, kind: ObjType) -> Result<ObjId, Error> {
        let id = self.put_value(obj, key, OpValue::Object(kind))?;
        Ok(self.doc.ext_obj(id))
    }

    /// Removes `key` from a map (a no-op if it has no value).
    pub fn delete(&mut self, obj: &ObjId, key: &str) -> Result<(), Error> {
        let o = self.expect(obj, ObjType::Map)?;
        let pred: Vec<RefId> =
            self.doc.map_entries_for(o, key).into_iter().map(|id| self.ref_of(id)).collect();
        if pred.is_empty() {
            return Ok(());
        }
        let obj = self.obj_ref(o);
        self.apply(Op { obj, action: OpAction::DeleteKey { key: key.to_owned(), pred } }).map(|_| ())
    }

    fn seq_len(&self, o: u32) -> usize {
        match self.doc.object_state(o) {
            ObjState::List(s) => s.len(),
            ObjState::Text(s) => s.len(),
            ObjState::Map(_) => 0,
        }
    }

    fn origins(&mut self, o: u32, index: usize) -> (Option<RefId>, Option<RefId>) {
        let (l, r) = match self.doc.object_state(o) {
            ObjState::List(s) => s.origins_at(index),
            ObjState::Text(s) => s.origins_at(index),
            ObjState::Map(_) => (None, None),
        };
        (l.map(|l| self.ref_of(l)), r.map(|r| self.ref_of(r)))
    }

    fn check_index(&self, obj: &ObjId, o: u32, index: usize, inclusive: bool) -> Result<(), Error> {
        let len = self.seq_len(o);
        if index > len || (!inclusive && index == len) {
            return Err(Error::IndexOutOfBounds { obj: *obj, index, len });
        }
        Ok(())
    }

    fn insert_content(
        &mut self,
        obj: &ObjId,
        o: u32,
        index: usize,
        content: InsertContent,
    ) -> Result<OpId, Error> {
        self.check_index(obj, o, index, true)?;
        let (left, right) = self.origins(o, index);
        let obj = self.obj_ref(o);
        self.apply(Op { obj, action: OpAction::Insert { left, right, content } })
    }

    /// Inserts a scalar into a list at `index` (0 to its length).
    pub fn insert(&mut self, obj: &ObjId, index: usize, value: impl Into<ScalarValue>) -> Result<(), Error> {
        let o = self.expect(obj, ObjType::List)?;
        self.insert_content(obj, o, index, InsertContent::Values(vec![value.into()])).map(|_| ())
    }

    /// Inserts several scalars into a list at `index`, as one op.
    pub fn insert_many(&mut self, obj: &ObjId, index: usize, values: Vec<ScalarValue>) -> Result<(), Error> {
        let o = self.expect(obj, ObjType::List)?;
        if values.is_empty() {
            return self.check_index(obj, o, index, true);
        }
        self.insert_content(obj, o, index, InsertContent::Values(values)).map(|_| ())
    }

    /// Inserts a new empty object into a list at `index` and returns its id.
    pub fn insert_object(&mut self, obj: &ObjId, index: usize, kind: ObjType) -> Result<ObjId, Error> {
        let o = self.expect(obj, ObjType::List)?;
        let id = self.insert_content(obj, o, index, InsertContent::Object(kind))?;
        Ok(self.doc.ext_obj(id))
    }

    fn delete_range(&mut self, obj: &ObjId, o: u32, index: usize, len: usize) -> Result<(), Error> {
        if len == 0 {
            return self.check_index(obj, o, index, true);
        }
        let total = self.seq_len(o);
        if index.checked_add(len).is_none_or(|end| end > total) {
            return Err(Error::IndexOutOfBounds { obj: *obj, index: index.saturating_add(len), len: total });
        }
        let spans = match self.doc.object_state(o) {
            ObjState::List(s) => s.spans_at(index, len),
            ObjState::Text(s) => s.spans_at(index, len),
            ObjState::Map(_) => Vec::new(),
        };
        let obj_ref = self.obj_ref(o);
        for (id, n) in spans {
            let target = self.ref_of(id);
            self.apply(Op { obj: obj_ref, action: OpAction::Delete { target, len: n } })?;
        }
        Ok(())
    }

    /// Removes `len` elements of a list starting at `index`.
    pub fn remove(&mut self, obj: &ObjId, index: usize, len: usize) -> Result<(), Error> {
        let o = self.expect(obj, ObjType::List)?;
        self.delete_range(obj, o, index, len)
    }

    /// Replaces `delete` characters of a text at `index` with `text` (positions in unicode
    /// scalar values).
    pub fn splice_text(&mut self, obj: &ObjId, index: usize, delete: usize, text: &str) -> Result<(), Error> {
        let o = self.expect(obj, ObjType::Text)?;
        self.delete_range(obj, o, index, delete)?;
        if !text.is_empty() {
            self.insert_content(obj, o, index, InsertContent::Text(text.to_owned()))?;
        }
        Ok(())
    }

    /// Adds `by` to the counter at `prop` (a map key or a list index).
    pub fn increment(&mut self, obj: &ObjId, prop: impl Into<Prop>, by: i64) -> Result<(), Error> {
        let prop = prop.into();
        let o = self.doc.obj_index_of(obj)?;
        let target = match (self.doc.object_state(o), &prop) {
            (ObjState::Map(_), Prop::Key(k)) => match self.doc.map_winner_value(o, k) {
                Some((id, IValue::Scalar(ScalarValue::Counter(_)))) => id,
                _ => return Err(Error::NotACounter { obj: *obj, prop }),
            },
            (ObjState::List(s), Prop::Index(i)) => match s.get(*i) {
                Some((id, IValue::Scalar(ScalarValue::Counter(_)))) => id,
                Some(_) => return Err(Error::NotACounter { obj: *obj, prop }),
                None => return Err(Error::IndexOutOfBounds { obj: *obj, index: *i, len: s.len() }),
            },
            (state, _) => {
                return Err(Error::WrongObjectType {
                    obj: *obj,
                    actual: state.kind_pub(),
                    expected: "map with a key or list with an index",
                });
            }
        };
        let target = self.ref_of(target);
        let obj_ref = self.obj_ref(o);
        self.apply(Op { obj: obj_ref, action: OpAction::Increment { target, by } }).map(|_| ())
    }

    /// Seals the edits as one change. A transaction with no edits makes no change.
    pub fn commit(self) -> Commit {
        self.seal(false)
    }

    /// Seals the edits as one change even if there are none: a merge commit, whose deps are
    /// the heads it joins and whose message says why.
    pub fn commit_always(self) -> Commit {
        self.seal(true)
    }

    fn seal(mut self, always: bool) -> Commit {
        self.done = true;
        let patches = std::mem::take(&mut self.patches);
        if self.ops.is_empty() && !always {
            return Commit { hash: None, patches };
        }
        let time = self.time.unwrap_or_else(now_millis);
        let parts = ChangeParts {
            deps: std::mem::take(&mut self.deps),
            replicas: std::mem::take(&mut self.table),
            start_op: self.start_op,
            time,
            personal: Personal::new(self.author.take(), self.message.take()),
            ops: std::mem::take(&mut self.ops),
        };
        // Every op was built by this transaction from valid ids, and `apply` refused counter
        // overflow, so the change is valid by construction.
        let change: Change = parts.build_trusted();
        let hash = change.hash();
        let undo = std::mem::take(&mut self.undo);
        self.doc.commit_local(change, &undo);
        Commit { hash: Some(hash), patches }
    }

    /// Undoes every edit of the transaction.
    pub fn rollback(mut self) {
        self.undo_edits();
    }

    fn undo_edits(&mut self) {
        self.done = true;
        let undo = std::mem::take(&mut self.undo);
        self.doc.undo_all(undo);
        self.ops.clear();
        self.patches.clear();
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.undo_edits();
        }
    }
}

fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
