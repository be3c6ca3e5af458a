//! `gil-lab live`: workers of each concurrency model run one kernel in chunks
//! while a sampler reads their progress ten-plus times a second, so the GIL's
//! turn-taking is seen as it happens.
//!
//! Groups run one after another: running them together on a few cores would
//! measure how the machine shares its CPUs, not what the GIL does.

pub mod events;
pub mod group;
pub mod sample;
pub mod show;
pub mod slots;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Result;

use crate::cpython::interpreter::{Embedded, InterpreterFacts};
use crate::engine::guard::MAX_WORKERS_PER_CPU;
use crate::engine::probe::Probe;
use crate::engine::stats::Spread;
use crate::engine::strategies::Implementation;
use crate::engine::timeline::Chunk;
use crate::engine::workload::{Kernel, Scenario};
use crate::error::UsageError;
use crate::os::machine::Machine;
use crate::os::threads::spawn_scoped;
pub use crate::report::live::{GroupResult, LiveReport, Reference};
use group::{Group, Runner, Work};
use sample::{Summary, Tick, summarize, until_stop, windows};
pub use show::{Planned, Shown, Unit, View};
use slots::Slots;

/// How often the sampler reads the workers' progress.
pub const SAMPLE_EVERY: Duration = Duration::from_millis(50);
/// Width of the windows whose rates make a group's spread.
pub const WINDOW_S: f64 = 0.5;
/// How long one worker alone runs to set the reference speed.
pub const CALIBRATION_S: f64 = 0.6;

#[derive(Debug, Clone, PartialEq)]
pub struct LiveOptions {
    pub scenario: Scenario,
    pub workers: Option<usize>,
    /// Seconds each group runs.
    pub duration_s: f64,
    /// Run the Python groups in this interpreter instead of the embedded one.
    pub python: Option<InterpreterFacts>,
    pub start_method: Option<String>,
    pub probe: bool,
}

impl LiveOptions {
    pub fn validate(&self, cpus: usize) -> Result<(), UsageError> {
        if !(self.duration_s > 0.0 && self.duration_s <= 600.0) {
            return Err(UsageError::new(format!(
                "--duration must be more than 0 and at most 600 seconds, not {}",
                crate::error::typed(self.duration_s)
            ))
            .with_hint("e.g. --duration 5"));
        }
        let most = MAX_WORKERS_PER_CPU * cpus;
        if let Some(w) = self.workers
            && (w == 0 || w > most)
        {
            return Err(UsageError::new(format!(
                "--workers must be between 1 and {most} ({MAX_WORKERS_PER_CPU} per CPU), not {w}"
            ))
            .with_hint(format!(
                "this machine has {cpus} CPUs; e.g. --workers {cpus}"
            )));
        }
        Ok(())
    }
}

pub const WHY_ONE_AFTER_ANOTHER: &str = "groups run one after another: together they would share the CPUs, and the table would measure the machine, not the GIL";

/// Chunk sizes: a few milliseconds each, so bars move smoothly and a stop is seen at once.
fn chunks_for(kernel: Kernel) -> (u64, u64) {
    match kernel {
        Kernel::SumSquares => (50_000, 2_000_000),
        Kernel::SqrtSum => (50_000, 2_000_000),
        Kernel::IoWait => (20, 20),
        // Blocks of 1 MiB: about 3 ms of hashing, 40 ms of compressing.
        Kernel::Sha256 => (4, 4),
        Kernel::Zlib | Kernel::Numpy | Kernel::UserFunction => (1, 1),
    }
}

fn unit_for(kernel: Kernel) -> Unit {
    if matches!(kernel, Kernel::Sha256 | Kernel::Zlib) {
        Unit::MiB
    } else if kernel.is_cpu_bound() {
        Unit::MegaIterations
    } else {
        Unit::Waits
    }
}

