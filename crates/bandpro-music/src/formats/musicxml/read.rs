//! Interpreting a MusicXML element tree as a [`SimpleScore`].
//!
//! Each part is read measure by measure with a time cursor (MusicXML's `<backup>` and
//! `<forward>` move it), keeping per part the divisions, the voices and their open tuplets.
//! Directions and chord symbols wait in a pending list until the note they belong to arrives;
//! a second chord symbol at the same onset, or one whose `<offset>` falls inside a sounding
//! note, is a change of chord during that note ([`crate::Event::chord_changes`]).
//! Measures are global in the model, so measure attributes (time, key, repeats, endings, tempo)
//! are merged over the parts at the end.

use std::collections::HashMap;

use crate::chord_symbol::{ChordSymbol, Degree, Degrees};
use crate::clef::{Clef, ClefSign};
use crate::duration::TupletRatio;
use crate::error::{Error, Result};
use crate::event::{
    AccidentalDisplay, Articulations, ChordChange, Dynamic, Event, EventId, EventKind, Grace, Lyric, Note,
    Syllabic, Tie, TupletMark,
};
use crate::formats::limits;
use crate::formats::report::{GroupSymbol, ImportReport, PartExtras, PartGroup};
use crate::formats::xml::{Doc, El, line_col};
use crate::instrument::{self, Instrument};
use crate::interval::Interval;
use crate::key::{Key, Mode};
use crate::meter::TimeSignature;
use crate::pitch::{Pitch, PitchName, Step};
use crate::rational::Rational;
use crate::score_model::SimpleScore;
use crate::view::{Jumps, MeasureInfo, PartInfo, ScoreView, Tempo};

use super::chord_kinds;

struct Ctx<'r, 'd, 'a> {
    doc: &'d Doc<'a>,
    format: &'static str,
    report: &'r mut ImportReport,
}

impl Ctx<'_, '_, '_> {
    fn warn(&mut self, pos: usize, msg: impl Into<String>) {
        let src = self.doc.src;
        self.report.warn(|| line_col(src, pos), msg);
    }

    fn error(&self, pos: usize, msg: impl Into<String>) -> Error {
        Error::Format { format: self.format, position: line_col(self.doc.src, pos), message: msg.into() }
    }

    fn limit(&self, pos: usize, what: &'static str, limit: usize) -> Error {
        Error::LimitExceeded {
            format: self.format,
            position: line_col(self.doc.src, pos),
            what,
            limit: limit as u64,
        }
    }
}

/// Parse a decimal number ("12", "-0.5", "72.25") exactly.
pub(crate) fn parse_decimal(s: &str) -> Option<Rational> {
    let s = s.trim();
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if (int.is_empty() && frac.is_empty())
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 12
        || int.len() > 15
    {
        return None;
    }
    let i: i64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let den = 10i64.pow(frac.len() as u32);
    let f: i64 = if frac.is_empty() { 0 } else { frac.parse().ok()? };
    let num = i.checked_mul(den)?.checked_add(f)?;
    Rational::try_new(if neg { -num } else { num }, den).ok()
}

/// Value of a MusicXML note-type name.
pub(crate) fn type_value(name: &str) -> Option<Rational> {
    Some(match name {
        "maxima" => Rational::from_int(8),
        "long" => Rational::from_int(4),
        "breve" => Rational::from_int(2),
        "whole" => Rational::ONE,
        "half" => Rational::new(1, 2),
        "quarter" => Rational::new(1, 4),
        "eighth" => Rational::new(1, 8),
        "16th" => Rational::new(1, 16),
        "32nd" => Rational::new(1, 32),
        "64th" => Rational::new(1, 64),
        "128th" => Rational::new(1, 128),
        "256th" => Rational::new(1, 256),
        "512th" => Rational::new(1, 512),
        "1024th" => Rational::new(1, 1024),
        _ => return None,
    })
}

fn dotted(value: Rational, dots: usize) -> Rational {
    let dots = dots.min(8) as u32;
    value * Rational::new((1i64 << (dots + 1)) - 1, 1i64 << dots)
}

/// A `<tuplet type="start">`: its number and its ratio, when written.
type TupletStart = (Option<String>, Option<(u32, u32)>);

/// What a direction or chord symbol contributes to an event.
#[derive(Debug, Clone)]
enum Payload {
    Dynamic(Dynamic),
    Marks(Articulations),
    Chord(ChordSymbol),
}

#[derive(Debug)]
struct Pending {
    onset: Rational,
    voice: Option<usize>,
    staff: Option<u8>,
    payload: Payload,
    pos: usize,
}

/// An open tuplet group in a voice.
#[derive(Debug)]
struct OpenTuplet {
    number: Option<String>,
    group: u32,
    ratio: TupletRatio,
    /// For groups implied by `<time-modification>` without `<tuplet>` brackets: the length at
    /// which the group is complete.
    implicit_span: Option<Rational>,
    members: Vec<usize>,
    filled: Rational,
}

/// Measure-level results of one part.
#[derive(Debug, Clone)]
struct PartMeasure {
    voices: Vec<Vec<Event>>,
    time: Option<TimeSignature>,
    key: Option<Key>,
    implicit: bool,
    repeat_start: bool,
    repeat_end: Option<u8>,
    ending: u16,
    jumps: Jumps,
    tempo: Option<Tempo>,
    content_end: Rational,
    /// The part's transposition (staff 1's) in force in this measure.
    transposition: Interval,
}

struct PartState {
    divisions: Rational,
    voice_index: HashMap<String, usize>,
    /// The transposition in force (staff 1's): the instrument's until a `<transpose>` says
    /// otherwise.
    transposition: Interval,
    staves: u8,
    /// Notes with `<pitch>` read so far.
    pitched_notes: usize,
    /// Notes with `<unpitched>` read so far, and where the first was.
    unpitched_notes: usize,
    first_unpitched: usize,
    clefs: Vec<Option<Clef>>,
    verse_index: HashMap<String, u8>,
    open_ending: u16,
    tuplet_open: Vec<Vec<OpenTuplet>>,
    next_id: u64,
    midi_program: Option<u8>,
    midi_channel: Option<u8>,
    /// A key change found in the middle of the previous measure.
    carry_key: Option<Key>,
}

