//! The merge forecast: before merging two versions, say what the merge will do, where people's
//! work clashes, and which music-theory problems appear in the merged score but in neither
//! version alone.
//!
//! The forecast merges in a scratch copy and compares the result with both sides, so it agrees
//! exactly with the real merge: the same changes merged give the same document on any replica.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::ops::Range;

use bandpro_crdt::{Change, ChangeHash, ObjId, ObjRef, OpAction, Value};
use bandpro_music::ScoreView;
use bandpro_music::validate::{self, Diagnostic, Rule, Severity};

use crate::diff::describe_event;
use crate::error::Result;
use crate::schema::{self, decode_notes};
use crate::score::{Reach, Score};

/// Which side of a merge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    /// The checked-out version.
    Ours,
    /// The version merged in.
    Theirs,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Ours => "ours",
            Side::Theirs => "theirs",
        })
    }
}

/// How risky a merge is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Risk {
    /// Nothing clashes.
    None,
    /// Both sides added to the same places; nothing is lost.
    Low,
    /// One side's value of a field will be hidden by the other's, or new warnings appear.
    Medium,
    /// Edits will vanish with something the other side deleted, or new errors appear.
    High,
}

/// What a forecast item predicts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ForecastKind {
    /// Both sides wrote the same field; one value will show, the other is kept as a conflict.
    ConcurrentWrite {
        /// The field ("pitch", "duration", "key signature", ...).
        field: String,
        /// The engine key of the field.
        key: String,
        /// Our value.
        ours: String,
        /// Their value.
        theirs: String,
        /// Whose value the merged score shows.
        winner: Side,
        /// Why that one.
        why: String,
    },
    /// One side edited something the other deleted: the edit will not be visible.
    EditOfDeleted {
        /// Who edited.
        edited_by: Side,
        /// What was edited and deleted.
        what: String,
    },
    /// Both sides inserted events into the same voice of the same measure.
    ConcurrentInsert {
        /// Events we inserted there.
        ours: usize,
        /// Events they inserted there.
        theirs: usize,
        /// The merged order of the voice: `o` ours, `t` theirs, `.` already there.
        order: String,
    },
    /// A diagnostic of the merged score that neither side has alone.
    NewDiagnostic {
        /// The rule.
        rule: Rule,
        /// Its severity.
        severity: Severity,
        /// The diagnostic's message.
        message: String,
        /// The whole diagnostic, with its location and suggested fix.
        diagnostic: Box<Diagnostic>,
    },
}

/// One predicted clash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForecastItem {
    /// What.
    pub kind: ForecastKind,
    /// The engine object concerned (an event, a measure), where there is one.
    pub object: Option<ObjId>,
    /// Measure (0-based, in the merged score), where known.
    pub measure: Option<usize>,
    /// Part name, where known.
    pub part: Option<String>,
    /// Voice (0-based), where known.
    pub voice: Option<usize>,
    /// Our author involved, where known.
    pub ours_author: Option<String>,
    /// Their author involved, where known.
    pub theirs_author: Option<String>,
    /// What to do about it, where there is a suggestion.
    pub suggestion: Option<String>,
}

/// What a merge of two versions will do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Forecast {
    /// The best common ancestors.
    pub base: Vec<ChangeHash>,
    /// Changes only we have.
    pub ours_changes: usize,
    /// Changes only they have.
    pub theirs_changes: usize,
    /// The predicted clashes.
    pub items: Vec<ForecastItem>,
    /// The overall risk.
    pub risk: Risk,
}

