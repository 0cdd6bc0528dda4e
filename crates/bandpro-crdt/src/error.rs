//! The one error type of the engine.

use crate::id::{ChangeHash, ObjId, ReplicaId};
use crate::value::{ObjType, Prop};

/// Everything that can go wrong in `bandpro-crdt`.
///
/// Every variant says what was wrong and where. Whenever an operation returns one of these, the
/// document is exactly as it was before the call.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An object id that this document has never seen.
    #[error("object {0} does not exist in this document")]
    NoSuchObject(ObjId),
    /// An operation meant for one kind of object was applied to another.
    #[error("object {obj} is a {actual:?}, but this operation needs a {expected}")]
    WrongObjectType {
        /// The object addressed.
        obj: ObjId,
        /// What it is.
        actual: ObjType,
        /// What the operation needs.
        expected: &'static str,
    },
    /// An index past the end of a list or text.
    #[error("index {index} is out of bounds for {obj}, whose length is {len}")]
    IndexOutOfBounds {
        /// The sequence addressed.
        obj: ObjId,
        /// The index asked for.
        index: usize,
        /// The sequence's length.
        len: usize,
    },
    /// `increment` on something that is not a counter.
    #[error("the value at {prop} in {obj} is not a counter")]
    NotACounter {
        /// The object addressed.
        obj: ObjId,
        /// The key or index.
        prop: Prop,
    },
    /// A counter would overflow a 32-bit operation counter, or an increment would overflow.
    #[error("counter overflow: {0}")]
    Overflow(&'static str),
    /// Bytes that are not a valid encoding.
    #[error("malformed {what} at byte {offset}: {reason}")]
    Decode {
        /// What was being decoded ("change", "document", "sync message", ...).
        what: &'static str,
        /// The byte offset where decoding failed.
        offset: usize,
        /// What was wrong there.
        reason: String,
    },
    /// A change whose bytes do not hash to the hash it was sent under.
    #[error("change hash mismatch: expected {expected}, the bytes hash to {actual}")]
    HashMismatch {
        /// The hash the sender claimed.
        expected: ChangeHash,
        /// The hash of the bytes received.
        actual: ChangeHash,
    },
    /// A change whose dependencies never arrived.
    #[error("change {change} depends on {missing:?}, which this document does not have")]
    MissingDependencies {
        /// The change that cannot be applied.
        change: ChangeHash,
        /// The dependencies that are missing.
        missing: Vec<ChangeHash>,
    },
    /// A change whose counters do not continue its replica's chain.
    #[error(
        "change {change} by replica {replica} starts at counter {start_op}, but it must start \
         after {must_exceed} (its replica's last counter or its dependencies' largest)"
    )]
    CounterBackwards {
        /// The rejected change.
        change: ChangeHash,
        /// Its replica.
        replica: ReplicaId,
        /// Its first counter.
        start_op: u32,
        /// The counter it must exceed.
        must_exceed: u32,
    },
    /// A replica that signed two different histories: a second change for the same counter, or
    /// a change that does not build on the replica's own previous change.
    #[error("replica {replica} equivocated: change {change} conflicts with its change {existing}")]
    Equivocation {
        /// The rejected change.
        change: ChangeHash,
        /// The replica.
        replica: ReplicaId,
        /// The replica's change already in the document.
        existing: ChangeHash,
    },
    /// An operation inside a change that cannot apply to this document.
    #[error("change {change}, operation {op_index}: {reason}")]
    InvalidOp {
        /// The rejected change.
        change: ChangeHash,
        /// The position of the operation in the change.
        op_index: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// Too many changes wait for dependencies; the newest are refused rather than grow without
    /// bound.
    #[error("{pending} changes already wait for missing dependencies; the limit is {limit}")]
    PendingLimit {
        /// How many wait.
        pending: usize,
        /// The configured limit.
        limit: usize,
    },
    /// A file operation failed.
    #[error("{op} {path}: {message}")]
    Io {
        /// What was being done ("open", "append to", "rename", ...).
        op: &'static str,
        /// The file.
        path: String,
        /// What the operating system said.
        message: String,
    },
    /// Stored data is damaged somewhere other than a torn tail: it is reported, never skipped.
    #[error("{path} is damaged at byte {offset}: {reason}")]
    Corrupt {
        /// The file.
        path: String,
        /// Where the damage starts.
        offset: u64,
        /// What is wrong.
        reason: String,
    },
    /// Another process has the store open for writing.
    #[error("{path} is locked by another process; close it there first")]
    Locked {
        /// The store's folder.
        path: String,
    },
    /// A message larger than the configured cap.
    #[error("a {what} of {size} bytes exceeds the limit of {limit}")]
    TooLarge {
        /// What was too large.
        what: &'static str,
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// A version names a change this document does not have.
    #[error("change {0} is not in this document")]
    UnknownChange(ChangeHash),
}

impl Error {
    pub(crate) fn io(op: &'static str, path: &std::path::Path, e: std::io::Error) -> Self {
        Error::Io { op, path: path.display().to_string(), message: e.to_string() }
    }

    pub(crate) fn decode(what: &'static str, offset: usize, reason: impl Into<String>) -> Self {
        Error::Decode { what, offset, reason: reason.into() }
    }
}
