//! A hand-written ABC 2.1 reader.
//!
//! The tune header sets the unit length (`L:`), meter (`M:`), tempo (`Q:`) and key (`K:`);
//! the body is read character by character, keeping per voice the bar's accidentals, open
//! ties, the pending broken rhythm and tuplet, and the chord symbol and decorations waiting for
//! their note. `V:` voices are gathered into parts as the module doc of [`super`] describes;
//! each `V:` voice keeps, per measure, its own events and those of its `&` overlays, and the
//! score is assembled from them at the end of the tune.

use std::collections::HashMap;

use crate::chord_symbol::ChordSymbol;
use crate::duration::TupletRatio;
use crate::error::{Error, FilePosition, Result};
use crate::event::{
    AccidentalDisplay, Articulations, ChordChange, Dynamic, Event, EventId, EventKind, Grace, Lyric, Note,
    Syllabic, Tie, TupletMark,
};
use crate::formats::limits;
use crate::formats::report::ImportReport;
use crate::key::{Key, Mode};
use crate::meter::TimeSignature;
use crate::pitch::{Pitch, PitchName, Step};
use crate::rational::Rational;
use crate::score_model::SimpleScore;
use crate::view::{Jumps, MeasureInfo, PartInfo, Tempo};

const FORMAT: &str = "ABC";

fn err(line: usize, col: usize, message: impl Into<String>) -> Error {
    Error::Format {
        format: FORMAT,
        position: FilePosition::LineColumn { line: line as u32, column: col as u32 },
        message: message.into(),
    }
}

fn pos(line: usize, col: usize) -> FilePosition {
    FilePosition::LineColumn { line: line as u32, column: col as u32 }
}

fn limit_exceeded(line: usize, col: usize, what: &'static str, limit: usize) -> Error {
    Error::LimitExceeded { format: FORMAT, position: pos(line, col), what, limit: limit as u64 }
}

/// Parse an ABC key field: `G`, `Dm`, `Ddor`, `F# minor`, `Bb mix`, `none`.
pub(crate) fn parse_key(s: &str) -> Option<Key> {
    let s = s.split_whitespace().filter(|w| !w.contains('=')).collect::<Vec<_>>().join(" ");
    let s = s.trim();
    if s.is_empty() || s.eq_ignore_ascii_case("none") || s == "HP" || s == "Hp" {
        return Some(Key::C_MAJOR);
    }
    let mut chars = s.chars();
    let step = Step::from_letter(chars.next()?)?;
    let rest = chars.as_str();
    let (alter, rest) = match rest.chars().next() {
        Some('#') => (1, &rest[1..]),
        Some('b') => (-1, &rest[1..]),
        _ => (0, rest),
    };
    let mode_word = rest.trim().to_ascii_lowercase();
    let m3: String = mode_word.chars().take(3).collect();
    let mode = match m3.as_str() {
        "" | "maj" | "ion" => Mode::Major,
        "m" | "min" | "aeo" => Mode::Minor,
        "dor" => Mode::Dorian,
        "phr" => Mode::Phrygian,
        "lyd" => Mode::Lydian,
        "mix" => Mode::Mixolydian,
        "loc" => Mode::Locrian,
        _ if mode_word.starts_with('m') && !mode_word.starts_with("mi") => Mode::Minor,
        _ => return None,
    };
    Key::new(PitchName::try_new(step, alter).ok()?, mode).ok()
}

fn parse_fraction(s: &str) -> Option<Rational> {
    let (n, d) = s.trim().split_once('/')?;
    let n: i64 = n.trim().parse().ok()?;
    let d: i64 = d.trim().parse().ok()?;
    (n > 0 && d > 0 && n < 1 << 20 && d < 1 << 20).then(|| Rational::new(n, d))
}

fn parse_meter(s: &str) -> Option<Option<TimeSignature>> {
    let s = s.trim();
    match s {
        "none" | "" => Some(None),
        "C" => Some(Some(TimeSignature::COMMON)),
        "C|" => Some(TimeSignature::new(2, 2).ok()),
        _ => s.parse::<TimeSignature>().ok().map(Some).or_else(|| {
            // "(2+3)/8"
            s.replace(['(', ')'], "").parse::<TimeSignature>().ok().map(Some)
        }),
    }
}

/// The `name=` (or `nm=`) property of a `V:` field's value, quoted or not; `None` without one.
/// Other properties (`subname=`, `clef=`) are skipped whole, quoted values included.
fn voice_name(value: &str) -> Option<String> {
    let mut chars = value.chars().peekable();
    let mut name = None;
    // The voice id.
    while chars.next_if(|c| !c.is_whitespace()).is_some() {}
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.peek().is_none() {
            return name;
        }
        let mut key = String::new();
        while let Some(c) = chars.next_if(|&c| c != '=' && !c.is_whitespace()) {
            key.push(c);
        }
        if chars.next_if_eq(&'=').is_none() {
            continue;
        }
        let mut text = String::new();
        if chars.next_if_eq(&'"').is_some() {
            text.extend(chars.by_ref().take_while(|&c| c != '"'));
        } else {
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                text.push(c);
            }
        }
        if name.is_none() && (key.eq_ignore_ascii_case("name") || key.eq_ignore_ascii_case("nm")) {
            name = Some(text);
        }
    }
}

fn parse_tempo(s: &str) -> Option<Tempo> {
    // Drop quoted text.
    let mut t = String::new();
    let mut quoted = false;
    for c in s.chars() {
        if c == '"' {
            quoted = !quoted;
        } else if !quoted {
            t.push(c);
        }
    }
    let t = t.trim();
    if let Some((beats, bpm)) = t.split_once('=') {
        // Fractions with large coprime denominators can add up past what a rational holds:
        // such a tempo is not understood, not a panic.
        let beat = Rational::checked_sum(beats.split_whitespace().filter_map(parse_fraction))?;
        let bpm = crate::formats::musicxml::parse_decimal(bpm.trim())?;
        (beat.is_positive() && bpm.is_positive()).then_some(Tempo { beat, bpm })
    } else {
        let bpm = crate::formats::musicxml::parse_decimal(t)?;
        bpm.is_positive().then_some(Tempo { beat: Rational::new(1, 4), bpm })
    }
}

#[derive(Default)]
struct Measure {
    events: Vec<Event>,
    /// The events of each `&` overlay of this bar, in order: overlay 1 first.
    overlays: Vec<Vec<Event>>,
    /// The furthest any layer of the bar reached, invisible rests (`x`) included: a bar of
    /// invisible rests has no events but still takes its time.
    end: Rational,
    time: Option<TimeSignature>,
    key: Option<Key>,
    repeat_start: bool,
    repeat_end: Option<u8>,
    ending: u16,
    jumps: Jumps,
    tempo: Option<Tempo>,
}

impl Measure {
    /// The events of layer `layer` (0 the voice itself, then its overlays), if it exists.
    fn get_layer_mut(&mut self, layer: usize) -> Option<&mut Vec<Event>> {
        if layer == 0 { Some(&mut self.events) } else { self.overlays.get_mut(layer - 1) }
    }

