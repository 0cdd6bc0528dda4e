//! Commands that read music: `validate`, `analyze` and `stats`, on a score file or a version.

use std::path::Path;

use anyhow::{Result, bail};
use bandpro_music::chordify::chordify;
use bandpro_music::key_detect::{WindowOptions, detect_key, windowed_keys};
use bandpro_music::validate::{Severity, ValidationConfig, validate as run_rules};
use bandpro_music::{Rational, ScoreView};
use serde_json::json;

use crate::Status;
use crate::cli::Analysis;
use crate::output::Style;
use crate::shapes::{Finding, part_name};
use crate::workspace::{Workspace, measure_range, read_score, warn_report};

/// A score to read: a file's, or a version's.
pub struct Source {
    /// What it is, for people ("score.musicxml", "v1", "HEAD").
    pub label: String,
    /// The score.
    pub score: Box<dyn ScoreView>,
}

/// `FILE|REV` as typed: an existing file, else a revision of the repository here; none: HEAD.
pub fn load(ws: &Workspace, source: Option<&str>) -> Result<Source> {
    if let Some(s) = source {
        let p = ws.path(Path::new(s));
        if p.is_file() {
            let (score, report) = read_score(&p)?;
            warn_report(&p, &report);
            return Ok(Source { label: s.to_owned(), score: Box::new(score) });
        }
        let looks_like_file = bandpro_music::formats::FileFormat::from_extension(
            Path::new(s).extension().and_then(|e| e.to_str()).unwrap_or(""),
        )
        .is_some();
        if looks_like_file && ws.find_root().is_none() {
            bail!("no such file: {}", p.display());
        }
    }
    let rev = source.unwrap_or("HEAD");
    let r = ws.open()?;
    Ok(Source { label: rev.to_owned(), score: Box::new(r.score_at(rev)?) })
}

/// The 1-based beat of an onset in a measure.
fn beat(score: &dyn ScoreView, measure: usize, onset: Rational) -> Rational {
    let den = i64::from(score.measure(measure).time.denominator());
    onset * Rational::from_int(den) + Rational::ONE
}

/// `bandpro validate [FILE|REV] [--strict]`.
pub fn validate(ws: &Workspace, source: Option<&str>, strict: bool) -> Result<Status> {
    let src = load(ws, source)?;
    let score = src.score.as_ref();
    let diags = run_rules(score, &ValidationConfig::default());
    let count = |s: Severity| diags.iter().filter(|d| d.severity == s).count();
    let (errors, warnings, infos) = (count(Severity::Error), count(Severity::Warning), count(Severity::Info));
    ws.out.json(&json!({
        "source": src.label,
        "errors": errors,
        "warnings": warnings,
        "infos": infos,
        "diagnostics": diags.iter().map(|d| Finding::new(d, score)).collect::<Vec<_>>(),
    }));
    let rows: Vec<Vec<String>> = diags
        .iter()
        .map(|d| {
            let style = match d.severity {
                Severity::Error => Style::Bad,
                Severity::Warning => Style::Warn,
                Severity::Info => Style::Dim,
            };
            let l = &d.location;
            vec![
                ws.out.paint(style, d.severity.name()),
                format!("m.{}", l.measure + 1),
                part_name(score, l.part),
                format!("v{}", l.voice + 1),
                format!("beat {}", l.beat),
                d.message(),
                d.fix.as_ref().map(|f| ws.out.paint(Style::Dim, format!("fix: {f}"))).unwrap_or_default(),
            ]
        })
        .collect();
    ws.out.table(&rows);
    ws.out.line(format!("{}: {errors} error(s), {warnings} warning(s), {infos} note(s)", src.label));
    Ok(if errors > 0 || (strict && warnings > 0) { Status::Problems } else { Status::Clean })
}

