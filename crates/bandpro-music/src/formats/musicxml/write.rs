//! Writing MusicXML 4.0 partwise from a [`ScoreView`].
//!
//! Each part gets its own `<divisions>`: the least common multiple of the denominators of all
//! its onsets and durations, so every time is an exact integer. Voices are written one after
//! the other with `<backup>`, gaps in a voice with `<forward>`. Dynamics, hairpins and chord
//! symbols are written just before the note they belong to, with its voice and staff, which is
//! where the reader looks for them (a change of chord during the note with an `<offset>` when
//! the model knows its moment). A part's `<transpose>` is written in its first measure
//! (unless it sounds as written) and again in every measure where it changes, concert pitch
//! included, together with the written key signature the change implies.

use std::fmt::Write as _;

use crate::chord_symbol::ChordSymbol;
use crate::clef::{Clef, ClefSign};
use crate::duration::NoteValue;
use crate::event::{AccidentalDisplay, Articulations, Event, Syllabic};
use crate::formats::report::{GroupSymbol, Metadata};
use crate::formats::xml::escape_into;
use crate::interval::Interval;
use crate::key::{Key, Mode};
use crate::pitch::Pitch;
use crate::rational::Rational;
use crate::view::{Jumps, PartInfo, ScoreView, Tempo};

use super::chord_kinds;

struct Out {
    s: String,
    depth: usize,
}

impl Out {
    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.s.push_str("  ");
        }
    }

    fn open(&mut self, tag: &str) {
        self.indent();
        self.s.push('<');
        self.s.push_str(tag);
        self.s.push_str(">\n");
        self.depth += 1;
    }

    fn close(&mut self, name: &str) {
        self.depth -= 1;
        self.indent();
        self.s.push_str("</");
        self.s.push_str(name);
        self.s.push_str(">\n");
    }

    fn empty(&mut self, tag: &str) {
        self.indent();
        self.s.push('<');
        self.s.push_str(tag);
        self.s.push_str("/>\n");
    }

    fn leaf(&mut self, name: &str, text: &str) {
        self.indent();
        let _ = write!(self.s, "<{name}>");
        escape_into(&mut self.s, text);
        let _ = writeln!(self.s, "</{name}>");
    }

    fn leaf_attr(&mut self, name: &str, attrs: &str, text: &str) {
        self.indent();
        let _ = write!(self.s, "<{name} {attrs}>");
        escape_into(&mut self.s, text);
        let _ = writeln!(self.s, "</{name}>");
    }
}

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    escape_into(&mut o, s);
    o
}

/// An exact decimal when the denominator has only the factors 2 and 5, else four places.
pub(crate) fn decimal(r: Rational) -> String {
    let mut d = r.denom();
    while d % 2 == 0 {
        d /= 2;
    }
    while d % 5 == 0 {
        d /= 5;
    }
    if r.is_integer() {
        return r.numer().to_string();
    }
    let neg = r.numer() < 0;
    let a = r.abs();
    let int = a.floor();
    let mut frac = a - Rational::from_int(int);
    let mut digits = String::new();
    let max = if d == 1 { 18 } else { 4 };
    while !frac.is_zero() && digits.len() < max {
        frac = frac * Rational::from_int(10);
        let dgt = frac.floor();
        digits.push(char::from(b'0' + dgt as u8));
        frac -= Rational::from_int(dgt);
    }
    format!("{}{int}.{digits}", if neg { "-" } else { "" })
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// Divisions per quarter so that every time of the part is an integer.
fn part_divisions(score: &dyn ScoreView, p: usize) -> i64 {
    let mut l: u64 = 1;
    let mut add = |r: Rational| {
        let q = r * Rational::from_int(4);
        let d = q.denom() as u64;
        let g = gcd(l, d);
        if let Some(n) = (l / g).checked_mul(d)
            && n <= 1 << 40
        {
            l = n;
        }
    };
    for m in 0..score.measure_count() {
        for v in 0..score.voice_count(p, m) {
            for e in score.events(p, m, v) {
                add(e.onset);
                if !e.is_grace() {
                    add(e.duration);
                }
                for c in &e.chord_changes {
                    add(c.offset);
                }
            }
        }
    }
    l as i64
}

fn ticks(r: Rational, div: i64) -> i64 {
    (r * Rational::from_int(4 * div)).floor()
}

fn mode_name(m: Mode) -> &'static str {
    match m {
        Mode::Major => "major",
        Mode::Minor => "minor",
        Mode::Dorian => "dorian",
        Mode::Phrygian => "phrygian",
        Mode::Lydian => "lydian",
        Mode::Mixolydian => "mixolydian",
        Mode::Locrian => "locrian",
    }
}