    /// The events of layer `layer`, which must exist.
    fn layer_mut(&mut self, layer: usize) -> &mut Vec<Event> {
        if layer == 0 { &mut self.events } else { &mut self.overlays[layer - 1] }
    }

    /// True if nothing was written in the bar: no events, no time taken, no meter or key.
    fn is_blank(&self) -> bool {
        !self.has_music() && self.time.is_none() && self.key.is_none()
    }

    /// True if the bar holds events or invisible rests in any layer.
    fn has_music(&self) -> bool {
        !self.events.is_empty() || self.overlays.iter().any(|o| !o.is_empty()) || self.end.is_positive()
    }
}

struct Voice {
    name: String,
    measures: Vec<Measure>,
    /// The time position in the current layer of the current bar.
    cursor: Rational,
    /// The layer notes go to: 0 for the voice itself, `k` after the `k`-th `&` of the bar.
    layer: usize,
    /// The most layers any bar of the voice used (1 without overlays).
    layers: usize,
    /// Ties still open in the layers that are not current, by layer: a tie in an overlay
    /// continues in the same overlay of the next bar, not in the voice.
    layer_ties: Vec<Vec<Pitch>>,
    key: Key,
    unit: Rational,
    time: Option<TimeSignature>,
    bar_accidentals: HashMap<(Step, i8), i8>,
    ties: Vec<Pitch>,
    broken: Option<Rational>,
    tuplet: Option<(TupletRatio, u32, u32)>, // ratio, notes left, group
    tuplet_members: Vec<usize>,
    group_counter: u32,
    pending_chord: Option<ChordSymbol>,
    /// Further chord symbols before the same note: changes during it, at a moment not given.
    pending_changes: Vec<ChordSymbol>,
    pending_marks: Articulations,
    pending_dynamic: Option<Dynamic>,
    pending_grace: Vec<Event>,
    open_ending: u16,
    /// Events that can take lyrics, since the last `w:` line: (measure, layer, index).
    lyric_targets: Vec<(usize, usize, usize)>,
    verse: u8,
}

impl Voice {
    fn new(name: String, key: Key, unit: Rational, time: Option<TimeSignature>) -> Voice {
        Voice {
            name,
            measures: vec![Measure::default()],
            cursor: Rational::ZERO,
            layer: 0,
            layers: 1,
            layer_ties: Vec::new(),
            key,
            unit,
            time,
            bar_accidentals: HashMap::new(),
            ties: Vec::new(),
            broken: None,
            tuplet: None,
            tuplet_members: Vec::new(),
            group_counter: 0,
            pending_chord: None,
            pending_changes: Vec::new(),
            pending_marks: Articulations::NONE,
            pending_dynamic: None,
            pending_grace: Vec::new(),
            open_ending: 0,
            lyric_targets: Vec::new(),
            verse: 1,
        }
    }

    fn measure(&mut self) -> &mut Measure {
        self.measures.last_mut().expect("a voice has a measure")
    }

    /// The events of the current layer of the current bar.
    fn events(&mut self) -> &mut Vec<Event> {
        let layer = self.layer;
        self.measure().layer_mut(layer)
    }

    /// Note how far the current layer reached in the bar.
    fn mark_end(&mut self) {
        let cursor = self.cursor;
        let m = self.measure();
        m.end = m.end.max(cursor);
    }

    /// Keep the open ties of the current layer aside and take those of `layer`.
    fn switch_ties(&mut self, layer: usize) {
        let keep = self.layer.max(layer) + 1;
        if self.layer_ties.len() < keep {
            self.layer_ties.resize_with(keep, Vec::new);
        }
        self.layer_ties[self.layer] = std::mem::take(&mut self.ties);
        self.ties = std::mem::take(&mut self.layer_ties[layer]);
    }

    /// A `&` at `line` and `col`: the notes that follow form the next overlay of the bar,
    /// starting again at the bar line (ABC 2.1 section 7.4). An overlay is a voice of its own:
    /// it starts with the key signature's accidentals and no broken rhythm, and a bar may have
    /// no more overlays than a part may have voices.
    fn overlay(&mut self, line: usize, col: usize) -> Result<()> {
        if self.tuplet.is_some() {
            self.close_tuplet(line, col)?;
        }
        self.mark_end();
        let layer = self.measure().overlays.len() + 1;
        if layer >= limits::MAX_VOICES {
            return Err(limit_exceeded(line, col, "voices in a part", limits::MAX_VOICES));
        }
        self.measure().overlays.push(Vec::new());
        self.switch_ties(layer);
        self.layer = layer;
        self.layers = self.layers.max(layer + 1);
        self.cursor = Rational::ZERO;
        self.bar_accidentals.clear();
        self.broken = None;
        Ok(())
    }

    /// True if a chord symbol, decoration or grace note waits for the next event.
    fn has_pending(&self) -> bool {
        self.pending_chord.is_some()
            || !self.pending_changes.is_empty()
            || !self.pending_marks.is_empty()
            || self.pending_dynamic.is_some()
            || !self.pending_grace.is_empty()
    }

    /// An invisible rest of `len` at `line` and `col`: time passes in the layer, no event is
    /// made (a gap in the voice, as `<forward>` is in MusicXML).
    fn skip(&mut self, len: Rational, line: usize, col: usize) -> Result<()> {
        self.cursor =
            self.cursor.checked_add(len).ok_or_else(|| err(line, col, "note positions overflow"))?;
        self.mark_end();
        Ok(())
    }

    /// The end of the tune: the last bar learns how far it reached.
    fn finish(&mut self) {
        self.mark_end();
    }

    /// End the open tuplet: every member learns the group's span. The members' lengths can
    /// have coprime denominators whose sum leaves `i64` even where the running time did not (the
    /// notes before completed a whole), so the sum is checked; `line` and `col` name where the
    /// tuplet ended.
    fn close_tuplet(&mut self, line: usize, col: usize) -> Result<()> {
        let layer = self.layer;
        let events = self.measures.last_mut().expect("a voice has a measure").layer_mut(layer);
        let span = Rational::checked_sum(self.tuplet_members.iter().map(|&i| events[i].duration))
            .ok_or_else(|| err(line, col, "tuplet span overflows"))?;
        for &i in &self.tuplet_members {
            for t in &mut events[i].tuplets {
                t.span = span;
            }
        }
        self.tuplet_members.clear();
        self.tuplet = None;
        Ok(())
    }

    /// A barline at `line` and `col`: start a new measure unless the current one is still
    /// empty. A voice may not grow past [`limits::MAX_MEASURES`]: checking as each measure opens
    /// keeps a few bytes of input (`Z100000` over and over) from allocating without bound.
    fn bar(&mut self, line: usize, col: usize) -> Result<()> {
        if self.tuplet.is_some() {
            self.close_tuplet(line, col)?;
        }
        self.bar_accidentals.clear();
        self.mark_end();
        // The overlays end here: the voice goes on in its own layer, with the ties its last note
        // left open; ties left open in an overlay wait for the same overlay of the next bar.
        self.switch_ties(0);
        self.layer_ties.truncate(self.layer + 1);
        self.layer = 0;
        let m = self.measure();
        if m.is_blank() {
            m.overlays.clear();
            return Ok(());
        }
        if self.measures.len() >= limits::MAX_MEASURES {
            return Err(limit_exceeded(line, col, "measures", limits::MAX_MEASURES));
        }
        self.measures.push(Measure::default());
        self.cursor = Rational::ZERO;
        if self.open_ending != 0 {
            let e = self.open_ending;
            self.measure().ending = e;
        }
        Ok(())
    }
}

