//! Two band members co-edit a score at once, then sync; each sees the other's work as musical
//! notifications, and the score is checked by music theory as it changes.
//!
//! `cargo run --example coedit_score`

use bandpro::core::{Result, Score};
use bandpro::crdt::{ReplicaId, SyncState};
use bandpro::music::key_detect;
use bandpro::music::{Pitch, Rational, ScoreView};

fn p(s: &str) -> Pitch {
    s.parse().expect("a valid pitch")
}
fn d(s: &str) -> Rational {
    s.parse().expect("a valid duration")
}

fn main() -> Result<()> {
    // The arranger sets up a two-part sketch.
    let mut arranger = Score::new(ReplicaId::from_u128(1))?;
    let (sax, bass) = arranger
        .edit("arranger", "set up", |tx| {
            tx.set_metadata("title", "Sunday Blues")?;
            let sax = tx.add_part("Alto Sax", Some("alto-sax"))?;
            let bass = tx.add_part("Bass", Some("double-bass"))?;
            tx.insert_measures(0, 2)?;
            tx.set_key(0, "F major".parse()?)?;
            Ok((sax, bass))
        })?
        .0;

    // The bassist joins with a copy (in a real app: over the network).
    let mut bassist = arranger.fork(ReplicaId::from_u128(2));

    // Both write at the same time, offline.
    arranger.edit("arranger", "melody", |tx| {
        for (pitch, dur) in [("C5", "1/4"), ("A4", "1/4"), ("F4", "1/2")] {
            tx.append_note(sax, 0, 0, p(pitch), d(dur))?;
        }
        Ok(())
    })?;
    bassist.edit("bassist", "walking bass", |tx| {
        for pitch in ["F2", "A2", "C3", "E3"] {
            tx.append_note(bass, 0, 0, p(pitch), d("1/4"))?;
        }
        Ok(())
    })?;

    // Sync with the sans-I/O protocol: in an app the messages travel over a WebSocket.
    let (mut a, mut b) = (SyncState::new(), SyncState::new());
    loop {
        let mut quiet = true;
        if let Some(msg) = arranger.sync_generate(&mut a) {
            quiet = false;
            for change in bassist.sync_receive(&mut b, &msg)? {
                println!("bassist sees:  {change}");
            }
        }
        if let Some(msg) = bassist.sync_generate(&mut b) {
            quiet = false;
            for change in arranger.sync_receive(&mut a, &msg)? {
                println!("arranger sees: {change}");
            }
        }
        if quiet {
            break;
        }
    }
    assert_eq!(arranger.heads(), bassist.heads());

    // Validation runs incrementally as the score changes.
    println!("\ndiagnostics after the sync:");
    for diag in arranger.diagnostics() {
        println!("  {}: {}", diag.location, diag.message());
    }

    // And analysis works on the live score.
    let key = key_detect::detect_key(&arranger);
    println!("\ndetected key: {} (correlation {:.2})", key.key, key.correlation);
    println!("measure 1, alto sax: {} notes", arranger.events(0, 0, 0).len());
    Ok(())
}
