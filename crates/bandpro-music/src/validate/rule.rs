//! The validation rules: stable ids, default severities, what each looks at, and an example.

use std::fmt;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// A hint or style remark.
    Info,
    /// Probably wrong, or poor practice.
    Warning,
    /// Certainly wrong (the notation does not add up, or the note cannot be played).
    Error,
}

impl Severity {
    /// One step milder (Error -> Warning -> Info -> Info).
    pub const fn milder(self) -> Severity {
        match self {
            Severity::Error => Severity::Warning,
            _ => Severity::Info,
        }
    }

    /// Lower-case name.
    pub const fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which neighbouring measures a rule reads to judge measure `m`. A diagnostic is always
/// reported in (anchored at) the measure of its location, so a rule with `Previous` context
/// can change its verdict on `m` when `m - 1` is edited, and one with `Next` when `m + 1` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Context {
    /// Only measure `m`.
    Own,
    /// Measures `m - 1` and `m`.
    Previous,
    /// Measures `m` and `m + 1`.
    Next,
}

macro_rules! rules {
    ($( $(#[$doc:meta])* $name:ident => $id:literal, $sev:ident, $ctx:ident, $desc:literal, $example:literal; )*) => {
        /// A validation rule. Each has a stable kebab-case id (used in configuration files and
        /// by `bandpro-core`), a default severity, a context (which neighbouring measures it
        /// reads) and an example of music it fires on (in the compact score text of
        /// [`crate::score_text`]).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Rule {
            $( $(#[$doc])* $name, )*
        }

        impl Rule {
            /// Every rule, in a stable order.
            pub const ALL: &'static [Rule] = &[$(Rule::$name),*];

            /// The stable id ("parallel-fifths").
            pub const fn id(self) -> &'static str {
                match self { $(Rule::$name => $id,)* }
            }

            /// Default severity.
            pub const fn default_severity(self) -> Severity {
                match self { $(Rule::$name => Severity::$sev,)* }
            }

            /// Which neighbouring measures the rule reads.
            pub const fn context(self) -> Context {
                match self { $(Rule::$name => Context::$ctx,)* }
            }

            /// One sentence saying what the rule checks.
            pub const fn description(self) -> &'static str {
                match self { $(Rule::$name => $desc,)* }
            }

            /// An example it fires on, as `instrument: voice` lines in the compact score text.
            pub const fn example(self) -> &'static str {
                match self { $(Rule::$name => $example,)* }
            }
        }
    };
}

