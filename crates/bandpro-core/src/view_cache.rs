//! The materialised score: the engine document read into the shape `ScoreView` serves, kept
//! up to date measure by measure as changes arrive.

use std::collections::HashMap;
use std::sync::Arc;

use bandpro_crdt::{Document, ObjId, ObjType, ROOT, Value};
use bandpro_music::event::{Event, EventId};
use bandpro_music::{Interval, Key, MeasureInfo, PartInfo, Rational, TimeSignature};

use crate::error::{Error, Result};
use crate::schema::*;

/// A part as materialised.
#[derive(Clone, Debug)]
pub(crate) struct CachedPart {
    pub(crate) obj: ObjId,
    pub(crate) info: PartInfo,
}

/// Measure-level values beyond what `MeasureInfo` holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MeasureExtras {
    /// Barline style at the end ("light-heavy", "light-light", ...).
    pub barline: Option<String>,
    /// The time signature is written here (it changes here or this is the first measure).
    pub time_change: bool,
    /// The key signature is written here.
    pub key_change: bool,
}

/// A measure as materialised.
#[derive(Clone, Debug)]
pub(crate) struct CachedMeasure {
    pub(crate) obj: ObjId,
    pub(crate) events_list: ObjId,
    pub(crate) info: MeasureInfo,
    pub(crate) extras: MeasureExtras,
    /// Own explicit values, before inheritance.
    own_time: Option<TimeSignature>,
    own_key: Option<Key>,
    /// Transposition changes made here: (part key, interval).
    own_transpositions: Vec<(String, Interval)>,
    /// Per part (by index), the transposition change in force here, if any has been made by
    /// this measure; empty when the score has none at all.
    pub(crate) transpositions: Vec<Option<Interval>>,
    /// Event ids in list order (all parts and voices), to name deleted events.
    pub(crate) order: Vec<(EventId, usize, usize)>,
    /// Per part, per voice, the events with onsets.
    pub(crate) cells: Vec<Vec<Vec<Event>>>,
}

impl CachedMeasure {
    /// A measure whose fields and events are still to be read.
    fn unread(obj: ObjId, events_list: ObjId) -> CachedMeasure {
        CachedMeasure {
            obj,
            events_list,
            info: MeasureInfo::new(TimeSignature::COMMON, Key::C_MAJOR),
            extras: MeasureExtras::default(),
            own_time: None,
            own_key: None,
            own_transpositions: Vec::new(),
            transpositions: Vec::new(),
            order: Vec::new(),
            cells: Vec::new(),
        }
    }

    /// Whether the measure sets a time or key signature or a transposition of its own or is a
    /// pickup.
    pub(crate) fn sets_signature(&self) -> bool {
        self.own_time.is_some()
            || self.own_key.is_some()
            || !self.own_transpositions.is_empty()
            || self.info.pickup
    }
}

/// A change to the list of measures, as its patches report it.
#[derive(Clone, Debug)]
pub(crate) enum ListOp {
    /// Measures (their objects) inserted at an index.
    Insert(usize, Vec<ObjId>),
    /// `len` measures deleted at an index.
    Delete(usize, usize),
}

/// Where an event is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct EventPlace {
    pub(crate) obj: ObjId,
    pub(crate) measure_obj: ObjId,
}

#[derive(Clone, Debug)]
pub(crate) struct Cache {
    pub(crate) parts_list: ObjId,
    pub(crate) measures_list: ObjId,
    pub(crate) meta: ObjId,
    pub(crate) parts: Vec<CachedPart>,
    pub(crate) part_by_key: HashMap<String, usize, ahash::RandomState>,
    /// Shared between copies of a score until one of them re-reads a measure (copy on write):
    /// forecasts and time travel copy the view of a whole score.
    pub(crate) measures: Vec<Arc<CachedMeasure>>,
    pub(crate) measure_by_obj: HashMap<ObjId, usize, ahash::RandomState>,
    /// Events list object to its measure object.
    pub(crate) list_to_measure: HashMap<ObjId, ObjId, ahash::RandomState>,
    pub(crate) events: Arc<HashMap<EventId, EventPlace, ahash::RandomState>>,
    pub(crate) event_by_obj: Arc<HashMap<ObjId, EventId, ahash::RandomState>>,
    /// What could not be read (a malformed event or measure from a faulty peer): skipped, and
    /// reported here rather than dropped silently.
    pub(crate) warnings: Vec<String>,
}

