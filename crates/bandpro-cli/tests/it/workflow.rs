//! The workflow of the README, command by command, and the tour.

use crate::{Dir, set_pitch};

#[test]
fn the_tour_runs_the_whole_story_and_exits_0() {
    let d = Dir::new();
    let run = d.run(&["tour"]).ok();
    for step in [
        "$ bandpro init",
        "$ bandpro commit chorale.musicxml",
        "$ bandpro merge alice --forecast",
        "pitch set to G4 by bob",
        "alice's value wins",
        "$ bandpro diff v1",
        "m.11, Alto, voice 1, beat 2: E4 -> B4",
        "$ bandpro blame",
        "parallel fifths: E4-A2 to B4-E3",
        "chorale-merged.mid",
        "chorale-merged.abc",
    ] {
        assert!(run.stdout.contains(step), "the tour lacks {step:?}:\n{}", run.stdout);
    }
}

#[test]
fn two_arrangers_branch_edit_commit_forecast_and_merge_a_file() {
    let d = Dir::chorale();
    d.run(&["status"]).ok();
    assert!(d.run(&["status", "--json"]).json()["clean"].as_bool().unwrap(), "a fresh commit is clean");
    d.run(&["tag", "v1"]).ok();
    d.run(&["branch", "ann"]).ok();
    d.run(&["branch", "ben"]).ok();

    d.run(&["checkout", "ann"]).ok();
    d.edit("score.musicxml", |s| set_pitch(s, 0, 0, 0, "A4"));
    let status = d.run(&["status"]).ok();
    assert!(status.stdout.contains("m.1, Soprano, voice 1, beat 1: G4 -> A4"), "{}", status.stdout);
    d.run(&["commit", "-m", "soprano up", "--author", "ann"]).ok();

    d.run(&["checkout", "ben"]).ok();
    assert!(d.read("score.musicxml").contains("<step>G</step>"), "checkout wrote ben's version");
    d.edit("score.musicxml", |s| set_pitch(s, 3, 11, 0, "G3"));
    d.run(&["commit", "-m", "bass down", "--author", "ben"]).ok();

    d.run(&["checkout", "main"]).ok();
    d.run(&["merge", "ann"]).ok();
    let forecast = d.run(&["merge", "ben", "--forecast", "--fail-on-conflict"]).ok();
    assert!(forecast.stdout.contains("risk none"), "{}", forecast.stdout);
    let merged = d.run(&["merge", "ben", "-m", "both"]).ok();
    assert!(merged.stdout.contains("wrote"), "{}", merged.stdout);
    let diff = d.run(&["diff", "v1"]).ok();
    assert!(diff.stdout.contains("G4 -> A4") && diff.stdout.contains("G2 -> G3"), "{}", diff.stdout);
    // The merged file on disk is the merged version.
    assert!(d.run(&["status", "--json"]).json()["clean"].as_bool().unwrap());
    let log = d.run(&["log", "--part", "Bass"]).ok();
    assert!(log.stdout.contains("bass down") && !log.stdout.contains("soprano up"), "{}", log.stdout);
    let log = d.run(&["log", "--measures", "1", "--part", "1"]).ok();
    assert!(log.stdout.contains("soprano up") && !log.stdout.contains("bass down"), "{}", log.stdout);
    let blame = d.run(&["blame", "--measures", "1", "--part", "Soprano"]).ok();
    let first = blame.stdout.lines().next().unwrap();
    assert!(first.contains("A4") && first.contains("ann"), "{}", blame.stdout);
    let show = d.run(&["show", "ann"]).ok();
    assert!(show.stdout.contains("soprano up") && show.stdout.contains("G4 -> A4"), "{}", show.stdout);

    // Revert ann's change: the soprano is G4 again, in the repository and in the file.
    let hash = d.run(&["log", "--json", "--part", "Soprano", "-n", "1"]).json()[0]["hash"]
        .as_str()
        .unwrap()
        .to_owned();
    d.run(&["revert", &hash[..10]]).ok();
    let diff = d.run(&["diff", "v1"]).ok();
    assert!(!diff.stdout.contains("G4 -> A4") && diff.stdout.contains("G2 -> G3"), "{}", diff.stdout);
    assert!(d.run(&["status", "--json"]).json()["clean"].as_bool().unwrap());

    // An old version to another file, without moving.
    d.run(&["checkout", "v1", "-o", "old.musicxml"]).ok();
    assert!(d.run(&["status", "--json"]).json()["branch"] == "main");
    assert!(d.run(&["diff", "--json"]).json()["changes"].as_array().unwrap().is_empty());
    let old = d.run(&["stats", "old.musicxml", "--json"]).ok().json();
    assert_eq!(old["notes"], 128);
}

