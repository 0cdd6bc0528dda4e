//! Key detection by correlation with key profiles, whole-score and windowed (modulations).
//!
//! A duration-weighted pitch-class histogram is correlated (Pearson) with each of the 24
//! rotations of a major and a minor profile. Five published profiles are available
//! ([`KeyProfile`]).
//!
//! **Default.** [`KeyOptions::default`] correlates with Craig Sapp's simple weights, weighted
//! by duration, and adds four pieces of evidence a musician uses and a bare profile ignores:
//! the bass of the final sonority (tonal pieces end on the tonic), a minor third in that final
//! sonority (a major one says little: minor pieces often end with a Picardy third), the bass of
//! the first sonority, and the written key signature, trusted only as far as the notes keep to
//! it (so a MIDI file's default C major signature under music in E costs nothing). Measured on
//! the 406 Bach chorales of the music21 corpus whose MusicXML states the key, music21's profile
//! methods find 281 (Krumhansl-Kessler), 318 (Temperley-Kostka-Payne), 322 (simple weights)
//! and 323 (Aarden-Essen, Bellman-Budge) keys; the same profiles here (with
//! [`KeyOptions::profile_only`]) give the same counts, and the default finds 354, and 346 with
//! every key signature erased. The weights sit on a broad plateau of that measurement, not on a
//! sharp optimum. The simple weights won among the five profiles once cadence evidence is
//! added: their flat diatonic template leaves the tonic to the cadence, where the evidence is.
//!
//! ```
//! use bandpro_music::{SimpleScore, key_detect};
//! let s = SimpleScore::from_text("4/4", "C major", &[("piano", &["C4 D4 E4 F4 | G4 A4 B4 C5:4 | C4:1"])]).unwrap();
//! let k = key_detect::detect_key(&s);
//! assert_eq!(k.key.to_string(), "C major");
//! assert!(k.correlation > 0.5);
//! ```

use std::ops::Range;

use crate::key::{Key, Mode};
use crate::view::ScoreView;

/// Published key profiles (weights of the 12 pitch classes above the tonic).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyProfile {
    /// Krumhansl & Kessler (1982), probe-tone ratings.
    KrumhanslKessler,
    /// Aarden (2003), from the Essen folksong collection.
    AardenEssen,
    /// Bellman (2005) / Budge (1943), chord statistics of common-practice music.
    BellmanBudge,
    /// Temperley, Kostka & Payne (2007), from the Kostka-Payne textbook excerpts.
    TemperleyKostkaPayne,
    /// Craig Sapp's simple weights.
    SimpleWeights,
}

impl KeyProfile {
    /// All profiles.
    pub const ALL: [KeyProfile; 5] = [
        KeyProfile::KrumhanslKessler,
        KeyProfile::AardenEssen,
        KeyProfile::BellmanBudge,
        KeyProfile::TemperleyKostkaPayne,
        KeyProfile::SimpleWeights,
    ];

    /// The (major, minor) weights, tonic first.
    pub const fn weights(self) -> ([f64; 12], [f64; 12]) {
        match self {
            KeyProfile::KrumhanslKessler => (
                [6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88],
                [6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17],
            ),
            KeyProfile::AardenEssen => (
                [
                    17.7661, 0.145624, 14.9265, 0.160186, 19.8049, 11.3587, 0.291248, 22.062, 0.145624,
                    8.15494, 0.232998, 4.95122,
                ],
                [
                    18.2648, 0.737619, 14.0499, 16.8599, 0.702494, 14.4362, 0.702494, 18.6161, 4.56621,
                    1.93186, 7.37619, 1.75623,
                ],
            ),
            KeyProfile::BellmanBudge => (
                [16.80, 0.86, 12.95, 1.41, 13.49, 11.93, 1.25, 20.28, 1.80, 8.04, 0.62, 10.57],
                [18.16, 0.69, 12.99, 13.34, 1.07, 11.15, 1.38, 21.07, 7.49, 1.53, 0.92, 10.21],
            ),
            KeyProfile::TemperleyKostkaPayne => (
                [0.748, 0.060, 0.488, 0.082, 0.670, 0.460, 0.096, 0.715, 0.104, 0.366, 0.057, 0.400],
                [0.712, 0.084, 0.474, 0.618, 0.049, 0.460, 0.105, 0.747, 0.404, 0.067, 0.133, 0.330],
            ),
            KeyProfile::SimpleWeights => (
                [2.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 2.0, 0.0, 1.0, 0.0, 1.0],
                [2.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 2.0, 1.0, 0.0, 0.5, 0.5],
            ),
        }
    }

