//! Results as plain typed data, one module per command: what every renderer
//! reads and `--json` writes.

pub mod compare;

pub use compare::*;
