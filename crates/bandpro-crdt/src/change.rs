//! Changes: immutable, content-addressed batches of operations by one replica.
//!
//! A change's hash is the blake3 hash of its *hashed bytes*: the canonical encoding of its deps,
//! replica table, first counter, wall time, operations, and a digest of its personal fields
//! (author and message). The personal fields themselves travel beside the hashed bytes, so they
//! can be erased later while every hash in the DAG still verifies. The digest is salted with 16
//! random bytes that are erased with the fields, so a short author name cannot be recovered from
//! the digest by guessing.

use crate::error::Error;
use crate::id::{ChangeHash, ReplicaId};
use crate::leb::{Reader, write_bytes, write_sleb, write_uleb};
use crate::value::{ObjType, ScalarValue};

/// The magic bytes that open a change's hashed bytes, followed by the format version.
const MAGIC: &[u8; 4] = b"BPCH";
const VERSION: u8 = 1;
/// The largest number of operations one change may carry; larger edits are split by callers.
pub const MAX_OPS_PER_CHANGE: usize = 1 << 20;

/// An op id inside a change: `replica` indexes the change's replica table.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct RefId {
    /// Index into [`Change::replicas`].
    pub replica: u32,
    /// The operation's counter.
    pub counter: u32,
}

/// The object an operation addresses.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum ObjRef {
    /// The root map.
    Root,
    /// The object created by this operation.
    Id(RefId),
}

/// What an insert puts into a sequence.
#[derive(Clone, PartialEq, Debug)]
pub enum InsertContent {
    /// Characters of a text; one counter per unicode scalar value.
    Text(String),
    /// Scalar values of a list; one counter per value.
    Values(Vec<ScalarValue>),
    /// One new nested object, whose id is the insert's id.
    Object(ObjType),
}

impl InsertContent {
    /// How many elements (and so counters) the insert occupies.
    pub fn len(&self) -> usize {
        match self {
            InsertContent::Text(s) => s.chars().count(),
            InsertContent::Values(v) => v.len(),
            InsertContent::Object(_) => 1,
        }
    }

    /// Whether the insert inserts nothing (never true of a valid op).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What a map write puts under its key.
#[derive(Clone, PartialEq, Debug)]
pub enum OpValue {
    /// A scalar.
    Scalar(ScalarValue),
    /// A new nested object, whose id is the write's id.
    Object(ObjType),
}

/// One operation.
#[derive(Clone, PartialEq, Debug)]
pub enum OpAction {
    /// Writes `value` under `key`, overwriting the values in `pred` (the ones its author saw).
    Put {
        /// The key.
        key: String,
        /// The value written.
        value: OpValue,
        /// The writes this one overwrites.
        pred: Vec<RefId>,
    },
    /// Removes the values in `pred` from `key`.
    DeleteKey {
        /// The key.
        key: String,
        /// The writes removed.
        pred: Vec<RefId>,
    },
    /// Adds `by` to the counter written by `target`.
    Increment {
        /// The write (map) or element (list) holding the counter.
        target: RefId,
        /// The amount, possibly negative.
        by: i64,
    },
    /// Inserts into a sequence between the elements `left` and `right` as they were when the
    /// author inserted (`None`: the start, or the end).
    Insert {
        /// The element the author inserted after.
        left: Option<RefId>,
        /// The element that followed `left` then, deleted or not.
        right: Option<RefId>,
        /// What is inserted.
        content: InsertContent,
    },
    /// Deletes the `len` elements whose ids run from `target` on the same replica.
    Delete {
        /// The first element deleted.
        target: RefId,
        /// How many consecutive ids.
        len: u32,
    },
    /// Brings back the `len` deleted elements whose ids run from `target` (the undo of a
    /// delete). Per element, the delete or restore with the greatest Lamport id wins.
    Restore {
        /// The first element restored.
        target: RefId,
        /// How many consecutive ids.
        len: u32,
    },
}

/// An operation on one object.
#[derive(Clone, PartialEq, Debug)]
pub struct Op {
    /// The object it changes.
    pub obj: ObjRef,
    /// What it does.
    pub action: OpAction,
}

impl Op {
    /// How many counters the operation occupies.
    pub fn width(&self) -> usize {
        match &self.action {
            OpAction::Insert { content, .. } => content.len(),
            _ => 1,
        }
    }
}

/// The personal fields of a change, kept outside its hashed bytes.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Personal {
    /// The change has no author or message.
    None,
    /// Author and message, with the salt their digest was made with.
    Present {
        /// Random salt of the digest.
        salt: [u8; 16],
        /// Who made the change.
        author: Option<String>,
        /// Why.
        message: Option<String>,
    },
    /// The fields were erased; only their digest is left, so the hash still verifies.
    Erased {
        /// The digest the hashed bytes carry.
        digest: [u8; 32],
    },
}

