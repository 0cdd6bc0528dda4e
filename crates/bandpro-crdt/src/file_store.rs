//! A crash-safe store in a folder, using `std::fs` only.
//!
//! Layout of the folder:
//! - `LOCK`: held with an exclusive OS lock while the store is open, so a second writer gets
//!   [`Error::Locked`]; the OS drops the lock when the process dies, so a crash never leaves the
//!   store locked.
//! - `changes.log`: an 8-byte header (`BPLOG`, two zero bytes, version 1), then records of
//!   `payload length (u32 LE) | first 8 bytes of blake3(payload) | payload`, the payload being
//!   one encoded change. An append is acknowledged only after `fsync`.
//! - `snapshot.bin`, `refs` and `meta`: replaced whole by writing a temporary file, syncing it, and
//!   renaming it over the old one, so a reader sees the old or the new file, never a mix.
//!
//! On open, a half-written last record (a crash during an append) is cut off and reported in
//! [`OpenReport`]; damage anywhere else is an [`Error::Corrupt`] naming the offset, and nothing
//! is skipped silently.

use std::collections::{BTreeMap, HashMap};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::change::Change;
use crate::error::Error;
use crate::graph::VersionVector;
use crate::id::ChangeHash;
use crate::store::{Store, cas_refs, check_ref_name, erase_in, lacks};

const LOG_HEADER: &[u8; 8] = b"BPLOG\0\0\x01";
const RECORD_HEADER: usize = 12;
/// The largest record the log accepts; a longer length prefix is damage, not a change.
pub const MAX_RECORD_BYTES: usize = 256 << 20;

/// What opening a store found and repaired.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OpenReport {
    /// A torn last record that was cut off, if there was one.
    pub torn_tail: Option<TornTail>,
}

/// A half-written record at the end of the log, removed on open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TornTail {
    /// Where the record started (the log's new length).
    pub offset: u64,
    /// How many bytes were cut off.
    pub dropped_bytes: u64,
}

/// A store in a folder; see the module docs.
#[derive(Debug)]
pub struct FileStore {
    dir: PathBuf,
    _lock: File,
    log: File,
    log_len: u64,
    changes: Vec<Change>,
    index: HashMap<ChangeHash, usize>,
    refs: BTreeMap<String, Vec<ChangeHash>>,
    meta: BTreeMap<String, String>,
    report: OpenReport,
}

fn checksum(payload: &[u8]) -> [u8; 8] {
    let mut c = [0u8; 8];
    c.copy_from_slice(&blake3::hash(payload).as_bytes()[..8]);
    c
}

fn sync_dir(dir: &Path) -> Result<(), Error> {
    // Makes a rename durable. Directories cannot be opened for syncing on every platform.
    if cfg!(unix) {
        File::open(dir).and_then(|d| d.sync_all()).map_err(|e| Error::io("sync folder", dir, e))?;
    }
    Ok(())
}

fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), Error> {
    let path = dir.join(name);
    let tmp = dir.join(format!("{name}.tmp"));
    let mut f = File::create(&tmp).map_err(|e| Error::io("create", &tmp, e))?;
    f.write_all(bytes).map_err(|e| Error::io("write", &tmp, e))?;
    f.sync_all().map_err(|e| Error::io("sync", &tmp, e))?;
    std::fs::rename(&tmp, &path).map_err(|e| Error::io("rename", &path, e))?;
    sync_dir(dir)
}

impl FileStore {
    /// Opens (or creates) the store in `dir`, recovering from a crash during an append.
    pub fn open(dir: impl AsRef<Path>) -> Result<FileStore, Error> {
        let dir = dir.as_ref().to_path_buf();
        std::fs::create_dir_all(&dir).map_err(|e| Error::io("create folder", &dir, e))?;
        let lock_path = dir.join("LOCK");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| Error::io("open", &lock_path, e))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(Error::Locked { path: dir.display().to_string() });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(Error::io("lock", &lock_path, e)),
        }
        let log_path = dir.join("changes.log");
        let mut log = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&log_path)
            .map_err(|e| Error::io("open", &log_path, e))?;
        let mut bytes = Vec::new();
        log.read_to_end(&mut bytes).map_err(|e| Error::io("read", &log_path, e))?;
        if bytes.is_empty() {
            log.write_all(LOG_HEADER).map_err(|e| Error::io("write", &log_path, e))?;
            log.sync_all().map_err(|e| Error::io("sync", &log_path, e))?;
            sync_dir(&dir)?;
            bytes.extend_from_slice(LOG_HEADER);
        }
        let (changes, valid_len) = parse_log(&bytes, &log_path)?;
        let mut report = OpenReport::default();
        if valid_len < bytes.len() as u64 {
            log.set_len(valid_len).map_err(|e| Error::io("truncate", &log_path, e))?;
            log.sync_all().map_err(|e| Error::io("sync", &log_path, e))?;
            report.torn_tail =
                Some(TornTail { offset: valid_len, dropped_bytes: bytes.len() as u64 - valid_len });
        }
        let index = changes.iter().enumerate().map(|(i, c)| (c.hash(), i)).collect();
        let refs = read_refs(&dir)?;
        let meta = read_meta(&dir)?;
        Ok(FileStore { dir, _lock: lock, log, log_len: valid_len, changes, index, refs, meta, report })
    }

    /// What opening found and repaired.
    pub fn open_report(&self) -> &OpenReport {
        &self.report
    }

    /// The store's folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn log_path(&self) -> PathBuf {
        self.dir.join("changes.log")
    }
}

