//! Chordify: the sonority at every moment across all parts.
//!
//! Each sonority is the set of sounding pitches (transposing parts converted to concert pitch)
//! between two consecutive note starts or ends, as music21's `chordify` computes it.
//!
//! ```
//! use bandpro_music::{SimpleScore, chordify::chordify};
//! let s = SimpleScore::from_text("4/4", "C major", &[
//!     ("soprano", &["E5:2 D5:2"]),
//!     ("bass", &["C3:1"]),
//! ]).unwrap();
//! let sons = chordify(&s);
//! assert_eq!(sons.len(), 2);
//! assert_eq!(sons[1].pitches.iter().map(|p| p.to_string()).collect::<Vec<_>>(), ["C3", "D5"]);
//! ```

use crate::chord::{Chord, identify};
use crate::key::Key;
use crate::pitch::Pitch;
use crate::rational::Rational;
use crate::roman::{RomanNumeral, roman_numeral_of};
use crate::view::ScoreView;

/// The pitches sounding together over a stretch of a measure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sonority {
    /// Measure index.
    pub measure: usize,
    /// Start, from the start of the measure.
    pub onset: Rational,
    /// How long it lasts.
    pub duration: Rational,
    /// Sounding pitches, lowest first, duplicates removed.
    pub pitches: Vec<Pitch>,
}

impl Sonority {
    /// The chord the sonority forms, if any.
    pub fn chord(&self) -> Option<Chord> {
        identify(&self.pitches)
    }

    /// Its roman numeral in a key.
    pub fn roman(&self, key: Key) -> Option<RomanNumeral> {
        roman_numeral_of(&self.pitches, key)
    }
}

/// Sonorities of the whole score, in time order.
pub fn chordify(view: &dyn ScoreView) -> Vec<Sonority> {
    let mut out = Vec::new();
    let mut buf = Vec::new();
    for m in 0..view.measure_count() {
        chordify_measure(view, m, &mut buf, &mut out);
    }
    out
}

/// Append the sonorities of one measure to `out`, using `buf` as scratch space (reuse it
/// across calls to avoid allocation).
pub fn chordify_measure(
    view: &dyn ScoreView,
    measure: usize,
    buf: &mut Vec<(Rational, Rational, Pitch)>,
    out: &mut Vec<Sonority>,
) {
    buf.clear();
    for p in 0..view.part_count() {
        let info = view.part(p);
        if info.unpitched {
            continue;
        }
        let concert = info.transposition == crate::interval::Interval::UNISON;
        for v in 0..view.voice_count(p, measure) {
            for e in view.events(p, measure, v) {
                if e.is_grace() {
                    continue;
                }
                for n in e.notes() {
                    let pitch = if concert {
                        n.pitch
                    } else {
                        n.pitch.transpose(info.transposition).unwrap_or(n.pitch)
                    };
                    buf.push((e.onset, e.end(), pitch));
                }
            }
        }
    }
    let mut cuts: Vec<Rational> = buf.iter().flat_map(|&(a, b, _)| [a, b]).collect();
    cuts.sort_unstable();
    cuts.dedup();
    for w in cuts.windows(2) {
        let (start, end) = (w[0], w[1]);
        let mut pitches: Vec<Pitch> =
            buf.iter().filter(|(a, b, _)| *a <= start && *b > start).map(|&(_, _, p)| p).collect();
        if pitches.is_empty() {
            continue;
        }
        pitches.sort_unstable();
        pitches.dedup();
        out.push(Sonority { measure, onset: start, duration: end - start, pitches });
    }
}
