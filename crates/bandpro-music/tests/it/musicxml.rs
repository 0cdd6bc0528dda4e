//! MusicXML and MXL: the public test suite round trip, schema validation of the output, broken
//! input, and small cases.

use std::path::{Path, PathBuf};

use bandpro_music::formats::{self, musicxml, mxl};
use bandpro_music::*;

/// The shared folder beside the repository (`../shared` from the workspace root), or
/// `BANDPRO_SHARED` when set.
pub fn shared_dir() -> PathBuf {
    match std::env::var_os("BANDPRO_SHARED") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    }
}

/// The first difference between two scores, in words, or `None` if they are equal (event ids
/// aside), transposition measure by measure included.
pub fn first_difference(a: &SimpleScore, b: &SimpleScore) -> Option<String> {
    if a.part_count() != b.part_count() {
        return Some(format!("part count {} vs {}", a.part_count(), b.part_count()));
    }
    if a.measure_count() != b.measure_count() {
        return Some(format!("measure count {} vs {}", a.measure_count(), b.measure_count()));
    }
    for p in 0..a.part_count() {
        if a.part(p) != b.part(p) {
            return Some(format!("part {p}: {:?} vs {:?}", a.part(p), b.part(p)));
        }
    }
    for m in 0..a.measure_count() {
        if a.measure(m) != b.measure(m) {
            return Some(format!("measure {}: {:?} vs {:?}", m + 1, a.measure(m), b.measure(m)));
        }
        for p in 0..a.part_count() {
            let (ta, tb) = (a.transposition(p, m), b.transposition(p, m));
            if ta != tb {
                return Some(format!("part {p}, measure {}: transposition {ta} vs {tb}", m + 1));
            }
        }
    }
    for p in 0..a.part_count() {
        for m in 0..a.measure_count() {
            let (va, vb) = (a.voice_count(p, m), b.voice_count(p, m));
            if va != vb {
                return Some(format!("part {p}, measure {}: {va} voices vs {vb}", m + 1));
            }
            for v in 0..va {
                let (ea, eb) = (a.events(p, m, v), b.events(p, m, v));
                for i in 0..ea.len().max(eb.len()) {
                    let x = ea.get(i).map(|e| Event { id: EventId(0), ..e.clone() });
                    let y = eb.get(i).map(|e| Event { id: EventId(0), ..e.clone() });
                    if x != y {
                        return Some(format!(
                            "part {p}, measure {}, voice {v}, event {i}: {x:?} vs {y:?}",
                            m + 1
                        ));
                    }
                }
            }
        }
    }
    None
}

