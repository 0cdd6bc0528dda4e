//! The folder a command works in: finding and opening the repository (`.bandpro/`), the tracked
//! score file, reading and writing score files, and turning what people type (part names,
//! measure ranges, revisions) into what the library takes.

use std::ops::Range;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use bandpro_core::{Repository, Score};
use bandpro_crdt::{FileStore, ReplicaId};
use bandpro_music::formats::{self, FileFormat, ImportReport, Metadata};
use bandpro_music::{ScoreView, SimpleScore};

use crate::output::Out;

/// The repository folder's name.
pub const REPO_DIR: &str = ".bandpro";
/// The repository setting holding the tracked file's path, relative to the repository's folder.
pub const FILE_KEY: &str = "file";

/// The folder a command runs in, and how it prints.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// The current folder (after `-C`).
    pub cwd: PathBuf,
    /// Output settings.
    pub out: Out,
    /// `--author`, if given.
    pub author: Option<String>,
}

/// An open repository and the folder holding `.bandpro/`.
pub struct Repo {
    /// The repository.
    pub repo: Repository,
    /// The folder that holds `.bandpro/`.
    pub root: PathBuf,
}

impl Workspace {
    /// Who makes changes: `--author`, else `$BANDPRO_AUTHOR`, else the user name.
    pub fn author(&self) -> String {
        self.author
            .clone()
            .or_else(|| std::env::var("BANDPRO_AUTHOR").ok())
            .or_else(|| std::env::var("USER").ok())
            .or_else(|| std::env::var("USERNAME").ok())
            .filter(|a| !a.trim().is_empty())
            .unwrap_or_else(|| "unknown".to_owned())
    }

    /// A path as typed, relative to the current folder.
    pub fn path(&self, p: &Path) -> PathBuf {
        self.cwd.join(p)
    }

    /// The folder holding `.bandpro/`: the current folder or the nearest parent with one.
    pub fn find_root(&self) -> Option<PathBuf> {
        self.cwd.ancestors().find(|d| d.join(REPO_DIR).is_dir()).map(Path::to_path_buf)
    }

    /// Opens the repository this folder is in.
    pub fn open(&self) -> Result<Repo> {
        let Some(root) = self.find_root() else {
            bail!(
                "no BandPro repository in {} or its parents: run `bandpro init` to create one, or `-C DIR` to \
                 work in another folder",
                self.cwd.display()
            )
        };
        let store = open_store(&root.join(REPO_DIR))?;
        let repo = Repository::open(Box::new(store))
            .map_err(|e| anyhow!("{}: {e}: the repository is damaged", root.join(REPO_DIR).display()))?;
        Ok(Repo { repo, root })
    }
}

/// Opens the file store, saying what to do when another command holds it.
pub fn open_store(dir: &Path) -> Result<FileStore> {
    FileStore::open(dir).map_err(|e| match e {
        bandpro_crdt::Error::Locked { .. } => anyhow!(
            "another bandpro command is using the repository in {}: wait for it to finish and try again",
            dir.display()
        ),
        e => anyhow!("{}: {e}", dir.display()),
    })
}

impl Repo {
    /// The tracked file's path, if one is recorded.
    pub fn tracked(&self) -> Result<Option<PathBuf>> {
        Ok(self.repo.meta(FILE_KEY)?.map(|f| self.root.join(f)))
    }

    /// The tracked file, or an error saying how to get one.
    pub fn tracked_or_fail(&self) -> Result<PathBuf> {
        self.tracked()?
            .ok_or_else(|| anyhow!("no tracked score file yet: commit one first with `bandpro commit FILE`"))
    }

    /// Records `file` as the tracked file (relative to the repository's folder when inside it).
    pub fn track(&mut self, file: &Path) -> Result<()> {
        let abs = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
        let rel = abs.strip_prefix(&self.root).map(Path::to_path_buf).unwrap_or(abs);
        self.repo.set_meta(FILE_KEY, &rel.to_string_lossy())?;
        Ok(())
    }

    /// The version a revision names, with a hint when it names nothing.
    pub fn resolve(&self, rev: &str) -> Result<Vec<bandpro_crdt::ChangeHash>> {
        self.repo.resolve(rev).map_err(|e| {
            anyhow!("{e}: `bandpro branch`, `bandpro tag` and `bandpro log` list the names you can use")
        })
    }

    /// The score at a revision.
    pub fn score_at(&self, rev: &str) -> Result<Score> {
        if rev == "HEAD" {
            return Ok(self.repo.score().clone());
        }
        Ok(self.repo.score_at(&self.resolve(rev)?)?)
    }

