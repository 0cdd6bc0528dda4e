//! Commands that read history: `log`, `show`, `diff` and `blame`.

use anyhow::{Result, bail};
use bandpro_core::diff::{self, DiffEntry, describe_event};
use bandpro_core::{LogFilter, Score};
use bandpro_music::{Rational, ScoreView};
use serde::Serialize;
use serde_json::json;

use crate::Status;
use crate::cli::Place;
use crate::output::{Style, date};
use crate::shapes::{Change, LogItem, hexes};
use crate::workspace::{Workspace, measure_range, part_index};

/// Prints musical differences, one per line, coloured by kind.
pub fn print_changes(ws: &Workspace, changes: &[DiffEntry]) {
    for c in changes {
        let style = match c {
            DiffEntry::PartAdded { .. }
            | DiffEntry::MeasuresInserted { .. }
            | DiffEntry::EventInserted { .. } => Style::Good,
            DiffEntry::PartRemoved { .. }
            | DiffEntry::MeasuresDeleted { .. }
            | DiffEntry::EventDeleted { .. } => Style::Bad,
            _ => Style::Warn,
        };
        ws.out.line(format!("  {}", ws.out.paint(style, c.to_string())));
    }
}

/// Sorted measure indices as "m.3, m.9-12" (1-based).
fn measure_list(ms: &[usize]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < ms.len() {
        let mut j = i;
        while j + 1 < ms.len() && ms[j + 1] == ms[j] + 1 {
            j += 1;
        }
        out.push(if i == j { format!("m.{}", ms[i] + 1) } else { format!("m.{}-{}", ms[i] + 1, ms[j] + 1) });
        i = j + 1;
    }
    out.join(", ")
}

/// `bandpro log`.
pub fn log(ws: &Workspace, place: &Place, limit: Option<usize>) -> Result<Status> {
    let r = ws.open()?;
    let score = r.repo.score();
    let filter = LogFilter {
        part: place.part.as_deref().map(|p| part_index(score, p)).transpose()?,
        measures: place.measures.as_deref().map(measure_range).transpose()?,
        limit,
    };
    let entries = r.repo.log(&filter)?;
    ws.out.json(&entries.iter().map(|e| LogItem::new(e, score)).collect::<Vec<_>>());
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            vec![
                ws.out.paint(Style::Hash, &e.hash.to_hex()[..8]),
                ws.out.paint(Style::Dim, date(e.time)),
                e.author.clone().unwrap_or_else(|| "(unknown)".into()),
                e.message.clone().unwrap_or_default(),
                ws.out.paint(Style::Dim, measure_list(&e.measures)),
            ]
        })
        .collect();
    ws.out.table(&rows);
    Ok(Status::Clean)
}

/// `bandpro show REV`.
pub fn show(ws: &Workspace, rev: &str) -> Result<Status> {
    let r = ws.open()?;
    let heads = r.resolve(rev)?;
    let [hash] = heads.as_slice() else {
        bail!(
            "{rev} is a version with {} heads, not one change: `bandpro log` lists its changes",
            heads.len()
        );
    };
    let doc = r.repo.document();
    let change = doc.change(hash).expect("a resolved hash is in the document");
    let parents = change.deps().to_vec();
    let changes = if parents.is_empty() {
        Vec::new()
    } else {
        diff::diff(&r.repo.score_at(&parents)?, &r.repo.score_at(&heads)?)
    };
    ws.out.json(&json!({
        "hash": hash.to_hex(),
        "parents": hexes(&parents),
        "author": change.author(),
        "message": change.message(),
        "time": change.time(),
        "changes": changes.iter().map(Change::from).collect::<Vec<_>>(),
    }));
    ws.out.line(format!("change {}", ws.out.paint(Style::Hash, hash.to_hex())));
    if parents.len() > 1 {
        ws.out.line(format!(
            "merge of {}",
            parents.iter().map(|p| p.to_hex()[..8].to_owned()).collect::<Vec<_>>().join(" ")
        ));
    }
    ws.out.table(&[
        vec!["author".into(), change.author().unwrap_or("(unknown)").to_owned()],
        vec!["date".into(), date(change.time())],
        vec!["message".into(), change.message().unwrap_or("").to_owned()],
    ]);
    if changes.is_empty() {
        ws.out.line("(no change to the music)");
    }
    print_changes(ws, &changes);
    Ok(Status::Clean)
}