/// Validate MusicXML files against the official schema with `xmllint`; `None` when xmllint is
/// not installed (the caller prints a note), else the files that failed with the messages.
pub fn xmllint(files: &[PathBuf]) -> Option<Vec<(PathBuf, String)>> {
    let xsd = shared_dir().join("musicxml-schema/musicxml.xsd");
    let mut failures = Vec::new();
    for chunk in files.chunks(200) {
        let out = std::process::Command::new("xmllint")
            .arg("--noout")
            .arg("--nonet")
            .arg("--schema")
            .arg(&xsd)
            .args(chunk)
            .output()
            .ok()?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        for f in chunk {
            let name = f.to_string_lossy();
            let msgs: Vec<&str> = stderr
                .lines()
                .filter(|l| l.starts_with(name.as_ref()) && !l.ends_with(" validates"))
                .collect();
            if !msgs.is_empty() {
                failures.push((f.clone(), msgs.iter().take(5).copied().collect::<Vec<_>>().join("\n")));
            }
        }
    }
    Some(failures)
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bandpro-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const NOT_WELL_FORMED: &str = "32ad-Notations5.musicxml";

/// Every file of the public MusicXML test suite imports (but the one that is not well-formed,
/// which is a clear error), and import -> export -> import gives the same score. The exported
/// files validate against the MusicXML 4.0 schema.
#[test]
fn test_suite_round_trip() {
    let dir = shared_dir().join("musicxml-testsuite/xmlFiles");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        println!("note: {} not found; the MusicXML test suite was not run", dir.display());
        return;
    };
    let mut files: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    files.sort();
    let out_dir = temp_dir("suite");
    let (mut imported, mut equal, mut warnings) = (0, 0, 0);
    let mut failures = Vec::new();
    let mut exported = Vec::new();
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(path).unwrap();
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        let result = formats::read_any(&bytes, ext);
        if name == NOT_WELL_FORMED {
            match result {
                Err(Error::Format { position: FilePosition::LineColumn { line, .. }, message, .. }) => {
                    assert!(
                        message.contains("not well-formed") || message.contains("not closed"),
                        "{message}"
                    );
                    assert!(line > 100, "error at line {line}");
                }
                other => failures
                    .push(format!("{name}: expected a well-formedness error, got {:?}", other.map(|_| ()))),
            }
            continue;
        }
        let (score, report) = match result {
            Ok(x) => x,
            Err(e) => {
                failures.push(format!("{name}: import failed: {e}"));
                continue;
            }
        };
        imported += 1;
        warnings += report.warnings.len();
        let text = musicxml::write_with(&score, &report.metadata);
        let out = out_dir.join(name.replace(".mxl", ".musicxml").replace(".xml", ".musicxml"));
        std::fs::write(&out, &text).unwrap();
        exported.push(out);
        let (again, _) = match musicxml::read(text.as_bytes()) {
            Ok(x) => x,
            Err(e) => {
                failures.push(format!("{name}: re-import failed: {e}"));
                continue;
            }
        };
        match first_difference(&score, &again) {
            None => equal += 1,
            Some(d) => failures.push(format!("{name}: round trip differs: {d}")),
        }
    }
    let total = files.len();
    println!(
        "MusicXML test suite: {total} files, {imported} imported, 1 rejected as not well-formed, {equal} round trips equal, {warnings} distinct warnings"
    );
    match xmllint(&exported) {
        None => println!("note: xmllint not found; the schema validation of exported files was skipped"),
        Some(bad) => {
            println!("schema: {} of {} exported files validate", exported.len() - bad.len(), exported.len());
            for (f, msg) in bad {
                failures.push(format!("{}: exported file does not validate:\n{msg}", f.display()));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&out_dir);
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(imported, total - 1);
}

/// A compact dump of a score for eyeballing and for expectations in tests.
pub fn dump(score: &SimpleScore) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    for p in 0..score.part_count() {
        let info = score.part(p);
        let _ = writeln!(
            s,
            "part {p} `{}` ins={:?} tr={:?} staves={} unpitched={}",
            info.name,
            info.instrument.map(|i| i.id),
            info.transposition,
            info.staves,
            info.unpitched
        );
        for m in 0..score.measure_count() {
            let mi = score.measure(m);
            let _ = write!(s, " m{} {} {}", m + 1, mi.time, mi.key);
            if score.transposition(p, m) != info.transposition {
                let _ = write!(s, " tr={}", score.transposition(p, m));
            }
            if mi.pickup {
                s.push_str(" pickup");
            }
            if mi.repeat_start {
                s.push_str(" |:");
            }
            if let Some(t) = mi.repeat_end {
                let _ = write!(s, " :|x{t}");
            }
            if mi.ending != 0 {
                let _ = write!(s, " ending={:b}", mi.ending);
            }
            if !mi.jumps.is_empty() {
                let _ = write!(s, " jumps={:b}", mi.jumps.bits());
            }
            if let Some(t) = mi.tempo {
                let _ = write!(s, " tempo={}@{}", t.beat, t.bpm);
            }
            s.push('\n');
            for v in 0..score.voice_count(p, m) {
                let _ = write!(s, "  v{v}:");
                for e in score.events(p, m, v) {
                    let what = match &e.kind {
                        EventKind::Rest => "r".to_string(),
                        EventKind::Note(n) => format!("{}{}", n.pitch, tie(n.tie)),
                        EventKind::Chord(ns) => format!(
                            "[{}]",
                            ns.iter()
                                .map(|n| format!("{}{}", n.pitch, tie(n.tie)))
                                .collect::<Vec<_>>()
                                .join(" ")
                        ),
                    };
                    let _ = write!(s, " {what}@{}:{}", e.onset, e.duration);
                    if e.staff > 0 {
                        let _ = write!(s, "/s{}", e.staff);
                    }
                    if let Some(g) = e.grace {
                        let _ = write!(s, "/{g:?}");
                    }
                    if e.cue {
                        s.push_str("/cue");
                    }
                    for t in &e.tuplets {
                        let _ = write!(s, "/t{}:{}({})", t.group, t.ratio, t.span);
                    }
                    if !e.articulations.is_empty() {
                        let _ = write!(s, "/{}", e.articulations.names().collect::<Vec<_>>().join(","));
                    }
                    if let Some(d) = e.dynamic {
                        let _ = write!(s, "/{}", d.symbol());
                    }
                    if let Some(c) = e.chord_symbol {
                        let _ = write!(s, "/\"{c}\"");
                    }
                    for c in &e.chord_changes {
                        let _ = write!(s, "/+{}\"{}\"", c.offset, c.symbol);
                    }
                    for l in &e.lyrics {
                        let _ = write!(s, "/{}:{}({:?})", l.verse, l.text, l.syllabic);
                    }
                }
                s.push('\n');
            }
        }
    }
    s
}

fn tie(t: Tie) -> &'static str {
    match t {
        Tie::None => "",
        Tie::Start => "~",
        Tie::Stop => "^",
        Tie::Continue => "^~",
    }
}

