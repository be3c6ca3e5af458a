//! The runner: warm-up, then runs interleaved strategy by strategy (A B C A B C…)
//! so that drift on a shared machine hits every row alike.

use std::time::Duration;

use anyhow::{Result, bail};

use crate::cpython::deadline::Deadline;
use crate::engine::probe::Probe;

use crate::engine::kernels::Value;
pub use crate::engine::outcome::Outcome;
use crate::engine::strategies::dask::DaskRun;
use crate::engine::strategies::{RunReport, Sample, Strategy};
use crate::engine::timeline::{Chunk, TimelineStats, analyse, now_ns, renumber_workers};
use crate::engine::workload::Setup;

/// How many times to run each strategy, and for how long at most.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Plan {
    pub warmup: usize,
    pub runs: usize,
    /// A run (all its passes) that takes longer is interrupted and its row marked timed out.
    pub timeout_s: Option<f64>,
    /// Interval of the GIL contention probe during runs of the embedded interpreter; `None` = off.
    pub probe_interval_s: Option<f64>,
}

/// One measured run of one strategy.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub wall_s: f64,
    /// From the start of the (last) pass to the first chunk of work: starting
    /// threads, processes or subinterpreters and handing out the first task.
    pub startup_s: f64,
    /// User + system CPU of this process and its workers during the run.
    pub cpu_s: f64,
    pub checksum: Value,
    pub timeline: TimelineStats,
    pub chunks: Vec<Chunk>,
    /// Share of the probe's time spent waiting for the GIL: the embedded
    /// interpreter's probe, or the one the harness ran in its own interpreter.
    pub gil_contention: Option<f64>,
    /// What the (last) pass reported about itself.
    pub report: RunReport,
    /// Seconds per pass spent outside the timed part (a dask cluster's start and close).
    pub setup_s: f64,
    /// The last pass's dask cluster, for a dask row.
    pub cluster: Option<DaskRun>,
}

/// Every measured run of one strategy, or why it did not run.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    pub strategy: &'static str,
    pub runs: Vec<Run>,
    /// Measured, or why not (a strategy that stopped has its runs dropped).
    pub outcome: Outcome,
    /// Passes per measured run (see [`MIN_RUN_S`]).
    pub repeats: usize,
}

/// A run shorter than this is repeated, and its figures divided by the passes:
/// a 1 ms native pass would otherwise measure thread start-up and timer noise.
pub const MIN_RUN_S: f64 = 0.05;

/// At most this many passes per measured run.
pub const MAX_REPEATS: usize = 1000;

/// Passes needed for one run to last at least [`MIN_RUN_S`], given one pass's time.
pub fn repeats_for(pass_s: f64) -> usize {
    if pass_s >= MIN_RUN_S {
        1
    } else {
        ((MIN_RUN_S / pass_s.max(1e-6)).ceil() as usize).clamp(1, MAX_REPEATS)
    }
}

/// Something to tell the user about progress (a bar, or nothing).
pub trait Progress {
    fn start(&mut self, total_steps: usize);
    fn step(&mut self, label: &str);
    fn finish(&mut self);
}

/// Progress that shows nothing (tests, library users).
pub struct Silent;

impl Progress for Silent {
    fn start(&mut self, _: usize) {}
    fn step(&mut self, _: &str) {}
    fn finish(&mut self) {}
}

