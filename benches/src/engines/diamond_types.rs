//! diamond-types (`diamond-types` crate): a text-only CRDT, so it runs the traces and, with one
//! character per item, the concurrent list merge; it has no maps for the score-like workload.

use ::diamond_types::list::encoding::{ENCODE_FULL, ENCODE_PATCH};
use ::diamond_types::list::{ListCRDT, OpLog};
use ::diamond_types::{AgentId, LocalVersion, Time};

use crate::trace::{Patch, Trace};
use crate::workload::{ListEngine, Measured, Persist, TextEngine, measure};

/// A document (op log and checked-out branch) and the agent that edits it.
#[derive(Clone, Debug)]
pub struct DiamondDoc {
    /// The document.
    pub doc: ListCRDT,
    /// This replica's agent.
    pub agent: AgentId,
}

impl DiamondDoc {
    fn new(agent_name: &str) -> Self {
        let mut doc = ListCRDT::new();
        let agent = doc.get_or_create_agent_id(agent_name);
        DiamondDoc { doc, agent }
    }

    fn fork_as(&self, agent_name: &str) -> Self {
        let mut doc = self.doc.clone();
        let agent = doc.get_or_create_agent_id(agent_name);
        DiamondDoc { doc, agent }
    }

    fn export_from(&self, from: &[Time]) -> Vec<u8> {
        self.doc.oplog.encode_from(ENCODE_PATCH, from)
    }

    fn import_bytes(&mut self, bytes: &[u8]) {
        self.doc.oplog.decode_and_add(bytes).expect("a valid patch");
        let tip = self.doc.oplog.local_version();
        self.doc.branch.merge(&self.doc.oplog, &tip);
    }
}

impl TextEngine for DiamondDoc {
    type Update = Vec<u8>;

    fn create(start: &str) -> Self {
        let mut d = DiamondDoc::new("creator");
        if !start.is_empty() {
            d.doc.insert(d.agent, 0, start);
        }
        d
    }

    fn fork(&self, agent: u64) -> Self {
        self.fork_as(&format!("agent{agent}"))
    }

    fn edit(&mut self, patches: &[Patch]) {
        // diamond-types has no transactions: each patch is its own operation.
        for p in patches {
            if p.del > 0 {
                self.doc.delete(self.agent, p.pos..p.pos + p.del);
            }
            if !p.insert.is_empty() {
                self.doc.insert(self.agent, p.pos, &p.insert);
            }
        }
    }

    fn edit_and_export(&mut self, patches: &[Patch]) -> Vec<u8> {
        let before = self.doc.oplog.local_version();
        self.edit(patches);
        self.export_from(&before)
    }

    fn import(&mut self, updates: &[&Vec<u8>]) {
        for u in updates {
            self.import_bytes(u);
        }
    }

    fn text(&self) -> String {
        self.doc.branch.content().to_string()
    }
}

/// Replays a concurrent trace the way diamond-types is built for: one op log, each txn added
/// at its parents' version (`add_*_at`), then one checkout of the tip merges everything.
pub fn concurrent_trace(trace: &Trace) -> Result<Measured, String> {
    let (text, m) = measure(|| {
        let mut oplog = OpLog::new();
        let agents: Vec<AgentId> =
            (0..trace.num_agents).map(|a| oplog.get_or_create_agent_id(&format!("agent{a}"))).collect();
        let mut versions: Vec<LocalVersion> = Vec::with_capacity(trace.txns.len());
        for txn in &trace.txns {
            let agent = agents[txn.agent];
            let mut parents: Vec<Time> =
                txn.parents.iter().flat_map(|&p| versions[p].iter().copied()).collect();
            for p in &txn.patches {
                if p.del > 0 {
                    parents = vec![oplog.add_delete_at(agent, &parents, p.pos..p.pos + p.del)];
                }
                if !p.insert.is_empty() {
                    parents = vec![oplog.add_insert_at(agent, &parents, p.pos, &p.insert)];
                }
            }
            versions.push(parents.into_iter().collect());
        }
        oplog.checkout_tip().content().to_string()
    });
    if let Some(end) = &trace.end
        && &text != end
    {
        return Err(format!("{}: final text differs from the expected one", trace.name));
    }
    Ok(m)
}

fn item_char(value: i64) -> char {
    char::from(b'a' + value.rem_euclid(26) as u8)
}

impl ListEngine for DiamondDoc {
    type Version = LocalVersion;

    fn create(values: &[i64]) -> Self {
        let mut d = DiamondDoc::new("creator");
        let text: String = values.iter().map(|v| item_char(*v)).collect();
        d.doc.insert(d.agent, 0, &text);
        d
    }

    fn fork(&self, replica: u64) -> Self {
        self.fork_as(&format!("replica{replica}"))
    }

    fn version(&self) -> LocalVersion {
        self.doc.oplog.local_version()
    }

    fn insert(&mut self, index: usize, value: i64) {
        self.doc.insert(self.agent, index, &item_char(value).to_string());
    }

    fn remove(&mut self, index: usize) {
        self.doc.delete(self.agent, index..index + 1);
    }

    fn export_since(&self, since: &LocalVersion) -> Vec<Vec<u8>> {
        vec![self.export_from(since)]
    }

    fn import(&mut self, changes: &[Vec<u8>]) {
        for c in changes {
            self.import_bytes(c);
        }
    }

    fn values(&self) -> Vec<i64> {
        self.doc.branch.content().to_string().chars().map(|c| c as i64).collect()
    }
}

impl Persist for DiamondDoc {
    fn save(&self) -> Vec<u8> {
        self.doc.oplog.encode(ENCODE_FULL)
    }

    fn load(bytes: &[u8]) -> Self {
        let mut doc = ListCRDT::load_from(bytes).expect("a saved op log");
        let agent = doc.get_or_create_agent_id("loader");
        DiamondDoc { doc, agent }
    }
}
