//! Commands that name and move between versions: `branch`, `tag`, `checkout`, `merge`,
//! `revert` and `erase-author`.

use std::path::PathBuf;

use anyhow::{Result, bail};
use bandpro_core::forecast::{Forecast, Risk};
use bandpro_core::{Head, Score};
use serde_json::json;

use crate::Status;
use crate::output::{Progress, Style};
use crate::shapes::{ForecastShape, hexes};
use crate::workspace::{Repo, Workspace, write_score};

fn current_branch(r: &Repo) -> Option<String> {
    match r.repo.head() {
        Head::Branch(b) => Some(b.clone()),
        Head::Detached(_) => None,
    }
}

/// `bandpro branch [NAME]`.
pub fn branch(ws: &Workspace, name: Option<&str>) -> Result<Status> {
    let mut r = ws.open()?;
    let current = current_branch(&r);
    if let Some(name) = name {
        r.repo.branch(name).map_err(|e| anyhow::anyhow!("cannot create branch {name:?}: {e}"))?;
        ws.out.json(&json!({ "created": name, "heads": hexes(&r.repo.heads()) }));
        ws.out.line(format!("created branch {} at the checked-out version", ws.out.paint(Style::Bold, name)));
        ws.out.line(format!("switch to it with: bandpro checkout {name}"));
        return Ok(Status::Clean);
    }
    let branches = r.repo.branches()?;
    ws.out.json(&json!({
        "current": current,
        "branches": branches.iter().map(|(n, h)| json!({ "name": n, "heads": hexes(h), "current": Some(n) == current.as_ref() })).collect::<Vec<_>>(),
    }));
    let rows: Vec<Vec<String>> = branches
        .iter()
        .map(|(n, h)| {
            let here = Some(n) == current.as_ref();
            vec![
                if here { "*".into() } else { " ".into() },
                if here { ws.out.paint(Style::Good, n) } else { n.clone() },
                ws.out.paint(
                    Style::Hash,
                    h.iter().map(|x| x.to_hex()[..8].to_owned()).collect::<Vec<_>>().join(","),
                ),
            ]
        })
        .collect();
    ws.out.table(&rows);
    Ok(Status::Clean)
}

/// `bandpro tag [NAME]`.
pub fn tag(ws: &Workspace, name: Option<&str>) -> Result<Status> {
    let mut r = ws.open()?;
    if let Some(name) = name {
        r.repo.tag(name).map_err(|e| anyhow::anyhow!("cannot create tag {name:?}: {e}"))?;
        ws.out.json(&json!({ "created": name, "heads": hexes(&r.repo.heads()) }));
        ws.out.line(format!("tagged the checked-out version as {}", ws.out.paint(Style::Bold, name)));
        return Ok(Status::Clean);
    }
    let tags = r.repo.tags()?;
    ws.out.json(&json!({
        "tags": tags.iter().map(|(n, h)| json!({ "name": n, "heads": hexes(h) })).collect::<Vec<_>>(),
    }));
    let rows: Vec<Vec<String>> = tags
        .iter()
        .map(|(n, h)| {
            vec![
                n.clone(),
                ws.out.paint(
                    Style::Hash,
                    h.iter().map(|x| x.to_hex()[..8].to_owned()).collect::<Vec<_>>().join(","),
                ),
            ]
        })
        .collect();
    ws.out.table(&rows);
    Ok(Status::Clean)
}

/// Writes the checked-out score to the tracked file, if there is one.
fn write_tracked(r: &Repo, score: &Score) -> Result<Option<PathBuf>> {
    let Some(path) = r.tracked()? else { return Ok(None) };
    write_score(&path, score, &score.file_metadata())?;
    Ok(Some(path))
}

/// `bandpro checkout REV [-o FILE]`.
pub fn checkout(ws: &Workspace, rev: &str, output: Option<PathBuf>, force: bool) -> Result<Status> {
    let mut r = ws.open()?;
    let score = r.score_at(rev)?;
    if let Some(out) = output {
        // Only a copy: the checked-out version and the tracked file stay as they are.
        let out = ws.path(&out);
        write_score(&out, &score, &score.file_metadata())?;
        ws.out.json(&json!({ "rev": rev, "output": out, "switched": false }));
        ws.out.line(format!("wrote {rev} to {} (still on the same version)", out.display()));
        return Ok(Status::Clean);
    }
    r.check_clean(force)?;
    // The file first: if it cannot be written, the repository has not moved.
    let written = write_tracked(&r, &score)?;
    r.repo.checkout(rev)?;
    let branch = current_branch(&r);
    ws.out.json(&json!({ "rev": rev, "branch": branch, "heads": hexes(&r.repo.heads()), "file": written, "switched": true }));
    match &branch {
        Some(b) => ws.out.line(format!("on branch {}", ws.out.paint(Style::Bold, b))),
        None => ws.out.line(format!("at {rev} (detached: read-only; `bandpro checkout BRANCH` to edit)")),
    }
    if let Some(p) = written {
        ws.out.line(format!("wrote {}", p.display()));
    }
    Ok(Status::Clean)
}

