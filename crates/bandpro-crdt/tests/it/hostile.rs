//! Short seeded runs of what the fuzz targets do: mutated encodings of changes, documents and
//! sync messages must give typed errors, never panics, and whatever decodes must re-encode to
//! the same bytes. The long campaigns are `cargo fuzz run <target>` in `fuzz/`.

use bandpro_crdt::{Change, Document, ObjType, ROOT, ReplicaId, SyncMessage, SyncState};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn mutate(&mut self, input: &[u8]) -> Vec<u8> {
        let mut b = input.to_vec();
        for _ in 0..1 + self.next() % 4 {
            if b.is_empty() {
                b.push(self.next() as u8);
                continue;
            }
            let at = (self.next() as usize) % b.len();
            match self.next() % 5 {
                0 => b[at] ^= 1 << (self.next() % 8),
                1 => b[at] = self.next() as u8,
                2 => b.truncate(at),
                3 => b.insert(at, self.next() as u8),
                _ => {
                    // A huge length prefix.
                    b.splice(at..at, [0xff, 0xff, 0xff, 0xff, 0x0f]);
                }
            }
        }
        b
    }
}

fn seed() -> u64 {
    let seed = std::env::var("BANDPRO_TEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0xf022);
    println!("BANDPRO_TEST_SEED={seed}");
    seed | 1
}

fn sample_doc() -> Document {
    let mut d = Document::with_replica(ReplicaId::from_u128(1));
    d.transact(|tx| {
        tx.set_author("ann").set_message("start");
        let t = tx.put_object(&ROOT, "t", ObjType::Text)?;
        tx.splice_text(&t, 0, 0, "hello")?;
        let l = tx.put_object(&ROOT, "l", ObjType::List)?;
        tx.insert(&l, 0, 1.5)?;
        tx.put(&ROOT, "n", -4)
    })
    .unwrap();
    let mut other = d.fork_as(ReplicaId::from_u128(2));
    other.transact(|tx| tx.put(&ROOT, "n", 9)).unwrap();
    d.merge(&other).unwrap();
    d
}

#[test]
fn mutated_changes_are_refused_or_round_trip() {
    let mut rng = Rng(seed());
    let doc = sample_doc();
    let inputs: Vec<Vec<u8>> = doc.changes().map(Change::encode).collect();
    for i in 0..3000 {
        let bytes = rng.mutate(&inputs[i % inputs.len()]);
        if let Ok(c) = Change::decode(&bytes) {
            assert_eq!(c.encode(), bytes, "decoding is canonical");
            let mut d = Document::new();
            let _ = d.apply_changes([c]);
        }
    }
}

#[test]
fn mutated_documents_are_refused_or_load() {
    let mut rng = Rng(seed());
    let saved = sample_doc().save();
    for _ in 0..3000 {
        let bytes = rng.mutate(&saved);
        if let Ok(d) = Document::load(&bytes) {
            let again = Document::load(&d.save()).unwrap();
            assert_eq!(again.hydrate(&ROOT).unwrap(), d.hydrate(&ROOT).unwrap());
        }
    }
}

#[test]
fn mutated_snapshots_are_refused_or_open_a_working_document() {
    let mut rng = Rng(seed());
    let snap = sample_doc().snapshot();
    for _ in 0..1500 {
        let bytes = rng.mutate(&snap);
        if let Ok(d) = Document::from_snapshot(&bytes, bandpro_crdt::ReplicaId::from_u128(5)) {
            let _ = d.hydrate(&ROOT);
        }
    }
    // The checksum stops casual damage; past it, rkyv's validation and our own checks must
    // refuse a hostile archive: re-checksum mutated bodies so they reach the archive checks.
    for _ in 0..1500 {
        let mut bytes = rng.mutate(&snap[37..]);
        let sum = *blake3::hash(&bytes).as_bytes();
        let mut framed = snap[..5].to_vec();
        framed.extend_from_slice(&sum);
        framed.append(&mut bytes);
        if let Ok(mut d) = Document::from_snapshot(&framed, bandpro_crdt::ReplicaId::from_u128(5)) {
            let _ = d.hydrate(&ROOT);
            let _ = d.transact(|tx| tx.put(&ROOT, "k", 1));
        }
    }
}

/// A document whose later changes travel in columns: a batch of 30 edits on top of what the
/// receiver (`base`) already holds, so the batch names outside deps.
fn columns_sample() -> (Document, SyncMessage) {
    let base = sample_doc();
    let mut d = base.fork_as(ReplicaId::from_u128(3));
    for i in 0..30 {
        d.transact(|tx| {
            tx.set_author("bo");
            tx.put(&ROOT, "n", i)
        })
        .unwrap();
    }
    let msg = SyncMessage {
        heads: d.heads(),
        version_vector: None,
        want_version_vector: false,
        changes: d.changes_since(&base.heads()).into_iter().cloned().collect(),
    };
    (base, msg)
}

#[test]
fn mutated_sync_messages_are_refused_or_apply_cleanly() {
    let mut rng = Rng(seed());
    let doc = sample_doc();
    let whole = SyncMessage {
        heads: doc.heads(),
        version_vector: Some(doc.version_vector()),
        want_version_vector: true,
        changes: doc.changes().cloned().collect(),
    }
    .encode();
    let (base, columns) = columns_sample();
    let columns = columns.encode();
    for i in 0..4000 {
        let (msg, start) = if i % 2 == 0 { (&whole, Document::new()) } else { (&columns, base.clone()) };
        let bytes = rng.mutate(msg);
        let mut d = start;
        let before = d.change_count();
        let mut s = SyncState::new();
        if s.receive_message(&mut d, &bytes).is_ok() {
            // Whatever got in is a consistent document that still answers.
            let _ = s.generate_message(&d);
            Document::load(&d.save()).unwrap();
        } else {
            assert_eq!(d.change_count(), before, "a refused message applied nothing");
        }
    }
}

#[test]
fn a_batch_in_columns_rebuilds_every_change_and_its_outside_deps() {
    let (mut base, msg) = columns_sample();
    let bytes = msg.encode();
    let decoded = SyncMessage::decode(&bytes, 1 << 20).unwrap();
    assert_eq!(decoded, msg, "every change comes back with its hash, deps and personal fields");
    let whole: usize = msg.changes.iter().map(|c| c.encode().len()).sum();
    assert!(
        bytes.len() * 3 < whole,
        "columns ({}) are far smaller than whole changes ({whole})",
        bytes.len()
    );
    SyncState::new().receive_message(&mut base, &bytes).unwrap();
    assert_eq!(base.heads(), msg.heads);
}

/// Writes seed corpora for the fuzz targets when `BANDPRO_WRITE_FUZZ_SEEDS` names the fuzz
/// folder (`BANDPRO_WRITE_FUZZ_SEEDS=$PWD/fuzz cargo test -p bandpro-crdt write_fuzz_seeds`).
#[test]
fn write_fuzz_seeds() {
    let Ok(dir) = std::env::var("BANDPRO_WRITE_FUZZ_SEEDS") else { return };
    let dir = std::path::Path::new(&dir).join("corpus");
    let doc = sample_doc();
    let write = |target: &str, name: &str, bytes: &[u8]| {
        let d = dir.join(target);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join(name), bytes).unwrap();
    };
    for (i, c) in doc.changes().enumerate() {
        write("change_decode", &format!("change{i}"), &c.encode());
    }
    write("document_load", "sample", &doc.save());
    // The document_load target also wraps its input, after a selector byte, as the body of a
    // changes chunk (bit 0: deflated): seed it with real bodies, plain and deflated.
    let mut big = sample_doc();
    for i in 0..400 {
        big.transact(|tx| tx.put(&ROOT, "n", i % 7)).unwrap();
    }
    for (d, name) in [(&doc, "body-plain"), (&big, "body-deflated")] {
        let saved = d.save();
        let tag = saved[5];
        let mut r = 6;
        let mut len = 0usize;
        let mut shift = 0;
        loop {
            let b = saved[r];
            r += 1;
            len |= usize::from(b & 0x7f) << shift;
            shift += 7;
            if b & 0x80 == 0 {
                break;
            }
        }
        let mut seed = vec![if tag == 3 { 1 } else { 0 }];
        seed.extend_from_slice(&saved[r..r + len]);
        write("document_load", name, &seed);
    }
    write("snapshot_load", "sample", &doc.snapshot());
    // The snapshot_load target also wraps its input in a valid header: seed it with a body.
    write("snapshot_load", "body", &doc.snapshot()[37..]);
    let msg = SyncMessage {
        heads: doc.heads(),
        version_vector: Some(doc.version_vector()),
        want_version_vector: true,
        changes: doc.changes().cloned().collect(),
    };
    write("sync_message", "full", &msg.encode());
    write("sync_message", "columns", &columns_sample().1.encode());
    write("sync_message", "empty", &SyncState::new().generate_message(&Document::new()).unwrap());
    let mut rng = Rng(7);
    let actions: Vec<u8> = (0..700).map(|_| rng.next() as u8).collect();
    write("replicas", "random", &actions);
}
