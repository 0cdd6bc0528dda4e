//! Model facts: pitches, intervals, durations, keys, meters, clefs, instruments, score text.

use bandpro_music::*;
use proptest::prelude::*;

fn pitch(s: &str) -> Pitch {
    s.parse().unwrap()
}

#[test]
fn interval_spelling() {
    // (from, interval, expected)
    fn check(from: &str, interval: &str, expected: &str) {
        let i: Interval = interval.parse().unwrap();
        let got = pitch(from).transpose(i).unwrap();
        assert_eq!(got.to_string(), expected, "{from} + {interval}");
    }
    check("C#4", "d3", "Eb4");
    check("C4", "A4", "F#4");
    check("C4", "d5", "Gb4");
    check("E4", "m2", "F4");
    check("B3", "A1", "B#3");
    check("F#4", "A6", "D##5");
    check("Bb4", "-M2", "Ab4");
    check("G4", "m10", "Bb5");
    check("Db4", "d7", "Cbb5");
    check("C4", "P8", "C5");
    check("A4", "-m3", "F#4");
}

#[test]
fn interval_names() {
    fn check(a: &str, b: &str, short: &str, long: &str) {
        let i = Interval::between(pitch(a), pitch(b));
        assert_eq!(i.to_string(), short, "{a}-{b}");
        assert_eq!(i.name(), long, "{a}-{b}");
    }
    check("C4", "F#4", "A4", "augmented fourth");
    check("C4", "Gb4", "d5", "diminished fifth");
    check("C4", "Eb5", "m10", "minor tenth");
    check("E4", "C4", "-M3", "descending major third");
    check("C4", "C#4", "A1", "augmented unison");
    check("C#4", "Eb4", "d3", "diminished third");
    check("D4", "D6", "P15", "perfect fifteenth");
    check("B3", "F4", "d5", "diminished fifth");
}

#[test]
fn midi_and_frequency() {
    fn check(p: &str, midi: i32) {
        assert_eq!(pitch(p).midi(), midi, "{p}");
    }
    check("C4", 60);
    check("A4", 69);
    check("B#3", 60);
    check("Cb4", 59);
    check("F##4", 67);
    check("Ebb4", 62);
    check("A0", 21);
    check("C8", 108);
    assert!((pitch("A4").frequency() - 440.0).abs() < 1e-9);
    assert!((pitch("A5").frequency() - 880.0).abs() < 1e-9);
    assert!((pitch("C4").frequency() - 261.6256).abs() < 1e-3);
}

#[test]
fn durations_are_exact() {
    fn check(value: Rational, expected: &str) {
        assert_eq!(NoteValue::from_value(value).map(|v| v.to_string()).unwrap_or_default(), expected);
    }
    check(Rational::new(3, 8), "dotted quarter");
    check(Rational::new(1, 16), "16th");
    check(Rational::new(7, 8), "double-dotted half");
    check(Rational::new(1, 12), "");
    let triplet = TupletRatio::new(3, 2).unwrap();
    let eighth = NoteType::Eighth.value();
    let t = triplet.apply(eighth);
    assert_eq!(t + t + t, Rational::new(1, 4));
    // Nested: a triplet inside a quintuplet.
    let quint = TupletRatio::new(5, 4).unwrap();
    assert_eq!(quint.apply(triplet.apply(eighth)), Rational::new(1, 15));
}

#[test]
fn keys() {
    fn check(key: &str, fifths: i32, tonic: &str, lt: &str) {
        let k: Key = key.parse().unwrap();
        assert_eq!(k.fifths(), fifths, "{key}");
        assert_eq!(k.tonic().to_string(), tonic, "{key}");
        assert_eq!(k.leading_tone().to_string(), lt, "{key}");
    }
    check("C major", 0, "C", "B");
    check("A minor", 0, "A", "G#");
    check("Eb major", -3, "Eb", "D");
    check("c# minor", 4, "C#", "B#");
    check("D dorian", 0, "D", "C#");
    check("E phrygian", 0, "E", "D#");
    check("F lydian", 0, "F", "E");
    check("G mixolydian", 0, "G", "F#");
    check("Cb major", -7, "Cb", "Bb");
    assert_eq!(
        "Bb major".parse::<Key>().unwrap().transpose("M2".parse().unwrap()).unwrap().to_string(),
        "C major"
    );
}

#[test]
fn time_signatures() {
    fn check(ts: &str, length: Rational, beats: usize, compound: bool) {
        let t: TimeSignature = ts.parse().unwrap();
        assert_eq!(t.length(), length, "{ts}");
        assert_eq!(t.beat_count(), beats, "{ts}");
        assert_eq!(t.is_compound(), compound, "{ts}");
    }
    check("4/4", Rational::ONE, 4, false);
    check("C|", Rational::ONE, 2, false);
    check("3/4", Rational::new(3, 4), 3, false);
    check("6/8", Rational::new(3, 4), 2, true);
    check("9/8", Rational::new(9, 8), 3, true);
    check("12/8", Rational::new(3, 2), 4, true);
    check("3+2+2/8", Rational::new(7, 8), 3, false);
    check("7/8", Rational::new(7, 8), 3, false);
    check("5/4", Rational::new(5, 4), 5, false);
    assert!("4/3".parse::<TimeSignature>().is_err());
    let t: TimeSignature = "3+2+2/8".parse().unwrap();
    assert_eq!(t.beat_position(Rational::new(4, 8)), Rational::new(5, 2));
}