/// Read a parsed MusicXML document.
pub(crate) fn read_doc(
    doc: &Doc<'_>,
    format: &'static str,
    report: &mut ImportReport,
) -> Result<SimpleScore> {
    let mut cx = Ctx { doc, format, report };
    let root = doc.root();
    let timewise = match root.name() {
        "score-partwise" => false,
        "score-timewise" => true,
        other => {
            return Err(cx.error(
                root.pos(),
                format!("not MusicXML: the root element is `<{other}>`, not `<score-partwise>` or `<score-timewise>`"),
            ));
        }
    };
    cx.report.version = Some(root.attr("version").unwrap_or("1.0").to_string());

    // Header.
    let mut score_parts: Vec<El<'_, '_>> = Vec::new();
    let mut groups_open: HashMap<String, (usize, PartGroup)> = HashMap::new();
    let mut groups: Vec<PartGroup> = Vec::new();
    for child in root.children() {
        match child.name() {
            "work" => {
                if let Some(t) = child.child_text("work-title").filter(|t| !t.is_empty()) {
                    cx.report.metadata.title = Some(t.to_string());
                }
            }
            "movement-title" => {
                let t = child.text();
                if !t.is_empty() {
                    cx.report.metadata.movement_title = Some(t.to_string());
                }
            }
            "identification" => {
                for c in child.children() {
                    match (c.name(), c.attr("type")) {
                        ("creator", Some("composer")) => {
                            cx.report.metadata.composer = Some(c.text().to_string())
                        }
                        ("creator", Some("lyricist") | Some("poet")) => {
                            cx.report.metadata.lyricist = Some(c.text().to_string())
                        }
                        ("rights", _) if cx.report.metadata.rights.is_none() => {
                            cx.report.metadata.rights = Some(c.text().to_string())
                        }
                        _ => {}
                    }
                }
            }
            "part-list" => {
                for c in child.children() {
                    match c.name() {
                        "score-part" => score_parts.push(c),
                        "part-group" => {
                            let number = c.attr("number").unwrap_or("1").to_string();
                            let index = score_parts.len();
                            match c.attr("type") {
                                Some("start") => {
                                    let symbol = match c.child_text("group-symbol") {
                                        Some("brace") => GroupSymbol::Brace,
                                        Some("bracket") => GroupSymbol::Bracket,
                                        Some("line") => GroupSymbol::Line,
                                        Some("square") => GroupSymbol::Square,
                                        _ => GroupSymbol::None,
                                    };
                                    let g = PartGroup {
                                        first: index,
                                        last: index,
                                        name: c
                                            .child_text("group-name")
                                            .filter(|n| !n.is_empty())
                                            .map(String::from),
                                        symbol,
                                        barline: matches!(
                                            c.child_text("group-barline"),
                                            Some("yes" | "Mensurstrich")
                                        ),
                                    };
                                    groups_open.insert(number, (groups.len(), g));
                                    groups
                                        .push(PartGroup { first: usize::MAX, ..PartGroup::default_group() });
                                }
                                Some("stop") => {
                                    if let Some((slot, mut g)) = groups_open.remove(&number) {
                                        if index > g.first {
                                            g.last = index - 1;
                                            groups[slot] = g;
                                        }
                                    } else {
                                        cx.warn(c.pos(), "part-group stop without a start");
                                    }
                                }
                                _ => {}
                            }
                        }
                        _ => {}
                    }
                }
            }
            "part" | "measure" | "defaults" | "credit" | "movement-number" => {}
            other => cx.warn(child.pos(), format!("skipped unknown element `<{other}>` in the score header")),
        }
    }
    for (_, (slot, g)) in groups_open {
        if score_parts.len() > g.first {
            groups[slot] = PartGroup { last: score_parts.len() - 1, ..g };
        }
    }
    cx.report.metadata.part_groups = groups.into_iter().filter(|g| g.first != usize::MAX).collect();

    // Part data: for each part of the list (and each part the list does not name), its
    // measures as (measure element, content element).
    let mut slots: Vec<Slot<'_, '_>> = score_parts
        .iter()
        .map(|p| Slot {
            score_part: Some(*p),
            id: p.attr("id").unwrap_or("").to_string(),
            anonymous: false,
            measures: Vec::new(),
        })
        .collect();
    let mut matcher = PartMatcher::new(&slots);
    if timewise {
        for m in root.children().filter(|c| c.name() == "measure") {
            let group: Vec<El<'_, '_>> = m.children().filter(|c| c.name() == "part").collect();
            for (p, s) in group.iter().zip(matcher.assign(&mut cx, &mut slots, &group)) {
                slots[s].measures.push((m, *p));
            }
            if slots.len() > limits::MAX_PARTS {
                return Err(cx.limit(root.pos(), "parts", limits::MAX_PARTS));
            }
        }
    } else {
        let group: Vec<El<'_, '_>> = root.children().filter(|c| c.name() == "part").collect();
        for (p, s) in group.iter().zip(matcher.assign(&mut cx, &mut slots, &group)) {
            slots[s].measures.extend(p.children().filter(|c| c.name() == "measure").map(|m| (m, m)));
        }
    }
    if slots.len() > limits::MAX_PARTS {
        return Err(cx.limit(root.pos(), "parts", limits::MAX_PARTS));
    }
    let measure_count = slots.iter().map(|s| s.measures.len()).max().unwrap_or(0);
    if measure_count > limits::MAX_MEASURES {
        return Err(cx.limit(root.pos(), "measures", limits::MAX_MEASURES));
    }
    if measure_count.saturating_mul(slots.len()) > limits::MAX_CELLS {
        return Err(cx.limit(root.pos(), "parts times measures", limits::MAX_CELLS));
    }

    // Read every part.
    let mut next_id = 1u64;
    let mut parts_out: Vec<(PartInfo, Vec<PartMeasure>)> = Vec::with_capacity(slots.len());
    for slot in &slots {
        let (info, extras, out) =
            read_part(&mut cx, slot.score_part, &slot.id, &slot.measures, &mut next_id)?;
        cx.report.metadata.parts.push(extras);
        parts_out.push((info, out));
    }

    // Merge measure attributes over the parts. Pitched parts decide the key first.
    let mut key_order: Vec<usize> = (0..parts_out.len()).filter(|&p| !parts_out[p].0.unpitched).collect();
    key_order.extend((0..parts_out.len()).filter(|&p| parts_out[p].0.unpitched));
    let mut measures = Vec::with_capacity(measure_count);
    let mut time = TimeSignature::COMMON;
    let mut key = Key::C_MAJOR;
    for m in 0..measure_count {
        if let Some(t) = parts_out.iter().find_map(|(_, ms)| ms.get(m).and_then(|pm| pm.time)) {
            time = t;
        }
        if let Some(k) = key_order.iter().find_map(|&p| {
            let pm = parts_out[p].1.get(m)?;
            let written = pm.key?;
            Some(if pm.transposition == Interval::UNISON {
                written
            } else {
                written.transpose(pm.transposition).unwrap_or(written)
            })
        }) {
            key = k;
        }
        let mut info = MeasureInfo::new(time, key);
        let mut end = Rational::ZERO;
        for (_, ms) in &parts_out {
            if let Some(pm) = ms.get(m) {
                info.pickup |= pm.implicit;
                info.repeat_start |= pm.repeat_start;
                info.repeat_end = info.repeat_end.or(pm.repeat_end);
                info.ending |= pm.ending;
                info.jumps = info.jumps | pm.jumps;
                info.tempo = info.tempo.or(pm.tempo);
                end = end.max(pm.content_end);
            }
        }
        if end.is_positive() && end < time.length() {
            info.pickup = true;
        }
        measures.push(info);
    }

    let part_infos: Vec<PartInfo> = parts_out.iter().map(|(i, _)| i.clone()).collect();
    let mut score = SimpleScore::new(part_infos, measure_count, TimeSignature::COMMON, Key::C_MAJOR);
    for (m, info) in measures.into_iter().enumerate() {
        *score.measure_mut(m)? = info;
    }
    for (p, (_, ms)) in parts_out.into_iter().enumerate() {
        for (m, pm) in ms.into_iter().enumerate() {
            if m > 0 && pm.transposition != score.transposition(p, m - 1) {
                score.set_transposition_from(p, m, pm.transposition)?;
            }
            for (v, events) in pm.voices.into_iter().enumerate() {
                score.set_events(p, m, v, events)?;
            }
        }
    }
    Ok(score)
}

/// One part of the score being read: a `<score-part>` of the part list, or a `<part>` the list
/// does not name.
struct Slot<'d, 'a> {
    score_part: Option<El<'d, 'a>>,
    id: String,
    /// A part without `id` that no `<score-part>` was left for.
    anonymous: bool,
    measures: Vec<(El<'d, 'a>, El<'d, 'a>)>,
}

/// Matches `<part>` elements to slots: by `id`, and a `<part>` without `id` or with an id the
/// part list does not have to the first `<score-part>` not matched yet, in order (41g: the only
/// part has no id, the only score-part is P1). What no score-part is left for becomes a part of
/// its own. Partwise files match all their `<part>`s at once, timewise files those of each
/// measure.
struct PartMatcher {
    by_id: HashMap<String, usize>,
    listed: usize,
    warned: std::collections::HashSet<(Option<String>, usize)>,
}

impl PartMatcher {
    fn new(slots: &[Slot<'_, '_>]) -> PartMatcher {
        let mut by_id = HashMap::new();
        for (i, s) in slots.iter().enumerate() {
            by_id.entry(s.id.clone()).or_insert(i);
        }
        PartMatcher { by_id, listed: slots.len(), warned: Default::default() }
    }

    /// The slot of each `<part>` of `group`, adding slots for parts the list does not name.
    fn assign<'d, 'a>(
        &mut self,
        cx: &mut Ctx<'_, '_, '_>,
        slots: &mut Vec<Slot<'d, 'a>>,
        group: &[El<'d, 'a>],
    ) -> Vec<usize> {
        let mut out: Vec<Option<usize>> =
            group.iter().map(|p| p.attr("id").and_then(|id| self.by_id.get(id).copied())).collect();
        let mut taken: std::collections::HashSet<usize> = out.iter().flatten().copied().collect();
        for (k, p) in group.iter().enumerate() {
            if out[k].is_some() {
                continue;
            }
            let id = p.attr("id");
            // An id first seen in this group (a repeated unknown id) goes where its first went.
            if let Some(&s) = id.and_then(|id| self.by_id.get(id)) {
                out[k] = Some(s);
                continue;
            }
            let s = if let Some(s) = (0..self.listed).find(|s| !taken.contains(s)) {
                if self.warned.insert((id.map(String::from), s)) {
                    let target = &slots[s].id;
                    let what = match id {
                        None => "part without `id`".to_string(),
                        Some(x) => format!("part `{x}` is not in the part list; it"),
                    };
                    cx.warn(
                        p.pos(),
                        format!("{what} is read as score-part `{target}`, the first not matched by id"),
                    );
                }
                s
            } else if let Some(s) = (self.listed..slots.len())
                .find(|&s| id.is_none() && slots[s].anonymous && !taken.contains(&s))
            {
                s
            } else {
                match id {
                    Some(x) => cx.warn(p.pos(), format!("part `{x}` is not in the part list")),
                    None => cx.warn(
                        p.pos(),
                        "part without `id` and no score-part left for it: read as a part of its own",
                    ),
                }
                slots.push(Slot {
                    score_part: None,
                    id: id.unwrap_or("").to_string(),
                    anonymous: id.is_none(),
                    measures: Vec::new(),
                });
                slots.len() - 1
            };
            if let Some(x) = id {
                self.by_id.insert(x.to_string(), s);
            }
            taken.insert(s);
            out[k] = Some(s);
        }
        out.into_iter().map(|s| s.expect("every part is assigned")).collect()
    }
}

