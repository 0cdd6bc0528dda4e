//! The saved form of a whole document: its change log, in columns.
//!
//! A saved document is a sequence of checksummed chunks (layout in `docs/FORMAT.md`). The
//! changes chunk stores every field of every change and op in its own run-length encoded
//! column, with references made relative (deps as distances back in the log, counters as
//! distances from the op's own counter), so that runs of typing compress to a few bytes.
//! Hashes are not stored: loading rebuilds each change's canonical bytes and hash, and the
//! heads chunk must match the result, so the hash chain verifies the whole file.

use std::collections::HashMap;

use crate::change::{Change, ChangeParts, InsertContent, ObjRef, Op, OpAction, OpValue, Personal, RefId};
use crate::columns::{ColumnReader, IColumn, UColumn};
use crate::doc::Document;
use crate::error::Error;
use crate::id::{ChangeHash, ReplicaId};
use crate::leb::{Reader, write_bytes, write_uleb};
use crate::value::{ObjType, ScalarValue};

const MAGIC: &[u8; 4] = b"BPDC";
/// Version 2 codes target counters (of deletes, restores and increments) as the difference from
/// the previous target, so that a run of backspaces is one run-length, and object counters
/// against the last two objects addressed (see `RecentObjects`); version 1 coded targets as the
/// distance back from the op's own counter and objects as the difference from the previous
/// object. Both are read.
const VERSION: u8 = 2;
const CHUNK_CHANGES: u8 = 1;
/// The changes chunk, deflated: `uleb raw_len` then the deflate stream of the payload.
const CHUNK_CHANGES_DEFLATED: u8 = 3;
/// The deflate level: 6 is zlib's default; faster levels save less.
const DEFLATE_LEVEL: u8 = 6;
/// The most a deflated changes chunk may grow to per byte of the whole file (deflate cannot
/// exceed about 1,032:1), so a tiny hostile file cannot make the reader allocate gigabytes.
const MAX_INFLATE_PER_BYTE: usize = 1_100;
const CHUNK_HEADS: u8 = 2;
/// Chunks with this bit set are optional: a reader that does not know them skips them.
const OPTIONAL: u8 = 0x80;
/// How many changes plus ops a saved document may hold per byte of its size: run-length
/// encoding compresses well, but not without bound, and a tiny hostile file must not expand
/// into gigabytes.
pub const MAX_EXPANSION_PER_BYTE: usize = 256;

fn chunk(out: &mut Vec<u8>, tag: u8, payload: &[u8]) {
    out.push(tag);
    write_uleb(out, payload.len() as u64);
    out.extend_from_slice(payload);
    let mut h = blake3::Hasher::new();
    h.update(&[tag]).update(payload);
    out.extend_from_slice(&h.finalize().as_bytes()[..8]);
}

#[derive(Default)]
struct Columns {
    c_replica: UColumn,
    c_nextra: UColumn,
    c_extra: UColumn,
    c_ndeps: UColumn,
    c_dep: UColumn,
    c_start: UColumn,
    c_time: IColumn,
    c_nops: UColumn,
    c_personal: UColumn,
    personal: Vec<u8>,
    o_obj_rep: UColumn,
    o_obj_ctr: IColumn,
    o_action: UColumn,
    o_key: UColumn,
    o_npred: UColumn,
    o_pred_rep: UColumn,
    o_pred_ctr: IColumn,
    o_left_rep: UColumn,
    o_left_ctr: IColumn,
    o_right_rep: UColumn,
    o_right_ctr: IColumn,
    o_len: UColumn,
    text: Vec<u8>,
    v_tag: UColumn,
    v_int: IColumn,
    v_raw: Vec<u8>,
    o_objtype: UColumn,
    o_target_rep: UColumn,
    o_target_ctr: IColumn,
    o_del_len: UColumn,
    o_by: IColumn,
}

fn obj_type_code(t: ObjType) -> u64 {
    match t {
        ObjType::Map => 0,
        ObjType::List => 1,
        ObjType::Text => 2,
    }
}

impl Columns {
    fn value(&mut self, v: &ScalarValue) {
        match v {
            ScalarValue::Null => self.v_tag.push(0),
            ScalarValue::Bool(b) => self.v_tag.push(1 + u64::from(*b)),
            ScalarValue::Int(i) => {
                self.v_tag.push(3);
                self.v_int.push(*i);
            }
            ScalarValue::F64(f) => {
                self.v_tag.push(4);
                self.v_raw.extend_from_slice(&f.to_le_bytes());
            }
            ScalarValue::Str(s) => {
                self.v_tag.push(5);
                write_bytes(&mut self.v_raw, s.as_bytes());
            }
            ScalarValue::Bytes(b) => {
                self.v_tag.push(6);
                write_bytes(&mut self.v_raw, b);
            }
            ScalarValue::Counter(i) => {
                self.v_tag.push(7);
                self.v_int.push(*i);
            }
        }
    }

