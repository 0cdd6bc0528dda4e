//! MusicXML 1.0 to 4.0: read partwise and timewise `.xml`/`.musicxml` text into a
//! [`SimpleScore`], write MusicXML 4.0 partwise.
//!
//! What is kept and what is not is listed in the [module docs of `formats`](crate::formats).
//! The writer's output validates against the official MusicXML 4.0 schema.
//!
//! ```
//! use bandpro_music::formats::musicxml;
//! use bandpro_music::{ScoreView, SimpleScore};
//!
//! let score = SimpleScore::from_text("4/4", "F major", &[("flute", &["F5 E5 D5 C5 | F5:1"])])?;
//! let text = musicxml::write(&score);
//! assert!(text.contains("<score-partwise version=\"4.0\">"));
//! let (back, report) = musicxml::read(text.as_bytes())?;
//! assert_eq!(back.events(0, 1, 0)[0].notes()[0].pitch.to_string(), "F5");
//! assert_eq!(report.version.as_deref(), Some("4.0"));
//! # Ok::<(), bandpro_music::Error>(())
//! ```

mod chord_kinds;
mod read;
mod write;

pub(crate) use read::parse_decimal;
pub(crate) use write::decimal;

use crate::error::Result;
use crate::formats::report::{ImportReport, Metadata};
use crate::formats::xml;
use crate::score_model::SimpleScore;
use crate::view::ScoreView;

/// Read MusicXML (partwise or timewise, any version from 1.0 to 4.0) from the bytes of an
/// `.xml` or `.musicxml` file. UTF-8, UTF-16 with a byte-order mark and ISO-8859-1 are
/// accepted.
///
/// Errors: [`crate::Error::Format`] for text that is not well-formed XML or not MusicXML, and
/// for impossible values (a negative duration, zero divisions); [`crate::Error::LimitExceeded`]
/// beyond [`crate::formats::limits`].
pub fn read(bytes: &[u8]) -> Result<(SimpleScore, ImportReport)> {
    read_as(bytes, "MusicXML")
}

/// Read MusicXML text (see [`read`]).
pub fn read_str(text: &str) -> Result<(SimpleScore, ImportReport)> {
    read(text.as_bytes())
}

pub(crate) fn read_as(bytes: &[u8], format: &'static str) -> Result<(SimpleScore, ImportReport)> {
    let text = xml::decode(bytes, format)?;
    let doc = xml::parse(&text, format)?;
    let mut report = ImportReport::new(format);
    let score = read::read_doc(&doc, format, &mut report)?;
    Ok((score, report))
}

/// Write a score as MusicXML 4.0 partwise text.
pub fn write(score: &dyn ScoreView) -> String {
    write::write(score, &Metadata::default())
}

/// Write a score as MusicXML 4.0 partwise text, with titles, part groups and clefs from
/// `metadata` (as returned by a reader in [`ImportReport::metadata`]).
pub fn write_with(score: &dyn ScoreView, metadata: &Metadata) -> String {
    write::write(score, metadata)
}
