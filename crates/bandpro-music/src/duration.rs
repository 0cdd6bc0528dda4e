//! Note values, dots and tuplets as exact rationals of a whole note.
//!
//! An event's duration is a plain [`Rational`]; this module names the values musicians write
//! (a dotted quarter, a triplet eighth) and finds the notation for a given duration.
//!
//! ```
//! use bandpro_music::{NoteType, NoteValue, Rational, TupletRatio};
//! let dotted_quarter = NoteValue::new(NoteType::Quarter, 1);
//! assert_eq!(dotted_quarter.value(), Rational::new(3, 8));
//! let triplet = TupletRatio::new(3, 2).unwrap();
//! assert_eq!(triplet.apply(NoteType::Eighth.value()), Rational::new(1, 12));
//! assert_eq!(NoteValue::from_value(Rational::new(7, 16)).unwrap().to_string(), "double-dotted quarter");
//! ```

use std::fmt;

use crate::error::{Error, Result};
use crate::rational::Rational;

/// The written note shapes, from breve to 256th.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NoteType {
    /// 2 whole notes.
    Breve,
    /// Whole note.
    Whole,
    /// Half note.
    Half,
    /// Quarter note.
    Quarter,
    /// Eighth note.
    Eighth,
    /// 16th note.
    Sixteenth,
    /// 32nd note.
    ThirtySecond,
    /// 64th note.
    SixtyFourth,
    /// 128th note.
    OneTwentyEighth,
    /// 256th note.
    TwoFiftySixth,
}

impl NoteType {
    /// All note types, longest first.
    pub const ALL: [NoteType; 10] = [
        NoteType::Breve,
        NoteType::Whole,
        NoteType::Half,
        NoteType::Quarter,
        NoteType::Eighth,
        NoteType::Sixteenth,
        NoteType::ThirtySecond,
        NoteType::SixtyFourth,
        NoteType::OneTwentyEighth,
        NoteType::TwoFiftySixth,
    ];

    /// Value in whole notes.
    pub const fn value(self) -> Rational {
        match self {
            NoteType::Breve => Rational::from_int(2),
            t => Rational::new(1, 1 << (t as i64 - 1)),
        }
    }

    /// The MusicXML name (`"quarter"`, `"16th"`).
    pub const fn name(self) -> &'static str {
        match self {
            NoteType::Breve => "breve",
            NoteType::Whole => "whole",
            NoteType::Half => "half",
            NoteType::Quarter => "quarter",
            NoteType::Eighth => "eighth",
            NoteType::Sixteenth => "16th",
            NoteType::ThirtySecond => "32nd",
            NoteType::SixtyFourth => "64th",
            NoteType::OneTwentyEighth => "128th",
            NoteType::TwoFiftySixth => "256th",
        }
    }

    /// The type whose value is exactly `value`, if any.
    pub fn from_value(value: Rational) -> Option<NoteType> {
        NoteType::ALL.into_iter().find(|t| t.value() == value)
    }

    /// From the denominator musicians use: 1 = whole, 4 = quarter, 16 = sixteenth.
    pub fn from_denominator(d: u32) -> Option<NoteType> {
        NoteType::from_value(Rational::new(1, d as i64))
    }
}

/// A note type with dots: the notation of an untupleted duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NoteValue {
    /// The note shape.
    pub base: NoteType,
    /// Number of augmentation dots (0..=4).
    pub dots: u8,
}

impl NoteValue {
    /// A note value.
    pub const fn new(base: NoteType, dots: u8) -> NoteValue {
        NoteValue { base, dots }
    }

    /// The exact value: `base * (2 - 1/2^dots)`.
    pub fn value(self) -> Rational {
        let b = self.base.value();
        b * Rational::new((1 << (self.dots + 1)) - 1, 1 << self.dots)
    }

    /// The note value (up to four dots) whose value is exactly `value`.
    pub fn from_value(value: Rational) -> Option<NoteValue> {
        if !value.is_positive() {
            return None;
        }
        for dots in 0..=4u8 {
            // value = base * (2^(d+1) - 1) / 2^d  =>  base = value * 2^d / (2^(d+1) - 1)
            let base = value * Rational::new(1 << dots, (1 << (dots + 1)) - 1);
            if let Some(t) = NoteType::from_value(base) {
                return Some(NoteValue { base: t, dots });
            }
        }
        None
    }
}

impl fmt::Display for NoteValue {
    /// "quarter", "dotted quarter", "double-dotted half".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let prefix = match self.dots {
            0 => "",
            1 => "dotted ",
            2 => "double-dotted ",
            3 => "triple-dotted ",
            _ => "quadruple-dotted ",
        };
        write!(f, "{prefix}{}", self.base.name())
    }
}

/// A tuplet ratio: `actual` notes in the time of `normal` (3:2 is a triplet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TupletRatio {
    /// Notes played.
    pub actual: u8,
    /// In the time of this many.
    pub normal: u8,
}

impl TupletRatio {
    /// A ratio; both numbers must be positive.
    pub fn new(actual: u8, normal: u8) -> Result<TupletRatio> {
        if actual == 0 || normal == 0 {
            return Err(Error::InvalidDuration(format!("tuplet {actual}:{normal}")));
        }
        Ok(TupletRatio { actual, normal })
    }

    /// Scale a written value to its sounding length: `value * normal / actual`.
    pub fn apply(self, value: Rational) -> Rational {
        value * Rational::new(self.normal as i64, self.actual as i64)
    }

    /// The ratio as a rational `normal/actual`.
    pub fn factor(self) -> Rational {
        Rational::new(self.normal as i64, self.actual as i64)
    }
}

impl fmt::Display for TupletRatio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.actual, self.normal)
    }
}
