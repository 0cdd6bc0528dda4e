//! The `--json` shapes of docs/CLI.md: stdout is one JSON document and nothing else.

use serde_json::Value;

use crate::{Dir, set_pitch};

#[track_caller]
fn has(v: &Value, fields: &[&str]) {
    for f in fields {
        assert!(v.get(f).is_some(), "missing {f:?} in {v:#}");
    }
}

/// A repository with a tag `v1`, a branch `other` whose alto clashes with main's at m.11, and
/// an uncommitted soprano edit in the file.
fn repo() -> Dir {
    let d = Dir::chorale();
    d.run(&["tag", "v1"]).ok();
    d.run(&["branch", "other"]).ok();
    d.edit("score.musicxml", |s| set_pitch(s, 1, 10, 1, "B4"));
    d.run(&["commit", "-m", "alto B", "--author", "ann"]).ok();
    d.run(&["checkout", "other"]).ok();
    d.edit("score.musicxml", |s| set_pitch(s, 1, 10, 1, "G4"));
    d.run(&["commit", "-m", "alto G", "--author", "ben"]).ok();
    d.run(&["checkout", "main"]).ok();
    d.edit("score.musicxml", |s| set_pitch(s, 0, 0, 0, "A4"));
    d
}

#[test]
fn status_diff_and_show_list_changes_with_musicians_numbers() {
    let d = repo();
    let s = d.run(&["status", "--json"]).ok().json();
    has(&s, &["branch", "heads", "file", "clean", "stats", "changes"]);
    assert_eq!(s["branch"], "main");
    assert_eq!(s["clean"], false);
    assert_eq!(s["stats"]["events_changed"], 1);
    assert_eq!(s["stats"]["total"], 1);
    let c = &s["changes"][0];
    assert_eq!(
        (
            c["kind"].as_str(),
            c["measure"].as_u64(),
            c["part"].as_str(),
            c["voice"].as_u64(),
            c["beat"].as_str()
        ),
        (Some("event-changed"), Some(1), Some("Soprano"), Some(1), Some("1"))
    );
    assert_eq!(
        (c["field"].as_str(), c["from"].as_str(), c["to"].as_str()),
        (Some("pitch"), Some("G4"), Some("A4"))
    );
    assert!(c["text"].as_str().unwrap().contains("G4 -> A4"));

    let diff = d.run(&["diff", "v1", "other", "--json"]).ok().json();
    has(&diff, &["from", "to", "changes"]);
    assert_eq!(diff["changes"][0]["measure"], 11);
    assert_eq!(diff["changes"][0]["to"], "G4");

    let show = d.run(&["show", "main", "--json"]).ok().json();
    has(&show, &["hash", "parents", "author", "message", "time", "changes"]);
    assert_eq!((show["author"].as_str(), show["message"].as_str()), (Some("ann"), Some("alto B")));
    assert_eq!(show["changes"][0]["beat"], "2");
}