/// The key signature a part with `transposition` (written -> sounding) writes for `concert`.
fn written_key(concert: Key, transposition: Interval) -> Key {
    if transposition == Interval::UNISON {
        concert
    } else {
        concert.transpose(-transposition).unwrap_or(concert)
    }
}

/// A `<transpose>` element: `<diatonic>` and `<chromatic>` within the octave, the rest as
/// `<octave-change>`. Concert pitch is written too (all zero), for a change back to it.
fn write_transpose(o: &mut Out, t: Interval) {
    let oct = t.diatonic() / 7;
    o.open("transpose");
    o.leaf("diatonic", &(t.diatonic() - 7 * oct).to_string());
    o.leaf("chromatic", &(t.semitones() - 12 * oct).to_string());
    if oct != 0 {
        o.leaf("octave-change", &oct.to_string());
    }
    o.close("transpose");
}

fn default_clefs(score: &dyn ScoreView, p: usize) -> Vec<Clef> {
    let part = score.part(p);
    let staves = part.staves.max(1) as usize;
    if part.unpitched {
        return vec![Clef::PERCUSSION; staves];
    }
    (0..staves)
        .map(|s| {
            let mut lo: Option<Pitch> = None;
            let mut hi: Option<Pitch> = None;
            for m in 0..score.measure_count() {
                for v in 0..score.voice_count(p, m) {
                    for e in score.events(p, m, v).iter().filter(|e| e.staff as usize == s) {
                        for n in e.notes() {
                            lo = Some(lo.map_or(n.pitch, |x| x.min(n.pitch)));
                            hi = Some(hi.map_or(n.pitch, |x| x.max(n.pitch)));
                        }
                    }
                }
            }
            match (lo, hi) {
                (Some(l), Some(h)) if staves == 1 && part.instrument.is_none() => {
                    if Clef::BASS.ledger_lines(l) + Clef::BASS.ledger_lines(h)
                        < Clef::TREBLE.ledger_lines(l) + Clef::TREBLE.ledger_lines(h)
                    {
                        Clef::BASS
                    } else {
                        Clef::TREBLE
                    }
                }
                _ if s == 0 => part.instrument.map_or(Clef::TREBLE, |i| i.clef),
                _ => Clef::BASS,
            }
        })
        .collect()
}

fn write_clef(o: &mut Out, c: Clef, number: Option<usize>) {
    match number {
        Some(n) => o.open(&format!("clef number=\"{n}\"")),
        None => o.open("clef"),
    }
    let sign = match c.sign {
        ClefSign::G => "G",
        ClefSign::F => "F",
        ClefSign::C => "C",
        ClefSign::Percussion => "percussion",
        ClefSign::Tab => "TAB",
    };
    o.leaf("sign", sign);
    if !matches!(c.sign, ClefSign::Percussion) {
        o.leaf("line", &c.line.to_string());
    }
    if c.octave_change != 0 {
        o.leaf("clef-octave-change", &c.octave_change.to_string());
    }
    o.close("clef");
}

fn ending_attr(mask: u16) -> String {
    (0..16).filter(|b| mask & (1 << b) != 0).map(|b| (b + 1).to_string()).collect::<Vec<_>>().join(", ")
}

fn write_tempo(o: &mut Out, t: Tempo) {
    o.open("direction placement=\"above\"");
    if let Some(nv) = NoteValue::from_value(t.beat) {
        o.open("direction-type");
        o.open("metronome");
        o.leaf("beat-unit", nv.base.name());
        for _ in 0..nv.dots {
            o.empty("beat-unit-dot");
        }
        o.leaf("per-minute", &decimal(t.bpm));
        o.close("metronome");
        o.close("direction-type");
    } else {
        o.open("direction-type");
        o.leaf("words", &format!("q = {}", decimal(t.quarter_bpm())));
        o.close("direction-type");
    }
    o.empty(&format!("sound tempo=\"{}\"", decimal(t.quarter_bpm())));
    o.close("direction");
}

