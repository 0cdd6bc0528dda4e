//! Writing a Standard MIDI File, type 1.

use std::collections::BTreeMap;

use midly::num::{u4, u7, u15, u24, u28};
use midly::{Format, Header, MetaMessage, MidiMessage, Smf, Timing, TrackEvent, TrackEventKind};

use crate::event::{Dynamic, Event};
use crate::formats::report::Metadata;
use crate::interval::Interval;
use crate::meter::TimeSignature;
use crate::rational::Rational;
use crate::view::ScoreView;

use super::{DEFAULT_VELOCITY, gm_program, grace_length};

/// Where a measure is written, in whole notes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Placement {
    /// Start of the measure in the file.
    pub(crate) start: Rational,
    /// Length written: the time signature's, or a pickup's own.
    pub(crate) len: Rational,
    /// Silence before the measure's events: an opening pickup whose length no time signature
    /// states is right-aligned against the first barline (see [`pickup_span`]). Zero elsewhere.
    pub(crate) lead: Rational,
    /// The time signature written for the measure: its own, or one stating a pickup's length.
    pub(crate) time: TimeSignature,
}

/// Where every measure is written. A pickup measure lasts as long as its longest voice; before
/// a later measure it gets a time signature stating that length (see [`stating`] and, for the
/// opening one, [`pickup_span`]), so that any reader puts the barlines where they are. A
/// closing pickup (the last measure) needs none: the file ends there.
pub(crate) fn placements(score: &dyn ScoreView) -> Vec<Placement> {
    let count = score.measure_count();
    let mut out = Vec::with_capacity(count);
    let mut t = Rational::ZERO;
    for m in 0..count {
        let info = score.measure(m);
        let mut place =
            Placement { start: t, len: info.time.length(), lead: Rational::ZERO, time: info.time };
        if info.pickup {
            let mut end = Rational::ZERO;
            for p in 0..score.part_count() {
                for v in 0..score.voice_count(p, m) {
                    if let Some(e) = score.events(p, m, v).iter().map(Event::end).max() {
                        end = end.max(e);
                    }
                }
            }
            if end.is_positive() && end != place.len {
                if m + 1 == count {
                    place.len = end;
                } else if m == 0 {
                    let (len, time, lead) = pickup_span(end, info.time);
                    place = Placement { len, time, lead, ..place };
                } else {
                    // A partial measure later on keeps its length even if no signature states
                    // it: padding it would put silence into the music.
                    place.len = end;
                    place.time = stating(end, info.time).unwrap_or(info.time);
                }
            }
        }
        out.push(place);
        t += place.len;
    }
    out
}

/// The time signature stating a length exactly: its denominator is the meter's, or finer if the
/// length needs it (a quarter in 4/4 is 1/4, two beats 2/4, an eighth in 6/8 1/8, a dotted
/// quarter in 3/4 3/8, three sixteenths 3/16). `None` when no signature can (a length in
/// triplets, or a numerator past 255).
fn stating(len: Rational, meter: TimeSignature) -> Option<TimeSignature> {
    let d = len.denom();
    if !len.is_positive() || !(d as u64).is_power_of_two() {
        return None;
    }
    let den = d.max(i64::from(meter.denominator()));
    let num = len.checked_mul(Rational::from_int(den))?;
    let num = u8::try_from(num.numer()).ok().filter(|_| num.is_integer())?;
    TimeSignature::new(num, u16::try_from(den).ok()?).ok()
}

/// How an opening pickup of content length `end` in `meter` is written: its length, its time
/// signature and the silence before it. A length a time signature states is written as is. Any
/// other (a pickup in triplets) is rounded up to whole units of the meter (1/12 in 4/4 becomes
/// a 1/4 measure) and, once that reaches the full measure, written as a full measure: the
/// music starts a little later, the barlines stay where they are, and the onsets inside the
/// pickup move (and the pickup flag goes, for a full measure).
fn pickup_span(end: Rational, meter: TimeSignature) -> (Rational, TimeSignature, Rational) {
    if let Some(time) = stating(end, meter) {
        return (end, time, Rational::ZERO);
    }
    let full = meter.length();
    let unit = Rational::new(1, i64::from(meter.denominator()));
    let units = -(-(end / unit)).floor();
    let rounded = unit * Rational::from_int(units);
    if end < full && rounded >= full {
        return (full, meter, full - end);
    }
    match stating(rounded, meter) {
        Some(time) => (rounded, time, rounded - end),
        // No signature can state it either way: the length as it is, and no barline help.
        None => (end, meter, Rational::ZERO),
    }
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 { a.abs() } else { gcd(b, a % b) }
}

/// Ticks per quarter: a multiple of every denominator of the score's times, at least 480.
fn resolution(score: &dyn ScoreView, places: &[Placement]) -> i64 {
    let mut l: i64 = 1;
    let mut add = |r: Rational| {
        let d = (r * Rational::from_int(4)).denom();
        let n = l / gcd(l, d) * d;
        l = if n > 32767 { l } else { n };
    };
    add(grace_length());
    for place in places {
        add(place.start);
        add(place.len);
        add(place.lead);
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
    let places = placements(score);
    let tpq = resolution(score, &places);
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
    for (m, place) in places.iter().enumerate() {
        let info = score.measure(m);
        let t = tick(place.start);
        let prev = (m > 0).then(|| score.measure(m - 1));
        // The written signatures: a pickup's states its length, and the next measure's follows.
        if m == 0 || places[m - 1].time != place.time {
            let num = place.time.numerator().min(255) as u8;
            let den_pow = place.time.denominator().trailing_zeros() as u8;
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
        for (m, place) in places.iter().enumerate() {
            for v in 0..score.voice_count(p, m) {
                for e in score.events(p, m, v) {
                    if let Some(d) = e.dynamic {
                        dynamics.insert(place.start + place.lead + e.onset, d);
                    }
                }
            }
        }
        let velocity_at = |t: Rational| -> u8 {
            dynamics.range(..=t).next_back().map_or(DEFAULT_VELOCITY, |(_, d)| d.velocity()).max(1)
        };
        // Sounding notes: (start, end, key), ties merged.
        let mut notes: Vec<(Rational, Rational, i32)> = Vec::new();
        for (m, place) in places.iter().enumerate() {
            // Each measure sounds with the transposition in force there (a doubler's flute
            // measures are not a saxophone's).
            let transpose = score.transposition(p, m);
            let measure_start = place.start + place.lead;
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