impl PartGroup {
    fn default_group() -> PartGroup {
        PartGroup { first: 0, last: 0, name: None, symbol: GroupSymbol::None, barline: false }
    }
}

/// Guess a table instrument from a part or instrument name.
fn guess_instrument(names: &[&str]) -> Option<&'static Instrument> {
    let mut best: Option<(&'static Instrument, usize)> = None;
    for name in names {
        let lc = name.to_ascii_lowercase();
        for ins in instrument::all() {
            for cand in [ins.name.to_ascii_lowercase(), ins.id.replace('-', " ")] {
                if !cand.is_empty() && lc.contains(&cand) && best.is_none_or(|(_, l)| cand.len() > l) {
                    best = Some((ins, cand.len()));
                }
            }
        }
    }
    // Common spellings the table names do not contain.
    if best.is_none() {
        for name in names {
            let lc = name.to_ascii_lowercase();
            let id = if lc.contains("clarinet") {
                "clarinet"
            } else if lc.contains("trumpet") {
                "trumpet"
            } else if lc.contains("horn") && !lc.contains("english") {
                "horn"
            } else if lc.contains("sax") && lc.contains("alto") {
                "alto-sax"
            } else if lc.contains("sax") && lc.contains("tenor") {
                "tenor-sax"
            } else if lc.contains("contrabass") || lc.contains("double bass") || lc == "bass" {
                "double-bass"
            } else if lc.contains("voice") {
                "soprano"
            } else {
                continue;
            };
            return instrument::by_id(id).ok();
        }
    }
    best.map(|(i, _)| i)
}

#[allow(clippy::type_complexity)]
fn read_part(
    cx: &mut Ctx<'_, '_, '_>,
    score_part: Option<El<'_, '_>>,
    id: &str,
    measures: &[(El<'_, '_>, El<'_, '_>)],
    next_id: &mut u64,
) -> Result<(PartInfo, PartExtras, Vec<PartMeasure>)> {
    let name = score_part.and_then(|p| p.child_text("part-name")).unwrap_or("").to_string();
    let mut extras = PartExtras {
        abbreviation: score_part
            .and_then(|p| p.child_text("part-abbreviation"))
            .filter(|a| !a.is_empty())
            .map(String::from),
        ..PartExtras::default()
    };
    let instrument_names: Vec<&str> = score_part
        .map(|p| {
            p.children()
                .filter(|c| c.name() == "score-instrument")
                .filter_map(|c| c.child_text("instrument-name"))
                .collect()
        })
        .unwrap_or_default();
    let names: Vec<&str> = std::iter::once(name.as_str()).chain(instrument_names.iter().copied()).collect();
    let mut info = match guess_instrument(&names) {
        Some(ins) => PartInfo::new(if name.is_empty() { id } else { &name }, ins),
        None => PartInfo::plain(if name.is_empty() { id } else { &name }),
    };
    let mut st = PartState {
        divisions: Rational::ONE,
        voice_index: HashMap::new(),
        transposition: info.transposition,
        staves: 1,
        pitched_notes: 0,
        unpitched_notes: 0,
        first_unpitched: 0,
        clefs: Vec::new(),
        verse_index: HashMap::new(),
        open_ending: 0,
        tuplet_open: Vec::new(),
        next_id: *next_id,
        midi_program: None,
        midi_channel: None,
        carry_key: None,
    };
    if let Some(p) = score_part
        && let Some(mi) = p.child("midi-instrument")
    {
        st.midi_program = mi
            .child_text("midi-program")
            .and_then(|t| t.parse::<u8>().ok())
            .filter(|&v| (1..=128).contains(&v))
            .map(|v| v - 1);
        st.midi_channel = mi
            .child_text("midi-channel")
            .and_then(|t| t.parse::<u8>().ok())
            .filter(|&v| (1..=16).contains(&v))
            .map(|v| v - 1);
    }

    // Voice ids: numeric ones in numeric order, then the others by name.
    let mut ids: Vec<String> = Vec::new();
    for (_, content) in measures {
        for n in content.children().filter(|c| c.name() == "note") {
            let v = n.child_text("voice").unwrap_or("1");
            if !ids.iter().any(|x| x == v) {
                ids.push(v.to_string());
            }
        }
    }
    ids.sort_by(|a, b| match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        (Ok(_), Err(_)) => std::cmp::Ordering::Less,
        (Err(_), Ok(_)) => std::cmp::Ordering::Greater,
        (Err(_), Err(_)) => a.cmp(b),
    });
    if ids.len() > limits::MAX_VOICES {
        let pos = measures.first().map_or(0, |m| m.1.pos());
        return Err(cx.limit(pos, "voices in a part", limits::MAX_VOICES));
    }
    for (i, v) in ids.into_iter().enumerate() {
        st.voice_index.insert(v, i);
    }

    let mut out = Vec::with_capacity(measures.len());
    for (mi, (measure_el, content)) in measures.iter().enumerate() {
        let pm = read_measure(cx, &mut st, *measure_el, *content, mi == 0)?;
        out.push(pm);
    }

    info.name = name;
    // The first measure's transposition is the part's; later ones are changes.
    if let Some(pm) = out.first() {
        info.transposition = pm.transposition;
    }
    info.staves = st.staves;
    // A part is unpitched when its notes are: a percussion clef or a drum's name does not make
    // pitched notes unpitched (12ab: a percussion clef in m.1, then G, F and C clefs, every note
    // a `<pitch>`). Only a part without notes goes by its clefs and instrument.
    info.unpitched = match (st.pitched_notes, st.unpitched_notes) {
        (0, 0) => {
            st.clefs.iter().flatten().any(|c| c.sign == ClefSign::Percussion)
                || info.instrument.is_some_and(|i| i.practical.is_none())
        }
        (0, _) => true,
        (_, 0) => false,
        (pitched, unpitched) => {
            // The model has one flag per part: what is pitched stays pitched, and the unpitched
            // notes are kept at their display position (played there, not on a drum).
            cx.warn(
                st.first_unpitched,
                format!(
                    "part has {pitched} pitched and {unpitched} unpitched notes: read as pitched; the unpitched notes are kept as pitches at their display position"
                ),
            );
            false
        }
    };
    extras.clefs = st.clefs.iter().map(|c| c.unwrap_or(Clef::TREBLE)).collect();
    extras.midi_program = st.midi_program;
    extras.midi_channel = st.midi_channel;
    *next_id = st.next_id;
    Ok((info, extras, out))
}

/// Parse a `<duration>`-like division count.
fn divisions_value(cx: &Ctx<'_, '_, '_>, el: El<'_, '_>, divisions: Rational) -> Result<Rational> {
    let v = parse_decimal(el.text())
        .ok_or_else(|| cx.error(el.pos(), format!("`<{}>` is not a number: `{}`", el.name(), el.text())))?;
    if v < Rational::ZERO {
        return Err(cx.error(el.pos(), format!("negative `<{}>`: {}", el.name(), el.text())));
    }
    v.checked_div(divisions * Rational::from_int(4))
        .ok_or_else(|| cx.error(el.pos(), format!("`<{}>` out of range: {}", el.name(), el.text())))
}

fn parse_key(cx: &mut Ctx<'_, '_, '_>, k: El<'_, '_>) -> Option<Key> {
    let Some(fifths) = k.child_text("fifths") else {
        cx.warn(k.pos(), "non-traditional key signature not kept (C major used)");
        return Some(Key::C_MAJOR);
    };
    let Ok(mut fifths) = fifths.parse::<i32>() else {
        cx.warn(k.pos(), format!("key signature with invalid fifths `{fifths}` skipped"));
        return None;
    };
    if !(-7..=7).contains(&fifths) {
        cx.warn(k.pos(), "key signature beyond seven sharps or flats clamped");
        fifths = fifths.clamp(-7, 7);
    }
    let mode = match k.child_text("mode").unwrap_or("major") {
        "minor" | "aeolian" => Mode::Minor,
        "dorian" => Mode::Dorian,
        "phrygian" => Mode::Phrygian,
        "lydian" => Mode::Lydian,
        "mixolydian" => Mode::Mixolydian,
        "locrian" => Mode::Locrian,
        "major" | "ionian" | "none" | "" => Mode::Major,
        other => {
            cx.warn(k.pos(), format!("key mode `{other}` not kept (major used)"));
            Mode::Major
        }
    };
    Key::from_fifths(fifths, mode).ok()
}

