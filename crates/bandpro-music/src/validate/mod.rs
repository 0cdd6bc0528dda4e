//! Validation: music rules with stable ids, severities, precise locations and suggested fixes,
//! like a linter for music.
//!
//! Rules run on any [`ScoreView`]. [`validate`] checks the whole score; [`validate_measures`]
//! checks a range of measures and returns exactly the diagnostics of the full run that are
//! located in that range. Each rule reads at most the measure before and the measure after the
//! one it reports in (see [`Rule::context`]), so after an edit of measures `a..b` the caller
//! re-validates [`affected_measures`]`(a..b)` = `a-1..b+1`, drops the old diagnostics located
//! there and adds the new ones: the result equals a full validation.
//!
//! ```
//! use bandpro_music::{SimpleScore, validate::{self, Rule, ValidationConfig}};
//! let score = SimpleScore::from_text("4/4", "C major", &[
//!     ("soprano", &["G4:2 A4:2"]),
//!     ("bass", &["C3:2 D3:2"]),
//! ]).unwrap();
//! let diags = validate::validate(&score, &ValidationConfig::default());
//! let fifths: Vec<_> = diags.iter().filter(|d| d.rule == Rule::ParallelFifths).collect();
//! assert_eq!(fifths.len(), 1);
//! assert_eq!(fifths[0].location.measure, 0);
//! assert_eq!(fifths[0].message(), "parallel fifths: G4-C3 to A4-D3");
//! ```

mod engine;
mod rule;

use std::fmt;
use std::ops::Range;

pub use rule::{Context, Rule, Severity};

use crate::chord_symbol::ChordSymbol;
use crate::duration::TupletRatio;
use crate::event::EventId;
use crate::instrument::PitchRange;
use crate::interval::Interval;
use crate::pitch::{Pitch, PitchName};
use crate::rational::Rational;
use crate::view::ScoreView;

/// Where a diagnostic is: part, measure, voice, event and time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Location {
    /// Part index.
    pub part: usize,
    /// Measure index (the measure the diagnostic is reported in).
    pub measure: usize,
    /// Voice index within the part and measure.
    pub voice: usize,
    /// The event concerned, if one.
    pub event: Option<EventId>,
    /// Onset from the start of the measure.
    pub onset: Rational,
    /// 1-based beat position (2.5 = halfway through beat 2).
    pub beat: Rational,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "m. {}, part {}, voice {}, beat {}",
            self.measure + 1,
            self.part + 1,
            self.voice + 1,
            self.beat
        )?;
        if let Some(e) = self.event {
            write!(f, " ({e})")?;
        }
        Ok(())
    }
}

/// What exactly was found (the data behind the message).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Detail {
    /// Measure content length against the measure's length.
    MeasureLength {
        /// The time signature's length.
        expected: Rational,
        /// Where the voice's events end.
        actual: Rational,
    },
    /// A tie from `from` to `to` (`None`: a rest or nothing follows).
    Tie {
        /// The tied note.
        from: Pitch,
        /// What follows.
        to: Option<Pitch>,
    },
    /// A tuplet group that does not fill its span.
    Tuplet {
        /// The ratio.
        ratio: TupletRatio,
        /// The span it should fill.
        expected: Rational,
        /// What its notes add up to.
        actual: Rational,
    },
    /// A sounding pitch outside a range.
    Range {
        /// Sounding pitch.
        pitch: Pitch,
        /// The range it is outside of.
        range: PitchRange,
        /// True if outside the professional range, false if only outside the practical one.
        professional: bool,
    },
    /// Motion of two voices: (upper, lower) before and after.
    Motion {
        /// Pitches before (this voice, other voice).
        before: (Pitch, Pitch),
        /// Pitches after (this voice, other voice).
        after: (Pitch, Pitch),
    },
    /// Two simultaneous pitches: (this voice, other voice).
    Pair {
        /// This voice's pitch.
        this: Pitch,
        /// The other voice's pitch.
        other: Pitch,
    },
    /// A melodic step from one pitch to the next.
    Melodic {
        /// From.
        from: Pitch,
        /// To.
        to: Pitch,
    },
    /// A note that should resolve: the note, what follows, and the chord it belongs to.
    Resolution {
        /// The note.
        pitch: Pitch,
        /// The next note of the voice.
        next: Pitch,
        /// The chord heard.
        chord: ChordSymbol,
    },
    /// A note with a redundant accidental.
    Accidental {
        /// The note.
        pitch: Pitch,
    },
    /// A spelling, and the one expected.
    Spelling {
        /// Written pitch as spelled.
        pitch: Pitch,
        /// The spelling the harmony or key asks for.
        expected: Pitch,
    },
    /// A chord symbol and a note that contradicts it.
    ChordSymbol {
        /// The symbol.
        symbol: ChordSymbol,
        /// A sounding note against it (or the wrong bass).
        against: Option<PitchName>,
    },
}

