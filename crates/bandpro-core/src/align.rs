//! Importing a whole score (from MusicXML, MIDI or ABC, edited in any notation program) as the
//! smallest set of edits against the current version, so that ids survive: a note whose pitch
//! changed is the same note with a new pitch, an inserted measure shifts nothing else. Only
//! then do edits made in a notation program merge as precisely as edits made through the API.
//!
//! Parts are matched by name (in order). Measures are matched by content first (identical
//! measures anchor the alignment), then, in the gaps between anchors, by a small dynamic
//! programme that pairs a changed measure with its old self when editing it costs less than
//! deleting and re-inserting it. Events of each voice of a matched measure are aligned the same
//! way: identical events match for free, an event with some fields changed matches at a cost
//! per field, and insertions and deletions cost more than a one- or two-field change.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use bandpro_music::event::{Event, EventId};
use bandpro_music::formats::Metadata;
use bandpro_music::{Interval, MeasureInfo, ScoreView};

use crate::edit::ScoreTx;
use crate::error::Result;
use crate::schema::*;
use crate::score::{Edit, PartId, Score};

/// What an import changed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportStats {
    /// Parts added.
    pub parts_added: usize,
    /// Parts removed.
    pub parts_removed: usize,
    /// Measures inserted.
    pub measures_inserted: usize,
    /// Measures deleted.
    pub measures_deleted: usize,
    /// Measures whose signatures, tempo, repeats or marks changed.
    pub measures_changed: usize,
    /// Events inserted.
    pub events_inserted: usize,
    /// Events deleted.
    pub events_deleted: usize,
    /// Events whose content changed (same id).
    pub events_changed: usize,
    /// Score metadata fields (title, composer, ...) set by [`Score::import_file`].
    pub metadata_changed: usize,
}

impl ImportStats {
    /// Whether the import changes nothing.
    pub fn is_empty(&self) -> bool {
        *self == ImportStats::default()
    }

    /// The number of edits.
    pub fn total(&self) -> usize {
        self.parts_added
            + self.parts_removed
            + self.measures_inserted
            + self.measures_deleted
            + self.measures_changed
            + self.events_inserted
            + self.events_deleted
            + self.events_changed
            + self.metadata_changed
    }
}

/// The score metadata keys [`Score::import_file`] keeps a file's [`Metadata`] under: title,
/// movement title, composer, lyricist and rights, in that order.
pub const FILE_METADATA_KEYS: [&str; 5] = ["title", "movement-title", "composer", "lyricist", "rights"];

fn metadata_values(m: &Metadata) -> [Option<&str>; 5] {
    [
        m.title.as_deref(),
        m.movement_title.as_deref(),
        m.composer.as_deref(),
        m.lyricist.as_deref(),
        m.rights.as_deref(),
    ]
}

const INS: u32 = 3;
/// Gaps up to this many measures a side are aligned exactly by the cost DP.
const MAX_EXACT_GAP: usize = 64;
const FIELD: u32 = 2;

/// Cost of turning event `a` into `b` (0 if equal), or `None` if they are too different to be
/// the same event.
fn event_cost(a: &Event, b: &Event) -> u32 {
    let mut c = 0;
    if a.kind != b.kind {
        c += FIELD;
    }
    if a.duration != b.duration {
        c += FIELD;
    }
    if a.tuplets != b.tuplets || a.grace != b.grace || a.staff != b.staff || a.cue != b.cue {
        c += 1;
    }
    if a.lyrics != b.lyrics
        || a.chord_symbol != b.chord_symbol
        || a.chord_changes != b.chord_changes
        || a.dynamic != b.dynamic
        || a.articulations != b.articulations
    {
        c += 1;
    }
    c
}

/// Aligns two event sequences; returns for each target event the index of its current match.
fn align_events(cur: &[Event], tgt: &[Event]) -> (Vec<Option<usize>>, u32) {
    let (n, m) = (cur.len(), tgt.len());
    let mut dp = vec![vec![0u32; m + 1]; n + 1];
    for (i, row) in dp.iter_mut().enumerate() {
        row[0] = i as u32 * INS;
    }
    for (j, cell) in dp[0].iter_mut().enumerate() {
        *cell = j as u32 * INS;
    }
    for i in 1..=n {
        for j in 1..=m {
            let sub = dp[i - 1][j - 1] + event_cost(&cur[i - 1], &tgt[j - 1]);
            dp[i][j] = sub.min(dp[i - 1][j] + INS).min(dp[i][j - 1] + INS);
        }
    }
    let mut matched = vec![None; m];
    let (mut i, mut j) = (n, m);
    while i > 0 && j > 0 {
        if dp[i][j] == dp[i - 1][j - 1] + event_cost(&cur[i - 1], &tgt[j - 1])
            && event_cost(&cur[i - 1], &tgt[j - 1]) < 2 * INS
        {
            matched[j - 1] = Some(i - 1);
            i -= 1;
            j -= 1;
        } else if dp[i][j] == dp[i - 1][j] + INS {
            i -= 1;
        } else {
            j -= 1;
        }
    }
    (matched, dp[n][m])
}

