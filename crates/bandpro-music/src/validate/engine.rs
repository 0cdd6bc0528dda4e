//! The per-measure validation engine.
//!
//! [`validate_measure`] judges one measure `m`, reading only `m - 1` (the last event of each
//! voice, and accidentals for courtesy detection), `m` and `m + 1` (the first event of each
//! voice). Full validation is this function for every measure, range validation for the
//! measures of the range, so the two agree by construction.
//!
//! Inside a measure all times become integer ticks (the least common multiple of the measure's
//! denominators), the voices of pitched parts become *tracks*, and the measure is cut into
//! *slices* at every event onset: a slices x tracks table says what each track sounds at each
//! slice. Voice leading compares consecutive slices (the first slice with the end of the
//! previous measure), harmony recognises the chord of each slice with a table lookup.

use crate::chord::{Candidate, identify_mask};
use crate::chord_symbol::{ChordQuality, ChordSymbol};
use crate::event::{AccidentalDisplay, Event, EventId};
use crate::interval::Interval;
use crate::pitch::{Pitch, PitchName, Step};
use crate::rational::Rational;
use crate::view::ScoreView;

use super::{Detail, Diagnostic, Fix, Location, OrderScope, Rule, Severity, ValidationConfig};

const NONE: u32 = u32::MAX;

/// What a track sounds at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Sound {
    midi: i16,
    /// Sounding pitch.
    pitch: Pitch,
}

#[derive(Debug, Clone, Copy)]
struct Track {
    part: usize,
    voice: usize,
    voice_leading: bool,
    /// Register-order group (see `OrderScope`).
    group: usize,
    /// First of the voices that double each other (or not doubled at all).
    representative: bool,
    shift: Interval,
    evs: (usize, usize),
}

#[derive(Debug, Clone, Copy)]
struct Ev {
    start: i64,
    end: i64,
    /// Index in the view's event slice.
    idx: u32,
    /// The event's id.
    id: EventId,
    /// Top note, sounding; `None` for rests.
    top: Option<Sound>,
    /// At least one note is struck (not a tie continuation).
    attack: bool,
    /// Pitch classes of all its notes (sounding).
    mask: u16,
    /// Lowest note (sounding).
    low: Option<Sound>,
    /// Sounding spellings of all its notes, as bits `line_of_fifths + LOF_OFFSET`.
    lofs: u64,
}

const LOF_OFFSET: i32 = 22;

fn lof_bit(p: Pitch) -> u64 {
    1u64 << (p.line_of_fifths() + LOF_OFFSET).clamp(0, 63)
}

fn lof_pc(bit: u32) -> u8 {
    ((bit as i32 - LOF_OFFSET) * 7).rem_euclid(12) as u8
}

#[derive(Debug, Clone, Copy)]
struct Slice {
    time: i64,
    mask: u16,
    lofs: u64,
    bass: Option<Sound>,
    chord: Option<Candidate>,
    /// Track sounding highest.
    top_track: u32,
}

#[derive(Debug, Clone, Copy)]
struct SymbolAt {
    /// Onset of the event carrying it.
    onset: Rational,
    part: usize,
    voice: usize,
    idx: usize,
    tick: i64,
    symbol: ChordSymbol,
}

/// Reusable buffers.
#[derive(Debug, Default)]
pub(super) struct Scratch {
    tracks: Vec<Track>,
    evs: Vec<Ev>,
    raw: Vec<(Rational, Rational)>,
    /// Per part: does any note draw its accidental? (Filled by the scan when it reads every
    /// pitched event; empty otherwise.)
    shown: Vec<bool>,
    times: Vec<i64>,
    slices: Vec<Slice>,
    cells: Vec<u32>,
    carry: Vec<Option<Sound>>,
    moved: Vec<u32>,
    next_in_bucket: Vec<u32>,
    order: Vec<u32>,
    perm: Vec<u32>,
    hashes: Vec<u64>,
    symbols: Vec<SymbolAt>,
    staff_notes: Vec<(Rational, usize, usize, usize)>,
    /// Per track: may its voice-leading pairs differ from the previous check's (see `Reuse`)?
    dirty: Vec<bool>,
    /// Per track of the previous check: was it the representative of its doubling group?
    old_representative: Vec<bool>,
    /// Indices into `Reuse::old` of the diagnostics kept, in order.
    pub(super) kept: Vec<usize>,
    /// The part re-read from the view when the other parts came from a memo.
    reused_part: Option<usize>,
    /// Whether pairs of clean tracks were left out (see `mark_dirty`).
    reusing_pairs: bool,
    /// Per part, its first track (see `keep_old`).
    part_first: Vec<u32>,
    /// Whether the last check built slices (and so can leave a complete memo).
    have_slices: bool,
}

/// What the check of a measure read from the view, for a re-check after an edit of one part:
/// the other parts' tracks come from here instead of from their events.
#[derive(Debug, Clone, Default)]
pub(super) struct Memo {
    /// Whether the slice rules ran and everything below is filled.
    complete: bool,
    tracks: Vec<Track>,
    /// Per track, the doubling hash (pitch classes and attacks at every slice, and the note
    /// before).
    hashes: Vec<u64>,
    evs: Vec<Ev>,
    raw: Vec<(Rational, Rational)>,
    carry: Vec<Option<Sound>>,
    symbols: Vec<SymbolAt>,
    /// What `keep_old` reads of each of the measure's diagnostics, in their order: a re-check
    /// then need not touch the ones it keeps (on a large score, mostly not in the cache).
    pub(super) keys: Vec<DiagKey>,
}

/// A diagnostic's rule and the voices it concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct DiagKey {
    rule: Rule,
    part: u32,
    voice: u32,
    related: Option<(u32, u32)>,
}

impl DiagKey {
    pub(super) fn of(d: &Diagnostic) -> DiagKey {
        DiagKey {
            rule: d.rule,
            part: d.location.part as u32,
            voice: d.location.voice as u32,
            related: d.related.map(|r| (r.part as u32, r.voice as u32)),
        }
    }
}

/// What a re-check of measure `m` after an edit of one part may take from the previous check.
///
/// Given that only `part`'s events changed, and only what they sound (pitches, ties, marks),
/// not where they sit:
/// - the other parts' tracks are as the memo holds them, so they are not read again, and the
///   rules each part has to itself (notation, range, accidentals) keep their old verdicts
///   there;
/// - a pair of tracks is judged by its two tracks alone and whether each represents its
///   doubling group, so a pair of two other tracks whose representative flags did not change
///   keeps its old verdict (on a full score these comparisons are most of a measure's check).
pub(super) struct Reuse<'a> {
    /// The part whose events changed.
    pub part: usize,
    /// The measure's diagnostics from the previous check, with the same configuration.
    pub old: &'a [Diagnostic],
    /// The memo of the previous check.
    pub memo: &'a Memo,
}

/// The rules that judge one voice of one part on its own (and its neighbours in the same part).
const OWN_RULES: [Rule; 6] = [
    Rule::MeasureUnderfull,
    Rule::MeasureOverfull,
    Rule::TieMismatch,
    Rule::TupletIncomplete,
    Rule::OutOfRange,
    Rule::AccidentalRedundant,
];

/// The rules that judge a pair of tracks by their motion alone.
const PAIR_RULES: [Rule; 4] =
    [Rule::ParallelFifths, Rule::ParallelOctaves, Rule::HiddenFifths, Rule::HiddenOctaves];

fn gcd(a: i64, b: i64) -> i64 {
    let (mut a, mut b) = (a.abs(), b.abs());
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    a.max(1)
}

fn lcm(a: i64, b: i64) -> Option<i64> {
    (a / gcd(a, b)).checked_mul(b)
}

