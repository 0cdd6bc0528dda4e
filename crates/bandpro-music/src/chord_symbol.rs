//! Chord qualities and lead-sheet chord symbols ("Csus4", "G7/B", "F#m7b5").
//!
//! Each [`ChordQuality`] has a template: its members as spelled intervals above the root, some
//! of them optional (the fifth of a seventh chord may be left out). Recognition
//! ([`crate::chord`]) matches sounding notes against these templates; chord symbols in scores
//! use the same qualities.
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
}

impl ChordQuality {
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
            other => other,
        };
        ChordQuality::ALL.iter().copied().find(|q| q.suffix() == canon)
    }
}

/// A lead-sheet chord symbol: root, quality and an optional different bass ("G7/B").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChordSymbol {
    /// The root.
    pub root: PitchName,
    /// The quality.
    pub quality: ChordQuality,
    /// The bass note, when not the root.
    pub bass: Option<PitchName>,
}

impl ChordSymbol {
    /// A root-position symbol.
    pub const fn new(root: PitchName, quality: ChordQuality) -> ChordSymbol {
        ChordSymbol { root, quality, bass: None }
    }

    /// The chord's pitch names, root first, in template order (optional members included).
    pub fn pitch_names(&self) -> Vec<PitchName> {
        self.quality
            .members()
            .iter()
            .filter_map(|m| {
                let iv = Interval::from_parts(m.steps as i32, m.semitones as i32);
                self.root.transpose(iv).ok()
            })
            .collect()
    }

    /// Pitch-class mask of all members (and the bass).
    pub fn mask(&self) -> u16 {
        let r = self.root.pitch_class();
        let m = self.quality.mask();
        let rotated = ((m << r) | (m >> (12 - r))) & 0xfff;
        rotated | self.bass.map_or(0, |b| 1 << b.pitch_class())
    }
}

impl fmt::Display for ChordSymbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.root, self.quality.suffix())?;
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
        // "6/9" contains a slash that is not a bass.
        let (suffix, bass) = if let Some(r) = rest.strip_prefix("6/9") {
            ("6/9", r.strip_prefix('/'))
        } else {
            match rest.split_once('/') {
                Some((q, b)) => (q, Some(b)),
                None => (rest, None),
            }
        };
        let quality = ChordQuality::from_suffix(suffix).ok_or_else(bad)?;
        let bass = bass.map(|b| b.parse::<PitchName>().map_err(|_| bad())).transpose()?;
        let bass = bass.filter(|b| *b != root);
        Ok(ChordSymbol { root, quality, bass })
    }
}
