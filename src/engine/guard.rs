//! The resource guard: work that would overwhelm the machine is refused before
//! it starts, with the figure that decided it. `--force` skips it.

use crate::engine::workload::{Kernel, Scenario};
use crate::error::UsageError;

/// Start methods multiprocessing offers on Linux.
pub const START_METHODS: [&str; 3] = ["fork", "spawn", "forkserver"];

/// Threads-only selections may have this many workers per CPU without `--force`.
pub const MAX_THREADS_PER_CPU: usize = 256;

/// No run starts more workers than this, `--force` or not: the bookkeeping of
/// billions of workers alone would exhaust memory.
pub const MAX_WORKERS: usize = 65_536;

/// Workers above this many per CPU are refused without `--force`.
pub const MAX_WORKERS_PER_CPU: usize = 16;

/// Resident memory of one CPython worker process, for the resource guard (a bare
/// 3.11 interpreter is ~10-15 MiB; a worker that imported the harness ~20 MiB).
pub const PROCESS_WORKER_BYTES: u64 = 32 << 20;

/// Guard estimate of CPython's time per kernel iteration (~30 ns measured here on 3.11).
pub const PYTHON_SECONDS_PER_ITERATION: f64 = 40e-9;

/// One sequential Python run longer than this is refused without `--force`.
pub const MAX_SEQUENTIAL_RUN_S: f64 = 600.0;

/// Tasks per run without `--force`: every task's results, chunks and timeline
/// are kept in memory for the report (100,000 small tasks took 2.2 GB here).
pub const MAX_TASKS: usize = 10_000;

/// Measured and warm-up runs per row without `--force`: every run of every
/// row is timed one after another, so a run count also multiplies the wait.
pub const MAX_RUNS: usize = 100;

/// No row is run more often than this, `--force` or not.
pub const MOST_RUNS_FORCED: usize = 100_000;

/// Refuses a `--runs` or `--warmup` count beyond [`MAX_RUNS`] (without
/// `force`) or [`MOST_RUNS_FORCED`] (at all).
pub fn check_runs(flag: &str, value: Option<usize>, force: bool) -> Result<(), UsageError> {
    let Some(n) = value else { return Ok(()) };
    if n > MOST_RUNS_FORCED {
        return Err(UsageError::new(format!(
            "{flag} {n} is more than gil-lab runs a row even with --force ({MOST_RUNS_FORCED})"
        ))
        .with_hint("5 measured runs after 1 warm-up are the default; the spread shows whether more are needed"));
    }
    if n > MAX_RUNS && !force {
        return Err(UsageError::new(format!(
            "{flag} {n} is more than {MAX_RUNS}: every run of every row is timed one after another"
        ))
        .with_hint("use fewer, or add --force if you really mean it"));
    }
    Ok(())
}

/// `MemAvailable` from /proc/meminfo.
pub fn available_memory_bytes() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Refuses one scenario's work when its worker processes would not fit in
/// memory or one sequential run would take longer than [`MAX_SEQUENTIAL_RUN_S`].
pub fn check_work(
    scenario: Scenario,
    workers: usize,
    size: u64,
    tasks: usize,
) -> Result<(), UsageError> {
    let force_hint = "make it smaller, or add --force if you really mean it";
    if tasks > MAX_TASKS {
        return Err(UsageError::new(format!(
            "--tasks {tasks} is more than {MAX_TASKS}: every task's results and timeline are kept for the report"
        ))
        .with_hint("fewer, larger tasks measure the same thing (raise --size), or add --force"));
    }
    let needed = (workers as u64).saturating_mul(PROCESS_WORKER_BYTES);
    if let Some(available) = available_memory_bytes()
        && needed > available
    {
        return Err(UsageError::new(format!(
            "{workers} worker processes need about {} MiB ({} MiB each) but {} MiB are available",
            needed >> 20,
            PROCESS_WORKER_BYTES >> 20,
            available >> 20
        ))
        .with_hint(force_hint));
    }
    let tasks = tasks as f64;
    let run_s = match scenario.kernel() {
        Kernel::IoWait => size as f64 / 1e3 * tasks,
        _ => size as f64 * tasks * PYTHON_SECONDS_PER_ITERATION,
    };
    if run_s > MAX_SEQUENTIAL_RUN_S {
        return Err(UsageError::new(format!(
            "one py-sequential run of {} would take about {:.0} s (limit {MAX_SEQUENTIAL_RUN_S:.0} s without --force)",
            scenario.id(),
            run_s
        ))
        .with_hint(force_hint));
    }
    Ok(())
}

/// The start methods multiprocessing knows on Linux.
pub fn check_start_method(method: Option<&str>) -> Result<(), UsageError> {
    match method {
        None => Ok(()),
        Some(m) if START_METHODS.contains(&m) => Ok(()),
        Some(other) => Err(UsageError::new(format!("unknown start method '{other}'"))
            .with_hint(format!("use one of {}", START_METHODS.join(", ")))),
    }
}