/// Sounding pitch of a written pitch under a transposition, without the range checks of
/// [`Pitch::transpose`] (alterations are clamped; such spellings are absurd anyway).
fn shift_pitch(p: Pitch, shift: Interval) -> Pitch {
    if shift == Interval::UNISON {
        return p;
    }
    let di = p.diatonic_index() + shift.diatonic();
    let octave = di.div_euclid(7);
    let step = Step::from_index(di);
    let alter = p.midi() + shift.semitones() - ((octave + 1) * 12 + step.semitones());
    Pitch { step, alter: alter.clamp(-3, 3) as i8, octave: octave.clamp(-10, 20) as i8 }
}

fn sound_of(p: Pitch, shift: Interval) -> Sound {
    let s = shift_pitch(p, shift);
    Sound { midi: (p.midi() + shift.semitones()) as i16, pitch: s }
}

/// The first non-grace event of a voice in measure `m`, if it starts the measure.
fn first_event(view: &dyn ScoreView, part: usize, m: usize, voice: usize) -> Option<&Event> {
    if m >= view.measure_count() || voice >= view.voice_count(part, m) {
        return None;
    }
    view.events(part, m, voice).iter().find(|e| !e.is_grace()).filter(|e| e.onset.is_zero())
}

/// The last non-grace event of a voice in measure `m`, if it reaches the barline.
fn last_event(view: &dyn ScoreView, part: usize, m: usize, voice: usize) -> Option<&Event> {
    if voice >= view.voice_count(part, m) {
        return None;
    }
    let len = view.measure(m).length();
    view.events(part, m, voice).iter().rev().find(|e| !e.is_grace()).filter(|e| e.end() == len)
}

fn top_sound(e: &Event, shift: Interval) -> Option<Sound> {
    e.top_note().map(|n| sound_of(n.pitch, shift))
}

struct Out<'a> {
    config: &'a ValidationConfig,
    out: &'a mut Vec<Diagnostic>,
    measure: usize,
    time: crate::meter::TimeSignature,
}

impl Out<'_> {
    fn loc(&self, part: usize, voice: usize, event: Option<EventId>, onset: Rational) -> Location {
        Location { part, measure: self.measure, voice, event, onset, beat: self.time.beat_position(onset) }
    }

    fn push(
        &mut self,
        rule: Rule,
        location: Location,
        related: Option<Location>,
        detail: Detail,
        fix: Option<Fix>,
    ) {
        if let Some(severity) = self.config.severity_of(rule) {
            self.push_with(rule, severity, location, related, detail, fix);
        }
    }

    fn push_with(
        &mut self,
        rule: Rule,
        severity: Severity,
        location: Location,
        related: Option<Location>,
        detail: Detail,
        fix: Option<Fix>,
    ) {
        self.out.push(Diagnostic { rule, severity, location, related, detail, fix });
    }
}

/// Judge measure `m`, appending its diagnostics to `out`.
///
/// With `reuse`, pairs of unchanged tracks keep their diagnostics from `reuse.old` instead of
/// being compared again (see [`Reuse`]); the result is the same, with the kept diagnostics
/// listed in `sc.kept` rather than appended. `memo`, if given, receives what a later `Reuse`
/// needs.
pub(super) fn validate_measure(
    view: &dyn ScoreView,
    m: usize,
    config: &ValidationConfig,
    sc: &mut Scratch,
    out: &mut Vec<Diagnostic>,
    reuse: Option<&Reuse<'_>>,
    memo: Option<&mut Memo>,
) {
    let info = *view.measure(m);
    let mut o = Out { config, out, measure: m, time: info.time };
    let slice_rules = Rule::ALL.iter().any(|r| {
        config.enabled(*r)
            && !matches!(
                r,
                Rule::MeasureUnderfull
                    | Rule::MeasureOverfull
                    | Rule::TieMismatch
                    | Rule::TupletIncomplete
                    | Rule::OutOfRange
                    | Rule::AccidentalRedundant
            )
    });
    sc.kept.clear();
    sc.reusing_pairs = false;
    let have_slices = scan_measure(view, m, &mut o, sc, slice_rules, reuse);
    if config.enabled(Rule::AccidentalRedundant) {
        for p in 0..view.part_count() {
            if !view.part(p).unpitched && sc.reused_part.is_none_or(|r| r == p) {
                accidental_rules(view, m, p, &mut o, sc);
            }
        }
    }
    if have_slices {
        voice_leading_rules(&mut o, sc, view, reuse);
        harmony_rules(view, m, &mut o, sc);
    }
    if let Some(reuse) = reuse {
        keep_old(sc, reuse);
    }
    sc.have_slices = have_slices;
    if let Some(memo) = memo {
        fill_memo(sc, memo);
    }
}

/// Writes into `memo` what the last `validate_measure` read, for a later `Reuse`.
pub(super) fn fill_memo(sc: &Scratch, memo: &mut Memo) {
    // After a re-check of one part whose voices kept their lengths, only that part's tracks
    // differ from what the memo holds (and the hashes): copy those, not the whole measure.
    if let Some(p) = sc.reused_part
        && sc.have_slices
        && memo.complete
        && memo.tracks.len() == sc.tracks.len()
        && memo.evs.len() == sc.evs.len()
        && memo
            .tracks
            .iter()
            .zip(&sc.tracks)
            .all(|(a, b)| (a.part, a.voice, a.evs) == (b.part, b.voice, b.evs))
    {
        memo.hashes.copy_from_slice(&sc.hashes);
        for (t, tr) in sc.tracks.iter().enumerate().filter(|(_, t)| t.part == p) {
            let r = tr.evs.0..tr.evs.1;
            memo.tracks[t] = *tr;
            memo.evs[r.clone()].copy_from_slice(&sc.evs[r.clone()]);
            memo.raw[r.clone()].copy_from_slice(&sc.raw[r]);
            memo.carry[t] = sc.carry[t];
        }
        memo.symbols.clone_from(&sc.symbols);
        return;
    }
    memo.complete = sc.have_slices;
    if sc.have_slices {
        memo.tracks.clone_from(&sc.tracks);
        memo.hashes.clone_from(&sc.hashes);
        memo.evs.clone_from(&sc.evs);
        memo.raw.clone_from(&sc.raw);
        memo.carry.clone_from(&sc.carry);
        memo.symbols.clone_from(&sc.symbols);
    }
}

/// Judge only the courtesy accidentals of part `p` in measure `m`, appending to `out`.
pub(super) fn part_accidentals(
    view: &dyn ScoreView,
    m: usize,
    p: usize,
    config: &ValidationConfig,
    sc: &mut Scratch,
    out: &mut Vec<Diagnostic>,
) {
    if !config.enabled(Rule::AccidentalRedundant) || view.part(p).unpitched {
        return;
    }
    let mut o = Out { config, out, measure: m, time: view.measure(m).time };
    // Unknown, so that the rule looks for shown accidentals itself.
    sc.shown.clear();
    accidental_rules(view, m, p, &mut o, sc);
}

