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

/// The band, in score order, with the line each part plays (0 melody, 1 alto, 2 tenor, 3
/// bass, 4 piano chords).
const BAND: [(&str, usize); 40] = [
    ("piccolo", 0),
    ("flute", 0),
    ("flute", 1),
    ("oboe", 0),
    ("bassoon", 3),
    ("eb-clarinet", 0),
    ("clarinet", 0),
    ("clarinet", 1),
    ("clarinet", 2),
    ("bass-clarinet", 3),
    ("alto-sax", 1),
    ("alto-sax", 2),
    ("tenor-sax", 2),
    ("baritone-sax", 3),
    ("trumpet", 0),
    ("trumpet", 1),
    ("trumpet", 2),
    ("horn", 1),
    ("horn", 2),
    ("horn", 1),
    ("horn", 2),
    ("trombone", 2),
    ("trombone", 3),
    ("bass-trombone", 3),
    ("euphonium", 2),
    ("tuba", 3),
    ("timpani", 3),
    ("marimba", 0),
    ("glockenspiel", 0),
    ("piano", 4),
    ("violin", 0),
    ("violin", 1),
    ("viola", 2),
    ("cello", 3),
    ("double-bass", 3),
    ("soprano", 0),
    ("alto", 1),
    ("tenor", 2),
    ("bass", 3),
    ("guitar", 1),
];

const KEYS: [i32; 5] = [-2, -3, -1, 0, -4];

/// Scale degrees (0-based) of the chord roots of the progression, and whether a seventh is added.
const PROGRESSION: [(i32, bool); 8] =
    [(0, false), (5, false), (3, false), (4, true), (0, false), (1, true), (4, true), (0, false)];

/// One note of a line: written value, sounding diatonic position (`None` = rest), chromatic
/// alteration from the key, tuplet group, tie to the next note.
#[derive(Clone, Copy)]
struct LineNote {
    value: Rational,
    diatonic: Option<i32>,
    chromatic: i8,
    tuplet: u32,
    tie: bool,
}

/// The four lines of the texture, walked measure by measure.
struct Lines {
    pos: [i32; 4],
    /// The chromatic alteration of each line's last note, if it is tied into the next measure.
    tied: [Option<i8>; 4],
    /// Diatonic ranges (C4 = 28) of melody, alto, tenor and bass.
    range: [(i32, i32); 4],
}

impl Lines {
    fn new() -> Lines {
        Lines { pos: [32, 29, 24, 17], tied: [None; 4], range: [(28, 39), (25, 33), (21, 29), (14, 24)] }
    }

    /// One measure of line `line` over a chord with the given steps.
    fn measure(&mut self, rng: &mut XorShift, line: usize, chord: &[Step], out: &mut Vec<LineNote>) {
        out.clear();
        let (low, high) = self.range[line];
        let mut beat = 0;
        let mut group = 0;
        while beat < 4 {
            let roll = rng.below(100);
            let pattern: (&[i64], bool) = match line {
                0 => match roll {
                    _ if beat % 2 == 0 && roll < 8 => (&[2], false),
                    0..=24 => (&[4], false),
                    25..=69 => (&[8, 8], false),
                    70..=84 => (&[8, 16, 16], false),
                    85..=92 => (&[16, 16, 16, 16], false),
                    _ => (&[8, 8, 8], true),
                },
                3 => match roll {
                    _ if beat % 2 == 0 && roll < 10 => (&[2], false),
                    0..=34 => (&[4], false),
                    _ => (&[8, 8], false),
                },
                _ => match roll {
                    _ if beat % 2 == 0 && roll < 8 => (&[2], false),
                    0..=24 => (&[4], false),
                    25..=84 => (&[8, 8], false),
                    _ => (&[8, 16, 16], false),
                },
            };
            let (values, tuplet) = pattern;
            if tuplet {
                group += 1;
            }
            for (k, &d) in values.iter().enumerate() {
                if let Some(chromatic) = self.tied[line].take() {
                    // The tied note continues: same pitch.
                    out.push(LineNote {
                        value: Rational::new(1, d),
                        diatonic: Some(self.pos[line]),
                        chromatic,
                        tuplet: if tuplet { group } else { 0 },
                        tie: false,
                    });
                    continue;
                }
                let on_beat = k == 0;
                let step: i32 = match rng.below(10) {
                    0..=2 => 1,
                    3..=5 => -1,
                    6 => 2,
                    7 => -2,
                    8 => 0,
                    _ => (rng.below(7) as i32) - 3,
                };
                let mut pos = self.pos[line] + step;
                if on_beat || line != 0 {
                    for off in [0, 1, -1, 2, -2, 3, -3] {
                        if chord.contains(&Step::from_index(pos + off)) {
                            pos += off;
                            break;
                        }
                    }
                }
                if pos < low {
                    pos += 7;
                }
                if pos > high {
                    pos -= 7;
                }
                self.pos[line] = pos;
                let chromatic = if rng.chance(3) { if rng.chance(50) { 1 } else { -1 } } else { 0 };
                let rest = line != 0 && rng.chance(3);
                out.push(LineNote {
                    value: Rational::new(1, d),
                    diatonic: (!rest).then_some(pos),
                    chromatic,
                    tuplet: if tuplet { group } else { 0 },
                    tie: false,
                });
            }
            beat += if values == [2] { 2 } else { 1 };
        }
        if let Some(last) = out.last_mut()
            && last.tuplet == 0
            && last.diatonic.is_some()
            && rng.chance(4)
        {
            last.tie = true;
            self.tied[line] = Some(last.chromatic);
        }
    }
}