fn write_jump(o: &mut Out, words: Option<&str>, symbol: Option<&str>, sound: &str) {
    o.open("direction placement=\"above\"");
    o.open("direction-type");
    if let Some(sym) = symbol {
        o.empty(sym);
    }
    if let Some(w) = words {
        o.leaf("words", w);
    }
    o.close("direction-type");
    o.empty(&format!("sound {sound}"));
    o.close("direction");
}

fn step_alter_leaves(o: &mut Out, prefix: &str, name: crate::pitch::PitchName) {
    o.leaf(&format!("{prefix}-step"), &name.step.letter().to_string());
    if name.alter != 0 {
        o.leaf(&format!("{prefix}-alter"), &name.alter.to_string());
    }
}

/// A `<harmony>`: root, kind, bass, then the quality's degrees and the symbol's own (the
/// schema's order); `<offset>` for a change during a note.
fn write_harmony(o: &mut Out, cs: ChordSymbol, offset: Rational, div: i64, staff: Option<u8>) {
    o.open("harmony");
    o.open("root");
    step_alter_leaves(o, "root", cs.root);
    o.close("root");
    let (kind, degrees) = chord_kinds::to_kind(cs.quality);
    // The reader takes the quality from `text` when it fits, so the symbol reads back as written.
    o.leaf_attr("kind", &format!("text=\"{}\"", esc(cs.quality.suffix())), kind);
    if let Some(b) = cs.bass {
        o.open("bass");
        step_alter_leaves(o, "bass", b);
        o.close("bass");
    }
    for (value, alter, ty) in degrees.iter().copied().chain(chord_kinds::symbol_degrees(&cs.degrees)) {
        o.open("degree");
        o.leaf("degree-value", &value.to_string());
        o.leaf("degree-alter", &alter.to_string());
        o.leaf("degree-type", ty);
        o.close("degree");
    }
    if offset.is_positive() {
        o.leaf("offset", &ticks(offset, div).to_string());
    }
    if let Some(s) = staff {
        o.leaf("staff", &(s + 1).to_string());
    }
    o.close("harmony");
}

/// Everything written before a note's first `<note>` element: chord symbols and directions.
fn write_attachments(o: &mut Out, e: &Event, voice_id: usize, div: i64, staff: Option<u8>) {
    if let Some(cs) = e.chord_symbol {
        write_harmony(o, cs, Rational::ZERO, div, staff);
    }
    for c in &e.chord_changes {
        write_harmony(o, c.symbol, c.offset, div, staff);
    }
    let wedges = [
        (Articulations::HAIRPIN_END, "stop"),
        (Articulations::CRESCENDO_START, "crescendo"),
        (Articulations::DIMINUENDO_START, "diminuendo"),
    ];
    let has_wedge = wedges.iter().any(|(m, _)| e.articulations.contains(*m));
    if e.dynamic.is_some() || has_wedge {
        o.open("direction placement=\"below\"");
        if let Some(d) = e.dynamic {
            o.open("direction-type");
            o.open("dynamics");
            o.empty(d.symbol());
            o.close("dynamics");
            o.close("direction-type");
        }
        for (m, ty) in wedges {
            if e.articulations.contains(m) {
                o.open("direction-type");
                o.empty(&format!("wedge type=\"{ty}\""));
                o.close("direction-type");
            }
        }
        o.leaf("voice", &voice_id.to_string());
        if let Some(s) = staff {
            o.leaf("staff", &(s + 1).to_string());
        }
        o.close("direction");
    }
}

fn accidental_name(alter: i8) -> &'static str {
    match alter {
        -3 => "triple-flat",
        -2 => "flat-flat",
        -1 => "flat",
        0 => "natural",
        1 => "sharp",
        2 => "double-sharp",
        _ => "triple-sharp",
    }
}

struct TupletEdges {
    starts: Vec<usize>,
    stops: Vec<usize>,
}

fn tuplet_edges(events: &[Event], i: usize) -> TupletEdges {
    let e = &events[i];
    let mut starts = Vec::new();
    let mut stops = Vec::new();
    for (level, m) in e.tuplets.iter().enumerate() {
        let prev_same = i > 0 && events[i - 1].tuplets.get(level).is_some_and(|x| x.group == m.group);
        let next_same =
            events.get(i + 1).is_some_and(|n| n.tuplets.get(level).is_some_and(|x| x.group == m.group));
        if !prev_same {
            starts.push(level);
        }
        if !next_same {
            stops.push(level);
        }
    }
    TupletEdges { starts, stops }
}

