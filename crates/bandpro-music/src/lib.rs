//! Music theory, analysis and validation rules for BandPro. No CRDT, no I/O.
