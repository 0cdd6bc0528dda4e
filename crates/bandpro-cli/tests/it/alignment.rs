//! The alignment property through real files and the binary: random edits made to a score in
//! a "notation program" (read the MusicXML, edit, save), committed with `bandpro commit`, are
//! recovered as exactly those edits or an equally small set, the music is the same, and every
//! note not edited keeps its identity (blame still names the first commit).

use bandpro_music::event::{Event, EventKind, Note};
use bandpro_music::formats::{self, FileFormat};
use bandpro_music::{Rational, ScoreView, SimpleScore};
use proptest::prelude::*;

use crate::Dir;

#[derive(Clone, Debug)]
enum Edit {
    /// Change the pitch of the n-th note.
    Pitch { pick: u16, pitch: u8 },
    /// Delete the last note of a voice.
    DeleteLast { part: u8, measure: u8 },
    /// Append a note to a voice.
    Append { part: u8, measure: u8, pitch: u8 },
    /// Insert an empty measure.
    InsertMeasure { at: u8 },
}

const PITCHES: [&str; 8] = ["C4", "E4", "F#4", "A4", "C5", "Eb4", "Bb3", "D3"];

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (any::<u16>(), 0u8..8).prop_map(|(pick, pitch)| Edit::Pitch { pick, pitch }),
        1 => (0u8..4, 0u8..12).prop_map(|(part, measure)| Edit::DeleteLast { part, measure }),
        1 => (0u8..4, 0u8..12, 0u8..8).prop_map(|(part, measure, pitch)| Edit::Append { part, measure, pitch }),
        1 => (0u8..12).prop_map(|at| Edit::InsertMeasure { at }),
    ]
}

/// The music without ids, per measure, part and voice.
fn music(s: &dyn ScoreView) -> Vec<String> {
    let mut out = Vec::new();
    for m in 0..s.measure_count() {
        for p in 0..s.part_count() {
            for v in 0..s.voice_count(p, m) {
                let evs: Vec<String> = s
                    .events(p, m, v)
                    .iter()
                    .map(|e| format!("{}|{}|{:?}", e.onset, e.duration, e.kind))
                    .collect();
                if !evs.is_empty() {
                    out.push(format!("m{m} p{p} v{v}: {}", evs.join(" ")));
                }
            }
        }
    }
    out
}

fn read(path: &std::path::Path) -> SimpleScore {
    formats::read_any_path(&std::fs::read(path).unwrap(), path).unwrap().0
}

