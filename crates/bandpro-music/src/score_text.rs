//! A compact text notation for writing small scores in tests and examples.
//!
//! Each part is an instrument id from [`crate::instrument`] and a list of voices; a voice is a
//! string of measures separated by `|`, each a list of space-separated tokens:
//!
//! | token | meaning |
//! | --- | --- |
//! | `C4` `F#5` `Bb3` `Cx4` | a note (written pitch); `r` is a rest |
//! | `C4+E4+G4` | a chord |
//! | `:4` `:8.` `:2..` `:1` after the pitch | duration (denominator and dots); it carries over to later tokens, starting at a quarter |
//! | `~` | tie to the next note of the same pitch (which becomes a tie stop) |
//! | `!` / `?` | draw the accidental / draw it as a courtesy accidental |
//! | `@G7/B` | a chord symbol at this event |
//! | `gD5:16` | a grace note |
//! | `(3` ... `)` | a tuplet (3:2; also `(5:4`, and `(3:2/8` to state the unit, so a group can be left incomplete) |
//!
//! ```
//! use bandpro_music::{ScoreView, SimpleScore, Rational};
//! let s = SimpleScore::from_text("4/4", "G major", &[
//!     ("violin", &["D5:4. C5:8 (3 B4:8 A4 G4 ) A4:4 | G4:2~ G4:2@G"]),
//! ]).unwrap();
//! let m0 = s.events(0, 0, 0);
//! assert_eq!(m0[2].duration, Rational::new(1, 12));
//! assert_eq!(m0[5].onset, Rational::new(3, 4));
//! ```

use crate::chord_symbol::ChordSymbol;
use crate::duration::TupletRatio;
use crate::error::{Error, Result};
use crate::event::{AccidentalDisplay, Event, EventKind, Grace, Note, Tie, TupletMark};
use crate::instrument;
use crate::key::Key;
use crate::meter::TimeSignature;
use crate::pitch::Pitch;
use crate::rational::Rational;
use crate::score_model::SimpleScore;
use crate::view::PartInfo;

struct OpenTuplet {
    group: u32,
    ratio: TupletRatio,
    unit: Option<Rational>,
    /// Index in the measure's event list of the group's first event.
    first: usize,
}

impl SimpleScore {
    /// Build a score from the compact text notation described in [`crate::score_text`].
    ///
    /// `parts` are `(instrument id, voices)`; every measure gets `time` and `key`.
    pub fn from_text(time: &str, key: &str, parts: &[(&str, &[&str])]) -> Result<SimpleScore> {
        let time: TimeSignature = time.parse()?;
        let key: Key = key.parse()?;
        let infos = parts
            .iter()
            .map(|(id, _)| instrument::by_id(id).map(|i| PartInfo::new(i.name, i)))
            .collect::<Result<Vec<_>>>()?;
        let measure_count = parts
            .iter()
            .flat_map(|(_, voices)| voices.iter())
            .map(|v| v.split('|').count())
            .max()
            .unwrap_or(0);
        let mut score = SimpleScore::new(infos, measure_count, time, key);
        for (p, (_, voices)) in parts.iter().enumerate() {
            for (v, text) in voices.iter().enumerate() {
                parse_voice(&mut score, p, v, text)?;
            }
        }
        Ok(score)
    }
}

