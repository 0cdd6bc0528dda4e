//! Roman numeral analysis of a chord in a key.
//!
//! Diatonic chords get plain numerals (case by the third, `°` `ø` `+` by quality, inversion
//! figures: `V65`, `ii6`, `I64`); in minor keys the raised sixth and seventh count as diatonic
//! (so `V` and `vii°7` are diatonic in minor). Otherwise, in order: augmented sixths (`It+6`,
//! `Fr+6`, `Ger+6`), the Neapolitan (`N6`), secondary dominants and leading-tone chords
//! (`V7/V`, `vii°7/ii`), chords borrowed from the parallel mode (`bVI`, `iv`, `iiø7`), and
//! finally a chromatic numeral with an accidental.
//!
//! ```
//! use bandpro_music::roman::roman_numeral_of;
//! use bandpro_music::{Key, Pitch};
//! let p = |s: &str| s.parse::<Pitch>().unwrap();
//! let c: Key = "C major".parse().unwrap();
//! assert_eq!(roman_numeral_of(&[p("D4"), p("F#4"), p("A4"), p("C5")], c).unwrap().figure, "V7/V");
//! assert_eq!(roman_numeral_of(&[p("F4"), p("Ab4"), p("Db5")], c).unwrap().figure, "N6");
//! assert_eq!(roman_numeral_of(&[p("Ab3"), p("C4"), p("Eb4"), p("F#4")], c).unwrap().figure, "Ger+6");
//! ```

use std::fmt;

use crate::chord::{Chord, identify};
use crate::chord_symbol::ChordQuality;
use crate::interval::Interval;
use crate::key::{Key, Mode};
use crate::pitch::{Pitch, PitchName};

/// What kind of chord the numeral describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Function {
    /// Built on the key's scale.
    Diatonic,
    /// A dominant or leading-tone chord of another degree (`V7/V`).
    Secondary,
    /// The Neapolitan (major triad on the lowered second degree).
    Neapolitan,
    /// Italian augmented sixth.
    ItalianSixth,
    /// French augmented sixth.
    FrenchSixth,
    /// German augmented sixth.
    GermanSixth,
    /// Borrowed from the parallel mode.
    Borrowed,
    /// Any other chromatic chord.
    Chromatic,
}

/// A roman-numeral reading of a chord.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RomanNumeral {
    /// The figure as written: "V7/V", "N6", "bVI", "viiø7", "I64".
    pub figure: String,
    /// Scale degree (1..=7) of the chord's root in the key (for a secondary chord, of its own
    /// root; for augmented sixths, of the lowered sixth).
    pub degree: u8,
    /// The degree tonicised by a secondary chord (5 for `V/V`).
    pub secondary_of: Option<u8>,
    /// The kind of chord.
    pub function: Function,
    /// The chord read, if it has a template (augmented sixths have none).
    pub chord: Option<Chord>,
}

impl fmt::Display for RomanNumeral {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.figure)
    }
}

const NUMERALS: [&str; 7] = ["I", "II", "III", "IV", "V", "VI", "VII"];

/// Names allowed as diatonic in a key: the signature's scale, plus raised 6 and 7 in minor.
fn diatonic_names(key: Key) -> Vec<PitchName> {
    let scale = key.scale();
    let mut v = scale.to_vec();
    if key.mode() == Mode::Minor {
        for deg in [5usize, 6] {
            let n = scale[deg];
            v.push(PitchName { step: n.step, alter: n.alter + 1 });
        }
    }
    v
}

fn all_in(names: &[PitchName], set: &[PitchName]) -> bool {
    names.iter().all(|n| set.contains(n))
}

/// The numeral body for a chord on a degree: case from the third, quality signs, figures.
fn numeral_body(chord: &Chord, degree: u8) -> String {
    use ChordQuality::*;
    let base = NUMERALS[(degree - 1) as usize];
    let minor_third = chord.quality.members().iter().any(|m| m.degree == 3 && m.semitones == 3);
    let upper = !minor_third;
    let mut s = if upper { base.to_string() } else { base.to_lowercase() };
    let figs = chord.figures();
    match chord.quality {
        Diminished => {
            s.push('°');
            s.push_str(&figs);
        }
        Diminished7 => {
            s.push('°');
            s.push_str(&figs);
        }
        HalfDiminished7 => {
            s.push('ø');
            s.push_str(&figs);
        }
        Augmented => {
            s.push('+');
            s.push_str(&figs);
        }
        Augmented7 => {
            s.push('+');
            s.push_str(&figs);
        }
        Major | Minor | Dominant7 | Major7 | Minor7 | MinorMajor7 => s.push_str(&figs),
        q => s.push_str(q.suffix().trim_start_matches('m')),
    }
    s
}

fn accidental_prefix(alter: i8) -> String {
    match alter {
        0 => String::new(),
        a if a < 0 => "b".repeat((-a) as usize),
        a => "#".repeat(a as usize),
    }
}

