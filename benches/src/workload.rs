//! The workloads, the traits an engine implements to run them, and the drivers that replay a
//! workload on any engine, time the part that matters and check the result.
//!
//! Every workload makes one transaction per user edit, as an application would. Random choices
//! come from a fixed-seed xorshift and are drawn *before* timing starts, so every engine sees
//! exactly the same edits.

use std::time::{Duration, Instant};

use crate::memory::PeakProbe;
use crate::trace::{Patch, Trace};

/// A text engine, for the editing traces.
pub trait TextEngine: Sized {
    /// What one replica sends another after a transaction: a change or an update.
    type Update;

    /// A new document holding one text with content `start`.
    fn create(start: &str) -> Self;
    /// A replica of this document that edits as agent `agent` (distinct from the creator).
    fn fork(&self, agent: u64) -> Self;
    /// Applies one user edit (its patches in order) as one transaction.
    fn edit(&mut self, patches: &[Patch]);
    /// Like [`TextEngine::edit`], and returns the update to send to other replicas.
    fn edit_and_export(&mut self, patches: &[Patch]) -> Self::Update;
    /// Applies updates from other replicas, in the given order (deps first).
    fn import(&mut self, updates: &[&Self::Update]);
    /// The text's content.
    fn text(&self) -> String;
}

/// One note of the score-like workload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Note {
    /// MIDI pitch.
    pub pitch: i64,
    /// Duration numerator.
    pub dur_num: i64,
    /// Duration denominator.
    pub dur_den: i64,
    /// Voice number.
    pub voice: i64,
}

/// An engine that can hold a list of maps, for the score-like workload.
pub trait ScoreEngine: Sized {
    /// A new document with an empty list of notes.
    fn create() -> Self;
    /// Appends a note (a map with keys `pitch`, `dur_num`, `dur_den`, `voice`) in one transaction.
    fn append(&mut self, index: usize, note: Note);
    /// Sets the `pitch` of the note at `index` in one transaction.
    fn set_pitch(&mut self, index: usize, pitch: i64);
    /// Every note's pitch, in list order.
    fn pitches(&self) -> Vec<i64>;
}

/// Saving a whole document in the engine's own format and loading it back (issue 4's `bytes`,
/// `save_ns` and `load_ns`, for the peers).
pub trait Persist: Sized {
    /// The whole document, history included, as the engine saves it.
    fn save(&self) -> Vec<u8>;
    /// A document loaded from [`Persist::save`]'s bytes.
    fn load(bytes: &[u8]) -> Self;
}

/// `bytes`, `save_ns` and `load_ns` (load, then `read` everything back, which must equal what
/// the saved document reads), each the median of three.
pub fn persist_metrics<E: Persist, R: PartialEq>(
    doc: &E,
    read: impl Fn(&E) -> R,
) -> Result<Vec<(String, f64)>, String> {
    let (save_ns, bytes) = median_ns(3, || doc.save());
    let want = read(doc);
    let (load_ns, same) = median_ns(3, || read(&E::load(&bytes)) == want);
    if !same {
        return Err("the loaded document reads differently".into());
    }
    Ok(vec![("bytes".into(), bytes.len() as f64), ("save_ns".into(), save_ns), ("load_ns".into(), load_ns)])
}

/// An engine that can hold a list of integers and exchange changes, for concurrent-merge.
pub trait ListEngine: Sized {
    /// A version to export changes since.
    type Version;

    /// A new document holding a list with `values`, built in one transaction.
    fn create(values: &[i64]) -> Self;
    /// A replica that edits as `replica` (distinct from the creator).
    fn fork(&self, replica: u64) -> Self;
    /// The current version.
    fn version(&self) -> Self::Version;
    /// Inserts `value` at `index` in one transaction.
    fn insert(&mut self, index: usize, value: i64);
    /// Removes the element at `index` in one transaction.
    fn remove(&mut self, index: usize);
    /// Encodes every change made since `since`, as bytes to send.
    fn export_since(&self, since: &Self::Version) -> Vec<Vec<u8>>;
    /// Decodes and applies changes from [`ListEngine::export_since`] of another replica.
    fn import(&mut self, changes: &[Vec<u8>]);
    /// The list's values.
    fn values(&self) -> Vec<i64>;
}