/// The notation rules of one voice of one part (all parts, pitched or not).
#[allow(clippy::too_many_arguments)]
fn notation_voice(
    view: &dyn ScoreView,
    m: usize,
    p: usize,
    v: usize,
    evs: &[Event],
    o: &mut Out<'_>,
    sc: &mut Scratch,
) {
    let info = *view.measure(m);
    let len = info.length();
    let cfg = o.config;
    let part = view.part(p);
    let shift = view.transposition(p, m);
    // measure-underfull / measure-overfull (events are in time order: the last one ends
    // the voice).
    if cfg.enabled(Rule::MeasureOverfull) || cfg.enabled(Rule::MeasureUnderfull) {
        let end = evs.iter().rev().find(|e| !e.is_grace()).map_or(Rational::ZERO, |e| e.end());
        if end > len {
            let first_over = evs.iter().find(|e| !e.is_grace() && e.end() > len).unwrap_or(&evs[0]);
            let loc = o.loc(p, v, Some(first_over.id), first_over.onset);
            o.push(
                Rule::MeasureOverfull,
                loc,
                None,
                Detail::MeasureLength { expected: len, actual: end },
                Some(Fix::Shorten(end - len)),
            );
        } else if end < len && !info.pickup {
            let last = evs.iter().rev().find(|e| !e.is_grace()).unwrap_or(&evs[evs.len() - 1]);
            let loc = o.loc(p, v, Some(last.id), end);
            o.push(
                Rule::MeasureUnderfull,
                loc,
                None,
                Detail::MeasureLength { expected: len, actual: end },
                Some(Fix::AddRest(len - end)),
            );
        }
    }
    // tuplet-incomplete
    if cfg.enabled(Rule::TupletIncomplete) && evs.iter().any(|e| !e.tuplets.is_empty()) {
        let depth = evs.iter().map(|e| e.tuplets.len()).max().unwrap_or(0);
        for level in 0..depth {
            let mut i = 0;
            while i < evs.len() {
                let Some(mark) = evs[i].tuplets.get(level).copied() else {
                    i += 1;
                    continue;
                };
                let mut sum = Rational::ZERO;
                let mut j = i;
                while j < evs.len() && evs[j].tuplets.get(level).is_some_and(|t| t.group == mark.group) {
                    sum += evs[j].time_taken();
                    j += 1;
                }
                if sum != mark.span {
                    let loc = o.loc(p, v, Some(evs[i].id), evs[i].onset);
                    o.push(
                        Rule::TupletIncomplete,
                        loc,
                        None,
                        Detail::Tuplet { ratio: mark.ratio, expected: mark.span, actual: sum },
                        None,
                    );
                }
                i = j;
            }
        }
    }
    for (i, e) in evs.iter().enumerate() {
        if let Some(sym) = e.chord_symbol {
            sc.symbols.push(SymbolAt { onset: e.onset, part: p, voice: v, idx: i, tick: 0, symbol: sym });
        }
        // tie-pitch-mismatch
        if cfg.enabled(Rule::TieMismatch) && !e.is_grace() && e.notes().iter().any(|n| n.tie.starts()) {
            let (next, next_measure) = match evs[i + 1..].iter().find(|x| !x.is_grace()) {
                Some(x) => (Some(x), m),
                None => (first_event(view, p, m + 1, v), m + 1),
            };
            for n in e.notes().iter().filter(|n| n.tie.starts()) {
                let target = next.and_then(|x| x.notes().iter().find(|t| t.pitch == n.pitch));
                if target.is_some() {
                    continue;
                }
                let same_sound =
                    next.and_then(|x| x.notes().iter().find(|t| t.pitch.midi() == n.pitch.midi()));
                let to = same_sound.or_else(|| next.and_then(|x| x.notes().first())).map(|t| t.pitch);
                let related = next.map(|x| {
                    let ts = view.measure(next_measure.min(view.measure_count() - 1)).time;
                    Location {
                        part: p,
                        measure: next_measure,
                        voice: v,
                        event: Some(x.id),
                        onset: x.onset,
                        beat: ts.beat_position(x.onset),
                    }
                });
                let fix = match (next, same_sound) {
                    (Some(x), Some(t)) => Some(Fix::SetPitch { event: x.id, from: t.pitch, to: n.pitch }),
                    _ => Some(Fix::RemoveTie { event: e.id }),
                };
                let loc = o.loc(p, v, Some(e.id), e.onset);
                o.push(Rule::TieMismatch, loc, related, Detail::Tie { from: n.pitch, to }, fix);
            }
        }
        // out-of-range
        if let (Some(sev), Some(pro), Some(prac)) =
            (cfg.severity_of(Rule::OutOfRange), part.professional_range, part.practical_range)
            && !part.unpitched
        {
            for n in e.notes().iter().filter(|n| !n.tie.stops()) {
                let midi = n.pitch.midi() + shift.semitones();
                let (range, professional, severity) = if !pro.contains_midi(midi) {
                    (pro, true, sev)
                } else if !prac.contains_midi(midi) {
                    (prac, false, sev.milder())
                } else {
                    continue;
                };
                let fix = [-24, -12, 12, 24]
                    .into_iter()
                    .filter(|d| prac.contains_midi(midi + d))
                    .min_by_key(|d: &i32| d.abs())
                    .and_then(|d| {
                        let iv = Interval::from_parts(7 * d / 12, d);
                        n.pitch.transpose(iv).ok()
                    })
                    .map(|to| Fix::SetPitch { event: e.id, from: n.pitch, to });
                let loc = o.loc(p, v, Some(e.id), e.onset);
                let pitch = shift_pitch(n.pitch, shift);
                o.push_with(
                    Rule::OutOfRange,
                    severity,
                    loc,
                    None,
                    Detail::Range { pitch, range, professional },
                    fix,
                );
            }
        }
    }
}

fn accidental_rules(view: &dyn ScoreView, m: usize, p: usize, o: &mut Out<'_>, sc: &mut Scratch) {
    let voices = view.voice_count(p, m);
    let shown = match sc.shown.get(p) {
        Some(&known) => known,
        None => (0..voices).any(|v| {
            view.events(p, m, v)
                .iter()
                .any(|e| e.notes().iter().any(|n| n.accidental == AccidentalDisplay::Shown))
        }),
    };
    if !shown {
        return;
    }
    let key = view.measure(m).key;
    let staves = view.part(p).staves.max(1) as usize;
    for staff in 0..staves {
        sc.staff_notes.clear();
        for v in 0..voices {
            for (i, e) in view.events(p, m, v).iter().enumerate() {
                if e.staff as usize == staff || (staff + 1 == staves && e.staff as usize >= staves) {
                    for k in 0..e.notes().len() {
                        sc.staff_notes.push((e.onset, v, i, k));
                    }
                }
            }
        }
        sc.staff_notes.sort_by_key(|x| (x.0, x.1));
        // Alteration in force per (step, octave); i8::MIN = the key signature's.
        let mut state = [i8::MIN; 7 * 12];
        let slot = |p: Pitch| p.step.index() as usize + 7 * (p.octave as i32 + 1).clamp(0, 11) as usize;
        // The previous measure's last alteration of each (step, octave) on this staff.
        let mut prev_state: Option<[i8; 7 * 12]> = None;
        for &(_, v, i, k) in &sc.staff_notes {
            let e = &view.events(p, m, v)[i];
            let n = e.notes()[k];
            let s = slot(n.pitch);
            let in_force = if state[s] == i8::MIN { key.signature_alter(n.pitch.step) } else { state[s] };
            if n.accidental == AccidentalDisplay::Shown && n.pitch.alter == in_force && !n.tie.stops() {
                let courtesy = state[s] == i8::MIN && {
                    let prev =
                        prev_state.get_or_insert_with(|| previous_alterations(view, m, p, staff, staves));
                    prev[s] != i8::MIN && prev[s] != n.pitch.alter
                };
                if !courtesy {
                    let loc = o.loc(p, v, Some(e.id), e.onset);
                    o.push(
                        Rule::AccidentalRedundant,
                        loc,
                        None,
                        Detail::Accidental { pitch: n.pitch },
                        Some(Fix::RemoveAccidental { event: e.id }),
                    );
                }
            }
            state[s] = n.pitch.alter;
        }
    }
}

