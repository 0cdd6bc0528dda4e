//! Two arrangers work on branches of one chorale; the repository forecasts where their work
//! clashes before merging, merges, and shows the history with diff and blame.
//!
//! `cargo run --example branches_and_merge`

use bandpro::core::{LogFilter, Repository, Result, diff};
use bandpro::crdt::MemoryStore;
use bandpro::music::{Pitch, Rational, ScoreView};

fn p(s: &str) -> Pitch {
    s.parse().expect("a valid pitch")
}
fn d(s: &str) -> Rational {
    s.parse().expect("a valid duration")
}

fn main() -> Result<()> {
    let mut repo = Repository::init(Box::new(MemoryStore::new()))?;
    repo.edit("copyist", "enter the chorale", |tx| {
        let s = tx.add_part("Soprano", Some("soprano"))?;
        let b = tx.add_part("Bass", Some("bass"))?;
        tx.insert_measures(0, 2)?;
        for (m, sop, bas) in [(0, ["E4", "D4"], ["C3", "G2"]), (1, ["C4", "B3"], ["A2", "G2"])] {
            for x in sop {
                tx.append_note(s, m, 0, p(x), d("1/2"))?;
            }
            for x in bas {
                tx.append_note(b, m, 0, p(x), d("1/2"))?;
            }
        }
        Ok(())
    })?;
    repo.tag("entered")?;
    repo.branch("reharm")?;

    // On main, Ann rewrites the soprano of m.1.
    let (s1, s2) = (repo.score().events(0, 0, 0)[0].id, repo.score().events(0, 0, 0)[1].id);
    let b2 = repo.score().events(1, 0, 0)[1].id;
    repo.edit("Ann", "brighter opening", |tx| {
        tx.set_pitch(s1, p("G4"))?;
        tx.set_pitch(s2, p("A4"))
    })?;

    // On the branch, Bob reharmonises the bass and also touches Ann's note.
    repo.checkout("reharm")?;
    repo.edit("Bob", "walk the bass up", |tx| tx.set_pitch(b2, p("D3")))?;
    repo.edit("Bob", "darker top", |tx| tx.set_pitch(s1, p("C4")))?;
    repo.checkout("main")?;

    let forecast = repo.forecast("reharm")?;
    println!(
        "merge forecast: {} change(s) here, {} there, risk {:?}",
        forecast.ours_changes, forecast.theirs_changes, forecast.risk
    );
    for item in &forecast.items {
        println!("  - {item}");
        if let Some(s) = &item.suggestion {
            println!("    suggestion: {s}");
        }
    }

    repo.merge("reharm", "Ann", "merge Bob's reharmonisation")?;
    println!("\nafter the merge, m.1:");
    for part in 0..repo.score().part_count() {
        let notes: Vec<String> =
            repo.score().events(part, 0, 0).iter().map(|e| e.notes()[0].pitch.to_string()).collect();
        println!("  {:8} {}", repo.score().part(part).name, notes.join(" "));
    }

    println!("\nlog:");
    for entry in repo.log(&LogFilter::default())? {
        println!(
            "  {} {:8} {}",
            &entry.hash.to_hex()[..8],
            entry.author.as_deref().unwrap_or("-"),
            entry.message.as_deref().unwrap_or("")
        );
    }

    let entered = repo.score_at(&repo.resolve("entered")?)?;
    println!("\ndiff since the tag 'entered':");
    for line in diff::diff(&entered, repo.score()) {
        println!("  {line}");
    }

    println!("\nblame of m.1:");
    for b in repo.blame_events(0..1, None)? {
        println!(
            "  {:8} voice {}: {} ({})",
            repo.score().part(b.part).name,
            b.voice + 1,
            b.blame.author.as_deref().unwrap_or("-"),
            b.blame.message.as_deref().unwrap_or("")
        );
    }
    Ok(())
}
