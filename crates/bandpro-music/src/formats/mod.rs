//! Score files: MusicXML (`.xml`, `.musicxml`, compressed `.mxl`), Standard MIDI Files and ABC,
//! read into a [`SimpleScore`] and written from any [`ScoreView`].
//!
//! Every reader takes bytes (or text) and returns the score with an [`ImportReport`]: what the
//! file held that the model cannot carry is skipped with a [`Warning`], never an error. Broken
//! input (not well-formed, not the expected format, impossible values, sizes beyond
//! [`limits`]) is an [`Error::Format`] or [`Error::LimitExceeded`] naming the position. No
//! reader panics, whatever the input: they are the entry points of the fuzz targets.
//!
//! ```
//! use bandpro_music::formats::{self, FileFormat};
//! use bandpro_music::{ScoreView, SimpleScore};
//!
//! let score = SimpleScore::from_text("3/4", "G major", &[("violin", &["G4 A4 B4 | D5:2."])])?;
//! let xml = formats::musicxml::write(&score);
//! let (back, report) = formats::read_bytes(xml.as_bytes(), FileFormat::MusicXml)?;
//! assert_eq!(back.measure_count(), 2);
//! assert!(report.warnings.is_empty());
//! # Ok::<(), bandpro_music::Error>(())
//! ```
//!
//! # What the model does not carry
//!
//! The model keeps what is played or sung: pitches with their spelling, exact onsets and
//! durations, voices and staves, ties, tuplets, grace and cue notes, articulations, slurs,
//! hairpins, dynamics, lyrics, chord symbols (every MusicXML kind but `none`, up to
//! [`crate::chord_symbol::Degrees::MAX`] degree alterations each, an inversion as the slash bass
//! it implies, and changes of chord during a note: [`crate::Event::chord_changes`]; ABC keeps
//! such a change but not its moment), keys, time signatures, pickups, repeats, endings,
//! segno/coda/fine/D.C./D.S. marks, tempo marks and transposition, including changes of
//! transposition within a part at a barline (a saxophonist who switches to flute:
//! [`crate::ScoreView::transposition`]). Titles, credits, part groups, clefs at the start of
//! each staff and MIDI programs travel in [`Metadata`] beside the score.
//!
//! A part is unpitched when its notes are (MusicXML `<unpitched>`, MIDI channel 10), whatever
//! its clef; a part without notes goes by its clef and instrument. A MusicXML part with both
//! pitched and unpitched notes is read as pitched, the unpitched notes kept as pitches at their
//! display position (with a warning). A MusicXML `<part>` without `id`, or with an id the part
//! list lacks, is read as the first `<score-part>` not matched by id (with a warning), so its
//! name, instrument and transposition stay with its notes.
//!
//! Not kept (skipped with a warning where the file had them): layout and appearance (page and
//! system layout, positions, fonts, colours, stems, beams, noteheads, print-object), clef
//! changes after the first clef of a staff, mid-measure key and time changes (they take effect at
//! the next measure; the spelled pitches are kept, so nothing sounds different), mid-measure
//! transposition changes (they take effect at the start of their measure, and the notes before
//! them are respelled so that nothing sounds different), a transposition for one staff of a
//! part other than the first, free text directions ("dolce", "rit."), pedal marks, technical
//! indications (bowings, fingerings), figured bass, chord symbols of kind `none` (no chord),
//! roman numerals and functions, degree alterations beyond the fourth of a chord symbol or
//! beyond a thirteenth or a double sharp or flat, microtonal alterations (rounded to the nearest semitone, half
//! alterations towards natural), and more than one tempo per measure.

use std::path::Path;

use crate::error::{Error, FilePosition, Result};
use crate::score_model::SimpleScore;
use crate::view::ScoreView;

pub mod abc;
pub mod midi;
pub mod musicxml;
pub mod mxl;
mod report;
pub(crate) mod xml;

pub use report::{GroupSymbol, ImportReport, MAX_WARNINGS, Metadata, PartExtras, PartGroup, Warning};