/// One tune's text, with the line number of its first line.
pub(crate) struct TuneText<'a> {
    pub lines: Vec<(usize, &'a str)>,
}

/// Split a tune book into tunes (each starting at an `X:` line).
pub(crate) fn split_book(text: &str) -> Vec<TuneText<'_>> {
    let mut tunes: Vec<TuneText<'_>> = Vec::new();
    let mut current: Option<TuneText<'_>> = None;
    for (i, line) in text.lines().enumerate() {
        if line.starts_with("X:") {
            if let Some(t) = current.take() {
                tunes.push(t);
            }
            current = Some(TuneText { lines: Vec::new() });
        }
        if let Some(t) = &mut current {
            t.lines.push((i + 1, line));
        }
    }
    if let Some(t) = current {
        tunes.push(t);
    }
    if tunes.is_empty() && text.lines().any(|l| l.starts_with("K:")) {
        tunes.push(TuneText { lines: text.lines().enumerate().map(|(i, l)| (i + 1, l)).collect() });
    }
    tunes
}

struct Reader {
    report: ImportReport,
    voices: Vec<Voice>,
    voice_ids: Vec<String>,
    current: usize,
    key: Key,
    unit: Option<Rational>,
    time: Option<TimeSignature>,
    tempo: Option<Tempo>,
    next_id: u64,
    in_body: bool,
    /// Events placed so far in all voices, against [`limits::MAX_EVENTS`].
    events: usize,
    /// The voice groups of the first `%%score` (or `%%staves`, `I:score`) directive: each
    /// group is the voice ids of one part.
    score_groups: Option<Vec<Vec<String>>>,
}

impl Reader {
    fn voice(&mut self) -> &mut Voice {
        if self.voices.is_empty() {
            let unit = self.default_unit();
            self.voices.push(Voice::new(String::new(), self.key, unit, self.time));
            self.voice_ids.push(String::new());
        }
        &mut self.voices[self.current]
    }

    /// A barline in the current voice at `line` and `col`. The score will have as many measures
    /// as its longest voice in every part, so once this voice's measures times the voices
    /// declared so far pass [`limits::MAX_CELLS`] the tune is refused here, before more is
    /// allocated, rather than at the end.
    fn bar(&mut self, line: usize, col: usize) -> Result<()> {
        self.voice().bar(line, col)?;
        self.check_cells(0, line, col)
    }

    /// Refuse the tune if the current voice, given `more` measures, would make the score's
    /// parts times measures pass [`limits::MAX_CELLS`].
    fn check_cells(&mut self, more: usize, line: usize, col: usize) -> Result<()> {
        let voices = self.voices.len().max(1);
        let measures = self.voice().measures.len().saturating_add(more);
        if measures.saturating_mul(voices) > limits::MAX_CELLS {
            return Err(limit_exceeded(line, col, "parts times measures", limits::MAX_CELLS));
        }
        Ok(())
    }

    /// Count `more` events towards [`limits::MAX_EVENTS`], refusing the tune past it.
    fn count_events(&mut self, more: usize, line: usize, col: usize) -> Result<()> {
        self.events = self.events.saturating_add(more);
        if self.events > limits::MAX_EVENTS {
            return Err(limit_exceeded(line, col, "events", limits::MAX_EVENTS));
        }
        Ok(())
    }

    fn default_unit(&self) -> Rational {
        self.unit.unwrap_or(match self.time {
            Some(t) if t.length() < Rational::new(3, 4) => Rational::new(1, 16),
            _ => Rational::new(1, 8),
        })
    }

    fn field(&mut self, name: char, value: &str, line: usize, col: usize, inline: bool) -> Result<()> {
        let value = value.split('%').next().unwrap_or("").trim();
        match name {
            'T' => {
                if !self.in_body {
                    if self.report.metadata.title.is_none() {
                        self.report.metadata.title = Some(value.to_string());
                    } else if self.report.metadata.movement_title.is_none() {
                        self.report.metadata.movement_title = Some(value.to_string());
                    }
                }
            }
            'C' if !self.in_body => self.report.metadata.composer = Some(value.to_string()),
            'L' => {
                let u = parse_fraction(value)
                    .ok_or_else(|| err(line, col, format!("invalid unit note length `{value}`")))?;
                self.unit = Some(u);
                if !self.voices.is_empty() {
                    self.voice().unit = u;
                }
            }
            'M' => {
                let t =
                    parse_meter(value).ok_or_else(|| err(line, col, format!("invalid meter `{value}`")))?;
                if t.is_none() {
                    self.report.warn(|| pos(line, col), "free meter (M:none) read as the previous meter");
                }
                if self.voices.is_empty() {
                    self.time = t.or(self.time);
                } else if let Some(t) = t {
                    let v = self.voice();
                    v.time = Some(t);
                    v.measure().time = Some(t);
                }
            }
            'Q' => match parse_tempo(value) {
                Some(t) if self.voices.is_empty() => self.tempo = Some(t),
                Some(t) => self.voice().measure().tempo = Some(t),
                None => self.report.warn(|| pos(line, col), format!("tempo `{value}` not understood")),
            },
            'K' => {
                let k = parse_key(value).ok_or_else(|| err(line, col, format!("invalid key `{value}`")))?;
                if !self.in_body && !inline {
                    self.key = k;
                    self.in_body = true;
                    for v in &mut self.voices {
                        v.key = k;
                    }
                } else {
                    let v = self.voice();
                    v.key = k;
                    v.measure().key = Some(k);
                    v.bar_accidentals.clear();
                }
            }
            'V' => {
                let id = value.split_whitespace().next().unwrap_or("1").to_string();
                let name = voice_name(value);
                match self.voice_ids.iter().position(|x| *x == id) {
                    Some(i) => {
                        self.current = i;
                        if let Some(name) = name {
                            self.voices[i].name = name;
                        }
                    }
                    None => {
                        // A body that started without V: belongs to the first declared voice.
                        if self.voice_ids.len() == 1 && self.voice_ids[0].is_empty() {
                            self.voice_ids[0] = id;
                            self.voices[0].name = name.unwrap_or_default();
                            self.current = 0;
                        } else {
                            if self.voices.len() >= limits::MAX_PARTS {
                                return Err(limit_exceeded(line, col, "voices", limits::MAX_PARTS));
                            }
                            let unit = self.default_unit();
                            self.voices.push(Voice::new(name.unwrap_or_default(), self.key, unit, self.time));
                            self.voice_ids.push(id);
                            self.current = self.voices.len() - 1;
                        }
                    }
                }
                // Lyrics that follow belong to the notes written after this switch.
                let v = self.voice();
                v.lyric_targets.clear();
                v.verse = 1;
            }
            'I' => {
                if let Some(groups) = value.strip_prefix("score").or_else(|| value.strip_prefix("staves")) {
                    self.score_directive(groups);
                }
            }
            'w' => self.lyrics(value, line, col),
            'X' | 'R' | 'S' | 'O' | 'Z' | 'N' | 'H' | 'B' | 'D' | 'F' | 'G' | 'P' | 'W' | 'A' | 'm' | 'U'
            | 's' | 'r' | '+' => {}
            other => self.report.warn(|| pos(line, col), format!("field `{other}:` skipped")),
        }
        Ok(())
    }

