//! Snapshots: the materialised state of a document at a version, archived with `rkyv` and
//! validated on load, so that a large document opens without replaying its history.
//!
//! A snapshot is a cache; the log stays the truth. It names the version it holds, carries a
//! checksum, and is checked against the store's log when opened: a snapshot that is corrupt,
//! from another document, or holds changes the log does not have is ignored with a warning and
//! the document is rebuilt from the log. Changes the log has beyond the snapshot are applied on
//! top. The graph keeps each snapshot change as bytes until history is asked for.
//!
//! Layout: `"BPSN"`, version `1`, 32 bytes of blake3 over the rest, then the rkyv archive of
//! [`Snap`]. Nothing in the archive is trusted beyond what rkyv's validation and the checks in
//! [`Document::from_snapshot`] establish: derived indexes (Fenwick trees, id indexes, heads) are
//! rebuilt, not read.

use std::collections::{HashMap, HashSet};

use rkyv::{Archive, Deserialize, Serialize};

use crate::change::Change;
use crate::doc::{Document, IValue, MapEntry, ObjState, Object, ROOT_ID};
use crate::error::Error;
use crate::id::{ChangeHash, OpId, ReplicaId};
use crate::seq::{RunParts, Seq};
use crate::store::Store;
use crate::value::{ObjType, ScalarValue};

const MAGIC: &[u8; 4] = b"BPSN";
const VERSION: u8 = 1;

type SId = (u32, u32);

#[derive(Archive, Serialize, Deserialize)]
struct Snap {
    heads: Vec<[u8; 32]>,
    replicas: Vec<[u8; 16]>,
    keys: Vec<String>,
    max_op: u32,
    nodes: Vec<SNode>,
    objects: Vec<SObject>,
    increments: Vec<(SId, i64)>,
}

#[derive(Archive, Serialize, Deserialize)]
struct SNode {
    hash: [u8; 32],
    deps: Vec<u32>,
    replica: u32,
    start: u32,
    end: u32,
    bytes: Vec<u8>,
}

#[derive(Archive, Serialize, Deserialize)]
struct SObject {
    id: SId,
    parent: Option<(u32, SId)>,
    body: SBody,
}

#[derive(Archive, Serialize, Deserialize)]
enum SBody {
    Map(Vec<SEntry>),
    List(Vec<SRun>, Vec<SValue>),
    Text(Vec<SRun>, String),
}

#[derive(Archive, Serialize, Deserialize)]
struct SEntry {
    key: u32,
    id: SId,
    value: SValue,
}

#[derive(Archive, Serialize, Deserialize)]
enum SValue {
    Null,
    Bool(bool),
    Int(i64),
    F64(f64),
    Str(String),
    Bytes(Vec<u8>),
    Counter(i64),
    Object(u8),
}

#[derive(Archive, Serialize, Deserialize)]
struct SRun {
    id: SId,
    len: u32,
    left: Option<SId>,
    right: Option<SId>,
    content: u32,
    deleted: bool,
    mark: Option<SId>,
}

fn sid(id: OpId) -> SId {
    (id.replica, id.counter)
}

fn to_svalue(v: &IValue) -> SValue {
    match v {
        IValue::Object(t) => SValue::Object(match t {
            ObjType::Map => 0,
            ObjType::List => 1,
            ObjType::Text => 2,
        }),
        IValue::Scalar(s) => match s {
            ScalarValue::Null => SValue::Null,
            ScalarValue::Bool(b) => SValue::Bool(*b),
            ScalarValue::Int(i) => SValue::Int(*i),
            ScalarValue::F64(f) => SValue::F64(*f),
            ScalarValue::Str(s) => SValue::Str(s.to_string()),
            ScalarValue::Bytes(b) => SValue::Bytes(b.to_vec()),
            ScalarValue::Counter(c) => SValue::Counter(*c),
        },
    }
}

fn from_svalue(v: SValue) -> Result<IValue, String> {
    Ok(match v {
        SValue::Object(0) => IValue::Object(ObjType::Map),
        SValue::Object(1) => IValue::Object(ObjType::List),
        SValue::Object(2) => IValue::Object(ObjType::Text),
        SValue::Object(t) => return Err(format!("unknown object type {t}")),
        SValue::Null => IValue::Scalar(ScalarValue::Null),
        SValue::Bool(b) => IValue::Scalar(ScalarValue::Bool(b)),
        SValue::Int(i) => IValue::Scalar(ScalarValue::Int(i)),
        SValue::F64(f) => IValue::Scalar(ScalarValue::F64(f)),
        SValue::Str(s) => IValue::Scalar(ScalarValue::Str(s.into())),
        SValue::Bytes(b) => IValue::Scalar(ScalarValue::Bytes(b.into())),
        SValue::Counter(c) => IValue::Scalar(ScalarValue::Counter(c)),
    })
}

