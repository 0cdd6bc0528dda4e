//! Property tests: scores converge under random concurrent edits, incremental validation always
//! equals a full validation, and undo restores what an author changed.

use bandpro_core::{PartId, Score};
use bandpro_crdt::ReplicaId;
use bandpro_music::validate::{self, Diagnostic, ValidationConfig};
use bandpro_music::{Pitch, Rational, ScoreView, SimpleScore};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    Note { part: u8, measure: u8, voice: u8, index: u8, pitch: u8, dur: u8 },
    Pitch { pick: u16, pitch: u8 },
    Duration { pick: u16, dur: u8 },
    Delete { pick: u16 },
    InsertMeasure { at: u8 },
    DeleteMeasure { at: u8 },
    Key { measure: u8, fifths: i8 },
    Sync { a: u8, b: u8 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u8..2, any::<u8>(), 0u8..2, any::<u8>(), any::<u8>(), 0u8..4)
            .prop_map(|(part, measure, voice, index, pitch, dur)| Op::Note { part, measure, voice, index, pitch, dur }),
        2 => (any::<u16>(), any::<u8>()).prop_map(|(pick, pitch)| Op::Pitch { pick, pitch }),
        1 => (any::<u16>(), 0u8..4).prop_map(|(pick, dur)| Op::Duration { pick, dur }),
        1 => any::<u16>().prop_map(|pick| Op::Delete { pick }),
        1 => any::<u8>().prop_map(|at| Op::InsertMeasure { at }),
        1 => any::<u8>().prop_map(|at| Op::DeleteMeasure { at }),
        1 => (any::<u8>(), -4i8..5).prop_map(|(measure, fifths)| Op::Key { measure, fifths }),
        2 => (0u8..3, 0u8..3).prop_map(|(a, b)| Op::Sync { a, b }),
    ]
}

const PITCHES: [&str; 12] = ["C4", "D4", "E4", "F#4", "G4", "A4", "Bb4", "C5", "D5", "Eb5", "F5", "G3"];
const DURS: [&str; 4] = ["1/4", "1/2", "1/8", "3/8"];

fn setup() -> (Score, Vec<PartId>) {
    let mut s = Score::new(ReplicaId::from_u128(1)).unwrap();
    let parts = s
        .edit("setup", "", |tx| {
            let a = tx.add_part("Soprano", Some("soprano"))?;
            let b = tx.add_part("Bass", Some("bass"))?;
            tx.insert_measures(0, 3)?;
            Ok(vec![a, b])
        })
        .unwrap()
        .0;
    (s, parts)
}

fn all_events(s: &Score) -> Vec<bandpro_music::event::EventId> {
    let mut out = Vec::new();
    for m in 0..s.measure_count() {
        for p in 0..s.part_count() {
            for v in 0..s.voice_count(p, m) {
                out.extend(s.events(p, m, v).iter().map(|e| e.id));
            }
        }
    }
    out
}

fn apply(s: &mut Score, parts: &[PartId], op: &Op) {
    let count = s.measure_count();
    let events = all_events(s);
    let pick = |n: u16| (!events.is_empty()).then(|| events[n as usize % events.len()]);
    match *op {
        Op::Note { part, measure, voice, index, pitch, dur } if count > 0 => s.edit("u", "", |tx| {
            let m = measure as usize % count;
            let part = parts[part as usize];
            let pitch: Pitch = PITCHES[pitch as usize % 12].parse()?;
            let d: Rational = DURS[dur as usize].parse()?;
            match tx.insert_note(part, m, voice as usize, index as usize % 3, pitch, d) {
                Err(bandpro_core::Error::NoSuchPosition { len, .. }) => {
                    tx.insert_note(part, m, voice as usize, len, pitch, d)
                }
                other => other,
            }
            .map(|_| ())
        }),
        Op::Pitch { pick: n, pitch } => match pick(n) {
            Some(e) => s.edit("u", "", |tx| tx.set_pitch(e, PITCHES[pitch as usize % 12].parse()?)),
            None => return,
        },
        Op::Duration { pick: n, dur } => match pick(n) {
            Some(e) => s.edit("u", "", |tx| tx.set_duration(e, DURS[dur as usize].parse()?)),
            None => return,
        },
        Op::Delete { pick: n } => match pick(n) {
            Some(e) => s.edit("u", "", |tx| tx.delete_event(e)),
            None => return,
        },
        Op::InsertMeasure { at } => s.edit("u", "", |tx| tx.insert_measures(at as usize % (count + 1), 1)),
        Op::DeleteMeasure { at } if count > 1 => {
            s.edit("u", "", |tx| tx.delete_measures(at as usize % count..at as usize % count + 1))
        }
        Op::Key { measure, fifths } if count > 0 => s.edit("u", "", |tx| {
            tx.set_key(
                measure as usize % count,
                bandpro_music::Key::from_fifths(fifths.into(), bandpro_music::Mode::Major)?,
            )
        }),
        _ => return,
    }
    .map(|_| ())
    .unwrap_or_else(|e| panic!("{op:?} failed: {e}"));
}

