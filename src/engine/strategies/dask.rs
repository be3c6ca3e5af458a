//! What `py-dask` and `py-dask-threads` share: the call into
//! `gil_lab.dask.strategies.run`, the run's details as typed data, and the rule that
//! a dask row's wall time is the work only (the cluster's start-up is timed apart).

use anyhow::{Context, Result, anyhow};
use pyo3::prelude::*;
use serde::{Deserialize, Deserializer, Serialize};

use super::python_harness::{parse_answer, workload_args};
use super::{Gil, Model, Sample, Strategy, Timing};
use crate::cpython::interpreter::format_py_err;
use crate::engine::kernels::Value;
use crate::engine::timeline::Chunk;
use crate::engine::workload::Setup;

/// The harness's name for the dask models (`gil_lab.dask.strategies.run`, `remote.py`'s "dask").
pub const HARNESS: &str = "dask";

/// Why the dask rows do not run a user's function.
pub const USER_FUNCTION_REASON: &str =
    "the dask rows run gil-lab's own kernels; a function of yours is not sent to a dask cluster";

/// What the verdicts say coordinating dask workers costs.
pub const OVERHEAD: &str =
    "sending every task through the dask scheduler and pickling tasks and results";

/// A dask strategy: its model (in `py_dask.rs` or `py_dask_threads.rs`) says which.
pub struct Dask(pub &'static Model);

impl Strategy for Dask {
    fn model(&self) -> &'static Model {
        self.0
    }
    fn unavailable(&self, setup: &Setup) -> Option<String> {
        unavailable(self.0, setup)
    }
    fn note(&self, setup: &Setup) -> Option<String> {
        Some(note(self.0, setup))
    }
    fn run(&self, setup: &Setup) -> Result<Sample> {
        run(self.0, setup)
    }
}

/// One dask worker as the run saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DaskWorker {
    /// The worker's address, e.g. `tcp://127.0.0.1:40123`.
    pub address: String,
    pub host: Option<String>,
    pub pid: Option<u32>,
    pub nthreads: Option<usize>,
    /// Tasks of this run it ran.
    pub tasks: usize,
    pub chunks: usize,
    /// Seconds its threads spent inside chunks.
    pub busy_s: f64,
    /// CPU seconds of the worker process over the run; `null` when it was lost.
    pub cpu_s: Option<f64>,
    /// It left (or was killed) during the run.
    pub lost: bool,
    /// Its monotonic clock minus the host's (0 on the same host).
    pub clock_offset_ns: i64,
    /// dask's figure (gilknocker): share of time its polling thread waited for the GIL.
    pub gil_contention: Option<f64>,
    pub gil_contention_reason: Option<String>,
}

/// `details` of one dask run, as `gil_lab.dask.strategies` reports them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DaskRun {
    /// "local" (a LocalCluster started for the run) or "existing" (`--dask`).
    pub cluster: String,
    /// The scheduler's address.
    pub address: String,
    /// Workers still there at the end of the run.
    pub workers: usize,
    /// Threads per worker (one value when they all have the same).
    #[serde(deserialize_with = "one_or_many")]
    pub threads_per_worker: Vec<usize>,
    pub hosts: Vec<String>,
    /// Starting the LocalCluster, or connecting to the scheduler: not in the wall time.
    pub cluster_start_s: f64,
    pub cluster_start_what: String,
    /// CLOCK_MONOTONIC when the tasks were submitted: the start of the timed part.
    #[serde(default)]
    pub submitted_ns: u64,
    /// From submitting the tasks to the last result: the row's wall time.
    pub work_s: f64,
    pub submit_to_first_chunk_s: Option<f64>,
    /// Median time a worker thread sat between two of its tasks (dask's per-task turnaround).
    pub task_gap_s: Option<f64>,
    pub task_gap_reason: Option<String>,
    /// CPU seconds of the worker processes during the run.
    pub worker_cpu_s: f64,
    /// CPU seconds of the client's process (with a LocalCluster, the scheduler too) during the work.
    #[serde(default)]
    pub client_cpu_s: f64,
    pub workers_lost: usize,
    /// Mean of the workers' dask GIL contention figures (0–1).
    pub gil_contention: Option<f64>,
    pub gil_contention_reason: Option<String>,
    pub gil_contention_what: String,
    /// Closing the cluster (or the client) afterwards.
    pub close_s: Option<f64>,
    pub dask_version: String,
    pub per_worker: Vec<DaskWorker>,
}

fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<usize>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(usize),
        Many(Vec<usize>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(n) => vec![n],
        OneOrMany::Many(v) => v,
    })
}

impl DaskRun {
    /// The timed part of the run: submit to last result, with the CPU it took.
    fn timing(&self) -> Timing {
        Timing {
            wall_s: self.work_s,
            cpu_s: self.worker_cpu_s + self.client_cpu_s,
            start_ns: self.submitted_ns,
            setup_s: self.cluster_start_s + self.close_s.unwrap_or(0.0),
        }
    }
}

