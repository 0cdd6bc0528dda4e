//! Identities: replicas, operations, objects and changes.
//!
//! A replica has a random 128-bit [`ReplicaId`]. Inside a document it is interned to a small
//! index so that the hot paths carry 8-byte [`OpId`]s; anything that leaves the document (object
//! ids handed to callers, encoded changes) uses the full id, because interning order differs
//! between replicas.

use std::fmt;

/// The random 128-bit identity of a replica (one editing session of one user on one device).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReplicaId(pub [u8; 16]);

impl ReplicaId {
    /// A fresh random replica id from the operating system's random source.
    ///
    /// # Panics
    /// Only if the operating system has no random source at all, which `getrandom` treats as
    /// unrecoverable; use [`ReplicaId::from_bytes`] on such a platform.
    pub fn random() -> Self {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).expect("the operating system has no random source");
        ReplicaId(bytes)
    }

    /// A replica id from its 16 bytes (deterministic ids are handy in tests).
    pub const fn from_bytes(bytes: [u8; 16]) -> Self {
        ReplicaId(bytes)
    }

    /// A replica id from a number, for tests and examples that want readable ids.
    pub const fn from_u128(n: u128) -> Self {
        ReplicaId(n.to_be_bytes())
    }
}

impl fmt::Debug for ReplicaId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ReplicaId({self})")
    }
}

impl fmt::Display for ReplicaId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in &self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// The blake3 hash of a change's canonical encoding: its name in the DAG.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ChangeHash(pub [u8; 32]);

impl ChangeHash {
    /// The hash as lowercase hex.
    pub fn to_hex(&self) -> String {
        self.to_string()
    }

    /// Parses 64 hex digits.
    pub fn from_hex(s: &str) -> Option<Self> {
        let s = s.as_bytes();
        if s.len() != 64 {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, pair) in s.chunks_exact(2).enumerate() {
            let hi = (pair[0] as char).to_digit(16)?;
            let lo = (pair[1] as char).to_digit(16)?;
            out[i] = (hi * 16 + lo) as u8;
        }
        Some(ChangeHash(out))
    }
}

impl fmt::Debug for ChangeHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Eight hex digits identify a change in logs and test failures, as in git.
        write!(f, "ChangeHash({})", &self.to_string()[..8])
    }
}

impl fmt::Display for ChangeHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in &self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// An operation's id inside one document: `(counter, interned replica)`.
///
/// The counter is also the operation's Lamport timestamp: a new change's first op counts on
/// from the largest counter its author has seen, so `(counter, replica id)` orders concurrent
/// writes the same way on every replica.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub(crate) struct OpId {
    pub(crate) counter: u32,
    pub(crate) replica: u32,
}

impl OpId {
    pub(crate) const fn new(replica: u32, counter: u32) -> Self {
        OpId { counter, replica }
    }

    /// The id `n` places further along the same replica's counter.
    pub(crate) const fn offset(self, n: u32) -> Self {
        OpId { counter: self.counter + n, replica: self.replica }
    }
}

/// The id of an object (a map, list or text) in a document, stable across replicas.
///
/// The root map is [`ObjId::Root`]; every other object is named by the operation that created it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjId {
    /// The document's root map.
    Root,
    /// The object created by the operation `(replica, counter)`.
    Id {
        /// The replica that created the object.
        replica: ReplicaId,
        /// The counter of the creating operation.
        counter: u32,
    },
}

/// The document's root map.
pub const ROOT: ObjId = ObjId::Root;

impl fmt::Debug for ObjId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for ObjId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ObjId::Root => f.write_str("root"),
            ObjId::Id { replica, counter } => {
                write!(f, "{counter}@{}", &replica.to_string()[..8])
            }
        }
    }
}
