//! `bandpro-crdt`: a generic, event-sourced CRDT engine on a blake3-hashed change DAG.
//!
//! The only truth is an append-only log of immutable [`Change`]s. Each change is a batch of
//! operations by one replica, named by the hash of its canonical bytes, and names the changes it
//! was made on, so the changes form a DAG like git's commits. The [`Document`] — nested maps,
//! lists, texts and counters — is a projection of that log: any two replicas holding the same
//! changes, received in any order, hold the same document.
//!
//! This crate knows nothing about music and does no I/O.
//!
//! ```
//! use bandpro_crdt::{Document, ObjType, ReplicaId, ROOT};
//!
//! // Two players start from the same arrangement...
//! let mut alice = Document::with_replica(ReplicaId::from_u128(1));
//! let notes = alice
//!     .transact(|tx| {
//!         tx.set_author("alice").set_message("start the melody");
//!         let notes = tx.put_object(&ROOT, "notes", ObjType::List)?;
//!         tx.insert(&notes, 0, "C4")?;
//!         tx.insert(&notes, 1, "E4")?;
//!         Ok::<_, bandpro_crdt::Error>(notes)
//!     })
//!     .unwrap()
//!     .0;
//! let mut bob = alice.fork_as(ReplicaId::from_u128(2));
//!
//! // ...edit concurrently, offline...
//! alice.transact(|tx| tx.insert(&notes, 2, "G4")).unwrap();
//! bob.transact(|tx| tx.insert(&notes, 0, "A3")).unwrap();
//!
//! // ...and converge once they exchange changes.
//! alice.merge(&bob).unwrap();
//! bob.merge(&alice).unwrap();
//! assert_eq!(alice.hydrate(&ROOT).unwrap(), bob.hydrate(&ROOT).unwrap());
//! assert_eq!(alice.length(&notes).unwrap(), 4);
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod change;
mod columns;
mod doc;
mod doc_format;
mod erasure;
mod error;
mod file_store;
mod graph;
mod id;
mod leb;
mod patch;
mod revert;
mod rewind;
mod seq;
#[cfg(feature = "sim")]
pub mod sim;
mod snapshot;
mod store;
mod sync;
mod transaction;
mod value;

pub use change::{
    Change, ChangeParts, InsertContent, MAX_OPS_PER_CHANGE, ObjRef, Op, OpAction, OpValue, Personal, RefId,
};
pub use doc::{DEFAULT_MAX_PENDING, Document, Hydrated, MAX_NESTING};
pub use doc_format::MAX_EXPANSION_PER_BYTE;
pub use erasure::ERASURE_KEY_PREFIX;
pub use error::Error;
pub use file_store::{FileStore, MAX_RECORD_BYTES, OpenReport, TornTail};
pub use graph::VersionVector;
pub use id::{ChangeHash, ObjId, ROOT, ReplicaId};
pub use patch::{Patch, PatchAction};
pub use revert::Reverted;
pub use snapshot::OpenInfo;
pub use store::{MemoryStore, Store};
pub use sync::{SyncMessage, SyncOptions, SyncState};
pub use transaction::{Commit, Transaction};
pub use value::{ObjType, Prop, ScalarValue, Value};