    fn all(&self) -> Vec<Vec<u8>> {
        vec![
            self.c_replica.encode(),
            self.c_nextra.encode(),
            self.c_extra.encode(),
            self.c_ndeps.encode(),
            self.c_dep.encode(),
            self.c_start.encode(),
            self.c_time.encode(),
            self.c_nops.encode(),
            self.c_personal.encode(),
            self.personal.clone(),
            self.o_obj_rep.encode(),
            self.o_obj_ctr.encode(),
            self.o_action.encode(),
            self.o_key.encode(),
            self.o_npred.encode(),
            self.o_pred_rep.encode(),
            self.o_pred_ctr.encode(),
            self.o_left_rep.encode(),
            self.o_left_ctr.encode(),
            self.o_right_rep.encode(),
            self.o_right_ctr.encode(),
            self.o_len.encode(),
            self.text.clone(),
            self.v_tag.encode(),
            self.v_int.encode(),
            self.v_raw.clone(),
            self.o_objtype.encode(),
            self.o_target_rep.encode(),
            self.o_target_ctr.encode(),
            self.o_del_len.encode(),
            self.o_by.encode(),
        ]
    }
}

/// The object counters of the last two objects ops addressed, for version 2's object column:
/// `0` is the most recent object, `1` the one before it, and any other value `v` the distance
/// back from the op's own counter (`own - (v - 1)` for `v >= 2`, `own + (-v - 1)` for `v < 0`).
/// A note's five ops alternate between the list and the new note map, which a plain delta
/// cannot follow; this codes them as one repeating pattern.
#[derive(Default)]
struct RecentObjects([i64; 2]);

impl RecentObjects {
    fn code(&mut self, counter: i64, own: i64) -> i64 {
        let [a, b] = self.0;
        if counter == a {
            return 0;
        }
        self.0 = [counter, a];
        if counter == b {
            return 1;
        }
        let back = own - counter;
        if back >= 1 { back + 1 } else { -(counter - own) - 1 }
    }

    fn decode(&mut self, coded: i64, own: i64) -> i64 {
        let [a, b] = self.0;
        let counter = match coded {
            0 => return a,
            1 => b,
            v if v >= 2 => own.wrapping_sub(v - 1),
            v => own.wrapping_add(v.wrapping_neg().wrapping_sub(1)),
        };
        self.0 = [counter, a];
        counter
    }
}

/// Encodes a change log (in an order where deps come first) as a saved document.
pub(crate) fn save_changes<'a>(changes: impl Iterator<Item = &'a Change>, heads: &[ChangeHash]) -> Vec<u8> {
    // A whole log depends on nothing outside it.
    let payload = encode_changes(changes, &mut Vec::new());
    let mut out = MAGIC.to_vec();
    out.push(VERSION);
    // The columns leave repeating patterns (a note's five ops, its keys, text) that run-length
    // encoding cannot see; deflate does. Kept only when it saves a tenth or more.
    let deflated = miniz_oxide::deflate::compress_to_vec(&payload, DEFLATE_LEVEL);
    if deflated.len() + 10 < payload.len() - payload.len() / 10 {
        let mut body = Vec::with_capacity(deflated.len() + 10);
        write_uleb(&mut body, payload.len() as u64);
        body.extend_from_slice(&deflated);
        chunk(&mut out, CHUNK_CHANGES_DEFLATED, &body);
    } else {
        chunk(&mut out, CHUNK_CHANGES, &payload);
    }
    let mut h = Vec::new();
    write_uleb(&mut h, heads.len() as u64);
    for head in heads {
        h.extend_from_slice(&head.0);
    }
    chunk(&mut out, CHUNK_HEADS, &h);
    out
}

/// Encodes a batch of changes (deps first) for a sync message: the hashes of the deps it names
/// outside itself, then its changes in the columns of a saved document.
pub(crate) fn encode_batch<'a>(changes: impl Iterator<Item = &'a Change>) -> Vec<u8> {
    let mut external = Vec::new();
    let payload = encode_changes(changes, &mut external);
    let mut out = Vec::with_capacity(payload.len() + 32 * external.len() + 8);
    write_uleb(&mut out, external.len() as u64);
    for h in &external {
        out.extend_from_slice(&h.0);
    }
    write_bytes(&mut out, &payload);
    out
}