/// Runs every group of `options.scenario`, showing it on `view`.
pub fn live(python: &Embedded, options: &LiveOptions, view: &mut dyn View) -> Result<LiveReport> {
    let embedded = python.facts()?;
    let kernel = options.scenario.kernel();
    let cpus = crate::os::machine::cpus();
    let workers = options
        .workers
        .unwrap_or_else(|| options.scenario.default_workers(cpus));
    let (python_chunk, native_chunk) = chunks_for(kernel);
    let unit = unit_for(kernel);
    let work = Work {
        kernel,
        python_chunk,
        native_chunk,
        start_method: options.start_method.as_deref(),
        python_dir: python.python_dir(),
    };
    let (groups, skipped) = group::plan(kernel, workers, &embedded, options.python.as_ref());
    let machine = Machine::this();
    let dir = tempfile::Builder::new().prefix("live-").tempdir()?;
    let workload = kernel.describe(python_chunk);
    view.start(&Planned {
        scenario: options.scenario,
        workload: &workload,
        unit,
        duration_s: options.duration_s,
        cpus,
        python: &options.python.as_ref().unwrap_or(&embedded).python_version,
        groups: &groups,
    });
    for line in &skipped {
        view.note(&format!("not shown: {line}"));
    }
    view.note(&format!(
        "live {}: each worker runs chunks of {} until the group's {} s are up; {WHY_ONE_AFTER_ANOTHER}",
        options.scenario.id(),
        kernel.describe(python_chunk),
        options.duration_s
    ));

    // One worker alone, per kind of worker shown, sets "1×" and the bars' scale.
    let mut calibrated: Vec<(String, f64)> = Vec::new();
    for g in &groups {
        let key = reference_key(g);
        if calibrated.iter().any(|(k, _)| *k == key) {
            continue;
        }
        let alone = Group {
            workers: 1,
            ..g.clone()
        };
        let one = alone_as_sequential(&alone);
        let rate = calibrate(&one, &work, dir.path())?;
        calibrated.push((key, rate));
    }
    let reference_of = |calibrated: &[(String, f64)], g: &Group| {
        let key = reference_key(g);
        calibrated
            .iter()
            .find(|(k, _)| *k == key)
            .map_or(f64::NAN, |(_, r)| *r)
    };

    let mut results = Vec::new();
    for g in &groups {
        let per_chunk = if g.is_native() {
            native_chunk
        } else {
            python_chunk
        } as f64;
        let shown = Shown {
            group: g,
            per_chunk,
            reference_rate: reference_of(&calibrated, g),
            duration_s: options.duration_s,
            unit,
        };
        let slots = Slots::create(dir.path(), g.id, g.workers)?;
        let probe = (options.probe && g.embedded)
            .then(|| Probe::start(crate::engine::probe::DEFAULT_INTERVAL))
            .transpose()?;
        view.begin(&shown);
        let (outcome, ticks) = run_sampled(
            g,
            &work,
            &slots,
            options.duration_s,
            probe.as_ref(),
            |ticks| view.update(&shown, ticks),
        );
        drop(probe);
        let summary = summarize(&windows(until_stop(&ticks, options.duration_s), WINDOW_S));
        let error = outcome.as_ref().err().map(|e| format!("{e:#}"));
        view.end(&shown, summary.as_ref(), error.as_deref());
        // Once one worker alone has run for the whole duration, it is "1×" for
        // the groups after it: steadier than the short calibration.
        if let (Runner::Python("sequential"), Some(s)) = (g.runner, &summary) {
            let key = reference_key(g);
            if let Some(entry) = calibrated.iter_mut().find(|(k, _)| *k == key) {
                entry.1 = s.rate.median;
            }
        }
        results.push(group_result(
            &shown,
            summary,
            error,
            outcome.unwrap_or_default(),
        ));
    }
    let references =
        rebase_on_sequential(&mut results, &calibrated, python_chunk, native_chunk, unit);
    let python_ref = options.python.as_ref().unwrap_or(&embedded).as_ref();
    Ok(LiveReport {
        scenario: options.scenario,
        workload: kernel.describe(python_chunk),
        unit: unit.label().into(),
        python_chunk,
        native_chunk,
        duration_s: options.duration_s,
        together: false,
        why_one_after_another: WHY_ONE_AFTER_ANOTHER.into(),
        machine,
        embedded: embedded.as_ref(),
        python: python_ref,
        references,
        groups: results,
        skipped,
    })
}

/// Groups with the same key share one reference speed: the same interpreter, or native code.
fn reference_key(g: &Group) -> String {
    match (&g.runner, &g.interpreter) {
        (Runner::Native, _) | (_, None) => "native".into(),
        (_, Some(i)) => format!("one Python worker ({})", i.label()),
    }
}

/// The one-worker version of a group: Python workers run sequentially; native stays native.
fn alone_as_sequential(g: &Group) -> Group {
    match g.runner {
        Runner::Native => g.clone(),
        _ => Group {
            id: "calibration",
            runner: Runner::Python("sequential"),
            ..g.clone()
        },
    }
}

/// Chunks per second of one worker alone, after its first chunk.
fn calibrate(one: &Group, work: &Work, dir: &std::path::Path) -> Result<f64> {
    let slots = Slots::create(dir, "calibration", 1)?;
    let (outcome, ticks) = run_sampled(one, work, &slots, CALIBRATION_S, None, |_| {});
    outcome?;
    let ticks = until_stop(&ticks, CALIBRATION_S);
    // Past the first chunks: imports and a cold cache are not the steady speed.
    let started = ticks
        .iter()
        .find(|t| t.counts[0] > 0 && t.t_s >= CALIBRATION_S / 3.0);
    match (started, ticks.last()) {
        (Some(a), Some(b)) if b.t_s > a.t_s && b.counts[0] > a.counts[0] => {
            Ok((b.counts[0] - a.counts[0]) as f64 / (b.t_s - a.t_s))
        }
        _ => anyhow::bail!(
            "one {} worker finished too few chunks in {CALIBRATION_S} s to set a reference speed",
            one.id
        ),
    }
}

