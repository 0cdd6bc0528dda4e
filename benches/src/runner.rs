//! Runs one workload on one engine, by name, and reports its metrics. The `bandpro-bench`
//! binary calls this in a fresh child process per run, so each measurement starts from a clean
//! heap.

use crate::engines::automerge::AutomergeDoc;
use crate::engines::bandpro::Bandpro;
use crate::engines::diamond_types::{self, DiamondDoc};
use crate::engines::loro::{LoroListDoc, LoroTextDoc};
use crate::engines::yrs::{YrsArray, YrsText};
use crate::music::MusicSize;
use crate::score_edit::EditSize;
use crate::trace::Trace;
use crate::workload::{self, Measured, MergeSize, Persist, ScoreEngine, ScoreSize, TextEngine};

/// Every workload, in the order `all` runs them.
pub const WORKLOADS: [&str; 11] = [
    "trace:automerge-paper",
    "trace:seph-blog1",
    "trace:friendsforever",
    "score-like",
    "concurrent-merge",
    "sync-one-edit",
    "music",
    "formats",
    "score-edit",
    "repo",
    "commit",
];

/// The workloads only BandPro runs (BandPro's own music, score and repository APIs, and its
/// sync protocol).
pub const BANDPRO_ONLY: [&str; 6] = ["sync-one-edit", "music", "formats", "score-edit", "repo", "commit"];

/// How big each workload is.
#[derive(Clone, Copy, Debug)]
pub struct Sizes {
    /// Only the first this many txns of each trace (`None`: all of them).
    pub trace_txns: Option<usize>,
    /// The score-like workload.
    pub score: ScoreSize,
    /// The concurrent-merge workload.
    pub merge: MergeSize,
    /// Notes of the list in sync-one-edit.
    pub sync_notes: usize,
    /// The generated score of music and formats.
    pub music: MusicSize,
    /// The score-edit workload.
    pub edit: EditSize,
    /// The repo workload.
    pub repo: EditSize,
}

impl Sizes {
    /// The sizes of issue 2's benchmarks.
    pub const FULL: Sizes = Sizes {
        trace_txns: None,
        score: ScoreSize { items: 100_000, updates: 10_000 },
        merge: MergeSize { base: 10_000, edits: 5_000 },
        sync_notes: 10_000,
        music: MusicSize { parts: 40, measures: 500, iters: 5 },
        edit: EditSize { score: MusicSize { parts: 40, measures: 500, iters: 1 }, edits: 10_000, undos: 100 },
        repo: EditSize { score: MusicSize { parts: 40, measures: 500, iters: 1 }, edits: 1_000, undos: 0 },
    };

    /// Reduced sizes for criterion and tests.
    pub const SMALL: Sizes = Sizes {
        trace_txns: Some(5_000),
        score: ScoreSize { items: 2_000, updates: 500 },
        merge: MergeSize { base: 1_000, edits: 500 },
        sync_notes: 1_000,
        music: MusicSize { parts: 8, measures: 40, iters: 3 },
        edit: EditSize { score: MusicSize { parts: 8, measures: 40, iters: 1 }, edits: 200, undos: 20 },
        repo: EditSize { score: MusicSize { parts: 8, measures: 40, iters: 1 }, edits: 50, undos: 0 },
    };
}

/// Whether `engine` runs `workload` (diamond-types has no maps, so no score-like; the
/// [`BANDPRO_ONLY`] workloads run on bandpro alone).
pub fn supports(workload: &str, engine: &str) -> bool {
    if BANDPRO_ONLY.contains(&workload) {
        return engine == "bandpro";
    }
    !(engine == "diamond-types" && workload == "score-like")
}

/// Loads a trace named by a `trace:<name>` workload, cut to `sizes`.
pub fn load_trace(workload: &str, sizes: &Sizes) -> Result<Trace, String> {
    let name = workload.strip_prefix("trace:").ok_or_else(|| format!("{workload} is not a trace"))?;
    let trace = Trace::load(name).map_err(|e| e.to_string())?;
    Ok(match sizes.trace_txns {
        Some(n) if n < trace.txns.len() => trace.truncated(n),
        _ => trace,
    })
}

fn trace_metrics(m: Measured) -> Vec<(String, f64)> {
    let mut out = vec![("apply_ns".to_owned(), m.elapsed.as_nanos() as f64)];
    if let Some(rss) = m.peak_rss {
        out.push(("peak_rss_bytes".to_owned(), rss as f64));
    }
    out
}

fn text_trace<E: TextEngine>(trace: &Trace) -> Result<Measured, String> {
    if trace.concurrent {
        workload::concurrent_trace::<E>(trace)
    } else {
        workload::sequential_trace::<E>(trace)
    }
}

/// Runs a trace on an engine.
pub fn run_trace(trace: &Trace, engine: &str) -> Result<Measured, String> {
    match engine {
        "bandpro" => text_trace::<Bandpro>(trace),
        "automerge" => text_trace::<AutomergeDoc>(trace),
        "yrs" => text_trace::<YrsText>(trace),
        "loro" => text_trace::<LoroTextDoc>(trace),
        "diamond-types" if trace.concurrent => diamond_types::concurrent_trace(trace),
        "diamond-types" => workload::sequential_trace::<DiamondDoc>(trace),
        _ => Err(format!("unknown implementation {engine:?}")),
    }
}