impl Personal {
    /// Personal fields with a fresh random salt, or `None` if both are absent.
    pub fn new(author: Option<String>, message: Option<String>) -> Self {
        if author.is_none() && message.is_none() {
            return Personal::None;
        }
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).expect("the operating system has no random source");
        Personal::Present { salt, author, message }
    }

    /// The digest the hashed bytes commit to.
    pub fn digest(&self) -> Option<[u8; 32]> {
        match self {
            Personal::None => None,
            Personal::Erased { digest } => Some(*digest),
            Personal::Present { salt, author, message } => {
                let mut h = blake3::Hasher::new_derive_key("bandpro personal fields v1");
                h.update(salt);
                for field in [author, message] {
                    match field {
                        None => h.update(&[0]),
                        Some(s) => {
                            h.update(&[1]).update(&(s.len() as u64).to_le_bytes()).update(s.as_bytes())
                        }
                    };
                }
                Some(*h.finalize().as_bytes())
            }
        }
    }
}

/// An immutable batch of operations by one replica, named by its hash.
#[derive(Clone, PartialEq, Debug)]
pub struct Change {
    deps: Vec<ChangeHash>,
    replicas: Vec<ReplicaId>,
    start_op: u32,
    time: i64,
    personal: Personal,
    ops: Vec<Op>,
    hashed: Box<[u8]>,
    hash: ChangeHash,
}

/// The parts of a new change, before it is encoded and hashed.
#[derive(Clone, Debug)]
pub struct ChangeParts {
    /// The heads the change was made on (sorted and deduplicated on build).
    pub deps: Vec<ChangeHash>,
    /// Replica table; the author's replica comes first.
    pub replicas: Vec<ReplicaId>,
    /// The first operation's counter (also its Lamport timestamp).
    pub start_op: u32,
    /// Wall time in milliseconds since the Unix epoch, as the author's clock said.
    pub time: i64,
    /// Author and message.
    pub personal: Personal,
    /// The operations.
    pub ops: Vec<Op>,
}

impl ChangeParts {
    /// Encodes and hashes the change. Fails if the parts break a rule a decoder would enforce
    /// (an empty replica table, a reference outside it, counter overflow).
    pub fn build(mut self) -> Result<Change, Error> {
        self.deps.sort();
        self.deps.dedup();
        let mut hashed = Vec::new();
        encode_hashed(&self, &mut hashed);
        // Decoding what we encoded applies every structural check in one place.
        let change = decode_hashed(&hashed, self.personal)?;
        Ok(change)
    }

    /// Builds a change from parts a transaction made itself (valid by construction), skipping
    /// the re-decoding `build` does to check untrusted parts: it is on every keystroke's path.
    pub(crate) fn build_trusted(mut self) -> Change {
        self.deps.sort();
        self.deps.dedup();
        let mut hashed = Vec::with_capacity(64 + 16 * self.ops.len());
        encode_hashed(&self, &mut hashed);
        let hash = ChangeHash(*blake3::hash(&hashed).as_bytes());
        let ChangeParts { deps, replicas, start_op, time, personal, ops } = self;
        debug_assert_eq!(decode_hashed(&hashed, personal.clone()).map(|c| c.hash), Ok(hash));
        Change { deps, replicas, start_op, time, personal, ops, hashed: hashed.into_boxed_slice(), hash }
    }
}

