//! Time signatures: simple (4/4), compound (6/8), irregular (7/8) and additive (3+2+2/8).
//!
//! A time signature knows its length, how it divides into beats (which may differ in length, as
//! in 3+2+2/8) and the metric level of any onset: how strong that position is.
//!
//! ```
//! use bandpro_music::{Rational, TimeSignature};
//! let ts: TimeSignature = "3+2+2/8".parse().unwrap();
//! assert_eq!(ts.length(), Rational::new(7, 8));
//! assert_eq!(ts.beats().collect::<Vec<_>>(), vec![Rational::new(3, 8), Rational::new(1, 4), Rational::new(1, 4)]);
//! let six_eight: TimeSignature = "6/8".parse().unwrap();
//! assert!(six_eight.is_compound());
//! assert_eq!(six_eight.beat_count(), 2);
//! ```

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};
use crate::rational::Rational;

const MAX_GROUPS: usize = 8;

/// A time signature, possibly additive (numerator written as a sum of groups).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimeSignature {
    groups: [u8; MAX_GROUPS],
    group_count: u8,
    denominator: u16,
}

impl TimeSignature {
    /// 4/4.
    pub const COMMON: TimeSignature = TimeSignature::simple_const(4, 4);

    const fn simple_const(numerator: u8, denominator: u16) -> TimeSignature {
        let mut groups = [0; MAX_GROUPS];
        groups[0] = numerator;
        TimeSignature { groups, group_count: 1, denominator }
    }

    /// `numerator/denominator`; the denominator must be a power of two up to 128.
    pub fn new(numerator: u8, denominator: u16) -> Result<TimeSignature> {
        TimeSignature::additive(&[numerator], denominator)
    }

    /// An additive signature such as 3+2+2/8 (up to eight groups).
    pub fn additive(groups: &[u8], denominator: u16) -> Result<TimeSignature> {
        let bad = || {
            let g: Vec<String> = groups.iter().map(|g| g.to_string()).collect();
            Error::InvalidTimeSignature(format!("{}/{}", g.join("+"), denominator))
        };
        if groups.is_empty()
            || groups.len() > MAX_GROUPS
            || groups.contains(&0)
            || !denominator.is_power_of_two()
            || denominator > 128
        {
            return Err(bad());
        }
        let mut g = [0; MAX_GROUPS];
        g[..groups.len()].copy_from_slice(groups);
        Ok(TimeSignature { groups: g, group_count: groups.len() as u8, denominator })
    }

    /// The numerator groups (one element unless additive).
    pub fn groups(&self) -> &[u8] {
        &self.groups[..self.group_count as usize]
    }

    /// The total numerator.
    pub fn numerator(&self) -> u32 {
        self.groups().iter().map(|&g| g as u32).sum()
    }

    /// The denominator.
    pub const fn denominator(&self) -> u16 {
        self.denominator
    }

    /// True for additive signatures written with several groups.
    pub const fn is_additive(&self) -> bool {
        self.group_count > 1
    }

    /// Length of a full measure in whole notes.
    pub fn length(&self) -> Rational {
        Rational::new(self.numerator() as i64, self.denominator as i64)
    }

    /// The unit of the denominator (1/8 for 6/8).
    pub fn unit(&self) -> Rational {
        Rational::new(1, self.denominator as i64)
    }

    /// Compound meters: a single numerator group of 6, 9, 12, ... (beats are dotted).
    pub fn is_compound(&self) -> bool {
        let n = self.numerator();
        !self.is_additive() && n > 3 && n.is_multiple_of(3) && self.denominator >= 4
    }

    /// Number of beats.
    pub fn beat_count(&self) -> usize {
        let n = self.numerator() as usize;
        if self.is_additive() {
            self.group_count as usize
        } else if self.is_compound() {
            n / 3
        } else if self.is_irregular() {
            if n == 5 { 2 } else { (n - 3) / 2 + 1 }
        } else {
            n
        }
    }

    /// Irregular meters: an odd numerator of 5 or more over eighths or shorter (5/8, 7/8).
    fn is_irregular(&self) -> bool {
        let n = self.numerator();
        !self.is_additive() && self.denominator >= 8 && n >= 5 && n % 2 == 1 && !self.is_compound()
    }

    /// Length of beat `i` in denominator units (3 for a dotted beat in 6/8).
    fn beat_units(&self, i: usize) -> u32 {
        let n = self.numerator() as usize;
        if self.is_additive() {
            self.groups[i] as u32
        } else if self.is_compound() {
            3
        } else if self.is_irregular() {
            let count = self.beat_count();
            match (n, i) {
                (5, 0) => 3,
                (5, _) => 2,
                _ if i + 1 == count => 3,
                _ => 2,
            }
        } else {
            1
        }
    }

