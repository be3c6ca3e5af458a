//! "Which model for this code, and how much faster?": drawn from the rows' own
//! figures only, for a user's function and for work that releases the GIL.

use crate::engine::strategies::{self, Gil, Implementation};
use crate::engine::user_function::ResultsOutcome;
use crate::engine::workload::Scenario;
use crate::report::{Answer, Pick, Report, Row, last_line};

/// Below this, one sequential run of every task is too short for the models'
/// differences to be the work's rather than their start-up's.
const TOO_SHORT_S: f64 = 0.02;

/// A GIL wait below this does not explain threads that gained nothing.
const LITTLE_GIL_WAIT: f64 = 0.2;

/// A model this much faster than sequential, or less, gained nothing worth its cost.
const NO_GAIN: f64 = 1.05;

/// Whether `scenario`'s report gets an answer.
pub fn answers(scenario: Scenario) -> bool {
    matches!(
        scenario,
        Scenario::Function | Scenario::Hashing | Scenario::Compress | Scenario::Numpy
    )
}

/// The answer for `report`.
pub fn answer(report: &Report) -> Answer {
    let mut lines = Vec::new();
    let subject = match &report.function {
        Some(f) => f.callable.label(),
        None => format!("the {} work", report.scenario.id()),
    };
    let sequential_failed = report
        .results
        .iter()
        .any(|r| is_baseline(r) && r.error.is_some());
    if sequential_failed {
        lines.push(format!(
            "{subject} failed on its own (py-sequential): no model can be judged; see its traceback"
        ));
        return Answer {
            fastest: None,
            next: None,
            conclusive: false,
            lines,
        };
    }
    let mut ranked: Vec<&Row> = report
        .results
        .iter()
        .filter(|r| {
            // The models a user can pick for Python code: the ones a harness runs.
            strategies::model(&r.strategy).is_some_and(|m| m.harness.is_some())
                && r.speedup.is_some()
                && !is_baseline(r)
        })
        .filter(|r| {
            r.results_check
                .as_ref()
                .is_none_or(|c| c.outcome != ResultsOutcome::Differ)
        })
        .collect();
    ranked.sort_by(|a, b| {
        b.speedup
            .unwrap_or(0.0)
            .total_cmp(&a.speedup.unwrap_or(0.0))
    });
    let pick = |row: &Row| Pick {
        strategy: row.strategy.clone(),
        label: report.label(row),
        interpreter: row.interpreter.as_ref().map(|i| i.version.clone()),
        speedup: row.speedup.unwrap_or(0.0),
        speedup_median: row.speedup_median.unwrap_or(0.0),
        why: why(report, row),
    };
    let fastest = ranked.first().map(|r| pick(r));
    let next = ranked.get(1).map(|r| pick(r));
    let mut conclusive = fastest.is_some();
    let sequential_s = report
        .results
        .iter()
        .find(|r| is_baseline(r) && r.wall_s.is_some())
        .and_then(|r| r.wall_s)
        .map(|w| w.median);
    if let Some(p) = fastest.as_ref().filter(|p| p.speedup < NO_GAIN) {
        lines.push(format!(
            "Fastest for {subject} on this machine: py-sequential: no model ran it faster (the best, {}, ran {:.2}× (median {:.2}×): {})",
            p.label, p.speedup, p.speedup_median, p.why
        ));
    } else if let Some(p) = &fastest {
        lines.push(format!(
            "Fastest for {subject} on this machine: {}, {:.2}× py-sequential (median {:.2}×){}: {}",
            p.label,
            p.speedup,
            p.speedup_median,
            interpreter_words(p),
            p.why
        ));
    }
    if let Some(p) = &next {
        lines.push(format!(
            "Next: {}, {:.2}× (median {:.2}×): {}",
            p.label, p.speedup, p.speedup_median, p.why
        ));
    }
    if let Some(s) = sequential_s
        && s < TOO_SHORT_S
    {
        conclusive = false;
        lines.push(format!(
            "Too short to tell: all {} tasks take {:.1} ms in a row, less than starting workers costs; give each task more work",
            report.workload.tasks,
            s * 1e3
        ));
    } else if let (Some(a), Some(b)) = (ranked.first(), ranked.get(1))
        && let (Some(wa), Some(wb)) = (a.wall_s, b.wall_s)
        && wa.max >= wb.min
    {
        conclusive = false;
        lines.push(format!(
            "Too close to tell apart here: their run times overlap ({:.3}–{:.3} s and {:.3}–{:.3} s)",
            wa.min, wa.max, wb.min, wb.max
        ));
    }
    for row in &report.results {
        let label = report.label(row);
        if let Some(why) = &row.cannot_run {
            lines.push(format!("{label} cannot run it: {why}"));
        } else if let Some(error) = &row.error
            && !is_baseline(row)
        {
            lines.push(format!("{label} failed: {}", last_line(error)));
        }
        if let Some(check) = &row.results_check
            && check.outcome == ResultsOutcome::Differ
        {
            lines.push(format!(
                "{label} computed other results than py-sequential ({}): not a candidate",
                check.detail
            ));
        }
    }
    let mut reenabled: Vec<String> = Vec::new();
    for row in &report.results {
        if let (Some(module), Some(i)) = (&row.gil_reenabled_by, &row.interpreter) {
            let line = format!(
                "On {}: importing your code re-enabled the GIL (module '{module}' has not declared it can run without it): threads there take turns",
                i.version
            );
            if !reenabled.contains(&line) {
                reenabled.push(line);
            }
        }
    }
    lines.extend(reenabled);
    if report.scenario == Scenario::Function {
        lines.push(
            "No native rows: your function is Python, and gil-lab's native rows need a kernel with a Rust twin"
                .into(),
        );
    }
    Answer {
        fastest,
        next,
        conclusive,
        lines,
    }
}

