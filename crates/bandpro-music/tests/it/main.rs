//! The crate's single integration-test binary.

mod analysis;
mod model;
mod validation;
mod musicxml;
mod midi;
