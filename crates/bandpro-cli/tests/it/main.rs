//! End-to-end tests of the `bandpro` binary: each runs the built binary in a temporary folder.
//!
//! - `workflow`: the story of the README and the tour, command by command.
//! - `errors`: every error path exits 2 (or 1 for problems found) and changes nothing.
//! - `json`: the `--json` shapes documented in docs/CLI.md.
//! - `alignment`: random edits made to a score file are committed as exactly those edits.

mod alignment;
mod errors;
mod json;
mod workflow;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The bundled chorale.
pub const CHORALE: &str = include_str!("../../assets/chorale.musicxml");

/// What a run of the binary gave.
#[derive(Debug)]
pub struct Run {
    /// Exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// Asserts the exit code, showing the output if it differs.
    #[track_caller]
    pub fn code(self, code: i32) -> Run {
        assert_eq!(self.code, code, "stdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }

    /// Asserts success.
    #[track_caller]
    pub fn ok(self) -> Run {
        self.code(0)
    }

    /// The standard output as JSON.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", self.stdout))
    }
}

/// A temporary folder to run commands in.
pub struct Dir {
    tmp: tempfile::TempDir,
}

impl Default for Dir {
    fn default() -> Dir {
        Dir::new()
    }
}

impl Dir {
    /// An empty folder.
    pub fn new() -> Dir {
        Dir { tmp: tempfile::Builder::new().prefix("bandpro-it-").tempdir().unwrap() }
    }

    /// A repository with the chorale committed as `score.musicxml` by `copyist`.
    pub fn chorale() -> Dir {
        let d = Dir::new();
        d.write("score.musicxml", CHORALE);
        d.run(&["init"]).ok();
        d.run(&["commit", "score.musicxml", "-m", "chorale", "--author", "copyist"]).ok();
        d
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    /// A file in the folder.
    pub fn file(&self, name: &str) -> PathBuf {
        self.path().join(name)
    }

    /// Writes a file (and the folders it is in).
    pub fn write(&self, name: &str, text: &str) {
        let path = self.file(name);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap();
        }
        std::fs::write(path, text).unwrap();
    }

    /// Reads a file.
    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.file(name)).unwrap()
    }

    /// Runs `bandpro ARGS` here.
    pub fn run(&self, args: &[&str]) -> Run {
        let out = Command::new(env!("CARGO_BIN_EXE_bandpro"))
            .args(args)
            .current_dir(self.path())
            .env("BANDPRO_AUTHOR", "tester")
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Edits a score file as a notation program would: read, change, save as MusicXML.
    pub fn edit(&self, name: &str, f: impl FnOnce(&mut bandpro_music::SimpleScore)) {
        use bandpro_music::formats;
        let bytes = std::fs::read(self.file(name)).unwrap();
        let (mut score, report) = formats::read_any(&bytes, "musicxml").unwrap();
        f(&mut score);
        let out = formats::write_bytes(&score, Some(&report.metadata), formats::FileFormat::MusicXml);
        std::fs::write(self.file(name), out).unwrap();
    }

    /// The checked-out version's heads, as `status --json` reports them.
    pub fn heads(&self) -> serde_json::Value {
        self.run(&["status", "--json"]).json()["heads"].clone()
    }

    /// Everything about the repository a failing command must leave alone: the log of every
    /// branch, the branches and tags, and what is checked out.
    pub fn snapshot(&self) -> String {
        let mut s = String::new();
        for args in [&["branch", "--json"][..], &["tag", "--json"], &["log", "--json"]] {
            s.push_str(&self.run(args).stdout);
        }
        s
    }
}

/// Sets the pitch of event `index` of part `part`, measure `measure` (0-based), voice 0.
pub fn set_pitch(
    score: &mut bandpro_music::SimpleScore,
    part: usize,
    measure: usize,
    index: usize,
    pitch: &str,
) {
    let e = &mut score.events_mut(part, measure, 0).unwrap()[index];
    e.kind = bandpro_music::EventKind::Note(bandpro_music::Note::new(pitch.parse().unwrap()));
}
