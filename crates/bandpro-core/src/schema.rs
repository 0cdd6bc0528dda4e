//! How a score is laid out on the CRDT engine, and how music values become CRDT fields.
//!
//! ```text
//! root
//!   "format": 1
//!   "meta": map of strings (title, composer, ...)
//!   "parts": list of part maps { "name", "instrument"?, "transposition", "staves" }
//!   "measures": list of measure maps {
//!       "time"?, "key"?          only where they change; measure 0 always has both
//!       "pickup"?, "tempo"? ("1/4=120"), "barline"?, "repeat"? ("start", "end:2",
//!       "start,end:2"), "ending"? ("1,2"), "jumps"? ("segno,coda,fine,tocoda,dc,ds")
//!       "tr:<part>"?  a part's transposition from this measure on (a doubler switching
//!                 instrument), where it changes; the part's own "transposition" holds
//!                 for the measures before the first
//!       "events": list of event maps, all parts and voices together, each tagged
//!                 { "p": part id, "v": voice, "d": duration, "n": notes, ... ,
//!                   "cs"?: chord symbol, "cc"?: chord changes during the event }
//!   }
//! ```
//!
//! One global list of measures means inserting a measure inserts it in every part. Each measure
//! holds one flat list of events rather than a container per part and voice: containers would
//! have to be created on first use, and two people writing the first note of a voice at once
//! would create two rival containers, one of which the map's last-writer-wins would hide. With
//! one list per measure, created with the measure, there is nothing to create concurrently.
//! Time and key signatures are stored where they change, so measures inserted concurrently
//! inherit whatever is in force.

use bandpro_crdt::ObjId;
use bandpro_music::event::{
    AccidentalDisplay, Articulations, ChordChange, Dynamic, Grace, Lyric, Note, Syllabic, Tie, TupletMark,
};
use bandpro_music::{ChordSymbol, EventKind, Pitch, Rational, TupletRatio};

use crate::error::{Error, Result};

/// Schema version stored under `"format"`.
pub const FORMAT: i64 = 1;

/// Root keys.
pub(crate) const META: &str = "meta";
pub(crate) const PARTS: &str = "parts";
pub(crate) const MEASURES: &str = "measures";

/// Part keys.
pub(crate) const NAME: &str = "name";
pub(crate) const INSTRUMENT: &str = "instrument";
pub(crate) const TRANSPOSITION: &str = "transposition";
pub(crate) const STAVES: &str = "staves";

/// Measure keys.
/// Prefix of a measure key holding a part's transposition from that measure on: `tr:` and the
/// part's key (see `obj_key`). One key per part, rather than a map of parts, so that two people
/// setting transpositions at once never create rival containers.
pub(crate) const TRANSPOSITION_FROM: &str = "tr:";
pub(crate) const TIME: &str = "time";
pub(crate) const KEY: &str = "key";
pub(crate) const PICKUP: &str = "pickup";
pub(crate) const TEMPO: &str = "tempo";
pub(crate) const BARLINE: &str = "barline";
pub(crate) const REPEAT: &str = "repeat";
pub(crate) const ENDING: &str = "ending";
pub(crate) const JUMPS: &str = "jumps";
pub(crate) const EVENTS: &str = "events";

/// Event keys (short: a score holds hundreds of thousands of events).
pub(crate) const PART: &str = "p";
pub(crate) const VOICE: &str = "v";
pub(crate) const DURATION: &str = "d";
pub(crate) const NOTES: &str = "n";
/// The notes key, for matching in patterns.
pub(crate) const NOTES_KEY: &str = NOTES;
pub(crate) const STAFF: &str = "st";
pub(crate) const TUPLETS: &str = "tu";
pub(crate) const GRACE: &str = "g";
pub(crate) const ARTICULATIONS: &str = "ar";
pub(crate) const DYNAMIC: &str = "dy";
pub(crate) const LYRICS: &str = "ly";
pub(crate) const CHORD_SYMBOL: &str = "cs";
/// Chord symbols that take over during the event: one line per change, `offset symbol`
/// ("1/2 G7"), the offset from the event's onset in whole notes.
pub(crate) const CHORD_CHANGES: &str = "cc";
pub(crate) const CUE: &str = "cue";

/// The stable string form of an object id, used to tag events with their part.
pub(crate) fn obj_key(obj: &ObjId) -> String {
    match obj {
        ObjId::Root => "root".to_owned(),
        ObjId::Id { replica, counter } => format!("{counter}@{replica}"),
    }
}

