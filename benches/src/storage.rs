//! Durability and sync of BandPro's engine (issue 4): saved size, save and load times and
//! snapshots of the documents the traces and score-like build, and bytes sent by the sync
//! protocol for concurrent-merge and for one edit between replicas in sync. BandPro only: these
//! metrics are added to bandpro's rows of the existing workloads, and `sync-one-edit` is new.

use bandpro_crdt::{Document, ObjId, ROOT, ReplicaId, SyncState};

use crate::engines::bandpro::Bandpro;
use crate::trace::Trace;
use crate::workload::{self, ListEngine, MergeSize, SEED, ScoreEngine, ScoreSize, XorShift, median_ns};

/// Timed repetitions of save and load inside one run, of which the median is reported.
pub const ITERS: usize = 3;

fn root_object(doc: &Document, key: &str) -> Result<ObjId, String> {
    doc.get(&ROOT, key)
        .map_err(|e| e.to_string())?
        .and_then(|v| v.as_object())
        .ok_or_else(|| format!("no object at root key {key:?}"))
}

/// `bytes`, `save_ns`, `load_ns` (load and read everything back with `read`), `snapshot_bytes`,
/// `snapshot_ns`, `snapshot_load_ns`; `read` must give the same content from the original
/// document, the loaded one and the one opened from the snapshot.
fn doc_metrics<T: PartialEq>(
    doc: &Document,
    read: impl Fn(&Document) -> Result<T, String>,
) -> Result<Vec<(String, f64)>, String> {
    let want = read(doc)?;
    let (save_ns, saved) = median_ns(ITERS, || doc.save());
    let (load_ns, loaded) = median_ns(ITERS, || {
        let d = Document::load(&saved).map_err(|e| format!("load: {e}"))?;
        read(&d)
    });
    if loaded? != want {
        return Err("the loaded document differs from the saved one".into());
    }
    let (snapshot_ns, snap) = median_ns(ITERS, || doc.snapshot());
    let (snapshot_load_ns, opened) = median_ns(ITERS, || {
        let d =
            Document::from_snapshot(&snap, ReplicaId::from_u128(77)).map_err(|e| format!("snapshot: {e}"))?;
        read(&d)
    });
    if opened? != want {
        return Err("the document opened from the snapshot differs".into());
    }
    Ok(vec![
        ("bytes".into(), saved.len() as f64),
        ("save_ns".into(), save_ns),
        ("load_ns".into(), load_ns),
        ("snapshot_bytes".into(), snap.len() as f64),
        ("snapshot_ns".into(), snapshot_ns),
        ("snapshot_load_ns".into(), snapshot_load_ns),
    ])
}

/// Replays a sequential trace on bandpro and measures saving and loading the result.
pub fn trace_storage(trace: &Trace) -> Result<(workload::Measured, Vec<(String, f64)>), String> {
    let (b, m) = workload::sequential_trace_doc::<Bandpro>(trace)?;
    let metrics = doc_metrics(&b.doc, |d| {
        let text = root_object(d, "text")?;
        d.text(&text).map_err(|e| e.to_string())
    })?;
    Ok((m, metrics))
}

/// Runs score-like on bandpro and measures saving and loading the result (every pitch read back).
pub fn score_storage(size: ScoreSize) -> Result<(workload::Measured, Vec<(String, f64)>), String> {
    let (b, m) = workload::score_like_doc::<Bandpro>(size)?;
    let model = workload::score_like_model(size);
    let metrics = doc_metrics(&b.doc, |d| {
        let obj = root_object(d, "notes")?;
        let pitches = d
            .list(&obj)
            .map_err(|e| e.to_string())?
            .iter()
            .map(|n| {
                let m = n.as_object().ok_or("a note that is not a map")?;
                d.get(&m, "pitch").ok().flatten().and_then(|v| v.as_int()).ok_or("a note without a pitch")
            })
            .collect::<Result<Vec<i64>, &str>>()?;
        if pitches != model {
            return Err("pitches read back differ from the model".into());
        }
        Ok(pitches)
    })?;
    Ok((m, metrics))
}

