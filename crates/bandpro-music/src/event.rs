//! Events in a voice: notes, rests and chords, with ties, tuplets, articulations, dynamics,
//! lyrics, chord symbols and grace notes.
//!
//! Pitches in events are *written* pitches; a part's transposition (see
//! [`crate::view::PartInfo::transposition`]) turns them into sounding pitches for analysis.

use std::fmt;

use crate::chord_symbol::ChordSymbol;
use crate::duration::TupletRatio;
use crate::pitch::Pitch;
use crate::rational::Rational;

/// A stable identity for an event: it does not change when the event moves or is edited, so
/// diagnostics and edits from different people can address the same note.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct EventId(pub u64);

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// Tie state of a note.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Tie {
    /// Not tied.
    #[default]
    None,
    /// Tied to the next note.
    Start,
    /// Tied from the previous note.
    Stop,
    /// Tied from the previous note and to the next one.
    Continue,
}

impl Tie {
    /// True if the note is tied to the following one.
    pub const fn starts(self) -> bool {
        matches!(self, Tie::Start | Tie::Continue)
    }

    /// True if the note continues a tie from the previous one (it is not re-attacked).
    pub const fn stops(self) -> bool {
        matches!(self, Tie::Stop | Tie::Continue)
    }
}

/// Whether an accidental is drawn on a note.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AccidentalDisplay {
    /// The engraver decides (drawn when the key signature and measure context need it).
    #[default]
    Auto,
    /// Explicitly drawn (e.g. a MusicXML `<accidental>` element).
    Shown,
    /// A courtesy (cautionary) accidental, drawn on purpose even if redundant.
    Cautionary,
    /// Explicitly suppressed.
    Hidden,
}

/// A single pitched note (alone, or one member of a chord).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Note {
    /// Written pitch.
    pub pitch: Pitch,
    /// Tie state.
    pub tie: Tie,
    /// Accidental display.
    pub accidental: AccidentalDisplay,
}

impl Note {
    /// An untied note with an automatic accidental.
    pub const fn new(pitch: Pitch) -> Note {
        Note { pitch, tie: Tie::None, accidental: AccidentalDisplay::Auto }
    }
}

/// What an event is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// A rest.
    Rest,
    /// One note.
    Note(Note),
    /// Several notes struck together (lowest first is conventional but not required).
    Chord(Vec<Note>),
}

/// Articulation marks, as a small bit set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Articulations(u16);

impl Articulations {
    /// No articulation.
    pub const NONE: Articulations = Articulations(0);
    /// Staccato dot.
    pub const STACCATO: Articulations = Articulations(1);
    /// Staccatissimo wedge.
    pub const STACCATISSIMO: Articulations = Articulations(1 << 1);
    /// Accent (>).
    pub const ACCENT: Articulations = Articulations(1 << 2);
    /// Marcato (^).
    pub const MARCATO: Articulations = Articulations(1 << 3);
    /// Tenuto line.
    pub const TENUTO: Articulations = Articulations(1 << 4);
    /// Fermata.
    pub const FERMATA: Articulations = Articulations(1 << 5);
    /// Breath mark after the note.
    pub const BREATH_MARK: Articulations = Articulations(1 << 6);
    /// Trill.
    pub const TRILL: Articulations = Articulations(1 << 7);
    /// Mordent.
    pub const MORDENT: Articulations = Articulations(1 << 8);
    /// Turn.
    pub const TURN: Articulations = Articulations(1 << 9);
    /// Tremolo.
    pub const TREMOLO: Articulations = Articulations(1 << 10);
    /// Slur start.
    pub const SLUR_START: Articulations = Articulations(1 << 11);
    /// Slur end.
    pub const SLUR_END: Articulations = Articulations(1 << 12);
    /// A crescendo hairpin starts at this event.
    pub const CRESCENDO_START: Articulations = Articulations(1 << 13);
    /// A diminuendo hairpin starts at this event.
    pub const DIMINUENDO_START: Articulations = Articulations(1 << 14);
    /// A hairpin (crescendo or diminuendo) ends at this event.
    pub const HAIRPIN_END: Articulations = Articulations(1 << 15);