/// Runs every available strategy `plan.warmup + plan.runs` times, interleaved.
///
/// A checksum that differs from the first strategy's is an error: a row that
/// computed something else is not a comparison.
pub fn measure(
    strategies: &[&dyn Strategy],
    setup: &Setup,
    plan: Plan,
    progress: &mut dyn Progress,
) -> Result<Vec<Measured>> {
    let mut measured: Vec<Measured> = strategies
        .iter()
        .map(|s| Measured {
            strategy: s.id(),
            runs: Vec::new(),
            outcome: match crate::engine::strategies::why_not(*s, setup) {
                Some(why) => Outcome::Unavailable(why),
                None => Outcome::Ok,
            },
            repeats: 0,
        })
        .collect();
    let active = measured.iter().filter(|m| m.outcome.is_ok()).count();
    progress.start(active * (plan.warmup + plan.runs));
    let mut reference: Option<(&'static str, Value)> = None;
    for round in 0..plan.warmup + plan.runs {
        for (strategy, slot) in strategies.iter().zip(measured.iter_mut()) {
            if !slot.outcome.is_ok() {
                continue;
            }
            let phase = if round < plan.warmup {
                "warm-up"
            } else {
                "run"
            };
            progress.step(&format!("{} ({phase})", strategy.id()));
            let deadline = match plan.timeout_s {
                Some(s) => Some(Deadline::start(
                    Duration::from_secs_f64(s),
                    strategy.id().to_string(),
                    crate::cpython::harness::idle_harnesses(strategy.process()),
                )?),
                None => None,
            };
            let outcome = measure_one(*strategy, setup, &mut slot.repeats, plan.probe_interval_s);
            let timed_out = deadline.as_ref().is_some_and(Deadline::fired);
            drop(deadline);
            let run = match outcome {
                Ok(run) if !timed_out => run,
                Ok(_) | Err(_) if timed_out => {
                    slot.outcome = Outcome::TimedOut {
                        budget_s: plan.timeout_s.unwrap_or(0.0),
                    };
                    slot.runs.clear();
                    continue;
                }
                Ok(run) => run,
                Err(e) => {
                    // One broken strategy (a killed pool worker, a raising kernel)
                    // must not take the other rows down with it.
                    slot.outcome = Outcome::Failed(format!("{e:#}"));
                    slot.runs.clear();
                    continue;
                }
            };
            // A user's function that this model cannot run, or that raised: the row says so.
            if let Some(why) = run.report.cannot_run.clone() {
                slot.outcome = Outcome::CannotRun(why);
                slot.runs.clear();
                continue;
            }
            if let Some(error) = run.report.raised.clone() {
                slot.outcome = Outcome::Failed(error);
                slot.runs.clear();
                continue;
            }
            match reference {
                None => reference = Some((strategy.id(), run.checksum)),
                Some((first, value)) if !value.agrees_with(run.checksum) => bail!(
                    "checksum mismatch: {} computed {} but {first} computed {value}",
                    strategy.id(),
                    run.checksum
                ),
                Some(_) => {}
            }
            if round >= plan.warmup {
                slot.runs.push(run);
            }
        }
    }
    progress.finish();
    Ok(measured)
}

/// One run; the first call (a warm-up unless there is none) sizes `repeats`.
fn measure_one(
    strategy: &dyn Strategy,
    setup: &Setup,
    repeats: &mut usize,
    probe: Option<f64>,
) -> Result<Run> {
    if *repeats == 0 {
        // A pass that spends a second starting a cluster before its timed part is
        // not short, whatever that part takes: repeating it would only start more clusters.
        let first = run_once(strategy, setup, 1)?;
        if first.report.cannot_run.is_some() || first.report.raised.is_some() {
            // Nothing to size: the row reports why it did not run.
            return Ok(first);
        }
        *repeats = repeats_for(first.wall_s + first.setup_s);
    }
    // Only the embedded interpreter's GIL can be probed from here.
    let probe = match probe {
        Some(s) if strategy.runs_in().is_none() => Some(Probe::start(Duration::from_secs_f64(s))?),
        _ => None,
    };
    let mut run = run_once(strategy, setup, *repeats)?;
    if let Some(probe) = probe {
        run.gil_contention = probe.finish();
    }
    Ok(run)
}

/// Times one run of `repeats` passes: wall clock around it, CPU from getrusage
/// of self and children; figures are per pass, the timeline is the last pass's.
pub fn run_once(strategy: &dyn Strategy, setup: &Setup, repeats: usize) -> Result<Run> {
    let repeats = repeats.max(1);
    let cpu_before = cpu_times();
    let run_pass = || {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| strategy.run(setup)))
            .unwrap_or_else(|panic| bail!("{} panicked: {}", strategy.id(), panic_message(&panic)))
    };
    let start = std::time::Instant::now();
    let mut worker_cpu_s = 0.0;
    let mut last = None;
    let mut pass_start_ns = 0;
    // Passes timed where they ran (another interpreter's process) add up here.
    let mut timed_there: Option<(f64, f64)> = Some((0.0, 0.0));
    let mut setup_s = 0.0;
    for _ in 0..repeats {
        pass_start_ns = now_ns();
        let sample = run_pass()?;
        worker_cpu_s += sample.worker_cpu_s;
        timed_there = match (timed_there, sample.timing) {
            (Some((wall, cpu)), Some(t)) => {
                pass_start_ns = t.start_ns;
                setup_s += t.setup_s;
                Some((wall + t.wall_s, cpu + t.cpu_s))
            }
            _ => None,
        };
        last = Some(sample);
    }
    let here_wall_s = start.elapsed().as_secs_f64();
    let cpu_after = cpu_times();
    let Some(Sample {
        checksum,
        mut chunks,
        report,
        cluster,
        ..
    }) = last
    else {
        bail!("{} ran no pass", strategy.id());
    };
    let own = cpu_after.0 - cpu_before.0;
    let children = cpu_after.1 - cpu_before.1;
    let (wall_s, cpu_s) = match timed_there {
        Some((wall, cpu)) => (wall / repeats as f64, cpu / repeats as f64),
        None => (
            here_wall_s / repeats as f64,
            (own + children.max(worker_cpu_s)) / repeats as f64,
        ),
    };
    renumber_workers(&mut chunks);
    let first_chunk_ns = chunks
        .iter()
        .map(|c| c.start_ns)
        .min()
        .unwrap_or(pass_start_ns);
    Ok(Run {
        wall_s,
        startup_s: first_chunk_ns.saturating_sub(pass_start_ns) as f64 / 1e9,
        cpu_s,
        checksum,
        timeline: analyse(&chunks, setup.workload.kernel.is_cpu_bound()),
        chunks,
        gil_contention: report.gil_contention,
        setup_s: setup_s / repeats as f64,
        report,
        cluster,
    })
}

