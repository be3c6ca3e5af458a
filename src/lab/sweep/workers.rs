//! `gil-lab sweep workers`: one fixed amount of work split over 1 … 2×CPUs
//! workers, per model; the speedup curve, an Amdahl fit and the cost of the
//! "leave one core free" rule.

use anyhow::Result;

use crate::cpython::interpreter::{Embedded, call_json};
use crate::engine::measure::Progress;
use crate::engine::strategies::{self, Gil, Model};
use crate::engine::workload::Scenario;
use crate::lab::compare::{CompareOptions, compare};
use crate::os::machine::Machine;
pub use crate::report::sweep::{Curve, HeadroomProbe, Point, WorkersSweep};

/// The models swept (their `sweep` flag); subinterpreters only where the
/// interpreter gives each its own GIL.
fn swept() -> Vec<&'static Model> {
    strategies::models()
        .into_iter()
        .filter(|m| m.sweep)
        .collect()
}

pub struct WorkersOptions {
    pub quick: bool,
    pub pythons: Vec<String>,
    pub max_workers: Option<usize>,
}

pub fn sweep(
    python: &Embedded,
    options: &WorkersOptions,
    progress: &mut dyn Progress,
) -> Result<WorkersSweep> {
    let cpus = crate::os::machine::cpus();
    let facts = python.facts()?;
    let max = options.max_workers.unwrap_or(2 * cpus).max(1);
    let total: u64 = if options.quick { 6_000_000 } else { 24_000_000 };
    let runs = if options.quick { 2 } else { 5 };
    let mut curves: Vec<Curve> = Vec::new();
    let mut ran_in: Vec<String> = Vec::new();
    progress.start(max + 2);
    for n in 1..=max {
        progress.step(&format!("{n} worker(s)"));
        let compare_options = CompareOptions {
            scenarios: vec![Scenario::Threading],
            workers: Some(n),
            tasks: Some(n),
            size: Some(total / n as u64),
            runs: Some(runs),
            warmup: Some(1),
            quick: options.quick,
            strategies: Some(swept().iter().map(|m| m.id.to_string()).collect()),
            pythons: options.pythons.clone(),
            no_probe: true,
            force: true,
            ..CompareOptions::default()
        };
        for outcome in compare(
            python,
            &compare_options,
            &mut crate::engine::measure::Silent,
        )? {
            for i in outcome.report.interpreters() {
                let label = format!("CPython {}", i.version);
                if !ran_in.contains(&label) {
                    ran_in.push(label);
                }
            }
            for row in &outcome.report.results {
                let Some(model) = swept().into_iter().find(|m| m.id == row.strategy) else {
                    continue;
                };
                if !row.status.is_ok() {
                    continue;
                }
                // Subinterpreters sharing one GIL are threads by another name: not swept.
                let in_host = row
                    .interpreter
                    .as_ref()
                    .is_none_or(|i| i.path == facts.executable);
                if model.gil == Gil::PerSubinterpreter && in_host && model.shares_one_gil(&facts) {
                    continue;
                }
                let Some(speedup) = row.speedup else { continue };
                // The same label as compare's table: "py-threads @3.13.5t+GIL" where several interpreters ran.
                let model = outcome.report.label(row);
                let point = Point {
                    workers: n,
                    speedup,
                    speedup_median: row.speedup_median,
                    wall_s: row.wall_s,
                };
                match curves.iter_mut().find(|c| c.model == model) {
                    Some(c) => c.points.push(point),
                    None => curves.push(Curve {
                        model,
                        points: vec![point],
                        fit: None,
                    }),
                }
            }
        }
    }
    for curve in &mut curves {
        let (workers, speedups): (Vec<usize>, Vec<f64>) = curve
            .points
            .iter()
            .filter(|p| p.workers <= cpus)
            .map(|p| (p.workers, p.speedup))
            .unzip();
        if workers.len() >= 2 {
            curve.fit = Some(call_json(
                "gil_lab.experiments.amdahl",
                "fit",
                (workers, speedups),
            )?);
        }
    }
    progress.step("headroom probe");
    let probes = if options.quick { 30 } else { 100 };
    let mut headroom = Vec::new();
    for busy in [cpus, cpus.saturating_sub(1)] {
        headroom.push(call_json::<HeadroomProbe, _>(
            "gil_lab.experiments.headroom",
            "probe_latency",
            (busy, probes, 50_000u64),
        )?);
    }
    progress.finish();
    Ok(WorkersSweep {
        sweep: "workers",
        machine: Machine::this(),
        // Every interpreter whose rows are in the curves ("CPython 3.11.7 and CPython 3.13.5").
        interpreter: if ran_in.len() > 1 {
            ran_in.join(" and ")
        } else {
            facts.label()
        },
        workload: format!("sum(i*i for i in range({total})) split into one task per worker"),
        total_iterations: total,
        runs,
        curves,
        headroom,
        notes: if facts.own_gil_subinterpreters || !options.pythons.is_empty() {
            Vec::new()
        } else {
            vec![format!(
                "py-subinterpreters left out: {} gives subinterpreters no GIL of their own; --python 3.13 sweeps them",
                facts.label()
            )]
        },
    })
}
