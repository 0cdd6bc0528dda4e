//! The command line's grammar: every command, argument and `--help` text, declared with clap.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const EXAMPLES: &str = "\
Examples:
  bandpro tour                                  the whole story on a bundled chorale
  bandpro init && bandpro commit score.musicxml -m \"first draft\"
  bandpro branch alto-fix && bandpro checkout alto-fix
  bandpro merge alto-fix --forecast             what the merge will do, before doing it
  bandpro blame --part Alto --measures 9-12
  bandpro export v1 -o parts.mid

Exit codes: 0 success, 1 the command worked but found problems, 2 usage or input error.";

/// Git for music scores, with merges that understand music.
#[derive(Debug, Parser)]
#[command(name = "bandpro", version, about, after_help = EXAMPLES)]
pub struct Cli {
    /// Run as if started in DIR.
    #[arg(short = 'C', value_name = "DIR", global = true)]
    pub dir: Option<PathBuf>,
    /// Print JSON only (shapes in docs/CLI.md).
    #[arg(long, global = true)]
    pub json: bool,
    /// Who makes the change [default: $BANDPRO_AUTHOR, else your user name].
    #[arg(long, value_name = "NAME", global = true)]
    pub author: Option<String>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// A measure range as musicians count: `12` or `12-20`, 1-based, both ends included.
#[derive(Debug, Clone, Args, Default)]
pub struct Place {
    /// A part, by name or 1-based number.
    #[arg(long, value_name = "PART")]
    pub part: Option<String>,
    /// Measures, 1-based: `12` or `12-20`.
    #[arg(long, value_name = "RANGE")]
    pub measures: Option<String>,
}

/// What `analyze` looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Analysis {
    /// The key, its runners-up and the modulations.
    Key,
    /// The chord at every change of sonority.
    Chords,
    /// Roman numerals in the detected key.
    Roman,
}

