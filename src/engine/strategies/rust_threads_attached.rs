use anyhow::{Result, anyhow};
use pyo3::prelude::*;

use super::python_harness::parse_answer;
use super::{Implementation, Sample, Strategy, combine, spread_tasks};
use crate::cpython::interpreter::format_py_err;
use crate::engine::kernels::Value;
use crate::engine::workload::Setup;

/// Rust threads that attach to the interpreter and run the *Python* kernel:
/// as many OS threads as workers, but on a GIL build only one runs Python at a time.
pub struct RustThreadsAttached;

impl Strategy for RustThreadsAttached {
    fn id(&self) -> &'static str {
        "rust-threads-attached"
    }
    fn implementation(&self) -> Implementation {
        Implementation::Python
    }
    fn method(&self) -> &'static str {
        "std threads in Python::attach, Python kernel"
    }
    fn run(&self, setup: &Setup) -> Result<Sample> {
        let w = &setup.workload;
        let results = spread_tasks(setup.workers, w.tasks, |worker, _| {
            Python::attach(
                |py| -> PyResult<(Value, Vec<crate::engine::timeline::Chunk>)> {
                    let answer = py.import("gil_lab.harness")?.getattr("run_task")?.call1((
                        w.kernel.python_name(),
                        w.size,
                        w.chunk,
                        worker,
                    ))?;
                    let (value, chunks, _cpu) = parse_answer(&answer)?;
                    Ok((value, chunks))
                },
            )
            .map_err(|e| anyhow!("worker {worker}: {}", format_py_err(&e)))
        })?;
        Ok(combine(results, Value::zero(w.kernel)))
    }
}