impl Change {
    /// The change's name: the blake3 hash of its hashed bytes.
    pub fn hash(&self) -> ChangeHash {
        self.hash
    }
    /// The heads the change was made on, sorted.
    pub fn deps(&self) -> &[ChangeHash] {
        &self.deps
    }
    /// The author's replica.
    pub fn replica(&self) -> ReplicaId {
        self.replicas[0]
    }
    /// The replica table that [`RefId`]s index; the author's replica first.
    pub fn replicas(&self) -> &[ReplicaId] {
        &self.replicas
    }
    /// The first operation's counter.
    pub fn start_op(&self) -> u32 {
        self.start_op
    }
    /// The last counter the change occupies.
    pub fn end_op(&self) -> u32 {
        self.start_op + self.width() - 1
    }
    /// How many counters the change occupies (at least one, even for a change with no ops, so
    /// that every change has a place in its replica's chain).
    pub fn width(&self) -> u32 {
        (self.ops.iter().map(Op::width).sum::<usize>() as u32).max(1)
    }
    /// Wall time in milliseconds since the Unix epoch.
    pub fn time(&self) -> i64 {
        self.time
    }
    /// Author and message, if present and not erased.
    pub fn personal(&self) -> &Personal {
        &self.personal
    }
    /// The author, unless absent or erased.
    pub fn author(&self) -> Option<&str> {
        match &self.personal {
            Personal::Present { author, .. } => author.as_deref(),
            _ => None,
        }
    }
    /// The message, unless absent or erased.
    pub fn message(&self) -> Option<&str> {
        match &self.personal {
            Personal::Present { message, .. } => message.as_deref(),
            _ => None,
        }
    }
    /// The operations.
    pub fn ops(&self) -> &[Op] {
        &self.ops
    }
    /// The canonical bytes the hash is taken over.
    pub fn hashed_bytes(&self) -> &[u8] {
        &self.hashed
    }

    /// Drops author and message, keeping their digest: the hash is unchanged.
    pub fn erase_personal(&mut self) {
        if let Some(digest) = self.personal.digest() {
            self.personal = Personal::Erased { digest };
        }
    }

    /// Encodes the change for storage or transport: its hashed bytes, then its personal fields.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.hashed.len() + 8);
        self.encode_into(&mut out);
        out
    }

    /// Appends [`Change::encode`]'s bytes to `out`.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        write_bytes(out, &self.hashed);
        match &self.personal {
            Personal::None | Personal::Erased { .. } => out.push(0),
            Personal::Present { salt, author, message } => {
                out.push(1);
                out.extend_from_slice(salt);
                for field in [author, message] {
                    match field {
                        None => out.push(0),
                        Some(s) => {
                            out.push(1);
                            write_bytes(out, s.as_bytes());
                        }
                    }
                }
            }
        }
    }

    /// Decodes bytes made by [`Change::encode`]. The hash is computed from the bytes; the
    /// personal fields must match the digest the hashed bytes carry.
    pub fn decode(bytes: &[u8]) -> Result<Change, Error> {
        let mut r = Reader::new(bytes, "change");
        let change = Self::decode_from(&mut r)?;
        if !r.is_empty() {
            return Err(r.err("trailing bytes after the change"));
        }
        Ok(change)
    }

    /// Decodes and checks that the bytes hash to `expected`.
    pub fn decode_verified(bytes: &[u8], expected: ChangeHash) -> Result<Change, Error> {
        let change = Self::decode(bytes)?;
        if change.hash != expected {
            return Err(Error::HashMismatch { expected, actual: change.hash });
        }
        Ok(change)
    }

    pub(crate) fn decode_from(r: &mut Reader<'_>) -> Result<Change, Error> {
        let start = r.pos();
        let hashed = r.bytes()?;
        let flag_pos = r.pos();
        let personal = match r.u8()? {
            0 => None,
            1 => {
                let salt = r.array::<16>()?;
                let mut fields = [None, None];
                for f in &mut fields {
                    *f = match r.u8()? {
                        0 => None,
                        1 => Some(r.str()?.to_owned()),
                        t => return Err(r.err(format!("bad personal field flag {t}"))),
                    };
                }
                let [author, message] = fields;
                Some(Personal::Present { salt, author, message })
            }
            t => return Err(Error::decode("change", flag_pos, format!("bad personal flag {t}"))),
        };
        let mut change = decode_hashed(hashed, Personal::None).map_err(|e| shift(e, start))?;
        change.personal = match (personal, change.personal_digest_in_hash()) {
            (None, None) => Personal::None,
            (None, Some(digest)) => Personal::Erased { digest },
            (Some(p), Some(digest)) if p.digest() == Some(digest) => p,
            (Some(_), _) => {
                return Err(Error::decode(
                    "change",
                    flag_pos,
                    "personal fields do not match the digest in the hashed bytes",
                ));
            }
        };
        Ok(change)
    }

    fn personal_digest_in_hash(&self) -> Option<[u8; 32]> {
        // Placed by decode_hashed as Erased so the digest survives until the fields are matched.
        match self.personal {
            Personal::Erased { digest } => Some(digest),
            _ => None,
        }
    }
}

