use anyhow::Result;

use super::{Implementation, Sample, Strategy, python_harness};
use crate::engine::workload::Setup;

/// The baseline: every task one after another on one Python thread.
pub struct PySequential;

impl Strategy for PySequential {
    fn id(&self) -> &'static str {
        "py-sequential"
    }
    fn implementation(&self) -> Implementation {
        Implementation::Python
    }
    fn method(&self) -> &'static str {
        "one Python thread, tasks one after another"
    }
    fn workers(&self, _setup: &Setup) -> usize {
        1
    }
    fn run(&self, setup: &Setup) -> Result<Sample> {
        python_harness::call("sequential", python_harness::workload_args(setup))
    }
}