    const NAMES: [&'static str; 16] = [
        "staccato",
        "staccatissimo",
        "accent",
        "marcato",
        "tenuto",
        "fermata",
        "breath-mark",
        "trill",
        "mordent",
        "turn",
        "tremolo",
        "slur-start",
        "slur-end",
        "crescendo-start",
        "diminuendo-start",
        "hairpin-end",
    ];

    /// True if every mark of `other` is present.
    pub const fn contains(self, other: Articulations) -> bool {
        self.0 & other.0 == other.0
    }

    /// Both sets together.
    pub const fn union(self, other: Articulations) -> Articulations {
        Articulations(self.0 | other.0)
    }

    /// True if empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The raw bits.
    pub const fn bits(self) -> u16 {
        self.0
    }

    /// Names of the marks present (`"staccato"`, `"accent"`, ...).
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        Self::NAMES.into_iter().enumerate().filter(move |(i, _)| self.0 & (1 << i) != 0).map(|(_, n)| n)
    }

    /// The mark with a given name.
    pub fn from_name(name: &str) -> Option<Articulations> {
        Self::NAMES.iter().position(|n| *n == name).map(|i| Articulations(1 << i))
    }
}

impl std::ops::BitOr for Articulations {
    type Output = Articulations;
    fn bitor(self, rhs: Articulations) -> Articulations {
        self.union(rhs)
    }
}

/// Dynamic marks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Dynamic {
    Pppp,
    Ppp,
    Pp,
    P,
    Mp,
    Mf,
    F,
    Ff,
    Fff,
    Ffff,
    Sf,
    Sfz,
    Sffz,
    Sfp,
    Fp,
    Fz,
    Rf,
    Rfz,
    Niente,
}

impl Dynamic {
    /// All dynamics.
    pub const ALL: [Dynamic; 19] = [
        Dynamic::Pppp,
        Dynamic::Ppp,
        Dynamic::Pp,
        Dynamic::P,
        Dynamic::Mp,
        Dynamic::Mf,
        Dynamic::F,
        Dynamic::Ff,
        Dynamic::Fff,
        Dynamic::Ffff,
        Dynamic::Sf,
        Dynamic::Sfz,
        Dynamic::Sffz,
        Dynamic::Sfp,
        Dynamic::Fp,
        Dynamic::Fz,
        Dynamic::Rf,
        Dynamic::Rfz,
        Dynamic::Niente,
    ];

    /// The mark as written (`"mf"`, `"sfz"`, `"n"`).
    pub const fn symbol(self) -> &'static str {
        match self {
            Dynamic::Pppp => "pppp",
            Dynamic::Ppp => "ppp",
            Dynamic::Pp => "pp",
            Dynamic::P => "p",
            Dynamic::Mp => "mp",
            Dynamic::Mf => "mf",
            Dynamic::F => "f",
            Dynamic::Ff => "ff",
            Dynamic::Fff => "fff",
            Dynamic::Ffff => "ffff",
            Dynamic::Sf => "sf",
            Dynamic::Sfz => "sfz",
            Dynamic::Sffz => "sffz",
            Dynamic::Sfp => "sfp",
            Dynamic::Fp => "fp",
            Dynamic::Fz => "fz",
            Dynamic::Rf => "rf",
            Dynamic::Rfz => "rfz",
            Dynamic::Niente => "n",
        }
    }

    /// Parse a written mark.
    pub fn from_symbol(s: &str) -> Option<Dynamic> {
        Dynamic::ALL.into_iter().find(|d| d.symbol() == s)
    }

    /// A MIDI velocity for playback (the usual 16-step ladder).
    pub const fn velocity(self) -> u8 {
        match self {
            Dynamic::Niente => 0,
            Dynamic::Pppp => 8,
            Dynamic::Ppp => 20,
            Dynamic::Pp => 33,
            Dynamic::P => 49,
            Dynamic::Mp => 64,
            Dynamic::Mf => 80,
            Dynamic::F | Dynamic::Fp => 96,
            Dynamic::Ff | Dynamic::Sf | Dynamic::Sfp | Dynamic::Fz | Dynamic::Rf => 112,
            Dynamic::Fff | Dynamic::Sfz | Dynamic::Rfz => 120,
            Dynamic::Ffff | Dynamic::Sffz => 127,
        }
    }
}

/// Position of a lyric syllable in its word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Syllabic {
    /// A whole word.
    #[default]
    Single,
    /// First syllable (followed by a hyphen).
    Begin,
    /// Middle syllable.
    Middle,
    /// Last syllable.
    End,
}