fn runs_of<T: Clone>(seq: &Seq<T>) -> Vec<SRun> {
    seq.runs()
        .map(|r| SRun {
            id: sid(r.id),
            len: r.len,
            left: r.origin_left.map(sid),
            right: r.origin_right.map(sid),
            content: r.content,
            deleted: r.deleted,
            mark: r.mark.map(sid),
        })
        .collect()
}

/// How a document was opened from a store.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OpenInfo {
    /// Whether a snapshot was used.
    pub from_snapshot: bool,
    /// Changes applied on top of the snapshot (or all of them, without one).
    pub replayed: usize,
    /// Why the snapshot was not used, if there was one and it was not.
    pub warning: Option<String>,
}

impl Document {
    /// A snapshot of the current state (see the module docs).
    pub fn snapshot(&self) -> Vec<u8> {
        let objects = self
            .objects
            .iter()
            .map(|o| SObject {
                id: sid(o.id),
                parent: o.parent.map(|(p, h)| (p, sid(h))),
                body: match &o.state {
                    ObjState::Map(entries) => SBody::Map(
                        entries
                            .iter()
                            .map(|e| SEntry { key: e.key, id: sid(e.id), value: to_svalue(&e.value) })
                            .collect(),
                    ),
                    ObjState::List(s) => SBody::List(runs_of(s), s.arena().iter().map(to_svalue).collect()),
                    ObjState::Text(s) => SBody::Text(runs_of(s), s.arena().iter().collect()),
                },
            })
            .collect();
        let snap = Snap {
            heads: self.heads().iter().map(|h| h.0).collect(),
            replicas: self.replicas.iter().map(|r| r.0).collect(),
            keys: self.keys.iter().map(|k| k.to_string()).collect(),
            max_op: self.max_op,
            nodes: self
                .graph
                .nodes
                .iter()
                .map(|n| SNode {
                    hash: n.hash.0,
                    deps: n.deps.clone(),
                    replica: n.replica,
                    start: n.start_op,
                    end: n.end_op,
                    bytes: n.encoded(),
                })
                .collect(),
            objects,
            increments: self.increments.iter().map(|(k, v)| (sid(*k), *v)).collect(),
        };
        let archive = rkyv::to_bytes::<rkyv::rancor::Error>(&snap).expect("archiving plain data cannot fail");
        let mut out = Vec::with_capacity(archive.len() + 37);
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
        out.extend_from_slice(blake3::hash(&archive).as_bytes());
        out.extend_from_slice(&archive);
        out
    }

    /// Opens a snapshot, editing as `replica`. Every structure is validated; nothing derived is
    /// read from the bytes.
    pub fn from_snapshot(bytes: &[u8], replica: ReplicaId) -> Result<Document, Error> {
        let bad = |offset: usize, reason: String| Error::Decode { what: "snapshot", offset, reason };
        if bytes.len() < 37 || &bytes[..4] != MAGIC {
            return Err(bad(0, "not a BandPro snapshot".into()));
        }
        if bytes[4] != VERSION {
            return Err(bad(4, format!("unsupported snapshot version {}", bytes[4])));
        }
        let body = &bytes[37..];
        if blake3::hash(body).as_bytes() != &bytes[5..37] {
            return Err(bad(5, "checksum does not match".into()));
        }
        // rkyv needs aligned bytes; a file read into a Vec<u8> need not be.
        let mut aligned = rkyv::util::AlignedVec::<16>::with_capacity(body.len());
        aligned.extend_from_slice(body);
        let snap: Snap = rkyv::from_bytes::<Snap, rkyv::rancor::Error>(&aligned)
            .map_err(|e| bad(37, format!("invalid archive: {e}")))?;
        build(snap, replica).map_err(|reason| bad(37, reason))
    }

