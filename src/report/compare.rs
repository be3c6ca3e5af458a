//! Results as plain data: what every renderer reads and `--json` writes.

use serde::Serialize;

pub use crate::os::machine::Machine;
pub use crate::report::free_threading::{FreeThreadingCost, free_threading_costs};

use crate::cpython::interpreter::{InterpreterFacts, InterpreterRef};
use crate::engine::kernels::Value;
use crate::engine::measure::Outcome;
use crate::engine::stats::Spread;
use crate::engine::strategies::Implementation;
use crate::engine::tachyon::TachyonCheck;
use crate::engine::timeline::Chunk;
use crate::engine::user_function::{PrintedOutput, ResultsCheck, UserCosts, UserFunction};
use crate::engine::workload::{Kernel, Scenario};
pub use crate::report::answer::{Answer, Pick};
pub use crate::report::dask::ClusterInfo;

/// The workload as reports describe it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkloadInfo {
    pub kernel: Kernel,
    /// What one task computes, in Python.
    pub description: String,
    pub size: u64,
    /// "iterations" or "ms".
    pub size_unit: String,
    pub tasks: usize,
    /// Iterations per chunk of the Python kernel (rows with implementation "python").
    pub chunk: u64,
    /// Iterations per chunk of the native kernel (rows with implementation "rust"):
    /// about 1 ms of native work, from the kernel's speed measured in this run.
    pub native_chunk: u64,
}

impl WorkloadInfo {
    /// The chunk the rows of `implementation` ran with.
    pub fn chunk_of(&self, implementation: Implementation) -> u64 {
        match implementation {
            Implementation::Python => self.chunk,
            Implementation::Rust => self.native_chunk,
        }
    }
}

/// How the comparison was run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Settings {
    pub workers: usize,
    pub runs: usize,
    pub warmup: usize,
    pub start_method: String,
    pub interleaved: bool,
}

/// One strategy's row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub strategy: String,
    pub implementation: Implementation,
    /// How it runs the tasks.
    pub method: String,
    /// The interpreter that ran Python code in this row; `null` for native-only rows.
    pub interpreter: Option<InterpreterRef>,
    pub workers: usize,
    pub runs: usize,
    /// Passes per measured run: short passes are repeated and figures are per pass.
    pub repeats: usize,
    /// Wall-clock seconds per run.
    pub wall_s: Option<Spread>,
    /// Median seconds from the start of a run to its first chunk of work.
    pub startup_s: Option<f64>,
    /// Median CPU seconds (user + system, this process and its workers) per run.
    pub cpu_s: Option<f64>,
    /// Median of CPU / wall per run: cores kept busy.
    pub parallelism: Option<f64>,
    /// Sequential row's fastest run / this row's fastest run, within the same
    /// implementation. Interference on a shared machine only ever adds time, so
    /// the fastest runs compare the models themselves (as Python's `timeit` advises).
    pub speedup: Option<f64>,
    /// The same ratio from the medians: what a typical run on this machine gave.
    pub speedup_median: Option<f64>,
    /// `py-sequential`'s fastest run / this row's fastest run.
    pub vs_python_sequential: Option<f64>,
    /// speedup / workers.
    pub efficiency: Option<f64>,
    /// Median mean number of workers running at once (from the chunk timeline).
    pub overlap: Option<f64>,
    /// Median count of hand-overs between workers that did not overlap.
    pub handoffs: Option<f64>,
    /// Median share of time a probe thread waited to attach to the embedded
    /// interpreter (0 = GIL free, 1 = always held); `null` where not probed.
    pub gil_contention: Option<f64>,
    /// Why `gil_contention` is `null`, where the run said (free-threaded, fork pool).
    pub gil_contention_reason: Option<String>,
    /// The start method a process pool really used (its interpreter's default unless `--start-method`).
    pub start_method: Option<String>,
    /// The API that ran, e.g. "concurrent.interpreters (stdlib)".
    pub api: Option<String>,
    /// 3.15: Tachyon's per-worker GIL shares over the same work, beside gil-lab's.
    pub tachyon: Option<TachyonCheck>,
    pub checksum: Option<Value>,
    /// How the row ended; `--json` writes its word ("ok", "unavailable",
    /// "failed", "timed out", "cannot run").
    pub status: Outcome,
    pub available: bool,
    /// Why this row failed while running (e.g. a killed pool worker), if it did.
    pub error: Option<String>,
    pub note: Option<String>,
    /// The dask cluster that ran a dask row: address, workers, hosts, start-up, per-task gap.
    pub cluster: Option<ClusterInfo>,
    /// A user's function: why this model cannot run it, in Python's words (status "cannot run").
    pub cannot_run: Option<String>,
    /// A user's function: its results against the sequential row's.
    pub results_check: Option<ResultsCheck>,
    /// A user's function: what a pool pays to pickle it, measured.
    pub costs: Option<UserCosts>,
    /// A user's function: what it printed in this row.
    pub output: Option<PrintedOutput>,
    /// A free-threaded build whose GIL the user's code switched back on: the module that did.
    pub gil_reenabled_by: Option<String>,
    pub verdict: String,
}