/// One lyric syllable under a note.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Lyric {
    /// Verse number (1-based).
    pub verse: u8,
    /// The text.
    pub text: String,
    /// Place in the word.
    pub syllabic: Syllabic,
}

/// Grace-note kinds. Grace notes take no time in the measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Grace {
    /// Slashed, played before the beat ("crushed").
    Acciaccatura,
    /// Unslashed, takes time from the main note.
    Appoggiatura,
}

/// Membership of an event in a tuplet group.
///
/// All events of a group carry a mark with the same `group` number (unique within its voice and
/// measure); the sounding durations of the group's events must add up to `span`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TupletMark {
    /// Group number, unique within the voice and measure.
    pub group: u32,
    /// The ratio (3:2 for a triplet).
    pub ratio: TupletRatio,
    /// The total sounding length the group must fill (1/4 for three triplet eighths).
    pub span: Rational,
}

/// A change of chord symbol during an event (see [`Event::chord_changes`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChordChange {
    /// When, counted from the event's onset, in whole notes: zero or more, and less than the
    /// event's duration. Zero also when the file did not say when the harmony changes
    /// (several MusicXML `<harmony>` elements before one note without `<offset>`: the change
    /// comes during the note, at a moment left to the player).
    pub offset: Rational,
    /// The chord symbol from then on.
    pub symbol: ChordSymbol,
}

/// One event of a voice.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Event {
    /// Stable identity.
    pub id: EventId,
    /// Onset from the start of the measure, in whole notes. Grace notes share the onset of the
    /// note they ornament.
    pub onset: Rational,
    /// Sounding duration in whole notes (tuplets applied). For grace notes, the written value.
    pub duration: Rational,
    /// Rest, note or chord.
    pub kind: EventKind,
    /// Staff of the part the event is on (0-based; piano right hand 0, left hand 1).
    pub staff: u8,
    /// Tuplet groups, outermost first (empty if not in a tuplet).
    pub tuplets: Vec<TupletMark>,
    /// Grace note kind, if a grace note.
    pub grace: Option<Grace>,
    /// Articulations.
    pub articulations: Articulations,
    /// Dynamic mark at this event.
    pub dynamic: Option<Dynamic>,
    /// Lyric syllables.
    pub lyrics: Vec<Lyric>,
    /// Chord symbol written at this event's onset.
    pub chord_symbol: Option<ChordSymbol>,
    /// Chord symbols that take over during the event, after [`Event::chord_symbol`], in order
    /// (a lead sheet's whole note under two chords). Usually empty.
    pub chord_changes: Vec<ChordChange>,
    /// A cue note or rest: printed small as a guide to another part, not played.
    pub cue: bool,
}

impl Event {
    /// A plain event at `onset` lasting `duration`.
    pub fn new(id: EventId, onset: Rational, duration: Rational, kind: EventKind) -> Event {
        Event {
            id,
            onset,
            duration,
            kind,
            staff: 0,
            tuplets: Vec::new(),
            grace: None,
            articulations: Articulations::NONE,
            dynamic: None,
            lyrics: Vec::new(),
            chord_symbol: None,
            chord_changes: Vec::new(),
            cue: false,
        }
    }

    /// The notes of the event (empty for a rest).
    pub fn notes(&self) -> &[Note] {
        match &self.kind {
            EventKind::Rest => &[],
            EventKind::Note(n) => std::slice::from_ref(n),
            EventKind::Chord(ns) => ns,
        }
    }

    /// True for rests.
    pub fn is_rest(&self) -> bool {
        matches!(self.kind, EventKind::Rest)
    }

    /// True for grace notes (they take no time).
    pub fn is_grace(&self) -> bool {
        self.grace.is_some()
    }

    /// The time the event takes in the measure (zero for grace notes).
    pub fn time_taken(&self) -> Rational {
        if self.is_grace() { Rational::ZERO } else { self.duration }
    }

    /// Onset plus time taken.
    pub fn end(&self) -> Rational {
        self.onset + self.time_taken()
    }

    /// The highest note by sound, if any.
    pub fn top_note(&self) -> Option<&Note> {
        self.notes().iter().max_by_key(|n| (n.pitch.midi(), n.pitch.diatonic_index()))
    }
}
