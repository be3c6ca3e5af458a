//! `gil-lab compare`: choose the strategies, size the workload, measure, report.

use std::sync::Arc;

use anyhow::Result;

use crate::cpython::harness::RemoteHarness;
use crate::cpython::interpreter::{Embedded, InterpreterFacts};
use crate::cpython::pythons;
use crate::engine::guard::{self, MAX_WORKERS_PER_CPU};
use crate::engine::measure::{Plan, Progress, measure};
use crate::engine::strategies::{self, Gil, Implementation, Strategy};
use crate::engine::workload::{Scenario, Setup, Workload};
use crate::error::UsageError;

/// The strategy `--dask` runs on an existing scheduler.
const PY_DASK: &str = crate::engine::strategies::py_dask::MODEL.id;
use crate::report::{Report, Timeline};
use build::{build, timelines};
use rows_elsewhere::{add_remote, check_cluster_python, cross_check_the_gil, same_executable};

mod answer;
mod build;
mod rows_elsewhere;
mod verdict;

/// `compare`'s options as the domain sees them (no CLI types).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CompareOptions {
    pub scenarios: Vec<Scenario>,
    pub workers: Option<usize>,
    pub size: Option<u64>,
    pub tasks: Option<usize>,
    pub runs: Option<usize>,
    pub warmup: Option<usize>,
    pub quick: bool,
    /// Strategy ids; `None` = all. Sequential baselines are added when missing.
    pub strategies: Option<Vec<String>>,
    pub start_method: Option<String>,
    /// `--python` values: paths, versions ("3.13t") or "all"; empty = the embedded one.
    pub pythons: Vec<String>,
    /// Seconds one run of a strategy may take before it is interrupted.
    pub timeout_s: Option<f64>,
    /// Skip the resource guard.
    pub force: bool,
    /// Run without the GIL contention probe.
    pub no_probe: bool,
    /// `--dask`: run `py-dask` on this existing scheduler instead of a LocalCluster.
    pub dask: Option<String>,
    /// Iterations per native chunk; `None` = about 1 ms of native work, calibrated.
    pub native_chunk: Option<u64>,
    /// `compare FILE.py:FUNCTION`: the user's function (the scenario is then `Function`).
    pub user: Option<crate::engine::user_function::UserFunction>,
}

/// One scenario's report and the timelines behind it.
pub struct Outcome {
    pub report: Report,
    pub timelines: Vec<Timeline>,
}

impl CompareOptions {
    pub fn plan(&self) -> Plan {
        Plan {
            warmup: self.warmup.unwrap_or(1),
            runs: self.runs.unwrap_or(if self.quick { 3 } else { 5 }),
            timeout_s: self.timeout_s,
            probe_interval_s: (!self.no_probe)
                .then(|| crate::engine::probe::DEFAULT_INTERVAL.as_secs_f64()),
        }
    }

    /// Checks what can be checked before anything runs.
    pub fn validate(&self, cpus: usize) -> Result<(), UsageError> {
        if self.workers == Some(0) {
            return Err(
                UsageError::new("--workers must be at least 1").with_hint(format!(
                    "this machine has {cpus} CPUs; try --workers {cpus}"
                )),
            );
        }
        if let Some(w) = self.workers {
            if w > guard::MAX_WORKERS {
                return Err(UsageError::new(format!(
                    "--workers {w} is more than gil-lab starts even with --force ({})",
                    guard::MAX_WORKERS
                ))
                .with_hint(format!(
                    "this machine has {cpus} CPUs; e.g. --workers {cpus}"
                )));
            }
            // Interpreters per worker (processes, subinterpreters) cost memory; threads cost little.
            let interpreters = self
                .selected_ids()?
                .iter()
                .filter_map(|id| strategies::model(id))
                .any(|m| matches!(m.gil, Gil::PerProcess | Gil::PerSubinterpreter));
            let (per_cpu, what) = if interpreters {
                (
                    MAX_WORKERS_PER_CPU,
                    format!("a pool that size would start {w} interpreters"),
                )
            } else {
                (
                    guard::MAX_THREADS_PER_CPU,
                    format!("{w} threads would mostly wait for a CPU"),
                )
            };
            let limit = per_cpu * cpus;
            if w > limit && !self.force {
                return Err(UsageError::new(format!(
                    "--workers {w} is more than {per_cpu} per CPU ({limit} on this {cpus}-CPU machine): {what}"
                ))
                .with_hint("use fewer workers, or --force if you really mean it"));
            }
        }
        for (flag, value) in [
            ("--size", self.size.map(|v| v as usize)),
            ("--tasks", self.tasks),
            ("--runs", self.runs),
        ] {
            if value == Some(0) {
                return Err(UsageError::new(format!("{flag} must be at least 1"))
                    .with_hint("leave it out for the scenario's default"));
            }
        }
        guard::check_runs("--runs", self.runs, self.force)?;
        guard::check_runs("--warmup", self.warmup, self.force)?;
        crate::cpython::deadline::check_timeout(self.timeout_s)?;
        if !self.force {
            self.check_resources(cpus)?;
        }
        guard::check_start_method(self.start_method.as_deref())?;
        self.check_dask()?;
        let ids = self.selected_ids()?;
        if let Some(method) = &self.start_method
            && !ids
                .iter()
                .filter_map(|id| strategies::model(id))
                .any(|m| m.gil == Gil::PerProcess)
        {
            return Err(UsageError::new(format!(
                "--start-method {method} applies to process pools, which --strategies leaves out"
            ))
            .with_hint("add py-process-pool to --strategies, or leave out --start-method"));
        }
        Ok(())
    }

