use anyhow::Result;

use super::{Implementation, Sample, Strategy, python_harness};
use crate::engine::workload::Setup;

/// `ThreadPoolExecutor.map`: threads share one interpreter, and on a GIL build one GIL.
pub struct PyThreads;

impl Strategy for PyThreads {
    fn id(&self) -> &'static str {
        "py-threads"
    }
    fn implementation(&self) -> Implementation {
        Implementation::Python
    }
    fn method(&self) -> &'static str {
        "concurrent.futures.ThreadPoolExecutor"
    }
    fn run(&self, setup: &Setup) -> Result<Sample> {
        let (kernel, size, tasks, chunk) = python_harness::workload_args(setup);
        python_harness::call("threads", (kernel, size, tasks, chunk, setup.workers))
    }
}
