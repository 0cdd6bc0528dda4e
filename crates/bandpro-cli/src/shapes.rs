//! The JSON shapes of `--json` output (documented in `docs/CLI.md`), built from the library's
//! types. Measures, voices and beats are 1-based, as musicians count them; times are ms since
//! the Unix epoch.

use bandpro_core::diff::DiffEntry;
use bandpro_core::forecast::{Forecast, ForecastItem, ForecastKind};
use bandpro_core::{ImportStats, LogEntry, Score};
use bandpro_crdt::ChangeHash;
use bandpro_music::ScoreView;
use bandpro_music::validate::Diagnostic;
use serde::Serialize;

/// Hex of several hashes.
pub fn hexes(h: &[ChangeHash]) -> Vec<String> {
    h.iter().map(ChangeHash::to_hex).collect()
}

/// One musical difference.
#[derive(Debug, Serialize)]
pub struct Change {
    /// `part-added`, `part-removed`, `part-renamed`, `measures-inserted`, `measures-deleted`,
    /// `measure-changed`, `transposition-changed`, `event-inserted`, `event-deleted`,
    /// `event-changed`.
    pub kind: &'static str,
    /// The sentence the text output prints.
    pub text: String,
    /// First measure concerned, 1-based.
    pub measure: Option<usize>,
    /// Last measure concerned (ranges), 1-based.
    pub measure_end: Option<usize>,
    /// Part name.
    pub part: Option<String>,
    /// Voice, 1-based.
    pub voice: Option<usize>,
    /// Beat, 1-based, as a fraction ("5/2").
    pub beat: Option<String>,
    /// What changed: "pitch", "duration", "key", ...
    pub field: Option<String>,
    /// The old value.
    pub from: Option<String>,
    /// The new value.
    pub to: Option<String>,
}

impl From<&DiffEntry> for Change {
    fn from(d: &DiffEntry) -> Change {
        let mut c = Change {
            kind: "",
            text: d.to_string(),
            measure: None,
            measure_end: None,
            part: None,
            voice: None,
            beat: None,
            field: None,
            from: None,
            to: None,
        };
        let at = |c: &mut Change, p: &bandpro_core::diff::Place| {
            c.measure = Some(p.measure + 1);
            c.part = Some(p.part.clone());
            c.voice = Some(p.voice + 1);
            c.beat = Some(p.beat.to_string());
        };
        match d {
            DiffEntry::PartAdded { name } => (c.kind, c.part) = ("part-added", Some(name.clone())),
            DiffEntry::PartRemoved { name } => (c.kind, c.part) = ("part-removed", Some(name.clone())),
            DiffEntry::PartRenamed { from, to } => {
                (c.kind, c.from, c.to) = ("part-renamed", Some(from.clone()), Some(to.clone()))
            }
            DiffEntry::MeasuresInserted { start, end } => {
                (c.kind, c.measure, c.measure_end) = ("measures-inserted", Some(start + 1), Some(*end))
            }
            DiffEntry::MeasuresDeleted { start, end } => {
                (c.kind, c.measure, c.measure_end) = ("measures-deleted", Some(start + 1), Some(*end))
            }
            DiffEntry::MeasureChanged { measure, what, from, to } => {
                c.kind = "measure-changed";
                c.measure = Some(measure + 1);
                c.field = Some((*what).to_owned());
                (c.from, c.to) = (from.clone(), to.clone());
            }
            DiffEntry::TranspositionChanged { part, measure, from, to } => {
                c.kind = "transposition-changed";
                c.part = Some(part.clone());
                c.measure = Some(measure + 1);
                (c.from, c.to) = (from.clone(), to.clone());
            }
            DiffEntry::EventInserted { at: p, what } => {
                c.kind = "event-inserted";
                at(&mut c, p);
                c.to = Some(what.clone());
            }
            DiffEntry::EventDeleted { at: p, what } => {
                c.kind = "event-deleted";
                at(&mut c, p);
                c.from = Some(what.clone());
            }
            DiffEntry::EventChanged { at: p, field, from, to } => {
                c.kind = "event-changed";
                at(&mut c, p);
                c.field = Some((*field).to_owned());
                (c.from, c.to) = (Some(from.clone()), Some(to.clone()));
            }
        }
        c
    }
}

/// What an import (commit, status) changed, by kind.
#[derive(Debug, Serialize)]
pub struct Stats {
    /// Parts added.
    pub parts_added: usize,
    /// Parts removed.
    pub parts_removed: usize,
    /// Measures inserted.
    pub measures_inserted: usize,
    /// Measures deleted.
    pub measures_deleted: usize,
    /// Measures whose signatures, tempo or marks changed.
    pub measures_changed: usize,
    /// Notes and rests inserted.
    pub events_inserted: usize,
    /// Notes and rests deleted.
    pub events_deleted: usize,
    /// Notes and rests changed in place (same id).
    pub events_changed: usize,
    /// Title, composer... changed.
    pub metadata_changed: usize,
    /// All of these.
    pub total: usize,
}

impl From<&ImportStats> for Stats {
    fn from(s: &ImportStats) -> Stats {
        Stats {
            parts_added: s.parts_added,
            parts_removed: s.parts_removed,
            measures_inserted: s.measures_inserted,
            measures_deleted: s.measures_deleted,
            measures_changed: s.measures_changed,
            events_inserted: s.events_inserted,
            events_deleted: s.events_deleted,
            events_changed: s.events_changed,
            metadata_changed: s.metadata_changed,
            total: s.total(),
        }
    }
}

