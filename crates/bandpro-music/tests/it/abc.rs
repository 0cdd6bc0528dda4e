//! ABC 2.1: tune books, the notation's features, errors with line and column, and round trips.

use bandpro_music::formats::abc;
use bandpro_music::*;

use crate::musicxml::{dump, first_difference};

const BOOK: &str = r#"%abc-2.1
X:1
T:The Kesh
T:Jig
C:Trad.
M:6/8
L:1/8
Q:3/8=110
K:G
|:D|"G"GAG GAB|"D7"ABA ABd|edd gdd|edB dBA|
GAG GAB|ABA ABd|edd gdB|1 AGF G2:|2 AGF G2||

X:2
T:Modal and more
M:4/4
L:1/4
K:Ddor
^F F =F F|(3DEF G>A B<c|[CEG]2- [CEG] z|{/g}a {ab}b c'2|
w:one two three four five six sev-en eight nine ten
Z2|[K:A mix][M:3/4] G A B|
"#;

#[test]
fn tune_book_features() {
    let tunes = abc::read_book(BOOK).unwrap();
    assert_eq!(tunes.len(), 2);

    let (kesh, report) = &tunes[0];
    assert_eq!(report.metadata.title.as_deref(), Some("The Kesh"));
    assert_eq!(report.metadata.movement_title.as_deref(), Some("Jig"));
    assert_eq!(report.metadata.composer.as_deref(), Some("Trad."));
    let m0 = kesh.measure(0);
    assert_eq!((m0.time.to_string(), m0.key.to_string()), ("6/8".into(), "G major".into()));
    assert!(m0.pickup && m0.repeat_start);
    assert_eq!(m0.tempo, Some(Tempo { beat: Rational::new(3, 8), bpm: Rational::from_int(110) }));
    assert_eq!(kesh.events(0, 1, 0)[0].chord_symbol.unwrap().to_string(), "G");
    assert_eq!(kesh.events(0, 2, 0)[0].chord_symbol.unwrap().to_string(), "D7");
    // The first ending is measure 8, the second measure 9 (after the pickup).
    assert_eq!(kesh.measure_count(), 10);
    assert_eq!((kesh.measure(8).ending, kesh.measure(8).repeat_end), (1, Some(2)));
    assert_eq!((kesh.measure(9).ending, kesh.measure(9).repeat_end), (2, None));
    // F# from the key signature.
    assert_eq!(kesh.events(0, 8, 0)[2].notes()[0].pitch.to_string(), "F#4");

    let (modal, _) = &tunes[1];
    assert_eq!(modal.measure(0).key.to_string(), "D dorian");
    let m = modal.events(0, 0, 0);
    let names: Vec<String> = m.iter().map(|e| e.notes()[0].pitch.to_string()).collect();
    // Accidentals carry to the end of the bar.
    assert_eq!(names, ["F#4", "F#4", "F4", "F4"]);
    assert_eq!(m[0].notes()[0].accidental, AccidentalDisplay::Shown);
    assert_eq!(m[1].notes()[0].accidental, AccidentalDisplay::Auto);
    // Triplet, broken rhythm.
    let m = modal.events(0, 1, 0);
    assert_eq!(m[0].duration, Rational::new(1, 6));
    assert_eq!(m[0].tuplets[0].span, Rational::new(1, 2));
    assert_eq!((m[3].duration, m[4].duration), (Rational::new(3, 8), Rational::new(1, 8)));
    assert_eq!((m[5].duration, m[6].duration), (Rational::new(1, 8), Rational::new(3, 8)));
    assert_eq!(m[6].onset, Rational::new(9, 8));
    // Tied chord.
    let m = modal.events(0, 2, 0);
    assert!(m[0].notes().iter().all(|n| n.tie == Tie::Start));
    assert!(m[1].notes().iter().all(|n| n.tie == Tie::Stop));
    assert!(m[2].is_rest());
    // Grace notes share the onset of their note.
    let m = modal.events(0, 3, 0);
    assert_eq!(m[0].grace, Some(Grace::Acciaccatura));
    assert_eq!((m[2].grace, m[3].grace), (Some(Grace::Appoggiatura), Some(Grace::Appoggiatura)));
    assert_eq!(m[3].onset, m[4].onset);
    assert_eq!(m[5].notes()[0].pitch.to_string(), "C6");
    // Lyrics: hyphenated syllables, in note order.
    let lyric = |m: usize, i: usize| modal.events(0, m, 0)[i].lyrics[0].clone();
    assert_eq!(lyric(0, 0).text, "one");
    let sev = lyric(1, 2);
    assert_eq!((sev.text.as_str(), sev.syllabic), ("sev", Syllabic::Begin));
    assert_eq!(lyric(1, 3).syllabic, Syllabic::End);
    assert_eq!(lyric(1, 6).text, "ten");
    // A two-measure rest, then inline key and meter changes.
    assert!(modal.events(0, 4, 0)[0].is_rest() && modal.events(0, 5, 0)[0].is_rest());
    assert_eq!(modal.measure(6).key.to_string(), "A mixolydian");
    assert_eq!(modal.measure(6).time.to_string(), "3/4");
    assert_eq!(modal.events(0, 6, 0)[0].notes()[0].pitch.to_string(), "G4");
}

#[test]
fn voices_become_parts() {
    let text = "X:1\nT:Two\nM:2/4\nL:1/8\nV:1 name=\"Flute\"\nV:2 name=\"Bass\"\nK:F\nV:1\nabc'2|f4|]\nV:2\nF,4|C,4|]\n";
    let (score, _) = abc::read(text).unwrap();
    assert_eq!(score.part_count(), 2);
    assert_eq!(score.part(0).name, "Flute");
    assert_eq!(score.events(1, 0, 0)[0].notes()[0].pitch.to_string(), "F3");
    assert_eq!(score.events(0, 0, 0)[1].notes()[0].pitch.to_string(), "Bb5");
}

#[test]
fn errors_name_line_and_column() {
    fn check(text: &str, line: u32, column: u32, expected: &str) {
        match abc::read(text) {
            Err(Error::Format {
                position: FilePosition::LineColumn { line: l, column: c }, message, ..
            }) => {
                assert_eq!((l, c), (line, column), "{message}");
                assert!(message.contains(expected), "{message:?} should contain {expected:?}");
            }
            other => panic!("expected an error for {text:?}: {:?}", other.map(|_| ())),
        }
    }
    check("X:1\nK:H\nCDE|", 2, 1, "invalid key");
    check("X:1\nM:4/x\nK:C\nCDE|", 2, 1, "invalid meter");
    check("X:1\nK:C\nCD [CEG|", 3, 4, "unclosed chord");
    check("X:1\nK:C\nC/0 D|", 3, 2, "divided by zero");
    check("X:1\nK:C\nC {gab D|", 3, 3, "unclosed grace");
    check("X:1\nK:C\n\"Am D|", 3, 1, "unclosed chord symbol");
    assert!(matches!(abc::read("no tune here"), Err(Error::Format { .. })));
}

#[test]
fn write_then_read_gives_the_same_score() {
    for (score, report) in abc::read_book(BOOK).unwrap() {
        let text = abc::write_with(&score, &report.metadata);
        let (again, _) = abc::read(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        if let Some(d) = first_difference(&score, &again) {
            panic!("{d}\n{text}\n{}\n{}", dump(&score), dump(&again));
        }
    }
    // A score from elsewhere: accidentals are written where the key does not imply them.
    let score =
        SimpleScore::from_text("3/4", "Eb major", &[("flute", &["Eb5 E5 Eb5 | (3 F5:8 G5 Ab5 ) Bb5:2"])])
            .unwrap();
    let text = abc::write(&score);
    assert!(text.contains("K:Eb"), "{text}");
    assert!(text.contains("=e"), "{text}");
    let (back, _) = abc::read(&text).unwrap();
    let pitches = |s: &SimpleScore| -> Vec<String> {
        (0..s.measure_count())
            .flat_map(|m| {
                s.events(0, m, 0)
                    .iter()
                    .flat_map(|e| e.notes().iter().map(|n| n.pitch.to_string()))
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    assert_eq!(pitches(&back), pitches(&score));
}

/// Voices, `%%score` and overlays, for the mutation test.
const VOICES: &str = "X:1\nT:Voices\nM:2/4\nL:1/8\n%%score (1 2) 3\nV:1 name=\"Piano\"\nV:2\n\
                      V:3 nm=Flute\nK:C\n[V:1] \"G\"x c e & x2 G2 | X2 | x C (3DEF |]\nw: a b c d e\n\
                      [V:2] C, G,2 x | z4 & C4- | C4 & E4 |]\n[V:3] Z2 | g4 && (3:2:2 ab x |]\n";

#[test]
fn mutated_tunes_never_panic() {
    // The unmutated tune reads: two parts, the piano's with both voices and their overlays.
    let (voices, _) = abc::read(VOICES).unwrap();
    assert_eq!((voices.part_count(), voices.voice_count(0, 0), voices.voice_count(1, 1)), (2, 3, 1));
    let mut state: u64 = 0xabc;
    let alphabet = b"|:[]()<>{}-^_=,'/0123456789zZxXABCabc!\"+.~&\nKMLVw";
    for round in 0..6000 {
        let bytes = if round % 2 == 0 { BOOK.as_bytes() } else { VOICES.as_bytes() };
        let mut b = bytes.to_vec();
        for _ in 0..3 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let i = (state % b.len() as u64) as usize;
            b[i] = alphabet[((state >> 40) % alphabet.len() as u64) as usize];
        }
        if let Ok(text) = std::str::from_utf8(&b) {
            // What reads writes back, and the written tune reads (or is refused) again.
            for (score, _) in abc::read_book(text).unwrap_or_default() {
                let _ = abc::read(&abc::write(&score));
            }
        }
    }
}

#[test]
fn dump_abc() {
    if std::env::var("BANDPRO_DUMP_ABC").is_err() {
        return;
    }
    for (s, r) in abc::read_book(BOOK).unwrap() {
        println!("{}", dump(&s));
        for w in &r.warnings {
            println!("warning: {w}");
        }
    }
}

/// Found by the `abc_read` fuzz target: a chord symbol starting with a multi-byte character was
/// sliced inside that character. Reading it must not panic.
#[test]
fn fuzz_crash_chord_symbol_with_a_multibyte_first_character() {
    let bytes: &[u8] = &[
        88, 58, 49, 10, 84, 58, 10, 124, 34, 1, 0, 0, 64, 34, 34, 61, 35, 34, 0, 49, 0, 0, 0, 0, 34, 1, 0, 0,
        64, 34, 34, 61, 35, 34, 0, 49, 0, 12, 34, 206, 184, 65, 34, 101, 101, 101, 101, 101, 101, 101, 101,
        101, 101, 101, 101, 101, 101, 1, 0, 0, 0, 0, 0, 0, 0, 101, 101, 101, 101, 101, 88, 58, 49, 10, 84,
        58, 84, 15, 0, 10, 34, 71, 46, 0, 0, 0, 34, 91, 71, 66, 93, 51, 32, 40, 51, 65, 66, 96, 32, 100, 62,
        101, 124, 124, 93, 0, 0, 0, 0, 0, 101, 101, 101, 101, 101, 101, 101, 101, 101, 101, 58, 0, 34, 12,
        65, 71, 71, 34, 34, 61, 35, 34, 0, 32, 71, 65, 66, 103, 65, 100, 100, 51, 61, 49,
    ];
    let text = String::from_utf8_lossy(bytes);
    let _ = bandpro_music::formats::abc::read_book(&text);
    assert!("θA".parse::<bandpro_music::ChordSymbol>().is_err());
}

/// Found by the `abc_read` fuzz target: durations whose product overflows `Rational`.
#[test]
fn fuzz_crash_duration_overflow_is_an_error_not_a_panic() {
    let bytes: &[u8] = &[
        88, 58, 50, 10, 75, 48, 84, 10, 117, 110, 101, 120, 112, 101, 99, 116, 101, 100, 32, 99, 104, 97,
        114, 97, 99, 116, 101, 114, 32, 96, 114, 96, 32, 115, 107, 105, 112, 112, 101, 100, 0, 0, 0, 0, 0, 0,
        10, 60, 60, 60, 50, 62, 60, 60, 0, 17, 0, 0, 60, 0, 0, 0, 0, 60, 60, 60, 60, 60, 60, 60, 60, 0, 0,
        60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 51, 60, 58, 50, 10, 75, 48, 84, 10, 58, 50, 62, 60, 60,
        0, 17, 0, 0, 60, 0, 0, 0, 0, 60, 60, 60, 60, 60, 60, 60, 60, 0, 0, 0, 0, 10, 60, 60, 60, 50, 62, 60,
        60, 0, 17, 0, 0, 60, 0, 0, 0, 0, 60, 60, 60, 60, 60, 60, 60, 60, 0, 0, 60, 60, 0, 0, 0, 60, 60, 60,
        60, 60, 60, 60, 60, 0, 0, 0, 0, 10, 60, 60, 60, 50, 62, 60, 60, 0, 17, 0, 0, 60, 0, 0, 0, 0, 60, 60,
        60, 60, 60, 60, 60, 60, 0, 0, 60, 60, 60, 3, 0, 0, 0, 0, 0, 0, 0, 51, 60, 0, 0, 0, 0, 60, 60, 60, 60,
        58, 50, 10, 75, 48, 84, 10, 58, 50, 62, 60, 60, 0, 17, 0, 0, 60, 0, 0, 0, 0, 60, 60, 60, 60, 60, 60,
        60, 60, 34, 50,
    ];
    let text = String::from_utf8_lossy(bytes);
    let _ = bandpro_music::formats::abc::read_book(&text);
}

/// Found by the `abc_read` fuzz target: a voice's running time overflowing `Rational` when a
/// note was placed. It must be an error, not a panic.
#[test]
fn fuzz_crash_running_time_overflow_is_an_error_not_a_panic() {
    let bytes: &[u8] = &[
        88, 58, 17, 81, 58, 49, 0, 0, 10, 110, 101, 120, 112, 101, 99, 116, 101, 100, 32, 99, 104, 97, 114,
        97, 99, 116, 101, 114, 32, 96, 119, 96, 101, 100, 60, 60, 60, 0, 0, 60, 60, 60, 60, 110, 110, 110,
        110, 110, 110, 110, 110, 110, 110, 0, 0, 0, 0, 0, 0, 10, 60, 60, 60, 50, 62, 60, 60, 0, 17, 0, 0, 60,
        0, 0, 0, 0, 60, 60, 60, 60, 60, 60, 60, 60, 0, 0, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 51, 60,
        58, 50, 10, 75, 48, 84, 10, 58, 50, 62, 60, 60, 0, 17, 0, 0, 60, 0, 0, 0, 0, 60, 60, 7, 0, 60, 60,
        60, 60, 0, 0, 0, 0, 10, 60, 60, 60, 50, 62, 60, 60, 0, 17, 0, 0, 60, 0, 0, 0, 0, 60, 60, 60, 60, 60,
        60, 60, 60, 0, 0, 60, 60, 0, 0, 0, 60, 60, 60, 60, 60, 60, 60, 60, 0, 0, 0, 0, 10, 60, 60, 60, 50,
        62, 60, 60, 0, 17, 0, 0, 60, 0, 0, 0, 0, 60, 60, 60, 60, 60, 60, 60, 60, 0, 0, 60, 60, 60, 3, 0, 0,
        0, 0, 0, 0, 0, 51, 60, 0, 0, 0, 0, 60, 88, 57, 49, 10, 32, 75, 58, 49, 10, 88, 58, 49, 85, 101, 119,
        104, 59, 10, 93, 91, 99, 116, 0, 45, 58, 71,
    ];
    let text = String::from_utf8_lossy(bytes);
    let _ = bandpro_music::formats::abc::read_book(&text);
}

/// The error `abc::read` gives for `text`, as (line, column, message); panics if it reads.
fn refused_at(text: &str) -> (u32, u32, String) {
    match abc::read(text) {
        Err(Error::Format { position: FilePosition::LineColumn { line, column }, message, .. }) => {
            (line, column, message)
        }
        other => panic!("expected a positioned error for {text:?}: {:?}", other.map(|_| ())),
    }
}

/// Four primes just below 2^20: the largest denominators an ABC length can carry, and whose
/// products leave the range of `i64` once four of them meet.
const P: [u32; 4] = [1_048_573, 1_048_571, 1_048_559, 1_048_549];

/// A tempo whose beat is a sum of fractions with large coprime denominators overflowed
/// `Rational` while the beats were added. It is a tempo that is not understood: a warning.
#[test]
fn tempo_beat_sum_that_overflows_is_a_warning_not_a_panic() {
    let text = format!("X:1\nQ:1/{} 1/{} 1/{} 1/{}=120\nK:C\nC|\n", P[0], P[1], P[2], P[3]);
    let (score, report) = abc::read(&text).unwrap();
    assert_eq!(score.measure(0).tempo, None);
    assert!(report.warnings.iter().any(|w| w.message.contains("not understood")), "{:?}", report.warnings);
}

/// A note's length times the unit times a tuplet ratio overflowed `Rational` in the tuplet
/// scaling. It is an error at the note.
#[test]
fn tuplet_scaling_that_overflows_is_an_error_not_a_panic() {
    let (line, column, message) = refused_at("X:1\nL:1048575/1\nK:C\n(2:255[C1048576]1048576|\n");
    assert_eq!((line, column), (4, 7), "{message}");
    assert!(message.contains("too long"), "{message}");
}

/// Tuplet members whose lengths have large coprime denominators: the running time of the
/// measure stays representable (the earlier notes complete a whole), but the sum of the
/// members, the tuplet's span, does not. It is an error at the tuplet's end.
#[test]
fn tuplet_span_that_overflows_is_an_error_not_a_panic() {
    let [p1, p2, p3, p4] = P;
    let text =
        format!("X:1\nL:1/{p1}\nK:C\nC{}/1 C{}/{p2} (2:2:2 C/{p2} [L:1/{p3}] C/{p4} D|\n", p1 - 1, p2 - 1);
    let (line, column, message) = refused_at(&text);
    assert_eq!((line, column), (4, 60), "{message}");
    assert!(message.contains("tuplet"), "{message}");
}

/// A barline of 255 colons counted its repeats in a `u8` plus one.
#[test]
fn barline_with_hundreds_of_colons_is_read_not_a_panic() {
    for colons in [254, 255, 256, 600] {
        let text = format!("X:1\nK:C\nC D{}|\n", ":".repeat(colons));
        let (score, _) = abc::read(&text).unwrap();
        assert_eq!(score.measure(0).repeat_end, Some(u8::MAX), "{colons} colons");
    }
}

/// A run of 128 sharps before a note added up in an `i8`. It is an invalid pitch.
#[test]
fn hundreds_of_accidentals_are_an_error_not_a_panic() {
    for (acc, n) in [("^", 128), ("_", 129), ("^", 300)] {
        let text = format!("X:1\nK:C\nC {}D|\n", acc.repeat(n));
        let (line, column, message) = refused_at(&text);
        assert_eq!((line, column), (3, 3), "{message}");
    }
}

/// Multi-measure rests repeated past the measure limit grew the voice without bound before the
/// score's size was checked; the limit is now checked as each measure is opened.
#[test]
fn measures_past_the_limit_are_refused_as_they_are_opened() {
    let text = format!("X:1\nK:C\n{}\n", "Z100000 ".repeat(3));
    match abc::read(&text) {
        Err(Error::LimitExceeded { what: "measures", position, .. }) => {
            assert_eq!(position, FilePosition::LineColumn { line: 3, column: 9 });
        }
        other => panic!("expected the measure limit: {:?}", other.map(|_| ())),
    }
}

/// A note whose written length times the writer's unit (1/8) leaves `i64` (here a broken
/// rhythm lengthens the longest chord the reader takes by half): writing the score read from
/// such a tune overflowed `Rational`. The length is written out exactly; reading it back is an
/// error (lengths above 2^20 units are refused), not a panic.
#[test]
fn writing_a_note_too_long_for_the_unit_is_not_a_panic() {
    let (score, _) = abc::read("X:1\nL:1048575/1\nK:C\nC<[C1048576]1048576|\n").unwrap();
    let text = abc::write(&score);
    assert!(text.contains("C13835044861142630400"), "{text}");
    assert!(abc::read(&text).is_err());
}

/// Forty-one voices declared, then one multi-measure rest of 99,999 measures: the score would
/// need 41 times as many measures in all, past the limit of parts times measures. Refused at the
/// rest, before the rests are made, instead of after allocating millions of them (a few hundred
/// bytes of such rests in many voices ran to gigabytes).
#[test]
fn multi_measure_rests_past_the_cell_limit_are_refused_before_they_are_made() {
    let voices: String = (1..=41).map(|v| format!("V:{v}\n")).collect();
    let text = format!("X:1\n{voices}K:C\nV:1\nZ99999|\n");
    match abc::read(&text) {
        Err(Error::LimitExceeded { what: "parts times measures", position, .. }) => {
            assert_eq!(position, FilePosition::LineColumn { line: 45, column: 1 });
        }
        other => panic!("expected the cell limit: {:?}", other.map(|_| ())),
    }
    // Forty voices fit.
    let voices: String = (1..=40).map(|v| format!("V:{v}\n")).collect();
    let (score, _) = abc::read(&format!("X:1\n{voices}K:C\nV:1\nZ99999|\n")).unwrap();
    assert_eq!((score.part_count(), score.measure_count()), (40, 99_999));
}

/// Where two scores' music first differs: part names, measures, and the events of every
/// (part, measure, voice), ids left out and a voice missing in one counted as empty (a voice
/// with nothing in a measure is not written, so it may come back missing or empty).
fn music_difference(a: &SimpleScore, b: &SimpleScore) -> Option<String> {
    let names = |s: &SimpleScore| (0..s.part_count()).map(|p| s.part(p).name.clone()).collect::<Vec<_>>();
    if names(a) != names(b) {
        return Some(format!("parts {:?} vs {:?}", names(a), names(b)));
    }
    if a.measure_count() != b.measure_count() {
        return Some(format!("measure count {} vs {}", a.measure_count(), b.measure_count()));
    }
    for m in 0..a.measure_count() {
        if a.measure(m) != b.measure(m) {
            return Some(format!("measure {}: {:?} vs {:?}", m + 1, a.measure(m), b.measure(m)));
        }
    }
    let events = |s: &SimpleScore, p: usize, m: usize, v: usize| -> Vec<Event> {
        let events = if v < s.voice_count(p, m) { s.events(p, m, v) } else { &[] };
        events.iter().map(|e| Event { id: EventId(0), ..e.clone() }).collect()
    };
    for p in 0..a.part_count() {
        for m in 0..a.measure_count() {
            for v in 0..a.voice_count(p, m).max(b.voice_count(p, m)) {
                let (x, y) = (events(a, p, m, v), events(b, p, m, v));
                if x != y {
                    return Some(format!("part {p}, measure {}, voice {v}:\n{x:?}\nvs\n{y:?}", m + 1));
                }
            }
        }
    }
    None
}

/// The score of `text` read as ABC, panicking with the text on an error.
fn read_ok(text: &str) -> SimpleScore {
    abc::read(text).unwrap_or_else(|e| panic!("{e}\n{text}")).0
}

/// Pitches of a voice in a measure, as text (`F#4`), one string per event (`[C4 E4]` for a
/// chord, `r` for a rest, `g` before a grace note).
fn voice_text(s: &SimpleScore, p: usize, m: usize, v: usize) -> Vec<String> {
    let events = if v < s.voice_count(p, m) { s.events(p, m, v) } else { &[] };
    events
        .iter()
        .map(|e| {
            let notes: Vec<String> = e.notes().iter().map(|n| n.pitch.to_string()).collect();
            let g = if e.is_grace() { "g" } else { "" };
            match notes.len() {
                0 => "r".to_string(),
                1 => format!("{g}{}", notes[0]),
                _ => format!("{g}[{}]", notes.join(" ")),
            }
        })
        .collect()
}

/// A piano part with two voices and two parts both named "Soprano" (the second with two
/// voices): written to ABC and read back, every part has the same voices with the same events,
/// spelling, ties, tuplets, gaps, chord symbols and lyrics. Before, the writer wrote only the
/// first voice of each part.
#[test]
fn every_voice_of_every_part_survives_a_round_trip() {
    // Every accidental ABC writes reads back as shown: the ones the key does not imply (`!`)
    // are shown here too.
    let mut score = SimpleScore::from_text(
        "4/4",
        "A major",
        &[
            (
                "piano",
                &[
                    "C#5:4 D5 E#5! F#5 | A5:2~ A5:4 (3 G#5:8 F#5 E5 ) | D5:1 | Fx5:2! G#5:2@E7",
                    "A3:2 E3:2~ | E3:2 A2:2 | | r:4 Db4:4! C#4+E4+A4:2",
                ],
            ),
            ("soprano", &["C#5:2 B4:2 | A4:1 | B4:4 C#5 D5 E5 | A4:1"]),
            ("soprano", &["A4:1 | A4:1 | G#4:1 | A4:1", "E4:1 | E4:2 D4:2 | E4:1 | E4:1"]),
        ],
    )
    .unwrap();
    // Parts as ABC names them: a name, no instrument.
    for p in 0..score.part_count() {
        let name = score.part(p).name.clone();
        *score.part_mut(p).unwrap() = PartInfo::plain(name);
    }
    // A gap at the start of the piano's second voice in the last measure.
    score.events_mut(0, 3, 1).unwrap().remove(0);
    let lyric = |text: &str, syllabic| Lyric { verse: 1, text: text.into(), syllabic };
    score.events_mut(1, 0, 0).unwrap()[0].lyrics.push(lyric("Glo", Syllabic::Begin));
    score.events_mut(1, 0, 0).unwrap()[1].lyrics.push(lyric("ri", Syllabic::Middle));
    score.events_mut(1, 1, 0).unwrap()[0].lyrics.push(lyric("a", Syllabic::End));
    score.events_mut(2, 1, 1).unwrap()[1].lyrics.push(lyric("Ah", Syllabic::Single));

    let text = abc::write(&score);
    // One ABC voice per (part, voice), named after the part; `%%score` says which share a part.
    for line in [
        "%%score (P1V1 P1V2) P2V1 (P3V1 P3V2)",
        "V:P1V2 name=\"Piano\"",
        "V:P3V2 name=\"Soprano\"",
        "w: Glo- ri- a * * * * *",
        "x2 _D2 [CEA]4 |]",
    ] {
        assert!(text.lines().any(|l| l.ends_with(line)), "no line {line:?} in\n{text}");
    }
    let back = read_ok(&text);
    if let Some(d) = music_difference(&score, &back) {
        panic!("{d}\n{text}");
    }
    // Spelling: E#, F double sharp and Db are not their enharmonic neighbours.
    assert_eq!(voice_text(&back, 0, 0, 0), ["C#5", "D5", "E#5", "F#5"]);
    assert_eq!(voice_text(&back, 0, 3, 0), ["F##5", "G#5"]);
    assert_eq!(voice_text(&back, 0, 3, 1), ["Db4", "[C#4 E4 A4]"]);
    assert_eq!(back.events(0, 3, 1)[0].onset, Rational::new(1, 4));
    // The second voice is empty in measure 3, and the tie crosses the bar in the second voice.
    assert!(voice_text(&back, 0, 2, 1).is_empty());
    assert_eq!(back.events(0, 1, 1)[0].notes()[0].tie, Tie::Stop);

    // Written again, the text is the same.
    assert_eq!(abc::write(&back), text);
}

/// `&` overlays (ABC 2.1 section 7.4): each starts again at the bar line and is one more voice
/// of the part for that bar. An overlay has its own accidentals (only the key's carry in) and
/// its own ties, which go on in the same overlay of the next bar; lyrics go to the notes in
/// the order they are written, overlays included.
#[test]
fn overlays_are_more_voices_of_the_part() {
    let text = "X:1\nT:Overlays\nM:4/4\nL:1/4\nK:D\n\
                =F A d2 & F4 | e2 (3fed & A2- A2 && C4 | A4 & c4- | c4 & c4 |]\n\
                w: one two three four\n";
    let (score, report) = abc::read(text).unwrap();
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    assert_eq!((score.part_count(), score.measure_count()), (1, 4));
    assert_eq!(voice_text(&score, 0, 0, 0), ["F4", "A4", "D5"]);
    // The overlay starts at the bar line with the key's F#, not the F natural before it.
    assert_eq!(voice_text(&score, 0, 0, 1), ["F#4"]);
    assert_eq!(score.events(0, 0, 1)[0].onset, Rational::ZERO);
    // `&&`: an empty overlay, then a second one.
    assert_eq!(score.voice_count(0, 1), 4);
    assert_eq!(voice_text(&score, 0, 1, 0), ["E5", "F#5", "E5", "D5"]);
    assert_eq!(score.events(0, 1, 0)[3].onset, Rational::new(5, 6));
    assert_eq!(voice_text(&score, 0, 1, 1), ["A4", "A4"]);
    assert_eq!(
        score.events(0, 1, 1).iter().map(|e| e.notes()[0].tie).collect::<Vec<_>>(),
        [Tie::Start, Tie::Stop]
    );
    assert!(voice_text(&score, 0, 1, 2).is_empty());
    assert_eq!(voice_text(&score, 0, 1, 3), ["C#4"]);
    // The overlay's tie goes to the overlay of the next bar, not to the voice's C.
    assert_eq!(score.events(0, 2, 1)[0].notes()[0].tie, Tie::Start);
    assert_eq!(score.events(0, 3, 0)[0].notes()[0].tie, Tie::None);
    assert_eq!(score.events(0, 3, 1)[0].notes()[0].tie, Tie::Stop);
    // Lyrics in written order: F A d, then the overlay's F.
    let lyric = |v: usize, i: usize| score.events(0, 0, v)[i].lyrics[0].text.clone();
    assert_eq!([lyric(0, 0), lyric(0, 2), lyric(1, 0)], ["one", "three", "four"]);

    // Written out, the overlays are voices of the part's own, and read back the same.
    let written = abc::write(&score);
    assert!(written.contains("%%score (P1V1 P1V2 P1V3 P1V4)\n"), "{written}");
    if let Some(d) = music_difference(&score, &read_ok(&written)) {
        panic!("{d}\n{written}");
    }
}

/// An overlay in a bar where the voice has nothing yet, more overlays than a part may have
/// voices, and overlays in a pickup.
#[test]
fn overlay_edge_cases() {
    // `&` first: the voice's own layer is empty, the overlay is voice 1.
    let score = read_ok("X:1\nM:2/4\nL:1/4\nK:C\n& C D | E F |]\n");
    assert_eq!((score.voice_count(0, 0), voice_text(&score, 0, 0, 1)), (2, vec!["C4".into(), "D4".into()]));
    // A pickup takes the length of its longest layer.
    let score = read_ok("X:1\nM:2/4\nL:1/8\nK:C\nC & D E | F4 |]\n");
    assert!(score.measure(0).pickup);
    assert_eq!(score.events(0, 1, 0)[0].onset, Rational::ZERO);
    // An invisible rest takes time but makes no event: a gap, or a bar with nothing in it.
    let score = read_ok("X:1\nM:2/4\nL:1/4\nK:C\nx C | x2 | D2 |]\n");
    assert_eq!((score.measure_count(), score.events(0, 0, 0)[0].onset), (3, Rational::new(1, 4)));
    assert_eq!(score.voice_count(0, 1), 0);
    assert!(!score.measure(1).pickup);
    // ... unless it carries a chord symbol, which keeps its place on a rest.
    let score = read_ok("X:1\nM:2/4\nL:1/4\nK:C\n\"G\"x C |]\n");
    assert!(score.events(0, 0, 0)[0].is_rest());
    assert_eq!(score.events(0, 0, 0)[0].chord_symbol.unwrap().to_string(), "G");
    // A part may have sixty-four voices, not more: in one bar or with `V:` voices sharing it.
    let score = read_ok(&format!("X:1\nK:C\nC {}|\n", "& C ".repeat(63)));
    assert_eq!(score.voice_count(0, 0), 64);
    match abc::read(&format!("X:1\nK:C\nC {}|\n", "& C ".repeat(64))) {
        Err(Error::LimitExceeded { what: "voices in a part", .. }) => {}
        other => panic!("expected the voice limit: {:?}", other.map(|_| ())),
    }
    let voices: String = (0..40).map(|v| format!("V:{v} name=\"Choir\"\nC & C|\n")).collect();
    match abc::read(&format!("X:1\nK:C\n{voices}")) {
        Err(Error::LimitExceeded { what: "voices in a part", .. }) => {}
        other => panic!("expected the voice limit: {:?}", other.map(|_| ())),
    }
}

/// A choral tune as found in the wild: voices declared with clefs and short names,
/// `%%score` putting soprano and alto on one staff, tenor and bass on another, music in
/// `[V:]` lines with lyrics under the soprano. Voices in parentheses are one part; the part
/// takes the first name given.
#[test]
fn voices_of_a_choral_tune() {
    let text = r#"X:12
T:Evening Hymn
C:after T. Tallis
M:4/4
L:1/4
Q:1/2=60
%%score (S A) (T B)
V:S clef=treble name="Soprano & Alto" snm="S.A."
V:A clef=treble
V:T clef=bass name="Tenor & Bass" subname="T.B."
V:B clef=bass
K:G
%
[V:S] G G F G | A2 B2 |]
w: Glo-ry to thee, my God
[V:A] D E D D | E2 D2 |]
[V:T] B, c A B | c2 B2 |]
[V:B] G, C, D, G, | A,2 G,2 |]
"#;
    let (score, report) = abc::read(text).unwrap();
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    let names: Vec<&str> = (0..score.part_count()).map(|p| score.part(p).name.as_str()).collect();
    assert_eq!(names, ["Soprano & Alto", "Tenor & Bass"]);
    assert_eq!(score.voice_count(0, 0), 2);
    assert_eq!(voice_text(&score, 0, 0, 0), ["G4", "G4", "F#4", "G4"]);
    assert_eq!(voice_text(&score, 0, 0, 1), ["D4", "E4", "D4", "D4"]);
    assert_eq!(voice_text(&score, 1, 1, 1), ["A3", "G3"]);
    let words: Vec<String> = (0..2)
        .flat_map(|m| score.events(0, m, 0).iter().map(|e| e.lyrics[0].text.clone()).collect::<Vec<_>>())
        .collect();
    assert_eq!(words, ["Glo", "ry", "to", "thee,", "my", "God"]);
    assert!(score.events(0, 0, 1).iter().all(|e| e.lyrics.is_empty()));

    // Without `%%score`, voices with the same name share a part; others are parts of their own.
    let text = "X:1\nM:2/4\nL:1/4\nV:1 nm=\"Piano\"\nV:2 name=Piano\nV:3 name=\"Violin\"\nK:C\n\
                V:1\nc e|\nV:2\nC, G,|\nV:3\ng2|\n";
    let score = read_ok(text);
    let names: Vec<&str> = (0..score.part_count()).map(|p| score.part(p).name.as_str()).collect();
    assert_eq!(names, ["Piano", "Violin"]);
    assert_eq!(voice_text(&score, 0, 0, 1), ["C3", "G3"]);
    // `I:score` is the same directive as `%%score`; voices it does not name are parts of
    // their own, after the ones it names.
    let text = "X:1\nI:score (2 3)\nV:1\nV:2\nV:3\nK:C\nV:1\nA|\nV:2\nB|\nV:3\nc|\n";
    let score = read_ok(text);
    assert_eq!(score.part_count(), 2);
    assert_eq!(
        (voice_text(&score, 0, 0, 0), voice_text(&score, 0, 0, 1)),
        (vec!["B4".into()], vec!["C5".into()])
    );
    assert_eq!(voice_text(&score, 1, 0, 0), ["A4"]);
}