    /// `--dask` names a scheduler for `py-dask`: a selection without it would not use it.
    fn check_dask(&self) -> Result<(), UsageError> {
        let Some(address) = &self.dask else {
            return Ok(());
        };
        crate::os::net::host_port(address)?;
        let selects_dask = self
            .strategies
            .as_ref()
            .is_none_or(|s| s.iter().any(|id| id == PY_DASK));
        if !selects_dask {
            return Err(UsageError::new(format!(
                "--dask {address} runs {PY_DASK}, which --strategies leaves out"
            ))
            .with_hint(format!(
                "add {PY_DASK} to --strategies, or leave out --dask"
            )));
        }
        Ok(())
    }

    /// Refuses work that would overwhelm the machine: more worker processes than
    /// memory allows, or runs that would take hours. `--force` skips this.
    fn check_resources(&self, cpus: usize) -> Result<(), UsageError> {
        for &scenario in &self.scenarios {
            let workers = self.workers.unwrap_or(scenario.default_workers(cpus));
            guard::check_work(
                scenario,
                workers,
                self.size.unwrap_or(scenario.default_size(self.quick)),
                self.tasks.unwrap_or(scenario.default_tasks(workers)),
            )?;
        }
        Ok(())
    }

    /// The strategy ids to run, in table order, with the sequential baselines the
    /// speedups need.
    pub fn selected_ids(&self) -> Result<Vec<&'static str>, UsageError> {
        let all = strategies::all();
        // A user's function runs in the Python models only: native rows need a Rust twin.
        let all: Vec<_> = all
            .into_iter()
            .filter(|s| self.user.is_none() || s.model().harness.is_some())
            .collect();
        let Some(wanted) = &self.strategies else {
            // The default set, and py-dask when --dask names a scheduler for it.
            return Ok(all
                .iter()
                .filter(|s| s.model().by_default || (self.dask.is_some() && s.id() == PY_DASK))
                .map(|s| s.id())
                .collect());
        };
        for id in wanted {
            if !all.iter().any(|s| s.id() == id) {
                let close = crate::error::closest_names(id, all.iter().map(|s| s.id()));
                let hint = match close.first() {
                    Some(c) => format!("did you mean {c}? known: {}", strategies::ids().join(", ")),
                    None => format!("known: {}", strategies::ids().join(", ")),
                };
                return Err(UsageError::new(format!("unknown strategy '{id}'")).with_hint(hint));
            }
        }
        let needs = |imp: Implementation| {
            all.iter()
                .any(|s| s.implementation() == imp && wanted.iter().any(|w| w == s.id()))
        };
        Ok(all
            .iter()
            .filter(|s| {
                wanted.iter().any(|w| w == s.id())
                    || (s.model().baseline && needs(s.implementation()))
            })
            .map(|s| s.id())
            .collect())
    }

    /// The setup of one scenario, defaults filled in.
    pub fn setup(&self, scenario: Scenario, python: &Embedded, facts: &InterpreterFacts) -> Setup {
        let cpus = crate::os::machine::cpus();
        let workers = self.workers.unwrap_or(scenario.default_workers(cpus));
        let mut workload = Workload::new(
            scenario.kernel(),
            self.size.unwrap_or(scenario.default_size(self.quick)),
            self.tasks.unwrap_or(scenario.default_tasks(workers)),
        );
        if let Some(iterations) = self.native_chunk {
            workload = workload.with_native_chunk(iterations);
        }
        Setup {
            workload,
            workers,
            start_method: self.start_method.clone(),
            probe: !self.no_probe,
            python_dir: python.python_dir().to_string_lossy().into_owned(),
            own_gil_subinterpreters: facts.own_gil_subinterpreters,
            dask_address: self.dask.clone(),
            user: self.user.clone(),
        }
    }
}

