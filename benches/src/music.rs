//! BandPro's music crate alone (issues 3 and 5): analysis, validation and MusicXML on a
//! generated band score, and the public MusicXML test suite. BandPro only; no peer runs these.

use std::path::Path;

use bandpro_music::formats::{self, musicxml};
use bandpro_music::generate::band_score;
use bandpro_music::key_detect::{self, WindowOptions};
use bandpro_music::validate::{self, ValidationConfig};
use bandpro_music::{ScoreView, SimpleScore};

use crate::workload::{SEED, median_ns};

/// Size of the generated score.
#[derive(Clone, Copy, Debug)]
pub struct MusicSize {
    /// Parts.
    pub parts: usize,
    /// Measures.
    pub measures: usize,
    /// Timed repetitions inside one run, of which the median is reported.
    pub iters: usize,
}

/// Where the MusicXML test suite sits inside `shared/`.
pub const SUITE_DIR: &str = "musicxml-testsuite/xmlFiles";

/// The test-suite folder: `$BANDPRO_MUSICXML_SUITE`, or `shared/musicxml-testsuite/xmlFiles`
/// beside the repository.
pub fn suite_dir() -> std::path::PathBuf {
    match std::env::var_os("BANDPRO_MUSICXML_SUITE") {
        Some(p) => p.into(),
        None => std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared").join(SUITE_DIR),
    }
}

/// The generated score of issues 3, 5, 6 and 7.
pub fn score(size: MusicSize) -> SimpleScore {
    band_score(size.parts, size.measures, SEED)
}

/// `music`: full validation, validation of 4 measures in the middle, key detection (whole score
/// and windowed) and chordify. Checks that the range validation equals the full validation's
/// diagnostics in that range, and that every analysis covers the score.
pub fn music(size: MusicSize) -> Result<Vec<(String, f64)>, String> {
    let s = score(size);
    let config = ValidationConfig::default();
    let (full_ns, full) = median_ns(size.iters, || validate::validate(&s, &config));
    let mid = size.measures / 2;
    let range = mid.saturating_sub(2)..(mid + 2).min(size.measures);
    let (range_ns, part) =
        median_ns(size.iters * 20, || validate::validate_measures(&s, range.clone(), &config));
    let want: Vec<_> = full.iter().filter(|d| range.contains(&d.location.measure)).cloned().collect();
    if part != want {
        return Err(format!(
            "music: validation of measures {range:?} gave {} diagnostics, the full one {} there",
            part.len(),
            want.len()
        ));
    }
    let (key_ns, key) = median_ns(size.iters * 5, || key_detect::detect_key(&s));
    if !key.correlation.is_finite() {
        return Err("music: key detection gave no correlation".into());
    }
    let (windowed_ns, windowed) =
        median_ns(size.iters, || key_detect::windowed_keys(&s, &WindowOptions::default()));
    if windowed.per_measure.len() != size.measures {
        return Err(format!(
            "music: {} windowed keys for {} measures",
            windowed.per_measure.len(),
            size.measures
        ));
    }
    let (chordify_ns, sonorities) = median_ns(size.iters, || bandpro_music::chordify::chordify(&s));
    if sonorities.is_empty() || sonorities.last().map(|x| x.measure) != Some(size.measures - 1) {
        return Err("music: chordify did not reach the last measure".into());
    }
    Ok(vec![
        ("validate_full_ns".into(), full_ns),
        ("validate_range4_ns".into(), range_ns),
        ("key_detect_ns".into(), key_ns),
        ("key_windowed_ns".into(), windowed_ns),
        ("chordify_ns".into(), chordify_ns),
        ("notes".into(), s.note_count() as f64),
        ("diagnostics".into(), full.len() as f64),
    ])
}

