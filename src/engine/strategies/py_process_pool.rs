use anyhow::Result;

use super::{Gil, Implementation, LiveRole, Model, Sample, Strategy, python_harness};
use crate::engine::workload::{Kernel, Setup};

/// The model this file runs.
pub const MODEL: Model = Model {
    id: "py-process-pool",
    implementation: Implementation::Python,
    method: "process pool (ProcessPoolExecutor / multiprocessing.Pool)",
    noun: "processes",
    baseline: false,
    gil: Gil::PerProcess,
    overhead: "starting the processes and pickling tasks and results between them",
    live: Some(LiveRole::Python("processes")),
    sweep: true,
    chunk_reference: None,
    harness: Some("process_pool"),
    by_default: true,
};

/// A process pool: each worker is a separate interpreter with its own GIL.
///
/// The `processes` scenario uses `multiprocessing.Pool.map` as the document does;
/// the others `ProcessPoolExecutor`. Starting the pool is part of the measured time,
/// as it is in the documents' examples.
pub struct PyProcessPool;

fn api(setup: &Setup) -> &'static str {
    if setup.workload.kernel == Kernel::SqrtSum {
        "pool"
    } else {
        "executor"
    }
}

impl Strategy for PyProcessPool {
    fn model(&self) -> &'static Model {
        &MODEL
    }
    fn note(&self, setup: &Setup) -> Option<String> {
        let api = match api(setup) {
            "pool" => "multiprocessing.Pool.map",
            _ => "ProcessPoolExecutor",
        };
        Some(format!(
            "{api}; wall time includes starting {} worker processes",
            setup.workers
        ))
    }
    fn run(&self, setup: &Setup) -> Result<Sample> {
        if let Some(user) = &setup.user {
            return python_harness::call_user(&MODEL, setup, user);
        }
        let (kernel, size, tasks, chunk) = python_harness::workload_args(setup);
        python_harness::call_reported(
            "process_pool",
            (
                kernel,
                size,
                tasks,
                chunk,
                setup.workers,
                setup.start_method.as_deref(),
                api(setup),
            ),
            true,
        )
    }
}
