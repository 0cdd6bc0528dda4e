//! Two band members edit one arrangement offline, then sync and converge.
//!
//! Each replica edits its own copy; changes travel as bytes (as they would over a socket or a
//! USB stick), in whatever order, and both end with the same document. Run with
//! `cargo run --example two_replicas`.

use bandpro::crdt::{Change, Document, Error, ObjType, PatchAction, ROOT, ReplicaId, Value};

fn main() -> Result<(), Error> {
    let mut arranger = Document::with_replica(ReplicaId::from_u128(1));
    let (melody, lyrics) = arranger
        .transact(|tx| {
            tx.set_author("arranger").set_message("sketch the tune");
            tx.put(&ROOT, "title", "Fly Me to the Moon")?;
            let melody = tx.put_object(&ROOT, "melody", ObjType::List)?;
            for (i, note) in ["C5", "B4", "A4", "G4"].into_iter().enumerate() {
                tx.insert(&melody, i, note)?;
            }
            let lyrics = tx.put_object(&ROOT, "lyrics", ObjType::Text)?;
            tx.splice_text(&lyrics, 0, 0, "Fly me to the moon")?;
            Ok::<_, Error>((melody, lyrics))
        })?
        .0;

    // The copyist takes a copy and both go offline.
    let mut copyist = arranger.fork_as(ReplicaId::from_u128(2));

    arranger.transact(|tx| {
        tx.set_author("arranger").set_message("pickup note");
        tx.insert(&melody, 0, "G4")?;
        tx.put(&ROOT, "tempo", 120)
    })?;
    copyist.transact(|tx| {
        tx.set_author("copyist").set_message("fix lyric, slower tempo");
        tx.splice_text(&lyrics, 18, 0, ", let me play among the stars")?;
        tx.put(&ROOT, "tempo", 112)
    })?;

    // Sync: each side sends the changes the other lacks, as bytes, newest first to show that
    // order does not matter.
    let to_copyist: Vec<Vec<u8>> =
        arranger.changes_since(&copyist.heads()).iter().rev().map(|c| c.encode()).collect();
    let to_arranger: Vec<Vec<u8>> =
        copyist.changes_since(&arranger.heads()).iter().map(|c| c.encode()).collect();
    let decode = |bytes: Vec<Vec<u8>>| bytes.iter().map(|b| Change::decode(b)).collect::<Result<Vec<_>, _>>();

    let patches = copyist.apply_changes(decode(to_copyist)?)?;
    println!("the copyist sees:");
    for p in &patches {
        match &p.action {
            PatchAction::Insert { index, values } => println!("  melody: {values:?} inserted at {index}"),
            PatchAction::PutMap { key, value, conflict } => {
                println!(
                    "  {key} = {value:?}{}",
                    if *conflict { " (concurrent edit: conflict kept)" } else { "" }
                )
            }
            other => println!("  {other:?}"),
        }
    }
    arranger.apply_changes(decode(to_arranger)?)?;

    assert_eq!(arranger.hydrate(&ROOT)?, copyist.hydrate(&ROOT)?);
    println!("\nboth replicas converged:");
    println!("  melody: {:?}", arranger.list(&melody)?.iter().filter_map(Value::as_str).collect::<Vec<_>>());
    println!("  lyrics: {}", arranger.text(&lyrics)?);
    let tempi: Vec<i64> = arranger.get_all(&ROOT, "tempo")?.iter().filter_map(Value::as_int).collect();
    println!(
        "  tempo: {} (the concurrent values were {tempi:?}; the engine chose one and kept the other)",
        tempi[0]
    );
    println!("  history: {} changes, heads {:?}", arranger.change_count(), arranger.heads());
    Ok(())
}
