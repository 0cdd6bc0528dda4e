//! The instrument table: ranges and transpositions of common band and orchestra instruments.
//!
//! Ranges are *sounding* (concert) pitches. The *practical* range is what a school or community
//! player manages comfortably; the *professional* range is what a professional can play in an
//! orchestral or band part (extreme altissimo and pedal tones excluded). Transposition is
//! written -> sounding: a B-flat clarinet's written C4 sounds B-flat 3 (down a major second).
//!
//! ```
//! use bandpro_music::instrument;
//! let cl = instrument::by_id("clarinet").unwrap();
//! let written: bandpro_music::Pitch = "D4".parse().unwrap();
//! assert_eq!(cl.sounding(written).unwrap().to_string(), "C4");
//! assert!(cl.practical.unwrap().contains("C4".parse().unwrap()));
//! ```

use crate::clef::Clef;
use crate::error::{Error, Result};
use crate::interval::Interval;
use crate::pitch::{Pitch, Step};

/// Instrument families, in conventional score order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    /// Flutes, oboes, clarinets, bassoons.
    Woodwind,
    /// Saxophones.
    Saxophone,
    /// Horns, trumpets, trombones, tubas.
    Brass,
    /// Timpani and mallet percussion.
    PitchedPercussion,
    /// Drums and other unpitched percussion.
    UnpitchedPercussion,
    /// Piano, celesta, harp, guitar.
    Keyboard,
    /// Bowed strings.
    String,
    /// Singers.
    Voice,
}

/// An inclusive range of sounding pitches (compared by sound, so B#3 equals C4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PitchRange {
    /// Lowest pitch.
    pub low: Pitch,
    /// Highest pitch.
    pub high: Pitch,
}

impl PitchRange {
    /// True if `p` sounds within the range.
    pub const fn contains(self, p: Pitch) -> bool {
        let m = p.midi();
        m >= self.low.midi() && m <= self.high.midi()
    }

    /// True if the MIDI number lies within the range.
    pub const fn contains_midi(self, m: i32) -> bool {
        m >= self.low.midi() && m <= self.high.midi()
    }
}

/// One instrument of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Instrument {
    /// Stable id (`"clarinet"`, `"alto-sax"`, `"soprano"`).
    pub id: &'static str,
    /// English name.
    pub name: &'static str,
    /// Family.
    pub family: Family,
    /// Written -> sounding interval (unison for concert-pitch instruments).
    pub transposition: Interval,
    /// Usual clef.
    pub clef: Clef,
    /// Comfortable range (sounding); `None` for unpitched percussion.
    pub practical: Option<PitchRange>,
    /// Professional range (sounding); `None` for unpitched percussion.
    pub professional: Option<PitchRange>,
}

impl Instrument {
    /// The sounding pitch of a written pitch.
    pub fn sounding(&self, written: Pitch) -> Result<Pitch> {
        written.transpose(self.transposition)
    }

    /// The written pitch of a sounding pitch.
    pub fn written(&self, sounding: Pitch) -> Result<Pitch> {
        sounding.transpose(-self.transposition)
    }

    /// True for instruments that sound other than written (octave transpositions included).
    pub fn is_transposing(&self) -> bool {
        self.transposition != Interval::UNISON
    }

    /// The practical range in written pitch.
    pub fn written_practical(&self) -> Option<PitchRange> {
        let r = self.practical?;
        Some(PitchRange { low: self.written(r.low).ok()?, high: self.written(r.high).ok()? })
    }
}

/// Parse "C4", "Bb3", "F#6" at compile time (single-digit octaves 0..=9).
const fn p(s: &str) -> Pitch {
    let b = s.as_bytes();
    let step = match b[0] {
        b'C' => Step::C,
        b'D' => Step::D,
        b'E' => Step::E,
        b'F' => Step::F,
        b'G' => Step::G,
        b'A' => Step::A,
        b'B' => Step::B,
        _ => panic!("bad step"),
    };
    let mut i = 1;
    let mut alter = 0;
    while i < b.len() - 1 {
        match b[i] {
            b'#' => alter += 1,
            b'b' => alter -= 1,
            _ => panic!("bad accidental"),
        }
        i += 1;
    }
    Pitch::new(step, alter, (b[b.len() - 1] - b'0') as i8)
}

const fn r(low: &str, high: &str) -> Option<PitchRange> {
    Some(PitchRange { low: p(low), high: p(high) })
}

