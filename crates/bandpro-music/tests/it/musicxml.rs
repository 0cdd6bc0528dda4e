//! MusicXML and MXL: the public test suite round trip, schema validation of the output, broken
//! input, and small cases.

use std::path::{Path, PathBuf};

use bandpro_music::formats::{self, musicxml};
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
/// aside).
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