/// `formats`: MusicXML write and read back of the generated score (checked: same parts,
/// measures and events per voice), a read of every file of the test suite but the one that is
/// not well-formed on purpose (checked: exactly one file fails), and the export of all those
/// scores as MusicXML and as `.mxl`.
pub fn formats(size: MusicSize) -> Result<Vec<(String, f64)>, String> {
    let s = score(size);
    let (write_ns, xml) = median_ns(size.iters, || musicxml::write(&s));
    let bytes = xml.len() as f64;
    let (read_ns, back) = median_ns(size.iters, || musicxml::read(xml.as_bytes()));
    let (back, _report) = back.map_err(|e| format!("formats: reading our own MusicXML: {e}"))?;
    if back.part_count() != s.part_count() || back.measure_count() != s.measure_count() {
        return Err("formats: the score read back has other parts or measures".into());
    }
    for p in 0..s.part_count() {
        for m in 0..s.measure_count() {
            for v in 0..s.voice_count(p, m) {
                let (a, b) = (s.events(p, m, v), back.events(p, m, v));
                let same = a.len() == b.len()
                    && a.iter()
                        .zip(b)
                        .all(|(x, y)| x.onset == y.onset && x.duration == y.duration && x.kind == y.kind);
                if !same {
                    return Err(format!(
                        "formats: part {p} measure {m} voice {v} differs after the round trip"
                    ));
                }
            }
        }
    }
    let dir = suite_dir();
    let mut files: Vec<(std::path::PathBuf, Vec<u8>)> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && matches!(ext(p), "xml" | "musicxml" | "mxl"))
        .map(|p| std::fs::read(&p).map(|b| (p, b)))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    files.sort();
    // The file that is not well-formed on purpose: found once, outside the timing.
    let failing: Vec<usize> =
        (0..files.len()).filter(|&i| formats::read_any_path(&files[i].1, &files[i].0).is_err()).collect();
    if failing.len() != 1 {
        return Err(format!("formats: {} suite files fail to read, 1 expected", failing.len()));
    }
    let ok: Vec<&(std::path::PathBuf, Vec<u8>)> =
        files.iter().enumerate().filter(|(i, _)| !failing.contains(i)).map(|(_, f)| f).collect();
    let suite_bytes: usize = ok.iter().map(|f| f.1.len()).sum();
    let (suite_ns, notes) = median_ns(size.iters, || {
        ok.iter()
            .map(|(p, b)| formats::read_any_path(b, p).map(|(s, _)| s.note_count()).unwrap_or(0))
            .sum::<usize>()
    });
    if notes == 0 {
        return Err("formats: the suite read no notes".into());
    }
    // Export of the whole suite, from the scores read once outside the timing: MusicXML, and
    // the compressed .mxl container.
    let scores: Vec<(SimpleScore, formats::Metadata)> = ok
        .iter()
        .filter_map(|(p, b)| formats::read_any_path(b, p).ok().map(|(s, r)| (s, r.metadata)))
        .collect();
    let export = |format: formats::FileFormat| {
        median_ns(size.iters, || {
            scores.iter().map(|(s, meta)| formats::write_bytes(s, Some(meta), format).len()).sum::<usize>()
        })
    };
    let (suite_write_ns, written) = export(formats::FileFormat::MusicXml);
    let (suite_mxl_write_ns, zipped) = export(formats::FileFormat::Mxl);
    if written == 0 || zipped == 0 || zipped >= written {
        return Err(format!("formats: the suite exported {written} B of MusicXML and {zipped} B of .mxl"));
    }
    Ok(vec![
        ("musicxml_write_ns".into(), write_ns),
        ("musicxml_read_ns".into(), read_ns),
        ("musicxml_write_mb_per_s".into(), bytes / (write_ns / 1e9) / 1e6),
        ("musicxml_read_mb_per_s".into(), bytes / (read_ns / 1e9) / 1e6),
        ("musicxml_bytes".into(), bytes),
        ("suite_read_ns".into(), suite_ns),
        ("suite_write_ns".into(), suite_write_ns),
        ("suite_mxl_write_ns".into(), suite_mxl_write_ns),
        ("suite_written_bytes".into(), written as f64),
        ("suite_files".into(), ok.len() as f64),
        ("suite_bytes".into(), suite_bytes as f64),
    ])
}

fn ext(p: &Path) -> &str {
    p.extension().and_then(|e| e.to_str()).unwrap_or("")
}