/// `bandpro analyze key|chords|roman [FILE|REV]`.
pub fn analyze(
    ws: &Workspace,
    what: Analysis,
    source: Option<&str>,
    measures: Option<&str>,
) -> Result<Status> {
    let src = load(ws, source)?;
    let score = src.score.as_ref();
    let range = measures.map(measure_range).transpose()?.unwrap_or(0..score.measure_count());
    let key = detect_key(score);
    match what {
        Analysis::Key => {
            let regions = windowed_keys(score, &WindowOptions::default()).regions;
            ws.out.json(&json!({
                "source": src.label,
                "key": key.key.to_string(),
                "correlation": key.correlation,
                "runners_up": key.runners_up(3).iter().map(|c| json!({ "key": c.key.to_string(), "score": c.score })).collect::<Vec<_>>(),
                "regions": regions.iter().map(|r| json!({ "from": r.measures.start + 1, "to": r.measures.end, "key": r.key.to_string() })).collect::<Vec<_>>(),
            }));
            ws.out.line(format!(
                "{}: {} (correlation {:.2})",
                src.label,
                ws.out.paint(Style::Bold, key.key.to_string()),
                key.correlation
            ));
            let others: Vec<String> =
                key.runners_up(3).iter().map(|c| format!("{} {:.2}", c.key, c.score)).collect();
            ws.out.line(format!("runners-up: {}", others.join(", ")));
            if regions.len() > 1 {
                ws.out.line("key areas:");
                let rows: Vec<Vec<String>> = regions
                    .iter()
                    .map(|r| {
                        vec![format!("  m.{}-{}", r.measures.start + 1, r.measures.end), r.key.to_string()]
                    })
                    .collect();
                ws.out.table(&rows);
            }
        }
        Analysis::Chords | Analysis::Roman => {
            let mut rows = Vec::new();
            let mut items = Vec::new();
            for s in chordify(score).into_iter().filter(|s| range.contains(&s.measure)) {
                let pitches: Vec<String> = s.pitches.iter().map(ToString::to_string).collect();
                let label = if what == Analysis::Chords {
                    s.chord().map(|c| c.name())
                } else {
                    s.roman(key.key).map(|r| r.figure)
                };
                let b = beat(score, s.measure, s.onset);
                rows.push(vec![
                    format!("m.{}", s.measure + 1),
                    format!("beat {b}"),
                    pitches.join(" "),
                    label
                        .clone()
                        .map_or_else(|| ws.out.paint(Style::Dim, "-"), |l| ws.out.paint(Style::Bold, l)),
                ]);
                let mut item = json!({
                    "measure": s.measure + 1,
                    "beat": b.to_string(),
                    "duration": s.duration.to_string(),
                    "pitches": pitches,
                });
                item[if what == Analysis::Chords { "chord" } else { "roman" }] = json!(label);
                items.push(item);
            }
            if what == Analysis::Roman {
                ws.out.json(&json!({ "source": src.label, "key": key.key.to_string(), "chords": items }));
                ws.out.line(format!("in {}", key.key));
            } else {
                ws.out.json(&json!({ "source": src.label, "chords": items }));
            }
            ws.out.table(&rows);
        }
    }
    Ok(Status::Clean)
}

/// `bandpro stats [FILE|FOLDER|REV]...`: one source prints its summary; several files or
/// folders (searched for score files, recursively) are read in parallel and print one summary
/// each, as a JSON array with `--json`. A file that cannot be read gets an `error` entry and
/// the command exits 2 after the others.
pub fn stats(ws: &Workspace, sources: &[String]) -> Result<Status> {
    let single = match sources {
        [] => Some(None),
        [one] if !ws.path(Path::new(one)).is_dir() => Some(Some(one.as_str())),
        _ => None,
    };
    if let Some(source) = single {
        let src = load(ws, source)?;
        let summary = Summary::of(src.score.as_ref());
        ws.out.json(&summary.json(&src.label));
        summary.print(ws, &src.label, true);
        return Ok(Status::Clean);
    }
    let mut files = Vec::new();
    for s in sources {
        let p = ws.path(Path::new(s));
        if p.is_dir() {
            score_files_in(&p, &mut files)?;
        } else {
            files.push(p);
        }
    }
    let results = read_all(&files);
    let mut failed = false;
    let mut entries = Vec::with_capacity(results.len());
    for (path, result) in files.iter().zip(results) {
        let label = path.display().to_string();
        match result {
            Ok(summary) => {
                entries.push(summary.json(&label));
                summary.print(ws, &label, false);
            }
            Err(e) => {
                failed = true;
                entries.push(json!({ "source": label, "error": format!("{e:#}") }));
                if !ws.out.json {
                    eprintln!("error: {e:#}");
                }
            }
        }
    }
    ws.out.json(&entries);
    if failed {
        bail!("some files could not be read (see above)");
    }
    Ok(Status::Clean)
}

