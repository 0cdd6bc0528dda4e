//! The saved document format: round trips, size, and damage.

use bandpro_crdt::{Document, Error, ObjType, ROOT, ReplicaId, ScalarValue};

fn typed_document() -> (Document, bandpro_crdt::ObjId) {
    let mut d = Document::with_replica(ReplicaId::from_u128(1));
    let t = d.transact(|tx| tx.put_object(&ROOT, "lyrics", ObjType::Text)).unwrap().0;
    let words = "Summertime and the livin' is easy, fish are jumpin' and the cotton is high. ";
    let mut at = 0;
    for (i, ch) in words.repeat(20).chars().enumerate() {
        d.transact(|tx| {
            tx.set_time(1_700_000_000_000 + i as i64 * 150);
            tx.splice_text(&t, at, 0, &ch.to_string())
        })
        .unwrap();
        at += 1;
        if i % 50 == 49 {
            // A typo fixed: two characters back out.
            d.transact(|tx| tx.splice_text(&t, at - 3, 2, "")).unwrap();
            at -= 2;
        }
    }
    (d, t)
}

#[test]
fn a_saved_document_loads_to_the_same_state_and_history() {
    let (d, t) = typed_document();
    let bytes = d.save();
    let loaded = Document::load(&bytes).unwrap();
    assert_eq!(loaded.text(&t).unwrap(), d.text(&t).unwrap());
    assert_eq!(loaded.heads(), d.heads());
    assert_eq!(loaded.change_count(), d.change_count());
    // Every change comes back bit for bit, personal fields included.
    for c in d.changes() {
        assert_eq!(loaded.change(&c.hash()), Some(c));
    }
    // Loading is deterministic: saving again gives the same bytes.
    assert_eq!(loaded.save(), bytes);
}

#[test]
fn typing_compresses_to_a_few_bytes_per_keystroke() {
    let (d, _) = typed_document();
    let bytes = d.save();
    let per_change = bytes.len() as f64 / d.change_count() as f64;
    assert!(per_change < 4.0, "{} bytes for {} changes", bytes.len(), d.change_count());
}

#[test]
fn all_value_kinds_survive() {
    let mut d = Document::with_replica(ReplicaId::from_u128(1));
    d.transact(|tx| {
        tx.set_author("Ünïcødé 🎺").set_message("every kind");
        let l = tx.put_object(&ROOT, "l", ObjType::List)?;
        tx.insert_many(
            &l,
            0,
            vec![
                ScalarValue::Null,
                true.into(),
                false.into(),
                (-5i64).into(),
                1.5f64.into(),
                "s".into(),
                vec![0u8, 255].into(),
                ScalarValue::Counter(3),
            ],
        )?;
        tx.increment(&l, 7, -10)?;
        let m = tx.insert_object(&l, 0, ObjType::Map)?;
        tx.put(&m, "k", 1)?;
        tx.delete(&m, "k")
    })
    .unwrap();
    let mut other = d.fork_as(ReplicaId::from_u128(2));
    other.transact(|tx| tx.put(&ROOT, "from other", 1)).unwrap();
    d.merge(&other).unwrap();
    d.erase_personal(|_| true);
    let loaded = Document::load(&d.save()).unwrap();
    assert_eq!(loaded.hydrate(&ROOT).unwrap(), d.hydrate(&ROOT).unwrap());
    assert_eq!(loaded.heads(), d.heads());
}

#[test]
fn any_damage_is_a_typed_error() {
    let (d, _) = typed_document();
    let bytes = d.save();
    for cut in (0..bytes.len()).step_by(7) {
        assert!(matches!(Document::load(&bytes[..cut]), Err(Error::Decode { .. })), "cut at {cut}");
    }
    for pos in (0..bytes.len()).step_by(5) {
        let mut b = bytes.clone();
        b[pos] ^= 0x21;
        assert!(Document::load(&b).is_err(), "flip at {pos}");
    }
}

