//! Spelled pitches: step, alteration and octave.
//!
//! A [`Pitch`] keeps its spelling (C# and Db are different pitches with the same MIDI number), so
//! intervals and transpositions can be spelled correctly. A [`PitchName`] is a spelled pitch class
//! (no octave), used for keys, chord roots and chord symbols.
//!
//! Spellings live on the *line of fifths* (..., Bb, F, C, G, D, A, E, B, F#, ...): C is 0, each
//! sharp adds 7, each flat subtracts 7. Distances on that line measure how remote a spelling is
//! from a key.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// The seven diatonic note letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Step {
    /// C
    C = 0,
    /// D
    D = 1,
    /// E
    E = 2,
    /// F
    F = 3,
    /// G
    G = 4,
    /// A
    A = 5,
    /// B
    B = 6,
}

const STEP_SEMITONES: [i32; 7] = [0, 2, 4, 5, 7, 9, 11];
const STEP_FIFTHS: [i32; 7] = [0, 2, 4, -1, 1, 3, 5];

impl Step {
    /// All steps from C to B.
    pub const ALL: [Step; 7] = [Step::C, Step::D, Step::E, Step::F, Step::G, Step::A, Step::B];

    /// The step with index `i` modulo 7 (0 = C).
    pub const fn from_index(i: i32) -> Step {
        Step::ALL[i.rem_euclid(7) as usize]
    }

    /// Index 0..7 (C = 0).
    pub const fn index(self) -> i32 {
        self as i32
    }

    /// Semitones above C of the natural step.
    pub const fn semitones(self) -> i32 {
        STEP_SEMITONES[self as usize]
    }

    /// Position of the natural step on the line of fifths (F = -1, C = 0, ..., B = 5).
    pub const fn fifths(self) -> i32 {
        STEP_FIFTHS[self as usize]
    }

    /// The letter.
    pub const fn letter(self) -> char {
        ['C', 'D', 'E', 'F', 'G', 'A', 'B'][self as usize]
    }

    /// Parse a letter (either case).
    pub fn from_letter(c: char) -> Option<Step> {
        match c.to_ascii_uppercase() {
            'C' => Some(Step::C),
            'D' => Some(Step::D),
            'E' => Some(Step::E),
            'F' => Some(Step::F),
            'G' => Some(Step::G),
            'A' => Some(Step::A),
            'B' => Some(Step::B),
            _ => None,
        }
    }
}

/// Largest supported alteration (triple sharp); interval arithmetic on double sharps can need it.
pub const MAX_ALTER: i8 = 3;

fn check_alter(alter: i32) -> Result<i8> {
    if alter.abs() > MAX_ALTER as i32 { Err(Error::AlterOutOfRange(alter)) } else { Ok(alter as i8) }
}

fn write_alter(f: &mut fmt::Formatter<'_>, alter: i8) -> fmt::Result {
    let (sym, n) = if alter > 0 { ('#', alter) } else { ('b', -alter) };
    for _ in 0..n {
        write!(f, "{sym}")?;
    }
    Ok(())
}

/// Parse `#`, `##`, `x`, `b`, `bb` (and unicode sharps/flats) from the start of `s`.
fn parse_alter(s: &str) -> (i32, &str) {
    let mut alter = 0;
    let mut rest = s;
    loop {
        let mut chars = rest.chars();
        match chars.next() {
            Some('#') | Some('♯') => alter += 1,
            Some('x') | Some('𝄪') => alter += 2,
            Some('b') | Some('♭') => alter -= 1,
            Some('♮') => {}
            _ => return (alter, rest),
        }
        rest = chars.as_str();
    }
}

/// A spelled pitch class: a step and an alteration, no octave (`F#`, `Bb`, `Cx`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PitchName {
    /// The letter.
    pub step: Step,
    /// Semitones of alteration: -1 flat, +2 double sharp.
    pub alter: i8,
}

impl PitchName {
    /// A pitch name. Panics if `|alter| > 3` (use [`PitchName::try_new`] for input).
    pub const fn new(step: Step, alter: i8) -> PitchName {
        assert!(alter >= -MAX_ALTER && alter <= MAX_ALTER, "alteration out of range");
        PitchName { step, alter }
    }

    /// A pitch name, or an error for an alteration beyond triple sharp/flat.
    pub fn try_new(step: Step, alter: i32) -> Result<PitchName> {
        Ok(PitchName { step, alter: check_alter(alter)? })
    }

