//! The crate's single integration-test binary.

mod abc;
mod analysis;
mod midi;
mod model;
mod musicxml;
mod transposition;
mod validation;