/// Applies the edits; returns how many distinct edits were made, how many of them deleted a
/// note, and whether a measure was inserted.
fn apply(score: &mut SimpleScore, edits: &[Edit]) -> (usize, usize, bool) {
    let mut made = 0;
    let mut deleted = 0;
    let mut touched: Vec<(usize, usize, usize)> = Vec::new();
    let mut measures = false;
    for e in edits {
        match *e {
            Edit::Pitch { pick, pitch } => {
                let mut all = Vec::new();
                for m in 0..score.measure_count() {
                    for p in 0..score.part_count() {
                        for i in 0..score.events(p, m, 0).len() {
                            all.push((p, m, i));
                        }
                    }
                }
                let at = all[pick as usize % all.len()];
                let ev = &mut score.events_mut(at.0, at.1, 0).unwrap()[at.2];
                let new: bandpro_music::Pitch = PITCHES[pitch as usize].parse().unwrap();
                if touched.contains(&at) || ev.notes().first().is_none_or(|n| n.pitch == new) {
                    continue;
                }
                ev.kind = EventKind::Note(Note::new(new));
                touched.push(at);
                made += 1;
            }
            Edit::DeleteLast { part, measure } => {
                let (p, m) = (part as usize, measure as usize % score.measure_count());
                let voice = score.events_mut(p, m, 0).unwrap();
                if voice.len() < 2 || touched.iter().any(|t| (t.0, t.1) == (p, m)) {
                    continue;
                }
                voice.pop();
                touched.push((p, m, usize::MAX));
                made += 1;
                deleted += 1;
            }
            Edit::Append { part, measure, pitch } => {
                let (p, m) = (part as usize, measure as usize % score.measure_count());
                if touched.iter().any(|t| (t.0, t.1) == (p, m)) {
                    continue;
                }
                let id = score.next_event_id();
                let voice = score.events_mut(p, m, 0).unwrap();
                let onset = voice.last().map_or(Rational::ZERO, Event::end);
                let note = EventKind::Note(Note::new(PITCHES[pitch as usize].parse().unwrap()));
                voice.push(Event::new(id, onset, Rational::new(1, 4), note));
                touched.push((p, m, usize::MAX));
                made += 1;
            }
            Edit::InsertMeasure { at } => {
                if measures {
                    continue;
                }
                let at = at as usize % score.measure_count();
                score.add_measures(1);
                for p in 0..score.part_count() {
                    for m in (at + 1..score.measure_count()).rev() {
                        let prev = score.events(p, m - 1, 0).to_vec();
                        score.set_events(p, m, 0, prev).unwrap();
                    }
                    score.set_events(p, at, 0, Vec::new()).unwrap();
                }
                for t in &mut touched {
                    if t.1 >= at {
                        t.1 += 1;
                    }
                }
                measures = true;
                made += 1;
            }
        }
    }
    (made, deleted, measures)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(12),
        ..ProptestConfig::default()
    })]

    #[test]
    fn a_file_edited_elsewhere_is_committed_as_those_edits(edits in prop::collection::vec(edit(), 1..6)) {
        let d = Dir::chorale();
        let first = d.run(&["log", "--json", "-n", "1"]).json()[0]["hash"].as_str().unwrap().to_owned();
        let mut score = read(&d.file("score.musicxml"));
        let (made, deleted, measures) = apply(&mut score, &edits);
        let meta = formats::read_any_path(&std::fs::read(d.file("score.musicxml")).unwrap(), &d.file("score.musicxml")).unwrap().1.metadata;
        std::fs::write(d.file("score.musicxml"), formats::write_bytes(&score, Some(&meta), FileFormat::MusicXml)).unwrap();
        let edited = music(&read(&d.file("score.musicxml")));

        let commit = d.run(&["commit", "--json"]).ok().json();
        let stats = &commit["stats"];
        let total = stats["total"].as_u64().unwrap() as usize;
        // The same music, recorded in no more edits than were made (an inserted measure counts
        // with what the file writes into it).
        d.run(&["export", "-o", "head.musicxml"]).ok();
        prop_assert_eq!(music(&read(&d.file("head.musicxml"))), edited);
        prop_assert_eq!(total == 0, made == 0, "{:?}", stats);
        if !measures {
            prop_assert!(total <= made, "{} edits found for {} made: {}", total, made, stats);
            prop_assert_eq!(stats["events_deleted"].as_u64().unwrap() as usize, deleted, "{}", stats);
        } else {
            prop_assert_eq!(stats["measures_inserted"].as_u64(), Some(1), "{}", stats);
            let event_edits = total - 1 - stats["events_inserted"].as_u64().unwrap() as usize;
            prop_assert!(event_edits < made, "{} event edits for {} made: {}", event_edits, made, stats);
        }
        // Ids survive: every note blamed on the new commit is one the file changed or added.
        let blame = d.run(&["blame", "--json"]).ok().json();
        let rows = blame.as_array().unwrap();
        let kept = rows.iter().filter(|r| r["hash"] == first.as_str()).count();
        let new = rows.len() - kept;
        let expected_new = stats["events_changed"].as_u64().unwrap() + stats["events_inserted"].as_u64().unwrap();
        prop_assert!(new as u64 <= expected_new, "{} notes blamed on the commit, {} changed or inserted", new, expected_new);
    }
}
