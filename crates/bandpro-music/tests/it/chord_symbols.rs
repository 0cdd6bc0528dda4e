//! Chord symbols with degree alterations and the rarer qualities: their text form (which
//! bandpro-core stores, so `Display` and `FromStr` must round-trip), their tones, what
//! validation makes of them, and changes of chord during a note through ABC.

use bandpro_music::chord_symbol::{Degree, DegreeKind, Degrees};
use bandpro_music::formats::abc;
use bandpro_music::validate::{self, Rule, ValidationConfig};
use bandpro_music::*;
use proptest::prelude::*;

fn names(s: &ChordSymbol) -> Vec<String> {
    s.pitch_names().iter().map(|n| n.to_string()).collect()
}

/// `input` parses, prints as `printed`, and spells `notes`.
fn check(input: &str, printed: &str, notes: &[&str]) {
    let sym: ChordSymbol = input.parse().unwrap_or_else(|e| panic!("{input}: {e}"));
    assert_eq!(sym.to_string(), printed, "{input}");
    assert_eq!(names(&sym), notes, "{input}");
    assert_eq!(printed.parse::<ChordSymbol>().unwrap(), sym, "{input}");
}

#[test]
fn degrees_and_rare_qualities_parse_and_print() {
    check("Cmaj7(add#11)", "Cmaj7(add#11)", &["C", "E", "G", "B", "F#"]);
    check("B7(#5,add#9)", "B7(#5,add#9)", &["B", "D#", "F##", "A", "C##"]);
    check("Cm7(add11)", "Cm7(add11)", &["C", "Eb", "G", "Bb", "F"]);
    check("C(no3,b5)", "C(no3,b5)", &["C", "Gb"]);
    check("C(no1,addb6)", "C(no1,addb6)", &["E", "G", "Ab"]);
    check("C7b5(add#9)/E", "C7b5(add#9)/E", &["C", "E", "Gb", "Bb", "D#"]);
    check("Cm(maj7)(add9)/Eb", "Cm(maj7)(add9)/Eb", &["C", "Eb", "G", "B", "D"]);
    check("C6/9(add#11)/E", "C6/9(add#11)/E", &["C", "E", "G", "A", "D", "F#"]);
    check("C(♮5)", "C(♮5)", &["C", "E", "G"]);
    check("C(nobb13)", "C(nobb13)", &["C", "E", "G"]);
    check("C(addbb7)", "C(addbb7)", &["C", "E", "G", "Bbbb"]);
    // A name beyond triple flats is left out of the spelling (not of the tones).
    check("Cb(addbb7)", "Cb(addbb7)", &["Cb", "Eb", "Gb"]);
    check("Cmaj11", "Cmaj11", &["C", "E", "G", "B", "D", "F"]);
    check("DbN6", "DbN6", &["Db", "F", "Ab"]);
    check("AbIt+6", "AbIt+6", &["Ab", "C", "F#"]);
    check("AbFr+6", "AbFr+6", &["Ab", "C", "D", "F#"]);
    check("AbGr+6", "AbGr+6", &["Ab", "C", "Eb", "F#"]);
    check("FTristan", "FTristan", &["F", "B", "D#", "G#"]);
    check("Cpedal", "Cpedal", &["C"]);
    check("Cother(add3,add5)", "Cother(add3,add5)", &["C", "E", "G"]);
    // Other spellings read, written the one way.
    check("CM11", "Cmaj11", &["C", "E", "G", "B", "D", "F"]);
    check("Ctristan", "CTristan", &["C", "F#", "A#", "D#"]);
    check("Cped", "Cpedal", &["C"]);
    check("AbGer6", "AbGr+6", &["Ab", "C", "Eb", "F#"]);
    check("C7(9)", "C7(add9)", &["C", "E", "G", "Bb", "D"]);
    check("C7(♭9, ♯11)", "C7(b9,#11)", &["C", "E", "G", "Bb", "Db", "F#"]);
    check("C(omit3)", "C(no3)", &["C", "G"]);
    // Older strings (bandpro-core has them stored) read as before.
    check("G7/B", "G7/B", &["G", "B", "D", "F"]);
    check("C6/9", "C6/9", &["C", "E", "G", "A", "D"]);
    check("Cm(maj7)", "Cm(maj7)", &["C", "Eb", "G", "B"]);
    check("Bbmaj7/D", "Bbmaj7/D", &["Bb", "D", "F", "A"]);
    check("C/E", "C/E", &["C", "E", "G"]);
    check("F#m7b5", "F#m7b5", &["F#", "A", "C", "E"]);
    // A bass on the root is kept as written, so that every value prints and reads back.
    check("C/C", "C/C", &["C", "E", "G"]);
    for bad in
        ["C()", "C(add)", "C(add14)", "C(b5", "C(maj7)", "C(#5,add9,no3,b9,add11)", "C(add#x9)", "C7(b9)/H"]
    {
        assert!(bad.parse::<ChordSymbol>().is_err(), "{bad} should not parse");
    }
}

