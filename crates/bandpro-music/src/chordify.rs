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
    let mut c = Chordifier::default();
    for m in 0..view.measure_count() {
        c.measure(view, m, &mut out);
    }
    out
}

/// Reusable scratch space for chordifying measure by measure without reallocating.
#[derive(Debug, Default)]
pub struct Chordifier {
    notes: Vec<(i64, i64, Pitch)>,
    cuts: Vec<i64>,
    active: Vec<(i64, Pitch)>,
}

fn gcd(a: i64, b: i64) -> i64 {
    let (mut a, mut b) = (a.abs(), b.abs());
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.max(1)
}

impl Chordifier {
    /// Append the sonorities of one measure to `out`.
    pub fn measure(&mut self, view: &dyn ScoreView, measure: usize, out: &mut Vec<Sonority>) {
        // Integer ticks: the lcm of the measure's denominators.
        let mut l: i64 = 1;
        for p in 0..view.part_count() {
            if view.part(p).unpitched {
                continue;
            }
            for v in 0..view.voice_count(p, measure) {
                for e in view.events(p, measure, v) {
                    for d in [e.onset.denom(), e.duration.denom()] {
                        if l % d != 0 {
                            l = l / gcd(l, d) * d;
                        }
                    }
                }
            }
        }
        if l > 1 << 40 {
            // Absurdly fine rhythm: fall back to one sonority per onset at the same resolution
            // is not possible; skip the measure rather than overflow.
            return;
        }
        let tick = |r: Rational| r.numer() * (l / r.denom());
        self.notes.clear();
        for p in 0..view.part_count() {
            let info = view.part(p);
            if info.unpitched {
                continue;
            }
            let transposition = view.transposition(p, measure);
            let concert = transposition == crate::interval::Interval::UNISON;
            for v in 0..view.voice_count(p, measure) {
                for e in view.events(p, measure, v) {
                    if e.is_grace() || e.is_rest() {
                        continue;
                    }
                    let (a, b) = (tick(e.onset), tick(e.onset) + tick(e.duration));
                    for n in e.notes() {
                        let pitch = if concert {
                            n.pitch
                        } else {
                            n.pitch.transpose(transposition).unwrap_or(n.pitch)
                        };
                        self.notes.push((a, b, pitch));
                    }
                }
            }
        }
        self.notes.sort_unstable_by_key(|x| x.0);
        self.cuts.clear();
        self.cuts.extend(self.notes.iter().flat_map(|&(a, b, _)| [a, b]));
        self.cuts.sort_unstable();
        self.cuts.dedup();
        self.active.clear();
        let mut next = 0;
        for w in 0..self.cuts.len().saturating_sub(1) {
            let (start, end) = (self.cuts[w], self.cuts[w + 1]);
            while next < self.notes.len() && self.notes[next].0 <= start {
                self.active.push((self.notes[next].1, self.notes[next].2));
                next += 1;
            }
            self.active.retain(|&(e, _)| e > start);
            if self.active.is_empty() {
                continue;
            }
            let mut pitches: Vec<Pitch> = self.active.iter().map(|&(_, p)| p).collect();
            pitches.sort_unstable();
            pitches.dedup();
            out.push(Sonority {
                measure,
                onset: Rational::new(start, l),
                duration: Rational::new(end - start, l),
                pitches,
            });
        }
    }
}
