//! The score: a CRDT document with a music schema, its materialised view, change
//! notifications and incremental validation.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use bandpro_crdt::{
    Change, ChangeHash, Document, ObjId, ObjType, Patch, PatchAction, ROOT, ReplicaId, Value,
};
use bandpro_music::event::{Event, EventId};
use bandpro_music::validate::{self, ValidationConfig};
use bandpro_music::{MeasureInfo, PartInfo, Rational, ScoreView};

use crate::diagnostics::Diagnostics;
use crate::edit::ScoreTx;
use crate::error::{Error, Result};
use crate::notify::{ChangeKind, ScoreChange};
use crate::schema::*;
use crate::view_cache::{Cache, ListOp, MeasureExtras};

/// A stable reference to a part: it survives other parts being added, moved or removed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PartId(pub ObjId);

/// What an edit produced.
#[derive(Clone, Debug, PartialEq)]
pub struct Edit {
    /// The change it made (`None` if it edited nothing).
    pub hash: Option<ChangeHash>,
    /// What changed, in musical terms.
    pub changes: Vec<ScoreChange>,
}

/// A collaborative score.
///
/// ```
/// use bandpro_core::Score;
/// use bandpro_crdt::ReplicaId;
///
/// let mut score = Score::new(ReplicaId::from_u128(1)).unwrap();
/// let (trumpet, _) = score
///     .edit("copyist", "set up", |tx| {
///         let t = tx.add_part("Trumpet", Some("trumpet"))?;
///         tx.insert_measures(0, 4)?;
///         tx.append_note(t, 0, 0, "C5".parse()?, "1/4".parse()?)?;
///         Ok(t)
///     })
///     .unwrap();
/// let (_, edit) = score
///     .edit("arranger", "pickup", |tx| tx.append_note(trumpet, 0, 0, "D5".parse()?, "1/4".parse()?))
///     .unwrap();
/// assert_eq!(edit.changes[0].to_string(), "Trumpet m.1 v1: note inserted at beat 2");
/// ```
#[derive(Clone, Debug)]
pub struct Score {
    doc: Document,
    pub(crate) cache: Cache,
    config: ValidationConfig,
    /// Computed on first use after a change too wide to re-check measure by measure (a
    /// checkout, a structural edit); kept up to date incrementally after small edits.
    diagnostics: std::sync::OnceLock<Diagnostics>,
    /// Scratch buffers for re-checking measures (a clone starts with empty ones).
    validator: validate::Validator,
    pub(crate) undo: HashMap<String, UndoStacks>,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct UndoStacks {
    pub(crate) undo: Vec<ChangeHash>,
    pub(crate) redo: Vec<ChangeHash>,
}

impl Score {
    /// A new empty score edited as `replica`. Other replicas join it by applying its changes
    /// (or loading it), never by creating their own: two independently created scores are two
    /// different scores.
    pub fn new(replica: ReplicaId) -> Result<Score> {
        let mut doc = Document::with_replica(replica);
        doc.transact(|tx| {
            tx.set_message("new score");
            tx.put(&ROOT, "format", FORMAT)?;
            tx.put_object(&ROOT, META, ObjType::Map)?;
            tx.put_object(&ROOT, PARTS, ObjType::List)?;
            tx.put_object(&ROOT, MEASURES, ObjType::List)?;
            Ok::<_, bandpro_crdt::Error>(())
        })?;
        Self::from_document(doc)
    }

    /// A score over an existing document (loaded, or received from a peer).
    pub fn from_document(doc: Document) -> Result<Score> {
        let cache = Cache::build(&doc)?;
        Ok(Score {
            doc,
            cache,
            config: ValidationConfig::default(),
            diagnostics: std::sync::OnceLock::new(),
            validator: validate::Validator::new(),
            undo: HashMap::new(),
        })
    }

    /// The engine document underneath.
    pub fn document(&self) -> &Document {
        &self.doc
    }

    /// The current version.
    pub fn heads(&self) -> Vec<ChangeHash> {
        self.doc.heads()
    }

    /// A copy that edits as `replica` (a branch, or another user's replica in tests).
    pub fn fork(&self, replica: ReplicaId) -> Score {
        let mut s = self.clone();
        s.doc = self.doc.fork_as(replica);
        s.undo.clear();
        s
    }