/// `bandpro diff [FROM [TO]]`.
pub fn diff(ws: &Workspace, from: Option<&str>, to: Option<&str>) -> Result<Status> {
    let r = ws.open()?;
    let (old, new, from_label, to_label): (Score, Score, String, String) = match (from, to) {
        (None, _) => {
            let path = r.tracked_or_fail()?;
            let Some((path, _, edited)) = r.tracked_changes()? else {
                bail!("{} is missing: `bandpro checkout HEAD --force` writes it again", path.display());
            };
            (r.repo.score().clone(), edited, "HEAD".into(), path.display().to_string())
        }
        (Some(a), b) => {
            let b = b.unwrap_or("HEAD");
            (r.score_at(a)?, r.score_at(b)?, a.to_owned(), b.to_owned())
        }
    };
    let changes = diff::diff(&old, &new);
    ws.out.json(&json!({
        "from": from_label,
        "to": to_label,
        "changes": changes.iter().map(Change::from).collect::<Vec<_>>(),
    }));
    ws.out.line(format!("{} -> {}: {} difference(s)", from_label, to_label, changes.len()));
    print_changes(ws, &changes);
    Ok(Status::Clean)
}

/// One row of `blame --json`.
#[derive(Debug, Serialize)]
struct BlameItem {
    measure: usize,
    part: String,
    voice: usize,
    beat: String,
    event: String,
    hash: String,
    author: Option<String>,
    time: i64,
    message: Option<String>,
}

/// The 1-based beat of an onset in a measure.
fn beat(score: &dyn ScoreView, measure: usize, onset: Rational) -> Rational {
    let den = i64::from(score.measure(measure).time.denominator());
    onset * Rational::from_int(den) + Rational::ONE
}

/// `bandpro blame`.
pub fn blame(ws: &Workspace, place: &Place) -> Result<Status> {
    let r = ws.open()?;
    let score = r.repo.score();
    let part = place.part.as_deref().map(|p| part_index(score, p)).transpose()?;
    let range = match place.measures.as_deref() {
        Some(m) => measure_range(m)?,
        None => 0..score.measure_count(),
    };
    if range.start >= score.measure_count() {
        bail!(
            "the score has {} measures: ask for measures in 1-{}",
            score.measure_count(),
            score.measure_count()
        );
    }
    let blames = r.repo.blame_events(range, part)?;
    let mut items = Vec::new();
    for b in &blames {
        let Some(e) = score.event(b.event) else { continue };
        items.push(BlameItem {
            measure: b.measure + 1,
            part: score.part(b.part).name.clone(),
            voice: b.voice + 1,
            beat: beat(score, b.measure, e.onset).to_string(),
            event: describe_event(e),
            hash: b.blame.hash.to_hex(),
            author: b.blame.author.clone(),
            time: b.blame.time,
            message: b.blame.message.clone(),
        });
    }
    // Within a voice, in time order.
    items.sort_by(|a, b| {
        (a.measure, &a.part, a.voice).cmp(&(b.measure, &b.part, b.voice)).then_with(|| {
            let p = |s: &str| s.parse::<Rational>().unwrap_or(Rational::ZERO);
            p(&a.beat).cmp(&p(&b.beat))
        })
    });
    let order: Vec<String> = (0..score.part_count()).map(|p| score.part(p).name.clone()).collect();
    items.sort_by_key(|i| (i.measure, order.iter().position(|n| *n == i.part), i.voice));
    ws.out.json(&items);
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|i| {
            vec![
                format!("m.{}", i.measure),
                i.part.clone(),
                format!("v{}", i.voice),
                format!("beat {}", i.beat),
                i.event.clone(),
                ws.out.paint(Style::Hash, &i.hash[..8]),
                i.author.clone().unwrap_or_else(|| "(unknown)".into()),
                ws.out.paint(Style::Dim, i.message.clone().unwrap_or_default()),
            ]
        })
        .collect();
    ws.out.table(&rows);
    Ok(Status::Clean)
}
