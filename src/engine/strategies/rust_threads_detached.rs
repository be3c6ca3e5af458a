use anyhow::Result;
use pyo3::prelude::*;

use super::{Implementation, Sample, Strategy, combine, spread_tasks};
use crate::engine::kernels::{Value, run_chunk, run_task_with};
use crate::engine::workload::Setup;

/// Rust threads attached to the interpreter that run the native kernel inside
/// `detach`: the GIL is released while the work runs, so the threads run together.
pub struct RustThreadsDetached;

impl Strategy for RustThreadsDetached {
    fn id(&self) -> &'static str {
        "rust-threads-detached"
    }
    fn implementation(&self) -> Implementation {
        Implementation::Rust
    }
    fn method(&self) -> &'static str {
        "std threads in Python::attach, native kernel in py.detach per chunk"
    }
    fn run(&self, setup: &Setup) -> Result<Sample> {
        let w = &setup.workload;
        let results = spread_tasks(setup.workers, w.tasks, |worker, _| {
            Ok(Python::attach(|py| {
                run_task_with(w, worker as u64, |lo, hi, acc| {
                    py.detach(|| run_chunk(w.kernel, lo, hi, acc))
                })
            }))
        })?;
        Ok(combine(results, Value::zero(w.kernel)))
    }
}
