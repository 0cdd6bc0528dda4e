//! Intervals with spelling: a generic size (steps) and a specific size (semitones).
//!
//! An [`Interval`] is the pair (diatonic steps, chromatic semitones). That pair is exactly what
//! spelling needs: C# up a diminished third (2 steps, 2 semitones) is Eb, not D#.
//!
//! ```
//! use bandpro_music::{Interval, Pitch};
//! let d3: Interval = "d3".parse().unwrap();
//! let c_sharp: Pitch = "C#4".parse().unwrap();
//! assert_eq!(c_sharp.transpose(d3).unwrap().to_string(), "Eb4");
//! assert_eq!(Interval::between("C4".parse().unwrap(), "F#4".parse().unwrap()).name(), "augmented fourth");
//! ```

use std::fmt;
use std::ops::{Add, Neg, Sub};
use std::str::FromStr;

use crate::error::{Error, Result};
use crate::pitch::{MAX_ALTER, Pitch, PitchName, Step};

/// The quality of an interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quality {
    /// Diminished `n` times (1 = diminished, 2 = doubly diminished).
    Diminished(u8),
    /// Minor.
    Minor,
    /// Perfect.
    Perfect,
    /// Major.
    Major,
    /// Augmented `n` times.
    Augmented(u8),
}

impl Quality {
    /// Short symbol: `d`, `dd`, `m`, `P`, `M`, `A`, `AA`.
    pub fn symbol(self) -> String {
        match self {
            Quality::Diminished(n) => "d".repeat(n as usize),
            Quality::Minor => "m".into(),
            Quality::Perfect => "P".into(),
            Quality::Major => "M".into(),
            Quality::Augmented(n) => "A".repeat(n as usize),
        }
    }

    /// English word: "diminished", "doubly augmented", ...
    pub fn word(self) -> &'static str {
        match self {
            Quality::Diminished(1) => "diminished",
            Quality::Diminished(2) => "doubly diminished",
            Quality::Diminished(_) => "multiply diminished",
            Quality::Minor => "minor",
            Quality::Perfect => "perfect",
            Quality::Major => "major",
            Quality::Augmented(1) => "augmented",
            Quality::Augmented(2) => "doubly augmented",
            Quality::Augmented(_) => "multiply augmented",
        }
    }
}

const MAJOR_SCALE: [i32; 7] = [0, 2, 4, 5, 7, 9, 11];

/// True for the perfect-class generic sizes: unison, fourth, fifth (and their compounds).
const fn is_perfect_class(steps_mod7: i32) -> bool {
    matches!(steps_mod7, 0 | 3 | 4)
}

/// A spelled interval: `diatonic` steps (0 = unison, 2 = third, -1 = second down) and
/// `chromatic` semitones, signed together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Interval {
    diatonic: i32,
    chromatic: i32,
}

impl Interval {
    /// Perfect unison.
    pub const UNISON: Interval = Interval::from_parts(0, 0);
    /// Minor second.
    pub const MINOR_SECOND: Interval = Interval::from_parts(1, 1);
    /// Major second.
    pub const MAJOR_SECOND: Interval = Interval::from_parts(1, 2);
    /// Minor third.
    pub const MINOR_THIRD: Interval = Interval::from_parts(2, 3);
    /// Major third.
    pub const MAJOR_THIRD: Interval = Interval::from_parts(2, 4);
    /// Perfect fourth.
    pub const PERFECT_FOURTH: Interval = Interval::from_parts(3, 5);
    /// Augmented fourth.
    pub const AUGMENTED_FOURTH: Interval = Interval::from_parts(3, 6);
    /// Diminished fifth.
    pub const DIMINISHED_FIFTH: Interval = Interval::from_parts(4, 6);
    /// Perfect fifth.
    pub const PERFECT_FIFTH: Interval = Interval::from_parts(4, 7);
    /// Minor sixth.
    pub const MINOR_SIXTH: Interval = Interval::from_parts(5, 8);
    /// Major sixth.
    pub const MAJOR_SIXTH: Interval = Interval::from_parts(5, 9);
    /// Minor seventh.
    pub const MINOR_SEVENTH: Interval = Interval::from_parts(6, 10);
    /// Major seventh.
    pub const MAJOR_SEVENTH: Interval = Interval::from_parts(6, 11);
    /// Perfect octave.
    pub const OCTAVE: Interval = Interval::from_parts(7, 12);