/// Decodes a batch made by [`encode_batch`]; `budget_len` is the size of the message it came in
/// (the expansion limit is relative to it). Every change is rebuilt and hashed from its fields.
pub(crate) fn decode_batch(r: &mut Reader<'_>, budget_len: usize) -> Result<Vec<Change>, Error> {
    let n = r.count(32)?;
    let external = (0..n).map(|_| r.array::<32>().map(ChangeHash)).collect::<Result<Vec<_>, _>>()?;
    let start = r.pos();
    let payload = r.bytes()?;
    decode_changes(payload, budget_len, &external, VERSION).map_err(|e| match e {
        Error::Decode { offset, reason, .. } => {
            Error::Decode { what: "sync message", offset: start + offset, reason }
        }
        other => other,
    })
}

/// The payload of a changes chunk. A dep outside `changes` is appended to `external`; the
/// change at index `i` names it by the distance `i + 1 + k`, `k` its place in `external`
/// (distances up to `i` point back into the batch). Start counters are relative to the
/// largest last counter of the deps inside the batch (an outside dep counts as 0).
fn encode_changes<'a>(changes: impl Iterator<Item = &'a Change>, external: &mut Vec<ChangeHash>) -> Vec<u8> {
    let mut cols = Columns::default();
    let mut replicas: Vec<ReplicaId> = Vec::new();
    let mut replica_index: HashMap<ReplicaId, u64> = HashMap::new();
    let mut keys: Vec<&str> = Vec::new();
    let mut key_index: HashMap<&str, u64> = HashMap::new();
    let mut index: HashMap<ChangeHash, (usize, u32)> = HashMap::new();
    let (mut n_changes, mut n_ops) = (0usize, 0usize);
    let mut prev_time = 0i64;
    let (mut recent, mut prev_right, mut prev_target) = (RecentObjects::default(), 0i64, 0i64);
    let mut intern = |r: ReplicaId, replicas: &mut Vec<ReplicaId>| {
        *replica_index.entry(r).or_insert_with(|| {
            replicas.push(r);
            replicas.len() as u64 - 1
        })
    };
    for c in changes {
        let i = n_changes;
        n_changes += 1;
        let table = c.replicas();
        cols.c_replica.push(intern(table[0], &mut replicas));
        cols.c_nextra.push(table.len() as u64 - 1);
        for r in &table[1..] {
            let idx = intern(*r, &mut replicas);
            cols.c_extra.push(idx);
        }
        cols.c_ndeps.push(c.deps().len() as u64);
        let mut max_dep_end = 0;
        for d in c.deps() {
            let (back, end) = match index.get(d) {
                Some(&(di, end)) => ((i - di) as u64, end),
                None => {
                    let k = external.iter().position(|h| h == d).unwrap_or_else(|| {
                        external.push(*d);
                        external.len() - 1
                    });
                    ((i + 1 + k) as u64, 0)
                }
            };
            max_dep_end = max_dep_end.max(end);
            cols.c_dep.push(back);
        }
        cols.c_start.push(u64::from(c.start_op() - max_dep_end - 1));
        cols.c_time.push(c.time().wrapping_sub(prev_time));
        prev_time = c.time();
        cols.c_nops.push(c.ops().len() as u64);
        match c.personal() {
            Personal::None => cols.c_personal.push(0),
            Personal::Present { salt, author, message } => {
                cols.c_personal.push(1);
                cols.personal.extend_from_slice(salt);
                for f in [author, message] {
                    match f {
                        None => cols.personal.push(0),
                        Some(s) => {
                            cols.personal.push(1);
                            write_bytes(&mut cols.personal, s.as_bytes());
                        }
                    }
                }
            }
            Personal::Erased { digest } => {
                cols.c_personal.push(2);
                cols.personal.extend_from_slice(digest);
            }
        }
        index.insert(c.hash(), (i, c.end_op()));
        let mut own = i64::from(c.start_op());
        for op in c.ops() {
            n_ops += 1;
            match op.obj {
                ObjRef::Root => cols.o_obj_rep.push(0),
                ObjRef::Id(r) => {
                    cols.o_obj_rep.push(u64::from(r.replica) + 1);
                    cols.o_obj_ctr.push(recent.code(i64::from(r.counter), own));
                }
            }
            let mut key = |k: &'a str, cols: &mut Columns| {
                let next = keys.len() as u64;
                let idx = *key_index.entry(k).or_insert_with(|| {
                    keys.push(k);
                    next
                });
                cols.o_key.push(idx);
            };
            let preds = |p: &[RefId], cols: &mut Columns| {
                cols.o_npred.push(p.len() as u64);
                for r in p {
                    cols.o_pred_rep.push(r.replica.into());
                    cols.o_pred_ctr.push(own - i64::from(r.counter));
                }
            };
            match &op.action {
                OpAction::Put { key: k, value, pred } => {
                    match value {
                        OpValue::Scalar(v) => {
                            cols.o_action.push(1);
                            key(k, &mut cols);
                            cols.value(v);
                        }
                        OpValue::Object(t) => {
                            cols.o_action.push(2);
                            key(k, &mut cols);
                            cols.o_objtype.push(obj_type_code(*t));
                        }
                    }
                    preds(pred, &mut cols);
                }
                OpAction::DeleteKey { key: k, pred } => {
                    cols.o_action.push(3);
                    key(k, &mut cols);
                    preds(pred, &mut cols);
                }
                OpAction::Increment { target, by } => {
                    cols.o_action.push(4);
                    cols.o_target_rep.push(target.replica.into());
                    cols.o_target_ctr.push(i64::from(target.counter) - prev_target);
                    prev_target = i64::from(target.counter);
                    cols.o_by.push(*by);
                }
                OpAction::Insert { left, right, content } => {
                    cols.o_action.push(match content {
                        InsertContent::Text(_) => 5,
                        InsertContent::Values(_) => 6,
                        InsertContent::Object(_) => 7,
                    });
                    match left {
                        None => cols.o_left_rep.push(0),
                        Some(l) => {
                            cols.o_left_rep.push(u64::from(l.replica) + 1);
                            cols.o_left_ctr.push(own - i64::from(l.counter));
                        }
                    }
                    match right {
                        None => cols.o_right_rep.push(0),
                        Some(r) => {
                            cols.o_right_rep.push(u64::from(r.replica) + 1);
                            cols.o_right_ctr.push(i64::from(r.counter) - prev_right);
                            prev_right = i64::from(r.counter);
                        }
                    }
                    match content {
                        InsertContent::Text(s) => {
                            cols.o_len.push(s.len() as u64);
                            cols.text.extend_from_slice(s.as_bytes());
                        }
                        InsertContent::Values(vs) => {
                            cols.o_len.push(vs.len() as u64);
                            vs.iter().for_each(|v| cols.value(v));
                        }
                        InsertContent::Object(t) => cols.o_objtype.push(obj_type_code(*t)),
                    }
                }
                OpAction::Delete { target, len } | OpAction::Restore { target, len } => {
                    cols.o_action.push(if matches!(op.action, OpAction::Delete { .. }) { 8 } else { 9 });
                    cols.o_target_rep.push(target.replica.into());
                    cols.o_target_ctr.push(i64::from(target.counter) - prev_target);
                    prev_target = i64::from(target.counter);
                    cols.o_del_len.push((*len).into());
                }
            }
            own += op.width() as i64;
        }
    }
    let mut payload = Vec::new();
    write_uleb(&mut payload, replicas.len() as u64);
    for r in &replicas {
        payload.extend_from_slice(&r.0);
    }
    write_uleb(&mut payload, n_changes as u64);
    write_uleb(&mut payload, n_ops as u64);
    write_uleb(&mut payload, keys.len() as u64);
    for k in &keys {
        write_bytes(&mut payload, k.as_bytes());
    }
    for col in cols.all() {
        write_bytes(&mut payload, &col);
    }
    payload
}

