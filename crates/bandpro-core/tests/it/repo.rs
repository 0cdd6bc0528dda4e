//! Whole repository workflows: branch, edit on both sides, forecast, merge, log, diff, blame,
//! revert, erase an author, reopen from disk.

use bandpro_core::forecast::{ForecastKind, Risk, Side};
use bandpro_core::{Error, Head, LogFilter, PartId, Repository};
use bandpro_crdt::{FileStore, MemoryStore, Store};
use bandpro_music::{Pitch, Rational, ScoreView};

fn p(s: &str) -> Pitch {
    s.parse().unwrap()
}
fn d(s: &str) -> Rational {
    s.parse().unwrap()
}

/// A chorale fragment: soprano and bass, four measures of half notes.
fn chorale(repo: &mut Repository) -> (PartId, PartId) {
    repo.edit("copyist", "set up the chorale", |tx| {
        tx.set_metadata("title", "Chorale")?;
        let s = tx.add_part("Soprano", Some("soprano"))?;
        let b = tx.add_part("Bass", Some("bass"))?;
        tx.insert_measures(0, 4)?;
        for (m, (sp, bp)) in [
            (["E4", "D4"], ["C3", "G2"]),
            (["C4", "D4"], ["A2", "B2"]),
            (["E4", "F4"], ["C3", "D3"]),
            (["E4", "E4"], ["C3", "C3"]),
        ]
        .into_iter()
        .enumerate()
        {
            for x in sp {
                tx.append_note(s, m, 0, p(x), d("1/2"))?;
            }
            for x in bp {
                tx.append_note(b, m, 0, p(x), d("1/2"))?;
            }
        }
        Ok((s, b))
    })
    .unwrap()
    .0
}

fn soprano(repo: &Repository, m: usize) -> Vec<String> {
    repo.score().events(0, m, 0).iter().map(|e| e.notes()[0].pitch.to_string()).collect()
}

#[test]
fn branch_edit_forecast_merge_log_diff_blame_revert() {
    let mut repo = Repository::init(Box::new(MemoryStore::new())).unwrap();
    let (s, b) = chorale(&mut repo);
    repo.tag("v1").unwrap();
    repo.branch("alto-line").unwrap();
    // Main: ann raises the soprano in m.2; alto-line: bob lowers the same note and moves the bass.
    let s_note = repo.score().events(0, 1, 0)[0].id;
    let b_note = repo.score().events(1, 1, 0)[0].id;
    repo.edit("ann", "soprano up", |tx| tx.set_pitch(s_note, p("D4"))).unwrap();
    repo.checkout("alto-line").unwrap();
    assert_eq!(repo.head(), &Head::Branch("alto-line".into()));
    assert_eq!(soprano(&repo, 1), ["C4", "D4"]);
    repo.edit("bob", "soprano down", |tx| tx.set_pitch(s_note, p("B3"))).unwrap();
    repo.edit("bob", "bass walk", |tx| tx.set_pitch(b_note, p("G2"))).unwrap();
    repo.checkout("main").unwrap();

    let f = repo.forecast("alto-line").unwrap();
    assert_eq!((f.ours_changes, f.theirs_changes), (1, 2));
    let writes: Vec<_> =
        f.items.iter().filter(|i| matches!(i.kind, ForecastKind::ConcurrentWrite { .. })).collect();
    assert_eq!(writes.len(), 1, "{:#?}", f.items);
    let ForecastKind::ConcurrentWrite { field, ours, theirs, winner, .. } = &writes[0].kind else {
        unreachable!()
    };
    assert_eq!((field.as_str(), ours.as_str(), theirs.as_str()), ("pitch", "D4", "B3"));
    assert_eq!((writes[0].measure, writes[0].part.as_deref()), (Some(1), Some("Soprano")));
    assert_eq!(writes[0].theirs_author.as_deref(), Some("bob"));
    assert!(f.risk >= Risk::Medium);
    assert!(writes[0].to_string().contains("pitch set to D4 by ann and to B3 by bob"), "{}", writes[0]);

    let edit = repo.merge("alto-line", "ann", "merge bob's alto line").unwrap();
    let merged_pitch = repo.score().events(0, 1, 0)[0].notes()[0].pitch.to_string();
    assert_eq!(
        merged_pitch,
        if *winner == Side::Ours { "D4" } else { "B3" },
        "the forecast named the winner"
    );
    assert!(edit.hash.is_some());
    let head = repo.score().document().change(&edit.hash.unwrap()).unwrap().clone();
    assert_eq!(head.deps().len(), 2, "the merge change joins both heads");
    assert_eq!(head.message(), Some("merge bob's alto line"));
    assert_eq!(repo.score().events(1, 1, 0)[0].notes()[0].pitch.to_string(), "G2");

    // Log: whole, and filtered to the bass in m.2.
    let log = repo.log(&LogFilter::default()).unwrap();
    assert_eq!(log[0].message.as_deref(), Some("merge bob's alto line"));
    let bass_m2 = repo.log(&LogFilter { part: Some(1), measures: Some(1..2), limit: None }).unwrap();
    let msgs: Vec<_> = bass_m2.iter().filter_map(|e| e.message.as_deref()).collect();
    assert_eq!(msgs, ["bass walk", "set up the chorale"]);

    // Diff against the tag, in musical terms.
    let v1 = repo.score_at(&repo.resolve("v1").unwrap()).unwrap();
    let text: Vec<String> =
        bandpro_core::diff::diff(&v1, repo.score()).iter().map(ToString::to_string).collect();
    assert!(text.contains(&"m.2, Bass, voice 1, beat 1: A2 -> G2".to_string()), "{text:?}");

    // Blame.
    let blame = repo.blame_event(b_note).unwrap().unwrap();
    assert_eq!((blame.author.as_deref(), blame.message.as_deref()), (Some("bob"), Some("bass walk")));
    let m1 = repo.blame_measure(0).unwrap().unwrap();
    assert_eq!(m1.message.as_deref(), Some("set up the chorale"));
    let per_event = repo.blame_events(1..2, Some(1)).unwrap();
    assert_eq!(per_event.len(), 2);

    // Revert bob's bass walk.
    let walk = log.iter().find(|e| e.message.as_deref() == Some("bass walk")).unwrap().hash;
    repo.revert(&walk, "ann").unwrap();
    assert_eq!(repo.score().events(1, 1, 0)[0].notes()[0].pitch.to_string(), "A2");

    // A tag checks out detached; edits are refused there.
    repo.checkout("v1").unwrap();
    assert!(matches!(repo.head(), Head::Detached(_)));
    assert_eq!(soprano(&repo, 1), ["C4", "D4"]);
    assert_eq!(repo.edit("x", "", |tx| tx.set_metadata("k", "v")).unwrap_err(), Error::Detached);
    assert!(matches!(repo.checkout("nope"), Err(Error::NoSuchRevision(_))));
    let _ = (s, b);
}