fn previous_alterations(
    view: &dyn ScoreView,
    m: usize,
    p: usize,
    staff: usize,
    staves: usize,
) -> [i8; 7 * 12] {
    let mut st = [i8::MIN; 7 * 12];
    if m == 0 {
        return st;
    }
    let mut notes: Vec<(Rational, Pitch)> = Vec::new();
    for v in 0..view.voice_count(p, m - 1) {
        for e in view.events(p, m - 1, v) {
            if e.staff as usize == staff || (staff + 1 == staves && e.staff as usize >= staves) {
                notes.extend(e.notes().iter().map(|n| (e.onset, n.pitch)));
            }
        }
    }
    notes.sort_by_key(|x| x.0);
    for (_, pitch) in notes {
        st[pitch.step.index() as usize + 7 * (pitch.octave as i32 + 1).clamp(0, 11) as usize] = pitch.alter;
    }
    st
}

/// Build tracks, ticks, slices and the slice table. Returns false if the measure's rhythm
/// needs ticks finer than 2^40 per whole note (then slice-based rules skip it).
/// One pass over the measure's events: the notation rules of every voice and, when
/// `slices` is set, the tracks of the pitched parts. Then ticks, slices and the slice table.
/// Returns false if there are no slices to judge (not asked for, or a rhythm needing ticks
/// finer than 2^40 per whole note, which the slice-based rules then skip).
fn scan_measure(
    view: &dyn ScoreView,
    m: usize,
    o: &mut Out<'_>,
    sc: &mut Scratch,
    slices: bool,
    reuse: Option<&Reuse<'_>>,
) -> bool {
    let info = *view.measure(m);
    let len = info.length();
    sc.symbols.clear();
    sc.tracks.clear();
    sc.evs.clear();
    sc.raw.clear();
    sc.times.clear();
    sc.slices.clear();
    sc.cells.clear();
    sc.carry.clear();
    sc.shown.clear();
    if slices {
        sc.shown.resize(view.part_count(), false);
    }
    // Ticks per whole note: the lcm of all denominators, kept as a power of two times an odd
    // part so that the common (power-of-two) case needs no division.
    let mut pow2: i64 = 1;
    let mut odd: i64 = 1;
    let mut fine = true;
    let mut add_den = |d: i64| {
        let tz = d.trailing_zeros();
        pow2 = pow2.max(1 << tz.min(30));
        let x = d >> tz;
        if x != 1 && odd % x != 0 {
            match lcm(odd, x) {
                Some(l) if l <= 1 << 20 => odd = l,
                _ => fine = false,
            }
        }
    };
    add_den(len.denom());
    // With a complete memo, only the edited part is read from the view.
    let from_memo = reuse.filter(|r| slices && r.memo.complete);
    sc.reused_part = from_memo.map(|r| r.part);
    let (mut next_track, mut next_symbol) = (0, 0);
    for p in 0..view.part_count() {
        if let Some(r) = from_memo
            && p != r.part
        {
            let memo = r.memo;
            while next_track < memo.tracks.len() && memo.tracks[next_track].part < p {
                next_track += 1;
            }
            while next_track < memo.tracks.len() && memo.tracks[next_track].part == p {
                let t = memo.tracks[next_track];
                let start = sc.evs.len();
                let raw = &memo.raw[t.evs.0..t.evs.1];
                for &(onset, duration) in raw {
                    add_den(onset.denom());
                    add_den(duration.denom());
                }
                sc.raw.extend_from_slice(raw);
                sc.evs.extend_from_slice(&memo.evs[t.evs.0..t.evs.1]);
                sc.tracks.push(Track { representative: true, evs: (start, sc.evs.len()), ..t });
                sc.carry.push(memo.carry[next_track]);
                next_track += 1;
            }
            while next_symbol < memo.symbols.len() && memo.symbols[next_symbol].part < p {
                next_symbol += 1;
            }
            while next_symbol < memo.symbols.len() && memo.symbols[next_symbol].part == p {
                sc.symbols.push(memo.symbols[next_symbol]);
                next_symbol += 1;
            }
            continue;
        }
        let part = view.part(p);
        for v in 0..view.voice_count(p, m) {
            let evs = view.events(p, m, v);
            if evs.is_empty() {
                continue;
            }
            notation_voice(view, m, p, v, evs, o, sc);
            if !slices || part.unpitched {
                continue;
            }
            let shift = view.transposition(p, m);
            let start = sc.evs.len();
            for (i, e) in evs.iter().enumerate() {
                if e.is_grace() {
                    sc.shown[p] |= e.notes().iter().any(|n| n.accidental == AccidentalDisplay::Shown);
                    continue;
                }
                add_den(e.onset.denom());
                add_den(e.duration.denom());
                sc.raw.push((e.onset, e.duration));
                let mut ev = Ev {
                    start: 0,
                    end: 0,
                    idx: i as u32,
                    id: e.id,
                    top: None,
                    attack: false,
                    mask: 0,
                    low: None,
                    lofs: 0,
                };
                for n in e.notes() {
                    let snd = sound_of(n.pitch, shift);
                    sc.shown[p] |= n.accidental == AccidentalDisplay::Shown;
                    ev.attack |= !n.tie.stops();
                    ev.mask |= 1 << pc(snd.midi);
                    ev.lofs |= lof_bit(snd.pitch);
                    if ev.top.is_none_or(|t| snd.midi > t.midi) {
                        ev.top = Some(snd);
                    }
                    if ev.low.is_none_or(|t| snd.midi < t.midi) {
                        ev.low = Some(snd);
                    }
                }
                sc.evs.push(ev);
            }
            sc.tracks.push(Track {
                part: p,
                voice: v,
                voice_leading: true,
                group: 0,
                representative: true,
                shift,
                evs: (start, sc.evs.len()),
            });
            // The note before the barline sounds with its own measure's transposition.
            let carry = if m > 0 {
                last_event(view, p, m - 1, v).and_then(|e| top_sound(e, view.transposition(p, m - 1)))
            } else {
                None
            };
            sc.carry.push(carry);
        }
    }
    if !slices {
        return false;
    }
    for s in &sc.symbols {
        add_den(s.onset.denom());
    }
    if !fine || pow2 > 1 << 20 || odd > 1 << 20 {
        return false;
    }
    let l = pow2 * odd;
    let tick = |r: Rational| {
        let d = r.denom();
        // `d` divides `l`, so divide first: ticks stay near the measure length times `l`.
        if d & (d - 1) == 0 { r.numer() * (l >> d.trailing_zeros()) } else { r.numer() * (l / d) }
    };
    for s in &mut sc.symbols {
        s.tick = tick(s.onset);
    }
    sc.times.push(0);
    for (ev, &(onset, duration)) in sc.evs.iter_mut().zip(&sc.raw) {
        ev.start = tick(onset);
        ev.end = ev.start + tick(duration);
        sc.times.push(ev.start);
    }
    sc.times.extend(sc.symbols.iter().map(|s| s.tick));
    // Distinct onsets in order: a bit set when the measure has few ticks, else a sort.
    let span = tick(len);
    if span > 0 && span <= 4096 && sc.times.iter().all(|&t| (0..span).contains(&t)) {
        let mut bits = [0u64; 64];
        for &t in &sc.times {
            bits[(t >> 6) as usize] |= 1 << (t & 63);
        }
        sc.times.clear();
        for (w, &word) in bits.iter().enumerate().take(((span + 63) >> 6) as usize) {
            let mut x = word;
            while x != 0 {
                let b = x.trailing_zeros() as i64;
                x &= x - 1;
                sc.times.push(((w as i64) << 6) | b);
            }
        }
    } else {
        sc.times.sort_unstable();
        sc.times.dedup();
    }
    let t_count = sc.tracks.len();
    sc.cells.resize(sc.times.len() * t_count, NONE);
    for (t, tr) in sc.tracks.iter().enumerate() {
        let evs = &sc.evs[tr.evs.0..tr.evs.1];
        let mut i = 0;
        for (s, &time) in sc.times.iter().enumerate() {
            while i < evs.len() && evs[i].end <= time {
                i += 1;
            }
            if i < evs.len() && evs[i].start <= time && evs[i].top.is_some() {
                sc.cells[s * t_count + t] = (tr.evs.0 + i) as u32;
            }
        }
    }
    for (s, &time) in sc.times.iter().enumerate() {
        let mut mask = 0u16;
        let mut lofs = 0u64;
        let mut bass: Option<Sound> = None;
        let mut top: (i16, u32) = (i16::MIN, NONE);
        for t in 0..t_count {
            let c = sc.cells[s * t_count + t];
            if c == NONE {
                continue;
            }
            let ev = &sc.evs[c as usize];
            mask |= ev.mask;
            lofs |= ev.lofs;
            if let Some(low) = ev.low
                && bass.is_none_or(|b| low.midi < b.midi)
            {
                bass = Some(low);
            }
            if let Some(tp) = ev.top
                && tp.midi > top.0
            {
                top = (tp.midi, t as u32);
            }
        }
        let chord = match bass {
            Some(b) if mask.count_ones() >= 3 => identify_mask(mask, pc(b.midi) as u8),
            _ => None,
        };
        sc.slices.push(Slice { time, mask, lofs, bass, chord, top_track: top.1 });
    }
    true
}

