//! Behaviour of each type and of the DAG, as a user of the library sees it.

use bandpro_crdt::{
    ChangeHash, ChangeParts, Document, Error, Hydrated, ObjRef, ObjType, Op, OpAction, OpValue, PatchAction,
    Personal, Prop, ROOT, ReplicaId, ScalarValue, Value,
};

fn doc(n: u128) -> Document {
    Document::with_replica(ReplicaId::from_u128(n))
}

fn sync(a: &mut Document, b: &mut Document) {
    a.merge(b).unwrap();
    b.merge(a).unwrap();
    assert_eq!(a.hydrate(&ROOT).unwrap(), b.hydrate(&ROOT).unwrap());
    assert_eq!(a.heads(), b.heads());
}

fn type_chars(d: &mut Document, text: &bandpro_crdt::ObjId, at: usize, s: &str) {
    for (i, ch) in s.chars().enumerate() {
        d.transact(|tx| tx.splice_text(text, at + i, 0, &ch.to_string())).unwrap();
    }
}

#[test]
fn concurrent_typing_at_one_place_does_not_interleave() {
    let mut a = doc(1);
    let text = a.transact(|tx| tx.put_object(&ROOT, "lyrics", ObjType::Text)).unwrap().0;
    a.transact(|tx| tx.splice_text(&text, 0, 0, "[]")).unwrap();
    let mut b = a.fork_as(ReplicaId::from_u128(2));
    type_chars(&mut a, &text, 1, "hello");
    type_chars(&mut b, &text, 1, "world");
    sync(&mut a, &mut b);
    let merged = a.text(&text).unwrap();
    assert!(merged == "[helloworld]" || merged == "[worldhello]", "{merged}");
}

#[test]
fn concurrent_map_writes_pick_one_winner_and_keep_the_loser_readable() {
    let mut a = doc(1);
    a.transact(|tx| tx.put(&ROOT, "tempo", 100)).unwrap();
    let mut b = a.fork_as(ReplicaId::from_u128(2));
    a.transact(|tx| tx.put(&ROOT, "tempo", 120)).unwrap();
    b.transact(|tx| tx.put(&ROOT, "tempo", 90)).unwrap();
    sync(&mut a, &mut b);
    let all = a.get_all(&ROOT, "tempo").unwrap();
    assert_eq!(all.len(), 2);
    // Equal Lamport counters: the larger replica id wins, on both sides.
    assert_eq!(all[0], Value::from(90));
    assert_eq!(b.get(&ROOT, "tempo").unwrap(), Some(Value::from(90)));
    // A later write that saw both resolves the conflict.
    a.transact(|tx| tx.put(&ROOT, "tempo", 96)).unwrap();
    sync(&mut a, &mut b);
    assert_eq!(b.get_all(&ROOT, "tempo").unwrap(), vec![Value::from(96)]);
}

#[test]
fn concurrent_increments_add_up() {
    let mut a = doc(1);
    a.transact(|tx| tx.put(&ROOT, "plays", ScalarValue::Counter(0))).unwrap();
    let mut b = a.fork_as(ReplicaId::from_u128(2));
    a.transact(|tx| tx.increment(&ROOT, "plays", 3)).unwrap();
    b.transact(|tx| tx.increment(&ROOT, "plays", 4)).unwrap();
    sync(&mut a, &mut b);
    assert_eq!(a.get(&ROOT, "plays").unwrap(), Some(Value::Scalar(ScalarValue::Counter(7))));
    assert!(matches!(a.transact(|tx| tx.increment(&ROOT, "missing", 1)), Err(Error::NotACounter { .. })));
}

#[test]
fn deleting_a_range_while_another_inserts_into_it_keeps_the_insert() {
    let mut a = doc(1);
    let list = a.transact(|tx| tx.put_object(&ROOT, "notes", ObjType::List)).unwrap().0;
    a.transact(|tx| tx.insert_many(&list, 0, (1..=6).map(ScalarValue::Int).collect())).unwrap();
    let mut b = a.fork_as(ReplicaId::from_u128(2));
    a.transact(|tx| tx.remove(&list, 1, 4)).unwrap();
    b.transact(|tx| tx.insert(&list, 3, 99)).unwrap();
    sync(&mut a, &mut b);
    let ints: Vec<i64> = a.list(&list).unwrap().iter().map(|v| v.as_int().unwrap()).collect();
    assert_eq!(ints, vec![1, 99, 6]);
}

#[test]
fn nested_objects_and_paths() {
    let mut a = doc(1);
    let (parts, inner) = a
        .transact(|tx| {
            let parts = tx.put_object(&ROOT, "parts", ObjType::List)?;
            let trumpet = tx.insert_object(&parts, 0, ObjType::Map)?;
            tx.put(&trumpet, "name", "Trumpet")?;
            let notes = tx.put_object(&trumpet, "notes", ObjType::List)?;
            tx.insert(&notes, 0, "C5")?;
            Ok::<_, Error>((parts, notes))
        })
        .unwrap()
        .0;
    let path = a.path(&inner).unwrap().unwrap();
    assert_eq!(path[0], (ROOT, Prop::Key("parts".into())));
    assert_eq!(path[1], (parts, Prop::Index(0)));
    assert_eq!(path[2].1, Prop::Key("notes".into()));
    a.transact(|tx| tx.remove(&parts, 0, 1)).unwrap();
    assert_eq!(a.path(&inner).unwrap(), None, "a deleted element's children are unreachable");
}

