//! Validation: one test per rule that fires it and a near miss that must not, plus the
//! incremental-validation law.

use bandpro_music::validate::{self, Diagnostic, Fix, OrderScope, Rule, Severity, ValidationConfig};
use bandpro_music::*;
use proptest::prelude::*;

/// Diagnostics of one rule: (part, measure, beat) for each.
fn fired(rule: Rule, key: &str, parts: &[(&str, &[&str])]) -> Vec<(usize, usize, String)> {
    fired_with(rule, "4/4", key, parts, &ValidationConfig::only(&[rule]))
}

fn fired_with(
    rule: Rule,
    time: &str,
    key: &str,
    parts: &[(&str, &[&str])],
    cfg: &ValidationConfig,
) -> Vec<(usize, usize, String)> {
    let s = SimpleScore::from_text(time, key, parts).unwrap();
    diagnostics(&s, rule, cfg)
        .iter()
        .map(|d| (d.location.part, d.location.measure, d.location.beat.to_string()))
        .collect()
}

fn diagnostics(s: &SimpleScore, rule: Rule, cfg: &ValidationConfig) -> Vec<Diagnostic> {
    let all = validate::validate(s, cfg);
    // Every diagnostic of the full run is found again by validating its own measure alone.
    for d in &all {
        let m = d.location.measure;
        assert!(validate::validate_measures(s, m..m + 1, cfg).contains(d), "{d}");
    }
    all.into_iter().filter(|d| d.rule == rule).collect()
}

fn at(part: usize, measure: usize, beat: &str) -> (usize, usize, String) {
    (part, measure, beat.to_string())
}

#[test]
fn measure_underfull() {
    let r = Rule::MeasureUnderfull;
    assert_eq!(fired(r, "C major", &[("flute", &["C5 D5 E5"])]), [at(0, 0, "4")]);
    assert!(fired(r, "C major", &[("flute", &["C5 D5 E5 F5"])]).is_empty());
    // A pickup measure may be short.
    let mut s = SimpleScore::from_text("4/4", "C major", &[("flute", &["G4 | C5:1"])]).unwrap();
    s.measure_mut(0).unwrap().pickup = true;
    assert!(diagnostics(&s, r, &ValidationConfig::default()).is_empty());
    let d = &validate::validate(
        &SimpleScore::from_text("3/4", "C major", &[("flute", &["C5:2"])]).unwrap(),
        &ValidationConfig::default(),
    )[0];
    assert_eq!(d.fix, Some(Fix::AddRest(Rational::new(1, 4))));
}

#[test]
fn measure_overfull() {
    let r = Rule::MeasureOverfull;
    assert_eq!(fired(r, "C major", &[("flute", &["C5:2 D5:2 E5:4"])]), [at(0, 0, "5")]);
    assert!(fired(r, "C major", &[("flute", &["C5:2 D5:2"])]).is_empty());
    assert_eq!(
        fired_with(r, "6/8", "C major", &[("flute", &["C5:4. D5:4."])], &ValidationConfig::only(&[r])),
        []
    );
    assert_eq!(
        fired_with(r, "6/8", "C major", &[("flute", &["C5:4. D5:2"])], &ValidationConfig::only(&[r])).len(),
        1
    );
}

#[test]
fn tie_pitch_mismatch() {
    let r = Rule::TieMismatch;
    assert_eq!(fired(r, "C major", &[("flute", &["C5:2~ D5:2"])]), [at(0, 0, "1")]);
    assert!(fired(r, "C major", &[("flute", &["C5:2~ C5:2"])]).is_empty());
    // Across the barline: reported in the measure where the tie starts.
    assert_eq!(fired(r, "C major", &[("flute", &["C5:1~ | D5:1"])]), [at(0, 0, "1")]);
    assert!(fired(r, "C major", &[("flute", &["C5:1~ | C5:1"])]).is_empty());
    assert_eq!(fired(r, "C major", &[("flute", &["C5:1~ | r:1"])]).len(), 1);
    // An enharmonic tie is a spelling error even though it sounds the same.
    let s = SimpleScore::from_text("4/4", "C major", &[("flute", &["G#4:2~ Ab4:2"])]).unwrap();
    let d = diagnostics(&s, r, &ValidationConfig::only(&[r]));
    assert!(matches!(d[0].fix, Some(Fix::SetPitch { .. })), "{:?}", d[0].fix);
}