/// Reports offsets of errors inside the nested hashed bytes relative to the outer buffer.
fn shift(e: Error, by: usize) -> Error {
    match e {
        Error::Decode { what, offset, reason } => Error::Decode { what, offset: offset + by, reason },
        other => other,
    }
}

fn encode_hashed(p: &ChangeParts, out: &mut Vec<u8>) {
    out.extend_from_slice(MAGIC);
    out.push(VERSION);
    write_uleb(out, p.deps.len() as u64);
    for d in &p.deps {
        out.extend_from_slice(&d.0);
    }
    write_uleb(out, p.replicas.len() as u64);
    for r in &p.replicas {
        out.extend_from_slice(&r.0);
    }
    write_uleb(out, p.start_op.into());
    write_sleb(out, p.time);
    match p.personal.digest() {
        None => out.push(0),
        Some(d) => {
            out.push(1);
            out.extend_from_slice(&d);
        }
    }
    write_uleb(out, p.ops.len() as u64);
    for op in &p.ops {
        encode_op(op, out);
    }
}

fn write_ref(out: &mut Vec<u8>, r: RefId) {
    write_uleb(out, r.replica.into());
    write_uleb(out, r.counter.into());
}

fn write_opt_ref(out: &mut Vec<u8>, r: Option<RefId>) {
    match r {
        None => out.push(0),
        Some(r) => {
            write_uleb(out, u64::from(r.replica) + 1);
            write_uleb(out, r.counter.into());
        }
    }
}

fn obj_type_tag(t: ObjType) -> u8 {
    match t {
        ObjType::Map => 0,
        ObjType::List => 1,
        ObjType::Text => 2,
    }
}

pub(crate) fn write_scalar(out: &mut Vec<u8>, v: &ScalarValue) {
    match v {
        ScalarValue::Null => out.push(0),
        ScalarValue::Bool(false) => out.push(1),
        ScalarValue::Bool(true) => out.push(2),
        ScalarValue::Int(i) => {
            out.push(3);
            write_sleb(out, *i);
        }
        ScalarValue::F64(f) => {
            out.push(4);
            out.extend_from_slice(&f.to_le_bytes());
        }
        ScalarValue::Str(s) => {
            out.push(5);
            write_bytes(out, s.as_bytes());
        }
        ScalarValue::Bytes(b) => {
            out.push(6);
            write_bytes(out, b);
        }
        ScalarValue::Counter(i) => {
            out.push(7);
            write_sleb(out, *i);
        }
    }
}

pub(crate) fn read_scalar(r: &mut Reader<'_>) -> Result<ScalarValue, Error> {
    Ok(match r.u8()? {
        0 => ScalarValue::Null,
        1 => ScalarValue::Bool(false),
        2 => ScalarValue::Bool(true),
        3 => ScalarValue::Int(r.sleb()?),
        4 => ScalarValue::F64(f64::from_le_bytes(r.array::<8>()?)),
        5 => ScalarValue::Str(r.str()?.into()),
        6 => ScalarValue::Bytes(r.bytes()?.into()),
        7 => ScalarValue::Counter(r.sleb()?),
        t => return Err(r.err(format!("unknown scalar tag {t}"))),
    })
}