/// Runs `g` on this thread while another samples it every [`SAMPLE_EVERY`] and
/// raises the stop flag after `duration_s`.
fn run_sampled(
    g: &Group,
    work: &Work,
    slots: &Slots,
    duration_s: f64,
    probe: Option<&Probe>,
    mut on_tick: impl FnMut(&[Tick]) + Send,
) -> (Result<Vec<Chunk>>, Vec<Tick>) {
    let finished = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let sampler = spawn_scoped(scope, "gil-lab-sampler", || {
            let begun = Instant::now();
            let mut ticks = Vec::new();
            loop {
                let t_s = begun.elapsed().as_secs_f64();
                ticks.push(Tick {
                    t_s,
                    counts: slots.counts(),
                    cpu_s: crate::os::processes::tree_cpu_seconds(),
                    probe_s: probe.map(|p| {
                        let (w, e) = p.reading();
                        (w.as_secs_f64(), e.as_secs_f64())
                    }),
                });
                on_tick(&ticks);
                if t_s >= duration_s {
                    slots.stop();
                }
                if finished.load(Ordering::SeqCst) {
                    break;
                }
                std::thread::sleep(SAMPLE_EVERY);
            }
            ticks
        });
        let sampler = match sampler {
            Ok(sampler) => sampler,
            Err(e) => return (Err(e), Vec::new()),
        };
        let outcome = group::run(g, work, slots);
        // Whatever happened, the workers must stop and the sampler with them.
        slots.stop();
        finished.store(true, Ordering::SeqCst);
        let ticks = sampler.join().unwrap_or_default();
        (outcome, ticks)
    })
}

fn group_result(
    shown: &Shown,
    summary: Option<Summary>,
    error: Option<String>,
    chunks: Vec<Chunk>,
) -> GroupResult {
    let g = shown.group;
    let in_unit = |s: Spread| Spread {
        median: shown.unit.of(s.median, shown.per_chunk),
        min: shown.unit.of(s.min, shown.per_chunk),
        max: shown.unit.of(s.max, shown.per_chunk),
    };
    let vs_one = |s: Spread| Spread {
        median: s.median / shown.reference_rate,
        min: s.min / shown.reference_rate,
        max: s.max / shown.reference_rate,
    };
    GroupResult {
        id: g.id.to_string(),
        workers: g.workers,
        interpreter: g.interpreter.as_ref().map(InterpreterFacts::as_ref),
        unit: shown.unit.label().into(),
        rate: summary.as_ref().map(|s| in_unit(s.rate)),
        worker_rates: summary
            .as_ref()
            .map(|s| {
                s.worker_rates
                    .iter()
                    .map(|r| shown.unit.of(*r, shown.per_chunk))
                    .collect()
            })
            .unwrap_or_default(),
        vs_one_worker: summary.as_ref().map(|s| vs_one(s.rate)),
        cpus_busy: summary.as_ref().map(|s| s.cpus_busy),
        gil_contention: summary.as_ref().and_then(|s| s.gil_contention),
        windows: summary.as_ref().map_or(0, |s| s.windows),
        error,
        chunks,
        rate_chunks: summary.as_ref().map(|s| s.rate),
        reference_key: reference_key(g),
    }
}

/// "1×" for the final table: py-sequential's median over its whole run where it
/// shares an interpreter with the group (steadier than the short calibration),
/// the calibration otherwise.
fn rebase_on_sequential(
    results: &mut [GroupResult],
    calibrated: &[(String, f64)],
    python_chunk: u64,
    native_chunk: u64,
    unit: Unit,
) -> Vec<Reference> {
    // The Python baseline's own windows, once it has run, are the truest "1×".
    let sequential = results
        .iter()
        .find(|g| {
            crate::engine::strategies::model(&g.id)
                .is_some_and(|m| m.baseline && m.implementation == Implementation::Python)
        })
        .and_then(|g| Some((g.id.clone(), g.reference_key.clone(), g.rate_chunks?.median)));
    let mut references = Vec::new();
    for (key, calibration) in calibrated {
        let (chunks_per_s, measured_by) = match &sequential {
            Some((id, k, rate)) if k == key => {
                (*rate, format!("{id}, median of its {WINDOW_S} s windows"))
            }
            _ => (
                *calibration,
                format!("one worker alone for {CALIBRATION_S} s before the groups"),
            ),
        };
        for g in results.iter_mut().filter(|g| g.reference_key == *key) {
            g.vs_one_worker = g.rate_chunks.map(|r| Spread {
                median: r.median / chunks_per_s,
                min: r.min / chunks_per_s,
                max: r.max / chunks_per_s,
            });
        }
        let per_chunk = if key == "native" {
            native_chunk
        } else {
            python_chunk
        } as f64;
        references.push(Reference {
            what: key.clone(),
            measured_by,
            chunks_per_s,
            rate: unit.of(chunks_per_s, per_chunk),
        });
    }
    references
}
