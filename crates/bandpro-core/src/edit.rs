//! The typed, transactional editing API of a score.
//!
//! Inside [`crate::Score::edit`], every method reads the document as the transaction has left
//! it, so edits compose (insert a measure, then write into it). Any error undoes the whole edit.

use std::collections::HashMap;
use std::ops::Range;

use bandpro_crdt::{Commit, ObjId, ObjType, Transaction, Value};
use bandpro_music::event::{
    Articulations, ChordChange, Dynamic, Event, EventId, Grace, Lyric, Note, Syllabic, Tie, TupletMark,
};
use bandpro_music::{ChordSymbol, EventKind, Interval, Key, Pitch, Rational, TimeSignature};

use crate::error::{Error, Result};
use crate::schema::*;
use crate::score::PartId;
use crate::view_cache::{Cache, object_at};

/// The most voices a part has in one measure.
pub const MAX_VOICES: usize = 8;

/// Edits of one change; see the module docs.
pub struct ScoreTx<'a> {
    tx: Transaction<'a>,
    cache: &'a Cache,
    new_events: HashMap<EventId, ObjId>,
    /// Whether measures or parts were inserted or removed in this transaction: then the
    /// materialised view's measure numbers no longer hold.
    restructured: bool,
    /// Measures (by object) whose event lists this transaction changed.
    touched: std::collections::HashSet<ObjId>,
    /// For event lists this transaction changed: each element's part key and voice, in list
    /// order, kept up to date by `insert_event`, so that filling a measure event by event does
    /// not read the whole list for every event (that made building a score quadratic).
    orders: HashMap<ObjId, Vec<(String, i64)>>,
}

fn check_duration(d: Rational, grace: bool) -> Result<()> {
    if d.is_positive() || (grace && d.is_zero()) {
        Ok(())
    } else {
        Err(Error::InvalidDuration(d.to_string()))
    }
}

impl<'a> ScoreTx<'a> {
    pub(crate) fn new(tx: Transaction<'a>, cache: &'a Cache) -> Self {
        ScoreTx {
            tx,
            cache,
            new_events: HashMap::new(),
            restructured: false,
            touched: Default::default(),
            orders: HashMap::new(),
        }
    }

    pub(crate) fn set_author_message(&mut self, author: &str, message: &str) {
        self.tx.set_author(author).set_message(message);
    }

    pub(crate) fn commit(self) -> Commit {
        self.tx.commit()
    }

