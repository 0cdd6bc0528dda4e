//! Standard MIDI Files: write type 1, read type 0 and 1 (type 2 is read like type 1).
//!
//! Writing: one conductor track with tempo, time and key signatures, then one track per part
//! with its name and a program change from the instrument; velocities follow the dynamics, tied
//! notes sound as one note, grace notes are short (a 32nd each, taken from before the beat),
//! cue notes are not played, and pitches are sounding pitches (each measure's transposition,
//! [`crate::ScoreView::transposition`], is applied, so a part that changes instrument sounds
//! right on both). Repeats are not unfolded. The resolution is the least common multiple of
//! the score's note values, so every time is exact.
//!
//! Pickups are written as notation programs write them: a pickup measure lasts as long as its
//! longest voice and gets a time signature stating that length, and the real signature follows
//! at the next barline. The denominator is the meter's, or finer if the length needs it: one
//! beat in 4/4 is 1/4, two beats 2/4, an eighth in 6/8 1/8, a quarter in 6/8 2/8, a dotted
//! quarter in 3/4 3/8, three sixteenths 3/16. So every reader that follows time signature
//! changes (the format allows them anywhere) puts every barline where it is; a reader that keeps
//! only the first signature of a file sees the pickup's meter throughout, as it does with files
//! from notation programs. An opening pickup no signature can state (a length in triplets) is
//! padded with silence before it to whole units of the meter (to a full measure if it comes to
//! that). A partial measure in the middle of a score is written the same way, but one that no
//! signature states keeps its length and the meter's signature rather than put silence into
//! the music, so readers find the barlines after it shifted. The last measure needs no
//! signature of its own, as the file ends there.
//!
//! Reading: times are quantised to a grid chosen from the file (the coarsest subdivision of the
//! quarter that fits every note, or one given in [`MidiOptions`]), each track and channel
//! becomes a part, notes are split into voices that are each monophonic or chordal, piano parts
//! are split into two staves at middle C, notes crossing barlines are tied, gaps are filled with
//! rests. Time and key signatures come from meta events; without a key signature the key is
//! detected from the notes. Pitches are spelled for the key.
//!
//! The first measure reads as a pickup in the meter that follows it when: a time signature is
//! stated at the start; the first measure is one whole measure of it, shorter than the second
//! measure; the second measure's signature holds for the third measure too (or the music ends
//! before one); and some note sounds up to the first barline. A real 2/4 bar before bars of
//! 4/4 cannot be told from a two-beat pickup in the file and reads as one, as notation programs
//! read it; the barlines are the same either way. A first bar in a piece that keeps changing
//! meter, a first bar ending in silence, and an empty first bar stay bars. A time signature
//! change in the middle of a measure also cuts that measure short into a pickup in the meter
//! it began in.
//!
//! A score written by [`write()`] and read back keeps its measures, time signatures, pickup and
//! pitches, onsets and durations exactly (with rests where notes are absent). The exceptions: a
//! partial measure after the first reads back as a measure of the signature stating its length
//! (the last one as a full measure, one in triplets with the barlines after it shifted); an
//! opening pickup that ends in silence, or is followed by a single measure of its meter before a
//! change, reads back as a measure of the signature stating its length; and an opening pickup
//! padded as above keeps its barlines, not its onsets.
//!
//! ```
//! use bandpro_music::formats::midi;
//! use bandpro_music::{ScoreView, SimpleScore};
//!
//! let score = SimpleScore::from_text("4/4", "C major", &[("flute", &["C5 E5 G5 C6 | C6:1"])])?;
//! let bytes = midi::write(&score);
//! let (back, report) = midi::read(&bytes)?;
//! assert_eq!(report.version.as_deref(), Some("1"));
//! assert_eq!(back.events(0, 0, 0)[3].notes()[0].pitch.to_string(), "C6");
//! # Ok::<(), bandpro_music::Error>(())
//! ```

mod read;
mod write;

use crate::error::Result;
use crate::formats::report::{ImportReport, Metadata};
use crate::instrument::Instrument;
use crate::rational::Rational;
use crate::score_model::SimpleScore;
use crate::view::ScoreView;

pub use read::MidiOptions;

/// The General MIDI program (0-based) for a table instrument.
pub fn gm_program(instrument: &Instrument) -> u8 {
    match instrument.id {
        "piccolo" => 72,
        "flute" | "alto-flute" => 73,
        "oboe" => 68,
        "english-horn" => 69,
        "bassoon" | "contrabassoon" => 70,
        "eb-clarinet" | "clarinet" | "a-clarinet" | "bass-clarinet" => 71,
        "soprano-sax" => 64,
        "alto-sax" => 65,
        "tenor-sax" => 66,
        "baritone-sax" => 67,
        "horn" => 60,
        "trumpet" | "c-trumpet" | "cornet" | "flugelhorn" => 56,
        "trombone" | "bass-trombone" | "euphonium" | "baritone-horn" => 57,
        "tuba" => 58,
        "timpani" => 47,
        "glockenspiel" => 9,
        "xylophone" => 13,
        "marimba" => 12,
        "vibraphone" => 11,
        "chimes" => 14,
        "drum-set" | "snare-drum" => 0,
        "piano" => 0,
        "celesta" => 8,
        "harp" => 46,
        "guitar" => 24,
        "violin" => 40,
        "viola" => 41,
        "cello" => 42,
        "double-bass" => 43,
        "soprano" | "mezzo-soprano" | "alto" | "tenor" | "baritone" | "bass" => 52,
        _ => 0,
    }
}

/// The table instrument for a General MIDI program (0-based), if one plays it.
pub fn instrument_for_program(program: u8) -> Option<&'static Instrument> {
    let preferred = match program {
        0..=7 => Some("piano"),
        71 => Some("clarinet"),
        _ => None,
    };
    if let Some(id) = preferred {
        return crate::instrument::by_id(id).ok();
    }
    crate::instrument::all().iter().find(|i| i.practical.is_some() && gm_program(i) == program)
}

/// Read a Standard MIDI File (type 0, 1 or 2) with the default options.
///
/// Errors: [`crate::Error::Format`] naming the byte offset for files that are not Standard MIDI
/// Files or are truncated; [`crate::Error::LimitExceeded`] beyond [`crate::formats::limits`].
pub fn read(bytes: &[u8]) -> Result<(SimpleScore, ImportReport)> {
    read::read(bytes, &MidiOptions::default())
}

/// Read a Standard MIDI File with options (a fixed quantisation grid, no piano split).
pub fn read_with(bytes: &[u8], options: &MidiOptions) -> Result<(SimpleScore, ImportReport)> {
    read::read(bytes, options)
}

/// Write a score as a Standard MIDI File, type 1.
pub fn write(score: &dyn ScoreView) -> Vec<u8> {
    write::write(score, &Metadata::default())
}

/// Write a score as a Standard MIDI File, type 1, with [`Metadata`] (title, MIDI programs).
pub fn write_with(score: &dyn ScoreView, metadata: &Metadata) -> Vec<u8> {
    write::write(score, metadata)
}

/// Default velocity before any dynamic: mezzo-forte.
const DEFAULT_VELOCITY: u8 = 80;

/// Length of a played grace note.
fn grace_length() -> Rational {
    Rational::new(1, 32)
}