#[test]
fn a_deleted_measure_with_edits_on_the_other_branch_is_high_risk() {
    let mut repo = Repository::init(Box::new(MemoryStore::new())).unwrap();
    chorale(&mut repo);
    repo.branch("cut").unwrap();
    let note = repo.score().events(0, 2, 0)[0].id;
    repo.edit("ann", "ornament", |tx| tx.set_pitch(note, p("G4"))).unwrap();
    repo.checkout("cut").unwrap();
    repo.edit("bob", "cut m.3", |tx| tx.delete_measures(2..3)).unwrap();
    repo.checkout("main").unwrap();
    let f = repo.forecast("cut").unwrap();
    assert_eq!(f.risk, Risk::High);
    let lost: Vec<_> = f
        .items
        .iter()
        .filter(|i| matches!(i.kind, ForecastKind::EditOfDeleted { edited_by: Side::Ours, .. }))
        .collect();
    assert_eq!(lost.len(), 1, "{:#?}", f.items);
    assert!(lost[0].to_string().contains("ann edited the G4 1/2 in m.3, which bob deleted"), "{}", lost[0]);
    repo.merge("cut", "ann", "merge").unwrap();
    assert_eq!(repo.score().measure_count(), 3);
}

#[test]
fn parallel_fifths_made_by_two_branches_are_forecast() {
    let mut repo = Repository::init(Box::new(MemoryStore::new())).unwrap();
    chorale(&mut repo);
    repo.branch("bass").unwrap();
    // Soprano m.1: E4 D4 over bass C3 G2. Ann makes the soprano G4 A4; bob makes the bass C3 D3:
    // alone each is fine, together they move in parallel fifths.
    let (s1, s2) = (repo.score().events(0, 0, 0)[0].id, repo.score().events(0, 0, 0)[1].id);
    let b2 = repo.score().events(1, 0, 0)[1].id;
    repo.edit("ann", "soprano", |tx| {
        tx.set_pitch(s1, p("G4"))?;
        tx.set_pitch(s2, p("A4"))
    })
    .unwrap();
    repo.checkout("bass").unwrap();
    repo.edit("bob", "bass", |tx| tx.set_pitch(b2, p("D3"))).unwrap();
    repo.checkout("main").unwrap();
    let f = repo.forecast("bass").unwrap();
    let fifths: Vec<_> = f
        .items
        .iter()
        .filter(|i| matches!(&i.kind, ForecastKind::NewDiagnostic { rule, .. } if *rule == bandpro_music::validate::Rule::ParallelFifths))
        .collect();
    assert_eq!(fifths.len(), 1, "{:#?}", f.items);
    assert_eq!(fifths[0].measure, Some(0));
    repo.merge("bass", "ann", "merge").unwrap();
    assert!(
        repo.score().diagnostics().iter().any(|d| d.rule == bandpro_music::validate::Rule::ParallelFifths)
    );
}

