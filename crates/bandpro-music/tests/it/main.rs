//! The crate's single integration-test binary.

mod abc;
mod analysis;
mod chord_symbols;
mod midi;
mod model;
mod musicxml;
mod transposition;
mod validation;