/// Parses the log: the valid changes and the length of the valid prefix.
fn parse_log(bytes: &[u8], path: &Path) -> Result<(Vec<Change>, u64), Error> {
    let corrupt = |offset: usize, reason: String| Error::Corrupt {
        path: path.display().to_string(),
        offset: offset as u64,
        reason,
    };
    if bytes.len() < LOG_HEADER.len() {
        // A crash while the header itself was written: nothing was ever acknowledged.
        if LOG_HEADER.starts_with(bytes) {
            return Ok((Vec::new(), 0));
        }
        return Err(corrupt(0, "not a BandPro change log".into()));
    }
    if &bytes[..8] != LOG_HEADER {
        return Err(corrupt(0, "not a BandPro change log (bad header)".into()));
    }
    let mut pos = LOG_HEADER.len();
    let mut changes = Vec::new();
    while pos < bytes.len() {
        let rest = bytes.len() - pos;
        if rest < RECORD_HEADER {
            return Ok((changes, pos as u64));
        }
        let len = u32::from_le_bytes(bytes[pos..pos + 4].try_into().expect("4 bytes")) as usize;
        if len > MAX_RECORD_BYTES || len > rest - RECORD_HEADER {
            // A length that runs past the end: the last append was cut short.
            return Ok((changes, pos as u64));
        }
        let end = pos + RECORD_HEADER + len;
        let payload = &bytes[pos + RECORD_HEADER..end];
        if checksum(payload) != bytes[pos + 4..pos + RECORD_HEADER] {
            if end == bytes.len() {
                return Ok((changes, pos as u64));
            }
            return Err(corrupt(pos, "record checksum does not match".into()));
        }
        let change = Change::decode(payload)
            .map_err(|e| corrupt(pos, format!("record is not a valid change: {e}")))?;
        changes.push(change);
        pos = end;
    }
    Ok((changes, pos as u64))
}

fn read_refs(dir: &Path) -> Result<BTreeMap<String, Vec<ChangeHash>>, Error> {
    let path = dir.join("refs");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => return Err(Error::io("read", &path, e)),
    };
    let mut refs = BTreeMap::new();
    let mut offset = 0u64;
    for line in text.lines() {
        let bad = || Error::Corrupt {
            path: path.display().to_string(),
            offset,
            reason: format!("bad ref line {line:?}"),
        };
        let (name, hashes) = line.split_once(' ').ok_or_else(bad)?;
        let hashes: Vec<ChangeHash> = if hashes.is_empty() {
            Vec::new()
        } else {
            hashes.split(',').map(ChangeHash::from_hex).collect::<Option<_>>().ok_or_else(bad)?
        };
        refs.insert(name.to_owned(), hashes);
        offset += line.len() as u64 + 1;
    }
    Ok(refs)
}

fn read_meta(dir: &Path) -> Result<BTreeMap<String, String>, Error> {
    let path = dir.join("meta");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => return Err(Error::io("read", &path, e)),
    };
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            line.split_once(' ').map(|(k, v)| (k.to_owned(), v.to_owned())).ok_or_else(|| Error::Corrupt {
                path: path.display().to_string(),
                offset: i as u64,
                reason: format!("bad meta line {line:?}"),
            })
        })
        .collect()
}

fn encode_record(out: &mut Vec<u8>, payload: &[u8]) {
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&checksum(payload));
    out.extend_from_slice(payload);
}

