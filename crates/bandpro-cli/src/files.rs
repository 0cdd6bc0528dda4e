//! Commands that move scores between files and the repository: `init`, `commit`, `status`,
//! `import` and `export`.

use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow, bail};
use bandpro_core::{Head, ImportStats, Repository, diff};
use serde_json::json;

use crate::Status;
use crate::output::{Progress, Style};
use crate::shapes::{Change, Stats};
use crate::workspace::{REPO_DIR, Repo, Workspace, open_store, read_score, warn_report, write_score};

/// `bandpro init`: a new repository in the current folder.
pub fn init(ws: &Workspace) -> Result<Status> {
    let dir = ws.cwd.join(REPO_DIR);
    if dir.exists() {
        bail!("{} is a BandPro repository already: nothing to do", ws.cwd.display());
    }
    let store = open_store(&dir)?;
    if let Err(e) = Repository::init(Box::new(store)) {
        let _ = std::fs::remove_dir_all(&dir);
        bail!("cannot create a repository in {}: {e}", dir.display());
    }
    ws.out.json(&json!({ "repository": dir }));
    ws.out.line(format!("Created an empty BandPro repository in {}", dir.display()));
    ws.out.line("Next: bandpro commit score.musicxml -m \"first version\"");
    Ok(Status::Clean)
}

/// A one-line summary of an import: "2 notes changed, 1 measure inserted".
pub fn summary(s: &ImportStats) -> String {
    let mut parts = Vec::new();
    let mut add = |n: usize, one: &str, many: &str| {
        if n > 0 {
            parts.push(format!("{n} {}", if n == 1 { one } else { many }));
        }
    };
    add(s.parts_added, "part added", "parts added");
    add(s.parts_removed, "part removed", "parts removed");
    add(s.measures_inserted, "measure inserted", "measures inserted");
    add(s.measures_deleted, "measure deleted", "measures deleted");
    add(s.measures_changed, "measure changed", "measures changed");
    add(s.events_inserted, "note or rest inserted", "notes or rests inserted");
    add(s.events_deleted, "note or rest deleted", "notes or rests deleted");
    add(s.events_changed, "note or rest changed", "notes or rests changed");
    add(s.metadata_changed, "title field changed", "title fields changed");
    if parts.is_empty() { "no changes".into() } else { parts.join(", ") }
}

fn file_name(p: &Path) -> String {
    p.file_name().map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// Commits `path` to the open repository; tracks it if nothing is tracked yet.
fn commit_path(ws: &Workspace, r: &mut Repo, path: &Path, message: Option<String>) -> Result<Status> {
    let progress = Progress::new();
    progress.step(&format!("reading {}", file_name(path)));
    let (file, report) = read_score(path)?;
    warn_report(path, &report);
    if let Head::Detached(_) = r.repo.head() {
        bail!("a tag or hash is checked out, not a branch: `bandpro checkout BRANCH` first, then commit");
    }
    progress.step("aligning with the current version");
    let message = message.unwrap_or_else(|| format!("commit {}", file_name(path)));
    let (stats, edit) = r.repo.import_file(&ws.author(), &message, &file, &report.metadata)?;
    drop(progress);
    if r.tracked()?.is_none() {
        r.track(path)?;
    }
    let hash = edit.hash.map(|h| h.to_hex());
    ws.out.json(&json!({ "hash": hash, "file": path, "stats": Stats::from(&stats) }));
    match hash {
        Some(h) => {
            ws.out.line(format!("{} {}: {}", ws.out.paint(Style::Hash, &h[..8]), message, summary(&stats)))
        }
        None => ws.out.line(format!("nothing to commit: {} matches the current version", file_name(path))),
    }
    Ok(Status::Clean)
}

/// `bandpro commit [FILE]`.
pub fn commit(ws: &Workspace, file: Option<PathBuf>, message: Option<String>) -> Result<Status> {
    let mut r = ws.open()?;
    let path = match file {
        Some(f) => ws.path(&f),
        None => r.tracked_or_fail()?,
    };
    commit_path(ws, &mut r, &path, message)
}

/// `bandpro status`.
pub fn status(ws: &Workspace) -> Result<Status> {
    let r = ws.open()?;
    let branch = match r.repo.head() {
        Head::Branch(b) => Some(b.clone()),
        Head::Detached(_) => None,
    };
    let path = r.tracked_or_fail()?;
    let Some((path, stats, edited)) = r.tracked_changes()? else {
        bail!("{} is missing: `bandpro checkout HEAD --force` writes it again", path.display());
    };
    let changes = diff::diff(r.repo.score(), &edited);
    ws.out.json(&json!({
        "branch": branch,
        "heads": crate::shapes::hexes(&r.repo.heads()),
        "file": path,
        "clean": stats.is_empty(),
        "stats": Stats::from(&stats),
        "changes": changes.iter().map(Change::from).collect::<Vec<_>>(),
    }));
    match &branch {
        Some(b) => ws.out.line(format!("On branch {}", ws.out.paint(Style::Bold, b))),
        None => ws.out.line("Detached: a tag or hash is checked out (commits need a branch)"),
    }
    if stats.is_empty() {
        ws.out.line(format!("{}: no changes", file_name(&path)));
    } else {
        ws.out.line(format!("{}: {} not committed", file_name(&path), summary(&stats)));
        crate::history::print_changes(ws, &changes);
    }
    Ok(Status::Clean)
}

/// `bandpro import FILE`: a new repository here, or a commit.
pub fn import(ws: &Workspace, file: &Path, message: Option<String>) -> Result<Status> {
    let path = ws.path(file);
    if ws.find_root().is_some() {
        let mut r = ws.open()?;
        let message = message.or_else(|| Some(format!("import {}", file_name(&path))));
        return commit_path(ws, &mut r, &path, message);
    }
    // Read first: a file that does not parse must not leave an empty repository behind.
    read_score(&path)?;
    let dir = ws.cwd.join(REPO_DIR);
    let store = open_store(&dir)?;
    Repository::init(Box::new(store))
        .map_err(|e| anyhow!("cannot create a repository in {}: {e}", dir.display()))?;
    ws.out.line(format!("Created a BandPro repository in {}", dir.display()));
    let mut r = ws.open()?;
    let message = message.or_else(|| Some(format!("import {}", file_name(&path))));
    commit_path(ws, &mut r, &path, message)
}

/// `bandpro export [REV|FILE] -o OUT`.
pub fn export(ws: &Workspace, source: Option<&str>, output: &Path) -> Result<Status> {
    let out_path = ws.path(output);
    crate::workspace::format_for(&out_path)?;
    let progress = Progress::new();
    let label = match source.map(|s| (s, ws.path(Path::new(s)))) {
        Some((_, p)) if p.is_file() => {
            progress.step(&format!("reading {}", file_name(&p)));
            let (score, report) = read_score(&p)?;
            warn_report(&p, &report);
            progress.step("writing");
            write_score(&out_path, &score, &report.metadata)?;
            p.display().to_string()
        }
        other => {
            let rev = other.map_or("HEAD", |(s, _)| s);
            let r = ws.open()?;
            let score = r.score_at(rev)?;
            progress.step("writing");
            write_score(&out_path, &score, &score.file_metadata())?;
            rev.to_owned()
        }
    };
    drop(progress);
    ws.out.json(&json!({ "source": label, "output": out_path }));
    ws.out.line(format!("wrote {} from {label}", out_path.display()));
    Ok(Status::Clean)
}