/// Size limits of the readers. Inputs beyond them are rejected with
/// [`Error::LimitExceeded`] instead of exhausting memory or time.
pub mod limits {
    /// Largest MusicXML text accepted (and largest uncompressed score inside an `.mxl`): 256 MiB.
    pub const MAX_XML_BYTES: u64 = 256 << 20;
    /// Deepest element nesting accepted in XML (MusicXML needs about 8).
    pub const MAX_XML_DEPTH: usize = 256;
    /// Largest `.mxl` container accepted: 64 MiB.
    pub const MAX_MXL_BYTES: u64 = 64 << 20;
    /// Most entries in an `.mxl` container.
    pub const MAX_MXL_ENTRIES: usize = 10_000;
    /// Largest compression ratio accepted for an `.mxl` entry (zip bombs have thousands).
    pub const MAX_MXL_RATIO: u64 = 200;
    /// Most parts in a score.
    pub const MAX_PARTS: usize = 1_000;
    /// Most measures in a score.
    pub const MAX_MEASURES: usize = 100_000;
    /// Most (part, measure) cells in a score: parts times measures.
    pub const MAX_CELLS: usize = 4_000_000;
    /// Most events (notes, chords and rests) in a score read from MIDI or ABC, a note tied
    /// across barlines counting once per measure. Both formats multiply a few bytes into many
    /// events: a MIDI note held for an hour is split at every barline, an ABC `Z99999` is that
    /// many rests.
    pub const MAX_EVENTS: usize = 4_000_000;
    /// Most voices in one part.
    pub const MAX_VOICES: usize = 64;
    /// Most staves in one part.
    pub const MAX_STAVES: usize = 16;
    /// Largest MIDI file accepted: 64 MiB.
    pub const MAX_MIDI_BYTES: u64 = 64 << 20;
    /// Most tracks in a MIDI file.
    pub const MAX_MIDI_TRACKS: usize = 1_000;
    /// Longest MIDI file accepted, in quarter notes (about 20 hours at 120 bpm).
    pub const MAX_MIDI_QUARTERS: u64 = 150_000;
    /// Largest ABC text accepted: 64 MiB.
    pub const MAX_ABC_BYTES: u64 = 64 << 20;
}

/// The score formats this module reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileFormat {
    /// Uncompressed MusicXML (`.xml`, `.musicxml`).
    MusicXml,
    /// Compressed MusicXML (`.mxl`).
    Mxl,
    /// Standard MIDI File (`.mid`, `.midi`, `.smf`).
    Midi,
    /// ABC notation (`.abc`); reading takes the first tune of a tune book.
    Abc,
}

impl FileFormat {
    /// The format for a file extension (with or without the dot, any case).
    pub fn from_extension(ext: &str) -> Option<FileFormat> {
        match ext.trim_start_matches('.').to_ascii_lowercase().as_str() {
            "xml" | "musicxml" => Some(FileFormat::MusicXml),
            "mxl" => Some(FileFormat::Mxl),
            "mid" | "midi" | "smf" => Some(FileFormat::Midi),
            "abc" => Some(FileFormat::Abc),
            _ => None,
        }
    }

    /// Guess the format from the first bytes of a file.
    pub fn sniff(bytes: &[u8]) -> Option<FileFormat> {
        if bytes.starts_with(b"PK\x03\x04") {
            return Some(FileFormat::Mxl);
        }
        if bytes.starts_with(b"MThd") || bytes.starts_with(b"RIFF") {
            return Some(FileFormat::Midi);
        }
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).into_owned();
        let head = head.trim_start_matches('\u{feff}').trim_start();
        if head.starts_with('<') || bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
            return Some(FileFormat::MusicXml);
        }
        if head.lines().any(|l| l.starts_with("X:") || l.starts_with("K:")) {
            return Some(FileFormat::Abc);
        }
        None
    }
}

/// Read a score in a known format from bytes.
pub fn read_bytes(bytes: &[u8], format: FileFormat) -> Result<(SimpleScore, ImportReport)> {
    match format {
        FileFormat::MusicXml => musicxml::read(bytes),
        FileFormat::Mxl => mxl::read(bytes),
        FileFormat::Midi => midi::read(bytes),
        FileFormat::Abc => {
            let text = std::str::from_utf8(bytes).map_err(|e| Error::Format {
                format: "ABC",
                position: FilePosition::Byte(e.valid_up_to() as u64),
                message: "invalid UTF-8 text".into(),
            })?;
            abc::read(text)
        }
    }
}

/// Read a score from bytes, choosing the format from a file extension (`"mxl"`, `".xml"`) or,
/// when the extension is unknown, from the bytes themselves.
pub fn read_any(bytes: &[u8], extension: &str) -> Result<(SimpleScore, ImportReport)> {
    let format =
        FileFormat::from_extension(extension).or_else(|| FileFormat::sniff(bytes)).ok_or_else(|| {
            Error::Format {
                format: "score",
                position: FilePosition::Byte(0),
                message: format!("unknown score format (extension `{extension}`)"),
            }
        })?;
    read_bytes(bytes, format)
}

/// [`read_any`] with the extension taken from a path (the file is not opened: this crate does
/// no I/O).
pub fn read_any_path(bytes: &[u8], path: &Path) -> Result<(SimpleScore, ImportReport)> {
    read_any(bytes, path.extension().and_then(|e| e.to_str()).unwrap_or(""))
}

/// Write a score in a format. `.mxl` and MIDI are binary; MusicXML and ABC are UTF-8 text.
pub fn write_bytes(score: &dyn ScoreView, metadata: Option<&Metadata>, format: FileFormat) -> Vec<u8> {
    let empty = Metadata::default();
    let meta = metadata.unwrap_or(&empty);
    match format {
        FileFormat::MusicXml => musicxml::write_with(score, meta).into_bytes(),
        FileFormat::Mxl => mxl::write_with(score, meta),
        FileFormat::Midi => midi::write_with(score, meta),
        FileFormat::Abc => abc::write_with(score, meta).into_bytes(),
    }
}