fn parse_time(cx: &mut Ctx<'_, '_, '_>, t: El<'_, '_>) -> Option<TimeSignature> {
    if t.has("senza-misura") {
        cx.warn(t.pos(), "senza-misura not kept (the previous time signature stays in force)");
        return None;
    }
    let mut pairs: Vec<(Vec<u8>, u16)> = Vec::new();
    let mut beats: Option<Vec<u8>> = None;
    for c in t.children() {
        match c.name() {
            "beats" => {
                let groups: Option<Vec<u8>> =
                    c.text().split('+').map(|g| g.trim().parse::<u8>().ok()).collect();
                beats = groups;
                if beats.is_none() {
                    cx.warn(c.pos(), format!("time signature beats `{}` not understood", c.text()));
                    return None;
                }
            }
            "beat-type" => {
                let Ok(d) = c.text().parse::<u16>() else {
                    cx.warn(c.pos(), format!("time signature beat type `{}` not understood", c.text()));
                    return None;
                };
                if let Some(b) = beats.take() {
                    pairs.push((b, d));
                }
            }
            "interchangeable" => break,
            _ => {}
        }
    }
    if pairs.is_empty() {
        return None;
    }
    // Mixed denominators (2/4+3/8): express all groups over the largest denominator.
    let den = pairs.iter().map(|p| p.1).max().unwrap_or(4);
    let mut groups = Vec::new();
    for (bs, d) in &pairs {
        if *d == 0 || den % d != 0 {
            cx.warn(t.pos(), "time signature not representable");
            return None;
        }
        for b in bs {
            let g = *b as u32 * (den / d) as u32;
            groups.push(u8::try_from(g).ok()?);
        }
    }
    // A single pair written as a sum stays additive; otherwise use the total.
    let r = if groups.len() > 8 {
        let total: u32 = groups.iter().map(|&g| g as u32).sum();
        TimeSignature::new(u8::try_from(total).ok()?, den)
    } else {
        TimeSignature::additive(&groups, den)
    };
    match r {
        Ok(ts) => Some(ts),
        Err(_) => {
            cx.warn(
                t.pos(),
                "time signature not representable (denominator must be a power of two up to 128)",
            );
            None
        }
    }
}

fn parse_clef(c: El<'_, '_>) -> Option<Clef> {
    let sign = match c.child_text("sign")? {
        "G" => ClefSign::G,
        "F" => ClefSign::F,
        "C" => ClefSign::C,
        "percussion" => ClefSign::Percussion,
        "TAB" => ClefSign::Tab,
        _ => return None,
    };
    let default_line = match sign {
        ClefSign::G => 2,
        ClefSign::F => 4,
        ClefSign::C => 3,
        ClefSign::Percussion => 3,
        ClefSign::Tab => 5,
    };
    let line = c
        .child_text("line")
        .and_then(|l| l.parse::<u8>().ok())
        .filter(|l| (1..=5).contains(l))
        .unwrap_or(default_line);
    let octave_change =
        c.child_text("clef-octave-change").and_then(|o| o.parse::<i8>().ok()).unwrap_or(0).clamp(-3, 3);
    Some(Clef { sign, line, octave_change })
}

fn parse_chord_symbol(cx: &mut Ctx<'_, '_, '_>, h: El<'_, '_>) -> Option<ChordSymbol> {
    let step_alter = |el: El<'_, '_>, step: &str, alter: &str| -> Option<PitchName> {
        let s = el.child_text(step)?.chars().next().and_then(Step::from_letter)?;
        let a = el.child_text(alter).and_then(parse_decimal).map_or(0, |r| r.floor() as i32);
        PitchName::try_new(s, a).ok()
    };
    let Some(root_el) = h.child("root") else {
        if h.has("function") || h.has("numeral") {
            cx.warn(h.pos(), "roman-numeral harmony not kept");
        } else if h.child_text("kind") != Some("none") {
            cx.warn(h.pos(), "harmony without a root not kept");
        }
        return None;
    };
    let root = step_alter(root_el, "root-step", "root-alter")?;
    let kind_el = h.child("kind");
    let kind = kind_el.map_or("major", |k| k.text());
    let mut degrees: Vec<(u8, i8, String)> = Vec::new();
    for d in h.children().filter(|c| c.name() == "degree") {
        let value = d.child_text("degree-value").and_then(|v| v.parse::<u8>().ok()).unwrap_or(0);
        let alter = d
            .child_text("degree-alter")
            .and_then(parse_decimal)
            .map_or(0, |r| r.floor().clamp(i64::from(i8::MIN), i64::from(i8::MAX)) as i8);
        let ty = d.child_text("degree-type").unwrap_or("add").to_string();
        degrees.push((value, alter, ty));
    }
    let Some((quality, used)) = chord_kinds::from_kind(kind, kind_el.and_then(|k| k.attr("text")), &degrees)
    else {
        let suffix = if degrees.is_empty() { String::new() } else { " with degrees".to_string() };
        cx.warn(
            h.pos(),
            format!("chord symbol kind `{kind}`{suffix} has no chord quality in the model; skipped"),
        );
        return None;
    };
    let mut symbol = ChordSymbol::new(root, quality);
    for (value, alter, ty) in &degrees[used..] {
        let degree = chord_kinds::degree_kind(ty)
            .ok_or(())
            .and_then(|k| Degree::new(k, *value, *alter).map_err(|_| ()));
        match degree {
            Ok(d) => {
                if symbol.degrees.push(d).is_err() {
                    cx.warn(
                        h.pos(),
                        format!(
                            "chord symbol with more than {} degree alterations: `{ty} {value}` and later ones not kept",
                            Degrees::MAX
                        ),
                    );
                    break;
                }
            }
            Err(()) => cx.warn(
                h.pos(),
                format!(
                    "chord symbol degree `{ty} {value}` altered by {alter} not kept (degrees 1 to {}, alterations up to {} either way)",
                    Degree::MAX_VALUE,
                    Degree::MAX_ALTER
                ),
            ),
        }
    }
    // The bass: `<bass>`, or the chord tone an `<inversion>` puts there.
    let bass = match (h.child("bass"), h.child("inversion")) {
        (Some(b), _) => step_alter(b, "bass-step", "bass-alter"),
        (None, Some(inv)) => match inv.text().parse::<usize>() {
            Ok(0) => None,
            Ok(n) => {
                let b = symbol.inversion_bass(n);
                if b.is_none() {
                    cx.warn(
                        inv.pos(),
                        format!("inversion {n} of a chord with fewer members read as root position"),
                    );
                }
                b
            }
            Err(_) => {
                cx.warn(
                    inv.pos(),
                    format!("inversion `{}` not understood; read as root position", inv.text()),
                );
                None
            }
        },
        (None, None) => None,
    };
    Some(symbol.with_bass(bass.filter(|b| *b != root)))
}

fn dynamic_from(cx: &mut Ctx<'_, '_, '_>, d: El<'_, '_>) -> Option<Dynamic> {
    for c in d.children() {
        let sym = if c.name() == "other-dynamics" { c.text() } else { c.name() };
        if let Some(dy) = Dynamic::from_symbol(sym) {
            return Some(dy);
        }
        cx.warn(c.pos(), format!("dynamic `{sym}` has no equivalent in the model; skipped"));
    }
    None
}

fn parse_tempo(m: El<'_, '_>) -> Option<Tempo> {
    let unit = type_value(m.child_text("beat-unit")?)?;
    let dots = m
        .children()
        .take_while(|c| c.name() != "per-minute" && c.name() != "beat-unit-tied")
        .filter(|c| c.name() == "beat-unit-dot")
        .count();
    // Metric modulations (a second beat-unit instead of per-minute) are not tempos.
    let per_minute = m.child_text("per-minute")?;
    let digits: String = per_minute
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let bpm = parse_decimal(&digits)?;
    bpm.is_positive().then(|| Tempo { beat: dotted(unit, dots), bpm })
}

fn sound_marks(cx: &mut Ctx<'_, '_, '_>, s: El<'_, '_>, pm: &mut PartMeasure) {
    if let Some(t) = s.attr("tempo").and_then(parse_decimal).filter(|t| t.is_positive()) {
        if pm.tempo.is_none() {
            pm.tempo = Some(Tempo { beat: Rational::new(1, 4), bpm: t });
        } else if pm.tempo.is_some_and(|x| x.quarter_bpm() != t) {
            cx.warn(s.pos(), "more than one tempo in a measure; only the first is kept");
        }
    }
    if s.attr("segno").is_some() {
        pm.jumps = pm.jumps | Jumps::SEGNO;
    }
    if s.attr("coda").is_some() {
        pm.jumps = pm.jumps | Jumps::CODA;
    }
    if s.attr("tocoda").is_some() {
        pm.jumps = pm.jumps | Jumps::TO_CODA;
    }
    if s.attr("dalsegno").is_some() {
        pm.jumps = pm.jumps | Jumps::DAL_SEGNO;
    }
    if s.attr("dacapo") == Some("yes") {
        pm.jumps = pm.jumps | Jumps::DA_CAPO;
    }
    if s.attr("fine").is_some() {
        pm.jumps = pm.jumps | Jumps::FINE;
    }
}

