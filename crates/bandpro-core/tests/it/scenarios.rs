//! Scores as musicians use them: concurrent edits in one measure, deletes against edits, undo
//! after others edited, bad edits, notifications, signatures, transposition, presence.

use bandpro_core::{ChangeKind, Error, PartId, Presence, PresenceEntry, Score};
use bandpro_crdt::ReplicaId;
use bandpro_music::event::Tie;
use bandpro_music::{Interval, Key, Pitch, Rational, ScoreView, TimeSignature};

fn p(s: &str) -> Pitch {
    s.parse().unwrap()
}
fn d(s: &str) -> Rational {
    s.parse().unwrap()
}

/// A score with one trumpet part and `measures` empty 4/4 measures.
fn score(measures: usize) -> (Score, PartId) {
    let mut s = Score::new(ReplicaId::from_u128(1)).unwrap();
    let part = s
        .edit("copyist", "set up", |tx| {
            tx.set_metadata("title", "Blue Train")?;
            let t = tx.add_part("Trumpet", Some("trumpet"))?;
            tx.insert_measures(0, measures)?;
            Ok(t)
        })
        .unwrap()
        .0;
    (s, part)
}

fn pitches(s: &Score, part: usize, measure: usize, voice: usize) -> Vec<String> {
    s.events(part, measure, voice)
        .iter()
        .map(|e| e.notes().iter().map(|n| n.pitch.to_string()).collect::<Vec<_>>().join("+"))
        .collect()
}

fn sync(a: &mut Score, b: &mut Score) {
    a.merge(b).unwrap();
    b.merge(a).unwrap();
    assert_eq!(a.heads(), b.heads());
}

#[test]
fn two_people_inserting_into_the_same_measure_keep_both_phrases_whole() {
    let (mut ann, t) = score(2);
    let mut bob = ann.fork(ReplicaId::from_u128(2));
    ann.edit("ann", "ann's lick", |tx| {
        tx.append_note(t, 0, 0, p("C5"), d("1/4"))?;
        tx.append_note(t, 0, 0, p("D5"), d("1/4"))
    })
    .unwrap();
    bob.edit("bob", "bob's lick", |tx| {
        tx.append_note(t, 0, 0, p("G4"), d("1/4"))?;
        tx.append_note(t, 0, 0, p("A4"), d("1/4"))
    })
    .unwrap();
    sync(&mut ann, &mut bob);
    let merged = pitches(&ann, 0, 0, 0);
    assert_eq!(merged, pitches(&bob, 0, 0, 0));
    assert!(
        merged == ["C5", "D5", "G4", "A4"] || merged == ["G4", "A4", "C5", "D5"],
        "phrases interleaved: {merged:?}"
    );
    // Onsets follow the merged order.
    let onsets: Vec<Rational> = ann.events(0, 0, 0).iter().map(|e| e.onset).collect();
    assert_eq!(onsets, vec![d("0"), d("1/4"), d("1/2"), d("3/4")]);
}

#[test]
fn deleting_a_measure_another_person_edits_converges_without_it() {
    let (mut ann, t) = score(3);
    let ids = ann
        .edit("ann", "notes", |tx| {
            (0..3).map(|m| tx.append_note(t, m, 0, p("C5"), d("1"))).collect::<Result<Vec<_>, _>>()
        })
        .unwrap()
        .0;
    let mut bob = ann.fork(ReplicaId::from_u128(2));
    bob.edit("bob", "higher", |tx| tx.set_pitch(ids[1], p("E5"))).unwrap();
    ann.edit("ann", "cut m2", |tx| tx.delete_measures(1..2)).unwrap();
    sync(&mut ann, &mut bob);
    assert_eq!(ann.measure_count(), 2);
    assert_eq!(bob.measure_count(), 2);
    assert!(bob.event(ids[1]).is_none(), "the edited note went with its measure");
    assert_eq!(pitches(&bob, 0, 1, 0), ["C5"]);
}

