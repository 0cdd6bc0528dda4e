//! Chord qualities and lead-sheet chord symbols ("Csus4", "G7/B", "F#m7b5", "Cmaj7(add#11)").
//!
//! Each [`ChordQuality`] has a template: its members as spelled intervals above the root, some
//! of them optional (the fifth of a seventh chord may be left out). Recognition
//! ([`crate::chord`]) matches sounding notes against these templates; chord symbols in scores
//! use the same qualities, plus a few only symbols name ([`ChordQuality::recognised`]).
//!
//! A [`ChordSymbol`] adds up to four [`Degree`] alterations to its quality ("add#11", "b5",
//! "no3", MusicXML's `<degree>`), kept in a fixed-size [`Degrees`] so that symbols stay `Copy`.
//! Their text form is what bandpro-core stores, so `Display` and `FromStr` round-trip exactly.
//!
//! ```
//! use bandpro_music::ChordSymbol;
//! let s: ChordSymbol = "F#m7b5".parse().unwrap();
//! assert_eq!(s.pitch_names().iter().map(|n| n.to_string()).collect::<Vec<_>>(), ["F#", "A", "C", "E"]);
//! assert_eq!("G7/B".parse::<ChordSymbol>().unwrap().to_string(), "G7/B");
//! ```

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};
use crate::interval::Interval;
use crate::pitch::PitchName;

/// One member of a chord template: a spelled interval above the root.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Member {
    /// Chord-member number: 1 root, 3 third, 5 fifth, 7 seventh, 9, 11, 13; 2, 4 for sus and
    /// 6 for sixth chords.
    pub degree: u8,
    /// Generic steps above the root, modulo 7 (a third is 2).
    pub steps: u8,
    /// Semitones above the root, modulo 12.
    pub semitones: u8,
    /// May be left out and the chord still be named so.
    pub optional: bool,
}

const fn m(degree: u8, steps: u8, semitones: u8) -> Member {
    Member { degree, steps, semitones, optional: false }
}

const fn o(degree: u8, steps: u8, semitones: u8) -> Member {
    Member { degree, steps, semitones, optional: true }
}

const R: Member = m(1, 0, 0);
const M3: Member = m(3, 2, 4);
const MI3: Member = m(3, 2, 3);
const P5: Member = m(5, 4, 7);
const OP5: Member = o(5, 4, 7);
const D5: Member = m(5, 4, 6);
const A5: Member = m(5, 4, 8);
const MI7: Member = m(7, 6, 10);
const MA7: Member = m(7, 6, 11);
const D7: Member = m(7, 6, 9);
const M9: Member = m(9, 1, 2);
const OM9: Member = o(9, 1, 2);
const M6: Member = m(6, 5, 9);
const A6: Member = m(6, 5, 10);

macro_rules! qualities {
    ($( $(#[$doc:meta])* $name:ident => $sym:literal, $long:literal, [$($mem:expr),*] ;)*) => {
        /// Chord qualities, from the plainest to the most extended. The order is the tie-break
        /// order of recognition: earlier qualities win.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ChordQuality {
            $( $(#[$doc])* $name, )*
        }

        impl ChordQuality {
            /// All qualities in tie-break order.
            pub const ALL: &'static [ChordQuality] = &[$(ChordQuality::$name),*];

            /// The lead-sheet suffix ("", "m", "7", "maj7", "m7b5", "sus4").
            pub const fn suffix(self) -> &'static str {
                match self { $(ChordQuality::$name => $sym,)* }
            }

            /// The English name ("dominant seventh").
            pub const fn name(self) -> &'static str {
                match self { $(ChordQuality::$name => $long,)* }
            }

            /// The template: members above the root.
            pub const fn members(self) -> &'static [Member] {
                match self { $(ChordQuality::$name => { const M: &[Member] = &[$($mem),*]; M },)* }
            }
        }
    };
}