fn parse_ending_numbers(s: &str) -> u16 {
    let mut mask = 0u16;
    for tok in s.split(|c: char| !c.is_ascii_digit()).filter(|t| !t.is_empty()) {
        if let Ok(n) = tok.parse::<u32>()
            && (1..=16).contains(&n)
        {
            mask |= 1 << (n - 1);
        }
    }
    mask
}

fn voice_of(st: &PartState, el: El<'_, '_>) -> Option<usize> {
    el.child_text("voice").and_then(|v| st.voice_index.get(v).copied())
}

fn staff_of(el: El<'_, '_>) -> Option<u8> {
    el.child_text("staff").and_then(|s| s.parse::<u8>().ok()).filter(|&s| s >= 1).map(|s| s - 1)
}

#[allow(clippy::too_many_lines)]
fn read_measure(
    cx: &mut Ctx<'_, '_, '_>,
    st: &mut PartState,
    measure_el: El<'_, '_>,
    content: El<'_, '_>,
    first: bool,
) -> Result<PartMeasure> {
    let mut pm = PartMeasure {
        voices: vec![Vec::new(); st.voice_index.len()],
        time: None,
        key: None,
        implicit: measure_el.attr("implicit") == Some("yes"),
        repeat_start: false,
        repeat_end: None,
        ending: 0,
        jumps: Jumps::NONE,
        tempo: None,
        content_end: Rational::ZERO,
        transposition: st.transposition,
    };
    st.tuplet_open = (0..st.voice_index.len()).map(|_| Vec::new()).collect();
    let mut group_counter = vec![0u32; st.voice_index.len()];
    let mut cursor = Rational::ZERO;
    let mut last: Option<(usize, usize, Rational)> = None; // voice, index, onset
    let mut pending: Vec<Pending> = Vec::new();
    if st.open_ending != 0 {
        pm.ending = st.open_ending;
    }
    let mut close_ending = false;
    pm.key = st.carry_key.take();
    // `<transpose number="2">` and up: checked against staff 1's at the end of the measure.
    let mut other_staves: Vec<(Interval, usize)> = Vec::new();

    for el in content.children() {
        match el.name() {
            "attributes" => {
                for a in el.children() {
                    match a.name() {
                        "divisions" => {
                            let d = parse_decimal(a.text()).filter(|d| d.is_positive()).ok_or_else(|| {
                                cx.error(
                                    a.pos(),
                                    format!("`<divisions>` must be a positive number, not `{}`", a.text()),
                                )
                            })?;
                            st.divisions = d;
                        }
                        "key" => {
                            if a.attr("number").is_some_and(|n| n != "1") {
                                continue;
                            }
                            if let Some(k) = parse_key(cx, a) {
                                if cursor.is_zero() {
                                    pm.key = Some(k);
                                } else {
                                    cx.warn(
                                        a.pos(),
                                        "mid-measure key change takes effect at the next measure",
                                    );
                                    st.carry_key = Some(k);
                                }
                            }
                        }
                        "time" => {
                            if a.attr("number").is_some_and(|n| n != "1") {
                                continue;
                            }
                            if let Some(t) = parse_time(cx, a) {
                                if !cursor.is_zero() {
                                    cx.warn(
                                        a.pos(),
                                        "mid-measure time signature change takes effect at this measure",
                                    );
                                }
                                pm.time = Some(t);
                            }
                        }
                        "staves" => {
                            let n = a.text().parse::<usize>().unwrap_or(1);
                            if n > limits::MAX_STAVES {
                                return Err(cx.limit(a.pos(), "staves in a part", limits::MAX_STAVES));
                            }
                            st.staves = st.staves.max(n.max(1) as u8);
                        }
                        "clef" => {
                            let staff = a
                                .attr("number")
                                .and_then(|n| n.parse::<usize>().ok())
                                .unwrap_or(1)
                                .clamp(1, limits::MAX_STAVES)
                                - 1;
                            match parse_clef(a) {
                                Some(c) => {
                                    if st.clefs.len() <= staff {
                                        st.clefs.resize(staff + 1, None);
                                    }
                                    if st.clefs[staff].is_none() {
                                        st.clefs[staff] = Some(c);
                                    } else if st.clefs[staff] != Some(c) || !(first && cursor.is_zero()) {
                                        cx.warn(a.pos(), "clef changes are not kept (layout)");
                                    }
                                }
                                None => cx.warn(a.pos(), "clef sign not understood"),
                            }
                        }
                        "transpose" => {
                            let n = |name: &str| {
                                a.child_text(name).and_then(|v| v.parse::<i32>().ok()).unwrap_or(0)
                            };
                            let oct = n("octave-change") - i32::from(a.has("double"));
                            let iv = Interval::from_parts(n("diatonic") + 7 * oct, n("chromatic") + 12 * oct);
                            // Like keys and times: staff 1 (or no number) speaks for the part.
                            match a.attr("number") {
                                Some(staff) if staff != "1" => other_staves.push((iv, a.pos())),
                                _ if iv == st.transposition => {}
                                _ => {
                                    transpose_at_barline(cx, &mut pm, st.transposition, iv, a.pos());
                                    st.transposition = iv;
                                }
                            }
                        }
                        "footnote" | "level" | "part-symbol" | "instruments" | "staff-details"
                        | "measure-style" | "directive" | "for-part" => {}
                        other => {
                            cx.warn(a.pos(), format!("skipped unknown element `<{other}>` in `<attributes>`"))
                        }
                    }
                }
            }
            "note" => {
                read_note(cx, st, el, &mut pm, &mut cursor, &mut last, &mut pending, &mut group_counter)?
            }
            "backup" => {
                let d = el
                    .child("duration")
                    .map(|d| divisions_value(cx, d, st.divisions))
                    .transpose()?
                    .unwrap_or_default();
                if d > cursor {
                    cx.warn(el.pos(), "backup before the start of the measure (clamped)");
                    cursor = Rational::ZERO;
                } else {
                    cursor -= d;
                }
                last = None;
            }
            "forward" => {
                let d = el
                    .child("duration")
                    .map(|d| divisions_value(cx, d, st.divisions))
                    .transpose()?
                    .unwrap_or_default();
                cursor = cursor.checked_add(d).ok_or_else(|| cx.error(el.pos(), "time overflow"))?;
                pm.content_end = pm.content_end.max(cursor);
                last = None;
            }
            "direction" => {
                let offset = el
                    .child("offset")
                    .map(|o| divisions_signed(cx, o, st.divisions))
                    .transpose()?
                    .unwrap_or_default();
                let onset = (cursor + offset).max(Rational::ZERO);
                let voice = voice_of(st, el);
                let staff = staff_of(el);
                for dt in el.children().filter(|c| c.name() == "direction-type") {
                    for d in dt.children() {
                        let payload = match d.name() {
                            "dynamics" => dynamic_from(cx, d).map(Payload::Dynamic),
                            "wedge" => match d.attr("type") {
                                Some("crescendo") => Some(Payload::Marks(Articulations::CRESCENDO_START)),
                                Some("diminuendo") => Some(Payload::Marks(Articulations::DIMINUENDO_START)),
                                Some("stop") => Some(Payload::Marks(Articulations::HAIRPIN_END)),
                                _ => None,
                            },
                            "metronome" => {
                                match parse_tempo(d) {
                                    Some(t) if pm.tempo.is_none() => pm.tempo = Some(t),
                                    Some(t) if pm.tempo != Some(t) => cx.warn(
                                        d.pos(),
                                        "more than one tempo in a measure; only the first is kept",
                                    ),
                                    Some(_) => {}
                                    None => cx.warn(d.pos(), "metronome mark not understood; skipped"),
                                }
                                None
                            }
                            "segno" => {
                                pm.jumps = pm.jumps | Jumps::SEGNO;
                                None
                            }
                            "coda" => {
                                pm.jumps = pm.jumps | Jumps::CODA;
                                None
                            }
                            "words" => {
                                let w = d.text().to_ascii_lowercase();
                                let w = w.trim();
                                if w == "fine" {
                                    pm.jumps = pm.jumps | Jumps::FINE;
                                } else if w.starts_with("d.c.") || w.starts_with("da capo") {
                                    pm.jumps = pm.jumps | Jumps::DA_CAPO;
                                } else if w.starts_with("d.s.") || w.starts_with("dal segno") {
                                    pm.jumps = pm.jumps | Jumps::DAL_SEGNO;
                                } else if w.starts_with("to coda") {
                                    pm.jumps = pm.jumps | Jumps::TO_CODA;
                                } else if !w.is_empty() {
                                    cx.warn(d.pos(), "text directions are not kept");
                                }
                                None
                            }
                            "rehearsal"
                            | "pedal"
                            | "octave-shift"
                            | "bracket"
                            | "dashes"
                            | "other-direction"
                            | "string-mute"
                            | "harp-pedals"
                            | "damp"
                            | "damp-all"
                            | "eyeglasses"
                            | "scordatura"
                            | "image"
                            | "principal-voice"
                            | "percussion"
                            | "accordion-registration"
                            | "staff-divide" => {
                                cx.warn(d.pos(), format!("`<{}>` directions are not kept", d.name()));
                                None
                            }
                            other => {
                                cx.warn(
                                    d.pos(),
                                    format!("skipped unknown element `<{other}>` in `<direction-type>`"),
                                );
                                None
                            }
                        };
                        if let Some(payload) = payload {
                            pending.push(Pending { onset, voice, staff, payload, pos: d.pos() });
                        }
                    }
                }
                if let Some(s) = el.child("sound") {
                    sound_marks(cx, s, &mut pm);
                }
            }
            "harmony" => {
                let offset = el
                    .child("offset")
                    .map(|o| divisions_signed(cx, o, st.divisions))
                    .transpose()?
                    .unwrap_or_default();
                if let Some(cs) = parse_chord_symbol(cx, el) {
                    pending.push(Pending {
                        onset: (cursor + offset).max(Rational::ZERO),
                        voice: None,
                        staff: staff_of(el),
                        payload: Payload::Chord(cs),
                        pos: el.pos(),
                    });
                }
            }
            "barline" => {
                let location = el.attr("location").unwrap_or("right");
                for b in el.children() {
                    match b.name() {
                        "repeat" => match b.attr("direction") {
                            Some("forward") => pm.repeat_start = true,
                            Some("backward") => {
                                let times =
                                    b.attr("times").and_then(|t| t.parse::<u8>().ok()).unwrap_or(2).max(1);
                                pm.repeat_end = Some(times);
                            }
                            _ => {}
                        },
                        "ending" => {
                            let mask = parse_ending_numbers(b.attr("number").unwrap_or(""));
                            match b.attr("type") {
                                Some("start") => {
                                    if mask == 0 {
                                        cx.warn(b.pos(), "ending without a number skipped");
                                    }
                                    pm.ending = mask;
                                    st.open_ending = mask;
                                }
                                Some("stop") | Some("discontinue") => {
                                    if location == "left" {
                                        st.open_ending = 0;
                                    } else {
                                        close_ending = true;
                                    }
                                }
                                _ => {}
                            }
                        }
                        "segno" => pm.jumps = pm.jumps | Jumps::SEGNO,
                        "coda" => pm.jumps = pm.jumps | Jumps::CODA,
                        "bar-style" | "fermata" | "wavy-line" | "footnote" | "level" | "editorial" => {}
                        other => {
                            cx.warn(b.pos(), format!("skipped unknown element `<{other}>` in `<barline>`"))
                        }
                    }
                }
            }
            "sound" => sound_marks(cx, el, &mut pm),
            "print" | "bookmark" | "link" | "grouping" | "listening" => {}
            "figured-bass" => cx.warn(el.pos(), "figured bass is not kept"),
            other => cx.warn(el.pos(), format!("skipped unknown element `<{other}>` in `<measure>`")),
        }
    }
    if close_ending {
        st.open_ending = 0;
    }
    pm.transposition = st.transposition;
    for (iv, pos) in other_staves {
        if iv != st.transposition {
            cx.warn(pos, "a transposition of one staff other than the first is not kept (the first staff's applies to the part)");
        }
    }

    // Close tuplet groups left open at the end of the measure.
    for v in 0..pm.voices.len() {
        let open = std::mem::take(&mut st.tuplet_open[v]);
        for g in open.into_iter().rev() {
            close_tuplet(&mut pm.voices[v], g);
        }
    }

    // Attach what is still pending by onset.
    for p in pending {
        attach_by_onset(cx, &mut pm, p);
    }

    for v in &mut pm.voices {
        if v.windows(2).any(|w| w[1].onset < w[0].onset) {
            v.sort_by_key(|e| e.onset);
        }
    }
    // Drop empty trailing voices so voice counts reflect content.
    while pm.voices.last().is_some_and(Vec::is_empty) {
        pm.voices.pop();
    }
    Ok(pm)
}

