//! The read-only view of a score that analysis and validation work on.
//!
//! Any score representation (our [`crate::SimpleScore`], `bandpro-core`'s document, a test
//! fixture, another application's model) can be analysed and validated by implementing
//! [`ScoreView`]. A score is a grid: parts x measures, and in each cell some voices, each an
//! ordered list of [`Event`]s with stable ids and exact onsets.

use crate::event::Event;
use crate::instrument::{Instrument, PitchRange};
use crate::interval::Interval;
use crate::key::Key;
use crate::meter::TimeSignature;
use crate::rational::Rational;

/// What a part is: name, instrument, transposition and ranges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartInfo {
    /// Display name ("Clarinet 1").
    pub name: String,
    /// The instrument-table entry, if the part uses one.
    pub instrument: Option<&'static Instrument>,
    /// Written -> sounding interval. Events hold written pitches.
    pub transposition: Interval,
    /// Comfortable sounding range, if known.
    pub practical_range: Option<PitchRange>,
    /// Professional sounding range, if known.
    pub professional_range: Option<PitchRange>,
    /// Number of staves (2 for piano).
    pub staves: u8,
    /// True for unpitched percussion: pitch rules and harmony ignore the part.
    pub unpitched: bool,
}

impl PartInfo {
    /// A part for a table instrument.
    pub fn new(name: impl Into<String>, instrument: &'static Instrument) -> PartInfo {
        PartInfo {
            name: name.into(),
            instrument: Some(instrument),
            transposition: instrument.transposition,
            practical_range: instrument.practical,
            professional_range: instrument.professional,
            staves: if instrument.id == "piano" || instrument.id == "harp" { 2 } else { 1 },
            unpitched: instrument.practical.is_none(),
        }
    }

    /// A concert-pitch part with no known instrument or range.
    pub fn plain(name: impl Into<String>) -> PartInfo {
        PartInfo {
            name: name.into(),
            instrument: None,
            transposition: Interval::UNISON,
            practical_range: None,
            professional_range: None,
            staves: 1,
            unpitched: false,
        }
    }
}

/// What a measure is: time signature, key and whether it may be incomplete.
///
/// Measures are global: every part shares them (as in `bandpro-core`'s score schema).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeasureInfo {
    /// Time signature in force.
    pub time: TimeSignature,
    /// Key signature (and mode) in force.
    pub key: Key,
    /// True for a measure meant to be incomplete (an anacrusis or the closing partial measure):
    /// `measure-underfull` does not fire on it.
    pub pickup: bool,
}

impl MeasureInfo {
    /// A full measure.
    pub const fn new(time: TimeSignature, key: Key) -> MeasureInfo {
        MeasureInfo { time, key, pickup: false }
    }

    /// The nominal length (the time signature's).
    pub fn length(&self) -> Rational {
        self.time.length()
    }
}

/// A read-only score: parts x measures x voices x events.
///
/// Indices are 0-based; implementations may panic on indices outside the counts they report.
/// Within a voice, events are in time order, their onsets are exact offsets from the start of
/// the measure, and grace notes share the onset of the note that follows them.
///
/// ```
/// use bandpro_music::{ScoreView, SimpleScore};
/// let score = SimpleScore::from_text("4/4", "C major", &[("flute", &["C5 D5 E5 F5 | G5:1"])]).unwrap();
/// assert_eq!(score.measure_count(), 2);
/// assert_eq!(score.events(0, 1, 0)[0].notes()[0].pitch.to_string(), "G5");
/// ```
pub trait ScoreView {
    /// Number of parts (instruments or singers), top to bottom in score order.
    fn part_count(&self) -> usize;
    /// Information about a part.
    fn part(&self, part: usize) -> &PartInfo;
    /// Number of measures.
    fn measure_count(&self) -> usize;
    /// Information about a measure.
    fn measure(&self, measure: usize) -> &MeasureInfo;
    /// Number of voices of a part in a measure (0 if the part has nothing there).
    fn voice_count(&self, part: usize, measure: usize) -> usize;
    /// The events of one voice of one part in one measure, in time order.
    fn events(&self, part: usize, measure: usize, voice: usize) -> &[Event];
}
