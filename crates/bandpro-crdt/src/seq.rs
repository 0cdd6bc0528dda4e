//! The sequence CRDT behind lists and texts.
//!
//! Elements are kept in document order, tombstones included, as *runs*: a run is a stretch of
//! elements with consecutive ids from one replica that were typed one after another, so the
//! millions of keystrokes of a long text cost one run per burst of typing rather than one
//! record per character. Each element remembers the element it was inserted after
//! (`origin_left`) and the one that followed that then (`origin_right`); concurrent inserts at
//! the same place are ordered by the YATA rules (the algorithm of Yjs), which keep a burst of
//! typing by one replica together instead of interleaving it with another's.
//!
//! Runs live in blocks of at most [`MAX_RUNS`]. A Fenwick tree over the blocks' visible lengths
//! finds an index in O(log n); a per-replica ordered index from run start to block finds an id
//! in O(log n). Both are repaired when a block splits, which happens once per `MAX_RUNS / 2`
//! new runs at most.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use crate::id::OpId;

/// Most runs a block holds before it is split in two.
const MAX_RUNS: usize = 64;

#[derive(Clone, Debug)]
struct Run {
    id: OpId,
    len: u32,
    origin_left: Option<OpId>,
    origin_right: Option<OpId>,
    /// Offset of the run's first element in the arena.
    content: u32,
    deleted: bool,
    /// The delete or restore op with the greatest Lamport id that touched these elements:
    /// deletion is a last-writer-wins register per element, so a restore (undo of a delete)
    /// brings back the same element, and concurrent deletes and restores converge.
    mark: Option<OpId>,
}

impl Run {
    fn contains(&self, id: OpId) -> bool {
        id.replica == self.id.replica
            && id.counter >= self.id.counter
            && id.counter - self.id.counter < self.len
    }

    fn last(&self) -> OpId {
        self.id.offset(self.len - 1)
    }

    fn visible(&self) -> u32 {
        if self.deleted { 0 } else { self.len }
    }
}

#[derive(Clone, Debug)]
struct Block {
    id: u32,
    runs: Vec<Run>,
    visible: u32,
}

/// A position: block position in document order and run index in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Cursor {
    pos: usize,
    run: usize,
}

/// Why a sequence operation could not apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SeqError {
    /// An element id that is not in this sequence.
    NoSuchElement(OpId),
}

/// What a delete or restore did: the visible ranges that changed, in order, as `(index, len,
/// now visible)`, and each touched span's previous state `(start, len, deleted, mark)` for
/// rollback.
pub(crate) type Marked = (Vec<(usize, usize, bool)>, Vec<(OpId, u32, bool, Option<OpId>)>);

/// A Fenwick tree of block visible lengths by block position.
#[derive(Clone, Debug, Default)]
struct Fenwick {
    tree: Vec<u64>,
}

impl Fenwick {
    fn build(values: impl Iterator<Item = u64>) -> Self {
        let mut tree: Vec<u64> = values.collect();
        for i in 0..tree.len() {
            let parent = i | (i + 1);
            if parent < tree.len() {
                tree[parent] += tree[i];
            }
        }
        Fenwick { tree }
    }

    fn add(&mut self, mut i: usize, delta: i64) {
        while i < self.tree.len() {
            self.tree[i] = self.tree[i].wrapping_add_signed(delta);
            i |= i + 1;
        }
    }

    /// Sum of positions `[0, i)`.
    fn prefix(&self, mut i: usize) -> u64 {
        let mut sum = 0;
        while i > 0 {
            sum += self.tree[i - 1];
            i &= i - 1;
        }
        sum
    }

    /// The position holding the `target`-th visible element (0-based) and how many visible
    /// elements precede that position.
    fn find(&self, mut target: u64) -> (usize, u64) {
        let mut pos = 0;
        let mut before = 0;
        let mut step = self.tree.len().next_power_of_two();
        while step > 0 {
            let next = pos + step;
            if next <= self.tree.len() && self.tree[next - 1] <= target {
                pos = next;
                target -= self.tree[next - 1];
                before += self.tree[next - 1];
            }
            step >>= 1;
        }
        (pos, before)
    }
}