/// Prints a forecast for people.
pub fn print_forecast(ws: &Workspace, rev: &str, f: &Forecast) {
    let risk = format!("{:?}", f.risk).to_lowercase();
    let risk_style = match f.risk {
        Risk::None => Style::Good,
        Risk::Low => Style::Dim,
        Risk::Medium => Style::Warn,
        Risk::High => Style::Bad,
    };
    ws.out.line(format!(
        "merging {rev}: {} change(s) here, {} there; risk {}",
        f.ours_changes,
        f.theirs_changes,
        ws.out.paint(risk_style, risk)
    ));
    for item in &f.items {
        ws.out.line(format!("  {}", ws.out.paint(Style::Warn, item.to_string())));
        if let Some(s) = &item.suggestion {
            ws.out.line(format!("    {}", ws.out.paint(Style::Dim, format!("suggestion: {s}"))));
        }
    }
}

/// `bandpro merge BRANCH [--forecast [--fail-on-conflict]] [-m MSG]`.
pub fn merge(
    ws: &Workspace,
    rev: &str,
    forecast_only: bool,
    fail_on_conflict: bool,
    message: Option<String>,
    force: bool,
) -> Result<Status> {
    let mut r = ws.open()?;
    r.resolve(rev)?;
    let progress = Progress::new();
    progress.step("forecasting the merge");
    let forecast = r.repo.forecast(rev)?;
    drop(progress);
    if forecast_only {
        ws.out.json(&ForecastShape::from(&forecast));
        print_forecast(ws, rev, &forecast);
        if fail_on_conflict && forecast.risk != Risk::None {
            return Ok(Status::Problems);
        }
        return Ok(Status::Clean);
    }
    let Some(branch) = current_branch(&r) else {
        bail!("a tag or hash is checked out, not a branch: `bandpro checkout BRANCH` first, then merge");
    };
    if forecast.theirs_changes == 0 {
        ws.out.json(&json!({ "hash": null, "forecast": ForecastShape::from(&forecast) }));
        ws.out.line(format!("already up to date: {branch} has everything {rev} has"));
        return Ok(Status::Clean);
    }
    r.check_clean(force)?;
    let progress = Progress::new();
    progress.step("merging");
    let message = message.unwrap_or_else(|| format!("merge {rev} into {branch}"));
    let edit = r.repo.merge(rev, &ws.author(), &message)?;
    progress.step("writing the score");
    let written = write_tracked(&r, r.repo.score())?;
    drop(progress);
    let hash = edit.hash.map(|h| h.to_hex());
    ws.out.json(&json!({ "hash": hash, "file": written, "forecast": ForecastShape::from(&forecast) }));
    print_forecast(ws, rev, &forecast);
    ws.out.line(format!("{} {message}", ws.out.paint(Style::Hash, hash.as_deref().map_or("", |h| &h[..8]))));
    if let Some(p) = written {
        ws.out.line(format!("wrote {}", p.display()));
    }
    Ok(Status::Clean)
}

/// `bandpro revert REV`.
pub fn revert(ws: &Workspace, rev: &str, force: bool) -> Result<Status> {
    let mut r = ws.open()?;
    let heads = r.resolve(rev)?;
    let [hash] = heads.as_slice() else {
        bail!("{rev} names a version with {} heads: give one change's hash (`bandpro log`)", heads.len());
    };
    if current_branch(&r).is_none() {
        bail!("a tag or hash is checked out, not a branch: `bandpro checkout BRANCH` first, then revert");
    }
    r.check_clean(force)?;
    let edit = r.repo.revert(hash, &ws.author())?;
    let written = write_tracked(&r, r.repo.score())?;
    let new = edit.hash.map(|h| h.to_hex());
    ws.out.json(&json!({ "reverted": hash.to_hex(), "hash": new, "file": written }));
    match &new {
        Some(h) => {
            ws.out.line(format!("{} reverted {}", ws.out.paint(Style::Hash, &h[..8]), &hash.to_hex()[..8]))
        }
        None => ws.out.line(format!("nothing to revert: {} changes nothing any more", &hash.to_hex()[..8])),
    }
    if let Some(p) = written {
        ws.out.line(format!("wrote {}", p.display()));
    }
    Ok(Status::Clean)
}

/// `bandpro erase-author NAME`.
pub fn erase_author(ws: &Workspace, name: &str) -> Result<Status> {
    let mut r = ws.open()?;
    let n = r.repo.erase_author(name)?;
    ws.out.json(&json!({ "author": name, "erased": n }));
    if n == 0 {
        ws.out
            .line(format!("no change is signed {name:?}: nothing erased (`bandpro log` shows the authors)"));
    } else {
        ws.out.line(format!(
            "erased the name and messages of {n} change(s) by {name:?}; every hash still verifies"
        ));
    }
    Ok(Status::Clean)
}