/// The stable 64-bit event id of an event map: the same on every replica.
pub(crate) fn event_id(obj: &ObjId) -> bandpro_music::event::EventId {
    let mut h = blake3::Hasher::new();
    if let ObjId::Id { replica, counter } = obj {
        h.update(&replica.0).update(&counter.to_le_bytes());
    }
    let b = h.finalize();
    bandpro_music::event::EventId(u64::from_le_bytes(b.as_bytes()[..8].try_into().expect("8 bytes")))
}

/// Encodes the notes of an event: `""` for a rest, else space-separated `PITCH[/FLAGS]`, flags
/// `s` tie start, `e` tie stop, `c` tie continue, `S` accidental shown, `C` cautionary, `H`
/// hidden.
pub(crate) fn encode_notes(kind: &EventKind) -> String {
    let notes: &[Note] = match kind {
        EventKind::Rest => return String::new(),
        EventKind::Note(n) => std::slice::from_ref(n),
        EventKind::Chord(ns) => ns,
    };
    let mut out = String::new();
    for (i, n) in notes.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&n.pitch.to_string());
        let tie = match n.tie {
            Tie::None => "",
            Tie::Start => "s",
            Tie::Stop => "e",
            Tie::Continue => "c",
        };
        let acc = match n.accidental {
            AccidentalDisplay::Auto => "",
            AccidentalDisplay::Shown => "S",
            AccidentalDisplay::Cautionary => "C",
            AccidentalDisplay::Hidden => "H",
        };
        if !tie.is_empty() || !acc.is_empty() {
            out.push('/');
            out.push_str(tie);
            out.push_str(acc);
        }
    }
    out
}

pub(crate) fn decode_notes(s: &str) -> Result<EventKind> {
    let mut notes = Vec::new();
    for token in s.split_whitespace() {
        let (pitch, flags) = token.split_once('/').unwrap_or((token, ""));
        let mut note = Note::new(pitch.parse::<Pitch>()?);
        for f in flags.chars() {
            match f {
                's' => note.tie = Tie::Start,
                'e' => note.tie = Tie::Stop,
                'c' => note.tie = Tie::Continue,
                'S' => note.accidental = AccidentalDisplay::Shown,
                'C' => note.accidental = AccidentalDisplay::Cautionary,
                'H' => note.accidental = AccidentalDisplay::Hidden,
                _ => return Err(corrupt(format!("note flag {f:?} in {token:?}"))),
            }
        }
        notes.push(note);
    }
    Ok(match notes.len() {
        0 => EventKind::Rest,
        1 => EventKind::Note(notes[0]),
        _ => EventKind::Chord(notes),
    })
}

fn corrupt(what: String) -> Error {
    Error::NotAScore { what, obj: ObjId::Root }
}

pub(crate) fn encode_tuplets(ts: &[TupletMark]) -> String {
    ts.iter()
        .map(|t| format!("{},{},{},{}", t.group, t.ratio.actual, t.ratio.normal, t.span))
        .collect::<Vec<_>>()
        .join(";")
}

pub(crate) fn decode_tuplets(s: &str) -> Result<Vec<TupletMark>> {
    s.split(';')
        .filter(|x| !x.is_empty())
        .map(|t| {
            let f: Vec<&str> = t.split(',').collect();
            let bad = || corrupt(format!("tuplet {t:?}"));
            if f.len() != 4 {
                return Err(bad());
            }
            Ok(TupletMark {
                group: f[0].parse().map_err(|_| bad())?,
                ratio: TupletRatio {
                    actual: f[1].parse().map_err(|_| bad())?,
                    normal: f[2].parse().map_err(|_| bad())?,
                },
                span: f[3].parse::<Rational>().map_err(|_| bad())?,
            })
        })
        .collect()
}

pub(crate) fn encode_grace(g: Grace) -> &'static str {
    match g {
        Grace::Acciaccatura => "a",
        Grace::Appoggiatura => "p",
    }
}

pub(crate) fn decode_grace(s: &str) -> Option<Grace> {
    match s {
        "a" => Some(Grace::Acciaccatura),
        "p" => Some(Grace::Appoggiatura),
        _ => None,
    }
}

pub(crate) fn encode_articulations(a: Articulations) -> String {
    a.names().collect::<Vec<_>>().join(",")
}

pub(crate) fn decode_articulations(s: &str) -> Articulations {
    s.split(',').filter_map(Articulations::from_name).fold(Articulations::default(), |a, b| a | b)
}

pub(crate) fn encode_dynamic(d: Dynamic) -> String {
    d.symbol().to_string()
}

pub(crate) fn decode_dynamic(s: &str) -> Option<Dynamic> {
    Dynamic::from_symbol(s)
}