qualities! {
    /// Major triad: C E G.
    Major => "", "major triad", [R, M3, OP5];
    /// Minor triad: C Eb G.
    Minor => "m", "minor triad", [R, MI3, OP5];
    /// Diminished triad: C Eb Gb.
    Diminished => "dim", "diminished triad", [R, MI3, D5];
    /// Augmented triad: C E G#.
    Augmented => "aug", "augmented triad", [R, M3, A5];
    /// Dominant seventh: C E G Bb.
    Dominant7 => "7", "dominant seventh", [R, M3, OP5, MI7];
    /// Major seventh: C E G B.
    Major7 => "maj7", "major seventh", [R, M3, OP5, MA7];
    /// Minor seventh: C Eb G Bb.
    Minor7 => "m7", "minor seventh", [R, MI3, OP5, MI7];
    /// Half-diminished seventh: C Eb Gb Bb.
    HalfDiminished7 => "m7b5", "half-diminished seventh", [R, MI3, D5, MI7];
    /// Diminished seventh: C Eb Gb Bbb.
    Diminished7 => "dim7", "diminished seventh", [R, MI3, D5, D7];
    /// Minor-major seventh: C Eb G B.
    MinorMajor7 => "m(maj7)", "minor-major seventh", [R, MI3, OP5, MA7];
    /// Suspended fourth: C F G.
    Sus4 => "sus4", "suspended fourth", [R, m(4, 3, 5), P5];
    /// Suspended second: C D G.
    Sus2 => "sus2", "suspended second", [R, m(2, 1, 2), P5];
    /// Major sixth: C E G A.
    Major6 => "6", "major sixth", [R, M3, OP5, M6];
    /// Minor sixth: C Eb G A.
    Minor6 => "m6", "minor sixth", [R, MI3, OP5, M6];
    /// Power chord: C G.
    Power => "5", "power chord", [R, P5];
    /// Augmented (sharp-five) dominant seventh: C E G# Bb.
    Augmented7 => "7#5", "augmented seventh", [R, M3, A5, MI7];
    /// Augmented major seventh: C E G# B.
    AugmentedMajor7 => "maj7#5", "augmented major seventh", [R, M3, A5, MA7];
    /// Flat-five dominant seventh: C E Gb Bb.
    Dominant7Flat5 => "7b5", "dominant seventh flat five", [R, M3, D5, MI7];
    /// Suspended dominant seventh: C F G Bb.
    Dominant7Sus4 => "7sus4", "dominant seventh suspended fourth", [R, m(4, 3, 5), OP5, MI7];
    /// Added ninth: C E G D.
    Add9 => "add9", "added ninth", [R, M3, P5, M9];
    /// Minor added ninth: C Eb G D.
    MinorAdd9 => "madd9", "minor added ninth", [R, MI3, P5, M9];
    /// Six-nine: C E G A D.
    SixNine => "6/9", "six-nine", [R, M3, OP5, M6, M9];
    /// Dominant ninth: C E G Bb D.
    Dominant9 => "9", "dominant ninth", [R, M3, OP5, MI7, M9];
    /// Major ninth: C E G B D.
    Major9 => "maj9", "major ninth", [R, M3, OP5, MA7, M9];
    /// Minor ninth: C Eb G Bb D.
    Minor9 => "m9", "minor ninth", [R, MI3, OP5, MI7, M9];
    /// Dominant seventh with flat nine: C E G Bb Db.
    Dominant7Flat9 => "7b9", "dominant seventh flat nine", [R, M3, OP5, MI7, m(9, 1, 1)];
    /// Dominant seventh with sharp nine: C E G Bb D#.
    Dominant7Sharp9 => "7#9", "dominant seventh sharp nine", [R, M3, OP5, MI7, m(9, 1, 3)];
    /// Dominant seventh with sharp eleven: C E G Bb (D) F#.
    Dominant7Sharp11 => "7#11", "dominant seventh sharp eleven", [R, M3, OP5, MI7, OM9, m(11, 3, 6)];
    /// Dominant seventh with flat thirteen: C E (G) Bb Ab.
    Dominant7Flat13 => "7b13", "dominant seventh flat thirteen", [R, M3, OP5, MI7, m(13, 5, 8)];
    /// Dominant eleventh: C (E) (G) Bb (D) F.
    Dominant11 => "11", "dominant eleventh", [R, o(3, 2, 4), OP5, MI7, OM9, m(11, 3, 5)];
    /// Minor eleventh: C Eb (G) Bb (D) F.
    Minor11 => "m11", "minor eleventh", [R, MI3, OP5, MI7, OM9, m(11, 3, 5)];
    /// Dominant thirteenth: C E (G) Bb (D) A.
    Dominant13 => "13", "dominant thirteenth", [R, M3, OP5, MI7, OM9, m(13, 5, 9)];
    /// Major thirteenth: C E (G) B (D) A.
    Major13 => "maj13", "major thirteenth", [R, M3, OP5, MA7, OM9, m(13, 5, 9)];
    /// Minor thirteenth: C Eb (G) Bb (D) A.
    Minor13 => "m13", "minor thirteenth", [R, MI3, OP5, MI7, OM9, m(13, 5, 9)];
    // The qualities below are named by chord symbols (MusicXML `<kind>`s) but never proposed by
    // recognition: see `ChordQuality::recognised`.
    /// Major eleventh: C E (G) B (D) F.
    Major11 => "maj11", "major eleventh", [R, M3, OP5, MA7, OM9, m(11, 3, 5)];
    /// Neapolitan sixth, spelled from its own root (the lowered second degree of the key): a major
    /// triad, Db F Ab.
    Neapolitan => "N6", "Neapolitan sixth", [R, M3, P5];
    /// Italian augmented sixth, spelled from its root (the lowered sixth degree of the key, the
    /// bass in the usual position): Ab C F#.
    Italian => "It+6", "Italian augmented sixth", [R, M3, A6];
    /// French augmented sixth: Ab C D F#.
    French => "Fr+6", "French augmented sixth", [R, M3, m(4, 3, 6), A6];
    /// German augmented sixth: Ab C Eb F#.
    German => "Gr+6", "German augmented sixth", [R, M3, P5, A6];
    /// Pedal point: the root alone (MusicXML's `pedal`).
    Pedal => "pedal", "pedal point", [R];
    /// Tristan chord: F B D# G#, an augmented fourth, sixth and ninth above the root.
    Tristan => "Tristan", "Tristan chord", [R, m(4, 3, 6), A6, m(9, 1, 3)];
    /// A chord spelled by its degrees alone (MusicXML's `other`): the root, plus what the
    /// symbol's [`Degree`]s add ("Cother(add3,add5)").
    Other => "other", "chord spelled by its degrees", [R];
}