fn sorted(mut d: Vec<Diagnostic>) -> Vec<String> {
    let mut out: Vec<String> = d.drain(..).map(|x| format!("{x:?}")).collect();
    out.sort();
    out
}

fn check_incremental(s: &Score) {
    // The view kept up to date edit by edit equals one read afresh from the document.
    let fresh = Score::from_document(s.document().clone()).unwrap();
    assert_eq!(
        SimpleScore::from_view(s),
        SimpleScore::from_view(&fresh),
        "the view drifted from the document"
    );
    let full = validate::validate(s, &ValidationConfig::default());
    assert_eq!(
        sorted(s.diagnostics().to_vec()),
        sorted(full),
        "incremental validation drifted from a full one"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(24), ..ProptestConfig::default() })]

    #[test]
    fn scores_converge_and_incremental_validation_equals_full(ops in prop::collection::vec(op(), 1..40)) {
        let (base, parts) = setup();
        let mut replicas: Vec<Score> = (0..3).map(|i| base.fork(ReplicaId::from_u128(10 + i))).collect();
        for (i, op) in ops.iter().enumerate() {
            match *op {
                Op::Sync { a, b } if a != b => {
                    let other = replicas[b as usize].clone();
                    replicas[a as usize].merge(&other).unwrap();
                    check_incremental(&replicas[a as usize]);
                }
                Op::Sync { .. } => {}
                _ => {
                    let r = i % 3;
                    apply(&mut replicas[r], &parts, op);
                    check_incremental(&replicas[r]);
                }
            }
        }
        for a in 0..3 {
            for b in 0..3 {
                let other = replicas[b].clone();
                replicas[a].merge(&other).unwrap();
            }
        }
        let first = SimpleScore::from_view(&replicas[0]);
        for r in &replicas[1..] {
            prop_assert_eq!(&SimpleScore::from_view(r), &first);
            check_incremental(r);
        }
    }

    #[test]
    fn undoing_every_edit_restores_the_score(ops in prop::collection::vec(op(), 1..15)) {
        let (mut s, parts) = setup();
        let before = SimpleScore::from_view(&s);
        let mut n = 0;
        for op in &ops {
            let heads = s.heads();
            apply(&mut s, &parts, op);
            if s.heads() != heads {
                n += 1;
            }
        }
        for _ in 0..n {
            s.undo("u").unwrap();
        }
        prop_assert_eq!(SimpleScore::from_view(&s), before);
    }
}

mod forecast_exactness {
    use super::*;
    use bandpro_core::forecast::{self, ForecastKind, Side};
    use bandpro_crdt::{ObjId, Value};
    use std::collections::HashSet;

    const FIELDS: [&str; 9] = ["n", "d", "st", "tu", "g", "ar", "dy", "ly", "cs"];
    const MEASURE_FIELDS: [&str; 4] = ["time", "key", "tempo", "pickup"];

