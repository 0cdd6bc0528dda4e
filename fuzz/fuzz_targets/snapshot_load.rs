//! Any bytes as a snapshot: a typed error, or a document that reads and edits without a panic.
#![no_main]

use bandpro_crdt::{Document, ROOT, ReplicaId};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(mut doc) = Document::from_snapshot(data, ReplicaId::from_u128(7)) {
        let _ = doc.hydrate(&ROOT);
        let _ = doc.transact(|tx| tx.put(&ROOT, "k", 1));
    }
});
