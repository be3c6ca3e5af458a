//! Builds a scenario's typed [`Report`] from what the engine measured: each
//! row's figures, notes and verdict. The report layer only holds the types;
//! judging the rows is the experiment's work.

use crate::cpython::interpreter::{InterpreterFacts, InterpreterRef};
use crate::engine::measure::{Measured, Outcome, Plan, Run};
use crate::engine::stats::{Spread, median};
use crate::engine::strategies::{Implementation, Strategy};
use crate::engine::timeline::worker_count;
use crate::engine::user_function::ResultsOutcome;
use crate::engine::workload::{Kernel, Scenario, Setup};
use crate::lab::compare::verdict::{Facts, verdict};
use crate::report::compare::*;

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
            description: match &setup.user {
                Some(user) => user.describe(setup.workload.tasks),
                None => setup.workload.kernel.describe(setup.workload.size),
            },
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
            start_method: setup
                .start_method
                .clone()
                .unwrap_or_else(|| "each interpreter's default".into()),
            interleaved: true,
        },
        free_threading: free_threading_costs(&results),
        results,
        function: setup.user.clone(),
        answer: None,
    }
}

fn walls(runs: &[Run]) -> Vec<f64> {
    runs.iter().map(|r| r.wall_s).collect()
}

/// A CPU-bound run that took this many times the row's fastest run while its
/// CPU time stayed under half its wall time was stopped (SIGTSTP) or kept off
/// the CPUs: its figures describe the pause, not the model.
pub const STOPPED_SLOWER: f64 = 3.0;

/// Names the CPU-bound runs that spent most of their wall time off the CPUs.
fn stopped_runs(runs: &[Run], cpu_bound: bool) -> Option<String> {
    let fastest = runs.iter().map(|r| r.wall_s).fold(f64::INFINITY, f64::min);
    if !cpu_bound || !fastest.is_finite() {
        return None;
    }
    let stopped: Vec<String> = runs
        .iter()
        .enumerate()
        .filter(|(_, r)| r.wall_s > STOPPED_SLOWER * fastest && r.cpu_s < 0.5 * r.wall_s)
        .map(|(i, r)| {
            format!(
                "run {}: {:.2} s wall against {:.2} s CPU",
                i + 1,
                r.wall_s,
                r.cpu_s
            )
        })
        .collect();
    (!stopped.is_empty()).then(|| {
        format!(
            "{}: the process was stopped or waited for a CPU (the fastest run is still the row's figure)",
            stopped.join(", ")
        )
    })
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
        gil_contention_reason: None,
        start_method: None,
        api: None,
        tachyon: None,
        checksum: None,
        status: m.outcome.clone(),
        available: !matches!(m.outcome, Outcome::Unavailable(_)),
        error: m.outcome.error(),
        note: match &m.outcome {
            Outcome::Unavailable(why) => Some(why.clone()),
            _ => s.note(setup),
        },
        cluster: ClusterInfo::of(&m.runs),
        cannot_run: match &m.outcome {
            Outcome::CannotRun(why) => Some(why.clone()),
            _ => None,
        },
        results_check: None,
        costs: None,
        output: None,
        gil_reenabled_by: None,
        verdict: String::new(),
    };
    let Some(wall) = Spread::of(&walls(&m.runs)) else {
        row.verdict = match &m.outcome {
            Outcome::CannotRun(why) => format!("cannot run: {why}"),
            Outcome::Unavailable(_) => {
                "not measured: unavailable in this interpreter (see note)".into()
            }
            Outcome::TimedOut { .. } => m.outcome.reason().unwrap_or_default(),
            Outcome::Failed(error) => format!("failed: {}", last_line(error)),
            Outcome::Ok => "not measured".into(),
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
    if let Some(report) = m.runs.last().map(|r| &r.report) {
        row.gil_contention_reason = row
            .gil_contention
            .is_none()
            .then(|| report.gil_contention_reason.clone())
            .flatten();
        row.start_method = report.start_method.clone();
        row.api = report.api.clone();
        row.results_check = report.results.clone();
        row.costs = report.costs.clone();
        row.output = report.output.clone();
        row.gil_reenabled_by = report.gil_reenabled_by.clone();
        let mut notes: Vec<String> = row.note.take().into_iter().collect();
        if let Some(api) = &report.api {
            notes.push(format!("API: {api}"));
        }
        if let Some(method) = &report.start_method {
            notes.push(match &setup.start_method {
                Some(_) => format!("start method {method} (--start-method)"),
                None => format!("start method {method} (this interpreter's default)"),
            });
        }
        // A warning the pool raised on every run is shown once.
        for warning in &report.notes {
            if !notes.contains(warning) {
                notes.push(warning.clone());
            }
        }
        // A row without a GIL figure says why beside its "–".
        if let Some(why) = &row.gil_contention_reason {
            notes.push(format!("GIL wait –: {why}"));
        }
        notes.extend(user_function_notes(&row));
        row.note = (!notes.is_empty()).then(|| notes.join("; "));
    }
    if let Some(cluster) = &row.cluster {
        row.note = Some(cluster.note());
    }
    if let Some(stopped) = stopped_runs(&m.runs, setup.workload.kernel.is_cpu_bound()) {
        row.note = Some(match row.note.take() {
            Some(note) => format!("{note}; {stopped}"),
            None => stopped,
        });
    }
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
            overlap: if kernel == Kernel::UserFunction {
                row.at_once()
            } else {
                row.overlap.unwrap_or(0.0)
            },
            wall_median_s: wall.median,
            startup_s: row.startup_s.unwrap_or(0.0),
            // Importing the user's code may have switched a free-threaded build's GIL back on.
            gil_disabled: interpreter.gil_disabled && row.gil_reenabled_by.is_none(),
            own_gil_subinterpreters: interpreter.own_gil_subinterpreters,
            releases_gil: kernel.releases_the_gil(),
        }),
        None => "no sequential baseline was measured".into(),
    };
    row
}

/// What a user's function's row says beside its figures: results that differ or could
/// not be compared, what it printed, a GIL that importing it switched back on.
fn user_function_notes(row: &Row) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(module) = &row.gil_reenabled_by {
        notes.push(format!(
            "importing your code re-enabled the GIL: module '{module}' does not declare it can run without it (PYTHON_GIL=0 keeps it off, at your own risk)"
        ));
    }
    if let Some(check) = &row.results_check {
        match check.outcome {
            ResultsOutcome::Differ => notes.push(format!(
                "RESULTS DIFFER from py-sequential's: {}",
                check.detail
            )),
            ResultsOutcome::NotCompared => notes.push(format!("not compared: {}", check.detail)),
            ResultsOutcome::Reference | ResultsOutcome::Same => {}
        }
    }
    if let Some(out) = &row.output {
        let more = if out.tasks > 1 {
            format!(" (and {} more tasks printed)", out.tasks - 1)
        } else {
            String::new()
        };
        notes.push(format!("printed: \"{}\"{more}", out.first));
    }
    notes
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
