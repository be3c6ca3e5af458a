use anyhow::Result;
use pyo3::prelude::*;

use super::{Implementation, Sample, Strategy, python_harness};
use crate::engine::workload::Setup;

/// `concurrent.futures.InterpreterPoolExecutor` (Python 3.14): a pool of subinterpreters.
pub struct PyInterpreterPool;

impl Strategy for PyInterpreterPool {
    fn id(&self) -> &'static str {
        "py-interpreter-pool"
    }
    fn implementation(&self) -> Implementation {
        Implementation::Python
    }
    fn method(&self) -> &'static str {
        "concurrent.futures.InterpreterPoolExecutor"
    }
    fn unavailable(&self, _setup: &Setup) -> Option<String> {
        Python::attach(|py| -> PyResult<Option<String>> {
            py.import("gil_lab.harness")?
                .getattr("interpreter_pool_reason")?
                .call0()?
                .extract()
        })
        .unwrap_or_else(|e| Some(format!("could not check: {e}")))
    }
    fn run(&self, setup: &Setup) -> Result<Sample> {
        let (kernel, size, tasks, chunk) = python_harness::workload_args(setup);
        python_harness::call(
            "interpreter_pool",
            (kernel, size, tasks, chunk, setup.workers),
        )
    }
}
