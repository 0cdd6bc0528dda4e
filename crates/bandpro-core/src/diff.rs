//! The musical difference between two versions of a score: "m.12, Trumpet, voice 1: C5 -> D5",
//! "measures 30-33 inserted", "key changed to Eb major from m.40".
//!
//! Parts, measures and events keep their ids across versions, so the diff matches them by id,
//! never by position: an inserted measure shifts nothing else.

use std::collections::{HashMap, HashSet};
use std::fmt;

use bandpro_crdt::ObjId;
use bandpro_music::event::{Event, EventId};
use bandpro_music::{Rational, ScoreView};

use crate::score::Score;

/// One difference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DiffEntry {
    /// A part that only the new version has.
    PartAdded {
        /// Its name.
        name: String,
    },
    /// A part that only the old version has.
    PartRemoved {
        /// Its name.
        name: String,
    },
    /// A part renamed.
    PartRenamed {
        /// Old name.
        from: String,
        /// New name.
        to: String,
    },
    /// Measures that only the new version has (new numbering, 0-based, end exclusive).
    MeasuresInserted {
        /// First inserted measure.
        start: usize,
        /// After the last.
        end: usize,
    },
    /// Measures that only the old version has (old numbering).
    MeasuresDeleted {
        /// First deleted measure.
        start: usize,
        /// After the last.
        end: usize,
    },
    /// A signature or tempo that changed at a measure (new numbering).
    MeasureChanged {
        /// The measure.
        measure: usize,
        /// What: "key", "time signature", "tempo".
        what: &'static str,
        /// Old value, if any.
        from: Option<String>,
        /// New value, if any.
        to: Option<String>,
    },
    /// A part's transposition that changed at a measure (new numbering): a doubler switching
    /// instrument.
    TranspositionChanged {
        /// The part's name.
        part: String,
        /// The measure.
        measure: usize,
        /// The transposition the old version changed to here, if it changed here.
        from: Option<String>,
        /// The transposition the new version changes to here, if it changes here.
        to: Option<String>,
    },
    /// An event only the new version has.
    EventInserted {
        /// Where (new numbering).
        at: Place,
        /// What it is ("C5 1/4", "rest 1/2").
        what: String,
    },
    /// An event only the old version has.
    EventDeleted {
        /// Where (old numbering).
        at: Place,
        /// What it was.
        what: String,
    },
    /// An event whose content changed.
    EventChanged {
        /// Where (new numbering).
        at: Place,
        /// Which field: "pitch", "duration", "lyrics", ...
        field: &'static str,
        /// Old value.
        from: String,
        /// New value.
        to: String,
    },
}

/// Where an event is, for people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    /// Measure (0-based).
    pub measure: usize,
    /// Part name.
    pub part: String,
    /// Voice (0-based).
    pub voice: usize,
    /// 1-based beat.
    pub beat: Rational,
    /// The event.
    pub event: EventId,
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "m.{}, {}, voice {}, beat {}", self.measure + 1, self.part, self.voice + 1, self.beat)
    }
}

impl fmt::Display for DiffEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let measures = |s: usize, e: usize| {
            if e == s + 1 { format!("measure {}", s + 1) } else { format!("measures {}-{}", s + 1, e) }
        };
        match self {
            DiffEntry::PartAdded { name } => write!(f, "part {name} added"),
            DiffEntry::PartRemoved { name } => write!(f, "part {name} removed"),
            DiffEntry::PartRenamed { from, to } => write!(f, "part {from} renamed to {to}"),
            DiffEntry::MeasuresInserted { start, end } => write!(f, "{} inserted", measures(*start, *end)),
            DiffEntry::MeasuresDeleted { start, end } => write!(f, "{} deleted", measures(*start, *end)),
            DiffEntry::MeasureChanged { measure, what, from, to } => change_at(f, what, *measure, from, to),
            DiffEntry::TranspositionChanged { part, measure, from, to } => {
                change_at(f, &format!("{part}: transposition"), *measure, from, to)
            }
            DiffEntry::EventInserted { at, what } => write!(f, "{at}: {what} inserted"),
            DiffEntry::EventDeleted { at, what } => write!(f, "{at}: {what} deleted"),
            DiffEntry::EventChanged { at, field, from, to } => {
                if *field == "pitch" {
                    write!(f, "{at}: {from} -> {to}")
                } else {
                    write!(f, "{at}: {field} {from} -> {to}")
                }
            }
        }
    }
}

fn pitches(e: &Event) -> String {
    if e.is_rest() {
        return "rest".into();
    }
    e.notes().iter().map(|n| n.pitch.to_string()).collect::<Vec<_>>().join("+")
}