#[test]
fn degrees_are_checked() {
    assert!(Degree::new(DegreeKind::Add, 0, 0).is_err());
    assert!(Degree::new(DegreeKind::Add, 14, 0).is_err());
    assert!(Degree::new(DegreeKind::Alter, 5, 3).is_err());
    let d = Degree::new(DegreeKind::Subtract, 3, 0).unwrap();
    assert_eq!((d.kind(), d.value(), d.alter(), d.steps()), (DegreeKind::Subtract, 3, 0, 2));
    let mut ds = Degrees::NONE;
    for _ in 0..Degrees::MAX {
        ds.push(d).unwrap();
    }
    assert!(ds.push(d).is_err());
    assert_eq!(ds.len(), 4);
    assert!(Degrees::from_slice(&[d; 5]).is_err());
    assert_eq!(Degrees::default(), Degrees::NONE);
}

/// The pitch classes a symbol allows: added and altered degrees in, subtracted ones out, the
/// bass in `mask` but not in `tones`.
#[test]
fn masks_follow_degrees() {
    let pcs = |mask: u16| (0..12).filter(|i| mask & (1 << i) != 0).collect::<Vec<u8>>();
    let sym = |s: &str| s.parse::<ChordSymbol>().unwrap();
    assert_eq!(pcs(sym("C(no3,b5)").mask()), [0, 6]);
    assert_eq!(pcs(sym("Cmaj7(add#11)").mask()), [0, 4, 6, 7, 11]);
    assert_eq!(pcs(sym("C7(#5)").mask()), [0, 4, 8, 10]);
    assert_eq!(pcs(sym("C(no1,addb6)").mask()), [4, 7, 8]);
    assert_eq!(pcs(sym("C(no3,b5)/A").tones()), [0, 6]);
    assert_eq!(pcs(sym("C(no3,b5)/A").mask()), [0, 6, 9]);
    assert_eq!(pcs(sym("Cpedal").mask()), [0]);
    assert_eq!(pcs(sym("AbGr+6").mask()), [0, 3, 6, 8]);
    // No degrees: what the quality says, as before.
    for q in ChordQuality::ALL {
        let s = ChordSymbol::new("D".parse().unwrap(), *q);
        let rotated = ((q.mask() << 2) | (q.mask() >> 10)) & 0xfff;
        assert_eq!(s.mask(), rotated, "{q:?}");
    }
}

/// The chord-symbol-mismatch rule hears the degrees.
#[test]
fn validation_hears_degrees() {
    let fired = |notes: &str| {
        let s = SimpleScore::from_text("4/4", "C major", &[("piano", &[notes])]).unwrap();
        validate::validate(&s, &ValidationConfig::only(&[Rule::ChordSymbolMismatch])).len()
    };
    assert_eq!(fired("C4+Gb4:1@C(no3,b5)"), 0);
    assert_eq!(fired("C4+Gb4:1@C"), 1);
    assert_eq!(fired("C4+E4+G#4+Bb4:1@C7(#5)"), 0);
    assert_eq!(fired("C4+E4+G#4+Bb4:1@C7"), 1);
    assert_eq!(fired("C4+E4+B4+F#5:1@Cmaj7(add#11)"), 0);
    assert_eq!(fired("C4+E4+B4+F#5:1@Cmaj7"), 1);
    // A subtracted fifth is no longer allowed: G next to the b5 is wrong.
    assert_eq!(fired("C4+G4:1@C(no5,addb5)"), 1);
}