/// A dask run's checksum and chunks with its details, timed as the row reports it.
pub fn sample(checksum: Value, chunks: Vec<Chunk>, details: DaskRun) -> Sample {
    Sample {
        checksum,
        chunks,
        worker_cpu_s: details.worker_cpu_s,
        timing: Some(details.timing()),
        report: Default::default(),
        cluster: Some(details),
    }
}

/// Worker processes of one thread each (`py-dask`), not one process of many threads.
fn processes(model: &Model) -> bool {
    model.gil == Gil::PerProcess
}

/// The scheduler `model` runs on: `--dask` applies to the worker-process model only
/// (the threads model shows the GIL inside one worker, so it starts that worker itself).
pub fn address<'a>(model: &Model, setup: &'a Setup) -> Option<&'a str> {
    processes(model)
        .then_some(setup.dask_address.as_deref())
        .flatten()
}

/// Why `model` does not run `setup` whatever the interpreter: dask rows run the CPU-bound scenarios.
pub fn scenario_reason(model: &Model, setup: &Setup) -> Option<String> {
    (!setup.workload.kernel.is_cpu_bound()).then(|| {
        format!(
            "{} runs the CPU-bound scenarios (threading, processes): a task that waits gains nothing from another worker process",
            model.id
        )
    })
}

/// [`scenario_reason`], then [`reason`].
pub fn unavailable(model: &Model, setup: &Setup) -> Option<String> {
    scenario_reason(model, setup).or_else(|| reason(model, address(model, setup)))
}

/// `gil_lab.runtime.dask_env.reason` in the embedded interpreter: why `model` cannot run
/// here (no dask, with the install command), or `None`.
pub fn reason(model: &Model, address: Option<&str>) -> Option<String> {
    Python::attach(|py| -> PyResult<Option<String>> {
        py.import("gil_lab.runtime.dask_env")?
            .getattr("reason")?
            .call1((model.id, address))?
            .extract()
    })
    .unwrap_or_else(|e| Some(format!("could not check for dask: {}", format_py_err(&e))))
}

/// What the row says before it has run (the report adds the cluster's measured figures).
pub fn note(model: &Model, setup: &Setup) -> String {
    let cluster = match (address(model, setup), processes(model)) {
        (Some(address), _) => format!("the dask scheduler at {address}"),
        (None, true) => format!(
            "a LocalCluster of {} worker processes × 1 thread",
            setup.workers
        ),
        (None, false) => format!(
            "a LocalCluster of 1 worker process × {} threads",
            setup.workers
        ),
    };
    format!(
        "{cluster}; wall time runs from submitting the tasks to the last result (the cluster's start-up is timed apart)"
    )
}

/// Runs `model` in the embedded interpreter: `gil_lab.dask.strategies.run(…)`.
pub fn run(model: &Model, setup: &Setup) -> Result<Sample> {
    let (kernel, size, tasks, chunk) = workload_args(setup);
    let (checksum, chunks, details) = Python::attach(|py| -> PyResult<_> {
        let answer = py
            .import("gil_lab.dask.strategies")?
            .getattr("run")?
            .call1((
                model.id,
                kernel,
                size,
                tasks,
                chunk,
                setup.workers,
                address(model, setup),
            ))?;
        let (checksum, chunks, _) = parse_answer(&answer)?;
        let details: String = answer.call_method0("details_json")?.extract()?;
        Ok((checksum, chunks, details))
    })
    .map_err(|e| anyhow!("gil_lab.dask.strategies.run failed:\n{}", format_py_err(&e)))?;
    let details: DaskRun =
        serde_json::from_str(&details).context("decoding the dask run's details")?;
    Ok(sample(checksum, chunks, details))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_decode_with_one_thread_count_or_several() {
        let mut json = serde_json::json!({
            "cluster": "local", "address": "tcp://127.0.0.1:1", "workers": 2,
            "threads_per_worker": 1, "hosts": ["h"], "cluster_start_s": 2.0,
            "cluster_start_what": "starting", "submitted_ns": 5, "work_s": 0.5,
            "submit_to_first_chunk_s": 0.01, "task_gap_s": null, "task_gap_reason": "one task each",
            "worker_cpu_s": 0.9, "client_cpu_s": 0.1, "workers_lost": 0, "gil_contention": null,
            "gil_contention_reason": "no gilknocker", "gil_contention_what": "dask's",
            "close_s": 0.25, "dask_version": "2026.8.0", "per_worker": [],
        });
        let run: DaskRun = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(run.threads_per_worker, [1]);
        let t = run.timing();
        assert_eq!(
            (t.wall_s, t.cpu_s, t.start_ns, t.setup_s),
            (0.5, 1.0, 5, 2.25)
        );
        json["threads_per_worker"] = serde_json::json!([1, 2]);
        let run: DaskRun = serde_json::from_value(json).unwrap();
        assert_eq!(run.threads_per_worker, [1, 2]);
    }
}
