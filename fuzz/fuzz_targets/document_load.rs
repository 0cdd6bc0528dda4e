//! Any bytes as a saved document: a typed error, or a document that saves and loads again to
//! the same state.
#![no_main]

use bandpro_crdt::{Document, ROOT};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(doc) = Document::load(data) {
        let again = Document::load(&doc.save()).expect("a saved document loads");
        assert_eq!(again.hydrate(&ROOT).unwrap(), doc.hydrate(&ROOT).unwrap());
        assert_eq!(again.heads(), doc.heads());
    }
});
