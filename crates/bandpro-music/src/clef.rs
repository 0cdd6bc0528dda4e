//! Clefs: which pitch sits on which staff line.
//!
//! ```
//! use bandpro_music::{Clef, Pitch};
//! let c4: Pitch = "C4".parse().unwrap();
//! assert_eq!(Clef::TREBLE.staff_position(c4), -2); // one ledger line below the staff
//! assert_eq!(Clef::ALTO.staff_position(c4), 4);    // middle line
//! assert_eq!(Clef::for_range("C2".parse().unwrap(), "E4".parse().unwrap()), Clef::BASS);
//! ```

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};
use crate::pitch::{Pitch, Step};

/// The clef symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClefSign {
    /// G clef (treble family).
    G,
    /// F clef (bass family).
    F,
    /// C clef (alto, tenor, soprano).
    C,
    /// Neutral clef for unpitched percussion.
    Percussion,
    /// Tablature.
    Tab,
}

/// A clef: sign, the staff line it sits on (1 = bottom line) and an octave shift (-1 for the
/// tenor voice's treble-8vb clef).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Clef {
    /// The symbol.
    pub sign: ClefSign,
    /// Staff line of the symbol's reference pitch, 1 (bottom) to 5 (top).
    pub line: u8,
    /// Octave transposition of the clef (-1 = sounds an octave lower than the treble clef).
    pub octave_change: i8,
}

impl Clef {
    /// Treble clef (G on line 2).
    pub const TREBLE: Clef = Clef { sign: ClefSign::G, line: 2, octave_change: 0 };
    /// Treble clef an octave down, for the tenor voice and guitar.
    pub const TREBLE_8VB: Clef = Clef { sign: ClefSign::G, line: 2, octave_change: -1 };
    /// Bass clef (F on line 4).
    pub const BASS: Clef = Clef { sign: ClefSign::F, line: 4, octave_change: 0 };
    /// Bass clef an octave down.
    pub const BASS_8VB: Clef = Clef { sign: ClefSign::F, line: 4, octave_change: -1 };
    /// Alto clef (C on line 3).
    pub const ALTO: Clef = Clef { sign: ClefSign::C, line: 3, octave_change: 0 };
    /// Tenor clef (C on line 4).
    pub const TENOR: Clef = Clef { sign: ClefSign::C, line: 4, octave_change: 0 };
    /// Soprano clef (C on line 1).
    pub const SOPRANO: Clef = Clef { sign: ClefSign::C, line: 1, octave_change: 0 };
    /// Percussion clef.
    pub const PERCUSSION: Clef = Clef { sign: ClefSign::Percussion, line: 3, octave_change: 0 };

    /// The pitch the clef symbol names (G4, F3 or C4), shifted by the octave change.
    pub fn reference(self) -> Pitch {
        let (step, octave) = match self.sign {
            ClefSign::G => (Step::G, 4),
            ClefSign::F => (Step::F, 3),
            ClefSign::C => (Step::C, 4),
            // Percussion and tab staves: treat the middle line as B4 like a treble staff.
            ClefSign::Percussion | ClefSign::Tab => (Step::B, 4),
        };
        Pitch::new(step, 0, octave + self.octave_change)
    }

    /// Staff position of a pitch: 0 is the bottom line, 1 the first space, 8 the top line;
    /// negative values and values above 8 need ledger lines.
    pub fn staff_position(self, pitch: Pitch) -> i32 {
        let line = if matches!(self.sign, ClefSign::Percussion | ClefSign::Tab) { 3 } else { self.line };
        let ref_pos = (line as i32 - 1) * 2;
        ref_pos + pitch.diatonic_index() - self.reference().diatonic_index()
    }

    /// Number of ledger lines a pitch needs.
    pub fn ledger_lines(self, pitch: Pitch) -> u32 {
        let p = self.staff_position(pitch);
        if p < -1 {
            ((-p) / 2) as u32
        } else if p > 9 {
            ((p - 8) / 2) as u32
        } else {
            0
        }
    }

    /// The clef among treble, bass, alto and tenor that needs the fewest ledger lines for a
    /// range (ties go to treble, then bass).
    pub fn for_range(low: Pitch, high: Pitch) -> Clef {
        [Clef::TREBLE, Clef::BASS, Clef::ALTO, Clef::TENOR]
            .into_iter()
            .min_by_key(|c| c.ledger_lines(low) + c.ledger_lines(high))
            .expect("non-empty")
    }
}

impl fmt::Display for Clef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match *self {
            Clef::TREBLE => "treble",
            Clef::TREBLE_8VB => "treble8vb",
            Clef::BASS => "bass",
            Clef::BASS_8VB => "bass8vb",
            Clef::ALTO => "alto",
            Clef::TENOR => "tenor",
            Clef::SOPRANO => "soprano",
            Clef::PERCUSSION => "percussion",
            c => {
                let sign = match c.sign {
                    ClefSign::G => "G",
                    ClefSign::F => "F",
                    ClefSign::C => "C",
                    ClefSign::Percussion => "percussion",
                    ClefSign::Tab => "TAB",
                };
                return write!(
                    f,
                    "{sign}{}{}",
                    c.line,
                    if c.octave_change != 0 { format!("{:+}", c.octave_change) } else { String::new() }
                );
            }
        };
        f.write_str(name)
    }
}

impl FromStr for Clef {
    type Err = Error;
    /// Parses names ("treble", "bass", "alto", "tenor", "soprano", "treble8vb", "bass8vb",
    /// "percussion") and sign+line ("G2", "F4", "C3").
    fn from_str(s: &str) -> Result<Clef> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "treble" | "g2" => Clef::TREBLE,
            "treble8vb" | "g2-1" => Clef::TREBLE_8VB,
            "bass" | "f4" => Clef::BASS,
            "bass8vb" | "f4-1" => Clef::BASS_8VB,
            "alto" | "c3" => Clef::ALTO,
            "tenor" | "c4" => Clef::TENOR,
            "soprano" | "c1" => Clef::SOPRANO,
            "percussion" => Clef::PERCUSSION,
            "tab" => Clef { sign: ClefSign::Tab, line: 5, octave_change: 0 },
            other => {
                let mut chars = other.chars();
                let sign = match chars.next() {
                    Some('g') => ClefSign::G,
                    Some('f') => ClefSign::F,
                    Some('c') => ClefSign::C,
                    _ => return Err(Error::InvalidClef(s.to_string())),
                };
                let line: u8 = chars.as_str().parse().map_err(|_| Error::InvalidClef(s.to_string()))?;
                if !(1..=5).contains(&line) {
                    return Err(Error::InvalidClef(s.to_string()));
                }
                Clef { sign, line, octave_change: 0 }
            }
        })
    }
}
