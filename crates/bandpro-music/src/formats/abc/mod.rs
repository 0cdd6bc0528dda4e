//! ABC notation 2.1.

use crate::error::{Error, FilePosition, Result};
use crate::formats::report::{ImportReport, Metadata};
use crate::score_model::SimpleScore;
use crate::view::ScoreView;

/// Read the first tune of an ABC text.
pub fn read(text: &str) -> Result<(SimpleScore, ImportReport)> {
    let _ = text;
    Err(Error::Format { format: "ABC", position: FilePosition::Unknown, message: "not implemented".into() })
}

/// Write a score as one ABC tune.
pub fn write(score: &dyn ScoreView) -> String {
    write_with(score, &Metadata::default())
}

/// Write a score as one ABC tune, titled from [`Metadata`].
pub fn write_with(score: &dyn ScoreView, metadata: &Metadata) -> String {
    let _ = (score, metadata);
    String::new()
}
