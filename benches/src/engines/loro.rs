//! Loro (`loro` crate).

use ::loro::{
    Container, ExportMode, LoroDoc, LoroList, LoroMap, LoroText, LoroValue, ValueOrContainer, VersionVector,
};

use crate::trace::Patch;
use crate::workload::{ListEngine, Note, Persist, ScoreEngine, TextEngine};

/// A document with the container the workload edits.
pub struct LoroDocument<T> {
    /// The document.
    pub doc: LoroDoc,
    /// The root text or list.
    pub root: T,
}

/// A Loro text document.
pub type LoroTextDoc = LoroDocument<LoroText>;
/// A Loro list document.
pub type LoroListDoc = LoroDocument<LoroList>;

fn new_doc(peer: u64) -> LoroDoc {
    let doc = LoroDoc::new();
    doc.set_peer_id(peer).expect("a valid peer id");
    doc
}

fn fork_doc(doc: &LoroDoc, peer: u64) -> LoroDoc {
    let f = doc.fork();
    f.set_peer_id(peer).expect("a valid peer id");
    f
}

fn int(v: &LoroValue) -> Option<i64> {
    match v {
        LoroValue::I64(i) => Some(*i),
        _ => None,
    }
}

impl LoroTextDoc {
    fn splice_all(&self, patches: &[Patch]) {
        for p in patches {
            if p.del > 0 {
                self.root.delete(p.pos, p.del).expect("trace patch in bounds");
            }
            if !p.insert.is_empty() {
                self.root.insert(p.pos, &p.insert).expect("trace patch in bounds");
            }
        }
        self.doc.commit();
    }
}

impl TextEngine for LoroTextDoc {
    type Update = Vec<u8>;

    fn create(start: &str) -> Self {
        let doc = new_doc(1);
        let root = doc.get_text("text");
        if !start.is_empty() {
            root.insert(0, start).expect("empty text");
            doc.commit();
        }
        LoroDocument { doc, root }
    }

    fn fork(&self, agent: u64) -> Self {
        let doc = fork_doc(&self.doc, 1000 + agent);
        let root = doc.get_text("text");
        LoroDocument { doc, root }
    }

    fn edit(&mut self, patches: &[Patch]) {
        self.splice_all(patches);
    }

    fn edit_and_export(&mut self, patches: &[Patch]) -> Vec<u8> {
        let before = self.doc.oplog_vv();
        self.splice_all(patches);
        self.doc.export(ExportMode::updates(&before)).expect("exports")
    }

    fn import(&mut self, updates: &[&Vec<u8>]) {
        for u in updates {
            self.doc.import(u).expect("a valid update");
        }
    }

    fn text(&self) -> String {
        self.root.to_string()
    }
}

impl ScoreEngine for LoroListDoc {
    fn create() -> Self {
        let doc = new_doc(1);
        let root = doc.get_list("notes");
        LoroDocument { doc, root }
    }

    fn append(&mut self, index: usize, note: Note) {
        let m = self.root.insert_container(index, LoroMap::new()).expect("index in bounds");
        m.insert("pitch", note.pitch).expect("a map");
        m.insert("dur_num", note.dur_num).expect("a map");
        m.insert("dur_den", note.dur_den).expect("a map");
        m.insert("voice", note.voice).expect("a map");
        self.doc.commit();
    }

    fn set_pitch(&mut self, index: usize, pitch: i64) {
        match self.root.get(index) {
            Some(ValueOrContainer::Container(Container::Map(m))) => m.insert("pitch", pitch).expect("a map"),
            other => panic!("note {index} is {other:?}"),
        }
        self.doc.commit();
    }

    fn pitches(&self) -> Vec<i64> {
        match self.root.get_deep_value() {
            LoroValue::List(notes) => notes
                .iter()
                .map(|n| match n {
                    LoroValue::Map(m) => m.get("pitch").and_then(int).expect("a pitch"),
                    other => panic!("a note is {other:?}"),
                })
                .collect(),
            other => panic!("the notes are {other:?}"),
        }
    }
}

impl ListEngine for LoroListDoc {
    type Version = VersionVector;

    fn create(values: &[i64]) -> Self {
        let doc = new_doc(1);
        let root = doc.get_list("list");
        for (i, v) in values.iter().enumerate() {
            root.insert(i, *v).expect("in bounds");
        }
        doc.commit();
        LoroDocument { doc, root }
    }

    fn fork(&self, replica: u64) -> Self {
        let doc = fork_doc(&self.doc, replica);
        let root = doc.get_list("list");
        LoroDocument { doc, root }
    }

    fn version(&self) -> VersionVector {
        self.doc.oplog_vv()
    }

    fn insert(&mut self, index: usize, value: i64) {
        self.root.insert(index, value).expect("in bounds");
        self.doc.commit();
    }

    fn remove(&mut self, index: usize) {
        self.root.delete(index, 1).expect("in bounds");
        self.doc.commit();
    }

    fn export_since(&self, since: &VersionVector) -> Vec<Vec<u8>> {
        vec![self.doc.export(ExportMode::updates(since)).expect("exports")]
    }

    fn import(&mut self, changes: &[Vec<u8>]) {
        for c in changes {
            self.doc.import(c).expect("a valid update");
        }
    }

    fn values(&self) -> Vec<i64> {
        self.root.to_vec().iter().map(|v| int(v).expect("an int")).collect()
    }
}

impl Persist for LoroTextDoc {
    fn save(&self) -> Vec<u8> {
        self.doc.export(ExportMode::Snapshot).expect("exports")
    }

    fn load(bytes: &[u8]) -> Self {
        let doc = new_doc(99);
        doc.import(bytes).expect("a snapshot");
        let root = doc.get_text("text");
        LoroDocument { doc, root }
    }
}

impl Persist for LoroListDoc {
    fn save(&self) -> Vec<u8> {
        self.doc.export(ExportMode::Snapshot).expect("exports")
    }

    fn load(bytes: &[u8]) -> Self {
        let doc = new_doc(99);
        doc.import(bytes).expect("a snapshot");
        let root = doc.get_list("notes");
        LoroDocument { doc, root }
    }
}
