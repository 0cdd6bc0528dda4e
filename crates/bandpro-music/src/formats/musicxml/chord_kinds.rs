//! MusicXML `<harmony>` kinds and degrees <-> [`ChordQuality`].
//!
//! MusicXML names a chord by a `kind` (`major-seventh`, `dominant`) and optional `degree`
//! alterations (`add 9`, `alter 5 -1`). The table below gives, for each quality of the model,
//! the kind and degrees the writer uses; the reader accepts exactly these combinations plus a few
//! common spellings of the same chords.

use crate::chord_symbol::ChordQuality;

/// A degree alteration: value, alter, type (`"add"`, `"alter"`, `"subtract"`).
pub(crate) type Degree = (u8, i8, &'static str);

/// Quality -> (kind, degrees).
const TABLE: &[(ChordQuality, &str, &[Degree])] = &[
    (ChordQuality::Major, "major", &[]),
    (ChordQuality::Minor, "minor", &[]),
    (ChordQuality::Diminished, "diminished", &[]),
    (ChordQuality::Augmented, "augmented", &[]),
    (ChordQuality::Dominant7, "dominant", &[]),
    (ChordQuality::Major7, "major-seventh", &[]),
    (ChordQuality::Minor7, "minor-seventh", &[]),
    (ChordQuality::HalfDiminished7, "half-diminished", &[]),
    (ChordQuality::Diminished7, "diminished-seventh", &[]),
    (ChordQuality::MinorMajor7, "major-minor", &[]),
    (ChordQuality::Sus4, "suspended-fourth", &[]),
    (ChordQuality::Sus2, "suspended-second", &[]),
    (ChordQuality::Major6, "major-sixth", &[]),
    (ChordQuality::Minor6, "minor-sixth", &[]),
    (ChordQuality::Power, "power", &[]),
    (ChordQuality::Augmented7, "augmented-seventh", &[]),
    (ChordQuality::AugmentedMajor7, "major-seventh", &[(5, 1, "alter")]),
    (ChordQuality::Dominant7Flat5, "dominant", &[(5, -1, "alter")]),
    (ChordQuality::Dominant7Sus4, "suspended-fourth", &[(7, 0, "add")]),
    (ChordQuality::Add9, "major", &[(9, 0, "add")]),
    (ChordQuality::MinorAdd9, "minor", &[(9, 0, "add")]),
    (ChordQuality::SixNine, "major-sixth", &[(9, 0, "add")]),
    (ChordQuality::Dominant9, "dominant-ninth", &[]),
    (ChordQuality::Major9, "major-ninth", &[]),
    (ChordQuality::Minor9, "minor-ninth", &[]),
    (ChordQuality::Dominant7Flat9, "dominant", &[(9, -1, "add")]),
    (ChordQuality::Dominant7Sharp9, "dominant", &[(9, 1, "add")]),
    (ChordQuality::Dominant7Sharp11, "dominant", &[(11, 1, "add")]),
    (ChordQuality::Dominant7Flat13, "dominant", &[(13, -1, "add")]),
    (ChordQuality::Dominant11, "dominant-11th", &[]),
    (ChordQuality::Minor11, "minor-11th", &[]),
    (ChordQuality::Dominant13, "dominant-13th", &[]),
    (ChordQuality::Major13, "major-13th", &[]),
    (ChordQuality::Minor13, "minor-13th", &[]),
];

/// The MusicXML kind and degrees for a quality.
pub(crate) fn to_kind(q: ChordQuality) -> (&'static str, &'static [Degree]) {
    TABLE.iter().find(|(x, _, _)| *x == q).map_or(("major", &[][..]), |(_, k, d)| (*k, *d))
}

/// The quality for a MusicXML kind and degrees, if the model has one.
pub(crate) fn from_kind(kind: &str, degrees: &[(u8, i8, String)]) -> Option<ChordQuality> {
    let kind = match kind {
        "augmented-ninth" if degrees.is_empty() => return None,
        "dominant-seventh" | "7" => "dominant",
        "major-minor-seventh" => "major-minor",
        "Tristan" | "Neapolitan" | "Italian" | "French" | "German" | "pedal" | "other" | "none" => {
            return None;
        }
        k => k,
    };
    // "add 2" is how some editors spell an added ninth.
    if degrees.len() == 1 && degrees[0].0 == 2 && degrees[0].1 == 0 && degrees[0].2 == "add" {
        match kind {
            "major" => return Some(ChordQuality::Add9),
            "minor" => return Some(ChordQuality::MinorAdd9),
            _ => {}
        }
    }
    TABLE
        .iter()
        .find(|(_, k, d)| {
            *k == kind
                && d.len() == degrees.len()
                && d.iter().zip(degrees).all(|(a, b)| a.0 == b.0 && a.1 == b.1 && a.2 == b.2)
        })
        .map(|(q, _, _)| *q)
}
