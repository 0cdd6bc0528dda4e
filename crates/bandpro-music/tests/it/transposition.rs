//! Transposition that changes within a part: a doubler (alto saxophone, then flute, then
//! saxophone again) in the model, in MusicXML, in MIDI and in validation.

use bandpro_music::formats::{self, midi, musicxml};
use bandpro_music::validate::{self, Diagnostic, Fix, Rule, ValidationConfig};
use bandpro_music::*;

use crate::musicxml::{dump, first_difference, shared_dir, xmllint};

fn iv(s: &str) -> Interval {
    s.parse().unwrap()
}

/// The transposition of a part in every measure.
fn per_measure(score: &dyn ScoreView, p: usize) -> Vec<Interval> {
    (0..score.measure_count()).map(|m| score.transposition(p, m)).collect()
}

/// Every measure's notes of part `p`, as (measure, written pitch).
fn notes(score: &SimpleScore, p: usize) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for m in 0..score.measure_count() {
        for v in 0..score.voice_count(p, m) {
            for e in score.events(p, m, v) {
                out.extend(e.notes().iter().map(|n| (m, n.pitch.to_string())));
            }
        }
    }
    out
}

fn note(step: &str, octave: u8, alter: i8, duration: u32, ty: &str) -> String {
    let alter = if alter == 0 { String::new() } else { format!("<alter>{alter}</alter>") };
    format!(
        "<note><pitch><step>{step}</step>{alter}<octave>{octave}</octave></pitch><duration>{duration}</duration><voice>1</voice><type>{ty}</type></note>"
    )
}

fn transpose_el(diatonic: i32, chromatic: i32) -> String {
    format!("<transpose><diatonic>{diatonic}</diatonic><chromatic>{chromatic}</chromatic></transpose>")
}

/// A one-part partwise file for an alto saxophone part, one string per measure.
fn alto_sax_file(measures: &[String]) -> String {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<score-partwise version=\"4.0\">\n  <part-list>\n    <score-part id=\"P1\"><part-name>Alto Saxophone</part-name></score-part>\n  </part-list>\n  <part id=\"P1\">\n",
    );
    for (i, m) in measures.iter().enumerate() {
        s.push_str(&format!("    <measure number=\"{}\">\n      {m}\n    </measure>\n", i + 1));
    }
    s.push_str("  </part>\n</score-partwise>\n");
    s
}

/// Alto saxophone (a major sixth down) in measures 1-2, flute (concert pitch) in measure 3,
/// saxophone again in measure 4. The whole piece sounds in C major; the written key changes
/// with the instrument.
fn doubling_file() -> String {
    let sax = transpose_el(-5, -9);
    alto_sax_file(&[
        format!(
            "<attributes><divisions>1</divisions><key><fifths>3</fifths><mode>major</mode></key><time><beats>4</beats><beat-type>4</beat-type></time><clef><sign>G</sign><line>2</line></clef>{sax}</attributes>{}",
            note("A", 4, 0, 4, "whole")
        ),
        note("E", 5, 0, 4, "whole"),
        format!(
            "<attributes><key><fifths>0</fifths><mode>major</mode></key>{}</attributes>{}",
            transpose_el(0, 0),
            note("C", 5, 0, 4, "whole")
        ),
        format!(
            "<attributes><key><fifths>3</fifths><mode>major</mode></key>{sax}</attributes>{}",
            note("A", 4, 0, 4, "whole")
        ),
    ])
}