/// Column readers over a decoded changes chunk, in the order `Columns::all` writes them.
struct Readers<'a> {
    c_replica: ColumnReader<'a>,
    c_nextra: ColumnReader<'a>,
    c_extra: ColumnReader<'a>,
    c_ndeps: ColumnReader<'a>,
    c_dep: ColumnReader<'a>,
    c_start: ColumnReader<'a>,
    c_time: ColumnReader<'a>,
    c_nops: ColumnReader<'a>,
    c_personal: ColumnReader<'a>,
    personal: Reader<'a>,
    o_obj_rep: ColumnReader<'a>,
    o_obj_ctr: ColumnReader<'a>,
    o_action: ColumnReader<'a>,
    o_key: ColumnReader<'a>,
    o_npred: ColumnReader<'a>,
    o_pred_rep: ColumnReader<'a>,
    o_pred_ctr: ColumnReader<'a>,
    o_left_rep: ColumnReader<'a>,
    o_left_ctr: ColumnReader<'a>,
    o_right_rep: ColumnReader<'a>,
    o_right_ctr: ColumnReader<'a>,
    o_len: ColumnReader<'a>,
    text: Reader<'a>,
    v_tag: ColumnReader<'a>,
    v_int: ColumnReader<'a>,
    v_raw: Reader<'a>,
    o_objtype: ColumnReader<'a>,
    o_target_rep: ColumnReader<'a>,
    o_target_ctr: ColumnReader<'a>,
    o_del_len: ColumnReader<'a>,
    o_by: ColumnReader<'a>,
}

