//! The repository: a score's whole history in a [`Store`], with branches, tags, checkout, log,
//! merge, revert and time travel, as git has them for code.
//!
//! The store holds every change of every branch; `heads/<name>` and `tags/<name>` refs name
//! versions; the store's `HEAD` setting names the checked-out branch (or a version, detached).
//! Every session that edits (an open or a checkout) edits as a fresh replica, because a
//! replica's changes must form one chain and two branches are two chains.

use bandpro_crdt::{Change, ChangeHash, Document, ObjId, ObjRef, OpAction, ReplicaId, Store};

use crate::edit::ScoreTx;
use crate::error::{Error, Result};
use crate::score::{Edit, Score};

const HEAD: &str = "HEAD";

/// What is checked out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Head {
    /// A branch: new edits move it.
    Branch(String),
    /// A fixed version (a tag or a hash): edits are refused until a branch is checked out.
    Detached(Vec<ChangeHash>),
}

/// One change in the log.
#[derive(Clone, Debug, PartialEq)]
pub struct LogEntry {
    /// The change.
    pub hash: ChangeHash,
    /// The changes it was made on (two or more for a merge).
    pub parents: Vec<ChangeHash>,
    /// Who, if recorded and not erased.
    pub author: Option<String>,
    /// Why.
    pub message: Option<String>,
    /// Wall time, ms since the Unix epoch.
    pub time: i64,
    /// Measures it touched (0-based, as the checked-out score numbers them), where known.
    pub measures: Vec<usize>,
    /// Parts it touched (indices in the checked-out score), where known.
    pub parts: Vec<usize>,
}

/// Which changes `log` lists.
#[derive(Clone, Debug, Default)]
pub struct LogFilter {
    /// Only changes that touched this part (index in the checked-out score).
    pub part: Option<usize>,
    /// Only changes that touched one of these measures.
    pub measures: Option<std::ops::Range<usize>>,
    /// At most this many entries.
    pub limit: Option<usize>,
}

/// A score repository.
pub struct Repository {
    store: Box<dyn Store + Send>,
    pub(crate) full: Document,
    work: Score,
    head: Head,
}

impl std::fmt::Debug for Repository {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Repository")
            .field("head", &self.head)
            .field("changes", &self.full.change_count())
            .finish()
    }
}

fn branch_ref(name: &str) -> String {
    format!("heads/{name}")
}

fn tag_ref(name: &str) -> String {
    format!("tags/{name}")
}

impl Repository {
    /// Creates a repository with an empty score on branch `main` in an empty store.
    pub fn init(mut store: Box<dyn Store + Send>) -> Result<Repository> {
        if !store.is_empty() {
            return Err(Error::NotAScore {
                what: "the store already holds a repository".into(),
                obj: ObjId::Root,
            });
        }
        let score = Score::new(ReplicaId::random())?;
        let changes: Vec<Change> = score.document().changes().cloned().collect();
        store.append(&changes)?;
        store.compare_and_set_ref(&branch_ref("main"), None, Some(&score.heads()))?;
        store.set_meta(HEAD, &branch_ref("main"))?;
        Self::open(store)
    }

    /// Opens the repository in `store` at its checked-out branch or version.
    pub fn open(store: Box<dyn Store + Send>) -> Result<Repository> {
        let mut store = store;
        // The checked-out score starts as a copy of this one (shared until edited), so it keeps
        // what each change overwrote: checkouts then move it instead of replaying the log.
        let fresh = || {
            let mut d = Document::with_replica(ReplicaId::random());
            d.enable_rewind();
            d
        };
        let mut full = fresh();
        if let Err(e) = full.load_log(store.load_all()?) {
            // A store filled out of order (deps after the changes that need them) still
            // opens, through the buffering path.
            if !matches!(e, bandpro_crdt::Error::MissingDependencies { .. }) {
                return Err(e.into());
            }
            full = fresh();
            full.apply_changes(store.load_all()?)?;
            if !full.pending_changes().is_empty() {
                return Err(Error::NotAScore {
                    what: "the store holds changes whose deps are missing".into(),
                    obj: ObjId::Root,
                });
            }
        }
        // Finish an erasure that was recorded but not yet carried out in the store.
        if full.erased().next().is_some() {
            store.erase_personal(&mut |c| full.is_erased(&c.hash()))?;
        }
        let head = match store.get_meta(HEAD)? {
            Some(r) if r.starts_with("heads/") => Head::Branch(r["heads/".len()..].to_owned()),
            Some(hex) => Head::Detached(parse_hashes(&hex)?),
            None => Head::Branch("main".into()),
        };
        let heads = match &head {
            Head::Branch(b) => {
                store.get_ref(&branch_ref(b))?.ok_or_else(|| Error::NoSuchRevision(b.clone()))?
            }
            Head::Detached(h) => h.clone(),
        };
        let mut work = Score::from_document(full.fork_as(ReplicaId::random()))?;
        let mut wanted = heads.clone();
        wanted.sort();
        if wanted != full.heads() {
            work.checkout_from(&full, &heads, ReplicaId::random())?;
        }
        Ok(Repository { store, full, work, head })
    }