#[test]
fn musicxml_doubling_keeps_the_transposition_of_each_measure() {
    let (score, report) = musicxml::read(doubling_file().as_bytes()).unwrap();
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    assert!(!report.has_warning("not kept"));
    assert_eq!(score.part(0).instrument.map(|i| i.id), Some("alto-sax"));
    assert_eq!(score.part(0).transposition, iv("-M6"));
    assert_eq!(per_measure(&score, 0), [iv("-M6"), iv("-M6"), Interval::UNISON, iv("-M6")]);
    assert_eq!(score.transposition_changes(0), &[(2, Interval::UNISON), (3, iv("-M6"))]);
    // The concert key stays C major: each written key is read with its measure's transposition.
    for m in 0..4 {
        assert_eq!(score.measure(m).key, Key::C_MAJOR, "measure {}", m + 1);
    }
    // Events keep their written pitches.
    let written: Vec<(usize, String)> =
        [(0, "A4"), (1, "E5"), (2, "C5"), (3, "A4")].iter().map(|&(m, p)| (m, p.to_string())).collect();
    assert_eq!(notes(&score, 0), written);
}

#[test]
fn musicxml_doubling_round_trips() {
    let (score, _) = musicxml::read(doubling_file().as_bytes()).unwrap();
    let text = musicxml::write(&score);
    // A `<transpose>` in measure 1 and in every measure where it changes, concert pitch included,
    // with the written key it implies.
    assert_eq!(text.matches("<transpose>").count(), 3, "{text}");
    let measure = |n: usize| -> &str {
        let start = text.find(&format!("<measure number=\"{n}\"")).unwrap();
        let end = text[start..].find("</measure>").unwrap();
        &text[start..start + end]
    };
    assert!(measure(1).contains("<diatonic>-5</diatonic>") && measure(1).contains("<fifths>3</fifths>"));
    assert!(!measure(2).contains("<attributes>"));
    assert!(measure(3).contains("<diatonic>0</diatonic>") && measure(3).contains("<chromatic>0</chromatic>"));
    assert!(measure(3).contains("<fifths>0</fifths>"));
    assert!(measure(4).contains("<chromatic>-9</chromatic>") && measure(4).contains("<fifths>3</fifths>"));

    let (back, report) = musicxml::read(text.as_bytes()).unwrap();
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    if let Some(d) = first_difference(&score, &back) {
        panic!("{d}\n{}\n{}", dump(&score), dump(&back));
    }
    assert_eq!(per_measure(&back, 0), per_measure(&score, 0));

    // A score built in code, with octave transpositions and a change on the first measure
    // after a pickup, round trips too.
    let mut built = SimpleScore::from_text(
        "3/4",
        "F major",
        &[("clarinet", &["C5:4 | D5:2. | E5:2. | F5:2."]), ("piccolo", &["r:4 | A5:2. | A5:2. | A5:2."])],
    )
    .unwrap();
    built.measure_mut(0).unwrap().pickup = true;
    built.set_transposition_from(0, 1, iv("-m3")).unwrap(); // clarinet in A
    built.set_transposition_from(0, 3, iv("-M2")).unwrap(); // back to B-flat
    built.set_transposition_from(1, 2, Interval::UNISON).unwrap(); // piccolo to flute
    let text = musicxml::write(&built);
    let (back, report) = musicxml::read(text.as_bytes()).unwrap();
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    if let Some(d) = first_difference(&built, &back) {
        panic!("{d}\n{text}");
    }

    // The exported files validate against the MusicXML 4.0 schema.
    let dir = std::env::temp_dir().join(format!("bandpro-transposition-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let files = [dir.join("doubling.musicxml"), dir.join("built.musicxml")];
    std::fs::write(&files[0], musicxml::write(&score)).unwrap();
    std::fs::write(&files[1], &text).unwrap();
    let result = xmllint(&files);
    let _ = std::fs::remove_dir_all(&dir);
    match result {
        None => println!("note: xmllint not found; the schema validation was skipped"),
        Some(bad) => assert!(bad.is_empty(), "{bad:?}"),
    }
}

/// The test suite's instrument change (E-flat clarinet to B-flat clarinet at measure 2).
#[test]
fn test_suite_instrument_change() {
    let path = shared_dir().join("musicxml-testsuite/xmlFiles/72c-TransposingInstruments-Change.xml");
    let Ok(bytes) = std::fs::read(&path) else {
        println!("note: {} not found; skipped", path.display());
        return;
    };
    let (score, report) = formats::read_any(&bytes, "xml").unwrap();
    assert!(!report.has_warning("transposition"), "{:?}", report.warnings);
    assert_eq!(per_measure(&score, 0), [iv("m3"), iv("-M2"), iv("-M2")]);
    for m in 0..3 {
        assert_eq!(score.measure(m).key.to_string(), "Bb major", "measure {}", m + 1);
    }
    // Written C4 throughout: E-flat clarinet sounds E-flat 4, B-flat clarinet B-flat 3.
    let (played, _) = midi::read(&midi::write(&score)).unwrap();
    let keys: Vec<i32> = (0..3).map(|m| played.events(0, m, 0)[0].notes()[0].pitch.midi()).collect();
    assert_eq!(keys, [63, 58, 58]);
}

#[test]
fn midi_sounds_each_measure_with_its_transposition() {
    let (score, _) = musicxml::read(doubling_file().as_bytes()).unwrap();
    let (played, _) = midi::read(&midi::write(&score)).unwrap();
    assert_eq!(played.measure_count(), 4);
    let sounding: Vec<(usize, i32)> = (0..4)
        .flat_map(|m| {
            played
                .events(0, m, 0)
                .iter()
                .flat_map(move |e| e.notes().iter().map(move |n| (m, n.pitch.midi())))
        })
        .collect();
    // Saxophone A4 sounds C4, E5 sounds G4; flute C5 sounds C5; saxophone A4 sounds C4 again.
    assert_eq!(sounding, [(0, 60), (1, 67), (2, 72), (3, 60)]);
}

/// Diagnostics of one rule, checking on the way that validating a diagnostic's measure alone
/// finds it again.
fn diagnostics(s: &SimpleScore, rule: Rule) -> Vec<Diagnostic> {
    let cfg = ValidationConfig::only(&[rule]);
    let all = validate::validate(s, &cfg);
    for d in &all {
        let m = d.location.measure;
        assert!(validate::validate_measures(s, m..m + 1, &cfg).contains(d), "{d}");
    }
    all.into_iter().filter(|d| d.rule == rule).collect()
}

fn measures_of(d: &[Diagnostic]) -> Vec<usize> {
    d.iter().map(|d| d.location.measure).collect()
}

/// Each of these would fail if validation used the part's first transposition everywhere.
#[test]
fn validation_uses_the_transposition_of_each_measure() {
    // out-of-range: written C6 sounds E-flat 5 on the alto saxophone (the top of its practical
    // range) but C6 on the flute, which the part's (saxophone) ranges call high.
    let mut s = SimpleScore::from_text("4/4", "C major", &[("alto-sax", &["C6:1 | C6:1 | C6:1"])]).unwrap();
    assert!(diagnostics(&s, Rule::OutOfRange).is_empty());
    s.set_transposition_from(0, 1, Interval::UNISON).unwrap();
    s.set_transposition_from(0, 2, iv("-M6")).unwrap();
    let d = diagnostics(&s, Rule::OutOfRange);
    assert_eq!(measures_of(&d), [1]);
    match &d[0].detail {
        validate::Detail::Range { pitch, professional, .. } => {
            assert_eq!((pitch.to_string().as_str(), *professional), ("C6", false));
        }
        other => panic!("{other:?}"),
    }

    // parallel-octaves across the barline: the saxophone's last note sounds C4 (written A4) over
    // the cello's C3, the flute's first note D4 over D3. Judged with either measure's
    // transposition for both notes, there are no octaves. (The other notes keep the two parts
    // from doubling each other throughout a measure, which would make them one line.)
    let parts: [(&str, &[&str]); 2] =
        [("alto-sax", &["C5:2 A4:2 | D4:2 E4:2"]), ("cello", &["C3:2 C3:2 | D3:2 C3:2"])];
    let mut s = SimpleScore::from_text("4/4", "C major", &parts).unwrap();
    assert!(diagnostics(&s, Rule::ParallelOctaves).is_empty());
    s.set_transposition_from(0, 1, Interval::UNISON).unwrap();
    assert_eq!(measures_of(&diagnostics(&s, Rule::ParallelOctaves)), [1]);

    // unresolved-leading-tone across the barline, saxophone to flute: the saxophone's written
    // E-sharp 5 sounds G-sharp 4; the fix puts the flute's next note on A4, written for the flute.
    let parts: [(&str, &[&str]); 3] =
        [("alto-sax", &["E#5:1 | D4:1"]), ("alto", &["E4:1 | C4:1"]), ("bass", &["B2:1 | A2:1"])];
    let mut s = SimpleScore::from_text("4/4", "A minor", &parts).unwrap();
    s.set_transposition_from(0, 1, Interval::UNISON).unwrap();
    let d = diagnostics(&s, Rule::UnresolvedLeadingTone);
    assert_eq!(measures_of(&d), [0]);
    let next = s.events(0, 1, 0)[0].id;
    assert_eq!(
        d[0].fix,
        Some(Fix::SetPitch { event: next, from: "D4".parse().unwrap(), to: "A4".parse().unwrap() })
    );
    // The flute's written A4 sounds A4 and resolves the leading tone; on the saxophone it would
    // sound C4 and not.
    let parts: [(&str, &[&str]); 3] =
        [("alto-sax", &["E#5:1 | A4:1"]), ("alto", &["E4:1 | C4:1"]), ("bass", &["B2:1 | A2:1"])];
    let mut s = SimpleScore::from_text("4/4", "A minor", &parts).unwrap();
    assert_eq!(measures_of(&diagnostics(&s, Rule::UnresolvedLeadingTone)), [0]);
    s.set_transposition_from(0, 1, Interval::UNISON).unwrap();
    assert!(diagnostics(&s, Rule::UnresolvedLeadingTone).is_empty());
}

/// Analysis hears each measure at its own transposition.
#[test]
fn analysis_uses_the_transposition_of_each_measure() {
    let (score, _) = musicxml::read(doubling_file().as_bytes()).unwrap();
    // Sounding C4, G4, C5, C4.
    let loudest: Vec<usize> = key_detect::measure_histograms(&score, true)
        .iter()
        .map(|h| (0..12).max_by(|&a, &b| h[a].total_cmp(&h[b])).unwrap())
        .collect();
    assert_eq!(loudest, [0, 7, 0, 0]);
    let sounding: Vec<String> = chordify::chordify(&score).iter().map(|s| s.pitches[0].to_string()).collect();
    assert_eq!(sounding, ["C4", "G4", "C5", "C4"]);
}

#[test]
fn simple_score_transposition_changes() {
    let mut s =
        SimpleScore::from_text("4/4", "C major", &[("alto-sax", &["A4:1 | A4:1 | A4:1 | A4:1"])]).unwrap();
    let sax = iv("-M6");
    assert_eq!(per_measure(&s, 0), [sax; 4]);
    assert!(s.transposition_changes(0).is_empty());
    assert!(s.transposition_changes(7).is_empty());

    s.set_transposition_from(0, 1, Interval::UNISON).unwrap();
    s.set_transposition_from(0, 3, sax).unwrap();
    assert_eq!(per_measure(&s, 0), [sax, Interval::UNISON, Interval::UNISON, sax]);
    // From a measure to the end, replacing later changes; a change to what is in force is none.
    s.set_transposition_from(0, 2, iv("P8")).unwrap();
    assert_eq!(s.transposition_changes(0), &[(1, Interval::UNISON), (2, iv("P8"))]);
    s.set_transposition_from(0, 2, Interval::UNISON).unwrap();
    assert_eq!(s.transposition_changes(0), &[(1, Interval::UNISON)]);

    // Copies keep the changes; appended measures continue the last transposition.
    let copy = SimpleScore::from_view(&s);
    assert_eq!(copy, s);
    let t = transpose::transpose_score(&s, iv("M2")).unwrap();
    assert_eq!(per_measure(&t, 0), per_measure(&s, 0));
    s.add_measures(2);
    assert_eq!(per_measure(&s, 0)[4..], [Interval::UNISON; 2]);

    // From the first measure: the part's own transposition, and no changes left.
    s.set_transposition_from(0, 0, iv("-M2")).unwrap();
    assert_eq!(s.part(0).transposition, iv("-M2"));
    assert_eq!(per_measure(&s, 0), [iv("-M2"); 6]);

    assert!(matches!(
        s.set_transposition_from(0, 6, sax),
        Err(Error::IndexOutOfRange { what: "measure", index: 6, len: 6 })
    ));
    assert!(matches!(s.set_transposition_from(1, 0, sax), Err(Error::IndexOutOfRange { what: "part", .. })));
}

/// A change in the middle of a measure moves to its barline. Notes before it are respelled so
/// that they sound as before, with a warning; rests before it need neither.
#[test]
fn musicxml_mid_measure_change_moves_to_the_barline() {
    let head = format!(
        "<attributes><divisions>1</divisions><key><fifths>3</fifths></key><time><beats>4</beats><beat-type>4</beat-type></time>{}</attributes>",
        transpose_el(-5, -9)
    );
    let flute = format!("<attributes>{}</attributes>", transpose_el(0, 0));
    let file = alto_sax_file(&[
        format!("{head}{}", note("A", 4, 0, 4, "whole")),
        format!(
            "{}{}{flute}{}",
            note("A", 4, 0, 2, "half"),
            note("F", 5, 1, 1, "quarter"),
            note("D", 5, 0, 1, "quarter")
        ),
    ]);
    let (score, report) = musicxml::read(file.as_bytes()).unwrap();
    assert_eq!(per_measure(&score, 0), [iv("-M6"), Interval::UNISON]);
    assert!(report.has_warning("moved to its barline"), "{:?}", report.warnings);
    assert!(report.has_warning("the 2 notes before it"), "{:?}", report.warnings);
    // Saxophone A4 and F-sharp 5 sound C4 and A4: written so for the flute.
    let written: Vec<(usize, String)> =
        [(0, "A4"), (1, "C4"), (1, "A4"), (1, "D5")].iter().map(|&(m, p)| (m, p.to_string())).collect();
    assert_eq!(notes(&score, 0), written);

    let rest = "<note><rest/><duration>2</duration><voice>1</voice><type>half</type></note>";
    let file = alto_sax_file(&[
        format!("{head}{}", note("A", 4, 0, 4, "whole")),
        format!("{rest}{flute}{}", note("C", 5, 0, 2, "half")),
    ]);
    let (score, report) = musicxml::read(file.as_bytes()).unwrap();
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    assert_eq!(per_measure(&score, 0), [iv("-M6"), Interval::UNISON]);
    assert_eq!(notes(&score, 0)[1], (1, "C5".to_string()));
}

/// As with keys and times, staff 1's `<transpose>` (or one without a number) is the part's; a
/// different one for another staff is reported, not applied.
#[test]
fn musicxml_transpose_of_another_staff() {
    let file = alto_sax_file(&[
        format!(
            "<attributes><divisions>1</divisions><staves>2</staves><transpose number=\"1\"><diatonic>-5</diatonic><chromatic>-9</chromatic></transpose><transpose number=\"2\"><diatonic>-5</diatonic><chromatic>-9</chromatic></transpose></attributes>{}",
            note("A", 4, 0, 4, "whole")
        ),
        format!(
            "<attributes><transpose number=\"2\"><diatonic>0</diatonic><chromatic>0</chromatic></transpose></attributes>{}",
            note("A", 4, 0, 4, "whole")
        ),
    ]);
    let (score, report) = musicxml::read(file.as_bytes()).unwrap();
    assert_eq!(per_measure(&score, 0), [iv("-M6"), iv("-M6")]);
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    assert!(report.has_warning("other than the first is not kept"));
}
