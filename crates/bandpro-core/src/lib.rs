//! The BandPro score document on the CRDT engine, and its repository.
//!
//! This crate joins [`bandpro_crdt`] (the engine) and [`bandpro_music`] (the music). It is where
//! the score schema, the editing API, the repository and the merge forecast will live; for now it
//! only re-exports the two layers it stands on.

pub use bandpro_crdt as crdt;
pub use bandpro_music as music;