/// A run as a snapshot stores it.
#[derive(Clone, Debug)]
pub(crate) struct RunParts {
    pub(crate) id: OpId,
    pub(crate) len: u32,
    pub(crate) origin_left: Option<OpId>,
    pub(crate) origin_right: Option<OpId>,
    pub(crate) content: u32,
    pub(crate) deleted: bool,
    pub(crate) mark: Option<OpId>,
}

/// A list or text: elements of type `T` in CRDT order.
#[derive(Clone, Debug)]
pub(crate) struct Seq<T> {
    blocks: Vec<Block>,
    /// Stable block id to its current position in `blocks`.
    block_pos: Vec<u32>,
    fenwick: Fenwick,
    /// Per interned replica: run start counter to the stable id of the block holding the run.
    index: Vec<BTreeMap<u32, u32>>,
    arena: Vec<T>,
    len: usize,
    overfull: Vec<u32>,
}

impl<T: Clone> Default for Seq<T> {
    fn default() -> Self {
        Seq {
            blocks: vec![Block { id: 0, runs: Vec::new(), visible: 0 }],
            block_pos: vec![0],
            fenwick: Fenwick::build(std::iter::once(0)),
            index: Vec::new(),
            arena: Vec::new(),
            len: 0,
            overfull: Vec::new(),
        }
    }
}