fn hash_event(e: &Event, h: &mut DefaultHasher) {
    (e.duration, &e.kind, &e.tuplets, e.grace, e.staff, e.articulations, e.dynamic, &e.lyrics, e.cue).hash(h);
    e.chord_symbol.as_ref().map(ToString::to_string).hash(h);
    e.chord_changes.iter().map(|c| (c.offset, c.symbol.to_string())).for_each(|c| c.hash(h));
}

fn hash_info(i: &MeasureInfo, h: &mut DefaultHasher) {
    (i.time.to_string(), i.key.to_string(), i.pickup, i.repeat_start, i.repeat_end, i.ending, i.jumps.bits())
        .hash(h);
    i.tempo.map(|t| (t.beat, t.bpm)).hash(h);
}

/// A view's events of measure `m`, in the target's part order (`parts[k]` is the view's part
/// for target part `k`).
fn measure_events(view: &dyn ScoreView, parts: &[Option<usize>], m: usize) -> Vec<Vec<Vec<Event>>> {
    parts
        .iter()
        .map(|p| match p {
            Some(p) => (0..view.voice_count(*p, m)).map(|v| view.events(*p, m, v).to_vec()).collect(),
            None => Vec::new(),
        })
        .collect()
}

fn fingerprint(view: &dyn ScoreView, parts: &[Option<usize>], m: usize) -> u64 {
    let mut h = DefaultHasher::new();
    hash_info(view.measure(m), &mut h);
    for voices in measure_events(view, parts, m) {
        // Trailing empty voices do not change a measure.
        let used = voices.iter().rposition(|v| !v.is_empty()).map_or(0, |i| i + 1);
        used.hash(&mut h);
        for v in &voices[..used] {
            v.len().hash(&mut h);
            for e in v {
                hash_event(e, &mut h);
            }
        }
    }
    h.finish()
}

fn measure_cost(a: &[Vec<Vec<Event>>], b: &[Vec<Vec<Event>>]) -> u32 {
    let mut c = 0;
    for (pa, pb) in a.iter().zip(b) {
        for v in 0..pa.len().max(pb.len()) {
            let ea = pa.get(v).map_or(&[][..], Vec::as_slice);
            let eb = pb.get(v).map_or(&[][..], Vec::as_slice);
            c += align_events(ea, eb).1;
        }
    }
    c
}

fn events_in(m: &[Vec<Vec<Event>>]) -> u32 {
    m.iter().flatten().map(|v| v.len() as u32).sum()
}

