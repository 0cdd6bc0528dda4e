//! [`SimpleScore`]: a plain owned score that implements [`ScoreView`].
//!
//! Tests, examples, the generator and the file importers build scores with it. It stores one
//! `Vec<Event>` per (part, measure, voice) and hands out slices, so reading it costs nothing.
//! A part's transposition is its [`PartInfo::transposition`] from the first measure, then the
//! changes of [`SimpleScore::transposition_changes`].

use crate::error::{Error, Result};
use crate::event::{Event, EventId, EventKind};
use crate::interval::Interval;
use crate::key::Key;
use crate::meter::TimeSignature;
use crate::rational::Rational;
use crate::view::{MeasureInfo, PartInfo, ScoreView};

/// An owned score: parts, global measures, and per (part, measure) a list of voices.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SimpleScore {
    parts: Vec<PartInfo>,
    measures: Vec<MeasureInfo>,
    /// `cells[part * measures.len() + measure][voice]`.
    cells: Vec<Vec<Vec<Event>>>,
    /// Per part: (measure, interval) changes of transposition after the first measure, sorted
    /// by measure, each (unless `part_mut` changed the first one since) different from the
    /// one in force before it.
    transpositions: Vec<Vec<(usize, Interval)>>,
    next_id: u64,
}

impl SimpleScore {
    /// A score with the given parts and `measure_count` empty measures in `time` and `key`.
    pub fn new(parts: Vec<PartInfo>, measure_count: usize, time: TimeSignature, key: Key) -> SimpleScore {
        let measures = vec![MeasureInfo::new(time, key); measure_count];
        let cells = vec![Vec::new(); parts.len() * measure_count];
        let transpositions = vec![Vec::new(); parts.len()];
        SimpleScore { parts, measures, cells, transpositions, next_id: 1 }
    }

    fn cell_index(&self, part: usize, measure: usize) -> usize {
        part * self.measures.len() + measure
    }

    fn check(&self, part: usize, measure: usize) -> Result<()> {
        if part >= self.parts.len() {
            return Err(Error::IndexOutOfRange { what: "part", index: part, len: self.parts.len() });
        }
        if measure >= self.measures.len() {
            return Err(Error::IndexOutOfRange { what: "measure", index: measure, len: self.measures.len() });
        }
        Ok(())
    }

    /// A fresh event id (ids are never reused within a score).
    pub fn next_event_id(&mut self) -> EventId {
        let id = EventId(self.next_id);
        self.next_id += 1;
        id
    }

    /// Append an event after the last one of a voice (its onset is set to the end of the voice
    /// so far, grace notes taking no time). Creates the voice if needed. Returns its id.
    pub fn append(
        &mut self,
        part: usize,
        measure: usize,
        voice: usize,
        kind: EventKind,
        duration: Rational,
    ) -> Result<EventId> {
        let id = self.next_event_id();
        let ev = Event::new(id, Rational::ZERO, duration, kind);
        self.push_event(part, measure, voice, ev)?;
        Ok(id)
    }

    /// Append a prepared event to a voice, setting its onset to the end of the voice so far.
    pub fn push_event(&mut self, part: usize, measure: usize, voice: usize, mut event: Event) -> Result<()> {
        self.check(part, measure)?;
        let idx = self.cell_index(part, measure);
        let voices = &mut self.cells[idx];
        if voices.len() <= voice {
            voices.resize_with(voice + 1, Vec::new);
        }
        let v = &mut voices[voice];
        event.onset = v.last().map_or(Rational::ZERO, |e| e.end());
        if event.id.0 >= self.next_id {
            self.next_id = event.id.0 + 1;
        }
        v.push(event);
        Ok(())
    }

