//! The sync protocol: a sans-I/O state machine per peer. Bytes in, bytes out; the caller owns
//! the socket, the threads and the timers.
//!
//! Every replica's changes form one chain (the engine refuses equivocation), and a document
//! only ever holds changes whose deps it holds, so a version vector describes a document's set
//! of changes *exactly*: the changes a peer lacks are those whose last counter is beyond the
//! peer's entry for their replica. No Bloom filter is needed, so there is none for a hostile
//! peer to mine.
//!
//! Each message carries the sender's heads. A side that holds all of the peer's heads knows
//! exactly what the peer has and sends what it lacks. A side that lacks some of the peer's
//! heads asks for the peer's version vector, and uses it once it comes. Peers already in sync
//! finish in one round trip; one new change costs one message with that change and one reply
//! with the new heads.
//!
//! ```
//! use bandpro_crdt::{Document, ROOT, SyncState};
//!
//! let mut a = Document::new();
//! a.transact(|tx| tx.put(&ROOT, "key", "C minor")).unwrap();
//! let mut b = Document::new();
//! let (mut sa, mut sb) = (SyncState::new(), SyncState::new());
//! // Pump messages until neither side has anything to say.
//! loop {
//!     let m1 = sa.generate_message(&a);
//!     if let Some(m) = &m1 { sb.receive_message(&mut b, m).unwrap(); }
//!     let m2 = sb.generate_message(&b);
//!     if let Some(m) = &m2 { sa.receive_message(&mut a, m).unwrap(); }
//!     if m1.is_none() && m2.is_none() { break; }
//! }
//! assert_eq!(a.heads(), b.heads());
//! ```

use std::collections::{BTreeMap, HashSet};

use crate::change::Change;
use crate::doc::Document;
use crate::error::Error;
use crate::graph::VersionVector;
use crate::id::{ChangeHash, ReplicaId};
use crate::leb::{Reader, write_bytes, write_uleb};
use crate::patch::Patch;
use crate::store::lacks;

const MAGIC: &[u8; 4] = b"BPSY";
/// Version 2 sends changes in the columns of a saved document (version 1 sent each change
/// whole, with 32-byte hashes for its deps).
const VERSION: u8 = 2;
const HAS_VV: u8 = 1;
/// How a message's changes travel: none, in columns (see `doc_format::encode_batch`), or each
/// whole (section 1 of `docs/FORMAT.md`).
const CHANGES_NONE: u8 = 0;
const CHANGES_COLUMNS: u8 = 1;
const CHANGES_WHOLE: u8 = 2;
const WANT_VV: u8 = 2;

/// Limits of a sync session.
#[derive(Clone, Debug)]
pub struct SyncOptions {
    max_message_bytes: usize,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions { max_message_bytes: 4 << 20 }
    }
}

impl SyncOptions {
    /// The defaults: messages of at most 4 MiB.
    pub fn new() -> Self {
        Self::default()
    }

    /// The largest message this side sends or accepts. Larger batches of changes are split
    /// over several messages; a single change larger than the cap is still sent alone.
    pub fn max_message_bytes(mut self, n: usize) -> Self {
        self.max_message_bytes = n.max(1024);
        self
    }
}

/// A decoded sync message.
#[derive(Clone, Debug, PartialEq)]
pub struct SyncMessage {
    /// The sender's heads.
    pub heads: Vec<ChangeHash>,
    /// The sender's version vector, if it sends one.
    pub version_vector: Option<VersionVector>,
    /// Whether the sender asks for our version vector.
    pub want_version_vector: bool,
    /// Changes the sender believes we lack.
    pub changes: Vec<Change>,
}