#[test]
fn tuplet_incomplete() {
    let r = Rule::TupletIncomplete;
    assert_eq!(fired(r, "C major", &[("flute", &["(3:2/8 C5:8 D5 ) E5:4 F5:2"])]), [at(0, 0, "1")]);
    assert!(fired(r, "C major", &[("flute", &["(3 C5:8 D5 E5 ) D5:4 F5:2"])]).is_empty());
    assert!(fired(r, "C major", &[("flute", &["(5:4/16 C5:16 D5 E5 F5 G5 ) D5:4 F5:2"])]).is_empty());
}

#[test]
fn out_of_range() {
    let r = Rule::OutOfRange;
    let cfg = ValidationConfig::only(&[r]);
    let s = SimpleScore::from_text("4/4", "C major", &[("soprano", &["C6:1 | E6:1 | G5:1"])]).unwrap();
    let d = diagnostics(&s, r, &cfg);
    assert_eq!(d.len(), 2);
    // C6: inside the professional range, outside the practical one: one step milder.
    assert_eq!((d[0].location.measure, d[0].severity), (0, Severity::Warning));
    assert_eq!((d[1].location.measure, d[1].severity), (1, Severity::Error));
    assert_eq!(
        d[0].fix,
        Some(Fix::SetPitch {
            event: d[0].location.event.unwrap(),
            from: "C6".parse().unwrap(),
            to: "C5".parse().unwrap()
        })
    );
    // Written pitch of a transposing instrument: clarinet written D7 sounds C7, above its B-flat 6.
    assert_eq!(fired(r, "C major", &[("clarinet", &["D7:1"])]).len(), 1);
    assert!(fired(r, "C major", &[("clarinet", &["C6:1"])]).is_empty());
}

#[test]
fn parallel_fifths() {
    let r = Rule::ParallelFifths;
    assert_eq!(
        fired(r, "C major", &[("soprano", &["G4:2 A4:2"]), ("bass", &["C3:2 D3:2"])]),
        [at(0, 0, "3")]
    );
    // Between any two parts, wherever they are in the score, and across the barline.
    assert_eq!(
        fired(
            r,
            "C major",
            &[("violin", &["G5:1 | A5:1"]), ("flute", &["E5:1 | E5:1"]), ("cello", &["C3:1 | D3:1"])]
        ),
        [at(0, 1, "1")]
    );
    // Near misses: a fifth to a sixth; fifths in contrary motion; a diminished fifth to a perfect one.
    assert!(fired(r, "C major", &[("soprano", &["G4:2 B4:2"]), ("bass", &["C3:2 D3:2"])]).is_empty());
    assert!(fired(r, "C major", &[("soprano", &["G4:2 A5:2"]), ("bass", &["C3:2 D2:2"])]).is_empty());
    assert!(fired(r, "C major", &[("soprano", &["F4:2 G4:2"]), ("bass", &["B2:2 C3:2"])]).is_empty());
}

#[test]
fn parallel_octaves() {
    let r = Rule::ParallelOctaves;
    assert_eq!(
        fired(r, "C major", &[("soprano", &["E5:4 C5:4 D5:2"]), ("bass", &["G3:4 C3:4 D3:2"])]),
        [at(0, 0, "3")]
    );
    assert!(
        fired(r, "C major", &[("soprano", &["E5:4 C5:4 B4:2"]), ("bass", &["G3:4 C3:4 D3:2"])]).is_empty()
    );
    // Two parts doubling a line throughout the measure are one line, not two voices.
    let doubled = [("flute", &["C5 D5 E5 F5"][..]), ("violin", &["C6 D6 E6 F6"][..])];
    assert!(fired(r, "C major", &doubled).is_empty());
    let cfg = ValidationConfig::only(&[r]).report_doublings(true);
    assert_eq!(fired_with(r, "4/4", "C major", &doubled, &cfg).len(), 3);
}

#[test]
fn hidden_fifths() {
    let r = Rule::HiddenFifths;
    assert_eq!(
        fired(r, "C major", &[("soprano", &["A5:2 D5:2"]), ("bass", &["C3:2 G2:2"])]),
        [at(0, 0, "3")]
    );
    // The upper voice moves by step: allowed.
    assert!(fired(r, "C major", &[("soprano", &["E5:2 D5:2"]), ("bass", &["C3:2 G2:2"])]).is_empty());
}