fn parse_voice(score: &mut SimpleScore, part: usize, voice: usize, text: &str) -> Result<()> {
    let mut duration = Rational::new(1, 4);
    let mut tied: Vec<Pitch> = Vec::new();
    let mut group_counter = 0u32;
    for (measure, mtext) in text.split('|').enumerate() {
        let err = |token: &str, message: &str| Error::ScoreText {
            part,
            voice,
            measure,
            token: token.to_string(),
            message: message.to_string(),
        };
        let mut events: Vec<Event> = Vec::new();
        let mut open: Vec<OpenTuplet> = Vec::new();
        let mut onset = Rational::ZERO;
        for token in mtext.split_whitespace() {
            if let Some(spec) = token.strip_prefix('(') {
                let (ratio_str, unit) = match spec.split_once('/') {
                    Some((r, u)) => {
                        let d: i64 = u.parse().map_err(|_| err(token, "bad tuplet unit"))?;
                        (r, Some(Rational::new(1, d.max(1))))
                    }
                    None => (spec, None),
                };
                let (actual, normal) = match ratio_str.split_once(':') {
                    Some((a, n)) => (
                        a.parse::<u8>().map_err(|_| err(token, "bad tuplet"))?,
                        n.parse::<u8>().map_err(|_| err(token, "bad tuplet"))?,
                    ),
                    None => {
                        let a: u8 = ratio_str.parse().map_err(|_| err(token, "bad tuplet"))?;
                        let n = match a {
                            2 => 3,
                            3 => 2,
                            4..=7 => 4,
                            _ => a.saturating_sub(1).max(1),
                        };
                        (a, n)
                    }
                };
                let ratio = TupletRatio::new(actual, normal).map_err(|_| err(token, "bad tuplet"))?;
                group_counter += 1;
                open.push(OpenTuplet { group: group_counter, ratio, unit, first: events.len() });
                continue;
            }
            if token == ")" {
                let t = open.pop().ok_or_else(|| err(token, "no tuplet to close"))?;
                let outer: Rational = open.iter().fold(Rational::ONE, |acc, o| acc * o.ratio.factor());
                let unit = match t.unit {
                    Some(u) => u,
                    None => {
                        let first = events.get(t.first).ok_or_else(|| err(token, "empty tuplet"))?;
                        first.duration / (t.ratio.factor() * outer)
                    }
                };
                let span = unit * Rational::from_int(t.ratio.normal as i64) * outer;
                for e in &mut events[t.first..] {
                    for mark in &mut e.tuplets {
                        if mark.group == t.group {
                            mark.span = span;
                        }
                    }
                }
                continue;
            }
            let (body, symbol) = match token.split_once('@') {
                Some((b, s)) => {
                    (b, Some(s.parse::<ChordSymbol>().map_err(|_| err(token, "bad chord symbol"))?))
                }
                None => (token, None),
            };
            let mut body = body;
            let (mut tie, mut shown, mut courtesy) = (false, false, false);
            loop {
                if let Some(b) = body.strip_suffix('~') {
                    tie = true;
                    body = b;
                } else if let Some(b) = body.strip_suffix('!') {
                    shown = true;
                    body = b;
                } else if let Some(b) = body.strip_suffix('?') {
                    courtesy = true;
                    body = b;
                } else {
                    break;
                }
            }
            let (grace, body) = match body.strip_prefix('g') {
                Some(b) => (true, b),
                None => (false, body),
            };
            let (notes_str, dur_str) = match body.split_once(':') {
                Some((n, d)) => (n, Some(d)),
                None => (body, None),
            };
            let mut written = duration;
            if let Some(d) = dur_str {
                let dots = d.chars().rev().take_while(|&c| c == '.').count();
                let den: i64 = d[..d.len() - dots].parse().map_err(|_| err(token, "bad duration"))?;
                if den <= 0 {
                    return Err(err(token, "bad duration"));
                }
                let base = Rational::new(1, den);
                written = base * Rational::new((1 << (dots + 1)) - 1, 1 << dots);
                if !grace {
                    duration = written;
                }
            }
            let kind = if notes_str == "r" {
                EventKind::Rest
            } else {
                let mut notes = Vec::new();
                for n in notes_str.split('+') {
                    let pitch: Pitch = n.parse().map_err(|_| err(token, "bad pitch"))?;
                    let accidental = if courtesy {
                        AccidentalDisplay::Cautionary
                    } else if shown {
                        AccidentalDisplay::Shown
                    } else {
                        AccidentalDisplay::Auto
                    };
                    let stop = tied.contains(&pitch);
                    let tie = match (stop, tie) {
                        (true, true) => Tie::Continue,
                        (true, false) => Tie::Stop,
                        (false, true) => Tie::Start,
                        (false, false) => Tie::None,
                    };
                    notes.push(Note { pitch, tie, accidental });
                }
                if notes.len() == 1 { EventKind::Note(notes[0]) } else { EventKind::Chord(notes) }
            };
            if !grace {
                tied = kind_notes(&kind).iter().filter(|n| n.tie.starts()).map(|n| n.pitch).collect();
            }
            let factor: Rational = open.iter().fold(Rational::ONE, |acc, o| acc * o.ratio.factor());
            let sounding = written * factor;
            let id = score.next_event_id();
            let mut ev = Event::new(id, onset, sounding, kind);
            ev.chord_symbol = symbol;
            if grace {
                ev.grace = Some(Grace::Acciaccatura);
                ev.duration = written;
            } else {
                onset += sounding;
            }
            ev.tuplets = open
                .iter()
                .map(|o| TupletMark { group: o.group, ratio: o.ratio, span: Rational::ZERO })
                .collect();
            events.push(ev);
        }
        if !open.is_empty() {
            return Err(err(mtext, "tuplet not closed before the barline"));
        }
        if !events.is_empty() {
            score.set_events(part, measure, voice, events)?;
        }
    }
    Ok(())
}

fn kind_notes(kind: &EventKind) -> &[Note] {
    match kind {
        EventKind::Rest => &[],
        EventKind::Note(n) => std::slice::from_ref(n),
        EventKind::Chord(ns) => ns,
    }
}
