//! Concurrency models, one file each, behind [`Strategy`].
//!
//! A strategy only runs the work and returns what it computed with its chunk
//! timeline; the runner times it, so every row is measured the same way.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Result, anyhow};

use crate::engine::kernels::Value;
use crate::engine::timeline::Chunk;
use crate::engine::workload::Setup;
use crate::os::threads::spawn_scoped;
pub use model::{Gil, Implementation, LiveRole, Model};

pub(crate) mod crossbeam_pipeline;
pub mod dask;
pub mod mock;
pub mod model;
pub(crate) mod py_dask;
pub(crate) mod py_dask_threads;
pub(crate) mod py_interpreter_pool;
pub(crate) mod py_process_pool;
pub(crate) mod py_sequential;
pub(crate) mod py_subinterpreters;
pub(crate) mod py_threads;
mod python_harness;
pub(crate) mod rayon_par_iter;
pub mod remote;
pub(crate) mod rust_sequential;
pub(crate) mod rust_threads;
pub(crate) mod rust_threads_attached;
pub(crate) mod rust_threads_detached;

/// What one run of a strategy produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Sum of the task values, in task order.
    pub checksum: Value,
    /// Every chunk of every task (worker keys not yet renumbered).
    pub chunks: Vec<Chunk>,
    /// CPU seconds that workers outside this process's reaped children reported
    /// (forkserver workers are the forkserver's children, not ours).
    pub worker_cpu_s: f64,
    /// Set when the run was timed where it ran (another interpreter's process):
    /// the runner then uses these figures instead of its own clock.
    pub timing: Option<Timing>,
    /// What a dask run reports about its cluster (workers, hosts, start-up, dask's GIL figure).
    pub cluster: Option<dask::DaskRun>,
    /// What the run says about itself: the API and start method it used, its warnings, its GIL wait.
    pub report: RunReport,
}

/// What a Python run reports about itself (the harness's `report`).
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
pub struct RunReport {
    /// The start method a process pool really used.
    #[serde(default)]
    pub start_method: Option<String>,
    /// The API that ran, e.g. "concurrent.interpreters (stdlib)".
    #[serde(default)]
    pub api: Option<String>,
    /// Warnings the run raised (e.g. fork with threads), each once.
    #[serde(default)]
    pub notes: Vec<String>,
    /// Share of a probe thread's time spent waiting for the GIL, measured in that interpreter.
    #[serde(default)]
    pub gil_contention: Option<f64>,
    /// Why there is no such figure, where there is none.
    #[serde(default)]
    pub gil_contention_reason: Option<String>,
    /// A user's function: why this model cannot run it, in Python's words.
    #[serde(default)]
    pub cannot_run: Option<String>,
    /// A user's function: the traceback (the user's frames) when it raised.
    #[serde(default)]
    pub raised: Option<String>,
    /// A user's function: its results against the sequential row's.
    #[serde(default)]
    pub results: Option<crate::engine::user_function::ResultsCheck>,
    /// A user's function: what pickling it costs a pool, measured.
    #[serde(default)]
    pub costs: Option<crate::engine::user_function::UserCosts>,
    /// A user's function: what it printed.
    #[serde(default)]
    pub output: Option<crate::engine::user_function::PrintedOutput>,
    /// A free-threaded build: the module whose import switched the GIL back on.
    #[serde(default)]
    pub gil_reenabled_by: Option<String>,
}

/// Times measured by the process that ran the work.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timing {
    pub wall_s: f64,
    pub cpu_s: f64,
    /// CLOCK_MONOTONIC when the run began.
    pub start_ns: u64,
    /// Seconds the run spent outside its timed part (starting and closing a
    /// dask cluster); 0 for models whose start-up is part of the wall time.
    pub setup_s: f64,
}

/// One concurrency model.
pub trait Strategy: Sync {
    /// What the model is: its id, baseline, GIL, verdict words, live and sweep roles.
    fn model(&self) -> &'static Model;
    /// Fixed id used by `--strategies`, exports and tests, e.g. `py-threads`.
    fn id(&self) -> &'static str {
        self.model().id
    }
    fn implementation(&self) -> Implementation {
        self.model().implementation
    }
    /// How it runs the tasks, in a few words.
    fn method(&self) -> &'static str {
        self.model().method
    }
    /// Workers it uses for `setup` (1 for the sequential rows).
    fn workers(&self, setup: &Setup) -> usize {
        setup.workers
    }
    /// Why it cannot run here, if it cannot.
    fn unavailable(&self, _setup: &Setup) -> Option<String> {
        None
    }
    /// A caveat a reader must see beside the row.
    fn note(&self, _setup: &Setup) -> Option<String> {
        None
    }
    /// The interpreter it runs in when that is not the embedded one.
    fn runs_in(&self) -> Option<&crate::cpython::interpreter::InterpreterFacts> {
        None
    }
    /// The process that runs it when that is not this one (a harness process).
    fn process(&self) -> Option<u32> {
        None
    }
    /// Runs every task of `setup.workload` once.
    fn run(&self, setup: &Setup) -> Result<Sample>;
    /// Runs the work once more under CPython's own GIL instrument (3.15's
    /// Tachyon), where this model and its interpreter allow; `None` otherwise.
    fn tachyon(&self, _setup: &Setup) -> Option<Result<crate::engine::tachyon::TachyonCheck>> {
        None
    }
}