pub(crate) fn object_at(doc: &Document, obj: &ObjId, key: &str, want: ObjType) -> Result<ObjId> {
    match doc.get(obj, key)? {
        Some(Value::Object(t, id)) if t == want => Ok(id),
        _ => Err(Error::NotAScore { what: format!("no {want:?} under {key:?}"), obj: *obj }),
    }
}

fn str_of(v: &Value) -> Option<&str> {
    v.as_str()
}

impl Cache {
    /// Reads the whole score.
    pub(crate) fn build(doc: &Document) -> Result<Cache> {
        let mut cache = Cache {
            parts_list: object_at(doc, &ROOT, PARTS, ObjType::List)?,
            measures_list: object_at(doc, &ROOT, MEASURES, ObjType::List)?,
            meta: object_at(doc, &ROOT, META, ObjType::Map)?,
            parts: Vec::new(),
            part_by_key: HashMap::default(),
            measures: Vec::new(),
            measure_by_obj: HashMap::default(),
            list_to_measure: HashMap::default(),
            events: Arc::default(),
            event_by_obj: Arc::default(),
            warnings: Vec::new(),
        };
        cache.rebuild_parts(doc)?;
        cache.rebuild_measures(doc)?;
        Ok(cache)
    }

    pub(crate) fn rebuild_parts(&mut self, doc: &Document) -> Result<()> {
        self.parts.clear();
        self.part_by_key.clear();
        for v in doc.list(&self.parts_list)? {
            let Value::Object(ObjType::Map, obj) = v else { continue };
            let mut info = PartInfo::plain("");
            let mut instrument = None;
            let mut transposition = None;
            let mut staves = None;
            doc.for_each_entry(&obj, |k, v| match k {
                NAME => info.name = str_of(&v).unwrap_or_default().to_owned(),
                INSTRUMENT => instrument = str_of(&v).map(str::to_owned),
                TRANSPOSITION => transposition = str_of(&v).and_then(|s| s.parse::<Interval>().ok()),
                STAVES => staves = v.as_int(),
                _ => {}
            })?;
            if let Some(inst) = instrument.and_then(|i| bandpro_music::instrument::by_id(&i).ok()) {
                let name = std::mem::take(&mut info.name);
                info = PartInfo::new(name, inst);
            }
            if let Some(t) = transposition {
                info.transposition = t;
            }
            if let Some(s) = staves {
                info.staves = s.clamp(1, 8) as u8;
            }
            let key = obj_key(&obj);
            self.part_by_key.insert(key.clone(), self.parts.len());
            self.parts.push(CachedPart { obj, info });
        }
        Ok(())
    }

    pub(crate) fn rebuild_measures(&mut self, doc: &Document) -> Result<()> {
        self.measures.clear();
        self.measure_by_obj.clear();
        self.list_to_measure.clear();
        self.events = Arc::default();
        self.event_by_obj = Arc::default();
        self.warnings.clear();
        for v in doc.list(&self.measures_list)? {
            let Value::Object(ObjType::Map, obj) = v else {
                self.warnings.push("a measure that is not a map was skipped".into());
                continue;
            };
            let Ok(events_list) = object_at(doc, &obj, EVENTS, ObjType::List) else {
                self.warnings.push(format!("measure {obj} has no events list and was skipped"));
                continue;
            };
            let idx = self.measures.len();
            self.measure_by_obj.insert(obj, idx);
            self.list_to_measure.insert(events_list, obj);
            self.measures.push(Arc::new(CachedMeasure::unread(obj, events_list)));
            self.read_measure_fields(doc, idx)?;
        }
        self.propagate_signatures();
        for i in 0..self.measures.len() {
            self.read_measure_events(doc, i)?;
        }
        Ok(())
    }