fn bad(reason: impl Into<String>) -> Error {
    Error::decode("document", 0, reason)
}

impl Readers<'_> {
    fn value(&mut self) -> Result<ScalarValue, Error> {
        Ok(match self.v_tag.u()? {
            0 => ScalarValue::Null,
            1 => ScalarValue::Bool(false),
            2 => ScalarValue::Bool(true),
            3 => ScalarValue::Int(self.v_int.i()?),
            4 => ScalarValue::F64(f64::from_le_bytes(self.v_raw.array::<8>()?)),
            5 => ScalarValue::Str(self.v_raw.str()?.into()),
            6 => ScalarValue::Bytes(self.v_raw.bytes()?.into()),
            7 => ScalarValue::Counter(self.v_int.i()?),
            t => return Err(bad(format!("unknown value tag {t}"))),
        })
    }

    fn obj_type(&mut self) -> Result<ObjType, Error> {
        Ok(match self.o_objtype.u()? {
            0 => ObjType::Map,
            1 => ObjType::List,
            2 => ObjType::Text,
            t => return Err(bad(format!("unknown object type {t}"))),
        })
    }

    fn finish(&self) -> Result<(), Error> {
        for c in [
            &self.c_replica,
            &self.c_nextra,
            &self.c_extra,
            &self.c_ndeps,
            &self.c_dep,
            &self.c_start,
            &self.c_time,
            &self.c_nops,
            &self.c_personal,
            &self.o_obj_rep,
            &self.o_obj_ctr,
            &self.o_action,
            &self.o_key,
            &self.o_npred,
            &self.o_pred_rep,
            &self.o_pred_ctr,
            &self.o_left_rep,
            &self.o_left_ctr,
            &self.o_right_rep,
            &self.o_right_ctr,
            &self.o_len,
            &self.v_tag,
            &self.v_int,
            &self.o_objtype,
            &self.o_target_rep,
            &self.o_target_ctr,
            &self.o_del_len,
            &self.o_by,
        ] {
            c.finish()?;
        }
        if !self.personal.is_empty() || !self.text.is_empty() || !self.v_raw.is_empty() {
            return Err(bad("a byte column has bytes left over"));
        }
        Ok(())
    }
}

/// Decodes a saved document into its changes (deps first) and the heads it claims.
pub(crate) fn load_changes(bytes: &[u8]) -> Result<(Vec<Change>, Vec<ChangeHash>), Error> {
    let mut r = Reader::new(bytes, "document");
    if r.take(4)? != MAGIC {
        return Err(r.err("not a BandPro document (bad magic bytes)"));
    }
    let version = r.u8()?;
    if version != 1 && version != VERSION {
        return Err(r.err(format!("unsupported document version {version}")));
    }
    let mut changes_chunk = None;
    let mut heads = None;
    while !r.is_empty() {
        let start = r.pos();
        let tag = r.u8()?;
        let payload = r.bytes()?;
        let check = r.array::<8>()?;
        let mut h = blake3::Hasher::new();
        h.update(&[tag]).update(payload);
        if h.finalize().as_bytes()[..8] != check {
            return Err(Error::decode("document", start, "chunk checksum does not match"));
        }
        match tag {
            CHUNK_CHANGES if changes_chunk.is_none() => {
                changes_chunk = Some((start, std::borrow::Cow::Borrowed(payload), false))
            }
            CHUNK_CHANGES_DEFLATED if changes_chunk.is_none() => {
                let mut dr = Reader::new(payload, "document");
                let raw_len = dr.uleb()? as usize;
                let limit = bytes.len().saturating_mul(MAX_INFLATE_PER_BYTE);
                if raw_len > limit {
                    return Err(Error::decode(
                        "document",
                        start,
                        format!(
                            "deflated changes claim {raw_len} bytes, more than {limit} for a file this size"
                        ),
                    ));
                }
                let raw = miniz_oxide::inflate::decompress_to_vec_with_limit(&payload[dr.pos()..], raw_len)
                    .map_err(|e| {
                    Error::decode("document", start, format!("deflated changes do not inflate: {e}"))
                })?;
                if raw.len() != raw_len {
                    return Err(Error::decode(
                        "document",
                        start,
                        format!("deflated changes inflate to {} bytes, not the {raw_len} claimed", raw.len()),
                    ));
                }
                changes_chunk = Some((start, std::borrow::Cow::Owned(raw), true));
            }
            CHUNK_HEADS if heads.is_none() => {
                let mut hr = Reader::new(payload, "document");
                let n = hr.count(32)?;
                heads =
                    Some((0..n).map(|_| hr.array::<32>().map(ChangeHash)).collect::<Result<Vec<_>, _>>()?);
            }
            t if t & OPTIONAL != 0 => {}
            t => {
                return Err(Error::decode(
                    "document",
                    start,
                    format!("unknown or repeated required chunk {t}"),
                ));
            }
        }
    }
    let (start, payload, deflated) = changes_chunk.ok_or_else(|| r.err("no changes chunk"))?;
    let heads = heads.ok_or_else(|| r.err("no heads chunk"))?;
    let changes = decode_changes(&payload, bytes.len(), &[], version).map_err(|e| match e {
        // An offset inside inflated bytes is no file position: name the chunk and the offset.
        Error::Decode { offset, reason, .. } if deflated => Error::Decode {
            what: "document",
            offset: start,
            reason: format!("in the deflated changes, at byte {offset}: {reason}"),
        },
        Error::Decode { offset, reason, .. } => {
            Error::Decode { what: "document", offset: start + offset, reason }
        }
        other => other,
    })?;
    Ok((changes, heads))
}

