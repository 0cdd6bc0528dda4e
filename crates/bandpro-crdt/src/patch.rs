//! Patches: what an applied change did to the visible document, so that UIs and indexes update
//! incrementally instead of re-reading the document.
//!
//! Patches address objects by id, not by path: an object keeps its id wherever it moves, and a
//! caller that wants a path asks [`crate::Document::path`]. Applying a change's patches, in
//! order, to a copy of the document as it was gives the document as it is.
//!
//! Patches describe every object from its creation, reachable or not: a concurrent write that
//! lost to another still gets patches for its contents, so that the object is complete if it
//! becomes visible again (when the winner is deleted). A consumer that meets an object id for
//! the first time can start it empty.

use crate::id::ObjId;
use crate::value::{Prop, Value};

/// One visible effect of a change.
#[derive(Clone, PartialEq, Debug)]
pub struct Patch {
    /// The object changed.
    pub obj: ObjId,
    /// What changed in it.
    pub action: PatchAction,
}

/// What changed in an object.
#[derive(Clone, PartialEq, Debug)]
pub enum PatchAction {
    /// The visible value under `key` is now `value`. `conflict` says whether concurrent values
    /// lost to it (and are readable with `get_all`).
    PutMap {
        /// The key.
        key: String,
        /// The winning value.
        value: Value,
        /// Whether other concurrent values are kept beside it.
        conflict: bool,
    },
    /// `key` no longer has a value.
    DeleteMap {
        /// The key.
        key: String,
    },
    /// Values were inserted into a list at `index`.
    Insert {
        /// Where the first one now is.
        index: usize,
        /// The values, in order.
        values: Vec<Value>,
    },
    /// Characters were inserted into a text at `index` (in unicode scalar values).
    SpliceText {
        /// Where the first one now is.
        index: usize,
        /// The characters.
        text: String,
    },
    /// `len` elements were deleted from a list or text, starting at `index`.
    DeleteSeq {
        /// Where the first deleted element was.
        index: usize,
        /// How many.
        len: usize,
    },
    /// The counter at `prop` changed by `by`.
    Increment {
        /// The key or index of the counter.
        prop: Prop,
        /// The amount.
        by: i64,
    },
}