/// Why `strategy` cannot run `setup`'s work here: the kernel first (a native row
/// needs a native twin of it, a Python row its modules), then the model itself.
pub fn why_not(strategy: &dyn Strategy, setup: &Setup) -> Option<String> {
    let kernel = setup.workload.kernel;
    let model = strategy.model();
    if model.harness.is_none() && kernel == crate::engine::workload::Kernel::UserFunction {
        return Some(
            "your function is Python: native rows run gil-lab's own kernels, which have Rust twins"
                .into(),
        );
    }
    if model.harness == Some(dask::HARNESS)
        && kernel == crate::engine::workload::Kernel::UserFunction
    {
        return Some(dask::USER_FUNCTION_REASON.into());
    }
    if model.implementation == Implementation::Rust && !kernel.has_native_twin() {
        return Some(format!(
            "{} has no native twin in gil-lab",
            kernel.python_name()
        ));
    }
    if model.uses_python()
        && strategy.runs_in().is_none()
        && let Some(why) = python_harness::kernel_reason(kernel)
    {
        return Some(why);
    }
    strategy.unavailable(setup)
}

/// Every strategy, in the order tables show them: the one registry that
/// compare, live and sweep read. A new model is a file and a line here.
pub fn all() -> Vec<Box<dyn Strategy>> {
    if std::env::var_os(mock::MOCK_ENV).is_some() {
        return mock::cli_mocks();
    }
    vec![
        Box::new(py_sequential::PySequential),
        Box::new(py_threads::PyThreads),
        Box::new(py_process_pool::PyProcessPool),
        Box::new(py_subinterpreters::PySubinterpreters),
        Box::new(py_interpreter_pool::PyInterpreterPool),
        Box::new(py_dask::STRATEGY),
        Box::new(py_dask_threads::STRATEGY),
        Box::new(rust_threads_attached::RustThreadsAttached),
        Box::new(rust_threads_detached::RustThreadsDetached),
        Box::new(rust_sequential::RustSequential),
        Box::new(rust_threads::RustThreads),
        Box::new(rayon_par_iter::Rayon::default()),
        Box::new(crossbeam_pipeline::CrossbeamPipeline),
    ]
}

/// The model of every strategy, in table order.
pub fn models() -> Vec<&'static Model> {
    all().iter().map(|s| s.model()).collect()
}

/// The model with `id`.
pub fn model(id: &str) -> Option<&'static Model> {
    models().into_iter().find(|m| m.id == id)
}

/// The ids of [`all`], in order.
pub fn ids() -> Vec<&'static str> {
    all().iter().map(|s| s.id()).collect()
}

/// Runs `tasks` tasks on `workers` scoped threads that take the next task as they
/// free up; `work(worker, task)` runs one. Results come back in task order; the
/// first error (or a panic, reported with the worker's number) wins.
pub fn spread_tasks<T: Send>(
    workers: usize,
    tasks: usize,
    work: impl Fn(usize, usize) -> Result<T> + Sync,
) -> Result<Vec<T>> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, T)>> = Mutex::new(Vec::with_capacity(tasks));
    let worker_loop = |worker: usize| -> Result<()> {
        loop {
            let task = next.fetch_add(1, Ordering::Relaxed);
            if task >= tasks {
                return Ok(());
            }
            let value = work(worker, task)?;
            results
                .lock()
                .map_err(|_| anyhow!("a worker panicked"))?
                .push((task, value));
        }
    };
    std::thread::scope(|scope| -> Result<()> {
        let mut handles = Vec::new();
        let mut started = Ok(());
        for w in 0..workers.max(1) {
            match spawn_scoped(scope, format!("gil-lab-worker-{w}"), move || worker_loop(w)) {
                Ok(h) => handles.push(h),
                Err(e) => {
                    // The workers already started finish the tasks; the run still fails.
                    started = Err(e);
                    break;
                }
            }
        }
        handles.into_iter().enumerate().try_for_each(|(w, h)| {
            h.join()
                .map_err(|_| anyhow!("worker thread {w} panicked"))?
        })?;
        started
    })?;
    let mut results = results
        .into_inner()
        .map_err(|_| anyhow!("a worker panicked"))?;
    results.sort_by_key(|(task, _)| *task);
    Ok(results.into_iter().map(|(_, v)| v).collect())
}

/// Adds task results (value, chunks) into one sample, in task order.
pub fn combine(results: Vec<(Value, Vec<Chunk>)>, zero: Value) -> Sample {
    let mut checksum = zero;
    let mut chunks = Vec::new();
    for (value, task_chunks) in results {
        checksum = checksum.plus(value);
        chunks.extend(task_chunks);
    }
    Sample {
        checksum,
        chunks,
        worker_cpu_s: 0.0,
        timing: None,
        report: RunReport::default(),
        cluster: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_in_table_order() {
        let ids = ids();
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), ids.len());
        assert_eq!(ids[0], "py-sequential");
        assert_eq!(ids.len(), 13);
    }

    #[test]
    fn spread_tasks_returns_results_in_task_order() {
        let out = spread_tasks(3, 10, |_, task| Ok(task * 2)).unwrap();
        assert_eq!(out, (0..10).map(|t| t * 2).collect::<Vec<_>>());
    }

    #[test]
    fn spread_tasks_reports_a_panicking_worker() {
        let err = spread_tasks(2, 4, |_, task| {
            if task == 2 {
                panic!("boom");
            }
            Ok(task)
        });
        assert!(err.unwrap_err().to_string().contains("panicked"));
    }
}
