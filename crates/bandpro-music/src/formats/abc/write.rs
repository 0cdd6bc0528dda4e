//! Writing ABC 2.1.
//!
//! Every voice of every part is an ABC voice of its own, `V:P<part>V<voice>`, named after its
//! part; a `%%score` line puts the voices of one part in parentheses, so that reading the tune
//! back joins them into that part again. A voice with nothing in a measure fills it with an
//! invisible rest, which reads back as nothing.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::event::{AccidentalDisplay, Articulations, Event, EventKind, Grace, Syllabic};
use crate::formats::report::Metadata;
use crate::key::{Key, Mode};
use crate::pitch::{Pitch, Step};
use crate::rational::Rational;
use crate::view::{Jumps, ScoreView, Tempo};

/// Lyrics of one note: (verse, text, syllabic) per verse; `None` for a note without lyrics.
type NoteLyrics = Option<Vec<(u8, String, Syllabic)>>;

const UNIT: Rational = Rational::new(1, 8);

pub(crate) fn key_text(k: Key) -> String {
    let suffix = match k.mode() {
        Mode::Major => "",
        Mode::Minor => "m",
        Mode::Dorian => "dor",
        Mode::Phrygian => "phr",
        Mode::Lydian => "lyd",
        Mode::Mixolydian => "mix",
        Mode::Locrian => "loc",
    };
    format!("{}{suffix}", k.tonic())
}

fn tempo_text(t: Tempo) -> String {
    format!("{}={}", t.beat, crate::formats::musicxml::decimal(t.bpm))
}

