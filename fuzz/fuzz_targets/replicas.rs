//! The multi-replica simulator driven by fuzzer bytes: random nested edits, lossy reordering
//! delivery with duplicates, partitions, and crash-and-reload; every CRDT law is checked.
#![no_main]

use bandpro_crdt::sim::{Action, Sim};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.is_empty() {
        return;
    }
    let replicas = 3 + (data[0] % 3) as usize;
    let mut sim = Sim::new(replicas);
    for chunk in data[1..].chunks(7).take(200) {
        let mut b = [0u8; 7];
        b[..chunk.len()].copy_from_slice(chunk);
        let word = |i: usize| u64::from_le_bytes([b[i], b[i + 1], b[(i + 2) % 7], b[(i + 3) % 7], 0, 0, 0, 0]);
        sim.step(Action { kind: b[0], a: word(1), b: word(3), c: word(4) ^ (u64::from(b[6]) << 40) });
    }
    sim.finish();
});