#[test]
fn export_converts_versions_and_files_to_every_format() {
    let d = Dir::chorale();
    for out in ["out.musicxml", "out.xml", "out.mxl", "out.mid", "out.abc"] {
        d.run(&["export", "-o", out]).ok();
        let stats = d.run(&["stats", out, "--json"]).ok().json();
        assert_eq!(stats["measures"], 12, "{out}");
        assert_eq!(stats["notes"], 128, "{out}");
    }
    // A file converts without a repository.
    let bare = Dir::new();
    bare.write("tune.abc", &d.read("out.abc"));
    bare.run(&["export", "tune.abc", "-o", "tune.musicxml"]).ok();
    assert!(bare.read("tune.musicxml").contains("<score-partwise"));
    assert!(!bare.file(".bandpro").exists());
    // The exported MusicXML keeps the title.
    assert!(d.read("out.musicxml").contains("Old Hundredth"));
}

#[test]
fn import_makes_a_repository_or_a_commit() {
    let src = Dir::chorale();
    src.run(&["export", "-o", "tune.abc"]).ok();
    let d = Dir::new();
    d.write("tune.abc", &src.read("tune.abc"));
    let run = d.run(&["import", "tune.abc"]).ok();
    assert!(run.stdout.contains("Created a BandPro repository"), "{}", run.stdout);
    assert_eq!(d.run(&["stats", "--json"]).json()["notes"], 128);
    d.write("score.musicxml", crate::CHORALE);
    d.run(&["import", "score.musicxml", "-m", "now from MusicXML"]).ok();
    assert_eq!(d.run(&["log", "--json"]).json().as_array().unwrap().len(), 3, "root, import, import");
}

#[test]
fn analysis_commands_read_files_and_versions() {
    let d = Dir::chorale();
    let key = d.run(&["analyze", "key"]).ok();
    assert!(key.stdout.contains("G major"), "{}", key.stdout);
    let chords = d.run(&["analyze", "chords", "score.musicxml", "--measures", "1"]).ok();
    assert!(chords.stdout.lines().next().unwrap().contains("m.1"), "{}", chords.stdout);
    let roman = d.run(&["analyze", "roman", "--measures", "12"]).ok();
    assert!(roman.stdout.contains("I"), "{}", roman.stdout);
    let valid = d.run(&["validate", "score.musicxml"]).ok();
    assert!(valid.stdout.contains("0 error(s), 0 warning(s)"), "{}", valid.stdout);
    d.run(&["stats", "HEAD"]).ok();
}

#[test]
fn erase_author_removes_a_name_from_history() {
    let d = Dir::chorale();
    d.edit("score.musicxml", |s| set_pitch(s, 0, 0, 0, "A4"));
    d.run(&["commit", "-m", "secret idea", "--author", "Mallory"]).ok();
    let run = d.run(&["erase-author", "Mallory"]).ok();
    assert!(run.stdout.contains("1 change"), "{}", run.stdout);
    let log = d.run(&["log"]).ok();
    assert!(!log.stdout.contains("Mallory") && !log.stdout.contains("secret idea"), "{}", log.stdout);
    assert!(d.run(&["erase-author", "Nobody"]).ok().stdout.contains("nothing erased"));
}

#[test]
fn help_shows_examples_and_completions_are_printed() {
    let d = Dir::new();
    let help = d.run(&["--help"]).ok();
    assert!(help.stdout.contains("Examples:") && help.stdout.contains("bandpro tour"), "{}", help.stdout);
    let merge = d.run(&["merge", "--help"]).ok();
    assert!(merge.stdout.contains("--fail-on-conflict") && merge.stdout.contains("Examples:"));
    let bash = d.run(&["completions", "bash"]).ok();
    assert!(bash.stdout.contains("erase-author"), "{}", bash.stdout);
}

#[test]
fn minus_c_runs_in_another_folder_and_the_author_comes_from_the_environment() {
    let d = Dir::new();
    std::fs::create_dir(d.file("band")).unwrap();
    std::fs::write(d.file("band/score.musicxml"), crate::CHORALE).unwrap();
    d.run(&["-C", "band", "init"]).ok();
    d.run(&["-C", "band", "commit", "score.musicxml"]).ok();
    let log = d.run(&["-C", "band", "log", "--json"]).ok().json();
    assert_eq!(log[0]["author"], "tester");
    // A subfolder finds the repository above it.
    std::fs::create_dir(d.file("band/parts")).unwrap();
    d.run(&["-C", "band/parts", "status"]).ok();
}