    /// Opens a document from a store: from its snapshot if the snapshot is sound and backed by
    /// the log (then only the changes after it are applied), else by replaying the log. A bad
    /// snapshot is reported in [`OpenInfo::warning`], never an error.
    pub fn open(store: &dyn Store, replica: ReplicaId) -> Result<(Document, OpenInfo), Error> {
        let log = store.load_all()?;
        let mut info = OpenInfo::default();
        if let Some(snap) = store.get_snapshot()? {
            match Document::from_snapshot(&snap, replica) {
                Ok(mut doc) => {
                    let in_log: HashSet<ChangeHash> = log.iter().map(Change::hash).collect();
                    if let Some(n) = doc.graph.nodes.iter().find(|n| !in_log.contains(&n.hash)) {
                        info.warning = Some(format!(
                            "the snapshot holds change {} that the log lacks; rebuilt from the log",
                            n.hash
                        ));
                    } else {
                        let rest: Vec<Change> =
                            log.into_iter().filter(|c| !doc.has_change(&c.hash())).collect();
                        info.replayed = rest.len();
                        doc.apply_log(rest)?;
                        info.from_snapshot = true;
                        return Ok((doc, info));
                    }
                }
                Err(e) => {
                    info.warning = Some(format!("the snapshot is unusable ({e}); rebuilt from the log"))
                }
            }
            let log = store.load_all()?;
            info.replayed = log.len();
            let mut doc = Document::with_replica(replica);
            doc.apply_log(log)?;
            return Ok((doc, info));
        }
        info.replayed = log.len();
        let mut doc = Document::with_replica(replica);
        doc.apply_log(log)?;
        Ok((doc, info))
    }
}

