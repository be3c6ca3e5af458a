//! gil-lab: how the GIL constrains Python, measured beside processes,
//! subinterpreters and Rust threads, in an embedded CPython.
//!
//! The layers, top to bottom (each uses only those below it):
//! `commands` (the CLI) → `render` (formats) → `lab` (one experiment per
//! command) → `report` (typed results) → `engine` (workloads, strategies,
//! measuring) → `cpython` (interpreters) → `os` (processes, signals, files).
//!
//! The library API is what the binary and `examples/` use: start the
//! interpreter ([`Embedded`]), compare concurrency models ([`compare`]) and
//! render the reports ([`render`]).

pub mod cli;
pub mod commands;
pub(crate) mod cpython;
pub(crate) mod engine;
pub(crate) mod error;
pub(crate) mod lab;
pub(crate) mod os;
pub mod render;
pub(crate) mod report;

pub use cpython::interpreter::Embedded;
pub use engine::measure::{Plan, Progress, Silent};
pub use engine::workload::Scenario;
pub use lab::compare::{CompareOptions, Outcome, compare};
pub use report::Report;

/// What the integration tests read besides the CLI: limits and process facts.
#[doc(hidden)]
pub mod testing {
    pub use crate::cpython::deadline::MAX_TIMEOUT_S;
    pub use crate::cpython::pythons::install_dir;
    pub use crate::os::machine::busy_cpus;
    pub use crate::os::processes::descendants;
}
