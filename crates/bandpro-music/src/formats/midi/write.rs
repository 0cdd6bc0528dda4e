//! Writing a Standard MIDI File, type 1.

use std::collections::BTreeMap;

use midly::num::{u4, u7, u15, u24, u28};
use midly::{Format, Header, MetaMessage, MidiMessage, Smf, Timing, TrackEvent, TrackEventKind};

use crate::event::{Dynamic, Event};
use crate::formats::report::Metadata;
use crate::interval::Interval;
use crate::rational::Rational;
use crate::view::ScoreView;

use super::{DEFAULT_VELOCITY, gm_program, grace_length};

/// Measure start times and lengths in whole notes. A pickup measure lasts as long as its
/// longest voice.
pub(crate) fn measure_starts(score: &dyn ScoreView) -> Vec<(Rational, Rational)> {
    let mut out = Vec::with_capacity(score.measure_count());
    let mut t = Rational::ZERO;
    for m in 0..score.measure_count() {
        let info = score.measure(m);
        let mut len = info.time.length();
        if info.pickup {
            let mut end = Rational::ZERO;
            for p in 0..score.part_count() {
                for v in 0..score.voice_count(p, m) {
                    if let Some(e) = score.events(p, m, v).iter().map(Event::end).max() {
                        end = end.max(e);
                    }
                }
            }
            if end.is_positive() {
                len = end;
            }
        }
        out.push((t, len));
        t += len;
    }
    out
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 { a.abs() } else { gcd(b, a % b) }
}

/// Ticks per quarter: a multiple of every denominator of the score's times, at least 480.
fn resolution(score: &dyn ScoreView, starts: &[(Rational, Rational)]) -> i64 {
    let mut l: i64 = 1;
    let mut add = |r: Rational| {
        let d = (r * Rational::from_int(4)).denom();
        let n = l / gcd(l, d) * d;
        l = if n > 32767 { l } else { n };
    };
    add(grace_length());
    for (s, len) in starts {
        add(*s);
        add(*len);
    }
    for p in 0..score.part_count() {
        for m in 0..score.measure_count() {
            for v in 0..score.voice_count(p, m) {
                for e in score.events(p, m, v) {
                    add(e.onset);
                    add(e.duration);
                }
            }
        }
    }
    let mut tpq = l;
    while tpq < 480 && tpq * 2 <= 32767 {
        tpq *= 2;
    }
    tpq
}

struct Timeline<'a> {
    events: Vec<(i64, u8, TrackEventKind<'a>)>,
}

impl<'a> Timeline<'a> {
    fn push(&mut self, tick: i64, order: u8, kind: TrackEventKind<'a>) {
        self.events.push((tick.max(0), order, kind));
    }

    fn into_track(mut self) -> Vec<TrackEvent<'a>> {
        self.events.sort_by_key(|(t, o, _)| (*t, *o));
        let mut out = Vec::with_capacity(self.events.len() + 1);
        let mut last = 0;
        for (t, _, kind) in self.events {
            let delta = (t - last).clamp(0, (1 << 28) - 1) as u32;
            out.push(TrackEvent { delta: u28::new(delta), kind });
            last = t;
        }
        out.push(TrackEvent { delta: u28::new(0), kind: TrackEventKind::Meta(MetaMessage::EndOfTrack) });
        out
    }
}