/// Every command.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a repository (a `.bandpro` folder) here.
    #[command(after_help = "Example:\n  bandpro init\n  bandpro commit score.musicxml -m \"as received\"")]
    Init,
    /// Record a score file as the smallest set of edits against the current version.
    #[command(
        after_help = "Examples:\n  bandpro commit score.musicxml -m \"alto line in m.9\"\n  bandpro commit          \
        (the tracked file)\n\nThe first commit makes FILE the tracked file: `status`, `diff`, `checkout` and `merge`\nuse \
        it from then on."
    )]
    Commit {
        /// The score file (MusicXML, .mxl, MIDI, ABC) [default: the tracked file].
        file: Option<PathBuf>,
        /// Why.
        #[arg(short, long, value_name = "MSG")]
        message: Option<String>,
    },
    /// What the file on disk changes against the checked-out version.
    #[command(after_help = "Example:\n  bandpro status --json")]
    Status,
    /// The history of the checked-out version, newest first.
    #[command(after_help = "Examples:\n  bandpro log\n  bandpro log --part Alto --measures 9-12")]
    Log {
        /// Which changes.
        #[command(flatten)]
        place: Place,
        /// At most this many.
        #[arg(short = 'n', long, value_name = "N")]
        limit: Option<usize>,
    },
    /// One change: who, when, why, and what it did to the music.
    #[command(after_help = "Examples:\n  bandpro show main\n  bandpro show 3fa9c1")]
    Show {
        /// A branch, tag, `HEAD` or (a prefix of) a change hash.
        rev: String,
    },
    /// The musical difference between two versions.
    #[command(after_help = "Examples:\n  bandpro diff               the file on disk against HEAD\n  \
        bandpro diff v1            v1 against HEAD\n  bandpro diff v1 alto-fix   v1 against alto-fix")]
    Diff {
        /// From this version (none: HEAD, compared with the file on disk).
        from: Option<String>,
        /// To this version [default: HEAD].
        to: Option<String>,
    },
    /// List branches, or create one at the checked-out version.
    #[command(after_help = "Examples:\n  bandpro branch\n  bandpro branch alto-fix")]
    Branch {
        /// The new branch's name.
        name: Option<String>,
    },
    /// Check out a version and write it to the tracked file (or -o FILE).
    #[command(after_help = "Examples:\n  bandpro checkout alto-fix\n  bandpro checkout v1 -o old.musicxml")]
    Checkout {
        /// A branch (edits move it), or a tag or hash (read-only).
        rev: String,
        /// Write the score here instead of the tracked file.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Overwrite the tracked file even if it has changes not committed.
        #[arg(long)]
        force: bool,
    },
    /// List tags, or name the checked-out version.
    #[command(after_help = "Example:\n  bandpro tag rehearsal-1")]
    Tag {
        /// The tag's name.
        name: Option<String>,
    },
    /// Merge a branch into the checked-out one and write the result to the tracked file.
    #[command(
        after_help = "Examples:\n  bandpro merge alto-fix --forecast\n  bandpro merge alto-fix --forecast \
        --fail-on-conflict   (exit 1 on clashes, for scripts)\n  bandpro merge alto-fix -m \"alto fix\""
    )]
    Merge {
        /// The branch, tag or hash to merge in.
        branch: String,
        /// Only say what the merge would do.
        #[arg(long)]
        forecast: bool,
        /// With --forecast: exit 1 if anything clashes.
        #[arg(long, requires = "forecast")]
        fail_on_conflict: bool,
        /// The merge's message.
        #[arg(short, long, value_name = "MSG")]
        message: Option<String>,
        /// Overwrite the tracked file even if it has changes not committed.
        #[arg(long)]
        force: bool,
    },
    /// Undo a change with a new change, and write the result to the tracked file.
    #[command(after_help = "Example:\n  bandpro revert 3fa9c1")]
    Revert {
        /// The change (a hash or its prefix, a tag, a branch with one head).
        rev: String,
        /// Overwrite the tracked file even if it has changes not committed.
        #[arg(long)]
        force: bool,
    },
    /// Who last touched each note.
    #[command(after_help = "Examples:\n  bandpro blame --measures 9-12\n  bandpro blame --part 2 --json")]
    Blame {
        /// Which notes.
        #[command(flatten)]
        place: Place,
    },
    /// Write a version, or convert a file, to MusicXML, .mxl, MIDI or ABC (from the extension).
    #[command(
        after_help = "Examples:\n  bandpro export -o score.mid        HEAD as MIDI\n  bandpro export v1 -o v1.musicxml\n  \
        bandpro export song.abc -o song.musicxml   (no repository needed)"
    )]
    Export {
        /// A version, or a score file to convert [default: HEAD].
        source: Option<String>,
        /// Where to write: .musicxml, .xml, .mxl, .mid or .abc.
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
    },
    /// Import a score file: a new repository here, or a commit to the checked-out branch.
    #[command(after_help = "Example:\n  bandpro import tune.abc")]
    Import {
        /// The score file (MusicXML, .mxl, MIDI, ABC).
        file: PathBuf,
        /// Why.
        #[arg(short, long, value_name = "MSG")]
        message: Option<String>,
    },
    /// Check a score against the rules of notation and voice leading (exit 1 on errors).
    #[command(
        after_help = "Examples:\n  bandpro validate               HEAD\n  bandpro validate score.musicxml\n  \
        bandpro validate v1 --strict   (warnings count as problems too)"
    )]
    Validate {
        /// A score file or a version [default: HEAD].
        source: Option<String>,
        /// Exit 1 on warnings too.
        #[arg(long)]
        strict: bool,
    },
    /// Key, chords or roman numerals.
    #[command(
        after_help = "Examples:\n  bandpro analyze key\n  bandpro analyze roman score.musicxml --measures 1-4"
    )]
    Analyze {
        /// What to analyse.
        what: Analysis,
        /// A score file or a version [default: HEAD].
        source: Option<String>,
        /// Only these measures (chords, roman), 1-based.
        #[arg(long, value_name = "RANGE")]
        measures: Option<String>,
    },
    /// Parts, measures and notes, of one score or of many files at once.
    #[command(
        after_help = "Examples:\n  bandpro stats score.musicxml\n  bandpro stats v1\n  bandpro stats --json corpus/ more.mxl   (every score file in the folder, read in parallel)"
    )]
    Stats {
        /// Score files, folders of them, or one version [default: HEAD].
        sources: Vec<String>,
    },
    /// Erase an author's name and messages from the whole history (hashes stay valid).
    #[command(name = "erase-author", after_help = "Example:\n  bandpro erase-author \"Jane Doe\"")]
    EraseAuthor {
        /// The author's name, as the log shows it.
        name: String,
    },
    /// Run the whole story on a bundled chorale in a temporary folder.
    Tour {
        /// Keep the temporary folder and print its path.
        #[arg(long)]
        keep: bool,
    },
    /// Print a shell completion script.
    #[command(
        after_help = "Example:\n  bandpro completions bash > ~/.local/share/bash-completion/completions/bandpro"
    )]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}
