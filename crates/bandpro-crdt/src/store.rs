//! Where changes live between sessions: the [`Store`] trait and the in-memory store.
//!
//! A store holds the change log (append-only, idempotent by hash), at most one snapshot, and
//! named refs (branches and tags). The file store is in `file_store.rs`; SQL stores live in the
//! server adapter.

use std::collections::{BTreeMap, HashMap};

use crate::change::Change;
use crate::error::Error;
use crate::graph::VersionVector;
use crate::id::ChangeHash;

/// Persistent storage for one document.
pub trait Store {
    /// Appends changes, skipping those already stored; returns how many were new. When this
    /// returns `Ok`, the changes are durable.
    fn append(&mut self, changes: &[Change]) -> Result<usize, Error>;

    /// The stored changes that a replica with version vector `have` lacks, in the order they
    /// were appended (deps first, if they were appended so).
    fn load_since(&self, have: &VersionVector) -> Result<Vec<Change>, Error>;

    /// Every stored change.
    fn load_all(&self) -> Result<Vec<Change>, Error> {
        self.load_since(&VersionVector::default())
    }

    /// How many changes are stored.
    fn len(&self) -> usize;

    /// Whether no change is stored.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Replaces the snapshot (an opaque cache of the materialised state; see `snapshot.rs`).
    fn put_snapshot(&mut self, bytes: &[u8]) -> Result<(), Error>;

    /// The snapshot, if any.
    fn get_snapshot(&self) -> Result<Option<Vec<u8>>, Error>;

    /// The version a ref names, if the ref exists.
    fn get_ref(&self, name: &str) -> Result<Option<Vec<ChangeHash>>, Error>;

    /// All refs, by name.
    fn refs(&self) -> Result<BTreeMap<String, Vec<ChangeHash>>, Error>;

    /// Sets ref `name` to `new` (or deletes it, for `None`) if it currently is `expected`
    /// (`None`: absent). Returns whether it was set.
    fn compare_and_set_ref(
        &mut self,
        name: &str,
        expected: Option<&[ChangeHash]>,
        new: Option<&[ChangeHash]>,
    ) -> Result<bool, Error>;

    /// A small named setting of the repository (such as which branch is checked out).
    fn get_meta(&self, key: &str) -> Result<Option<String>, Error>;

    /// Sets a named setting.
    fn set_meta(&mut self, key: &str, value: &str) -> Result<(), Error>;

    /// Rewrites the log with every change `erase` selects stripped of its personal fields
    /// (their digests stay, so hashes still verify), and drops the snapshot, which holds the
    /// changes' bytes too. Returns how many changes were erased.
    fn erase_personal(&mut self, erase: &mut dyn FnMut(&Change) -> bool) -> Result<usize, Error>;
}

/// Whether `c` is missing from a replica with version vector `have`: per-replica chains are
/// totally ordered, so a change is missing exactly when its last counter is beyond the
/// vector's entry for its replica.
pub(crate) fn lacks(have: &VersionVector, c: &Change) -> bool {
    c.end_op() > have.get(&c.replica())
}

pub(crate) fn check_ref_name(name: &str) -> Result<(), Error> {
    let ok = !name.is_empty()
        && name.len() <= 255
        && name.chars().all(|c| c.is_alphanumeric() || "-_./@+".contains(c))
        && !name.contains("..");
    if ok {
        Ok(())
    } else {
        Err(Error::Decode {
            what: "ref name",
            offset: 0,
            reason: format!("{name:?} is not a valid ref name"),
        })
    }
}

/// Compare-and-set on a table of refs: the table as it would be after setting `name` to `new`
/// (or removing it), if `name` currently is `expected`; `None` if it is not.
pub(crate) fn cas_refs(
    refs: &BTreeMap<String, Vec<ChangeHash>>,
    name: &str,
    expected: Option<&[ChangeHash]>,
    new: Option<&[ChangeHash]>,
) -> Result<Option<BTreeMap<String, Vec<ChangeHash>>>, Error> {
    check_ref_name(name)?;
    if refs.get(name).map(Vec::as_slice) != expected {
        return Ok(None);
    }
    let mut out = refs.clone();
    match new {
        Some(v) => out.insert(name.to_owned(), v.to_vec()),
        None => out.remove(name),
    };
    Ok(Some(out))
}

/// Erases the personal fields of the changes `erase` selects; returns how many it erased.
pub(crate) fn erase_in(changes: &mut [Change], erase: &mut dyn FnMut(&Change) -> bool) -> usize {
    let mut n = 0;
    for c in changes {
        if matches!(c.personal(), crate::change::Personal::Present { .. }) && erase(c) {
            c.erase_personal();
            n += 1;
        }
    }
    n
}

/// A store in memory: for tests, and for apps that persist elsewhere.
#[derive(Clone, Debug, Default)]
pub struct MemoryStore {
    changes: Vec<Change>,
    index: HashMap<ChangeHash, usize>,
    snapshot: Option<Vec<u8>>,
    refs: BTreeMap<String, Vec<ChangeHash>>,
    meta: BTreeMap<String, String>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Store for MemoryStore {
    fn append(&mut self, changes: &[Change]) -> Result<usize, Error> {
        let mut n = 0;
        for c in changes {
            if !self.index.contains_key(&c.hash()) {
                self.index.insert(c.hash(), self.changes.len());
                self.changes.push(c.clone());
                n += 1;
            }
        }
        Ok(n)
    }

    fn load_since(&self, have: &VersionVector) -> Result<Vec<Change>, Error> {
        Ok(self.changes.iter().filter(|c| lacks(have, c)).cloned().collect())
    }

    fn len(&self) -> usize {
        self.changes.len()
    }

    fn put_snapshot(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.snapshot = Some(bytes.to_vec());
        Ok(())
    }

    fn get_snapshot(&self) -> Result<Option<Vec<u8>>, Error> {
        Ok(self.snapshot.clone())
    }

    fn get_ref(&self, name: &str) -> Result<Option<Vec<ChangeHash>>, Error> {
        Ok(self.refs.get(name).cloned())
    }

    fn refs(&self) -> Result<BTreeMap<String, Vec<ChangeHash>>, Error> {
        Ok(self.refs.clone())
    }

    fn compare_and_set_ref(
        &mut self,
        name: &str,
        expected: Option<&[ChangeHash]>,
        new: Option<&[ChangeHash]>,
    ) -> Result<bool, Error> {
        match cas_refs(&self.refs, name, expected, new)? {
            Some(refs) => {
                self.refs = refs;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    fn get_meta(&self, key: &str) -> Result<Option<String>, Error> {
        Ok(self.meta.get(key).cloned())
    }

    fn set_meta(&mut self, key: &str, value: &str) -> Result<(), Error> {
        check_ref_name(key)?;
        self.meta.insert(key.to_owned(), value.to_owned());
        Ok(())
    }

    fn erase_personal(&mut self, erase: &mut dyn FnMut(&Change) -> bool) -> Result<usize, Error> {
        let n = erase_in(&mut self.changes, erase);
        if n > 0 {
            // The snapshot carries the changes' bytes, fields and all.
            self.snapshot = None;
        }
        Ok(n)
    }
}