impl ChordQuality {
    /// True for the qualities chord recognition ([`crate::chord`]) proposes for sounding notes.
    /// The others (major eleventh, the functional sixths, pedal, Tristan, other) are only named
    /// by chord symbols: adding them to recognition would change what it calls familiar chords
    /// (a German sixth sounds like a dominant seventh, a pedal like any single note).
    pub const fn recognised(self) -> bool {
        (self as usize) < ChordQuality::Major11 as usize
    }

    /// True if the quality has a seventh (dominant, major, minor, half- or fully diminished...).
    pub fn has_seventh(self) -> bool {
        self.members().iter().any(|m| m.degree == 7)
    }

    /// The seventh member's semitones above the root, if any.
    pub fn seventh_semitones(self) -> Option<u8> {
        self.members().iter().find(|m| m.degree == 7).map(|m| m.semitones)
    }

    /// True for qualities that can act as a dominant: the major triad, and chords with a major
    /// third and a minor seventh.
    pub fn is_dominant(self) -> bool {
        let has = |s: u8, t: u8| self.members().iter().any(|m| m.steps == s && m.semitones == t);
        has(2, 4) && has(6, 10) || matches!(self, ChordQuality::Major)
    }

    /// Bit mask of the pitch classes above a root at 0 (all members, optional included).
    pub fn mask(self) -> u16 {
        self.members().iter().fold(0, |acc, m| acc | (1 << m.semitones))
    }