/// The text a panic carried.
fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".into())
}

/// (this process, its reaped children) user + system CPU seconds.
fn cpu_times() -> (f64, f64) {
    fn of(who: libc::c_int) -> f64 {
        // SAFETY: getrusage fills the struct we own.
        let mut u: libc::rusage = unsafe { std::mem::zeroed() };
        unsafe { libc::getrusage(who, &mut u) };
        let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
        secs(u.ru_utime) + secs(u.ru_stime)
    }
    (of(libc::RUSAGE_SELF), of(libc::RUSAGE_CHILDREN))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::strategies::Implementation;
    use crate::engine::strategies::mock::MockStrategy;
    use crate::engine::workload::{Kernel, Workload};

    fn setup() -> Setup {
        Setup {
            workload: Workload::new(Kernel::SumSquares, 100, 2),
            workers: 2,
            start_method: Some("fork".into()),
            probe: false,
            python_dir: String::new(),
            own_gil_subinterpreters: false,
            dask_address: None,
            user: None,
        }
    }

    fn mock(id: &'static str, checksum: Value) -> MockStrategy {
        MockStrategy {
            model: None,
            id,
            implementation: Implementation::Rust,
            workers: 2,
            parallel: true,
            chunk_ns: 1000,
            checksum,
        }
    }

    #[test]
    fn short_passes_are_repeated_up_to_a_bound() {
        assert_eq!(repeats_for(1.0), 1);
        assert_eq!(repeats_for(0.001), 50);
        assert_eq!(repeats_for(0.0), MAX_REPEATS);
    }

    #[test]
    fn every_strategy_gets_its_runs_and_warmups_are_dropped() {
        let (a, b) = (mock("a", Value::Int(7)), mock("b", Value::Int(7)));
        let plan = Plan {
            warmup: 2,
            runs: 3,
            timeout_s: None,
            probe_interval_s: None,
        };
        let out = measure(&[&a, &b], &setup(), plan, &mut Silent).unwrap();
        assert_eq!(out.len(), 2);
        assert!(out.iter().all(|m| m.runs.len() == 3 && m.repeats >= 1));
        assert_eq!(out[0].runs[0].timeline.overlap, 2.0);
    }

    struct Failing;

    const FAILING: crate::engine::strategies::Model = crate::engine::strategies::Model {
        id: "failing",
        implementation: Implementation::Python,
        method: "always fails",
        noun: "failing",
        baseline: false,
        gil: crate::engine::strategies::Gil::Native,
        overhead: "nothing",
        live: None,
        sweep: false,
        chunk_reference: None,
        harness: None,
        by_default: true,
    };

    impl Strategy for Failing {
        fn model(&self) -> &'static crate::engine::strategies::Model {
            &FAILING
        }
        fn run(&self, _setup: &Setup) -> Result<Sample> {
            bail!("BrokenProcessPool: a worker was killed")
        }
    }

    #[test]
    fn a_failing_strategy_is_reported_and_the_others_still_run() {
        let ok = mock("ok", Value::Int(7));
        let out = measure(
            &[&Failing, &ok],
            &setup(),
            Plan {
                warmup: 1,
                runs: 2,
                timeout_s: None,
                probe_interval_s: None,
            },
            &mut Silent,
        )
        .unwrap();
        assert_eq!(
            out[0].outcome,
            Outcome::Failed("BrokenProcessPool: a worker was killed".into())
        );
        assert!(out[0].runs.is_empty());
        assert_eq!(out[1].runs.len(), 2);
    }

    #[test]
    fn a_checksum_mismatch_is_an_error_naming_both_rows() {
        let (a, b) = (mock("a", Value::Int(7)), mock("b", Value::Int(8)));
        let err = measure(
            &[&a, &b],
            &setup(),
            Plan {
                warmup: 0,
                runs: 1,
                timeout_s: None,
                probe_interval_s: None,
            },
            &mut Silent,
        )
        .unwrap_err()
        .to_string();
        assert_eq!(err, "checksum mismatch: b computed 8 but a computed 7");
    }
}