#[test]
fn a_failed_transaction_leaves_nothing() {
    let mut a = doc(1);
    a.transact(|tx| tx.put(&ROOT, "k", 1)).unwrap();
    let before = (a.hydrate(&ROOT).unwrap(), a.heads(), a.max_op());
    let result = a.transact(|tx| {
        let l = tx.put_object(&ROOT, "list", ObjType::List)?;
        tx.insert(&l, 0, 1)?;
        tx.put(&ROOT, "k", 2)?;
        tx.insert(&l, 5, 1) // out of bounds
    });
    assert!(matches!(result, Err(Error::IndexOutOfBounds { index: 5, len: 1, .. })));
    assert_eq!((a.hydrate(&ROOT).unwrap(), a.heads(), a.max_op()), before);
    // The document still works and numbers its ops on from where it was.
    let c = a.transact(|tx| tx.put(&ROOT, "k", 3)).unwrap().1;
    assert_eq!(a.change(&c.hash.unwrap()).unwrap().start_op(), 2);
}

#[test]
fn wrong_object_kinds_and_unknown_objects_are_errors() {
    let mut a = doc(1);
    let text = a.transact(|tx| tx.put_object(&ROOT, "t", ObjType::Text)).unwrap().0;
    assert!(matches!(a.transact(|tx| tx.insert(&text, 0, 1)), Err(Error::WrongObjectType { .. })));
    assert!(matches!(a.transact(|tx| tx.splice_text(&text, 3, 0, "x")), Err(Error::IndexOutOfBounds { .. })));
    let ghost = bandpro_crdt::ObjId::Id { replica: ReplicaId::from_u128(9), counter: 4 };
    assert_eq!(a.text(&ghost), Err(Error::NoSuchObject(ghost)));
}

#[test]
fn local_patches_describe_the_edit() {
    let mut a = doc(1);
    let (text, commit) = a
        .transact(|tx| {
            let t = tx.put_object(&ROOT, "t", ObjType::Text)?;
            tx.splice_text(&t, 0, 0, "abc")?;
            tx.splice_text(&t, 1, 1, "XY")?;
            Ok::<_, Error>(t)
        })
        .unwrap();
    let actions: Vec<PatchAction> = commit.patches.into_iter().map(|p| p.action).collect();
    assert_eq!(actions[1], PatchAction::SpliceText { index: 0, text: "abc".into() });
    assert_eq!(actions[2], PatchAction::DeleteSeq { index: 1, len: 1 });
    assert_eq!(actions[3], PatchAction::SpliceText { index: 1, text: "XY".into() });
    assert_eq!(a.text(&text).unwrap(), "aXYc");
}

#[test]
fn time_travel_forks_and_dag_queries() {
    let mut a = doc(1);
    a.transact(|tx| tx.put(&ROOT, "v", 1)).unwrap();
    let v1 = a.heads();
    let mut b = a.fork_as(ReplicaId::from_u128(2));
    a.transact(|tx| tx.put(&ROOT, "a", 1)).unwrap();
    b.transact(|tx| tx.put(&ROOT, "b", 1)).unwrap();
    let (ha, hb) = (a.heads(), b.heads());
    a.merge(&b).unwrap();
    assert_eq!(a.heads().len(), 2, "two concurrent heads after a merge without a new change");
    assert_eq!(a.merge_bases(&ha, &hb).unwrap(), v1);
    assert!(a.is_ancestor(&v1[0], &ha[0]).unwrap());
    assert!(!a.is_ancestor(&ha[0], &hb[0]).unwrap());
    let only_a: Vec<ChangeHash> = a.changes_between(&ha, &hb).unwrap().iter().map(|c| c.hash()).collect();
    assert_eq!(only_a, ha);
    let old = a.at(&v1).unwrap();
    assert_eq!(old.keys(&ROOT).unwrap(), vec!["v".to_string()]);
    assert_eq!(a.at(&hb).unwrap().keys(&ROOT).unwrap(), vec!["b".to_string(), "v".to_string()]);
    assert_eq!(a.version_vector().get(&ReplicaId::from_u128(2)), 2);
    // A branch forked at an old version edits from there and merges back.
    let mut branch = a.fork_at_as(&v1, ReplicaId::from_u128(3)).unwrap();
    branch.transact(|tx| tx.put(&ROOT, "c", 1)).unwrap();
    a.merge(&branch).unwrap();
    assert_eq!(a.keys(&ROOT).unwrap(), vec!["a", "b", "c", "v"]);
    assert_eq!(a.at(&[ChangeHash([0; 32])]).unwrap_err(), Error::UnknownChange(ChangeHash([0; 32])));
}