#[test]
fn hidden_octaves() {
    let r = Rule::HiddenOctaves;
    assert_eq!(
        fired(r, "C major", &[("soprano", &["E5:2 C6:2"]), ("bass", &["G3:2 C4:2"])]),
        [at(0, 0, "3")]
    );
    assert!(fired(r, "C major", &[("soprano", &["B5:2 C6:2"]), ("bass", &["G3:2 C4:2"])]).is_empty());
}

#[test]
fn voice_crossing() {
    let r = Rule::VoiceCrossing;
    assert_eq!(fired(r, "C major", &[("soprano", &["C5:1"]), ("alto", &["E5:1"])]), [at(1, 0, "1")]);
    assert!(fired(r, "C major", &[("soprano", &["C5:1"]), ("alto", &["A4:1"])]).is_empty());
    // Two voices in one part.
    assert_eq!(fired(r, "C major", &[("piano", &["C5:1", "E5:1"])]).len(), 1);
    // Instruments of a band are not expected in score order by default; they are on request.
    let band = [("flute", &["C5:1"][..]), ("oboe", &["E5:1"][..])];
    assert!(fired(r, "C major", &band).is_empty());
    let cfg = ValidationConfig::only(&[r]).order_scope(OrderScope::AllParts);
    assert_eq!(fired_with(r, "4/4", "C major", &band, &cfg).len(), 1);
}

#[test]
fn voice_overlap() {
    let r = Rule::VoiceOverlap;
    assert_eq!(
        fired(r, "C major", &[("soprano", &["E5:2 G5:2"]), ("alto", &["C5:2 F5:2"])]),
        [at(1, 0, "3")]
    );
    assert!(fired(r, "C major", &[("soprano", &["E5:2 G5:2"]), ("alto", &["C5:2 D5:2"])]).is_empty());
}

#[test]
fn spacing_too_wide() {
    let r = Rule::SpacingTooWide;
    let satb = |alto: &'static str| -> Vec<(&'static str, &'static [&'static str])> {
        vec![
            ("soprano", &["E5:1"]),
            ("alto", Box::leak(Box::new([alto]))),
            ("tenor", &["G3:1"]),
            ("bass", &["C2:1"]),
        ]
    };
    assert_eq!(fired(r, "C major", &satb("C4:1")), [at(0, 0, "1")]);
    // Tenor and bass may be far apart; upper voices within an octave are fine.
    assert!(fired(r, "C major", &satb("G4:1")).is_empty());
}

#[test]
fn large_leap() {
    let r = Rule::LargeLeap;
    assert_eq!(fired(r, "C major", &[("soprano", &["C4:2 E5:2"])]), [at(0, 0, "3")]);
    assert!(fired(r, "C major", &[("soprano", &["C4:2 C5:2"])]).is_empty());
    let cfg = ValidationConfig::only(&[r]).max_leap_semitones(7);
    assert_eq!(fired_with(r, "4/4", "C major", &[("soprano", &["C4:2 A4:2"])], &cfg).len(), 1);
}

#[test]
fn unresolved_leading_tone() {
    let r = Rule::UnresolvedLeadingTone;
    let parts = |s: &'static str| -> Vec<(&'static str, &'static [&'static str])> {
        vec![("soprano", Box::leak(Box::new([s]))), ("alto", &["D4:2 E4:2"]), ("bass", &["G3:2 C3:2"])]
    };
    assert_eq!(fired(r, "C major", &parts("B4:2 A4:2")), [at(0, 0, "1")]);
    assert!(fired(r, "C major", &parts("B4:2 C5:2")).is_empty());
    // Across the barline, in minor.
    let minor =
        [("soprano", &["G#4:1 | E4:1"][..]), ("alto", &["E4:1 | C4:1"][..]), ("bass", &["B2:1 | A2:1"][..])];
    assert_eq!(fired(r, "A minor", &minor), [at(0, 0, "1")]);
}

