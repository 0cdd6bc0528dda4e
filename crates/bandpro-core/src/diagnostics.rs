//! The diagnostics a score keeps, filed by measure.
//!
//! A large score can hold tens of thousands of diagnostics. Kept in one sorted vector, every
//! re-check of one measure that changed their number moved the whole tail of the vector: on the
//! 150,000-note benchmark score that memory traffic was most of a note edit. Filed by measure,
//! re-checking a measure replaces that measure's list and nothing else.

use std::ops::Range;

use bandpro_music::validate::{self, Diagnostic, MeasureMemo};

/// The diagnostics of one score version, in score order (measure, part, voice, onset, rule).
///
/// Iterate over it (`for d in score.diagnostics()`), ask for one measure's with
/// [`Diagnostics::in_measure`], or copy them out with [`Diagnostics::to_vec`].
#[derive(Debug, Clone, Default)]
pub struct Diagnostics {
    by_measure: Vec<Vec<Diagnostic>>,
    /// Per measure, what its last check remembers for a re-check of one part.
    memos: Vec<MeasureMemo>,
    len: usize,
}

impl Diagnostics {
    /// Files `all`, a whole validation's diagnostics of a score of `measure_count` measures,
    /// under their measures, with their memos if the validation made them (else each measure
    /// gets one at its first re-check).
    pub(crate) fn new(measure_count: usize, all: Vec<Diagnostic>, memos: Vec<MeasureMemo>) -> Diagnostics {
        let count =
            all.iter().map(|d| d.location.measure + 1).max().unwrap_or(0).max(memos.len()).max(measure_count);
        let mut by_measure: Vec<Vec<Diagnostic>> = vec![Vec::new(); count];
        let len = all.len();
        for d in all {
            by_measure[d.location.measure].push(d);
        }
        for list in &mut by_measure {
            validate::sort_measure(list);
        }
        Diagnostics { by_measure, memos, len }
    }

    /// Replaces the diagnostics of measure `m` by `fresh` (which must all lie in it, in the
    /// order the validator returns them), and its memo by `memo`.
    pub(crate) fn replace(&mut self, m: usize, fresh: Vec<Diagnostic>, memo: MeasureMemo) {
        debug_assert!(fresh.iter().all(|d| d.location.measure == m), "a fresh diagnostic elsewhere");
        if self.by_measure.len() <= m {
            self.by_measure.resize_with(m + 1, Vec::new);
        }
        if self.memos.len() <= m {
            self.memos.resize_with(m + 1, MeasureMemo::default);
        }
        self.len = self.len - self.by_measure[m].len() + fresh.len();
        self.by_measure[m] = fresh;
        self.memos[m] = memo;
    }

    /// Measure `m`'s diagnostics and memo, for `f` to bring up to date in place; false if there
    /// is no such measure.
    pub(crate) fn update_measure(
        &mut self,
        m: usize,
        f: impl FnOnce(&mut Vec<Diagnostic>, &mut MeasureMemo),
    ) -> bool {
        if m >= self.by_measure.len() {
            return false;
        }
        if self.memos.len() <= m {
            self.memos.resize_with(self.by_measure.len(), MeasureMemo::default);
        }
        let (list, memo) = (&mut self.by_measure[m], &mut self.memos[m]);
        self.len -= list.len();
        f(list, memo);
        self.len += list.len();
        true
    }

    /// How many diagnostics there are.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when the score has no diagnostics.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// All diagnostics, in score order.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> + Clone {
        self.by_measure.iter().flatten()
    }

    /// The diagnostics reported in measure `m` (0-based), in order; empty past the end.
    pub fn in_measure(&self, m: usize) -> &[Diagnostic] {
        self.by_measure.get(m).map_or(&[], Vec::as_slice)
    }

    /// The diagnostics reported in measures `range` (0-based), in order.
    pub fn in_measures(&self, range: Range<usize>) -> impl Iterator<Item = &Diagnostic> + Clone {
        let end = range.end.min(self.by_measure.len());
        let start = range.start.min(end);
        self.by_measure[start..end].iter().flatten()
    }

    /// A copy of all diagnostics, in score order.
    pub fn to_vec(&self) -> Vec<Diagnostic> {
        self.iter().cloned().collect()
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::iter::Flatten<std::slice::Iter<'a, Vec<Diagnostic>>>;

    fn into_iter(self) -> Self::IntoIter {
        self.by_measure.iter().flatten()
    }
}

/// Equal when they hold the same diagnostics in the same order.
impl PartialEq for Diagnostics {
    fn eq(&self, other: &Diagnostics) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl Eq for Diagnostics {}

impl PartialEq<[Diagnostic]> for Diagnostics {
    fn eq(&self, other: &[Diagnostic]) -> bool {
        self.len == other.len() && self.iter().eq(other.iter())
    }
}