    /// Follows measures inserted into and deleted from the list of measures, in order; reads
    /// only the inserted ones. Returns `false` if the view then disagrees with the document's
    /// list (a measure the view skipped as malformed), and the caller rebuilds it.
    pub(crate) fn apply_list_ops(&mut self, doc: &Document, ops: &[ListOp]) -> Result<bool> {
        let mut fresh = Vec::new();
        for op in ops {
            match op {
                ListOp::Insert(index, objs) => {
                    if *index > self.measures.len() {
                        return Ok(false);
                    }
                    for (k, obj) in objs.iter().enumerate() {
                        let Ok(events_list) = object_at(doc, obj, EVENTS, ObjType::List) else {
                            return Ok(false);
                        };
                        self.list_to_measure.insert(events_list, *obj);
                        self.measures.insert(index + k, Arc::new(CachedMeasure::unread(*obj, events_list)));
                        fresh.push(*obj);
                    }
                }
                ListOp::Delete(index, len) => {
                    if index + len > self.measures.len() {
                        return Ok(false);
                    }
                    let events = Arc::make_mut(&mut self.events);
                    let event_by_obj = Arc::make_mut(&mut self.event_by_obj);
                    for m in self.measures.drain(*index..index + len) {
                        self.list_to_measure.remove(&m.events_list);
                        for (id, _, _) in &m.order {
                            if let Some(place) = events.remove(id) {
                                event_by_obj.remove(&place.obj);
                            }
                        }
                    }
                }
            }
        }
        self.measure_by_obj = self.measures.iter().enumerate().map(|(i, m)| (m.obj, i)).collect();
        let mut listed = Vec::with_capacity(self.measures.len());
        for v in doc.list(&self.measures_list)? {
            match v {
                Value::Object(ObjType::Map, obj) => listed.push(obj),
                _ => return Ok(false),
            }
        }
        if !listed.iter().eq(self.measures.iter().map(|m| &m.obj)) {
            return Ok(false);
        }
        for obj in fresh {
            if let Some(&i) = self.measure_by_obj.get(&obj) {
                self.read_measure_fields(doc, i)?;
                self.read_measure_events(doc, i)?;
            }
        }
        self.propagate_signatures();
        Ok(true)
    }

    fn read_measure_fields(&mut self, doc: &Document, i: usize) -> Result<()> {
        let m = Arc::make_mut(&mut self.measures[i]);
        let mut extras = MeasureExtras::default();
        let (mut time, mut key, mut pickup) = (None, None, false);
        let (mut tempo, mut repeat, mut ending, mut jumps) = (None, (false, None), 0, Default::default());
        let mut transpositions = Vec::new();
        doc.for_each_entry(&m.obj, |k, v| match k {
            k if k.starts_with(TRANSPOSITION_FROM) => {
                if let Some(iv) = str_of(&v).and_then(|s| s.parse::<Interval>().ok()) {
                    transpositions.push((k[TRANSPOSITION_FROM.len()..].to_owned(), iv));
                }
            }
            TIME => time = str_of(&v).and_then(|s| s.parse::<TimeSignature>().ok()),
            KEY => key = str_of(&v).and_then(|s| s.parse::<Key>().ok()),
            PICKUP => pickup = matches!(v.as_scalar(), Some(bandpro_crdt::ScalarValue::Bool(true))),
            TEMPO => tempo = str_of(&v).and_then(decode_tempo),
            BARLINE => extras.barline = str_of(&v).map(str::to_owned),
            REPEAT => repeat = str_of(&v).map(decode_repeat).unwrap_or_default(),
            ENDING => ending = str_of(&v).map(decode_ending).unwrap_or(0),
            JUMPS => jumps = str_of(&v).map(decode_jumps).unwrap_or_default(),
            _ => {}
        })?;
        m.own_time = time;
        m.own_key = key;
        m.own_transpositions = transpositions;
        m.info.pickup = pickup;
        m.info.tempo = tempo;
        (m.info.repeat_start, m.info.repeat_end) = repeat;
        m.info.ending = ending;
        m.info.jumps = jumps;
        m.extras = extras;
        Ok(())
    }