/// A change of transposition read in a measure takes effect at the start of that measure: the
/// model has one transposition per measure. Where pitched notes came before the change (a
/// doubler switching instrument in the middle of a bar), they were written for the old
/// transposition; they are respelled for the new one, so that they still sound as the file
/// says (what is played is kept, the notation of those few notes is not), and a warning says so.
/// This is less wrong than moving the change to the next barline, which would make the notes
/// after the change sound wrong instead, and it costs nothing in the common case, a switch
/// during rests.
fn transpose_at_barline(
    cx: &mut Ctx<'_, '_, '_>,
    pm: &mut PartMeasure,
    from: Interval,
    to: Interval,
    pos: usize,
) {
    let respell = from - to;
    let mut moved = 0usize;
    for note in pm.voices.iter_mut().flatten().flat_map(|e| match &mut e.kind {
        EventKind::Rest => &mut [][..],
        EventKind::Note(n) => std::slice::from_mut(n),
        EventKind::Chord(ns) => &mut ns[..],
    }) {
        if let Ok(p) = note.pitch.transpose(respell) {
            note.pitch = p;
        }
        moved += 1;
    }
    if moved > 0 {
        cx.warn(
            pos,
            format!(
                "transposition change in the middle of a measure moved to its barline; the {moved} notes before it are respelled to sound the same"
            ),
        );
    }
}

fn divisions_signed(cx: &Ctx<'_, '_, '_>, el: El<'_, '_>, divisions: Rational) -> Result<Rational> {
    let v = parse_decimal(el.text())
        .ok_or_else(|| cx.error(el.pos(), format!("`<{}>` is not a number", el.name())))?;
    v.checked_div(divisions * Rational::from_int(4)).ok_or_else(|| cx.error(el.pos(), "offset out of range"))
}

fn apply_payload(ev: &mut Event, p: &Payload) -> bool {
    match p {
        Payload::Dynamic(d) => {
            if ev.dynamic.is_some() {
                return false;
            }
            ev.dynamic = Some(*d);
        }
        Payload::Marks(m) => ev.articulations = ev.articulations | *m,
        Payload::Chord(c) => add_chord(ev, Rational::ZERO, *c),
    }
    true
}

/// A chord symbol at `offset` into an event: the event's symbol, or, when it has one or the
/// offset is not zero, a change during the event (kept in time order; several `<harmony>`
/// elements at one onset stay in the order written).
fn add_chord(ev: &mut Event, offset: Rational, symbol: ChordSymbol) {
    if offset.is_zero() && ev.chord_symbol.is_none() && ev.chord_changes.is_empty() {
        ev.chord_symbol = Some(symbol);
        return;
    }
    let at = ev.chord_changes.iter().position(|c| c.offset > offset).unwrap_or(ev.chord_changes.len());
    ev.chord_changes.insert(at, ChordChange { offset, symbol });
}

fn compatible(p: &Pending, voice: usize, ev: &Event) -> bool {
    p.voice.is_none_or(|v| v == voice) && p.staff.is_none_or(|s| s == ev.staff)
}

fn attach_by_onset(cx: &mut Ctx<'_, '_, '_>, pm: &mut PartMeasure, p: Pending) {
    // Exact onset, compatible voice and staff; then any voice; then the next event; then the
    // last event before.
    let mut target: Option<(usize, usize)> = None;
    'search: for pass in 0..2 {
        for (v, evs) in pm.voices.iter().enumerate() {
            for (i, e) in evs.iter().enumerate() {
                if e.onset == p.onset && (pass == 1 || compatible(&p, v, e)) {
                    target = Some((v, i));
                    break 'search;
                }
            }
        }
    }
    // A chord symbol that falls inside a sounding event (a `<harmony>` with an `<offset>`, a
    // change of chord during a long note) is a change during that event, at its own time.
    if target.is_none()
        && let Payload::Chord(c) = &p.payload
    {
        let mut inside: Option<(bool, usize, usize)> = None;
        for (v, evs) in pm.voices.iter().enumerate() {
            for (i, e) in evs.iter().enumerate() {
                if !e.is_grace() && e.onset < p.onset && p.onset < e.end() {
                    let fits = compatible(&p, v, e);
                    if inside.is_none_or(|b| fits && !b.0) {
                        inside = Some((fits, v, i));
                    }
                }
            }
        }
        if let Some((_, v, i)) = inside {
            let e = &mut pm.voices[v][i];
            let offset = p.onset - e.onset;
            add_chord(e, offset, *c);
            return;
        }
    }
    if target.is_none() {
        let mut best: Option<(Rational, usize, usize)> = None;
        for (v, evs) in pm.voices.iter().enumerate() {
            for (i, e) in evs.iter().enumerate() {
                if e.onset > p.onset && best.is_none_or(|b| e.onset < b.0) {
                    best = Some((e.onset, v, i));
                }
            }
        }
        if best.is_none() {
            for (v, evs) in pm.voices.iter().enumerate() {
                for (i, e) in evs.iter().enumerate() {
                    if best.is_none_or(|b| e.onset >= b.0) {
                        best = Some((e.onset, v, i));
                    }
                }
            }
        }
        target = best.map(|(_, v, i)| (v, i));
    }
    match target {
        Some((v, i)) => {
            if !apply_payload(&mut pm.voices[v][i], &p.payload) {
                cx.warn(p.pos, "a second dynamic on the same note is not kept");
            }
        }
        None => cx.warn(p.pos, "direction in a measure without notes is not kept"),
    }
}