/// Restrict voice leading to the configured parts.
fn voice_leading_enabled(config: &ValidationConfig, part: usize) -> bool {
    config.voice_leading_parts.as_ref().is_none_or(|ps| ps.contains(&part))
}

fn pc(midi: i16) -> usize {
    (midi as i32).rem_euclid(12) as usize
}

fn voice_leading_rules(o: &mut Out<'_>, sc: &mut Scratch, view: &dyn ScoreView, reuse: Option<&Reuse<'_>>) {
    let cfg = o.config;
    let t_count = sc.tracks.len();
    for tr in sc.tracks.iter_mut() {
        tr.voice_leading = voice_leading_enabled(cfg, tr.part);
        let part = view.part(tr.part);
        let choir = part.instrument.is_none_or(|i| i.family == crate::instrument::Family::Voice);
        tr.group = match cfg.order_scope {
            OrderScope::AllParts => 0,
            OrderScope::WithinParts => tr.part + 1,
            OrderScope::Choir if choir => 0,
            OrderScope::Choir => tr.part + 1,
        };
    }
    // Doubling: voices with the same pitch classes and rhythm at every slice (and the same note
    // before the measure) are one line; only the first takes part in the pair checks.
    sc.hashes.clear();
    for t in 0..t_count {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ sc.carry[t].map_or(0, |c| pc(c.midi) as u64 + 1);
        for s in 0..sc.slices.len() {
            let c = sc.cells[s * t_count + t];
            let v = if c == NONE {
                0
            } else {
                let ev = sc.evs[c as usize];
                let attacked = ev.start == sc.slices[s].time && ev.attack;
                ev.top.map_or(0, |snd| pc(snd.midi) as u64 * 4 + attacked as u64 * 2 + 1)
            };
            h = (h ^ v).wrapping_mul(0x0100_0000_01b3);
        }
        sc.hashes.push(h);
    }
    if !cfg.report_doublings {
        // Sort (hash, track) so that doubling voices are neighbours; all but the first of each
        // run are doublings.
        sc.perm.clear();
        sc.perm.extend((0..t_count as u32).filter(|&t| sc.tracks[t as usize].voice_leading));
        let hashes = &sc.hashes;
        sc.perm.sort_unstable_by_key(|&t| (hashes[t as usize], t));
        for k in 1..sc.perm.len() {
            let (a, b) = (sc.perm[k - 1] as usize, sc.perm[k] as usize);
            if sc.hashes[a] == sc.hashes[b] {
                sc.tracks[b].representative = false;
            }
        }
    }
    let reusing = mark_dirty(sc, cfg, reuse);
    sc.reusing_pairs = reusing && pairs_enabled(cfg);
    sc.perm.clear();
    sc.perm.extend(0..t_count as u32);
    sc.perm.sort_unstable_by_key(|&t| (sc.tracks[t as usize].group, t));
    let pairs = pairs_enabled(cfg);
    let order_rules =
        [Rule::VoiceCrossing, Rule::VoiceOverlap, Rule::SpacingTooWide].iter().any(|r| cfg.enabled(*r));
    let t_count = sc.tracks.len();
    // Location of track t's event at cell c.
    // From the scan's copies, not the view: on a re-check the other parts' events are not
    // read at all (and on a large score not in the cache).
    let loc_of = |o: &Out<'_>, sc: &Scratch, t: usize, c: u32| -> Location {
        let tr = sc.tracks[t];
        o.loc(tr.part, tr.voice, Some(sc.evs[c as usize].id), sc.raw[c as usize].0)
    };
    for s in 0..sc.slices.len() {
        let time = sc.slices[s].time;
        let prev = |sc: &Scratch, t: usize| -> Option<Sound> {
            if s == 0 {
                sc.carry[t]
            } else {
                let c = sc.cells[(s - 1) * t_count + t];
                if c == NONE { None } else { sc.evs[c as usize].top }
            }
        };
        let cur = |sc: &Scratch, t: usize| -> Option<(Sound, bool, u32)> {
            let c = sc.cells[s * t_count + t];
            if c == NONE {
                return None;
            }
            let ev = sc.evs[c as usize];
            ev.top.map(|snd| (snd, ev.start == time && ev.attack, c))
        };
        if pairs {
            sc.moved.clear();
            let mut head = [NONE; 12];
            sc.next_in_bucket.clear();
            sc.next_in_bucket.resize(t_count, NONE);
            for t in 0..t_count {
                if !sc.tracks[t].voice_leading || !sc.tracks[t].representative {
                    continue;
                }
                if let (Some(p), Some((c, true, _))) = (prev(sc, t), cur(sc, t))
                    && p.midi != c.midi
                {
                    sc.moved.push(t as u32);
                    let b = pc(c.midi);
                    sc.next_in_bucket[t] = head[b];
                    head[b] = t as u32;
                }
            }
            // Buckets are symmetric (a fifth up is a fourth down), so each pair is met from
            // both ends: judge it from its lower track, or, when reusing, from its dirty end
            // (the lower one if both are dirty); pairs of two clean tracks keep their verdicts.
            for mi in 0..sc.moved.len() {
                let a = sc.moved[mi] as usize;
                if reusing && !sc.dirty[a] {
                    continue;
                }
                let (ca, _, cell_a) = cur(sc, a).expect("moved tracks sound");
                let pa = prev(sc, a).expect("moved tracks sounded");
                for d in [0usize, 7, 5] {
                    let mut b = head[(pc(ca.midi) + d) % 12];
                    while b != NONE {
                        let bi = b as usize;
                        b = sc.next_in_bucket[bi];
                        let skip = if reusing { bi == a || (bi < a && sc.dirty[bi]) } else { bi <= a };
                        if skip {
                            continue;
                        }
                        let (cb, _, cell_b) = cur(sc, bi).expect("bucketed tracks sound");
                        let pb = prev(sc, bi).expect("bucketed tracks sounded");
                        let (x, y) = ((a, pa, ca, cell_a), (bi, pb, cb, cell_b));
                        let (lower, upper) = if a < bi { (x, y) } else { (y, x) };
                        check_pair(o, sc, lower, upper, &loc_of);
                    }
                }
            }
        }
        if order_rules {
            sc.order.clear();
            for k in 0..t_count {
                let t = sc.perm[k] as usize;
                if sc.tracks[t].voice_leading && cur(sc, t).is_some() {
                    sc.order.push(t as u32);
                }
            }
            let n = sc.order.len();
            for i in 0..n.saturating_sub(1) {
                let (u, l) = (sc.order[i] as usize, sc.order[i + 1] as usize);
                if sc.tracks[u].group != sc.tracks[l].group {
                    continue;
                }
                // The lowest sounding voice of the group may lie far below the others.
                let l_is_lowest =
                    i + 2 >= n || sc.tracks[sc.order[i + 2] as usize].group != sc.tracks[l].group;
                let (cu, au, cell_u) = cur(sc, u).expect("ordered tracks sound");
                let (cl, al, cell_l) = cur(sc, l).expect("ordered tracks sound");
                if !(au || al) {
                    continue;
                }
                let crossing = cl.midi > cu.midi;
                if crossing {
                    let loc = loc_of(o, sc, l, cell_l);
                    let rel = loc_of(o, sc, u, cell_u);
                    o.push(
                        Rule::VoiceCrossing,
                        loc,
                        Some(rel),
                        Detail::Pair { this: cl.pitch, other: cu.pitch },
                        None,
                    );
                } else if let (Some(pu), Some(pl)) = (prev(sc, u), prev(sc, l)) {
                    if al && pl.midi != cl.midi && cl.midi > pu.midi {
                        let loc = loc_of(o, sc, l, cell_l);
                        let rel = loc_of(o, sc, u, cell_u);
                        o.push(
                            Rule::VoiceOverlap,
                            loc,
                            Some(rel),
                            Detail::Pair { this: cl.pitch, other: pu.pitch },
                            None,
                        );
                    } else if au && pu.midi != cu.midi && cu.midi < pl.midi {
                        let loc = loc_of(o, sc, u, cell_u);
                        let rel = loc_of(o, sc, l, cell_l);
                        o.push(
                            Rule::VoiceOverlap,
                            loc,
                            Some(rel),
                            Detail::Pair { this: cu.pitch, other: pl.pitch },
                            None,
                        );
                    }
                }
                if !l_is_lowest && (cu.midi as i32 - cl.midi as i32) > cfg.max_spacing {
                    let loc = loc_of(o, sc, u, cell_u);
                    let rel = loc_of(o, sc, l, cell_l);
                    o.push(
                        Rule::SpacingTooWide,
                        loc,
                        Some(rel),
                        Detail::Pair { this: cu.pitch, other: cl.pitch },
                        None,
                    );
                }
            }
        }
    }
    // large-leap, per track.
    if cfg.enabled(Rule::LargeLeap) {
        for t in 0..t_count {
            let tr = sc.tracks[t];
            if !tr.voice_leading {
                continue;
            }
            for i in tr.evs.0..tr.evs.1 {
                let ev = sc.evs[i];
                let Some(c) = ev.top else { continue };
                if !ev.attack {
                    continue;
                }
                let before = if i > tr.evs.0 {
                    let pe = sc.evs[i - 1];
                    if pe.end == ev.start { pe.top } else { None }
                } else if ev.start == 0 {
                    sc.carry[t]
                } else {
                    None
                };
                if let Some(b) = before
                    && (c.midi as i32 - b.midi as i32).abs() > cfg.max_leap
                {
                    let loc = loc_of(o, sc, t, i as u32);
                    o.push(Rule::LargeLeap, loc, None, Detail::Melodic { from: b.pitch, to: c.pitch }, None);
                }
            }
        }
    }
}