#[allow(clippy::too_many_arguments)]
fn write_event(
    o: &mut Out,
    events: &[Event],
    i: usize,
    voice_id: usize,
    div: i64,
    part: &PartInfo,
    staff: Option<u8>,
) {
    let e = &events[i];
    write_attachments(o, e, voice_id, div, staff);
    let factor: Rational = e.tuplets.iter().map(|t| t.ratio.factor()).fold(Rational::ONE, |a, b| a * b);
    let written = if e.is_grace() { e.duration } else { e.duration / factor };
    let nv = NoteValue::from_value(written);
    let edges = tuplet_edges(events, i);
    let notes: Vec<Option<&crate::event::Note>> =
        if e.notes().is_empty() { vec![None] } else { e.notes().iter().map(Some).collect() };
    for (k, note) in notes.iter().enumerate() {
        o.open("note");
        if let Some(g) = e.grace {
            match g {
                crate::event::Grace::Acciaccatura => o.empty("grace slash=\"yes\""),
                crate::event::Grace::Appoggiatura => o.empty("grace"),
            }
        }
        if e.cue {
            o.empty("cue");
        }
        if k > 0 {
            o.empty("chord");
        }
        match note {
            None => o.empty("rest"),
            Some(n) if part.unpitched => {
                o.open("unpitched");
                o.leaf("display-step", &n.pitch.step.letter().to_string());
                o.leaf("display-octave", &n.pitch.octave.to_string());
                o.close("unpitched");
            }
            Some(n) => {
                o.open("pitch");
                o.leaf("step", &n.pitch.step.letter().to_string());
                if n.pitch.alter != 0 {
                    o.leaf("alter", &n.pitch.alter.to_string());
                }
                o.leaf("octave", &n.pitch.octave.to_string());
                o.close("pitch");
            }
        }
        if !e.is_grace() {
            o.leaf("duration", &ticks(e.duration, div).max(1).to_string());
        }
        let tie = note.map(|n| n.tie).unwrap_or_default();
        if !e.cue {
            if tie.stops() {
                o.empty("tie type=\"stop\"");
            }
            if tie.starts() {
                o.empty("tie type=\"start\"");
            }
        }
        o.leaf("voice", &voice_id.to_string());
        if let Some(nv) = nv {
            o.leaf("type", nv.base.name());
            for _ in 0..nv.dots {
                o.empty("dot");
            }
        }
        if let Some(n) = note {
            match n.accidental {
                AccidentalDisplay::Shown => o.leaf("accidental", accidental_name(n.pitch.alter)),
                AccidentalDisplay::Cautionary => {
                    o.leaf_attr("accidental", "cautionary=\"yes\"", accidental_name(n.pitch.alter))
                }
                _ => {}
            }
        }
        if !e.tuplets.is_empty() && factor != Rational::ONE {
            let (a, n) = e
                .tuplets
                .iter()
                .fold((1u64, 1u64), |(a, n), t| (a * t.ratio.actual as u64, n * t.ratio.normal as u64));
            o.open("time-modification");
            o.leaf("actual-notes", &a.to_string());
            o.leaf("normal-notes", &n.to_string());
            o.close("time-modification");
        }
        if let Some(s) = staff {
            o.leaf("staff", &(s + 1).to_string());
        }
        // Notations: ties on every chord note, the rest on the first.
        let first = k == 0;
        let a = e.articulations;
        let arts: Vec<&str> = [
            (Articulations::ACCENT, "accent"),
            (Articulations::MARCATO, "strong-accent"),
            (Articulations::STACCATO, "staccato"),
            (Articulations::TENUTO, "tenuto"),
            (Articulations::STACCATISSIMO, "staccatissimo"),
            (Articulations::BREATH_MARK, "breath-mark"),
        ]
        .into_iter()
        .filter(|(m, _)| a.contains(*m))
        .map(|(_, n)| n)
        .collect();
        let orns: Vec<&str> = [
            (Articulations::TRILL, "trill-mark"),
            (Articulations::TURN, "turn"),
            (Articulations::MORDENT, "mordent"),
            (Articulations::TREMOLO, "tremolo type=\"single\""),
        ]
        .into_iter()
        .filter(|(m, _)| a.contains(*m))
        .map(|(_, n)| n)
        .collect();
        let slur_stop = first && a.contains(Articulations::SLUR_END);
        let slur_start = first && a.contains(Articulations::SLUR_START);
        let has_tuplets = first && (!edges.starts.is_empty() || !edges.stops.is_empty());
        let has_any = tie != crate::event::Tie::None
            || (first && (!arts.is_empty() || !orns.is_empty() || a.contains(Articulations::FERMATA)))
            || slur_stop
            || slur_start
            || has_tuplets;
        if has_any {
            o.open("notations");
            if tie.stops() {
                o.empty("tied type=\"stop\"");
            }
            if tie.starts() {
                o.empty("tied type=\"start\"");
            }
            if slur_stop {
                o.empty("slur type=\"stop\" number=\"1\"");
            }
            if slur_start {
                o.empty("slur type=\"start\" number=\"1\"");
            }
            if first {
                for &level in &edges.stops {
                    o.empty(&format!("tuplet type=\"stop\" number=\"{}\"", level + 1));
                }
                for &level in &edges.starts {
                    let r = e.tuplets[level].ratio;
                    o.open(&format!("tuplet type=\"start\" number=\"{}\" bracket=\"yes\"", level + 1));
                    o.open("tuplet-actual");
                    o.leaf("tuplet-number", &r.actual.to_string());
                    o.close("tuplet-actual");
                    o.open("tuplet-normal");
                    o.leaf("tuplet-number", &r.normal.to_string());
                    o.close("tuplet-normal");
                    o.close("tuplet");
                }
                if !orns.is_empty() {
                    o.open("ornaments");
                    for n in &orns {
                        if n.starts_with("tremolo") {
                            o.leaf_attr("tremolo", "type=\"single\"", "3");
                        } else {
                            o.empty(n);
                        }
                    }
                    o.close("ornaments");
                }
                if !arts.is_empty() {
                    o.open("articulations");
                    for n in &arts {
                        o.empty(n);
                    }
                    o.close("articulations");
                }
                if a.contains(Articulations::FERMATA) {
                    o.empty("fermata");
                }
            }
            o.close("notations");
        }
        if first {
            for l in &e.lyrics {
                o.open(&format!("lyric number=\"{}\"", l.verse));
                let syl = match l.syllabic {
                    Syllabic::Single => "single",
                    Syllabic::Begin => "begin",
                    Syllabic::Middle => "middle",
                    Syllabic::End => "end",
                };
                o.leaf("syllabic", syl);
                o.leaf("text", &l.text);
                o.close("lyric");
            }
        }
        o.close("note");
    }
}