#[test]
fn unresolved_seventh() {
    let r = Rule::UnresolvedSeventh;
    let parts = |s: &'static str| -> Vec<(&'static str, &'static [&'static str])> {
        vec![
            ("soprano", Box::leak(Box::new([s]))),
            ("alto", &["B4:2 C5:2"]),
            ("tenor", &["D4:2 C4:2"]),
            ("bass", &["G3:2 C3:2"]),
        ]
    };
    assert_eq!(fired(r, "C major", &parts("F5:2 G5:2")), [at(0, 0, "1")]);
    assert!(fired(r, "C major", &parts("F5:2 E5:2")).is_empty());
}

#[test]
fn accidental_redundant() {
    let r = Rule::AccidentalRedundant;
    assert_eq!(fired(r, "G major", &[("flute", &["F#5:1!"])]), [at(0, 0, "1")]);
    assert!(fired(r, "G major", &[("flute", &["F5:2! F#5:2!"])]).is_empty());
    assert_eq!(fired(r, "C major", &[("flute", &["F#5:2! F#5:2!"])]), [at(0, 0, "3")]);
    // A different octave needs its own accidental.
    assert!(fired(r, "C major", &[("flute", &["F#5:2! F#4:2!"])]).is_empty());
    // A courtesy natural after a barline is not redundant.
    assert!(fired(r, "C major", &[("flute", &["F#5:1! | F5:1!"])]).is_empty());
    assert!(fired(r, "C major", &[("flute", &["F#5:1! | F5:1?"])]).is_empty());
}

#[test]
fn enharmonic_spelling() {
    let r = Rule::EnharmonicSpelling;
    let d = fired(r, "C major", &[("piano", &["E4+Ab4+B4:1"])]);
    assert_eq!(d, [at(0, 0, "1")]);
    assert!(fired(r, "C major", &[("piano", &["E4+G#4+B4:1"])]).is_empty());
    // A German sixth-like sound spelled as a dominant seventh is a chord, not an error.
    assert!(fired(r, "C major", &[("piano", &["Ab3+C4+Eb4+Gb4:1"])]).is_empty());
    // No chord: a spelling far from the key.
    assert_eq!(fired(r, "C major", &[("flute", &["E#5:1"])]).len(), 1);
    assert!(fired(r, "C major", &[("flute", &["F#5:1"])]).is_empty());
    assert!(fired(r, "C# major", &[("flute", &["E#5:1"])]).is_empty());
    let s = SimpleScore::from_text("4/4", "C major", &[("piano", &["E4+Ab4+B4:1"])]).unwrap();
    let d = diagnostics(&s, r, &ValidationConfig::only(&[r]));
    assert!(matches!(&d[0].fix, Some(Fix::SetPitch { to, .. }) if to.to_string() == "G#4"));
}

#[test]
fn chord_symbol_mismatch() {
    let r = Rule::ChordSymbolMismatch;
    assert_eq!(fired(r, "C major", &[("piano", &["C4+Eb4+G4:1@C"])]), [at(0, 0, "1")]);
    assert!(fired(r, "C major", &[("piano", &["C4+E4+G4+D5:1@C"])]).is_empty());
    // The notes may come from other parts.
    assert_eq!(
        fired(r, "C major", &[("guitar", &["r:1@G7"]), ("violin", &["G#4:1"]), ("cello", &["G2:1"])]).len(),
        1
    );
    assert!(
        fired(r, "C major", &[("guitar", &["r:1@G7"]), ("violin", &["F4:1"]), ("cello", &["G2:1"])])
            .is_empty()
    );
    // A slash bass the notes contradict.
    assert_eq!(fired(r, "C major", &[("piano", &["E3+G3+C4:1@C/G"])]).len(), 1);
    assert!(fired(r, "C major", &[("piano", &["G3+C4+E4:1@C/G"])]).is_empty());
}

#[test]
fn rules_are_documented() {
    for r in Rule::ALL {
        assert_eq!(Rule::from_id(r.id()), Some(*r));
        assert!(!r.description().is_empty() && !r.example().is_empty(), "{r}");
    }
    assert_eq!(Rule::ALL.len(), 18);
}

