//! Change notifications in musical terms ("Trumpet m.12 v1: note inserted at beat 3"), built
//! from the engine's patches so that a UI redraws only what changed.

use std::fmt;

use bandpro_music::Rational;
use bandpro_music::event::EventId;

/// What changed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChangeKind {
    /// An event (note, rest or chord) was inserted.
    EventInserted,
    /// An event was deleted.
    EventDeleted,
    /// A field of an event changed: `"pitch"`, `"duration"`, `"lyrics"`, ...
    EventChanged(&'static str),
    /// Measures were inserted.
    MeasuresInserted(usize),
    /// Measures were deleted.
    MeasuresDeleted(usize),
    /// A field of a measure changed: `"time"`, `"key"`, `"tempo"`, ...
    MeasureChanged(&'static str),
    /// A part was added.
    PartAdded,
    /// A part was removed.
    PartRemoved,
    /// A field of a part changed.
    PartChanged(&'static str),
    /// Score metadata changed (title, composer, ...).
    MetadataChanged(String),
}

/// One change to a score, located as a musician would locate it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScoreChange {
    /// What changed.
    pub kind: ChangeKind,
    /// Part index, where the change is in one part.
    pub part: Option<usize>,
    /// Part name, for messages.
    pub part_name: Option<String>,
    /// Measure index (0-based; shown 1-based).
    pub measure: Option<usize>,
    /// Voice index (0-based; shown 1-based).
    pub voice: Option<usize>,
    /// The event.
    pub event: Option<EventId>,
    /// 1-based beat of the event, where known.
    pub beat: Option<Rational>,
}

impl ScoreChange {
    pub(crate) fn new(kind: ChangeKind) -> Self {
        ScoreChange { kind, part: None, part_name: None, measure: None, voice: None, event: None, beat: None }
    }
}

impl fmt::Display for ScoreChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut place = Vec::new();
        if let Some(p) = &self.part_name {
            place.push(p.clone());
        }
        if let Some(m) = self.measure {
            place.push(format!("m.{}", m + 1));
        }
        if let Some(v) = self.voice {
            place.push(format!("v{}", v + 1));
        }
        if !place.is_empty() {
            write!(f, "{}: ", place.join(" "))?;
        }
        match &self.kind {
            ChangeKind::EventInserted => write!(f, "note inserted")?,
            ChangeKind::EventDeleted => write!(f, "note deleted")?,
            ChangeKind::EventChanged(what) => write!(f, "{what} changed")?,
            ChangeKind::MeasuresInserted(n) => {
                write!(f, "{n} measure{} inserted", if *n == 1 { "" } else { "s" })?
            }
            ChangeKind::MeasuresDeleted(n) => {
                write!(f, "{n} measure{} deleted", if *n == 1 { "" } else { "s" })?
            }
            ChangeKind::MeasureChanged(what) => write!(f, "{what} changed")?,
            ChangeKind::PartAdded => write!(f, "part added")?,
            ChangeKind::PartRemoved => write!(f, "part removed")?,
            ChangeKind::PartChanged(what) => write!(f, "part {what} changed")?,
            ChangeKind::MetadataChanged(k) => write!(f, "{k} changed")?,
        }
        if let Some(b) = self.beat {
            write!(f, " at beat {b}")?;
        }
        Ok(())
    }
}
