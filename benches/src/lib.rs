//! Workloads shared by the criterion benches, the `bandpro-bench` binary and the differential
//! tests: the same edits, replayed on BandPro and on its peers (Automerge, Yrs, Loro and
//! diamond-types), so that their speed and memory can be compared in one run.
//!
//! - [`trace`] loads the public editing traces (`shared/traces/*.json.gz`).
//! - [`workload`] defines the workloads, the small traits each engine implements for them and
//!   the drivers that replay a workload on any engine and check its result.
//! - [`engines`] holds one module per implementation.
//! - [`memory`] measures peak resident memory.
//! - [`runner`] runs one workload on one engine by name and reports its metrics.
//! - [`report`] turns the measurements back into Markdown tables.
//! - [`storage`], [`music`] and [`score_edit`] hold BandPro-only workloads and metrics: saving,
//!   loading and syncing documents (issue 4), analysis, validation and MusicXML (issues 3 and 5),
//!   and the collaborative score and its repository (issues 6 and 7).
//!
//! ```no_run
//! use bandpro_benches::runner::{self, Sizes};
//!
//! let metrics = runner::run("score-like", "bandpro", &Sizes::SMALL).unwrap();
//! for (name, value) in metrics {
//!     println!("{name}: {value}");
//! }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod engines;
pub mod memory;
pub mod music;
pub mod report;
pub mod runner;
pub mod score_edit;
pub mod storage;
pub mod trace;
pub mod workload;
