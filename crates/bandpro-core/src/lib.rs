//! `bandpro-core`: the score as a CRDT document, where the engine (`bandpro-crdt`) and the music
//! (`bandpro-music`) meet.
//!
//! A [`Score`] is a `bandpro_crdt::Document` laid out by the schema in [`schema`]: one global
//! list of measures shared by all parts, events with stable ids, signatures stored where they
//! change. Edits go through the typed, transactional [`ScoreTx`]; every edit and every remote
//! change yields [`ScoreChange`]s in musical terms and keeps the diagnostics of
//! `bandpro_music::validate` up to date by re-checking only the measures it touched.
//!
//! ```
//! use bandpro_core::Score;
//! use bandpro_crdt::ReplicaId;
//! use bandpro_music::ScoreView;
//!
//! let mut alto = Score::new(ReplicaId::from_u128(1)).unwrap();
//! let part = alto
//!     .edit("ann", "start", |tx| {
//!         let p = tx.add_part("Alto Sax", Some("alto-sax"))?;
//!         tx.insert_measures(0, 2)?;
//!         Ok(p)
//!     })
//!     .unwrap()
//!     .0;
//! let mut tenor = alto.fork(ReplicaId::from_u128(2));
//! alto.edit("ann", "m1", |tx| tx.append_note(part, 0, 0, "E4".parse()?, "1/2".parse()?)).unwrap();
//! tenor.edit("bob", "m2", |tx| tx.append_note(part, 1, 0, "G4".parse()?, "1/2".parse()?)).unwrap();
//! alto.merge(&tenor).unwrap();
//! tenor.merge(&alto).unwrap();
//! assert_eq!(alto.events(0, 1, 0), tenor.events(0, 1, 0));
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod align;
mod blame;
mod diagnostics;
pub mod diff;
mod edit;
mod error;
pub mod forecast;
mod notify;
mod presence;
mod repo;
pub mod schema;
mod score;
mod undo;
mod view_cache;

pub use align::{FILE_METADATA_KEYS, ImportStats};
pub use bandpro_crdt as crdt;
pub use bandpro_music as music;
pub use blame::{Blame, EventBlame};
pub use diagnostics::Diagnostics;
pub use edit::{MAX_VOICES, ScoreTx};
pub use error::{Error, Result};
pub use notify::{ChangeKind, ScoreChange};
pub use presence::{Clash, Presence, PresenceEntry};
pub use repo::{Head, LogEntry, LogFilter, Repository};
pub use score::{Edit, PartId, Score};
pub use view_cache::MeasureExtras;