fn build(snap: Snap, replica: ReplicaId) -> Result<Document, String> {
    let mut doc = Document::with_replica(ReplicaId(*snap.replicas.first().ok_or("no replicas")?));
    // Rebuild the replica table in the snapshot's order (ids in the state refer to it).
    doc.replicas.clear();
    doc.replica_index.clear();
    for r in &snap.replicas {
        if doc.replica_index.insert(ReplicaId(*r), doc.replicas.len() as u32).is_some() {
            return Err("a replica is listed twice".into());
        }
        doc.replicas.push(ReplicaId(*r));
    }
    let n_rep = doc.replicas.len() as u32;
    // An op id names an op of the history: a known replica and a counter from 1 to the
    // largest one (counter 0 is never assigned; only the root object's id has it). A local
    // edit would otherwise refer to a counter that no change can encode.
    let max_op = snap.max_op;
    let op = |id: SId| -> Result<OpId, String> {
        if id.0 >= n_rep {
            Err(format!("replica index {} out of range", id.0))
        } else if id.1 == 0 || id.1 > max_op {
            Err(format!("counter {} is not one the history assigned", id.1))
        } else {
            Ok(OpId::new(id.0, id.1))
        }
    };
    for k in snap.keys {
        if doc.key_index.insert(k.clone().into_boxed_str(), doc.keys.len() as u32).is_some() {
            return Err("a key is listed twice".into());
        }
        doc.keys.push(k.into_boxed_str());
    }
    let n_keys = doc.keys.len() as u32;
    doc.max_op = snap.max_op;
    for (i, n) in snap.nodes.into_iter().enumerate() {
        if n.replica >= n_rep || n.deps.iter().any(|&d| d as usize >= i) || n.start == 0 || n.end < n.start {
            return Err(format!("change {i} has bad metadata"));
        }
        let hash = ChangeHash(n.hash);
        if doc.graph.contains(&hash) {
            return Err(format!("change {hash} appears twice"));
        }
        // History is decoded lazily, and must then decode: check every change now, against the
        // metadata the graph keeps, so a hostile snapshot fails here and not on first use.
        let change = Change::decode_verified(&n.bytes, hash).map_err(|e| format!("change {i}: {e}"))?;
        let mut listed: Vec<ChangeHash> = n.deps.iter().map(|&d| doc.graph.nodes[d as usize].hash).collect();
        listed.sort();
        let mut own: Vec<ChangeHash> = change.deps().to_vec();
        own.sort();
        let deps_match = listed == own;
        if change.replica() != doc.replicas[n.replica as usize]
            || change.start_op() != n.start
            || change.end_op() != n.end
            || !deps_match
        {
            return Err(format!("change {i} does not match its metadata"));
        }
        doc.graph.push_encoded(hash, n.deps, n.replica, n.start, n.end, n.bytes.into_boxed_slice());
    }
    let last = doc.graph.nodes.iter().map(|n| n.end_op).max().unwrap_or(0);
    if doc.max_op != last || doc.max_op == u32::MAX {
        return Err(format!("the largest counter is {}, not the {last} the changes reach", doc.max_op));
    }
    let mut heads: Vec<ChangeHash> = snap.heads.into_iter().map(ChangeHash).collect();
    heads.sort();
    if doc.heads() != heads {
        return Err("the changes do not have the heads the snapshot names".into());
    }
    doc.objects.clear();
    doc.obj_index.clear();
    let n_obj = snap.objects.len() as u32;
    for (i, o) in snap.objects.into_iter().enumerate() {
        let id = if i == 0 && o.id.0 == 0 && o.id.1 == 0 { ROOT_ID } else { op(o.id)? };
        if (i == 0) != (id == ROOT_ID) {
            return Err("the root object must come first, and only there".into());
        }
        let parent = match o.parent {
            // A parent is created before its children, so it comes earlier: this also keeps
            // the object tree free of cycles, which recursive readers rely on.
            Some((p, h)) if p < n_obj && (p as usize) < i => Some((p, op(h)?)),
            Some(_) => return Err(format!("object {i} has a bad parent")),
            None => None,
        };
        let state = match o.body {
            SBody::Map(entries) => {
                let mut es = Vec::with_capacity(entries.len());
                for e in entries {
                    if e.key >= n_keys {
                        return Err("a map entry names an unknown key".into());
                    }
                    es.push(MapEntry { key: e.key, id: op(e.id)?, value: from_svalue(e.value)? });
                }
                es.sort_by_key(|e| (e.key, e.id));
                ObjState::Map(es)
            }
            SBody::List(runs, values) => {
                let values = values.into_iter().map(from_svalue).collect::<Result<Vec<_>, _>>()?;
                ObjState::List(Seq::from_parts(parts(runs, &op)?, values)?)
            }
            SBody::Text(runs, text) => {
                ObjState::Text(Seq::from_parts(parts(runs, &op)?, text.chars().collect())?)
            }
        };
        if doc.obj_index.insert(id, i as u32).is_some() {
            return Err("an object appears twice".into());
        }
        if let Some((p, _)) = parent
            && doc.depth_of(p) >= crate::doc::MAX_NESTING
        {
            return Err(format!("object {i} is nested too deep"));
        }
        doc.objects.push(std::sync::Arc::new(Object { id, parent, state }));
    }
    if doc.objects.is_empty() {
        return Err("no root object".into());
    }
    // Every nested value must name an object that exists, of its type, whose parent is the
    // object holding the value: the values then form the same tree as the parents.
    let nested: Vec<(u32, OpId, ObjType)> = doc
        .objects
        .iter()
        .enumerate()
        .flat_map(|(i, o)| match &o.state {
            ObjState::Map(es) => es
                .iter()
                .filter_map(|e| match e.value {
                    IValue::Object(t) => Some((i as u32, e.id, t)),
                    IValue::Scalar(_) => None,
                })
                .collect(),
            ObjState::List(s) => s
                .iter()
                .filter_map(|(id, v)| match v {
                    IValue::Object(t) => Some((i as u32, id, *t)),
                    IValue::Scalar(_) => None,
                })
                .collect(),
            ObjState::Text(_) => Vec::new(),
        })
        .collect();
    for (holder, id, kind) in nested {
        let Some(&j) = doc.obj_index.get(&id) else {
            return Err("a value names an object the snapshot lacks".into());
        };
        let child = &doc.objects[j as usize];
        if child.parent != Some((holder, id)) || child.state.kind_pub() != kind {
            return Err(format!("object {j} is not where its parent holds it"));
        }
    }
    let mut increments = HashMap::default();
    for (id, v) in snap.increments {
        increments.insert(op(id)?, v);
    }
    doc.increments = increments;
    doc.me = doc.intern_replica(replica);
    // Erasures are read back from the root map's reserved keys.
    doc.erasures.touched = true;
    doc.settle_erasures();
    Ok(doc)
}

fn parts(runs: Vec<SRun>, op: &dyn Fn(SId) -> Result<OpId, String>) -> Result<Vec<RunParts>, String> {
    runs.into_iter()
        .map(|r| {
            Ok(RunParts {
                id: op(r.id)?,
                len: r.len,
                origin_left: r.left.map(op).transpose()?,
                origin_right: r.right.map(op).transpose()?,
                content: r.content,
                deleted: r.deleted,
                mark: r.mark.map(op).transpose()?,
            })
        })
        .collect()
}
