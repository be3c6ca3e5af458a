use anyhow::Result;

use super::{Gil, Implementation, LiveRole, Model, Sample, Strategy, python_harness};
use crate::engine::workload::Setup;

/// The model this file runs.
pub const MODEL: Model = Model {
    id: "py-threads",
    implementation: Implementation::Python,
    method: "concurrent.futures.ThreadPoolExecutor",
    noun: "threads",
    baseline: false,
    gil: Gil::OneInterpreter,
    overhead: "switching the threads and handing tasks to them",
    live: Some(LiveRole::Python("threads")),
    sweep: true,
    chunk_reference: None,
    harness: Some("threads"),
    by_default: true,
};

/// `ThreadPoolExecutor.map`: threads share one interpreter, and on a GIL build one GIL.
pub struct PyThreads;

impl Strategy for PyThreads {
    fn model(&self) -> &'static Model {
        &MODEL
    }
    fn run(&self, setup: &Setup) -> Result<Sample> {
        if let Some(user) = &setup.user {
            return python_harness::call_user(&MODEL, setup, user);
        }
        let (kernel, size, tasks, chunk) = python_harness::workload_args(setup);
        python_harness::call("threads", (kernel, size, tasks, chunk, setup.workers))
    }
}