#[test]
fn log_blame_branch_and_tag_shapes() {
    let d = repo();
    let log = d.run(&["log", "--json"]).ok().json();
    let first = &log[0];
    has(first, &["hash", "parents", "author", "message", "time", "measures", "parts"]);
    assert_eq!(first["measures"], serde_json::json!([11]));
    assert_eq!(first["parts"], serde_json::json!(["Alto"]));
    assert_eq!(first["hash"].as_str().unwrap().len(), 64);

    let blame = d.run(&["blame", "--json", "--measures", "11", "--part", "Alto"]).ok().json();
    let rows = blame.as_array().unwrap();
    assert_eq!(rows.len(), 4);
    has(&rows[1], &["measure", "part", "voice", "beat", "event", "hash", "author", "time", "message"]);
    assert_eq!((rows[1]["event"].as_str(), rows[1]["author"].as_str()), (Some("B4 1/4"), Some("ann")));
    assert_eq!(rows[0]["author"], "copyist");

    let b = d.run(&["branch", "--json"]).ok().json();
    assert_eq!(b["current"], "main");
    let names: Vec<&str> =
        b["branches"].as_array().unwrap().iter().map(|x| x["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["main", "other"]);
    let t = d.run(&["tag", "--json"]).ok().json();
    assert_eq!(t["tags"][0]["name"], "v1");
}

#[test]
fn forecast_merge_and_commit_shapes() {
    let d = repo();
    d.run(&["commit", "-m", "soprano", "--json"]).ok();
    let f = d.run(&["merge", "other", "--forecast", "--json"]).ok().json();
    has(&f, &["base", "ours_changes", "theirs_changes", "risk", "items"]);
    assert_eq!(f["risk"], "medium");
    let item = &f["items"][0];
    has(
        item,
        &["kind", "text", "measure", "part", "voice", "ours_author", "theirs_author", "winner", "suggestion"],
    );
    assert_eq!((item["kind"].as_str(), item["measure"].as_u64()), (Some("concurrent-write"), Some(11)));
    assert_eq!(item["theirs_author"], "ben");
    let m = d.run(&["merge", "other", "--json"]).ok().json();
    has(&m, &["hash", "file", "forecast"]);
    assert_eq!(m["hash"].as_str().unwrap().len(), 64);
    d.edit("score.musicxml", |s| set_pitch(s, 0, 1, 0, "F#4"));
    let c = d.run(&["commit", "--json"]).ok().json();
    has(&c, &["hash", "file", "stats"]);
    assert_eq!(c["stats"]["events_changed"], 1);
    let again = d.run(&["commit", "--json"]).ok().json();
    assert!(again["hash"].is_null(), "nothing to commit: {again}");
}

#[test]
fn validate_analyze_and_stats_shapes() {
    let d = repo();
    let v = d.run(&["validate", "--json"]).ok().json();
    has(&v, &["source", "errors", "warnings", "infos", "diagnostics"]);
    let fifths =
        v["diagnostics"].as_array().unwrap().iter().find(|x| x["rule"] == "parallel-fifths").unwrap();
    has(fifths, &["rule", "severity", "measure", "part", "voice", "beat", "message", "fix"]);
    assert_eq!((fifths["measure"].as_u64(), fifths["part"].as_str()), (Some(11), Some("Alto")));
    assert_eq!(fifths["severity"], "warning");

    let k = d.run(&["analyze", "key", "--json"]).ok().json();
    has(&k, &["source", "key", "correlation", "runners_up", "regions"]);
    assert_eq!(k["key"], "G major");
    let c = d.run(&["analyze", "chords", "v1", "--json", "--measures", "1"]).ok().json();
    let first = &c["chords"][0];
    has(first, &["measure", "beat", "duration", "pitches", "chord"]);
    assert_eq!(first["pitches"], serde_json::json!(["G3", "B3", "D4", "G4"]));
    let r = d.run(&["analyze", "roman", "score.musicxml", "--json", "--measures", "12"]).ok().json();
    assert_eq!(r["key"], "G major");
    assert_eq!(r["chords"][0]["roman"], "I");

    let s = d.run(&["stats", "--json"]).ok().json();
    has(&s, &["source", "parts", "measures", "notes", "rests", "time_signatures", "keys"]);
    assert_eq!((s["measures"].as_u64(), s["notes"].as_u64()), (Some(12), Some(128)));
    assert_eq!(s["parts"][1]["name"], "Alto");
    assert_eq!(s["keys"], serde_json::json!(["G major"]));

    // Many files at once: a folder (searched recursively) and a file, one summary each, in
    // order; a broken file gets an error entry and exit 2, the others are still read.
    d.write("corpus/a.musicxml", crate::CHORALE);
    d.write("corpus/deeper/b.musicxml", crate::CHORALE);
    d.write("corpus/notes.txt", "not a score");
    let all = d.run(&["stats", "--json", "corpus", "score.musicxml"]).ok().json();
    let all = all.as_array().expect("an array for several sources");
    assert_eq!(all.len(), 3, "{all:?}");
    assert!(all[0]["source"].as_str().unwrap().ends_with("a.musicxml"));
    assert!(all[1]["source"].as_str().unwrap().ends_with("b.musicxml"));
    assert!(all.iter().all(|x| x["notes"] == s["notes"]), "{all:?}");
    d.write("corpus/broken.musicxml", "<score-partwise><part");
    let listed = d.run(&["stats", "--json", "corpus"]).code(2).json();
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 3);
    assert!(
        listed
            .iter()
            .any(|x| x["source"].as_str().unwrap().ends_with("broken.musicxml") && x["error"].is_string())
    );
}

#[test]
fn write_commands_print_json_too() {
    let d = Dir::new();
    d.write("score.musicxml", crate::CHORALE);
    d.run(&["init", "--json"]).ok().json();
    d.run(&["commit", "score.musicxml", "--json"]).ok().json();
    has(&d.run(&["branch", "b", "--json"]).ok().json(), &["created", "heads"]);
    has(&d.run(&["checkout", "b", "--json"]).ok().json(), &["rev", "branch", "heads", "file", "switched"]);
    has(&d.run(&["export", "-o", "x.mid", "--json"]).ok().json(), &["source", "output"]);
    // An exported score is for others to open too, not private like a temporary file.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(d.path().join("x.mid")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o644, "{mode:o}");
    }
    has(&d.run(&["erase-author", "x", "--json"]).ok().json(), &["author", "erased"]);
}