/// Fills `sc.dirty`: the tracks whose pairs must be compared again. Without a usable `reuse`
/// that is every track, and the function says false. A usable one saw the same tracks; then a
/// track is dirty if it belongs to the edited part or its representative flag changed
/// (a doubling that formed or broke changes which of its voices is compared).
fn mark_dirty(sc: &mut Scratch, cfg: &ValidationConfig, reuse: Option<&Reuse<'_>>) -> bool {
    let t_count = sc.tracks.len();
    sc.dirty.clear();
    let Some(reuse) = reuse.filter(|r| {
        r.memo.complete
            && r.memo.tracks.len() == t_count
            && r.memo.tracks.iter().zip(&sc.tracks).all(|(old, t)| old.part == t.part && old.voice == t.voice)
    }) else {
        sc.dirty.resize(t_count, true);
        return false;
    };
    sc.old_representative.clear();
    sc.old_representative.resize(t_count, true);
    if !cfg.report_doublings {
        sc.perm.clear();
        sc.perm.extend((0..t_count as u32).filter(|&t| sc.tracks[t as usize].voice_leading));
        let old = &reuse.memo.hashes;
        sc.perm.sort_unstable_by_key(|&t| (old[t as usize], t));
        for k in 1..sc.perm.len() {
            let (a, b) = (sc.perm[k - 1] as usize, sc.perm[k] as usize);
            if old[a] == old[b] {
                sc.old_representative[b] = false;
            }
        }
    }
    sc.dirty.extend(
        sc.tracks
            .iter()
            .zip(&sc.old_representative)
            .map(|(t, &was)| t.part == reuse.part || t.representative != was),
    );
    true
}

/// Whether any of the pair rules is on.
fn pairs_enabled(cfg: &ValidationConfig) -> bool {
    PAIR_RULES.iter().any(|r| cfg.enabled(*r))
}

/// Lists in `sc.kept`, by index into `reuse.old` and in order, the old diagnostics this check
/// did not make again: the own-part rules of the parts taken from the memo, and the pair rules
/// of two clean tracks.
fn keep_old(sc: &mut Scratch, reuse: &Reuse<'_>) {
    // Tracks are in (part, voice) order, one per voice of a pitched part: index them by part.
    sc.part_first.clear();
    for (k, t) in sc.tracks.iter().enumerate() {
        while sc.part_first.len() <= t.part {
            sc.part_first.push(k as u32);
        }
    }
    sc.part_first.push(sc.tracks.len() as u32);
    let (tracks, dirty, part_first) = (&sc.tracks, &sc.dirty, &sc.part_first);
    let clean = |(part, voice): (u32, u32)| {
        let (part, voice) = (part as usize, voice as usize);
        let from = part_first.get(part).map_or(tracks.len(), |&k| k as usize);
        tracks[from..]
            .iter()
            .take_while(|t| t.part == part)
            .position(|t| t.voice == voice)
            .is_some_and(|k| !dirty[from + k])
    };
    let (own, pairs) = (sc.reused_part, sc.reusing_pairs);
    let keep = |k: DiagKey| {
        if PAIR_RULES.contains(&k.rule) {
            pairs && clean((k.part, k.voice)) && k.related.is_some_and(clean)
        } else {
            OWN_RULES.contains(&k.rule) && own.is_some_and(|p| k.part as usize != p)
        }
    };
    sc.kept.clear();
    if reuse.memo.keys.len() == reuse.old.len() {
        sc.kept.extend((0..reuse.old.len()).filter(|&i| keep(reuse.memo.keys[i])));
    } else {
        sc.kept.extend((0..reuse.old.len()).filter(|&i| keep(DiagKey::of(&reuse.old[i]))));
    }
}

type Voice = (usize, Sound, Sound, u32);