#[test]
fn undo_reverts_only_your_own_change_after_others_edited() {
    let (mut ann, t) = score(1);
    let ids = ann
        .edit("ann", "notes", |tx| {
            Ok(vec![tx.append_note(t, 0, 0, p("C5"), d("1/2"))?, tx.append_note(t, 0, 0, p("E5"), d("1/2"))?])
        })
        .unwrap()
        .0;
    ann.edit("ann", "raise", |tx| tx.set_pitch(ids[0], p("D5"))).unwrap();
    let mut bob = ann.fork(ReplicaId::from_u128(2));
    bob.edit("bob", "bob's tie", |tx| tx.set_pitch(ids[1], p("F5"))).unwrap();
    sync(&mut ann, &mut bob);
    let edit = ann.undo("ann").unwrap();
    assert!(edit.changes.iter().any(|c| c.kind == ChangeKind::EventChanged("pitch")));
    assert_eq!(pitches(&ann, 0, 0, 0), ["C5", "F5"], "ann's raise is undone, bob's edit stays");
    ann.redo("ann").unwrap();
    assert_eq!(pitches(&ann, 0, 0, 0), ["D5", "F5"]);
    assert_eq!(bob.undo("ann").unwrap_err(), Error::NothingTo("undo"), "bob cannot undo ann's edits");
    // Undoing ann's first edit removes the notes she inserted, bob's edit to one of them or not.
    ann.undo("ann").unwrap();
    ann.undo("ann").unwrap();
    assert!(pitches(&ann, 0, 0, 0).is_empty());
}

#[test]
fn invalid_edits_are_typed_errors_and_change_nothing() {
    let (mut s, t) = score(1);
    let heads = s.heads();
    assert!(matches!(
        s.edit("x", "", |tx| tx.append_note(t, 5, 0, p("C5"), d("1/4"))),
        Err(Error::NoSuchMeasure { index: 5, count: 1 })
    ));
    assert!(matches!(
        s.edit("x", "", |tx| tx.append_note(t, 0, 0, p("C5"), d("-1/4"))),
        Err(Error::InvalidDuration(_))
    ));
    assert!(matches!(
        s.edit("x", "", |tx| tx.append_note(t, 0, 9, p("C5"), d("1/4"))),
        Err(Error::InvalidVoice(9))
    ));
    let ghost = PartId(bandpro_crdt::ObjId::Id { replica: ReplicaId::from_u128(77), counter: 3 });
    assert!(matches!(
        s.edit("x", "", |tx| tx.append_note(ghost, 0, 0, p("C5"), d("1/4"))),
        Err(Error::NoSuchPart(_))
    ));
    assert!(matches!(s.edit("x", "", |tx| tx.add_part("Kazoo", Some("kazoo"))), Err(Error::Music(_))));
    // An error after successful edits in the same transaction undoes them too.
    let r = s.edit("x", "", |tx| {
        tx.append_note(t, 0, 0, p("C5"), d("1/4"))?;
        tx.insert_measures(0, 3)?;
        tx.append_note(t, 0, 0, p("C5"), d("0"))
    });
    assert!(r.is_err());
    assert_eq!(s.heads(), heads);
    assert_eq!(s.measure_count(), 1);
    assert!(s.events(0, 0, 0).is_empty());
}

#[test]
fn notifications_speak_music() {
    let (mut s, t) = score(12);
    let (n, e) = s
        .edit("ann", "", |tx| {
            tx.append_note(t, 11, 0, p("C5"), d("1/2"))?;
            tx.append_note(t, 11, 0, p("E5"), d("1/4"))
        })
        .unwrap();
    let text: Vec<String> = e.changes.iter().map(ToString::to_string).collect();
    assert_eq!(
        text,
        ["Trumpet m.12 v1: note inserted at beat 1", "Trumpet m.12 v1: note inserted at beat 3"]
    );
    let e = s.edit("ann", "", |tx| tx.set_pitch(n, p("D5"))).unwrap().1;
    assert_eq!(e.changes[0].to_string(), "Trumpet m.12 v1: pitch changed at beat 3");
    let e = s.edit("ann", "", |tx| tx.insert_measures(3, 2)).unwrap().1;
    assert_eq!(e.changes[0].to_string(), "m.4: 2 measures inserted");
    let e = s.edit("ann", "", |tx| tx.delete_event(n)).unwrap().1;
    assert_eq!(e.changes[0].to_string(), "Trumpet m.14 v1: note deleted");
    let e = s.edit("ann", "", |tx| tx.set_key(2, "Eb major".parse()?)).unwrap().1;
    assert_eq!(e.changes[0].to_string(), "m.3: key signature changed");
}