/// A suggested fix.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fix {
    /// Add a rest of this length at the end of the voice.
    AddRest(Rational),
    /// Remove this much from the end of the voice.
    Shorten(Rational),
    /// Change an event's note from one pitch to another (a respelling or a corrected note).
    SetPitch {
        /// The event.
        event: EventId,
        /// Current written pitch.
        from: Pitch,
        /// Suggested written pitch.
        to: Pitch,
    },
    /// Remove the tie from an event's note.
    RemoveTie {
        /// The event.
        event: EventId,
    },
    /// Hide the accidental of an event's note.
    RemoveAccidental {
        /// The event.
        event: EventId,
    },
    /// Replace a chord symbol.
    ReplaceChordSymbol {
        /// The event carrying it.
        event: EventId,
        /// The symbol the notes suggest.
        with: ChordSymbol,
    },
}

impl fmt::Display for Fix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fix::AddRest(d) => write!(f, "add a rest of {d}"),
            Fix::Shorten(d) => write!(f, "remove {d} from the end of the measure"),
            Fix::SetPitch { from, to, .. } => write!(f, "change {from} to {to}"),
            Fix::RemoveTie { .. } => write!(f, "remove the tie"),
            Fix::RemoveAccidental { .. } => write!(f, "remove the accidental"),
            Fix::ReplaceChordSymbol { with, .. } => write!(f, "change the chord symbol to {with}"),
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The rule.
    pub rule: Rule,
    /// Its severity (after configuration).
    pub severity: Severity,
    /// Where.
    pub location: Location,
    /// The other voice or note involved (voice-leading rules: the other voice; ties: the next
    /// note).
    pub related: Option<Location>,
    /// What was found.
    pub detail: Detail,
    /// A suggested fix, where there is one.
    pub fix: Option<Fix>,
}

impl Diagnostic {
    /// A one-line message ("parallel fifths: G4-C3 to A4-D3").
    pub fn message(&self) -> String {
        let what = match self.rule {
            Rule::ParallelFifths => "parallel fifths",
            Rule::ParallelOctaves => "parallel octaves",
            Rule::HiddenFifths => "hidden fifths",
            Rule::HiddenOctaves => "hidden octaves",
            Rule::VoiceCrossing => "voice crossing",
            Rule::VoiceOverlap => "voice overlap",
            Rule::SpacingTooWide => "upper voices more than an octave apart",
            Rule::MeasureUnderfull => "measure underfull",
            Rule::MeasureOverfull => "measure overfull",
            Rule::TieMismatch => "tie between different pitches",
            Rule::TupletIncomplete => "incomplete tuplet",
            Rule::OutOfRange => "out of range",
            Rule::LargeLeap => "large leap",
            Rule::UnresolvedLeadingTone => "unresolved leading tone",
            Rule::UnresolvedSeventh => "unresolved seventh",
            Rule::AccidentalRedundant => "redundant accidental",
            Rule::EnharmonicSpelling => "questionable spelling",
            Rule::ChordSymbolMismatch => "chord symbol contradicted",
        };
        let detail = match &self.detail {
            Detail::MeasureLength { expected, actual } => {
                format!("content ends at {actual}, measure is {expected}")
            }
            Detail::Tie { from, to: Some(to) } => format!("{from} tied to {to}"),
            Detail::Tie { from, to: None } => format!("{from} tied to nothing"),
            Detail::Tuplet { ratio, expected, actual } => {
                format!("{ratio} group fills {actual} of {expected}")
            }
            Detail::Range { pitch, range, professional } => format!(
                "{pitch} outside the {} range {}-{}",
                if *professional { "professional" } else { "practical" },
                range.low,
                range.high
            ),
            Detail::Motion { before, after } => {
                format!("{}-{} to {}-{}", before.0, before.1, after.0, after.1)
            }
            Detail::Pair { this, other } => format!("{this} against {other}"),
            Detail::Melodic { from, to } => {
                format!("{from} to {to} ({})", Interval::between(*from, *to).name())
            }
            Detail::Resolution { pitch, next, chord } => format!("{pitch} in {chord} moves to {next}"),
            Detail::Accidental { pitch } => format!("{pitch}"),
            Detail::Spelling { pitch, expected } => format!("{pitch} should be spelled {expected}"),
            Detail::ChordSymbol { symbol, against: Some(n) } => format!("{n} against {symbol}"),
            Detail::ChordSymbol { symbol, against: None } => format!("{symbol}"),
        };
        format!("{what}: {detail}")
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}] {}: {}", self.severity, self.rule, self.location, self.message())?;
        if let Some(fix) = &self.fix {
            write!(f, " (fix: {fix})")?;
        }
        Ok(())
    }
}