    /// The member with a given number of semitones above the root.
    pub fn member_at(self, semitones: u8) -> Option<Member> {
        self.members().iter().copied().find(|m| m.semitones == semitones % 12)
    }

    /// For each number of semitones above the root (0..12), the generic steps of the member
    /// there, or -1 if none: a table lookup for hot loops.
    pub fn steps_table(self) -> &'static [i8; 12] {
        static TABLES: std::sync::OnceLock<Vec<[i8; 12]>> = std::sync::OnceLock::new();
        let tables = TABLES.get_or_init(|| {
            ChordQuality::ALL
                .iter()
                .map(|q| {
                    let mut t = [-1i8; 12];
                    for m in q.members() {
                        t[m.semitones as usize] = m.steps as i8;
                    }
                    t
                })
                .collect()
        });
        &tables[self as usize]
    }

    /// Parse a suffix, accepting common aliases ("M7", "min7", "-7", "ø", "°7", "+").
    pub fn from_suffix(s: &str) -> Option<ChordQuality> {
        let canon = match s {
            "M" | "maj" | "major" => "",
            "min" | "-" | "mi" => "m",
            "°" | "o" | "dim" => "dim",
            "+" | "aug" => "aug",
            "M7" | "Maj7" | "Δ" | "Δ7" | "ma7" => "maj7",
            "min7" | "-7" | "mi7" => "m7",
            "ø" | "ø7" | "-7b5" | "min7b5" => "m7b5",
            "°7" | "o7" => "dim7",
            "mMaj7" | "mM7" | "m(M7)" | "-maj7" | "minmaj7" => "m(maj7)",
            "+7" | "aug7" | "7+5" => "7#5",
            "sus" => "sus4",
            "69" | "6add9" => "6/9",
            "2" => "add9",
            "M9" | "Maj9" => "maj9",
            "min9" | "-9" => "m9",
            "M13" | "Maj13" => "maj13",
            "-11" | "min11" => "m11",
            "-13" | "min13" => "m13",
            "-6" | "min6" => "m6",
            "M11" | "Maj11" | "ma11" => "maj11",
            "N" | "Neapolitan" => "N6",
            "It" | "It6" | "Italian" => "It+6",
            "Fr" | "Fr6" | "French" => "Fr+6",
            "Ger" | "Ger6" | "Ger+6" | "Gr6" | "German" => "Gr+6",
            "ped" => "pedal",
            "tristan" => "Tristan",
            other => other,
        };
        ChordQuality::ALL.iter().copied().find(|q| q.suffix() == canon)
    }
}

/// How a [`Degree`] changes a chord: MusicXML's `<degree-type>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DegreeKind {
    /// Adds a tone ("add9", "add#11"). Its alteration counts from a dominant chord's degree
    /// (major and perfect intervals, a minor seventh), as in MusicXML: "add b9" is a minor ninth.
    Add,
    /// Alters a tone of the chord ("b5", "#9"): the alteration counts from the chord's own tone.
    /// On a degree the chord does not have, the tone is added (counted as for [`DegreeKind::Add`]).
    Alter,
    /// Removes a tone of the chord ("no3"); nothing if the chord has no such degree.
    Subtract,
}

