//! Erasure of personal fields as a change: it travels by merge and by sync, later copies of an
//! erased change lose their fields on arrival, it survives save, load and snapshots, it cannot
//! be undone, and a batch that fails erases nothing.

use bandpro_crdt::{
    ChangeHash, ChangeParts, Document, ERASURE_KEY_PREFIX, Error, MemoryStore, ObjRef, Op, OpAction,
    Personal, ROOT, ReplicaId, Store, SyncState,
};

const NAME: &[u8] = b"Mallory Secret";

fn doc(n: u128) -> Document {
    Document::with_replica(ReplicaId::from_u128(n))
}

/// A change by Mallory, with a message that must go too.
fn mallory_writes(d: &mut Document, value: i64) -> ChangeHash {
    d.transact(|tx| {
        tx.set_author("Mallory Secret").set_message("call me on 555-0100");
        tx.put(&ROOT, "tempo", value)
    })
    .unwrap()
    .1
    .hash
    .unwrap()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Every change of `d` still hashes to its name, and no trace of the name is left in its saved
/// form or its snapshot.
fn assert_clean(d: &Document) {
    for c in d.changes() {
        let again = bandpro_crdt::Change::decode(&c.encode()).unwrap();
        assert_eq!(again.hash(), c.hash(), "the hash still verifies");
        assert_ne!(c.author(), Some("Mallory Secret"));
    }
    assert!(!contains(&d.save(), NAME), "the saved document has no name in it");
    assert!(!contains(&d.snapshot(), NAME), "the snapshot has no name in it");
    assert!(!contains(&d.save(), b"555-0100"), "nor the message");
}

/// Runs the sync protocol both ways until quiet, collecting every byte sent.
fn pump(a: &mut Document, b: &mut Document, wire: &mut Vec<u8>) {
    let (mut sa, mut sb) = (SyncState::new(), SyncState::new());
    for _ in 0..100 {
        let m1 = sa.generate_message(a);
        if let Some(m) = &m1 {
            wire.extend_from_slice(m);
            sb.receive_message(b, m).unwrap();
        }
        let m2 = sb.generate_message(b);
        if let Some(m) = &m2 {
            wire.extend_from_slice(m);
            sa.receive_message(a, m).unwrap();
        }
        if m1.is_none() && m2.is_none() {
            return;
        }
    }
    panic!("sync did not finish");
}

#[test]
fn an_erasure_travels_by_merge_and_by_sync() {
    let mut alice = doc(1);
    let secret = mallory_writes(&mut alice, 96);
    // Bob and Carol both synced before the erasure and hold Mallory's name.
    let mut bob = alice.fork_as(ReplicaId::from_u128(2));
    let mut carol = alice.fork_as(ReplicaId::from_u128(3));
    assert_eq!(bob.change(&secret).unwrap().author(), Some("Mallory Secret"));

    let record = alice.erase_changes(&[secret]).unwrap().expect("a recording change");
    assert!(alice.is_erased(&secret));
    assert!(matches!(alice.change(&secret).unwrap().personal(), Personal::Erased { .. }));
    assert_clean(&alice);
    assert_eq!(alice.erase_changes(&[secret]).unwrap(), None, "erasing twice records nothing");

    // By merge.
    bob.merge(&alice).unwrap();
    assert!(bob.has_change(&record) && bob.is_erased(&secret));
    assert_clean(&bob);

    // By sync: nothing Carol or Alice sends carries the name, and Carol drops it.
    let mut wire = Vec::new();
    pump(&mut alice, &mut carol, &mut wire);
    assert!(!contains(&wire, NAME), "no replica sends erased data");
    assert_eq!(alice.heads(), carol.heads());
    assert!(carol.is_erased(&secret));
    assert_clean(&carol);
    assert_eq!(carol.get(&ROOT, "tempo").unwrap().and_then(|v| v.as_int()), Some(96), "content stays");
}

#[test]
fn a_later_copy_of_an_erased_change_loses_its_fields_on_arrival() {
    // Mallory's change lives on another replica; Alice learns of the erasure before the change.
    let mut base = doc(1);
    base.transact(|tx| tx.put(&ROOT, "title", "Blues")).unwrap();
    let mut alice = base.fork_as(ReplicaId::from_u128(2));
    let mut mallory = base.fork_as(ReplicaId::from_u128(3));
    let secret = mallory_writes(&mut mallory, 120);
    alice.erase_changes(&[secret]).unwrap();
    assert!(alice.is_erased(&secret) && !alice.has_change(&secret));

    let copy = mallory.change(&secret).unwrap().clone();
    assert_eq!(copy.author(), Some("Mallory Secret"));
    alice.apply_changes([copy]).unwrap();
    assert!(alice.has_change(&secret));
    assert_eq!(alice.change(&secret).unwrap().author(), None);
    assert_clean(&alice);

    // And Mallory's own replica drops it once it hears of the erasure.
    let mut wire = Vec::new();
    pump(&mut alice, &mut mallory, &mut wire);
    assert_eq!(mallory.change(&secret).unwrap().author(), None);
    assert_clean(&mallory);
}

#[test]
fn erasures_survive_save_load_snapshots_and_stores() {
    let mut alice = doc(1);
    let secret = mallory_writes(&mut alice, 96);
    alice.erase_changes(&[secret]).unwrap();

    let loaded = Document::load(&alice.save()).unwrap();
    assert!(loaded.is_erased(&secret));
    let snap = Document::from_snapshot(&alice.snapshot(), ReplicaId::from_u128(9)).unwrap();
    assert!(snap.is_erased(&secret));
    assert_eq!(snap.erased().collect::<Vec<_>>(), vec![&secret]);

    // A store that still has the old copy: erasing in it drops the snapshot too.
    let mut old = doc(1);
    let secret2 = mallory_writes(&mut old, 96);
    let mut store = MemoryStore::new();
    store.append(&old.changes().cloned().collect::<Vec<_>>()).unwrap();
    store.put_snapshot(&old.snapshot()).unwrap();
    old.erase_changes(&[secret2]).unwrap();
    let (reopened, _) = Document::open(&store, ReplicaId::from_u128(4)).unwrap();
    assert!(!reopened.is_erased(&secret2), "the store has not seen the record yet");
    store.append(&old.changes_since(&reopened.heads()).into_iter().cloned().collect::<Vec<_>>()).unwrap();
    assert_eq!(store.erase_personal(&mut |c| old.is_erased(&c.hash())).unwrap(), 1);
    assert_eq!(store.get_snapshot().unwrap(), None, "the snapshot held the name");
    let (reopened, _) = Document::open(&store, ReplicaId::from_u128(4)).unwrap();
    assert!(reopened.is_erased(&secret2));
    assert_clean(&reopened);
}

#[test]
fn an_erasure_cannot_be_undone_and_reserved_keys_must_name_a_hash() {
    let mut alice = doc(1);
    let secret = mallory_writes(&mut alice, 96);
    alice.erase_changes(&[secret]).unwrap();
    let key = format!("{ERASURE_KEY_PREFIX}{}", secret.to_hex());

    // Locally.
    let before = alice.heads();
    assert!(alice.transact(|tx| tx.delete(&ROOT, &key)).is_err());
    assert!(alice.transact(|tx| tx.put(&ROOT, &format!("{ERASURE_KEY_PREFIX}nonsense"), true)).is_err());
    assert_eq!(alice.heads(), before, "nothing was committed");

    // From a hostile peer: a delete of the key, built by hand.
    // From a hostile peer: a delete of the key, built by hand. The erasure write is the
    // record change's first op.
    let record = alice.changes().last().unwrap().clone();
    let pred = (record.replica(), record.start_op());
    let bad = ChangeParts {
        deps: alice.heads(),
        replicas: vec![ReplicaId::from_u128(6), pred.0],
        start_op: alice.max_op() + 1,
        time: 0,
        personal: Personal::None,
        ops: vec![Op {
            obj: ObjRef::Root,
            action: OpAction::DeleteKey {
                key: key.clone(),
                pred: vec![bandpro_crdt::RefId { replica: 1, counter: pred.1 }],
            },
        }],
    }
    .build()
    .unwrap();
    let hydrated = alice.hydrate(&ROOT).unwrap();
    match alice.apply_changes([bad]) {
        Err(Error::InvalidOp { reason, .. }) => assert!(reason.contains("cannot be undone"), "{reason}"),
        other => panic!("expected an invalid op, got {other:?}"),
    }
    assert_eq!(alice.hydrate(&ROOT).unwrap(), hydrated, "the document is unchanged");
    assert!(alice.is_erased(&secret));
}

#[test]
fn a_failed_batch_erases_nothing() {
    let mut alice = doc(1);
    let secret = mallory_writes(&mut alice, 96);
    let mut bob = alice.fork_as(ReplicaId::from_u128(2));
    alice.erase_changes(&[secret]).unwrap();
    let record = alice.changes().last().unwrap().clone();
    // The record, then a change whose op names an object that does not exist.
    let broken = ChangeParts {
        deps: vec![record.hash()],
        replicas: vec![ReplicaId::from_u128(7)],
        start_op: alice.max_op() + 1,
        time: 0,
        personal: Personal::None,
        ops: vec![Op {
            obj: ObjRef::Id(bandpro_crdt::RefId { replica: 0, counter: 999_999 }),
            action: OpAction::DeleteKey { key: "x".into(), pred: vec![] },
        }],
    }
    .build()
    .unwrap();
    assert!(bob.apply_changes([record, broken]).is_err());
    assert!(!bob.is_erased(&secret));
    assert_eq!(bob.change(&secret).unwrap().author(), Some("Mallory Secret"), "rolled back, not erased");
}
