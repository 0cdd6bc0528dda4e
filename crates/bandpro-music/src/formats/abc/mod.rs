//! ABC notation 2.1: read tune books, write a score as one tune.
//!
//! Reading supports the header fields `X: T: C: M: L: Q: K:` (with modes such as `K:Ddor` or
//! `K:A mixolydian`), inline fields (`[K:G]`, `[M:3/4]`, `[L:1/16]`, `[Q:1/4=90]`, `[V:2]`),
//! accidentals that carry to the end of the bar, broken rhythm (`>` `<` `>>`), tuplets
//! (`(3`, `(p:q:r`), ties, chords (`[CEG]`), chord symbols (`"G7"`), grace notes (`{g}`,
//! `{/g}`), slurs, decorations (`!p!`, `!trill!`, `.`, `~`, `H`, `T`), repeats and endings
//! (`|:`, `:|`, `::`, `[1`, `:|2`), multi-measure rests (`Z4`), invisible rests (`x`, `X4`:
//! time without an event, a gap in the voice), lyrics (`w:` with `-`, `_`, `*`, `~`), voices
//! (`V:`) and voice overlays (`&`). Broken input is an [`crate::Error::Format`] with the line
//! and column; what is not kept (text annotations, some decorations) is a warning.
//!
//! # Voices and parts
//!
//! ABC has voices (`V:`) where the score has parts, each with voices. They map so:
//!
//! - With a `%%score` directive (or `%%staves`, or the field `I:score`), the voices inside one
//!   pair of parentheses are one part, in the order given: `%%score (S A) (T B)` makes a
//!   part of soprano and alto and one of tenor and bass. A voice outside parentheses, or not
//!   named in the directive, is a part of its own. Braces and bars, which group staves on the
//!   page, do not join parts.
//! - Without one, voices with the same `name=` (or `nm=`) share a part; a voice without a
//!   name is a part of its own.
//! - Within a part, its `V:` voices are voices 0, 1, ... in the order they were declared; the
//!   overlays come after them: the `k`-th `&` of a bar is the `k`-th voice after the part's
//!   `V:` voices (voice `k` of a part made of one `V:` voice). An overlay starts at the bar
//!   line (ABC 2.1 section 7.4) with the key's accidentals, and its ties go on in the same
//!   overlay of the next bar. A part is named after the first of its voices that has a name.
//!
//! Writing produces one tune with `L:1/8`, explicit accidentals wherever the key and the bar
//! do not imply them, and `w:` lines. A score of one part with one voice has no `V:` field;
//! otherwise every voice of every part is a `V:` voice of its own, `V:P2V1 name="Alto"` for
//! voice 1 of part 2, and a `%%score` line puts the voices of each part in parentheses
//! (`%%score (P1V1 P1V2) P2V1`), so that reading the tune back gives the same parts and
//! voices, even where two parts have the same name. A voice with nothing in a measure fills it
//! with an invisible rest, so that bars line up; which staff of a part an event is on is not
//! written. Neither is transposition: every note is written at the pitch the event holds (its
//! written pitch) under the score's concert key, in every measure, whatever the part's
//! transposition there ([`crate::ScoreView::transposition`]); a tune read back sounds as
//! written.
//!
//! ```
//! use bandpro_music::formats::abc;
//! use bandpro_music::ScoreView;
//!
//! let book = "X:1\nT:Cooley's\nM:4/4\nL:1/8\nK:Edor\n|:D2|EB{c}BA B2 EB|~B2 AB dBAG:|\n";
//! let tunes = abc::read_book(book)?;
//! let (score, report) = &tunes[0];
//! assert_eq!(report.metadata.title.as_deref(), Some("Cooley's"));
//! assert_eq!(score.measure(0).key.to_string(), "E dorian");
//! assert!(score.measure(0).pickup);
//! let text = abc::write_with(score, &report.metadata);
//! assert!(text.contains("K:Edor"));
//! # Ok::<(), bandpro_music::Error>(())
//! ```

mod read;
mod write;

use crate::error::{Error, FilePosition, Result};
use crate::formats::limits;
use crate::formats::report::{ImportReport, Metadata};
use crate::score_model::SimpleScore;
use crate::view::ScoreView;

fn check_size(text: &str) -> Result<()> {
    if text.len() as u64 > limits::MAX_ABC_BYTES {
        return Err(Error::LimitExceeded {
            format: "ABC",
            position: FilePosition::Byte(limits::MAX_ABC_BYTES),
            what: "input bytes",
            limit: limits::MAX_ABC_BYTES,
        });
    }
    Ok(())
}

/// Read every tune of an ABC tune book (tunes start at `X:` lines).
pub fn read_book(text: &str) -> Result<Vec<(SimpleScore, ImportReport)>> {
    check_size(text)?;
    read::split_book(text).iter().map(read::read_tune).collect()
}

/// Read the first tune of an ABC text.
pub fn read(text: &str) -> Result<(SimpleScore, ImportReport)> {
    check_size(text)?;
    let tunes = read::split_book(text);
    let first = tunes.first().ok_or_else(|| Error::Format {
        format: "ABC",
        position: FilePosition::LineColumn { line: 1, column: 1 },
        message: "no tune (no `X:` or `K:` field)".into(),
    })?;
    read::read_tune(first)
}

/// Write a score as one ABC tune.
pub fn write(score: &dyn ScoreView) -> String {
    write::write(score, &Metadata::default())
}

/// Write a score as one ABC tune, with the title and composer of [`Metadata`].
pub fn write_with(score: &dyn ScoreView, metadata: &Metadata) -> String {
    write::write(score, metadata)
}