impl Store for FileStore {
    fn append(&mut self, changes: &[Change]) -> Result<usize, Error> {
        let mut buf = Vec::new();
        let mut new = Vec::new();
        for c in changes {
            if self.index.contains_key(&c.hash()) || new.iter().any(|n: &Change| n.hash() == c.hash()) {
                continue;
            }
            let payload = c.encode();
            if payload.len() > MAX_RECORD_BYTES {
                return Err(Error::TooLarge { what: "change", size: payload.len(), limit: MAX_RECORD_BYTES });
            }
            encode_record(&mut buf, &payload);
            new.push(c.clone());
        }
        if new.is_empty() {
            return Ok(0);
        }
        let path = self.log_path();
        let written = self
            .log
            .seek(SeekFrom::Start(self.log_len))
            .and_then(|_| self.log.write_all(&buf))
            .and_then(|_| self.log.sync_data());
        if let Err(e) = written {
            // Leave no partial record behind for the next append to follow.
            let _ = self.log.set_len(self.log_len);
            return Err(Error::io("append to", &path, e));
        }
        self.log_len += buf.len() as u64;
        let n = new.len();
        for c in new {
            self.index.insert(c.hash(), self.changes.len());
            self.changes.push(c);
        }
        Ok(n)
    }

    fn load_since(&self, have: &VersionVector) -> Result<Vec<Change>, Error> {
        Ok(self.changes.iter().filter(|c| lacks(have, c)).cloned().collect())
    }

    fn len(&self) -> usize {
        self.changes.len()
    }

    fn put_snapshot(&mut self, bytes: &[u8]) -> Result<(), Error> {
        write_atomically(&self.dir, "snapshot.bin", bytes)
    }

    fn get_snapshot(&self) -> Result<Option<Vec<u8>>, Error> {
        let path = self.dir.join("snapshot.bin");
        match std::fs::read(&path) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io("read", &path, e)),
        }
    }

    fn get_ref(&self, name: &str) -> Result<Option<Vec<ChangeHash>>, Error> {
        Ok(self.refs.get(name).cloned())
    }

    fn refs(&self) -> Result<BTreeMap<String, Vec<ChangeHash>>, Error> {
        Ok(self.refs.clone())
    }

    fn compare_and_set_ref(
        &mut self,
        name: &str,
        expected: Option<&[ChangeHash]>,
        new: Option<&[ChangeHash]>,
    ) -> Result<bool, Error> {
        // The folder lock makes this process the only writer, so the in-memory refs are the
        // truth and compare-and-set is a plain comparison.
        let Some(refs) = cas_refs(&self.refs, name, expected, new)? else { return Ok(false) };
        let mut text = String::new();
        for (n, hashes) in &refs {
            let hs: Vec<String> = hashes.iter().map(ChangeHash::to_hex).collect();
            text.push_str(&format!("{n} {}\n", hs.join(",")));
        }
        write_atomically(&self.dir, "refs", text.as_bytes())?;
        self.refs = refs;
        Ok(true)
    }

    fn get_meta(&self, key: &str) -> Result<Option<String>, Error> {
        Ok(self.meta.get(key).cloned())
    }

    fn set_meta(&mut self, key: &str, value: &str) -> Result<(), Error> {
        check_ref_name(key)?;
        if value.contains('\n') {
            return Err(Error::Decode { what: "meta value", offset: 0, reason: "contains a newline".into() });
        }
        let mut meta = self.meta.clone();
        meta.insert(key.to_owned(), value.to_owned());
        let text: String = meta.iter().map(|(k, v)| format!("{k} {v}\n")).collect();
        write_atomically(&self.dir, "meta", text.as_bytes())?;
        self.meta = meta;
        Ok(())
    }

    fn erase_personal(&mut self, erase: &mut dyn FnMut(&Change) -> bool) -> Result<usize, Error> {
        let mut changes = self.changes.clone();
        let n = erase_in(&mut changes, erase);
        if n == 0 {
            return Ok(0);
        }
        let mut buf = LOG_HEADER.to_vec();
        for c in &changes {
            encode_record(&mut buf, &c.encode());
        }
        // The snapshot carries the changes' bytes, fields and all: it goes first, so that no
        // crash leaves it behind a log that no longer has them.
        let snap = self.dir.join("snapshot.bin");
        match std::fs::remove_file(&snap) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io("remove", &snap, e)),
        }
        write_atomically(&self.dir, "changes.log", &buf)?;
        let path = self.log_path();
        self.log =
            OpenOptions::new().read(true).write(true).open(&path).map_err(|e| Error::io("open", &path, e))?;
        self.log_len = buf.len() as u64;
        self.changes = changes;
        Ok(n)
    }
}