fn is_baseline(row: &Row) -> bool {
    strategies::model(&row.strategy).is_some_and(|m| m.baseline)
        && row.implementation == Implementation::Python
}

fn interpreter_words(p: &Pick) -> String {
    match &p.interpreter {
        Some(v) if !p.label.contains('@') => format!(" on CPython {v}"),
        _ => String::new(),
    }
}

/// Why a row ran as fast as it did, from its own figures.
fn why(report: &Report, row: &Row) -> String {
    let Some(model) = strategies::model(&row.strategy) else {
        return String::new();
    };
    let overlap = row.at_once();
    let gil_wait = row
        .gil_contention
        .map_or("–".to_string(), |g| format!("{g:.2}"));
    let gil_off =
        row.interpreter.as_ref().is_some_and(|i| i.gil_disabled) && row.gil_reenabled_by.is_none();
    let speedup = row.speedup.unwrap_or(0.0);
    if model.baseline {
        return "no model beat running the tasks one after another here".into();
    }
    match model.gil {
        Gil::OneInterpreter if gil_off => {
            let mut text = format!("no GIL in this build: {overlap:.2} tasks ran at once");
            if let Some(cost) = report.free_threading.iter().find(|c| {
                row.interpreter
                    .as_ref()
                    .is_some_and(|i| i.version == c.interpreter)
            }) && let Some(ratio) = cost.sequential_vs_gil_build
            {
                text += &format!(
                    "; one thread {ratio:.2}× as slow as on the GIL build {}",
                    cost.gil_build.as_deref().unwrap_or("")
                );
            }
            text
        }
        Gil::OneInterpreter if row.gil_reenabled_by.is_some() => format!(
            "importing your code re-enabled the GIL (module '{}'): threads take turns ({overlap:.2} at once)",
            row.gil_reenabled_by.as_deref().unwrap_or_default()
        ),
        Gil::OneInterpreter if speedup >= 1.2 => format!(
            "threads scale: the work released the GIL ({overlap:.2} tasks at once, GIL wait {gil_wait})"
        ),
        Gil::OneInterpreter if row.gil_contention.is_some_and(|g| g < LITTLE_GIL_WAIT) => format!(
            "the threads waited little for the GIL (GIL wait {gil_wait}) yet gained little: other work held the CPUs, or the tasks were uneven ({overlap:.2} at once)"
        ),
        Gil::OneInterpreter => {
            format!("threads take turns on the GIL ({overlap:.2} at once, GIL wait {gil_wait})")
        }
        Gil::PerProcess => process_pool_why(report, row),
        Gil::PerSubinterpreter => {
            let own = row
                .interpreter
                .as_ref()
                .and_then(|i| i.version.get(..4))
                .is_some_and(|v| v >= "3.12");
            if own || gil_off {
                format!("each subinterpreter has its own GIL ({overlap:.2} at once)")
            } else {
                format!("subinterpreters share one GIL before 3.12 ({overlap:.2} at once)")
            }
        }
        Gil::Released | Gil::Native => model.why_parallel().to_string(),
    }
}

/// A process pool's speed and what it paid: starting workers, pickling.
fn process_pool_why(report: &Report, row: &Row) -> String {
    let mut text = format!(
        "each process has its own GIL ({:.2} at once)",
        row.at_once()
    );
    if let Some(start) = row.startup_s {
        text += &format!("; its workers took {:.0} ms to start", start * 1e3);
    }
    if let (Some(costs), Some(cpu)) = (&row.costs, row.cpu_s)
        && cpu > 0.0
    {
        let share = costs.pickle_s_per_task * report.workload.tasks as f64 / cpu;
        text += &format!(
            "; {:.0} % of its CPU went to pickling {} per task (argument {}, result {})",
            share * 100.0,
            bytes(costs.arg_bytes + costs.result_bytes),
            bytes(costs.arg_bytes),
            bytes(costs.result_bytes)
        );
        if share >= 0.1 {
            text += ": pass a path or a shared buffer instead (lesson pass-a-path)";
        }
    }
    text
}

/// `16.0 MB`, `312 B`.
pub fn bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 20 => format!("{:.1} MiB", n as f64 / (1u64 << 20) as f64),
        n if n >= 1 << 10 => format!("{:.1} KiB", n as f64 / 1024.0),
        n => format!("{n} B"),
    }
}
