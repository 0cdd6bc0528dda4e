//! Yrs (`yrs` crate, the Rust port of Yjs).

use ::yrs::updates::decoder::Decode;
use ::yrs::{
    Any, Array, ArrayRef, ClientID, Doc, GetString, In, Map, MapPrelim, OffsetKind, Options, Out, ReadTxn,
    StateVector, Text, TextRef, Transact, Update,
};

use crate::trace::Patch;
use crate::workload::{ListEngine, Note, Persist, ScoreEngine, TextEngine};

/// A document with its text (traces) or array (lists).
pub struct YrsDoc<T> {
    /// The document.
    pub doc: Doc,
    /// The root text or array the workload edits.
    pub root: T,
}

/// A Yrs text document.
pub type YrsText = YrsDoc<TextRef>;
/// A Yrs array document.
pub type YrsArray = YrsDoc<ArrayRef>;

fn full_state(doc: &Doc) -> Vec<u8> {
    doc.transact().encode_state_as_update_v1(&StateVector::default())
}

fn apply(doc: &Doc, bytes: &[u8]) {
    let update = Update::decode_v1(bytes).expect("a valid update");
    doc.transact_mut().apply_update(update).expect("applies");
}

fn int(out: Out) -> Option<i64> {
    match out {
        Out::Any(Any::Number(n)) => n.as_i64(),
        _ => None,
    }
}

impl YrsText {
    fn with_client(client: u64) -> Self {
        // Trace positions count unicode scalar values. Yrs counts UTF-8 bytes by default, or
        // UTF-16 units: the traces' few non-ASCII characters (seph-blog1 has '↑' and '→') are all
        // in the Basic Multilingual Plane, where UTF-16 units and scalar values coincide.
        let doc = Doc::with_options(Options {
            offset_kind: OffsetKind::Utf16,
            ..Options::with_client_id(ClientID::new(client))
        });
        let root = doc.get_or_insert_text("text");
        YrsDoc { doc, root }
    }

    fn splice_all(&self, patches: &[Patch], export: bool) -> Vec<u8> {
        let mut txn = self.doc.transact_mut();
        for p in patches {
            if p.del > 0 {
                self.root.remove_range(&mut txn, p.pos as u32, p.del as u32);
            }
            if !p.insert.is_empty() {
                self.root.insert(&mut txn, p.pos as u32, &p.insert);
            }
        }
        if export { txn.encode_update_v1() } else { Vec::new() }
    }
}

impl TextEngine for YrsText {
    type Update = Vec<u8>;

    fn create(start: &str) -> Self {
        let d = YrsText::with_client(1);
        if !start.is_empty() {
            let mut txn = d.doc.transact_mut();
            d.root.insert(&mut txn, 0, start);
        }
        d
    }

    fn fork(&self, agent: u64) -> Self {
        let d = YrsText::with_client(1000 + agent);
        apply(&d.doc, &full_state(&self.doc));
        d
    }

    fn edit(&mut self, patches: &[Patch]) {
        self.splice_all(patches, false);
    }

    fn edit_and_export(&mut self, patches: &[Patch]) -> Vec<u8> {
        self.splice_all(patches, true)
    }

    fn import(&mut self, updates: &[&Vec<u8>]) {
        let mut txn = self.doc.transact_mut();
        for u in updates {
            txn.apply_update(Update::decode_v1(u).expect("a valid update")).expect("applies");
        }
    }

    fn text(&self) -> String {
        self.root.get_string(&self.doc.transact())
    }
}

impl YrsArray {
    fn with_client(client: u64, name: &str) -> Self {
        let doc = Doc::with_client_id(client);
        let root = doc.get_or_insert_array(name);
        YrsDoc { doc, root }
    }
}

impl ScoreEngine for YrsArray {
    fn create() -> Self {
        YrsArray::with_client(1, "notes")
    }

    fn append(&mut self, index: usize, note: Note) {
        let mut txn = self.doc.transact_mut();
        let map: MapPrelim = [
            ("pitch", In::from(note.pitch)),
            ("dur_num", In::from(note.dur_num)),
            ("dur_den", In::from(note.dur_den)),
            ("voice", In::from(note.voice)),
        ]
        .into_iter()
        .collect();
        self.root.insert(&mut txn, index as u32, map);
    }

    fn set_pitch(&mut self, index: usize, pitch: i64) {
        let mut txn = self.doc.transact_mut();
        match self.root.get(&txn, index as u32) {
            Some(Out::YMap(m)) => {
                m.insert(&mut txn, "pitch", pitch);
            }
            other => panic!("note {index} is {other:?}"),
        }
    }

    fn pitches(&self) -> Vec<i64> {
        let txn = self.doc.transact();
        self.root
            .iter(&txn)
            .map(|n| match n {
                Out::YMap(m) => m.get(&txn, "pitch").and_then(int).expect("a pitch"),
                other => panic!("a note is {other:?}"),
            })
            .collect()
    }
}

impl ListEngine for YrsArray {
    type Version = StateVector;

    fn create(values: &[i64]) -> Self {
        let d = YrsArray::with_client(1, "list");
        {
            let mut txn = d.doc.transact_mut();
            d.root.insert_range(&mut txn, 0, values.iter().copied());
        }
        d
    }

    fn fork(&self, replica: u64) -> Self {
        let d = YrsArray::with_client(replica, "list");
        apply(&d.doc, &full_state(&self.doc));
        d
    }

    fn version(&self) -> StateVector {
        self.doc.transact().state_vector()
    }

    fn insert(&mut self, index: usize, value: i64) {
        let mut txn = self.doc.transact_mut();
        self.root.insert(&mut txn, index as u32, value);
    }

    fn remove(&mut self, index: usize) {
        let mut txn = self.doc.transact_mut();
        self.root.remove(&mut txn, index as u32);
    }

    fn export_since(&self, since: &StateVector) -> Vec<Vec<u8>> {
        vec![self.doc.transact().encode_state_as_update_v1(since)]
    }

    fn import(&mut self, changes: &[Vec<u8>]) {
        for c in changes {
            apply(&self.doc, c);
        }
    }

    fn values(&self) -> Vec<i64> {
        let txn = self.doc.transact();
        self.root.iter(&txn).map(|v| int(v).expect("an int")).collect()
    }
}

impl Persist for YrsText {
    fn save(&self) -> Vec<u8> {
        full_state(&self.doc)
    }

    fn load(bytes: &[u8]) -> Self {
        let d = YrsText::with_client(99);
        apply(&d.doc, bytes);
        d
    }
}

impl Persist for YrsArray {
    fn save(&self) -> Vec<u8> {
        full_state(&self.doc)
    }

    fn load(bytes: &[u8]) -> Self {
        let d = YrsArray::with_client(99, "notes");
        apply(&d.doc, bytes);
        d
    }
}