/// One scenario's comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub gil_lab_version: String,
    pub machine: Machine,
    pub interpreter: InterpreterFacts,
    pub scenario: Scenario,
    pub workload: WorkloadInfo,
    pub settings: Settings,
    pub results: Vec<Row>,
    /// For each free-threaded interpreter measured: its costs, split.
    pub free_threading: Vec<FreeThreadingCost>,
    /// `compare FILE.py:FUNCTION`: the function that was measured.
    pub function: Option<UserFunction>,
    /// For a user's function and work that releases the GIL: which model, how much faster, and why.
    pub answer: Option<Answer>,
}

impl Row {
    /// Workers that ran at once: the timeline's overlap, but no more than the CPU
    /// kept busy (a task's bar spans its waits for the GIL too: one bar per task
    /// of an opaque function overlaps while the threads take turns).
    pub fn at_once(&self) -> f64 {
        let overlap = self.overlap.unwrap_or(0.0);
        match self.parallelism {
            Some(p) if self.implementation == Implementation::Python => overlap.min(p),
            _ => overlap,
        }
    }
}

impl Report {
    /// The interpreters that ran the rows (path order of first appearance).
    pub fn interpreters(&self) -> Vec<&InterpreterRef> {
        let mut seen: Vec<&InterpreterRef> = Vec::new();
        for i in self
            .results
            .iter()
            .filter_map(|row| row.interpreter.as_ref())
        {
            if !seen.contains(&i) {
                seen.push(i);
            }
        }
        seen
    }

    /// "py-threads", or "py-threads @3.13.1t" when several interpreters share a report.
    pub fn label(&self, row: &Row) -> String {
        let several = self.interpreters().len() > 1;
        run_label(&row.strategy, row.interpreter.as_ref().filter(|_| several))
    }
}

/// The one label of a strategy's row, bar or timeline lane: "py-threads",
/// "py-threads @3.13.1t" when `interpreter` ran it, and "@3.13.1t+GIL" when
/// that free-threaded build ran with its GIL switched back on. Every renderer
/// (table, Markdown, SVG, HTML) labels through here, so they cannot disagree.
pub fn run_label(strategy: &str, interpreter: Option<&InterpreterRef>) -> String {
    match interpreter {
        Some(i) => {
            let gil = if i.version.ends_with('t') && !i.gil_disabled {
                "+GIL"
            } else {
                ""
            };
            format!("{strategy} @{}{gil}", i.version)
        }
        None => strategy.to_string(),
    }
}

/// The raw chunk timeline of one run per strategy (the run with the median wall time).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Timeline {
    pub strategy: String,
    /// Set when another interpreter than the embedded one ran it.
    pub interpreter: Option<InterpreterRef>,
    pub wall_s: f64,
    pub workers: usize,
    /// Mean workers running at once in this run.
    pub overlap: f64,
    pub chunks: Vec<Chunk>,
}

impl Timeline {
    /// Its lane's label: the strategy, with the interpreter that ran it when another did.
    pub fn label(&self) -> String {
        run_label(&self.strategy, self.interpreter.as_ref())
    }
}

/// The last non-empty line of an error: for a Python error, the exception itself.
pub fn last_line(text: &str) -> &str {
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or(text)
        .trim()
}

impl Report {
    pub fn scenario_id(&self) -> &'static str {
        self.scenario.id()
    }
}
