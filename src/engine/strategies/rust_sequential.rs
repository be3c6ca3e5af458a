use anyhow::Result;

use super::{Implementation, Sample, Strategy, combine};
use crate::engine::kernels::{Value, run_task};
use crate::engine::workload::Setup;

/// The native baseline: every task one after another on one thread.
pub struct RustSequential;

impl Strategy for RustSequential {
    fn id(&self) -> &'static str {
        "rust-sequential"
    }
    fn implementation(&self) -> Implementation {
        Implementation::Rust
    }
    fn method(&self) -> &'static str {
        "native loop on one thread"
    }
    fn workers(&self, _setup: &Setup) -> usize {
        1
    }
    fn run(&self, setup: &Setup) -> Result<Sample> {
        let w = &setup.workload;
        let results = (0..w.tasks).map(|_| run_task(w, 0)).collect();
        Ok(combine(results, Value::zero(w.kernel)))
    }
}
