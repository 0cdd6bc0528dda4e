//! Standard MIDI Files (SMF type 0 and 1).

use crate::error::{Error, FilePosition, Result};
use crate::formats::report::{ImportReport, Metadata};
use crate::instrument::Instrument;
use crate::score_model::SimpleScore;
use crate::view::ScoreView;

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

/// Read a Standard MIDI File.
pub fn read(bytes: &[u8]) -> Result<(SimpleScore, ImportReport)> {
    let _ = bytes;
    Err(Error::Format { format: "MIDI", position: FilePosition::Byte(0), message: "not implemented".into() })
}

/// Write a score as a Standard MIDI File, type 1.
pub fn write(score: &dyn ScoreView) -> Vec<u8> {
    write_with(score, &Metadata::default())
}

/// Write a score as a Standard MIDI File, type 1, with [`Metadata`] (MIDI programs).
pub fn write_with(score: &dyn ScoreView, metadata: &Metadata) -> Vec<u8> {
    let _ = (score, metadata);
    Vec::new()
}
