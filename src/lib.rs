//! gil-lab: how the GIL constrains Python, measured beside processes,
//! subinterpreters and Rust threads, in an embedded CPython.
//!
//! The library is what the binary and `examples/` use: start the interpreter
//! ([`Embedded`]), run lessons ([`lessons`]), compare concurrency models
//! ([`compare::compare`]) and render the reports ([`render`]).

pub mod app;
pub mod cli;
pub mod compare;
pub mod convoy;
pub mod deadline;
pub mod error;
pub mod interpreter;
pub mod kernels;
pub mod lessons;
pub mod live;
pub mod measure;
pub mod output;
pub mod probe;
pub mod processes;
pub mod pythons;
pub mod remote;
pub mod render;
pub mod report;
pub mod signals;
pub mod stats;
pub mod strategies;
pub mod sweep;
pub mod timeline;
pub mod verdict;
pub mod verify;
pub mod workload;

pub use compare::{CompareOptions, Outcome, compare};
pub use interpreter::Embedded;
pub use measure::{Plan, Progress, Silent};
pub use report::Report;
pub use workload::Scenario;

/// CPUs this process may use.
pub fn cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
