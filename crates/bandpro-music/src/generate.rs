//! Deterministic generated scores for benchmarks and property tests.
//!
//! [`band_score`] writes a plausible concert-band-and-orchestra score: a chord progression per
//! measure, melodic lines that walk the scale within each instrument's practical range and lean
//! on chord tones on the beats, a piano part with block chords and chord symbols, key changes,
//! ties, triplets, the odd chromatic note and courtesy or redundant accidental. With 40 parts
//! and 500 measures it holds about 150,000 notes. The same seed always gives the same score.
//!
//! ```
//! use bandpro_music::{generate, ScoreView};
//! let s = generate::band_score(8, 16, 7);
//! assert_eq!((s.part_count(), s.measure_count()), (8, 16));
//! assert_eq!(s, generate::band_score(8, 16, 7));
//! ```

use crate::chord_symbol::{ChordQuality, ChordSymbol};
use crate::duration::TupletRatio;
use crate::event::{AccidentalDisplay, Event, EventKind, Note, Tie, TupletMark};
use crate::instrument;
use crate::key::Key;
use crate::meter::TimeSignature;
use crate::pitch::{Pitch, Step};
use crate::rational::Rational;
use crate::score_model::SimpleScore;
use crate::view::{PartInfo, ScoreView};

/// A tiny xorshift64* generator (no `rand` dependency; quality is ample for test data).
#[derive(Debug, Clone)]
pub struct XorShift(u64);