#[test]
fn signatures_hold_until_they_change_and_new_measures_inherit_them() {
    let (mut s, _) = score(4);
    s.edit("ann", "", |tx| {
        tx.set_time_signature(2, TimeSignature::new(3, 4)?)?;
        tx.set_key(2, "D major".parse::<Key>()?)
    })
    .unwrap();
    assert_eq!(s.measure(1).time.to_string(), "4/4");
    assert_eq!(s.measure(3).time.to_string(), "3/4");
    assert_eq!(s.measure(3).key.to_string(), "D major");
    s.edit("ann", "", |tx| tx.insert_measures(4, 1)).unwrap();
    assert_eq!(s.measure(4).key.to_string(), "D major");
    // Deleting the first measures keeps the signatures in force at the new first measure.
    s.edit("ann", "", |tx| tx.delete_measures(0..3)).unwrap();
    assert_eq!(s.measure(0).time.to_string(), "3/4");
}

#[test]
fn transposition_keeps_spelling_and_ties() {
    let (mut s, t) = score(1);
    let first = s
        .edit("ann", "", |tx| {
            let a = tx.append_note(t, 0, 0, p("F#4"), d("1/4"))?;
            tx.set_tie(a, Tie::Start)?;
            tx.append_chord(t, 0, 0, &[p("Bb3"), p("D4")], d("1/4"))?;
            tx.append_rest(t, 0, 0, d("1/2"))?;
            Ok(a)
        })
        .unwrap()
        .0;
    let n = s
        .edit("ann", "up a major second", |tx| tx.transpose(Some(t), 0..1, "M2".parse::<Interval>()?))
        .unwrap()
        .0;
    assert_eq!(n, 2);
    assert_eq!(pitches(&s, 0, 0, 0), ["G#4", "C4+E4", ""]);
    assert_eq!(s.event(first).unwrap().notes()[0].tie, Tie::Start);
}

#[test]
fn incremental_diagnostics_follow_edits() {
    let (mut s, t) = score(2);
    s.edit("ann", "", |tx| tx.append_note(t, 0, 0, p("C5"), d("1/2"))).unwrap();
    let under = |s: &Score| {
        s.diagnostics()
            .iter()
            .filter(|d| d.rule == bandpro_music::validate::Rule::MeasureUnderfull && d.location.measure == 0)
            .count()
    };
    assert_eq!(under(&s), 1);
    s.edit("ann", "", |tx| tx.append_note(t, 0, 0, p("C5"), d("1/2"))).unwrap();
    assert_eq!(under(&s), 0);
}

#[test]
fn presence_warns_before_a_clash() {
    let (s, t) = score(40);
    let key = s.part_key(t);
    let mut presence = Presence::new();
    let entry = |user: &str, m: std::ops::Range<usize>| PresenceEntry {
        user: user.into(),
        part: Some(key.clone()),
        measures: m,
        updated_ms: 1,
    };
    presence.update(entry("ann", 10..20));
    presence.update(Presence::decode(&Presence::encode(&entry("bob", 18..30))).unwrap());
    let clashes = presence.clashes("ann");
    assert_eq!(clashes.len(), 1);
    assert_eq!((clashes[0].other.as_str(), clashes[0].measures.clone()), ("bob", 18..20));
    presence.expire(2);
    assert!(presence.clashes("ann").is_empty());
    assert!(Presence::decode("garbage").is_err());
}

#[test]
fn malformed_data_from_a_peer_is_reported_not_fatal() {
    let (mut s, t) = score(1);
    let id = s.edit("ann", "", |tx| tx.append_note(t, 0, 0, p("C5"), d("1/4"))).unwrap().0;
    let obj = s.event_object(id).unwrap();
    let mut peer = s.fork(ReplicaId::from_u128(9));
    peer.edit("mallory", "", |tx| Ok(tx.raw().put(&obj, "d", "not a duration")?)).unwrap();
    s.merge(&peer).unwrap();
    assert!(s.event(id).is_none());
    assert!(s.warnings().iter().any(|w| w.contains("duration")), "{:?}", s.warnings());
}