/// Which voices the register-order rules (`voice-crossing`, `voice-overlap`,
/// `spacing-too-wide`) compare.
///
/// These rules assume voices are written from the highest down, which holds for a choir and for
/// the voices inside one part, but not across a band or orchestra score (bassoons are printed
/// above clarinets; second clarinets often sit below the alto saxophones).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum OrderScope {
    /// Vocal parts (and parts with no known instrument, e.g. an imported chorale) form one
    /// group in score order; every other part is a group of its own voices.
    #[default]
    Choir,
    /// Only the voices within each part.
    WithinParts,
    /// All pitched parts in score order.
    AllParts,
}

/// Which rules run, at which severity, and their parameters. Built with chained methods.
///
/// ```
/// use bandpro_music::validate::{Rule, Severity, ValidationConfig};
/// let cfg = ValidationConfig::default()
///     .severity(Rule::ParallelFifths, Severity::Error)
///     .disable(Rule::SpacingTooWide)
///     .max_leap_semitones(9);
/// assert_eq!(cfg.severity_of(Rule::ParallelFifths), Some(Severity::Error));
/// assert_eq!(cfg.severity_of(Rule::SpacingTooWide), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationConfig {
    severities: [Option<Severity>; Rule::COUNT],
    max_leap: i32,
    max_spacing: i32,
    voice_leading_parts: Option<Vec<usize>>,
    order_scope: OrderScope,
    report_doublings: bool,
}

impl Default for ValidationConfig {
    fn default() -> Self {
        let mut severities = [None; Rule::COUNT];
        for r in Rule::ALL {
            severities[r.index()] = Some(r.default_severity());
        }
        ValidationConfig {
            severities,
            max_leap: 12,
            max_spacing: 12,
            voice_leading_parts: None,
            order_scope: OrderScope::Choir,
            report_doublings: false,
        }
    }
}

impl ValidationConfig {
    /// Only the given rules, at their default severities.
    pub fn only(rules: &[Rule]) -> ValidationConfig {
        let mut c = ValidationConfig::default();
        for r in Rule::ALL {
            if !rules.contains(r) {
                c.severities[r.index()] = None;
            }
        }
        c
    }

    /// Set a rule's severity (enabling it).
    pub fn severity(mut self, rule: Rule, severity: Severity) -> Self {
        self.severities[rule.index()] = Some(severity);
        self
    }

    /// Turn a rule off.
    pub fn disable(mut self, rule: Rule) -> Self {
        self.severities[rule.index()] = None;
        self
    }

    /// Largest melodic leap allowed, in semitones (default 12: leaps beyond an octave fire).
    pub fn max_leap_semitones(mut self, semitones: i32) -> Self {
        self.max_leap = semitones;
        self
    }