/// The score files (by extension) in `dir` and its subfolders, sorted.
fn score_files_in(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| anyhow::anyhow!("cannot read folder {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            score_files_in(&p, out)?;
        } else if bandpro_music::formats::FileFormat::from_extension(
            p.extension().and_then(|e| e.to_str()).unwrap_or(""),
        )
        .is_some()
        {
            out.push(p);
        }
    }
    Ok(())
}

/// Reads and summarises `files` on every core, in order.
fn read_all(files: &[std::path::PathBuf]) -> Vec<Result<Summary>> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism().map_or(1, usize::from).min(files.len().max(1));
    let done: Vec<(usize, Result<Summary>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(path) = files.get(i) else { break };
                        mine.push((
                            i,
                            read_score(path).map(|(score, report)| {
                                warn_report(path, &report);
                                Summary::of(&score)
                            }),
                        ));
                    }
                    mine
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
    });
    // Every file gets its entry: one a worker never finished (it would have had to panic) is an
    // error, never a file silently missing from the list.
    let mut out: Vec<Option<Result<Summary>>> = (0..files.len()).map(|_| None).collect();
    for (i, r) in done {
        out[i] = Some(r);
    }
    out.into_iter()
        .zip(files)
        .map(|(r, path)| {
            r.unwrap_or_else(|| Err(anyhow::anyhow!("{}: reading stopped unexpectedly", path.display())))
        })
        .collect()
}

/// What `stats` says of one score.
struct Summary {
    parts: Vec<(String, Option<&'static str>, usize, usize)>,
    measures: usize,
    notes: usize,
    rests: usize,
    times: Vec<String>,
    keys: Vec<String>,
}

impl Summary {
    fn of(score: &dyn ScoreView) -> Summary {
        let mut parts = Vec::new();
        let (mut total_notes, mut total_rests) = (0, 0);
        for p in 0..score.part_count() {
            let (mut notes, mut rests) = (0, 0);
            for m in 0..score.measure_count() {
                for v in 0..score.voice_count(p, m) {
                    for e in score.events(p, m, v) {
                        if e.is_rest() {
                            rests += 1;
                        } else {
                            notes += e.notes().len();
                        }
                    }
                }
            }
            total_notes += notes;
            total_rests += rests;
            let info = score.part(p);
            parts.push((info.name.clone(), info.instrument.map(|i| i.id), notes, rests));
        }
        let mut times: Vec<String> = Vec::new();
        let mut keys: Vec<String> = Vec::new();
        for m in 0..score.measure_count() {
            let info = score.measure(m);
            for (list, v) in [(&mut times, info.time.to_string()), (&mut keys, info.key.to_string())] {
                if list.last() != Some(&v) {
                    list.push(v);
                }
            }
        }
        Summary {
            parts,
            measures: score.measure_count(),
            notes: total_notes,
            rests: total_rests,
            times,
            keys,
        }
    }

    fn json(&self, label: &str) -> serde_json::Value {
        json!({
            "source": label,
            "parts": self.parts.iter().map(|(n, i, notes, rests)| json!({ "name": n, "instrument": i, "notes": notes, "rests": rests })).collect::<Vec<_>>(),
            "measures": self.measures,
            "notes": self.notes,
            "rests": self.rests,
            "time_signatures": self.times,
            "keys": self.keys,
        })
    }

    /// The text summary; `detail` adds the signatures and the table of parts.
    fn print(&self, ws: &Workspace, label: &str, detail: bool) {
        ws.out.line(format!(
            "{}: {} part(s), {} measure(s), {} note(s), {} rest(s)",
            label,
            self.parts.len(),
            self.measures,
            self.notes,
            self.rests
        ));
        if !detail {
            return;
        }
        ws.out.line(format!("time: {}   key: {}", self.times.join(", "), self.keys.join(", ")));
        let mut rows = vec![vec!["part".into(), "instrument".into(), "notes".into(), "rests".into()]];
        rows.extend(self.parts.iter().map(|(n, i, notes, rests)| {
            vec![n.clone(), i.unwrap_or("-").to_owned(), notes.to_string(), rests.to_string()]
        }));
        ws.out.table(&rows);
    }
}