#[test]
fn optional_chunks_are_skipped_and_unknown_required_ones_refused() {
    let (d, t) = typed_document();
    let mut bytes = d.save();
    // An optional chunk (tag with the high bit) that this reader does not know.
    let payload = b"signature, one day";
    let mut chunk = vec![0x81, payload.len() as u8];
    chunk.extend_from_slice(payload);
    let mut h = blake3::Hasher::new();
    h.update(&[0x81]).update(payload);
    chunk.extend_from_slice(&h.finalize().as_bytes()[..8]);
    bytes.extend_from_slice(&chunk);
    assert_eq!(Document::load(&bytes).unwrap().text(&t).unwrap(), d.text(&t).unwrap());
    let last = bytes.len() - chunk.len();
    bytes[last] = 0x05;
    assert!(matches!(Document::load(&bytes), Err(Error::Decode { .. })));
}

#[test]
fn a_version_1_document_still_loads() {
    // Saved by the version 1 writer (target counters coded from the op's own counter): a text
    // with three backspaces, a counter incremented, a list element removed.
    let bytes = include_bytes!("fixtures/v1-document.bpdc");
    assert_eq!(bytes[4], 1, "the fixture is version 1");
    let d = Document::load(bytes).unwrap();
    let t = match d.get(&ROOT, "text").unwrap() {
        Some(bandpro_crdt::Value::Object(ObjType::Text, id)) => id,
        other => panic!("{other:?}"),
    };
    assert_eq!(d.text(&t).unwrap(), "hello wo");
    let l = match d.get(&ROOT, "list").unwrap() {
        Some(bandpro_crdt::Value::Object(ObjType::List, id)) => id,
        other => panic!("{other:?}"),
    };
    assert_eq!(d.list(&l).unwrap(), vec![bandpro_crdt::Value::Scalar(ScalarValue::Counter(8))]);
    // Saved again, it is version 2 and the same document.
    let again = Document::load(&d.save()).unwrap();
    assert_eq!(d.save()[4], 2);
    assert_eq!(again.hydrate(&ROOT).unwrap(), d.hydrate(&ROOT).unwrap());
    assert_eq!(again.heads(), d.heads());
}

/// A saved document with `tag`'s chunk holding `payload`, then an empty heads chunk.
fn document_with(tag: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = b"BPDC\x02".to_vec();
    for (t, p) in [(tag, payload), (2, &[0u8][..])] {
        out.push(t);
        let mut len = p.len();
        loop {
            let byte = (len & 0x7f) as u8;
            len >>= 7;
            out.push(if len > 0 { byte | 0x80 } else { byte });
            if len == 0 {
                break;
            }
        }
        out.extend_from_slice(p);
        let mut h = blake3::Hasher::new();
        h.update(&[t]).update(p);
        out.extend_from_slice(&h.finalize().as_bytes()[..8]);
    }
    out
}

#[test]
fn large_documents_are_deflated_and_hostile_deflate_is_refused() {
    let (d, t) = typed_document();
    let bytes = d.save();
    assert_eq!(bytes[5], 3, "1,500 keystrokes of repeated lyrics are worth deflating");
    assert_eq!(Document::load(&bytes).unwrap().text(&t).unwrap(), d.text(&t).unwrap());
    // A claim of more inflated bytes than the file size allows.
    let claim = document_with(3, &[0xff, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x02]);
    match Document::load(&claim) {
        Err(Error::Decode { reason, .. }) => assert!(reason.contains("more than"), "{reason}"),
        other => panic!("{other:?}"),
    }
    // A deflate stream that is not one, and one that inflates to less than it claims.
    let junk = document_with(3, &[0x10, 0xde, 0xad, 0xbe, 0xef]);
    assert!(matches!(Document::load(&junk), Err(Error::Decode { .. })));
    let short = stored_deflate(b"abc");
    let mut claim_more = vec![0x20];
    claim_more.extend_from_slice(&short);
    assert!(matches!(Document::load(&document_with(3, &claim_more)), Err(Error::Decode { .. })));
}

/// A raw deflate stream of `data`, written by hand as one stored block (no compression), so
/// the test needs no deflate library.
fn stored_deflate(data: &[u8]) -> Vec<u8> {
    let len = data.len() as u16;
    let mut out = vec![0x01];
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&(!len).to_le_bytes());
    out.extend_from_slice(data);
    out
}