fn check_pair(
    o: &mut Out<'_>,
    sc: &Scratch,
    (a, pa, ca, cell_a): Voice,
    (b, pb, cb, cell_b): Voice,
    loc_of: &dyn Fn(&Out<'_>, &Scratch, usize, u32) -> Location,
) {
    let up_a = ca.midi - pa.midi;
    let up_b = cb.midi - pb.midi;
    if up_a.signum() != up_b.signum() || up_a == 0 {
        return;
    }
    // Upper and lower by current pitch; before and after must keep that order.
    let (upper_now, lower_now, upper_before, lower_before) =
        if ca.midi >= cb.midi { (ca, cb, pa, pb) } else { (cb, ca, pb, pa) };
    if upper_before.midi < lower_before.midi {
        return;
    }
    let now = Interval::between(lower_now.pitch, upper_now.pitch).simple();
    let before = Interval::between(lower_before.pitch, upper_before.pitch).simple();
    let class = |i: Interval| match (i.diatonic(), i.semitones()) {
        (0, 0) => Some(0),
        (4, 7) => Some(7),
        _ => None,
    };
    let Some(now_class) = class(now) else { return };
    let rule = if class(before) == Some(now_class) {
        if now_class == 7 { Rule::ParallelFifths } else { Rule::ParallelOctaves }
    } else {
        let upper_leap = (upper_now.midi - upper_before.midi).abs() > 2;
        if !upper_leap {
            return;
        }
        if now_class == 7 { Rule::HiddenFifths } else { Rule::HiddenOctaves }
    };
    if !o.config.enabled(rule) {
        return;
    }
    let loc = loc_of(o, sc, a, cell_a);
    let rel = loc_of(o, sc, b, cell_b);
    o.push(
        rule,
        loc,
        Some(rel),
        Detail::Motion { before: (pa.pitch, pb.pitch), after: (ca.pitch, cb.pitch) },
        None,
    );
}

/// The note after event `i` of track `t`: the next event if contiguous, else the first event
/// of the next measure if this one reaches the barline. `None` for rests and gaps.
fn next_note<'v>(
    view: &'v dyn ScoreView,
    m: usize,
    sc: &Scratch,
    t: usize,
    i: usize,
) -> Option<(Sound, &'v Event, usize)> {
    let tr = sc.tracks[t];
    let ev = sc.evs[i];
    if i + 1 < tr.evs.1 {
        let nx = sc.evs[i + 1];
        if nx.start != ev.end {
            return None;
        }
        let e = &view.events(tr.part, m, tr.voice)[nx.idx as usize];
        return nx.top.map(|s| (s, e, m));
    }
    let len = view.measure(m).length();
    let e = &view.events(tr.part, m, tr.voice)[ev.idx as usize];
    if e.end() != len {
        return None;
    }
    let nx = first_event(view, tr.part, m + 1, tr.voice)?;
    top_sound(nx, view.transposition(tr.part, m + 1)).map(|s| (s, nx, m + 1))
}

/// How the root `root_pc` is spelled at slice `s`: as the first track sounding it spells it
/// (the lowest spelling on the line of fifths, if one event has two), else nearest the key.
fn spelled_root(sc: &Scratch, s: usize, root_pc: u8, center: i32) -> PitchName {
    let t_count = sc.tracks.len();
    for t in 0..t_count {
        let c = sc.cells[s * t_count + t];
        if c == NONE {
            continue;
        }
        let mut bits = sc.evs[c as usize].lofs;
        while bits != 0 {
            let b = bits.trailing_zeros();
            bits &= bits - 1;
            if lof_pc(b) == root_pc
                && let Ok(name) = PitchName::from_line_of_fifths(b as i32 - LOF_OFFSET)
            {
                return name;
            }
        }
    }
    PitchName::nearest_spelling(root_pc, center)
}

fn harmony_rules(view: &dyn ScoreView, m: usize, o: &mut Out<'_>, sc: &mut Scratch) {
    let cfg = o.config;
    let info = *view.measure(m);
    let key = info.key;
    let tonic = key.tonic();
    let tonic_pc = tonic.pitch_class() as i32;
    let lt_pc = (tonic_pc + 11) % 12;
    let dom_pc = (tonic_pc + 7) % 12;
    let center = key.spelling_center();
    let t_count = sc.tracks.len();
    let lt_on = cfg.enabled(Rule::UnresolvedLeadingTone);
    let sev_on = cfg.enabled(Rule::UnresolvedSeventh);
    let spell_on = cfg.enabled(Rule::EnharmonicSpelling);
    for s in 0..sc.slices.len() {
        let slice = sc.slices[s];
        let chord = slice.chord;
        if (lt_on || sev_on)
            && let Some(ch) = chord
        {
            {
                let root = ch.root as i32;
                let dominant = (root == dom_pc
                    && matches!(
                        ch.quality,
                        ChordQuality::Major
                            | ChordQuality::Dominant7
                            | ChordQuality::Dominant9
                            | ChordQuality::Dominant7Flat9
                            | ChordQuality::Dominant7Sharp9
                    ))
                    || (root == lt_pc
                        && matches!(
                            ch.quality,
                            ChordQuality::Diminished
                                | ChordQuality::Diminished7
                                | ChordQuality::HalfDiminished7
                        ));
                let seventh_pc = ch.quality.seventh_semitones().map(|x| (root + x as i32) % 12);
                let wanted = (lt_on && dominant) || (sev_on && seventh_pc.is_some());
                for t in 0..if wanted { t_count } else { 0 } {
                    let c = sc.cells[s * t_count + t];
                    if c == NONE {
                        continue;
                    }
                    let ev = sc.evs[c as usize];
                    let Some(cur) = ev.top else { continue };
                    if ev.start != slice.time || !ev.attack || !sc.tracks[t].representative {
                        continue;
                    }
                    let cur_pc = pc(cur.midi) as i32;
                    let is_lt = lt_on
                        && dominant
                        && cur_pc == lt_pc
                        && cur.pitch.step == Step::from_index(tonic.step.index() - 1);
                    let is_seventh = sev_on && seventh_pc == Some(cur_pc);
                    if !is_lt && !is_seventh {
                        continue;
                    }
                    let Some((next, next_event, next_m)) = next_note(view, m, sc, t, c as usize) else {
                        continue;
                    };
                    if next.midi == cur.midi {
                        continue;
                    }
                    let tr = sc.tracks[t];
                    // Fixes are written pitches of the next note, in its measure's transposition.
                    let next_shift = if next_m == m { tr.shift } else { view.transposition(tr.part, next_m) };
                    let this_event = &view.events(tr.part, m, tr.voice)[ev.idx as usize];
                    let symbol = ChordSymbol::new(spelled_root(sc, s, ch.root, center), ch.quality);
                    let written_next = next_event.top_note().map(|n| n.pitch).unwrap_or(next.pitch);
                    let related_loc = |_: &Out<'_>| Location {
                        part: tr.part,
                        measure: next_m,
                        voice: tr.voice,
                        event: Some(next_event.id),
                        onset: next_event.onset,
                        beat: view.measure(next_m).time.beat_position(next_event.onset),
                    };
                    if is_lt {
                        let resolves = pc(next.midi) as i32 == tonic_pc;
                        let frustrated = pc(next.midi) as i32 == dom_pc
                            && next.midi < cur.midi
                            && slice.top_track != t as u32;
                        if !resolves && !frustrated {
                            let loc = o.loc(tr.part, tr.voice, Some(this_event.id), this_event.onset);
                            let written = this_event.top_note().map(|n| n.pitch).unwrap_or(cur.pitch);
                            let fix = written
                                .transpose(Interval::MINOR_SECOND + tr.shift - next_shift)
                                .ok()
                                .map(|to| Fix::SetPitch { event: next_event.id, from: written_next, to });
                            let rel = related_loc(o);
                            o.push(
                                Rule::UnresolvedLeadingTone,
                                loc,
                                Some(rel),
                                Detail::Resolution { pitch: cur.pitch, next: next.pitch, chord: symbol },
                                fix,
                            );
                        }
                    }
                    if is_seventh {
                        let down = cur.midi - next.midi;
                        if !(1..=2).contains(&down) {
                            let loc = o.loc(tr.part, tr.voice, Some(this_event.id), this_event.onset);
                            // One step down in the key, in written pitch.
                            let di = cur.pitch.diatonic_index() - 1;
                            let step = Step::from_index(di);
                            let target = Pitch {
                                step,
                                alter: key.signature_alter(step),
                                octave: di.div_euclid(7) as i8,
                            };
                            let fix = target.transpose(-next_shift).ok().map(|to| Fix::SetPitch {
                                event: next_event.id,
                                from: written_next,
                                to,
                            });
                            let rel = related_loc(o);
                            o.push(
                                Rule::UnresolvedSeventh,
                                loc,
                                Some(rel),
                                Detail::Resolution { pitch: cur.pitch, next: next.pitch, chord: symbol },
                                fix,
                            );
                        }
                    }
                }
            }
        }
        if spell_on {
            spelling_rule(view, m, o, sc, s, center);
        }
    }
    if cfg.enabled(Rule::ChordSymbolMismatch) {
        for i in 0..sc.symbols.len() {
            let sym = sc.symbols[i];
            let Ok(s) = sc.slices.binary_search_by_key(&sym.tick, |x| x.time) else { continue };
            let slice = sc.slices[s];
            if slice.mask == 0 {
                continue;
            }
            // The symbol's own tones, degree alterations applied: a note next to an added #11
            // is as wrong as one next to the third.
            let tones = sym.symbol.tones();
            let allowed = sym.symbol.mask();
            let mut against: Option<u8> = None;
            for x in 0..12u8 {
                if slice.mask & (1 << x) != 0 && allowed & (1 << x) == 0 {
                    let near = tones & (1 << ((x + 1) % 12)) != 0 || tones & (1 << ((x + 11) % 12)) != 0;
                    if near {
                        against = Some(x);
                        break;
                    }
                }
            }
            let bass_wrong = match (sym.symbol.bass, slice.bass) {
                (Some(b), Some(actual)) => actual.pitch.pitch_class() != b.pitch_class(),
                _ => false,
            };
            if against.is_none() && !bass_wrong {
                continue;
            }
            let against_name = match against {
                Some(x) => Some(spelled_root(sc, s, x, center)),
                None => slice.bass.map(|b| b.pitch.name()),
            };
            let e = &view.events(sym.part, m, sym.voice)[sym.idx];
            let fix = slice.chord.map(|ch| {
                let root = spelled_root(sc, s, ch.root, center);
                let bass = slice.bass.map(|b| b.pitch.name()).filter(|b| *b != root);
                Fix::ReplaceChordSymbol {
                    event: e.id,
                    with: ChordSymbol::new(root, ch.quality).with_bass(bass),
                }
            });
            let loc = o.loc(sym.part, sym.voice, Some(e.id), e.onset);
            o.push(
                Rule::ChordSymbolMismatch,
                loc,
                None,
                Detail::ChordSymbol { symbol: sym.symbol, against: against_name },
                fix,
            );
        }
    }
}

