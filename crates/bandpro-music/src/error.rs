//! The crate's single error type.
//!
//! Bad input from outside (a pitch string that does not parse, an instrument id we do not know, a
//! zero denominator) comes back as an [`Error`]; broken internal invariants are bugs and panic.

/// Everything that can go wrong when building or parsing music values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A rational number was given a zero denominator.
    #[error("zero denominator in a rational number")]
    ZeroDenominator,
    /// An exact time computation left the range of 64-bit rationals.
    #[error("rational arithmetic overflow")]
    Overflow,
    /// A pitch name did not parse (`"H4"`, `"C#"` without an octave, ...).
    #[error("invalid pitch `{0}`")]
    InvalidPitch(String),
    /// An alteration outside the supported range (triple flat to triple sharp).
    #[error("alteration {0} is outside -3..=3")]
    AlterOutOfRange(i32),
    /// An octave outside the supported range (-1..=9).
    #[error("octave {0} is outside -1..=9")]
    OctaveOutOfRange(i32),
    /// An interval name did not parse or names no interval ("P3", "M5").
    #[error("invalid interval `{0}`")]
    InvalidInterval(String),
    /// A duration is not positive or cannot be written with a note value and dots.
    #[error("invalid duration `{0}`")]
    InvalidDuration(String),
    /// A time signature did not parse or has a zero or non power-of-two denominator.
    #[error("invalid time signature `{0}`")]
    InvalidTimeSignature(String),
    /// A key did not parse or needs more than seven sharps or flats.
    #[error("invalid key `{0}`")]
    InvalidKey(String),
    /// A clef name did not parse.
    #[error("invalid clef `{0}`")]
    InvalidClef(String),
    /// An instrument id that is not in the instrument table.
    #[error("unknown instrument `{0}`")]
    UnknownInstrument(String),
    /// A chord symbol did not parse.
    #[error("invalid chord symbol `{0}`")]
    InvalidChordSymbol(String),
    /// The compact score text used by tests and examples did not parse.
    #[error("score text, part {part}, voice {voice}, measure {measure}: {message} (at `{token}`)")]
    ScoreText {
        /// Part index (0-based).
        part: usize,
        /// Voice index (0-based).
        voice: usize,
        /// Measure index (0-based).
        measure: usize,
        /// The token that was wrong.
        token: String,
        /// What was wrong with it.
        message: String,
    },
    /// A score file (MusicXML, MXL, MIDI, ABC) is broken: not well-formed, not of the expected
    /// format, or holding a value that cannot be right (a negative duration, a zero division).
    #[error("{format} at {position}: {message}")]
    Format {
        /// The format being read (`"MusicXML"`, `"MXL"`, `"MIDI"`, `"ABC"`).
        format: &'static str,
        /// Where in the input the problem was found.
        position: FilePosition,
        /// What was wrong.
        message: String,
    },
    /// A score file exceeds one of the documented size limits of [`crate::formats::limits`].
    #[error("{format} at {position}: {what} exceeds the limit of {limit}")]
    LimitExceeded {
        /// The format being read.
        format: &'static str,
        /// Where in the input the limit was hit.
        position: FilePosition,
        /// What was counted ("input bytes", "parts", "uncompressed bytes", ...).
        what: &'static str,
        /// The limit that was exceeded.
        limit: u64,
    },
    /// A part, measure or voice index outside the score.
    #[error("{what} index {index} is out of range (len {len})")]
    IndexOutOfRange {
        /// What kind of index ("part", "measure", "voice").
        what: &'static str,
        /// The index given.
        index: usize,
        /// How many there are.
        len: usize,
    },
}

/// A position in an input file, for errors and import warnings.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FilePosition {
    /// Line and column, both 1-based (text formats: MusicXML, ABC).
    LineColumn {
        /// Line, 1-based.
        line: u32,
        /// Column in characters, 1-based.
        column: u32,
    },
    /// A byte offset from the start of the input (binary formats: MIDI, zip containers).
    Byte(u64),
    /// A named entry of a container (`META-INF/container.xml` in an `.mxl` file), and a
    /// position inside it.
    Entry {
        /// The entry's path in the container.
        name: String,
        /// The position inside the entry.
        inner: Box<FilePosition>,
    },
    /// The position is not known (the whole input is at fault).
    Unknown,
}

impl std::fmt::Display for FilePosition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FilePosition::LineColumn { line, column } => write!(f, "line {line}, column {column}"),
            FilePosition::Byte(b) => write!(f, "byte {b}"),
            FilePosition::Entry { name, inner } => write!(f, "`{name}`, {inner}"),
            FilePosition::Unknown => f.write_str("an unknown position"),
        }
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
