//! Chord recognition: root, quality, inversion, lead-sheet symbol and figured bass of a set of
//! simultaneous pitches.
//!
//! Recognition first matches pitch classes against every quality's template at every root (a
//! 4096-entry table built once), then prefers, in order: fewer omitted members, a reading that
//! agrees with the notes' spelling, the bass as root, and the plainer quality. So C-F-G over C is
//! `Csus4` (not a "quartal trichord"), C-E-G-A over C is `C6` but over A is `Am7`, and a
//! diminished seventh takes its root from its spelling.
//!
//! ```
//! use bandpro_music::chord::identify;
//! use bandpro_music::Pitch;
//! let p = |s: &str| s.parse::<Pitch>().unwrap();
//! let c = identify(&[p("B3"), p("D4"), p("F4"), p("G4")]).unwrap();
//! assert_eq!(c.symbol().to_string(), "G7/B");
//! assert_eq!(c.figured_bass(), "6/5");
//! assert_eq!(identify(&[p("C4"), p("F4"), p("G4")]).unwrap().symbol().to_string(), "Csus4");
//! ```

use std::sync::OnceLock;

use crate::chord_symbol::{ChordQuality, ChordSymbol, Member};
use crate::interval::Interval;
use crate::pitch::{Pitch, PitchName};

/// One reading of a pitch-class set: a root and a quality.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    /// Root pitch class.
    pub root: u8,
    /// Quality.
    pub quality: ChordQuality,
    /// Optional members left out.
    pub omitted: u8,
}

fn rotate(mask: u16, by: u8) -> u16 {
    let by = by % 12;
    ((mask << by) | (mask >> ((12 - by) % 12))) & 0xfff
}

fn table() -> &'static [Vec<Candidate>] {
    static TABLE: OnceLock<Vec<Vec<Candidate>>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t: Vec<Vec<Candidate>> = vec![Vec::new(); 4096];
        for &q in ChordQuality::ALL.iter().filter(|q| q.recognised()) {
            let members = q.members();
            let required: u16 = members.iter().filter(|m| !m.optional).fold(0, |a, m| a | 1 << m.semitones);
            let optional: Vec<&Member> = members.iter().filter(|m| m.optional).collect();
            for omit in 0u32..(1 << optional.len()) {
                let mut mask = required;
                for (i, m) in optional.iter().enumerate() {
                    if omit & (1 << i) == 0 {
                        mask |= 1 << m.semitones;
                    }
                }
                if mask.count_ones() < 2 {
                    continue;
                }
                for root in 0..12u8 {
                    t[rotate(mask, root) as usize].push(Candidate {
                        root,
                        quality: q,
                        omitted: omit.count_ones() as u8,
                    });
                }
            }
        }
        for c in &mut t {
            c.sort_by_key(|c| (c.omitted, c.quality));
            c.dedup_by_key(|c| (c.root, c.quality));
        }
        t
    })
}

/// All readings of a pitch-class mask (bit `pc` set for each pitch class), best first by
/// (omitted members, quality order). Empty if no template fits.
pub fn candidates(mask: u16) -> &'static [Candidate] {
    &table()[(mask & 0xfff) as usize]
}

/// Fast recognition from pitch classes alone: the best reading, preferring `bass` as root among
/// equally complete readings. Used by validation on every sonority.
pub fn identify_mask(mask: u16, bass: u8) -> Option<Candidate> {
    let cands = candidates(mask);
    let first = cands.first()?;
    cands.iter().take_while(|c| c.omitted == first.omitted).find(|c| c.root == bass).or(Some(first)).copied()
}

/// A recognised chord.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chord {
    /// The root, spelled as in the notes.
    pub root: PitchName,
    /// The quality.
    pub quality: ChordQuality,
    /// The lowest note's name.
    pub bass: PitchName,
    /// The chord member in the bass (1 root, 3 third, 5 fifth, 7 seventh, 9, 11, 13; 2/4/6 for
    /// sus and sixth chords).
    pub bass_member: u8,
    /// True if every note is spelled as the quality's template says (C-E-G, not C-Fb-G).
    pub spelled_consistently: bool,
    /// Pitch classes present, as semitones above the root (bit `i` = `i` semitones).
    pub present: u16,
}

impl Chord {
    /// 0 for root position, 1 for the third in the bass, 2 for the fifth, 3 for the seventh
    /// (or the sixth of a sixth chord), 4+ for upper extensions, 1 for the second/fourth of a
    /// suspended chord.
    pub fn inversion(&self) -> u8 {
        match self.bass_member {
            1 => 0,
            2..=4 => 1,
            5 => 2,
            6 | 7 => 3,
            9 => 4,
            11 => 5,
            _ => 6,
        }
    }

    /// The lead-sheet symbol ("G7/B").
    pub fn symbol(&self) -> ChordSymbol {
        ChordSymbol::new(self.root, self.quality).with_bass((self.bass != self.root).then_some(self.bass))
    }

    /// Names of the members present, root first, spelled from the root by the template.
    pub fn member_names(&self) -> Vec<PitchName> {
        self.quality
            .members()
            .iter()
            .filter(|m| self.present & (1 << m.semitones) != 0)
            .filter_map(|m| {
                self.root.transpose(Interval::from_parts(m.steps as i32, m.semitones as i32)).ok()
            })
            .collect()
    }

