//! `live`'s results: each group's rates, parallelism and GIL wait, and the
//! reference speed "1×" they are measured against.

use serde::Serialize;

use crate::cpython::interpreter::InterpreterRef;
use crate::engine::stats::Spread;
use crate::engine::timeline::{Chunk, analyse, renumber_workers};
use crate::engine::workload::Scenario;
use crate::os::machine::Machine;
use crate::report::Timeline;

/// One group's result.
/// Seconds of chunk timeline a worker keeps (the first of each group), as
/// `gil_lab.experiments.live.TIMELINE_S` in Python.
pub const TIMELINE_S: f64 = 1.5;

#[derive(Debug, Clone, Serialize)]
pub struct GroupResult {
    pub id: String,
    pub workers: usize,
    /// The interpreter that ran its Python; `None` for native workers.
    pub interpreter: Option<InterpreterRef>,
    /// The unit of `rate` and `worker_rates`.
    pub unit: String,
    /// Rate of the whole group per 0.5 s window: median (min–max).
    pub rate: Option<Spread>,
    /// Each worker's median rate.
    pub worker_rates: Vec<f64>,
    /// Group rate ÷ one worker alone of the same kind (Python or native), per window.
    pub vs_one_worker: Option<Spread>,
    /// CPU seconds per wall second, per window.
    pub cpus_busy: Option<Spread>,
    /// Share of the probe's time spent waiting for the GIL, per window (embedded groups).
    pub gil_contention: Option<Spread>,
    pub windows: usize,
    pub error: Option<String>,
    #[serde(skip)]
    pub chunks: Vec<Chunk>,
    /// Chunks per second of the whole group, per window.
    #[serde(skip)]
    pub rate_chunks: Option<Spread>,
    #[serde(skip)]
    pub reference_key: String,
}

/// The speed of one worker alone: "1×".
#[derive(Debug, Clone, Serialize)]
pub struct Reference {
    pub what: String,
    /// Where the figure comes from.
    pub measured_by: String,
    /// Chunks per second.
    pub chunks_per_s: f64,
    /// The same in the report's unit.
    pub rate: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct LiveReport {
    pub scenario: Scenario,
    pub workload: String,
    pub unit: String,
    pub python_chunk: u64,
    pub native_chunk: u64,
    pub duration_s: f64,
    pub together: bool,
    pub why_one_after_another: String,
    pub machine: Machine,
    pub embedded: InterpreterRef,
    pub python: InterpreterRef,
    pub references: Vec<Reference>,
    pub groups: Vec<GroupResult>,
    pub skipped: Vec<String>,
}

impl LiveReport {
    /// Each group's kept chunks as a timeline for the pictures.
    pub fn timelines(&self) -> Vec<Timeline> {
        let cpu_bound = self.scenario.kernel().is_cpu_bound();
        self.groups
            .iter()
            .filter(|g| !g.chunks.is_empty())
            .map(|g| {
                let mut chunks = g.chunks.clone();
                renumber_workers(&mut chunks);
                let start = chunks.iter().map(|c| c.start_ns).min().unwrap_or(0);
                let end = chunks.iter().map(|c| c.end_ns).max().unwrap_or(start);
                Timeline {
                    strategy: g.id.clone(),
                    interpreter: g.interpreter.clone(),
                    wall_s: (end - start) as f64 / 1e9,
                    workers: g.workers,
                    overlap: analyse(&chunks, cpu_bound).overlap,
                    chunks,
                }
            })
            .collect()
    }
}
