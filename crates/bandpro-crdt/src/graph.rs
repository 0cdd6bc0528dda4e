//! The change DAG: which changes a document holds, how they depend on each other, and the
//! questions git asks of commits (heads, ancestry, merge bases, what one version lacks).
//!
//! Changes are numbered in the order they were applied. Since a change is applied only after all
//! of its deps, that order is topological, and "ancestors of X" is a backwards sweep over
//! indices, marking deps in a bitset.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::change::{Change, Personal};
use crate::error::Error;
use crate::id::{ChangeHash, ReplicaId};

/// One change as the graph keeps it: its metadata decoded for the DAG queries, the change
/// itself decoded on first use. A document opened from a snapshot holds only the changes'
/// bytes until history is asked for (sync, time travel, log), so opening costs no replay.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub(crate) hash: ChangeHash,
    pub(crate) deps: Vec<u32>,
    pub(crate) replica: u32,
    pub(crate) start_op: u32,
    pub(crate) end_op: u32,
    /// Shared, like the bytes, so that copying a document (a fork, a branch) does not copy
    /// its history.
    decoded: std::sync::OnceLock<Arc<Change>>,
    /// The change's encoding.
    encoded: Option<Arc<[u8]>>,
}

impl Node {
    /// The change; decodes it on first use if the node came from a snapshot.
    pub(crate) fn change(&self) -> &Change {
        self.decoded.get_or_init(|| {
            let bytes = self.encoded.as_deref().expect("a node holds its change or its bytes");
            // These bytes were made by `Change::encode` of a change that was checked when it
            // was applied (or come from a validated snapshot), so they decode.
            Arc::new(Change::decode(bytes).expect("stored change bytes decode"))
        })
    }

    fn change_mut(&mut self) -> &mut Change {
        self.change();
        self.encoded = None;
        Arc::make_mut(self.decoded.get_mut().expect("just decoded"))
    }

    /// The encoded change, for snapshots.
    pub(crate) fn encoded(&self) -> Vec<u8> {
        match &self.encoded {
            Some(b) => b.to_vec(),
            None => self.change().encode(),
        }
    }
}

/// A map from replica to the largest counter seen from it: summarises a set of changes that is
/// closed under ancestry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VersionVector(pub BTreeMap<ReplicaId, u32>);

impl VersionVector {
    /// The largest counter seen from `replica`, or 0.
    pub fn get(&self, replica: &ReplicaId) -> u32 {
        self.0.get(replica).copied().unwrap_or(0)
    }

    /// Whether every change this vector covers is covered by `other` too.
    pub fn is_covered_by(&self, other: &VersionVector) -> bool {
        self.0.iter().all(|(r, c)| other.get(r) >= *c)
    }
}

/// The change graph.
#[derive(Clone, Debug, Default)]
pub(crate) struct Graph {
    pub(crate) nodes: Vec<Node>,
    index: HashMap<ChangeHash, u32, ahash::RandomState>,
    /// Per interned replica, its changes' indices in counter order.
    pub(crate) by_replica: Vec<Vec<u32>>,
    heads: Vec<u32>,
}

/// Enough of the graph's state to roll it back.
#[derive(Clone, Debug)]
pub(crate) struct GraphMark {
    len: usize,
    heads: Vec<u32>,
}

impl Graph {
    pub(crate) fn len(&self) -> usize {
        self.nodes.len()
    }

    pub(crate) fn lookup(&self, h: &ChangeHash) -> Option<u32> {
        self.index.get(h).copied()
    }

    pub(crate) fn contains(&self, h: &ChangeHash) -> bool {
        self.index.contains_key(h)
    }

    pub(crate) fn node(&self, i: u32) -> &Node {
        &self.nodes[i as usize]
    }

    /// The current heads, sorted by hash.
    pub(crate) fn heads(&self) -> Vec<ChangeHash> {
        let mut h: Vec<ChangeHash> = self.heads.iter().map(|&i| self.nodes[i as usize].hash).collect();
        h.sort();
        h
    }

    pub(crate) fn last_of_replica(&self, replica: u32) -> Option<u32> {
        self.by_replica.get(replica as usize).and_then(|v| v.last().copied())
    }

    pub(crate) fn mark(&self) -> GraphMark {
        GraphMark { len: self.nodes.len(), heads: self.heads.clone() }
    }

    pub(crate) fn rollback(&mut self, mark: GraphMark) {
        for node in self.nodes.drain(mark.len..) {
            self.index.remove(&node.hash);
            self.by_replica[node.replica as usize].pop();
        }
        self.heads = mark.heads;
    }

    /// Removes every node from `len` on (the newest first, as they were taken back), and finds
    /// the heads of what is left.
    pub(crate) fn truncate(&mut self, len: usize) {
        for node in self.nodes.drain(len..).rev() {
            self.index.remove(&node.hash);
            self.by_replica[node.replica as usize].pop();
        }
        let mut is_dep = vec![false; self.nodes.len()];
        for n in &self.nodes {
            for &d in &n.deps {
                is_dep[d as usize] = true;
            }
        }
        self.heads = (0..self.nodes.len() as u32).filter(|&i| !is_dep[i as usize]).collect();
    }

    /// The node index of change `hash`.
    pub(crate) fn index_of(&self, hash: &ChangeHash) -> Option<u32> {
        self.index.get(hash).copied()
    }

