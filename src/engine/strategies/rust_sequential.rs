use anyhow::Result;

use super::{Gil, Implementation, Model, Sample, Strategy, combine};
use crate::engine::kernels::{Value, run_task};
use crate::engine::workload::Setup;

/// The model this file runs.
pub const MODEL: Model = Model {
    id: "rust-sequential",
    implementation: Implementation::Rust,
    method: "native loop on one thread",
    noun: "native sequential",
    baseline: true,
    gil: Gil::Native,
    overhead: "nothing: it is one worker",
    live: None,
    sweep: false,
    chunk_reference: None,
    harness: None,
    by_default: true,
};

/// The native baseline: every task one after another on one thread.
pub struct RustSequential;

impl Strategy for RustSequential {
    fn model(&self) -> &'static Model {
        &MODEL
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