    /// A `%%score` directive (or `%%staves`, `I:score`) with `groups` its text after the
    /// name: the voices in parentheses share a part; every other voice id is a part of its own.
    /// Braces, brackets and bars (which group staves on the page) do not join parts. Only the
    /// first directive of a tune counts.
    fn score_directive(&mut self, groups: &str) {
        if self.score_groups.is_some() {
            return;
        }
        let mut parts: Vec<Vec<String>> = Vec::new();
        let mut open: Option<Vec<String>> = None;
        let mut word = String::new();
        let flush = |word: &mut String, open: &mut Option<Vec<String>>, parts: &mut Vec<Vec<String>>| {
            if word.is_empty() {
                return;
            }
            let id = std::mem::take(word);
            match open {
                Some(group) => group.push(id),
                None => parts.push(vec![id]),
            }
        };
        for c in groups.chars() {
            match c {
                '(' => {
                    flush(&mut word, &mut open, &mut parts);
                    open.get_or_insert_with(Vec::new);
                }
                ')' => {
                    flush(&mut word, &mut open, &mut parts);
                    if let Some(group) = open.take() {
                        parts.push(group);
                    }
                }
                // A voice id followed by `*` floats between staves: the id is what counts.
                '{' | '}' | '[' | ']' | '|' | '*' => flush(&mut word, &mut open, &mut parts),
                c if c.is_whitespace() => flush(&mut word, &mut open, &mut parts),
                c => word.push(c),
            }
        }
        flush(&mut word, &mut open, &mut parts);
        if let Some(group) = open {
            parts.push(group);
        }
        parts.retain(|g| !g.is_empty());
        self.score_groups = Some(parts);
    }