/// A fixed-seed xorshift64* generator: tiny, fast and the same everywhere.
#[derive(Clone, Debug)]
pub struct XorShift(u64);

impl XorShift {
    /// A generator from a seed (0 is replaced by a fixed non-zero value).
    pub fn new(seed: u64) -> Self {
        XorShift(if seed == 0 { 0x9E37_79B9_7F4A_7C15 } else { seed })
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// The seed of every workload's random choices.
pub const SEED: u64 = 0xBA4D_5C0E;

/// What a timed run measured.
#[derive(Clone, Copy, Debug, Default)]
pub struct Measured {
    /// Time of the timed part.
    pub elapsed: Duration,
    /// Peak growth of resident memory during the timed part, when measurable.
    pub peak_rss: Option<u64>,
}

/// Times `f`, resetting the memory high-water mark first.
pub(crate) fn measure<T>(f: impl FnOnce() -> T) -> (T, Measured) {
    let probe = PeakProbe::start();
    let start = Instant::now();
    let out = f();
    let elapsed = start.elapsed();
    let peak_rss = probe.growth();
    (out, Measured { elapsed, peak_rss })
}

fn check_text(what: &str, got: &str, want: &str) -> Result<(), String> {
    if got == want {
        return Ok(());
    }
    let at = got.chars().zip(want.chars()).take_while(|(a, b)| a == b).count();
    Err(format!(
        "{what}: final text differs from the expected one at character {at} (lengths {} and {})",
        got.chars().count(),
        want.chars().count()
    ))
}

/// Replays a sequential trace: every txn in order on one document. Checks the end text.
pub fn sequential_trace<E: TextEngine>(trace: &Trace) -> Result<Measured, String> {
    sequential_trace_doc::<E>(trace).map(|(_, m)| m)
}

/// [`sequential_trace`], also returning the document.
pub fn sequential_trace_doc<E: TextEngine>(trace: &Trace) -> Result<(E, Measured), String> {
    let (doc, m) = measure(|| {
        let mut doc = E::create(&trace.start);
        for txn in &trace.txns {
            doc.edit(&txn.patches);
        }
        doc
    });
    if let Some(end) = &trace.end {
        check_text(&trace.name, &doc.text(), end)?;
    }
    Ok((doc, m))
}

/// For each txn of a concurrent trace, the number of each agent's txns in its history
/// (itself included): a version vector over agents, since each agent's txns form a chain.
pub fn agent_clocks(trace: &Trace) -> Result<Vec<Vec<u32>>, String> {
    let agents = trace.num_agents;
    let mut clocks: Vec<Vec<u32>> = Vec::with_capacity(trace.txns.len());
    let mut seen = vec![0u32; agents];
    for (i, txn) in trace.txns.iter().enumerate() {
        if txn.agent >= agents {
            return Err(format!("txn {i}: agent {} but only {agents} agents", txn.agent));
        }
        let mut clock = vec![0u32; agents];
        for &p in &txn.parents {
            for (c, pc) in clock.iter_mut().zip(&clocks[p]) {
                *c = (*c).max(*pc);
            }
        }
        if clock[txn.agent] != seen[txn.agent] {
            return Err(format!("txn {i}: its agent's previous txn is not among its ancestors"));
        }
        seen[txn.agent] += 1;
        clock[txn.agent] = seen[txn.agent];
        clocks.push(clock);
    }
    Ok(clocks)
}

/// Replays a concurrent trace as a real concurrent history: one replica per agent; before each
/// txn, its agent's replica receives exactly the txns in the txn's history it lacks (so it is
/// at the parents' version), then makes the edit as one transaction. Finally every replica
/// receives everything; all must end with the expected text.
pub fn concurrent_trace<E: TextEngine>(trace: &Trace) -> Result<Measured, String> {
    let clocks = agent_clocks(trace)?;
    let agents = trace.num_agents;
    // Each agent's txn indices, in order.
    let mut by_agent: Vec<Vec<usize>> = vec![Vec::new(); agents];
    for (i, t) in trace.txns.iter().enumerate() {
        by_agent[t.agent].push(i);
    }
    let (replicas, m) = measure(|| {
        let base = E::create(&trace.start);
        let mut replicas: Vec<E> = (0..agents).map(|a| base.fork(a as u64 + 1)).collect();
        drop(base);
        let mut known: Vec<Vec<u32>> = vec![vec![0; agents]; agents];
        let mut updates: Vec<Option<E::Update>> = Vec::with_capacity(trace.txns.len());
        let mut missing: Vec<usize> = Vec::new();
        let catch_up = |replica: &mut E,
                        known: &mut Vec<u32>,
                        target: &[u32],
                        own: usize,
                        updates: &[Option<E::Update>],
                        missing: &mut Vec<usize>| {
            missing.clear();
            for (b, txns) in by_agent.iter().enumerate() {
                if b != own && target[b] > known[b] {
                    missing.extend_from_slice(&txns[known[b] as usize..target[b] as usize]);
                    known[b] = target[b];
                }
            }
            if !missing.is_empty() {
                missing.sort_unstable();
                let batch: Vec<&E::Update> =
                    missing.iter().map(|&i| updates[i].as_ref().expect("txn applied before")).collect();
                replica.import(&batch);
            }
        };
        for (i, txn) in trace.txns.iter().enumerate() {
            let a = txn.agent;
            // The parents' version: this txn's clock without itself.
            let mut target = clocks[i].clone();
            target[a] -= 1;
            catch_up(&mut replicas[a], &mut known[a], &target, a, &updates, &mut missing);
            updates.push(Some(replicas[a].edit_and_export(&txn.patches)));
            known[a][a] += 1;
        }
        let all: Vec<u32> = by_agent.iter().map(|t| t.len() as u32).collect();
        for (a, replica) in replicas.iter_mut().enumerate() {
            catch_up(replica, &mut known[a], &all, a, &updates, &mut missing);
        }
        replicas
    });
    let first = replicas.first().map(E::text).unwrap_or_default();
    for (a, r) in replicas.iter().enumerate().skip(1) {
        check_text(&format!("{}: replica {a} against replica 0", trace.name), &r.text(), &first)?;
    }
    if let Some(end) = &trace.end {
        check_text(&trace.name, &first, end)?;
    }
    Ok(m)
}

/// Sizes of the score-like workload.
#[derive(Clone, Copy, Debug)]
pub struct ScoreSize {
    /// Notes appended.
    pub items: usize,
    /// Random pitch updates after that.
    pub updates: usize,
}

/// The note appended at `i`.
pub fn note(i: usize) -> Note {
    Note {
        pitch: 48 + (i % 36) as i64,
        dur_num: 1 + (i % 3) as i64,
        dur_den: 4 << (i % 3),
        voice: (i % 4) as i64,
    }
}

/// The score-like workload's updates: `(index, new pitch)`.
pub fn score_updates(size: ScoreSize) -> Vec<(usize, i64)> {
    let mut rng = XorShift::new(SEED);
    (0..size.updates).map(|_| (rng.below(size.items), 21 + rng.below(88) as i64)).collect()
}

/// Appends `items` notes one transaction each, then updates random pitches. Checks every pitch
/// against a plain model.
pub fn score_like<E: ScoreEngine>(size: ScoreSize) -> Result<Measured, String> {
    score_like_doc::<E>(size).map(|(_, m)| m)
}

/// The pitches the score-like workload must end with.
pub fn score_like_model(size: ScoreSize) -> Vec<i64> {
    let mut model: Vec<i64> = (0..size.items).map(|i| note(i).pitch).collect();
    for &(i, p) in &score_updates(size) {
        model[i] = p;
    }
    model
}

/// [`score_like`], also returning the document.
pub fn score_like_doc<E: ScoreEngine>(size: ScoreSize) -> Result<(E, Measured), String> {
    let updates = score_updates(size);
    let mut model: Vec<i64> = (0..size.items).map(|i| note(i).pitch).collect();
    for &(i, p) in &updates {
        model[i] = p;
    }
    let (doc, m) = measure(|| {
        let mut doc = E::create();
        for i in 0..size.items {
            doc.append(i, note(i));
        }
        for &(i, p) in &updates {
            doc.set_pitch(i, p);
        }
        doc
    });
    let got = doc.pitches();
    if got != model {
        let at = got.iter().zip(&model).take_while(|(a, b)| a == b).count();
        return Err(format!(
            "score-like: {} pitches, {} expected; first difference at {at}",
            got.len(),
            model.len()
        ));
    }
    Ok((doc, m))
}

/// Sizes of the concurrent-merge workload.
#[derive(Clone, Copy, Debug)]
pub struct MergeSize {
    /// Items in the list both replicas fork from.
    pub base: usize,
    /// Random edits each replica makes before merging.
    pub edits: usize,
}

/// One random list edit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListEdit {
    /// Insert the value at the index.
    Insert(usize, i64),
    /// Remove the element at the index.
    Remove(usize),
}

/// `n` random inserts and removes (half each) on a list of `len` elements.
pub fn list_edits(seed: u64, mut len: usize, n: usize) -> Vec<ListEdit> {
    let mut rng = XorShift::new(seed);
    (0..n)
        .map(|_| {
            if len == 0 || rng.next_u64() & 1 == 0 {
                let e = ListEdit::Insert(rng.below(len + 1), rng.below(1_000_000) as i64);
                len += 1;
                e
            } else {
                len -= 1;
                ListEdit::Remove(rng.below(len + 1))
            }
        })
        .collect()
}

/// Applies list edits in order, one transaction each.
pub fn apply_list_edits<E: ListEngine>(doc: &mut E, edits: &[ListEdit]) {
    for e in edits {
        match *e {
            ListEdit::Insert(i, v) => doc.insert(i, v),
            ListEdit::Remove(i) => doc.remove(i),
        }
    }
}

/// Two replicas fork from a list, each makes random edits, then they exchange their changes
/// (encoded to bytes and decoded, as over a network) and merge. Only the exchange and merge is
/// timed. Both must end equal, with the expected length. Returns the measurement and the bytes
/// each side exported.
pub fn concurrent_merge<E: ListEngine>(size: MergeSize) -> Result<(Measured, usize, usize), String> {
    let base_values: Vec<i64> = (0..size.base as i64).collect();
    let edits_a = list_edits(SEED, size.base, size.edits);
    let edits_b = list_edits(SEED ^ 0xFFFF, size.base, size.edits);
    let base = E::create(&base_values);
    let fork_point = base.version();
    let mut a = base.fork(2);
    let mut b = base.fork(3);
    drop(base);
    apply_list_edits(&mut a, &edits_a);
    apply_list_edits(&mut b, &edits_b);
    let len_a = a.values().len();
    let ((ab, ba), m) = measure(|| {
        let from_a = a.export_since(&fork_point);
        let from_b = b.export_since(&fork_point);
        a.import(&from_b);
        b.import(&from_a);
        let size = |x: &[Vec<u8>]| x.iter().map(Vec::len).sum::<usize>();
        (size(&from_a), size(&from_b))
    });
    let (va, vb) = (a.values(), b.values());
    if va != vb {
        return Err("concurrent-merge: the replicas differ after merging".into());
    }
    let removed = |edits: &[ListEdit]| edits.iter().filter(|e| matches!(e, ListEdit::Remove(_))).count();
    let inserted = |edits: &[ListEdit]| edits.len() - removed(edits);
    // Concurrent removes of the same element count once, so the length is bounded, not exact.
    let min = len_a + inserted(&edits_b) - removed(&edits_b);
    let max = len_a + inserted(&edits_b);
    if va.len() < min || va.len() > max {
        return Err(format!("concurrent-merge: merged length {} outside {min}..={max}", va.len()));
    }
    Ok((m, ab, ba))
}

/// Runs `f` `iters` times (at least once) and returns the median of its times in nanoseconds,
/// with the last result: for operations too quick to time once in a noisy process.
pub fn median_ns<T>(iters: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut times = Vec::with_capacity(iters.max(1));
    let mut last = None;
    for _ in 0..iters.max(1) {
        let start = Instant::now();
        let out = f();
        times.push(start.elapsed().as_nanos() as f64);
        last = Some(out);
    }
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], last.expect("at least one run"))
}