#[test]
fn clefs_and_instruments() {
    assert_eq!(Clef::BASS.staff_position(pitch("G2")), 0);
    assert_eq!(Clef::TREBLE.staff_position(pitch("F5")), 8);
    assert_eq!(Clef::TREBLE.ledger_lines(pitch("A3")), 2);
    fn check(id: &str, written: &str, sounding: &str) {
        let i = instrument::by_id(id).unwrap();
        assert_eq!(i.sounding(pitch(written)).unwrap().to_string(), sounding, "{id}");
        assert_eq!(i.written(pitch(sounding)).unwrap().to_string(), written, "{id}");
    }
    check("clarinet", "D4", "C4");
    check("alto-sax", "A4", "C4");
    check("tenor-sax", "D5", "C4");
    check("baritone-sax", "A5", "C4");
    check("horn", "G4", "C4");
    check("trumpet", "D5", "C5");
    check("piccolo", "C5", "C6");
    check("double-bass", "C3", "C2");
    check("eb-clarinet", "A4", "C5");
    check("flute", "C4", "C4");
    let soprano = instrument::by_id("soprano").unwrap();
    assert!(soprano.practical.unwrap().contains(pitch("G5")));
    assert!(!soprano.practical.unwrap().contains(pitch("B5")));
    assert!(soprano.professional.unwrap().contains(pitch("B5")));
    assert!(instrument::by_id("kazoo").is_err());
    for id in ["soprano", "alto", "tenor", "bass", "violin", "viola", "cello", "tuba", "timpani", "marimba"] {
        assert!(instrument::by_id(id).is_ok(), "{id}");
    }
}

#[test]
fn chord_symbols_parse_and_print() {
    fn check(s: &str, printed: &str, notes: &[&str]) {
        let sym: ChordSymbol = s.parse().unwrap();
        assert_eq!(sym.to_string(), printed, "{s}");
        let names: Vec<String> = sym.pitch_names().iter().map(|n| n.to_string()).collect();
        assert_eq!(names, notes, "{s}");
    }
    check("Csus4", "Csus4", &["C", "F", "G"]);
    check("G7/B", "G7/B", &["G", "B", "D", "F"]);
    check("F#m7b5", "F#m7b5", &["F#", "A", "C", "E"]);
    check("Bbmaj7", "Bbmaj7", &["Bb", "D", "F", "A"]);
    check("Ebø7", "Ebm7b5", &["Eb", "Gb", "Bbb", "Db"]);
    check("Bdim7", "Bdim7", &["B", "D", "F", "Ab"]);
    check("C6/9", "C6/9", &["C", "E", "G", "A", "D"]);
    check("A-7", "Am7", &["A", "C", "E", "G"]);
    assert!("H7".parse::<ChordSymbol>().is_err());
}

#[test]
fn score_text_builds_events() {
    let s = SimpleScore::from_text(
        "3/4",
        "F major",
        &[("piano", &["F4+A4+C5:2. | r:4 gBb4:16 A4:4~ A4:4", "F3:2."])],
    )
    .unwrap();
    assert_eq!(s.measure_count(), 2);
    assert_eq!(s.voice_count(0, 0), 2);
    let m1 = s.events(0, 1, 0);
    assert!(m1[1].is_grace());
    assert_eq!(m1[1].onset, Rational::new(1, 4));
    assert_eq!(m1[2].onset, Rational::new(1, 4));
    assert_eq!(m1[3].notes()[0].tie, Tie::Stop);
    assert_eq!(m1[3].end(), Rational::new(3, 4));
    let mut ids = std::collections::HashSet::new();
    for m in 0..2 {
        for v in 0..s.voice_count(0, m) {
            ids.extend(s.events(0, m, v).iter().map(|e| e.id));
        }
    }
    assert_eq!(ids.len(), 6, "ids are unique");
    let err = SimpleScore::from_text("4/4", "C major", &[("flute", &["C4 H4"])]).unwrap_err();
    assert!(matches!(err, Error::ScoreText { token, .. } if token == "H4"));
}

fn arb_pitch() -> impl Strategy<Value = Pitch> {
    (0..7i32, -2..=2i32, 1..=7i32).prop_map(|(s, a, o)| Pitch::try_new(Step::from_index(s), a, o).unwrap())
}

fn arb_interval() -> impl Strategy<Value = Interval> {
    // Generic 0..=14 steps, chromatic within a diminished/augmented of the major-scale size.
    (0..15i32, -1..=1i32, any::<bool>()).prop_map(|(steps, q, down)| {
        let base = [0, 2, 4, 5, 7, 9, 11][(steps % 7) as usize] + 12 * (steps / 7);
        let i = Interval::from_parts(steps, base + q);
        if down { -i } else { i }
    })
}

proptest! {
    #[test]
    fn transpose_up_then_down_is_identity(p in arb_pitch(), i in arb_interval()) {
        if let Ok(up) = p.transpose(i) {
            prop_assert_eq!(up.transpose(-i).unwrap(), p);
            prop_assert_eq!(up.midi() - p.midi(), i.semitones());
            prop_assert_eq!(Interval::between(p, up), i);
        }
    }

    #[test]
    fn midi_is_consistent_with_spelling(p in arb_pitch()) {
        let parsed: Pitch = p.to_string().parse().unwrap();
        prop_assert_eq!(parsed, p);
        for e in p.enharmonics() {
            prop_assert_eq!(e.midi(), p.midi());
            prop_assert_eq!(e.pitch_class(), p.pitch_class());
        }
        let respelled = Pitch::from_midi(p.midi());
        prop_assert_eq!(respelled.midi(), p.midi());
        prop_assert!(respelled.alter.abs() <= 1);
    }

    #[test]
    fn interval_names_round_trip(i in arb_interval()) {
        let parsed: Interval = i.to_string().parse().unwrap();
        prop_assert_eq!(parsed, i);
        let inv = i.invert();
        prop_assert_eq!((i.abs().simple().semitones() + inv.semitones()) % 12, 0);
    }
}