/// Recognition never proposes the qualities only chord symbols name: a German sixth sounds like
/// a dominant seventh and is called one, a pedal is no chord.
#[test]
fn symbol_only_qualities_are_not_recognised() {
    let new = [
        ChordQuality::Major11,
        ChordQuality::Neapolitan,
        ChordQuality::Italian,
        ChordQuality::French,
        ChordQuality::German,
        ChordQuality::Pedal,
        ChordQuality::Tristan,
        ChordQuality::Other,
    ];
    for q in ChordQuality::ALL {
        assert_eq!(q.recognised(), !new.contains(q), "{q:?}");
    }
    for mask in 0..4096u16 {
        assert!(chord::candidates(mask).iter().all(|c| c.quality.recognised()));
    }
    let p = |s: &str| s.parse::<Pitch>().unwrap();
    let c = chord::identify(&[p("Ab3"), p("C4"), p("Eb4"), p("F#4")]).unwrap();
    assert_eq!(c.quality, ChordQuality::Dominant7);
}

/// Two chord symbols on one note (a change during it) go through ABC as two quoted symbols; the
/// moment of a change is not kept there (it reads back at the note's onset).
#[test]
fn chord_changes_through_abc() {
    let mut score = SimpleScore::from_text("4/4", "C major", &[("piano", &["A4:2@C G4:2@Dm7"])]).unwrap();
    score.for_each_event_mut(|_, _, e| {
        let next = if e.onset.is_zero() { "F#m6" } else { "G7(b9,#11)" };
        e.chord_changes.push(ChordChange { offset: Rational::ZERO, symbol: next.parse().unwrap() });
    });
    let text = abc::write(&score);
    assert!(text.contains("\"C\"\"F#m6\"") && text.contains("\"Dm7\"\"G7(b9,#11)\""), "{text}");
    let (back, report) = abc::read(&text).unwrap();
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    let evs = back.events(0, 0, 0);
    assert_eq!(evs[0].chord_symbol.map(|c| c.to_string()).as_deref(), Some("C"));
    assert_eq!(evs[0].chord_changes, score.events(0, 0, 0)[0].chord_changes);
    assert_eq!(evs[1].chord_changes, score.events(0, 0, 0)[1].chord_changes);
}

fn arb_name() -> impl Strategy<Value = PitchName> {
    (0..7i32, -3..=3i32).prop_map(|(s, a)| PitchName::try_new(Step::from_index(s), a).unwrap())
}

fn arb_degree() -> impl Strategy<Value = Degree> {
    (0..3usize, 1..=Degree::MAX_VALUE, -Degree::MAX_ALTER..=Degree::MAX_ALTER).prop_map(|(k, v, a)| {
        let kind = [DegreeKind::Add, DegreeKind::Alter, DegreeKind::Subtract][k];
        Degree::new(kind, v, a).unwrap()
    })
}

fn arb_symbol() -> impl Strategy<Value = ChordSymbol> {
    (
        arb_name(),
        0..ChordQuality::ALL.len(),
        proptest::option::of(arb_name()),
        proptest::collection::vec(arb_degree(), 0..=Degrees::MAX),
    )
        .prop_map(|(root, q, bass, degrees)| {
            ChordSymbol::new(root, ChordQuality::ALL[q])
                .with_bass(bass)
                .with_degrees(Degrees::from_slice(&degrees).unwrap())
        })
}

proptest! {
    /// bandpro-core keeps chord symbols as their text: every value prints and reads back.
    #[test]
    fn display_and_from_str_round_trip(s in arb_symbol()) {
        let text = s.to_string();
        let back: ChordSymbol = text.parse().unwrap();
        prop_assert_eq!(back, s);
        prop_assert_eq!(back.to_string(), text);
        // The tones are those of the spelled names (when all can be spelled: a triple-sharp
        // root has members beyond triple sharps).
        let names = s.pitch_names();
        if names.len() == s.members().len() {
            let from_names = names.iter().fold(0u16, |m, n| m | 1 << n.pitch_class());
            prop_assert_eq!(from_names, s.tones());
        }
    }
}
