//! One module per implementation, each implementing the workload traits it can.
//!
//! | engine | texts | score-like (list of maps) | concurrent-merge (list) |
//! | --- | --- | --- | --- |
//! | `bandpro` | yes | yes | yes |
//! | `automerge` | yes | yes | yes |
//! | `yrs` | yes | yes | yes |
//! | `loro` | yes | yes | yes |
//! | `diamond-types` | yes (its own concurrent replay) | no: it has no maps | as a text of one character per item |

pub mod automerge;
pub mod bandpro;
pub mod diamond_types;
pub mod loro;
pub mod yrs;

/// The names of the implementations, ours first.
pub const NAMES: [&str; 5] = ["bandpro", "automerge", "yrs", "loro", "diamond-types"];