#[test]
fn importing_a_file_keeps_ids_a_changed_pitch_is_the_same_note() {
    let (mut s, t) = score(3);
    let ids = s
        .edit("ann", "", |tx| {
            (0..3).map(|m| tx.append_note(t, m, 0, p("C5"), d("1"))).collect::<Result<Vec<_>, _>>()
        })
        .unwrap()
        .0;
    // In a notation program: m.2 goes up a step and a measure is inserted before m.3.
    let mut file = bandpro_music::SimpleScore::from_view(&s);
    file.events_mut(0, 1, 0).unwrap()[0].kind =
        bandpro_music::EventKind::Note(bandpro_music::event::Note::new(p("D5")));
    let mut edited = s.fork(ReplicaId::from_u128(5));
    edited.edit("bob", "", |tx| tx.insert_measures(2, 1)).unwrap();
    edited.edit("bob", "", |tx| tx.set_pitch(ids[1], p("D5"))).unwrap();
    let file = bandpro_music::SimpleScore::from_view(&edited);
    let (stats, _) = s.import_view("bob", "commit", &file).unwrap();
    assert_eq!((stats.events_changed, stats.measures_inserted, stats.total()), (1, 1, 2), "{stats:?}");
    assert_eq!(s.locate(ids[1]).map(|l| l.1), Some(1), "the edited note kept its id");
    assert_eq!(s.locate(ids[2]).map(|l| l.1), Some(3), "the note after the inserted measure kept its id");
    assert_eq!(pitches(&s, 0, 1, 0), ["D5"]);
    // Importing the same file again changes nothing.
    let (again, edit) = s.import_view("bob", "again", &file).unwrap();
    assert!(again.is_empty() && edit.hash.is_none(), "{again:?}");
}

#[test]
fn importing_a_file_sets_its_title_once_and_keeps_fields_the_file_lacks() {
    use bandpro_music::formats::Metadata;
    let (mut s, t) = score(1);
    s.edit("ann", "", |tx| tx.append_note(t, 0, 0, p("C5"), d("1"))).unwrap();
    let file = bandpro_music::SimpleScore::from_view(&s);
    let meta = Metadata { title: Some("Air".into()), composer: Some("Anon.".into()), ..Metadata::default() };
    let (stats, edit) = s.import_file("bob", "title", &file, &meta).unwrap();
    assert_eq!((stats.metadata_changed, stats.total()), (2, 2), "{stats:?}");
    assert!(edit.hash.is_some());
    assert_eq!(s.file_metadata().title.as_deref(), Some("Air"));
    assert_eq!(s.file_metadata().composer.as_deref(), Some("Anon."));
    // The same file again changes nothing; a file without a title (MIDI) keeps the title.
    let (again, edit) = s.import_file("bob", "again", &file, &meta).unwrap();
    assert!(again.is_empty() && edit.hash.is_none(), "{again:?}");
    let (none, _) = s.import_file("bob", "midi", &file, &Metadata::default()).unwrap();
    assert!(none.is_empty(), "{none:?}");
    assert_eq!(s.file_metadata().title.as_deref(), Some("Air"));
    let renamed = Metadata { title: Some("Aria".into()), ..meta };
    let (one, _) = s.import_file("bob", "rename", &file, &renamed).unwrap();
    assert_eq!(one.metadata_changed, 1);
    assert_eq!(s.file_metadata().title.as_deref(), Some("Aria"));
}

#[test]
fn staves_are_zero_based_so_a_file_imports_once_and_a_piano_keeps_its_left_hand() {
    let mut s = Score::new(ReplicaId::from_u128(1)).unwrap();
    let mut file =
        bandpro_music::SimpleScore::from_text("4/4", "C major", &[("piano", &["C5:1", "C3:1"])]).unwrap();
    file.events_mut(0, 0, 1).unwrap()[0].staff = 1;
    s.import_view("ann", "import", &file).unwrap();
    assert_eq!((s.events(0, 0, 0)[0].staff, s.events(0, 0, 1)[0].staff), (0, 1));
    let (again, _) = s.import_view("ann", "again", &file).unwrap();
    assert!(again.is_empty(), "re-importing the same file changes nothing: {again:?}");
    let id = s.events(0, 0, 1)[0].id;
    s.edit("ann", "", |tx| tx.set_staff(id, 0)).unwrap();
    assert_eq!(s.events(0, 0, 1)[0].staff, 0);
}