impl XorShift {
    /// A generator from a seed (any value, zero included).
    pub fn new(seed: u64) -> XorShift {
        XorShift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const BAND: [&str; 40] = [
    "piccolo",
    "flute",
    "flute",
    "oboe",
    "bassoon",
    "eb-clarinet",
    "clarinet",
    "clarinet",
    "clarinet",
    "bass-clarinet",
    "alto-sax",
    "alto-sax",
    "tenor-sax",
    "baritone-sax",
    "trumpet",
    "trumpet",
    "trumpet",
    "horn",
    "horn",
    "horn",
    "horn",
    "trombone",
    "trombone",
    "bass-trombone",
    "euphonium",
    "tuba",
    "timpani",
    "marimba",
    "glockenspiel",
    "piano",
    "violin",
    "violin",
    "viola",
    "cello",
    "double-bass",
    "soprano",
    "alto",
    "tenor",
    "bass",
    "guitar",
];

const KEYS: [i32; 5] = [-2, -3, -1, 0, -4];

/// Scale degrees (0-based) of the chord roots of the progression, and whether a seventh is added.
const PROGRESSION: [(i32, bool); 8] =
    [(0, false), (5, false), (3, false), (4, true), (0, false), (1, true), (4, true), (0, false)];

struct Line {
    part: usize,
    diatonic: i32,
    low: i32,
    high: i32,
}

/// A generated score with `parts` parts and `measures` measures of 4/4, deterministic in `seed`.
pub fn band_score(parts: usize, measures: usize, seed: u64) -> SimpleScore {
    let mut rng = XorShift::new(seed);
    let infos: Vec<PartInfo> = (0..parts)
        .map(|i| {
            let ins = instrument::by_id(BAND[i % BAND.len()]).expect("table instrument");
            PartInfo::new(format!("{} {}", ins.name, i + 1), ins)
        })
        .collect();
    let first_key = Key::from_fifths(KEYS[0], crate::key::Mode::Major).expect("valid key");
    let mut score = SimpleScore::new(infos, measures, TimeSignature::COMMON, first_key);
    for (i, fifths) in KEYS.iter().enumerate().skip(1) {
        let at = i * 50;
        if at < measures {
            score.set_key_from(at, Key::from_fifths(*fifths, crate::key::Mode::Major).expect("valid key"));
        }
    }
    let mut lines: Vec<Line> = (0..parts)
        .map(|p| {
            let r = score.part(p).practical_range.expect("pitched instruments only in the band list");
            let (low, high) = (r.low.diatonic_index(), r.high.diatonic_index());
            Line { part: p, diatonic: (low + high) / 2, low, high }
        })
        .collect();
    let piano = BAND.iter().position(|&b| b == "piano").filter(|&p| p < parts);
    for m in 0..measures {
        let key = score.measure(m).key;
        let (degree, seventh) = PROGRESSION[m % PROGRESSION.len()];
        let scale = key.scale();
        let chord_steps: Vec<Step> =
            (0..if seventh { 4 } else { 3 }).map(|k| scale[((degree + 2 * k) % 7) as usize].step).collect();
        for line in lines.iter_mut() {
            let p = line.part;
            if Some(p) == piano {
                piano_measure(&mut score, &mut rng, p, m, key, degree, seventh);
                continue;
            }
            voice_measure(&mut score, &mut rng, line, m, key, &chord_steps);
        }
    }
    score
}

fn sounding_pitch(key: Key, diatonic: i32) -> Pitch {
    let step = Step::from_index(diatonic);
    Pitch { step, alter: key.signature_alter(step), octave: diatonic.div_euclid(7) as i8 }
}

fn voice_measure(
    score: &mut SimpleScore,
    rng: &mut XorShift,
    line: &mut Line,
    m: usize,
    key: Key,
    chord: &[Step],
) {
    let p = line.part;
    let transposition = score.part(p).transposition;
    if rng.chance(8) {
        let id = score.next_event_id();
        let ev = Event::new(id, Rational::ZERO, Rational::ONE, EventKind::Rest);
        score.push_event(p, m, 0, ev).expect("indices in range");
        return;
    }
    // Tied over from the previous measure?
    let tied_from = if m > 0 {
        score.events(p, m - 1, 0).last().and_then(|e| e.notes().first().copied()).filter(|n| n.tie.starts())
    } else {
        None
    };
    let mut beat = 0;
    let mut group = 0u32;
    while beat < 4 {
        let roll = rng.below(100);
        let (durations, tuplet): (&[i64], bool) = match roll {
            _ if beat % 2 == 0 && roll < 10 => (&[2], false),
            0..=39 => (&[4], false),
            40..=74 => (&[8, 8], false),
            75..=84 => (&[8, 16, 16], false),
            85..=89 => (&[16, 16, 16, 16], false),
            _ => (&[8, 8, 8], true),
        };
        let beats_taken = if durations == [2] { 2 } else { 1 };
        if tuplet {
            group += 1;
        }
        for (k, &d) in durations.iter().enumerate() {
            let first_of_measure = beat == 0 && k == 0;
            let written_value = Rational::new(1, d);
            let duration = if tuplet { written_value * Rational::new(2, 3) } else { written_value };
            let on_beat = k == 0;
            let id = score.next_event_id();
            let mut note;
            if let (true, Some(prev)) = (first_of_measure, tied_from) {
                note = Note { pitch: prev.pitch, tie: Tie::Stop, accidental: AccidentalDisplay::Auto };
            } else {
                // Walk the scale; lean on chord tones on the beat.
                let step: i32 = match rng.below(10) {
                    0..=2 => 1,
                    3..=5 => -1,
                    6 => 2,
                    7 => -2,
                    8 => 0,
                    _ => (rng.below(9) as i32) - 4,
                };
                let mut d = line.diatonic + step;
                if on_beat && rng.chance(70) {
                    for off in [0, 1, -1, 2, -2, 3, -3] {
                        if chord.contains(&Step::from_index(d + off)) {
                            d += off;
                            break;
                        }
                    }
                }
                if d < line.low + 1 {
                    d = line.low + 2;
                }
                if d > line.high - 1 {
                    d = line.high - 2;
                }
                line.diatonic = d;
                let mut sounding = sounding_pitch(key, d);
                let mut accidental = AccidentalDisplay::Auto;
                if rng.chance(4) {
                    sounding.alter += if rng.chance(50) { 1 } else { -1 };
                    sounding.alter = sounding.alter.clamp(-2, 2);
                    if rng.chance(50) {
                        accidental = AccidentalDisplay::Shown;
                    }
                } else if rng.chance(1) {
                    accidental = AccidentalDisplay::Shown;
                }
                let written = sounding.transpose(-transposition).unwrap_or(sounding);
                note = Note { pitch: written, tie: Tie::None, accidental };
            }
            let last_of_measure = beat + beats_taken >= 4 && k + 1 == durations.len();
            if last_of_measure && !tuplet && rng.chance(4) {
                note.tie = if note.tie == Tie::Stop { Tie::Continue } else { Tie::Start };
            }
            let mut ev = Event::new(id, Rational::ZERO, duration, EventKind::Note(note));
            if tuplet {
                ev.tuplets.push(TupletMark {
                    group,
                    ratio: TupletRatio { actual: 3, normal: 2 },
                    span: Rational::new(1, 4),
                });
            }
            score.push_event(p, m, 0, ev).expect("indices in range");
        }
        beat += beats_taken;
    }
}

fn piano_measure(
    score: &mut SimpleScore,
    rng: &mut XorShift,
    p: usize,
    m: usize,
    key: Key,
    degree: i32,
    seventh: bool,
) {
    let scale = key.scale();
    let root = scale[degree as usize];
    let tones: Vec<Pitch> = (0..if seventh { 4 } else { 3 })
        .map(|k| {
            let d = 28 + degree + 2 * k; // from C4
            let step = Step::from_index(d);
            Pitch { step, alter: key.signature_alter(step), octave: d.div_euclid(7) as i8 }
        })
        .collect();
    let third = scale[((degree + 2) % 7) as usize];
    let minor = (third.pitch_class() as i32 - root.pitch_class() as i32).rem_euclid(12) == 3;
    let quality = match (minor, seventh) {
        (false, false) => ChordQuality::Major,
        (true, false) => ChordQuality::Minor,
        (false, true) => ChordQuality::Dominant7,
        (true, true) => ChordQuality::Minor7,
    };
    for beat in 0..4 {
        let id = score.next_event_id();
        let notes: Vec<Note> = tones.iter().map(|&pitch| Note::new(pitch)).collect();
        let mut ev = Event::new(id, Rational::ZERO, Rational::new(1, 4), EventKind::Chord(notes));
        if beat == 0 || (beat == 2 && rng.chance(30)) {
            ev.chord_symbol = Some(ChordSymbol::new(root, quality));
        }
        score.push_event(p, m, 0, ev).expect("indices in range");
    }
    // Left hand: the root in the bass, as a second voice on the lower staff.
    let id = score.next_event_id();
    let bass = Pitch { step: root.step, alter: root.alter, octave: 2 };
    let mut ev = Event::new(id, Rational::ZERO, Rational::ONE, EventKind::Note(Note::new(bass)));
    ev.staff = 1;
    score.push_event(p, m, 1, ev).expect("indices in range");
}