/// One degree alteration of a chord symbol: "add #11", "b5", "no 3".
///
/// The fields are private so that every value has a spelling [`ChordSymbol`]'s `Display` writes
/// and `FromStr` reads back: the value is 1 to [`Degree::MAX_VALUE`], the alteration at most
/// [`Degree::MAX_ALTER`] either way.
///
/// ```
/// use bandpro_music::chord_symbol::{Degree, DegreeKind};
/// let d = Degree::new(DegreeKind::Add, 11, 1)?;
/// assert_eq!(d.to_string(), "add#11");
/// assert!(Degree::new(DegreeKind::Alter, 14, 0).is_err());
/// # Ok::<(), bandpro_music::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Degree {
    kind: DegreeKind,
    value: u8,
    alter: i8,
}

/// Semitones above the root of each generic step in a dominant chord: what MusicXML counts an
/// added degree's alteration from.
const DOMINANT_SEMITONES: [u8; 7] = [0, 2, 4, 5, 7, 9, 10];

impl Degree {
    /// Largest degree value: a thirteenth.
    pub const MAX_VALUE: u8 = 13;
    /// Largest alteration either way: a double sharp or flat.
    pub const MAX_ALTER: i8 = 2;

    /// A degree alteration. Errors when `value` is not 1 to [`Degree::MAX_VALUE`] or `alter`
    /// is beyond [`Degree::MAX_ALTER`] either way.
    pub fn new(kind: DegreeKind, value: u8, alter: i8) -> Result<Degree> {
        if !(1..=Degree::MAX_VALUE).contains(&value) || alter.abs() > Degree::MAX_ALTER {
            let what = format!("{kind:?} {value} altered by {alter}").to_lowercase();
            return Err(Error::InvalidChordSymbol(format!(
                "degree {what}: the value must be 1 to {} and the alteration at most {} either way",
                Degree::MAX_VALUE,
                Degree::MAX_ALTER
            )));
        }
        Ok(Degree { kind, value, alter })
    }

    /// Add, alter or subtract.
    pub const fn kind(self) -> DegreeKind {
        self.kind
    }

    /// The degree: 1 root, 3 third, 5 fifth, 7 seventh, 9, 11, 13 (2, 4, 6 also occur).
    pub const fn value(self) -> u8 {
        self.value
    }

    /// The alteration in semitones (-1 flat, 1 sharp).
    pub const fn alter(self) -> i8 {
        self.alter
    }

    /// Generic steps above the root, modulo 7 (a ninth is 1, like a second).
    pub const fn steps(self) -> u8 {
        (self.value - 1) % 7
    }

    /// The tone an added degree stands for, in semitones above the root modulo 12.
    fn added_semitones(self) -> u8 {
        (DOMINANT_SEMITONES[self.steps() as usize] as i8 + self.alter).rem_euclid(12) as u8
    }
}

fn write_accidentals(f: &mut fmt::Formatter<'_>, alter: i8) -> fmt::Result {
    let sign = if alter > 0 { "#" } else { "b" };
    for _ in 0..alter.unsigned_abs() {
        f.write_str(sign)?;
    }
    Ok(())
}

/// "add#11", "b5", "♮5" (an alteration by nothing), "no3".
impl fmt::Display for Degree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            DegreeKind::Add => f.write_str("add")?,
            DegreeKind::Subtract => f.write_str("no")?,
            DegreeKind::Alter if self.alter == 0 => f.write_str("♮")?,
            DegreeKind::Alter => {}
        }
        write_accidentals(f, self.alter)?;
        write!(f, "{}", self.value)
    }
}

