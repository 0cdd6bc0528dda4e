//! Every way a remote change can be bad is refused with a typed error, and the document is
//! left exactly as it was.

use bandpro_crdt::{
    Change, ChangeHash, ChangeParts, Document, Error, Hydrated, InsertContent, ObjRef, ObjType, Op, OpAction,
    OpValue, Personal, ROOT, RefId, ReplicaId, ScalarValue,
};

fn alice() -> Document {
    Document::with_replica(ReplicaId::from_u128(0xa11ce))
}

fn put(key: &str, v: i64) -> Op {
    Op {
        obj: ObjRef::Root,
        action: OpAction::Put { key: key.into(), value: OpValue::Scalar(v.into()), pred: vec![] },
    }
}

fn parts(replica: ReplicaId, deps: Vec<ChangeHash>, start_op: u32, ops: Vec<Op>) -> ChangeParts {
    ChangeParts { deps, replicas: vec![replica], start_op, time: 0, personal: Personal::None, ops }
}

/// A document with one change from another replica, and that replica's id.
fn with_one_change() -> (Document, ReplicaId, ChangeHash) {
    let bob = ReplicaId::from_u128(0xb0b);
    let mut doc = alice();
    let c = parts(bob, vec![], 1, vec![put("k", 1)]).build().unwrap();
    let h = c.hash();
    doc.apply_changes([c]).unwrap();
    (doc, bob, h)
}

fn state(doc: &Document) -> (Hydrated, Vec<ChangeHash>, usize) {
    (doc.hydrate(&ROOT).unwrap(), doc.heads(), doc.change_count())
}

#[test]
fn bytes_that_do_not_hash_to_the_claimed_hash_are_refused() {
    let c = parts(ReplicaId::from_u128(1), vec![], 1, vec![put("k", 1)]).build().unwrap();
    let claimed = ChangeHash([7; 32]);
    let err = Change::decode_verified(&c.encode(), claimed).unwrap_err();
    assert_eq!(err, Error::HashMismatch { expected: claimed, actual: c.hash() });
    assert_eq!(Change::decode_verified(&c.encode(), c.hash()).unwrap(), c);
}

#[test]
fn a_change_whose_dependency_never_arrives_waits_then_expires() {
    let mut doc = alice();
    let before = state(&doc);
    let ghost = ChangeHash([9; 32]);
    let c = parts(ReplicaId::from_u128(2), vec![ghost], 5, vec![put("k", 1)]).build().unwrap();
    assert_eq!(doc.apply_changes([c.clone()]).unwrap(), vec![]);
    assert_eq!(state(&doc), before, "a buffered change is not applied");
    assert_eq!(doc.missing_deps(), vec![ghost]);
    let errors = doc.expire_pending();
    assert_eq!(errors, vec![Error::MissingDependencies { change: c.hash(), missing: vec![ghost] }]);
    assert!(doc.pending_changes().is_empty());
    assert_eq!(state(&doc), before);
}

#[test]
fn an_op_on_an_object_that_does_not_exist_is_refused() {
    let (mut doc, bob, h) = with_one_change();
    let before = state(&doc);
    let ghost_obj = ObjRef::Id(RefId { replica: 0, counter: 99 });
    let ops = vec![
        put("fine", 2),
        Op {
            obj: ghost_obj,
            action: OpAction::Put { key: "x".into(), value: OpValue::Scalar(1.into()), pred: vec![] },
        },
    ];
    let c = parts(bob, vec![h], 2, ops).build().unwrap();
    match doc.apply_changes([c.clone()]) {
        Err(Error::InvalidOp { change, op_index: 1, reason }) => {
            assert_eq!(change, c.hash());
            assert!(reason.contains("does not exist"), "{reason}");
        }
        other => panic!("expected InvalidOp, got {other:?}"),
    }
    assert_eq!(state(&doc), before, "the valid first op was undone too");
}