    /// Largest distance allowed between adjacent upper voices (default 12).
    pub fn max_spacing_semitones(mut self, semitones: i32) -> Self {
        self.max_spacing = semitones;
        self
    }

    /// Restrict the voice-leading rules (parallels, hidden, crossing, overlap, spacing, leaps)
    /// to these parts; by default every pitched part takes part.
    pub fn voice_leading_parts(mut self, parts: Option<Vec<usize>>) -> Self {
        self.voice_leading_parts = parts;
        self
    }

    /// Which voices the register-order rules compare (default [`OrderScope::Choir`]).
    pub fn order_scope(mut self, scope: OrderScope) -> Self {
        self.order_scope = scope;
        self
    }

    /// Report parallel octaves and fifths between voices that double each other. Two voices
    /// double when they sound the same pitch classes in the same rhythm throughout the measure
    /// (an orchestral doubling, not two independent lines); by default only the first of them
    /// in score order takes part in the parallel and hidden checks.
    pub fn report_doublings(mut self, report: bool) -> Self {
        self.report_doublings = report;
        self
    }

    /// A rule's severity, `None` if disabled.
    pub fn severity_of(&self, rule: Rule) -> Option<Severity> {
        self.severities[rule.index()]
    }

    fn enabled(&self, rule: Rule) -> bool {
        self.severities[rule.index()].is_some()
    }
}

/// Validate the whole score.
pub fn validate(view: &dyn ScoreView, config: &ValidationConfig) -> Vec<Diagnostic> {
    Validator::new().validate(view, config)
}

/// Validate a range of measures: exactly the diagnostics of [`validate`] located in `measures`.
pub fn validate_measures(
    view: &dyn ScoreView,
    measures: Range<usize>,
    config: &ValidationConfig,
) -> Vec<Diagnostic> {
    Validator::new().validate_measures(view, measures, config)
}

/// The measures whose diagnostics may change when measures `edited` change: one more on each
/// side, clipped to the score.
pub fn affected_measures(edited: Range<usize>, measure_count: usize) -> Range<usize> {
    let start = edited.start.saturating_sub(1).min(measure_count);
    let end = edited.end.saturating_add(1).min(measure_count);
    start..end.max(start)
}

/// A validator that keeps its scratch buffers between runs (validation then allocates only for
/// the diagnostics it returns). Reuse one per thread for incremental re-validation.
#[derive(Debug, Default)]
pub struct Validator {
    scratch: engine::Scratch,
    /// The diagnostics a re-check makes afresh, before they are merged in.
    fresh: Vec<Diagnostic>,
    /// Which of the old diagnostics a re-check keeps.
    keep: Vec<bool>,
}

/// A clone is a new validator: the buffers hold nothing between runs.
impl Clone for Validator {
    fn clone(&self) -> Validator {
        Validator::new()
    }
}

impl Validator {
    /// A new validator.
    pub fn new() -> Validator {
        Validator::default()
    }

    /// Validate the whole score.
    pub fn validate(&mut self, view: &dyn ScoreView, config: &ValidationConfig) -> Vec<Diagnostic> {
        self.validate_measures(view, 0..view.measure_count(), config)
    }

