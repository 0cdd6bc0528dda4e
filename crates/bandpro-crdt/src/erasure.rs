//! Erasure of personal fields as a change of its own, so that it travels.
//!
//! Erasing a change's author and message in one replica is not enough: a replica that synced
//! before would keep them and could send them back. So an erasure is recorded in the document
//! itself, under a reserved root key per erased change: `_erased:` followed by the change's
//! hash in hex. Every replica that applies such a write drops the personal fields of that change,
//! and from then on strips them from any copy of it that arrives later (from a replica that has
//! not heard of the erasure yet). Hashes keep verifying because a change hashes only a salted
//! digest of its personal fields.
//!
//! The record is one-way: removing an erasure key is refused as an invalid op, since the fields
//! it erased are gone everywhere it has been and cannot come back.
//!
//! ```
//! use bandpro_crdt::{Document, ReplicaId, ROOT};
//!
//! let mut alice = Document::with_replica(ReplicaId::from_u128(1));
//! let secret = alice
//!     .transact(|tx| {
//!         tx.set_author("Mallory Secret").set_message("my phone is 555-0100");
//!         tx.put(&ROOT, "tempo", 96)
//!     })
//!     .unwrap()
//!     .1
//!     .hash
//!     .unwrap();
//! let mut bob = alice.fork_as(ReplicaId::from_u128(2));
//!
//! alice.erase_changes(&[secret]).unwrap();
//! assert_eq!(alice.change(&secret).unwrap().author(), None);
//!
//! // Bob synced before the erasure; the erasure reaches him like any change.
//! bob.merge(&alice).unwrap();
//! assert_eq!(bob.change(&secret).unwrap().author(), None);
//! assert!(bob.is_erased(&secret));
//! ```

use std::collections::BTreeSet;

use crate::change::{Change, Personal};
use crate::doc::{Document, ObjState};
use crate::error::Error;
use crate::id::{ChangeHash, ROOT};

/// The root-map key prefix that records an erasure; the rest of the key is the erased change's
/// hash in hex. Keys with this prefix are reserved for the engine.
pub const ERASURE_KEY_PREFIX: &str = "_erased:";

/// What the engine makes of a write to a root key: `Ok(true)` if it records an erasure,
/// `Ok(false)` if it is an ordinary key, and an error reason if it is a malformed or forbidden
/// erasure write.
pub(crate) fn check_root_key(key: &str, is_delete: bool) -> Result<bool, String> {
    let Some(hex) = key.strip_prefix(ERASURE_KEY_PREFIX) else { return Ok(false) };
    if ChangeHash::from_hex(hex).is_none() {
        return Err(format!("reserved key {key:?} does not name a change hash"));
    }
    if is_delete {
        return Err(format!("an erasure ({key}) cannot be undone"));
    }
    Ok(true)
}

/// The erasures a document has seen, and whether a write since the last settling may have
/// added one.
#[derive(Clone, Debug, Default)]
pub(crate) struct Erasures {
    pub(crate) erased: BTreeSet<ChangeHash>,
    pub(crate) touched: bool,
}

impl Document {
    /// Erases the personal fields (author and message) of `hashes` here and everywhere this
    /// document's changes travel: it commits one change that records the erasure (see the module
    /// docs), then drops the fields locally. A hash this document does not hold yet is recorded
    /// too (a change on another branch, say): its fields are dropped when it arrives. Hashes
    /// already erased are skipped. Returns the recording change, or `None` if there was nothing
    /// left to erase.
    pub fn erase_changes(&mut self, hashes: &[ChangeHash]) -> Result<Option<ChangeHash>, Error> {
        let fresh: BTreeSet<ChangeHash> =
            hashes.iter().copied().filter(|h| !self.erasures.erased.contains(h)).collect();
        if fresh.is_empty() {
            return Ok(None);
        }
        let (_, commit) = self.transact(|tx| {
            tx.set_message("erasure of personal data");
            for h in &fresh {
                tx.put(&ROOT, &format!("{ERASURE_KEY_PREFIX}{}", h.to_hex()), true)?;
            }
            Ok::<_, Error>(())
        })?;
        Ok(commit.hash)
    }

    /// Whether the personal fields of change `hash` are erased by an erasure this document
    /// holds.
    pub fn is_erased(&self, hash: &ChangeHash) -> bool {
        self.erasures.erased.contains(hash)
    }

    /// Every change whose personal fields an erasure in this document covers, including ones
    /// the document does not hold yet. An app that persists changes itself erases these in its
    /// store too (see `Store::erase_personal`).
    pub fn erased(&self) -> impl Iterator<Item = &ChangeHash> + '_ {
        self.erasures.erased.iter()
    }

    /// Whether an arriving change must lose its personal fields before it is kept.
    pub(crate) fn strip_if_erased(&self, change: &Change) -> Option<Change> {
        if !self.erasures.erased.contains(&change.hash())
            || !matches!(change.personal(), Personal::Present { .. })
        {
            return None;
        }
        let mut c = change.clone();
        c.erase_personal();
        Some(c)
    }

    /// Applies the erasures written since the last call, once the changes that wrote them are
    /// committed (a batch that fails is rolled back first, so it erases nothing). The erasure
    /// keys are read from the root map itself, so this also rebuilds the set after a load.
    pub(crate) fn settle_erasures(&mut self) {
        if !std::mem::take(&mut self.erasures.touched) {
            return;
        }
        let ObjState::Map(entries) = &self.objects[0].state else { return };
        let fresh: Vec<ChangeHash> = entries
            .iter()
            .filter_map(|e| self.keys[e.key as usize].strip_prefix(ERASURE_KEY_PREFIX))
            .filter_map(ChangeHash::from_hex)
            .filter(|h| !self.erasures.erased.contains(h))
            .collect();
        for h in fresh {
            self.erasures.erased.insert(h);
            self.graph.erase_hash(&h);
        }
    }
}