    /// Beat lengths, in order. Simple meters beat on the denominator, compound on dotted
    /// units; additive meters beat once per group; irregular numerators (5, 7, 11 eighths) are
    /// grouped in twos with one three (5 = 3+2, 7 = 2+2+3).
    pub fn beats(&self) -> impl Iterator<Item = Rational> + '_ {
        let unit = self.unit();
        (0..self.beat_count()).map(move |i| unit * Rational::from_int(self.beat_units(i) as i64))
    }

    /// The beat containing `onset` (0-based) and the offset of `onset` inside it. Onsets past
    /// the end belong to the last beat.
    pub fn beat_of(&self, onset: Rational) -> (usize, Rational) {
        let mut start = Rational::ZERO;
        let count = self.beat_count();
        for (i, len) in self.beats().enumerate() {
            if onset < start + len || i + 1 == count {
                return (i, onset - start);
            }
            start += len;
        }
        (0, onset)
    }

    /// The 1-based beat position as a rational in beats: beat 1 is the downbeat, 2.5 is halfway
    /// through the second beat.
    pub fn beat_position(&self, onset: Rational) -> Rational {
        if !self.is_additive() && !self.is_compound() && !self.is_irregular() {
            // Every beat is one denominator unit.
            return onset * Rational::from_int(self.denominator as i64) + Rational::ONE;
        }
        let (i, off) = self.beat_of(onset);
        let len = self.unit() * Rational::from_int(self.beat_units(i) as i64);
        Rational::from_int(i as i64 + 1) + off / len
    }

    /// Metric level of an onset: 0 is the downbeat, 1 the next strongest beats (the middle of a
    /// four-beat measure, the other beats of two- or three-beat measures, the group starts of
    /// additive meters), then each subdivision of the beat one level weaker. Positions off the
    /// duple/triple grid (tuplets) get [`TimeSignature::OFF_GRID`].
    pub fn metric_level(&self, onset: Rational) -> u8 {
        if onset.is_zero() {
            return 0;
        }
        let (i, off) = self.beat_of(onset);
        let four = self.beat_count() == 4 && !self.is_additive();
        if off.is_zero() {
            return if four && i != 2 { 2 } else { 1 };
        }
        let base = if four { 3 } else { 2 };
        let units = self.beat_units(i) as i64;
        // Subdivide: a beat of three units first splits in three, then everything in two.
        let mut div = if units == 3 { self.unit() } else { self.unit() * Rational::new(units, 2) };
        for level in base..base + 8 {
            if (off / div).is_integer() {
                return level;
            }
            div = div / Rational::from_int(2);
        }
        TimeSignature::OFF_GRID
    }

    /// Level returned for positions outside the metric grid.
    pub const OFF_GRID: u8 = 20;
}

impl Default for TimeSignature {
    fn default() -> Self {
        TimeSignature::COMMON
    }
}

impl fmt::Display for TimeSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let g: Vec<String> = self.groups().iter().map(|g| g.to_string()).collect();
        write!(f, "{}/{}", g.join("+"), self.denominator)
    }
}

impl fmt::Debug for TimeSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TimeSignature({self})")
    }
}

impl FromStr for TimeSignature {
    type Err = Error;
    /// Parses "4/4", "6/8", "3+2+2/8", "C" (4/4) and "C|" (2/2).
    fn from_str(s: &str) -> Result<TimeSignature> {
        let bad = || Error::InvalidTimeSignature(s.to_string());
        match s.trim() {
            "C" => return TimeSignature::new(4, 4),
            "C|" => return TimeSignature::new(2, 2),
            _ => {}
        }
        let (n, d) = s.trim().split_once('/').ok_or_else(bad)?;
        let groups: Vec<u8> =
            n.split('+').map(|g| g.trim().parse::<u8>().map_err(|_| bad())).collect::<Result<_>>()?;
        let d: u16 = d.trim().parse().map_err(|_| bad())?;
        TimeSignature::additive(&groups, d).map_err(|_| bad())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels() {
        let ts = TimeSignature::COMMON;
        let lv = |n, d| ts.metric_level(Rational::new(n, d));
        assert_eq!([lv(0, 1), lv(1, 2), lv(1, 4), lv(1, 8), lv(1, 16)], [0, 1, 2, 3, 4]);
        let ts: TimeSignature = "6/8".parse().unwrap();
        assert_eq!(ts.metric_level(Rational::new(3, 8)), 1);
        assert_eq!(ts.metric_level(Rational::new(1, 8)), 2);
        assert_eq!(ts.metric_level(Rational::new(1, 16)), 3);
        assert_eq!(ts.metric_level(Rational::new(1, 12)), TimeSignature::OFF_GRID);
    }
}
