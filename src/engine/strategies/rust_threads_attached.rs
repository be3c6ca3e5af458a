use anyhow::{Result, anyhow};
use pyo3::prelude::*;

use super::python_harness::parse_answer;
use super::{Gil, Implementation, LiveRole, Model, Sample, Strategy, combine, spread_tasks};
use crate::cpython::interpreter::format_py_err;
use crate::engine::kernels::Value;
use crate::engine::workload::Setup;

/// The model this file runs.
pub const MODEL: Model = Model {
    id: "rust-threads-attached",
    implementation: Implementation::Python,
    method: "std threads in Python::attach, Python kernel",
    noun: "attached Rust threads",
    baseline: false,
    gil: Gil::OneInterpreter,
    overhead: "attaching each thread to the interpreter for every chunk",
    live: Some(LiveRole::RustAttached),
    sweep: false,
    chunk_reference: None,
    harness: None,
    by_default: true,
};

/// Rust threads that attach to the interpreter and run the *Python* kernel:
/// as many OS threads as workers, but on a GIL build only one runs Python at a time.
pub struct RustThreadsAttached;

impl Strategy for RustThreadsAttached {
    fn model(&self) -> &'static Model {
        &MODEL
    }
    fn run(&self, setup: &Setup) -> Result<Sample> {
        let w = &setup.workload;
        let results = spread_tasks(setup.workers, w.tasks, |worker, _| {
            Python::attach(
                |py| -> PyResult<(Value, Vec<crate::engine::timeline::Chunk>)> {
                    let answer = py
                        .import("gil_lab.kernels.tasks")?
                        .getattr("run_task")?
                        .call1((w.kernel.python_name(), w.size, w.chunk, worker))?;
                    let (value, chunks, _cpu) = parse_answer(&answer)?;
                    Ok((value, chunks))
                },
            )
            .map_err(|e| anyhow!("worker {worker}: {}", format_py_err(&e)))
        })?;
        Ok(combine(results, Value::zero(w.kernel)))
    }
}