fn encode_op(op: &Op, out: &mut Vec<u8>) {
    match op.obj {
        ObjRef::Root => out.push(0),
        ObjRef::Id(id) => write_opt_ref(out, Some(id)),
    }
    match &op.action {
        OpAction::Put { key, value, pred } => {
            match value {
                OpValue::Scalar(v) => {
                    out.push(1);
                    write_bytes(out, key.as_bytes());
                    write_scalar(out, v);
                }
                OpValue::Object(t) => {
                    out.push(2);
                    write_bytes(out, key.as_bytes());
                    out.push(obj_type_tag(*t));
                }
            }
            write_uleb(out, pred.len() as u64);
            pred.iter().for_each(|p| write_ref(out, *p));
        }
        OpAction::DeleteKey { key, pred } => {
            out.push(3);
            write_bytes(out, key.as_bytes());
            write_uleb(out, pred.len() as u64);
            pred.iter().for_each(|p| write_ref(out, *p));
        }
        OpAction::Increment { target, by } => {
            out.push(4);
            write_ref(out, *target);
            write_sleb(out, *by);
        }
        OpAction::Insert { left, right, content } => {
            match content {
                InsertContent::Text(_) => out.push(5),
                InsertContent::Values(_) => out.push(6),
                InsertContent::Object(_) => out.push(7),
            }
            write_opt_ref(out, *left);
            write_opt_ref(out, *right);
            match content {
                InsertContent::Text(s) => write_bytes(out, s.as_bytes()),
                InsertContent::Values(vs) => {
                    write_uleb(out, vs.len() as u64);
                    vs.iter().for_each(|v| write_scalar(out, v));
                }
                InsertContent::Object(t) => out.push(obj_type_tag(*t)),
            }
        }
        OpAction::Delete { target, len } => {
            out.push(8);
            write_ref(out, *target);
            write_uleb(out, (*len).into());
        }
        OpAction::Restore { target, len } => {
            out.push(9);
            write_ref(out, *target);
            write_uleb(out, (*len).into());
        }
    }
}

struct OpReader<'r, 'a> {
    r: &'r mut Reader<'a>,
    n_replicas: usize,
}

impl OpReader<'_, '_> {
    fn check(&self, replica: u64) -> Result<u32, Error> {
        if replica >= self.n_replicas as u64 {
            return Err(self.r.err(format!("replica index {replica} outside the table")));
        }
        Ok(replica as u32)
    }

    fn refid(&mut self) -> Result<RefId, Error> {
        let replica = self.r.uleb()?;
        let replica = self.check(replica)?;
        let counter = self.r.u32()?;
        if counter == 0 {
            return Err(self.r.err("counter 0 is never assigned"));
        }
        Ok(RefId { replica, counter })
    }

    fn opt_ref(&mut self) -> Result<Option<RefId>, Error> {
        let tag = self.r.uleb()?;
        if tag == 0 {
            return Ok(None);
        }
        let replica = self.check(tag - 1)?;
        let counter = self.r.u32()?;
        if counter == 0 {
            return Err(self.r.err("counter 0 is never assigned"));
        }
        Ok(Some(RefId { replica, counter }))
    }

    fn obj_type(&mut self) -> Result<ObjType, Error> {
        Ok(match self.r.u8()? {
            0 => ObjType::Map,
            1 => ObjType::List,
            2 => ObjType::Text,
            t => return Err(self.r.err(format!("unknown object type {t}"))),
        })
    }

    fn preds(&mut self) -> Result<Vec<RefId>, Error> {
        let n = self.r.count(2)?;
        (0..n).map(|_| self.refid()).collect()
    }