    /// Centred, unit-norm rotations: index `mode * 12 + tonic_pc` (mode 0 major, 1 minor).
    fn normalized(self) -> [[f64; 12]; 24] {
        let (maj, min) = self.weights();
        let mut out = [[0.0; 12]; 24];
        for (mode, prof) in [maj, min].iter().enumerate() {
            let mean = prof.iter().sum::<f64>() / 12.0;
            let norm = prof.iter().map(|w| (w - mean) * (w - mean)).sum::<f64>().sqrt();
            for tonic in 0..12 {
                for pc in 0..12 {
                    out[mode * 12 + tonic][pc] = (prof[(pc + 12 - tonic) % 12] - mean) / norm;
                }
            }
        }
        out
    }
}

/// Options of [`detect_key_with`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KeyOptions {
    /// The profile.
    pub profile: KeyProfile,
    /// Weight notes by duration (otherwise each attack counts once).
    pub duration_weighted: bool,
    /// Bonus for a key whose tonic is the bass of the final sonority.
    pub cadence_weight: f64,
    /// Bonus for a minor key whose minor third sounds in the final sonority. (A final major
    /// third says little: minor pieces often end with a Picardy third.)
    pub final_third_weight: f64,
    /// Bonus for a key whose tonic is the bass of the first sonority.
    pub opening_weight: f64,
    /// Bonus for a key that agrees with the first measure's key signature (its major key or
    /// relative minor), scaled by how much of the music is diatonic to the signature.
    pub signature_weight: f64,
}

impl KeyOptions {
    /// A plain profile correlation, as music21 computes it: duration-weighted, no cadence or
    /// signature evidence.
    pub const fn profile_only(profile: KeyProfile) -> KeyOptions {
        KeyOptions {
            profile,
            duration_weighted: true,
            cadence_weight: 0.0,
            final_third_weight: 0.0,
            opening_weight: 0.0,
            signature_weight: 0.0,
        }
    }
}

impl Default for KeyOptions {
    fn default() -> Self {
        KeyOptions {
            profile: KeyProfile::SimpleWeights,
            duration_weighted: true,
            cadence_weight: 0.15,
            final_third_weight: 0.2,
            opening_weight: 0.05,
            signature_weight: 0.4,
        }
    }
}

/// One key with its scores.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KeyCandidate {
    /// The key.
    pub key: Key,
    /// Pearson correlation of the histogram with the key's profile (-1..=1).
    pub correlation: f64,
    /// Correlation plus cadence and signature evidence: what the ranking uses.
    pub score: f64,
}

/// The result of key detection: the best key and all 24 candidates, best first.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyAnalysis {
    /// The best key.
    pub key: Key,
    /// Its correlation with the profile.
    pub correlation: f64,
    /// All 24 keys, best first (the first is `key`).
    pub ranked: Vec<KeyCandidate>,
}

impl KeyAnalysis {
    /// The runner-up keys (second best onward), at most `n`.
    pub fn runners_up(&self, n: usize) -> &[KeyCandidate] {
        let end = (1 + n).min(self.ranked.len());
        &self.ranked[1.min(end)..end]
    }
}

/// A pitch-class histogram (sounding pitch, unpitched parts and grace notes skipped).
pub type Histogram = [f64; 12];

/// Duration-weighted (or attack-counted) histogram of sounding pitch classes, one per measure.
pub fn measure_histograms(view: &dyn ScoreView, weighted: bool) -> Vec<Histogram> {
    let mut out = vec![[0.0; 12]; view.measure_count()];
    let pitched: Vec<bool> = (0..view.part_count()).map(|p| !view.part(p).unpitched).collect();
    // Measure by measure, the order scores are laid out in.
    for (m, hist) in out.iter_mut().enumerate() {
        for part in (0..pitched.len()).filter(|&p| pitched[p]) {
            let shift = view.transposition(part, m).semitones();
            for v in 0..view.voice_count(part, m) {
                for e in view.events(part, m, v) {
                    if e.grace.is_some() {
                        continue;
                    }
                    let w = if weighted { e.duration.to_f64() } else { 1.0 };
                    for n in e.notes() {
                        if !weighted && n.tie.stops() {
                            continue;
                        }
                        hist[(n.pitch.midi() + shift).rem_euclid(12) as usize] += w;
                    }
                }
            }
        }
    }
    out
}

