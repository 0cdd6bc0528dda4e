//! The stores: idempotent appends, loading what a version vector lacks, refs, snapshots, and
//! the file store's behaviour on torn tails, damage, locking and crashes.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use bandpro_crdt::{
    Change, ChangeParts, Document, Error, FileStore, MemoryStore, ObjRef, Op, OpAction, OpValue, Personal,
    ROOT, ReplicaId, Store, VersionVector,
};

/// The `i`-th change of a deterministic chain by one replica.
fn chain(n: usize) -> Vec<Change> {
    let mut out: Vec<Change> = Vec::with_capacity(n);
    for i in 0..n {
        let deps = out.last().map(|c| vec![c.hash()]).unwrap_or_default();
        let op = Op {
            obj: ObjRef::Root,
            action: OpAction::Put {
                key: format!("k{i}"),
                value: OpValue::Scalar((i as i64).into()),
                pred: vec![],
            },
        };
        let c = ChangeParts {
            deps,
            replicas: vec![ReplicaId::from_u128(77)],
            start_op: i as u32 + 1,
            time: i as i64,
            personal: Personal::None,
            ops: vec![op],
        }
        .build()
        .unwrap();
        out.push(c);
    }
    out
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("bandpro-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn exercise(store: &mut dyn Store) {
    let mut a = Document::with_replica(ReplicaId::from_u128(1));
    for i in 0..5 {
        a.transact(|tx| tx.put(&ROOT, "k", i)).unwrap();
    }
    let all: Vec<Change> = a.changes().cloned().collect();
    assert_eq!(store.append(&all[..3]).unwrap(), 3);
    assert_eq!(store.append(&all).unwrap(), 2, "appends are idempotent by hash");
    assert_eq!(store.len(), 5);
    // A replica that has the first two changes needs exactly the other three.
    let mut b = Document::with_replica(ReplicaId::from_u128(2));
    b.apply_changes(all[..2].to_vec()).unwrap();
    let missing = store.load_since(&b.version_vector()).unwrap();
    assert_eq!(missing, all[2..].to_vec());
    b.apply_changes(missing).unwrap();
    assert_eq!(b.hydrate(&ROOT).unwrap(), a.hydrate(&ROOT).unwrap());
    assert!(store.load_since(&a.version_vector()).unwrap().is_empty());

    let h = a.heads();
    assert!(store.compare_and_set_ref("main", None, Some(&h)).unwrap());
    assert!(!store.compare_and_set_ref("main", None, Some(&h)).unwrap(), "expected value is checked");
    assert_eq!(store.get_ref("main").unwrap(), Some(h.clone()));
    assert!(store.compare_and_set_ref("tags/v1", None, Some(&h)).unwrap());
    assert!(store.compare_and_set_ref("tags/v1", Some(&h), None).unwrap());
    assert_eq!(store.refs().unwrap().keys().collect::<Vec<_>>(), vec!["main"]);
    assert!(store.compare_and_set_ref("../escape", None, Some(&h)).is_err());

    store.put_snapshot(b"snap").unwrap();
    assert_eq!(store.get_snapshot().unwrap().as_deref(), Some(&b"snap"[..]));
    store.set_meta("HEAD", "heads/main").unwrap();
    assert_eq!(store.get_meta("HEAD").unwrap().as_deref(), Some("heads/main"));
    assert_eq!(store.get_meta("nothing").unwrap(), None);
}

#[test]
fn memory_store_keeps_the_contract() {
    exercise(&mut MemoryStore::new());
}

#[test]
fn file_store_keeps_the_contract_and_survives_reopening() {
    let dir = tempdir("contract");
    let mut store = FileStore::open(&dir).unwrap();
    exercise(&mut store);
    let before = store.load_all().unwrap();
    drop(store);
    let store = FileStore::open(&dir).unwrap();
    assert_eq!(store.open_report().torn_tail, None);
    assert_eq!(store.load_all().unwrap(), before);
    assert!(store.get_ref("main").unwrap().is_some());
    assert_eq!(store.get_meta("HEAD").unwrap().as_deref(), Some("heads/main"));
    assert_eq!(store.get_snapshot().unwrap().as_deref(), Some(&b"snap"[..]));
}

#[test]
fn a_second_writer_is_refused() {
    let dir = tempdir("lock");
    let _first = FileStore::open(&dir).unwrap();
    assert!(matches!(FileStore::open(&dir), Err(Error::Locked { .. })));
}

#[test]
fn a_torn_tail_is_cut_off_and_reported() {
    let dir = tempdir("torn");
    let changes = chain(3);
    let mut store = FileStore::open(&dir).unwrap();
    store.append(&changes).unwrap();
    drop(store);
    let log = dir.join("changes.log");
    let good_len = std::fs::metadata(&log).unwrap().len();
    // Half of a fourth record: its header claims more bytes than follow.
    let mut f = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    f.write_all(&[200, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9]).unwrap();
    drop(f);
    let store = FileStore::open(&dir).unwrap();
    let torn = store.open_report().torn_tail.clone().expect("the torn tail is reported");
    assert_eq!((torn.offset, torn.dropped_bytes), (good_len, 14));
    assert_eq!(store.load_all().unwrap(), changes);
    assert_eq!(std::fs::metadata(&log).unwrap().len(), good_len);
}

#[test]
fn damage_in_the_middle_is_an_error_naming_the_offset() {
    let dir = tempdir("damage");
    let mut store = FileStore::open(&dir).unwrap();
    store.append(&chain(3)).unwrap();
    drop(store);
    let log = dir.join("changes.log");
    let mut bytes = std::fs::read(&log).unwrap();
    bytes[8 + 12 + 5] ^= 0x40; // inside the first record's payload
    std::fs::write(&log, &bytes).unwrap();
    match FileStore::open(&dir) {
        Err(Error::Corrupt { offset: 8, reason, .. }) => assert!(reason.contains("checksum"), "{reason}"),
        other => panic!("expected Corrupt at offset 8, got {other:?}"),
    }
    // Nothing was cut: the damaged log is left for a human to look at.
    assert_eq!(std::fs::read(&log).unwrap(), bytes);
}

#[test]
fn erasing_personal_data_rewrites_the_log() {
    let dir = tempdir("erase");
    let mut a = Document::with_replica(ReplicaId::from_u128(1));
    a.transact(|tx| {
        tx.set_author("Zelda Zed").set_message("secret plans");
        tx.put(&ROOT, "k", 1)
    })
    .unwrap();
    let mut store = FileStore::open(&dir).unwrap();
    store.append(&a.changes().cloned().collect::<Vec<_>>()).unwrap();
    assert_eq!(store.erase_personal(&mut |c| c.author() == Some("Zelda Zed")).unwrap(), 1);
    drop(store);
    let raw = std::fs::read(dir.join("changes.log")).unwrap();
    assert!(!raw.windows(5).any(|w| w == b"Zelda"), "the name is gone from the disk");
    let store = FileStore::open(&dir).unwrap();
    let c = &store.load_all().unwrap()[0];
    assert_eq!(c.hash(), a.heads()[0], "the hash still verifies");
    assert_eq!(c.author(), None);
}

const CHILD_ENV: &str = "BANDPRO_CRASH_CHILD";

/// The child side of the crash test: appends the deterministic chain from wherever the log
/// ends, acknowledging each append on stdout, until it is killed.
#[test]
fn crash_child_entry() {
    let Ok(dir) = std::env::var(CHILD_ENV) else { return };
    let all = chain(30_000);
    let mut store = FileStore::open(Path::new(&dir)).unwrap();
    let mut next = store.len();
    let mut out = std::io::stdout();
    loop {
        // Sometimes one change, sometimes a batch, so kills land in both.
        let batch = 1 + next % 3;
        store.append(&all[next..next + batch]).unwrap();
        next += batch;
        writeln!(out, "ack {next}").unwrap();
        out.flush().unwrap();
    }
}

/// A child process appends and is killed with SIGKILL at random moments; after every reopen
/// the log holds exactly a prefix of what was written, including every acknowledged change.
/// `BANDPRO_CRASH_RUNS` sets the number of kills (default 60; the long campaign is 1,000+).
#[test]
fn killed_writers_leave_a_prefix_with_every_acknowledged_change() {
    if std::env::var(CHILD_ENV).is_ok() {
        return;
    }
    let runs: usize = std::env::var("BANDPRO_CRASH_RUNS").ok().and_then(|s| s.parse().ok()).unwrap_or(60);
    let seed: u64 = std::env::var("BANDPRO_TEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0xc4a5);
    println!("BANDPRO_TEST_SEED={seed} BANDPRO_CRASH_RUNS={runs}");
    let mut x = seed | 1;
    let dir = tempdir("crash");
    let all = chain(30_000);
    let mut torn = 0;
    for run in 0..runs {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let acks_wanted = 1 + (x % 12) as usize;
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "store::crash_child_entry", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, &dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut acked = 0;
        let mut seen = 0;
        for line in BufReader::new(child.stdout.take().unwrap()).lines() {
            let line = line.unwrap();
            if let Some(n) = line.strip_prefix("ack ") {
                acked = n.trim().parse().unwrap();
                seen += 1;
                if seen == acks_wanted {
                    break;
                }
            }
        }
        child.kill().unwrap();
        child.wait().unwrap();
        let store = FileStore::open(&dir).unwrap();
        torn += usize::from(store.open_report().torn_tail.is_some());
        let stored = store.load_all().unwrap();
        assert!(stored.len() >= acked, "run {run}: {acked} acknowledged but only {} stored", stored.len());
        assert_eq!(stored[..], all[..stored.len()], "run {run}: the log is not a prefix of what was written");
        assert!(store.load_since(&VersionVector::default()).unwrap().len() == stored.len());
    }
    println!("{runs} kills, {torn} torn tails repaired");
}
