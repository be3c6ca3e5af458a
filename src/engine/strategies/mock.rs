//! A strategy with fixed results, so statistics and renderers can be tested
//! exactly, and the command line end to end in milliseconds: with
//! [`MOCK_ENV`] set, the registry holds [`cli_mocks`] instead of the real
//! models (`scripts/test.sh --fast`, `tests/fast.rs`).

use anyhow::Result;

use super::{Gil, Implementation, Model, Sample, Strategy};
use crate::engine::kernels::Value;
use crate::engine::timeline::Chunk;
use crate::engine::workload::Setup;

/// Returns `checksum` and a timeline of `workers` workers that either run
/// together (`parallel`) or one after another, `chunk_ns` per chunk.
pub struct MockStrategy {
    /// The model to report; `None`: one made up from the fields below.
    pub model: Option<&'static Model>,
    pub id: &'static str,
    pub implementation: Implementation,
    pub workers: usize,
    pub parallel: bool,
    pub chunk_ns: u64,
    pub checksum: Value,
}

/// Set (to anything), the registry holds the two mocks of [`cli_mocks`] only.
pub const MOCK_ENV: &str = "GIL_LAB_MOCK_STRATEGIES";

/// One mock model: native, fixed figures, nothing to start.
const fn mock_model(id: &'static str, baseline: bool) -> Model {
    Model {
        id,
        implementation: Implementation::Rust,
        method: "mock",
        noun: "mock workers",
        baseline,
        gil: Gil::Native,
        overhead: "nothing",
        live: None,
        sweep: false,
        chunk_reference: None,
        harness: None,
        by_default: true,
    }
}

static MOCK_SEQUENTIAL: Model = mock_model("mock-sequential", true);
static MOCK_PARALLEL: Model = mock_model("mock-parallel", false);

/// The registry under [`MOCK_ENV`]: a sequential baseline and two workers
/// that run together, 1 ms a chunk, both computing 42.
pub fn cli_mocks() -> Vec<Box<dyn super::Strategy>> {
    let mock = |model: &'static Model, workers, parallel| MockStrategy {
        model: Some(model),
        id: model.id,
        implementation: Implementation::Rust,
        workers,
        parallel,
        chunk_ns: 1_000_000,
        checksum: Value::Int(42),
    };
    vec![
        Box::new(mock(&MOCK_SEQUENTIAL, 1, false)),
        Box::new(mock(&MOCK_PARALLEL, 2, true)),
    ]
}

impl MockStrategy {
    /// The timeline the mock reports: two chunks per worker.
    pub fn timeline(&self) -> Vec<Chunk> {
        let mut chunks = Vec::new();
        for round in 0..2u64 {
            for worker in 0..self.workers as u64 {
                let slot = if self.parallel {
                    round
                } else {
                    round * self.workers as u64 + worker
                };
                chunks.push(Chunk {
                    worker,
                    start_ns: slot * self.chunk_ns,
                    end_ns: (slot + 1) * self.chunk_ns,
                    cpu_ns: self.chunk_ns,
                });
            }
        }
        chunks
    }
}

impl Strategy for MockStrategy {
    fn model(&self) -> &'static Model {
        if let Some(model) = self.model {
            return model;
        }
        // Tests only: one small model per mock, leaked so it lives as long as a real one.
        Box::leak(Box::new(Model {
            implementation: self.implementation,
            ..mock_model(self.id, self.id.ends_with("sequential"))
        }))
    }
    fn id(&self) -> &'static str {
        self.id
    }
    fn implementation(&self) -> Implementation {
        self.implementation
    }
    fn method(&self) -> &'static str {
        "mock"
    }
    fn workers(&self, _setup: &Setup) -> usize {
        self.workers
    }
    fn run(&self, _setup: &Setup) -> Result<Sample> {
        Ok(Sample {
            checksum: self.checksum,
            chunks: self.timeline(),
            worker_cpu_s: 0.0,
            timing: None,
            report: Default::default(),
            cluster: None,
        })
    }
}