    fn objects(scores: &[&Score]) -> HashSet<ObjId> {
        let mut out = HashSet::new();
        for s in scores {
            for id in all_events(s) {
                out.extend(s.event_object(id));
            }
            for m in 0..s.measure_count() {
                out.extend(s.measure_object(m));
            }
        }
        out
    }

    fn diag_keys(s: &Score) -> HashSet<String> {
        s.diagnostics().iter().map(forecast::diagnostic_identity).collect()
    }

    /// Forecasts merging two random branches of a small score and checks the forecast against
    /// the real merge.
    fn check(ours_ops: &[Op], theirs_ops: &[Op]) {
        let (base, parts) = setup();
        let mut ours = base.fork(ReplicaId::from_u128(21));
        let mut theirs = base.fork(ReplicaId::from_u128(22));
        for o in ours_ops {
            apply(&mut ours, &parts, o);
        }
        for o in theirs_ops {
            apply(&mut theirs, &parts, o);
        }
        let f = forecast::forecast(&ours, &theirs).unwrap();
        let mut merged = ours.clone();
        merged.merge(&theirs).unwrap();

        // Concurrent writes: every key both sides left different, and every multi-value
        // conflict the merge made, is forecast with the winner the merge shows.
        let predicted: HashSet<(ObjId, String)> = f
            .items
            .iter()
            .filter_map(|i| match &i.kind {
                ForecastKind::ConcurrentWrite { key, .. } => Some((i.object.unwrap(), key.clone())),
                _ => None,
            })
            .collect();
        for obj in objects(&[&ours, &theirs, &merged]) {
            for key in FIELDS.iter().chain(&MEASURE_FIELDS) {
                let all = merged.document().get_all(&obj, *key).unwrap_or_default();
                let distinct: HashSet<String> = all.iter().map(|v| format!("{v:?}")).collect();
                let was = |s: &Score| s.document().get_all(&obj, *key).map(|v| v.len()).unwrap_or(0);
                if distinct.len() > 1 && was(&ours) <= 1 && was(&theirs) <= 1 {
                    assert!(
                        predicted.contains(&(obj, key.to_string())),
                        "conflict on {obj} {key} not forecast"
                    );
                }
            }
        }
        for i in &f.items {
            if let ForecastKind::ConcurrentWrite { key, winner, .. } = &i.kind {
                let obj = i.object.unwrap();
                let get =
                    |s: &Score| -> Option<Value> { s.document().get(&obj, key.as_str()).ok().flatten() };
                let shown = get(&merged);
                let expect = if *winner == Side::Ours { get(&ours) } else { get(&theirs) };
                assert_eq!(shown, expect, "the forecast winner is not what the merge shows");
            }
        }

        // Edits of deleted things: exactly the touched objects that vanish in the merge.
        let lost: HashSet<ObjId> = f
            .items
            .iter()
            .filter(|i| matches!(i.kind, ForecastKind::EditOfDeleted { .. }))
            .filter_map(|i| i.object)
            .collect();
        let mut expected_lost = HashSet::new();
        for (side, other) in [(&ours, &theirs), (&theirs, &ours)] {
            let only = side.document().changes().filter(|c| !other.document().has_change(&c.hash()));
            for c in only {
                for obj in forecast::objects_touched(c) {
                    let reachable = |s: &Score| matches!(s.document().path(&obj), Ok(Some(_)));
                    let placed = side
                        .event_object(side.event_id_for(&obj).unwrap_or(bandpro_music::event::EventId(0)))
                        .is_some()
                        || (0..side.measure_count()).any(|m| side.measure_object(m) == Some(obj));
                    if reachable(side) && !reachable(&merged) && placed {
                        expected_lost.insert(obj);
                    }
                }
            }
        }
        assert_eq!(lost, expected_lost);

        // New diagnostics: exactly those of the merge that neither side had.
        let predicted: HashSet<String> = f
            .items
            .iter()
            .filter_map(|i| match &i.kind {
                ForecastKind::NewDiagnostic { diagnostic, .. } => {
                    Some(forecast::diagnostic_identity(diagnostic))
                }
                _ => None,
            })
            .collect();
        let before: HashSet<String> = diag_keys(&ours).union(&diag_keys(&theirs)).cloned().collect();
        let fresh: HashSet<String> = diag_keys(&merged).difference(&before).cloned().collect();
        assert_eq!(predicted, fresh);
    }