/// One change of the log.
#[derive(Debug, Serialize)]
pub struct LogItem {
    /// Its hash (hex).
    pub hash: String,
    /// The changes it was made on.
    pub parents: Vec<String>,
    /// Who, unless absent or erased.
    pub author: Option<String>,
    /// Why.
    pub message: Option<String>,
    /// When, ms since the Unix epoch.
    pub time: i64,
    /// Measures it touched, 1-based.
    pub measures: Vec<usize>,
    /// Names of the parts it touched.
    pub parts: Vec<String>,
}

impl LogItem {
    /// A log entry, with part names from `score`.
    pub fn new(e: &LogEntry, score: &Score) -> LogItem {
        LogItem {
            hash: e.hash.to_hex(),
            parents: hexes(&e.parents),
            author: e.author.clone(),
            message: e.message.clone(),
            time: e.time,
            measures: e.measures.iter().map(|m| m + 1).collect(),
            parts: e
                .parts
                .iter()
                .filter(|p| **p < score.part_count())
                .map(|p| score.part(*p).name.clone())
                .collect(),
        }
    }
}

/// One validation finding.
#[derive(Debug, Serialize)]
pub struct Finding {
    /// The rule's stable id ("parallel-fifths").
    pub rule: String,
    /// "error", "warning" or "info".
    pub severity: String,
    /// Measure, 1-based.
    pub measure: usize,
    /// Part name.
    pub part: String,
    /// Voice, 1-based.
    pub voice: usize,
    /// Beat, 1-based, as a fraction.
    pub beat: String,
    /// What was found.
    pub message: String,
    /// The suggested fix, if any.
    pub fix: Option<String>,
}

impl Finding {
    /// A diagnostic, with the part name from `score`.
    pub fn new(d: &Diagnostic, score: &dyn ScoreView) -> Finding {
        Finding {
            rule: d.rule.id().to_owned(),
            severity: d.severity.name().to_owned(),
            measure: d.location.measure + 1,
            part: part_name(score, d.location.part),
            voice: d.location.voice + 1,
            beat: d.location.beat.to_string(),
            message: d.message(),
            fix: d.fix.as_ref().map(ToString::to_string),
        }
    }
}

/// A part's name, or its number if out of range.
pub fn part_name(score: &dyn ScoreView, part: usize) -> String {
    if part < score.part_count() { score.part(part).name.clone() } else { format!("part {}", part + 1) }
}

/// One predicted clash of a merge.
#[derive(Debug, Serialize)]
pub struct Clash {
    /// `concurrent-write`, `edit-of-deleted`, `concurrent-insert`, `new-diagnostic`.
    pub kind: &'static str,
    /// The sentence the text output prints.
    pub text: String,
    /// Measure, 1-based.
    pub measure: Option<usize>,
    /// Part name.
    pub part: Option<String>,
    /// Voice, 1-based.
    pub voice: Option<usize>,
    /// Our author.
    pub ours_author: Option<String>,
    /// Their author.
    pub theirs_author: Option<String>,
    /// Whose value the merged score shows (`ours`/`theirs`), for concurrent writes.
    pub winner: Option<String>,
    /// For new diagnostics: the rule id.
    pub rule: Option<String>,
    /// What to do about it.
    pub suggestion: Option<String>,
}

impl From<&ForecastItem> for Clash {
    fn from(i: &ForecastItem) -> Clash {
        let (kind, winner, rule) = match &i.kind {
            ForecastKind::ConcurrentWrite { winner, .. } => {
                ("concurrent-write", Some(winner.to_string()), None)
            }
            ForecastKind::EditOfDeleted { .. } => ("edit-of-deleted", None, None),
            ForecastKind::ConcurrentInsert { .. } => ("concurrent-insert", None, None),
            ForecastKind::NewDiagnostic { rule, .. } => ("new-diagnostic", None, Some(rule.id().to_owned())),
        };
        Clash {
            kind,
            text: i.to_string(),
            measure: i.measure.map(|m| m + 1),
            part: i.part.clone(),
            voice: i.voice.map(|v| v + 1),
            ours_author: i.ours_author.clone(),
            theirs_author: i.theirs_author.clone(),
            winner,
            rule,
            suggestion: i.suggestion.clone(),
        }
    }
}

/// A merge forecast.
#[derive(Debug, Serialize)]
pub struct ForecastShape {
    /// The merge base (hex hashes).
    pub base: Vec<String>,
    /// Changes only the checked-out version has.
    pub ours_changes: usize,
    /// Changes only the merged-in version has.
    pub theirs_changes: usize,
    /// `none`, `low`, `medium` or `high`.
    pub risk: String,
    /// The predicted clashes.
    pub items: Vec<Clash>,
}

impl From<&Forecast> for ForecastShape {
    fn from(f: &Forecast) -> ForecastShape {
        ForecastShape {
            base: hexes(&f.base),
            ours_changes: f.ours_changes,
            theirs_changes: f.theirs_changes,
            risk: format!("{:?}", f.risk).to_lowercase(),
            items: f.items.iter().map(Clash::from).collect(),
        }
    }
}
