//! Analysis facts: keys, chords, roman numerals, chordify, transposition, rhythm.

use bandpro_music::chord::identify;
use bandpro_music::key_detect::{self, KeyOptions, KeyProfile, WindowOptions};
use bandpro_music::roman::{Function, roman_numeral_of};
use bandpro_music::*;

fn pitches(s: &str) -> Vec<Pitch> {
    s.split_whitespace().map(|p| p.parse().unwrap()).collect()
}

fn key(s: &str) -> Key {
    s.parse().unwrap()
}

#[test]
fn key_of_scales() {
    fn check(key_sig: &str, melody: &str, expected: &str) {
        let s = SimpleScore::from_text("4/4", key_sig, &[("piano", &[melody])]).unwrap();
        for profile in KeyProfile::ALL {
            let got = key_detect::detect_key_with(&s, &KeyOptions::profile_only(profile));
            assert_eq!(got.key.to_string(), expected, "{profile:?} on {melody}");
        }
        let got = key_detect::detect_key(&s);
        assert_eq!(got.key.to_string(), expected, "default on {melody}");
        assert!(got.correlation > 0.5, "{}", got.correlation);
        assert_eq!(got.ranked.len(), 24);
        assert!(got.runners_up(3).iter().all(|c| c.score <= got.ranked[0].score));
    }
    check("C major", "C4 D4 E4 F4 | G4 A4 B4 C5 | G4:2 E4:2 | C4:1", "C major");
    check("G major", "G4 A4 B4 C5 | D5 E5 F#5 G5 | D5:2 B4:2 | G4:1", "G major");
    check("Eb major", "Eb4 F4 G4 Ab4 | Bb4 C5 D5 Eb5 | Bb4:2 G4:2 | Eb4:1", "Eb major");
    check("A minor", "A4 B4 C5 D5 | E5 F5 G#5 A5 | E5:2 C5:2 | A4:1", "A minor");
    check("F# minor", "F#4 G#4 A4 B4 | C#5 D5 E#5 F#5 | C#5:2 A4:2 | F#4:1", "F# minor");
}

#[test]
fn key_candidates_report_correlations() {
    let s = SimpleScore::from_text(
        "4/4",
        "C major",
        &[("piano", &["C4 E4 G4 C5 | F4 A4 C5 F5 | G4 B4 D5 G5 | C5:1"])],
    )
    .unwrap();
    let k = key_detect::detect_key(&s);
    assert_eq!(k.key, key("C major"));
    let ranked: Vec<String> = k.runners_up(4).iter().map(|c| c.key.to_string()).collect();
    // The close rivals are the neighbours on the circle of fifths and the relative minor.
    assert!(ranked.iter().any(|k| k == "F major" || k == "G major" || k == "A minor"), "{ranked:?}");
    for w in k.ranked.windows(2) {
        assert!(w[0].score >= w[1].score);
    }
}

#[test]
fn windowed_keys_find_a_modulation() {
    // Eight measures of C major cadences, then eight of A-flat major (no common tones with the
    // dominant side, so the change is unambiguous).
    let c = "C4 E4 G4 C5 | F4 A4 C5 A4 | G4 B4 D5 B4 | C5 G4 E4 C4 | ";
    let ab = "Ab4 C5 Eb5 Ab5 | Db5 F5 Ab5 F5 | Eb5 G5 Bb5 G5 | Ab5 Eb5 C5 Ab4 | ";
    let text = format!("{c}{c}{ab}{ab}").trim_end_matches(['|', ' ']).to_string();
    let s = SimpleScore::from_text("4/4", "C major", &[("piano", &[text.as_str()])]).unwrap();
    let w = key_detect::windowed_keys(&s, &WindowOptions::default());
    assert_eq!(w.per_measure.len(), 16);
    assert_eq!(w.per_measure[1], key("C major"));
    assert_eq!(w.per_measure[14], key("Ab major"));
    let mods = w.modulations();
    assert_eq!(mods.len(), 1, "{:?}", w.regions);
    let (at, from, to) = mods[0];
    assert!((7..=9).contains(&at), "modulation found at {at}");
    assert_eq!((from, to), (key("C major"), key("Ab major")));
}