    /// From raw parts: `diatonic` steps and `chromatic` semitones (same sign, or zero steps).
    pub const fn from_parts(diatonic: i32, chromatic: i32) -> Interval {
        Interval { diatonic, chromatic }
    }

    /// From a quality and a generic number (1 = unison, 3 = third, 10 = tenth), ascending.
    ///
    /// Errors when the quality does not exist for the number (a "perfect third").
    pub fn new(quality: Quality, number: u32) -> Result<Interval> {
        let bad = || Error::InvalidInterval(format!("{}{}", quality.symbol(), number));
        if number == 0 {
            return Err(bad());
        }
        let steps = number as i32 - 1;
        let base = MAJOR_SCALE[(steps % 7) as usize] + 12 * (steps / 7);
        let perfect = is_perfect_class(steps % 7);
        let offset = match (quality, perfect) {
            (Quality::Perfect, true) => 0,
            (Quality::Major, false) => 0,
            (Quality::Minor, false) => -1,
            (Quality::Augmented(n), _) => n as i32,
            (Quality::Diminished(n), true) => -(n as i32),
            (Quality::Diminished(n), false) => -(n as i32) - 1,
            _ => return Err(bad()),
        };
        Ok(Interval { diatonic: steps, chromatic: base + offset })
    }

    /// The interval from `a` up (or down) to `b`.
    pub const fn between(a: Pitch, b: Pitch) -> Interval {
        Interval { diatonic: b.diatonic_index() - a.diatonic_index(), chromatic: b.midi() - a.midi() }
    }

    /// Signed diatonic steps (0 = unison, 2 = third).
    pub const fn diatonic(self) -> i32 {
        self.diatonic
    }

    /// Signed semitones.
    pub const fn semitones(self) -> i32 {
        self.chromatic
    }

    /// True if the interval goes down.
    pub const fn is_descending(self) -> bool {
        self.diatonic < 0 || (self.diatonic == 0 && self.chromatic < 0)
    }

    /// The same interval going up.
    pub const fn abs(self) -> Interval {
        if self.is_descending() {
            Interval { diatonic: -self.diatonic, chromatic: -self.chromatic }
        } else {
            self
        }
    }

    /// Generic number, ignoring direction (1 = unison, 8 = octave, 10 = tenth).
    pub const fn number(self) -> u32 {
        self.diatonic.unsigned_abs() + 1
    }

    /// Quality, computed on the ascending form.
    pub fn quality(self) -> Quality {
        let a = self.abs();
        let steps = a.diatonic;
        let base = MAJOR_SCALE[(steps % 7) as usize] + 12 * (steps / 7);
        let diff = a.chromatic - base;
        if is_perfect_class(steps % 7) {
            match diff {
                0 => Quality::Perfect,
                d if d > 0 => Quality::Augmented(d.min(255) as u8),
                d => Quality::Diminished((-d).min(255) as u8),
            }
        } else {
            match diff {
                0 => Quality::Major,
                -1 => Quality::Minor,
                d if d > 0 => Quality::Augmented(d.min(255) as u8),
                d => Quality::Diminished((-d - 1).min(255) as u8),
            }
        }
    }

    /// The interval reduced to within an octave, keeping direction: a tenth becomes a third and
    /// an octave a unison.
    pub const fn simple(self) -> Interval {
        let desc = self.is_descending();
        let a = self.abs();
        let octaves = a.diatonic / 7;
        let r = Interval { diatonic: a.diatonic - 7 * octaves, chromatic: a.chromatic - 12 * octaves };
        if desc { Interval { diatonic: -r.diatonic, chromatic: -r.chromatic } } else { r }
    }

    /// True for unisons, fifths and octaves of perfect quality (compounds included), the
    /// intervals counterpoint forbids in parallel.
    pub fn is_perfect_consonance(self) -> bool {
        let s = self.abs().simple();
        matches!((s.diatonic, s.chromatic), (0, 0) | (4, 7))
    }

    /// The inversion within an octave: M3 <-> m6, P4 <-> P5, A4 <-> d5.
    pub const fn invert(self) -> Interval {
        let s = self.abs().simple();
        Interval { diatonic: 7 - s.diatonic, chromatic: 12 - s.chromatic }
    }

    /// Full English name: "augmented fourth", "minor tenth", "descending major second".
    pub fn name(self) -> String {
        let ord = ordinal_word(self.number());
        let q = self.quality().word();
        if self.is_descending() { format!("descending {q} {ord}") } else { format!("{q} {ord}") }
    }
}