#[test]
fn dump_some() {
    let Ok(list) = std::env::var("BANDPRO_DUMP") else { return };
    for name in list.split(',') {
        let path = shared_dir().join("musicxml-testsuite/xmlFiles").join(name);
        let bytes = std::fs::read(&path).unwrap();
        let (score, report) = formats::read_any(&bytes, path.extension().unwrap().to_str().unwrap()).unwrap();
        println!("=== {name}\n{}", dump(&score));
        for w in &report.warnings {
            println!("  warning: {w}");
        }
    }
}

fn wrap(measure_content: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?>\n<score-partwise version=\"3.1\">\n<part-list><score-part id=\"P1\"><part-name>Flute</part-name></score-part></part-list>\n<part id=\"P1\"><measure number=\"1\">\n{measure_content}\n</measure></part>\n</score-partwise>\n"
    )
}

/// Broken input is a typed error naming the position; never a panic.
#[test]
fn broken_input_is_a_clear_error() {
    fn check(input: &str, expected: &str, line: Option<u32>) {
        let err = musicxml::read(input.as_bytes()).map(|_| ()).expect_err(input);
        let text = err.to_string();
        assert!(text.contains(expected), "{text:?} should contain {expected:?}");
        if let Some(l) = line {
            match err {
                Error::Format { position: FilePosition::LineColumn { line, .. }, .. } => {
                    assert_eq!(line, l, "{text}")
                }
                other => panic!("expected a line position: {other:?}"),
            }
        }
    }
    check("", "no root element", Some(1));
    check("just text", "text outside the root", Some(1));
    check("<html><body/></html>", "not MusicXML: the root element is `<html>`", Some(1));
    check("<score-partwise>\n<part-list>\n</score-partwise>", "not well-formed", Some(3));
    check(
        "<score-partwise>\n<part-list/>",
        "`<score-partwise>` opened at line 1, column 1 is not closed",
        None,
    );
    check("<a b=c/>", "attribute `b` value is not quoted", Some(1));
    check(
        &wrap("<attributes><divisions>0</divisions></attributes>"),
        "`<divisions>` must be a positive number",
        Some(5),
    );
    check(
        &wrap("<note><pitch><step>C</step><octave>4</octave></pitch><duration>-2</duration></note>"),
        "negative `<duration>`",
        Some(5),
    );
    check(
        &wrap("<note><pitch><step>C</step><octave>4</octave></pitch><duration>x</duration></note>"),
        "not a number",
        None,
    );
    check(
        &wrap("<note><pitch><step>C</step><octave>4</octave></pitch><duration>0</duration></note>"),
        "must be positive",
        None,
    );
    check(&wrap("<note><duration>1</duration></note>"), "without `<pitch>`", None);
    check(
        &wrap("<note><pitch><step>H</step><octave>4</octave></pitch><duration>1</duration></note>"),
        "valid `<step>`",
        None,
    );
    check(
        &wrap(
            "<note><pitch><step>C</step><octave>4</octave><alter>9</alter></pitch><duration>1</duration></note>",
        ),
        "alteration 9",
        None,
    );
    let deep = format!("{}{}", "<a>".repeat(300), "</a>".repeat(300));
    assert!(matches!(
        musicxml::read(deep.as_bytes()),
        Err(Error::LimitExceeded { what: "element nesting depth", .. })
    ));
}

/// Unknown elements are skipped with a warning, not an error.
#[test]
fn unknown_elements_are_warnings() {
    let (score, report) = musicxml::read(
        wrap("<attributes><divisions>1</divisions><frobnicate/></attributes><wobble/><note><pitch><step>C</step><octave>4</octave></pitch><duration>4</duration><type>whole</type></note>")
            .as_bytes(),
    )
    .unwrap();
    assert_eq!(score.events(0, 0, 0).len(), 1);
    assert!(report.has_warning("`<frobnicate>` in `<attributes>`"), "{:?}", report.warnings);
    assert!(report.has_warning("`<wobble>` in `<measure>`"));
    assert_eq!(report.warnings[0].position, FilePosition::LineColumn { line: 5, column: 37 });
    assert_eq!(score.part(0).instrument.map(|i| i.id), Some("flute"));
}

/// Timewise files read like the same partwise file.
#[test]
fn timewise_equals_partwise() {
    let note = |step: &str| {
        format!(
            "<note><pitch><step>{step}</step><octave>4</octave></pitch><duration>2</duration><voice>1</voice><type>half</type></note>"
        )
    };
    let attrs = "<attributes><divisions>1</divisions><key><fifths>1</fifths></key><time><beats>2</beats><beat-type>4</beat-type></time></attributes>";
    let list = "<part-list><score-part id=\"A\"><part-name>Oboe</part-name></score-part><score-part id=\"B\"><part-name>Cello</part-name></score-part></part-list>";
    let partwise = format!(
        "<score-partwise>{list}<part id=\"A\"><measure number=\"1\">{attrs}{}</measure><measure number=\"2\">{}</measure></part><part id=\"B\"><measure number=\"1\">{attrs}{}</measure><measure number=\"2\">{}</measure></part></score-partwise>",
        note("G"),
        note("A"),
        note("B"),
        note("C")
    );
    let timewise = format!(
        "<score-timewise>{list}<measure number=\"1\"><part id=\"A\">{attrs}{}</part><part id=\"B\">{attrs}{}</part></measure><measure number=\"2\"><part id=\"A\">{}</part><part id=\"B\">{}</part></measure></score-timewise>",
        note("G"),
        note("B"),
        note("A"),
        note("C")
    );
    let (a, _) = musicxml::read(partwise.as_bytes()).unwrap();
    let (b, _) = musicxml::read(timewise.as_bytes()).unwrap();
    assert_eq!(first_difference(&a, &b), None);
    assert_eq!(a.measure(1).key.to_string(), "G major");
    assert_eq!(a.events(1, 1, 0)[0].notes()[0].pitch.to_string(), "C4");
}