/// A sequential trace on a peer, with its saved size and its save and load times.
fn peer_trace<E: TextEngine + Persist>(trace: &Trace) -> Result<Vec<(String, f64)>, String> {
    let (doc, m) = workload::sequential_trace_doc::<E>(trace)?;
    let mut out = trace_metrics(m);
    out.extend(workload::persist_metrics(&doc, E::text)?);
    Ok(out)
}

/// Score-like on a peer, with its saved size and its save and load times (every pitch read
/// back).
fn peer_score<E: ScoreEngine + Persist>(size: ScoreSize) -> Result<(Measured, Vec<(String, f64)>), String> {
    let (doc, m) = workload::score_like_doc::<E>(size)?;
    Ok((m, workload::persist_metrics(&doc, E::pitches)?))
}

/// Runs the score-like workload on an engine.
pub fn run_score(engine: &str, size: ScoreSize) -> Result<Measured, String> {
    match engine {
        "bandpro" => workload::score_like::<Bandpro>(size),
        "automerge" => workload::score_like::<AutomergeDoc>(size),
        "yrs" => workload::score_like::<YrsArray>(size),
        "loro" => workload::score_like::<LoroListDoc>(size),
        _ => Err(format!("{engine} does not run score-like")),
    }
}

/// Runs the concurrent-merge workload on an engine.
pub fn run_merge(engine: &str, size: MergeSize) -> Result<(Measured, usize, usize), String> {
    match engine {
        "bandpro" => workload::concurrent_merge::<Bandpro>(size),
        "automerge" => workload::concurrent_merge::<AutomergeDoc>(size),
        "yrs" => workload::concurrent_merge::<YrsArray>(size),
        "loro" => workload::concurrent_merge::<LoroListDoc>(size),
        "diamond-types" => workload::concurrent_merge::<DiamondDoc>(size),
        _ => Err(format!("unknown implementation {engine:?}")),
    }
}

/// Runs `workload` on `engine` once, in this process, and returns its metrics by name.
pub fn run(workload: &str, engine: &str, sizes: &Sizes) -> Result<Vec<(String, f64)>, String> {
    if !crate::engines::NAMES.contains(&engine) {
        return Err(format!(
            "unknown implementation {engine:?}; known: {}",
            crate::engines::NAMES.join(", ")
        ));
    }
    if !supports(workload, engine) {
        return Err(format!("{engine} does not run {workload}"));
    }
    if workload.starts_with("trace:") {
        let trace = load_trace(workload, sizes)?;
        if engine == "bandpro" && !trace.concurrent {
            // Issue 4: also the saved document's size, save and load times and snapshots.
            let (m, storage) = crate::storage::trace_storage(&trace)?;
            let mut out = trace_metrics(m);
            out.extend(storage);
            return Ok(out);
        }
        if !trace.concurrent {
            // Issue 4 compares saved sizes and load times with the peers in the same run.
            return match engine {
                "automerge" => peer_trace::<AutomergeDoc>(&trace),
                "yrs" => peer_trace::<YrsText>(&trace),
                "loro" => peer_trace::<LoroTextDoc>(&trace),
                "diamond-types" => peer_trace::<DiamondDoc>(&trace),
                _ => Err(format!("unknown implementation {engine:?}")),
            };
        }
        return run_trace(&trace, engine).map(trace_metrics);
    }
    match workload {
        "score-like" => {
            let (m, storage) = match engine {
                "bandpro" => crate::storage::score_storage(sizes.score)?,
                "automerge" => peer_score::<AutomergeDoc>(sizes.score)?,
                "yrs" => peer_score::<YrsArray>(sizes.score)?,
                "loro" => peer_score::<LoroListDoc>(sizes.score)?,
                _ => (run_score(engine, sizes.score)?, Vec::new()),
            };
            let mut out = vec![("total_ns".to_owned(), m.elapsed.as_nanos() as f64)];
            if let Some(rss) = m.peak_rss {
                out.push(("peak_rss_bytes".to_owned(), rss as f64));
            }
            out.extend(storage);
            Ok(out)
        }
        "concurrent-merge" => {
            let (m, ab, ba) = run_merge(engine, sizes.merge)?;
            let mut out = vec![("merge_ns".to_owned(), m.elapsed.as_nanos() as f64)];
            if engine == "bandpro" {
                // Bandpro's wire bytes are what its sync protocol sends, handshake included.
                out.extend(crate::storage::merge_sync_bytes(sizes.merge)?);
            } else {
                // The peers' are the update bytes each side exports since the fork.
                out.push(("bytes_a_to_b".to_owned(), ab as f64));
                out.push(("bytes_b_to_a".to_owned(), ba as f64));
            }
            Ok(out)
        }
        "sync-one-edit" => crate::storage::sync_one_edit(sizes.sync_notes),
        "music" => crate::music::music(sizes.music),
        "formats" => crate::music::formats(sizes.music),
        "score-edit" => crate::score_edit::score_edit(sizes.edit),
        "repo" => crate::score_edit::repo(sizes.repo),
        "commit" => crate::score_edit::commit(sizes.repo),
        _ => Err(format!("unknown workload {workload:?}; known: {}, all", WORKLOADS.join(", "))),
    }
}
