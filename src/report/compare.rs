//! Results as plain data: what every renderer reads and `--json` writes.

use serde::Serialize;

pub use crate::os::machine::Machine;

use crate::cpython::interpreter::{InterpreterFacts, InterpreterRef};
use crate::engine::kernels::Value;
use crate::engine::measure::{Measured, Plan, Run, TIMED_OUT};
use crate::engine::stats::{Spread, median};
use crate::engine::strategies::{Implementation, Strategy};
use crate::engine::timeline::{Chunk, worker_count};
use crate::engine::verdict::{Facts, verdict};
use crate::engine::workload::{Kernel, Scenario, Setup};

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
    pub checksum: Option<Value>,
    /// "ok", "unavailable", "failed" or "timed out".
    pub status: String,
    pub available: bool,
    /// Why this row failed while running (e.g. a killed pool worker), if it did.
    pub error: Option<String>,
    pub note: Option<String>,
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
        match &row.interpreter {
            Some(i) if self.interpreters().len() > 1 => {
                let gil = if i.version.ends_with('t') && !i.gil_disabled {
                    "+GIL"
                } else {
                    ""
                };
                format!("{} @{}{gil}", row.strategy, i.version)
            }
            _ => row.strategy.clone(),
        }
    }
}

/// What a free-threaded build costs and what its missing GIL buys, as separate figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FreeThreadingCost {
    /// e.g. "3.13.5t".
    pub interpreter: String,
    /// The GIL build of the same minor version it is compared with, if measured.
    pub gil_build: Option<String>,
    /// py-sequential fastest run, free-threaded build / GIL build: the single-thread
    /// price of the build (published: ~40 % on 3.13).
    pub sequential_vs_gil_build: Option<f64>,
    /// py-sequential with `PYTHON_GIL=1` / without, in the same build.
    pub sequential_with_gil_vs_without: Option<f64>,
    /// py-threads speedup with the GIL off, and with `PYTHON_GIL=1`: what the GIL itself does.
    pub threads_speedup_without_gil: Option<f64>,
    pub threads_speedup_with_gil: Option<f64>,
}

