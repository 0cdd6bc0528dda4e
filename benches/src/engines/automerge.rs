//! Automerge (`automerge` crate, the Rust core of automerge.js).

use ::automerge::transaction::Transactable;
use ::automerge::{
    ActorId, Automerge, Change, ChangeHash, ObjId, ObjType, ROOT, ReadDoc, ScalarValueRef, ValueRef,
};

use crate::trace::Patch;
use crate::workload::{ListEngine, Note, Persist, ScoreEngine, TextEngine};

/// A document and the object the workload edits.
#[derive(Clone, Debug)]
pub struct AutomergeDoc {
    /// The document.
    pub doc: Automerge,
    /// The text or list the workload edits.
    pub obj: ObjId,
}

fn actor(n: u64) -> ActorId {
    ActorId::from(n.to_be_bytes())
}

fn new_doc(key: &str, kind: ObjType) -> AutomergeDoc {
    let mut doc = Automerge::new().with_actor(actor(1));
    let mut tx = doc.transaction();
    let obj = tx.put_object(ROOT, key, kind).expect("root is a map");
    tx.commit();
    AutomergeDoc { doc, obj }
}

fn list_int(v: &ValueRef<'_>) -> Option<i64> {
    match v {
        ValueRef::Scalar(ScalarValueRef::Int(i)) => Some(*i),
        _ => None,
    }
}

impl AutomergeDoc {
    fn splice_all(&mut self, patches: &[Patch]) -> Option<ChangeHash> {
        let mut tx = self.doc.transaction();
        for p in patches {
            tx.splice_text(&self.obj, p.pos, p.del as isize, &p.insert).expect("trace patch in bounds");
        }
        tx.commit().0
    }
}

impl TextEngine for AutomergeDoc {
    type Update = Change;

    fn create(start: &str) -> Self {
        let mut d = new_doc("text", ObjType::Text);
        if !start.is_empty() {
            let mut tx = d.doc.transaction();
            tx.splice_text(&d.obj, 0, 0, start).expect("empty text");
            tx.commit();
        }
        d
    }

    fn fork(&self, agent: u64) -> Self {
        let mut doc = self.doc.fork();
        doc.set_actor(actor(1000 + agent));
        AutomergeDoc { doc, obj: self.obj.clone() }
    }

    fn edit(&mut self, patches: &[Patch]) {
        self.splice_all(patches);
    }

    fn edit_and_export(&mut self, patches: &[Patch]) -> Change {
        let hash = self.splice_all(patches).expect("a trace txn edits");
        self.doc.get_change_by_hash(&hash).expect("just committed")
    }

    fn import(&mut self, updates: &[&Change]) {
        self.doc.apply_changes(updates.iter().map(|c| (*c).clone())).expect("valid changes");
    }

    fn text(&self) -> String {
        self.doc.text(&self.obj).expect("a text")
    }
}

impl ScoreEngine for AutomergeDoc {
    fn create() -> Self {
        new_doc("notes", ObjType::List)
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
        let (_, m) = self.doc.get(&self.obj, index).expect("a list").expect("a note");
        let mut tx = self.doc.transaction();
        tx.put(&m, "pitch", pitch).expect("a map");
        tx.commit();
    }

    fn pitches(&self) -> Vec<i64> {
        self.doc
            .list_range(&self.obj, ..)
            .map(|item| {
                let (v, _) = self.doc.get(item.id(), "pitch").expect("a map").expect("a pitch");
                v.as_i64().expect("an int")
            })
            .collect()
    }
}

impl ListEngine for AutomergeDoc {
    type Version = Vec<ChangeHash>;

    fn create(values: &[i64]) -> Self {
        let mut d = new_doc("list", ObjType::List);
        let mut tx = d.doc.transaction();
        for (i, v) in values.iter().enumerate() {
            tx.insert(&d.obj, i, *v).expect("in bounds");
        }
        tx.commit();
        d
    }

    fn fork(&self, replica: u64) -> Self {
        let mut doc = self.doc.fork();
        doc.set_actor(actor(replica));
        AutomergeDoc { doc, obj: self.obj.clone() }
    }

    fn version(&self) -> Vec<ChangeHash> {
        self.doc.get_heads()
    }

    fn insert(&mut self, index: usize, value: i64) {
        let mut tx = self.doc.transaction();
        tx.insert(&self.obj, index, value).expect("in bounds");
        tx.commit();
    }

    fn remove(&mut self, index: usize) {
        let mut tx = self.doc.transaction();
        tx.delete(&self.obj, index).expect("in bounds");
        tx.commit();
    }

    fn export_since(&self, since: &Vec<ChangeHash>) -> Vec<Vec<u8>> {
        self.doc.get_changes(since).into_iter().map(|c| c.raw_bytes().to_vec()).collect()
    }

    fn import(&mut self, changes: &[Vec<u8>]) {
        let decoded: Vec<Change> =
            changes.iter().map(|b| Change::from_bytes(b.clone()).expect("a valid change")).collect();
        self.doc.apply_changes(decoded).expect("valid changes");
    }

    fn values(&self) -> Vec<i64> {
        self.doc.list_range(&self.obj, ..).map(|item| list_int(&item.value).expect("an int")).collect()
    }
}

impl Persist for AutomergeDoc {
    fn save(&self) -> Vec<u8> {
        self.doc.save()
    }

    fn load(bytes: &[u8]) -> Self {
        let doc = Automerge::load(bytes).expect("a saved document");
        let obj = ["text", "notes", "list"]
            .iter()
            .find_map(|k| doc.get(ROOT, *k).ok().flatten().map(|(_, id)| id))
            .expect("the workload's object");
        AutomergeDoc { doc, obj }
    }
}