#[test]
fn affected_measures_are_one_more_each_side() {
    assert_eq!(validate::affected_measures(3..5, 10), 2..6);
    assert_eq!(validate::affected_measures(0..1, 10), 0..2);
    assert_eq!(validate::affected_measures(9..10, 10), 8..10);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Range validation equals the full result filtered to the range.
    #[test]
    fn range_equals_filtered_full(seed in any::<u64>(), start in 0usize..14, len in 1usize..6) {
        let s = generate::band_score(12, 16, seed);
        let cfg = ValidationConfig::default().order_scope(OrderScope::AllParts);
        let full = validate::validate(&s, &cfg);
        let range = start..(start + len).min(16);
        let part = validate::validate_measures(&s, range.clone(), &cfg);
        let expected: Vec<_> = full.into_iter().filter(|d| range.contains(&d.location.measure)).collect();
        prop_assert_eq!(part, expected);
    }

    /// After an edit, re-validating the affected measures and splicing gives the full result.
    #[test]
    fn incremental_revalidation_is_exact(seed in any::<u64>(), edited in 0usize..16, shift in 1i32..5) {
        let s = generate::band_score(8, 16, seed);
        let cfg = ValidationConfig::default().order_scope(OrderScope::AllParts);
        let before = validate::validate(&s, &cfg);
        let mut t = s.clone();
        for p in 0..t.part_count() {
            if let Ok(evs) = t.events_mut(p, edited, 0) {
                for e in evs.iter_mut() {
                    if let EventKind::Note(n) = &mut e.kind {
                        n.pitch = n.pitch.transpose(Interval::from_parts(shift, [0, 2, 4, 5, 7][shift as usize])).unwrap_or(n.pitch);
                    }
                }
            }
        }
        let affected = validate::affected_measures(edited..edited + 1, 16);
        let mut spliced: Vec<_> = before.into_iter().filter(|d| !affected.contains(&d.location.measure)).collect();
        spliced.extend(validate::validate_measures(&t, affected, &cfg));
        spliced.sort_by_key(|d| d.location.measure);
        let mut full = validate::validate(&t, &cfg);
        full.sort_by_key(|d| d.location.measure);
        prop_assert_eq!(spliced, full);
    }
}