    /// The score as it was at `heads`.
    pub fn at(&self, heads: &[ChangeHash]) -> Result<Score> {
        Score::from_document(self.doc.at(heads)?)
    }

    /// Title and other metadata.
    pub fn metadata(&self) -> Result<Vec<(String, String)>> {
        let mut out = Vec::new();
        self.doc.for_each_entry(&self.cache.meta, |k, v| {
            if let Some(s) = v.as_str() {
                out.push((k.to_owned(), s.to_owned()));
            }
        })?;
        out.sort();
        Ok(out)
    }

    /// The stable id of part `index`.
    pub fn part_id(&self, index: usize) -> Option<PartId> {
        self.cache.parts.get(index).map(|p| PartId(p.obj))
    }

    /// The stable string key of a part (what events and presence use to name it).
    pub fn part_key(&self, part: PartId) -> String {
        obj_key(&part.0)
    }

    /// The index of a part.
    pub fn part_index(&self, part: PartId) -> Option<usize> {
        self.cache.part_by_key.get(&obj_key(&part.0)).copied()
    }

    /// Tempo, barlines, repeats and endings of a measure.
    pub fn measure_extras(&self, measure: usize) -> Option<&MeasureExtras> {
        self.cache.measures.get(measure).map(|m| &m.extras)
    }

    /// Where an event is: part, measure, voice and index in the voice.
    pub fn locate(&self, event: EventId) -> Option<(usize, usize, usize, usize)> {
        let place = self.cache.events.get(&event)?;
        let m = *self.cache.measure_by_obj.get(&place.measure_obj)?;
        let measure = &self.cache.measures[m];
        // The measure's list order names the event's part and voice: search that voice only
        // (scanning every voice's events reads the whole measure, mostly not in the cache).
        if let Some(&(_, p, v)) = measure.order.iter().find(|(id, _, _)| *id == event)
            && let Some(i) = measure
                .cells
                .get(p)
                .and_then(|c| c.get(v))
                .and_then(|evs| evs.iter().position(|e| e.id == event))
        {
            return Some((p, m, v, i));
        }
        for (p, voices) in measure.cells.iter().enumerate() {
            for (v, events) in voices.iter().enumerate() {
                if let Some(i) = events.iter().position(|e| e.id == event) {
                    return Some((p, m, v, i));
                }
            }
        }
        None
    }

    /// The event with this id.
    pub fn event(&self, event: EventId) -> Option<&Event> {
        let (p, m, v, i) = self.locate(event)?;
        Some(&self.cache.measures[m].cells[p][v][i])
    }

    /// The engine object holding an event (for blame and diff).
    pub fn event_object(&self, event: EventId) -> Option<ObjId> {
        self.cache.events.get(&event).map(|p| p.obj)
    }

    /// The engine object of measure `index`.
    pub fn measure_object(&self, index: usize) -> Option<ObjId> {
        self.cache.measures.get(index).map(|m| m.obj)
    }

    /// Data from peers that could not be read as music (skipped, never dropped silently).
    pub fn warnings(&self) -> &[String] {
        &self.cache.warnings
    }

    /// The diagnostics of the current version, in score order. After a small edit they are
    /// kept up to date incrementally (only the measures it can affect are checked again);
    /// after a wide change (opening, a checkout, a structural edit) the first call validates
    /// the whole score.
    pub fn diagnostics(&self) -> &Diagnostics {
        // With a memo per measure, so that every edit after it re-checks only the edited part.
        // Making them costs a whole validation a fifth more; leaving them to each measure's
        // first re-check made that re-check a full one, and a random edit on the benchmark
        // score 4 µs slower in the median: a score is validated once and edited many times.
        self.diagnostics.get_or_init(|| {
            let (all, memos) = validate::Validator::new().validate_with_memos(self, &self.config);
            Diagnostics::new(self.measure_count(), all, memos)
        })
    }

    /// Sets the validation configuration; the diagnostics follow it.
    pub fn set_validation_config(&mut self, config: ValidationConfig) {
        self.config = config;
        self.forget_diagnostics();
    }

    /// Validates the whole score from scratch, now.
    pub fn revalidate_all(&mut self) {
        self.forget_diagnostics();
        self.diagnostics();
    }