/// Anchors for aligning two sequences of fingerprints, patience-style: the common prefix and
/// suffix, then the fingerprints that occur exactly once on each side, kept in increasing order
/// on both. Repeated fingerprints (empty measures, a repeated drum groove) are never anchors:
/// pairing them is left to the cost-based alignment of the gaps, which weighs editing a measure
/// against deleting and inserting it.
fn anchors(a: &[u64], b: &[u64]) -> Vec<(usize, usize)> {
    let mut pre = 0;
    while pre < a.len() && pre < b.len() && a[pre] == b[pre] {
        pre += 1;
    }
    let mut suf = 0;
    while suf < a.len() - pre && suf < b.len() - pre && a[a.len() - 1 - suf] == b[b.len() - 1 - suf] {
        suf += 1;
    }
    let mut out: Vec<(usize, usize)> = (0..pre).map(|i| (i, i)).collect();
    let (am, bm) = (&a[pre..a.len() - suf], &b[pre..b.len() - suf]);
    // A small middle is aligned by the cost DP alone, which finds a smallest set of edits; the
    // anchors below are a speed-up for large ones (an anchor can mislead when an edited measure
    // happens to equal a deleted one).
    if am.len() <= MAX_EXACT_GAP && bm.len() <= MAX_EXACT_GAP {
        out.extend((0..suf).map(|k| (a.len() - suf + k, b.len() - suf + k)));
        return out;
    }
    let mut count: std::collections::HashMap<u64, (u32, u32, usize, usize)> =
        std::collections::HashMap::new();
    for (i, x) in am.iter().enumerate() {
        let e = count.entry(*x).or_default();
        e.0 += 1;
        e.2 = i;
    }
    for (j, x) in bm.iter().enumerate() {
        let e = count.entry(*x).or_default();
        e.1 += 1;
        e.3 = j;
    }
    let mut unique: Vec<(usize, usize)> =
        count.values().filter(|c| c.0 == 1 && c.1 == 1).map(|c| (c.2, c.3)).collect();
    unique.sort_unstable();
    // Longest increasing subsequence on the second index (patience sorting).
    let mut tails: Vec<usize> = Vec::new();
    let mut prev: Vec<Option<usize>> = vec![None; unique.len()];
    for (k, &(_, j)) in unique.iter().enumerate() {
        let pos = tails.partition_point(|&t| unique[t].1 < j);
        prev[k] = pos.checked_sub(1).map(|p| tails[p]);
        if pos == tails.len() {
            tails.push(k);
        } else {
            tails[pos] = k;
        }
    }
    let mut chain = Vec::new();
    let mut at = tails.last().copied();
    while let Some(k) = at {
        chain.push(unique[k]);
        at = prev[k];
    }
    chain.reverse();
    out.extend(chain.into_iter().map(|(i, j)| (i + pre, j + pre)));
    out.extend((0..suf).map(|k| (a.len() - suf + k, b.len() - suf + k)));
    out
}

/// For each target measure, its current match.
fn align_measures(
    cur: &dyn ScoreView,
    cur_parts: &[Option<usize>],
    tgt: &dyn ScoreView,
    tgt_parts: &[Option<usize>],
) -> Vec<Option<usize>> {
    let fa: Vec<u64> = (0..cur.measure_count()).map(|m| fingerprint(cur, cur_parts, m)).collect();
    let fb: Vec<u64> = (0..tgt.measure_count()).map(|m| fingerprint(tgt, tgt_parts, m)).collect();
    let mut anchors = anchors(&fa, &fb);
    anchors.push((fa.len(), fb.len()));
    let mut matched = vec![None; fb.len()];
    let (mut pi, mut pj) = (0, 0);
    for (ai, aj) in anchors {
        // The gap cur[pi..ai] x tgt[pj..aj]: pair changed measures by a small DP.
        let ca: Vec<Vec<Vec<Vec<Event>>>> = (pi..ai).map(|m| measure_events(cur, cur_parts, m)).collect();
        let cb: Vec<Vec<Vec<Vec<Event>>>> = (pj..aj).map(|m| measure_events(tgt, tgt_parts, m)).collect();
        let (n, k) = (ca.len(), cb.len());
        if n > 0 && k > 0 {
            // Deleting a measure is one edit whatever it holds; inserting one takes an edit per
            // event written into it.
            let del: Vec<u32> = ca.iter().map(|_| INS).collect();
            let ins: Vec<u32> = cb.iter().map(|x| events_in(x) * INS + INS).collect();
            let mut dp = vec![vec![0u32; k + 1]; n + 1];
            for i in 1..=n {
                dp[i][0] = dp[i - 1][0] + del[i - 1];
            }
            for j in 1..=k {
                dp[0][j] = dp[0][j - 1] + ins[j - 1];
            }
            let mut sub = vec![vec![0u32; k]; n];
            for i in 0..n {
                for j in 0..k {
                    sub[i][j] = measure_cost(&ca[i], &cb[j]);
                }
            }
            for i in 1..=n {
                for j in 1..=k {
                    dp[i][j] = (dp[i - 1][j - 1] + sub[i - 1][j - 1])
                        .min(dp[i - 1][j] + del[i - 1])
                        .min(dp[i][j - 1] + ins[j - 1]);
                }
            }
            let (mut i, mut j) = (n, k);
            while i > 0 && j > 0 {
                if dp[i][j] == dp[i - 1][j - 1] + sub[i - 1][j - 1] {
                    matched[pj + j - 1] = Some(pi + i - 1);
                    i -= 1;
                    j -= 1;
                } else if dp[i][j] == dp[i - 1][j] + del[i - 1] {
                    i -= 1;
                } else {
                    j -= 1;
                }
            }
        }
        if ai < fa.len() {
            matched[aj] = Some(ai);
        }
        (pi, pj) = (ai + 1, aj + 1);
    }
    matched
}

