//! Rhythm: beat positions, metric strength, beaming groups and syncopation.
//!
//! ```
//! use bandpro_music::{Rational, SimpleScore, ScoreView, rhythm};
//! let s = SimpleScore::from_text("4/4", "C major", &[("flute", &["C5:8 D5:4 E5:8 F5:2"])]).unwrap();
//! let ts = s.measure(0).time;
//! let events = s.events(0, 0, 0);
//! assert_eq!(rhythm::syncopations(&ts, events), vec![1]); // D5 starts off the beat and holds across beat 2
//! assert_eq!(rhythm::beat_position(&ts, Rational::new(3, 8)), Rational::new(5, 2));
//! ```

use std::ops::Range;

use crate::event::Event;
use crate::meter::TimeSignature;
use crate::rational::Rational;

/// The 1-based beat position of an onset (2.5 = halfway through beat 2).
pub fn beat_position(ts: &TimeSignature, onset: Rational) -> Rational {
    ts.beat_position(onset)
}

/// Metric level (0 = downbeat, larger = weaker); see [`TimeSignature::metric_level`].
pub fn metric_strength(ts: &TimeSignature, onset: Rational) -> u8 {
    ts.metric_level(onset)
}

/// Groups of consecutive events that are beamed together: notes shorter than a quarter, not
/// rests or grace notes, within one beat (one dotted beat in compound meters, one group in
/// additive meters, a half note in 2/2). Only groups of two or more are returned, as index
/// ranges into `events`.
pub fn beam_groups(ts: &TimeSignature, events: &[Event]) -> Vec<Range<usize>> {
    let fits = |e: &Event| -> Option<usize> {
        if e.is_rest() || e.is_grace() || e.duration >= Rational::new(1, 4) {
            return None;
        }
        let (beat, off) = ts.beat_of(e.onset);
        let len = ts.beats().nth(beat)?;
        (off + e.duration <= len).then_some(beat)
    };
    let mut out = Vec::new();
    let mut current: Option<(usize, usize)> = None; // (first index, beat)
    for (i, e) in events.iter().enumerate() {
        let beat = fits(e);
        if let (Some((_, b)), Some(nb)) = (current, beat)
            && b == nb
        {
            continue;
        }
        if let Some((s, _)) = current.take()
            && i - s >= 2
        {
            out.push(s..i);
        }
        current = beat.map(|b| (i, b));
    }
    if let Some((s, _)) = current
        && events.len() - s >= 2
    {
        out.push(s..events.len());
    }
    out
}

/// The strongest metric level strictly inside `(onset, end)`; 0 if the span crosses the next
/// barline.
fn strongest_inside(ts: &TimeSignature, onset: Rational, end: Rational) -> Option<u8> {
    if end > ts.length() {
        return Some(0);
    }
    let grid = Rational::new(1, 64);
    let mut t = (onset / grid).floor() + 1;
    let mut best: Option<u8> = None;
    loop {
        let p = grid * Rational::from_int(t);
        if p >= end {
            break;
        }
        let l = ts.metric_level(p);
        best = Some(best.map_or(l, |b| b.min(l)));
        t += 1;
    }
    best
}

/// Indices of syncopated notes: a note (not a rest, not a tie continuation) that starts at a
/// weak position and sounds through a stronger one (including across the barline, by a tie).
pub fn syncopations(ts: &TimeSignature, events: &[Event]) -> Vec<usize> {
    events
        .iter()
        .enumerate()
        .filter(|(_, e)| !e.is_rest() && !e.is_grace() && !e.notes().iter().all(|n| n.tie.stops()))
        .filter(|(_, e)| {
            let tied_on = e.notes().iter().any(|n| n.tie.starts());
            let end = if tied_on { ts.length() + Rational::new(1, 64) } else { e.end() };
            let here = ts.metric_level(e.onset);
            strongest_inside(ts, e.onset, end.max(e.end())).is_some_and(|inside| inside < here)
        })
        .map(|(i, _)| i)
        .collect()
}

/// A syncopation score for a voice in a measure: the sum, over syncopated notes, of how much
/// stronger the position they hold across is than the position they start on.
pub fn syncopation_score(ts: &TimeSignature, events: &[Event]) -> u32 {
    syncopations(ts, events)
        .into_iter()
        .map(|i| {
            let e = &events[i];
            let tied_on = e.notes().iter().any(|n| n.tie.starts());
            let end = if tied_on { ts.length() + Rational::new(1, 64) } else { e.end() };
            let here = ts.metric_level(e.onset);
            let inside = strongest_inside(ts, e.onset, end).unwrap_or(here);
            (here.min(10) - inside) as u32
        })
        .sum()
}
