//! BandPro's collaborative score (issues 6 and 7): a generated band score built through the
//! editing API of `bandpro_core::Score`, single-note edits (each with its change notification
//! and incremental revalidation), undo; and a `bandpro_core::Repository` over a `MemoryStore`:
//! checkout of an older version, forecast of two branches, blame of a measure and a diff.
//! BandPro only.

use std::time::Instant;

use bandpro_core::{Edit, PartId, Repository, Result as CoreResult, Score, ScoreTx};
use bandpro_crdt::{MemoryStore, ReplicaId, Store};
use bandpro_music::validate::{self, ValidationConfig};
use bandpro_music::{EventId, EventKind, Pitch, ScoreView, SimpleScore};

use crate::music::{self, MusicSize};
use crate::workload::{SEED, XorShift, median_ns};

/// Sizes of the score-edit and repo workloads.
#[derive(Clone, Copy, Debug)]
pub struct EditSize {
    /// The generated score.
    pub score: MusicSize,
    /// Random single-note edits after the build (score-edit), or on each branch (repo).
    pub edits: usize,
    /// Undos timed after the edits.
    pub undos: usize,
}

/// Something that edits a score in transactions: a [`Score`] or a [`Repository`].
trait Editor {
    fn apply<T>(
        &mut self,
        message: &str,
        f: impl FnOnce(&mut ScoreTx<'_>) -> CoreResult<T>,
    ) -> CoreResult<(T, Edit)>;
}

const AUTHOR: &str = "bench";

impl Editor for Score {
    fn apply<T>(
        &mut self,
        message: &str,
        f: impl FnOnce(&mut ScoreTx<'_>) -> CoreResult<T>,
    ) -> CoreResult<(T, Edit)> {
        self.edit(AUTHOR, message, f)
    }
}

impl Editor for Repository {
    fn apply<T>(
        &mut self,
        message: &str,
        f: impl FnOnce(&mut ScoreTx<'_>) -> CoreResult<T>,
    ) -> CoreResult<(T, Edit)> {
        self.edit(AUTHOR, message, f)
    }
}

fn err(what: &str) -> impl Fn(bandpro_core::Error) -> String + '_ {
    move |e| format!("{what}: {e}")
}

/// Builds `src` through the editing API: one change with the parts, measures and signatures,
/// then one change per measure with every part's events.
fn build(ed: &mut impl Editor, src: &SimpleScore) -> Result<Vec<PartId>, String> {
    let (parts, _) = ed
        .apply("parts and measures", |tx| {
            let ids = (0..src.part_count())
                .map(|p| {
                    let info = src.part(p);
                    tx.add_part(&info.name, info.instrument.map(|i| i.id))
                })
                .collect::<CoreResult<Vec<_>>>()?;
            tx.insert_measures(0, src.measure_count())?;
            for m in 0..src.measure_count() {
                let info = src.measure(m);
                if m == 0 || src.measure(m - 1).time != info.time {
                    tx.set_time_signature(m, info.time)?;
                }
                if m == 0 || src.measure(m - 1).key != info.key {
                    tx.set_key(m, info.key)?;
                }
            }
            Ok(ids)
        })
        .map_err(err("build"))?;
    for m in 0..src.measure_count() {
        ed.apply("measure", |tx| {
            for (p, &id) in parts.iter().enumerate() {
                for v in 0..src.voice_count(p, m) {
                    for e in src.events(p, m, v) {
                        tx.append_event(id, m, v, e)?;
                    }
                }
            }
            Ok(())
        })
        .map_err(err("build"))?;
    }
    Ok(parts)
}

/// Checks that `got` holds the same events (onsets, durations, kinds) as `want`.
fn same_events(got: &dyn ScoreView, want: &dyn ScoreView) -> Result<(), String> {
    if got.part_count() != want.part_count() || got.measure_count() != want.measure_count() {
        return Err("the built score has other parts or measures".into());
    }
    for p in 0..want.part_count() {
        for m in 0..want.measure_count() {
            for v in 0..want.voice_count(p, m) {
                let (a, b) = (got.events(p, m, v), want.events(p, m, v));
                let same = a.len() == b.len()
                    && a.iter()
                        .zip(b)
                        .all(|(x, y)| x.onset == y.onset && x.duration == y.duration && x.kind == y.kind);
                if !same {
                    return Err(format!("part {p} measure {m} voice {v} differs from the generated score"));
                }
            }
        }
    }
    Ok(())
}

/// Every single-pitch note of the score: `(event, measure, pitch)`.
fn notes(score: &Score) -> Vec<(EventId, usize, Pitch)> {
    let mut out = Vec::new();
    for p in 0..score.part_count() {
        for m in 0..score.measure_count() {
            for v in 0..score.voice_count(p, m) {
                for e in score.events(p, m, v) {
                    if let EventKind::Note(n) = &e.kind {
                        out.push((e.id, m, n.pitch));
                    }
                }
            }
        }
    }
    out
}

/// `count` random single-note pitch edits (a semitone up), drawn from a fixed seed.
fn random_edits(all: &[(EventId, usize, Pitch)], count: usize, seed: u64) -> Vec<(EventId, usize, Pitch)> {
    let mut rng = XorShift::new(seed);
    (0..count)
        .map(|_| {
            let (id, m, p) = all[rng.below(all.len())];
            (id, m, Pitch::from_midi(p.midi() + 1))
        })
        .collect()
}

fn pitch_of(score: &Score, id: EventId) -> Option<Pitch> {
    match &score.event(id)?.kind {
        EventKind::Note(n) => Some(n.pitch),
        _ => None,
    }
}

/// `score-edit`: build, single-note edits (with the diagnostics kept up to date, and without,
/// whose difference is the revalidation of one edit), a three-measure check, undo.
/// Checks the built score against the generated one, every edit's pitch, the incremental
/// diagnostics against a full validation, and the undone pitches.
pub fn score_edit(size: EditSize) -> Result<Vec<(String, f64)>, String> {
    let src = music::score(size.score);
    let mut score = Score::new(ReplicaId::from_u128(1)).map_err(err("new score"))?;
    let start = Instant::now();
    build(&mut score, &src)?;
    let build_ns = start.elapsed().as_nanos() as f64;
    same_events(&score, &src)?;
    let all = notes(&score);
    let edits = random_edits(&all, size.edits, SEED);
    // Diagnostics are computed on first use; asking now makes every edit keep them up to
    // date, which is what a note edit's time must include.
    let diagnostics_ns = {
        let start = Instant::now();
        score.diagnostics();
        start.elapsed().as_nanos() as f64
    };
    let mut times = Vec::with_capacity(edits.len());
    let start = Instant::now();
    for &(id, _, pitch) in &edits {
        let t = Instant::now();
        let (_, edit) = score.edit(AUTHOR, "pitch", |tx| tx.set_pitch(id, pitch)).map_err(err("edit"))?;
        times.push(t.elapsed().as_nanos() as f64);
        if edit.changes.is_empty() {
            return Err("an edit was notified as no change".into());
        }
    }
    let edits_total_ns = start.elapsed().as_nanos() as f64;
    for &(id, _, pitch) in edits.iter().rev().take(100) {
        // The last edit of each event wins; the last 100 edits are checked where not overwritten.
        if edits.iter().rev().find(|e| e.0 == id).map(|e| e.2) == Some(pitch)
            && pitch_of(&score, id) != Some(pitch)
        {
            return Err("an edited pitch did not stick".into());
        }
    }
    times.sort_by(f64::total_cmp);
    let note_edit_ns = times[times.len() / 2];
    let config = ValidationConfig::default();
    let (full_ns, full) = median_ns(3, || validate::validate(&score, &config));
    if *score.diagnostics() != *full.as_slice() {
        return Err(format!(
            "incremental diagnostics ({}) differ from a full validation ({})",
            score.diagnostics().len(),
            full.len()
        ));
    }
    // The three measures around an edit, checked from scratch: the scope before this session.
    let mut k = 0;
    let (three_measures_ns, _) = median_ns(201, || {
        let m = edits[k % edits.len()].1;
        k += 1;
        validate::validate_measures(
            &score,
            validate::affected_measures(m..m + 1, score.measure_count()),
            &config,
        )
    });
    let mut undo_times = Vec::with_capacity(size.undos);
    for i in 0..size.undos.min(edits.len()) {
        let (id, _, _) = edits[edits.len() - 1 - i];
        let before = edits[..edits.len() - 1 - i].iter().rev().find(|e| e.0 == id).map(|e| e.2);
        let t = Instant::now();
        score.undo(AUTHOR).map_err(err("undo"))?;
        undo_times.push(t.elapsed().as_nanos() as f64);
        let original = all.iter().find(|n| n.0 == id).map(|n| n.2);
        if pitch_of(&score, id) != before.or(original) {
            return Err("undo did not restore the previous pitch".into());
        }
    }
    undo_times.sort_by(f64::total_cmp);
    let undo_ns = undo_times.get(undo_times.len() / 2).copied().unwrap_or(f64::NAN);
    // The same kind of edits with no diagnostics kept (setting the configuration drops them
    // until asked for): the difference of the medians is what the library's own incremental
    // revalidation of one edit costs.
    score.set_validation_config(ValidationConfig::default());
    let mut bare = Vec::with_capacity(1_000);
    for &(id, _, pitch) in &random_edits(&all, 1_000, SEED ^ 3) {
        let t = Instant::now();
        score.edit(AUTHOR, "pitch", |tx| tx.set_pitch(id, pitch)).map_err(err("edit"))?;
        bare.push(t.elapsed().as_nanos() as f64);
    }
    bare.sort_by(f64::total_cmp);
    let bare_edit_ns = bare[bare.len() / 2];
    Ok(vec![
        ("build_ns".into(), build_ns),
        ("note_edit_ns".into(), note_edit_ns),
        ("edit_without_validation_ns".into(), bare_edit_ns),
        ("revalidate_one_edit_ns".into(), (note_edit_ns - bare_edit_ns).max(0.0)),
        ("three_measures_ns".into(), three_measures_ns),
        ("edits_total_ns".into(), edits_total_ns),
        ("validate_full_ns".into(), full_ns),
        ("first_diagnostics_ns".into(), diagnostics_ns),
        ("undo_ns".into(), undo_ns),
        ("notes".into(), all.len() as f64),
        ("edits".into(), edits.len() as f64),
    ])
}

fn edit_all(repo: &mut Repository, edits: &[(EventId, usize, Pitch)]) -> Result<(), String> {
    for &(id, _, pitch) in edits {
        repo.edit(AUTHOR, "pitch", |tx| tx.set_pitch(id, pitch)).map_err(err("repo edit"))?;
    }
    Ok(())
}

/// `repo`: a repository over a `MemoryStore` holding the built score and `edits` note edits;
/// checkout of the version `edits` changes back, forecast of two branches of `edits` changes
/// each, blame of one measure, diff of the two versions, and opening the repository again from
/// a store holding its log. Checks what each returns.
pub fn repo(size: EditSize) -> Result<Vec<(String, f64)>, String> {
    let src = music::score(size.score);
    let mut repo = Repository::init(Box::new(MemoryStore::new())).map_err(err("init"))?;
    build(&mut repo, &src)?;
    let all = notes(repo.score());
    let old = repo.heads();
    let old_hex: String = match old.as_slice() {
        [one] => one.to_hex(),
        _ => return Err("a linear history has one head".into()),
    };
    edit_all(&mut repo, &random_edits(&all, size.edits, SEED))?;
    let head = repo.heads();
    repo.branch("ours").map_err(err("branch"))?;
    repo.branch("theirs").map_err(err("branch"))?;
    // Checkout of the version `edits` changes back, then back to the branch.
    let start = Instant::now();
    repo.checkout(&old_hex).map_err(err("checkout"))?;
    let checkout_ns = start.elapsed().as_nanos() as f64;
    if repo.heads() != old {
        return Err("checkout landed elsewhere".into());
    }
    same_events(repo.score(), &src)?;
    let old_score = repo.score().clone();
    repo.checkout("theirs").map_err(err("checkout"))?;
    edit_all(&mut repo, &random_edits(&all, size.edits, SEED ^ 1))?;
    repo.checkout("ours").map_err(err("checkout"))?;
    edit_all(&mut repo, &random_edits(&all, size.edits, SEED ^ 2))?;
    let (forecast_ns, forecast) = median_ns(3, || repo.forecast("theirs"));
    let forecast = forecast.map_err(err("forecast"))?;
    if forecast.base != head || forecast.ours_changes != size.edits || forecast.theirs_changes != size.edits {
        return Err(format!(
            "forecast: base {:?}, {} and {} changes, expected {} each",
            forecast.base.len(),
            forecast.ours_changes,
            forecast.theirs_changes,
            size.edits
        ));
    }
    let measure = size.score.measures / 2;
    let (blame_ns, blame) = median_ns(5, || repo.blame_measure(measure));
    if blame.map_err(err("blame"))?.is_none() {
        return Err("blame found no change for a measure with notes".into());
    }
    let (diff_ns, diff) = median_ns(3, || bandpro_core::diff::diff(&old_score, repo.score()));
    if diff.is_empty() {
        return Err("diff found nothing between versions with edits".into());
    }
    // Open at the head: a repository reopened from a store that holds the whole log.
    let mut store = MemoryStore::new();
    store
        .append(&repo.document().changes().cloned().collect::<Vec<_>>())
        .map_err(|e| format!("append: {e}"))?;
    store.compare_and_set_ref("heads/main", None, Some(&repo.heads())).map_err(|e| format!("ref: {e}"))?;
    let start = Instant::now();
    let reopened = Repository::open(Box::new(store)).map_err(err("open"))?;
    let open_ns = start.elapsed().as_nanos() as f64;
    if reopened.heads() != repo.heads() || reopened.score().measure_count() != repo.score().measure_count() {
        return Err("the reopened repository is at another version".into());
    }
    Ok(vec![
        ("open_ns".into(), open_ns),
        ("checkout_ns".into(), checkout_ns),
        ("forecast_ns".into(), forecast_ns),
        ("forecast_items".into(), forecast.items.len() as f64),
        ("blame_measure_ns".into(), blame_ns),
        ("diff_ns".into(), diff_ns),
        ("diff_entries".into(), diff.len() as f64),
    ])
}

/// Applies `count` random pitch edits (from `seed`) to a copy of `score`, and inserts `insert`
/// empty measures in the middle when asked: an edited copy of a score, as a notation program
/// would save it, written as MusicXML.
fn edited_copy(score: &Score, count: usize, seed: u64, insert: usize) -> Result<Vec<u8>, String> {
    let mut copy = score.fork(ReplicaId::from_u128(u128::from(seed)));
    let edits = random_edits(&notes(&copy), count, seed);
    let middle = copy.measure_count() / 2;
    copy.edit(AUTHOR, "edit a copy", |tx| {
        for &(id, _, pitch) in &edits {
            tx.set_pitch(id, pitch)?;
        }
        if insert > 0 {
            tx.insert_measures(middle, insert)?;
        }
        Ok(())
    })
    .map_err(err("edit a copy"))?;
    Ok(bandpro_music::formats::musicxml::write_with(&copy, &copy.file_metadata()).into_bytes())
}

/// `commit`: what `bandpro commit FILE` and `bandpro merge --forecast` do, on the generated
/// score. A repository holds the score (imported as one commit); an edited copy (20 notes
/// changed, 2 measures inserted) is written as MusicXML, then read back and committed:
/// `commit_ns` covers parsing and committing (`commit_parse_ns` is the parsing alone). A second
/// branch commits another copy with 20 other notes changed; `forecast_ns` is the forecast of
/// merging it into the first, `merge_ns` the merge. Checks what the commit recorded and what the
/// forecast names.
pub fn commit(size: EditSize) -> Result<Vec<(String, f64)>, String> {
    use bandpro_music::formats::musicxml;
    let src = music::score(size.score);
    let mut repo = Repository::init(Box::new(MemoryStore::new())).map_err(err("init"))?;
    let meta = bandpro_music::formats::Metadata { title: Some("Band score".into()), ..Default::default() };
    repo.import_file(AUTHOR, "import", &src, &meta).map_err(err("import"))?;
    same_events(repo.score(), &src)?;
    repo.branch("arranger").map_err(err("branch"))?;
    let file_a = edited_copy(repo.score(), 20, SEED, 2)?;
    let file_b = edited_copy(repo.score(), 20, SEED ^ 7, 0)?;

    let start = Instant::now();
    let (parsed, report) = musicxml::read(&file_a).map_err(|e| format!("read: {e}"))?;
    let commit_parse_ns = start.elapsed().as_nanos() as f64;
    let (stats, _) = repo.import_file(AUTHOR, "commit", &parsed, &report.metadata).map_err(err("commit"))?;
    let commit_ns = start.elapsed().as_nanos() as f64;
    if stats.measures_inserted != 2 || stats.events_changed == 0 || stats.events_changed > 20 {
        return Err(format!("the commit recorded {stats:?}, not 2 measures and up to 20 notes"));
    }
    if stats.events_inserted + stats.events_deleted + stats.parts_added + stats.measures_deleted > 0 {
        return Err(format!("the commit recorded more than was edited: {stats:?}"));
    }

    repo.checkout("arranger").map_err(err("checkout"))?;
    let (parsed, report) = musicxml::read(&file_b).map_err(|e| format!("read: {e}"))?;
    repo.import_file(AUTHOR, "commit", &parsed, &report.metadata).map_err(err("commit"))?;
    repo.checkout("main").map_err(err("checkout"))?;
    let (forecast_ns, forecast) = median_ns(3, || repo.forecast("arranger"));
    let forecast = forecast.map_err(err("forecast"))?;
    if forecast.ours_changes != 1 || forecast.theirs_changes != 1 {
        return Err(format!(
            "forecast: {} and {} changes, expected one commit each",
            forecast.ours_changes, forecast.theirs_changes
        ));
    }
    let start = Instant::now();
    repo.merge("arranger", AUTHOR, "merge").map_err(err("merge"))?;
    let merge_ns = start.elapsed().as_nanos() as f64;
    Ok(vec![
        ("commit_ns".into(), commit_ns),
        ("commit_parse_ns".into(), commit_parse_ns),
        ("forecast_ns".into(), forecast_ns),
        ("forecast_items".into(), forecast.items.len() as f64),
        ("merge_ns".into(), merge_ns),
        ("file_bytes".into(), file_a.len() as f64),
    ])
}
