//! Music theory, analysis and validation rules for BandPro. No CRDT, no I/O.
//!
//! The crate has three layers:
//!
//! - **Model**: spelled [`Pitch`]es and [`Interval`]s, exact [`Rational`] durations, [`Key`]s,
//!   [`TimeSignature`]s, [`Clef`]s, the [`instrument`] table and [`Event`]s, and the read-only
//!   [`ScoreView`] trait that everything else works on ([`SimpleScore`] is a plain owned score
//!   implementing it).
//! - **Analysis**: key detection, chord recognition, roman numerals, chordify, transposition and
//!   rhythm.
//! - **Validation**: music rules with stable ids, run on the whole score or on a measure range.
//!
//! ```
//! use bandpro_music::{Interval, Pitch, SimpleScore, ScoreView};
//!
//! // Spelling-aware interval arithmetic.
//! let c_sharp: Pitch = "C#4".parse()?;
//! let d3: Interval = "d3".parse()?;
//! assert_eq!(c_sharp.transpose(d3)?.to_string(), "Eb4");
//!
//! // A two-part score in the compact text notation.
//! let score = SimpleScore::from_text("4/4", "C major", &[
//!     ("soprano", &["E5:2 D5 | C5:1"]),
//!     ("bass", &["C3:2 G2 | C3:1"]),
//! ])?;
//! assert_eq!(score.part_count(), 2);
//! # Ok::<(), bandpro_music::Error>(())
//! ```

#![forbid(unsafe_code)]

pub mod chord;
pub mod chord_symbol;
pub mod chordify;
pub mod clef;
pub mod duration;
pub mod error;
pub mod event;
pub mod formats;
pub mod generate;
pub mod instrument;
pub mod interval;
pub mod key;
pub mod key_detect;
pub mod meter;
pub mod pitch;
pub mod rational;
pub mod rhythm;
pub mod roman;
pub mod score_model;
pub mod score_text;
pub mod transpose;
pub mod validate;
pub mod view;

pub use chord_symbol::{ChordQuality, ChordSymbol};
pub use clef::Clef;
pub use duration::{NoteType, NoteValue, TupletRatio};
pub use error::{Error, FilePosition, Result};
pub use event::{
    AccidentalDisplay, Articulations, ChordChange, Dynamic, Event, EventId, EventKind, Grace, Lyric, Note,
    Syllabic, Tie, TupletMark,
};
pub use instrument::{Instrument, PitchRange};
pub use interval::{Interval, Quality};
pub use key::{Key, Mode};
pub use meter::TimeSignature;
pub use pitch::{Pitch, PitchName, Step};
pub use rational::Rational;
pub use score_model::SimpleScore;
pub use view::{Jumps, MeasureInfo, PartInfo, ScoreView, Tempo};
