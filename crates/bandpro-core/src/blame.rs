//! Blame: which change last touched a measure or an event, with its author, time and message.

use std::collections::HashMap;
use std::ops::Range;

use bandpro_crdt::{Change, ChangeHash, ObjId};
use bandpro_music::ScoreView;
use bandpro_music::event::EventId;

use crate::error::Result;
use crate::repo::Repository;

/// The change that last touched something.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blame {
    /// The change.
    pub hash: ChangeHash,
    /// Who, unless absent or erased.
    pub author: Option<String>,
    /// When, ms since the Unix epoch.
    pub time: i64,
    /// Why.
    pub message: Option<String>,
}

impl Blame {
    fn of(c: &Change) -> Blame {
        Blame {
            hash: c.hash(),
            author: c.author().map(str::to_owned),
            time: c.time(),
            message: c.message().map(str::to_owned),
        }
    }
}

/// The blame of one event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventBlame {
    /// Measure (0-based).
    pub measure: usize,
    /// Part index.
    pub part: usize,
    /// Voice (0-based).
    pub voice: usize,
    /// The event.
    pub event: EventId,
    /// Who last touched it.
    pub blame: Blame,
}

/// Which of two touches is later: by Lamport time (op counter), ties by replica id. This is the
/// order in which concurrent writes to one field resolve, so blame names the change whose value
/// the score shows, whatever order the changes were applied in.
fn later(a: (u32, bandpro_crdt::ReplicaId), b: (u32, bandpro_crdt::ReplicaId)) -> bool {
    a > b
}

impl Repository {
    /// The change that last touched measure `measure` of the checked-out score (its signatures,
    /// or any of its events).
    pub fn blame_measure(&self, measure: usize) -> Result<Option<Blame>> {
        let doc = self.score().document();
        let mut best: Option<((u32, bandpro_crdt::ReplicaId), &Change)> = None;
        // Newest first, so the search ends at the first change too old to beat the best.
        for c in doc.changes_newest_first() {
            if best.is_some_and(|((counter, _), _)| c.end_op() < counter) {
                break;
            }
            for (obj, counter) in Repository::touches(c) {
                if self.score().place_of(&obj).is_some_and(|(_, m)| m == measure) {
                    let key = (counter, c.replica());
                    if best.is_none_or(|(k, _)| later(key, k)) {
                        best = Some((key, c));
                    }
                }
            }
        }
        Ok(best.map(|(_, c)| Blame::of(c)))
    }

    /// The change that last touched an event (created it or changed one of its fields).
    pub fn blame_event(&self, event: EventId) -> Result<Option<Blame>> {
        let Some(obj) = self.score().event_object(event) else { return Ok(None) };
        let doc = self.score().document();
        let mut best: Option<((u32, bandpro_crdt::ReplicaId), &Change)> = None;
        for c in doc.changes_newest_first() {
            if best.is_some_and(|((counter, _), _)| c.end_op() < counter) {
                break;
            }
            for (o, counter) in Repository::touches(c) {
                if o == obj {
                    let key = (counter, c.replica());
                    if best.is_none_or(|(k, _)| later(key, k)) {
                        best = Some((key, c));
                    }
                }
            }
        }
        Ok(best.map(|(_, c)| Blame::of(c)))
    }

    /// The blame of every event in `measures`, optionally of one part, in one pass over
    /// history.
    pub fn blame_events(&self, measures: Range<usize>, part: Option<usize>) -> Result<Vec<EventBlame>> {
        let score = self.score();
        let mut wanted: HashMap<ObjId, (usize, usize, usize, EventId)> = HashMap::new();
        for m in measures.start..measures.end.min(score.measure_count()) {
            for p in 0..score.part_count() {
                if part.is_some_and(|x| x != p) {
                    continue;
                }
                for v in 0..score.voice_count(p, m) {
                    for e in score.events(p, m, v) {
                        if let Some(obj) = score.event_object(e.id) {
                            wanted.insert(obj, (m, p, v, e.id));
                        }
                    }
                }
            }
        }
        let mut best: HashMap<ObjId, ((u32, bandpro_crdt::ReplicaId), &Change)> = HashMap::new();
        for c in score.document().changes() {
            for (obj, counter) in Repository::touches(c) {
                if wanted.contains_key(&obj) {
                    let key = (counter, c.replica());
                    match best.get(&obj) {
                        Some((k, _)) if !later(key, *k) => {}
                        _ => {
                            best.insert(obj, (key, c));
                        }
                    }
                }
            }
        }
        let mut out: Vec<EventBlame> = best
            .into_iter()
            .map(|(obj, (_, c))| {
                let (measure, part, voice, event) = wanted[&obj];
                EventBlame { measure, part, voice, event, blame: Blame::of(c) }
            })
            .collect();
        out.sort_by_key(|b| (b.measure, b.part, b.voice));
        Ok(out)
    }
}