/// The histogram of a measure range.
pub fn histogram(view: &dyn ScoreView, measures: Range<usize>, weighted: bool) -> Histogram {
    let hs = measure_histograms(view, weighted);
    let mut h = [0.0; 12];
    for m in &hs[measures.start.min(hs.len())..measures.end.min(hs.len())] {
        for pc in 0..12 {
            h[pc] += m[pc];
        }
    }
    h
}

/// Correlations of a histogram with the 24 keys (index `mode * 12 + tonic_pc`).
fn correlations(h: &Histogram, prof: &[[f64; 12]; 24]) -> [f64; 24] {
    let mean = h.iter().sum::<f64>() / 12.0;
    let mut c = [0.0; 12];
    let mut norm = 0.0;
    for pc in 0..12 {
        c[pc] = h[pc] - mean;
        norm += c[pc] * c[pc];
    }
    let mut out = [0.0; 24];
    if norm <= 0.0 {
        return out;
    }
    let norm = norm.sqrt();
    for (k, p) in prof.iter().enumerate() {
        out[k] = c.iter().zip(p).map(|(a, b)| a * b).sum::<f64>() / norm;
    }
    out
}

/// Spell the key with tonic pitch class `pc` in `mode`, choosing the signature nearest to
/// `signature` (the score's, for enharmonic choices like F# vs Gb).
pub fn spell_key(pc: u8, mode: Mode, signature: i32) -> Key {
    let lof0 = (pc as i32 * 7).rem_euclid(12);
    let offset = mode.tonic_offset();
    let mut best: Option<Key> = None;
    for k in -2..=2 {
        let fifths = lof0 + 12 * k - offset;
        if let Ok(key) = Key::from_fifths(fifths, mode) {
            let better = match best {
                None => true,
                Some(b) => {
                    let (d, bd) = ((fifths - signature).abs(), (b.fifths() - signature).abs());
                    d < bd || (d == bd && fifths.abs() < b.fifths().abs())
                }
            };
            if better {
                best = Some(key);
            }
        }
    }
    best.expect("every pitch class has a spelling within seven accidentals")
}

/// Rank the 24 keys for a histogram with a profile (no cadence or signature evidence).
pub fn key_from_histogram(h: &Histogram, profile: KeyProfile) -> KeyAnalysis {
    rank(h, profile, &[0.0; 24], 0)
}

fn rank(h: &Histogram, profile: KeyProfile, bonus: &[f64; 24], signature: i32) -> KeyAnalysis {
    let corr = correlations(h, &profile.normalized());
    let mut ranked: Vec<KeyCandidate> = (0..24)
        .map(|i| {
            let mode = if i < 12 { Mode::Major } else { Mode::Minor };
            KeyCandidate {
                key: spell_key((i % 12) as u8, mode, signature),
                correlation: corr[i],
                score: corr[i] + bonus[i],
            }
        })
        .collect();
    ranked.sort_by(|a, b| b.score.total_cmp(&a.score));
    KeyAnalysis { key: ranked[0].key, correlation: ranked[0].correlation, ranked }
}

