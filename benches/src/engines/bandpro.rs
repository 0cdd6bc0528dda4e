//! BandPro's own engine, `bandpro-crdt`.

use bandpro_crdt::{Change, ChangeHash, Document, ObjId, ObjType, ROOT, ReplicaId, Value};

use crate::trace::Patch;
use crate::workload::{ListEngine, Note, ScoreEngine, TextEngine};

/// A document and the object the workload edits.
#[derive(Clone, Debug)]
pub struct Bandpro {
    /// The document.
    pub doc: Document,
    /// The text or list the workload edits.
    pub obj: ObjId,
}

fn new_doc(replica: u128, key: &str, kind: ObjType) -> Bandpro {
    let mut doc = Document::with_replica(ReplicaId::from_u128(replica));
    let mut tx = doc.transaction();
    let obj = tx.put_object(&ROOT, key, kind).expect("root is a map");
    tx.commit();
    Bandpro { doc, obj }
}

fn splice_all(doc: &mut Document, text: &ObjId, patches: &[Patch]) -> Option<ChangeHash> {
    let mut tx = doc.transaction();
    for p in patches {
        tx.splice_text(text, p.pos, p.del, &p.insert).expect("trace patch in bounds");
    }
    tx.commit().hash
}

impl TextEngine for Bandpro {
    type Update = Change;

    fn create(start: &str) -> Self {
        let mut b = new_doc(1, "text", ObjType::Text);
        if !start.is_empty() {
            let text = b.obj;
            b.doc.transact(|tx| tx.splice_text(&text, 0, 0, start)).expect("empty text");
        }
        b
    }

    fn fork(&self, agent: u64) -> Self {
        Bandpro { doc: self.doc.fork_as(ReplicaId::from_u128(1000 + u128::from(agent))), obj: self.obj }
    }

    fn edit(&mut self, patches: &[Patch]) {
        splice_all(&mut self.doc, &self.obj, patches);
    }

    fn edit_and_export(&mut self, patches: &[Patch]) -> Change {
        let hash = splice_all(&mut self.doc, &self.obj, patches).expect("a trace txn edits");
        self.doc.change(&hash).expect("just committed").clone()
    }

    fn import(&mut self, updates: &[&Change]) {
        self.doc.apply_changes(updates.iter().map(|c| (*c).clone())).expect("valid changes");
        assert!(self.doc.pending_changes().is_empty(), "every dep was sent first");
    }

    fn text(&self) -> String {
        self.doc.text(&self.obj).expect("a text")
    }
}

impl ScoreEngine for Bandpro {
    fn create() -> Self {
        new_doc(1, "notes", ObjType::List)
    }

    fn append(&mut self, index: usize, note: Note) {
        let mut tx = self.doc.transaction();
        let m = tx.insert_object(&self.obj, index, ObjType::Map).expect("index in bounds");
        tx.put(&m, "pitch", note.pitch).expect("a map");
        tx.put(&m, "dur_num", note.dur_num).expect("a map");
        tx.put(&m, "dur_den", note.dur_den).expect("a map");
        tx.put(&m, "voice", note.voice).expect("a map");
        tx.commit();
    }

    fn set_pitch(&mut self, index: usize, pitch: i64) {
        let m = self.doc.get(&self.obj, index).expect("a list").and_then(|v| v.as_object()).expect("a note");
        let mut tx = self.doc.transaction();
        tx.put(&m, "pitch", pitch).expect("a map");
        tx.commit();
    }

    fn pitches(&self) -> Vec<i64> {
        let notes = self.doc.list(&self.obj).expect("a list");
        notes
            .iter()
            .map(|n| {
                let m = n.as_object().expect("a note");
                self.doc.get(&m, "pitch").expect("a map").and_then(|v| v.as_int()).expect("a pitch")
            })
            .collect()
    }
}

impl ListEngine for Bandpro {
    type Version = Vec<ChangeHash>;

    fn create(values: &[i64]) -> Self {
        let mut b = new_doc(1, "list", ObjType::List);
        let list = b.obj;
        let mut tx = b.doc.transaction();
        for (i, v) in values.iter().enumerate() {
            tx.insert(&list, i, *v).expect("in bounds");
        }
        tx.commit();
        b
    }

    fn fork(&self, replica: u64) -> Self {
        Bandpro { doc: self.doc.fork_as(ReplicaId::from_u128(u128::from(replica))), obj: self.obj }
    }

    fn version(&self) -> Vec<ChangeHash> {
        self.doc.heads()
    }

    fn insert(&mut self, index: usize, value: i64) {
        let list = self.obj;
        self.doc.transact(|tx| tx.insert(&list, index, value)).expect("in bounds");
    }

    fn remove(&mut self, index: usize) {
        let list = self.obj;
        self.doc.transact(|tx| tx.remove(&list, index, 1)).expect("in bounds");
    }

    fn export_since(&self, since: &Vec<ChangeHash>) -> Vec<Vec<u8>> {
        self.doc.changes_since(since).into_iter().map(Change::encode).collect()
    }

    fn import(&mut self, changes: &[Vec<u8>]) {
        let decoded: Vec<Change> =
            changes.iter().map(|b| Change::decode(b).expect("a valid change")).collect();
        self.doc.apply_changes(decoded).expect("valid changes");
    }

    fn values(&self) -> Vec<i64> {
        self.doc.list(&self.obj).expect("a list").iter().map(|v| Value::as_int(v).expect("an int")).collect()
    }
}
