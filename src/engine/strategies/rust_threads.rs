use anyhow::Result;

use super::{Gil, Implementation, Model, Sample, Strategy, combine, spread_tasks};
use crate::engine::kernels::{Value, run_task};
use crate::engine::workload::Setup;

/// The model this file runs.
pub const MODEL: Model = Model {
    id: "rust-threads",
    implementation: Implementation::Rust,
    method: "std::thread::scope, native kernel",
    noun: "Rust threads",
    baseline: false,
    gil: Gil::Native,
    overhead: "starting and joining the threads",
    live: None,
    sweep: false,
    chunk_reference: None,
    harness: None,
    by_default: true,
};

/// Scoped std threads running the native kernel: no interpreter, no GIL.
pub struct RustThreads;

impl Strategy for RustThreads {
    fn model(&self) -> &'static Model {
        &MODEL
    }
    fn run(&self, setup: &Setup) -> Result<Sample> {
        let w = &setup.workload;
        let results = spread_tasks(setup.workers, w.tasks, |worker, _| {
            Ok(run_task(w, worker as u64))
        })?;
        Ok(combine(results, Value::zero(w.kernel)))
    }
}
