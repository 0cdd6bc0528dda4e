//! The editing traces: gzipped JSON files of `{startContent, endContent, txns}`, each txn a list
//! of `[position, deleted, inserted]` patches.
//!
//! Sequential traces apply their txns in order. A concurrent trace (`kind: "concurrent"`) also
//! names, for each txn, its `agent` and its `parents` (indices of earlier txns); its positions
//! refer to the document as of those parents.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// One edit: delete `del` characters at `pos`, then insert `insert` there. Positions count
/// unicode scalar values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Patch {
    /// Where the edit starts.
    pub pos: usize,
    /// How many characters it deletes.
    pub del: usize,
    /// What it inserts.
    pub insert: String,
}

/// One user edit: patches applied one after another, as one transaction.
#[derive(Clone, Debug, Default)]
pub struct Txn {
    /// The patches, in order; each one's position refers to the text after the previous one.
    pub patches: Vec<Patch>,
    /// The editing agent (0 for sequential traces).
    pub agent: usize,
    /// The txns this one was made on (empty for sequential traces).
    pub parents: Vec<usize>,
}

/// An editing trace.
#[derive(Clone, Debug)]
pub struct Trace {
    /// The trace's name, e.g. `automerge-paper`.
    pub name: String,
    /// The text before the first txn.
    pub start: String,
    /// The text after the last txn, when known (a truncated concurrent trace does not know it).
    pub end: Option<String>,
    /// The txns, parents before children.
    pub txns: Vec<Txn>,
    /// Whether txns carry agents and parents.
    pub concurrent: bool,
    /// How many agents edit (1 for sequential traces).
    pub num_agents: usize,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawTrace {
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    start_content: String,
    end_content: String,
    #[serde(default)]
    num_agents: Option<usize>,
    txns: Vec<RawTxn>,
}

#[derive(Deserialize)]
struct RawTxn {
    patches: Vec<(usize, usize, String)>,
    #[serde(default)]
    agent: usize,
    #[serde(default)]
    parents: Vec<usize>,
}

/// The names of the traces the benchmarks know.
pub const TRACE_NAMES: [&str; 3] = ["automerge-paper", "seph-blog1", "friendsforever"];

/// The folder holding the traces: `$BANDPRO_TRACES`, or `shared/traces` next to the repository.
pub fn trace_dir() -> PathBuf {
    match std::env::var_os("BANDPRO_TRACES") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/traces"),
    }
}

/// Why a trace could not be loaded.
#[derive(Debug)]
pub struct TraceError(pub String);

impl std::fmt::Display for TraceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TraceError {}

impl Trace {
    /// Loads `<trace_dir>/<name>.json.gz`.
    pub fn load(name: &str) -> Result<Trace, TraceError> {
        let path = trace_dir().join(format!("{name}.json.gz"));
        let file = std::fs::File::open(&path)
            .map_err(|e| TraceError(format!("cannot open {}: {e}", path.display())))?;
        let mut json = Vec::new();
        flate2::read::GzDecoder::new(file)
            .read_to_end(&mut json)
            .map_err(|e| TraceError(format!("cannot gunzip {}: {e}", path.display())))?;
        Trace::from_json(name, &json)
    }

    /// Parses a trace from its (uncompressed) JSON.
    pub fn from_json(name: &str, json: &[u8]) -> Result<Trace, TraceError> {
        let raw: RawTrace =
            serde_json::from_slice(json).map_err(|e| TraceError(format!("trace {name}: {e}")))?;
        let concurrent = raw.kind.as_deref() == Some("concurrent");
        let txns: Vec<Txn> = raw
            .txns
            .into_iter()
            .map(|t| Txn {
                patches: t.patches.into_iter().map(|(pos, del, insert)| Patch { pos, del, insert }).collect(),
                agent: t.agent,
                parents: t.parents,
            })
            .collect();
        for (i, t) in txns.iter().enumerate() {
            if let Some(p) = t.parents.iter().find(|&&p| p >= i) {
                return Err(TraceError(format!(
                    "trace {name}: txn {i} has parent {p}, which is not earlier"
                )));
            }
        }
        let num_agents =
            raw.num_agents.unwrap_or_else(|| txns.iter().map(|t| t.agent + 1).max().unwrap_or(1));
        Ok(Trace {
            name: name.to_owned(),
            start: raw.start_content,
            end: Some(raw.end_content),
            txns,
            concurrent,
            num_agents,
        })
    }

    /// How many patches the trace holds.
    pub fn patch_count(&self) -> usize {
        self.txns.iter().map(|t| t.patches.len()).sum()
    }

    /// The first `n` txns only. For a sequential trace the expected end text is recomputed with
    /// [`apply_to_string`]; for a concurrent one it becomes unknown.
    pub fn truncated(&self, n: usize) -> Trace {
        let txns: Vec<Txn> = self.txns.iter().take(n).cloned().collect();
        let end = if self.concurrent {
            None
        } else {
            Some(apply_to_string(&self.start, txns.iter().flat_map(|t| &t.patches)))
        };
        Trace {
            name: self.name.clone(),
            start: self.start.clone(),
            end,
            txns,
            concurrent: self.concurrent,
            num_agents: self.num_agents,
        }
    }
}

/// Applies patches in order to a plain string: the reference model of a sequential trace.
pub fn apply_to_string<'a>(start: &str, patches: impl IntoIterator<Item = &'a Patch>) -> String {
    let mut text: Vec<char> = start.chars().collect();
    for p in patches {
        text.splice(p.pos..p.pos + p.del, p.insert.chars());
    }
    text.into_iter().collect()
}