fn spelling_rule(view: &dyn ScoreView, m: usize, o: &mut Out<'_>, sc: &Scratch, s: usize, center: i32) {
    let slice = sc.slices[s];
    let t_count = sc.tracks.len();
    // Work on the distinct spellings sounding (bits of `lofs`), not on every note.
    let mut bad: u64 = 0;
    let mut root_for_report: Option<(PitchName, ChordQuality)> = None;
    if let Some(ch) = slice.chord {
        let table = ch.quality.steps_table();
        let count_bad = |root: PitchName| -> u64 {
            let mut bad = 0u64;
            let mut bits = slice.lofs;
            while bits != 0 {
                let b = bits.trailing_zeros();
                bits &= bits - 1;
                let name = PitchName::from_line_of_fifths(b as i32 - LOF_OFFSET).expect("within range");
                let semis = (lof_pc(b) as i32 - root.pitch_class() as i32).rem_euclid(12) as usize;
                let steps = (name.step.index() - root.step.index()).rem_euclid(7) as i8;
                if table[semis] >= 0 && table[semis] != steps {
                    bad |= 1 << b;
                }
            }
            bad
        };
        let mut best: Option<(PitchName, u64)> = None;
        let nearest = PitchName::nearest_spelling(ch.root, center);
        let mut consider = |root: PitchName| {
            let b = count_bad(root);
            let better = match best {
                None => true,
                Some((r, rb)) => {
                    b.count_ones() < rb.count_ones()
                        || (b.count_ones() == rb.count_ones()
                            && (root.line_of_fifths() - center).abs() < (r.line_of_fifths() - center).abs())
                }
            };
            if better {
                best = Some((root, b));
            }
        };
        consider(nearest);
        let mut bits = slice.lofs;
        while bits != 0 {
            let b = bits.trailing_zeros();
            bits &= bits - 1;
            if lof_pc(b) == ch.root {
                consider(PitchName::from_line_of_fifths(b as i32 - LOF_OFFSET).expect("within range"));
            }
        }
        if let Some((root, b)) = best {
            bad = b;
            root_for_report = Some((root, ch.quality));
        }
    } else {
        // No chord: spellings far from the key on the line of fifths.
        let lo = (center - 8 + LOF_OFFSET).max(0);
        let hi = (center + 8 + LOF_OFFSET).min(63);
        let window: u64 = if lo > hi { 0 } else { (u64::MAX >> (63 - (hi - lo))) << lo };
        bad = slice.lofs & !window;
    }
    if bad == 0 {
        return;
    }
    for (t, tr) in sc.tracks.iter().enumerate() {
        let c = sc.cells[s * t_count + t];
        if c == NONE {
            continue;
        }
        let ev = sc.evs[c as usize];
        if ev.start != slice.time || ev.lofs & bad == 0 {
            continue;
        }
        let e = &view.events(tr.part, m, tr.voice)[ev.idx as usize];
        for n in e.notes().iter().filter(|n| !n.tie.stops()) {
            let sounding = shift_pitch(n.pitch, tr.shift);
            if lof_bit(sounding) & bad == 0 {
                continue;
            }
            let expected = match root_for_report {
                Some((root, quality)) => expected_spelling(sounding, root, quality),
                None => {
                    let p = Pitch::from_midi_near(sounding.midi(), center);
                    (p.step != sounding.step).then_some(p)
                }
            };
            let Some(exp) = expected else { continue };
            let step_shift = exp.diatonic_index() - sounding.diatonic_index();
            let written_step = Step::from_index(n.pitch.step.index() + step_shift);
            let Some(to) = n.pitch.respell_with_step(written_step) else { continue };
            let loc = o.loc(tr.part, tr.voice, Some(e.id), e.onset);
            o.push(
                Rule::EnharmonicSpelling,
                loc,
                None,
                Detail::Spelling { pitch: n.pitch, expected: to },
                Some(Fix::SetPitch { event: e.id, from: n.pitch, to }),
            );
        }
    }
}

/// The spelling a note should have in a chord on `root`, if it differs from its own.
fn expected_spelling(p: Pitch, root: PitchName, quality: ChordQuality) -> Option<Pitch> {
    let semis = (p.pitch_class() as i32 - root.pitch_class() as i32).rem_euclid(12) as u8;
    let member = quality.member_at(semis)?;
    let steps = (p.step.index() - root.step.index()).rem_euclid(7) as u8;
    if steps == member.steps {
        return None;
    }
    p.respell_with_step(Step::from_index(root.step.index() + member.steps as i32))
}