fn close_tuplet(voice: &mut [Event], g: OpenTuplet) {
    let span: Rational = g.members.iter().filter_map(|&i| voice.get(i)).map(|e| e.time_taken()).sum();
    for &i in &g.members {
        if let Some(e) = voice.get_mut(i) {
            for m in &mut e.tuplets {
                if m.group == g.group {
                    m.span = span;
                }
            }
        }
    }
}

fn tuplet_ratio_of(t: El<'_, '_>, child: &str) -> Option<u32> {
    t.child(child)?.child_text("tuplet-number")?.parse().ok()
}

#[allow(clippy::too_many_arguments, clippy::too_many_lines)]
fn read_note(
    cx: &mut Ctx<'_, '_, '_>,
    st: &mut PartState,
    el: El<'_, '_>,
    pm: &mut PartMeasure,
    cursor: &mut Rational,
    last: &mut Option<(usize, usize, Rational)>,
    pending: &mut Vec<Pending>,
    group_counter: &mut [u32],
) -> Result<()> {
    let grace = el
        .child("grace")
        .map(|g| if g.attr("slash") == Some("yes") { Grace::Acciaccatura } else { Grace::Appoggiatura });
    let cue = el.has("cue");
    let is_chord = el.has("chord");
    let voice = el.child_text("voice").and_then(|v| st.voice_index.get(v).copied()).unwrap_or(0);
    if pm.voices.len() <= voice {
        pm.voices.resize_with(voice + 1, Vec::new);
        st.tuplet_open.resize_with(voice + 1, Vec::new);
    }
    let staff = staff_of(el).unwrap_or(0).min(limits::MAX_STAVES as u8 - 1);
    if staff + 1 > st.staves {
        st.staves = staff + 1;
    }

    // Pitch.
    let mut pitch: Option<Pitch> = None;
    if let Some(p) = el.child("pitch") {
        let step = p.child_text("step").and_then(|s| s.chars().next()).and_then(Step::from_letter);
        let step = step.ok_or_else(|| cx.error(p.pos(), "`<pitch>` without a valid `<step>`"))?;
        let alter = match p.child_text("alter") {
            None => 0,
            Some(a) => {
                let r = parse_decimal(a)
                    .ok_or_else(|| cx.error(p.pos(), format!("`<alter>` is not a number: `{a}`")))?;
                if !r.is_integer() {
                    cx.warn(p.pos(), "microtonal alteration rounded to the nearest semitone");
                }
                // Round half alterations towards natural: a quarter-tone sharp is kept as natural.
                let half = Rational::new(1, 2);
                let a = if r.is_integer() {
                    r.floor()
                } else if r.is_positive() {
                    -(half - r).floor()
                } else {
                    (r + half).floor()
                };
                a.clamp(-99, 99) as i32
            }
        };
        let octave = p
            .child_text("octave")
            .and_then(|o| o.parse::<i32>().ok())
            .ok_or_else(|| cx.error(p.pos(), "`<pitch>` without a valid `<octave>`"))?;
        let octave = if (-1..=9).contains(&octave) {
            octave
        } else {
            cx.warn(p.pos(), "octave outside -1..=9 clamped");
            octave.clamp(-1, 9)
        };
        pitch = Some(Pitch::try_new(step, alter, octave).map_err(|e| cx.error(p.pos(), e.to_string()))?);
        st.pitched_notes += 1;
    } else if let Some(u) = el.child("unpitched") {
        if st.unpitched_notes == 0 {
            st.first_unpitched = u.pos();
        }
        st.unpitched_notes += 1;
        let step = u
            .child_text("display-step")
            .and_then(|s| s.chars().next())
            .and_then(Step::from_letter)
            .unwrap_or(Step::B);
        let octave =
            u.child_text("display-octave").and_then(|o| o.parse::<i32>().ok()).unwrap_or(4).clamp(-1, 9);
        pitch = Some(Pitch::try_new(step, 0, octave)?);
    } else if !el.has("rest") {
        return Err(cx.error(el.pos(), "`<note>` without `<pitch>`, `<unpitched>` or `<rest>`"));
    }

    // Duration.
    let type_el = el.child("type");
    let dots = el.children().filter(|c| c.name() == "dot").count();
    let written = type_el.and_then(|t| type_value(t.text())).map(|v| dotted(v, dots));
    if let Some(t) = type_el
        && type_value(t.text()).is_none()
    {
        cx.warn(t.pos(), format!("note type `{}` not understood", t.text()));
    }
    let tm = el.child("time-modification");
    let tm_ratio = tm.and_then(|t| {
        let a = t.child_text("actual-notes")?.parse::<u32>().ok()?;
        let n = t.child_text("normal-notes")?.parse::<u32>().ok()?;
        (a > 0 && n > 0).then_some((a, n))
    });
    let expected = written.map(|w| match tm_ratio {
        Some((a, n)) => w * Rational::new(n as i64, a as i64),
        None => w,
    });
    let duration = if grace.is_some() {
        written.unwrap_or(Rational::new(1, 8))
    } else {
        match el.child("duration") {
            Some(d) => {
                let v = divisions_value(cx, d, st.divisions)?;
                match expected {
                    // Exporters round tuplet durations to whole divisions: trust the notation
                    // when the difference is below one division.
                    Some(e)
                        if e != v
                            && ((e - v).abs() * st.divisions * Rational::from_int(4)) < Rational::ONE =>
                    {
                        e
                    }
                    _ => v,
                }
            }
            None => {
                cx.warn(el.pos(), "note without `<duration>`; duration taken from its type");
                expected.ok_or_else(|| cx.error(el.pos(), "note without `<duration>` or `<type>`"))?
            }
        }
    };
    if !duration.is_positive() && grace.is_none() && !is_chord {
        return Err(cx.error(el.pos(), "note duration must be positive"));
    }

    // Ties.
    let mut tie_start = false;
    let mut tie_stop = false;
    let ties: Vec<_> = el.children().filter(|c| c.name() == "tie").collect();
    if ties.is_empty() {
        for n in el.children().filter(|c| c.name() == "notations") {
            for t in n.children().filter(|c| c.name() == "tied") {
                match t.attr("type") {
                    Some("start") => tie_start = true,
                    Some("stop") => tie_stop = true,
                    Some("continue") => {
                        tie_start = true;
                        tie_stop = true;
                    }
                    _ => {}
                }
            }
        }
    } else {
        for t in ties {
            match t.attr("type") {
                Some("start") => tie_start = true,
                Some("stop") => tie_stop = true,
                _ => {}
            }
        }
    }
    let tie = match (tie_start, tie_stop) {
        (true, true) => Tie::Continue,
        (true, false) => Tie::Start,
        (false, true) => Tie::Stop,
        (false, false) => Tie::None,
    };

    let accidental = match el.child("accidental") {
        Some(a) => {
            let cautionary = ["cautionary", "editorial", "parentheses", "bracket"]
                .iter()
                .any(|k| a.attr(k) == Some("yes"));
            if !matches!(
                a.text(),
                "sharp"
                    | "flat"
                    | "natural"
                    | "double-sharp"
                    | "sharp-sharp"
                    | "flat-flat"
                    | "natural-sharp"
                    | "natural-flat"
                    | "triple-sharp"
                    | "triple-flat"
            ) {
                cx.warn(a.pos(), format!("accidental `{}` shown as a plain accidental", a.text()));
            }
            if cautionary { AccidentalDisplay::Cautionary } else { AccidentalDisplay::Shown }
        }
        None => AccidentalDisplay::Auto,
    };

    // Notations.
    let mut marks = Articulations::NONE;
    let mut dynamic = None;
    let mut tuplet_starts: Vec<TupletStart> = Vec::new();
    let mut tuplet_stops: Vec<Option<String>> = Vec::new();
    for n in el.children().filter(|c| c.name() == "notations") {
        for c in n.children() {
            match c.name() {
                "tied" => {}
                "slur" => match c.attr("type") {
                    Some("start") => marks = marks | Articulations::SLUR_START,
                    Some("stop") => marks = marks | Articulations::SLUR_END,
                    _ => {}
                },
                "tuplet" => {
                    let number = c.attr("number").map(String::from);
                    match c.attr("type") {
                        Some("start") => {
                            let r =
                                tuplet_ratio_of(c, "tuplet-actual").zip(tuplet_ratio_of(c, "tuplet-normal"));
                            tuplet_starts.push((number, r));
                        }
                        Some("stop") => tuplet_stops.push(number),
                        _ => {}
                    }
                }
                "articulations" => {
                    for a in c.children() {
                        let m = match a.name() {
                            "staccato" => Articulations::STACCATO,
                            "staccatissimo" | "spiccato" => Articulations::STACCATISSIMO,
                            "accent" => Articulations::ACCENT,
                            "strong-accent" => Articulations::MARCATO,
                            "tenuto" => Articulations::TENUTO,
                            "detached-legato" => Articulations::TENUTO | Articulations::STACCATO,
                            "breath-mark" | "caesura" => Articulations::BREATH_MARK,
                            other => {
                                cx.warn(a.pos(), format!("articulation `{other}` is not kept"));
                                Articulations::NONE
                            }
                        };
                        marks = marks | m;
                    }
                }
                "ornaments" => {
                    for o in c.children() {
                        let m = match o.name() {
                            "trill-mark" => Articulations::TRILL,
                            "mordent" | "inverted-mordent" => Articulations::MORDENT,
                            "turn"
                            | "inverted-turn"
                            | "delayed-turn"
                            | "delayed-inverted-turn"
                            | "vertical-turn" => Articulations::TURN,
                            "tremolo" => Articulations::TREMOLO,
                            "wavy-line" | "accidental-mark" => Articulations::NONE,
                            other => {
                                cx.warn(o.pos(), format!("ornament `{other}` is not kept"));
                                Articulations::NONE
                            }
                        };
                        marks = marks | m;
                    }
                }
                "fermata" => marks = marks | Articulations::FERMATA,
                "dynamics" => {
                    if let Some(d) = dynamic_from(cx, c) {
                        dynamic = Some(d);
                    }
                }
                "technical" => cx.warn(c.pos(), "technical indications are not kept"),
                "arpeggiate" | "non-arpeggiate" | "glissando" | "slide" | "accidental-mark"
                | "other-notation" => cx.warn(c.pos(), format!("`<{}>` is not kept", c.name())),
                "footnote" | "level" => {}
                other => cx.warn(c.pos(), format!("skipped unknown element `<{other}>` in `<notations>`")),
            }
        }
    }

    // Lyrics.
    let mut lyrics = Vec::new();
    for l in el.children().filter(|c| c.name() == "lyric") {
        let key = l.attr("number").or_else(|| l.attr("name")).unwrap_or("1").to_string();
        let verse = match key.parse::<u8>() {
            Ok(n) if n >= 1 => n,
            _ => {
                let next = st.verse_index.len() as u8 + 1;
                *st.verse_index.entry(key).or_insert(next)
            }
        };
        let mut text = String::new();
        let mut syllabic = None;
        for c in l.children() {
            match c.name() {
                "text" => text.push_str(c.raw_text()),
                "elision" => text.push_str(if c.raw_text().is_empty() { "\u{203F}" } else { c.raw_text() }),
                "syllabic" if syllabic.is_none() => {
                    syllabic = Some(match c.text() {
                        "begin" => Syllabic::Begin,
                        "middle" => Syllabic::Middle,
                        "end" => Syllabic::End,
                        _ => Syllabic::Single,
                    })
                }
                "humming" | "laughing" => cx.warn(c.pos(), format!("`<{}>` lyric is not kept", c.name())),
                _ => {}
            }
        }
        if !text.is_empty() {
            lyrics.push(Lyric { verse, text, syllabic: syllabic.unwrap_or_default() });
        }
    }

    let note = pitch.map(|p| Note { pitch: p, tie, accidental });

    // A chord member joins the previous event.
    if is_chord {
        if let Some((v, i, _)) = *last {
            let ev = &mut pm.voices[v][i];
            if let Some(n) = note {
                match &mut ev.kind {
                    EventKind::Note(first) => ev.kind = EventKind::Chord(vec![*first, n]),
                    EventKind::Chord(ns) => ns.push(n),
                    EventKind::Rest => {
                        cx.warn(el.pos(), "chord note after a rest treated as a note");
                        ev.kind = EventKind::Note(n);
                    }
                }
            }
            ev.articulations = ev.articulations | marks;
            if ev.dynamic.is_none() {
                ev.dynamic = dynamic;
            }
            for l in lyrics {
                if !ev.lyrics.iter().any(|x| x.verse == l.verse) {
                    ev.lyrics.push(l);
                }
            }
            return Ok(());
        }
        cx.warn(el.pos(), "`<chord/>` on the first note of a voice ignored");
    }

    let onset = *cursor;
    let kind = match note {
        Some(n) => EventKind::Note(n),
        None => EventKind::Rest,
    };
    let id = EventId(st.next_id);
    st.next_id += 1;
    let mut ev = Event::new(id, onset, duration, kind);
    ev.staff = staff;
    ev.grace = grace;
    ev.cue = cue;
    ev.articulations = marks;
    ev.dynamic = dynamic;
    ev.lyrics = lyrics;
    if grace.is_none() {
        *cursor = cursor.checked_add(duration).ok_or_else(|| cx.error(el.pos(), "time overflow"))?;
        pm.content_end = pm.content_end.max(*cursor);
    }

    // Tuplets.
    let vi = voice;
    let index = pm.voices[vi].len();
    let open = &mut st.tuplet_open[vi];
    for (number, ratio) in tuplet_starts {
        let outer: Rational = open.iter().map(|g| g.ratio.factor()).fold(Rational::ONE, |a, b| a * b);
        let ratio = ratio.or_else(|| {
            let (a, n) = tm_ratio?;
            // The time-modification holds the product of all nested ratios.
            let inner = Rational::new(n as i64, a as i64) / outer;
            Some((inner.denom() as u32, inner.numer().max(0) as u32))
        });
        let Some((a, n)) = ratio else {
            cx.warn(el.pos(), "tuplet without a ratio skipped");
            continue;
        };
        let Ok(ratio) = TupletRatio::new(a.min(255) as u8, n.min(255) as u8) else { continue };
        if a > 255 || n > 255 || a == n {
            continue;
        }
        group_counter[vi] += 1;
        open.push(OpenTuplet {
            number,
            group: group_counter[vi],
            ratio,
            implicit_span: None,
            members: Vec::new(),
            filled: Rational::ZERO,
        });
    }
    // Implied tuplets: a time modification beyond the open brackets.
    if let Some((a, n)) = tm_ratio {
        let total = Rational::new(n as i64, a as i64);
        let open_product: Rational = open.iter().map(|g| g.ratio.factor()).fold(Rational::ONE, |x, y| x * y);
        if total != open_product && open.iter().all(|g| g.implicit_span.is_none()) {
            let inner = total / open_product;
            if let Ok(ratio) =
                TupletRatio::new(inner.denom().min(255) as u8, inner.numer().clamp(1, 255) as u8)
                && inner.denom() <= 255
                && inner.numer() <= 255
                && inner.numer() > 0
            {
                let normal_type = tm
                    .and_then(|t| t.child_text("normal-type"))
                    .and_then(type_value)
                    .map(|v| {
                        dotted(v, tm.map_or(0, |t| t.children().filter(|c| c.name() == "normal-dot").count()))
                    })
                    .or(written)
                    .unwrap_or(duration);
                let span = normal_type * Rational::from_int(ratio.normal as i64) * open_product;
                group_counter[vi] += 1;
                open.push(OpenTuplet {
                    number: None,
                    group: group_counter[vi],
                    ratio,
                    implicit_span: Some(span),
                    members: Vec::new(),
                    filled: Rational::ZERO,
                });
            }
        }
    }
    for g in open.iter_mut() {
        g.members.push(index);
        g.filled += ev.time_taken();
        ev.tuplets.push(TupletMark { group: g.group, ratio: g.ratio, span: Rational::ZERO });
    }
    pm.voices[vi].push(ev);
    // Close groups: explicit stops, and implied groups that are full.
    for number in tuplet_stops {
        let pos = match &number {
            Some(n) => open
                .iter()
                .rposition(|g| g.number.as_deref() == Some(n.as_str()) && g.implicit_span.is_none()),
            None => open.iter().rposition(|g| g.implicit_span.is_none()),
        }
        .or_else(|| open.iter().rposition(|g| g.implicit_span.is_none()));
        if let Some(p) = pos {
            // Groups nested inside the closed one close with it.
            while open.len() > p {
                let g = open.pop().expect("len > p");
                close_tuplet(&mut pm.voices[vi], g);
            }
        }
    }
    while let Some(g) = open.last() {
        match g.implicit_span {
            Some(span) if g.filled >= span => {
                let g = open.pop().expect("non-empty");
                close_tuplet(&mut pm.voices[vi], g);
            }
            _ => break,
        }
    }

    // Pending directions for this note.
    let ev_index = pm.voices[vi].len() - 1;
    let mut i = 0;
    while i < pending.len() {
        let ev = &pm.voices[vi][ev_index];
        if pending[i].onset == onset && compatible(&pending[i], vi, ev) {
            let p = pending.remove(i);
            if !apply_payload(&mut pm.voices[vi][ev_index], &p.payload) {
                cx.warn(p.pos, "a second dynamic on the same note is not kept");
            }
        } else {
            i += 1;
        }
    }
    *last = Some((vi, ev_index, onset));
    Ok(())
}