    /// Adds a change whose deps are all present (the caller checked).
    pub(crate) fn push(&mut self, change: Change, replica: u32) -> u32 {
        let deps: Vec<u32> = change.deps().iter().map(|d| self.index[d]).collect();
        // Keep only the bytes: a change is small encoded and large decoded, and most are never
        // read again (only sync, history and time travel decode them).
        let bytes = change.encode().into_boxed_slice();
        self.push_encoded(change.hash(), deps, replica, change.start_op(), change.end_op(), bytes)
    }

    /// Adds a node from its metadata and the change's bytes (decoded on first use): for a
    /// snapshot, and for `push`.
    pub(crate) fn push_encoded(
        &mut self,
        hash: ChangeHash,
        deps: Vec<u32>,
        replica: u32,
        start_op: u32,
        end_op: u32,
        bytes: Box<[u8]>,
    ) -> u32 {
        let i = self.nodes.len() as u32;
        self.heads.retain(|h| !deps.contains(h));
        self.heads.push(i);
        self.index.insert(hash, i);
        if self.by_replica.len() <= replica as usize {
            self.by_replica.resize_with(replica as usize + 1, Vec::new);
        }
        self.by_replica[replica as usize].push(i);
        self.nodes.push(Node {
            hash,
            deps,
            replica,
            start_op,
            end_op,
            decoded: std::sync::OnceLock::new(),
            encoded: Some(Arc::from(bytes)),
        });
        i
    }

    /// Indices of the given hashes, or the first unknown one.
    pub(crate) fn resolve(&self, heads: &[ChangeHash]) -> Result<Vec<u32>, Error> {
        heads.iter().map(|h| self.lookup(h).ok_or(Error::UnknownChange(*h))).collect()
    }

    /// The set of `from` and all their ancestors, as a bitset over change indices.
    pub(crate) fn ancestors(&self, from: &[u32]) -> Vec<bool> {
        let mut set = vec![false; self.nodes.len()];
        let Some(&max) = from.iter().max() else { return set };
        for &f in from {
            set[f as usize] = true;
        }
        for i in (0..=max as usize).rev() {
            if set[i] {
                for &d in &self.nodes[i].deps {
                    set[d as usize] = true;
                }
            }
        }
        set
    }

    /// Whether `a` is `b` or one of its ancestors.
    pub(crate) fn is_ancestor(&self, a: u32, b: u32) -> bool {
        if a == b {
            return true;
        }
        if a > b {
            return false;
        }
        // Walk back from b, never below a: changes numbered before a cannot lead to it.
        let mut stack = vec![b];
        let mut seen = std::collections::HashSet::new();
        while let Some(x) = stack.pop() {
            for &d in &self.nodes[x as usize].deps {
                if d == a {
                    return true;
                }
                if d > a && seen.insert(d) {
                    stack.push(d);
                }
            }
        }
        false
    }

    /// The members of a set (closed under ancestry) that no other member depends on.
    pub(crate) fn heads_of(&self, set: &[bool]) -> Vec<u32> {
        let mut is_dep = vec![false; set.len()];
        for (i, &inside) in set.iter().enumerate() {
            if inside {
                for &d in &self.nodes[i].deps {
                    is_dep[d as usize] = true;
                }
            }
        }
        (0..set.len()).filter(|&i| set[i] && !is_dep[i]).map(|i| i as u32).collect()
    }

    /// The best common ancestors of two versions (git's `merge-base --all`).
    pub(crate) fn merge_bases(&self, a: &[u32], b: &[u32]) -> Vec<u32> {
        let sa = self.ancestors(a);
        let sb = self.ancestors(b);
        let common: Vec<bool> = sa.iter().zip(&sb).map(|(x, y)| *x && *y).collect();
        self.heads_of(&common)
    }

    /// Changes in `ancestors(a)` but not in `ancestors(b)`, in topological order.
    pub(crate) fn difference(&self, a: &[u32], b: &[u32]) -> Vec<u32> {
        let sa = self.ancestors(a);
        let sb = self.ancestors(b);
        (0..self.nodes.len()).filter(|&i| sa[i] && !sb[i]).map(|i| i as u32).collect()
    }

    /// The version vector of a set closed under ancestry.
    pub(crate) fn version_vector(&self, set: &[bool], replicas: &[ReplicaId]) -> VersionVector {
        let mut vv = BTreeMap::new();
        for (i, node) in self.nodes.iter().enumerate() {
            if set[i] {
                let e = vv.entry(replicas[node.replica as usize]).or_insert(0);
                *e = (*e).max(node.end_op);
            }
        }
        VersionVector(vv)
    }

    /// Erases the personal fields of every change `pred` selects; returns how many it erased.
    pub(crate) fn erase_personal(&mut self, mut pred: impl FnMut(&Change) -> bool) -> usize {
        let mut n = 0;
        for node in &mut self.nodes {
            if matches!(node.change().personal(), Personal::Present { .. }) && pred(node.change()) {
                node.change_mut().erase_personal();
                n += 1;
            }
        }
        n
    }

    /// Erases the personal fields of the change `hash`, if this graph holds it with them.
    pub(crate) fn erase_hash(&mut self, hash: &ChangeHash) {
        if let Some(&i) = self.index.get(hash) {
            let node = &mut self.nodes[i as usize];
            if matches!(node.change().personal(), Personal::Present { .. }) {
                node.change_mut().erase_personal();
            }
        }
    }
}