#[test]
fn chord_names() {
    // (notes, lowest first; symbol; figured bass)
    fn check(notes: &str, symbol: &str, figures: &str) {
        let c = identify(&pitches(notes)).unwrap_or_else(|| panic!("no chord for {notes}"));
        assert_eq!(c.symbol().to_string(), symbol, "{notes}: {}", c.name());
        assert_eq!(c.figured_bass(), figures, "{notes}");
    }
    check("C4 F4 G4", "Csus4", "5/4");
    check("C4 D4 G4", "Csus2", "5/2");
    check("C4 E4 G4", "C", "");
    check("E3 G3 C4", "C/E", "6");
    check("G3 C4 E4", "C/G", "6/4");
    check("C4 Eb4 G4", "Cm", "");
    check("B3 D4 F4", "Bdim", "");
    check("C4 E4 G#4", "Caug", "");
    check("G3 B3 D4 F4", "G7", "7");
    check("B3 D4 F4 G4", "G7/B", "6/5");
    check("D4 F4 G4 B4", "G7/D", "4/3");
    check("F3 G3 B3 D4", "G7/F", "4/2");
    check("F#3 A3 C4 E4", "F#m7b5", "7");
    check("C4 E4 G4 B4", "Cmaj7", "7");
    check("D4 F4 A4 C5", "Dm7", "7");
    check("B3 D4 F4 Ab4", "Bdim7", "7");
    check("C4 E4 G4 A4", "C6", "6/5");
    check("A3 C4 E4 G4", "Am7", "7");
    check("C3 G3 C4", "C5", "");
    check("C4 E4 G4 D5", "Cadd9", "9/5/3");
    check("C3 E3 Bb3 D4", "C9", "9/7/3");
    check("C3 E3 Bb3 A4", "C13", "7/6/3");
    check("C3 E3 Bb3 D#4", "C7#9", "9/7/3");
    check("C3 E3 G3 Bb3 Db4", "C7b9", "9/7/5/3");
    check("C4 E4 G#4 Bb4", "C7#5", "7");
    check("C4 Eb4 G4 B4", "Cm(maj7)", "7");
    check("C4 E4", "C", "");
    check("C3 F3 G3 Bb3", "C7sus4", "7/5/4");
    // Without its fifth the same sound reads more simply as a suspended F chord over C.
    check("C3 F3 Bb3", "Fsus4/C", "7/4");
    // A diminished seventh takes its root from its spelling, whatever the bass.
    check("D4 F4 Ab4 B4", "Bdim7/D", "6/5");
    assert!(identify(&pitches("C4 C#4 D4")).is_none());
    assert!(identify(&pitches("C4 C5")).is_none());
    let misspelled = identify(&pitches("C4 Fb4 G4")).unwrap();
    assert_eq!(misspelled.quality, ChordQuality::Major);
    assert!(!misspelled.spelled_consistently);
}

#[test]
fn roman_numerals_of_cadences() {
    // I-IV-V7-I in several keys: (key, the four chords, expected numerals)
    fn check(k: &str, chords: [&str; 4], expected: [&str; 4]) {
        for (c, e) in chords.iter().zip(expected) {
            let r = roman_numeral_of(&pitches(c), key(k)).unwrap();
            assert_eq!(r.figure, e, "{c} in {k}");
        }
    }
    check("C major", ["C3 E4 G4 C5", "F3 F4 A4 C5", "G3 F4 B4 D5", "C3 E4 G4 C5"], ["I", "IV", "V7", "I"]);
    check("G major", ["G2 B3 D4 G4", "C3 C4 E4 G4", "D3 C4 F#4 A4", "G2 B3 D4 G4"], ["I", "IV", "V7", "I"]);
    check(
        "Eb major",
        ["Eb3 G3 Bb3 Eb4", "Ab2 Ab3 C4 Eb4", "Bb2 Ab3 D4 F4", "Eb3 G3 Bb3 Eb4"],
        ["I", "IV", "V7", "I"],
    );
    check("F# major", ["F#3 A#3 C#4", "B2 D#4 F#4", "C#3 E#3 G#3 B3", "F#3 A#3 C#4"], ["I", "IV", "V7", "I"]);
    check("A minor", ["A2 C4 E4 A4", "D3 D4 F4 A4", "E3 D4 G#4 B4", "A2 C4 E4 A4"], ["i", "iv", "V7", "i"]);
    check("C major", ["E3 G3 C4", "G3 C4 E4", "B2 D3 F3 G3", "D3 F3 G3 B3"], ["I6", "I64", "V65", "V43"]);
    check(
        "C major",
        ["F3 G3 B3 D4", "B3 D4 F4", "B3 D4 F4 A4", "D3 F3 A3 C4"],
        ["V42", "vii°", "viiø7", "ii7"],
    );
}

