//! Any bytes as a sync message to a replica that holds a small document: a typed error that
//! leaves the document untouched, or a clean application after which the replica still syncs.
#![no_main]

use bandpro_crdt::{Document, ObjType, ROOT, ReplicaId, SyncState};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut doc = Document::with_replica(ReplicaId::from_u128(1));
    doc.transact(|tx| {
        let t = tx.put_object(&ROOT, "t", ObjType::Text)?;
        tx.splice_text(&t, 0, 0, "ab")
    })
    .unwrap();
    let before = (doc.heads(), doc.hydrate(&ROOT).unwrap());
    let mut state = SyncState::new();
    match state.receive_message(&mut doc, data) {
        Ok(_) => {
            let _ = state.generate_message(&doc);
            Document::load(&doc.save()).expect("the document is still consistent");
        }
        Err(_) => assert_eq!((doc.heads(), doc.hydrate(&ROOT).unwrap()), before),
    }
});