/// A generated score with `parts` parts and `measures` measures of 4/4, deterministic in `seed`.
///
/// Parts play four lines (melody, alto, tenor, bass) in octave doublings fitted to their
/// ranges, plus a piano with chords and chord symbols, as a band arrangement would.
pub fn band_score(parts: usize, measures: usize, seed: u64) -> SimpleScore {
    let mut rng = XorShift::new(seed);
    let infos: Vec<PartInfo> = (0..parts)
        .map(|i| {
            let ins = instrument::by_id(BAND[i % BAND.len()].0).expect("table instrument");
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
    let mut lines = Lines::new();
    // Octave shift of each part's line, chosen to centre the line in the practical range.
    let shifts: Vec<i32> = (0..parts)
        .map(|p| {
            let line = BAND[p % BAND.len()].1.min(3);
            let r = score.part(p).practical_range.expect("pitched instruments only in the band list");
            let centre = (r.low.diatonic_index() + r.high.diatonic_index()) / 2;
            let (lo, hi) = lines.range[line];
            ((centre - (lo + hi) / 2) as f64 / 7.0).round() as i32 * 7
        })
        .collect();
    let mut bufs: [Vec<LineNote>; 4] = Default::default();
    for m in 0..measures {
        let key = score.measure(m).key;
        let (degree, seventh) = PROGRESSION[m % PROGRESSION.len()];
        let scale = key.scale();
        let chord_steps: Vec<Step> =
            (0..if seventh { 4 } else { 3 }).map(|k| scale[((degree + 2 * k) % 7) as usize].step).collect();
        for (line, buf) in bufs.iter_mut().enumerate() {
            lines.measure(&mut rng, line, &chord_steps, buf);
        }
        for p in 0..parts {
            let line = BAND[p % BAND.len()].1;
            if line == 4 {
                piano_measure(&mut score, &mut rng, p, m, key, degree, seventh);
                continue;
            }
            if rng.chance(3) {
                let id = score.next_event_id();
                score
                    .push_event(p, m, 0, Event::new(id, Rational::ZERO, Rational::ONE, EventKind::Rest))
                    .expect("in range");
                continue;
            }
            part_measure(&mut score, &mut rng, p, m, key, &bufs[line], shifts[p]);
        }
    }
    score.compact();
    score
}

fn sounding_pitch(key: Key, diatonic: i32) -> Pitch {
    let step = Step::from_index(diatonic);
    Pitch { step, alter: key.signature_alter(step), octave: diatonic.div_euclid(7) as i8 }
}

fn part_measure(
    score: &mut SimpleScore,
    rng: &mut XorShift,
    p: usize,
    m: usize,
    key: Key,
    line: &[LineNote],
    shift: i32,
) {
    let info = score.part(p);
    let transposition = score.transposition(p, m);
    let range = info.practical_range.expect("pitched");
    let tied_from: Vec<Pitch> = if m > 0 && score.voice_count(p, m - 1) > 0 {
        score
            .events(p, m - 1, 0)
            .last()
            .map(|e| e.notes().iter().filter(|n| n.tie.starts()).map(|n| n.pitch).collect())
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    for (k, ln) in line.iter().enumerate() {
        let duration = if ln.tuplet > 0 { ln.value * Rational::new(2, 3) } else { ln.value };
        let id = score.next_event_id();
        let kind = match ln.diatonic {
            None => EventKind::Rest,
            Some(d) => {
                let mut sounding = sounding_pitch(key, d + shift);
                while sounding.midi() > range.high.midi() {
                    sounding.octave -= 1;
                }
                while sounding.midi() < range.low.midi() {
                    sounding.octave += 1;
                }
                sounding.alter = (sounding.alter + ln.chromatic).clamp(-2, 2);
                let written = sounding.transpose(-transposition).unwrap_or(sounding);
                let accidental = if ln.chromatic != 0 || rng.chance(1) {
                    if rng.chance(50) { AccidentalDisplay::Shown } else { AccidentalDisplay::Auto }
                } else {
                    AccidentalDisplay::Auto
                };
                let stop = k == 0 && tied_from.contains(&written);
                let tie = match (stop, ln.tie) {
                    (true, true) => Tie::Continue,
                    (true, false) => Tie::Stop,
                    (false, true) => Tie::Start,
                    (false, false) => Tie::None,
                };
                EventKind::Note(Note { pitch: written, tie, accidental })
            }
        };
        let mut ev = Event::new(id, Rational::ZERO, duration, kind);
        if ln.tuplet > 0 {
            ev.tuplets.push(TupletMark {
                group: ln.tuplet,
                ratio: TupletRatio { actual: 3, normal: 2 },
                span: Rational::new(1, 4),
            });
        }
        score.push_event(p, m, 0, ev).expect("indices in range");
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