rules! {
    /// A voice whose events end before the barline (pickup measures excepted).
    /// Fix: add a rest of the missing length.
    MeasureUnderfull => "measure-underfull", Warning, Own,
        "A voice's events do not fill the measure.",
        "4/4 flute: C5:4 D5:4 E5:4 (one beat missing)";
    /// A voice whose events run past the barline. Fix: shorten the measure's content.
    MeasureOverfull => "measure-overfull", Error, Own,
        "A voice's events run past the barline.",
        "4/4 flute: C5:2 D5:2 E5:4 (five beats)";
    /// A tie to a note of a different pitch (or spelling), or to a rest or nothing.
    /// Fix: respell the next note or remove the tie.
    TieMismatch => "tie-pitch-mismatch", Error, Next,
        "A tie connects notes of different pitch, or leads to a rest or to nothing.",
        "flute: C5:2~ D5:2";
    /// A tuplet group whose notes do not fill the time it stands for.
    TupletIncomplete => "tuplet-incomplete", Error, Own,
        "A tuplet group's notes do not add up to the span of the tuplet.",
        "flute: (3:2/8 C5:8 D5 ) E5:4 F5:2 (two of three triplet eighths)";
    /// A note outside the instrument's range: outside the professional range at the configured
    /// severity, outside only the practical range one step milder. Fix: an octave shift that
    /// brings the note into the practical range, if one does.
    OutOfRange => "out-of-range", Error, Own,
        "A note lies outside the instrument's professional range (or, milder, its practical range).",
        "soprano: C6:1 (above a choir soprano's practical G5)";
    /// Two voices moving in the same direction from a perfect fifth to a perfect fifth
    /// (compound fifths included), in any two parts.
    ParallelFifths => "parallel-fifths", Warning, Previous,
        "Two voices move in parallel perfect fifths.",
        "soprano: G4 A4 / bass: C3 D3";
    /// Two voices moving in the same direction from an octave or unison to an octave or unison.
    ParallelOctaves => "parallel-octaves", Warning, Previous,
        "Two voices move in parallel octaves or unisons.",
        "soprano: C5 D5 / bass: C3 D3";
    /// Two voices reaching a perfect fifth by similar motion with a leap in the upper voice.
    HiddenFifths => "hidden-fifths", Info, Previous,
        "Two voices reach a perfect fifth by similar motion, the upper voice leaping.",
        "soprano: A5 D5 / bass: C3 G2 (a leap down into a compound fifth)";
    /// Two voices reaching an octave by similar motion with a leap in the upper voice.
    HiddenOctaves => "hidden-octaves", Info, Previous,
        "Two voices reach an octave by similar motion, the upper voice leaping.",
        "soprano: E5 C6 / bass: G3 C4";
    /// A voice sounding above the voice written above it (adjacent voices in score order).
    VoiceCrossing => "voice-crossing", Warning, Own,
        "A lower voice sounds above the voice above it in the score.",
        "soprano: C5 / alto: E5";
    /// A voice moving past the previous note of its neighbour (above the note the voice above
    /// just left, or below the note the voice below just left).
    VoiceOverlap => "voice-overlap", Info, Previous,
        "A voice moves beyond the note its neighbouring voice has just left.",
        "soprano: E5 C5 / alto: C5 F5 (alto rises above the soprano's E5)";
    /// Adjacent upper voices (all but the lowest sounding voice) more than an octave apart.
    SpacingTooWide => "spacing-too-wide", Info, Own,
        "Adjacent upper voices are more than an octave apart.",
        "soprano: E5 / alto: C4 / tenor: G3 / bass: C3";
    /// A melodic leap larger than the configured limit (an octave by default) between
    /// consecutive notes of a voice.
    LargeLeap => "large-leap", Info, Previous,
        "A voice leaps by more than the allowed interval.",
        "soprano: C4 E5 (a major tenth)";
    /// The leading tone of a dominant chord that does not rise to the tonic (inner voices may
    /// fall to the fifth degree).
    UnresolvedLeadingTone => "unresolved-leading-tone", Warning, Next,
        "The leading tone of a dominant chord does not resolve to the tonic.",
        "C major, soprano: B4 A4 over bass: G3 F3";
    /// The seventh of a seventh chord that does not resolve down by step.
    UnresolvedSeventh => "unresolved-seventh", Warning, Next,
        "A chordal seventh does not resolve down by step.",
        "C major, soprano: F5 G5 over G7 -> C";
    /// An accidental that the key signature or an earlier accidental in the measure already
    /// implies. A courtesy accidental cancelling the previous measure's is not flagged.
    AccidentalRedundant => "accidental-redundant", Info, Previous,
        "A shown accidental repeats what the key signature or the measure already implies.",
        "G major, flute: F#5! (F# is in the key signature)";
    /// A spelling that contradicts the harmony (Ab in an E major chord) or, where no chord is
    /// formed, lies far from the key on the line of fifths (E# in C major).
    EnharmonicSpelling => "enharmonic-spelling", Warning, Own,
        "A note is spelled against the harmony or the key.",
        "C major: E4+Ab4+B4 (the third of E major is G#)";
    /// A chord symbol that the notes sounding under it contradict: a note a semitone from one
    /// of its chord tones, or a different bass than its slash bass.
    ChordSymbolMismatch => "chord-symbol-mismatch", Warning, Own,
        "The notes under a chord symbol contradict it.",
        "piano: C4+Eb4+G4@C (E-flat against the symbol's E)";
}

impl Rule {
    /// Number of rules.
    pub const COUNT: usize = Rule::ALL.len();

    /// The rule with a given id.
    pub fn from_id(id: &str) -> Option<Rule> {
        Rule::ALL.iter().copied().find(|r| r.id() == id)
    }

    /// Index in [`Rule::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}
