//! Any bytes as a change: a typed error, or a change that re-encodes to the same bytes and
//! applies (or is refused) without a panic.
#![no_main]

use bandpro_crdt::{Change, Document};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(change) = Change::decode(data) {
        assert_eq!(change.encode(), data, "decoding must be canonical");
        let mut doc = Document::new();
        let _ = doc.apply_changes([change]);
    }
});