    /// Drops the diagnostics, to be computed again when asked for.
    fn forget_diagnostics(&mut self) {
        self.diagnostics = std::sync::OnceLock::new();
    }

    /// Re-checks measures `range` and files the result in place of their old diagnostics.
    fn revalidate(&mut self, range: Range<usize>) {
        if self.diagnostics.get().is_none() {
            return;
        }
        let mut validator = std::mem::take(&mut self.validator);
        for m in range {
            let (fresh, memo) = validator.check_measure(&*self, m, &self.config);
            if let Some(diagnostics) = self.diagnostics.get_mut() {
                diagnostics.replace(m, fresh, memo);
            }
        }
        self.validator = validator;
    }

    /// Re-checks measure `m` after edits that changed only what events of part `p` sound
    /// there (or in a neighbour), keeping the verdicts on pairs of other parts' voices.
    /// With `accidentals_only`, only the part's courtesy accidentals there can have changed.
    fn revalidate_part(&mut self, m: usize, p: usize, accidentals_only: bool) {
        // The diagnostics are taken out while the validator reads the score.
        let Some(mut diagnostics) = self.diagnostics.take() else { return };
        let mut validator = std::mem::take(&mut self.validator);
        let done = diagnostics.update_measure(m, |list, memo| {
            if accidentals_only {
                validator.recheck_accidentals(&*self, m, p, &self.config, list, memo);
            } else {
                validator.recheck_part(&*self, m, p, &self.config, list, memo);
            }
        });
        self.validator = validator;
        self.diagnostics = std::sync::OnceLock::from(diagnostics);
        if !done {
            self.revalidate(m..m + 1);
        }
    }

    /// Whether any note of part `p` in measure `m` shows its accidental.
    fn shows_accidentals(&self, p: usize, m: usize) -> bool {
        (0..self.voice_count(p, m)).any(|v| {
            self.events(p, m, v)
                .iter()
                .any(|e| e.notes().iter().any(|n| n.accidental == bandpro_music::AccidentalDisplay::Shown))
        })
    }

    /// The measures to re-check after edits, and how (see [`Scope`]). A rule reads its own
    /// measure, the previous one (the last event of each voice, and every pitch of the part
    /// for courtesy accidentals) and the next one (the first event of each voice). So when only
    /// pitches, articulations, dynamics, lyrics or chord symbols of some events of one part
    /// changed, that part is re-checked in their measure, in the previous measure only if one
    /// of them opens its voice, and in the next one only if one closes its voice or the part
    /// shows accidentals there (then only those). Anything else, or two parts in one measure, takes full checks
    /// of the measure and both neighbours.
    fn revalidation_scope(
        &self,
        indices: &[usize],
        narrow: &HashMap<ObjId, bool>,
        dirty: &HashSet<ObjId>,
        event_measures: &[(ObjId, ObjId)],
    ) -> Scope {
        let count = self.measure_count();
        let mut full = std::collections::BTreeSet::new();
        // Measures where only what one part's events sound changed: `None` once two parts did.
        let mut one_part: std::collections::BTreeMap<usize, Option<usize>> = Default::default();
        let mut accidentals = std::collections::BTreeSet::new();
        let mut note_part = |m: usize, p: usize| {
            one_part.entry(m).and_modify(|q| *q = q.filter(|&q| q == p)).or_insert(Some(p));
        };
        for &m in indices {
            let mobj = self.cache.measures[m].obj;
            let events: Vec<&ObjId> =
                event_measures.iter().filter(|(_, mo)| *mo == mobj).map(|(e, _)| e).collect();
            let narrowable = !dirty.contains(&mobj)
                && !events.is_empty()
                && events.iter().all(|e| narrow.get(*e).copied().unwrap_or(false));
            if !narrowable {
                full.extend(validate::affected_measures(m..m + 1, count));
                continue;
            }
            for obj in events {
                let Some((p, at, v, i)) = self.event_id_of(obj).and_then(|id| self.locate(id)) else {
                    full.extend(validate::affected_measures(m..m + 1, count));
                    continue;
                };
                note_part(m, p);
                let evs = self.events(p, at, v);
                let opens = evs[..i].iter().all(Event::is_grace);
                let closes = evs[i + 1..].iter().all(Event::is_grace);
                if opens && m > 0 {
                    note_part(m - 1, p);
                }
                if m + 1 < count {
                    if closes {
                        note_part(m + 1, p);
                    } else if self.shows_accidentals(p, m + 1) {
                        // Only the part's own shown accidentals in the next measure read its
                        // pitches here; with none shown there, nothing there can change.
                        accidentals.insert((m + 1, p));
                    }
                }
            }
        }
        for (&m, p) in &one_part {
            if p.is_none() {
                full.insert(m);
            }
        }
        let one_part: Vec<(usize, usize)> = one_part
            .into_iter()
            .filter(|(m, _)| !full.contains(m))
            .filter_map(|(m, p)| Some((m, p?)))
            .collect();
        let accidentals = accidentals
            .into_iter()
            .filter(|(m, _)| !full.contains(m) && !one_part.iter().any(|(o, _)| o == m))
            .collect();
        Scope { full: full.into_iter().collect(), one_part, accidentals }
    }

