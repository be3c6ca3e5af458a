//! A strategy with fixed results, so statistics and renderers can be tested exactly.

use anyhow::Result;

use super::{Gil, Implementation, Model, Sample, Strategy};
use crate::engine::kernels::Value;
use crate::engine::timeline::Chunk;
use crate::engine::workload::Setup;

/// Returns `checksum` and a timeline of `workers` workers that either run
/// together (`parallel`) or one after another, `chunk_ns` per chunk.
pub struct MockStrategy {
    pub id: &'static str,
    pub implementation: Implementation,
    pub workers: usize,
    pub parallel: bool,
    pub chunk_ns: u64,
    pub checksum: Value,
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
        // Tests only: one small model per mock, leaked so it lives as long as a real one.
        Box::leak(Box::new(Model {
            id: self.id,
            implementation: self.implementation,
            method: "mock",
            noun: "mock",
            baseline: self.id.ends_with("sequential"),
            gil: Gil::Native,
            overhead: "nothing",
            live: None,
            sweep: false,
            chunk_reference: None,
            harness: None,
            by_default: true,
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
