//! The integration tests of `bandpro-crdt`, in one binary.

mod erasure;
mod format;
mod hostile;
mod laws;
mod rejections;
mod scenarios;
mod snapshot;
mod store;
mod sync;