    /// The engine transaction, for edits outside the score schema (app-specific data).
    pub fn raw(&mut self) -> &mut Transaction<'a> {
        // Raw edits may change any list: the kept orders are read again when needed.
        self.orders.clear();
        &mut self.tx
    }

    // ----- metadata and parts -----

    /// Sets a metadata field ("title", "composer", "arranger", ...).
    pub fn set_metadata(&mut self, key: &str, value: &str) -> Result<()> {
        Ok(self.tx.put(&self.cache.meta, key, value)?)
    }

    /// Inserts a part at position `index` (0 = top).
    pub fn insert_part(&mut self, index: usize, name: &str, instrument: Option<&str>) -> Result<PartId> {
        self.restructured = true;
        let inst = instrument.map(bandpro_music::instrument::by_id).transpose()?;
        let list = self.cache.parts_list;
        let len = self.tx.doc().length(&list)?;
        let part = self.tx.insert_object(&list, index.min(len), ObjType::Map)?;
        self.tx.put(&part, NAME, name)?;
        if let Some(inst) = inst {
            self.tx.put(&part, INSTRUMENT, inst.id)?;
            self.tx.put(&part, TRANSPOSITION, inst.transposition.to_string())?;
        }
        Ok(PartId(part))
    }

    /// Adds a part at the bottom of the score. `instrument` is an id of the instrument table
    /// (`bandpro_music::instrument::all()`), which sets transposition and ranges.
    pub fn add_part(&mut self, name: &str, instrument: Option<&str>) -> Result<PartId> {
        self.restructured = true;
        let inst = instrument.map(bandpro_music::instrument::by_id).transpose()?;
        let list = self.cache.parts_list;
        let at = self.tx.doc().length(&list)?;
        let part = self.tx.insert_object(&list, at, ObjType::Map)?;
        self.tx.put(&part, NAME, name)?;
        if let Some(inst) = inst {
            self.tx.put(&part, INSTRUMENT, inst.id)?;
            self.tx.put(&part, TRANSPOSITION, inst.transposition.to_string())?;
        }
        Ok(PartId(part))
    }

    fn part_position(&self, part: PartId) -> Result<usize> {
        self.tx
            .doc()
            .list(&self.cache.parts_list)?
            .iter()
            .position(|v| v.as_object() == Some(part.0))
            .ok_or_else(|| Error::no_part(part))
    }

    /// Removes a part and its events.
    pub fn remove_part(&mut self, part: PartId) -> Result<()> {
        self.restructured = true;
        let at = self.part_position(part)?;
        let key = obj_key(&part.0);
        for m in 0..self.measure_count()? {
            let list = self.events_list(m)?;
            let values = self.tx.doc().list(&list)?;
            for (i, v) in values.iter().enumerate().rev() {
                if let Some(obj) = v.as_object()
                    && self.tx.doc().get(&obj, PART)?.and_then(|p| p.as_str().map(str::to_owned))
                        == Some(key.clone())
                {
                    self.tx.remove(&list, i, 1)?;
                }
            }
        }
        self.tx.remove(&self.cache.parts_list, at, 1)?;
        Ok(())
    }

    /// Renames a part.
    pub fn set_part_name(&mut self, part: PartId, name: &str) -> Result<()> {
        self.part_position(part)?;
        Ok(self.tx.put(&part.0, NAME, name)?)
    }

    // ----- measures -----

    /// How many measures the score has now.
    pub fn measure_count(&self) -> Result<usize> {
        Ok(self.tx.doc().length(&self.cache.measures_list)?)
    }

    fn measure_obj(&self, measure: usize) -> Result<ObjId> {
        let count = self.measure_count()?;
        match self.tx.doc().get(&self.cache.measures_list, measure)? {
            Some(Value::Object(ObjType::Map, obj)) => Ok(obj),
            _ => Err(Error::NoSuchMeasure { index: measure, count }),
        }
    }

    fn events_list(&self, measure: usize) -> Result<ObjId> {
        let m = self.measure_obj(measure)?;
        object_at(self.tx.doc(), &m, EVENTS, ObjType::List)
    }

    /// The time signature and key in force at `measure`, as the document stands.
    fn signatures_at(&self, measure: usize) -> Result<(TimeSignature, Key)> {
        let (mut time, mut key) = (TimeSignature::COMMON, Key::C_MAJOR);
        for m in 0..=measure {
            let obj = self.measure_obj(m)?;
            if let Some(t) =
                self.tx.doc().get(&obj, TIME)?.and_then(|v| v.as_str().and_then(|s| s.parse().ok()))
            {
                time = t;
            }
            if let Some(k) =
                self.tx.doc().get(&obj, KEY)?.and_then(|v| v.as_str().and_then(|s| s.parse().ok()))
            {
                key = k;
            }
        }
        Ok((time, key))
    }

    fn touch_list(&mut self, list: &ObjId) {
        self.orders.remove(list);
        match self.cache.list_to_measure.get(list) {
            Some(m) => {
                self.touched.insert(*m);
            }
            None => self.restructured = true,
        }
    }

    /// Inserts `count` empty measures before measure `at` (0 to the count), in every part.
    /// They inherit the time and key signature in force.
    pub fn insert_measures(&mut self, at: usize, count: usize) -> Result<()> {
        self.restructured = true;
        let total = self.measure_count()?;
        if at > total {
            return Err(Error::NoSuchMeasure { index: at, count: total });
        }
        let inherited = if total > 0 { Some(self.signatures_at(at.min(total - 1))?) } else { None };
        let list = self.cache.measures_list;
        for i in 0..count {
            let m = self.tx.insert_object(&list, at + i, ObjType::Map)?;
            self.tx.put_object(&m, EVENTS, ObjType::List)?;
            if at == 0 && i == 0 {
                // The first measure always states its signatures.
                let (t, k) = inherited.unwrap_or((TimeSignature::COMMON, Key::C_MAJOR));
                self.tx.put(&m, TIME, t.to_string())?;
                self.tx.put(&m, KEY, k.to_string())?;
            }
        }
        Ok(())
    }

    /// Deletes measures `range` in every part.
    pub fn delete_measures(&mut self, range: Range<usize>) -> Result<()> {
        self.restructured = true;
        let total = self.measure_count()?;
        if range.end > total || range.start > range.end {
            return Err(Error::NoSuchMeasure { index: range.end, count: total });
        }
        if range.is_empty() {
            return Ok(());
        }
        if range.start == 0 && range.end < total {
            // The measure that becomes first must state the signatures in force there.
            let (t, k) = self.signatures_at(range.end)?;
            let next = self.measure_obj(range.end)?;
            self.tx.put(&next, TIME, t.to_string())?;
            self.tx.put(&next, KEY, k.to_string())?;
        }
        Ok(self.tx.remove(&self.cache.measures_list, range.start, range.len())?)
    }

    /// The explicit (stored) value of a measure field, as the transaction has left it.
    pub(crate) fn measure_field(
        &self,
        measure: usize,
        key: &str,
    ) -> Result<Option<bandpro_crdt::ScalarValue>> {
        let m = self.measure_obj(measure)?;
        Ok(self.tx.doc().get(&m, key)?.and_then(|v| v.as_scalar().cloned()))
    }

    pub(crate) fn put_measure(
        &mut self,
        measure: usize,
        key: &str,
        value: Option<bandpro_crdt::ScalarValue>,
    ) -> Result<()> {
        let m = self.measure_obj(measure)?;
        match value {
            Some(v) => self.tx.put(&m, key, v)?,
            None => self.tx.delete(&m, key)?,
        }
        Ok(())
    }

    /// Sets a part's transposition (written to sounding) from `measure` on, until the next
    /// change: for a player who doubles on another instrument. At measure 0 it sets the part's
    /// own transposition.
    pub fn set_transposition(&mut self, part: PartId, measure: usize, interval: Interval) -> Result<()> {
        self.part_position(part)?;
        if measure == 0 {
            return Ok(self.tx.put(&part.0, TRANSPOSITION, interval.to_string())?);
        }
        let key = format!("{TRANSPOSITION_FROM}{}", obj_key(&part.0));
        self.put_measure(measure, &key, Some(interval.to_string().into()))
    }

    /// Sets the time signature from `measure` on (until the next change).
    pub fn set_time_signature(&mut self, measure: usize, time: TimeSignature) -> Result<()> {
        self.put_measure(measure, TIME, Some(time.to_string().into()))
    }

    /// Sets the key signature from `measure` on (until the next change).
    pub fn set_key(&mut self, measure: usize, key: Key) -> Result<()> {
        self.put_measure(measure, KEY, Some(key.to_string().into()))
    }

    /// Sets (or clears) the tempo mark at `measure`.
    pub fn set_tempo(&mut self, measure: usize, tempo: Option<bandpro_music::view::Tempo>) -> Result<()> {
        self.put_measure(measure, TEMPO, tempo.map(|t| encode_tempo(&t).into()))
    }

    /// Marks a measure as a pickup (or other intentionally incomplete measure).
    pub fn set_pickup(&mut self, measure: usize, pickup: bool) -> Result<()> {
        self.put_measure(measure, PICKUP, pickup.then_some(true.into()))
    }

    /// Sets the repeat signs of a measure: a repeat starts here, and/or ends here with the
    /// section played `end` times in all.
    pub fn set_repeat(&mut self, measure: usize, start: bool, end: Option<u8>) -> Result<()> {
        self.put_measure(measure, REPEAT, encode_repeat(start, end).map(Into::into))
    }

    /// Sets the volta endings a measure belongs to (bit `n - 1` for ending `n`).
    pub fn set_ending(&mut self, measure: usize, endings: u16) -> Result<()> {
        self.put_measure(measure, ENDING, encode_ending(endings).map(Into::into))
    }

    /// Sets the navigation marks of a measure (segno, coda, fine, D.C., D.S., to coda).
    pub fn set_jumps(&mut self, measure: usize, jumps: bandpro_music::view::Jumps) -> Result<()> {
        self.put_measure(measure, JUMPS, encode_jumps(jumps).map(Into::into))
    }

    /// Sets the closing barline of a measure ("light-heavy", "light-light"), or none.
    pub fn set_barline(&mut self, measure: usize, barline: Option<&str>) -> Result<()> {
        self.put_measure(measure, BARLINE, barline.map(Into::into))
    }

    // ----- events -----

    /// The flat-list positions of the events of `(part, voice)` in a measure's list.
    fn voice_positions(&mut self, list: &ObjId, part_key: &str, voice: usize) -> Result<Vec<usize>> {
        // Fast path: a measure this transaction has not touched is as the view shows it.
        if !self.restructured
            && let Some(measure_obj) = self.cache.list_to_measure.get(list)
            && !self.touched.contains(measure_obj)
            && let Some(&m) = self.cache.measure_by_obj.get(measure_obj)
            && let Some(&part) = self.cache.part_by_key.get(part_key)
            && self.cache.measures[m].order.len() == self.tx.doc().length(list)?
        {
            return Ok(self.cache.measures[m]
                .order
                .iter()
                .enumerate()
                .filter(|(_, (_, p, v))| *p == part && *v == voice)
                .map(|(i, _)| i)
                .collect());
        }
        if !self.orders.contains_key(list) {
            let doc = self.tx.doc();
            let mut order = Vec::new();
            for v in doc.list(list)? {
                let (mut p, mut vo) = (String::new(), 1);
                if let Some(obj) = v.as_object() {
                    doc.for_each_entry(&obj, |k, val| match k {
                        PART => p = val.as_str().unwrap_or_default().to_owned(),
                        VOICE => vo = val.as_int().unwrap_or(1),
                        _ => {}
                    })?;
                }
                order.push((p, vo));
            }
            self.orders.insert(*list, order);
        }
        let order = &self.orders[list];
        Ok(order
            .iter()
            .enumerate()
            .filter(|(_, (p, v))| p == part_key && *v == voice as i64 + 1)
            .map(|(i, _)| i)
            .collect())
    }

    /// Inserts an event at position `index` (0 to the voice's length) of voice `voice` of a part
    /// in a measure. The event's `id` and `onset` are ignored: ids are assigned, onsets follow
    /// from the order. Returns the new event's id.
    pub fn insert_event(
        &mut self,
        part: PartId,
        measure: usize,
        voice: usize,
        index: usize,
        event: &Event,
    ) -> Result<EventId> {
        self.part_position(part)?;
        if voice >= MAX_VOICES {
            return Err(Error::InvalidVoice(voice));
        }
        check_duration(event.duration, event.grace.is_some())?;
        let list = self.events_list(measure)?;
        let key = obj_key(&part.0);
        let positions = self.voice_positions(&list, &key, voice)?;
        if index > positions.len() {
            return Err(Error::NoSuchPosition { index, len: positions.len() });
        }
        let flat = match positions.get(index) {
            Some(&p) => p,
            None => positions.last().map_or(self.tx.doc().length(&list)?, |&p| p + 1),
        };
        let obj = self.tx.insert_object(&list, flat, ObjType::Map)?;
        let kept = self.orders.remove(&list);
        self.touch_list(&list);
        if let Some(mut order) = kept {
            order.insert(flat, (key.clone(), voice as i64 + 1));
            self.orders.insert(list, order);
        }
        self.tx.put(&obj, PART, key.as_str())?;
        self.tx.put(&obj, VOICE, voice as i64 + 1)?;
        self.write_event_fields(&obj, event)?;
        let id = event_id(&obj);
        self.new_events.insert(id, obj);
        Ok(id)
    }

    fn write_event_fields(&mut self, obj: &ObjId, e: &Event) -> Result<()> {
        let tx = &mut self.tx;
        tx.put(obj, DURATION, e.duration.to_string())?;
        tx.put(obj, NOTES, encode_notes(&e.kind))?;
        if e.staff != 0 {
            tx.put(obj, STAFF, i64::from(e.staff))?;
        }
        if !e.tuplets.is_empty() {
            tx.put(obj, TUPLETS, encode_tuplets(&e.tuplets))?;
        }
        if let Some(g) = e.grace {
            tx.put(obj, GRACE, encode_grace(g))?;
        }
        if e.articulations != Articulations::default() {
            tx.put(obj, ARTICULATIONS, encode_articulations(e.articulations))?;
        }
        if let Some(d) = e.dynamic {
            tx.put(obj, DYNAMIC, encode_dynamic(d))?;
        }
        if !e.lyrics.is_empty() {
            tx.put(obj, LYRICS, encode_lyrics(&e.lyrics))?;
        }
        if let Some(c) = &e.chord_symbol {
            tx.put(obj, CHORD_SYMBOL, c.to_string())?;
        }
        if !e.chord_changes.is_empty() {
            tx.put(obj, CHORD_CHANGES, encode_chord_changes(&e.chord_changes))?;
        }
        if e.cue {
            tx.put(obj, CUE, true)?;
        }
        Ok(())
    }

    /// Appends an event at the end of a voice.
    pub fn append_event(
        &mut self,
        part: PartId,
        measure: usize,
        voice: usize,
        event: &Event,
    ) -> Result<EventId> {
        let list = self.events_list(measure)?;
        let len = self.voice_positions(&list, &obj_key(&part.0), voice)?.len();
        self.insert_event(part, measure, voice, len, event)
    }

    /// Inserts a note.
    pub fn insert_note(
        &mut self,
        part: PartId,
        measure: usize,
        voice: usize,
        index: usize,
        pitch: Pitch,
        duration: Rational,
    ) -> Result<EventId> {
        let e = Event::new(EventId(0), Rational::ZERO, duration, EventKind::Note(Note::new(pitch)));
        self.insert_event(part, measure, voice, index, &e)
    }

    /// Appends a note at the end of a voice.
    pub fn append_note(
        &mut self,
        part: PartId,
        measure: usize,
        voice: usize,
        pitch: Pitch,
        duration: Rational,
    ) -> Result<EventId> {
        let e = Event::new(EventId(0), Rational::ZERO, duration, EventKind::Note(Note::new(pitch)));
        self.append_event(part, measure, voice, &e)
    }

    /// Appends a rest at the end of a voice.
    pub fn append_rest(
        &mut self,
        part: PartId,
        measure: usize,
        voice: usize,
        duration: Rational,
    ) -> Result<EventId> {
        let e = Event::new(EventId(0), Rational::ZERO, duration, EventKind::Rest);
        self.append_event(part, measure, voice, &e)
    }

    /// Appends a chord at the end of a voice.
    pub fn append_chord(
        &mut self,
        part: PartId,
        measure: usize,
        voice: usize,
        pitches: &[Pitch],
        duration: Rational,
    ) -> Result<EventId> {
        let kind = match pitches {
            [] => EventKind::Rest,
            [p] => EventKind::Note(Note::new(*p)),
            ps => EventKind::Chord(ps.iter().map(|p| Note::new(*p)).collect()),
        };
        let e = Event::new(EventId(0), Rational::ZERO, duration, kind);
        self.append_event(part, measure, voice, &e)
    }

    /// The engine object of an event, if it still exists.
    fn event_obj(&self, event: EventId) -> Result<ObjId> {
        let obj = self
            .new_events
            .get(&event)
            .copied()
            .or_else(|| self.cache.events.get(&event).map(|p| p.obj))
            .ok_or(Error::NoSuchEvent(event))?;
        match self.tx.doc().path(&obj) {
            Ok(Some(_)) => Ok(obj),
            _ => Err(Error::NoSuchEvent(event)),
        }
    }

    /// Deletes an event.
    pub fn delete_event(&mut self, event: EventId) -> Result<()> {
        let obj = self.event_obj(event)?;
        let path = self.tx.doc().path(&obj)?.ok_or(Error::NoSuchEvent(event))?;
        let (list, prop) = path.last().cloned().ok_or(Error::NoSuchEvent(event))?;
        let bandpro_crdt::Prop::Index(i) = prop else { return Err(Error::NoSuchEvent(event)) };
        self.touch_list(&list);
        Ok(self.tx.remove(&list, i, 1)?)
    }

    fn notes_of(&self, obj: &ObjId) -> Result<EventKind> {
        let s =
            self.tx.doc().get(obj, NOTES)?.and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
        decode_notes(&s)
    }

    /// Sets the notes of an event: none makes it a rest, one a note, more a chord.
    pub fn set_notes(&mut self, event: EventId, notes: &[Note]) -> Result<()> {
        let obj = self.event_obj(event)?;
        let kind = match notes {
            [] => EventKind::Rest,
            [n] => EventKind::Note(*n),
            ns => EventKind::Chord(ns.to_vec()),
        };
        Ok(self.tx.put(&obj, NOTES, encode_notes(&kind))?)
    }

    /// Sets the pitch of a note (keeping its tie), or turns a rest into a note.
    pub fn set_pitch(&mut self, event: EventId, pitch: Pitch) -> Result<()> {
        let obj = self.event_obj(event)?;
        let note = match self.notes_of(&obj)? {
            EventKind::Note(n) => Note { pitch, ..n },
            _ => Note::new(pitch),
        };
        self.set_notes(event, &[note])
    }

    /// Sets the duration of an event.
    pub fn set_duration(&mut self, event: EventId, duration: Rational) -> Result<()> {
        let obj = self.event_obj(event)?;
        let grace = self.tx.doc().get(&obj, GRACE)?.is_some();
        check_duration(duration, grace)?;
        Ok(self.tx.put(&obj, DURATION, duration.to_string())?)
    }

    /// Sets the tie of every note of an event.
    pub fn set_tie(&mut self, event: EventId, tie: Tie) -> Result<()> {
        let obj = self.event_obj(event)?;
        let notes: Vec<Note> = match self.notes_of(&obj)? {
            EventKind::Rest => Vec::new(),
            EventKind::Note(n) => vec![Note { tie, ..n }],
            EventKind::Chord(ns) => ns.into_iter().map(|n| Note { tie, ..n }).collect(),
        };
        self.set_notes(event, &notes)
    }

    fn put_or_delete(&mut self, event: EventId, key: &str, value: Option<String>) -> Result<()> {
        let obj = self.event_obj(event)?;
        match value {
            Some(v) => self.tx.put(&obj, key, v)?,
            None => self.tx.delete(&obj, key)?,
        }
        Ok(())
    }

    /// Sets the articulations of an event.
    pub fn set_articulations(&mut self, event: EventId, a: Articulations) -> Result<()> {
        let v = (a != Articulations::default()).then(|| encode_articulations(a));
        self.put_or_delete(event, ARTICULATIONS, v)
    }

    /// Sets (or clears) the dynamic mark on an event.
    pub fn set_dynamic(&mut self, event: EventId, d: Option<Dynamic>) -> Result<()> {
        self.put_or_delete(event, DYNAMIC, d.map(encode_dynamic))
    }

    /// Sets (or clears) the lyric syllable of verse `verse` (1-based) under an event.
    pub fn set_lyric(&mut self, event: EventId, verse: u8, lyric: Option<(&str, Syllabic)>) -> Result<()> {
        let obj = self.event_obj(event)?;
        let old =
            self.tx.doc().get(&obj, LYRICS)?.and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
        let mut lyrics: Vec<Lyric> = decode_lyrics(&old).into_iter().filter(|l| l.verse != verse).collect();
        if let Some((text, syllabic)) = lyric {
            lyrics.push(Lyric { verse, text: text.to_owned(), syllabic });
            lyrics.sort_by_key(|l| l.verse);
        }
        let v = (!lyrics.is_empty()).then(|| encode_lyrics(&lyrics));
        self.put_or_delete(event, LYRICS, v)
    }

    /// Sets (or clears) the chord symbol at an event.
    pub fn set_chord_symbol(&mut self, event: EventId, symbol: Option<&ChordSymbol>) -> Result<()> {
        self.put_or_delete(event, CHORD_SYMBOL, symbol.map(ToString::to_string))
    }

    /// Sets the chord symbols that take over during an event (a whole note under two
    /// chords), in order; each offset must lie within the event.
    pub fn set_chord_changes(&mut self, event: EventId, changes: &[ChordChange]) -> Result<()> {
        let obj = self.event_obj(event)?;
        let duration = self
            .tx
            .doc()
            .get(&obj, DURATION)?
            .and_then(|v| v.as_str().and_then(|s| s.parse::<Rational>().ok()))
            .unwrap_or(Rational::ZERO);
        if let Some(bad) = changes.iter().find(|c| c.offset < Rational::ZERO || c.offset >= duration) {
            return Err(Error::ChordChangeOutside {
                offset: bad.offset.to_string(),
                duration: duration.to_string(),
            });
        }
        let value = (!changes.is_empty()).then(|| encode_chord_changes(changes));
        self.put_or_delete(event, CHORD_CHANGES, value)
    }

    /// Sets all lyric syllables under an event.
    pub fn set_lyrics(&mut self, event: EventId, lyrics: &[Lyric]) -> Result<()> {
        let v = (!lyrics.is_empty()).then(|| encode_lyrics(lyrics));
        self.put_or_delete(event, LYRICS, v)
    }

    /// Sets the staff an event is written on (0-based, as [`Event::staff`]: piano right hand
    /// 0, left hand 1).
    pub fn set_staff(&mut self, event: EventId, staff: u8) -> Result<()> {
        let obj = self.event_obj(event)?;
        if staff == 0 {
            self.tx.delete(&obj, STAFF)?;
        } else {
            self.tx.put(&obj, STAFF, i64::from(staff))?;
        }
        Ok(())
    }

    /// Marks an event as a cue note (or not).
    pub fn set_cue(&mut self, event: EventId, cue: bool) -> Result<()> {
        let obj = self.event_obj(event)?;
        if cue {
            self.tx.put(&obj, CUE, true)?;
        } else {
            self.tx.delete(&obj, CUE)?;
        }
        Ok(())
    }

    /// Sets the tuplet marks of an event.
    pub fn set_tuplets(&mut self, event: EventId, tuplets: &[TupletMark]) -> Result<()> {
        let v = (!tuplets.is_empty()).then(|| encode_tuplets(tuplets));
        self.put_or_delete(event, TUPLETS, v)
    }

    /// Makes an event a grace note, or a normal one.
    pub fn set_grace(&mut self, event: EventId, grace: Option<Grace>) -> Result<()> {
        self.put_or_delete(event, GRACE, grace.map(|g| encode_grace(g).to_owned()))
    }

    /// Transposes every note of `part` (or of every part) in `measures` by `interval`, keeping
    /// correct spelling. Returns how many events changed.
    pub fn transpose(
        &mut self,
        part: Option<PartId>,
        measures: Range<usize>,
        interval: Interval,
    ) -> Result<usize> {
        let key = part.map(|p| obj_key(&p.0));
        let mut changed = 0;
        for m in measures {
            let list = self.events_list(m)?;
            for v in self.tx.doc().list(&list)? {
                let Some(obj) = v.as_object() else { continue };
                if let Some(k) = &key
                    && self.tx.doc().get(&obj, PART)?.and_then(|p| p.as_str().map(str::to_owned)).as_ref()
                        != Some(k)
                {
                    continue;
                }
                let kind = self.notes_of(&obj)?;
                let moved = match kind {
                    EventKind::Rest => continue,
                    EventKind::Note(n) => EventKind::Note(Note { pitch: n.pitch.transpose(interval)?, ..n }),
                    EventKind::Chord(ns) => EventKind::Chord(
                        ns.into_iter()
                            .map(|n| Ok(Note { pitch: n.pitch.transpose(interval)?, ..n }))
                            .collect::<Result<_>>()?,
                    ),
                };
                self.tx.put(&obj, NOTES, encode_notes(&moved))?;
                changed += 1;
            }
        }
        Ok(changed)
    }
}
