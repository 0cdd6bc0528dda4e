//! A contributor asks to be forgotten: one replica erases their name and messages, and the
//! erasure reaches every replica it syncs with, including one that synced long before. The
//! music they wrote stays, and every change hash still verifies.
//!
//! Run with `cargo run --example erase_an_author`.

use bandpro::core::{Result, Score};
use bandpro::crdt::{ReplicaId, SyncState};
use bandpro::music::ScoreView;

/// Runs the sync protocol both ways until neither side has anything to say.
fn sync(a: &mut Score, b: &mut Score) -> Result<()> {
    let (mut sa, mut sb) = (SyncState::new(), SyncState::new());
    loop {
        let to_b = a.sync_generate(&mut sa);
        if let Some(m) = &to_b {
            b.sync_receive(&mut sb, m)?;
        }
        let to_a = b.sync_generate(&mut sb);
        if let Some(m) = &to_a {
            a.sync_receive(&mut sa, m)?;
        }
        if to_a.is_none() && to_b.is_none() {
            return Ok(());
        }
    }
}

fn authors(score: &Score) -> Vec<String> {
    let mut names: Vec<String> =
        score.document().changes().filter_map(|c| c.author().map(str::to_owned)).collect();
    names.sort();
    names.dedup();
    names
}

fn main() -> Result<()> {
    let mut studio = Score::new(ReplicaId::from_u128(1))?;
    let (flute, _) = studio.edit("Ann", "set up", |tx| {
        let flute = tx.add_part("Flute", Some("flute"))?;
        tx.insert_measures(0, 2)?;
        Ok(flute)
    })?;
    let (_, edit) = studio.edit("Mallory Secret", "my counter-melody (call me: 555-0100)", |tx| {
        tx.append_note(flute, 0, 0, "E5".parse()?, "1/2".parse()?)?;
        tx.append_note(flute, 0, 0, "G5".parse()?, "1/2".parse()?)
    })?;
    let mallorys = edit.hash.expect("an edit that changed something");

    // A player's laptop synced before the request.
    let mut laptop = studio.fork(ReplicaId::from_u128(2));
    println!("before: studio knows {:?}, laptop knows {:?}", authors(&studio), authors(&laptop));

    // The studio erases Mallory's name and messages, as a change of its own.
    let record = studio.erase_changes(&[mallorys])?.expect("something to erase");
    println!("erased by change {}", &record.to_hex()[..12]);

    // The erasure travels with the next sync; nothing the laptop sends back carries the name.
    sync(&mut studio, &mut laptop)?;
    println!("after:  studio knows {:?}, laptop knows {:?}", authors(&studio), authors(&laptop));
    assert!(laptop.document().is_erased(&mallorys));
    assert_eq!(laptop.heads(), studio.heads(), "every hash still verifies and the replicas agree");
    assert!(!laptop.document().save().windows(7).any(|w| w == b"Mallory"));

    // The music stays.
    let notes: Vec<String> =
        laptop.events(0, 0, 0).iter().flat_map(|e| e.notes().iter().map(|n| n.pitch.to_string())).collect();
    println!("the flute still plays {}", notes.join(" "));
    Ok(())
}
