//! `sweep`'s results: the workers curve with its Amdahl fit and headroom
//! probes, the IPC cost by payload and route, and memory by worker kind.

use serde::{Deserialize, Serialize};

use crate::engine::stats::Spread;
use crate::os::machine::Machine;

#[derive(Debug, Clone, Serialize)]
pub struct Point {
    pub workers: usize,
    /// Sequential fastest run ÷ this model's fastest run, same total work.
    pub speedup: f64,
    /// The same from medians.
    pub speedup_median: Option<f64>,
    /// Wall seconds of this model's runs.
    pub wall_s: Option<Spread>,
}

/// Amdahl's law fitted to the points up to the CPU count.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AmdahlFit {
    pub serial_fraction: f64,
    pub serial_fraction_error: Option<f64>,
    /// Predicted speedup at 8 workers, keyed by worker count.
    pub predicted: std::collections::BTreeMap<String, f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Curve {
    /// Strategy id, with `@version` for another interpreter's rows.
    pub model: String,
    pub points: Vec<Point>,
    pub fit: Option<AmdahlFit>,
}

/// Latency of a small task while CPUs are kept busy.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HeadroomProbe {
    pub busy_workers: usize,
    pub probes: usize,
    pub probe_size: u64,
    pub probe_ms: ProbeMs,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProbeMs {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub p90: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct WorkersSweep {
    pub sweep: &'static str,
    pub machine: Machine,
    pub interpreter: String,
    pub workload: String,
    pub total_iterations: u64,
    pub runs: usize,
    pub curves: Vec<Curve>,
    /// All CPUs busy, then one left free.
    pub headroom: Vec<HeadroomProbe>,
    /// What was left out, and why.
    pub notes: Vec<String>,
}

/// A figure over repeated measurements.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MedianRange {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

/// `sweep ipc`: a payload sent to a worker and back, by route and size.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IpcSweep {
    pub interpreter: String,
    pub start_method: String,
    pub rows: Vec<IpcRow>,
    /// Where a warm process pool starts to beat a loop and threads.
    pub crossover: Option<Crossover>,
    #[serde(default)]
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IpcRow {
    pub payload_bytes: u64,
    pub route: String,
    pub round_trip_ms: MedianRange,
    pub ms_per_mb: f64,
    pub runs: usize,
}

/// Small tasks in a loop, in threads and in a warm pool, by task size.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Crossover {
    pub measured_by: String,
    pub workers: usize,
    pub tasks: usize,
    pub rounds: usize,
    pub start_method: String,
    pub rows: Vec<CrossoverRow>,
    /// The pool's extra time per task at the smallest size.
    pub overhead_us_per_task: f64,
    /// Iterations per task where the pool's median first beats the others; `None` when it never does.
    pub iterations: Option<f64>,
    /// The CPU time of such a task.
    pub cpu_seconds: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CrossoverRow {
    pub iterations: u64,
    pub cpu_ms_per_task: f64,
    pub sequential_s: MedianRange,
    pub threads_s: MedianRange,
    pub pool_s: MedianRange,
    pub pool_vs_sequential: MedianRange,
    pub pool_vs_best_other: MedianRange,
}

/// `sweep memory`: what each kind of worker costs in memory.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MemorySweep {
    pub interpreter: String,
    pub rows: Vec<MemoryRow>,
    #[serde(default)]
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MemoryRow {
    /// "thread", "subinterpreter", "fork child", …
    pub worker: String,
    pub preload_mb: u64,
    /// Right after the worker started with the preload in place.
    #[serde(flatten)]
    pub loaded: Footprint,
    /// After the worker read every page of the preload.
    pub after_touch: Footprint,
}

/// One worker's memory, from /proc/PID/smaps_rollup (or the thread's share of it).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Footprint {
    pub pss_kb: u64,
    pub rss_kb: u64,
    pub shared_kb: u64,
    pub private_kb: u64,
}