impl SyncMessage {
    /// Encodes the message (format in `docs/FORMAT.md`).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
        let mut flags = 0;
        if self.version_vector.is_some() {
            flags |= HAS_VV;
        }
        if self.want_version_vector {
            flags |= WANT_VV;
        }
        out.push(flags);
        write_uleb(&mut out, self.heads.len() as u64);
        for h in &self.heads {
            out.extend_from_slice(&h.0);
        }
        if let Some(vv) = &self.version_vector {
            write_uleb(&mut out, vv.0.len() as u64);
            for (r, c) in &vv.0 {
                out.extend_from_slice(&r.0);
                write_uleb(&mut out, (*c).into());
            }
        }
        if self.changes.is_empty() {
            out.push(CHANGES_NONE);
            return out;
        }
        // Columns pay off from a few changes on; one or two travel smaller whole.
        let columns = crate::doc_format::encode_batch(self.changes.iter());
        let whole = (self.changes.len() <= 16).then(|| {
            let mut w = Vec::new();
            write_uleb(&mut w, self.changes.len() as u64);
            for c in &self.changes {
                write_bytes(&mut w, &c.encode());
            }
            w
        });
        match whole {
            Some(w) if w.len() < columns.len() => {
                out.push(CHANGES_WHOLE);
                out.extend_from_slice(&w);
            }
            _ => {
                out.push(CHANGES_COLUMNS);
                out.extend_from_slice(&columns);
            }
        }
        out
    }

    /// Decodes a message, refusing anything longer than `max_bytes`. Every change's hash is
    /// computed from its bytes, so a message cannot lie about the hash of what it carries.
    pub fn decode(bytes: &[u8], max_bytes: usize) -> Result<SyncMessage, Error> {
        if bytes.len() > max_bytes {
            return Err(Error::TooLarge { what: "sync message", size: bytes.len(), limit: max_bytes });
        }
        let mut r = Reader::new(bytes, "sync message");
        if r.take(4)? != MAGIC {
            return Err(r.err("not a BandPro sync message (bad magic bytes)"));
        }
        let version = r.u8()?;
        if version != VERSION {
            return Err(r.err(format!("unsupported sync message version {version}")));
        }
        let flags = r.u8()?;
        if flags & !(HAS_VV | WANT_VV) != 0 {
            return Err(r.err(format!("unknown flags {flags:#x}")));
        }
        let n = r.count(32)?;
        let heads = (0..n).map(|_| r.array::<32>().map(ChangeHash)).collect::<Result<Vec<_>, _>>()?;
        let version_vector = if flags & HAS_VV != 0 {
            let n = r.count(17)?;
            let mut vv = BTreeMap::new();
            for _ in 0..n {
                let replica = ReplicaId(r.array::<16>()?);
                let counter = r.u32()?;
                if vv.insert(replica, counter).is_some() {
                    return Err(r.err("version vector lists a replica twice"));
                }
            }
            Some(VersionVector(vv))
        } else {
            None
        };
        let changes = match r.u8()? {
            CHANGES_NONE => Vec::new(),
            CHANGES_COLUMNS => crate::doc_format::decode_batch(&mut r, bytes.len())?,
            CHANGES_WHOLE => {
                let n = r.count(2)?;
                let mut changes = Vec::with_capacity(n);
                for _ in 0..n {
                    let start = r.pos();
                    let b = r.bytes()?;
                    changes.push(Change::decode(b).map_err(|e| match e {
                        Error::Decode { offset, reason, .. } => {
                            Error::Decode { what: "sync message", offset: start + offset, reason }
                        }
                        other => other,
                    })?);
                }
                changes
            }
            t => return Err(r.err(format!("bad changes flag {t}"))),
        };
        if !r.is_empty() {
            return Err(r.err("trailing bytes after the message"));
        }
        Ok(SyncMessage { heads, version_vector, want_version_vector: flags & WANT_VV != 0, changes })
    }
}

/// The state of a sync session with one peer.
#[derive(Clone, Debug, Default)]
pub struct SyncState {
    options: SyncOptions,
    their_heads: Option<Vec<ChangeHash>>,
    their_vv: Option<VersionVector>,
    they_want_vv: bool,
    sent: HashSet<ChangeHash>,
    last_sent_heads: Option<Vec<ChangeHash>>,
    asked_vv: bool,
}

impl SyncState {
    /// A new session with default options.
    pub fn new() -> Self {
        Self::default()
    }

    /// A new session with these options.
    pub fn with_options(options: SyncOptions) -> Self {
        SyncState { options, ..Self::default() }
    }

    /// The peer's heads as of its last message.
    pub fn their_heads(&self) -> Option<&[ChangeHash]> {
        self.their_heads.as_deref()
    }

    /// Whether the peer's last message showed the same heads as `doc` has.
    pub fn in_sync(&self, doc: &Document) -> bool {
        self.their_heads.as_deref() == Some(&doc.heads()[..])
    }

    /// The next message for the peer, or `None` if there is nothing to say.
    pub fn generate_message(&mut self, doc: &Document) -> Option<Vec<u8>> {
        let heads = doc.heads();
        let knows_all = self.their_heads.as_ref().map(|th| th.iter().all(|h| doc.has_change(h)));
        let candidates: Vec<&Change> = match (&self.their_heads, knows_all, &self.their_vv) {
            (Some(th), Some(true), _) => doc.changes_since(th),
            (_, _, Some(vv)) => doc.changes().filter(|c| lacks(vv, c)).collect(),
            _ => Vec::new(),
        };
        let want_vv = knows_all == Some(false) && self.their_vv.is_none() && !self.asked_vv;
        let send_vv = self.they_want_vv;
        let mut msg = SyncMessage {
            heads: heads.clone(),
            version_vector: send_vv.then(|| doc.version_vector()),
            want_version_vector: want_vv,
            changes: Vec::new(),
        };
        let mut size = msg.encode().len();
        for c in candidates {
            if self.sent.contains(&c.hash()) {
                continue;
            }
            let len = c.encode().len() + 5;
            if !msg.changes.is_empty() && size + len > self.options.max_message_bytes {
                break;
            }
            size += len;
            msg.changes.push(c.clone());
        }
        let nothing_new = msg.changes.is_empty()
            && !send_vv
            && !want_vv
            && self.last_sent_heads.as_ref() == Some(&heads)
            && self.their_heads.is_some();
        if nothing_new {
            return None;
        }
        for c in &msg.changes {
            self.sent.insert(c.hash());
        }
        self.they_want_vv = false;
        self.asked_vv |= want_vv;
        self.last_sent_heads = Some(heads);
        Some(msg.encode())
    }

    /// Takes a message from the peer: verifies and applies its changes (all or nothing), and
    /// updates what we know of the peer. On error, neither the document nor this state changed.
    pub fn receive_message(&mut self, doc: &mut Document, bytes: &[u8]) -> Result<Vec<Patch>, Error> {
        let msg = SyncMessage::decode(bytes, self.options.max_message_bytes)?;
        let patches = doc.apply_changes(msg.changes)?;
        if let Some(vv) = msg.version_vector {
            self.their_vv = Some(vv);
        }
        if msg.want_version_vector {
            self.they_want_vv = true;
        }
        if self.their_heads.as_ref() != Some(&msg.heads) {
            // New heads may make an old version vector answer stale; ask again if needed.
            self.asked_vv = false;
        }
        self.their_heads = Some(msg.heads);
        Ok(patches)
    }
}