pub(crate) fn write(score: &dyn ScoreView, meta: &Metadata) -> Vec<u8> {
    let starts = measure_starts(score);
    let tpq = resolution(score, &starts);
    let tick = |r: Rational| (r * Rational::from_int(4 * tpq)).floor();
    // Names must outlive the Smf, which borrows them.
    let names: Vec<Vec<u8>> = std::iter::once(meta.title.clone().unwrap_or_default())
        .chain((0..score.part_count()).map(|p| score.part(p).name.clone()))
        .map(String::into_bytes)
        .collect();

    let mut tracks: Vec<Vec<TrackEvent<'_>>> = Vec::new();
    // Conductor track.
    let mut cond: Vec<(i64, u8, TrackEventKind<'_>)> = Vec::new();
    if !names[0].is_empty() {
        cond.push((0, 0, TrackEventKind::Meta(MetaMessage::TrackName(&names[0]))));
    }
    for (m, &(start, _)) in starts.iter().enumerate() {
        let info = score.measure(m);
        let t = tick(start);
        let prev = (m > 0).then(|| score.measure(m - 1));
        if prev.is_none_or(|p| p.time != info.time) {
            let num = info.time.numerator().min(255) as u8;
            let den_pow = info.time.denominator().trailing_zeros() as u8;
            cond.push((t, 1, TrackEventKind::Meta(MetaMessage::TimeSignature(num, den_pow, 24, 8))));
        }
        if prev.is_none_or(|p| p.key != info.key) {
            let minor = info.key.mode().is_minor_like();
            cond.push((
                t,
                2,
                TrackEventKind::Meta(MetaMessage::KeySignature(info.key.fifths() as i8, minor)),
            ));
        }
        if let Some(tempo) = info.tempo {
            let q = tempo.quarter_bpm();
            if q.is_positive() {
                let us = (Rational::from_int(60_000_000) / q).floor().clamp(1, (1 << 24) - 1) as u32;
                cond.push((t, 3, TrackEventKind::Meta(MetaMessage::Tempo(u24::new(us)))));
            }
        }
    }
    tracks.push(Timeline { events: cond }.into_track());

    let mut next_channel = 0u8;
    for p in 0..score.part_count() {
        let part = score.part(p);
        let channel = if part.unpitched {
            9
        } else {
            let c = next_channel;
            next_channel = (next_channel + 1) % 16;
            if next_channel == 9 {
                next_channel = 10;
            }
            if c == 9 { 10 } else { c }
        };
        let ch = u4::new(channel);
        let mut tl = Timeline { events: Vec::new() };
        tl.push(0, 0, TrackEventKind::Meta(MetaMessage::TrackName(&names[p + 1])));
        let program =
            meta.parts.get(p).and_then(|x| x.midi_program).or(part.instrument.map(gm_program)).unwrap_or(0);
        if channel != 9 {
            tl.push(
                0,
                1,
                TrackEventKind::Midi {
                    channel: ch,
                    message: MidiMessage::ProgramChange { program: u7::new(program & 0x7f) },
                },
            );
        }
        // Dynamics over the whole part, in time order.
        let mut dynamics: BTreeMap<Rational, Dynamic> = BTreeMap::new();
        for (m, &(start, _)) in starts.iter().enumerate() {
            for v in 0..score.voice_count(p, m) {
                for e in score.events(p, m, v) {
                    if let Some(d) = e.dynamic {
                        dynamics.insert(start + e.onset, d);
                    }
                }
            }
        }
        let velocity_at = |t: Rational| -> u8 {
            dynamics.range(..=t).next_back().map_or(DEFAULT_VELOCITY, |(_, d)| d.velocity()).max(1)
        };
        // Sounding notes: (start, end, key), ties merged.
        let mut notes: Vec<(Rational, Rational, i32)> = Vec::new();
        let transpose = part.transposition;
        for (m, &(measure_start, _)) in starts.iter().enumerate() {
            for v in 0..score.voice_count(p, m) {
                let events = score.events(p, m, v);
                for (i, e) in events.iter().enumerate() {
                    if e.cue || e.is_rest() {
                        continue;
                    }
                    let at = measure_start + e.onset;
                    let (start, end) = if e.is_grace() {
                        // Count the grace notes after this one up to the main note.
                        let after =
                            events[i + 1..].iter().take_while(|x| x.is_grace() && x.onset == e.onset).count();
                        let g = grace_length();
                        let s = at - g * Rational::from_int(after as i64 + 1);
                        (s, s + g)
                    } else {
                        (at, at + e.duration)
                    };
                    for n in e.notes() {
                        let key = if transpose == Interval::UNISON {
                            n.pitch.midi()
                        } else {
                            n.pitch.transpose(transpose).map_or(n.pitch.midi(), |x| x.midi())
                        };
                        if n.tie.stops()
                            && !e.is_grace()
                            && let Some(prev) = notes.iter_mut().rev().find(|x| x.2 == key && x.1 == start)
                        {
                            prev.1 = end;
                            continue;
                        }
                        notes.push((start, end, key));
                    }
                }
            }
        }
        for (start, end, key) in notes {
            if !(0..=127).contains(&key) {
                continue;
            }
            let k = u7::new(key as u8);
            let vel = u7::new(velocity_at(start).min(127));
            let (s, e) = (tick(start), tick(end));
            // Note-offs sort before note-ons at the same tick, so repeated notes re-attack.
            tl.push(
                e,
                2,
                TrackEventKind::Midi {
                    channel: ch,
                    message: MidiMessage::NoteOff { key: k, vel: u7::new(0) },
                },
            );
            tl.push(s, 3, TrackEventKind::Midi { channel: ch, message: MidiMessage::NoteOn { key: k, vel } });
        }
        tracks.push(tl.into_track());
    }
    let smf = Smf { header: Header::new(Format::Parallel, Timing::Metrical(u15::new(tpq as u16))), tracks };
    let mut out = Vec::new();
    smf.write_std(&mut out).expect("writing MIDI to memory");
    out
}
