//! The sync protocol between replicas: convergence, round trips, message sizes, splitting, and
//! hostile messages.

use bandpro_crdt::{
    Change, ChangeHash, ChangeParts, Document, Error, ObjRef, ObjType, Op, OpAction, OpValue, Personal, ROOT,
    ReplicaId, SyncMessage, SyncOptions, SyncState,
};
use proptest::prelude::*;

/// Pumps messages both ways until both sides are quiet; returns (messages, bytes a->b, bytes b->a).
fn pump(a: &mut Document, sa: &mut SyncState, b: &mut Document, sb: &mut SyncState) -> (usize, usize, usize) {
    let (mut n, mut ab, mut ba) = (0, 0, 0);
    for _ in 0..1000 {
        let m1 = sa.generate_message(a);
        if let Some(m) = &m1 {
            n += 1;
            ab += m.len();
            sb.receive_message(b, m).unwrap();
        }
        let m2 = sb.generate_message(b);
        if let Some(m) = &m2 {
            n += 1;
            ba += m.len();
            sa.receive_message(a, m).unwrap();
        }
        if m1.is_none() && m2.is_none() {
            return (n, ab, ba);
        }
    }
    panic!("sync did not terminate");
}

fn doc(n: u128) -> Document {
    Document::with_replica(ReplicaId::from_u128(n))
}

#[test]
fn diverged_replicas_converge() {
    let mut a = doc(1);
    let list = a.transact(|tx| tx.put_object(&ROOT, "notes", ObjType::List)).unwrap().0;
    let mut b = a.fork_as(ReplicaId::from_u128(2));
    for i in 0..20 {
        a.transact(|tx| tx.insert(&list, 0, i)).unwrap();
        b.transact(|tx| tx.insert(&list, 0, 100 + i)).unwrap();
    }
    let (mut sa, mut sb) = (SyncState::new(), SyncState::new());
    pump(&mut a, &mut sa, &mut b, &mut sb);
    assert_eq!(a.heads(), b.heads());
    assert_eq!(a.hydrate(&ROOT).unwrap(), b.hydrate(&ROOT).unwrap());
    assert!(sa.in_sync(&a) && sb.in_sync(&b));
}

#[test]
fn peers_already_in_sync_finish_in_one_round_trip() {
    let mut a = doc(1);
    a.transact(|tx| tx.put(&ROOT, "k", 1)).unwrap();
    let mut b = doc(2);
    b.merge(&a).unwrap();
    let (mut sa, mut sb) = (SyncState::new(), SyncState::new());
    let (messages, _, _) = pump(&mut a, &mut sa, &mut b, &mut sb);
    assert_eq!(messages, 2, "one message each way");
}

#[test]
fn one_edit_costs_one_change_and_one_reply() {
    let mut a = doc(1);
    let notes = a.transact(|tx| tx.put_object(&ROOT, "notes", ObjType::List)).unwrap().0;
    let note = a
        .transact(|tx| {
            let n = tx.insert_object(&notes, 0, ObjType::Map)?;
            tx.put(&n, "pitch", 60)?;
            Ok::<_, Error>(n)
        })
        .unwrap()
        .0;
    let mut b = doc(2);
    let (mut sa, mut sb) = (SyncState::new(), SyncState::new());
    pump(&mut a, &mut sa, &mut b, &mut sb);
    a.transact(|tx| tx.put(&note, "pitch", 62)).unwrap();
    let (messages, ab, ba) = pump(&mut a, &mut sa, &mut b, &mut sb);
    assert_eq!(messages, 2);
    assert_eq!(b.get(&note, "pitch").unwrap().and_then(|v| v.as_int()), Some(62));
    // The change (deps, replica id, op) plus heads both ways.
    assert!(ab < 160 && ba < 60, "a->b {ab} bytes, b->a {ba} bytes");
}

#[test]
fn large_batches_are_split_under_the_cap() {
    let mut a = doc(1);
    let text = a.transact(|tx| tx.put_object(&ROOT, "t", ObjType::Text)).unwrap().0;
    for i in 0..400 {
        a.transact(|tx| tx.splice_text(&text, i, 0, "x")).unwrap();
    }
    let mut b = doc(2);
    let opts = SyncOptions::new().max_message_bytes(4096);
    let (mut sa, mut sb) = (SyncState::with_options(opts.clone()), SyncState::with_options(opts));
    let mut largest = 0;
    let mut messages = 0;
    loop {
        let m1 = sa.generate_message(&a);
        if let Some(m) = &m1 {
            largest = largest.max(m.len());
            messages += 1;
            sb.receive_message(&mut b, m).unwrap();
        }
        let m2 = sb.generate_message(&b);
        if let Some(m) = &m2 {
            sa.receive_message(&mut a, m).unwrap();
        }
        if m1.is_none() && m2.is_none() {
            break;
        }
    }
    assert!(largest <= 4096, "largest message {largest}");
    assert!(messages > 5);
    assert_eq!(b.text(&text).unwrap(), "x".repeat(400));
}