/// A saxophonist doubling on flute: the file's transposition changes survive an import, a
/// re-import of the same file changes nothing, editing moves them, and validation hears each
/// measure at its own transposition.
#[test]
fn a_doubler_keeps_transposition_changes_per_measure() {
    use bandpro_music::{SimpleScore, instrument};
    let sax = instrument::by_id("alto-sax").unwrap().transposition;
    let mut file =
        SimpleScore::from_text("4/4", "C major", &[("alto-sax", &["A4:1 | A4:1 | C5:1 | A4:1"])]).unwrap();
    file.set_transposition_from(0, 2, Interval::UNISON).unwrap();
    file.set_transposition_from(0, 3, sax).unwrap();
    let mut s = Score::new(ReplicaId::from_u128(1)).unwrap();
    s.import_view("ann", "import", &file).unwrap();
    let per_measure = |s: &Score| (0..4).map(|m| s.transposition(0, m)).collect::<Vec<_>>();
    assert_eq!(per_measure(&s), vec![sax, sax, Interval::UNISON, sax]);
    assert_eq!(SimpleScore::from_view(&s).transposition_changes(0), file.transposition_changes(0));
    let mut other = s.fork(ReplicaId::from_u128(2));
    // The same file again: nothing to record.
    let (stats, _) = s.import_view("ann", "again", &file).unwrap();
    assert_eq!(stats.measures_changed, 0, "{stats:?}");
    // Moving the switch back to flute one measure earlier, through the editing API.
    let part = s.part_id(0).unwrap();
    let (_, edit) =
        s.edit("bob", "flute from m.2", |tx| tx.set_transposition(part, 1, Interval::UNISON)).unwrap();
    assert!(edit.changes.iter().any(|c| c.to_string().contains("transposition")), "{:?}", edit.changes);
    assert_eq!(per_measure(&s), vec![sax, Interval::UNISON, Interval::UNISON, sax]);
    // A4 written sounds C4 on the saxophone, A4 on the flute: the diagnostics follow.
    let fresh = bandpro_music::validate::validate(&s, &bandpro_music::validate::ValidationConfig::default());
    assert_eq!(s.diagnostics().to_vec(), fresh);
    // The diff says it in musical terms.
    let diff = bandpro_core::diff::diff(&other, &s);
    let said: Vec<String> = diff.iter().map(ToString::to_string).collect();
    assert!(said.iter().any(|d| d.contains("transposition changed to P1 from m.2")), "{said:?}");
    // A replica that receives the change agrees.
    other.merge(&s).unwrap();
    assert_eq!(per_measure(&other), per_measure(&s));
}

/// A lead sheet's whole note under two chords: the change during the note survives an import,
/// a re-import, and the editing API refuses a change outside the note.
#[test]
fn chord_changes_during_a_note_survive_import_and_edits() {
    use bandpro_music::{ChordChange, EventKind, SimpleScore};
    let mut file = SimpleScore::from_text("4/4", "C major", &[("flute", &["C5:1@C"])]).unwrap();
    let change = ChordChange { offset: d("1/2"), symbol: "G7".parse().unwrap() };
    file.events_mut(0, 0, 0).unwrap()[0].chord_changes.push(change);
    let mut s = Score::new(ReplicaId::from_u128(1)).unwrap();
    s.import_view("ann", "import", &file).unwrap();
    assert_eq!(s.events(0, 0, 0)[0].chord_changes, vec![change]);
    let (stats, _) = s.import_view("ann", "again", &file).unwrap();
    assert_eq!(stats.events_changed, 0, "{stats:?}");
    let id = s.events(0, 0, 0)[0].id;
    let late = ChordChange { offset: d("1"), symbol: "F".parse().unwrap() };
    let before = s.heads();
    assert!(matches!(
        s.edit("bob", "", |tx| tx.set_chord_changes(id, &[late])),
        Err(Error::ChordChangeOutside { .. })
    ));
    assert_eq!(s.heads(), before);
    s.edit("bob", "", |tx| tx.set_chord_changes(id, &[])).unwrap();
    assert!(s.events(0, 0, 0)[0].chord_changes.is_empty());
    assert!(matches!(s.events(0, 0, 0)[0].kind, EventKind::Note(_)));
}