    /// Position on the line of fifths (C = 0, G = 1, F = -1, F# = 6, Bb = -2).
    pub const fn line_of_fifths(self) -> i32 {
        self.step.fifths() + 7 * self.alter as i32
    }

    /// The spelling at a line-of-fifths position, or an error if it needs more than three
    /// accidentals.
    pub fn from_line_of_fifths(lof: i32) -> Result<PitchName> {
        // Residues of lof + 1 modulo 7 run F, C, G, D, A, E, B.
        const BY_RESIDUE: [Step; 7] = [Step::F, Step::C, Step::G, Step::D, Step::A, Step::E, Step::B];
        let step = BY_RESIDUE[(lof + 1).rem_euclid(7) as usize];
        PitchName::try_new(step, (lof - step.fifths()) / 7)
    }

    /// Pitch class 0..12 (C = 0).
    pub const fn pitch_class(self) -> u8 {
        (self.step.semitones() + self.alter as i32).rem_euclid(12) as u8
    }

    /// This name at an octave.
    pub const fn at_octave(self, octave: i8) -> Pitch {
        Pitch { step: self.step, alter: self.alter, octave }
    }

    /// The spelling of pitch class `pc` nearest on the line of fifths to `center` (a
    /// line-of-fifths position, e.g. a key's centre). Ties go to the sharper spelling.
    pub fn nearest_spelling(pc: u8, center: i32) -> PitchName {
        // Positions with pitch class pc are lof0 + 12k where lof0 = pc * 7 mod 12.
        let lof0 = (pc as i32 * 7).rem_euclid(12);
        let k = ((center - lof0) as f64 / 12.0).round() as i32;
        let mut best = lof0 + 12 * k;
        for cand in [best - 12, best + 12] {
            let d = (cand - center).abs();
            let bd = (best - center).abs();
            if d < bd || (d == bd && cand > best) {
                best = cand;
            }
        }
        PitchName::from_line_of_fifths(best).expect("nearest spelling is within three accidentals")
    }
}

impl fmt::Display for PitchName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.step.letter())?;
        write_alter(f, self.alter)
    }
}

impl FromStr for PitchName {
    type Err = Error;
    fn from_str(s: &str) -> Result<PitchName> {
        let bad = || Error::InvalidPitch(s.to_string());
        let mut chars = s.chars();
        let step = chars.next().and_then(Step::from_letter).ok_or_else(bad)?;
        let (alter, rest) = parse_alter(chars.as_str());
        if !rest.is_empty() {
            return Err(bad());
        }
        PitchName::try_new(step, alter)
    }
}

/// A spelled pitch: step, alteration and octave (scientific pitch notation: C4 is middle C).
///
/// ```
/// use bandpro_music::Pitch;
/// let p: Pitch = "F##4".parse().unwrap();
/// assert_eq!(p.midi(), 67);
/// assert_eq!(p.to_string(), "F##4");
/// assert_eq!("Cb4".parse::<Pitch>().unwrap().midi(), 59);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Pitch {
    /// The letter.
    pub step: Step,
    /// Semitones of alteration (-3..=3).
    pub alter: i8,
    /// Octave of the *letter* (B#3 sounds as C4 but is in octave 3).
    pub octave: i8,
}

impl Pitch {
    /// A pitch. Panics on an alteration beyond triple sharp/flat; see [`Pitch::try_new`].
    pub const fn new(step: Step, alter: i8, octave: i8) -> Pitch {
        assert!(alter >= -MAX_ALTER && alter <= MAX_ALTER, "alteration out of range");
        Pitch { step, alter, octave }
    }

    /// A pitch, checking alteration (-3..=3) and octave (-1..=9).
    pub fn try_new(step: Step, alter: i32, octave: i32) -> Result<Pitch> {
        let alter = check_alter(alter)?;
        if !(-1..=9).contains(&octave) {
            return Err(Error::OctaveOutOfRange(octave));
        }
        Ok(Pitch { step, alter, octave: octave as i8 })
    }

    /// The spelled pitch class.
    pub const fn name(self) -> PitchName {
        PitchName { step: self.step, alter: self.alter }
    }

    /// MIDI key number (C4 = 60). May fall outside 0..=127 for extreme spellings.
    pub const fn midi(self) -> i32 {
        (self.octave as i32 + 1) * 12 + self.step.semitones() + self.alter as i32
    }