/// A short description of an event: "C5 1/4", "rest 1/2", "C4+E4+G4 1/2".
pub fn describe_event(e: &Event) -> String {
    format!("{} {}", pitches(e), e.duration)
}

fn fields(e: &Event) -> [(&'static str, String); 8] {
    [
        ("pitch", pitches(e)),
        ("duration", e.duration.to_string()),
        ("tie", format!("{:?}", e.notes().iter().map(|n| n.tie).collect::<Vec<_>>())),
        ("lyrics", e.lyrics.iter().map(|l| l.text.clone()).collect::<Vec<_>>().join(" / ")),
        ("chord symbol", e.chord_symbol.as_ref().map(ToString::to_string).unwrap_or_default()),
        (
            "chord changes",
            e.chord_changes
                .iter()
                .map(|c| format!("{} at +{}", c.symbol, c.offset))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        ("dynamic", e.dynamic.map(|d| d.symbol().to_owned()).unwrap_or_default()),
        ("articulation", e.articulations.names().collect::<Vec<_>>().join(",")),
    ]
}

/// Where an event sits: measure, part, voice, index in the voice.
type Position = (usize, usize, usize, usize);

struct Indexed<'a> {
    score: &'a Score,
    /// Event id to (measure, part, voice, index).
    events: HashMap<EventId, (usize, usize, usize, usize)>,
}

impl<'a> Indexed<'a> {
    fn new(score: &'a Score) -> Self {
        let mut events = HashMap::new();
        for m in 0..score.measure_count() {
            for p in 0..score.part_count() {
                for v in 0..score.voice_count(p, m) {
                    for (i, e) in score.events(p, m, v).iter().enumerate() {
                        events.insert(e.id, (m, p, v, i));
                    }
                }
            }
        }
        Indexed { score, events }
    }

    fn event(&self, id: EventId) -> Option<(&Event, Place)> {
        let &(m, p, v, i) = self.events.get(&id)?;
        let e = &self.score.events(p, m, v)[i];
        let place = Place {
            measure: m,
            part: self.score.part(p).name.clone(),
            voice: v,
            beat: crate::score::beat_of(e.onset, self.score.measure(m)),
            event: id,
        };
        Some((e, place))
    }
}

fn ranges(mut xs: Vec<usize>) -> Vec<(usize, usize)> {
    xs.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::new();
    for x in xs {
        match out.last_mut() {
            Some((_, e)) if *e == x => *e += 1,
            _ => out.push((x, x + 1)),
        }
    }
    out
}

/// "`what` changed to `to` from m.N", or that the change there is gone.
fn change_at(
    f: &mut fmt::Formatter<'_>,
    what: &str,
    measure: usize,
    from: &Option<String>,
    to: &Option<String>,
) -> fmt::Result {
    match to {
        Some(to) => write!(f, "{what} changed to {to} from m.{}", measure + 1),
        None => {
            write!(f, "{what} change at m.{} removed (was {})", measure + 1, from.as_deref().unwrap_or("?"))
        }
    }
}

/// The differences from `old` to `new`.
pub fn diff(old: &Score, new: &Score) -> Vec<DiffEntry> {
    let mut out = Vec::new();
    // Parts, by id.
    let old_parts: HashMap<ObjId, String> = (0..old.part_count())
        .filter_map(|i| old.part_id(i).map(|p| (p.0, old.part(i).name.clone())))
        .collect();
    let new_parts: HashMap<ObjId, String> = (0..new.part_count())
        .filter_map(|i| new.part_id(i).map(|p| (p.0, new.part(i).name.clone())))
        .collect();
    for i in 0..new.part_count() {
        let id = new.part_id(i).expect("index in range").0;
        match old_parts.get(&id) {
            None => out.push(DiffEntry::PartAdded { name: new.part(i).name.clone() }),
            Some(n) if *n != new.part(i).name => {
                out.push(DiffEntry::PartRenamed { from: n.clone(), to: new.part(i).name.clone() })
            }
            _ => {}
        }
    }
    for i in 0..old.part_count() {
        if !new_parts.contains_key(&old.part_id(i).expect("index in range").0) {
            out.push(DiffEntry::PartRemoved { name: old.part(i).name.clone() });
        }
    }
    // Measures, by id.
    let old_m: HashMap<ObjId, usize> =
        (0..old.measure_count()).map(|i| (old.measure_object(i).expect("in range"), i)).collect();
    let new_m: HashMap<ObjId, usize> =
        (0..new.measure_count()).map(|i| (new.measure_object(i).expect("in range"), i)).collect();
    for (s, e) in ranges(new_m.iter().filter(|(o, _)| !old_m.contains_key(o)).map(|(_, &i)| i).collect()) {
        out.push(DiffEntry::MeasuresInserted { start: s, end: e });
    }
    for (s, e) in ranges(old_m.iter().filter(|(o, _)| !new_m.contains_key(o)).map(|(_, &i)| i).collect()) {
        out.push(DiffEntry::MeasuresDeleted { start: s, end: e });
    }
    for m in 0..new.measure_count() {
        let (ni, nx) = (new.measure(m), new.measure_extras(m).expect("in range"));
        let old_idx = old_m.get(&new.measure_object(m).expect("in range")).copied();
        let (oi, ox) = match old_idx {
            Some(o) => (Some(old.measure(o)), old.measure_extras(o)),
            None => (None, None),
        };
        let key_now = nx.key_change.then(|| ni.key.to_string());
        let key_then = oi.zip(ox).and_then(|(i, x)| x.key_change.then(|| i.key.to_string()));
        if old_idx.is_some() && key_now != key_then && (key_now.is_some() || key_then.is_some()) {
            out.push(DiffEntry::MeasureChanged { measure: m, what: "key", from: key_then, to: key_now });
        }
        let time_now = nx.time_change.then(|| ni.time.to_string());
        let time_then = oi.zip(ox).and_then(|(i, x)| x.time_change.then(|| i.time.to_string()));
        if old_idx.is_some() && time_now != time_then && (time_now.is_some() || time_then.is_some()) {
            out.push(DiffEntry::MeasureChanged {
                measure: m,
                what: "time signature",
                from: time_then,
                to: time_now,
            });
        }
        let tempo_now = ni.tempo.map(|t| format!("{}={}", t.beat, t.bpm));
        let tempo_then = oi.and_then(|i| i.tempo.map(|t| format!("{}={}", t.beat, t.bpm)));
        if old_idx.is_some() && tempo_now != tempo_then {
            out.push(DiffEntry::MeasureChanged {
                measure: m,
                what: "tempo",
                from: tempo_then,
                to: tempo_now,
            });
        }
    }
    // Transposition changes, per part both versions have, in measures both have (the first
    // measure's is the part's own).
    let kept: Vec<(usize, usize)> = (0..new.measure_count())
        .filter_map(|m| old_m.get(&new.measure_object(m).expect("in range")).map(|&o| (m, o)))
        .collect();
    for p in 0..new.part_count() {
        let id = new.part_id(p).expect("index in range").0;
        let Some(q) = (0..old.part_count()).find(|&q| old.part_id(q).is_some_and(|o| o.0 == id)) else {
            continue;
        };
        let change = |s: &Score, part: usize, m: usize| {
            let now = s.transposition(part, m);
            (m == 0 || s.transposition(part, m - 1) != now).then(|| now.to_string())
        };
        for &(m, o) in &kept {
            let (to, from) = (change(new, p, m), change(old, q, o));
            if to != from {
                out.push(DiffEntry::TranspositionChanged {
                    part: new.part(p).name.clone(),
                    measure: m,
                    from,
                    to,
                });
            }
        }
    }
    // Events, by id, in measures both versions have.
    let (oi, ni) = (Indexed::new(old), Indexed::new(new));
    let kept_measures: HashSet<usize> =
        old_m.iter().filter(|(o, _)| new_m.contains_key(o)).map(|(_, &i)| i).collect();
    let mut new_ids: Vec<(&EventId, &Position)> = ni.events.iter().collect();
    new_ids.sort_by_key(|(_, pos)| **pos);
    for (id, _) in new_ids {
        let (e, at) = ni.event(*id).expect("indexed");
        match oi.event(*id) {
            None => {
                // Events of inserted measures are part of the inserted measures.
                if old_m.contains_key(&new.measure_object(at.measure).expect("in range")) {
                    out.push(DiffEntry::EventInserted { at, what: describe_event(e) });
                }
            }
            // Most events are unchanged: compare them whole before spelling out their fields.
            Some((old_e, _)) if old_e == e => {}
            Some((old_e, _)) => {
                for ((field, from), (_, to)) in fields(old_e).into_iter().zip(fields(e)) {
                    if from != to {
                        out.push(DiffEntry::EventChanged { at: at.clone(), field, from, to });
                    }
                }
            }
        }
    }
    let mut old_ids: Vec<(&EventId, &Position)> = oi.events.iter().collect();
    old_ids.sort_by_key(|(_, pos)| **pos);
    for (id, &(m, ..)) in old_ids {
        if !ni.events.contains_key(id) && kept_measures.contains(&m) {
            let (e, at) = oi.event(*id).expect("indexed");
            out.push(DiffEntry::EventDeleted { at, what: describe_event(e) });
        }
    }
    out
}
