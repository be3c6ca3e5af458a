use anyhow::Result;

use super::{Gil, Implementation, LiveRole, Model, Sample, Strategy, python_harness};
use crate::engine::workload::Setup;

/// The model this file runs.
pub const MODEL: Model = Model {
    id: "py-sequential",
    implementation: Implementation::Python,
    method: "one Python thread, tasks one after another",
    noun: "Python sequential",
    baseline: true,
    gil: Gil::OneInterpreter,
    overhead: "nothing: it is one worker",
    live: Some(LiveRole::Python("sequential")),
    sweep: false,
    chunk_reference: None,
    harness: Some("sequential"),
    by_default: true,
};

/// The baseline: every task one after another on one Python thread.
pub struct PySequential;

impl Strategy for PySequential {
    fn model(&self) -> &'static Model {
        &MODEL
    }
    fn workers(&self, _setup: &Setup) -> usize {
        1
    }
    fn run(&self, setup: &Setup) -> Result<Sample> {
        if let Some(user) = &setup.user {
            return python_harness::call_user(&MODEL, setup, user);
        }
        python_harness::call("sequential", python_harness::workload_args(setup))
    }
}