    /// Whether the tracked file differs from the checked-out version (`None` if there is no
    /// tracked file on disk).
    pub fn tracked_changes(&self) -> Result<Option<(PathBuf, bandpro_core::ImportStats, Score)>> {
        let Some(path) = self.tracked()? else { return Ok(None) };
        if !path.exists() {
            return Ok(None);
        }
        let (file, report) = read_score(&path)?;
        let mut copy = self.repo.score().fork(ReplicaId::random());
        let (stats, _) = copy.import_file("status", "status", &file, &report.metadata)?;
        Ok(Some((path, stats, copy)))
    }

    /// Refuses to overwrite a tracked file holding work not committed, unless `force`.
    pub fn check_clean(&self, force: bool) -> Result<()> {
        if force {
            return Ok(());
        }
        if let Some((path, stats, _)) = self.tracked_changes()?
            && !stats.is_empty()
        {
            bail!(
                "{} has {} edit(s) not committed: commit them first (`bandpro commit`), or pass --force to \
                 overwrite them",
                path.display(),
                stats.total()
            );
        }
        Ok(())
    }
}

/// Reads a score file of any supported format, with errors naming the file and the position.
pub fn read_score(path: &Path) -> Result<(SimpleScore, ImportReport)> {
    let bytes = std::fs::read(path).map_err(|e| anyhow!("cannot read {}: {e}", path.display()))?;
    formats::read_any_path(&bytes, path).map_err(|e| {
        anyhow!(
            "{}: {e}: fix the file (or export it again from your notation program) and retry; BandPro reads \
             MusicXML (.musicxml, .xml), .mxl, MIDI (.mid) and ABC (.abc)",
            path.display()
        )
    })
}

/// The format for an output path, or an error listing the extensions.
pub fn format_for(path: &Path) -> Result<FileFormat> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    FileFormat::from_extension(ext).ok_or_else(|| {
        anyhow!("{}: unknown format `.{ext}`: use .musicxml, .xml, .mxl, .mid or .abc", path.display())
    })
}

/// Writes a score to `path` in the format its extension names, atomically (a temporary file
/// renamed over the old one), so a failed write leaves the old file.
pub fn write_score(path: &Path, score: &dyn ScoreView, metadata: &Metadata) -> Result<()> {
    let format = format_for(path)?;
    let bytes = formats::write_bytes(score, Some(metadata), format);
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).with_context(|| {
        format!("cannot write in {}: check the folder exists and is writable", dir.display())
    })?;
    std::io::Write::write_all(&mut tmp, &bytes)
        .with_context(|| format!("cannot write {}", path.display()))?;
    // The temporary file is private (0600); a score written for others to open is not.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map_or(0o644, |m| m.permissions().mode() & 0o7777);
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    tmp.persist(path).map_err(|e| anyhow!("cannot write {}: {}", path.display(), e.error))?;
    Ok(())
}

/// Prints an import's warnings (what the file held that the model cannot carry) to stderr.
pub fn warn_report(path: &Path, report: &ImportReport) {
    for w in &report.warnings {
        eprintln!("warning: {}: {w}", path.display());
    }
}

/// A part by name (any case) or 1-based number.
pub fn part_index(score: &dyn ScoreView, part: &str) -> Result<usize> {
    let names: Vec<String> = (0..score.part_count()).map(|p| score.part(p).name.clone()).collect();
    if let Ok(n) = part.parse::<usize>()
        && (1..=names.len()).contains(&n)
    {
        return Ok(n - 1);
    }
    names.iter().position(|n| n.eq_ignore_ascii_case(part)).ok_or_else(|| {
        anyhow!(
            "no part {part:?}: the parts are {} (or their numbers 1-{})",
            names.iter().map(|n| format!("{n:?}")).collect::<Vec<_>>().join(", "),
            names.len()
        )
    })
}

/// A 1-based measure range as musicians write it (`12` or `12-20`) as 0-based indices.
pub fn measure_range(text: &str) -> Result<Range<usize>> {
    let bad = || anyhow!("bad measure range {text:?}: write `12` or `12-20` (measures count from 1)");
    let (a, b) = match text.split_once('-') {
        Some((a, b)) => (a.trim(), b.trim()),
        None => (text.trim(), text.trim()),
    };
    let a: usize = a.parse().map_err(|_| bad())?;
    let b: usize = b.parse().map_err(|_| bad())?;
    if a == 0 || b < a {
        return Err(bad());
    }
    Ok(a - 1..b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measure_ranges_count_from_one() {
        assert_eq!(measure_range("12-20").unwrap(), 11..20);
        assert_eq!(measure_range("3").unwrap(), 2..3);
        for bad in ["0", "5-3", "x", "1-", ""] {
            assert!(measure_range(bad).is_err(), "{bad}");
        }
    }
}