    /// Edits of notes only: the measures line up on both sides, so the forecast checks
    /// diagnostics only where both sides reached.
    fn note_op() -> impl Strategy<Value = Op> {
        op().prop_filter("note edits only", |o| {
            matches!(o, Op::Note { .. } | Op::Pitch { .. } | Op::Duration { .. } | Op::Delete { .. })
        })
    }

    /// Edits of notes and insertions of measures.
    fn note_or_measure_op() -> impl Strategy<Value = Op> {
        op().prop_filter("notes and new measures", |o| {
            !matches!(o, Op::DeleteMeasure { .. } | Op::Key { .. } | Op::Sync { .. })
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(24), ..ProptestConfig::default() })]

        /// Every conflict and new diagnostic the real merge produces was forecast, and nothing
        /// else.
        #[test]
        fn the_forecast_matches_the_real_merge(ours_ops in prop::collection::vec(op(), 1..20), theirs_ops in prop::collection::vec(op(), 1..20)) {
            check(&ours_ops, &theirs_ops);
        }

        /// The same when branches edit notes and insert measures (the forecast then narrows its
        /// check by measure objects, whose numbers differ between the sides).
        #[test]
        fn the_forecast_of_notes_and_new_measures_matches_the_real_merge(ours_ops in prop::collection::vec(note_or_measure_op(), 1..25), theirs_ops in prop::collection::vec(note_or_measure_op(), 1..25)) {
            check(&ours_ops, &theirs_ops);
        }

        /// The same when both branches only edit notes (where the forecast narrows its check).
        #[test]
        fn the_forecast_of_note_edits_matches_the_real_merge(ours_ops in prop::collection::vec(note_op(), 1..25), theirs_ops in prop::collection::vec(note_op(), 1..25)) {
            check(&ours_ops, &theirs_ops);
        }
    }
}

mod import_alignment {
    use super::*;
    /// The music of a score without ids: per measure, part and voice, the events' content.
    fn music(s: &dyn ScoreView) -> Vec<String> {
        let mut out = Vec::new();
        for m in 0..s.measure_count() {
            out.push(format!("m{m} {:?}", s.measure(m)));
            for p in 0..s.part_count() {
                for v in 0..s.voice_count(p, m) {
                    let evs: Vec<String> = s
                        .events(p, m, v)
                        .iter()
                        .map(|e| format!("{}|{}|{:?}|{:?}", e.onset, e.duration, e.kind, e.lyrics))
                        .collect();
                    if !evs.is_empty() {
                        out.push(format!("m{m} p{p} v{v}: {}", evs.join(" ")));
                    }
                }
            }
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(24), ..ProptestConfig::default() })]

        /// Random edits, exported and imported back as a whole score, are recovered: the same
        /// music, the ids of untouched events kept, and no more edits than were made.
        #[test]
        fn importing_an_edited_copy_recovers_the_edits(base_ops in prop::collection::vec(op(), 5..25), edits in prop::collection::vec(op(), 1..8)) {
            let (mut original, parts) = setup();
            for o in base_ops.iter().filter(|o| !matches!(o, Op::Sync { .. })) {
                apply(&mut original, &parts, o);
            }
            let mut edited = original.fork(ReplicaId::from_u128(40));
            let mut made = 0;
            for o in edits.iter().filter(|o| !matches!(o, Op::Sync { .. })) {
                let before = edited.heads();
                apply(&mut edited, &parts, o);
                made += usize::from(edited.heads() != before);
            }
            let file = SimpleScore::from_view(&edited);
            let (stats, _) = original.import_view("importer", "commit the file", &file).unwrap();
            prop_assert_eq!(music(&original), music(&edited));
            // "Exactly those edits, or an equally small set": a deleted measure and an edited
            // one can be paired either way at the same cost. Events inside inserted or deleted
            // measures are counted with their measure; a key change at one measure may also
            // clear a later key change it made redundant.
            prop_assert!(stats.total() <= 2 * made, "{} edits found for {made} made: {stats:?}", stats.total());
            let measure_ops = edits.iter().any(|o| matches!(o, Op::InsertMeasure { .. } | Op::DeleteMeasure { .. } | Op::Key { .. }));
            if !measure_ops {
                let event_edits = stats.events_inserted + stats.events_deleted + stats.events_changed;
                prop_assert!(event_edits <= made, "{event_edits} event edits found for {made} made: {stats:?}");
            }
        }
    }
}

