//! Keys and modes.
//!
//! A [`Key`] is a key signature (sharps positive, flats negative) plus a [`Mode`]; the tonic
//! follows from both (no sharps and Dorian is D Dorian).
//!
//! ```
//! use bandpro_music::{Key, Mode};
//! let k: Key = "F# minor".parse().unwrap();
//! assert_eq!(k.fifths(), 3);
//! assert_eq!(k.tonic().to_string(), "F#");
//! assert_eq!(Key::from_fifths(0, Mode::Dorian).unwrap().to_string(), "D dorian");
//! ```

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};
use crate::interval::Interval;
use crate::pitch::{PitchName, Step};

/// A mode: major, minor, or one of the church modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Major (Ionian).
    Major,
    /// Minor (natural minor is Aeolian; harmonic and melodic forms are treated as minor).
    Minor,
    /// Dorian.
    Dorian,
    /// Phrygian.
    Phrygian,
    /// Lydian.
    Lydian,
    /// Mixolydian.
    Mixolydian,
    /// Locrian.
    Locrian,
}

impl Mode {
    /// All modes.
    pub const ALL: [Mode; 7] = [
        Mode::Major,
        Mode::Minor,
        Mode::Dorian,
        Mode::Phrygian,
        Mode::Lydian,
        Mode::Mixolydian,
        Mode::Locrian,
    ];

    /// Line-of-fifths offset of the tonic from the signature's major tonic.
    pub const fn tonic_offset(self) -> i32 {
        match self {
            Mode::Major => 0,
            Mode::Minor => 3,
            Mode::Dorian => 2,
            Mode::Phrygian => 4,
            Mode::Lydian => -1,
            Mode::Mixolydian => 1,
            Mode::Locrian => 5,
        }
    }

    /// Lower-case name.
    pub const fn name(self) -> &'static str {
        match self {
            Mode::Major => "major",
            Mode::Minor => "minor",
            Mode::Dorian => "dorian",
            Mode::Phrygian => "phrygian",
            Mode::Lydian => "lydian",
            Mode::Mixolydian => "mixolydian",
            Mode::Locrian => "locrian",
        }
    }

    /// True for modes with a minor third above the tonic.
    pub const fn is_minor_like(self) -> bool {
        matches!(self, Mode::Minor | Mode::Dorian | Mode::Phrygian | Mode::Locrian)
    }
}

/// A key: signature (`fifths`: sharps > 0, flats < 0) and mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    fifths: i8,
    mode: Mode,
}

impl Key {
    /// C major.
    pub const C_MAJOR: Key = Key { fifths: 0, mode: Mode::Major };

    /// A key from its signature and mode. Errors beyond seven sharps or flats.
    pub fn from_fifths(fifths: i32, mode: Mode) -> Result<Key> {
        if !(-7..=7).contains(&fifths) {
            return Err(Error::InvalidKey(format!("{fifths} fifths")));
        }
        Ok(Key { fifths: fifths as i8, mode })
    }

    /// A key from its tonic and mode (`G#` minor has five sharps). Errors if the signature
    /// would need more than seven sharps or flats (G# major).
    pub fn new(tonic: PitchName, mode: Mode) -> Result<Key> {
        let fifths = tonic.line_of_fifths() - mode.tonic_offset();
        Key::from_fifths(fifths, mode).map_err(|_| Error::InvalidKey(format!("{tonic} {}", mode.name())))
    }

    /// Major key on `tonic`.
    pub fn major(tonic: PitchName) -> Result<Key> {
        Key::new(tonic, Mode::Major)
    }

    /// Minor key on `tonic`.
    pub fn minor(tonic: PitchName) -> Result<Key> {
        Key::new(tonic, Mode::Minor)
    }

    /// Sharps (positive) or flats (negative) in the signature.
    pub const fn fifths(self) -> i32 {
        self.fifths as i32
    }

    /// The mode.
    pub const fn mode(self) -> Mode {
        self.mode
    }

    /// The tonic.
    pub fn tonic(self) -> PitchName {
        PitchName::from_line_of_fifths(self.fifths as i32 + self.mode.tonic_offset())
            .expect("tonic of a key within seven accidentals")
    }

    /// The alteration the signature gives to `step` (F in G major: +1).
    pub const fn signature_alter(self, step: Step) -> i8 {
        // The signature's scale is the line-of-fifths window [fifths - 1, fifths + 5].
        (self.fifths as i32 + 5 - step.fifths()).div_euclid(7) as i8
    }