    fn lyrics(&mut self, text: &str, line: usize, col: usize) {
        let v = self.voice();
        let verse = v.verse;
        v.verse = v.verse.saturating_add(1);
        let targets = v.lyric_targets.clone();
        let mut ti = 0;
        // Tokens: syllables ending in space, '-' or '_'.
        let mut syll = String::new();
        let mut items: Vec<(String, char)> = Vec::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                ' ' | '\t' => {
                    if !syll.is_empty() {
                        items.push((std::mem::take(&mut syll), ' '));
                    }
                }
                '-' => items.push((std::mem::take(&mut syll), '-')),
                '_' => {
                    if !syll.is_empty() {
                        items.push((std::mem::take(&mut syll), ' '));
                    }
                    items.push((String::new(), '_'));
                }
                '*' => {
                    if !syll.is_empty() {
                        items.push((std::mem::take(&mut syll), ' '));
                    }
                    items.push((String::new(), '*'));
                }
                '|' => {
                    if !syll.is_empty() {
                        items.push((std::mem::take(&mut syll), ' '));
                    }
                }
                '~' => syll.push(' '),
                '\\' if chars.peek() == Some(&'-') => {
                    chars.next();
                    syll.push('-');
                }
                c => syll.push(c),
            }
        }
        if !syll.is_empty() {
            items.push((syll, ' '));
        }
        let mut in_word = false;
        for (text, sep) in items {
            if sep == '-' && text.is_empty() && !in_word {
                // A lone hyphen skips a note in some tunes.
                ti += 1;
                continue;
            }
            let Some(&(m, layer, i)) = targets.get(ti) else {
                self.report.warn(|| pos(line, col), "more lyric syllables than notes");
                break;
            };
            ti += 1;
            if sep == '_' || sep == '*' {
                continue;
            }
            let syllabic = match (in_word, sep == '-') {
                (false, false) => Syllabic::Single,
                (false, true) => Syllabic::Begin,
                (true, true) => Syllabic::Middle,
                (true, false) => Syllabic::End,
            };
            in_word = sep == '-';
            if let Some(ev) = self.voices[self.current]
                .measures
                .get_mut(m)
                .and_then(|mm| mm.get_layer_mut(layer))
                .and_then(|events| events.get_mut(i))
            {
                ev.lyrics.push(Lyric { verse, text, syllabic });
            }
        }
    }

    #[allow(clippy::too_many_lines)]
    fn body_line(&mut self, text: &str, line: usize) -> Result<()> {
        let chars: Vec<char> = text.chars().collect();
        let mut i = 0;
        // A new music line resets the lyric targets and verse counter.
        {
            let v = self.voice();
            v.lyric_targets.clear();
            v.verse = 1;
        }
        while i < chars.len() {
            let c = chars[i];
            let col = i + 1;
            match c {
                '%' => break,
                ' ' | '\t' | '`' | 'y' => i += 1,
                '\\' => i += 1,
                '"' => {
                    let end = chars[i + 1..]
                        .iter()
                        .position(|&x| x == '"')
                        .ok_or_else(|| err(line, col, "unclosed chord symbol"))?;
                    let s: String = chars[i + 1..i + 1 + end].iter().collect();
                    i += end + 2;
                    if s.starts_with(['^', '_', '<', '>', '@']) {
                        self.report.warn(|| pos(line, col), "text annotations are not kept");
                    } else {
                        match s.parse::<ChordSymbol>() {
                            Ok(cs) => {
                                let v = self.voice();
                                if v.pending_chord.is_none() {
                                    v.pending_chord = Some(cs);
                                } else {
                                    v.pending_changes.push(cs);
                                }
                            }
                            Err(_) => self
                                .report
                                .warn(|| pos(line, col), format!("chord symbol `{s}` not understood")),
                        }
                    }
                }
                '!' | '+' if chars[i + 1..].contains(&c) && !(c == '!' && chars.get(i + 1) == Some(&' ')) => {
                    let end = chars[i + 1..].iter().position(|&x| x == c).unwrap_or(0);
                    let s: String = chars[i + 1..i + 1 + end].iter().collect();
                    i += end + 2;
                    self.decoration(&s, line, col);
                }
                '.' => {
                    self.voice().pending_marks = self.voice().pending_marks | Articulations::STACCATO;
                    i += 1;
                }
                '~' => {
                    self.voice().pending_marks = self.voice().pending_marks | Articulations::TURN;
                    i += 1;
                }
                'H' => {
                    self.voice().pending_marks = self.voice().pending_marks | Articulations::FERMATA;
                    i += 1;
                }
                'T' => {
                    self.voice().pending_marks = self.voice().pending_marks | Articulations::TRILL;
                    i += 1;
                }
                'M' | 'P' if chars.get(i + 1) != Some(&':') => {
                    self.voice().pending_marks = self.voice().pending_marks | Articulations::MORDENT;
                    i += 1;
                }
                'L' | 'u' | 'v' | 'O' | 'S' | 'J' | 'R' if chars.get(i + 1) != Some(&':') => {
                    match c {
                        'L' => {
                            self.voice().pending_marks = self.voice().pending_marks | Articulations::ACCENT
                        }
                        'S' => self.voice().measure().jumps = self.voice().measure().jumps | Jumps::SEGNO,
                        'O' => self.voice().measure().jumps = self.voice().measure().jumps | Jumps::CODA,
                        _ => self.report.warn(|| pos(line, col), format!("decoration `{c}` is not kept")),
                    }
                    i += 1;
                }
                '[' if chars.get(i + 2) == Some(&':')
                    && chars.get(i + 1).is_some_and(|c| c.is_ascii_alphabetic()) =>
                {
                    let end = chars[i..]
                        .iter()
                        .position(|&x| x == ']')
                        .ok_or_else(|| err(line, col, "unclosed inline field"))?;
                    let name = chars[i + 1];
                    let value: String = chars[i + 3..i + end].iter().collect();
                    self.field(name, &value, line, col, true)?;
                    i += end + 1;
                }
                '[' if chars.get(i + 1).is_some_and(|c| c.is_ascii_digit()) => {
                    i += 1;
                    i = self.ending(&chars, i);
                }
                '|' | ':' | '[' if c != '[' || chars.get(i + 1) == Some(&'|') => {
                    i = self.barline(&chars, i, line, col)?;
                }
                '(' if chars.get(i + 1).is_some_and(|c| c.is_ascii_digit()) => {
                    let mut j = i + 1;
                    let mut nums = [0u32; 3];
                    let mut k = 0;
                    loop {
                        let start = j;
                        while j < chars.len() && chars[j].is_ascii_digit() {
                            j += 1;
                        }
                        let n: String = chars[start..j].iter().collect();
                        nums[k] = n.parse().unwrap_or(0);
                        if k < 2 && chars.get(j) == Some(&':') {
                            j += 1;
                            k += 1;
                        } else {
                            break;
                        }
                    }
                    let p = nums[0];
                    if !(2..=9).contains(&p) {
                        return Err(err(line, col, format!("tuplet ({p} is not supported (2 to 9)")));
                    }
                    let compound = self.voice().time.is_some_and(|t| t.is_compound());
                    let q = if nums[1] > 0 {
                        nums[1]
                    } else {
                        match p {
                            2 | 4 | 8 => 3,
                            3 | 6 => 2,
                            _ => {
                                if compound {
                                    3
                                } else {
                                    2
                                }
                            }
                        }
                    };
                    let r = if nums[2] > 0 { nums[2] } else { p };
                    let ratio = TupletRatio::new(p as u8, q.min(255) as u8)
                        .map_err(|_| err(line, col, "invalid tuplet"))?;
                    let v = self.voice();
                    if v.tuplet.is_some() {
                        v.close_tuplet(line, col)?;
                    }
                    v.group_counter += 1;
                    v.tuplet = Some((ratio, r, v.group_counter));
                    i = j;
                }
                '(' if chars.get(i + 1) == Some(&'&') => {
                    // abcm2ps's overlay over several bars, `(&` ... `&)`: not ABC 2.1. Each `&`
                    // in it is read as a one-bar overlay.
                    self.report.warn(
                        || pos(line, col),
                        "overlay across bars `(&` is read as overlays of one bar each",
                    );
                    i += 1;
                }
                '(' => {
                    self.voice().pending_marks = self.voice().pending_marks | Articulations::SLUR_START;
                    i += 1;
                }
                ')' => {
                    if let Some(e) = self.voice().events().last_mut() {
                        e.articulations = e.articulations | Articulations::SLUR_END;
                    }
                    i += 1;
                }
                '{' => {
                    let end = chars[i..]
                        .iter()
                        .position(|&x| x == '}')
                        .ok_or_else(|| err(line, col, "unclosed grace notes `{`"))?;
                    let mut j = i + 1;
                    let slash = chars.get(j) == Some(&'/');
                    if slash {
                        j += 1;
                    }
                    let mut graces = Vec::new();
                    while j < i + end {
                        if chars[j] == ' ' {
                            j += 1;
                            continue;
                        }
                        let (pitch, shown, after) = self.note_pitch(&chars, j, line)?;
                        let (len, after) = note_length(&chars, after, line)?;
                        let dur = self
                            .voice()
                            .unit
                            .checked_mul(len)
                            .ok_or_else(|| err(line, j + 1, "grace note too long"))?;
                        let kind = match pitch {
                            Some(p) => EventKind::Note(Note { pitch: p, tie: Tie::None, accidental: shown }),
                            None => EventKind::Rest,
                        };
                        let mut e = Event::new(EventId(0), Rational::ZERO, dur, kind);
                        e.grace = Some(if slash && graces.is_empty() {
                            Grace::Acciaccatura
                        } else {
                            Grace::Appoggiatura
                        });
                        graces.push(e);
                        j = after;
                    }
                    self.voice().pending_grace.extend(graces);
                    i += end + 1;
                }
                '>' | '<' => {
                    let mut n = 0;
                    while i < chars.len() && chars[i] == c {
                        n += 1;
                        i += 1;
                    }
                    let n = n.min(3);
                    let half = Rational::new(1, 1 << n);
                    let (prev_factor, next_factor) = if c == '>' {
                        (Rational::from_int(2) - half, half)
                    } else {
                        (half, Rational::from_int(2) - half)
                    };
                    let v = self.voice();
                    let unit_prev = prev_factor - Rational::ONE;
                    let mut shift = Rational::ZERO;
                    if let Some(e) = v.events().iter_mut().rev().find(|e| !e.is_grace()) {
                        let old = e.duration;
                        // Broken rhythm applied again and again to one note shrinks it without
                        // bound; past what a rational holds it is an error, not a panic.
                        let (Some(d), Some(sh)) = (old.checked_mul(prev_factor), old.checked_mul(unit_prev))
                        else {
                            return Err(err(line, i + 1, "broken rhythm makes a note too short"));
                        };
                        e.duration = d;
                        shift = sh;
                    }
                    v.cursor = v
                        .cursor
                        .checked_add(shift)
                        .ok_or_else(|| err(line, i + 1, "note positions overflow"))?;
                    v.broken = Some(next_factor);
                }
                '-' => {
                    // Tie: the previous note's pitches continue.
                    let v = self.voice();
                    if let Some(e) = v.events().iter_mut().rev().find(|e| !e.is_grace()) {
                        let mut pitches = Vec::new();
                        let notes: &mut [Note] = match &mut e.kind {
                            EventKind::Note(n) => std::slice::from_mut(n),
                            EventKind::Chord(ns) => ns,
                            EventKind::Rest => &mut [],
                        };
                        for n in notes {
                            n.tie = if n.tie.stops() { Tie::Continue } else { Tie::Start };
                            pitches.push(n.pitch);
                        }
                        v.ties = pitches;
                    }
                    i += 1;
                }
                'A'..='G' | 'a'..='g' | '^' | '_' | '=' | 'z' | 'x' | 'Z' | 'X' | '[' => {
                    i = self.note(&chars, i, line)?;
                }
                '&' => {
                    self.voice().overlay(line, col)?;
                    i += 1;
                }
                _ => {
                    self.report.warn(|| pos(line, col), format!("unexpected character `{c}` skipped"));
                    i += 1;
                }
            }
        }
        Ok(())
    }

    fn decoration(&mut self, s: &str, line: usize, col: usize) {
        if let Some(d) = Dynamic::from_symbol(s) {
            self.voice().pending_dynamic = Some(d);
            return;
        }
        let mark = match s {
            "staccato" => Articulations::STACCATO,
            "accent" | ">" | "emphasis" => Articulations::ACCENT,
            "tenuto" => Articulations::TENUTO,
            "marcato" | "^" => Articulations::MARCATO,
            "wedge" => Articulations::STACCATISSIMO,
            "fermata" => Articulations::FERMATA,
            "breath" => Articulations::BREATH_MARK,
            "trill" => Articulations::TRILL,
            "mordent" | "lowermordent" | "uppermordent" | "pralltriller" => Articulations::MORDENT,
            "turn" | "roll" => Articulations::TURN,
            "crescendo(" | "<(" => Articulations::CRESCENDO_START,
            "diminuendo(" | ">(" => Articulations::DIMINUENDO_START,
            "crescendo)" | "<)" | "diminuendo)" | ">)" => Articulations::HAIRPIN_END,
            _ => {
                let jump = match s {
                    "segno" => Jumps::SEGNO,
                    "coda" => Jumps::CODA,
                    "fine" => Jumps::FINE,
                    "D.C." | "D.C.alfine" | "D.C.alcoda" => Jumps::DA_CAPO,
                    "D.S." | "D.S.alfine" | "D.S.alcoda" => Jumps::DAL_SEGNO,
                    "dacoda" => Jumps::TO_CODA,
                    _ => {
                        self.report.warn(|| pos(line, col), format!("decoration `!{s}!` is not kept"));
                        return;
                    }
                };
                let m = self.voice().measure();
                m.jumps = m.jumps | jump;
                return;
            }
        };
        let v = self.voice();
        v.pending_marks = v.pending_marks | mark;
    }

    fn ending(&mut self, chars: &[char], mut i: usize) -> usize {
        let start = i;
        while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == ',' || chars[i] == '-') {
            i += 1;
        }
        let spec: String = chars[start..i].iter().collect();
        let mut mask = 0u16;
        for part in spec.split(',') {
            let (a, b) = part.split_once('-').unwrap_or((part, part));
            if let (Ok(a), Ok(b)) = (a.parse::<u32>(), b.parse::<u32>()) {
                for n in a.max(1)..=b.min(16) {
                    mask |= 1 << (n - 1);
                }
            }
        }
        let v = self.voice();
        v.open_ending = mask;
        v.measure().ending = mask;
        i
    }

    fn barline(&mut self, chars: &[char], mut i: usize, line: usize, col: usize) -> Result<usize> {
        let start = i;
        while i < chars.len() && matches!(chars[i], '|' | ':' | '[' | ']') {
            // Stop before "[1" or "[K:".
            if chars[i] == '[' && (chars.get(i + 1).is_some_and(|c| c.is_ascii_alphanumeric())) {
                break;
            }
            i += 1;
        }
        let bar: String = chars[start..i].iter().collect();
        if bar == ":" {
            self.report.warn(|| pos(line, col), "stray `:` skipped");
            return Ok(i);
        }
        let ends_repeat = bar.starts_with(':');
        let starts_repeat = bar.ends_with(':');
        let double = bar.contains("||") || bar.contains("|]") || bar.contains("[|");
        let v = self.voice();
        if ends_repeat {
            // Each colon is one more time through; hundreds of them are read as the most a
            // measure can say (255), not counted past a `u8`.
            let colons = bar.chars().take_while(|&c| c == ':').count();
            let times = u8::try_from(colons).unwrap_or(u8::MAX).saturating_add(1);
            v.measure().repeat_end = Some(times);
        }
        if ends_repeat || double || starts_repeat {
            v.open_ending = 0;
        }
        self.bar(line, col)?;
        if starts_repeat {
            self.voice().measure().repeat_start = true;
        }
        // "|1" and ":|2": an ending right after the bar.
        if chars.get(i).is_some_and(|c| c.is_ascii_digit()) {
            i = self.ending(chars, i);
        }
        Ok(i)
    }

    /// Parse accidentals, letter and octave marks at `i`. Returns the pitch (None for rests),
    /// the accidental display, and the index after.
    fn note_pitch(
        &mut self,
        chars: &[char],
        mut i: usize,
        line: usize,
    ) -> Result<(Option<Pitch>, AccidentalDisplay, usize)> {
        let col = i + 1;
        let mut explicit: Option<i8> = None;
        while i < chars.len() && matches!(chars[i], '^' | '_' | '=') {
            let a = match chars[i] {
                '^' => 1,
                '_' => -1,
                _ => 0,
            };
            // Saturating: a run of hundreds of sharps is an alteration out of range (refused
            // below), not an overflow.
            explicit = Some(match explicit {
                None => a,
                Some(x) if a != 0 => x.saturating_add(a),
                Some(x) => x,
            });
            i += 1;
        }
        let Some(&letter) = chars.get(i) else {
            return Err(err(line, col, "accidental without a note"));
        };
        if matches!(letter, 'z' | 'x') {
            return Ok((None, AccidentalDisplay::Auto, i + 1));
        }
        let step = Step::from_letter(letter)
            .ok_or_else(|| err(line, i + 1, format!("expected a note, found `{letter}`")))?;
        let mut octave: i32 = if letter.is_ascii_lowercase() { 5 } else { 4 };
        i += 1;
        while i < chars.len() && matches!(chars[i], '\'' | ',') {
            octave += if chars[i] == '\'' { 1 } else { -1 };
            i += 1;
        }
        let v = self.voice();
        let oct = octave.clamp(-1, 9) as i8;
        let alter = match explicit {
            Some(a) => {
                v.bar_accidentals.insert((step, oct), a);
                a
            }
            None => {
                v.bar_accidentals.get(&(step, oct)).copied().unwrap_or_else(|| v.key.signature_alter(step))
            }
        };
        let pitch =
            Pitch::try_new(step, i32::from(alter), octave).map_err(|e| err(line, col, format!("{e}")))?;
        let shown = if explicit.is_some() { AccidentalDisplay::Shown } else { AccidentalDisplay::Auto };
        Ok((Some(pitch), shown, i))
    }

    fn note(&mut self, chars: &[char], mut i: usize, line: usize) -> Result<usize> {
        let col = i + 1;
        let c = chars[i];
        // Multi-measure rests.
        if c == 'Z' || c == 'X' {
            i += 1;
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let n: usize = chars[start..i].iter().collect::<String>().parse().unwrap_or(1);
            if n > limits::MAX_MEASURES {
                return Err(limit_exceeded(line, col, "measures", limits::MAX_MEASURES));
            }
            // A few bytes that stand for many measures: the limits are checked for all of them
            // before any is made. (The rests are counted again as they are placed.)
            self.check_cells(n.saturating_sub(1), line, col)?;
            if self.events.saturating_add(n) > limits::MAX_EVENTS {
                return Err(limit_exceeded(line, col, "events", limits::MAX_EVENTS));
            }
            for k in 0..n {
                let v = self.voice();
                let len = v.time.unwrap_or(TimeSignature::COMMON).length();
                if c == 'X' && !v.has_pending() {
                    v.skip(len, line, col)?;
                } else {
                    let e = Event::new(EventId(0), v.cursor, len, EventKind::Rest);
                    self.push_event(e, line, col)?;
                }
                if k + 1 < n {
                    self.bar(line, col)?;
                }
            }
            return Ok(i);
        }
        let (kind, after) = if c == '[' {
            let end = chars[i..]
                .iter()
                .position(|&x| x == ']')
                .ok_or_else(|| err(line, col, "unclosed chord `[`"))?;
            let mut j = i + 1;
            let mut notes = Vec::new();
            let mut inner_len: Option<Rational> = None;
            while j < i + end {
                if matches!(chars[j], ' ' | '-') {
                    j += 1;
                    continue;
                }
                let (p, shown, after) = self.note_pitch(chars, j, line)?;
                let (len, after) = note_length(chars, after, line)?;
                inner_len.get_or_insert(len);
                let mut tie = Tie::None;
                let mut a = after;
                if chars.get(a) == Some(&'-') {
                    tie = Tie::Start;
                    a += 1;
                }
                if let Some(p) = p {
                    notes.push(Note { pitch: p, tie, accidental: shown });
                }
                j = a;
            }
            let (outer, after) = note_length(chars, i + end + 1, line)?;
            let len = inner_len
                .unwrap_or(Rational::ONE)
                .checked_mul(outer)
                .ok_or_else(|| err(line, col, "note too long"))?;
            if notes.is_empty() {
                return Err(err(line, col, "empty chord"));
            }
            let kind = if notes.len() == 1 { EventKind::Note(notes[0]) } else { EventKind::Chord(notes) };
            ((kind, len), after)
        } else {
            let (p, shown, after) = self.note_pitch(chars, i, line)?;
            let (len, after) = note_length(chars, after, line)?;
            let kind = match p {
                Some(p) => EventKind::Note(Note { pitch: p, tie: Tie::None, accidental: shown }),
                None => EventKind::Rest,
            };
            ((kind, len), after)
        };
        let (mut kind, len) = kind;
        let v = self.voice();
        // The unit, the written length, a broken rhythm and a tuplet ratio multiply together:
        // each step is checked, so that a note too long for a rational is an error at the note.
        let too_long = || err(line, col, "note too long");
        let mut dur = v.unit.checked_mul(len).ok_or_else(too_long)?;
        if let Some(f) = v.broken.take() {
            dur = dur.checked_mul(f).ok_or_else(too_long)?;
        }
        // Ties from the previous note.
        if !v.ties.is_empty() {
            let ties = std::mem::take(&mut v.ties);
            let notes: &mut [Note] = match &mut kind {
                EventKind::Note(n) => std::slice::from_mut(n),
                EventKind::Chord(ns) => ns,
                EventKind::Rest => &mut [],
            };
            for n in notes {
                if ties.iter().any(|p| p.midi() == n.pitch.midi()) {
                    n.tie = if n.tie.starts() { Tie::Continue } else { Tie::Stop };
                }
            }
        }
        // Chord members tied inside the brackets.
        if let EventKind::Chord(ns) = &kind {
            let tied: Vec<Pitch> = ns.iter().filter(|n| n.tie.starts()).map(|n| n.pitch).collect();
            if !tied.is_empty() {
                v.ties = tied;
            }
        }
        let mut tuplets = Vec::new();
        if let Some((ratio, left, group)) = v.tuplet {
            dur = dur.checked_mul(ratio.factor()).ok_or_else(too_long)?;
            tuplets.push(TupletMark { group, ratio, span: Rational::ZERO });
            v.tuplet = Some((ratio, left.saturating_sub(1), group));
        }
        if c == 'x' && !v.has_pending() {
            v.skip(dur, line, col)?;
        } else {
            let mut e = Event::new(EventId(0), v.cursor, dur, kind);
            e.tuplets = tuplets;
            self.push_event(e, line, col)?;
        }
        let v = self.voice();
        if let Some((_, 0, _)) = v.tuplet {
            v.close_tuplet(line, col)?;
        }
        Ok(after)
    }

    fn push_event(&mut self, mut e: Event, line: usize, col: usize) -> Result<()> {
        let graces = self.voices[self.current].pending_grace.len();
        self.count_events(graces + 1, line, col)?;
        let v = &mut self.voices[self.current];
        let graces = std::mem::take(&mut v.pending_grace);
        let m = v.measures.len() - 1;
        let layer = v.layer;
        for mut g in graces {
            g.onset = v.cursor;
            g.id = EventId(self.next_id);
            self.next_id += 1;
            v.measures[m].layer_mut(layer).push(g);
        }
        e.id = EventId(self.next_id);
        self.next_id += 1;
        e.onset = v.cursor;
        e.chord_symbol = v.pending_chord.take();
        e.chord_changes = v
            .pending_changes
            .drain(..)
            .map(|symbol| ChordChange { offset: Rational::ZERO, symbol })
            .collect();
        e.articulations = e.articulations | std::mem::take(&mut v.pending_marks);
        e.dynamic = v.pending_dynamic.take();
        // Durations written so that the measure's running time overflows a rational are an
        // error, not a panic.
        v.cursor =
            v.cursor.checked_add(e.duration).ok_or_else(|| err(line, col, "note positions overflow"))?;
        let in_tuplet = !e.tuplets.is_empty();
        // Lyrics go to the notes in the order they are written, overlays included (the reading
        // of ABC 2.1 section 7.4 that abcm2ps follows).
        let events = v.measures[m].layer_mut(layer);
        if !e.is_rest() && !e.notes().iter().all(|n| n.tie.stops()) {
            v.lyric_targets.push((m, layer, events.len()));
        }
        events.push(e);
        if in_tuplet {
            let idx = events.len() - 1;
            v.tuplet_members.push(idx);
        }
        Ok(())
    }
}

