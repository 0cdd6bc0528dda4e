//! Any bytes as a saved document: a typed error, or a document that saves and loads again to
//! the same state. The same bytes are also tried as the body of a changes chunk (plain or
//! deflated, version 1 or 2) with valid checksums, so that the fuzzer gets past the checksums
//! into the columns and the inflater.
#![no_main]

use bandpro_crdt::{Document, ROOT};
use libfuzzer_sys::fuzz_target;

fn check(data: &[u8]) {
    if let Ok(doc) = Document::load(data) {
        let again = Document::load(&doc.save()).expect("a saved document loads");
        assert_eq!(again.hydrate(&ROOT).unwrap(), doc.hydrate(&ROOT).unwrap());
        assert_eq!(again.heads(), doc.heads());
    }
}

fn chunk(out: &mut Vec<u8>, tag: u8, payload: &[u8]) {
    out.push(tag);
    let mut len = payload.len();
    loop {
        let byte = (len & 0x7f) as u8;
        len >>= 7;
        out.push(if len > 0 { byte | 0x80 } else { byte });
        if len == 0 {
            break;
        }
    }
    out.extend_from_slice(payload);
    let mut h = blake3::Hasher::new();
    h.update(&[tag]).update(payload);
    out.extend_from_slice(&h.finalize().as_bytes()[..8]);
}

fuzz_target!(|data: &[u8]| {
    check(data);
    if let Some((&sel, body)) = data.split_first() {
        let mut doc = b"BPDC".to_vec();
        doc.push(if sel & 2 == 0 { 2 } else { 1 });
        chunk(&mut doc, if sel & 1 == 0 { 1 } else { 3 }, body);
        chunk(&mut doc, 2, &[0]);
        check(&doc);
    }
});