    /// Makes one change: every edit in `f` applies together, or none does.
    pub fn edit<T>(
        &mut self,
        author: &str,
        message: &str,
        f: impl FnOnce(&mut ScoreTx<'_>) -> Result<T>,
    ) -> Result<(T, Edit)> {
        let Score { doc, cache, .. } = self;
        let mut tx = ScoreTx::new(doc.transaction(), cache);
        tx.set_author_message(author, message);
        let value = f(&mut tx)?;
        let commit = tx.commit();
        let changes = self.absorb(&commit.patches)?;
        if let Some(h) = commit.hash {
            let stacks = self.undo.entry(author.to_owned()).or_default();
            stacks.undo.push(h);
            stacks.redo.clear();
        }
        Ok((value, Edit { hash: commit.hash, changes }))
    }

    /// Erases the personal fields (author, message) of `hashes` here and on every replica this
    /// score syncs with, by a change that records the erasure (see
    /// `bandpro_crdt::Document::erase_changes`). Returns that change, or `None` if all of them
    /// were erased already.
    pub fn erase_changes(&mut self, hashes: &[ChangeHash]) -> Result<Option<ChangeHash>> {
        // The record writes reserved root keys only, which the view does not read.
        Ok(self.doc.erase_changes(hashes)?)
    }

    /// Keeps, from now on, what each change overwrote, so that [`Score::checkout_from`] moves
    /// this score between versions by the changes that differ instead of rebuilding it (see
    /// `bandpro_crdt::Document::enable_rewind`). Copies and forks made afterwards keep it.
    pub fn enable_rewind(&mut self) {
        self.doc.enable_rewind();
    }

    /// Moves this score in place to version `heads` of `source` (a document holding every
    /// change of this one, such as a repository's whole log), editing as `replica` from then
    /// on: the changes `heads` lacks are taken back and the missing ones applied, and the view
    /// follows (see `bandpro_crdt::Document::checkout_from`). Undo history is cleared.
    pub fn checkout_from(
        &mut self,
        source: &Document,
        heads: &[ChangeHash],
        replica: ReplicaId,
    ) -> Result<Vec<ScoreChange>> {
        self.undo.clear();
        if let Some(patches) = self.doc.checkout_from(source, heads, replica)?
            && let Ok(changes) = self.absorb(&patches)
        {
            return Ok(changes);
        }
        // Rebuilt from scratch, or patches the view could not follow: read it all again.
        self.cache = Cache::build(&self.doc)?;
        self.forget_diagnostics();
        Ok(Vec::new())
    }

    /// Applies changes from another replica.
    pub fn apply_changes(&mut self, changes: Vec<Change>) -> Result<Vec<ScoreChange>> {
        let patches = self.doc.apply_changes(changes)?;
        self.absorb(&patches)
    }

    /// The next sync message for a peer (see `bandpro_crdt::SyncState`), or `None`.
    pub fn sync_generate(&self, state: &mut bandpro_crdt::SyncState) -> Option<Vec<u8>> {
        state.generate_message(&self.doc)
    }

    /// Takes a sync message from a peer: verifies and applies its changes and says what
    /// changed in musical terms.
    pub fn sync_receive(
        &mut self,
        state: &mut bandpro_crdt::SyncState,
        message: &[u8],
    ) -> Result<Vec<ScoreChange>> {
        let patches = state.receive_message(&mut self.doc, message)?;
        self.absorb(&patches)
    }

    /// Applies every change of `other` that this score lacks.
    pub fn merge(&mut self, other: &Score) -> Result<Vec<ScoreChange>> {
        let patches = self.doc.merge(&other.doc)?;
        self.absorb(&patches)
    }

    /// Where an engine object sits in this score: `(part, measure)` for an event, `(None,
    /// measure)` for a measure or its event list.
    pub(crate) fn place_of(&self, obj: &ObjId) -> Option<(Option<usize>, usize)> {
        if let Some(id) = self.cache.event_by_obj.get(obj) {
            let (p, m, _, _) = self.locate(*id)?;
            return Some((Some(p), m));
        }
        if let Some(m) = self.cache.list_to_measure.get(obj) {
            return self.cache.measure_by_obj.get(m).map(|&i| (None, i));
        }
        self.cache.measure_by_obj.get(obj).map(|&i| (None, i))
    }

    /// What an edit of engine object `obj` can change for validation (see [`Reach`]).
    pub(crate) fn validation_reach(&self, obj: &ObjId) -> Reach {
        let c = &self.cache;
        if let Some(place) = c.event_by_obj.get(obj).and_then(|id| c.events.get(id)) {
            return Reach::Measure(place.measure_obj);
        }
        if let Some(m) = c.list_to_measure.get(obj) {
            return Reach::Measure(*m);
        }
        if c.measure_by_obj.contains_key(obj) {
            return Reach::MeasureItself(*obj);
        }
        if *obj == c.measures_list {
            return Reach::MeasureList;
        }
        if *obj == c.parts_list || c.parts.iter().any(|p| p.obj == *obj) {
            return Reach::Everything;
        }
        Reach::Nothing
    }

    /// The index of a measure object in this score.
    pub(crate) fn measure_index(&self, measure: &ObjId) -> Option<usize> {
        self.cache.measure_by_obj.get(measure).copied()
    }

    /// Whether measure `m` sets a time or key signature or is a pickup: what later measures
    /// inherit or what changes the measure's length.
    pub(crate) fn measure_sets_signature(&self, m: usize) -> bool {
        self.cache.measures[m].sets_signature()
    }

    /// The validation settings.
    pub fn validation_config(&self) -> &ValidationConfig {
        &self.config
    }

    /// Whether an engine object is a list that holds a measure's events.
    pub(crate) fn is_container(&self, obj: &ObjId) -> bool {
        self.cache.list_to_measure.contains_key(obj)
    }

    /// The voice an event object is in.
    pub(crate) fn voice_of(&self, obj: &ObjId) -> Option<usize> {
        let id = self.cache.event_by_obj.get(obj)?;
        self.locate(*id).map(|x| x.2)
    }

    /// The event an engine object holds.
    pub(crate) fn event_of(&self, obj: &ObjId) -> Option<&Event> {
        self.cache.event_by_obj.get(obj).and_then(|id| self.event(*id))
    }

    /// The event an engine object holds, by id.
    pub fn event_id_for(&self, obj: &ObjId) -> Option<EventId> {
        self.event_id_of(obj)
    }

    /// The event id of an engine object.
    pub(crate) fn event_id_of(&self, obj: &ObjId) -> Option<EventId> {
        self.cache.event_by_obj.get(obj).copied()
    }

    pub(crate) fn doc_mut(&mut self) -> &mut Document {
        &mut self.doc
    }

    /// Brings the materialised view and the diagnostics up to date after patches, and says
    /// what changed in musical terms.
    pub(crate) fn absorb(&mut self, patches: &[Patch]) -> Result<Vec<ScoreChange>> {
        if patches.is_empty() {
            return Ok(Vec::new());
        }
        let cache = &self.cache;
        let part_objs: HashSet<ObjId> = cache.parts.iter().map(|p| p.obj).collect();
        let mut parts_dirty = false;
        let mut structure_dirty = false;
        let mut signatures_dirty = false;
        // Measures whose event lists changed (re-read whole), and events whose fields changed
        // (re-read alone when their measure is not re-read anyway).
        let mut dirty: HashSet<ObjId> = HashSet::new();
        let mut dirty_events: Vec<(ObjId, ObjId)> = Vec::new();
        let mut notes: Vec<Pending> = Vec::new();
        // The list order of each touched measure as the patches unfold, to name deleted events.
        let mut orders: HashMap<ObjId, Vec<(EventId, usize, usize)>> = HashMap::new();
        // Measures inserted and deleted, in order.
        let mut list_ops: Vec<ListOp> = Vec::new();
        // Per edited event, whether only fields in `NARROW_FIELDS` changed.
        let mut narrow: HashMap<ObjId, bool> = HashMap::new();
        for p in patches {
            if p.obj == cache.parts_list {
                parts_dirty = true;
                match &p.action {
                    PatchAction::Insert { values, .. } => {
                        notes.extend(values.iter().map(|_| Pending::Plain(ChangeKind::PartAdded)))
                    }
                    PatchAction::DeleteSeq { len, .. } => {
                        notes.extend((0..*len).map(|_| Pending::Plain(ChangeKind::PartRemoved)))
                    }
                    _ => {}
                }
            } else if part_objs.contains(&p.obj) {
                parts_dirty = true;
                if let PatchAction::PutMap { key, .. } | PatchAction::DeleteMap { key } = &p.action {
                    notes.push(Pending::Plain(ChangeKind::PartChanged(field_name(key))));
                }
            } else if p.obj == cache.measures_list {
                structure_dirty = true;
                match &p.action {
                    PatchAction::Insert { index, values } => {
                        let objs = values
                            .iter()
                            .map(|v| match v {
                                Value::Object(_, obj) => *obj,
                                _ => ObjId::Root,
                            })
                            .collect();
                        list_ops.push(ListOp::Insert(*index, objs));
                        // Consecutive single inserts are one insertion of several measures.
                        if let Some(Pending::Measures(ChangeKind::MeasuresInserted(n), at)) = notes.last_mut()
                            && *at + *n == *index
                        {
                            *n += values.len();
                        } else {
                            notes.push(Pending::Measures(ChangeKind::MeasuresInserted(values.len()), *index));
                        }
                    }
                    PatchAction::DeleteSeq { index, len } => {
                        list_ops.push(ListOp::Delete(*index, *len));
                        notes.push(Pending::Measures(ChangeKind::MeasuresDeleted(*len), *index))
                    }
                    _ => {}
                }
            } else if p.obj == cache.meta {
                if let PatchAction::PutMap { key, .. } | PatchAction::DeleteMap { key } = &p.action {
                    notes.push(Pending::Plain(ChangeKind::MetadataChanged(key.clone())));
                }
            } else if let Some(&m) = cache.measure_by_obj.get(&p.obj) {
                if let PatchAction::PutMap { key, .. } | PatchAction::DeleteMap { key } = &p.action {
                    if key == TIME || key == KEY || key == PICKUP || key.starts_with(TRANSPOSITION_FROM) {
                        signatures_dirty = true;
                    }
                    dirty.insert(p.obj);
                    notes.push(Pending::Measure(ChangeKind::MeasureChanged(field_name(key)), p.obj, m));
                }
            } else if let Some(&measure_obj) = cache.list_to_measure.get(&p.obj) {
                dirty.insert(measure_obj);
                let m = cache.measure_by_obj[&measure_obj];
                let order = orders.entry(measure_obj).or_insert_with(|| cache.measures[m].order.clone());
                match &p.action {
                    PatchAction::Insert { index, values } => {
                        for (k, v) in values.iter().enumerate() {
                            let id = match v {
                                Value::Object(_, obj) => event_id(obj),
                                _ => EventId(0),
                            };
                            order.insert((index + k).min(order.len()), (id, usize::MAX, 0));
                            notes.push(Pending::Event(ChangeKind::EventInserted, id));
                        }
                    }
                    PatchAction::DeleteSeq { index, len } => {
                        let end = (index + len).min(order.len());
                        let start = (*index).min(end);
                        for (id, part, voice) in order.drain(start..end) {
                            notes.push(Pending::Deleted(id, m, part, voice));
                        }
                    }
                    _ => {}
                }
            } else if let Some(&id) = cache.event_by_obj.get(&p.obj) {
                if let Some(place) = cache.events.get(&id) {
                    dirty_events.push((p.obj, place.measure_obj));
                }
                let ok = match &p.action {
                    PatchAction::PutMap { key, .. } | PatchAction::DeleteMap { key } => {
                        notes.push(Pending::Event(ChangeKind::EventChanged(field_name(key)), id));
                        NARROW_FIELDS.contains(&key.as_str())
                    }
                    _ => false,
                };
                narrow.entry(p.obj).and_modify(|n| *n &= ok).or_insert(ok);
            }
            // Anything else is inside an object created by this very change (a new event or
            // measure), and is covered by the patch that inserted it.
        }

        if parts_dirty {
            self.cache.rebuild_parts(&self.doc)?;
            self.cache.rebuild_measures(&self.doc)?;
            self.forget_diagnostics();
        } else {
            if structure_dirty {
                // Only the inserted measures are read; if the view and the document disagree
                // afterwards (a malformed measure from a faulty peer), everything is.
                if !self.cache.apply_list_ops(&self.doc, &list_ops)? {
                    self.cache.rebuild_measures(&self.doc)?;
                }
            }
            if structure_dirty || signatures_dirty {
                // Measures met new neighbours or inherit other signatures: the diagnostics
                // of any measure may change.
                self.forget_diagnostics();
            }
            let mut touched: HashSet<ObjId> = dirty.clone();
            let event_measures = dirty_events.clone();
            for (obj, measure) in dirty_events {
                if !dirty.contains(&measure) && !self.cache.update_event(&self.doc, &obj)? {
                    dirty.insert(measure);
                }
                touched.insert(measure);
            }
            let mut indices: Vec<usize> =
                touched.iter().filter_map(|o| self.cache.measure_by_obj.get(o).copied()).collect();
            indices.sort_unstable();
            for &m in &indices {
                if dirty.contains(&self.cache.measures[m].obj) {
                    self.cache.read_measure_fields_pub(&self.doc, m)?;
                    self.cache.read_measure_events(&self.doc, m)?;
                }
            }
            // Past a few dozen measures, checking them one by one costs about what a whole
            // validation does: leave it for when the diagnostics are asked for.
            if indices.len() > WIDE_CHANGE_MEASURES {
                self.forget_diagnostics();
            }
            if self.diagnostics.get().is_some() {
                let scope = self.revalidation_scope(&indices, &narrow, &dirty, &event_measures);
                for r in ranges(&scope.full) {
                    self.revalidate(r);
                }
                for (m, p) in scope.one_part {
                    self.revalidate_part(m, p, false);
                }
                for (m, p) in scope.accidentals {
                    self.revalidate_part(m, p, true);
                }
            }
        }
        Ok(notes.into_iter().map(|n| self.describe(n)).collect())
    }

    fn describe(&self, n: Pending) -> ScoreChange {
        match n {
            Pending::Plain(kind) => ScoreChange::new(kind),
            Pending::Measures(kind, at) => {
                let mut c = ScoreChange::new(kind);
                c.measure = Some(at);
                c
            }
            Pending::Measure(kind, obj, old) => {
                let mut c = ScoreChange::new(kind);
                c.measure = self.cache.measure_by_obj.get(&obj).copied().or(Some(old));
                c
            }
            Pending::Event(kind, id) => {
                let mut c = ScoreChange::new(kind);
                c.event = Some(id);
                if let Some((p, m, v, i)) = self.locate(id) {
                    let e = &self.cache.measures[m].cells[p][v][i];
                    c.part = Some(p);
                    c.part_name = Some(self.cache.parts[p].info.name.clone());
                    c.measure = Some(m);
                    c.voice = Some(v);
                    c.beat = Some(beat_of(e.onset, &self.cache.measures[m].info));
                }
                c
            }
            Pending::Deleted(id, m, p, v) => {
                let mut c = ScoreChange::new(ChangeKind::EventDeleted);
                c.event = Some(id);
                c.measure = Some(m);
                if p != usize::MAX {
                    c.part = Some(p);
                    c.part_name = self.cache.parts.get(p).map(|x| x.info.name.clone());
                    c.voice = Some(v);
                }
                c
            }
        }
    }
}

enum Pending {
    Plain(ChangeKind),
    Measures(ChangeKind, usize),
    Measure(ChangeKind, ObjId, usize),
    Event(ChangeKind, EventId),
    Deleted(EventId, usize, usize, usize),
}

/// What a schema key means, for people.
pub(crate) fn field_label(key: &str) -> &'static str {
    field_name(key)
}

fn field_name(key: &str) -> &'static str {
    match key {
        NOTES => "pitch",
        DURATION => "duration",
        TUPLETS => "tuplet",
        GRACE => "grace",
        ARTICULATIONS => "articulation",
        DYNAMIC => "dynamic",
        LYRICS => "lyrics",
        CHORD_SYMBOL => "chord symbol",
        CHORD_CHANGES => "chord changes",
        STAFF => "staff",
        VOICE => "voice",
        PART => "part",
        k if k.starts_with(TRANSPOSITION_FROM) => "transposition",
        TIME => "time signature",
        KEY => "key signature",
        PICKUP => "pickup",
        TEMPO => "tempo",
        BARLINE => "barline",
        REPEAT => "repeat",
        ENDING => "ending",
        NAME => "name",
        INSTRUMENT => "instrument",
        TRANSPOSITION => "transposition",
        STAVES => "staves",
        _ => "field",
    }
}