    /// Re-reads a measure's own fields (tempo, barline...; not signatures, which need
    /// [`Cache::rebuild_measures`] because later measures inherit them).
    pub(crate) fn read_measure_fields_pub(&mut self, doc: &Document, i: usize) -> Result<()> {
        self.read_measure_fields(doc, i)?;
        self.propagate_signatures();
        Ok(())
    }

    /// Whether any measure changes a part's transposition.
    pub(crate) fn has_transposition_changes(&self) -> bool {
        self.measures.iter().any(|m| !m.own_transpositions.is_empty())
    }

    /// Time and key (and transpositions) are stored where they change; every measure inherits
    /// what is in force.
    pub(crate) fn propagate_signatures(&mut self) {
        let mut time = TimeSignature::COMMON;
        let mut key = Key::C_MAJOR;
        let any_transposition = self.measures.iter().skip(1).any(|m| !m.own_transpositions.is_empty());
        let part_keys: Vec<String> = self.parts.iter().map(|p| obj_key(&p.obj)).collect();
        let mut transpositions: Vec<Option<Interval>> =
            if any_transposition { vec![None; part_keys.len()] } else { Vec::new() };
        for (i, shared) in self.measures.iter_mut().enumerate() {
            // A change in the first measure is the part's own transposition's business.
            if i > 0 {
                for (part, iv) in &shared.own_transpositions {
                    if let Some(p) = part_keys.iter().position(|k| k == part) {
                        transpositions[p] = Some(*iv);
                    }
                }
            }
            let time_change = i == 0 || shared.own_time.is_some_and(|t| t != time);
            let key_change = i == 0 || shared.own_key.is_some_and(|k| k != key);
            time = shared.own_time.unwrap_or(time);
            key = shared.own_key.unwrap_or(key);
            let m = &**shared;
            // Only a measure whose signatures change is copied (see `measures`).
            if (m.extras.time_change, m.extras.key_change, m.info.time, m.info.key)
                != (time_change, key_change, time, key)
                || m.transpositions != transpositions
            {
                let m = Arc::make_mut(shared);
                m.transpositions.clone_from(&transpositions);
                m.extras.time_change = time_change;
                m.extras.key_change = key_change;
                m.info.time = time;
                m.info.key = key;
            }
        }
    }

    /// Re-reads the events of measure `i` from the document.
    pub(crate) fn read_measure_events(&mut self, doc: &Document, i: usize) -> Result<()> {
        let n_parts = self.parts.len();
        let (list, measure_obj) = (self.measures[i].events_list, self.measures[i].obj);
        let events = Arc::make_mut(&mut self.events);
        let event_by_obj = Arc::make_mut(&mut self.event_by_obj);
        for (id, _, _) in std::mem::take(&mut Arc::make_mut(&mut self.measures[i]).order) {
            if let Some(place) = events.remove(&id) {
                event_by_obj.remove(&place.obj);
            }
        }
        let mut cells: Vec<Vec<Vec<Event>>> = vec![Vec::new(); n_parts];
        let mut order = Vec::new();
        for v in doc.list(&list)? {
            let Value::Object(ObjType::Map, obj) = v else { continue };
            let (part, voice, event) = match self.read_event(doc, &obj) {
                Ok(Some(e)) => e,
                Ok(None) => continue,
                Err(e) => {
                    self.warnings.push(format!("m.{}: event {obj} was skipped: {e}", i + 1));
                    continue;
                }
            };
            let voices = &mut cells[part];
            if voices.len() <= voice {
                voices.resize_with(voice + 1, Vec::new);
            }
            order.push((event.id, part, voice));
            Arc::make_mut(&mut self.events).insert(event.id, EventPlace { obj, measure_obj });
            Arc::make_mut(&mut self.event_by_obj).insert(obj, event.id);
            voices[voice].push(event);
        }
        // Onsets follow from the order and the durations; grace notes take no time.
        for voices in &mut cells {
            for events in voices.iter_mut() {
                let mut t = Rational::ZERO;
                for e in events.iter_mut() {
                    e.onset = t;
                    t += e.time_taken();
                }
            }
        }
        let m = Arc::make_mut(&mut self.measures[i]);
        m.cells = cells;
        m.order = order;
        Ok(())
    }

