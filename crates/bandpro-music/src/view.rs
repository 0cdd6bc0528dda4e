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
    /// Written -> sounding interval in force at the first measure. Events hold written
    /// pitches. A part can change it later (a saxophonist who doubles on flute): what is in
    /// force in a given measure is [`ScoreView::transposition`].
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
    /// A repeated section starts at the beginning of this measure (`|:`).
    pub repeat_start: bool,
    /// A repeated section ends at the end of this measure (`:|`): how many times the section is
    /// played in all (2 for a plain repeat).
    pub repeat_end: Option<u8>,
    /// Volta brackets (first and second endings) this measure belongs to: bit `n - 1` set for
    /// ending `n` (1..=16). 0 outside endings.
    pub ending: u16,
    /// Navigation marks: segno, coda, fine, to coda, da capo, dal segno.
    pub jumps: Jumps,
    /// A tempo mark in force from the start of this measure.
    pub tempo: Option<Tempo>,
}

/// A metronome mark: `bpm` beats of length `beat` per minute (a dotted quarter = 60 in 6/8 is
/// `beat` 3/8, `bpm` 60).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tempo {
    /// Length of the beat unit in whole notes.
    pub beat: Rational,
    /// Beats per minute (exact: 72.5 is 145/2).
    pub bpm: Rational,
}

impl Tempo {
    /// Quarter notes per minute.
    pub fn quarter_bpm(self) -> Rational {
        self.bpm * self.beat * Rational::from_int(4)
    }
}

/// Navigation marks of a measure, as a small bit set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Jumps(u8);

impl Jumps {
    /// No mark.
    pub const NONE: Jumps = Jumps(0);
    /// A segno sign at the start of the measure.
    pub const SEGNO: Jumps = Jumps(1);
    /// A coda sign at the start of the measure (where "to coda" jumps to).
    pub const CODA: Jumps = Jumps(1 << 1);
    /// "Fine": the piece ends here after a D.C. or D.S.
    pub const FINE: Jumps = Jumps(1 << 2);
    /// "To coda": after a D.C. or D.S., jump to the coda from the end of this measure.
    pub const TO_CODA: Jumps = Jumps(1 << 3);
    /// "Da capo": jump back to the beginning at the end of this measure.
    pub const DA_CAPO: Jumps = Jumps(1 << 4);
    /// "Dal segno": jump back to the segno at the end of this measure.
    pub const DAL_SEGNO: Jumps = Jumps(1 << 5);

    /// True if every mark of `other` is present.
    pub const fn contains(self, other: Jumps) -> bool {
        self.0 & other.0 == other.0
    }

    /// Both sets together.
    pub const fn union(self, other: Jumps) -> Jumps {
        Jumps(self.0 | other.0)
    }

    /// True if empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The raw bits.
    pub const fn bits(self) -> u8 {
        self.0
    }
}

impl std::ops::BitOr for Jumps {
    type Output = Jumps;
    fn bitor(self, rhs: Jumps) -> Jumps {
        self.union(rhs)
    }
}

impl MeasureInfo {
    /// A full measure.
    pub const fn new(time: TimeSignature, key: Key) -> MeasureInfo {
        MeasureInfo {
            time,
            key,
            pickup: false,
            repeat_start: false,
            repeat_end: None,
            ending: 0,
            jumps: Jumps::NONE,
            tempo: None,
        }
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

    /// The written -> sounding interval in force in a measure of a part: a written pitch of
    /// that measure sounds moved by it. Analysis, validation and the writers of sounding pitch
    /// (MIDI) ask for it measure by measure, because a player who doubles (an alto saxophone
    /// part that switches to flute and back) changes it within the part, at a barline.
    ///
    /// [`PartInfo::transposition`] is the interval in force at the first measure. The default
    /// implementation, for views whose parts never change transposition, returns it for every
    /// measure. Changing the transposition from a measure on is, for
    /// [`crate::validate::affected_measures`], an edit of every measure it now covers.
    ///
    /// ```
    /// use bandpro_music::{Interval, ScoreView, SimpleScore};
    /// let mut score = SimpleScore::from_text("4/4", "C major", &[("alto-sax", &["A4:1 | A4:1 | C5:1"])]).unwrap();
    /// score.set_transposition_from(0, 1, Interval::UNISON).unwrap(); // to flute
    /// assert_eq!(score.transposition(0, 0).semitones(), -9); // alto sax: a major sixth down
    /// assert_eq!(score.transposition(0, 2), Interval::UNISON);
    /// ```
    fn transposition(&self, part: usize, measure: usize) -> Interval {
        let _ = measure;
        self.part(part).transposition
    }
}
