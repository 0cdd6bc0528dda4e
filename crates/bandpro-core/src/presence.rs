//! Presence: who is editing which part and measures right now, so an app can warn before two
//! people clash. Presence is ephemeral: it is never part of the score's history; apps send it
//! beside sync messages and let it expire.

use std::collections::BTreeMap;
use std::ops::Range;

use crate::error::{Error, Result};

/// Where one user is working.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PresenceEntry {
    /// Who.
    pub user: String,
    /// The part (its stable key, see [`crate::Score::part_key`]), or `None` for the whole score.
    pub part: Option<String>,
    /// The measures (0-based, end exclusive).
    pub measures: Range<usize>,
    /// When this was last reported, in ms since the Unix epoch (the app's clock).
    pub updated_ms: i64,
}

/// Two users working on the same place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clash {
    /// The other user.
    pub other: String,
    /// The part both work on (`None`: one of them works on the whole score).
    pub part: Option<String>,
    /// The measures both work on.
    pub measures: Range<usize>,
}

/// The presence of everyone in one session.
#[derive(Clone, Debug, Default)]
pub struct Presence {
    entries: BTreeMap<String, PresenceEntry>,
}

impl Presence {
    /// Nobody present.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records where a user is (replacing what they said before, unless it is older).
    pub fn update(&mut self, entry: PresenceEntry) {
        match self.entries.get(&entry.user) {
            Some(old) if old.updated_ms > entry.updated_ms => {}
            _ => {
                self.entries.insert(entry.user.clone(), entry);
            }
        }
    }

    /// A user left.
    pub fn remove(&mut self, user: &str) {
        self.entries.remove(user);
    }

    /// Forgets everyone not heard from since `cutoff_ms`.
    pub fn expire(&mut self, cutoff_ms: i64) {
        self.entries.retain(|_, e| e.updated_ms >= cutoff_ms);
    }

    /// Everyone present.
    pub fn entries(&self) -> impl Iterator<Item = &PresenceEntry> {
        self.entries.values()
    }

    /// Where others work on what `user` works on.
    pub fn clashes(&self, user: &str) -> Vec<Clash> {
        let Some(me) = self.entries.get(user) else { return Vec::new() };
        self.entries
            .values()
            .filter(|o| o.user != user)
            .filter_map(|o| {
                let part = match (&me.part, &o.part) {
                    (Some(a), Some(b)) if a != b => return None,
                    (Some(a), _) | (None, Some(a)) => Some(a.clone()),
                    (None, None) => None,
                };
                let start = me.measures.start.max(o.measures.start);
                let end = me.measures.end.min(o.measures.end);
                (start < end).then(|| Clash { other: o.user.clone(), part, measures: start..end })
            })
            .collect()
    }

    /// Encodes one entry for the wire: tab-separated `user part start end time`.
    pub fn encode(entry: &PresenceEntry) -> String {
        let clean = |s: &str| s.replace(['\t', '\n'], " ");
        format!(
            "{}\t{}\t{}\t{}\t{}",
            clean(&entry.user),
            entry.part.as_deref().map(clean).unwrap_or_default(),
            entry.measures.start,
            entry.measures.end,
            entry.updated_ms
        )
    }

    /// Decodes [`Presence::encode`]'s form; anything else is an error.
    pub fn decode(s: &str) -> Result<PresenceEntry> {
        let bad = || Error::NotAScore { what: format!("presence {s:?}"), obj: bandpro_crdt::ObjId::Root };
        let f: Vec<&str> = s.split('\t').collect();
        if f.len() != 5 || f[0].is_empty() || s.len() > 4096 {
            return Err(bad());
        }
        let start: usize = f[2].parse().map_err(|_| bad())?;
        let end: usize = f[3].parse().map_err(|_| bad())?;
        if start > end {
            return Err(bad());
        }
        Ok(PresenceEntry {
            user: f[0].to_owned(),
            part: (!f[1].is_empty()).then(|| f[1].to_owned()),
            measures: start..end,
            updated_ms: f[4].parse().map_err(|_| bad())?,
        })
    }
}
