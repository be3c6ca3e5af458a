//! What a dask row reports beside the usual figures: the cluster it ran on and
//! its per-task cost (`ClusterInfo`), and `sweep dask`'s per-task overhead.

use serde::{Deserialize, Serialize};

use crate::engine::measure::Run;
use crate::engine::stats::median;
pub use crate::engine::strategies::dask::DaskWorker;

/// The dask cluster behind a row, over its measured runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClusterInfo {
    /// "local" (a LocalCluster started for each run) or "existing" (`--dask`).
    pub cluster: String,
    /// The scheduler's address (a LocalCluster's changes from run to run: the last one's).
    pub address: String,
    /// Workers at the end of the median run.
    pub workers: usize,
    /// Threads per worker (one value when they all have the same).
    pub threads_per_worker: Vec<usize>,
    /// Host names of the workers.
    pub hosts: Vec<String>,
    /// Median seconds to start the LocalCluster (or connect to the scheduler): not in the wall time.
    pub cluster_start_s: f64,
    pub cluster_start_what: String,
    /// Median seconds to close it afterwards (not in the wall time either).
    pub close_s: Option<f64>,
    /// Median seconds from submitting the tasks to the first chunk of work.
    pub submit_to_first_chunk_s: Option<f64>,
    /// Median seconds a worker thread sat between two of its tasks: dask's per-task turnaround.
    pub task_gap_s: Option<f64>,
    /// Why there is no task gap (every worker thread ran one task).
    pub task_gap_reason: Option<String>,
    /// Most workers lost in one run (killed mid-run; dask rescheduled their tasks).
    pub workers_lost: usize,
    /// Median over runs of dask's own GIL contention figure (0–1), mean of the workers.
    /// Not gil-lab's probe: see `dask_gil_contention_what`.
    pub dask_gil_contention: Option<f64>,
    pub dask_gil_contention_what: String,
    pub dask_gil_contention_reason: Option<String>,
    pub dask_version: String,
    /// Every worker of the median run.
    pub per_worker: Vec<DaskWorker>,
}

impl ClusterInfo {
    /// The cluster of `runs`, if they ran on dask.
    pub fn of(runs: &[Run]) -> Option<ClusterInfo> {
        let clusters: Vec<_> = runs.iter().filter_map(|r| r.cluster.as_ref()).collect();
        let mut by_wall: Vec<_> = runs.iter().filter(|r| r.cluster.is_some()).collect();
        by_wall.sort_by(|a, b| a.wall_s.total_cmp(&b.wall_s));
        let typical = by_wall.get(by_wall.len() / 2)?.cluster.as_ref()?;
        let last = clusters.last()?;
        let med = |f: &dyn Fn(&crate::engine::strategies::dask::DaskRun) -> Option<f64>| {
            let v: Vec<f64> = clusters.iter().filter_map(|c| f(c)).collect();
            (!v.is_empty()).then(|| median(&v))
        };
        Some(ClusterInfo {
            cluster: typical.cluster.clone(),
            address: last.address.clone(),
            workers: typical.workers,
            threads_per_worker: typical.threads_per_worker.clone(),
            hosts: typical.hosts.clone(),
            cluster_start_s: med(&|c| Some(c.cluster_start_s)).unwrap_or(0.0),
            cluster_start_what: typical.cluster_start_what.clone(),
            close_s: med(&|c| c.close_s),
            submit_to_first_chunk_s: med(&|c| c.submit_to_first_chunk_s),
            task_gap_s: med(&|c| c.task_gap_s),
            task_gap_reason: typical.task_gap_reason.clone(),
            workers_lost: clusters.iter().map(|c| c.workers_lost).max().unwrap_or(0),
            dask_gil_contention: med(&|c| c.gil_contention),
            dask_gil_contention_what: typical.gil_contention_what.clone(),
            dask_gil_contention_reason: typical.gil_contention_reason.clone(),
            dask_version: typical.dask_version.clone(),
            per_worker: typical.per_worker.clone(),
        })
    }

    /// The row's note: what ran the tasks, what the wall time leaves out, the per-task cost.
    pub fn note(&self) -> String {
        let threads = match self.threads_per_worker.as_slice() {
            [1] => "1 thread".to_string(),
            [n] => format!("{n} threads"),
            many => format!(
                "{} threads",
                many.iter()
                    .map(usize::to_string)
                    .collect::<Vec<_>>()
                    .join("/")
            ),
        };
        let plural = if self.workers == 1 { "" } else { "es" };
        let shape = format!("{} worker process{plural} × {threads}", self.workers);
        let mut out = if self.cluster == "existing" {
            format!(
                "existing dask scheduler {}: {shape} on {}; connected in {:.2} s (not in the wall time)",
                self.address,
                self.hosts.join(", "),
                self.cluster_start_s
            )
        } else {
            format!(
                "LocalCluster of {shape}, started in {:.2} s (not in the wall time, which runs from submitting the tasks to the last result)",
                self.cluster_start_s
            )
        };
        match self.task_gap_s {
            Some(gap) => out += &format!("; per-task gap {:.1} ms", gap * 1e3),
            None => out += "; per-task gap: one task per worker thread (see gil-lab sweep dask)",
        }
        if let Some(gil) = self.dask_gil_contention {
            out += &format!(
                "; dask's GIL contention {:.0} % (its gilknocker monitor, not gil-lab's probe)",
                gil * 100.0
            );
        }
        if self.workers_lost > 0 {
            out += &format!(
                "; {} worker(s) lost mid-run, their tasks rescheduled",
                self.workers_lost
            );
        }
        out
    }
}

/// One task size of `sweep dask`: the same tasks on dask and in a plain loop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverheadPoint {
    /// `sum(i * i for i in range(iterations))` per task.
    pub iterations: u64,
    pub tasks: usize,
    /// Median seconds for all the tasks in a plain loop in the host.
    pub loop_s: f64,
    /// Median seconds for all the tasks through `Client.map` and `gather`.
    pub dask_s: f64,
    pub dask_vs_loop: f64,
}

/// `sweep dask`: what one task costs on a warm dask cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverheadSweep {
    pub strategy: String,
    /// "local" or "existing".
    pub cluster: String,
    pub address: String,
    /// Worker threads of the cluster.
    pub threads: usize,
    pub cluster_start_s: f64,
    /// Median seconds for one empty task submitted and awaited, one after another.
    pub round_trip_s: f64,
    pub round_trips: usize,
    /// Median seconds per empty task when many go in one `Client.map`.
    pub mapped_s_per_task: f64,
    pub mapped_tasks: usize,
    pub rounds: usize,
    pub sweep: Vec<OverheadPoint>,
    /// (dask − loop) per task at the smallest task size.
    pub overhead_s_per_task: f64,
    /// The smallest task size at which dask beat the loop, if any did.
    pub pays_from_iterations: Option<u64>,
}