#[test]
fn a_file_repository_survives_reopening_and_erasure() {
    let dir = std::env::temp_dir().join(format!("bandpro-repo-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    {
        let mut repo = Repository::init(Box::new(FileStore::open(&dir).unwrap())).unwrap();
        chorale(&mut repo);
        let n = repo.score().events(0, 0, 0)[0].id;
        repo.edit("Mallory Secret", "my secret idea", |tx| tx.set_pitch(n, p("G4"))).unwrap();
        repo.branch("draft").unwrap();
        repo.checkout("draft").unwrap();
    }
    let mut repo = Repository::open(Box::new(FileStore::open(&dir).unwrap())).unwrap();
    assert_eq!(repo.head(), &Head::Branch("draft".into()));
    assert_eq!(soprano(&repo, 0), ["G4", "D4"]);
    let heads = repo.heads();
    // A replica that synced before the erasure.
    let mut early = repo.score().fork(bandpro_crdt::ReplicaId::from_u128(77));
    assert_eq!(repo.erase_author("Mallory Secret").unwrap(), 1);
    assert_eq!(repo.erase_author("Mallory Secret").unwrap(), 0, "nothing is left to erase");
    assert!(
        repo.log(&LogFilter::default())
            .unwrap()
            .iter()
            .all(|e| e.author.as_deref() != Some("Mallory Secret"))
    );
    // The erasure reaches the early replica by sync, and nothing it sends back carries the name.
    let mut current = repo.score().clone();
    let (mut s1, mut s2) = (bandpro_crdt::SyncState::new(), bandpro_crdt::SyncState::new());
    for _ in 0..50 {
        let a = current.sync_generate(&mut s1);
        if let Some(m) = &a {
            early.sync_receive(&mut s2, m).unwrap();
        }
        let b = early.sync_generate(&mut s2);
        if let Some(m) = &b {
            assert!(!m.windows(7).any(|w| w == b"Mallory"), "no replica sends the name back");
            current.sync_receive(&mut s1, m).unwrap();
        }
        if a.is_none() && b.is_none() {
            break;
        }
    }
    assert_eq!(early.heads(), current.heads(), "the early replica still syncs");
    assert!(early.document().changes().all(|c| c.author() != Some("Mallory Secret")));
    assert!(!early.document().save().windows(7).any(|w| w == b"Mallory"));
    assert_eq!(early.events(0, 0, 0)[0].notes()[0].pitch, p("G4"), "the music stays");
    drop(repo);
    let raw = std::fs::read(dir.join("changes.log")).unwrap();
    assert!(!raw.windows(7).any(|w| w == b"Mallory"), "the name is gone from disk");
    assert!(!raw.windows(6).any(|w| w == b"secret"), "and so is the message");
    let store = FileStore::open(&dir).unwrap();
    assert!(store.load_all().unwrap().iter().all(|c| c.author() != Some("Mallory Secret")));
    let repo = Repository::open(Box::new(store)).unwrap();
    let doc = repo.score().document();
    assert!(heads.iter().all(|h| doc.has_change(h)), "every hash still verifies");
    assert_eq!(doc.heads().len(), 1);
    assert_eq!(soprano(&repo, 0), ["G4", "D4"]);
}

#[test]
fn repository_settings_survive_reopening_and_head_is_reserved() {
    let dir = std::env::temp_dir().join(format!("bandpro-repo-meta-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    {
        let mut repo = Repository::init(Box::new(FileStore::open(&dir).unwrap())).unwrap();
        assert_eq!(repo.meta("file").unwrap(), None);
        repo.set_meta("file", "score.musicxml").unwrap();
        assert_eq!(repo.set_meta("HEAD", "heads/x"), Err(Error::Reserved("HEAD".into())));
    }
    let repo = Repository::open(Box::new(FileStore::open(&dir).unwrap())).unwrap();
    assert_eq!(repo.meta("file").unwrap().as_deref(), Some("score.musicxml"));
    assert_eq!(repo.head(), &Head::Branch("main".into()), "HEAD was left alone");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn committing_a_file_moves_the_branch_and_a_detached_head_refuses_it() {
    let mut repo = Repository::init(Box::new(MemoryStore::new())).unwrap();
    chorale(&mut repo);
    repo.tag("v1").unwrap();
    let mut file = bandpro_music::SimpleScore::from_view(repo.score());
    file.events_mut(0, 0, 0).unwrap()[0].kind =
        bandpro_music::EventKind::Note(bandpro_music::Note::new(p("A4")));
    let meta = bandpro_music::formats::Metadata { title: Some("Chorale in C".into()), ..Default::default() };
    let (stats, edit) = repo.import_file("ann", "from MuseScore", &file, &meta).unwrap();
    assert_eq!((stats.events_changed, stats.metadata_changed, stats.total()), (1, 1, 2), "{stats:?}");
    assert_eq!(repo.resolve("main").unwrap(), vec![edit.hash.unwrap()]);
    assert_eq!(soprano(&repo, 0)[0], "A4");
    repo.checkout("v1").unwrap();
    let heads = repo.heads();
    assert_eq!(repo.import_file("ann", "again", &file, &meta).unwrap_err(), Error::Detached);
    assert_eq!(repo.heads(), heads);
}

#[test]
fn blame_names_the_change_whose_value_won_whatever_the_merge_order() {
    for merge_bob_first in [true, false] {
        let mut repo = Repository::init(Box::new(MemoryStore::new())).unwrap();
        chorale(&mut repo);
        let note = repo.score().events(0, 1, 0)[0].id;
        for (who, pitch) in [("alice", "B3"), ("bob", "G3")] {
            repo.checkout("main").unwrap();
            repo.branch(who).unwrap();
            repo.checkout(who).unwrap();
            repo.edit(who, "my note", |tx| tx.set_pitch(note, p(pitch))).unwrap();
        }
        repo.checkout("main").unwrap();
        let order = if merge_bob_first { ["bob", "alice"] } else { ["alice", "bob"] };
        for who in order {
            repo.merge(who, "copyist", "merge").unwrap();
        }
        let shown = repo.score().event(note).unwrap().notes()[0].pitch.to_string();
        let blamed = repo.blame_event(note).unwrap().unwrap().author.unwrap();
        let expected = if shown == "B3" { "alice" } else { "bob" };
        assert_eq!(blamed, expected, "shown {shown}, merge order {order:?}");
        let per_event = repo.blame_events(1..2, Some(0)).unwrap();
        let mine = per_event.iter().find(|b| b.event == note).unwrap();
        assert_eq!(mine.blame.author.as_deref(), Some(expected));
    }
}

#[test]
fn a_store_filled_out_of_order_still_opens() {
    let mut repo = Repository::init(Box::new(MemoryStore::new())).unwrap();
    chorale(&mut repo);
    let n = repo.score().events(0, 0, 0)[0].id;
    repo.edit("ann", "raise", |tx| tx.set_pitch(n, p("A4"))).unwrap();
    let heads = repo.heads();
    // The same changes, newest first, as a store fed by a sync that arrived out of order.
    let mut changes: Vec<_> = repo.document().changes().cloned().collect();
    changes.reverse();
    let mut store = MemoryStore::new();
    store.append(&changes).unwrap();
    store.compare_and_set_ref("heads/main", None, Some(&heads)).unwrap();
    let reopened = Repository::open(Box::new(store)).unwrap();
    assert_eq!(reopened.heads(), heads);
    assert_eq!(soprano(&reopened, 0), soprano(&repo, 0));

    // A store missing a dep for good is refused, not opened halfway.
    let mut broken = MemoryStore::new();
    broken.append(&changes[..changes.len() - 1]).unwrap();
    broken.compare_and_set_ref("heads/main", None, Some(&heads)).unwrap();
    assert!(matches!(Repository::open(Box::new(broken)), Err(Error::NotAScore { .. })));
}