/// Reads what `Display` writes, and also "omit3" (subtract), a bare number ("C7(9)": add),
/// and `♯`/`♭` for `#`/`b`.
impl FromStr for Degree {
    type Err = Error;
    fn from_str(s: &str) -> Result<Degree> {
        let bad = || Error::InvalidChordSymbol(format!("degree `{s}`"));
        let t = s.trim();
        let (kind, rest) = if let Some(r) = t.strip_prefix("add") {
            (Some(DegreeKind::Add), r)
        } else if let Some(r) = t.strip_prefix("omit").or_else(|| t.strip_prefix("no")) {
            (Some(DegreeKind::Subtract), r)
        } else {
            (None, t)
        };
        let mut alter = 0i32;
        let mut natural = false;
        let mut digits = rest;
        for (i, c) in rest.char_indices() {
            match c {
                '#' | '♯' => alter += 1,
                'b' | '♭' => alter -= 1,
                '♮' => natural = true,
                _ => {
                    digits = &rest[i..];
                    break;
                }
            }
            digits = &rest[i + c.len_utf8()..];
        }
        if digits.is_empty() || digits.len() > 2 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        if natural && alter != 0 {
            return Err(bad());
        }
        let value: u8 = digits.parse().map_err(|_| bad())?;
        let kind = match kind {
            Some(k) => k,
            // "b5", "♮5": an alteration; "9" alone: an added ninth.
            None if alter != 0 || natural => DegreeKind::Alter,
            None => DegreeKind::Add,
        };
        let alter = i8::try_from(alter).map_err(|_| bad())?;
        Degree::new(kind, value, alter).map_err(|_| bad())
    }
}

/// Up to [`Degrees::MAX`] degree alterations of a chord symbol, in the order written.
///
/// A fixed-size array, so that [`ChordSymbol`] stays `Copy`.
///
/// ```
/// use bandpro_music::chord_symbol::{Degree, DegreeKind, Degrees};
/// let d = Degrees::from_slice(&[
///     Degree::new(DegreeKind::Alter, 5, 1)?,
///     Degree::new(DegreeKind::Add, 9, 1)?,
/// ])?;
/// assert_eq!(d.len(), 2);
/// assert_eq!(d.to_string(), "(#5,add#9)");
/// # Ok::<(), bandpro_music::Error>(())
/// ```
#[derive(Clone, Copy)]
pub struct Degrees {
    /// Slots beyond `len` always hold `PLACEHOLDER`.
    items: [Degree; Degrees::MAX],
    len: u8,
}

const PLACEHOLDER: Degree = Degree { kind: DegreeKind::Add, value: 1, alter: 0 };

impl Degrees {
    /// Most degree alterations a chord symbol carries. Real symbols use one to three ("7(b9,#11)",
    /// "(no3,b5)"); MusicXML readers warn about and drop any beyond.
    pub const MAX: usize = 4;
    /// None.
    pub const NONE: Degrees = Degrees { items: [PLACEHOLDER; Degrees::MAX], len: 0 };

    /// The degrees of a slice; errors with more than [`Degrees::MAX`].
    pub fn from_slice(degrees: &[Degree]) -> Result<Degrees> {
        let mut d = Degrees::NONE;
        for &x in degrees {
            d.push(x)?;
        }
        Ok(d)
    }

    /// Append a degree; errors when [`Degrees::MAX`] are there already.
    pub fn push(&mut self, degree: Degree) -> Result<()> {
        let n = self.len as usize;
        if n == Degrees::MAX {
            return Err(Error::InvalidChordSymbol(format!("more than {} degree alterations", Degrees::MAX)));
        }
        self.items[n] = degree;
        self.len += 1;
        Ok(())
    }

    /// The degrees, in order.
    pub fn as_slice(&self) -> &[Degree] {
        &self.items[..self.len as usize]
    }

    /// How many.
    pub const fn len(&self) -> usize {
        self.len as usize
    }

    /// True if there are none.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The degrees, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Degree> {
        self.as_slice().iter()
    }
}

impl Default for Degrees {
    fn default() -> Degrees {
        Degrees::NONE
    }
}

impl PartialEq for Degrees {
    fn eq(&self, other: &Degrees) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for Degrees {}

impl std::hash::Hash for Degrees {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state);
    }
}

impl fmt::Debug for Degrees {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

/// Nothing when empty, else "(b9,#11)".
impl fmt::Display for Degrees {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return Ok(());
        }
        f.write_str("(")?;
        for (i, d) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{d}")?;
        }
        f.write_str(")")
    }
}