mod checkout_in_place {
    use super::*;
    use bandpro_crdt::{ChangeHash, Document};

    /// The score at `heads` of `full`, rebuilt from the log: what an in-place move must equal.
    fn replayed(full: &Document, heads: &[ChangeHash]) -> Score {
        Score::from_document(full.at(heads).unwrap()).unwrap()
    }

    fn assert_same(moved: &Score, fresh: &Score) {
        assert_eq!(SimpleScore::from_view(moved), SimpleScore::from_view(fresh), "the view differs");
        assert_eq!(sorted(moved.diagnostics().to_vec()), sorted(fresh.diagnostics().to_vec()));
        assert_eq!(moved.heads(), fresh.heads());
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(24), ..ProptestConfig::default() })]

        /// Moving a score in place between two branches, their base and back, with edits in
        /// between, always equals rebuilding it at that version from the log.
        #[test]
        fn a_checkout_in_place_equals_a_replay(ours_ops in prop::collection::vec(op(), 1..15), theirs_ops in prop::collection::vec(op(), 1..15), later in prop::collection::vec(op(), 0..5)) {
            let (mut base, parts) = setup();
            base.enable_rewind();
            let base_heads = base.heads();
            let mut ours = base.fork(ReplicaId::from_u128(21));
            let mut theirs = base.fork(ReplicaId::from_u128(22));
            for o in ours_ops.iter().filter(|o| !matches!(o, Op::Sync { .. })) { apply(&mut ours, &parts, o); }
            for o in theirs_ops.iter().filter(|o| !matches!(o, Op::Sync { .. })) { apply(&mut theirs, &parts, o); }
            let mut full = ours.document().clone();
            full.merge(theirs.document()).unwrap();

            let mut work = ours.clone();
            check_incremental(&work);
            work.checkout_from(&full, &theirs.heads(), ReplicaId::from_u128(31)).unwrap();
            assert_same(&work, &replayed(&full, &theirs.heads()));

            // Editing after the move (as the new replica), then moving on.
            for o in later.iter().filter(|o| !matches!(o, Op::Sync { .. })) {
                apply(&mut work, &parts, o);
                check_incremental(&work);
            }
            full.merge(work.document()).unwrap();
            let edited = work.heads();
            work.checkout_from(&full, &base_heads, ReplicaId::from_u128(32)).unwrap();
            assert_same(&work, &replayed(&full, &base_heads));
            work.checkout_from(&full, &ours.heads(), ReplicaId::from_u128(33)).unwrap();
            assert_same(&work, &replayed(&full, &ours.heads()));
            work.checkout_from(&full, &edited, ReplicaId::from_u128(34)).unwrap();
            assert_same(&work, &replayed(&full, &edited));
            check_incremental(&work);
        }
    }
}

mod incremental_edits_in_full_measures {
    //! Incremental validation across barlines: every voice fills its measures, so the rules
    //! that read the neighbouring measures (parallels and leaps into a measure, ties and
    //! resolutions out of it, courtesy accidentals) all have something to judge.
    use super::*;
    use bandpro_music::{EventId, Tie};

    const RICH: [&str; 16] = [
        "C4", "C#4", "D4", "Eb4", "E4", "F4", "F#4", "G4", "G#4", "A4", "Bb4", "B4", "C5", "B3", "F#3", "Bb3",
    ];