/// `.mxl` round trip, and a zip bomb is refused before it is inflated.
#[test]
fn mxl_round_trip_and_zip_bomb() {
    use std::io::Write;
    let score = SimpleScore::from_text("3/4", "Bb major", &[("clarinet", &["D5 C5 Bb4 | F5:2."])]).unwrap();
    let bytes = mxl::write(&score);
    let (back, report) = mxl::read(&bytes).unwrap();
    assert_eq!(first_difference(&score, &back), None);
    assert_eq!(report.format, "MXL");
    assert_eq!(back.events(0, 1, 0)[0].notes()[0].pitch.to_string(), "F5");

    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("score.xml", opts).unwrap();
    let zeros = vec![b' '; 1 << 20];
    for _ in 0..20 {
        zip.write_all(&zeros).unwrap();
    }
    let bomb = zip.finish().unwrap().into_inner();
    match mxl::read(&bomb) {
        Err(Error::LimitExceeded { what, .. }) => assert_eq!(what, "compression ratio"),
        other => panic!("expected the bomb to be refused: {:?}", other.map(|_| ())),
    }
    assert!(matches!(mxl::read(b"PK\x03\x04 not really"), Err(Error::Format { format: "MXL", .. })));
    assert!(matches!(mxl::read(b"<xml/>"), Err(Error::Format { position: FilePosition::Byte(0), .. })));
}

