//! The crate's single integration-test binary.

mod model;