impl fmt::Display for ForecastItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut place = Vec::new();
        if let Some(m) = self.measure {
            place.push(format!("m.{}", m + 1));
        }
        if let Some(p) = &self.part {
            place.push(p.clone());
        }
        if let Some(v) = self.voice {
            place.push(format!("voice {}", v + 1));
        }
        if !place.is_empty() {
            write!(f, "{}: ", place.join(", "))?;
        }
        let who = |s: Side| match s {
            Side::Ours => self.ours_author.as_deref().unwrap_or("ours"),
            Side::Theirs => self.theirs_author.as_deref().unwrap_or("theirs"),
        };
        match &self.kind {
            ForecastKind::ConcurrentWrite { field, ours, theirs, winner, why, .. } => write!(
                f,
                "{field} set to {ours} by {} and to {theirs} by {}; {}'s value wins ({why})",
                who(Side::Ours),
                who(Side::Theirs),
                who(*winner)
            ),
            ForecastKind::EditOfDeleted { edited_by, what } => {
                let other = if *edited_by == Side::Ours { Side::Theirs } else { Side::Ours };
                write!(f, "{} edited {what}, which {} deleted", who(*edited_by), who(other))
            }
            ForecastKind::ConcurrentInsert { ours, theirs, order } => {
                write!(
                    f,
                    "both added notes ({ours} by {}, {theirs} by {}); merged order {order}",
                    who(Side::Ours),
                    who(Side::Theirs)
                )
            }
            ForecastKind::NewDiagnostic { severity, message, .. } => {
                write!(f, "new {} after the merge: {message}", format!("{severity:?}").to_lowercase())
            }
        }
    }
}

/// Where the merge can show a diagnostic that neither side shows, as measure ranges of the
/// merged score and, for each side, the ranges of the same measures in its own numbering.
struct Scope {
    merged: Vec<Range<usize>>,
    ours: Vec<Range<usize>>,
    theirs: Vec<Range<usize>>,
}

/// A rule reports in one measure and reads at most its neighbours. Where only one side changed
/// anything in that reach, the merge shows that side's music there, and so that side's
/// diagnostics; only measures both sides reached need checking. Reaches are counted in the
/// merged score's measures (a measure is the same object on every side): an edited event or
/// event list reaches its measure and the neighbours, a measure a side inserted reaches its
/// place and the neighbours. `None` (compare the whole score) when a side changed a part,
/// deleted a measure, edited a measure's own fields, or inserted a measure with signatures of
/// its own: those change what every later measure inherits, or where measures meet.
fn diagnostic_scope(
    ours_only: &[&Change],
    theirs_only: &[&Change],
    ours: &Score,
    theirs: &Score,
    merged: &Score,
) -> Option<Scope> {
    let count = merged.measure_count();
    let reach = |changes: &[&Change], side: &Score| -> Option<Vec<bool>> {
        let created: HashSet<ObjId> = created_objects(changes);
        let mut hit = vec![false; count];
        let mut mark = |measure: &ObjId| {
            // A measure the merge no longer has shows no diagnostics there.
            if let Some(m) = merged.measure_index(measure) {
                for x in validate::affected_measures(m..m + 1, count) {
                    hit[x] = true;
                }
            }
        };
        for c in changes {
            for obj in objects_touched(c) {
                match side.validation_reach(&obj) {
                    Reach::Measure(m) => mark(&m),
                    Reach::MeasureItself(m) if created.contains(&m) => {
                        if merged.measure_index(&m).is_some_and(|i| merged.measure_sets_signature(i)) {
                            return None;
                        }
                        mark(&m);
                    }
                    Reach::MeasureItself(_) | Reach::Everything => return None,
                    Reach::MeasureList | Reach::Nothing => {
                        // An object the side no longer shows: a measure it deleted (its
                        // neighbours now meet), or something it created and removed again.
                        let gone_measure = matches!(merged.validation_reach(&obj), Reach::MeasureItself(_))
                            || [ours, theirs]
                                .iter()
                                .any(|s| matches!(s.validation_reach(&obj), Reach::MeasureItself(_)));
                        if gone_measure && side.measure_index(&obj).is_none() {
                            return None;
                        }
                    }
                }
            }
        }
        Some(hit)
    };
    let (o, t) = (reach(ours_only, ours)?, reach(theirs_only, theirs)?);
    let wanted: Vec<usize> = (0..count).filter(|&m| o[m] && t[m]).collect();
    // The same measures in each side's numbering.
    let on_side = |side: &Score| -> Vec<usize> {
        let mut v: Vec<usize> = wanted
            .iter()
            .filter_map(|&m| merged.measure_object(m).and_then(|obj| side.measure_index(&obj)))
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    Some(Scope {
        ours: ranges_of(&on_side(ours)),
        theirs: ranges_of(&on_side(theirs)),
        merged: ranges_of(&wanted),
    })
}

/// Sorted measure indices as ranges of consecutive ones.
fn ranges_of(sorted: &[usize]) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::new();
    for &m in sorted {
        match out.last_mut() {
            Some(r) if r.end == m => r.end = m + 1,
            _ => out.push(m..m + 1),
        }
    }
    out
}