impl<T: Clone> Seq<T> {
    /// The number of visible elements.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    fn run(&self, c: Cursor) -> &Run {
        &self.blocks[c.pos].runs[c.run]
    }

    fn run_mut(&mut self, c: Cursor) -> &mut Run {
        &mut self.blocks[c.pos].runs[c.run]
    }

    fn next(&self, c: Cursor) -> Option<Cursor> {
        if c.run + 1 < self.blocks[c.pos].runs.len() {
            return Some(Cursor { pos: c.pos, run: c.run + 1 });
        }
        self.first_from(c.pos + 1)
    }

    fn first_from(&self, mut pos: usize) -> Option<Cursor> {
        while pos < self.blocks.len() {
            if !self.blocks[pos].runs.is_empty() {
                return Some(Cursor { pos, run: 0 });
            }
            pos += 1;
        }
        None
    }

    /// The run holding `id`, and the element's offset in it.
    fn find_id(&self, id: OpId) -> Option<(Cursor, u32)> {
        let map = self.index.get(id.replica as usize)?;
        let (&start, &block) = map.range(..=id.counter).next_back()?;
        let pos = self.block_pos[block as usize] as usize;
        let run =
            self.blocks[pos].runs.iter().position(|r| r.id.replica == id.replica && r.id.counter == start)?;
        let c = Cursor { pos, run };
        let r = self.run(c);
        r.contains(id).then_some((c, id.counter - r.id.counter))
    }

    /// Whether `id` names an element of this sequence, visible or not.
    pub(crate) fn contains_id(&self, id: OpId) -> bool {
        self.find_id(id).is_some()
    }

    fn index_insert(&mut self, id: OpId, block: u32) {
        let r = id.replica as usize;
        if self.index.len() <= r {
            self.index.resize_with(r + 1, BTreeMap::new);
        }
        self.index[r].insert(id.counter, block);
    }

    fn index_remove(&mut self, id: OpId) {
        if let Some(map) = self.index.get_mut(id.replica as usize) {
            map.remove(&id.counter);
        }
    }

    fn insert_run(&mut self, at: Cursor, run: Run) {
        let block = &mut self.blocks[at.pos];
        let visible = run.visible();
        let id = run.id;
        block.runs.insert(at.run, run);
        block.visible += visible;
        let block_id = block.id;
        if block.runs.len() > MAX_RUNS {
            self.overfull.push(block_id);
        }
        self.fenwick.add(at.pos, visible.into());
        self.len += visible as usize;
        self.index_insert(id, block_id);
    }

    /// Splits the run at `c` so that a new run starts `offset` elements in.
    fn split(&mut self, c: Cursor, offset: u32) {
        let r = self.run_mut(c);
        debug_assert!(offset > 0 && offset < r.len);
        let tail = Run {
            id: r.id.offset(offset),
            len: r.len - offset,
            origin_left: Some(r.id.offset(offset - 1)),
            origin_right: r.origin_right,
            content: r.content + offset,
            deleted: r.deleted,
            mark: r.mark,
        };
        r.len = offset;
        let block = &mut self.blocks[c.pos];
        let tail_id = tail.id;
        block.runs.insert(c.run + 1, tail);
        let block_id = block.id;
        if block.runs.len() > MAX_RUNS {
            self.overfull.push(block_id);
        }
        self.index_insert(tail_id, block_id);
    }

    /// Makes `id` the first element of its run and returns that run.
    fn split_before(&mut self, id: OpId) -> Result<Cursor, SeqError> {
        let (c, off) = self.find_id(id).ok_or(SeqError::NoSuchElement(id))?;
        if off == 0 {
            return Ok(c);
        }
        self.split(c, off);
        Ok(Cursor { pos: c.pos, run: c.run + 1 })
    }

    /// Makes `id` the last element of its run.
    fn split_after(&mut self, id: OpId) -> Result<(), SeqError> {
        let (c, off) = self.find_id(id).ok_or(SeqError::NoSuchElement(id))?;
        if off + 1 < self.run(c).len {
            self.split(c, off + 1);
        }
        Ok(())
    }

    /// Visible elements before the run at `c`.
    fn visible_before(&self, c: Cursor) -> usize {
        let in_block: u32 = self.blocks[c.pos].runs[..c.run].iter().map(Run::visible).sum();
        self.fenwick.prefix(c.pos) as usize + in_block as usize
    }

    /// Splits every block that grew past [`MAX_RUNS`].
    fn rebalance(&mut self) {
        if self.overfull.is_empty() {
            return;
        }
        let mut overfull = std::mem::take(&mut self.overfull);
        overfull.sort_unstable();
        overfull.dedup();
        for block_id in overfull {
            loop {
                let pos = self.block_pos[block_id as usize] as usize;
                if self.blocks[pos].runs.len() <= MAX_RUNS {
                    break;
                }
                let half = self.blocks[pos].runs.len() / 2;
                let tail: Vec<Run> = self.blocks[pos].runs.split_off(half);
                let tail_visible: u32 = tail.iter().map(Run::visible).sum();
                self.blocks[pos].visible -= tail_visible;
                let new_id = self.block_pos.len() as u32;
                for r in &tail {
                    self.index[r.id.replica as usize].insert(r.id.counter, new_id);
                }
                self.blocks.insert(pos + 1, Block { id: new_id, runs: tail, visible: tail_visible });
                self.block_pos.push(0);
                for (p, b) in self.blocks.iter().enumerate().skip(pos) {
                    self.block_pos[b.id as usize] = p as u32;
                }
            }
        }
        self.fenwick = Fenwick::build(self.blocks.iter().map(|b| u64::from(b.visible)));
    }

    /// Integrates an insert of `content` with ids from `id` on, made between `origin_left` and
    /// `origin_right`, and returns the visible index it landed at.
    ///
    /// `order` compares two interned replicas by their full ids: concurrent inserts at the same
    /// place are ordered by replica id, the same way on every replica.
    pub(crate) fn integrate(
        &mut self,
        id: OpId,
        origin_left: Option<OpId>,
        origin_right: Option<OpId>,
        content: impl IntoIterator<Item = T>,
        order: impl Fn(u32, u32) -> Ordering,
    ) -> Result<usize, SeqError> {
        // Check both origins before changing anything, so a bad op leaves no trace.
        for o in [origin_left, origin_right].into_iter().flatten() {
            if !self.contains_id(o) {
                return Err(SeqError::NoSuchElement(o));
            }
        }
        if let Some(ol) = origin_left {
            self.split_after(ol)?;
        }
        if let Some(or) = origin_right {
            self.split_before(or)?;
        }
        let mut left = match origin_left {
            Some(ol) => Some(self.find_id(ol).ok_or(SeqError::NoSuchElement(ol))?.0),
            None => None,
        };
        let mut o = match left {
            Some(c) => self.next(c),
            None => self.first_from(0),
        };
        // The ids scanned so far; those after `clear` are the ones still in conflict.
        let mut scanned: Vec<(u32, u32, u32)> = Vec::new();
        let mut clear = 0;
        let contains = |spans: &[(u32, u32, u32)], x: OpId| {
            spans.iter().any(|&(r, s, e)| r == x.replica && x.counter >= s && x.counter < e)
        };
        while let Some(oc) = o {
            let r = self.run(oc);
            if Some(r.id) == origin_right {
                break;
            }
            scanned.push((r.id.replica, r.id.counter, r.id.counter + r.len));
            if r.origin_left == origin_left {
                if order(r.id.replica, id.replica) == Ordering::Less {
                    left = Some(oc);
                    clear = scanned.len();
                } else if r.origin_right == origin_right {
                    break;
                }
            } else if let Some(rol) = r.origin_left
                && contains(&scanned, rol)
            {
                if !contains(&scanned[clear..], rol) {
                    left = Some(oc);
                    clear = scanned.len();
                }
            } else {
                break;
            }
            o = self.next(oc);
        }

        let offset = self.arena.len() as u32;
        self.arena.extend(content);
        let n = self.arena.len() as u32 - offset;
        let at = match left {
            Some(c) => {
                let index = self.visible_before(c) + self.run(c).visible() as usize;
                let r = self.run_mut(c);
                let mergeable = r.id.replica == id.replica
                    && r.id.counter + r.len == id.counter
                    && origin_left == Some(r.last())
                    && r.origin_right == origin_right
                    && !r.deleted
                    && r.mark.is_none()
                    && r.content + r.len == offset;
                if mergeable {
                    r.len += n;
                    self.blocks[c.pos].visible += n;
                    self.fenwick.add(c.pos, n.into());
                    self.len += n as usize;
                    self.rebalance();
                    return Ok(index);
                }
                (Cursor { pos: c.pos, run: c.run + 1 }, index)
            }
            None => (Cursor { pos: 0, run: 0 }, 0),
        };
        let run = Run { id, len: n, origin_left, origin_right, content: offset, deleted: false, mark: None };
        self.insert_run(at.0, run);
        self.rebalance();
        Ok(at.1)
    }

    /// The origins a local insert at visible `index` records: the visible element before it and
    /// whatever element (deleted or not) follows that one.
    pub(crate) fn origins_at(&self, index: usize) -> (Option<OpId>, Option<OpId>) {
        if index == 0 {
            let right = self.first_from(0).map(|c| self.run(c).id);
            return (None, right);
        }
        let (c, off) = self.cursor_at(index - 1);
        let r = self.run(c);
        let left = r.id.offset(off);
        let right =
            if off + 1 < r.len { Some(r.id.offset(off + 1)) } else { self.next(c).map(|n| self.run(n).id) };
        (Some(left), right)
    }

    /// The run holding the visible element at `index` (< len) and its offset there.
    fn cursor_at(&self, index: usize) -> (Cursor, u32) {
        let (pos, before) = self.fenwick.find(index as u64);
        let mut rest = index as u64 - before;
        for (i, r) in self.blocks[pos].runs.iter().enumerate() {
            let v = u64::from(r.visible());
            if rest < v {
                return (Cursor { pos, run: i }, rest as u32);
            }
            rest -= v;
        }
        unreachable!("the Fenwick tree and the blocks disagree about visible lengths")
    }

    /// The visible element at `index`, with its id.
    pub(crate) fn get(&self, index: usize) -> Option<(OpId, &T)> {
        (index < self.len).then(|| {
            let (c, off) = self.cursor_at(index);
            let r = self.run(c);
            (r.id.offset(off), &self.arena[(r.content + off) as usize])
        })
    }

    /// The element with id `id`, deleted or not, and its index if it is visible.
    pub(crate) fn get_by_id(&self, id: OpId) -> Option<(Option<usize>, &T)> {
        let (c, off) = self.find_id(id)?;
        let r = self.run(c);
        let index = (!r.deleted).then(|| self.visible_before(c) + off as usize);
        Some((index, &self.arena[(r.content + off) as usize]))
    }

    /// Where element `id` is: whether it is deleted, and how many visible elements precede it.
    pub(crate) fn position_of(&self, id: OpId) -> Option<(bool, usize)> {
        let (c, off) = self.find_id(id)?;
        let r = self.run(c);
        let before = self.visible_before(c) + if r.deleted { 0 } else { off as usize };
        Some((r.deleted, before))
    }

    /// The id spans covering the visible elements `[index, index + len)`, in order.
    pub(crate) fn spans_at(&self, index: usize, len: usize) -> Vec<(OpId, u32)> {
        let mut spans = Vec::new();
        if len == 0 {
            return spans;
        }
        let (mut c, mut off) = self.cursor_at(index);
        let mut left = len as u32;
        loop {
            let r = self.run(c);
            if !r.deleted {
                let take = (r.len - off).min(left);
                spans.push((r.id.offset(off), take));
                left -= take;
                if left == 0 {
                    return spans;
                }
            }
            off = 0;
            match self.next(c) {
                Some(n) => c = n,
                None => return spans,
            }
        }
    }

    /// Isolates the elements `[id, id + len)` that sit in one run starting at `id`, returning
    /// that run and its length (which may be less than `len`).
    fn isolate(&mut self, id: OpId, len: u32) -> Result<(Cursor, u32), SeqError> {
        let c = self.split_before(id)?;
        let rlen = self.run(c).len;
        if rlen > len {
            self.split(c, len);
        }
        Ok((c, rlen.min(len)))
    }

    /// Applies a delete (`delete`) or a restore, op `op`, to the elements with ids
    /// `[id, id + len)`: each element takes the state of the delete or restore op with the
    /// greatest Lamport id (`order`) that touched it.
    pub(crate) fn mark(
        &mut self,
        id: OpId,
        len: u32,
        op: OpId,
        delete: bool,
        order: impl Fn(OpId, OpId) -> Ordering,
    ) -> Result<Marked, SeqError> {
        // Check first: every id must exist, or nothing changes.
        let mut probe = id;
        let end = id.counter + len;
        while probe.counter < end {
            let (c, off) = self.find_id(probe).ok_or(SeqError::NoSuchElement(probe))?;
            probe = probe.offset(self.run(c).len - off);
        }
        let mut ranges = Vec::new();
        let mut undo = Vec::new();
        let mut at = id;
        while at.counter < end {
            let (c, n) = self.isolate(at, end - at.counter)?;
            let r = self.run(c);
            if r.mark.is_none_or(|m| order(op, m) == Ordering::Greater) {
                undo.push((at, n, r.deleted, r.mark));
                let was_deleted = r.deleted;
                self.run_mut(c).mark = Some(op);
                if was_deleted != delete {
                    ranges.push((self.visible_before(c), n as usize, !delete));
                    self.set_deleted(c, delete);
                }
            }
            at = at.offset(n);
        }
        self.rebalance();
        Ok((ranges, undo))
    }

    fn set_deleted(&mut self, c: Cursor, deleted: bool) {
        let n = self.run(c).len;
        if self.run(c).deleted == deleted {
            return;
        }
        self.run_mut(c).deleted = deleted;
        if deleted {
            self.blocks[c.pos].visible -= n;
            self.fenwick.add(c.pos, -i64::from(n));
            self.len -= n as usize;
        } else {
            self.blocks[c.pos].visible += n;
            self.fenwick.add(c.pos, n.into());
            self.len += n as usize;
        }
    }

    /// Undoes [`Seq::mark`] from the states it reported (rollback of a failed change).
    pub(crate) fn unmark(&mut self, undo: &[(OpId, u32, bool, Option<OpId>)]) {
        for &(id, len, deleted, mark) in undo.iter().rev() {
            let mut at = id;
            while at.counter < id.counter + len {
                let (c, n) =
                    self.isolate(at, id.counter + len - at.counter).expect("rolled-back span exists");
                self.run_mut(c).mark = mark;
                self.set_deleted(c, deleted);
                at = at.offset(n);
            }
        }
        self.rebalance();
    }

    /// The delete/restore state of element `id`: whether it is deleted and by which op.
    pub(crate) fn mark_of(&self, id: OpId) -> Option<(bool, Option<OpId>)> {
        let (c, _) = self.find_id(id)?;
        let r = self.run(c);
        Some((r.deleted, r.mark))
    }

    /// Removes the elements `[id, id + len)` entirely (rollback of a failed insert).
    pub(crate) fn remove(&mut self, id: OpId, len: u32) {
        let mut at = id;
        while at.counter < id.counter + len {
            let (c, n) = self.isolate(at, id.counter + len - at.counter).expect("rolled-back insert exists");
            let run = self.blocks[c.pos].runs.remove(c.run);
            let v = run.visible();
            self.blocks[c.pos].visible -= v;
            self.fenwick.add(c.pos, -i64::from(v));
            self.len -= v as usize;
            self.index_remove(run.id);
            at = at.offset(n);
        }
        self.rebalance();
    }

    /// The visible elements in order, with their ids.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (OpId, &T)> + '_ {
        self.blocks.iter().flat_map(|b| b.runs.iter()).filter(|r| !r.deleted).flat_map(move |r| {
            let start = r.content as usize;
            self.arena[start..start + r.len as usize]
                .iter()
                .enumerate()
                .map(move |(i, v)| (r.id.offset(i as u32), v))
        })
    }

    /// Every run in document order, tombstones included, for snapshots.
    pub(crate) fn runs(&self) -> impl Iterator<Item = RunParts> + '_ {
        self.blocks.iter().flat_map(|b| b.runs.iter()).map(|r| RunParts {
            id: r.id,
            len: r.len,
            origin_left: r.origin_left,
            origin_right: r.origin_right,
            content: r.content,
            deleted: r.deleted,
            mark: r.mark,
        })
    }

    /// The element store, for snapshots.
    pub(crate) fn arena(&self) -> &[T] {
        &self.arena
    }

    /// Rebuilds a sequence from a snapshot's runs and elements; every derived index is built
    /// afresh, and runs that could not have come from a sequence are refused.
    pub(crate) fn from_parts(runs: Vec<RunParts>, arena: Vec<T>) -> Result<Seq<T>, String> {
        let mut seq = Seq { arena, ..Seq::default() };
        seq.blocks.clear();
        seq.block_pos.clear();
        let mut seen = std::collections::HashSet::new();
        for (k, chunk) in runs.chunks(MAX_RUNS / 2).enumerate() {
            let mut block = Block { id: k as u32, runs: Vec::with_capacity(chunk.len()), visible: 0 };
            for r in chunk {
                let end = u64::from(r.content) + u64::from(r.len);
                if r.len == 0 || end > seq.arena.len() as u64 || r.id.counter.checked_add(r.len).is_none() {
                    return Err(format!("run {:?} is empty or outside its elements", r.id));
                }
                if !seen.insert(r.id) {
                    return Err(format!("run {:?} appears twice", r.id));
                }
                let run = Run {
                    id: r.id,
                    len: r.len,
                    origin_left: r.origin_left,
                    origin_right: r.origin_right,
                    content: r.content,
                    deleted: r.deleted,
                    mark: r.mark,
                };
                block.visible += run.visible();
                seq.len += run.visible() as usize;
                block.runs.push(run);
            }
            for r in &block.runs {
                let rep = r.id.replica as usize;
                if seq.index.len() <= rep {
                    seq.index.resize_with(rep + 1, BTreeMap::new);
                }
                seq.index[rep].insert(r.id.counter, block.id);
            }
            seq.block_pos.push(k as u32);
            seq.blocks.push(block);
        }
        if seq.blocks.is_empty() {
            seq.blocks.push(Block { id: 0, runs: Vec::new(), visible: 0 });
            seq.block_pos.push(0);
        }
        // Runs of one replica must not overlap, or id lookups would be ambiguous.
        for (rep, map) in seq.index.iter().enumerate() {
            let mut prev_end = 0u64;
            for (&start, &block) in map {
                let pos = seq.block_pos[block as usize] as usize;
                let r = seq.blocks[pos]
                    .runs
                    .iter()
                    .find(|r| r.id.replica as usize == rep && r.id.counter == start);
                let len = r.map_or(0, |r| r.len);
                if u64::from(start) < prev_end {
                    return Err("runs of one replica overlap".into());
                }
                prev_end = u64::from(start) + u64::from(len);
            }
        }
        seq.fenwick = Fenwick::build(seq.blocks.iter().map(|b| u64::from(b.visible)));
        Ok(seq)
    }

    /// The number of runs, for tests of run-length encoding.
    #[cfg(test)]
    pub(crate) fn run_count(&self) -> usize {
        self.blocks.iter().map(|b| b.runs.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ord(a: u32, b: u32) -> Ordering {
        a.cmp(&b)
    }

    fn text(s: &Seq<char>) -> String {
        s.iter().map(|(_, c)| *c).collect()
    }

    fn local_insert(s: &mut Seq<char>, replica: u32, counter: &mut u32, index: usize, t: &str) {
        let (l, r) = s.origins_at(index);
        let id = OpId::new(replica, *counter);
        *counter += t.chars().count() as u32;
        s.integrate(id, l, r, t.chars(), ord).unwrap();
    }

    #[test]
    fn typing_forms_one_run_and_deletes_split_it() {
        let mut s = Seq::default();
        let mut c = 1;
        for (i, ch) in "hello world".chars().enumerate() {
            local_insert(&mut s, 0, &mut c, i, &ch.to_string());
        }
        assert_eq!(text(&s), "hello world");
        assert_eq!(s.run_count(), 1);
        let spans = s.spans_at(5, 6);
        assert_eq!(spans, vec![(OpId::new(0, 6), 6)]);
        s.mark(OpId::new(0, 6), 6, OpId::new(0, 100), true, |a, b| a.cmp(&b)).unwrap();
        assert_eq!(text(&s), "hello");
        local_insert(&mut s, 0, &mut c, 0, ">");
        assert_eq!(text(&s), ">hello");
        assert_eq!(s.get(1).map(|(_, c)| *c), Some('h'));
    }

    #[test]
    fn many_inserts_split_blocks_and_keep_order() {
        let mut s = Seq::default();
        let mut c = 1;
        let mut model = Vec::new();
        let mut x: u64 = 7;
        for i in 0..5000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let index = (x % (model.len() as u64 + 1)) as usize;
            let ch = char::from_u32(0x41 + (i % 26)).unwrap();
            local_insert(&mut s, 0, &mut c, index, &ch.to_string());
            model.insert(index, ch);
            if i % 3 == 0 && !model.is_empty() {
                let di = (x as usize / 3) % model.len();
                for (id, n) in s.spans_at(di, 1) {
                    s.mark(id, n, OpId::new(9, 100_000 + i), true, |a, b| a.cmp(&b)).unwrap();
                }
                model.remove(di);
            }
        }
        assert_eq!(text(&s), model.iter().collect::<String>());
        assert!(s.blocks.len() > 1);
        for (i, (id, ch)) in s.iter().enumerate() {
            assert_eq!(s.get_by_id(id), Some((Some(i), ch)));
        }
    }

    #[test]
    fn rollback_helpers_restore_the_sequence() {
        let mut s = Seq::default();
        let mut c = 1;
        local_insert(&mut s, 0, &mut c, 0, "abcdef");
        let (_, undo) = s.mark(OpId::new(0, 2), 3, OpId::new(0, 50), true, |a, b| a.cmp(&b)).unwrap();
        assert_eq!(text(&s), "aef");
        s.unmark(&undo);
        assert_eq!(text(&s), "abcdef");
        // A restore with a later id brings the same elements back; an older delete loses to it.
        s.mark(OpId::new(0, 2), 3, OpId::new(0, 50), true, |a, b| a.cmp(&b)).unwrap();
        s.mark(OpId::new(0, 3), 1, OpId::new(0, 60), false, |a, b| a.cmp(&b)).unwrap();
        s.mark(OpId::new(0, 3), 1, OpId::new(0, 55), true, |a, b| a.cmp(&b)).unwrap();
        assert_eq!(text(&s), "acef");
        s.mark(OpId::new(0, 2), 3, OpId::new(0, 70), false, |a, b| a.cmp(&b)).unwrap();
        assert_eq!(text(&s), "abcdef");
        local_insert(&mut s, 1, &mut 100, 3, "XY");
        assert_eq!(text(&s), "abcXYdef");
        s.remove(OpId::new(1, 100), 2);
        assert_eq!(text(&s), "abcdef");
    }
}
