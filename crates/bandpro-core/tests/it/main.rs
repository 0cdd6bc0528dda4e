//! The integration tests of `bandpro-core`, in one binary.

mod props;
mod repo;
mod scenarios;