/// Gather the ABC voices into parts: a list of voice indices per part, in score order.
///
/// With a `%%score` directive (`score`), each of its groups is a part, in its order, and the
/// voices it does not name follow, one part each. Without one, voices with the same non-empty
/// `name=` share a part (the part of the first), and every other voice is a part of its own.
fn part_groups(voices: &[Voice], ids: &[String], score: Option<&[Vec<String>]>) -> Vec<Vec<usize>> {
    let mut placed = vec![false; voices.len()];
    let mut groups: Vec<Vec<usize>> = Vec::new();
    match score {
        Some(score) => {
            // By id, the first voice of that id: a directive may name thousands of voices.
            let mut by_id: HashMap<&str, usize> = HashMap::new();
            for (v, id) in ids.iter().enumerate().rev() {
                by_id.insert(id, v);
            }
            for group in score {
                let mut members = Vec::new();
                for id in group {
                    if let Some(v) = by_id.get(id.as_str()).copied().filter(|&v| !placed[v]) {
                        placed[v] = true;
                        members.push(v);
                    }
                }
                if !members.is_empty() {
                    groups.push(members);
                }
            }
            groups.extend((0..voices.len()).filter(|&v| !placed[v]).map(|v| vec![v]));
        }
        None => {
            let mut by_name: HashMap<&str, usize> = HashMap::new();
            for (v, voice) in voices.iter().enumerate() {
                match by_name.get(voice.name.as_str()) {
                    Some(&g) => groups[g].push(v),
                    None => {
                        if !voice.name.is_empty() {
                            by_name.insert(&voice.name, groups.len());
                        }
                        groups.push(vec![v]);
                    }
                }
            }
        }
    }
    groups
}