    /// The checked-out score.
    pub fn score(&self) -> &Score {
        &self.work
    }

    /// What is checked out.
    pub fn head(&self) -> &Head {
        &self.head
    }

    /// The checked-out version.
    pub fn heads(&self) -> Vec<ChangeHash> {
        self.work.heads()
    }

    /// Every change of every branch.
    pub fn document(&self) -> &Document {
        &self.full
    }

    /// Edits the checked-out branch: `f`'s edits become one change, committed and durable when
    /// this returns.
    pub fn edit<T>(
        &mut self,
        author: &str,
        message: &str,
        f: impl FnOnce(&mut ScoreTx<'_>) -> Result<T>,
    ) -> Result<(T, Edit)> {
        let before = self.check_branch()?;
        let (value, edit) = self.work.edit(author, message, f)?;
        self.persist(&before)?;
        Ok((value, edit))
    }

    /// Commits a whole score read from a file to the checked-out branch as the smallest set of
    /// edits against the current version (see [`Score::import_file`]): one change, durable
    /// when this returns; none if the file changes nothing.
    pub fn import_file(
        &mut self,
        author: &str,
        message: &str,
        file: &dyn bandpro_music::ScoreView,
        metadata: &bandpro_music::formats::Metadata,
    ) -> Result<(crate::align::ImportStats, Edit)> {
        let before = self.check_branch()?;
        let out = self.work.import_file(author, message, file, metadata)?;
        self.persist(&before)?;
        Ok(out)
    }

    /// Undoes `author`'s last edit in this session.
    pub fn undo(&mut self, author: &str) -> Result<Edit> {
        let before = self.check_branch()?;
        let edit = self.work.undo(author)?;
        self.persist(&before)?;
        Ok(edit)
    }

    /// Reverts a change (any author's) with a new change on the checked-out branch.
    pub fn revert(&mut self, hash: &ChangeHash, author: &str) -> Result<Edit> {
        let before = self.check_branch()?;
        if !self.work.document().has_change(hash) {
            return Err(Error::NoSuchRevision(hash.to_hex()));
        }
        let edit = self.work.revert_as(author, hash, "revert")?;
        self.persist(&before)?;
        Ok(edit)
    }

    fn check_branch(&self) -> Result<Vec<ChangeHash>> {
        match &self.head {
            Head::Branch(_) => Ok(self.work.heads()),
            Head::Detached(_) => Err(Error::Detached),
        }
    }

    /// Stores the changes made since `before` and moves the branch.
    fn persist(&mut self, before: &[ChangeHash]) -> Result<()> {
        let new: Vec<Change> = self.work.document().changes_since(before).into_iter().cloned().collect();
        if new.is_empty() {
            return Ok(());
        }
        self.store.append(&new)?;
        self.full.apply_changes(new)?;
        if let Head::Branch(b) = &self.head {
            let name = branch_ref(b);
            let current = self.store.get_ref(&name)?;
            self.store.compare_and_set_ref(&name, current.as_deref(), Some(&self.work.heads()))?;
        }
        Ok(())
    }

    /// Creates branch `name` at the checked-out version.
    pub fn branch(&mut self, name: &str) -> Result<()> {
        if !self.store.compare_and_set_ref(&branch_ref(name), None, Some(&self.work.heads()))? {
            return Err(Error::AlreadyExists(name.to_owned()));
        }
        Ok(())
    }

    /// Tags the checked-out version as `name`.
    pub fn tag(&mut self, name: &str) -> Result<()> {
        if !self.store.compare_and_set_ref(&tag_ref(name), None, Some(&self.work.heads()))? {
            return Err(Error::AlreadyExists(name.to_owned()));
        }
        Ok(())
    }

    /// Branch names and their versions.
    pub fn branches(&self) -> Result<Vec<(String, Vec<ChangeHash>)>> {
        self.refs_under("heads/")
    }

    /// Tag names and their versions.
    pub fn tags(&self) -> Result<Vec<(String, Vec<ChangeHash>)>> {
        self.refs_under("tags/")
    }

    fn refs_under(&self, prefix: &str) -> Result<Vec<(String, Vec<ChangeHash>)>> {
        Ok(self
            .store
            .refs()?
            .into_iter()
            .filter_map(|(k, v)| k.strip_prefix(prefix).map(|n| (n.to_owned(), v)))
            .collect())
    }

    /// The version a revision names: a branch, a tag, `HEAD`, or a (prefix of a) change hash.
    pub fn resolve(&self, rev: &str) -> Result<Vec<ChangeHash>> {
        if rev == HEAD {
            return Ok(self.work.heads());
        }
        if let Some(h) = self.store.get_ref(&branch_ref(rev))? {
            return Ok(h);
        }
        if let Some(h) = self.store.get_ref(&tag_ref(rev))? {
            return Ok(h);
        }
        let lower = rev.to_ascii_lowercase();
        if lower.len() >= 4 && lower.chars().all(|c| c.is_ascii_hexdigit()) {
            let found: Vec<ChangeHash> =
                self.full.change_hashes().filter(|h| h.to_hex().starts_with(&lower)).collect();
            return match found.as_slice() {
                [one] => Ok(vec![*one]),
                [] => Err(Error::NoSuchRevision(rev.to_owned())),
                _ => Err(Error::AmbiguousRevision(rev.to_owned())),
            };
        }
        Err(Error::NoSuchRevision(rev.to_owned()))
    }

    /// Checks out a branch (edits move it), or a tag or hash (detached).
    pub fn checkout(&mut self, rev: &str) -> Result<()> {
        let heads = self.resolve(rev)?;
        let head = if self.store.get_ref(&branch_ref(rev))?.is_some() {
            Head::Branch(rev.to_owned())
        } else {
            Head::Detached(heads.clone())
        };
        // In place: only the changes between the two versions are taken back or applied.
        self.work.checkout_from(&self.full, &heads, ReplicaId::random())?;
        let setting = match &head {
            Head::Branch(b) => branch_ref(b),
            Head::Detached(h) => h.iter().map(ChangeHash::to_hex).collect::<Vec<_>>().join(","),
        };
        self.store.set_meta(HEAD, &setting)?;
        self.head = head;
        Ok(())
    }

    /// The score at any version (time travel), without checking it out.
    pub fn score_at(&self, version: &[ChangeHash]) -> Result<Score> {
        // A copy of the checked-out score moved there costs the distance between the two
        // versions, where replaying the log costs the whole history.
        let mut score = self.work.clone();
        score.checkout_from(&self.full, version, ReplicaId::random())?;
        Ok(score)
    }

    /// Merges `rev` into the checked-out branch: all changes of both, plus a merge change that
    /// records `message`. Never fails for musical reasons; see [`Repository::forecast`] for
    /// what the merge will do.
    pub fn merge(&mut self, rev: &str, author: &str, message: &str) -> Result<Edit> {
        let before = self.check_branch()?;
        let theirs = self.resolve(rev)?;
        let missing: Vec<Change> =
            self.full.changes_between(&theirs, &before)?.into_iter().cloned().collect();
        let mut changes = self.work.apply_changes(missing)?;
        let commit = {
            let mut tx = self.work.doc_mut().transaction();
            tx.set_author(author).set_message(message);
            tx.commit_always()
        };
        changes.extend(self.work.absorb(&commit.patches)?);
        self.persist(&before)?;
        Ok(Edit { hash: commit.hash, changes })
    }

    /// What merging `rev` into the checked-out version will do; see [`crate::forecast`].
    pub fn forecast(&self, rev: &str) -> Result<crate::forecast::Forecast> {
        let theirs = self.score_at(&self.resolve(rev)?)?;
        crate::forecast::forecast(&self.work, &theirs)
    }

    /// The log of the checked-out version, newest first.
    pub fn log(&self, filter: &LogFilter) -> Result<Vec<LogEntry>> {
        let doc = self.work.document();
        let mut out = Vec::new();
        let all: Vec<&Change> = doc.changes().collect();
        for c in all.into_iter().rev() {
            let (measures, parts) = self.touched(c);
            if let Some(p) = filter.part
                && !parts.contains(&p)
            {
                continue;
            }
            if let Some(r) = &filter.measures
                && !measures.iter().any(|m| r.contains(m))
            {
                continue;
            }
            out.push(LogEntry {
                hash: c.hash(),
                parents: c.deps().to_vec(),
                author: c.author().map(str::to_owned),
                message: c.message().map(str::to_owned),
                time: c.time(),
                measures,
                parts,
            });
            if filter.limit.is_some_and(|l| out.len() >= l) {
                break;
            }
        }
        Ok(out)
    }

    /// The objects a change's ops address or create.
    pub(crate) fn objects_of(c: &Change) -> Vec<ObjId> {
        Self::touches(c).into_iter().map(|(obj, _)| obj).collect()
    }

    /// The objects a change's ops address, create or delete, each with the counter (Lamport
    /// time) of the op that touched it.
    pub(crate) fn touches(c: &Change) -> Vec<(ObjId, u32)> {
        let ext = |r: bandpro_crdt::RefId| ObjId::Id {
            replica: c.replicas()[r.replica as usize],
            counter: r.counter,
        };
        let mut out = Vec::new();
        let mut counter = c.start_op();
        for op in c.ops() {
            if let ObjRef::Id(r) = op.obj {
                out.push((ext(r), counter));
            }
            match &op.action {
                // An insert or a put creates an object named by its own id.
                OpAction::Insert { .. } | OpAction::Put { .. } => {
                    out.push((ObjId::Id { replica: c.replica(), counter }, counter));
                }
                OpAction::Delete { target, .. } | OpAction::Restore { target, .. } => {
                    out.push((ext(*target), counter))
                }
                _ => {}
            }
            counter += op.width() as u32;
        }
        out
    }

    /// The measures and parts (of the checked-out score) a change touched.
    pub(crate) fn touched(&self, c: &Change) -> (Vec<usize>, Vec<usize>) {
        let mut measures = Vec::new();
        let mut parts = Vec::new();
        for obj in Self::objects_of(c) {
            if let Some((part, measure)) = self.work.place_of(&obj) {
                measures.push(measure);
                parts.extend(part);
            }
        }
        measures.sort_unstable();
        measures.dedup();
        parts.sort_unstable();
        parts.dedup();
        (measures, parts)
    }

    /// A repository setting kept in the store beside the refs (the `bandpro` command line keeps
    /// the path of the score file it tracks under `file`), or `None` if it is not set.
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self.store.get_meta(key)?)
    }

    /// Sets a repository setting, durably. `HEAD` is the repository's own (what is checked
    /// out) and is refused with [`Error::Reserved`].
    ///
    /// ```
    /// use bandpro_core::{Error, Repository};
    /// use bandpro_crdt::MemoryStore;
    ///
    /// let mut repo = Repository::init(Box::new(MemoryStore::new())).unwrap();
    /// repo.set_meta("file", "score.musicxml").unwrap();
    /// assert_eq!(repo.meta("file").unwrap().as_deref(), Some("score.musicxml"));
    /// assert_eq!(repo.set_meta("HEAD", "x"), Err(Error::Reserved("HEAD".into())));
    /// ```
    pub fn set_meta(&mut self, key: &str, value: &str) -> Result<()> {
        if key == HEAD {
            return Err(Error::Reserved(key.to_owned()));
        }
        Ok(self.store.set_meta(key, value)?)
    }

    /// Erases an author's personal data (name and messages) from the whole history, keeping
    /// every hash valid, and records the erasure as a change on the checked-out branch so that
    /// every replica it reaches drops the same data and none sends it back (see
    /// `bandpro_crdt::ERASURE_KEY_PREFIX`). Returns how many stored changes were erased.
    pub fn erase_author(&mut self, author: &str) -> Result<usize> {
        let before = self.check_branch()?;
        let hashes: Vec<ChangeHash> =
            self.full.changes().filter(|c| c.author() == Some(author)).map(|c| c.hash()).collect();
        if hashes.is_empty() {
            return Ok(0);
        }
        self.work.erase_changes(&hashes)?;
        // The record is durable before the fields go, so a crash in between leaves a record
        // that `open` completes.
        self.persist(&before)?;
        let full = &self.full;
        Ok(self.store.erase_personal(&mut |c| full.is_erased(&c.hash()))?)
    }
}

fn parse_hashes(s: &str) -> Result<Vec<ChangeHash>> {
    s.split(',')
        .filter(|x| !x.is_empty())
        .map(|h| ChangeHash::from_hex(h).ok_or_else(|| Error::NoSuchRevision(h.to_owned())))
        .collect()
}
