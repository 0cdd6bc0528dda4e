//! `bandpro tour`: the whole story in a temporary folder, on a chorale bundled in the binary
//! (Old Hundredth, harmonised in four parts for BandPro: `assets/chorale.musicxml`).
//!
//! Each step prints the command a person would type and runs it in this process, so the tour
//! shows exactly what the commands do. The two arrangers' "notation program" edits are made by
//! reading the MusicXML file, changing a note and saving it again.

use std::path::Path;

use anyhow::{Context, Result};
use bandpro_music::event::{EventKind, Note};
use clap::Parser;

use crate::Status;
use crate::cli::Cli;
use crate::output::Style;
use crate::workspace::{Workspace, read_score, write_score};

/// The bundled chorale.
pub const CHORALE: &str = include_str!("../assets/chorale.musicxml");

const FILE: &str = "chorale.musicxml";

struct Tour<'a> {
    ws: &'a Workspace,
    dir: &'a Path,
}

impl Tour<'_> {
    fn say(&self, text: &str) {
        self.ws.out.line("");
        self.ws.out.line(self.ws.out.paint(Style::Bold, format!("== {text}")));
    }

    /// Prints and runs `bandpro ARGS` in the tour's folder.
    fn run(&self, args: &[&str]) -> Result<Status> {
        let shown: Vec<String> =
            args.iter().map(|a| if a.contains(' ') { format!("\"{a}\"") } else { (*a).to_owned() }).collect();
        self.ws.out.line(self.ws.out.paint(Style::Good, format!("$ bandpro {}", shown.join(" "))));
        let dir = self.dir.to_string_lossy().into_owned();
        let mut argv = vec!["bandpro", "-C", &dir];
        argv.extend_from_slice(args);
        let cli = Cli::try_parse_from(&argv).context("the tour's own command line is wrong")?;
        let status =
            crate::run(cli).with_context(|| format!("tour step `bandpro {}` failed", args.join(" ")))?;
        if status == Status::Problems {
            self.ws.out.line(self.ws.out.paint(Style::Dim, "(exit status 1: problems found)"));
        }
        Ok(status)
    }

    /// An arranger edits the file in a notation program: here, one note of the alto.
    fn edit_alto(&self, who: &str, measure: usize, index: usize, pitch: &str) -> Result<()> {
        let path = self.dir.join(FILE);
        let (mut score, report) = read_score(&path)?;
        let event = &mut score.events_mut(1, measure - 1, 0)?[index];
        let old = event.notes()[0].pitch;
        event.kind = EventKind::Note(Note::new(pitch.parse()?));
        write_score(&path, &score, &report.metadata)?;
        self.ws.out.line(self.ws.out.paint(
            Style::Dim,
            format!("({who} opens {FILE} in a notation program, changes the alto's {old} in m.{measure} to {pitch}, saves)"),
        ));
        Ok(())
    }

    /// An arranger credits the words' author in the file's header.
    fn credit_lyricist(&self, who: &str) -> Result<()> {
        let path = self.dir.join(FILE);
        let (score, mut report) = read_score(&path)?;
        report.metadata.lyricist = Some("William Kethe (1561)".into());
        write_score(&path, &score, &report.metadata)?;
        self.ws.out.line(self.ws.out.paint(
            Style::Dim,
            format!("({who} adds the lyricist, William Kethe, to the title page, saves)"),
        ));
        Ok(())
    }
}

/// `bandpro tour [--keep]`.
pub fn tour(ws: &Workspace, keep: bool) -> Result<Status> {
    let tmp = tempfile::Builder::new()
        .prefix("bandpro-tour-")
        .tempdir()
        .context("cannot make a temporary folder")?;
    let dir = tmp.path().to_path_buf();
    std::fs::write(dir.join(FILE), CHORALE).context("cannot write the chorale")?;
    // The tour prints text; --json does not apply to it.
    let ws = Workspace { out: crate::output::Out { json: false, ..ws.out }, ..ws.clone() };
    let t = Tour { ws: &ws, dir: &dir };
    ws.out.line(format!("BandPro tour in {}", dir.display()));
    ws.out.line("A copyist keeps a four-part chorale (Old Hundredth) in a repository; two arrangers each take a branch.");

    t.say("1. The copyist starts a repository and commits the score");
    t.run(&["init"])?;
    t.run(&["commit", FILE, "-m", "Old Hundredth, SATB", "--author", "copyist"])?;
    t.run(&["tag", "v1"])?;
    t.run(&["stats"])?;
    t.run(&["analyze", "key"])?;
    t.run(&["branch", "alice"])?;
    t.run(&["branch", "bob"])?;

    t.say("2. Alice, on her branch, credits the lyricist and brightens the alto in m.11");
    t.run(&["checkout", "alice"])?;
    t.credit_lyricist("alice")?;
    t.run(&["commit", "-m", "credit the words", "--author", "alice"])?;
    t.edit_alto("alice", 11, 1, "B4")?;
    t.run(&["status"])?;
    t.run(&["commit", "-m", "alto: climb to B in m.11", "--author", "alice"])?;

    t.say("3. Bob, on his branch, changes the same alto note differently");
    t.run(&["checkout", "bob"])?;
    t.edit_alto("bob", 11, 1, "G4")?;
    t.run(&["commit", "-m", "alto: G in m.11, fuller chord", "--author", "bob"])?;

    t.say("4. Back on main: merge Bob, forecast Alice's merge, then merge it");
    t.run(&["checkout", "main"])?;
    t.run(&["merge", "bob", "--author", "copyist"])?;
    t.run(&["merge", "alice", "--forecast"])?;
    t.run(&["merge", "alice", "--author", "copyist"])?;

    t.say("5. What changed since v1, and who wrote each note of m.11");
    t.run(&["diff", "v1"])?;
    t.run(&["blame", "--measures", "11", "--part", "Alto"])?;
    t.run(&["log", "--measures", "11"])?;

    t.say("6. Is the merged score good music?");
    t.run(&["validate"])?;

    t.say("7. Export for the players");
    for out in ["chorale-merged.musicxml", "chorale-merged.mid", "chorale-merged.abc"] {
        t.run(&["export", "-o", out])?;
    }

    ws.out.line("");
    if keep {
        let kept = tmp.keep();
        ws.out.line(format!("The tour's folder is kept: {}", kept.display()));
    } else {
        ws.out.line("Done. Try it on your own score: bandpro init && bandpro commit score.musicxml");
    }
    Ok(Status::Clean)
}