#[test]
fn an_insert_after_an_element_that_does_not_exist_is_refused() {
    let (mut doc, bob, h) = with_one_change();
    let list = Op {
        obj: ObjRef::Root,
        action: OpAction::Put { key: "l".into(), value: OpValue::Object(ObjType::List), pred: vec![] },
    };
    let bad_insert = Op {
        obj: ObjRef::Id(RefId { replica: 0, counter: 2 }),
        action: OpAction::Insert {
            left: Some(RefId { replica: 0, counter: 40 }),
            right: None,
            content: InsertContent::Values(vec![ScalarValue::Int(1)]),
        },
    };
    let before = state(&doc);
    let c = parts(bob, vec![h], 2, vec![list, bad_insert]).build().unwrap();
    assert!(matches!(doc.apply_changes([c]), Err(Error::InvalidOp { op_index: 1, .. })));
    assert_eq!(state(&doc), before);
}

#[test]
fn a_counter_that_goes_backwards_is_refused() {
    let (mut doc, bob, h) = with_one_change();
    let before = state(&doc);
    // Builds on bob's change but reuses counter 1... as a later change of bob's.
    let c = parts(bob, vec![h], 1, vec![put("k", 5)]).build().unwrap();
    let err = doc.apply_changes([c]).unwrap_err();
    assert!(matches!(err, Error::Equivocation { .. } | Error::CounterBackwards { .. }), "{err:?}");
    // A third replica whose counter does not exceed its deps' breaks Lamport order.
    let carol = ReplicaId::from_u128(0xca401);
    let c = parts(carol, vec![h], 1, vec![put("k", 6)]).build().unwrap();
    assert!(matches!(
        doc.apply_changes([c]).unwrap_err(),
        Error::CounterBackwards { start_op: 1, must_exceed: 1, .. }
    ));
    assert_eq!(state(&doc), before);
}

#[test]
fn a_second_history_of_one_replica_is_equivocation() {
    let (mut doc, bob, h) = with_one_change();
    let before = state(&doc);
    // Same replica, same counter, different content.
    let twin = parts(bob, vec![], 1, vec![put("k", 2)]).build().unwrap();
    assert_ne!(twin.hash(), h);
    assert_eq!(
        doc.apply_changes([twin.clone()]).unwrap_err(),
        Error::Equivocation { change: twin.hash(), replica: bob, existing: h }
    );
    // A later counter that does not build on bob's own previous change: a fork.
    let fork = parts(bob, vec![], 7, vec![put("k", 3)]).build().unwrap();
    assert!(matches!(doc.apply_changes([fork]).unwrap_err(), Error::Equivocation { .. }));
    assert_eq!(state(&doc), before);
}

#[test]
fn a_batch_with_one_bad_change_applies_nothing() {
    let mut doc = alice();
    let before = state(&doc);
    let good = parts(ReplicaId::from_u128(3), vec![], 1, vec![put("a", 1)]).build().unwrap();
    let bad = parts(
        ReplicaId::from_u128(3),
        vec![good.hash()],
        2,
        vec![Op {
            obj: ObjRef::Root,
            action: OpAction::Delete { target: RefId { replica: 0, counter: 1 }, len: 1 },
        }],
    )
    .build()
    .unwrap();
    assert!(matches!(doc.apply_changes([good, bad]), Err(Error::InvalidOp { .. })));
    assert_eq!(state(&doc), before);
}

#[test]
fn a_buffered_change_that_turns_out_bad_cannot_block_good_ones() {
    let r = ReplicaId::from_u128(4);
    let first = parts(r, vec![], 1, vec![put("a", 1)]).build().unwrap();
    let second_bad = parts(
        r,
        vec![first.hash()],
        2,
        vec![Op {
            obj: ObjRef::Id(RefId { replica: 0, counter: 77 }),
            action: OpAction::DeleteKey { key: "x".into(), pred: vec![] },
        }],
    )
    .build()
    .unwrap();
    let mut doc = alice();
    doc.apply_changes([second_bad.clone()]).unwrap();
    assert_eq!(doc.pending_changes().len(), 1);
    doc.apply_changes([first.clone()]).unwrap();
    assert!(doc.has_change(&first.hash()));
    assert!(!doc.has_change(&second_bad.hash()));
    let rejected = doc.take_rejected();
    assert!(matches!(rejected.as_slice(), [Error::InvalidOp { change, .. }] if *change == second_bad.hash()));
}