    /// The signature's spelling of `step`.
    pub const fn signature_name(self, step: Step) -> PitchName {
        PitchName { step, alter: self.signature_alter(step) }
    }

    /// Centre of the signature on the line of fifths (D for C major), used to choose spellings.
    pub const fn spelling_center(self) -> i32 {
        self.fifths as i32 + 2
    }

    /// The seven scale degrees from the tonic, as the signature spells them (natural minor for
    /// minor keys).
    pub fn scale(self) -> [PitchName; 7] {
        let t = self.tonic().step.index();
        std::array::from_fn(|i| self.signature_name(Step::from_index(t + i as i32)))
    }

    /// The leading tone: a semitone below the tonic (raised seventh degree in minor).
    pub fn leading_tone(self) -> PitchName {
        self.tonic()
            .transpose(Interval::MAJOR_SEVENTH)
            .expect("leading tone of a key within seven accidentals")
    }

    /// Scale degree (1..=7) of a name's step, with its chromatic deviation from the scale as
    /// spelled by the signature (in A minor, G# is degree 7 with +1).
    pub fn degree_of(self, name: PitchName) -> (u8, i8) {
        let t = self.tonic().step.index();
        let degree = (name.step.index() - t).rem_euclid(7) as u8 + 1;
        (degree, name.alter - self.signature_alter(name.step))
    }

    /// The relative key (same signature): C major <-> A minor. Church modes map to major.
    pub fn relative(self) -> Key {
        match self.mode {
            Mode::Major => Key { fifths: self.fifths, mode: Mode::Minor },
            _ => Key { fifths: self.fifths, mode: Mode::Major },
        }
    }

    /// The parallel key (same tonic): C major <-> C minor, if within seven accidentals.
    pub fn parallel(self) -> Result<Key> {
        let mode = if self.mode.is_minor_like() { Mode::Major } else { Mode::Minor };
        Key::new(self.tonic(), mode)
    }

    /// The key moved by an interval, or an error if it would need more than seven accidentals.
    pub fn transpose(self, interval: Interval) -> Result<Key> {
        Key::new(self.tonic().transpose(interval)?, self.mode)
    }
}

impl Default for Key {
    fn default() -> Self {
        Key::C_MAJOR
    }
}

impl fmt::Display for Key {
    /// "C major", "F# minor", "D dorian".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.tonic(), self.mode.name())
    }
}

impl FromStr for Key {
    type Err = Error;
    /// Parses "C major", "F# minor", "Bb", "g" (lower case tonic alone means minor), "D dorian".
    fn from_str(s: &str) -> Result<Key> {
        let bad = || Error::InvalidKey(s.to_string());
        let mut parts = s.split_whitespace();
        let tonic_str = parts.next().ok_or_else(bad)?;
        let mode_str = parts.next();
        if parts.next().is_some() {
            return Err(bad());
        }
        let lower = tonic_str.starts_with(|c: char| c.is_ascii_lowercase());
        let mut chars = tonic_str.chars();
        let first = chars.next().ok_or_else(bad)?.to_ascii_uppercase();
        let tonic: PitchName = format!("{first}{}", chars.as_str()).parse().map_err(|_| bad())?;
        let mode = match mode_str.map(|m| m.to_ascii_lowercase()) {
            None if lower => Mode::Minor,
            None => Mode::Major,
            Some(m) => Mode::ALL
                .into_iter()
                .find(|x| {
                    x.name() == m
                        || (m == "ionian" && *x == Mode::Major)
                        || (m == "aeolian" && *x == Mode::Minor)
                })
                .ok_or_else(bad)?,
        };
        Key::new(tonic, mode)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures() {
        let k: Key = "Eb major".parse().unwrap();
        assert_eq!(k.fifths(), -3);
        assert_eq!(k.signature_alter(Step::A), -1);
        assert_eq!(k.signature_alter(Step::D), 0);
        let scale: Vec<String> =
            "B major".parse::<Key>().unwrap().scale().iter().map(|n| n.to_string()).collect();
        assert_eq!(scale, ["B", "C#", "D#", "E", "F#", "G#", "A#"]);
        assert_eq!("a".parse::<Key>().unwrap().leading_tone().to_string(), "G#");
        assert!("G# major".parse::<Key>().is_err());
    }
}