    /// A musician's name: "G dominant seventh, first inversion".
    pub fn name(&self) -> String {
        let inv = match self.inversion() {
            0 => String::new(),
            1 => ", first inversion".into(),
            2 => ", second inversion".into(),
            3 => ", third inversion".into(),
            _ => format!(", {} in the bass", self.bass),
        };
        format!("{} {}{inv}", self.root, self.quality.name())
    }

    /// Figured bass of the inversion, as figures above the bass separated by slashes: "" for a
    /// root-position triad, "6", "6/4", "7", "6/5", "4/3", "4/2", or the full stack for other
    /// chords ("9/7/5/3").
    pub fn figured_bass(&self) -> String {
        let figs = self.figure_set();
        abbreviate(&figs)
            .map(|s| s.replace("", "/").trim_matches('/').to_string())
            .unwrap_or_else(|| figs.iter().rev().map(|f| f.to_string()).collect::<Vec<_>>().join("/"))
    }

    /// Figures in the compact form roman numerals use: "", "6", "64", "7", "65", "43", "42".
    pub fn figures(&self) -> String {
        let figs = self.figure_set();
        abbreviate(&figs)
            .map(str::to_string)
            .unwrap_or_else(|| figs.iter().rev().map(|f| f.to_string()).collect::<Vec<_>>().join(""))
    }

    /// Generic intervals above the bass of each member (2..=7, and 9 for a ninth above a root-position bass).
    fn figure_set(&self) -> Vec<u8> {
        let bass_steps = self
            .quality
            .members()
            .iter()
            .find(|m| m.degree == self.bass_member)
            .map_or(0, |m| m.steps as i32);
        let mut figs: Vec<u8> = self
            .quality
            .members()
            .iter()
            .filter(|m| self.present & (1 << m.semitones) != 0 && m.degree != self.bass_member)
            .map(|m| {
                let g = (m.steps as i32 - bass_steps).rem_euclid(7) as u8 + 1;
                // A ninth above a root in the bass stays a 9, not a 2.
                if g == 2 && self.bass_member == 1 && m.degree == 9 { 9 } else { g }
            })
            .filter(|&g| g != 1)
            .collect();
        figs.sort_unstable();
        figs.dedup();
        figs
    }
}

fn abbreviate(figs: &[u8]) -> Option<&'static str> {
    Some(match figs {
        [3, 5] | [3] | [5] => "",
        [3, 6] | [6] => "6",
        [4, 6] => "64",
        [3, 5, 7] | [3, 7] | [5, 7] => "7",
        [3, 5, 6] | [5, 6] => "65",
        [3, 4, 6] | [3, 4] => "43",
        [2, 4, 6] | [2, 4] | [2] => "42",
        _ => return None,
    })
}

/// True if every pitch is spelled as the template says for this root spelling.
fn spelling_matches(root: PitchName, quality: ChordQuality, pitches: &[Pitch]) -> bool {
    let rpc = root.pitch_class() as i32;
    pitches.iter().all(|p| {
        let semis = (p.pitch_class() as i32 - rpc).rem_euclid(12) as u8;
        let steps = (p.step.index() - root.step.index()).rem_euclid(7) as u8;
        quality.member_at(semis).is_some_and(|m| m.steps == steps)
    })
}

/// Recognise the chord formed by `pitches` (any order, doublings allowed). `None` when no
/// template fits (a cluster, a single pitch class).
pub fn identify(pitches: &[Pitch]) -> Option<Chord> {
    let bass = *pitches.iter().min()?;
    let mask = pitches.iter().fold(0u16, |m, p| m | 1 << p.pitch_class());
    let cands = candidates(mask);
    let least = cands.first()?.omitted;
    let bass_pc = bass.pitch_class();
    let mut best: Option<(Chord, (bool, bool))> = None;
    for c in cands.iter().take_while(|c| c.omitted == least) {
        // Try each spelling of the root that occurs in the notes.
        for root in pitches.iter().filter(|p| p.pitch_class() == c.root).map(|p| p.name()) {
            let spelled = spelling_matches(root, c.quality, pitches);
            let rank = (spelled, c.root == bass_pc);
            if best.as_ref().is_none_or(|(_, r)| rank > *r) {
                let bass_semis = (bass_pc as i32 - c.root as i32).rem_euclid(12) as u8;
                let bass_member = c.quality.member_at(bass_semis).map_or(1, |m| m.degree);
                let present = rotate(mask, (12 - c.root) % 12);
                let chord = Chord {
                    root,
                    quality: c.quality,
                    bass: bass.name(),
                    bass_member,
                    spelled_consistently: spelled,
                    present,
                };
                best = Some((chord, rank));
            }
        }
    }
    best.map(|(c, _)| c)
}

/// Recognise a chord from pitch names (no octaves: the first name is taken as the bass).
pub fn identify_names(names: &[PitchName]) -> Option<Chord> {
    let first = names.first()?;
    let base = first.at_octave(4);
    let pitches: Vec<Pitch> = names
        .iter()
        .map(|n| {
            let mut p = n.at_octave(4);
            while p < base {
                p.octave += 1;
            }
            p
        })
        .collect();
    identify(&pitches)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_has_triads() {
        let c = identify_mask(0b1001_0001, 0).unwrap();
        assert_eq!((c.root, c.quality), (0, ChordQuality::Major));
    }
}
