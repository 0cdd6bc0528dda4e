//! Workloads shared by the criterion benches and the `bandpro-bench` binary.
