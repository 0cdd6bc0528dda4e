//! The one integration-test binary of `bandpro-benches`: a differential test of bandpro against
//! automerge, and the workloads' own correctness checks at a small size.

mod differential;
mod workloads;