/// What an edit of an engine object can change for validation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reach {
    /// Nothing the rules read (metadata, or an object this score does not show).
    Nothing,
    /// The events of this measure object (an event, or the measure's event list).
    Measure(ObjId),
    /// This measure object itself: its fields, or the measure as created.
    MeasureItself(ObjId),
    /// The list of measures (measures inserted or deleted).
    MeasureList,
    /// Any measure (a part, the list of parts).
    Everything,
}

/// What to re-check after an edit (see `Score::revalidation_scope`).
struct Scope {
    /// Measures to check in full.
    full: Vec<usize>,
    /// Measures where only what one part's events sound changed, with that part.
    one_part: Vec<(usize, usize)>,
    /// Measures where only one part's courtesy accidentals can change, with that part.
    accidentals: Vec<(usize, usize)>,
}

/// How many touched measures make a change wide: the diagnostics are then recomputed on demand
/// instead of measure by measure.
const WIDE_CHANGE_MEASURES: usize = 48;

/// Event fields whose change the rules see only through the event itself and its measure's
/// pitches (see `Score::revalidation_scope`): notes (pitches and ties), articulations,
/// dynamics, lyrics and chord symbols. Duration, staff, tuplets, grace and cue change where
/// events sit or how they are judged, and take the full check.
const NARROW_FIELDS: [&str; 6] = [NOTES, ARTICULATIONS, DYNAMIC, LYRICS, CHORD_SYMBOL, CHORD_CHANGES];

