//! Reading a Standard MIDI File into a quantised, voiced score.

use std::collections::{HashMap, VecDeque};

use midly::{MetaMessage, MidiMessage, Timing, TrackEventKind};

use crate::error::{Error, FilePosition, Result};
use crate::event::{Dynamic, Event, EventId, EventKind, Note, Tie};
use crate::formats::limits;
use crate::formats::report::{ImportReport, PartExtras};
use crate::instrument;
use crate::interval::Interval;
use crate::key::{Key, Mode};
use crate::key_detect::{KeyProfile, key_from_histogram};
use crate::meter::TimeSignature;
use crate::pitch::Pitch;
use crate::rational::Rational;
use crate::score_model::SimpleScore;
use crate::view::{MeasureInfo, PartInfo, Tempo};

use super::{DEFAULT_VELOCITY, instrument_for_program};

const FORMAT: &str = "MIDI";

/// Options for reading MIDI files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MidiOptions {
    /// The quantisation grid in whole notes (1/16 for sixteenths, 1/24 for sixteenth
    /// triplets). `None` chooses one from the file: the coarsest subdivision of the quarter
    /// (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64 or 96 per quarter) on which every note starts
    /// and ends, or, for a played (unquantised) file, the coarsest that moves notes by less
    /// than a tenth of a grid step on average.
    pub grid: Option<Rational>,
    /// Split piano parts (program 1-8 or a track named "piano") into two staves at middle C.
    pub split_piano: bool,
}

impl Default for MidiOptions {
    fn default() -> Self {
        MidiOptions { grid: None, split_piano: true }
    }
}

fn format_err(at: usize, message: impl Into<String>) -> Error {
    Error::Format { format: FORMAT, position: FilePosition::Byte(at as u64), message: message.into() }
}

#[derive(Debug, Clone, Copy)]
struct RawNote {
    on: u64,
    off: u64,
    key: u8,
    vel: u8,
}

#[derive(Default)]
struct RawPart {
    name: Option<String>,
    program: Option<u8>,
    channel: u8,
    notes: Vec<RawNote>,
}

const SUBDIVISIONS: [i64; 13] = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96];

/// Subdivisions of the quarter note for the grid.
fn choose_grid(ticks: &[u64], tpq: u64) -> i64 {
    let err = |t: u64, s: i64| -> f64 {
        let x = t as f64 * s as f64 / tpq as f64;
        (x - x.round()).abs() * tpq as f64 / s as f64
    };
    for s in SUBDIVISIONS {
        if ticks.iter().all(|&t| err(t, s) <= 1.0) {
            return s;
        }
    }
    for s in SUBDIVISIONS {
        let step = tpq as f64 / s as f64;
        let mean = ticks.iter().map(|&t| err(t, s)).sum::<f64>() / ticks.len().max(1) as f64;
        if mean <= 0.1 * step {
            return s;
        }
    }
    4
}

fn nearest_dynamic(vel: u8) -> Dynamic {
    // The plain dynamics, pppp to ffff, lead `Dynamic::ALL`; accents (sf, sfz, ...) follow and
    // are not levels a velocity can name.
    Dynamic::ALL[..10]
        .iter()
        .copied()
        .min_by_key(|d| (d.velocity() as i32 - vel as i32).abs())
        .unwrap_or(Dynamic::Mf)
}

/// Quarter notes per minute for a tempo in microseconds per quarter: the simplest decimal
/// (whole, then tenths, then hundredths) that a writer rounding down would have stored as `us`.
fn bpm_of(us: u32) -> Rational {
    let exact = Rational::new(60_000_000, i64::from(us));
    for scale in [1i64, 10, 100] {
        let approx = ((exact * Rational::from_int(scale)).to_f64()).round() as i64;
        if approx <= 0 {
            continue;
        }
        let cand = Rational::new(approx, scale);
        if (Rational::from_int(60_000_000) / cand).floor() == i64::from(us) {
            return cand;
        }
    }
    exact
}

