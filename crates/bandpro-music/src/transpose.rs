//! Transposition of whole scores with correct spelling, and the best key for a set of
//! instruments' ranges.
//!
//! ```
//! use bandpro_music::{Key, ScoreView, SimpleScore, transpose};
//! let s = SimpleScore::from_text("4/4", "F major", &[("flute", &["F4 A4 C5 Bb4"])]).unwrap();
//! let d = transpose::transpose_to_key(&s, "D major".parse().unwrap()).unwrap();
//! assert_eq!(d.measure(0).key, "D major".parse::<Key>().unwrap());
//! let names: Vec<String> = d.events(0, 0, 0).iter().map(|e| e.notes()[0].pitch.to_string()).collect();
//! assert_eq!(names, ["D4", "F#4", "A4", "G4"]);
//! ```

use crate::error::Result;
use crate::event::EventKind;
use crate::interval::Interval;
use crate::key::Key;
use crate::key_detect::spell_key;
use crate::score_model::SimpleScore;
use crate::view::ScoreView;

/// A copy of the score moved by `interval`: every note, key signature and chord symbol.
///
/// Errors if a key would need more than seven accidentals or a note more than three (choose
/// the enharmonic interval, e.g. a diminished second instead of an augmented unison).
pub fn transpose_score(view: &dyn ScoreView, interval: Interval) -> Result<SimpleScore> {
    let mut s = SimpleScore::from_view(view);
    for m in 0..s.measure_count() {
        let mi = s.measure_mut(m)?;
        mi.key = mi.key.transpose(interval)?;
    }
    let mut err = None;
    s.for_each_event_mut(|_, _, e| {
        let mut tr = |p: crate::pitch::Pitch| match p.transpose(interval) {
            Ok(q) => q,
            Err(x) => {
                err.get_or_insert(x);
                p
            }
        };
        match &mut e.kind {
            EventKind::Rest => {}
            EventKind::Note(n) => n.pitch = tr(n.pitch),
            EventKind::Chord(ns) => ns.iter_mut().for_each(|n| n.pitch = tr(n.pitch)),
        }
        // Degree alterations are relative to the root: they move with it.
        for sym in e.chord_symbol.iter_mut().chain(e.chord_changes.iter_mut().map(|c| &mut c.symbol)) {
            match (sym.root.transpose(interval), sym.bass.map(|b| b.transpose(interval)).transpose()) {
                (Ok(r), Ok(b)) => {
                    sym.root = r;
                    sym.bass = b;
                }
                (Err(x), _) | (_, Err(x)) => {
                    err.get_or_insert(x);
                }
            }
        }
    });
    match err {
        Some(e) => Err(e),
        None => Ok(s),
    }
}

/// The interval from one key's tonic to another's, going the shorter way (up to a tritone up,
/// otherwise down), spelled by the tonics' letters.
pub fn interval_between_keys(from: Key, to: Key) -> Interval {
    let up = from.tonic().interval_to(to.tonic());
    if up.semitones().rem_euclid(12) > 6 { up - Interval::OCTAVE } else { up }
}

/// A copy of the score transposed from its first measure's key to `to` (which should have the
/// same mode).
pub fn transpose_to_key(view: &dyn ScoreView, to: Key) -> Result<SimpleScore> {
    let from = if view.measure_count() > 0 { view.measure(0).key } else { Key::C_MAJOR };
    transpose_score(view, interval_between_keys(from, to))
}

/// How well the score fits its instruments after a transposition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyFit {
    /// The transposition.
    pub interval: Interval,
    /// The resulting key (of the first measure).
    pub key: Key,
    /// Notes outside their instrument's practical range.
    pub outside_practical: usize,
    /// Notes outside their instrument's professional range.
    pub outside_professional: usize,
}

/// Rank the transpositions by a tritone either way for how well the notes fit the parts'
/// ranges: fewest notes outside professional ranges, then outside practical ranges, then the
/// simpler key signature, then the smaller move. The first entry is the suggestion.
pub fn best_keys_for_ranges(view: &dyn ScoreView) -> Vec<KeyFit> {
    // Per part: a histogram of sounding MIDI numbers, so each candidate costs O(parts).
    let mut hists: Vec<(usize, [u32; 160])> = Vec::new();
    for p in 0..view.part_count() {
        let info = view.part(p);
        if info.unpitched || info.practical_range.is_none() {
            continue;
        }
        let mut h = [0u32; 160];
        for m in 0..view.measure_count() {
            let shift = view.transposition(p, m).semitones();
            for v in 0..view.voice_count(p, m) {
                for e in view.events(p, m, v) {
                    for n in e.notes() {
                        if !n.tie.stops() {
                            h[(n.pitch.midi() + shift + 16).clamp(0, 159) as usize] += 1;
                        }
                    }
                }
            }
        }
        hists.push((p, h));
    }
    let from = if view.measure_count() > 0 { view.measure(0).key } else { Key::C_MAJOR };
    let mut fits: Vec<KeyFit> = (-6..=6)
        .map(|s: i32| {
            let pc = (from.tonic().pitch_class() as i32 + s).rem_euclid(12) as u8;
            let key = spell_key(pc, from.mode(), 0);
            let mut interval = from.tonic().interval_to(key.tonic());
            if s < 0 && interval.semitones() > 0 {
                interval = interval - Interval::OCTAVE;
            }
            let outside = |range: Option<crate::instrument::PitchRange>, h: &[u32; 160]| -> usize {
                let Some(r) = range else { return 0 };
                h.iter()
                    .enumerate()
                    .filter(|&(i, &c)| c > 0 && !r.contains_midi(i as i32 - 16 + interval.semitones()))
                    .map(|(_, &c)| c as usize)
                    .sum()
            };
            let (mut practical, mut professional) = (0, 0);
            for (p, h) in &hists {
                let info = view.part(*p);
                practical += outside(info.practical_range, h);
                professional += outside(info.professional_range, h);
            }
            KeyFit { interval, key, outside_practical: practical, outside_professional: professional }
        })
        .collect();
    fits.sort_by_key(|f| {
        (f.outside_professional, f.outside_practical, f.key.fifths().abs(), f.interval.semitones().abs())
    });
    fits
}