    #[derive(Clone, Debug)]
    enum Edit {
        Pitch {
            pick: u16,
            pitch: u8,
        },
        /// A pitch with its accidental shown (what the courtesy-accidental rule judges).
        Shown {
            pick: u16,
            pitch: u8,
        },
        Tie {
            pick: u16,
            tie: u8,
        },
        Lyric {
            pick: u16,
        },
        Duration {
            pick: u16,
            eighths: u8,
        },
    }

    fn edit() -> impl Strategy<Value = Edit> {
        prop_oneof![
            4 => (any::<u16>(), any::<u8>()).prop_map(|(pick, pitch)| Edit::Pitch { pick, pitch }),
            3 => (any::<u16>(), any::<u8>()).prop_map(|(pick, pitch)| Edit::Shown { pick, pitch }),
            2 => (any::<u16>(), 0u8..4).prop_map(|(pick, tie)| Edit::Tie { pick, tie }),
            1 => any::<u16>().prop_map(|pick| Edit::Lyric { pick }),
            1 => (any::<u16>(), 1u8..4).prop_map(|(pick, eighths)| Edit::Duration { pick, eighths }),
        ]
    }

    /// Three voices (two in one part) over four full 4/4 measures in G major.
    fn full_score(pitches: &[u8]) -> (Score, Vec<EventId>) {
        let mut s = Score::new(ReplicaId::from_u128(1)).unwrap();
        let ids = s
            .edit("setup", "", |tx| {
                let upper = tx.add_part("Upper", Some("soprano"))?;
                let lower = tx.add_part("Lower", Some("bass"))?;
                tx.insert_measures(0, 4)?;
                tx.set_key(0, bandpro_music::Key::from_fifths(1, bandpro_music::Mode::Major)?)?;
                let mut ids = Vec::new();
                let mut k = 0;
                for m in 0..4 {
                    for (part, voice) in [(upper, 0), (upper, 1), (lower, 0)] {
                        for _ in 0..4 {
                            let pitch: Pitch = RICH[pitches[k % pitches.len()] as usize % 16].parse()?;
                            k += 1;
                            ids.push(tx.append_note(part, m, voice, pitch, "1/4".parse()?)?);
                        }
                    }
                }
                Ok(ids)
            })
            .unwrap()
            .0;
        (s, ids)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(48), ..ProptestConfig::default() })]

        /// After each edit, the diagnostics kept up to date equal a full validation.
        #[test]
        fn edits_across_barlines_keep_incremental_validation_exact(pitches in prop::collection::vec(any::<u8>(), 48), edits in prop::collection::vec(edit(), 1..30)) {
            let (mut s, ids) = full_score(&pitches);
            s.diagnostics();
            for e in &edits {
                let pick = |n: u16| ids[n as usize % ids.len()];
                match *e {
                    Edit::Pitch { pick: n, pitch } => s.edit("u", "", |tx| tx.set_pitch(pick(n), RICH[pitch as usize % 16].parse()?)),
                    Edit::Shown { pick: n, pitch } => s.edit("u", "", |tx| {
                        let mut note = bandpro_music::Note::new(RICH[pitch as usize % 16].parse()?);
                        note.accidental = bandpro_music::AccidentalDisplay::Shown;
                        tx.set_notes(pick(n), &[note])
                    }),
                    Edit::Tie { pick: n, tie } => {
                        let tie = [Tie::None, Tie::Start, Tie::Stop, Tie::Continue][tie as usize];
                        s.edit("u", "", |tx| tx.set_tie(pick(n), tie))
                    }
                    Edit::Lyric { pick: n } => s.edit("u", "", |tx| tx.set_lyric(pick(n), 1, Some(("la", bandpro_music::Syllabic::Single)))),
                    Edit::Duration { pick: n, eighths } => s.edit("u", "", |tx| tx.set_duration(pick(n), Rational::new(i64::from(eighths), 8))),
                }
                .unwrap();
                check_incremental(&s);
            }
        }
    }
}