/// LCS of two short sequences of keys (part names): pairs `(i, j)` in increasing order.
fn name_lcs(a: &[u64], b: &[u64]) -> Vec<(usize, usize)> {
    let (n, m) = (a.len(), b.len());
    let mut dp = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            dp[i][j] = if a[i] == b[j] { dp[i + 1][j + 1] + 1 } else { dp[i + 1][j].max(dp[i][j + 1]) };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < n && j < m {
        if a[i] == b[j] {
            out.push((i, j));
            i += 1;
            j += 1;
        } else if dp[i + 1][j] >= dp[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

/// Part matching by name, in order: for each target part, its current part.
fn align_parts(cur: &dyn ScoreView, tgt: &dyn ScoreView) -> Vec<Option<usize>> {
    let key = |v: &dyn ScoreView, p: usize| {
        let mut h = DefaultHasher::new();
        v.part(p).name.hash(&mut h);
        h.finish()
    };
    let a: Vec<u64> = (0..cur.part_count()).map(|p| key(cur, p)).collect();
    let b: Vec<u64> = (0..tgt.part_count()).map(|p| key(tgt, p)).collect();
    let mut out = vec![None; b.len()];
    for (i, j) in name_lcs(&a, &b) {
        out[j] = Some(i);
    }
    out
}

impl Score {
    /// Makes this score equal to `target` with the smallest set of edits found, as one change;
    /// ids of everything that stays survive. See the module docs.
    pub fn import_view(
        &mut self,
        author: &str,
        message: &str,
        target: &dyn ScoreView,
    ) -> Result<(ImportStats, Edit)> {
        self.import_with(author, message, target, &[])
    }

    /// [`Score::import_view`] for a score read from a file: also sets the score metadata the
    /// file carries (title, movement title, composer, lyricist, rights; see
    /// [`FILE_METADATA_KEYS`]), in the same change. A field the file lacks is kept, since
    /// formats such as MIDI carry no title.
    ///
    /// ```
    /// use bandpro_core::Score;
    /// use bandpro_crdt::ReplicaId;
    /// use bandpro_music::SimpleScore;
    /// use bandpro_music::formats::Metadata;
    ///
    /// let file = SimpleScore::from_text("4/4", "C major", &[("flute", &["C5:1"])]).unwrap();
    /// let meta = Metadata { title: Some("Air".into()), ..Metadata::default() };
    /// let mut score = Score::new(ReplicaId::from_u128(1)).unwrap();
    /// let (stats, _) = score.import_file("ann", "import", &file, &meta).unwrap();
    /// assert_eq!(stats.metadata_changed, 1);
    /// assert_eq!(score.file_metadata().title.as_deref(), Some("Air"));
    /// ```
    pub fn import_file(
        &mut self,
        author: &str,
        message: &str,
        target: &dyn ScoreView,
        metadata: &Metadata,
    ) -> Result<(ImportStats, Edit)> {
        let have = self.metadata()?;
        let fields: Vec<(&'static str, String)> = FILE_METADATA_KEYS
            .iter()
            .zip(metadata_values(metadata))
            .filter_map(|(k, v)| v.map(|v| (*k, v.to_owned())))
            .filter(|(k, v)| !have.iter().any(|(hk, hv)| hk == k && hv == v))
            .collect();
        self.import_with(author, message, target, &fields)
    }

    /// The score's metadata as a file's [`Metadata`], for the writers of
    /// `bandpro_music::formats` (the inverse of what [`Score::import_file`] stores).
    pub fn file_metadata(&self) -> Metadata {
        let have = self.metadata().unwrap_or_default();
        let get = |key: &str| have.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
        Metadata {
            title: get(FILE_METADATA_KEYS[0]),
            movement_title: get(FILE_METADATA_KEYS[1]),
            composer: get(FILE_METADATA_KEYS[2]),
            lyricist: get(FILE_METADATA_KEYS[3]),
            rights: get(FILE_METADATA_KEYS[4]),
            ..Metadata::default()
        }
    }

    fn import_with(
        &mut self,
        author: &str,
        message: &str,
        target: &dyn ScoreView,
        metadata: &[(&'static str, String)],
    ) -> Result<(ImportStats, Edit)> {
        let part_map = align_parts(self, target);
        let cur_parts = part_map.clone();
        let tgt_parts: Vec<Option<usize>> = (0..target.part_count()).map(Some).collect();
        let measure_map = align_measures(self, &cur_parts, target, &tgt_parts);
        let mut stats = ImportStats::default();
        // What stays of the current score, read now: the edit below borrows the score.
        let cur_part_ids: Vec<PartId> = (0..self.part_count()).filter_map(|p| self.part_id(p)).collect();
        let cur_has_transpositions = self.cache.has_transposition_changes();
        let cur_transpositions: Vec<Interval> =
            (0..self.part_count()).map(|p| self.part(p).transposition).collect();
        let removed_parts: Vec<PartId> = (0..self.part_count())
            .filter(|p| !part_map.contains(&Some(*p)))
            .map(|p| cur_part_ids[p])
            .collect();
        let deleted_measures: Vec<usize> =
            (0..self.measure_count()).filter(|m| !measure_map.contains(&Some(*m))).collect();
        let current_events: Vec<Option<Vec<Vec<Vec<Event>>>>> =
            measure_map.iter().map(|m| m.map(|m| measure_events(self, &cur_parts, m))).collect();
        stats.parts_removed = removed_parts.len();
        stats.measures_deleted = deleted_measures.len();

        let edit = self.edit(author, message, |tx| {
            for (key, value) in metadata {
                tx.set_metadata(key, value)?;
                stats.metadata_changed += 1;
            }
            for p in &removed_parts {
                tx.remove_part(*p)?;
            }
            let mut part_ids = Vec::new();
            for (k, m) in part_map.iter().enumerate() {
                part_ids.push(match m {
                    Some(c) => cur_part_ids[*c],
                    None => {
                        stats.parts_added += 1;
                        let info = target.part(k);
                        tx.insert_part(k, &info.name, info.instrument.map(|i| i.id))?
                    }
                });
            }
            for (k, part) in part_ids.iter().enumerate() {
                let want = target.part(k).transposition;
                let have = match part_map[k] {
                    Some(c) => cur_transpositions[c],
                    None => target.part(k).instrument.map_or(Interval::UNISON, |i| i.transposition),
                };
                if want != have {
                    tx.set_transposition(*part, 0, want)?;
                }
            }
            for m in deleted_measures.iter().rev() {
                tx.delete_measures(*m..m + 1)?;
            }
            for (j, m) in measure_map.iter().enumerate() {
                if m.is_none() {
                    tx.insert_measures(j, 1)?;
                    stats.measures_inserted += 1;
                }
            }
            for j in 0..target.measure_count() {
                let fields = sync_measure_fields(tx, target, j)?;
                if sync_transpositions(tx, target, j, &part_ids, cur_has_transpositions)? || fields {
                    stats.measures_changed += usize::from(measure_map[j].is_some());
                }
                for (k, part) in part_ids.iter().enumerate() {
                    let tgt_voices = measure_events(target, &tgt_parts[k..k + 1], j).remove(0);
                    let cur_voices = current_events[j].as_ref().map(|c| c[k].clone()).unwrap_or_default();
                    for v in 0..tgt_voices.len().max(cur_voices.len()) {
                        let cur = cur_voices.get(v).map_or(&[][..], Vec::as_slice);
                        let tgt = tgt_voices.get(v).map_or(&[][..], Vec::as_slice);
                        sync_voice(tx, *part, j, v, cur, tgt, &mut stats)?;
                    }
                }
            }
            Ok(())
        })?;
        Ok((stats, edit.1))
    }
}

/// Sets the explicit fields of measure `j` to what the target says; returns whether any changed.
fn sync_measure_fields(tx: &mut ScoreTx<'_>, target: &dyn ScoreView, j: usize) -> Result<bool> {
    use bandpro_crdt::ScalarValue;
    let info = target.measure(j);
    let prev = (j > 0).then(|| target.measure(j - 1));
    let want: [(&str, Option<ScalarValue>); 7] = [
        (TIME, (prev.is_none_or(|p| p.time != info.time)).then(|| info.time.to_string().into())),
        (KEY, (prev.is_none_or(|p| p.key != info.key)).then(|| info.key.to_string().into())),
        (PICKUP, info.pickup.then_some(true.into())),
        (
            TEMPO,
            info.tempo.filter(|t| prev.is_none_or(|p| p.tempo != Some(*t))).map(|t| encode_tempo(&t).into()),
        ),
        (REPEAT, encode_repeat(info.repeat_start, info.repeat_end).map(Into::into)),
        (ENDING, encode_ending(info.ending).map(Into::into)),
        (JUMPS, encode_jumps(info.jumps).map(Into::into)),
    ];
    // What is in force from the previous measure: a stored value equal to it is redundant and
    // means the same as none, so it needs no edit.
    let in_force: [(&str, Option<ScalarValue>); 3] = [
        (TIME, prev.map(|p| p.time.to_string().into())),
        (KEY, prev.map(|p| p.key.to_string().into())),
        (TEMPO, prev.and_then(|p| p.tempo).map(|t| encode_tempo(&t).into())),
    ];
    let mut changed = false;
    for (key, value) in want {
        let mut have = tx.measure_field(j, key)?;
        if value.is_none() && have.is_some() && in_force.iter().any(|(k, v)| *k == key && *v == have) {
            have = None;
        }
        if have != value {
            tx.put_measure(j, key, value)?;
            changed = true;
        }
    }
    Ok(changed)
}

/// Sets the transposition changes of measure `j` (one key per part) to the target's; returns
/// whether any changed. A stored change equal to what is in force means the same as none.
fn sync_transpositions(
    tx: &mut ScoreTx<'_>,
    target: &dyn ScoreView,
    j: usize,
    part_ids: &[PartId],
    current_has_changes: bool,
) -> Result<bool> {
    use bandpro_crdt::ScalarValue;
    if j == 0 {
        return Ok(false);
    }
    let mut changed = false;
    for (k, part) in part_ids.iter().enumerate() {
        let (now, before) = (target.transposition(k, j), target.transposition(k, j - 1));
        // Nearly every score has no changes on either side: then there is nothing to look up.
        if now == before && !current_has_changes {
            continue;
        }
        let want: Option<ScalarValue> = (now != before).then(|| now.to_string().into());
        let key = format!("{TRANSPOSITION_FROM}{}", obj_key(&part.0));
        let mut have = tx.measure_field(j, &key)?;
        if want.is_none() && have == Some(before.to_string().into()) {
            have = None;
        }
        if have != want {
            tx.put_measure(j, &key, want)?;
            changed = true;
        }
    }
    Ok(changed)
}

fn sync_voice(
    tx: &mut ScoreTx<'_>,
    part: PartId,
    measure: usize,
    voice: usize,
    cur: &[Event],
    tgt: &[Event],
    stats: &mut ImportStats,
) -> Result<()> {
    let (matched, _) = align_events(cur, tgt);
    for (i, e) in cur.iter().enumerate() {
        if !matched.contains(&Some(i)) {
            tx.delete_event(e.id)?;
            stats.events_deleted += 1;
        }
    }
    for (k, t) in tgt.iter().enumerate() {
        match matched[k] {
            None => {
                tx.insert_event(part, measure, voice, k, t)?;
                stats.events_inserted += 1;
            }
            Some(i) => {
                if update_event(tx, cur[i].id, &cur[i], t)? {
                    stats.events_changed += 1;
                }
            }
        }
    }
    Ok(())
}

fn update_event(tx: &mut ScoreTx<'_>, id: EventId, c: &Event, t: &Event) -> Result<bool> {
    let mut changed = false;
    if c.kind != t.kind {
        tx.set_notes(id, t.notes())?;
        changed = true;
    }
    if c.duration != t.duration {
        tx.set_duration(id, t.duration)?;
        changed = true;
    }
    if c.tuplets != t.tuplets {
        tx.set_tuplets(id, &t.tuplets)?;
        changed = true;
    }
    if c.grace != t.grace {
        tx.set_grace(id, t.grace)?;
        changed = true;
    }
    if c.articulations != t.articulations {
        tx.set_articulations(id, t.articulations)?;
        changed = true;
    }
    if c.dynamic != t.dynamic {
        tx.set_dynamic(id, t.dynamic)?;
        changed = true;
    }
    if c.lyrics != t.lyrics {
        tx.set_lyrics(id, &t.lyrics)?;
        changed = true;
    }
    if c.chord_symbol != t.chord_symbol {
        tx.set_chord_symbol(id, t.chord_symbol.as_ref())?;
        changed = true;
    }
    if c.chord_changes != t.chord_changes {
        tx.set_chord_changes(id, &t.chord_changes)?;
        changed = true;
    }
    if c.staff != t.staff {
        tx.set_staff(id, t.staff)?;
        changed = true;
    }
    if c.cue != t.cue {
        tx.set_cue(id, t.cue)?;
        changed = true;
    }
    Ok(changed)
}