/// Lyrics: one line per syllable, `verse|syllabic|text` with syllabic one of `s b m e`.
pub(crate) fn encode_lyrics(ls: &[Lyric]) -> String {
    ls.iter()
        .map(|l| {
            let syl = match l.syllabic {
                Syllabic::Single => 's',
                Syllabic::Begin => 'b',
                Syllabic::Middle => 'm',
                Syllabic::End => 'e',
            };
            format!("{}|{}|{}", l.verse, syl, l.text.replace('\n', " "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub(crate) fn decode_lyrics(s: &str) -> Vec<Lyric> {
    s.lines()
        .filter_map(|line| {
            let mut f = line.splitn(3, '|');
            let verse = f.next()?.parse().ok()?;
            let syllabic = match f.next()? {
                "b" => Syllabic::Begin,
                "m" => Syllabic::Middle,
                "e" => Syllabic::End,
                _ => Syllabic::Single,
            };
            Some(Lyric { verse, syllabic, text: f.next()?.to_owned() })
        })
        .collect()
}

pub(crate) fn decode_chord_symbol(s: &str) -> Option<ChordSymbol> {
    s.parse().ok()
}

/// Chord changes during an event: a line `offset symbol` each (see [`CHORD_CHANGES`]).
pub(crate) fn encode_chord_changes(changes: &[ChordChange]) -> String {
    changes.iter().map(|c| format!("{} {}", c.offset, c.symbol)).collect::<Vec<_>>().join("\n")
}

/// The inverse of [`encode_chord_changes`]; `None` if any line does not read.
pub(crate) fn decode_chord_changes(s: &str) -> Option<Vec<ChordChange>> {
    s.lines()
        .map(|line| {
            let (offset, symbol) = line.split_once(' ')?;
            Some(ChordChange { offset: offset.parse().ok()?, symbol: symbol.parse().ok()? })
        })
        .collect()
}

/// Tempo: `"beat=bpm"` with exact rationals ("1/4=120", "3/8=60").
pub(crate) fn encode_tempo(t: &bandpro_music::view::Tempo) -> String {
    format!("{}={}", t.beat, t.bpm)
}

pub(crate) fn decode_tempo(s: &str) -> Option<bandpro_music::view::Tempo> {
    let (beat, bpm) = s.split_once('=')?;
    Some(bandpro_music::view::Tempo { beat: beat.parse().ok()?, bpm: bpm.parse().ok()? })
}

/// Repeats: `"start"`, `"end:N"` (played N times in all), or both, comma-separated.
pub(crate) fn encode_repeat(start: bool, end: Option<u8>) -> Option<String> {
    let mut parts = Vec::new();
    if start {
        parts.push("start".to_owned());
    }
    if let Some(n) = end {
        parts.push(format!("end:{n}"));
    }
    (!parts.is_empty()).then(|| parts.join(","))
}

pub(crate) fn decode_repeat(s: &str) -> (bool, Option<u8>) {
    let mut out = (false, None);
    for p in s.split(',') {
        match p.split_once(':') {
            Some(("end", n)) => out.1 = n.parse().ok(),
            _ if p == "start" => out.0 = true,
            _ if p == "end" => out.1 = Some(2),
            _ => {}
        }
    }
    out
}

/// Volta endings: the ending numbers, comma-separated ("1,2").
pub(crate) fn encode_ending(mask: u16) -> Option<String> {
    let n: Vec<String> = (0..16).filter(|i| mask & (1 << i) != 0).map(|i| (i + 1).to_string()).collect();
    (!n.is_empty()).then(|| n.join(","))
}

pub(crate) fn decode_ending(s: &str) -> u16 {
    s.split(',')
        .filter_map(|x| x.trim().parse::<u16>().ok())
        .filter(|n| (1..=16).contains(n))
        .fold(0, |m, n| m | 1 << (n - 1))
}

const JUMP_NAMES: [(&str, bandpro_music::view::Jumps); 6] = [
    ("segno", bandpro_music::view::Jumps::SEGNO),
    ("coda", bandpro_music::view::Jumps::CODA),
    ("fine", bandpro_music::view::Jumps::FINE),
    ("tocoda", bandpro_music::view::Jumps::TO_CODA),
    ("dc", bandpro_music::view::Jumps::DA_CAPO),
    ("ds", bandpro_music::view::Jumps::DAL_SEGNO),
];

pub(crate) fn encode_jumps(j: bandpro_music::view::Jumps) -> Option<String> {
    let n: Vec<&str> = JUMP_NAMES.iter().filter(|(_, x)| j.contains(*x)).map(|(n, _)| *n).collect();
    (!n.is_empty()).then(|| n.join(","))
}

pub(crate) fn decode_jumps(s: &str) -> bandpro_music::view::Jumps {
    s.split(',')
        .filter_map(|x| JUMP_NAMES.iter().find(|(n, _)| *n == x).map(|(_, j)| *j))
        .fold(bandpro_music::view::Jumps::NONE, |a, b| a | b)
}