/// Syncs two documents with their sync states until neither has anything to say; returns the
/// bytes sent `(a to b, b to a, messages)`.
pub fn sync_until_quiet(
    a: &mut Document,
    sa: &mut SyncState,
    b: &mut Document,
    sb: &mut SyncState,
) -> Result<(usize, usize, usize), String> {
    let (mut ab, mut ba, mut messages) = (0, 0, 0);
    for _ in 0..10_000 {
        let m1 = sa.generate_message(a);
        if let Some(m) = &m1 {
            ab += m.len();
            messages += 1;
            sb.receive_message(b, m).map_err(|e| format!("b receiving: {e}"))?;
        }
        let m2 = sb.generate_message(b);
        if let Some(m) = &m2 {
            ba += m.len();
            messages += 1;
            sa.receive_message(a, m).map_err(|e| format!("a receiving: {e}"))?;
        }
        if m1.is_none() && m2.is_none() {
            return Ok((ab, ba, messages));
        }
    }
    Err("sync did not finish in 10,000 rounds".into())
}

/// concurrent-merge through the sync protocol: two replicas fork from the list, make their
/// random edits, then sync with fresh sync states. Both must end with equal lists.
pub fn merge_sync_bytes(size: MergeSize) -> Result<Vec<(String, f64)>, String> {
    let base_values: Vec<i64> = (0..size.base as i64).collect();
    let base = <Bandpro as ListEngine>::create(&base_values);
    let mut a = ListEngine::fork(&base, 2);
    let mut b = ListEngine::fork(&base, 3);
    workload::apply_list_edits(&mut a, &workload::list_edits(SEED, size.base, size.edits));
    workload::apply_list_edits(&mut b, &workload::list_edits(SEED ^ 0xFFFF, size.base, size.edits));
    let (mut sa, mut sb) = (SyncState::new(), SyncState::new());
    let (ab, ba, messages) = sync_until_quiet(&mut a.doc, &mut sa, &mut b.doc, &mut sb)?;
    if a.values() != b.values() || a.doc.heads() != b.doc.heads() {
        return Err("concurrent-merge: the replicas differ after syncing".into());
    }
    Ok(vec![
        ("bytes_a_to_b".into(), ab as f64),
        ("bytes_b_to_a".into(), ba as f64),
        ("sync_messages".into(), messages as f64),
    ])
}

/// `sync-one-edit`: a score-like list of `notes` maps (one transaction per note), on two replicas
/// that synced once with their sync states; one replica changes one note's pitch; the bytes both
/// ways to resync, handshake included. Both must then agree and hold the new pitch.
pub fn sync_one_edit(notes: usize) -> Result<Vec<(String, f64)>, String> {
    let mut a = <Bandpro as ScoreEngine>::create();
    for i in 0..notes {
        a.append(i, workload::note(i));
    }
    let mut b = Bandpro { doc: a.doc.fork_as(ReplicaId::from_u128(2)), obj: a.obj };
    let (mut sa, mut sb) = (SyncState::new(), SyncState::new());
    let (first_ab, first_ba, _) = sync_until_quiet(&mut a.doc, &mut sa, &mut b.doc, &mut sb)?;
    let mut rng = XorShift::new(SEED);
    let (index, pitch) = (rng.below(notes), 100);
    a.set_pitch(index, pitch);
    let (ab, ba, messages) = sync_until_quiet(&mut a.doc, &mut sa, &mut b.doc, &mut sb)?;
    let pa = a.pitches();
    if pa != b.pitches() || pa[index] != pitch {
        return Err("sync-one-edit: the replicas differ after syncing".into());
    }
    Ok(vec![
        ("bytes_a_to_b".into(), ab as f64),
        ("bytes_b_to_a".into(), ba as f64),
        ("bytes_total".into(), (ab + ba) as f64),
        ("messages".into(), messages as f64),
        ("first_sync_bytes".into(), (first_ab + first_ba) as f64),
        ("notes".into(), notes as f64),
    ])
}
