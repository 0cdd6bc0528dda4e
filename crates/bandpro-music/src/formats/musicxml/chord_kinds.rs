//! MusicXML `<harmony>` kinds and degrees <-> [`ChordQuality`] and [`Degrees`].
//!
//! MusicXML names a chord by a `kind` (`major-seventh`, `dominant`) and optional `degree`
//! alterations (`add 9`, `alter 5 -1`). The table below gives, for each quality of the model,
//! the kind and the degrees the writer uses for it; a symbol's own [`Degrees`] follow them.
//!
//! Reading takes the quality whose table degrees are the longest prefix of the file's degrees
//! (so `dominant` + `alter 5 -1` is `7b5`, and `dominant` + `alter 5 -1` + `add 9 1` is
//! `7b5(add#9)`), and keeps the remaining degrees on the symbol. When `<kind text="...">` names
//! a quality that fits the kind and degrees, that quality is taken instead: this is how a
//! file the writer wrote reads back to the same symbol (`C6(add9)` is not read as `C6/9`).

use crate::chord_symbol::{ChordQuality, DegreeKind, Degrees};

/// A degree alteration: value, alter, type (`"add"`, `"alter"`, `"subtract"`).
pub(crate) type Degree = (u8, i8, &'static str);

/// Quality -> (kind, degrees). Every quality is here (a unit test checks it).
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
    (ChordQuality::Major11, "major-11th", &[]),
    (ChordQuality::Neapolitan, "Neapolitan", &[]),
    (ChordQuality::Italian, "Italian", &[]),
    (ChordQuality::French, "French", &[]),
    (ChordQuality::German, "German", &[]),
    (ChordQuality::Pedal, "pedal", &[]),
    (ChordQuality::Tristan, "Tristan", &[]),
    (ChordQuality::Other, "other", &[]),
];

/// The MusicXML kind and degrees for a quality.
pub(crate) fn to_kind(q: ChordQuality) -> (&'static str, &'static [Degree]) {
    TABLE.iter().find(|(x, _, _)| *x == q).map_or(("major", &[][..]), |(_, k, d)| (*k, *d))
}

/// The MusicXML `degree-type` of a degree kind.
pub(crate) fn degree_type(kind: DegreeKind) -> &'static str {
    match kind {
        DegreeKind::Add => "add",
        DegreeKind::Alter => "alter",
        DegreeKind::Subtract => "subtract",
    }
}

/// The degree kind of a MusicXML `degree-type`.
pub(crate) fn degree_kind(ty: &str) -> Option<DegreeKind> {
    match ty {
        "add" => Some(DegreeKind::Add),
        "alter" => Some(DegreeKind::Alter),
        "subtract" => Some(DegreeKind::Subtract),
        _ => None,
    }
}

/// The kind as the table spells it: aliases resolved, and the capitalised kinds (`Tristan`)
/// matched in any case, as some editors write them.
fn canonical_kind(kind: &str) -> Option<&'static str> {
    let kind = match kind {
        "dominant-seventh" | "7" => "dominant",
        "major-minor-seventh" | "minor-major" | "minor-major-seventh" => "major-minor",
        k => k,
    };
    TABLE.iter().map(|(_, k, _)| *k).find(|k| k.eq_ignore_ascii_case(kind))
}

fn is_prefix(table: &[Degree], degrees: &[(u8, i8, String)]) -> bool {
    table.len() <= degrees.len()
        && table.iter().zip(degrees).all(|(a, b)| a.0 == b.0 && a.1 == b.1 && a.2 == b.2)
}

/// The quality for a MusicXML kind and degrees, with the number of leading degrees the quality
/// stands for (the others stay degree alterations of the symbol); `None` for a kind the model
/// has no quality for (`none`, unknown kinds). `text` is the `<kind text="...">` attribute.
pub(crate) fn from_kind(
    kind: &str,
    text: Option<&str>,
    degrees: &[(u8, i8, String)],
) -> Option<(ChordQuality, usize)> {
    let kind = canonical_kind(kind)?;
    if let Some(q) = text.and_then(ChordQuality::from_suffix) {
        let (k, d) = to_kind(q);
        if k == kind && is_prefix(d, degrees) {
            return Some((q, d.len()));
        }
    }
    // "add 2" is how some editors spell an added ninth.
    if let Some(first) = degrees.first()
        && first.0 == 2
        && first.1 == 0
        && first.2 == "add"
    {
        match kind {
            "major" => return Some((ChordQuality::Add9, 1)),
            "minor" => return Some((ChordQuality::MinorAdd9, 1)),
            _ => {}
        }
    }
    TABLE
        .iter()
        .filter(|(_, k, d)| *k == kind && is_prefix(d, degrees))
        .max_by_key(|(_, _, d)| d.len())
        .map(|(q, _, d)| (*q, d.len()))
}

/// The degrees a symbol writes after its quality's table degrees.
pub(crate) fn symbol_degrees(d: &Degrees) -> impl Iterator<Item = (u8, i8, &'static str)> + '_ {
    d.iter().map(|d| (d.value(), d.alter(), degree_type(d.kind())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_quality_has_a_kind() {
        for &q in ChordQuality::ALL {
            assert!(TABLE.iter().any(|(x, _, _)| *x == q), "{q:?}");
            let (k, d) = to_kind(q);
            let degrees: Vec<(u8, i8, String)> = d.iter().map(|x| (x.0, x.1, x.2.to_string())).collect();
            assert_eq!(from_kind(k, Some(q.suffix()), &degrees), Some((q, d.len())), "{q:?}");
        }
    }
}
