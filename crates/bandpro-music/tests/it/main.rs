//! The crate's single integration-test binary.

mod analysis;
mod midi;
mod model;
mod musicxml;
mod validation;
mod abc;