/// Objects a set of changes created (inserted into a list or put under a key).
fn created_objects(changes: &[&Change]) -> HashSet<ObjId> {
    let mut out = HashSet::new();
    for c in changes {
        let mut counter = c.start_op();
        for op in c.ops() {
            let creates = matches!(
                &op.action,
                OpAction::Insert { content: bandpro_crdt::InsertContent::Object(_), .. }
                    | OpAction::Put { value: bandpro_crdt::OpValue::Object(_), .. }
            );
            if creates {
                out.insert(ObjId::Id { replica: c.replica(), counter });
            }
            counter += op.width() as u32;
        }
    }
    out
}

/// The engine objects a change's ops address, create or delete (for blame, log and forecast).
pub fn objects_touched(c: &Change) -> Vec<ObjId> {
    crate::repo::Repository::objects_of(c)
}

/// Map writes of a set of changes: (object, key) to the last writer's author and op counter.
fn writes(changes: &[&Change]) -> HashMap<(ObjId, String), (Option<String>, u32)> {
    let mut out: HashMap<(ObjId, String), (Option<String>, u32)> = HashMap::new();
    for c in changes {
        let mut counter = c.start_op();
        for op in c.ops() {
            let obj = match op.obj {
                ObjRef::Root => ObjId::Root,
                ObjRef::Id(r) => ObjId::Id { replica: c.replicas()[r.replica as usize], counter: r.counter },
            };
            if let OpAction::Put { key, .. } | OpAction::DeleteKey { key, .. } = &op.action {
                let e = out.entry((obj, key.clone())).or_insert((None, 0));
                if counter >= e.1 {
                    *e = (c.author().map(str::to_owned), counter);
                }
            }
            counter += op.width() as u32;
        }
    }
    out
}

/// Events created by a set of changes.
fn inserted_objects(changes: &[&Change]) -> HashSet<ObjId> {
    let mut out = HashSet::new();
    for c in changes {
        let mut counter = c.start_op();
        for op in c.ops() {
            if let OpAction::Insert { content: bandpro_crdt::InsertContent::Object(_), .. } = op.action {
                out.insert(ObjId::Id { replica: c.replica(), counter });
            }
            counter += op.width() as u32;
        }
    }
    out
}

fn authors(changes: &[&Change]) -> Option<String> {
    let mut names: Vec<&str> = changes.iter().filter_map(|c| c.author()).collect();
    names.sort_unstable();
    names.dedup();
    (!names.is_empty()).then(|| names.join(", "))
}

fn show(field: &str, v: Option<Value>) -> String {
    match v {
        None => "(nothing)".into(),
        Some(Value::Object(..)) => "(an object)".into(),
        Some(Value::Scalar(s)) => match (field, s.as_str()) {
            (schema::NOTES_KEY, Some(n)) => match decode_notes(n) {
                Ok(bandpro_music::EventKind::Rest) => "rest".into(),
                Ok(bandpro_music::EventKind::Note(n)) => n.pitch.to_string(),
                Ok(bandpro_music::EventKind::Chord(ns)) => {
                    ns.iter().map(|n| n.pitch.to_string()).collect::<Vec<_>>().join("+")
                }
                Err(_) => n.to_owned(),
            },
            (_, Some(s)) => s.to_owned(),
            _ => format!("{s:?}"),
        },
    }
}

/// The identity of a diagnostic across versions: rule, events and detail, not measure numbers
/// (which shift when measures are inserted elsewhere).
pub fn diagnostic_identity(d: &Diagnostic) -> String {
    diag_key(d)
}

fn diag_key(d: &Diagnostic) -> String {
    format!("{:?}|{:?}|{:?}|{:?}", d.rule, d.location.event, d.related.map(|r| r.event), d.detail)
}