/// Pitch classes sounding at the very end of the score and the lowest of them (sounding).
fn final_sonority(view: &dyn ScoreView) -> Option<(u16, u8)> {
    let last = (0..view.measure_count()).rev().find(|&m| {
        (0..view.part_count()).any(|p| {
            !view.part(p).unpitched
                && (0..view.voice_count(p, m)).any(|v| view.events(p, m, v).iter().any(|e| !e.is_rest()))
        })
    })?;
    let mut end = crate::rational::Rational::ZERO;
    for p in 0..view.part_count() {
        for v in 0..view.voice_count(p, last) {
            for e in view.events(p, last, v) {
                if !e.is_rest() {
                    end = end.max(e.end());
                }
            }
        }
    }
    let mut mask = 0u16;
    let mut bass: Option<i32> = None;
    for p in 0..view.part_count() {
        let info = view.part(p);
        if info.unpitched {
            continue;
        }
        let shift = view.transposition(p, last).semitones();
        for v in 0..view.voice_count(p, last) {
            if let Some(e) = view.events(p, last, v).iter().rev().find(|e| !e.is_rest() && !e.is_grace())
                && e.end() == end
            {
                for n in e.notes() {
                    let midi = n.pitch.midi() + shift;
                    mask |= 1 << midi.rem_euclid(12);
                    bass = Some(bass.map_or(midi, |b| b.min(midi)));
                }
            }
        }
    }
    bass.map(|b| (mask, b.rem_euclid(12) as u8))
}

/// The lowest sounding pitch class at the very start of the score.
fn opening_bass(view: &dyn ScoreView) -> Option<u8> {
    for m in 0..view.measure_count() {
        let mut first: Option<(crate::rational::Rational, i32)> = None;
        for p in 0..view.part_count() {
            let info = view.part(p);
            if info.unpitched {
                continue;
            }
            let shift = view.transposition(p, m).semitones();
            for v in 0..view.voice_count(p, m) {
                if let Some(e) = view.events(p, m, v).iter().find(|e| !e.is_rest() && !e.is_grace()) {
                    for n in e.notes() {
                        let midi = n.pitch.midi() + shift;
                        let better = match first {
                            None => true,
                            Some((on, low)) => e.onset < on || (e.onset == on && midi < low),
                        };
                        if better {
                            first = Some((e.onset, midi));
                        }
                    }
                }
            }
        }
        if let Some((_, midi)) = first {
            return Some(midi.rem_euclid(12) as u8);
        }
    }
    None
}

/// Detect the key of a whole score with the default options.
pub fn detect_key(view: &dyn ScoreView) -> KeyAnalysis {
    detect_key_with(view, &KeyOptions::default())
}

/// Detect the key of a whole score.
pub fn detect_key_with(view: &dyn ScoreView, options: &KeyOptions) -> KeyAnalysis {
    let h = histogram(view, 0..view.measure_count(), options.duration_weighted);
    let signature = if view.measure_count() > 0 { view.measure(0).key.fifths() } else { 0 };
    let mut bonus = [0.0; 24];
    if (options.cadence_weight != 0.0 || options.final_third_weight != 0.0)
        && let Some((mask, bass)) = final_sonority(view)
    {
        for (i, b) in bonus.iter_mut().enumerate() {
            let tonic = (i % 12) as u8;
            if tonic == bass {
                *b += options.cadence_weight;
                if i >= 12 && mask & (1 << ((tonic + 3) % 12)) != 0 {
                    *b += options.final_third_weight;
                }
            }
        }
    }
    if options.opening_weight != 0.0
        && let Some(bass) = opening_bass(view)
    {
        for (i, b) in bonus.iter_mut().enumerate() {
            if (i % 12) as u8 == bass {
                *b += options.opening_weight;
            }
        }
    }
    if options.signature_weight != 0.0 {
        // How far to trust the signature: by the share of the music that is diatonic to it. A
        // signature the notes ignore (a MIDI file's default C major under music in E) earns
        // nothing; one the notes keep to earns the full weight.
        let total: f64 = h.iter().sum();
        let diatonic: f64 =
            (signature - 1..=signature + 5).map(|lof| h[(lof * 7).rem_euclid(12) as usize]).sum();
        let share = if total > 0.0 { diatonic / total } else { 0.0 };
        let credibility = ((share - 0.8) / 0.15).clamp(0.0, 1.0);
        let major = (signature * 7).rem_euclid(12) as usize;
        let minor = 12 + (major + 9) % 12;
        bonus[major] += options.signature_weight * credibility;
        bonus[minor] += options.signature_weight * credibility;
    }
    rank(&h, options.profile, &bonus, signature)
}

