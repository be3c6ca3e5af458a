//! `sweep`'s results: the workers curve with its Amdahl fit and headroom
//! probes, the speedup by chunk size, the IPC cost by payload and route, and
//! memory by worker kind.

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

/// `sweep chunk`: speedup by iterations per chunk, same total work, for the
/// models that pay a hand-off per chunk and the models they are set against.
#[derive(Debug, Clone, Serialize)]
pub struct ChunkSweep {
    pub sweep: &'static str,
    pub machine: Machine,
    pub interpreter: String,
    pub workload: String,
    pub total_iterations: u64,
    pub workers: usize,
    pub runs: usize,
    /// Native iterations this machine ran in 1 ms (measured when the sweep began).
    pub iterations_per_ms: u64,
    /// One curve per model, in table order; its points in increasing chunk size.
    pub curves: Vec<ChunkCurve>,
    /// What was left out, and why.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChunkCurve {
    /// Strategy id.
    pub model: String,
    /// The model without a per-chunk hand-off it is set against; `None` for a reference.
    pub reference: Option<String>,
    pub points: Vec<ChunkPoint>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChunkPoint {
    /// Iterations per chunk.
    pub chunk: u64,
    /// Native work in one chunk, from the measured iterations per ms.
    pub chunk_us: f64,
    /// rust-sequential's fastest run ÷ this model's fastest run, same chunks.
    pub speedup: f64,
    /// The same from medians.
    pub speedup_median: Option<f64>,
    /// Wall seconds of this model's runs (per pass).
    pub wall_s: Option<Spread>,
    /// This speedup ÷ the reference's at the same chunk size.
    pub vs_reference: Option<f64>,
    /// Wall time per chunk a worker handled, beyond the reference's (fastest runs).
    pub extra_us_per_chunk: Option<f64>,
}

impl ChunkSweep {
    /// The curve of `model`.
    pub fn curve(&self, model: &str) -> Option<&ChunkCurve> {
        self.curves.iter().find(|c| c.model == model)
    }

    /// The chunk sizes measured, in increasing order.
    pub fn chunks(&self) -> Vec<u64> {
        let mut all: Vec<u64> = self
            .curves
            .iter()
            .flat_map(|c| c.points.iter().map(|p| p.chunk))
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    }

    /// Fills each point's comparison with its reference's point at the same
    /// chunk size; `chunks_per_worker(chunk)` is how many chunks one worker ran.
    pub fn relate_to_references(&mut self, chunks_per_worker: impl Fn(u64) -> f64) {
        let references = self.curves.clone();
        for curve in &mut self.curves {
            let Some(reference) = references
                .iter()
                .find(|r| Some(&r.model) == curve.reference.as_ref())
            else {
                continue;
            };
            for point in &mut curve.points {
                let Some(base) = reference.points.iter().find(|p| p.chunk == point.chunk) else {
                    continue;
                };
                point.vs_reference = Some(point.speedup / base.speedup);
                point.extra_us_per_chunk = point.wall_s.zip(base.wall_s).map(|(own, base)| {
                    (own.min - base.min) / chunks_per_worker(point.chunk).max(1.0) * 1e6
                });
            }
        }
    }
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
    /// Milliseconds to start one worker of each kind.
    #[serde(default)]
    pub start_ms: std::collections::BTreeMap<String, MedianRange>,
    /// 3.14+: an interpreter-pool worker's PSS against a forkserver child's, per preload.
    #[serde(default)]
    pub interpreter_pool_vs_forkserver: Vec<PoolVsForkserver>,
}

/// One interpreter-pool worker against one forkserver child, same preload.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PoolVsForkserver {
    pub preload_mb: u64,
    pub interpreter_pool_pss_kb: u64,
    pub forkserver_pss_kb: u64,
    pub interpreter_pool_over_forkserver: f64,
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

#[cfg(test)]
pub(crate) mod fixture {
    use super::*;

    fn point(chunk: u64, speedup: f64, wall: f64) -> ChunkPoint {
        ChunkPoint {
            chunk,
            chunk_us: chunk as f64 / 1_000.0,
            speedup,
            speedup_median: Some(speedup * 0.9),
            wall_s: Some(Spread {
                median: wall * 1.1,
                min: wall,
                max: wall * 1.2,
            }),
            vs_reference: None,
            extra_us_per_chunk: None,
        }
    }

    fn curve(model: &str, reference: Option<&str>, speedups: [f64; 2]) -> ChunkCurve {
        // The same work in 1,000 or 100 chunks per worker: wall time follows the speedup.
        ChunkCurve {
            model: model.into(),
            reference: reference.map(str::to_string),
            points: vec![
                point(1_000, speedups[0], 0.01 / speedups[0]),
                point(1_000_000, speedups[1], 0.01 / speedups[1]),
            ],
        }
    }

    /// A fixed chunk sweep on 2 CPUs: detached threads pay per chunk, rust-threads do not.
    pub fn chunk_sweep() -> ChunkSweep {
        ChunkSweep {
            sweep: "chunk",
            machine: Machine {
                cpus: 2,
                os: "linux".into(),
                arch: "x86_64".into(),
                busy_cpus: Some(0.0),
            },
            interpreter: "CPython 3.11.7 (GIL)".into(),
            workload: "sum(i*i for i in range(1000000)) natively".into(),
            total_iterations: 2_000_000,
            workers: 2,
            runs: 2,
            iterations_per_ms: 1_000_000,
            curves: vec![
                curve("rust-threads-detached", Some("rust-threads"), [0.5, 1.9]),
                curve("rust-threads", None, [2.0, 2.0]),
            ],
            notes: vec!["a note".into()],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_model_is_set_against_its_reference_at_the_same_chunk_size() {
        let mut s = fixture::chunk_sweep();
        // 1,000 iterations per chunk: 1,000 chunks per worker; 1M: one.
        s.relate_to_references(|chunk| 1_000_000.0 / chunk as f64);
        let detached = s.curve("rust-threads-detached").unwrap();
        let at_1k = &detached.points[0];
        assert!((at_1k.vs_reference.unwrap() - 0.25).abs() < 1e-12);
        // 0.02 s against 0.005 s over 1,000 chunks: 15 µs per chunk.
        assert!((at_1k.extra_us_per_chunk.unwrap() - 15.0).abs() < 1e-9);
        assert!((detached.points[1].vs_reference.unwrap() - 0.95).abs() < 1e-12);
        let reference = s.curve("rust-threads").unwrap();
        assert!(reference.points.iter().all(|p| p.vs_reference.is_none()));
    }

    #[test]
    fn chunk_sizes_are_listed_once_in_increasing_order() {
        let mut s = fixture::chunk_sweep();
        s.curves[1].points.reverse();
        assert_eq!(s.chunks(), vec![1_000, 1_000_000]);
    }

    #[test]
    fn a_chunk_sweep_serializes_its_curves_and_points() {
        let v = serde_json::to_value(fixture::chunk_sweep()).unwrap();
        assert_eq!(v["sweep"], "chunk");
        assert_eq!(v["curves"][0]["reference"], "rust-threads");
        assert!(v["curves"][1]["reference"].is_null());
        assert_eq!(v["curves"][0]["points"][1]["chunk"], 1_000_000);
        assert!(v["curves"][0]["points"][0]["wall_s"]["min"].is_number());
    }
}