/// A random score with odd rhythms (tuplets of 3, 5 and 7, under- and overfull voices), ties,
/// drawn accidentals, chord symbols and several voices, for the laws below.
fn random_score(seed: u64, parts: usize, measures: usize) -> SimpleScore {
    let mut rng = generate::XorShift::new(seed);
    let ids = ["soprano", "alto", "clarinet", "horn", "cello", "piano"];
    let infos =
        (0..parts).map(|p| PartInfo::new("p", instrument::by_id(ids[p % ids.len()]).unwrap())).collect();
    let mut s = SimpleScore::new(infos, measures, TimeSignature::COMMON, Key::C_MAJOR);
    s.set_time_from(measures / 2, "3+2+2/8".parse().unwrap());
    s.set_key_from(measures / 3, "E minor".parse().unwrap());
    let values = [
        Rational::new(1, 4),
        Rational::new(1, 8),
        Rational::new(1, 12),
        Rational::new(1, 20),
        Rational::new(1, 7),
        Rational::new(3, 8),
    ];
    for p in 0..parts {
        for m in 0..measures {
            for v in 0..1 + rng.below(2) as usize {
                let mut onset = Rational::ZERO;
                let target = s.measure(m).length() + Rational::new(rng.below(3) as i64 - 1, 8);
                let mut evs = Vec::new();
                while onset < target {
                    let d = values[rng.below(values.len() as u64) as usize];
                    let kind = if rng.chance(10) {
                        EventKind::Rest
                    } else {
                        let n = |rng: &mut generate::XorShift| {
                            let pitch = Pitch::try_new(
                                Step::from_index(rng.below(7) as i32),
                                rng.below(5) as i32 - 2,
                                2 + rng.below(4) as i32,
                            )
                            .unwrap();
                            let tie = if rng.chance(10) { Tie::Start } else { Tie::None };
                            let accidental = if rng.chance(20) {
                                AccidentalDisplay::Shown
                            } else {
                                AccidentalDisplay::Auto
                            };
                            Note { pitch, tie, accidental }
                        };
                        if rng.chance(20) {
                            EventKind::Chord(vec![n(&mut rng), n(&mut rng), n(&mut rng)])
                        } else {
                            EventKind::Note(n(&mut rng))
                        }
                    };
                    let id = s.next_event_id();
                    let mut e = Event::new(id, onset, d, kind);
                    if rng.chance(5) {
                        e.chord_symbol = Some("G7".parse().unwrap());
                    }
                    if rng.chance(5) {
                        e.tuplets.push(TupletMark {
                            group: 1,
                            ratio: TupletRatio::new(3, 2).unwrap(),
                            span: Rational::new(1, 4),
                        });
                    }
                    onset += d;
                    evs.push(e);
                }
                s.set_events(p, m, v, evs).unwrap();
            }
        }
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// The range law holds on odd rhythms too, and nothing panics.
    #[test]
    fn range_law_on_odd_rhythms(seed in any::<u64>(), start in 0usize..9, len in 1usize..4) {
        let s = random_score(seed, 4, 10);
        let cfg = ValidationConfig::default().order_scope(OrderScope::AllParts).report_doublings(true);
        let full = validate::validate(&s, &cfg);
        let range = start..(start + len).min(10);
        let part = validate::validate_measures(&s, range.clone(), &cfg);
        let expected: Vec<_> = full.into_iter().filter(|d| range.contains(&d.location.measure)).collect();
        prop_assert_eq!(part, expected);
    }
}

/// One edit of what part `part`'s notes sound in measure `m`: a transposition, a copy of
/// another part's pitches (making a doubling, or breaking one), or toggled ties.
fn edit_part(s: &mut SimpleScore, part: usize, m: usize, mode: u8, shift: i32, other: usize, k: usize) {
    const DIATONIC: [i32; 12] = [0, 1, 1, 2, 2, 3, 3, 4, 5, 5, 6, 6];
    let source: Vec<(Rational, Pitch)> = s
        .events(other, m, 0)
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Note(n) => Some((e.onset, n.pitch)),
            _ => None,
        })
        .collect();
    for v in 0..s.voice_count(part, m) {
        let Ok(evs) = s.events_mut(part, m, v) else { continue };
        for (i, e) in evs.iter_mut().enumerate() {
            let onset = e.onset;
            let notes: &mut [Note] = match &mut e.kind {
                EventKind::Note(n) => std::slice::from_mut(n),
                EventKind::Chord(ns) => ns,
                EventKind::Rest => continue,
            };
            for n in notes {
                match mode {
                    0 => {
                        let iv = Interval::from_parts(DIATONIC[shift as usize % 12], shift % 12);
                        n.pitch = n.pitch.transpose(iv).unwrap_or(n.pitch);
                    }
                    1 => {
                        if let Some(&(_, p)) = source.iter().find(|(o, _)| *o == onset) {
                            n.pitch = p;
                        }
                    }
                    _ if i % 3 == k % 3 => {
                        n.tie = if n.tie == Tie::None { Tie::Start } else { Tie::None };
                    }
                    _ => {}
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Re-checking only the edited part, with the memo of the check before, equals a fresh
    /// check of the measure and its neighbours: also when the edit makes or breaks a doubling
    /// (which changes the voice a doubled line is compared by), and when the memo itself came
    /// from a re-check.
    #[test]
    fn recheck_of_one_part_equals_a_fresh_check(
        seed in any::<u64>(),
        edits in prop::collection::vec((0usize..10, 0usize..6, 0u8..3, 1i32..12, any::<u16>()), 1..4),
        doublings in any::<bool>(),
    ) {
        let mut s = generate::band_score(10, 6, seed);
        let cfg = ValidationConfig::default().report_doublings(doublings);
        let mut v = validate::Validator::new();
        let mut checks: Vec<_> = (0..6).map(|m| v.check_measure(&s, m, &cfg)).collect();
        for (part, m, mode, shift, k) in edits {
            let other = (part + 1 + k as usize % 9) % 10;
            edit_part(&mut s, part, m, mode, shift, other, k as usize);
            let around = m.saturating_sub(1)..(m + 2).min(6);
            for (at, (list, memo)) in checks.iter_mut().enumerate().take(around.end).skip(around.start) {
                v.recheck_part(&s, at, part, &cfg, list, memo);
                let fresh = v.check_measure(&s, at, &cfg);
                prop_assert_eq!(&*list, &fresh.0, "measure {} after an edit of part {} in {}", at, part, m);
            }
        }
    }
}