fn decode_changes(
    payload: &[u8],
    file_len: usize,
    external: &[ChangeHash],
    version: u8,
) -> Result<Vec<Change>, Error> {
    let mut r = Reader::new(payload, "document");
    let n = r.count(16)?;
    let replicas: Vec<ReplicaId> =
        (0..n).map(|_| r.array::<16>().map(ReplicaId)).collect::<Result<_, _>>()?;
    let n_changes = r.uleb()? as usize;
    let n_ops = r.uleb()? as usize;
    let budget = file_len.saturating_mul(MAX_EXPANSION_PER_BYTE).saturating_add(4096);
    if n_changes.saturating_add(n_ops) > budget {
        return Err(r.err(format!("{n_changes} changes and {n_ops} ops are too many for a file this size")));
    }
    let n_keys = r.count(1)?;
    let keys: Vec<&str> = (0..n_keys).map(|_| r.str()).collect::<Result<_, _>>()?;
    let mut col = |name: &'static str, signed: bool| -> Result<ColumnReader<'_>, Error> {
        Ok(ColumnReader::new(r.bytes()?, name, signed))
    };
    let c_replica = col("change replica", false)?;
    let c_nextra = col("change replica table", false)?;
    let c_extra = col("change replicas", false)?;
    let c_ndeps = col("dep count", false)?;
    let c_dep = col("deps", false)?;
    let c_start = col("start op", false)?;
    let c_time = col("time", true)?;
    let c_nops = col("op count", false)?;
    let c_personal = col("personal flag", false)?;
    let personal = Reader::new(r.bytes()?, "document");
    let mut col = |name: &'static str, signed: bool| -> Result<ColumnReader<'_>, Error> {
        Ok(ColumnReader::new(r.bytes()?, name, signed))
    };
    let o_obj_rep = col("object replica", false)?;
    let o_obj_ctr = col("object counter", true)?;
    let o_action = col("action", false)?;
    let o_key = col("key", false)?;
    let o_npred = col("pred count", false)?;
    let o_pred_rep = col("pred replica", false)?;
    let o_pred_ctr = col("pred counter", true)?;
    let o_left_rep = col("left replica", false)?;
    let o_left_ctr = col("left counter", true)?;
    let o_right_rep = col("right replica", false)?;
    let o_right_ctr = col("right counter", true)?;
    let o_len = col("insert length", false)?;
    let text = Reader::new(r.bytes()?, "document");
    let mut col = |name: &'static str, signed: bool| -> Result<ColumnReader<'_>, Error> {
        Ok(ColumnReader::new(r.bytes()?, name, signed))
    };
    let v_tag = col("value tag", false)?;
    let v_int = col("value int", true)?;
    let v_raw = Reader::new(r.bytes()?, "document");
    let mut col = |name: &'static str, signed: bool| -> Result<ColumnReader<'_>, Error> {
        Ok(ColumnReader::new(r.bytes()?, name, signed))
    };
    let o_objtype = col("object type", false)?;
    let o_target_rep = col("target replica", false)?;
    let o_target_ctr = col("target counter", true)?;
    let o_del_len = col("delete length", false)?;
    let o_by = col("increment", true)?;
    if !r.is_empty() {
        return Err(r.err("trailing bytes after the columns"));
    }
    let mut rd = Readers {
        c_replica,
        c_nextra,
        c_extra,
        c_ndeps,
        c_dep,
        c_start,
        c_time,
        c_nops,
        c_personal,
        personal,
        o_obj_rep,
        o_obj_ctr,
        o_action,
        o_key,
        o_npred,
        o_pred_rep,
        o_pred_ctr,
        o_left_rep,
        o_left_ctr,
        o_right_rep,
        o_right_ctr,
        o_len,
        text,
        v_tag,
        v_int,
        v_raw,
        o_objtype,
        o_target_rep,
        o_target_ctr,
        o_del_len,
        o_by,
    };
    let replica =
        |i: u64| replicas.get(i as usize).copied().ok_or_else(|| bad(format!("replica {i} out of range")));
    let mut changes: Vec<Change> = Vec::with_capacity(n_changes.min(1 << 20));
    let mut ops_left = n_ops;
    let (mut time, mut prev_obj, mut prev_right, mut prev_target) = (0i64, 0i64, 0i64, 0i64);
    let mut recent = RecentObjects::default();
    // The target counter of a delete, restore or increment at own counter `own` (see VERSION).
    let mut target_counter = |coded: i64, own: i64| {
        if version == 1 {
            own.wrapping_sub(coded)
        } else {
            prev_target = prev_target.wrapping_add(coded);
            prev_target
        }
    };
    for i in 0..n_changes {
        let mut table = vec![replica(rd.c_replica.u()?)?];
        let n_extra = rd.c_nextra.u()?;
        if n_extra > replicas.len() as u64 {
            return Err(bad("a change lists more replicas than the document has"));
        }
        for _ in 0..n_extra {
            table.push(replica(rd.c_extra.u()?)?);
        }
        let n_deps = rd.c_ndeps.u()? as usize;
        if n_deps > i + external.len() {
            return Err(bad(format!("change {i} has more deps than changes precede it")));
        }
        let mut deps = Vec::with_capacity(n_deps);
        let mut max_dep_end = 0u32;
        for _ in 0..n_deps {
            let back = rd.c_dep.u()? as usize;
            let (hash, end) = match back {
                0 => return Err(bad(format!("change {i} depends on itself"))),
                b if b <= i => (changes[i - b].hash(), changes[i - b].end_op()),
                b => (
                    *external.get(b - i - 1).ok_or_else(|| {
                        bad(format!("change {i} depends on a change that is not before it"))
                    })?,
                    0,
                ),
            };
            max_dep_end = max_dep_end.max(end);
            deps.push(hash);
        }
        let start_op = u32::try_from(u64::from(max_dep_end) + 1 + rd.c_start.u()?)
            .map_err(|_| bad("start counter overflows 32 bits"))?;
        time = time.wrapping_add(rd.c_time.i()?);
        let n_op = rd.c_nops.u()? as usize;
        if n_op > ops_left {
            return Err(bad("changes hold more ops than the document declares"));
        }
        ops_left -= n_op;
        let personal = match rd.c_personal.u()? {
            0 => Personal::None,
            1 => {
                let salt = rd.personal.array::<16>()?;
                let mut f = [None, None];
                for x in &mut f {
                    *x = match rd.personal.u8()? {
                        0 => None,
                        1 => Some(rd.personal.str()?.to_owned()),
                        t => return Err(bad(format!("bad personal field flag {t}"))),
                    };
                }
                let [author, message] = f;
                Personal::Present { salt, author, message }
            }
            2 => Personal::Erased { digest: rd.personal.array::<32>()? },
            t => return Err(bad(format!("bad personal flag {t}"))),
        };
        let mut ops = Vec::with_capacity(n_op);
        let mut own = i64::from(start_op);
        let to_ref = |rep: u64, ctr: i64| -> Result<RefId, Error> {
            let replica = u32::try_from(rep).map_err(|_| bad("replica index out of range"))?;
            let counter = u32::try_from(ctr).map_err(|_| bad("counter out of range"))?;
            Ok(RefId { replica, counter })
        };
        for _ in 0..n_op {
            let obj = match rd.o_obj_rep.u()? {
                0 => ObjRef::Root,
                rep => {
                    let coded = rd.o_obj_ctr.i()?;
                    let counter = if version == 1 {
                        prev_obj = prev_obj.wrapping_add(coded);
                        prev_obj
                    } else {
                        recent.decode(coded, own)
                    };
                    ObjRef::Id(to_ref(rep - 1, counter)?)
                }
            };
            let action = rd.o_action.u()?;
            let preds = |rd: &mut Readers<'_>| -> Result<Vec<RefId>, Error> {
                let n = rd.o_npred.u()? as usize;
                if n > table.len() * 64 + 64 {
                    return Err(bad("too many preds"));
                }
                (0..n).map(|_| to_ref(rd.o_pred_rep.u()?, own.wrapping_sub(rd.o_pred_ctr.i()?))).collect()
            };
            let key = |rd: &mut Readers<'_>| -> Result<String, Error> {
                let k = rd.o_key.u()? as usize;
                keys.get(k).map(|s| s.to_string()).ok_or_else(|| bad("key index out of range"))
            };
            let action = match action {
                1 => {
                    let key = key(&mut rd)?;
                    let value = OpValue::Scalar(rd.value()?);
                    OpAction::Put { key, value, pred: preds(&mut rd)? }
                }
                2 => {
                    let key = key(&mut rd)?;
                    let value = OpValue::Object(rd.obj_type()?);
                    OpAction::Put { key, value, pred: preds(&mut rd)? }
                }
                3 => {
                    let key = key(&mut rd)?;
                    OpAction::DeleteKey { key, pred: preds(&mut rd)? }
                }
                4 => OpAction::Increment {
                    target: to_ref(rd.o_target_rep.u()?, target_counter(rd.o_target_ctr.i()?, own))?,
                    by: rd.o_by.i()?,
                },
                5..=7 => {
                    let left = match rd.o_left_rep.u()? {
                        0 => None,
                        rep => Some(to_ref(rep - 1, own.wrapping_sub(rd.o_left_ctr.i()?))?),
                    };
                    let right = match rd.o_right_rep.u()? {
                        0 => None,
                        rep => {
                            prev_right = prev_right.wrapping_add(rd.o_right_ctr.i()?);
                            Some(to_ref(rep - 1, prev_right)?)
                        }
                    };
                    let content = match action {
                        5 => {
                            let n = rd.o_len.u()? as usize;
                            let s = rd.text.take(n)?;
                            InsertContent::Text(
                                std::str::from_utf8(s).map_err(|_| bad("text is not UTF-8"))?.to_owned(),
                            )
                        }
                        6 => {
                            let n = rd.o_len.u()? as usize;
                            if n > budget {
                                return Err(bad("too many values"));
                            }
                            InsertContent::Values((0..n).map(|_| rd.value()).collect::<Result<_, _>>()?)
                        }
                        _ => InsertContent::Object(rd.obj_type()?),
                    };
                    OpAction::Insert { left, right, content }
                }
                8 | 9 => {
                    let target = to_ref(rd.o_target_rep.u()?, target_counter(rd.o_target_ctr.i()?, own))?;
                    let len =
                        u32::try_from(rd.o_del_len.u()?).map_err(|_| bad("delete length out of range"))?;
                    if action == 8 {
                        OpAction::Delete { target, len }
                    } else {
                        OpAction::Restore { target, len }
                    }
                }
                t => return Err(bad(format!("unknown action {t}"))),
            };
            let op = Op { obj, action };
            own += op.width() as i64;
            ops.push(op);
        }
        let change = ChangeParts { deps, replicas: table, start_op, time, personal, ops }.build()?;
        changes.push(change);
    }
    if ops_left != 0 {
        return Err(bad("the document declares more ops than its changes hold"));
    }
    rd.finish()?;
    Ok(changes)
}

impl Document {
    /// Saves the document: its whole change log, compactly (see `docs/FORMAT.md`).
    pub fn save(&self) -> Vec<u8> {
        save_changes(self.changes(), &self.heads())
    }

    /// Loads a saved document, editing as a new random replica.
    pub fn load(bytes: &[u8]) -> Result<Document, Error> {
        Self::load_as(bytes, ReplicaId::random())
    }

    /// Loads a saved document, editing as `replica`. Every change is rebuilt, hashed and
    /// checked like a remote change; the heads the file names must be the heads it rebuilds.
    pub fn load_as(bytes: &[u8], replica: ReplicaId) -> Result<Document, Error> {
        let (changes, heads) = load_changes(bytes)?;
        let mut doc = Document::with_replica(replica);
        doc.apply_log(changes)?;
        let mut claimed = heads;
        claimed.sort();
        if doc.heads() != claimed {
            return Err(Error::decode(
                "document",
                0,
                "the rebuilt changes do not hash to the heads the file names",
            ));
        }
        Ok(doc)
    }
}