/// The 1-based beat of an onset, counting in the time signature's beat unit.
pub(crate) fn beat_of(onset: Rational, info: &MeasureInfo) -> Rational {
    let unit = Rational::new(1, i64::from(info.time.denominator()));
    onset / unit + Rational::ONE
}

/// Sorted indices to maximal contiguous ranges.
fn ranges(sorted: &[usize]) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::new();
    for &i in sorted {
        match out.last_mut() {
            Some(r) if r.end == i || r.end == i + 1 => r.end = i + 1,
            _ => out.push(i..i + 1),
        }
    }
    out
}

impl ScoreView for Score {
    fn part_count(&self) -> usize {
        self.cache.parts.len()
    }

    fn part(&self, part: usize) -> &PartInfo {
        &self.cache.parts[part].info
    }

    fn measure_count(&self) -> usize {
        self.cache.measures.len()
    }

    fn measure(&self, measure: usize) -> &MeasureInfo {
        &self.cache.measures[measure].info
    }

    fn voice_count(&self, part: usize, measure: usize) -> usize {
        self.cache.measures[measure].cells.get(part).map_or(0, Vec::len)
    }

    fn events(&self, part: usize, measure: usize, voice: usize) -> &[Event] {
        self.cache.measures[measure].cells.get(part).and_then(|v| v.get(voice)).map_or(&[], Vec::as_slice)
    }

    fn transposition(&self, part: usize, measure: usize) -> bandpro_music::Interval {
        self.cache
            .measures
            .get(measure)
            .and_then(|m| m.transpositions.get(part).copied().flatten())
            .unwrap_or_else(|| self.part(part).transposition)
    }
}

impl Error {
    pub(crate) fn no_part(part: PartId) -> Error {
        Error::NoSuchPart(obj_key(&part.0))
    }
}