/// Check the chunk structure, so that a truncated or damaged file is an error naming the byte
/// where it breaks (the event decoder forgives a lot).
/// Refuses an SMPTE time division whose frame-rate byte is -128: midly 0.5 negates it as an
/// `i8`, which overflows (a panic with overflow checks on). midly parses every chunk named
/// `MThd`, not only the first, so every `MThd` in the file is checked; real files use -24, -25,
/// -29 or -30, and a file that carries those four letters and 0x80 twelve bytes later inside
/// other data is refused too, a price worth a parser that cannot be made to panic.
fn check_timing(bytes: &[u8]) -> Result<()> {
    for (start, w) in bytes.windows(4).enumerate() {
        if w == b"MThd" && bytes.get(start + 12) == Some(&0x80) {
            return Err(format_err(start + 12, "invalid SMPTE frame rate in a header chunk".to_owned()));
        }
    }
    Ok(())
}

fn check_chunks(bytes: &[u8], report: &mut ImportReport) -> Result<()> {
    if !bytes.starts_with(b"MThd") {
        return Ok(());
    }
    let mut at = 0usize;
    let mut tracks = 0usize;
    while at < bytes.len() {
        if bytes.len() - at < 8 {
            return Err(format_err(at, "truncated chunk header"));
        }
        let id = &bytes[at..at + 4];
        let len = u32::from_be_bytes([bytes[at + 4], bytes[at + 5], bytes[at + 6], bytes[at + 7]]) as usize;
        if len > bytes.len() - at - 8 {
            let id = String::from_utf8_lossy(id).into_owned();
            return Err(format_err(
                at,
                format!("chunk `{id}` declares {len} bytes but only {} remain", bytes.len() - at - 8),
            ));
        }
        if id == b"MTrk" {
            tracks += 1;
            // A track ends with an end-of-track meta event.
            if len < 3 || bytes[at + 8 + len - 3..at + 8 + len] != [0xFF, 0x2F, 0x00] {
                report.warn(|| FilePosition::Byte(at as u64), "track without an end-of-track event");
            }
        }
        at += 8 + len;
    }
    if bytes.len() >= 12 {
        let declared = u16::from_be_bytes([bytes[10], bytes[11]]) as usize;
        if declared != tracks {
            report.warn(
                || FilePosition::Byte(10),
                format!("header declares {declared} tracks, file has {tracks}"),
            );
        }
    }
    Ok(())
}

/// The meter of an opening pickup, if the measures (start, length, time signature, cut short)
/// open with one: the first measure is one whole measure of its signature, shorter than the
/// second, whose different signature holds for the second measure and the third (or to the end
/// of the music). A first measure of 2/4 before bars of 4/4 reads as a two-beat pickup, as
/// notation programs write one; a first bar in a piece that keeps changing meter does not.
/// The caller checks the rest: a signature stated at the very start, and music sounding up
/// to the first barline.
fn opens_with_pickup(measures: &[(Rational, Rational, TimeSignature, bool)]) -> Option<TimeSignature> {
    let [(_, len0, first, false), (_, len1, second, false), rest @ ..] = measures else {
        return None;
    };
    let holds = rest.first().is_none_or(|m| m.2 == *second);
    (first != second && len0 < len1 && holds).then_some(*second)
}