#[test]
fn roman_numerals_chromatic() {
    fn check(k: &str, chord: &str, expected: &str, function: Function) {
        let r = roman_numeral_of(&pitches(chord), key(k)).unwrap();
        assert_eq!((r.figure.as_str(), r.function), (expected, function), "{chord} in {k}");
    }
    check("C major", "D3 F#3 A3 C4", "V7/V", Function::Secondary);
    check("C major", "D3 F#3 A3", "V/V", Function::Secondary);
    check("C major", "E3 G#3 B3", "V/vi", Function::Secondary);
    check("C major", "A2 C#3 E3 G3", "V7/ii", Function::Secondary);
    check("C major", "C3 E3 G3 Bb3", "V7/IV", Function::Secondary);
    check("C major", "F#3 A3 C4 Eb4", "vii°7/V", Function::Secondary);
    check("G major", "A3 C#4 E4 G4", "V7/V", Function::Secondary);
    check("A minor", "B2 D#3 F#3 A3", "V7/V", Function::Secondary);
    check("C major", "F3 Ab3 Db4", "N6", Function::Neapolitan);
    check("A minor", "D3 F3 Bb3", "N6", Function::Neapolitan);
    check("C major", "Ab3 C4 F#4", "It+6", Function::ItalianSixth);
    check("C major", "Ab3 C4 D4 F#4", "Fr+6", Function::FrenchSixth);
    check("C major", "Ab3 C4 Eb4 F#4", "Ger+6", Function::GermanSixth);
    check("A minor", "F3 A3 C4 D#4", "Ger+6", Function::GermanSixth);
    check("C major", "Ab2 C3 Eb3", "bVI", Function::Borrowed);
    check("C major", "F3 Ab3 C4", "iv", Function::Borrowed);
    check("C major", "Bb2 D3 F3", "bVII", Function::Borrowed);
    check("C major", "D3 F3 Ab3 C4", "iiø7", Function::Borrowed);
    check("A minor", "A2 C#3 E3", "I", Function::Borrowed);
    check("A minor", "C3 E3 G3", "III", Function::Diatonic);
    check("A minor", "G#3 B3 D4 F4", "vii°7", Function::Diatonic);
}

#[test]
fn chordify_sonorities() {
    let s = SimpleScore::from_text(
        "4/4",
        "C major",
        &[
            ("soprano", &["E5:2 F5:4 D5:4 | E5:1"]),
            ("alto", &["C5:2 C5:2 | C5:1"]),
            ("bass", &["C3:2 A2:4 G2:4 | C3:1"]),
        ],
    )
    .unwrap();
    let sons = chordify::chordify(&s);
    let names: Vec<String> =
        sons.iter().map(|s| s.chord().map(|c| c.symbol().to_string()).unwrap_or_default()).collect();
    assert_eq!(names, ["C", "F/A", "Gsus4", "C"]);
    assert_eq!(sons[2].onset, Rational::new(3, 4));
    assert_eq!(sons[3].measure, 1);
    // A transposing part is chordified at concert pitch.
    let t =
        SimpleScore::from_text("4/4", "C major", &[("clarinet", &["F#4:1"]), ("bass", &["C3:1"])]).unwrap();
    let sons = chordify::chordify(&t);
    assert_eq!(sons[0].pitches.iter().map(|p| p.to_string()).collect::<Vec<_>>(), ["C3", "E4"]);
}

#[test]
fn transposition_keeps_spelling() {
    fn check(k: &str, melody: &str, interval: &str, expected_key: &str, expected: &str) {
        let s = SimpleScore::from_text("4/4", k, &[("violin", &[melody])]).unwrap();
        let t = transpose::transpose_score(&s, interval.parse().unwrap()).unwrap();
        assert_eq!(t.measure(0).key.to_string(), expected_key);
        let got: Vec<String> = t.events(0, 0, 0).iter().map(|e| e.notes()[0].pitch.to_string()).collect();
        assert_eq!(got.join(" "), expected, "{melody} by {interval}");
    }
    check("C major", "C4 E4 G#4 B4", "M2", "D major", "D4 F#4 A#4 C#5");
    check("C major", "C4 Eb4 F#4 B4", "m3", "Eb major", "Eb4 Gb4 A4 D5");
    check("A minor", "A4 G#4 F4 E4", "-P4", "E minor", "E4 D#4 C4 B3");
    check("F major", "F4 Bb4 E4 C5", "A4", "B major", "B4 E5 A#4 F#5");
    let s = SimpleScore::from_text("4/4", "C major", &[("violin", &["C4@G7/B"])]).unwrap();
    let t = transpose::transpose_score(&s, "m3".parse().unwrap()).unwrap();
    assert_eq!(t.events(0, 0, 0)[0].chord_symbol.unwrap().to_string(), "Bb7/D");
    assert_eq!(transpose::interval_between_keys(key("C major"), key("Bb major")).to_string(), "-M2");
    assert_eq!(transpose::interval_between_keys(key("C major"), key("E major")).to_string(), "M3");
    // Transposing C# major up an augmented unison would need eight sharps.
    let s = SimpleScore::from_text("4/4", "C# major", &[("violin", &["C#4"])]).unwrap();
    assert!(matches!(transpose::transpose_score(&s, "A1".parse().unwrap()), Err(Error::InvalidKey(_))));
}