fn augmented_sixth(pitches: &[Pitch], key: Key) -> Option<RomanNumeral> {
    let tonic = key.tonic();
    let tpc = tonic.pitch_class() as i32;
    let rel = |p: &Pitch| (p.pitch_class() as i32 - tpc).rem_euclid(12);
    let deg = |p: &Pitch| (p.step.index() - tonic.step.index()).rem_euclid(7) + 1;
    // The defining augmented sixth: lowered 6 (a minor sixth above the tonic) and raised 4.
    let has_b6 = pitches.iter().any(|p| rel(p) == 8 && deg(p) == 6);
    let has_s4 = pitches.iter().any(|p| rel(p) == 6 && deg(p) == 4);
    if !has_b6 || !has_s4 {
        return None;
    }
    let mask = pitches.iter().fold(0u16, |m, p| m | 1 << rel(p));
    let (function, figure) = match mask {
        m if m == (1 << 8 | 1 | 1 << 6) => (Function::ItalianSixth, "It+6"),
        m if m == (1 << 8 | 1 | 1 << 2 | 1 << 6) => (Function::FrenchSixth, "Fr+6"),
        m if m == (1 << 8 | 1 | 1 << 3 | 1 << 6) => (Function::GermanSixth, "Ger+6"),
        _ => return None,
    };
    Some(RomanNumeral { figure: figure.into(), degree: 6, secondary_of: None, function, chord: None })
}

/// Roman numeral of a set of sounding pitches in a key (augmented sixths need the pitches, so
/// prefer this to [`roman_numeral`] when you have them).
pub fn roman_numeral_of(pitches: &[Pitch], key: Key) -> Option<RomanNumeral> {
    if let Some(r) = augmented_sixth(pitches, key) {
        return Some(r);
    }
    identify(pitches).map(|c| roman_numeral(&c, key))
}

/// Roman numeral of a recognised chord in a key.
pub fn roman_numeral(chord: &Chord, key: Key) -> RomanNumeral {
    let tonic = key.tonic();
    let names = chord.member_names();
    let degree = ((chord.root.step.index() - tonic.step.index()).rem_euclid(7) + 1) as u8;
    let mk = |figure: String, function, secondary_of| RomanNumeral {
        figure,
        degree,
        secondary_of,
        function,
        chord: Some(*chord),
    };

    // Neapolitan: a major triad on the lowered second degree.
    let b2 = tonic.transpose(Interval::MINOR_SECOND).ok();
    if chord.quality == ChordQuality::Major && Some(chord.root) == b2 && key.mode() != Mode::Phrygian {
        let figs = chord.figures();
        return mk(format!("N{figs}"), Function::Neapolitan, None);
    }

    if all_in(&names, &diatonic_names(key)) {
        return mk(numeral_body(chord, degree), Function::Diatonic, None);
    }

    // Secondary dominants: major triad or dominant-family chord a fifth above a degree.
    let scale = diatonic_names(key);
    let diatonic_triad_ok = |target: PitchName| -> Option<u8> {
        let d = ((target.step.index() - tonic.step.index()).rem_euclid(7) + 1) as u8;
        if d == 1 || !scale.contains(&target) {
            return None;
        }
        // The tonicised degree must carry a major or minor triad in the key.
        let third = target.transpose(Interval::MINOR_THIRD).ok()?;
        let maj_third = target.transpose(Interval::MAJOR_THIRD).ok()?;
        let fifth = target.transpose(Interval::PERFECT_FIFTH).ok()?;
        let ok = scale.contains(&fifth) && (scale.contains(&third) || scale.contains(&maj_third));
        ok.then_some(d)
    };
    let dominant_like = matches!(
        chord.quality,
        ChordQuality::Major
            | ChordQuality::Dominant7
            | ChordQuality::Dominant9
            | ChordQuality::Dominant7Flat9
            | ChordQuality::Dominant7Sharp9
            | ChordQuality::Dominant7Flat13
    );
    // A plain major triad on the tonic of a minor key is a Picardy (borrowed) I, not V/iv.
    let picardy = chord.quality == ChordQuality::Major && chord.root == tonic;
    if dominant_like
        && !picardy
        && let Ok(target) = chord.root.transpose(Interval::PERFECT_FOURTH)
        && let Some(d) = diatonic_triad_ok(target)
    {
        let body = numeral_body(chord, 5);
        let target_case = secondary_target_numeral(target, d, key);
        return mk(format!("{body}/{target_case}"), Function::Secondary, Some(d));
    }
    let leading_like = matches!(
        chord.quality,
        ChordQuality::Diminished | ChordQuality::Diminished7 | ChordQuality::HalfDiminished7
    );
    if leading_like
        && let Ok(target) = chord.root.transpose(Interval::MINOR_SECOND)
        && let Some(d) = diatonic_triad_ok(target)
    {
        let body = numeral_body(chord, 7);
        let target_case = secondary_target_numeral(target, d, key);
        return mk(format!("{body}/{target_case}"), Function::Secondary, Some(d));
    }

    // Borrowed from the parallel mode.
    let (_, root_alter) = key.degree_of(chord.root);
    if let Ok(parallel) = key.parallel()
        && all_in(&names, &diatonic_names(parallel))
    {
        // Accidentals relative to the major scale on the tonic, as in "bVI" and "bIII".
        let major = Key::new(tonic, Mode::Major).unwrap_or(key);
        let (_, alter_vs_major) = major.degree_of(chord.root);
        return mk(
            format!("{}{}", accidental_prefix(alter_vs_major), numeral_body(chord, degree)),
            Function::Borrowed,
            None,
        );
    }
    mk(format!("{}{}", accidental_prefix(root_alter), numeral_body(chord, degree)), Function::Chromatic, None)
}

/// The numeral of a tonicised degree: upper case if its triad in the key is major.
fn secondary_target_numeral(target: PitchName, degree: u8, key: Key) -> String {
    // The natural scale decides, except that the dominant of a minor key is major.
    let scale = key.scale();
    let third = target.transpose(Interval::MAJOR_THIRD).ok();
    let major = degree == 5 || third.is_some_and(|t| scale.contains(&t));
    let n = NUMERALS[(degree - 1) as usize];
    if major { n.to_string() } else { n.to_lowercase() }
}
