use anyhow::Result;
use pyo3::prelude::*;

use super::{Gil, Implementation, Model, Sample, Strategy, python_harness};
use crate::engine::workload::Setup;

/// The model this file runs.
pub const MODEL: Model = Model {
    id: "py-interpreter-pool",
    implementation: Implementation::Python,
    method: "concurrent.futures.InterpreterPoolExecutor",
    noun: "the interpreter pool",
    baseline: false,
    gil: Gil::PerSubinterpreter,
    overhead: "starting the pool's interpreters and passing tasks and results between them",
    live: None,
    sweep: false,
    chunk_reference: None,
    harness: Some("interpreter_pool"),
    by_default: true,
};

/// `concurrent.futures.InterpreterPoolExecutor` (Python 3.14): a pool of subinterpreters.
pub struct PyInterpreterPool;

impl Strategy for PyInterpreterPool {
    fn model(&self) -> &'static Model {
        &MODEL
    }
    fn unavailable(&self, _setup: &Setup) -> Option<String> {
        Python::attach(|py| -> PyResult<Option<String>> {
            py.import("gil_lab.harness.models")?
                .getattr("interpreter_pool_reason")?
                .call0()?
                .extract()
        })
        .unwrap_or_else(|e| Some(format!("could not check: {e}")))
    }
    fn run(&self, setup: &Setup) -> Result<Sample> {
        if let Some(user) = &setup.user {
            return python_harness::call_user(&MODEL, setup, user);
        }
        let (kernel, size, tasks, chunk) = python_harness::workload_args(setup);
        python_harness::call_reported(
            "interpreter_pool",
            (kernel, size, tasks, chunk, setup.workers),
            true,
        )
    }
}