/// Measures every selected strategy on every scenario.
pub fn compare(
    python: &Embedded,
    options: &CompareOptions,
    progress: &mut dyn Progress,
) -> Result<Vec<Outcome>> {
    options.validate(crate::os::machine::cpus())?;
    if let Some(address) = &options.dask {
        // Before anything is measured: a wrong address is the user's to fix (exit 2).
        crate::os::net::check_scheduler(address, crate::os::net::CONNECT_TIMEOUT)?;
    }
    let facts = python.facts()?;
    let ids = options.selected_ids()?;
    // `--python` runs the Python rows in those interpreters too: the embedded
    // one's rows stay, first, and every row names its interpreter.
    let mut interpreters = vec![facts.clone()];
    for other in pythons::resolve(&options.pythons, python.python_dir())? {
        if !interpreters.iter().any(|i| same_executable(i, &other)) {
            interpreters.push(other);
        }
    }
    if let Some(address) = &options.dask
        && let Some(theirs) =
            check_cluster_python(address, &interpreters, !options.pythons.is_empty(), python)?
    {
        interpreters = vec![theirs];
    }

    let embedded_too = interpreters.iter().any(|i| same_executable(i, &facts));
    let mut harnesses = Vec::new();
    let mut all = strategies::all();
    if !embedded_too {
        // Only the native rows run without the embedded interpreter.
        all.retain(|s| s.runs_in().is_none() && !s.model().uses_python());
    }
    for other in &interpreters {
        let embedded = same_executable(other, &facts);
        if !embedded {
            let harness = Arc::new(RemoteHarness::start(
                &other.executable,
                &[],
                python.python_dir(),
            )?);
            add_remote(&mut all, &harness, usize::MAX);
            harnesses.push(harness);
        }
        if other.free_threaded_build {
            // The free-threaded build with its GIL switched back on: separates the
            // build's own cost from what the GIL does.
            let with_gil = Arc::new(RemoteHarness::start(
                &other.executable,
                &[("PYTHON_GIL", "1")],
                python.python_dir(),
            )?);
            // Its sequential and threads rows: what switching the GIL back on costs them.
            add_remote(&mut all, &with_gil, 2);
        }
    }
    let mut options = options.clone();
    if let Some(user) = &options.user {
        // Loaded before anything runs: a wrong name is the user's to fix (exit 2).
        options.tasks = Some(rows_elsewhere::load_user_function(
            user,
            embedded_too,
            &harnesses,
        )?);
    }
    let options = &options;
    let chosen: Vec<&dyn Strategy> = all
        .iter()
        .filter(|s| ids.contains(&s.id()))
        .map(|s| s.as_ref())
        .collect();
    let plan = options.plan();
    let mut outcomes = Vec::new();
    for &scenario in &options.scenarios {
        let machine = crate::report::Machine::this();
        let setup = options.setup(scenario, python, &facts);
        let measured = measure(&chosen, &setup, plan, progress)?;
        let mut report = build(scenario, machine, &setup, plan, &facts, &chosen, &measured);
        cross_check_the_gil(&chosen, &setup, &mut report);
        if answer::answers(scenario) {
            report.answer = Some(answer::answer(&report));
        }
        outcomes.push(Outcome {
            report,
            timelines: timelines(&chosen, &measured),
        });
    }
    Ok(outcomes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(f: impl FnOnce(&mut CompareOptions)) -> CompareOptions {
        let mut o = CompareOptions {
            scenarios: vec![Scenario::Threading],
            ..Default::default()
        };
        f(&mut o);
        o
    }

    #[test]
    fn zero_workers_and_absurd_workers_are_refused() {
        assert!(with(|o| o.workers = Some(0)).validate(2).is_err());
        assert!(with(|o| o.workers = Some(1_000_000)).validate(2).is_err());
        assert!(
            with(|o| {
                o.workers = Some(100);
                o.force = true
            })
            .validate(2)
            .is_ok()
        );
    }

    #[test]
    fn runs_that_would_take_hours_are_refused_unless_forced() {
        let huge = with(|o| o.size = Some(100_000_000_000));
        let err = huge.validate(2).unwrap_err();
        assert!(
            err.message
                .starts_with("one py-sequential run of threading would take about")
        );
        assert!(
            with(|o| {
                o.size = Some(100_000_000_000);
                o.force = true
            })
            .validate(2)
            .is_ok()
        );
        let long_waits = with(|o| {
            o.scenarios = vec![Scenario::Io];
            o.size = Some(10_000_000)
        });
        assert!(long_waits.validate(2).is_err());
    }

    #[test]
    fn more_worker_processes_than_memory_allows_are_refused() {
        let available = guard::available_memory_bytes().unwrap();
        let workers = (available / guard::PROCESS_WORKER_BYTES + 1) as usize;
        let err = with(|o| o.workers = Some(workers))
            .validate(workers)
            .unwrap_err();
        assert!(err.message.contains("MiB are available"), "{}", err.message);
    }

    #[test]
    fn many_tasks_or_runs_are_refused_and_absurd_run_counts_even_when_forced() {
        let err = with(|o| o.tasks = Some(100_000)).validate(2).unwrap_err();
        assert!(err.message.starts_with("--tasks 100000"), "{}", err.message);
        assert!(with(|o| o.runs = Some(1000)).validate(2).is_err());
        assert!(with(|o| o.warmup = Some(1000)).validate(2).is_err());
        let forced = |n| {
            with(|o| {
                o.runs = Some(n);
                o.force = true
            })
            .validate(2)
        };
        assert!(forced(1000).is_ok());
        assert!(forced(4_294_967_296).is_err());
    }

    #[test]
    fn a_start_method_without_a_process_pool_is_refused() {
        let o = |ids: &str| {
            with(|o| {
                o.strategies = Some(vec![ids.into()]);
                o.start_method = Some("spawn".into())
            })
            .validate(2)
        };
        assert!(o("rayon").is_err());
        assert!(o("py-process-pool").is_ok());
    }

    #[test]
    fn a_timeout_must_be_positive() {
        assert!(with(|o| o.timeout_s = Some(0.0)).validate(2).is_err());
        assert!(with(|o| o.timeout_s = Some(f64::NAN)).validate(2).is_err());
        assert!(with(|o| o.timeout_s = Some(1.5)).validate(2).is_ok());
    }

    #[test]
    fn unknown_strategy_gets_a_suggestion() {
        let err = with(|o| o.strategies = Some(vec!["py-thread".into()]))
            .validate(2)
            .unwrap_err();
        assert!(err.hint.unwrap().starts_with("did you mean py-threads?"));
    }

    #[test]
    fn baselines_are_added_to_a_selection() {
        let ids = with(|o| o.strategies = Some(vec!["rayon".into(), "py-threads".into()]))
            .selected_ids()
            .unwrap();
        assert_eq!(
            ids,
            ["py-sequential", "py-threads", "rust-sequential", "rayon"]
        );
    }

    #[test]
    fn dask_address_needs_py_dask_and_a_port() {
        let dask = |strategies: Option<&[&str]>, address: &str| {
            with(|o| {
                o.dask = Some(address.into());
                o.strategies = strategies.map(|s| s.iter().map(|x| x.to_string()).collect());
            })
            .validate(2)
        };
        assert!(dask(None, "tcp://127.0.0.1:8786").is_ok());
        assert!(dask(Some(&["py-dask"]), "127.0.0.1:8786").is_ok());
        let err = dask(Some(&["py-threads"]), "tcp://127.0.0.1:8786").unwrap_err();
        assert!(err.hint.unwrap().starts_with("add py-dask"));
        assert!(dask(Some(&["py-dask"]), "tcp://127.0.0.1").is_err());
    }

    #[test]
    fn quick_runs_fewer_times() {
        assert_eq!(
            with(|o| o.quick = true).plan(),
            Plan {
                warmup: 1,
                runs: 3,
                timeout_s: None,
                probe_interval_s: Some(0.001),
            }
        );
        assert_eq!(
            with(|_| {}).plan(),
            Plan {
                warmup: 1,
                runs: 5,
                timeout_s: None,
                probe_interval_s: Some(0.001),
            }
        );
    }
}