/// Read the length suffix of a note: `2`, `/`, `/4`, `3/2`, `//`.
fn note_length(chars: &[char], mut i: usize, line: usize) -> Result<(Rational, usize)> {
    let col = i + 1;
    let start = i;
    while i < chars.len() && chars[i].is_ascii_digit() {
        i += 1;
    }
    let num: i64 = if i > start {
        chars[start..i]
            .iter()
            .collect::<String>()
            .parse()
            .map_err(|_| err(line, col, "note length too large"))?
    } else {
        1
    };
    let mut den: i64 = 1;
    while i < chars.len() && chars[i] == '/' {
        i += 1;
        let s = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        let d: i64 = if i > s {
            chars[s..i]
                .iter()
                .collect::<String>()
                .parse()
                .map_err(|_| err(line, col, "note length too large"))?
        } else {
            2
        };
        if d == 0 {
            return Err(err(line, col, "note length divided by zero"));
        }
        den = den
            .checked_mul(d)
            .filter(|&x| x <= 1 << 20)
            .ok_or_else(|| err(line, col, "note length too small"))?;
    }
    if num == 0 || num > 1 << 20 {
        return Err(err(line, col, format!("invalid note length {num}")));
    }
    Ok((Rational::new(num, den), i))
}

/// Read one tune.
pub(crate) fn read_tune(tune: &TuneText<'_>) -> Result<(SimpleScore, ImportReport)> {
    let mut r = Reader {
        report: ImportReport::new(FORMAT),
        voices: Vec::new(),
        voice_ids: Vec::new(),
        current: 0,
        key: Key::C_MAJOR,
        unit: None,
        time: Some(TimeSignature::COMMON),
        tempo: None,
        next_id: 1,
        in_body: false,
        events: 0,
        score_groups: None,
    };
    r.report.version = Some("2.1".into());
    let mut saw_meter = false;
    for &(line, text) in &tune.lines {
        let t = text.trim_end();
        if let Some(groups) = t.strip_prefix("%%score").or_else(|| t.strip_prefix("%%staves")) {
            r.score_directive(groups);
            continue;
        }
        if t.starts_with('%') || t.is_empty() {
            continue;
        }
        let bytes = t.as_bytes();
        if bytes.len() >= 2
            && bytes[1] == b':'
            && bytes[0].is_ascii_alphabetic()
            && (!r.in_body || !t.starts_with('|'))
        {
            let name = bytes[0] as char;
            if name == 'M' && !r.in_body {
                saw_meter = true;
            }
            r.field(name, &t[2..], line, 1, false)?;
            continue;
        }
        if !r.in_body {
            r.report.warn(|| pos(line, 1), "music before the K: field read as the tune body");
            r.in_body = true;
        }
        r.body_line(t, line)?;
    }
    let _ = saw_meter;
    if r.voices.is_empty() {
        r.voice();
    }
    for v in &mut r.voices {
        v.finish();
    }
    // Global measures: the longest voice; infos from the first voice that sets them.
    let count = r
        .voices
        .iter()
        .map(|v| v.measures.iter().rposition(Measure::has_music).map_or(0, |i| i + 1))
        .max()
        .unwrap_or(0)
        .max(1);
    if count.saturating_mul(r.voices.len()) > limits::MAX_CELLS {
        return Err(Error::LimitExceeded {
            format: FORMAT,
            position: FilePosition::Unknown,
            what: "parts times measures",
            limit: limits::MAX_CELLS as u64,
        });
    }
    let mut infos = Vec::with_capacity(count);
    let mut time = r.time.unwrap_or(TimeSignature::COMMON);
    let mut key = r.key;
    for m in 0..count {
        let mut info_time = None;
        let mut info_key = None;
        let mut info = MeasureInfo::new(time, key);
        let mut content = Rational::ZERO;
        for v in &r.voices {
            if let Some(ms) = v.measures.get(m) {
                info_time = info_time.or(ms.time);
                info_key = info_key.or(ms.key);
                info.repeat_start |= ms.repeat_start;
                info.repeat_end = info.repeat_end.or(ms.repeat_end);
                info.ending |= ms.ending;
                info.jumps = info.jumps | ms.jumps;
                info.tempo = info.tempo.or(ms.tempo);
                // Every end was a running time the reader checked; checked again here so that
                // no path through the reader can panic on it.
                content = content.max(ms.end);
                for e in ms.events.iter().chain(ms.overlays.iter().flatten()) {
                    let end = e.onset.checked_add(e.time_taken()).ok_or(Error::Overflow)?;
                    content = content.max(end);
                }
            }
        }
        time = info_time.unwrap_or(time);
        key = info_key.unwrap_or(key);
        info.time = time;
        info.key = key;
        if m == 0 && info.tempo.is_none() {
            info.tempo = r.tempo;
        }
        info.pickup = content.is_positive() && content < time.length();
        infos.push(info);
    }
    let groups = part_groups(&r.voices, &r.voice_ids, r.score_groups.as_deref());
    // Where each ABC voice goes: (part, voice index of its own notes, of its first overlay).
    let mut places = vec![(0, 0, 0); r.voices.len()];
    let mut parts = Vec::with_capacity(groups.len());
    for (p, group) in groups.iter().enumerate() {
        let mut overlay = group.len();
        for (k, &v) in group.iter().enumerate() {
            places[v] = (p, k, overlay);
            overlay += r.voices[v].layers - 1;
        }
        if overlay > limits::MAX_VOICES {
            return Err(Error::LimitExceeded {
                format: FORMAT,
                position: FilePosition::Unknown,
                what: "voices in a part",
                limit: limits::MAX_VOICES as u64,
            });
        }
        let name = group.iter().map(|&v| r.voices[v].name.as_str()).find(|n| !n.is_empty());
        parts.push(PartInfo::plain(match name {
            Some(name) => name.to_string(),
            None if groups.len() > 1 => format!("Voice {}", p + 1),
            None => String::new(),
        }));
    }
    let mut score = SimpleScore::new(parts, count, TimeSignature::COMMON, Key::C_MAJOR);
    for (m, info) in infos.into_iter().enumerate() {
        *score.measure_mut(m)? = info;
    }
    for (v, voice) in r.voices.into_iter().enumerate() {
        let (p, own, first_overlay) = places[v];
        for (m, ms) in voice.measures.into_iter().enumerate().take(count) {
            if !ms.events.is_empty() {
                score.set_events(p, m, own, ms.events)?;
            }
            for (k, events) in ms.overlays.into_iter().enumerate() {
                if !events.is_empty() {
                    score.set_events(p, m, first_overlay + k, events)?;
                }
            }
        }
    }
    Ok((score, r.report))
}