fn score_part(score: &Score, part: Option<usize>) -> Option<String> {
    part.filter(|&p| p < score.part_count()).map(|p| score.part(p).name.clone())
}

/// Forecasts merging `theirs` into `ours`.
pub fn forecast(ours: &Score, theirs: &Score) -> Result<Forecast> {
    // The merge itself, as `Repository::merge` makes it (without the merge change, which
    // writes nothing); its log holds both sides for the graph questions.
    let mut merged = ours.clone();
    merged.merge(theirs)?;
    let merged = merged;
    let both = merged.document();
    let (oh, th) = (ours.heads(), theirs.heads());
    let base = both.merge_bases(&oh, &th)?;
    let ours_only: Vec<&Change> = both.changes_between(&oh, &th)?;
    let theirs_only: Vec<&Change> = both.changes_between(&th, &oh)?;
    let (oa, ta) = (authors(&ours_only), authors(&theirs_only));
    let item =
        |kind, place: Option<(Option<usize>, usize)>, voice, suggestion: Option<String>| ForecastItem {
            kind,
            object: None,
            measure: place.map(|p| p.1),
            part: place.and_then(|p| p.0).map(|p| merged.part(p).name.clone()),
            voice,
            ours_author: oa.clone(),
            theirs_author: ta.clone(),
            suggestion,
        };
    let mut items = Vec::new();

    // Concurrent writes to one field.
    let (ow, tw) = (writes(&ours_only), writes(&theirs_only));
    let mut common: Vec<&(ObjId, String)> = ow.keys().filter(|k| tw.contains_key(*k)).collect();
    common.sort();
    for k @ (obj, key) in common {
        let ov = ours.document().get(obj, key.as_str()).ok().flatten();
        let tv = theirs.document().get(obj, key.as_str()).ok().flatten();
        if ov == tv {
            continue;
        }
        let mv = merged.document().get(obj, key.as_str()).ok().flatten();
        let winner = if mv == ov { Side::Ours } else { Side::Theirs };
        let (oc, tc) = (ow[k].1, tw[k].1);
        let why = if oc != tc {
            "it was written at a later logical time".to_owned()
        } else {
            "both were written at the same logical time; the tie goes to the higher replica id".to_owned()
        };
        let field = crate::score::field_label(key);
        let (ours_s, theirs_s) = (show(key, ov), show(key, tv));
        let (win_v, lose_v) = if winner == Side::Ours { (&ours_s, &theirs_s) } else { (&theirs_s, &ours_s) };
        let suggestion = Some(format!(
            "the merge shows {win_v}; to keep {lose_v} instead, set the {field} again after merging"
        ));
        let place = merged.place_of(obj);
        let voice = merged.voice_of(obj);
        let kind = ForecastKind::ConcurrentWrite {
            field: field.to_owned(),
            key: key.clone(),
            ours: ours_s,
            theirs: theirs_s,
            winner,
            why,
        };
        // Name the people who wrote this field, not everyone on each side.
        items.push(ForecastItem {
            object: Some(*obj),
            ours_author: ow[k].0.clone().or_else(|| oa.clone()),
            theirs_author: tw[k].0.clone().or_else(|| ta.clone()),
            ..item(kind, place, voice, suggestion)
        });
    }

    // Edits of what the other side deleted.
    for (side, changes, score) in [(Side::Ours, &ours_only, ours), (Side::Theirs, &theirs_only, theirs)] {
        let mut seen = HashSet::new();
        for c in changes.iter() {
            for obj in crate::repo::Repository::objects_of(c) {
                if !seen.insert(obj) {
                    continue;
                }
                let was = matches!(score.document().path(&obj), Ok(Some(_)));
                let gone = !matches!(merged.document().path(&obj), Ok(Some(_)));
                if !(was && gone) {
                    continue;
                }
                // Report what people edit (events and measures), not the lists that hold them.
                if score.is_container(&obj) {
                    continue;
                }
                let Some(place) = score.place_of(&obj) else { continue };
                let what = match score.event_of(&obj) {
                    Some(e) => format!("the {} in m.{}", describe_event(e), place.1 + 1),
                    None => format!("m.{}", place.1 + 1),
                };
                let kind = ForecastKind::EditOfDeleted { edited_by: side, what };
                let suggestion = Some(
                    "the edit is lost with what was deleted: undo the deletion, or redo the edit".to_owned(),
                );
                let it = item(kind, Some(place), score.voice_of(&obj), suggestion);
                // The measure number is the editing side's: the merged score no longer has it.
                items.push(ForecastItem { object: Some(obj), part: score_part(score, place.0), ..it });
            }
        }
    }

    // Concurrent inserts into one voice.
    let (oi, ti) = (inserted_objects(&ours_only), inserted_objects(&theirs_only));
    let mut groups: BTreeMap<(usize, usize, usize), (usize, usize)> = BTreeMap::new();
    for (set, is_ours) in [(&oi, true), (&ti, false)] {
        for obj in set {
            if let Some(id) = merged.event_id_of(obj)
                && let Some((p, m, v, _)) = merged.locate(id)
            {
                let g = groups.entry((m, p, v)).or_default();
                if is_ours { g.0 += 1 } else { g.1 += 1 }
            }
        }
    }
    for ((m, p, v), (o, t)) in groups {
        if o == 0 || t == 0 {
            continue;
        }
        let order: String = merged
            .events(p, m, v)
            .iter()
            .map(|e| {
                let obj = merged.event_object(e.id);
                if obj.is_some_and(|x| oi.contains(&x)) {
                    'o'
                } else if obj.is_some_and(|x| ti.contains(&x)) {
                    't'
                } else {
                    '.'
                }
            })
            .collect();
        let kind = ForecastKind::ConcurrentInsert { ours: o, theirs: t, order };
        let suggestion = Some(
            "both sides wrote into this voice: check the order and that the measure still adds up".to_owned(),
        );
        items.push(item(kind, Some((Some(p), m)), Some(v), suggestion));
    }

    // Diagnostics only the merge has: where both sides changed what a rule reads, or
    // everywhere when either side changed the score's structure.
    let fresh: Vec<Diagnostic> = match diagnostic_scope(&ours_only, &theirs_only, ours, theirs, &merged) {
        None => {
            let known: HashSet<String> =
                ours.diagnostics().iter().chain(theirs.diagnostics()).map(diag_key).collect();
            merged.diagnostics().iter().filter(|d| !known.contains(&diag_key(d))).cloned().collect()
        }
        Some(scope) => {
            let mut validator = validate::Validator::new();
            let mut known = HashSet::new();
            for (side, ranges) in [(ours, &scope.ours), (theirs, &scope.theirs)] {
                for r in ranges {
                    let found = validator.validate_measures(side, r.clone(), side.validation_config());
                    known.extend(found.iter().map(diag_key));
                }
            }
            let mut candidates = Vec::new();
            for r in &scope.merged {
                candidates.extend(validator.validate_measures(
                    &merged,
                    r.clone(),
                    merged.validation_config(),
                ));
            }
            candidates.retain(|d| !known.contains(&diag_key(d)));
            candidates
        }
    };
    for d in &fresh {
        let kind = ForecastKind::NewDiagnostic {
            rule: d.rule,
            severity: d.severity,
            message: d.message(),
            diagnostic: Box::new(d.clone()),
        };
        let suggestion = d.fix.as_ref().map(|f| format!("{f:?}"));
        items.push(item(
            kind,
            Some((Some(d.location.part), d.location.measure)),
            Some(d.location.voice),
            suggestion,
        ));
    }

    let risk = items
        .iter()
        .map(|i| match &i.kind {
            ForecastKind::EditOfDeleted { .. } => Risk::High,
            ForecastKind::NewDiagnostic { severity: Severity::Error, .. } => Risk::High,
            ForecastKind::ConcurrentWrite { .. }
            | ForecastKind::NewDiagnostic { severity: Severity::Warning, .. } => Risk::Medium,
            _ => Risk::Low,
        })
        .max()
        .unwrap_or(Risk::None);
    Ok(Forecast { base, ours_changes: ours_only.len(), theirs_changes: theirs_only.len(), items, risk })
}