#[test]
fn erasing_personal_fields_keeps_every_hash_and_sync() {
    let mut a = doc(1);
    a.transact(|tx| {
        tx.set_author("Ann Arranger <ann@example.org>").set_message("bridge rewrite");
        tx.put(&ROOT, "k", 1)
    })
    .unwrap();
    let hash = a.heads()[0];
    let mut b = doc(2);
    b.merge(&a).unwrap();
    assert_eq!(a.erase_personal(|c| c.author().is_some_and(|x| x.starts_with("Ann"))), 1);
    let erased = a.change(&hash).unwrap();
    assert_eq!((erased.author(), erased.message()), (None, None));
    assert!(matches!(erased.personal(), Personal::Erased { .. }));
    // The erased change still encodes, decodes and verifies under its old hash.
    let again = bandpro_crdt::Change::decode_verified(&erased.encode(), hash).unwrap();
    assert!(matches!(again.personal(), Personal::Erased { .. }));
    assert!(!erased.encode().windows(3).any(|w| w == b"Ann"));
    // A replica that synced before the erasure still syncs after it.
    b.transact(|tx| tx.put(&ROOT, "later", 2)).unwrap();
    a.merge(&b).unwrap();
    b.merge(&a).unwrap();
    assert_eq!(a.hydrate(&ROOT).unwrap(), b.hydrate(&ROOT).unwrap());
}

#[test]
fn change_bytes_are_pinned() {
    // A golden test: any change to the encoding changes these bytes and this hash, loudly.
    let c = ChangeParts {
        deps: vec![],
        replicas: vec![ReplicaId::from_u128(1)],
        start_op: 1,
        time: 1_700_000_000_000,
        personal: Personal::None,
        ops: vec![Op {
            obj: ObjRef::Root,
            action: OpAction::Put {
                key: "k".into(),
                value: OpValue::Scalar(ScalarValue::Int(-3)),
                pred: vec![],
            },
        }],
    }
    .build()
    .unwrap();
    let hex: String = c.hashed_bytes().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hex, "42504348010001000000000000000000000000000000010180d095ffbc3100010001016b037d00");
    assert_eq!(c.hash().to_hex(), "b9c6e9d064af7afdc40f3d6987b800f6a87dd38648065bd78e16e8a75aa9aeea");
}

#[test]
fn hydrate_shows_the_whole_tree() {
    let mut a = doc(1);
    a.transact(|tx| {
        let m = tx.put_object(&ROOT, "meta", ObjType::Map)?;
        tx.put(&m, "title", "Autumn Leaves")?;
        tx.put(&m, "bpm", 132)
    })
    .unwrap();
    let Hydrated::Map(root) = a.hydrate(&ROOT).unwrap() else { panic!() };
    let Hydrated::Map(meta) = &root["meta"] else { panic!() };
    assert_eq!(meta["title"], Hydrated::Scalar("Autumn Leaves".into()));
    assert_eq!(meta["bpm"], Hydrated::Scalar(132.into()));
}

#[test]
fn revert_undoes_a_change_but_not_later_edits_by_others() {
    let mut a = doc(1);
    let (list, text) = a
        .transact(|tx| {
            tx.put(&ROOT, "tempo", 100)?;
            let l = tx.put_object(&ROOT, "notes", ObjType::List)?;
            let t = tx.put_object(&ROOT, "lyrics", ObjType::Text)?;
            tx.splice_text(&t, 0, 0, "hello world")?;
            let m = tx.insert_object(&l, 0, ObjType::Map)?;
            tx.put(&m, "pitch", "C4")?;
            tx.insert(&l, 1, "D4")?;
            tx.put(&ROOT, "plays", ScalarValue::Counter(1))?;
            Ok::<_, Error>((l, t))
        })
        .unwrap()
        .0;
    let before = a.hydrate(&ROOT).unwrap();
    let c = a
        .transact(|tx| {
            tx.put(&ROOT, "tempo", 120)?;
            tx.put(&ROOT, "title", "new")?;
            tx.remove(&list, 0, 1)?;
            tx.insert(&list, 1, "E4")?;
            tx.splice_text(&text, 5, 6, "!")?;
            tx.increment(&ROOT, "plays", 5)
        })
        .unwrap()
        .1
        .hash
        .unwrap();
    let mut b = a.fork_as(ReplicaId::from_u128(2));
    let (reverted, _) = b.transact(|tx| tx.revert(&c)).unwrap();
    assert_eq!(reverted.undone, 7);
    assert_eq!(b.hydrate(&ROOT).unwrap(), before, "the deleted map came back as a copy");
    // If someone overwrote the tempo after the change, reverting leaves their tempo alone.
    a.transact(|tx| tx.put(&ROOT, "tempo", 140)).unwrap();
    let (reverted, _) = a.transact(|tx| tx.revert(&c)).unwrap();
    assert_eq!(reverted.superseded, 1);
    assert_eq!(a.get(&ROOT, "tempo").unwrap(), Some(Value::from(140)));
    assert_eq!(a.text(&text).unwrap(), "hello world");
}