    /// Replace the events of a voice (onsets are kept as given).
    pub fn set_events(
        &mut self,
        part: usize,
        measure: usize,
        voice: usize,
        events: Vec<Event>,
    ) -> Result<()> {
        self.check(part, measure)?;
        if let Some(max) = events.iter().map(|e| e.id.0).max() {
            self.next_id = self.next_id.max(max + 1);
        }
        let idx = self.cell_index(part, measure);
        let voices = &mut self.cells[idx];
        if voices.len() <= voice {
            voices.resize_with(voice + 1, Vec::new);
        }
        voices[voice] = events;
        Ok(())
    }

    /// Mutable access to the events of a voice.
    pub fn events_mut(&mut self, part: usize, measure: usize, voice: usize) -> Result<&mut Vec<Event>> {
        self.check(part, measure)?;
        let idx = self.cell_index(part, measure);
        let len = self.cells[idx].len();
        self.cells[idx].get_mut(voice).ok_or(Error::IndexOutOfRange { what: "voice", index: voice, len })
    }

    /// Mutable access to a part's information.
    pub fn part_mut(&mut self, part: usize) -> Result<&mut PartInfo> {
        let len = self.parts.len();
        self.parts.get_mut(part).ok_or(Error::IndexOutOfRange { what: "part", index: part, len })
    }

    /// Mutable access to a measure's information.
    pub fn measure_mut(&mut self, measure: usize) -> Result<&mut MeasureInfo> {
        let len = self.measures.len();
        self.measures.get_mut(measure).ok_or(Error::IndexOutOfRange { what: "measure", index: measure, len })
    }

    /// Set the time signature from `measure` to the end.
    pub fn set_time_from(&mut self, measure: usize, time: TimeSignature) {
        for m in self.measures.iter_mut().skip(measure) {
            m.time = time;
        }
    }

    /// Set the key from `measure` to the end.
    pub fn set_key_from(&mut self, measure: usize, key: Key) {
        for m in self.measures.iter_mut().skip(measure) {
            m.key = key;
        }
    }

    /// Set the transposition of a part (written -> sounding) from `measure` to the end of the
    /// score, replacing the changes after it: the way to say that a saxophonist picks up the
    /// flute. From measure 0 it sets [`PartInfo::transposition`] and removes every change.
    /// Events keep their written pitches, so they sound differently from `measure` on.
    ///
    /// ```
    /// use bandpro_music::{Interval, ScoreView, SimpleScore};
    /// let mut score = SimpleScore::from_text("4/4", "C major", &[("alto-sax", &["A4:1 | A4:1 | A4:1 | A4:1"])])?;
    /// let alto = score.transposition(0, 0);
    /// score.set_transposition_from(0, 2, Interval::UNISON)?; // flute in measures 3 and 4
    /// score.set_transposition_from(0, 3, alto)?; // back to the saxophone in measure 4
    /// assert_eq!(score.transposition_changes(0), &[(2, Interval::UNISON), (3, alto)]);
    /// # Ok::<(), bandpro_music::Error>(())
    /// ```
    pub fn set_transposition_from(&mut self, part: usize, measure: usize, interval: Interval) -> Result<()> {
        self.check(part, measure)?;
        if measure == 0 {
            self.parts[part].transposition = interval;
            self.transpositions[part].clear();
            return Ok(());
        }
        let before = self.transposition(part, measure - 1);
        let changes = &mut self.transpositions[part];
        changes.retain(|&(m, _)| m < measure);
        if before != interval {
            changes.push((measure, interval));
        }
        Ok(())
    }

    /// The changes of transposition of a part after its first measure: `(measure, interval)`
    /// pairs in measure order, each in force from its measure to the next change (the
    /// interval in force before the first is [`PartInfo::transposition`]). Empty for a part
    /// that never changes, and for a part index out of range.
    pub fn transposition_changes(&self, part: usize) -> &[(usize, Interval)] {
        self.transpositions.get(part).map_or(&[], Vec::as_slice)
    }

