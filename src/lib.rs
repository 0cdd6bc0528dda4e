//! BandPro: real-time, offline-capable collaboration on music scores.
//!
//! This facade re-exports the public API of the workspace's library crates:
//! - [`crdt`]: the generic, event-sourced CRDT engine (`bandpro-crdt`);
//! - [`music`]: music theory, analysis and validation (`bandpro-music`);
//! - [`core`]: the score document and its repository (`bandpro-core`).

pub use bandpro_core as core;
pub use bandpro_crdt as crdt;
pub use bandpro_music as music;
