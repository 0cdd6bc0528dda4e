//! Any bytes as a snapshot: a typed error, or a document that reads, edits, saves and shows its
//! history without a panic. The same bytes are also tried as the body of a snapshot with a valid
//! header and checksum, so that the fuzzer gets past the checksum into the archive's validation
//! and the document it builds.
#![no_main]

use bandpro_crdt::{Document, ROOT, ReplicaId};
use libfuzzer_sys::fuzz_target;

fn check(bytes: &[u8]) {
    if let Ok(mut doc) = Document::from_snapshot(bytes, ReplicaId::from_u128(7)) {
        let _ = doc.hydrate(&ROOT);
        let _ = doc.changes().count();
        let _ = doc.save();
        let _ = doc.transact(|tx| tx.put(&ROOT, "k", 1));
    }
}

fuzz_target!(|data: &[u8]| {
    check(data);
    let mut wrapped = b"BPSN\x01".to_vec();
    wrapped.extend_from_slice(blake3::hash(data).as_bytes());
    wrapped.extend_from_slice(data);
    check(&wrapped);
});
