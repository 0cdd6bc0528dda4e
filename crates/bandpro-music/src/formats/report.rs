//! What an import found besides the score: warnings about what was skipped, and the
//! score-level details ([`Metadata`]) that the [`crate::ScoreView`] model does not hold.

use std::collections::HashMap;

use crate::clef::Clef;
use crate::error::FilePosition;

/// Most distinct warnings kept in a report; later ones are only counted in
/// [`ImportReport::dropped_warnings`].
pub const MAX_WARNINGS: usize = 1000;

/// One kind of thing the importer skipped or approximated, with the first place it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// Where it first happened.
    pub position: FilePosition,
    /// What was skipped or approximated, and why.
    pub message: String,
    /// How many times it happened in the file.
    pub count: u32,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.position, self.message)?;
        if self.count > 1 {
            write!(f, " ({} times)", self.count)?;
        }
        Ok(())
    }
}

/// The shape of the bracket drawn in front of a group of parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum GroupSymbol {
    /// No symbol.
    #[default]
    None,
    /// A curly brace (piano, harp).
    Brace,
    /// A square bracket with hooks (a section of the orchestra).
    Bracket,
    /// A plain vertical line.
    Line,
    /// A square bracket without hooks.
    Square,
}

/// A group of consecutive parts (woodwinds, strings, a choir), drawn with a bracket or brace.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PartGroup {
    /// First part of the group (0-based).
    pub first: usize,
    /// Last part of the group (inclusive).
    pub last: usize,
    /// Group name, if any ("Strings").
    pub name: Option<String>,
    /// The bracket drawn.
    pub symbol: GroupSymbol,
    /// Whether barlines are drawn through the group.
    pub barline: bool,
}

/// Per-part details that the model leaves out.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PartExtras {
    /// Short name for systems after the first ("Cl.").
    pub abbreviation: Option<String>,
    /// The clef each staff starts with (index = staff). Empty: the writer picks clefs from the
    /// instrument and the notes.
    pub clefs: Vec<Clef>,
    /// General MIDI program (0-based), when the file named one.
    pub midi_program: Option<u8>,
    /// MIDI channel (0-based), when the file named one.
    pub midi_channel: Option<u8>,
}

/// Score-level details that the [`crate::ScoreView`] model does not hold: titles, credits, part
/// groups, clefs. Readers fill it; writers take it as an option, so a file read and written again
/// keeps them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Metadata {
    /// Title of the work.
    pub title: Option<String>,
    /// Title of the movement (or a subtitle).
    pub movement_title: Option<String>,
    /// Composer.
    pub composer: Option<String>,
    /// Lyricist or poet.
    pub lyricist: Option<String>,
    /// Copyright notice.
    pub rights: Option<String>,
    /// Groups of parts.
    pub part_groups: Vec<PartGroup>,
    /// Per-part extras, in part order (may be shorter than the part list).
    pub parts: Vec<PartExtras>,
}

/// The outcome of an import besides the score itself.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImportReport {
    /// The format read (`"MusicXML"`, `"MXL"`, `"MIDI"`, `"ABC"`).
    pub format: &'static str,
    /// The format version declared by the file (`"4.0"` for MusicXML, `"1"` for a type 1
    /// MIDI file), if any.
    pub version: Option<String>,
    /// What was skipped or approximated, one entry per kind, in order of first occurrence.
    pub warnings: Vec<Warning>,
    /// Warnings beyond [`MAX_WARNINGS`] distinct ones.
    pub dropped_warnings: u64,
    /// Titles, part groups, clefs.
    pub metadata: Metadata,
    index: HashMap<String, usize>,
}

impl ImportReport {
    /// An empty report for a format.
    pub fn new(format: &'static str) -> ImportReport {
        ImportReport { format, ..ImportReport::default() }
    }

    /// Record a warning; repeated messages are counted, not repeated.
    pub fn warn(&mut self, position: impl FnOnce() -> FilePosition, message: impl Into<String>) {
        let message = message.into();
        if let Some(&i) = self.index.get(&message) {
            self.warnings[i].count = self.warnings[i].count.saturating_add(1);
            return;
        }
        if self.warnings.len() >= MAX_WARNINGS {
            self.dropped_warnings += 1;
            return;
        }
        self.index.insert(message.clone(), self.warnings.len());
        self.warnings.push(Warning { position: position(), message, count: 1 });
    }

    /// True if a warning containing `needle` was recorded.
    pub fn has_warning(&self, needle: &str) -> bool {
        self.warnings.iter().any(|w| w.message.contains(needle))
    }
}