#[test]
fn best_key_for_ranges() {
    // A soprano line that sits a major third too high for a school choir (top note B5).
    let s = SimpleScore::from_text(
        "4/4",
        "E major",
        &[("soprano", &["E5 G#5 B5 G#5 | F#5 A5 G#5 E5"]), ("bass", &["E3:1 | B2:2 E3:2"])],
    )
    .unwrap();
    let fits = transpose::best_keys_for_ranges(&s);
    let best = fits[0];
    assert_eq!(best.outside_practical, 0);
    assert!(best.interval.semitones() < 0, "suggests moving down, got {}", best.interval);
    let current = fits.iter().find(|f| f.interval.semitones() == 0).unwrap();
    assert!(current.outside_practical > 0);
}

#[test]
fn rhythm_facts() {
    let s = SimpleScore::from_text("4/4", "C major", &[("flute", &["C5:8 D5 E5 F5 G5:4 A5:16 B5 C6:8"])])
        .unwrap();
    let ts = s.measure(0).time;
    let groups = rhythm::beam_groups(&ts, s.events(0, 0, 0));
    assert_eq!(groups, vec![0..2, 2..4, 5..8]);
    let s = SimpleScore::from_text("6/8", "C major", &[("flute", &["C5:8 D5 E5 F5 G5 A5"])]).unwrap();
    assert_eq!(rhythm::beam_groups(&s.measure(0).time, s.events(0, 0, 0)), vec![0..3, 3..6]);
    let s = SimpleScore::from_text("3+2+2/8", "C major", &[("flute", &["C5:8 D5 E5 F5 G5 A5 B5"])]).unwrap();
    assert_eq!(rhythm::beam_groups(&s.measure(0).time, s.events(0, 0, 0)), vec![0..3, 3..5, 5..7]);
    // Syncopation: an off-beat note held across a stronger beat.
    let s =
        SimpleScore::from_text("4/4", "C major", &[("flute", &["C5:4 D5:8 E5:4 F5:8 G5:4~ | G5:4 r:2."])])
            .unwrap();
    let ts = s.measure(0).time;
    // E5 (off the beat, across beat 3) and G5 (beat 4, tied across the barline).
    assert_eq!(rhythm::syncopations(&ts, s.events(0, 0, 0)), vec![2, 4]);
    assert!(rhythm::syncopation_score(&ts, s.events(0, 0, 0)) > 0);
    let s = SimpleScore::from_text("4/4", "C major", &[("flute", &["C5:4 D5:4 E5:2"])]).unwrap();
    assert!(rhythm::syncopations(&ts, s.events(0, 0, 0)).is_empty());
    assert_eq!(rhythm::metric_strength(&ts, Rational::new(1, 2)), 1);
    assert_eq!(rhythm::metric_strength(&ts, Rational::new(1, 4)), 2);
}

#[test]
fn key_of_a_minor_chorale_with_a_picardy_third() {
    // i - iv - V - i - VI - ii°6 - V - I(Picardy), four voices.
    let s = SimpleScore::from_text(
        "4/4",
        "A minor",
        &[
            ("soprano", &["E5 F5 E5 E5 | E5 D5 E5:2 | C#5:1"]),
            ("alto", &["C5 A4 B4 C5 | C5 B4 G#4:2 | A4:1"]),
            ("tenor", &["A3 D4 G#3 A3 | A3 F3 B3:2 | E3:1"]),
            ("bass", &["A2 D3 E3 A2 | F2 D3 E3:2 | A2:1"]),
        ],
    )
    .unwrap();
    assert_eq!(key_detect::detect_key(&s).key, key("A minor"));
    // Without the signature's help (as from a MIDI file with no key signature) too.
    let mut bare = s.clone();
    bare.set_key_from(0, Key::C_MAJOR);
    assert_eq!(key_detect::detect_key(&bare).key, key("A minor"));
}