    fn op(&mut self) -> Result<Op, Error> {
        let obj = match self.opt_ref()? {
            None => ObjRef::Root,
            Some(id) => ObjRef::Id(id),
        };
        let tag = self.r.u8()?;
        let action = match tag {
            1 | 2 => {
                let key = self.r.str()?.to_owned();
                let value = if tag == 1 {
                    OpValue::Scalar(read_scalar(self.r)?)
                } else {
                    OpValue::Object(self.obj_type()?)
                };
                OpAction::Put { key, value, pred: self.preds()? }
            }
            3 => {
                let key = self.r.str()?.to_owned();
                OpAction::DeleteKey { key, pred: self.preds()? }
            }
            4 => OpAction::Increment { target: self.refid()?, by: self.r.sleb()? },
            5..=7 => {
                let left = self.opt_ref()?;
                let right = self.opt_ref()?;
                let content = match tag {
                    5 => InsertContent::Text(self.r.str()?.to_owned()),
                    6 => {
                        let n = self.r.count(1)?;
                        let vs = (0..n).map(|_| read_scalar(self.r)).collect::<Result<_, _>>()?;
                        InsertContent::Values(vs)
                    }
                    _ => InsertContent::Object(self.obj_type()?),
                };
                if content.is_empty() {
                    return Err(self.r.err("an insert must insert something"));
                }
                OpAction::Insert { left, right, content }
            }
            8 | 9 => {
                let target = self.refid()?;
                let len = self.r.u32()?;
                if len == 0 {
                    return Err(self.r.err("a delete or restore must name something"));
                }
                if target.counter.checked_add(len - 1).is_none() {
                    return Err(self.r.err("element range overflows the counter"));
                }
                if tag == 8 { OpAction::Delete { target, len } } else { OpAction::Restore { target, len } }
            }
            t => return Err(self.r.err(format!("unknown operation tag {t}"))),
        };
        Ok(Op { obj, action })
    }
}

fn decode_hashed(bytes: &[u8], personal: Personal) -> Result<Change, Error> {
    let mut r = Reader::new(bytes, "change");
    if r.take(4)? != MAGIC {
        return Err(Error::decode("change", 0, "not a BandPro change (bad magic bytes)"));
    }
    let version = r.u8()?;
    if version != VERSION {
        return Err(Error::decode("change", 4, format!("unsupported change version {version}")));
    }
    let n = r.count(32)?;
    let mut deps = Vec::with_capacity(n);
    for _ in 0..n {
        let d = ChangeHash(r.array::<32>()?);
        if deps.last().is_some_and(|last| *last >= d) {
            return Err(r.err("dependencies are not sorted and unique"));
        }
        deps.push(d);
    }
    let n = r.count(16)?;
    if n == 0 {
        return Err(r.err("a change needs its author's replica"));
    }
    let mut replicas = Vec::with_capacity(n);
    for _ in 0..n {
        let id = ReplicaId(r.array::<16>()?);
        if replicas.contains(&id) {
            return Err(r.err("replica table lists a replica twice"));
        }
        replicas.push(id);
    }
    let start_op = r.u32()?;
    if start_op == 0 {
        return Err(r.err("counters start at 1"));
    }
    let time = r.sleb()?;
    let digest = match r.u8()? {
        0 => None,
        1 => Some(r.array::<32>()?),
        t => return Err(r.err(format!("bad digest flag {t}"))),
    };
    let n_ops = r.count(2)?;
    if n_ops > MAX_OPS_PER_CHANGE {
        return Err(r.err(format!("{n_ops} operations exceed the limit of {MAX_OPS_PER_CHANGE}")));
    }
    let mut ops = Vec::with_capacity(n_ops);
    let mut width: u64 = 0;
    {
        let mut or = OpReader { r: &mut r, n_replicas: replicas.len() };
        for _ in 0..n_ops {
            let op = or.op()?;
            width += op.width() as u64;
            ops.push(op);
        }
    }
    if u64::from(start_op) + width.max(1) > u64::from(u32::MAX) {
        return Err(r.err("the change's counters overflow 32 bits"));
    }
    if !r.is_empty() {
        return Err(r.err("trailing bytes after the operations"));
    }
    let personal = match (personal, digest) {
        (Personal::None, Some(digest)) => Personal::Erased { digest },
        (Personal::None, None) => Personal::None,
        (p, _) => p,
    };
    let hash = ChangeHash(*blake3::hash(bytes).as_bytes());
    Ok(Change { deps, replicas, start_op, time, personal, ops, hashed: bytes.into(), hash })
}