#[test]
fn hostile_messages_are_errors_and_change_nothing() {
    let mut a = doc(1);
    a.transact(|tx| tx.put(&ROOT, "k", 1)).unwrap();
    let mut b = doc(2);
    let mut sb = SyncState::new();
    let good = SyncState::new().generate_message(&a).unwrap();
    let msg = SyncMessage {
        heads: a.heads(),
        version_vector: None,
        want_version_vector: false,
        changes: a.changes().cloned().collect(),
    }
    .encode();
    let before = b.hydrate(&ROOT).unwrap();
    for cut in 0..msg.len() {
        assert!(sb.receive_message(&mut b, &msg[..cut]).is_err(), "truncated at {cut}");
        assert_eq!(b.hydrate(&ROOT).unwrap(), before);
    }
    // A huge count with nothing behind it is refused before anything is allocated for it.
    let mut huge = b"BPSY\x01\x00".to_vec();
    huge.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0x0f]);
    assert!(matches!(sb.receive_message(&mut b, &huge), Err(Error::Decode { .. })));
    // Over the cap.
    let mut small = SyncState::with_options(SyncOptions::new().max_message_bytes(1024));
    assert!(matches!(small.receive_message(&mut b, &vec![0; 5000]), Err(Error::TooLarge { .. })));
    // A message carrying one invalid change among valid ones applies none of them.
    let bad = ChangeParts {
        deps: a.heads(),
        replicas: vec![ReplicaId::from_u128(9)],
        start_op: 2,
        time: 0,
        personal: Personal::None,
        ops: vec![Op {
            obj: ObjRef::Id(bandpro_crdt::RefId { replica: 0, counter: 55 }),
            action: OpAction::Put { key: "x".into(), value: OpValue::Scalar(1.into()), pred: vec![] },
        }],
    }
    .build()
    .unwrap();
    let mut changes: Vec<Change> = a.changes().cloned().collect();
    changes.push(bad);
    let poisoned =
        SyncMessage { heads: vec![], version_vector: None, want_version_vector: false, changes }.encode();
    assert!(matches!(sb.receive_message(&mut b, &poisoned), Err(Error::InvalidOp { .. })));
    assert_eq!(b.hydrate(&ROOT).unwrap(), before);
    assert_eq!(b.change_count(), 0);
    // Heads that do not exist only make the honest side ask for a version vector.
    let liar = SyncMessage {
        heads: vec![ChangeHash([3; 32])],
        version_vector: None,
        want_version_vector: false,
        changes: vec![],
    }
    .encode();
    sb.receive_message(&mut b, &liar).unwrap();
    let reply = SyncMessage::decode(&sb.generate_message(&b).unwrap(), 1 << 20).unwrap();
    assert!(reply.want_version_vector);
    // And the good message still works afterwards.
    SyncState::new().receive_message(&mut b, &good).unwrap();
}

#[derive(Clone, Debug)]
enum Step {
    Edit { replica: usize, value: i64, at: usize },
    Pump { a: usize, b: usize, messages: usize },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0usize..4, any::<i64>(), any::<usize>()).prop_map(|(replica, value, at)| Step::Edit {
            replica,
            value,
            at
        }),
        (0usize..4, 0usize..4, 1usize..6).prop_map(|(a, b, messages)| Step::Pump { a, b, messages }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(32), ..ProptestConfig::default() })]

    /// Replicas syncing pairwise, sessions interrupted at random points, converge once every
    /// pair finishes a session.
    #[test]
    fn pairwise_sync_sessions_converge(steps in prop::collection::vec(step(), 1..60)) {
        let mut docs: Vec<Document> = (0..4).map(|i| doc(i + 1)).collect();
        let list = docs[0].transact(|tx| tx.put_object(&ROOT, "l", ObjType::List)).unwrap().0;
        let first: Vec<Change> = docs[0].changes().cloned().collect();
        for d in &mut docs[1..] {
            d.apply_changes(first.clone()).unwrap();
        }
        let mut states: Vec<Vec<SyncState>> = (0..4).map(|_| (0..4).map(|_| SyncState::new()).collect()).collect();
        for s in steps {
            match s {
                Step::Edit { replica, value, at } => {
                    let len = docs[replica].length(&list).unwrap();
                    docs[replica].transact(|tx| tx.insert(&list, at % (len + 1), value)).unwrap();
                }
                Step::Pump { a, b, messages } if a != b => {
                    for i in 0..messages {
                        let (from, to) = if i % 2 == 0 { (a, b) } else { (b, a) };
                        if let Some(m) = states[from][to].generate_message(&docs[from]) {
                            let (x, y) = (&mut states[to][from], &mut docs[to]);
                            x.receive_message(y, &m).unwrap();
                        }
                    }
                }
                Step::Pump { .. } => {}
            }
        }
        for _ in 0..2 {
            for a in 0..4 {
                for b in 0..4 {
                    if a < b {
                        let (left, right) = docs.split_at_mut(b);
                        let (sl, sr) = states.split_at_mut(b);
                        pump(&mut left[a], &mut sl[a][b], &mut right[0], &mut sr[0][a]);
                    }
                }
            }
        }
        for d in &docs[1..] {
            prop_assert_eq!(d.hydrate(&ROOT).unwrap(), docs[0].hydrate(&ROOT).unwrap());
            prop_assert!(d.pending_changes().is_empty());
        }
    }
}
