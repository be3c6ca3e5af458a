use anyhow::Result;
use pyo3::prelude::*;

use super::{Gil, Implementation, Model, Sample, Strategy, combine, spread_tasks};
use crate::engine::kernels::{Value, run_chunk, run_task_with};
use crate::engine::workload::Setup;

/// The model this file runs.
pub const MODEL: Model = Model {
    id: "rust-threads-detached",
    implementation: Implementation::Rust,
    method: "std threads in Python::attach, native kernel in py.detach per chunk",
    noun: "detached Rust threads",
    baseline: false,
    gil: Gil::Released,
    overhead: "releasing and taking back the GIL around every chunk",
    live: None,
    sweep: false,
    chunk_reference: Some("rust-threads"),
    harness: None,
    by_default: true,
};

/// Rust threads attached to the interpreter that run the native kernel inside
/// `detach`: the GIL is released while the work runs, so the threads run together.
pub struct RustThreadsDetached;

impl Strategy for RustThreadsDetached {
    fn model(&self) -> &'static Model {
        &MODEL
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