/// Write the length suffix of a note whose written value (before any tuplet) is `written`
/// whole notes divided by `divisor`, in units of [`UNIT`].
///
/// Computed in 128 bits: a note read from a file can be long enough that its length in eighths
/// leaves `i64`. Such a length is written out exactly, even though no reader takes it back.
fn length(out: &mut String, written: Rational, divisor: Rational) {
    let mut n = i128::from(written.numer()) * i128::from(divisor.denom()) * i128::from(UNIT.denom());
    let mut d = i128::from(written.denom()) * i128::from(divisor.numer()) * i128::from(UNIT.numer());
    if d < 0 {
        (n, d) = (-n, -d);
    }
    let g = gcd(n.unsigned_abs(), d.unsigned_abs()).max(1) as i128;
    let (n, d) = (n / g, d / g);
    match (n, d) {
        (1, 1) => {}
        (n, 1) => {
            let _ = write!(out, "{n}");
        }
        (1, 2) => out.push('/'),
        (1, d) => {
            let _ = write!(out, "/{d}");
        }
        (n, d) => {
            let _ = write!(out, "{n}/{d}");
        }
    }
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

struct Bar {
    key: Key,
    accidentals: HashMap<(Step, i8), i8>,
}

impl Bar {
    fn pitch(&mut self, out: &mut String, p: Pitch, display: AccidentalDisplay) {
        let in_force = self
            .accidentals
            .get(&(p.step, p.octave))
            .copied()
            .unwrap_or_else(|| self.key.signature_alter(p.step));
        if in_force != p.alter || matches!(display, AccidentalDisplay::Shown | AccidentalDisplay::Cautionary)
        {
            match p.alter {
                0 => out.push('='),
                a if a > 0 => out.push_str(&"^".repeat(a as usize)),
                a => out.push_str(&"_".repeat((-a) as usize)),
            }
            self.accidentals.insert((p.step, p.octave), p.alter);
        }
        let letter = p.step.letter();
        if p.octave >= 5 {
            out.push(letter.to_ascii_lowercase());
            for _ in 5..p.octave {
                out.push('\'');
            }
        } else {
            out.push(letter);
            for _ in p.octave..4 {
                out.push(',');
            }
        }
    }
}

fn marks(out: &mut String, e: &Event) {
    if let Some(d) = e.dynamic {
        let _ = write!(out, "!{}!", d.symbol());
    }
    for (m, s) in [
        (Articulations::HAIRPIN_END, "!crescendo)!"),
        (Articulations::CRESCENDO_START, "!crescendo(!"),
        (Articulations::DIMINUENDO_START, "!diminuendo(!"),
        (Articulations::STACCATO, "."),
        (Articulations::ACCENT, "!accent!"),
        (Articulations::TENUTO, "!tenuto!"),
        (Articulations::MARCATO, "!marcato!"),
        (Articulations::STACCATISSIMO, "!wedge!"),
        (Articulations::FERMATA, "!fermata!"),
        (Articulations::BREATH_MARK, "!breath!"),
        (Articulations::TRILL, "!trill!"),
        (Articulations::MORDENT, "!mordent!"),
        (Articulations::TURN, "!turn!"),
    ] {
        if e.articulations.contains(m) {
            out.push_str(s);
        }
    }
}

fn write_voice_measure(out: &mut String, events: &[Event], bar: &mut Bar, lyric_notes: &mut Vec<NoteLyrics>) {
    let mut i = 0;
    let mut cursor = Rational::ZERO;
    while i < events.len() {
        let e = &events[i];
        if e.onset > cursor {
            // A gap: an invisible rest.
            out.push('x');
            length(out, e.onset - cursor, Rational::ONE);
            out.push(' ');
            cursor = e.onset;
        }
        if e.is_grace() {
            out.push('{');
            if e.grace == Some(Grace::Acciaccatura) {
                out.push('/');
            }
            while i < events.len() && events[i].is_grace() {
                for n in events[i].notes() {
                    bar.pitch(out, n.pitch, n.accidental);
                    length(out, events[i].duration, Rational::ONE);
                }
                i += 1;
            }
            out.push('}');
            continue;
        }
        // Tuplet start: the first event of a group.
        if let Some(t) = e.tuplets.first() {
            let first = i == 0 || events[i - 1].tuplets.first().is_none_or(|x| x.group != t.group);
            if first {
                let r = events[i..]
                    .iter()
                    .take_while(|x| x.tuplets.first().is_some_and(|y| y.group == t.group) && !x.is_grace())
                    .count();
                let _ = write!(out, "({}:{}:{}", t.ratio.actual, t.ratio.normal, r);
            }
        }
        // Changes of chord during the note follow as further symbols: ABC has no place for
        // their moment, so it is lost (they read back at the note's onset).
        for cs in e.chord_symbol.iter().chain(e.chord_changes.iter().map(|c| &c.symbol)) {
            let _ = write!(out, "\"{cs}\"");
        }
        marks(out, e);
        if e.articulations.contains(Articulations::SLUR_START) {
            out.push('(');
        }
        // Written value = duration / tuplet factor, divided inside `length` in 128 bits.
        let factor = e.tuplets.first().map_or(Rational::ONE, |t| t.ratio.factor());
        let written = e.duration;
        match &e.kind {
            EventKind::Rest => {
                out.push('z');
                length(out, written, factor);
            }
            EventKind::Note(n) => {
                bar.pitch(out, n.pitch, n.accidental);
                length(out, written, factor);
                if n.tie.starts() {
                    out.push('-');
                }
            }
            EventKind::Chord(ns) => {
                out.push('[');
                for n in ns {
                    bar.pitch(out, n.pitch, n.accidental);
                    if n.tie.starts() {
                        out.push('-');
                    }
                }
                out.push(']');
                length(out, written, factor);
            }
        }
        if e.articulations.contains(Articulations::SLUR_END) {
            out.push(')');
        }
        if !e.is_rest() && !e.notes().iter().all(|n| n.tie.stops()) {
            lyric_notes.push(if e.lyrics.is_empty() {
                None
            } else {
                Some(e.lyrics.iter().map(|l| (l.verse, l.text.clone(), l.syllabic)).collect())
            });
        }
        cursor = e.end();
        i += 1;
        out.push(' ');
    }
}

fn lyric_lines(out: &mut String, notes: &[NoteLyrics]) {
    let max_verse = notes.iter().flatten().flatten().map(|l| l.0).max().unwrap_or(0);
    for verse in 1..=max_verse {
        out.push_str("w:");
        for n in notes {
            match n.as_ref().and_then(|ls| ls.iter().find(|l| l.0 == verse)) {
                Some((_, text, syl)) => {
                    out.push(' ');
                    out.push_str(&text.replace(' ', "~").replace('-', "\\-"));
                    if matches!(syl, Syllabic::Begin | Syllabic::Middle) {
                        out.push('-');
                    }
                }
                None => out.push_str(" *"),
            }
        }
        out.push('\n');
    }
}

/// `text` on one line: a line break in a title or a part name would end the field and start
/// a line of music.
fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

/// How long an invisible rest fills measure `m` of a voice with nothing in it: the meter's
/// length, or in a pickup the end of its longest voice (an eighth if the pickup is empty).
fn fill(score: &dyn ScoreView, m: usize) -> Rational {
    let info = score.measure(m);
    if !info.pickup {
        return info.time.length();
    }
    let end = (0..score.part_count())
        .flat_map(|p| (0..score.voice_count(p, m)).map(move |v| (p, v)))
        .filter_map(|(p, v)| {
            score.events(p, m, v).iter().filter_map(|e| e.onset.checked_add(e.time_taken())).max()
        })
        .max()
        .unwrap_or(Rational::ZERO);
    if end.is_positive() { end } else { UNIT }
}

pub(crate) fn write(score: &dyn ScoreView, meta: &Metadata) -> String {
    let mut out = String::new();
    out.push_str("X:1\n");
    let _ = writeln!(out, "T:{}", one_line(meta.title.as_deref().unwrap_or("Untitled")));
    if let Some(t) = &meta.movement_title {
        let _ = writeln!(out, "T:{}", one_line(t));
    }
    if let Some(c) = &meta.composer {
        let _ = writeln!(out, "C:{}", one_line(c));
    }
    let first = (score.measure_count() > 0).then(|| *score.measure(0));
    let time = first.map(|m| m.time).unwrap_or_default();
    let key = first.map(|m| m.key).unwrap_or_default();
    let _ = writeln!(out, "M:{time}");
    out.push_str("L:1/8\n");
    if let Some(t) = first.and_then(|m| m.tempo) {
        let _ = writeln!(out, "Q:{}", tempo_text(t));
    }
    // The voices to write per part: up to the last that has an event anywhere, and at least
    // one, so that every part is there. Empty voices below that one are written (as invisible
    // rests) to keep the voice numbers.
    let voices: Vec<usize> = (0..score.part_count())
        .map(|p| {
            (0..score.measure_count())
                .filter_map(|m| {
                    (0..score.voice_count(p, m)).rev().find(|&v| !score.events(p, m, v).is_empty())
                })
                .max()
                .map_or(1, |v| v + 1)
        })
        .collect();
    let named = voices.iter().sum::<usize>() > 1;
    let id = |p: usize, v: usize| format!("P{}V{}", p + 1, v + 1);
    if named {
        let groups: Vec<String> = voices
            .iter()
            .enumerate()
            .map(|(p, &n)| {
                let ids: Vec<String> = (0..n).map(|v| id(p, v)).collect();
                if n > 1 { format!("({})", ids.join(" ")) } else { ids.join(" ") }
            })
            .collect();
        let _ = writeln!(out, "%%score {}", groups.join(" "));
        for (p, &n) in voices.iter().enumerate() {
            for v in 0..n {
                let name = one_line(&score.part(p).name).replace('"', "'");
                let _ = writeln!(out, "V:{} name=\"{name}\"", id(p, v));
            }
        }
    }
    let _ = writeln!(out, "K:{}", key_text(key));
    let fills: Vec<Rational> = (0..score.measure_count()).map(|m| fill(score, m)).collect();
    for (p, v) in voices.iter().enumerate().flat_map(|(p, &n)| (0..n).map(move |v| (p, v))) {
        if named {
            let _ = writeln!(out, "V:{}", id(p, v));
        }
        let mut line = String::new();
        let mut lyric_notes = Vec::new();
        let count = score.measure_count();
        for (m, &fill) in fills.iter().enumerate() {
            let info = score.measure(m);
            let prev = (m > 0).then(|| score.measure(m - 1));
            if let Some(pr) = prev {
                if pr.time != info.time {
                    let _ = write!(line, "[M:{}] ", info.time);
                }
                if pr.key != info.key {
                    let _ = write!(line, "[K:{}] ", key_text(info.key));
                }
                if let Some(t) = info.tempo {
                    let _ = write!(line, "[Q:{}] ", tempo_text(t));
                }
            }
            if info.ending != 0 && prev.is_none_or(|pr| pr.ending != info.ending) {
                let nums: Vec<String> =
                    (0..16).filter(|b| info.ending & (1 << b) != 0).map(|b| (b + 1).to_string()).collect();
                let _ = write!(line, "[{} ", nums.join(","));
            }
            if info.jumps.contains(Jumps::SEGNO) {
                line.push_str("!segno!");
            }
            if info.jumps.contains(Jumps::CODA) {
                line.push_str("!coda!");
            }
            let mut bar = Bar { key: info.key, accidentals: HashMap::new() };
            let events = if v < score.voice_count(p, m) { score.events(p, m, v) } else { &[] };
            if events.is_empty() {
                line.push('x');
                length(&mut line, fill, Rational::ONE);
                line.push(' ');
            } else {
                write_voice_measure(&mut line, events, &mut bar, &mut lyric_notes);
            }
            for (mark, s) in [
                (Jumps::FINE, "!fine!"),
                (Jumps::TO_CODA, "!dacoda!"),
                (Jumps::DA_CAPO, "!D.C.!"),
                (Jumps::DAL_SEGNO, "!D.S.!"),
            ] {
                if info.jumps.contains(mark) {
                    line.push_str(s);
                }
            }
            let next = (m + 1 < count).then(|| score.measure(m + 1));
            let bar_text = match (info.repeat_end, next.is_some_and(|n| n.repeat_start)) {
                (Some(2), true) => "::",
                (Some(2), false) => ":|",
                (Some(t), start) => {
                    let colons = ":".repeat((t.max(2) - 1) as usize);
                    line.push_str(&colons);
                    if start { "|:" } else { "|" }
                }
                (None, true) => "|:",
                (None, false) if next.is_none() => "|]",
                (None, false) => "|",
            };
            line.push_str(bar_text);
            if m == 0 && info.repeat_start {
                line.insert_str(0, "|:");
            }
            if m % 4 == 3 || next.is_none() {
                out.push_str(line.trim_end());
                out.push('\n');
                lyric_lines(&mut out, &lyric_notes);
                line.clear();
                lyric_notes.clear();
            } else {
                line.push(' ');
            }
        }
    }
    out
}