    /// Pitch class 0..12.
    pub const fn pitch_class(self) -> u8 {
        self.midi().rem_euclid(12) as u8
    }

    /// Diatonic position: `octave * 7 + step` (C4 = 28). Generic intervals are differences.
    pub const fn diatonic_index(self) -> i32 {
        self.octave as i32 * 7 + self.step.index()
    }

    /// Position of the spelling on the line of fifths.
    pub const fn line_of_fifths(self) -> i32 {
        self.name().line_of_fifths()
    }

    /// Frequency in Hz in twelve-tone equal temperament with the given A4.
    pub fn frequency_with_a4(self, a4_hz: f64) -> f64 {
        a4_hz * 2f64.powf((self.midi() - 69) as f64 / 12.0)
    }

    /// Frequency in Hz with A4 = 440 Hz.
    pub fn frequency(self) -> f64 {
        self.frequency_with_a4(440.0)
    }

    /// The default spelling of a MIDI number: sharps for black keys (use
    /// [`Pitch::from_midi_near`] to spell for a key).
    pub fn from_midi(midi: i32) -> Pitch {
        Pitch::from_midi_near(midi, 2)
    }

    /// Spell a MIDI number with the spelling nearest to `center` on the line of fifths (a key's
    /// centre: see [`crate::Key::spelling_center`]).
    pub fn from_midi_near(midi: i32, center: i32) -> Pitch {
        let name = PitchName::nearest_spelling(midi.rem_euclid(12) as u8, center);
        let natural = midi - name.alter as i32;
        let octave = natural.div_euclid(12) - 1;
        Pitch { step: name.step, alter: name.alter, octave: octave as i8 }
    }

    /// The same-sounding pitch spelled with step `step`, if that needs at most three accidentals.
    pub fn respell_with_step(self, step: Step) -> Option<Pitch> {
        let midi = self.midi();
        // The natural `step` closest to midi.
        let mut best: Option<Pitch> = None;
        for octave in (self.octave - 1)..=(self.octave + 1) {
            let natural = Pitch { step, alter: 0, octave }.midi();
            let alter = midi - natural;
            if alter.abs() <= MAX_ALTER as i32 {
                let cand = Pitch { step, alter: alter as i8, octave };
                if best.is_none_or(|b| alter.abs() < (b.alter as i32).abs()) {
                    best = Some(cand);
                }
            }
        }
        best
    }

    /// Enharmonic spellings of this pitch with at most two accidentals, this one included.
    pub fn enharmonics(self) -> impl Iterator<Item = Pitch> {
        Step::ALL.into_iter().filter_map(move |s| self.respell_with_step(s)).filter(|p| p.alter.abs() <= 2)
    }
}

impl fmt::Display for Pitch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.step.letter())?;
        write_alter(f, self.alter)?;
        write!(f, "{}", self.octave)
    }
}

impl FromStr for Pitch {
    type Err = Error;
    fn from_str(s: &str) -> Result<Pitch> {
        let bad = || Error::InvalidPitch(s.to_string());
        let mut chars = s.chars();
        let step = chars.next().and_then(Step::from_letter).ok_or_else(bad)?;
        let (alter, rest) = parse_alter(chars.as_str());
        let octave: i32 = rest.parse().map_err(|_| bad())?;
        Pitch::try_new(step, alter, octave)
    }
}

impl PartialOrd for Pitch {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Pitches order by sound (MIDI number), then by diatonic position, so B#3 < C4 though both
/// sound alike.
impl Ord for Pitch {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.midi()
            .cmp(&other.midi())
            .then(self.diatonic_index().cmp(&other.diatonic_index()))
            .then(self.alter.cmp(&other.alter))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_of_fifths_roundtrip() {
        for lof in -21..=21 {
            let n = PitchName::from_line_of_fifths(lof).unwrap();
            assert_eq!(n.line_of_fifths(), lof, "{n}");
        }
        assert_eq!(PitchName::from_line_of_fifths(6).unwrap().to_string(), "F#");
        assert_eq!(PitchName::from_line_of_fifths(-2).unwrap().to_string(), "Bb");
    }

    #[test]
    fn nearest_spelling_prefers_key() {
        assert_eq!(PitchName::nearest_spelling(1, 2).to_string(), "C#");
        assert_eq!(PitchName::nearest_spelling(1, -4).to_string(), "Db");
        assert_eq!(PitchName::nearest_spelling(10, 2).to_string(), "Bb");
    }
}