#[allow(clippy::too_many_lines)]
pub(crate) fn read(bytes: &[u8], options: &MidiOptions) -> Result<(SimpleScore, ImportReport)> {
    if bytes.len() as u64 > limits::MAX_MIDI_BYTES {
        return Err(Error::LimitExceeded {
            format: FORMAT,
            position: FilePosition::Byte(limits::MAX_MIDI_BYTES),
            what: "input bytes",
            limit: limits::MAX_MIDI_BYTES,
        });
    }
    let mut report = ImportReport::new(FORMAT);
    check_chunks(bytes, &mut report)?;
    check_timing(bytes)?;
    // midly is a third-party parser: a panic in it must not take down the caller, so it is
    // contained here and reported like any other bad input.
    let parsed = std::panic::catch_unwind(|| midly::parse(bytes))
        .map_err(|_| format_err(0, "the MIDI parser failed on this file".to_owned()))?;
    let (header, mut tracks) = parsed.map_err(|e| format_err(0, format!("not a Standard MIDI File: {e}")))?;
    report.version = Some(
        match header.format {
            midly::Format::SingleTrack => "0",
            midly::Format::Parallel => "1",
            midly::Format::Sequential => "2",
        }
        .to_string(),
    );
    if header.format == midly::Format::Sequential {
        report.warn(|| FilePosition::Byte(0), "type 2 file read as type 1 (tracks played together)");
    }
    let tpq: u64 = match header.timing {
        Timing::Metrical(t) => u64::from(t.as_int()).max(1),
        Timing::Timecode(fps, sub) => {
            report.warn(|| FilePosition::Byte(0), "SMPTE timing read at 120 quarters per minute");
            ((fps.as_f32() * sub as f32) / 2.0).round().max(1.0) as u64
        }
    };
    let max_ticks = limits::MAX_MIDI_QUARTERS * tpq;

    // Collect notes and meta events.
    let mut parts: Vec<RawPart> = Vec::new();
    let mut tempos: Vec<(u64, u32)> = Vec::new();
    let mut times: Vec<(u64, u8, u8, usize)> = Vec::new();
    let mut keys: Vec<(u64, i8, bool)> = Vec::new();
    let mut track_index = 0usize;
    let mut conductor_name: Option<String> = None;
    loop {
        let track_at = bytes.len() - tracks.unread().len();
        let Some(track) = tracks.next() else { break };
        let mut events = track.map_err(|e| format_err(track_at, format!("broken track: {e}")))?;
        track_index += 1;
        if track_index > limits::MAX_MIDI_TRACKS {
            return Err(Error::LimitExceeded {
                format: FORMAT,
                position: FilePosition::Byte(track_at as u64),
                what: "tracks",
                limit: limits::MAX_MIDI_TRACKS as u64,
            });
        }
        let mut now: u64 = 0;
        let mut name: Option<String> = None;
        // Per channel: part index in `parts`, open notes per key.
        let mut channel_part: HashMap<u8, usize> = HashMap::new();
        let mut programs: HashMap<u8, u8> = HashMap::new();
        // Per channel and key, the notes sounding, oldest first: a note-off ends the oldest.
        let mut open: HashMap<(u8, u8), VecDeque<(u64, u8)>> = HashMap::new();
        let first_part = parts.len();
        loop {
            let at = bytes.len() - tracks.unread().len() - events.unread().len();
            let Some(ev) = events.next() else { break };
            let ev = ev.map_err(|e| format_err(at, format!("broken event: {e}")))?;
            now += u64::from(ev.delta.as_int());
            if now > max_ticks {
                return Err(Error::LimitExceeded {
                    format: FORMAT,
                    position: FilePosition::Byte(at as u64),
                    what: "length in quarter notes",
                    limit: limits::MAX_MIDI_QUARTERS,
                });
            }
            match ev.kind {
                TrackEventKind::Midi { channel, message } => {
                    let ch = channel.as_int();
                    let (key, on_vel) = match message {
                        MidiMessage::NoteOn { key, vel } => (key.as_int(), vel.as_int()),
                        MidiMessage::NoteOff { key, .. } => (key.as_int(), 0),
                        MidiMessage::ProgramChange { program } => {
                            programs.entry(ch).or_insert(program.as_int());
                            if let Some(&pi) = channel_part.get(&ch) {
                                parts[pi].program.get_or_insert(program.as_int());
                            }
                            continue;
                        }
                        _ => continue,
                    };
                    if on_vel > 0 {
                        open.entry((ch, key)).or_default().push_back((now, on_vel));
                    } else if let Some((on, vel)) = open.get_mut(&(ch, key)).and_then(VecDeque::pop_front) {
                        let pi = *channel_part.entry(ch).or_insert_with(|| {
                            parts.push(RawPart {
                                channel: ch,
                                program: programs.get(&ch).copied(),
                                ..RawPart::default()
                            });
                            parts.len() - 1
                        });
                        parts[pi].notes.push(RawNote { on, off: now, key, vel });
                    }
                }
                TrackEventKind::Meta(m) => match m {
                    MetaMessage::Tempo(us) => tempos.push((now, us.as_int().max(1))),
                    MetaMessage::TimeSignature(n, d, _, _) => times.push((now, n, d, at)),
                    MetaMessage::KeySignature(sf, minor) => keys.push((now, sf, minor)),
                    MetaMessage::TrackName(b) if name.is_none() => {
                        name = Some(String::from_utf8_lossy(b).trim().to_string());
                    }
                    _ => {}
                },
                _ => {}
            }
        }
        // Notes still sounding at the end of the track end there.
        let mut dangling = 0;
        for ((ch, key), list) in open {
            for (on, vel) in list {
                dangling += 1;
                let pi = *channel_part.entry(ch).or_insert_with(|| {
                    parts.push(RawPart {
                        channel: ch,
                        program: programs.get(&ch).copied(),
                        ..RawPart::default()
                    });
                    parts.len() - 1
                });
                parts[pi].notes.push(RawNote { on, off: now.max(on + 1), key, vel });
            }
        }
        if dangling > 0 {
            report.warn(
                || FilePosition::Byte(track_at as u64),
                "notes without a note-off end at the end of their track",
            );
        }
        if parts.len() == first_part {
            if conductor_name.is_none() {
                conductor_name = name.clone().filter(|n| !n.is_empty());
            }
        } else {
            for p in &mut parts[first_part..] {
                p.name = name.clone().filter(|n| !n.is_empty());
            }
        }
    }
    parts.retain(|p| !p.notes.is_empty());
    if parts.len() > limits::MAX_PARTS {
        return Err(Error::LimitExceeded {
            format: FORMAT,
            position: FilePosition::Unknown,
            what: "parts",
            limit: limits::MAX_PARTS as u64,
        });
    }
    report.metadata.title = conductor_name;

    // The grid.
    let subdivision = match options.grid {
        Some(g) if g.is_positive() => {
            // Checked: a grid near `i64::MAX` would overflow the division.
            match Rational::new(1, 4).checked_div(g) {
                Some(s) if s.is_integer() && s.numer() <= 96 * 4 => s.numer(),
                _ => return Err(Error::InvalidDuration(format!("quantisation grid {g}"))),
            }
        }
        _ => {
            let mut ticks: Vec<u64> =
                parts.iter().flat_map(|p| p.notes.iter().flat_map(|n| [n.on, n.off])).collect();
            ticks.extend(times.iter().map(|t| t.0));
            choose_grid(&ticks, tpq)
        }
    };
    let quant = |t: u64| -> Rational {
        let steps = ((t as f64) * subdivision as f64 / tpq as f64).round() as i64;
        Rational::new(steps, subdivision * 4)
    };
    let step = Rational::new(1, subdivision * 4);

    // Measures from the time signatures.
    let mut ts_events: Vec<(Rational, TimeSignature)> = Vec::new();
    for &(t, n, d, at) in &times {
        let den = 1u32.checked_shl(u32::from(d)).unwrap_or(0);
        match u16::try_from(den).ok().and_then(|den| TimeSignature::new(n, den).ok()) {
            Some(ts) => ts_events.push((quant(t), ts)),
            None => {
                report.warn(|| FilePosition::Byte(at as u64), format!("time signature {n}/2^{d} skipped"))
            }
        }
    }
    ts_events.sort_by_key(|x| x.0);
    let end = parts
        .iter()
        .flat_map(|p| p.notes.iter())
        .map(|n| quant(n.off).max(quant(n.on) + step))
        .max()
        .unwrap_or(Rational::ZERO);
    let mut measures: Vec<(Rational, Rational, TimeSignature, bool)> = Vec::new();
    let mut t = Rational::ZERO;
    let mut ts = ts_events.iter().take_while(|x| x.0.is_zero()).last().map_or(TimeSignature::COMMON, |x| x.1);
    let mut next_ts = ts_events.iter().position(|x| x.0.is_positive()).unwrap_or(ts_events.len());
    while t < end || measures.is_empty() {
        let mut len = ts.length();
        let mut cut = false;
        if let Some(&(at, new)) = ts_events.get(next_ts) {
            if at <= t {
                ts = new;
                next_ts += 1;
                continue;
            }
            if at < t + len {
                len = at - t;
                cut = true;
            }
        }
        measures.push((t, len, ts, cut));
        t += len;
        if measures.len() > limits::MAX_MEASURES {
            return Err(Error::LimitExceeded {
                format: FORMAT,
                position: FilePosition::Unknown,
                what: "measures",
                limit: limits::MAX_MEASURES as u64,
            });
        }
    }
    // An opening pickup, written the notation programs' way: a first measure whose time
    // signature states its own short length, then the real one (see `opens_with_pickup`).
    let explicit_start = ts_events.first().is_some_and(|x| x.0.is_zero());
    let first_end = measures[0].1;
    let reaches_barline = parts.iter().flat_map(|p| &p.notes).any(|n| {
        let on = quant(n.on);
        on < first_end && quant(n.off).max(on + step) >= first_end
    });
    if explicit_start
        && reaches_barline
        && let Some(time) = opens_with_pickup(&measures)
    {
        measures[0].2 = time;
        measures[0].3 = true;
    }
    if measures.len().saturating_mul(parts.len()) > limits::MAX_CELLS {
        return Err(Error::LimitExceeded {
            format: FORMAT,
            position: FilePosition::Unknown,
            what: "parts times measures",
            limit: limits::MAX_CELLS as u64,
        });
    }

    // Keys: from meta events, else detected.
    let mut key_events: Vec<(Rational, Key)> = keys
        .iter()
        .filter_map(|&(t, sf, minor)| {
            Key::from_fifths(i32::from(sf), if minor { Mode::Minor } else { Mode::Major })
                .ok()
                .map(|k| (quant(t), k))
        })
        .collect();
    key_events.sort_by_key(|x| x.0);
    if key_events.is_empty() {
        let mut h = [0.0f64; 12];
        for p in parts.iter().filter(|p| p.channel != 9) {
            for n in &p.notes {
                h[(n.key % 12) as usize] += (n.off - n.on) as f64 / tpq as f64;
            }
        }
        if h.iter().any(|&x| x > 0.0) {
            key_events.push((Rational::ZERO, key_from_histogram(&h, KeyProfile::KrumhanslKessler).key));
        }
    }
    let mut tempo_events: Vec<(Rational, u32)> = tempos.iter().map(|&(t, us)| (quant(t), us)).collect();
    tempo_events.sort_by_key(|x| x.0);

    let mut infos = Vec::with_capacity(measures.len());
    let mut key = Key::C_MAJOR;
    for (i, &(start, len, ts, cut)) in measures.iter().enumerate() {
        if let Some(k) = key_events.iter().take_while(|x| x.0 <= start).last() {
            key = k.1;
        }
        let mut info = MeasureInfo::new(ts, key);
        info.pickup = cut;
        let in_measure =
            |x: &&(Rational, u32)| x.0 >= start && (x.0 < start + len || i + 1 == measures.len());
        if let Some(&(_, us)) = tempo_events.iter().find(in_measure) {
            info.tempo = Some(Tempo { beat: Rational::new(1, 4), bpm: bpm_of(us) });
        }
        infos.push(info);
    }

    // Parts.
    let mut part_infos = Vec::with_capacity(parts.len());
    let mut cells: Vec<Vec<Vec<Vec<Event>>>> = Vec::with_capacity(parts.len());
    let mut next_id = 1u64;
    // Events made so far, against `limits::MAX_EVENTS`: a few bytes of notes held across
    // thousands of short measures, in many voices, would otherwise become gigabytes of tied
    // pieces and rests.
    let mut event_count = 0usize;
    let mut count_events = |more: usize| -> Result<()> {
        event_count = event_count.saturating_add(more);
        if event_count > limits::MAX_EVENTS {
            return Err(Error::LimitExceeded {
                format: FORMAT,
                position: FilePosition::Unknown,
                what: "events",
                limit: limits::MAX_EVENTS as u64,
            });
        }
        Ok(())
    };
    for (pi, raw) in parts.iter().enumerate() {
        let drums = raw.channel == 9;
        let ins = if drums {
            instrument::by_id("drum-set").ok()
        } else {
            raw.program.and_then(instrument_for_program)
        };
        let name = raw
            .name
            .clone()
            .or_else(|| ins.map(|i| i.name.to_string()))
            .unwrap_or_else(|| format!("Part {}", pi + 1));
        let mut info = match ins {
            Some(i) => PartInfo::new(name, i),
            None => PartInfo::plain(name),
        };
        // MIDI holds sounding pitches: the score is read at concert pitch.
        info.transposition = Interval::UNISON;
        info.unpitched = drums;
        let piano = options.split_piano
            && !drums
            && (raw.program.is_some_and(|p| p < 8)
                || raw.name.as_deref().is_some_and(|n| n.to_ascii_lowercase().contains("piano")));
        info.staves = if piano { 2 } else { 1 };
        report.metadata.parts.push(PartExtras {
            midi_program: raw.program,
            midi_channel: Some(raw.channel),
            ..PartExtras::default()
        });

        // Chord groups: notes with the same quantised start and end.
        let mut groups: Vec<(Rational, Rational, u8, Vec<u8>, u8)> = Vec::new(); // on, off, staff, keys, vel
        let mut notes: Vec<(Rational, Rational, u8, u8, u8)> = raw
            .notes
            .iter()
            .map(|n| {
                let on = quant(n.on);
                let off = quant(n.off).max(on + step);
                let staff = u8::from(piano && n.key < 60);
                (on, off, staff, n.key, n.vel)
            })
            .collect();
        notes.sort_by_key(|a| (a.2, a.0, a.1, a.3));
        notes.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1 && a.2 == b.2 && a.3 == b.3);
        for (on, off, staff, key, vel) in notes {
            match groups.last_mut() {
                Some(g) if g.0 == on && g.1 == off && g.2 == staff => {
                    g.3.push(key);
                    g.4 = g.4.max(vel);
                }
                _ => groups.push((on, off, staff, vec![key], vel)),
            }
        }
        // Voices per staff: earliest start first, higher notes first, into the first free voice.
        groups.sort_by(|a, b| (a.2, a.0).cmp(&(b.2, b.0)).then(b.3.iter().max().cmp(&a.3.iter().max())));
        let mut voice_ends: Vec<(u8, Rational)> = Vec::new();
        let mut assigned: Vec<usize> = Vec::with_capacity(groups.len());
        for g in &groups {
            let free = voice_ends.iter().position(|&(s, e)| s == g.2 && e <= g.0);
            let v = match free {
                Some(v) => v,
                None if voice_ends.len() < limits::MAX_VOICES => {
                    voice_ends.push((g.2, Rational::ZERO));
                    voice_ends.len() - 1
                }
                None => {
                    report
                        .warn(|| FilePosition::Unknown, "too many simultaneous voices; extra notes overlap");
                    voice_ends.iter().position(|&(s, _)| s == g.2).unwrap_or(0)
                }
            };
            voice_ends[v].1 = voice_ends[v].1.max(g.1);
            assigned.push(v);
        }
        // Order voices by staff so staff 0's voices come first.
        let mut order: Vec<usize> = (0..voice_ends.len()).collect();
        order.sort_by_key(|&v| (voice_ends[v].0, v));
        let mut rank = vec![0; voice_ends.len()];
        for (r, &v) in order.iter().enumerate() {
            rank[v] = r;
        }
        let voice_count = voice_ends.len().max(1);
        // Every group becomes one piece per measure it sounds in: counted before any is made.
        let pieces = groups
            .iter()
            .map(|g| {
                let first = measures.partition_point(|m| m.0 + m.1 <= g.0);
                let last = measures.partition_point(|m| m.0 < g.1);
                last.saturating_sub(first)
            })
            .fold(0usize, usize::saturating_add);
        count_events(pieces)?;
        // A measure's voices are made as they are played, not `voice_count` for every measure.
        let mut part_cells: Vec<Vec<Vec<Event>>> = vec![Vec::new(); measures.len()];
        let mut current = nearest_dynamic(DEFAULT_VELOCITY);
        let mut by_voice: Vec<Vec<usize>> = vec![Vec::new(); voice_count];
        for (gi, &v) in assigned.iter().enumerate() {
            by_voice[rank[v]].push(gi);
        }
        // Dynamics follow time across voices: decide them in onset order.
        let mut dyn_marks: HashMap<usize, Dynamic> = HashMap::new();
        let mut by_time: Vec<usize> = (0..groups.len()).collect();
        by_time.sort_by_key(|&g| (groups[g].0, groups[g].2));
        for g in by_time {
            let d = nearest_dynamic(groups[g].4);
            if d != current {
                dyn_marks.insert(g, d);
                current = d;
            }
        }
        for (v, list) in by_voice.iter().enumerate() {
            for &gi in list {
                let (on, off, staff, ref keys_of, _) = groups[gi];
                // Split at barlines.
                let first_m = measures.partition_point(|m| m.0 + m.1 <= on);
                let mut m = first_m;
                let mut t = on;
                while t < off && m < measures.len() {
                    let (ms, ml, _, _) = measures[m];
                    let piece_end = off.min(ms + ml);
                    let starts_tie = piece_end < off;
                    let stops_tie = t > on;
                    let tie = match (starts_tie, stops_tie) {
                        (true, true) => Tie::Continue,
                        (true, false) => Tie::Start,
                        (false, true) => Tie::Stop,
                        (false, false) => Tie::None,
                    };
                    let center = infos[m].key.spelling_center();
                    let mut ns: Vec<Note> = keys_of
                        .iter()
                        .map(|&k| Note { tie, ..Note::new(Pitch::from_midi_near(i32::from(k), center)) })
                        .collect();
                    ns.sort_by_key(|n| n.pitch);
                    let kind = if ns.len() == 1 { EventKind::Note(ns[0]) } else { EventKind::Chord(ns) };
                    let mut ev = Event::new(EventId(next_id), t - ms, piece_end - t, kind);
                    next_id += 1;
                    ev.staff = staff;
                    if t == on {
                        ev.dynamic = dyn_marks.get(&gi).copied();
                    }
                    let cell = &mut part_cells[m];
                    if cell.len() <= v {
                        cell.resize_with(v + 1, Vec::new);
                    }
                    cell[v].push(ev);
                    t = piece_end;
                    m += 1;
                }
            }
        }
        // Rests fill the gaps of voices that play in a measure; voice 0 always covers it.
        for (m, cell) in part_cells.iter_mut().enumerate() {
            let len = measures[m].1;
            if cell.is_empty() {
                cell.push(Vec::new());
            }
            for (v, events) in cell.iter_mut().enumerate() {
                if events.is_empty() && v != 0 {
                    continue;
                }
                events.sort_by_key(|e| e.onset);
                let staff = events.first().map_or(0, |e| e.staff);
                let mut filled = Vec::with_capacity(events.len() + 2);
                let mut cursor = Rational::ZERO;
                for e in events.drain(..) {
                    if e.onset > cursor {
                        count_events(1)?;
                        let mut r = Event::new(EventId(next_id), cursor, e.onset - cursor, EventKind::Rest);
                        next_id += 1;
                        r.staff = staff;
                        filled.push(r);
                    }
                    cursor = cursor.max(e.end());
                    filled.push(e);
                }
                if cursor < len {
                    count_events(1)?;
                    let mut r = Event::new(EventId(next_id), cursor, len - cursor, EventKind::Rest);
                    next_id += 1;
                    r.staff = staff;
                    filled.push(r);
                }
                *events = filled;
            }
            while cell.len() > 1 && cell.last().is_some_and(Vec::is_empty) {
                cell.pop();
            }
        }
        part_infos.push(info);
        cells.push(part_cells);
    }

    let mut score = SimpleScore::new(part_infos, measures.len(), TimeSignature::COMMON, Key::C_MAJOR);
    for (m, info) in infos.into_iter().enumerate() {
        *score.measure_mut(m)? = info;
    }
    for (p, part_cells) in cells.into_iter().enumerate() {
        for (m, voices) in part_cells.into_iter().enumerate() {
            for (v, events) in voices.into_iter().enumerate() {
                score.set_events(p, m, v, events)?;
            }
        }
    }
    Ok((score, report))
}
