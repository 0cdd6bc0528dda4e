//! `bandpro`: git for music scores, with merges that understand music.
//!
//! A thin adapter over `bandpro-core`: a repository lives in a folder `.bandpro/` (a crash-safe
//! `bandpro_crdt::FileStore`) made by `bandpro init`; the first `bandpro commit FILE` makes FILE
//! the *tracked* score file, which `status`, `diff`, `checkout`, `merge` and `revert` read or
//! write from then on. Committing a file records the smallest set of edits that turns the
//! current version into it (`Repository::import_file`), so a note edited in any notation
//! program keeps its identity and merges as precisely as an edit made through the API.
//!
//! Start with `bandpro tour`. Every command and the JSON shape of every `--json` output are in
//! `docs/CLI.md`.
//!
//! Exit codes: 0 success; 1 the command worked but found problems (validation errors, or with
//! `merge --forecast --fail-on-conflict`, a clash); 2 usage or input errors. A command that
//! fails changes nothing in the repository.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod analysis;
mod cli;
mod files;
mod history;
mod output;
mod shapes;
mod tour;
mod versions;
mod workspace;

use std::process::ExitCode;

use anyhow::Result;
use clap::{CommandFactory, Parser};

use crate::cli::{Cli, Command};
use crate::output::Out;
use crate::workspace::Workspace;

/// How a command that ran went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// It worked and found nothing wrong: exit 0.
    Clean,
    /// It worked and found problems: exit 1.
    Problems,
}

fn main() -> ExitCode {
    // clap prints help and usage errors itself; usage errors exit 2.
    let cli = Cli::try_parse().unwrap_or_else(|e| e.exit());
    match run(cli) {
        Ok(Status::Clean) => ExitCode::SUCCESS,
        Ok(Status::Problems) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Runs one parsed command line.
pub fn run(cli: Cli) -> Result<Status> {
    let here = std::env::current_dir()?;
    let cwd = match &cli.dir {
        Some(d) => {
            let d = here.join(d);
            if !d.is_dir() {
                anyhow::bail!("-C {}: no such folder", d.display());
            }
            d
        }
        None => here,
    };
    let ws = Workspace { cwd, out: Out::detect(cli.json), author: cli.author.clone() };
    match cli.command {
        Command::Init => files::init(&ws),
        Command::Commit { file, message } => files::commit(&ws, file, message),
        Command::Status => files::status(&ws),
        Command::Log { place, limit } => history::log(&ws, &place, limit),
        Command::Show { rev } => history::show(&ws, &rev),
        Command::Diff { from, to } => history::diff(&ws, from.as_deref(), to.as_deref()),
        Command::Branch { name } => versions::branch(&ws, name.as_deref()),
        Command::Checkout { rev, output, force } => versions::checkout(&ws, &rev, output, force),
        Command::Tag { name } => versions::tag(&ws, name.as_deref()),
        Command::Merge { branch, forecast, fail_on_conflict, message, force } => {
            versions::merge(&ws, &branch, forecast, fail_on_conflict, message, force)
        }
        Command::Revert { rev, force } => versions::revert(&ws, &rev, force),
        Command::Blame { place } => history::blame(&ws, &place),
        Command::Export { source, output } => files::export(&ws, source.as_deref(), &output),
        Command::Import { file, message } => files::import(&ws, &file, message),
        Command::Validate { source, strict } => analysis::validate(&ws, source.as_deref(), strict),
        Command::Analyze { what, source, measures } => {
            analysis::analyze(&ws, what, source.as_deref(), measures.as_deref())
        }
        Command::Stats { sources } => analysis::stats(&ws, &sources),
        Command::EraseAuthor { name } => versions::erase_author(&ws, &name),
        Command::Tour { keep } => tour::tour(&ws, keep),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "bandpro", &mut std::io::stdout());
            Ok(Status::Clean)
        }
    }
}