#[test]
fn the_pending_buffer_is_bounded() {
    let mut doc = alice();
    doc.set_max_pending(2);
    let mk = |i: u8| {
        parts(ReplicaId::from_u128(10 + u128::from(i)), vec![ChangeHash([i; 32])], 5, vec![put("k", 1)])
    };
    doc.apply_changes([mk(1).build().unwrap(), mk(2).build().unwrap()]).unwrap();
    assert_eq!(
        doc.apply_changes([mk(3).build().unwrap()]).unwrap_err(),
        Error::PendingLimit { pending: 2, limit: 2 }
    );
    assert_eq!(doc.pending_changes().len(), 2);
}

#[test]
fn malformed_bytes_are_decode_errors_with_offsets() {
    let c = parts(ReplicaId::from_u128(1), vec![ChangeHash([1; 32])], 1, vec![put("k", 1)]).build().unwrap();
    let bytes = c.encode();
    for cut in 0..bytes.len() {
        match Change::decode(&bytes[..cut]) {
            Err(Error::Decode { what: "change", offset, .. }) => assert!(offset <= cut),
            other => panic!("truncated at {cut}: {other:?}"),
        }
    }
    let mut flipped = bytes.clone();
    flipped[1] ^= 0xff; // the magic bytes
    assert!(matches!(Change::decode(&flipped), Err(Error::Decode { .. })));
    let mut trailing = bytes;
    trailing.push(0);
    assert!(matches!(Change::decode(&trailing), Err(Error::Decode { .. })));
}

#[test]
fn personal_fields_that_do_not_match_their_digest_are_refused() {
    let mut doc = alice();
    doc.transact(|tx| {
        tx.set_author("Alice").set_message("intro");
        tx.put(&ROOT, "k", 1)
    })
    .unwrap();
    let c = doc.changes().next().unwrap().clone();
    let bytes = c.encode();
    // Change one byte of the author's name, which lies outside the hashed bytes.
    let pos = bytes.windows(5).position(|w| w == b"Alice").unwrap();
    let mut forged = bytes.clone();
    forged[pos] = b'M';
    assert!(matches!(Change::decode(&forged), Err(Error::Decode { .. })));
    assert_eq!(Change::decode(&bytes).unwrap().author(), Some("Alice"));
}

#[test]
fn objects_cannot_nest_deeper_than_the_limit() {
    use bandpro_crdt::MAX_NESTING;
    let mut d = Document::with_replica(ReplicaId::from_u128(1));
    // Exactly at the limit: fine, and it reads back (hydrate recurses that deep).
    d.transact(|tx| {
        let mut obj = ROOT;
        for _ in 0..MAX_NESTING {
            obj = tx.put_object(&obj, "x", ObjType::Map)?;
        }
        Ok::<_, bandpro_crdt::Error>(())
    })
    .unwrap();
    assert!(d.hydrate(&ROOT).is_ok());
    let saved = d.save();
    assert_eq!(Document::load(&saved).unwrap().heads(), d.heads());
    assert_eq!(Document::from_snapshot(&d.snapshot(), ReplicaId::from_u128(2)).unwrap().heads(), d.heads());
    // One more level is refused and leaves nothing.
    let heads = d.heads();
    let deepest = {
        let mut obj = ROOT;
        while let Some(bandpro_crdt::Value::Object(_, id)) = d.get(&obj, "x").unwrap() {
            obj = id;
        }
        obj
    };
    assert!(d.transact(|tx| tx.put_object(&deepest, "x", ObjType::Map)).is_err());
    assert_eq!(d.heads(), heads);
}

#[test]
fn counters_near_the_limit_give_typed_errors_not_panics() {
    let mut d = alice();
    // No change can end on the last counter: the encoding refuses it.
    assert!(parts(ReplicaId::from_u128(66), vec![], u32::MAX, vec![put("k", 1)]).build().is_err());
    // A peer can take the one before it; local edits then run out of counters, with an error.
    let high = parts(ReplicaId::from_u128(66), vec![], u32::MAX - 1, vec![put("k", 1)]).build().unwrap();
    d.apply_changes([high]).unwrap();
    let before = state(&d);
    assert!(matches!(d.transact(|tx| tx.put(&ROOT, "k", 2)), Err(Error::Overflow(_))));
    assert_eq!(state(&d), before);
}