fn ordinal_word(n: u32) -> String {
    const WORDS: [&str; 16] = [
        "",
        "unison",
        "second",
        "third",
        "fourth",
        "fifth",
        "sixth",
        "seventh",
        "octave",
        "ninth",
        "tenth",
        "eleventh",
        "twelfth",
        "thirteenth",
        "fourteenth",
        "fifteenth",
    ];
    if (n as usize) < WORDS.len() {
        WORDS[n as usize].to_string()
    } else {
        let suffix = match (n % 10, n % 100) {
            (1, r) if r != 11 => "st",
            (2, r) if r != 12 => "nd",
            (3, r) if r != 13 => "rd",
            _ => "th",
        };
        format!("{n}{suffix}")
    }
}

impl Add for Interval {
    type Output = Interval;
    fn add(self, rhs: Interval) -> Interval {
        Interval { diatonic: self.diatonic + rhs.diatonic, chromatic: self.chromatic + rhs.chromatic }
    }
}

impl Sub for Interval {
    type Output = Interval;
    fn sub(self, rhs: Interval) -> Interval {
        self + (-rhs)
    }
}

impl Neg for Interval {
    type Output = Interval;
    fn neg(self) -> Interval {
        Interval { diatonic: -self.diatonic, chromatic: -self.chromatic }
    }
}

impl fmt::Display for Interval {
    /// Short form: `M3`, `-P5`, `A4`, `m10`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_descending() {
            write!(f, "-")?;
        }
        write!(f, "{}{}", self.quality().symbol(), self.number())
    }
}

impl FromStr for Interval {
    type Err = Error;
    /// Parses `M3`, `m6`, `P5`, `A4`, `d5`, `AA4`, `dd7`, `m10`, and `-M2` for descending.
    fn from_str(s: &str) -> Result<Interval> {
        let bad = || Error::InvalidInterval(s.to_string());
        let (desc, rest) = match s.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, s.strip_prefix('+').unwrap_or(s)),
        };
        let split = rest.find(|c: char| c.is_ascii_digit()).ok_or_else(bad)?;
        let (q, n) = rest.split_at(split);
        let number: u32 = n.parse().map_err(|_| bad())?;
        let count = q.len() as u8;
        let quality = match q {
            "P" => Quality::Perfect,
            "M" => Quality::Major,
            "m" => Quality::Minor,
            _ if !q.is_empty() && q.chars().all(|c| c == 'A') => Quality::Augmented(count),
            _ if !q.is_empty() && q.chars().all(|c| c == 'd') => Quality::Diminished(count),
            _ => return Err(bad()),
        };
        let i = Interval::new(quality, number).map_err(|_| bad())?;
        Ok(if desc { -i } else { i })
    }
}

impl Pitch {
    /// This pitch moved by `interval`, spelled by the interval's generic size.
    ///
    /// Errors if the result would need more than three accidentals or leave octaves -1..=9.
    pub fn transpose(self, interval: Interval) -> Result<Pitch> {
        let di = self.diatonic_index() + interval.diatonic;
        let octave = di.div_euclid(7);
        let step = Step::from_index(di);
        let natural = (octave + 1) * 12 + step.semitones();
        let alter = self.midi() + interval.chromatic - natural;
        if alter.abs() > MAX_ALTER as i32 {
            return Err(Error::AlterOutOfRange(alter));
        }
        Pitch::try_new(step, alter, octave)
    }
}

impl PitchName {
    /// This pitch name moved by `interval` (octaves are ignored).
    pub fn transpose(self, interval: Interval) -> Result<PitchName> {
        Ok(self.at_octave(4).transpose(interval.simple())?.name())
    }

    /// The ascending interval (within an octave) from this name up to `other`.
    pub fn interval_to(self, other: PitchName) -> Interval {
        let a = self.at_octave(4);
        let mut b = other.at_octave(4);
        if b.diatonic_index() < a.diatonic_index() {
            b.octave += 1;
        }
        Interval::between(a, b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualities() {
        let q = |s: &str| s.parse::<Interval>().unwrap();
        assert_eq!(q("M3").semitones(), 4);
        assert_eq!(q("d3").semitones(), 2);
        assert_eq!(q("m10").semitones(), 15);
        assert_eq!(q("A4").invert(), q("d5"));
        assert!("P3".parse::<Interval>().is_err());
        assert_eq!(q("-M2").to_string(), "-M2");
        assert_eq!(q("dd7").semitones(), 8);
    }
}