impl<'a> IntoIterator for &'a Degrees {
    type Item = &'a Degree;
    type IntoIter = std::slice::Iter<'a, Degree>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// A lead-sheet chord symbol: root, quality, degree alterations and an optional bass
/// ("G7/B", "Cmaj7(add#11)", "B7(#5,add#9)", "C(no3,b5)").
///
/// `Display` writes root, quality suffix, degrees in parentheses and "/bass"; `FromStr` reads
/// back exactly what `Display` writes (`s.parse::<ChordSymbol>()?.to_string() == s`), and the
/// common aliases of [`ChordQuality::from_suffix`].
///
/// ```
/// use bandpro_music::ChordSymbol;
/// let s: ChordSymbol = "B7(#5,add#9)".parse()?;
/// assert_eq!(s.pitch_names().iter().map(|n| n.to_string()).collect::<Vec<_>>(), ["B", "D#", "F##", "A", "C##"]);
/// assert_eq!(s.to_string(), "B7(#5,add#9)");
/// # Ok::<(), bandpro_music::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChordSymbol {
    /// The root.
    pub root: PitchName,
    /// The quality.
    pub quality: ChordQuality,
    /// The bass note, when written ("G7/B"). Readers of score files leave it out when it is
    /// the root.
    pub bass: Option<PitchName>,
    /// Degree alterations of the quality, in the order written: "add#11", "b5", "no3".
    pub degrees: Degrees,
}

impl ChordSymbol {
    /// A root-position symbol without degree alterations.
    pub const fn new(root: PitchName, quality: ChordQuality) -> ChordSymbol {
        ChordSymbol { root, quality, bass: None, degrees: Degrees::NONE }
    }

    /// The same symbol over another bass (or none).
    pub const fn with_bass(self, bass: Option<PitchName>) -> ChordSymbol {
        ChordSymbol { bass, ..self }
    }

    /// The same symbol with other degree alterations.
    pub const fn with_degrees(self, degrees: Degrees) -> ChordSymbol {
        ChordSymbol { degrees, ..self }
    }

    /// The members after the degree alterations, in a fixed buffer (no allocation: validation
    /// asks for masks often). Ordered by degree number, root first.
    fn member_buf(&self) -> ([Member; 12], usize) {
        let mut buf = [R; 12];
        let mut n = 0;
        for m in self.quality.members() {
            buf[n] = *m;
            n += 1;
        }
        for d in self.degrees.iter() {
            let steps = d.steps();
            let at = buf[..n].iter().position(|m| m.steps == steps);
            match (d.kind(), at) {
                (DegreeKind::Subtract, _) => {
                    let mut k = 0;
                    for i in 0..n {
                        if buf[i].steps != steps {
                            buf[k] = buf[i];
                            k += 1;
                        }
                    }
                    n = k;
                }
                (DegreeKind::Alter, Some(i)) => {
                    buf[i].semitones = (buf[i].semitones as i8 + d.alter()).rem_euclid(12) as u8;
                    buf[i].optional = false;
                }
                (DegreeKind::Alter, None) | (DegreeKind::Add, _) => {
                    // 6 template members and 4 degrees at most: the buffer never fills.
                    buf[n] =
                        Member { degree: d.value(), steps, semitones: d.added_semitones(), optional: false };
                    n += 1;
                }
            }
        }
        buf[..n].sort_by_key(|m| m.degree);
        (buf, n)
    }

    /// The members: the quality's template with the degree alterations applied, ordered by
    /// degree number (root first, then third, fifth, ...; added tones in their place).
    pub fn members(&self) -> Vec<Member> {
        let (buf, n) = self.member_buf();
        buf[..n].to_vec()
    }