/// Options of [`windowed_keys`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WindowOptions {
    /// Profile.
    pub profile: KeyProfile,
    /// Measures on each side of a measure included in its window (2 gives 5-measure windows).
    pub radius: usize,
    /// Cost of changing key between neighbouring measures, in correlation units: larger values
    /// give fewer, longer key areas.
    pub change_penalty: f64,
}

impl Default for WindowOptions {
    fn default() -> Self {
        WindowOptions { profile: KeyProfile::BellmanBudge, radius: 2, change_penalty: 0.3 }
    }
}

/// A stretch of measures in one key.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyRegion {
    /// Measures covered.
    pub measures: Range<usize>,
    /// The key.
    pub key: Key,
    /// Mean windowed correlation of the key over the region.
    pub correlation: f64,
}

/// Windowed key analysis: the key of every measure, smoothed so that brief chromatic moments do
/// not count as modulations, and the resulting key regions.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowedKeys {
    /// Key of each measure.
    pub per_measure: Vec<Key>,
    /// Consecutive measures in the same key.
    pub regions: Vec<KeyRegion>,
}

impl WindowedKeys {
    /// The modulations: `(measure, from, to)` for each change of key.
    pub fn modulations(&self) -> Vec<(usize, Key, Key)> {
        self.regions.windows(2).map(|w| (w[1].measures.start, w[0].key, w[1].key)).collect()
    }
}

/// Windowed key analysis: correlate a window around each measure with every key, then choose
/// the key sequence that maximises total correlation minus `change_penalty` per change (a
/// Viterbi pass, linear in the number of measures).
pub fn windowed_keys(view: &dyn ScoreView, options: &WindowOptions) -> WindowedKeys {
    let hs = measure_histograms(view, true);
    let n = hs.len();
    if n == 0 {
        return WindowedKeys { per_measure: Vec::new(), regions: Vec::new() };
    }
    let prof = options.profile.normalized();
    // Prefix sums make every window O(12).
    let mut prefix = vec![[0.0; 12]; n + 1];
    for m in 0..n {
        for pc in 0..12 {
            prefix[m + 1][pc] = prefix[m][pc] + hs[m][pc];
        }
    }
    let scores: Vec<[f64; 24]> = (0..n)
        .map(|m| {
            let lo = m.saturating_sub(options.radius);
            let hi = (m + options.radius + 1).min(n);
            let mut h = [0.0; 12];
            for pc in 0..12 {
                h[pc] = prefix[hi][pc] - prefix[lo][pc];
            }
            correlations(&h, &prof)
        })
        .collect();
    // Viterbi: best[k] = best total ending in key k; back pointers per measure.
    let mut best = scores[0];
    let mut back = vec![[0u8; 24]; n];
    for m in 1..n {
        let (arg, max) =
            best.iter().enumerate().fold((0, f64::MIN), |acc, (i, &v)| if v > acc.1 { (i, v) } else { acc });
        let mut next = [0.0; 24];
        for k in 0..24 {
            let stay = best[k];
            let switch = max - options.change_penalty;
            if stay >= switch {
                next[k] = stay + scores[m][k];
                back[m][k] = k as u8;
            } else {
                next[k] = switch + scores[m][k];
                back[m][k] = arg as u8;
            }
        }
        best = next;
    }
    let mut k =
        best.iter().enumerate().fold((0, f64::MIN), |acc, (i, &v)| if v > acc.1 { (i, v) } else { acc }).0;
    let mut path = vec![0usize; n];
    for m in (0..n).rev() {
        path[m] = k;
        k = back[m][k] as usize;
    }
    let per_measure: Vec<Key> = path
        .iter()
        .enumerate()
        .map(|(m, &k)| {
            let mode = if k < 12 { Mode::Major } else { Mode::Minor };
            spell_key((k % 12) as u8, mode, view.measure(m).key.fifths())
        })
        .collect();
    let mut regions: Vec<KeyRegion> = Vec::new();
    let mut start = 0;
    for m in 1..=n {
        if m == n || path[m] != path[start] {
            let corr = (start..m).map(|i| scores[i][path[start]]).sum::<f64>() / (m - start) as f64;
            regions.push(KeyRegion { measures: start..m, key: per_measure[start], correlation: corr });
            start = m;
        }
    }
    WindowedKeys { per_measure, regions }
}
