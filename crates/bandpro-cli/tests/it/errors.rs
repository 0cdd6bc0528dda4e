//! Every error path: usage and input errors exit 2 with a message that says what to do;
//! problems found exit 1; a failing command leaves the repository as it was.

use crate::{Dir, set_pitch};

/// Runs a command that must fail with `code`, mention `needle`, and change nothing.
#[track_caller]
fn fails(d: &Dir, args: &[&str], code: i32, needle: &str) {
    let before = d.snapshot();
    let file = std::fs::read(d.file("score.musicxml")).ok();
    let run = d.run(args).code(code);
    assert!(
        run.stderr.contains(needle),
        "`bandpro {}` should say {needle:?}:\n{}",
        args.join(" "),
        run.stderr
    );
    assert_eq!(d.snapshot(), before, "`bandpro {}` changed the repository", args.join(" "));
    assert_eq!(
        std::fs::read(d.file("score.musicxml")).ok(),
        file,
        "`bandpro {}` changed the file",
        args.join(" ")
    );
}

#[test]
fn usage_errors_exit_2() {
    let d = Dir::chorale();
    fails(&d, &["frobnicate"], 2, "unrecognized subcommand");
    fails(&d, &["log", "--bogus"], 2, "unexpected argument");
    fails(&d, &["merge", "main", "--fail-on-conflict"], 2, "--forecast");
    fails(&d, &["analyze", "tempo"], 2, "invalid value");
    fails(&d, &["export"], 2, "--output");
    fails(&d, &["-C", "nowhere", "status"], 2, "no such folder");
}

#[test]
fn commands_outside_a_repository_say_how_to_make_one() {
    let d = Dir::new();
    for args in [&["status"][..], &["log"], &["commit", "x.musicxml"], &["branch"], &["validate"]] {
        let run = d.run(args).code(2);
        assert!(run.stderr.contains("bandpro init"), "{args:?}: {}", run.stderr);
    }
    d.run(&["init"]).ok();
    fails(&d, &["init"], 2, "already");
    fails(&d, &["status"], 2, "bandpro commit FILE");
}

#[test]
fn a_broken_file_is_refused_with_its_position_and_commits_nothing() {
    let d = Dir::chorale();
    d.write(
        "broken.musicxml",
        "<?xml version=\"1.0\"?>\n<score-partwise version=\"4.0\">\n  <part-list>\n  </oops>\n",
    );
    fails(&d, &["commit", "broken.musicxml"], 2, "line 4");
    fails(&d, &["commit", "missing.musicxml"], 2, "cannot read");
    fails(&d, &["import", "broken.musicxml"], 2, "line 4");
    fails(&d, &["validate", "broken.musicxml"], 2, "line 4");
    d.write("song.txt", "hello");
    fails(&d, &["commit", "song.txt"], 2, "unknown score format");
    // import of a broken file into a new folder leaves no repository behind.
    let bare = Dir::new();
    bare.write("broken.musicxml", &d.read("broken.musicxml"));
    bare.run(&["import", "broken.musicxml"]).code(2);
    assert!(!bare.file(".bandpro").exists());
}

#[test]
fn bad_revisions_parts_and_ranges_exit_2() {
    let d = Dir::chorale();
    fails(&d, &["checkout", "nope"], 2, "bandpro branch");
    fails(&d, &["show", "nope"], 2, "nope");
    fails(&d, &["diff", "nope"], 2, "nope");
    fails(&d, &["merge", "nope"], 2, "nope");
    fails(&d, &["revert", "nope"], 2, "nope");
    fails(&d, &["log", "--part", "Kazoo"], 2, "\"Soprano\", \"Alto\"");
    fails(&d, &["blame", "--part", "9"], 2, "numbers 1-4");
    fails(&d, &["blame", "--measures", "20-12"], 2, "12-20");
    fails(&d, &["blame", "--measures", "40"], 2, "1-12");
    fails(&d, &["export", "-o", "score.pdf"], 2, ".musicxml");
    d.run(&["branch", "x"]).ok();
    fails(&d, &["branch", "x"], 2, "exists already");
    d.run(&["tag", "t"]).ok();
    fails(&d, &["tag", "t"], 2, "exists already");
}

#[test]
fn uncommitted_work_is_never_overwritten_without_force() {
    let d = Dir::chorale();
    d.run(&["branch", "other"]).ok();
    d.run(&["checkout", "other"]).ok();
    d.edit("score.musicxml", |s| set_pitch(s, 3, 0, 0, "G2"));
    let bass = d.run(&["commit", "-m", "bass", "--json"]).ok().json();
    assert!(bass["hash"].is_string());
    d.run(&["checkout", "main"]).ok();
    d.edit("score.musicxml", |s| set_pitch(s, 0, 0, 0, "A4"));
    fails(&d, &["checkout", "other"], 2, "--force");
    fails(&d, &["merge", "other"], 2, "not committed");
    let hash = d.run(&["log", "--json"]).json()[0]["hash"].as_str().unwrap().to_owned();
    fails(&d, &["revert", &hash], 2, "commit them first");
    d.run(&["checkout", "other", "--force"]).ok();
    assert!(d.run(&["status", "--json"]).json()["clean"].as_bool().unwrap());
}

#[test]
fn a_detached_head_refuses_commits_and_merges() {
    let d = Dir::chorale();
    d.run(&["tag", "v1"]).ok();
    d.run(&["checkout", "v1"]).ok();
    d.edit("score.musicxml", |s| set_pitch(s, 0, 0, 0, "A4"));
    fails(&d, &["commit"], 2, "checkout BRANCH");
    fails(&d, &["merge", "main"], 2, "checkout BRANCH");
}

#[test]
fn a_repository_in_use_by_another_command_is_refused() {
    let d = Dir::chorale();
    let store = bandpro_crdt::FileStore::open(d.file(".bandpro")).unwrap();
    let run = d.run(&["log"]).code(2);
    assert!(run.stderr.contains("another bandpro command"), "{}", run.stderr);
    drop(store);
    d.run(&["log"]).ok();
}

#[test]
fn problems_found_exit_1() {
    let d = Dir::chorale();
    // An overfull measure is a validation error.
    d.edit("score.musicxml", |s| {
        let e = &mut s.events_mut(0, 2, 0).unwrap()[0];
        e.duration = "3/2".parse().unwrap();
    });
    let run = d.run(&["validate", "score.musicxml"]).code(1);
    assert!(run.stdout.contains("measure overfull"), "{}", run.stdout);
    // Parallel fifths are a warning: exit 0, or 1 with --strict.
    let d = Dir::chorale();
    d.edit("score.musicxml", |s| set_pitch(s, 1, 10, 1, "B4"));
    d.run(&["validate", "score.musicxml"]).ok();
    d.run(&["validate", "score.musicxml", "--strict"]).code(1);
    // A forecast with a clash fails only when asked to.
    d.run(&["branch", "other"]).ok();
    d.run(&["commit", "-m", "fifths"]).ok();
    d.run(&["checkout", "other"]).ok();
    d.edit("score.musicxml", |s| set_pitch(s, 1, 10, 1, "G4"));
    d.run(&["commit", "-m", "g"]).ok();
    d.run(&["merge", "main", "--forecast"]).ok();
    let before = d.snapshot();
    let run = d.run(&["merge", "main", "--forecast", "--fail-on-conflict"]).code(1);
    assert!(run.stdout.contains("pitch set to"), "{}", run.stdout);
    assert_eq!(d.snapshot(), before, "a forecast changes nothing");
}