    /// Re-reads one event whose fields changed, in place. Returns `false` (and changes nothing)
    /// when the event moved to another part or voice or is not in the view, so the caller
    /// re-reads its measure instead.
    pub(crate) fn update_event(&mut self, doc: &Document, obj: &ObjId) -> Result<bool> {
        let Some(id) = self.event_by_obj.get(obj).copied() else { return Ok(false) };
        let Some(place) = self.events.get(&id).copied() else { return Ok(false) };
        let Some(&m) = self.measure_by_obj.get(&place.measure_obj) else { return Ok(false) };
        let Ok(Some((part, voice, mut event))) = self.read_event(doc, obj) else { return Ok(false) };
        let cells = &mut Arc::make_mut(&mut self.measures[m]).cells;
        let Some(events) = cells.get_mut(part).and_then(|v| v.get_mut(voice)) else { return Ok(false) };
        let Some(i) = events.iter().position(|e| e.id == id) else { return Ok(false) };
        event.onset = events[i].onset;
        let retime = event.time_taken() != events[i].time_taken();
        events[i] = event;
        if retime {
            let mut t = events[i].onset;
            for e in &mut events[i..] {
                e.onset = t;
                t += e.time_taken();
            }
        }
        Ok(true)
    }

    /// Reads one event map; `None` if it belongs to a part that no longer exists.
    fn read_event(&self, doc: &Document, obj: &ObjId) -> Result<Option<(usize, usize, Event)>> {
        let mut part = None;
        let mut voice = 0usize;
        let mut duration = Rational::ZERO;
        let mut notes = String::new();
        let mut event =
            Event::new(event_id(obj), Rational::ZERO, Rational::ZERO, bandpro_music::EventKind::Rest);
        let mut bad = None;
        doc.for_each_entry(obj, |k, v| match k {
            PART => part = str_of(&v).and_then(|s| self.part_by_key.get(s).copied()),
            VOICE => voice = v.as_int().unwrap_or(1).clamp(1, 8) as usize - 1,
            DURATION => match str_of(&v).map(str::parse::<Rational>) {
                Some(Ok(d)) => duration = d,
                _ => bad = Some("duration"),
            },
            NOTES => notes = str_of(&v).unwrap_or_default().to_owned(),
            // 0-based, as `Event::staff`; absent means staff 0.
            STAFF => event.staff = v.as_int().unwrap_or(0).clamp(0, 15) as u8,
            TUPLETS => match str_of(&v).map(decode_tuplets) {
                Some(Ok(t)) => event.tuplets = t,
                _ => bad = Some("tuplets"),
            },
            GRACE => event.grace = str_of(&v).and_then(decode_grace),
            ARTICULATIONS => event.articulations = str_of(&v).map(decode_articulations).unwrap_or_default(),
            DYNAMIC => event.dynamic = str_of(&v).and_then(decode_dynamic),
            LYRICS => event.lyrics = str_of(&v).map(decode_lyrics).unwrap_or_default(),
            CHORD_SYMBOL => event.chord_symbol = str_of(&v).and_then(decode_chord_symbol),
            CHORD_CHANGES => {
                event.chord_changes = str_of(&v).and_then(decode_chord_changes).unwrap_or_default()
            }
            CUE => event.cue = matches!(v.as_scalar(), Some(bandpro_crdt::ScalarValue::Bool(true))),
            _ => {}
        })?;
        if let Some(what) = bad {
            return Err(Error::NotAScore { what: format!("bad {what}"), obj: *obj });
        }
        let Some(part) = part else { return Ok(None) };
        event.duration = duration;
        event.kind = decode_notes(&notes)?;
        Ok(Some((part, voice, event)))
    }
}