/// Interval helper: `steps` and `semitones`, negative = sounds lower than written.
const fn t(steps: i32, semitones: i32) -> Interval {
    Interval::from_parts(steps, semitones)
}

const fn ins(
    id: &'static str,
    name: &'static str,
    family: Family,
    transposition: Interval,
    clef: Clef,
    practical: Option<PitchRange>,
    professional: Option<PitchRange>,
) -> Instrument {
    Instrument { id, name, family, transposition, clef, practical, professional }
}

use Family::*;

const C: Interval = Interval::UNISON;
const UP_OCTAVE: Interval = t(7, 12);
const DOWN_OCTAVE: Interval = t(-7, -12);

/// The table, in conventional score order.
static TABLE: &[Instrument] = &[
    ins("piccolo", "Piccolo", Woodwind, UP_OCTAVE, Clef::TREBLE, r("D5", "A7"), r("D5", "C8")),
    ins("flute", "Flute", Woodwind, C, Clef::TREBLE, r("C4", "A6"), r("B3", "D7")),
    ins("alto-flute", "Alto Flute", Woodwind, t(-3, -5), Clef::TREBLE, r("G3", "D6"), r("G3", "G6")),
    ins("oboe", "Oboe", Woodwind, C, Clef::TREBLE, r("C4", "E6"), r("Bb3", "A6")),
    ins("english-horn", "English Horn", Woodwind, t(-4, -7), Clef::TREBLE, r("F3", "A5"), r("E3", "C6")),
    ins("bassoon", "Bassoon", Woodwind, C, Clef::BASS, r("Bb1", "Bb4"), r("Bb1", "E5")),
    ins("contrabassoon", "Contrabassoon", Woodwind, DOWN_OCTAVE, Clef::BASS, r("Bb0", "G3"), r("Bb0", "C4")),
    ins("eb-clarinet", "E-flat Clarinet", Woodwind, t(2, 3), Clef::TREBLE, r("G3", "G6"), r("G3", "C7")),
    ins("clarinet", "B-flat Clarinet", Woodwind, t(-1, -2), Clef::TREBLE, r("D3", "F6"), r("D3", "Bb6")),
    ins("a-clarinet", "A Clarinet", Woodwind, t(-2, -3), Clef::TREBLE, r("C#3", "E6"), r("C#3", "A6")),
    ins("bass-clarinet", "Bass Clarinet", Woodwind, t(-8, -14), Clef::TREBLE, r("D2", "Bb4"), r("Bb1", "F5")),
    ins(
        "soprano-sax",
        "Soprano Saxophone",
        Saxophone,
        t(-1, -2),
        Clef::TREBLE,
        r("Ab3", "Eb6"),
        r("Ab3", "Bb6"),
    ),
    ins("alto-sax", "Alto Saxophone", Saxophone, t(-5, -9), Clef::TREBLE, r("Db3", "Eb5"), r("Db3", "Eb6")),
    ins(
        "tenor-sax",
        "Tenor Saxophone",
        Saxophone,
        t(-8, -14),
        Clef::TREBLE,
        r("Ab2", "Bb4"),
        r("Ab2", "Bb5"),
    ),
    ins(
        "baritone-sax",
        "Baritone Saxophone",
        Saxophone,
        t(-12, -21),
        Clef::TREBLE,
        r("Db2", "Eb4"),
        r("C2", "C5"),
    ),
    ins("horn", "Horn in F", Brass, t(-4, -7), Clef::TREBLE, r("C3", "C5"), r("B1", "F5")),
    ins("trumpet", "B-flat Trumpet", Brass, t(-1, -2), Clef::TREBLE, r("E3", "F5"), r("E3", "Eb6")),
    ins("c-trumpet", "C Trumpet", Brass, C, Clef::TREBLE, r("F#3", "G5"), r("F#3", "F6")),
    ins("cornet", "B-flat Cornet", Brass, t(-1, -2), Clef::TREBLE, r("E3", "F5"), r("E3", "Eb6")),
    ins("flugelhorn", "Flugelhorn", Brass, t(-1, -2), Clef::TREBLE, r("E3", "F5"), r("E3", "Bb5")),
    ins("trombone", "Trombone", Brass, C, Clef::BASS, r("E2", "Bb4"), r("E2", "F5")),
    ins("bass-trombone", "Bass Trombone", Brass, C, Clef::BASS, r("C2", "F4"), r("Bb0", "C5")),
    ins("euphonium", "Euphonium", Brass, C, Clef::BASS, r("E2", "Bb4"), r("Bb1", "F5")),
    ins("baritone-horn", "Baritone Horn", Brass, C, Clef::BASS, r("E2", "Bb4"), r("Bb1", "F5")),
    ins("tuba", "Tuba", Brass, C, Clef::BASS, r("F1", "Bb3"), r("D1", "F4")),
    ins("timpani", "Timpani", PitchedPercussion, C, Clef::BASS, r("D2", "A3"), r("C2", "C4")),
    ins(
        "glockenspiel",
        "Glockenspiel",
        PitchedPercussion,
        t(14, 24),
        Clef::TREBLE,
        r("G5", "C8"),
        r("F5", "C8"),
    ),
    ins("xylophone", "Xylophone", PitchedPercussion, UP_OCTAVE, Clef::TREBLE, r("F4", "C8"), r("F4", "C8")),
    ins("marimba", "Marimba", PitchedPercussion, C, Clef::TREBLE, r("A2", "C7"), r("C2", "C7")),
    ins("vibraphone", "Vibraphone", PitchedPercussion, C, Clef::TREBLE, r("F3", "F6"), r("F3", "F6")),
    ins("chimes", "Chimes", PitchedPercussion, C, Clef::TREBLE, r("C4", "F5"), r("C4", "G5")),
    ins("drum-set", "Drum Set", UnpitchedPercussion, C, Clef::PERCUSSION, None, None),
    ins("snare-drum", "Snare Drum", UnpitchedPercussion, C, Clef::PERCUSSION, None, None),
    ins("piano", "Piano", Keyboard, C, Clef::TREBLE, r("A0", "C8"), r("A0", "C8")),
    ins("celesta", "Celesta", Keyboard, UP_OCTAVE, Clef::TREBLE, r("C4", "C8"), r("C4", "C8")),
    ins("harp", "Harp", Keyboard, C, Clef::TREBLE, r("C1", "G7"), r("Cb1", "G#7")),
    ins("guitar", "Guitar", Keyboard, DOWN_OCTAVE, Clef::TREBLE_8VB, r("E2", "B4"), r("E2", "E5")),
    ins("violin", "Violin", String, C, Clef::TREBLE, r("G3", "E6"), r("G3", "A7")),
    ins("viola", "Viola", String, C, Clef::ALTO, r("C3", "A5"), r("C3", "E6")),
    ins("cello", "Cello", String, C, Clef::BASS, r("C2", "A4"), r("C2", "A5")),
    ins("double-bass", "Double Bass", String, DOWN_OCTAVE, Clef::BASS, r("E1", "G3"), r("C1", "D4")),
    ins("soprano", "Soprano", Voice, C, Clef::TREBLE, r("C4", "G5"), r("A3", "C6")),
    ins("mezzo-soprano", "Mezzo-soprano", Voice, C, Clef::TREBLE, r("A3", "E5"), r("G3", "A5")),
    ins("alto", "Alto", Voice, C, Clef::TREBLE, r("G3", "D5"), r("E3", "F5")),
    ins("tenor", "Tenor", Voice, C, Clef::TREBLE_8VB, r("C3", "G4"), r("Bb2", "C5")),
    ins("baritone", "Baritone", Voice, C, Clef::BASS, r("A2", "E4"), r("F2", "G4")),
    ins("bass", "Bass", Voice, C, Clef::BASS, r("F2", "D4"), r("D2", "F4")),
];

/// All instruments, in conventional score order.
pub fn all() -> &'static [Instrument] {
    TABLE
}

/// The instrument with a given id.
pub fn by_id(id: &str) -> Result<&'static Instrument> {
    TABLE.iter().find(|i| i.id == id).ok_or_else(|| Error::UnknownInstrument(id.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_consistent() {
        for i in all() {
            if let (Some(pr), Some(pro)) = (i.practical, i.professional) {
                assert!(pr.low.midi() <= pr.high.midi(), "{}", i.id);
                assert!(pro.low.midi() <= pr.low.midi() && pr.high.midi() <= pro.high.midi(), "{}", i.id);
            }
        }
        let ids: std::collections::HashSet<_> = all().iter().map(|i| i.id).collect();
        assert_eq!(ids.len(), all().len());
    }
}