/// The free-threading split, from the rows of every interpreter in a report.
pub fn free_threading_costs(results: &[Row]) -> Vec<FreeThreadingCost> {
    let find = |id: &str, pick: &dyn Fn(&InterpreterRef) -> bool| {
        results
            .iter()
            .find(|r| r.strategy == id && r.interpreter.as_ref().is_some_and(pick))
    };
    let fastest = |row: Option<&Row>| row.and_then(|r| r.wall_s).map(|w| w.min);
    let mut out: Vec<FreeThreadingCost> = Vec::new();
    for ft in results.iter().filter_map(|r| r.interpreter.as_ref()) {
        if !ft.gil_disabled || out.iter().any(|c| c.interpreter == ft.version) {
            continue;
        }
        let minor = ft
            .version
            .trim_end_matches('t')
            .rsplitn(2, '.')
            .last()
            .unwrap_or("")
            .to_string();
        let gil_build = |i: &InterpreterRef| {
            !i.version.ends_with('t') && i.version.rsplitn(2, '.').last() == Some(minor.as_str())
        };
        let same_build_with_gil = |i: &InterpreterRef| i.path == ft.path && !i.gil_disabled;
        let this = |i: &InterpreterRef| i == ft;
        let ratio = |a: Option<f64>, b: Option<f64>| a.zip(b).map(|(a, b)| a / b);
        let seq = fastest(find("py-sequential", &this));
        out.push(FreeThreadingCost {
            interpreter: ft.version.clone(),
            gil_build: find("py-sequential", &gil_build)
                .and_then(|r| r.interpreter.as_ref())
                .map(|i| i.version.clone()),
            sequential_vs_gil_build: ratio(seq, fastest(find("py-sequential", &gil_build))),
            sequential_with_gil_vs_without: ratio(
                fastest(find("py-sequential", &same_build_with_gil)),
                seq,
            ),
            threads_speedup_without_gil: find("py-threads", &this).and_then(|r| r.speedup),
            threads_speedup_with_gil: find("py-threads", &same_build_with_gil)
                .and_then(|r| r.speedup),
        });
    }
    out
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

/// Turns measurements into rows with speedups and verdicts.
pub fn build(
    scenario: Scenario,
    machine: Machine,
    setup: &Setup,
    plan: Plan,
    interpreter: &InterpreterFacts,
    strategies: &[&dyn Strategy],
    measured: &[Measured],
) -> Report {
    // Baselines are per interpreter: a 3.13t row is compared with 3.13t's py-sequential.
    // An interpreter is its executable and GIL mode: 3.13t runs with and without its GIL.
    let runs_in = |s: &dyn Strategy| s.runs_in().unwrap_or(interpreter).as_ref();
    // The baseline row of an implementation, in the interpreter `exe`.
    let wall_of = |imp: Implementation, exe: &InterpreterRef| {
        strategies
            .iter()
            .zip(measured)
            .find(|(s, m)| {
                s.model().baseline
                    && s.implementation() == imp
                    && runs_in(**s) == *exe
                    && !m.runs.is_empty()
            })
            .and_then(|(_, m)| Spread::of(&walls(&m.runs)))
    };
    let rust_seq = wall_of(Implementation::Rust, &interpreter.as_ref());
    let results: Vec<Row> = strategies
        .iter()
        .zip(measured)
        .map(|(s, m)| {
            let py_seq = wall_of(Implementation::Python, &runs_in(*s));
            let baseline = match s.implementation() {
                Implementation::Python => py_seq,
                Implementation::Rust => rust_seq,
            };
            let facts = s.runs_in().unwrap_or(interpreter);
            row(*s, m, setup, facts, baseline, py_seq)
        })
        .collect();
    Report {
        gil_lab_version: env!("CARGO_PKG_VERSION").into(),
        machine,
        interpreter: interpreter.clone(),
        scenario,
        workload: WorkloadInfo {
            kernel: setup.workload.kernel,
            description: setup.workload.kernel.describe(setup.workload.size),
            size: setup.workload.size,
            size_unit: setup.workload.kernel.size_unit().into(),
            tasks: setup.workload.tasks,
            chunk: setup.workload.chunk,
            native_chunk: setup.workload.native_chunk,
        },
        settings: Settings {
            workers: setup.workers,
            runs: plan.runs,
            warmup: plan.warmup,
            start_method: setup.start_method.clone(),
            interleaved: true,
        },
        free_threading: free_threading_costs(&results),
        results,
    }
}

fn walls(runs: &[Run]) -> Vec<f64> {
    runs.iter().map(|r| r.wall_s).collect()
}

fn row(
    s: &dyn Strategy,
    m: &Measured,
    setup: &Setup,
    interpreter: &InterpreterFacts,
    baseline: Option<Spread>,
    py_seq: Option<Spread>,
) -> Row {
    let workers = s.workers(setup);
    let mut row = Row {
        strategy: s.id().into(),
        implementation: s.implementation(),
        method: s.method().into(),
        interpreter: s.model().uses_python().then(|| interpreter.as_ref()),
        workers,
        runs: m.runs.len(),
        repeats: m.repeats.max(1),
        wall_s: None,
        startup_s: None,
        cpu_s: None,
        parallelism: None,
        speedup: None,
        speedup_median: None,
        vs_python_sequential: None,
        efficiency: None,
        overlap: None,
        handoffs: None,
        gil_contention: None,
        checksum: None,
        status: status(m).into(),
        available: m.unavailable.is_none(),
        error: m.failed.clone(),
        note: m.unavailable.clone().or_else(|| s.note(setup)),

        verdict: String::new(),
    };
    let Some(wall) = Spread::of(&walls(&m.runs)) else {
        row.verdict = match (&m.unavailable, &m.failed) {
            (Some(_), _) => "not measured: unavailable in this interpreter (see note)".into(),
            (None, Some(error)) if error.starts_with(TIMED_OUT) => error.clone(),
            (None, Some(error)) => format!("failed: {}", last_line(error)),
            (None, None) => "not measured".into(),
        };
        return row;
    };
    let per_run = |f: fn(&Run) -> f64| median(&m.runs.iter().map(f).collect::<Vec<_>>());
    let speedup = baseline.map(|b| b.min / wall.min);
    row.wall_s = Some(wall);
    row.startup_s = Some(per_run(|r| r.startup_s));
    row.cpu_s = Some(per_run(|r| r.cpu_s));
    row.parallelism = Some(per_run(|r| r.cpu_s / r.wall_s));
    row.speedup = speedup;
    row.speedup_median = baseline.map(|b| b.median / wall.median);
    row.vs_python_sequential = py_seq.map(|b| b.min / wall.min);
    row.efficiency = speedup.map(|x| x / workers as f64);
    row.overlap = Some(per_run(|r| r.timeline.overlap));
    row.handoffs = Some(per_run(|r| r.timeline.handoffs as f64));
    let probed: Vec<f64> = m.runs.iter().filter_map(|r| r.gil_contention).collect();
    row.gil_contention = Spread::of(&probed).map(|s| s.median);
    row.checksum = m.runs.first().map(|r| r.checksum);
    let kernel = setup.workload.kernel;
    let mut ideal = workers.min(setup.workload.tasks) as f64;
    if kernel.is_cpu_bound() {
        ideal = ideal.min(crate::os::machine::cpus() as f64);
    }
    row.verdict = match speedup {
        Some(speedup) => verdict(&Facts {
            model: s.model(),
            implementation: s.implementation(),
            cpu_bound: kernel.is_cpu_bound(),
            workers,
            ideal,
            speedup,
            overlap: row.overlap.unwrap_or(0.0),
            wall_median_s: wall.median,
            startup_s: row.startup_s.unwrap_or(0.0),
            gil_disabled: interpreter.gil_disabled,
            own_gil_subinterpreters: interpreter.own_gil_subinterpreters,
        }),
        None => "no sequential baseline was measured".into(),
    };
    row
}

fn status(m: &Measured) -> &'static str {
    match (&m.unavailable, &m.failed) {
        (Some(_), _) => "unavailable",
        (None, Some(e)) if e.starts_with(TIMED_OUT) => TIMED_OUT,
        (None, Some(_)) => "failed",
        (None, None) => "ok",
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

/// The median-wall run's chunks for each measured strategy.
pub fn timelines(strategies: &[&dyn Strategy], measured: &[Measured]) -> Vec<Timeline> {
    strategies
        .iter()
        .zip(measured)
        .filter(|(_, m)| !m.runs.is_empty())
        .map(|(s, m)| {
            let mut runs: Vec<&Run> = m.runs.iter().collect();
            runs.sort_by(|a, b| a.wall_s.total_cmp(&b.wall_s));
            let run = runs[runs.len() / 2];
            Timeline {
                strategy: m.strategy.into(),
                interpreter: s.runs_in().map(|i| i.as_ref()),
                wall_s: run.wall_s,
                workers: worker_count(&run.chunks),
                overlap: run.timeline.overlap,
                chunks: run.chunks.clone(),
            }
        })
        .collect()
}

impl Report {
    pub fn scenario_id(&self) -> &'static str {
        self.scenario.id()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(
        strategy: &str,
        version: &str,
        path: &str,
        gil_disabled: bool,
        min: f64,
        speedup: f64,
    ) -> Row {
        let mut r = crate::render::fixture::report().results[0].clone();
        r.strategy = strategy.into();
        r.interpreter = Some(InterpreterRef {
            version: version.into(),
            path: path.into(),
            gil_disabled,
        });
        r.wall_s = Some(Spread {
            median: min,
            min,
            max: min,
        });
        r.speedup = Some(speedup);
        r
    }

    #[test]
    fn free_threading_cost_is_split_into_build_cost_and_gil_effect() {
        let rows = [
            row("py-sequential", "3.13.5", "/p/3.13", false, 1.0, 1.0),
            row("py-threads", "3.13.5", "/p/3.13", false, 1.0, 0.98),
            row("py-sequential", "3.13.5t", "/p/3.13t", true, 1.4, 1.0),
            row("py-threads", "3.13.5t", "/p/3.13t", true, 0.75, 1.9),
            row("py-sequential", "3.13.5t", "/p/3.13t", false, 1.5, 1.0),
            row("py-threads", "3.13.5t", "/p/3.13t", false, 1.5, 1.0),
        ];
        let costs = free_threading_costs(&rows);
        assert_eq!(costs.len(), 1);
        let c = &costs[0];
        assert_eq!(c.interpreter, "3.13.5t");
        assert_eq!(c.gil_build.as_deref(), Some("3.13.5"));
        assert!((c.sequential_vs_gil_build.unwrap() - 1.4).abs() < 1e-12);
        assert!((c.sequential_with_gil_vs_without.unwrap() - 1.5 / 1.4).abs() < 1e-12);
        assert_eq!(c.threads_speedup_without_gil, Some(1.9));
        assert_eq!(c.threads_speedup_with_gil, Some(1.0));
    }

    #[test]
    fn no_free_threaded_interpreter_gives_no_split() {
        assert!(
            free_threading_costs(&[row("py-sequential", "3.11.7", "/p", false, 1.0, 1.0)])
                .is_empty()
        );
    }
}