    /// The chord's pitch names, in the order of [`ChordSymbol::members`] (optional members
    /// included).
    pub fn pitch_names(&self) -> Vec<PitchName> {
        let (buf, n) = self.member_buf();
        buf[..n].iter().filter_map(|m| self.root.transpose(spelled(*m)).ok()).collect()
    }

    /// The chord tone in the bass of an inversion: 0 the root, 1 the third (or the second or
    /// fourth of a suspended chord), 2 the fifth, 3 the seventh (or sixth), and on up the
    /// members. `None` when the chord has fewer members.
    pub fn inversion_bass(&self, inversion: usize) -> Option<PitchName> {
        let (buf, n) = self.member_buf();
        buf[..n].get(inversion).and_then(|m| self.root.transpose(spelled(*m)).ok())
    }

    /// Pitch-class mask of the chord's tones (degree alterations applied), without the bass.
    pub fn tones(&self) -> u16 {
        let (buf, n) = self.member_buf();
        let r = self.root.pitch_class();
        buf[..n].iter().fold(0, |acc, m| acc | 1 << ((m.semitones + r) % 12))
    }

    /// Pitch-class mask of what the symbol allows: its tones and the bass.
    pub fn mask(&self) -> u16 {
        self.tones() | self.bass.map_or(0, |b| 1 << b.pitch_class())
    }
}

/// The spelled interval of a member: its generic steps, and the semitones nearest the natural
/// interval of those steps (a flat root is a diminished unison, not an augmented seventh).
fn spelled(m: Member) -> Interval {
    const NATURAL: [i32; 7] = [0, 2, 4, 5, 7, 9, 11];
    let natural = NATURAL[m.steps as usize % 7];
    let diff = (m.semitones as i32 - natural).rem_euclid(12);
    let diff = if diff > 6 { diff - 12 } else { diff };
    Interval::from_parts(m.steps as i32, natural + diff)
}

impl fmt::Display for ChordSymbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}{}", self.root, self.quality.suffix(), self.degrees)?;
        if let Some(b) = self.bass {
            write!(f, "/{b}")?;
        }
        Ok(())
    }
}

impl FromStr for ChordSymbol {
    type Err = Error;
    fn from_str(s: &str) -> Result<ChordSymbol> {
        let bad = || Error::InvalidChordSymbol(s.to_string());
        let s = s.trim();
        let mut chars = s.char_indices();
        // Root: letter plus accidentals (the first character may be any character, so the
        // root ends after its whole UTF-8 encoding, not after one byte).
        let (_, first) = chars.next().ok_or_else(bad)?;
        let mut end = first.len_utf8();
        for (i, c) in chars {
            if matches!(c, '#' | 'b' | '♯' | '♭') {
                end = i + c.len_utf8();
            } else {
                break;
            }
        }
        let root: PitchName = s[..end].parse().map_err(|_| bad())?;
        let rest = &s[end..];
        // The bass follows the last slash, when that names a pitch: the slash of "6/9" does not.
        let (body, bass) = match rest.rsplit_once('/') {
            Some((body, b)) => match b.parse::<PitchName>() {
                Ok(p) => (body, Some(p)),
                Err(_) => (rest, None),
            },
            None => (rest, None),
        };
        // Degrees in a last pair of parentheses, when they read as degrees: "m(maj7)" is a
        // quality.
        let (suffix, degrees) = match body.strip_suffix(')').and_then(|b| b.rsplit_once('(')) {
            Some((q, list)) => match parse_degrees(list) {
                Some(d) => (q, d),
                None => (body, Degrees::NONE),
            },
            None => (body, Degrees::NONE),
        };
        let quality = ChordQuality::from_suffix(suffix).ok_or_else(bad)?;
        Ok(ChordSymbol { root, quality, bass, degrees })
    }
}

fn parse_degrees(list: &str) -> Option<Degrees> {
    let mut d = Degrees::NONE;
    for item in list.split(',') {
        d.push(item.parse().ok()?).ok()?;
    }
    Some(d)
}
