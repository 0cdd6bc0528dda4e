//! Snapshots: a document opens from one without replaying history, keeps working afterwards,
//! and a stale or damaged snapshot falls back to the log with a warning.

use bandpro_crdt::{Change, Document, MemoryStore, ObjType, ROOT, ReplicaId, Store, SyncState};

fn sample() -> Document {
    let mut d = Document::with_replica(ReplicaId::from_u128(1));
    let t = d.transact(|tx| tx.put_object(&ROOT, "t", ObjType::Text)).unwrap().0;
    for i in 0..300 {
        d.transact(|tx| tx.splice_text(&t, i, 0, "x")).unwrap();
    }
    d.transact(|tx| {
        tx.set_author("ann").set_message("list");
        let l = tx.put_object(&ROOT, "l", ObjType::List)?;
        let m = tx.insert_object(&l, 0, ObjType::Map)?;
        tx.put(&m, "pitch", 60)?;
        tx.put(&ROOT, "plays", bandpro_crdt::ScalarValue::Counter(1))?;
        tx.increment(&ROOT, "plays", 2)?;
        tx.splice_text(&t, 10, 5, "")
    })
    .unwrap();
    d
}

#[test]
fn a_snapshot_opens_to_the_same_document_which_keeps_working() {
    let d = sample();
    let mut s = Document::from_snapshot(&d.snapshot(), ReplicaId::from_u128(2)).unwrap();
    assert_eq!(s.hydrate(&ROOT).unwrap(), d.hydrate(&ROOT).unwrap());
    assert_eq!(s.heads(), d.heads());
    // History is there when asked for.
    assert_eq!(s.changes().count(), d.change_count());
    assert_eq!(s.change(&d.heads()[0]).unwrap().author(), Some("ann"));
    // Editing and syncing continue.
    s.transact(|tx| tx.put(&ROOT, "after", 1)).unwrap();
    let mut other = d.clone();
    let (mut a, mut b) = (SyncState::new(), SyncState::new());
    for _ in 0..10 {
        if let Some(m) = a.generate_message(&s) {
            b.receive_message(&mut other, &m).unwrap();
        }
        if let Some(m) = b.generate_message(&other) {
            a.receive_message(&mut s, &m).unwrap();
        }
    }
    assert_eq!(other.hydrate(&ROOT).unwrap(), s.hydrate(&ROOT).unwrap());
}

#[test]
fn opening_a_store_uses_a_sound_snapshot_and_replays_only_what_follows() {
    let mut d = sample();
    let mut store = MemoryStore::new();
    store.append(&d.changes().cloned().collect::<Vec<_>>()).unwrap();
    store.put_snapshot(&d.snapshot()).unwrap();
    d.transact(|tx| tx.put(&ROOT, "later", 1)).unwrap();
    store.append(&d.changes().cloned().collect::<Vec<_>>()).unwrap();
    let (opened, info) = Document::open(&store, ReplicaId::from_u128(3)).unwrap();
    assert!(info.from_snapshot, "{info:?}");
    assert_eq!((info.replayed, info.warning), (1, None));
    assert_eq!(opened.hydrate(&ROOT).unwrap(), d.hydrate(&ROOT).unwrap());
}

#[test]
fn a_stale_or_damaged_snapshot_falls_back_to_the_log_with_a_warning() {
    let d = sample();
    let all: Vec<Change> = d.changes().cloned().collect();
    // Damaged.
    let mut store = MemoryStore::new();
    store.append(&all).unwrap();
    let mut snap = d.snapshot();
    let last = snap.len() - 1;
    snap[last] ^= 1;
    store.put_snapshot(&snap).unwrap();
    let (opened, info) = Document::open(&store, ReplicaId::from_u128(3)).unwrap();
    assert!(!info.from_snapshot && info.warning.as_deref().unwrap().contains("checksum"), "{info:?}");
    assert_eq!(opened.hydrate(&ROOT).unwrap(), d.hydrate(&ROOT).unwrap());
    // Not backed by the log: the snapshot holds a change the log never got.
    let mut store = MemoryStore::new();
    store.append(&all[..all.len() - 1]).unwrap();
    store.put_snapshot(&d.snapshot()).unwrap();
    let (opened, info) = Document::open(&store, ReplicaId::from_u128(3)).unwrap();
    assert!(!info.from_snapshot && info.warning.as_deref().unwrap().contains("log lacks"), "{info:?}");
    assert_eq!(opened.change_count(), all.len() - 1);
}

/// Found by the snapshot_load fuzzer: an opened snapshot must take local edits. One claimed
/// the largest counter is `u32::MAX`, and the next edit overflowed; another held a map entry
/// with counter 0, which the next edit named as its predecessor in a change no peer can
/// decode.
#[test]
fn a_snapshot_must_leave_counters_for_local_edits() {
    for data in [
        &include_bytes!("fixtures/snapshot-max-counter.bin")[..],
        &include_bytes!("fixtures/snapshot-counter-zero.bin")[..],
    ] {
        check_local_edit(data);
    }
}

fn check_local_edit(data: &[u8]) {
    let mut wrapped = b"BPSN\x01".to_vec();
    wrapped.extend_from_slice(blake3::hash(data).as_bytes());
    wrapped.extend_from_slice(data);
    for bytes in [data, &wrapped[..]] {
        if let Ok(mut doc) = Document::from_snapshot(bytes, ReplicaId::from_u128(7)) {
            let (_, commit) = doc.transact(|tx| tx.put(&ROOT, "k", 1)).unwrap();
            // The change it made decodes, as any peer would decode it.
            let hash = commit.hash.unwrap();
            Change::decode(&doc.change(&hash).unwrap().encode()).unwrap();
        }
    }
}

/// Found by the snapshot_load fuzzer: a snapshot with a valid checksum whose history holds
/// change bytes that do not decode. Opening it must fail with an error; before, it opened and
/// the first look at history panicked.
#[test]
fn a_snapshot_whose_history_does_not_decode_is_refused() {
    let data: &[u8] = include_bytes!("fixtures/snapshot-bad-change-bytes.bin");
    let mut wrapped = b"BPSN\x01".to_vec();
    wrapped.extend_from_slice(blake3::hash(data).as_bytes());
    wrapped.extend_from_slice(data);
    for bytes in [data, &wrapped[..]] {
        if let Ok(doc) = Document::from_snapshot(bytes, ReplicaId::from_u128(7)) {
            // Whatever opens is whole: its history decodes and it saves.
            assert_eq!(doc.changes().count(), doc.change_count());
            Document::load(&doc.save()).unwrap();
        }
    }
    assert!(Document::from_snapshot(&wrapped, ReplicaId::from_u128(7)).is_err());
}
