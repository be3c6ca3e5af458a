//! Results as plain typed data, one module per command: what every renderer
//! reads and `--json` writes.

pub mod answer;
pub mod compare;
pub mod convoy;
pub mod dask;
pub mod diagnose;
pub mod free_threading;
pub mod live;
pub mod sweep;
pub mod verify;

pub use compare::*;