/// Seeded mutations of real files never panic the readers. Set `BANDPRO_TEST_SEED` to replay.
#[test]
fn mutated_files_never_panic() {
    let seed: u64 = std::env::var("BANDPRO_TEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5eed);
    println!("seed {seed}");
    let dir = shared_dir().join("musicxml-testsuite/xmlFiles");
    let names = [
        "01a-Pitches-Pitches.xml",
        "23d-Tuplets-Nested.xml",
        "61b-MultipleLyrics.xml",
        "90a-Compressed-MusicXML.mxl",
    ];
    let mut state = seed;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for name in names {
        let Ok(bytes) = std::fs::read(dir.join(name)) else { continue };
        for _ in 0..150 {
            let mut b = bytes.clone();
            for _ in 0..1 + next() % 8 {
                let i = (next() % b.len() as u64) as usize;
                match next() % 4 {
                    0 => b[i] = next() as u8,
                    1 => b[i] = b"<>/\"=&;0-9 "[(next() % 11) as usize],
                    2 => {
                        b.truncate(i);
                    }
                    _ => {
                        let j = (next() % b.len().max(1) as u64) as usize;
                        let chunk: Vec<u8> = b[i.min(j)..i.max(j)].iter().copied().take(64).collect();
                        b.splice(i..i, chunk);
                    }
                }
                if b.is_empty() {
                    break;
                }
            }
            let _ = formats::read_any(&b, name.rsplit('.').next().unwrap());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Regressions found by the differential check against music21 (benches/music21).

/// A file of the MusicXML test suite, read; `None` (with a note) when the suite is not there.
fn suite_file(name: &str) -> Option<(SimpleScore, formats::ImportReport)> {
    let path = shared_dir().join("musicxml-testsuite/xmlFiles").join(name);
    match std::fs::read(&path) {
        Ok(bytes) => Some(musicxml::read(&bytes).unwrap()),
        Err(_) => {
            println!("note: {} not found; that part of the test was skipped", path.display());
            None
        }
    }
}

/// One part named `name` (so no instrument is guessed from "Flute") around `measures`.
fn one_part(name: &str, measures: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?>\n<score-partwise version=\"4.0\">\n<part-list><score-part id=\"P1\"><part-name>{name}</part-name></score-part></part-list>\n<part id=\"P1\">{measures}</part>\n</score-partwise>\n"
    )
}

/// Written, the score validates against the schema (when xmllint is there) and reads back the
/// same.
fn check_written(score: &SimpleScore, meta: &formats::Metadata, name: &str) -> String {
    let text = musicxml::write_with(score, meta);
    let (back, _) = musicxml::read(text.as_bytes()).unwrap();
    assert_eq!(first_difference(score, &back), None, "{name}");
    let dir = temp_dir(&format!("regress-{name}"));
    let file = dir.join(format!("{name}.musicxml"));
    std::fs::write(&file, &text).unwrap();
    match xmllint(std::slice::from_ref(&file)) {
        None => println!("note: xmllint not found; {name} was not validated"),
        Some(bad) => assert!(bad.is_empty(), "{name} does not validate: {bad:?}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
    text
}

fn notes_of(score: &SimpleScore, part: usize) -> Vec<String> {
    let mut out = Vec::new();
    for m in 0..score.measure_count() {
        for v in 0..score.voice_count(part, m) {
            for e in score.events(part, m, v) {
                out.extend(e.notes().iter().map(|n| n.pitch.to_string()));
            }
        }
    }
    out
}

/// The chord symbols of a part, measure by measure, changes during a note after the note's
/// own ("F#m6@+0" for a change at no given moment).
fn symbols_of(score: &SimpleScore, part: usize, measure: usize) -> Vec<String> {
    let mut out = Vec::new();
    for v in 0..score.voice_count(part, measure) {
        for e in score.events(part, measure, v) {
            out.extend(e.chord_symbol.map(|c| c.to_string()));
            out.extend(e.chord_changes.iter().map(|c| format!("{}@+{}", c.symbol, c.offset)));
        }
    }
    out
}

const PITCHED: &str =
    "<note><pitch><step>C</step><octave>4</octave></pitch><duration>1</duration><type>quarter</type></note>";
const UNPITCHED: &str = "<note><unpitched><display-step>E</display-step><display-octave>4</display-octave></unpitched><duration>1</duration><type>quarter</type></note>";
const REST: &str = "<note><rest/><duration>1</duration><type>quarter</type></note>";

/// A part is unpitched when its notes are, not because a clef is a percussion clef. 12ab-Clefs-
/// Percussion-NonTrad has a percussion clef in m.1 and G, F and C clefs after, and every note is
/// a `<pitch>`: the ten C4s were exported as `<unpitched>` (and MIDI played them on drums).
#[test]
fn percussion_clef_does_not_make_pitched_notes_unpitched() {
    if let Some((score, report)) = suite_file("12ab-Clefs-Percussion-NonTrad.xml") {
        assert!(!score.part(0).unpitched);
        assert_eq!(notes_of(&score, 0), vec!["C4"; 10]);
        let text = check_written(&score, &report.metadata, "12ab");
        assert!(!text.contains("<unpitched>"));
        assert_eq!(text.matches("<pitch>").count(), 10);
    }
    // (part name, clef sign, notes) -> unpitched, and a warning if any.
    fn check(name: &str, sign: &str, notes: &[&str], unpitched: bool, warning: Option<&str>) {
        let attrs =
            format!("<attributes><divisions>1</divisions><clef><sign>{sign}</sign></clef></attributes>");
        let xml = one_part(name, &format!("<measure number=\"1\">{attrs}{}</measure>", notes.concat()));
        let (score, report) = musicxml::read(xml.as_bytes()).unwrap();
        assert_eq!(score.part(0).unpitched, unpitched, "{name} {sign} {notes:?}");
        match warning {
            Some(w) => assert!(report.has_warning(w), "{:?}", report.warnings),
            None => assert!(!report.has_warning("unpitched"), "{:?}", report.warnings),
        }
    }
    check("Part", "percussion", &[PITCHED, PITCHED], false, None);
    check("Part", "percussion", &[UNPITCHED, UNPITCHED], true, None);
    check("Part", "G", &[UNPITCHED], true, None);
    // The notes decide over a drum's name, too.
    check("Drum Set", "percussion", &[PITCHED], false, None);
    check("Drum Set", "percussion", &[UNPITCHED, REST], true, None);
    // Without notes, the clef or the instrument decides.
    check("Part", "percussion", &[REST], true, None);
    check("Drum Set", "G", &[REST], true, None);
    check("Part", "G", &[REST], false, None);
    // Both: pitched notes stay pitched; the unpitched ones are kept as pitches at their display
    // position, with a warning.
    let warn = "1 pitched and 2 unpitched notes: read as pitched";
    check("Part", "percussion", &[UNPITCHED, PITCHED, UNPITCHED], false, Some(warn));
    let xml = one_part(
        "Part",
        &format!(
            "<measure number=\"1\"><attributes><divisions>1</divisions></attributes>{UNPITCHED}{PITCHED}</measure>"
        ),
    );
    let (score, _) = musicxml::read(xml.as_bytes()).unwrap();
    assert_eq!(notes_of(&score, 0), ["E4", "C4"]);
}

/// A `<part>` without `id` (or with an id the part list lacks) is the first `<score-part>` not
/// matched by id. 41g-PartNoId gave an empty "MusicXML Part" and a nameless part with the music.
#[test]
fn part_without_id_takes_the_first_unmatched_score_part() {
    if let Some((score, report)) = suite_file("41g-PartNoId.xml") {
        assert_eq!(score.part_count(), 1);
        assert_eq!(score.part(0).name, "MusicXML Part");
        assert_eq!(score.events(0, 0, 0).len(), 1);
        assert!(report.has_warning("part without `id` is read as score-part `P1`"), "{:?}", report.warnings);
    }
    let list = "<part-list><score-part id=\"P1\"><part-name>Flute</part-name></score-part><score-part id=\"P2\"><part-name>Clarinet in Bb</part-name></score-part></part-list>";
    let measure = |step: &str| {
        format!(
            "<measure number=\"1\"><attributes><divisions>1</divisions></attributes><note><pitch><step>{step}</step><octave>5</octave></pitch><duration>4</duration><type>whole</type></note></measure>"
        )
    };
    // (the parts' id attributes, in order) -> what each score-part plays, and a warning.
    let check = |ids: [&str; 2], expected: [&str; 2], parts: usize, warning: Option<&str>| {
        let parts_xml: String = ids
            .iter()
            .zip(["C", "D"])
            .map(|(id, step)| format!("<part{id}>{}</part>", measure(step)))
            .collect();
        let xml = format!("<score-partwise>{list}{parts_xml}</score-partwise>");
        let (score, report) = musicxml::read(xml.as_bytes()).unwrap();
        assert_eq!(score.part_count(), parts, "{ids:?}");
        for (p, want) in expected.iter().enumerate() {
            assert_eq!(notes_of(&score, p).concat(), *want, "{ids:?} part {p}");
        }
        match warning {
            Some(w) => assert!(report.has_warning(w), "{ids:?}: {:?}", report.warnings),
            None => assert!(report.warnings.is_empty(), "{ids:?}: {:?}", report.warnings),
        }
    };
    check(["", " id=\"P1\""], ["D5", "C5"], 2, Some("part without `id` is read as score-part `P2`"));
    check(
        [" id=\"X\"", " id=\"P2\""],
        ["C5", "D5"],
        2,
        Some("part `X` is not in the part list; it is read as score-part `P1`"),
    );
    check([" id=\"P1\"", " id=\"P2\""], ["C5", "D5"], 2, None);
    // The notes come with their score-part's name, instrument and transposition.
    let xml = format!(
        "<score-partwise>{list}<part id=\"P1\">{}</part><part>{}</part></score-partwise>",
        measure("C"),
        measure("D")
    );
    let (score, _) = musicxml::read(xml.as_bytes()).unwrap();
    assert_eq!(score.part(1).name, "Clarinet in Bb");
    assert_eq!(score.part(1).instrument.map(|i| i.id), Some("clarinet"));
    assert_eq!(score.part(1).transposition, Interval::from_parts(-1, -2));
    // No score-part left: a part of its own, as before (41h-TooManyParts).
    let xml = format!(
        "<score-partwise>{list}<part id=\"P1\">{}</part><part id=\"P2\">{}</part><part>{}</part></score-partwise>",
        measure("C"),
        measure("D"),
        measure("E")
    );
    let (score, report) = musicxml::read(xml.as_bytes()).unwrap();
    assert_eq!(score.part_count(), 3);
    assert_eq!(notes_of(&score, 2), ["E5"]);
    assert!(report.has_warning("no score-part left"), "{:?}", report.warnings);
    if let Some((score, _)) = suite_file("41h-TooManyParts.xml") {
        // P1 and two parts the list lacks, P3 and P4.
        assert_eq!(score.part_count(), 3);
    }
    // Timewise: matched measure by measure, the same way each time, warned once.
    let m = |n: u32, a: &str, b: &str| {
        format!(
            "<measure number=\"{n}\"><part><attributes><divisions>1</divisions></attributes><note><pitch><step>{a}</step><octave>5</octave></pitch><duration>4</duration></note></part><part><note><pitch><step>{b}</step><octave>4</octave></pitch><duration>4</duration></note></part></measure>"
        )
    };
    let xml = format!("<score-timewise>{list}{}{}</score-timewise>", m(1, "C", "E"), m(2, "D", "F"));
    let (score, report) = musicxml::read(xml.as_bytes()).unwrap();
    assert_eq!(score.part_count(), 2);
    assert_eq!(notes_of(&score, 0), ["C5", "D5"]);
    assert_eq!(notes_of(&score, 1), ["E4", "F4"]);
    assert_eq!(report.warnings.iter().filter(|w| w.message.contains("without `id`")).count(), 2);
}

/// One `<harmony>` before a note of a plain part, as the measure's content.
fn harmony_measure(harmony: &str) -> String {
    one_part(
        "Part",
        &format!(
            "<measure number=\"1\"><attributes><divisions>1</divisions></attributes>{harmony}<note><pitch><step>C</step><octave>4</octave></pitch><duration>4</duration><type>whole</type></note></measure>"
        ),
    )
}

/// The chord symbol a `<harmony>` reads as (or "-"), and the warnings.
fn read_harmony(harmony: &str) -> (String, Vec<String>) {
    let (score, report) = musicxml::read(harmony_measure(harmony).as_bytes()).unwrap();
    let symbols = symbols_of(&score, 0, 0);
    (symbols.join(" "), report.warnings.iter().map(|w| w.message.clone()).collect())
}

fn harmony(root: &str, kind: &str, rest: &str) -> String {
    format!("<harmony><root><root-step>{root}</root-step></root><kind>{kind}</kind>{rest}</harmony>")
}

fn degree(value: u8, alter: i8, ty: &str) -> String {
    format!(
        "<degree><degree-value>{value}</degree-value><degree-alter>{alter}</degree-alter><degree-type>{ty}</degree-type></degree>"
    )
}

/// `<inversion>` is the slash bass it implies: 71f-AllChordTypes m.9 has F# major in second
/// inversion, whose C# bass was lost.
#[test]
fn harmony_inversion_is_a_slash_bass() {
    if let Some((score, _)) = suite_file("71f-AllChordTypes.xml") {
        assert_eq!(symbols_of(&score, 0, 8), ["F#/C#", "Fbb/C", "G#/D#", "C"]);
    }
    let check = |kind: &str, rest: &str, expected: &str, warning: Option<&str>| {
        let (symbol, warnings) = read_harmony(&harmony("C", kind, rest));
        assert_eq!(symbol, expected, "{kind} {rest}");
        match warning {
            Some(w) => assert!(warnings.iter().any(|x| x.contains(w)), "{warnings:?}"),
            None => assert!(warnings.is_empty(), "{warnings:?}"),
        }
    };
    let inv = |n: &str| format!("<inversion>{n}</inversion>");
    check("dominant", &inv("0"), "C7", None);
    check("dominant", &inv("1"), "C7/E", None);
    check("dominant", &inv("2"), "C7/G", None);
    check("dominant", &inv("3"), "C7/Bb", None);
    check("dominant", &inv("4"), "C7", Some("inversion 4 of a chord with fewer members"));
    check("dominant", &inv("x"), "C7", Some("inversion `x` not understood"));
    check("minor-sixth", &inv("3"), "Cm6/A", None);
    check("suspended-fourth", &inv("1"), "Csus4/F", None);
    // Degrees count: a lowered fifth is still the third member, an added tone takes its place
    // by number.
    check("major", &format!("{}{}", inv("2"), degree(5, -1, "alter")), "C(b5)/Gb", None);
    check("dominant", &format!("{}{}", inv("4"), degree(9, 1, "add")), "C7#9/D#", None);
    check("minor-seventh", &format!("{}{}", inv("4"), degree(11, 0, "add")), "Cm7(add11)/F", None);
    // `<bass>` says it outright and wins.
    check("major", &format!("{}<bass><bass-step>A</bass-step></bass>", inv("1")), "C/A", None);
}

/// Chord symbols with `<degree>`s and the rarer kinds are kept, and written back (schema
/// order: kind, bass, degrees). They were dropped with a "skipped" warning: Cmaj7(add #11) and
/// B7(#5 add #9) in 71a and 71c, Cm7(add 11) in 71d, and in 71f major-11th, Neapolitan,
/// Italian, French, German, pedal, Tristan, other, C(no 3, b5) and C(no 1, add b6).
#[test]
fn chord_symbols_with_degrees_and_rare_kinds_are_kept() {
    let expected: &[(&str, usize, usize, &[&str])] = &[
        ("71a-Chordnames.xml", 0, 0, &["C", "Cmaj7(add#11)", "B7(#5,add#9)", "Ebadd9"]),
        ("71c-ChordsFrets.xml", 0, 0, &["C", "Cmaj7(add#11)", "B7(#5,add#9)", "Ebadd9"]),
        ("71d-ChordsFrets-Multistaff.xml", 0, 0, &["Ebm9", "C", "D7", "Cm7(add11)"]),
        ("71f-AllChordTypes.xml", 0, 4, &["C11", "Cmaj11", "Cm11", "C13"]),
        ("71f-AllChordTypes.xml", 0, 6, &["CN6", "CIt+6", "CFr+6", "CGr+6"]),
        ("71f-AllChordTypes.xml", 0, 7, &["Cpedal", "C5", "CTristan", "Cother"]),
        ("71f-AllChordTypes.xml", 0, 9, &["C(no3,b5)", "C(no1,addb6)"]),
    ];
    for &(file, part, measure, symbols) in expected {
        let Some((score, report)) = suite_file(file) else { continue };
        assert_eq!(symbols_of(&score, part, measure), symbols, "{file} m.{}", measure + 1);
        assert!(!report.has_warning("chord"), "{file}: {:?}", report.warnings);
        let text = check_written(&score, &report.metadata, file.trim_end_matches(".xml"));
        if file.starts_with("71f") {
            assert!(text.contains("<kind text=\"Tristan\">Tristan</kind>"));
            // The order of kind, bass and degrees is checked by the schema above.
            assert!(text.contains("<degree-type>subtract</degree-type>"));
        }
    }

    let check = |h: &str, expected: &str, warning: Option<&str>| {
        let (symbol, warnings) = read_harmony(h);
        assert_eq!(symbol, expected, "{h}");
        match warning {
            Some(w) => assert!(warnings.iter().any(|x| x.contains(w)), "{h}: {warnings:?}"),
            None => assert!(warnings.is_empty(), "{h}: {warnings:?}"),
        }
    };
    // A quality of the model absorbs the degrees that make it; the rest stay degrees.
    check(&harmony("C", "dominant", &degree(5, -1, "alter")), "C7b5", None);
    check(
        &harmony("C", "dominant", &format!("{}{}", degree(5, -1, "alter"), degree(9, 1, "add"))),
        "C7b5(add#9)",
        None,
    );
    check(
        &harmony("C", "dominant", &format!("{}{}", degree(9, 1, "add"), degree(5, -1, "alter"))),
        "C7#9(b5)",
        None,
    );
    check(&harmony("C", "minor-seventh", &degree(11, 0, "add")), "Cm7(add11)", None);
    check(&harmony("C", "major", &degree(5, 0, "subtract")), "C(no5)", None);
    check(&harmony("C", "major", &degree(5, 0, "alter")), "C(♮5)", None);
    check(
        &harmony("C", "other", &format!("{}{}", degree(3, -1, "add"), degree(5, 1, "add"))),
        "Cother(addb3,add#5)",
        None,
    );
    // Spellings editors use: a lower-case Tristan, minor-major for major-minor.
    check(&harmony("F", "tristan", ""), "FTristan", None);
    check(&harmony("C", "minor-major", ""), "Cm(maj7)", None);
    // `<kind text>` chooses between qualities that fit: C6 with an added ninth stays that.
    check(&harmony("C", "major-sixth", &degree(9, 0, "add")), "C6/9", None);
    check(
        &harmony("C", "major-sixth", &degree(9, 0, "add")).replace("<kind>", "<kind text=\"6\">"),
        "C6(add9)",
        None,
    );
    // What the model cannot carry is said, not silently dropped.
    let five: String = [9, 11, 13, 2, 4].iter().map(|&v| degree(v, 0, "add")).collect();
    check(
        &harmony("C", "dominant", &five),
        "C7(add9,add11,add13,add2)",
        Some("more than 4 degree alterations"),
    );
    check(&harmony("C", "dominant", &degree(15, 0, "add")), "C7", Some("degree `add 15`"));
    check(&harmony("C", "dominant", &degree(9, 3, "add")), "C7", Some("altered by 3 not kept"));
    check(&harmony("C", "dominant", &degree(9, 0, "double")), "C7", Some("degree `double 9`"));
    check(&harmony("C", "none", ""), "", Some("kind `none`"));
}

/// Several `<harmony>` elements before one note are changes of chord during it (71g-Multiple-
/// Chordnames: C then F#m6 over the first half note, Dm7 then G7 over the second); the second
/// of each pair was dropped. A `<harmony>` with an `<offset>` inside a note is a change at that
/// moment, not moved to the next note.
#[test]
fn two_harmonies_on_one_note_are_both_kept() {
    if let Some((score, report)) = suite_file("71g-MultipleChordnames.xml") {
        assert_eq!(symbols_of(&score, 0, 0), ["C", "F#m6@+0", "Dm7", "G7@+0"]);
        assert!(report.warnings.is_empty(), "{:?}", report.warnings);
        let text = check_written(&score, &report.metadata, "71g");
        assert_eq!(text.matches("<harmony>").count(), 4);
    }
    let two = format!("{}{}", harmony("C", "major", ""), harmony("G", "dominant", "<offset>2</offset>"));
    let (score, report) = musicxml::read(harmony_measure(&two).as_bytes()).unwrap();
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    assert_eq!(symbols_of(&score, 0, 0), ["C", "G7@+1/2"]);
    let text = check_written(&score, &formats::Metadata::default(), "offset-change");
    assert!(text.contains("<offset>"), "{text}");
    // The offset alone (no chord at the onset): the note has only the change.
    let (score, _) =
        musicxml::read(harmony_measure(&harmony("G", "dominant", "<offset>3</offset>")).as_bytes()).unwrap();
    assert_eq!(symbols_of(&score, 0, 0), ["G7@+3/4"]);
    assert_eq!(score.events(0, 0, 0)[0].chord_symbol, None);
    // Transposition moves the changes with the rest.
    let up = transpose::transpose_score(&score, Interval::from_parts(1, 2)).unwrap();
    assert_eq!(symbols_of(&up, 0, 0), ["A7@+3/4"]);
}