    /// Append `n` empty measures like the last one (or 4/4 C major in an empty score).
    pub fn add_measures(&mut self, n: usize) {
        let template =
            self.measures.last().copied().unwrap_or(MeasureInfo::new(TimeSignature::COMMON, Key::C_MAJOR));
        let old = self.measures.len();
        let mut cells = Vec::with_capacity(self.parts.len() * (old + n));
        let mut drained = std::mem::take(&mut self.cells).into_iter();
        for _ in 0..self.parts.len() {
            cells.extend(drained.by_ref().take(old));
            cells.extend(std::iter::repeat_with(Vec::new).take(n));
        }
        self.cells = cells;
        self.measures.extend(std::iter::repeat_n(template, n));
    }

    /// Re-allocate the event lists in measure-major order (measure by measure, parts top to
    /// bottom), the order analysis and validation read them in, so reading walks memory
    /// forward. Call it after building a large score part by part (importers do).
    pub fn compact(&mut self) {
        let mc = self.measures.len();
        let mut fresh: Vec<Vec<Vec<Event>>> = Vec::new();
        fresh.resize_with(self.cells.len(), Vec::new);
        for m in 0..mc {
            for p in 0..self.parts.len() {
                let i = p * mc + m;
                fresh[i] = self.cells[i].iter().map(|v| v.to_vec()).collect();
            }
        }
        self.cells = fresh;
    }

    /// Total number of notes (chord members counted one by one, grace notes included).
    pub fn note_count(&self) -> usize {
        self.cells.iter().flatten().flatten().map(|e| e.notes().len()).sum()
    }

    /// Copy any score view into a `SimpleScore`.
    pub fn from_view(view: &dyn ScoreView) -> SimpleScore {
        let parts: Vec<PartInfo> = (0..view.part_count()).map(|p| view.part(p).clone()).collect();
        let measures: Vec<MeasureInfo> = (0..view.measure_count()).map(|m| *view.measure(m)).collect();
        let mut cells = Vec::with_capacity(parts.len() * measures.len());
        let transpositions = (0..parts.len())
            .map(|p| {
                let mut before = parts[p].transposition;
                let mut changes = Vec::new();
                for m in 1..measures.len() {
                    let t = view.transposition(p, m);
                    if t != before {
                        changes.push((m, t));
                        before = t;
                    }
                }
                changes
            })
            .collect();
        let mut max_id = 0;
        for p in 0..parts.len() {
            for m in 0..measures.len() {
                let voices: Vec<Vec<Event>> =
                    (0..view.voice_count(p, m)).map(|v| view.events(p, m, v).to_vec()).collect();
                for e in voices.iter().flatten() {
                    max_id = max_id.max(e.id.0);
                }
                cells.push(voices);
            }
        }
        SimpleScore { parts, measures, cells, transpositions, next_id: max_id + 1 }
    }

    /// Apply `f` to every event, in part, measure, voice order.
    pub fn for_each_event_mut(&mut self, mut f: impl FnMut(usize, usize, &mut Event)) {
        let mc = self.measures.len();
        for (i, cell) in self.cells.iter_mut().enumerate() {
            for ev in cell.iter_mut().flatten() {
                f(i / mc.max(1), i % mc.max(1), ev);
            }
        }
    }
}

impl ScoreView for SimpleScore {
    fn part_count(&self) -> usize {
        self.parts.len()
    }

    fn part(&self, part: usize) -> &PartInfo {
        &self.parts[part]
    }

    fn measure_count(&self) -> usize {
        self.measures.len()
    }

    fn measure(&self, measure: usize) -> &MeasureInfo {
        &self.measures[measure]
    }

    fn voice_count(&self, part: usize, measure: usize) -> usize {
        self.cells[self.cell_index(part, measure)].len()
    }

    fn events(&self, part: usize, measure: usize, voice: usize) -> &[Event] {
        &self.cells[self.cell_index(part, measure)][voice]
    }

    fn transposition(&self, part: usize, measure: usize) -> Interval {
        let changes = &self.transpositions[part];
        match changes.partition_point(|&(m, _)| m <= measure) {
            0 => self.parts[part].transposition,
            i => changes[i - 1].1,
        }
    }
}