    /// Validate a range of measures (see [`validate_measures`]).
    pub fn validate_measures(
        &mut self,
        view: &dyn ScoreView,
        measures: Range<usize>,
        config: &ValidationConfig,
    ) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        self.validate_measures_into(view, measures, config, &mut out);
        out
    }

    /// Validate a range of measures, appending to `out`. Diagnostics come sorted by measure,
    /// then as [`sort_measure`] orders them.
    pub fn validate_measures_into(
        &mut self,
        view: &dyn ScoreView,
        measures: Range<usize>,
        config: &ValidationConfig,
        out: &mut Vec<Diagnostic>,
    ) {
        let end = measures.end.min(view.measure_count());
        for m in measures.start..end {
            let first = out.len();
            engine::validate_measure(view, m, config, &mut self.scratch, out, None, None);
            sort_measure(&mut out[first..]);
        }
    }

    /// Validate the whole score, and remember per measure what [`Validator::recheck_part`]
    /// needs. The diagnostics are those of [`validate`].
    pub fn validate_with_memos(
        &mut self,
        view: &dyn ScoreView,
        config: &ValidationConfig,
    ) -> (Vec<Diagnostic>, Vec<MeasureMemo>) {
        let mut out = Vec::new();
        let mut memos = Vec::with_capacity(view.measure_count());
        for m in 0..view.measure_count() {
            let first = out.len();
            let mut memo = MeasureMemo::default();
            engine::validate_measure(view, m, config, &mut self.scratch, &mut out, None, Some(&mut memo.0));
            sort_measure(&mut out[first..]);
            memo.0.keys.extend(out[first..].iter().map(engine::DiagKey::of));
            memos.push(memo);
        }
        (out, memos)
    }

    /// Validate measure `m` (the diagnostics of [`validate_measures`]`(m..m + 1)`), and
    /// remember what [`Validator::recheck_part`] needs.
    pub fn check_measure(
        &mut self,
        view: &dyn ScoreView,
        m: usize,
        config: &ValidationConfig,
    ) -> (Vec<Diagnostic>, MeasureMemo) {
        let mut out = Vec::new();
        let mut memo = MeasureMemo::default();
        if m < view.measure_count() {
            engine::validate_measure(view, m, config, &mut self.scratch, &mut out, None, Some(&mut memo.0));
            sort_measure(&mut out);
            memo.0.keys.extend(out.iter().map(engine::DiagKey::of));
        }
        (out, memo)
    }

    /// Validate measure `m` again after an edit that changed only events of `part` there, and
    /// only what they sound, not where they sit: pitches, ties, marks, lyrics, chord symbols
    /// (the measure before or after may have changed in the same way, in the same part).
    /// `diagnostics` and `memo` are the measure's diagnostics and memo from the check before
    /// the edit, made with the same `config`; they are brought up to date in place.
    ///
    /// The result equals [`Validator::check_measure`]'s, but only `part` is read again: the
    /// other parts' voices come from the memo, their own rules (lengths, ties, tuplets, range,
    /// accidentals) keep their verdicts from `old`, and so do pairs of two of their voices,
    /// whose comparisons are most of a full measure's check. Given any other edit the result
    /// is unspecified.
    pub fn recheck_part(
        &mut self,
        view: &dyn ScoreView,
        m: usize,
        part: usize,
        config: &ValidationConfig,
        diagnostics: &mut Vec<Diagnostic>,
        memo: &mut MeasureMemo,
    ) {
        if m >= view.measure_count() {
            diagnostics.clear();
            *memo = MeasureMemo::default();
            return;
        }
        let mut fresh = std::mem::take(&mut self.fresh);
        fresh.clear();
        let reuse = engine::Reuse { part, old: diagnostics, memo: &memo.0 };
        engine::validate_measure(view, m, config, &mut self.scratch, &mut fresh, Some(&reuse), None);
        // Both are updated in place: the old ones were just read, so they are in the cache, and
        // on a large score the cache, not the rules, decides what a re-check costs.
        engine::fill_memo(&self.scratch, &mut memo.0);
        sort_measure(&mut fresh);
        // An old diagnostic made again unchanged stays where it is: usually most are, and then
        // little or nothing below moves.
        let keep = &mut self.keep;
        keep.clear();
        keep.resize(diagnostics.len(), false);
        for &i in &self.scratch.kept {
            keep[i] = true;
        }
        let mut f = 0;
        fresh.retain(|d| {
            // Dropped old ones at or before this one's place, in order.
            while f < diagnostics.len() && (keep[f] || place_cmp(&diagnostics[f], d).is_lt()) {
                f += 1;
            }
            if f < diagnostics.len() && diagnostics[f] == *d {
                keep[f] = true;
                f += 1;
                return false;
            }
            true
        });
        // The keys follow the list, move for move.
        let keys = &mut memo.0.keys;
        if keys.len() != keep.len() {
            keys.clear();
            keys.extend(diagnostics.iter().map(engine::DiagKey::of));
        }
        let mut i = 0;
        keys.retain(|_| {
            i += 1;
            keep[i - 1]
        });
        let mut i = 0;
        diagnostics.retain(|_| {
            i += 1;
            keep[i - 1]
        });
        // Merge the fresh ones in from the back: each kept one moves at most once.
        let (mut i, mut j) = (diagnostics.len(), fresh.len());
        diagnostics.extend(fresh.iter().cloned());
        keys.extend(fresh.iter().map(engine::DiagKey::of));
        let mut w = diagnostics.len();
        while j > 0 {
            if i > 0 && place_cmp(&diagnostics[i - 1], &fresh[j - 1]).is_gt() {
                diagnostics.swap(i - 1, w - 1);
                keys.swap(i - 1, w - 1);
                i -= 1;
            } else {
                keys[w - 1] = engine::DiagKey::of(&fresh[j - 1]);
                std::mem::swap(&mut diagnostics[w - 1], &mut fresh[j - 1]);
                j -= 1;
            }
            w -= 1;
        }
        self.fresh = fresh;
    }

    /// Validate the courtesy accidentals of `part` in measure `m` again, after an edit that
    /// changed only pitches of `part`'s events in the measure before, none of them the last of
    /// its voice: the one rule that reads those pitches from here. `diagnostics` and `memo` are
    /// as [`Validator::recheck_part`] takes them; the memo does not change.
    pub fn recheck_accidentals(
        &mut self,
        view: &dyn ScoreView,
        m: usize,
        part: usize,
        config: &ValidationConfig,
        diagnostics: &mut Vec<Diagnostic>,
        memo: &mut MeasureMemo,
    ) {
        if m >= view.measure_count() || part >= view.part_count() {
            return;
        }
        let mut fresh = std::mem::take(&mut self.fresh);
        fresh.clear();
        engine::part_accidentals(view, m, part, config, &mut self.scratch, &mut fresh);
        let stale = |d: &Diagnostic| d.rule == Rule::AccidentalRedundant && d.location.part == part;
        if fresh.is_empty() && !diagnostics.iter().any(stale) {
            self.fresh = fresh;
            return;
        }
        diagnostics.retain(|d| !stale(d));
        diagnostics.append(&mut fresh);
        sort_measure(diagnostics);
        let keys = &mut memo.0.keys;
        keys.clear();
        keys.extend(diagnostics.iter().map(engine::DiagKey::of));
        self.fresh = fresh;
    }
}