/// Write the whole score.
pub(crate) fn write(score: &dyn ScoreView, meta: &Metadata) -> String {
    let mut o = Out { s: String::with_capacity(4096), depth: 0 };
    o.s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n");
    o.s.push_str("<!DOCTYPE score-partwise PUBLIC \"-//Recordare//DTD MusicXML 4.0 Partwise//EN\" \"http://www.musicxml.org/dtds/partwise.dtd\">\n");
    o.open("score-partwise version=\"4.0\"");
    if let Some(t) = &meta.title {
        o.open("work");
        o.leaf("work-title", t);
        o.close("work");
    }
    if let Some(t) = &meta.movement_title {
        o.leaf("movement-title", t);
    }
    o.open("identification");
    if let Some(c) = &meta.composer {
        o.leaf_attr("creator", "type=\"composer\"", c);
    }
    if let Some(c) = &meta.lyricist {
        o.leaf_attr("creator", "type=\"lyricist\"", c);
    }
    if let Some(r) = &meta.rights {
        o.leaf("rights", r);
    }
    o.open("encoding");
    o.leaf("software", "BandPro");
    o.close("encoding");
    o.close("identification");

    let part_count = score.part_count().max(1);
    let measure_count = score.measure_count();
    o.open("part-list");
    for p in 0..part_count {
        for (gi, g) in meta.part_groups.iter().enumerate() {
            if g.first == p && g.last >= g.first && g.last < part_count {
                o.open(&format!("part-group type=\"start\" number=\"{}\"", gi + 1));
                if let Some(n) = &g.name {
                    o.leaf("group-name", n);
                }
                let sym = match g.symbol {
                    GroupSymbol::None => "none",
                    GroupSymbol::Brace => "brace",
                    GroupSymbol::Bracket => "bracket",
                    GroupSymbol::Line => "line",
                    GroupSymbol::Square => "square",
                };
                o.leaf("group-symbol", sym);
                o.leaf("group-barline", if g.barline { "yes" } else { "no" });
                o.close("part-group");
            }
        }
        o.open(&format!("score-part id=\"P{}\"", p + 1));
        let (name, instrument) = if p < score.part_count() {
            let info = score.part(p);
            (info.name.clone(), info.instrument)
        } else {
            (String::new(), None)
        };
        o.leaf("part-name", &name);
        let extras = meta.parts.get(p);
        if let Some(a) = extras.and_then(|x| x.abbreviation.as_ref()) {
            o.leaf("part-abbreviation", a);
        }
        if let Some(ins) = instrument {
            o.open(&format!("score-instrument id=\"P{}-I1\"", p + 1));
            o.leaf("instrument-name", ins.name);
            o.close("score-instrument");
        }
        let program =
            extras.and_then(|x| x.midi_program).or_else(|| instrument.map(crate::formats::midi::gm_program));
        if let (Some(program), Some(_)) = (program, instrument) {
            o.open(&format!("midi-instrument id=\"P{}-I1\"", p + 1));
            let channel =
                extras.and_then(|x| x.midi_channel).unwrap_or((p % 15) as u8 + u8::from(p % 15 >= 9));
            o.leaf("midi-channel", &(channel as u32 + 1).to_string());
            o.leaf("midi-program", &(program as u32 + 1).to_string());
            o.close("midi-instrument");
        }
        o.close("score-part");
        for (gi, g) in meta.part_groups.iter().enumerate().rev() {
            if g.last == p && g.last >= g.first && g.last < part_count {
                o.empty(&format!("part-group type=\"stop\" number=\"{}\"", gi + 1));
            }
        }
    }
    o.close("part-list");

    if score.part_count() == 0 {
        // The schema needs at least one part with one measure.
        o.open("part id=\"P1\"");
        o.open("measure number=\"1\"");
        o.close("measure");
        o.close("part");
        o.close("score-partwise");
        return o.s;
    }

    for p in 0..score.part_count() {
        let part = score.part(p);
        let div = part_divisions(score, p);
        let clefs = match meta.parts.get(p) {
            Some(x) if !x.clefs.is_empty() => {
                let mut c = x.clefs.clone();
                c.resize(part.staves.max(1) as usize, Clef::BASS);
                c
            }
            _ => default_clefs(score, p),
        };
        let multi_staff = part.staves > 1;
        o.open(&format!("part id=\"P{}\"", p + 1));
        if measure_count == 0 {
            o.open("measure number=\"1\"");
            o.close("measure");
        }
        let first_number = usize::from(!(measure_count > 0 && score.measure(0).pickup));
        for m in 0..measure_count {
            let info = score.measure(m);
            let prev = (m > 0).then(|| score.measure(m - 1));
            let next = (m + 1 < measure_count).then(|| score.measure(m + 1));
            let implicit = if info.pickup { " implicit=\"yes\"" } else { "" };
            o.open(&format!("measure number=\"{}\"{implicit}", m + first_number));

            // Left barline.
            let ending_start = info.ending != 0 && prev.is_none_or(|pr| pr.ending != info.ending);
            if info.repeat_start || ending_start {
                o.open("barline location=\"left\"");
                if info.repeat_start {
                    o.leaf("bar-style", "heavy-light");
                }
                if ending_start {
                    let n = ending_attr(info.ending);
                    o.leaf_attr("ending", &format!("number=\"{n}\" type=\"start\""), &format!("{n}."));
                }
                if info.repeat_start {
                    o.empty("repeat direction=\"forward\"");
                }
                o.close("barline");
            }

            // Attributes. A change of transposition is written where it happens, with the
            // written key it implies.
            let transposition = score.transposition(p, m);
            let prev_transposition = (m > 0).then(|| score.transposition(p, m - 1));
            let transposition_changed = prev_transposition.is_some_and(|t| t != transposition);
            let key = written_key(info.key, transposition);
            let key_changed =
                prev.zip(prev_transposition).is_none_or(|(pr, pt)| written_key(pr.key, pt) != key);
            let time_changed = prev.is_none_or(|pr| pr.time != info.time);
            if m == 0 || key_changed || time_changed || transposition_changed {
                o.open("attributes");
                if m == 0 {
                    o.leaf("divisions", &div.to_string());
                }
                if key_changed {
                    o.open("key");
                    o.leaf("fifths", &key.fifths().to_string());
                    o.leaf("mode", mode_name(key.mode()));
                    o.close("key");
                }
                if time_changed {
                    o.open("time");
                    let groups: Vec<String> = info.time.groups().iter().map(|g| g.to_string()).collect();
                    o.leaf("beats", &groups.join("+"));
                    o.leaf("beat-type", &info.time.denominator().to_string());
                    o.close("time");
                }
                if m == 0 {
                    if multi_staff {
                        o.leaf("staves", &part.staves.to_string());
                    }
                    for (s, c) in clefs.iter().enumerate() {
                        write_clef(&mut o, *c, multi_staff.then_some(s + 1));
                    }
                    if transposition != Interval::UNISON {
                        write_transpose(&mut o, transposition);
                    }
                } else if transposition_changed {
                    write_transpose(&mut o, transposition);
                }
                o.close("attributes");
            }

            // Measure-level directions (in the first part only).
            if p == 0 {
                if let Some(t) = info.tempo {
                    write_tempo(&mut o, t);
                }
                if info.jumps.contains(Jumps::SEGNO) {
                    write_jump(&mut o, None, Some("segno"), "segno=\"segno\"");
                }
                if info.jumps.contains(Jumps::CODA) {
                    write_jump(&mut o, None, Some("coda"), "coda=\"coda\"");
                }
            }

            // Voices.
            let mut cursor = Rational::ZERO;
            for v in 0..score.voice_count(p, m) {
                let events = score.events(p, m, v);
                if events.is_empty() {
                    continue;
                }
                if cursor.is_positive() {
                    o.open("backup");
                    o.leaf("duration", &ticks(cursor, div).to_string());
                    o.close("backup");
                    cursor = Rational::ZERO;
                }
                for i in 0..events.len() {
                    let e = &events[i];
                    if e.onset > cursor {
                        let gap = ticks(e.onset, div) - ticks(cursor, div);
                        if gap > 0 {
                            o.open("forward");
                            o.leaf("duration", &gap.to_string());
                            o.leaf("voice", &(v + 1).to_string());
                            if multi_staff || e.staff > 0 {
                                o.leaf("staff", &(e.staff + 1).to_string());
                            }
                            o.close("forward");
                        }
                    } else if e.onset < cursor {
                        // Overlapping events in one voice: go back.
                        let back = ticks(cursor, div) - ticks(e.onset, div);
                        if back > 0 {
                            o.open("backup");
                            o.leaf("duration", &back.to_string());
                            o.close("backup");
                        }
                    }
                    let staff = (multi_staff || e.staff > 0).then_some(e.staff);
                    write_event(&mut o, events, i, v + 1, div, part, staff);
                    cursor = e.onset + e.time_taken();
                }
            }

            if p == 0 {
                for (mark, words, sound) in [
                    (Jumps::FINE, "Fine", "fine=\"yes\""),
                    (Jumps::TO_CODA, "To Coda", "tocoda=\"coda\""),
                    (Jumps::DA_CAPO, "D.C.", "dacapo=\"yes\""),
                    (Jumps::DAL_SEGNO, "D.S.", "dalsegno=\"segno\""),
                ] {
                    if info.jumps.contains(mark) {
                        write_jump(&mut o, Some(words), None, sound);
                    }
                }
            }

            // Right barline.
            let ending_stop = info.ending != 0 && next.is_none_or(|n| n.ending != info.ending);
            if info.repeat_end.is_some() || ending_stop {
                o.open("barline location=\"right\"");
                o.leaf("bar-style", if info.repeat_end.is_some() { "light-heavy" } else { "light-light" });
                if ending_stop {
                    let ty = if info.repeat_end.is_some() { "stop" } else { "discontinue" };
                    o.empty(&format!("ending number=\"{}\" type=\"{ty}\"", ending_attr(info.ending)));
                }
                if let Some(times) = info.repeat_end {
                    if times == 2 {
                        o.empty("repeat direction=\"backward\"");
                    } else {
                        o.empty(&format!("repeat direction=\"backward\" times=\"{times}\""));
                    }
                }
                o.close("barline");
            }
            o.close("measure");
        }
        o.close("part");
    }
    o.close("score-partwise");
    o.s
}
