use anyhow::Result;

use super::{Implementation, Sample, Strategy, combine, spread_tasks};
use crate::engine::kernels::{Value, run_task};
use crate::engine::workload::Setup;

/// Scoped std threads running the native kernel: no interpreter, no GIL.
pub struct RustThreads;

impl Strategy for RustThreads {
    fn id(&self) -> &'static str {
        "rust-threads"
    }
    fn implementation(&self) -> Implementation {
        Implementation::Rust
    }
    fn method(&self) -> &'static str {
        "std::thread::scope, native kernel"
    }
    fn run(&self, setup: &Setup) -> Result<Sample> {
        let w = &setup.workload;
        let results = spread_tasks(setup.workers, w.tasks, |worker, _| {
            Ok(run_task(w, worker as u64))
        })?;
        Ok(combine(results, Value::zero(w.kernel)))
    }
}