/// What a check of one measure remembers for a later [`Validator::recheck_part`]: what it
/// read of every voice, compactly, and how the voices double each other. A few dozen bytes
/// per note.
#[derive(Debug, Clone, Default)]
pub struct MeasureMemo(engine::Memo);

/// Sorts one measure's diagnostics into the order validation returns them in: by part, voice,
/// onset, rule and event, then by the related place (for the pair rules, which can report one
/// event against several others), then by what was found (two notes of one chord).
pub fn sort_measure(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(place_cmp);
}

/// The order of [`sort_measure`]: a total order, so that a re-check that keeps some verdicts
/// and makes others afresh lists them exactly as a fresh check does.
fn place_cmp(a: &Diagnostic, b: &Diagnostic) -> std::cmp::Ordering {
    // Field by field, each only when the ones before tie: a re-check compares a measure's
    // diagnostics many times, and most differ in part or voice. Ties on the whole place are
    // rare (several notes of one chord), so the detail is compared by its printed form only
    // then.
    let (x, y) = (&a.location, &b.location);
    x.part
        .cmp(&y.part)
        .then(x.voice.cmp(&y.voice))
        .then_with(|| x.onset.cmp(&y.onset))
        .then_with(|| a.rule.cmp(&b.rule))
        .then_with(|| x.event.cmp(&y.event))
        .then_with(|| {
            let key = |d: &Diagnostic| d.related.map(|r| (r.part, r.voice, r.onset, r.event));
            key(a).cmp(&key(b))
        })
        .then_with(|| {
            if a.detail == b.detail {
                std::cmp::Ordering::Equal
            } else {
                format!("{:?}", a.detail).cmp(&format!("{:?}", b.detail))
            }
        })
}
