//! `diagnose`: runs a user's program as a child process, its output and exit
//! code passed through, and samples it from outside (see [`sampler`]); on 3.15
//! Tachyon attaches to the same run (see [`tachyon`]). Running it as a child
//! is what lets an outside sampler watch it without changing it.

pub mod sampler;
pub mod tachyon;

use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};

use crate::error::UsageError;

use crate::cpython::interpreter::InterpreterFacts;
use crate::cpython::launcher;
use crate::report::diagnose::{
    self, Context, DiagnoseReport, FreeThreadedCost, Instrument, PredictionCheck, Recording,
};
use sampler::{GilMode, Sampler};

/// The default sampling rate: low enough to cost the program little (see scripts/bench.sh).
pub const DEFAULT_RATE_HZ: f64 = 100.0;

/// How often the process tree is searched for new processes.
const TREE_EVERY: Duration = Duration::from_millis(100);

/// What the user asked to run.
#[derive(Debug, Clone)]
pub enum Program {
    Script(PathBuf),
    Module(String),
}

impl Program {
    pub fn label(&self) -> String {
        match self {
            Program::Script(p) => p.display().to_string(),
            Program::Module(m) => format!("-m {m}"),
        }
    }

    fn argv(&self) -> Vec<String> {
        match self {
            Program::Script(p) => vec![p.display().to_string()],
            Program::Module(m) => vec!["-m".into(), m.clone()],
        }
    }
}

/// How to diagnose.
#[derive(Debug, Clone)]
pub struct Options {
    pub rate_hz: f64,
    /// Run the program again on an installed free-threaded build.
    pub check: bool,
}

/// Checks that `module` can be found by `facts`' interpreter from here, as `-m` would.
pub fn check_module(
    facts: &InterpreterFacts,
    python_dir: &Path,
    module: &str,
) -> Result<(), UsageError> {
    let found = launcher::python(&facts.executable, python_dir)
        .args([
            "-c",
            "import importlib.util, sys\ntry:\n    found = importlib.util.find_spec(sys.argv[1])\nexcept Exception:\n    found = None\nsys.exit(0 if found else 3)",
            module,
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if found {
        Ok(())
    } else {
        Err(UsageError::new(format!("no module named '{module}' for Python {}", facts.python_version))
            .with_hint("check the name, or run from the folder that holds it (python -m finds modules from the current folder)"))
    }
}

/// The first installed free-threaded build with its GIL off.
fn free_threaded_build(python_dir: &Path) -> Option<InterpreterFacts> {
    crate::cpython::pythons::discover(python_dir)
        .into_iter()
        .map(|f| f.facts)
        .find(|f| f.free_threaded_build && f.gil_disabled)
}

/// Runs `program` on `facts`' interpreter under the sampler and builds the report.
pub fn diagnose(
    facts: &InterpreterFacts,
    python_dir: &Path,
    program: &Program,
    args: &[String],
    options: &Options,
) -> Result<DiagnoseReport> {
    let mode = if facts.gil_disabled {
        GilMode::Off
    } else {
        GilMode::On
    };
    let tachyon_wanted = facts.tachyon_reason.is_none();
    let own_cpu_before = own_cpu_s();
    let started = Instant::now();
    let mut child = launcher::python(&facts.executable, python_dir)
        .stdin(std::process::Stdio::inherit())
        .args(program.argv())
        .args(args)
        .spawn()
        .with_context(|| format!("starting {}", facts.executable))?;
    let root = child.id();
    // The first Ctrl-C (or SIGTERM) is the program's to handle, as if it ran
    // alone; a second one, or the grace period, ends it and every child.
    crate::os::signals::hand_signals_to(Box::new(move |signal| {
        // SAFETY: kill(2) on the program's PID, which is our unreaped child.
        unsafe { libc::kill(root as libc::pid_t, signal) };
        true
    }));
    let mut sampler = Sampler::new(mode, options.rate_hz, started);
    sampler.watch(root, None);
    let mut tachyon: Option<tachyon::Attached> = None;
    let interval = Duration::from_secs_f64(1.0 / options.rate_hz);
    let mut last_tree: Option<Instant> = None;
    let mut next = Instant::now();
    let status = loop {
        if last_tree.is_none_or(|t| t.elapsed() >= TREE_EVERY) {
            last_tree = Some(Instant::now());
            follow_tree(&mut sampler, root, tachyon.as_ref().and_then(|t| t.pid()));
        }
        sampler.tick();
        if tachyon_wanted && tachyon.is_none() && sampler.observing(root) {
            tachyon = Some(tachyon::attach(facts, python_dir, root, options.rate_hz));
        }
        if let Some(status) = child.try_wait()? {
            break status;
        }
        next += interval;
        let now = Instant::now();
        if next > now {
            std::thread::sleep(next - now);
        } else {
            next = now;
        }
    };
    let wall_s = started.elapsed().as_secs_f64();
    let sampler_cpu_s = (own_cpu_s() - own_cpu_before).max(0.0);
    let exit_code = code_of(status);
    let left = linger(&mut sampler, root, tachyon.as_ref().and_then(|t| t.pid()));
    let mut recording = sampler.finish(wall_s, exit_code);
    if mode == GilMode::On {
        diagnose::count_handovers(&mut recording);
    }
    let tachyon_view = tachyon.map(|t| t.finish(&recording));
    let mut missing: Vec<String> = recording
        .processes
        .iter()
        .filter_map(|p| {
            p.not_observed_because
                .as_ref()
                .map(|why| format!("pid {}: {why}", p.pid))
        })
        .collect();
    if left > 0 {
        missing.push(format!(
            "{left} process(es) the program left running were ended after it exited"
        ));
    }
    let instrument = Instrument {
        sampler: sampler_label(mode),
        sampling_rate_hz: options.rate_hz,
        achieved_rate_hz: recording.sample_times_s.len() as f64 / wall_s.max(1e-9),
        sampler_cpu_s,
        samples: recording.sample_times_s.len(),
        missing,
        tachyon: tachyon_view,
    };
    let context = |free_threaded_cost| Context {
        program: program.label(),
        args: args.to_vec(),
        interpreter: facts.as_ref(),
        cpus: crate::os::machine::cpus(),
        instrument: instrument.clone(),
        free_threaded_cost,
    };
    let mut report = diagnose::build(&recording, context(None));
    // The free-threaded bound counts that build's own single-thread cost where
    // it matters (a GIL-bound program) or is checked.
    let wanted = !facts.gil_disabled
        && (options.check || report.verdict == crate::report::diagnose::Verdict::GilBound);
    let free_threaded = wanted.then(|| free_threaded_build(python_dir)).flatten();
    if let Some(ft) = &free_threaded
        && let Ok(cost) = free_threaded_cost(facts, ft, python_dir)
    {
        report = diagnose::build(&recording, context(Some(cost)));
    }
    if options.check {
        match &free_threaded {
            Some(ft) => report.check = check_prediction(&report, ft, python_dir, program, args)?,
            None if facts.gil_disabled => report.instrument.missing.push(
                "--check-prediction: this run already is the free-threaded build".into(),
            ),
            None => report.instrument.missing.push(
                "--check-prediction: no free-threaded build is installed (scripts/install-pythons.sh installs 3.13t)".into(),
            ),
        }
    }
    Ok(report)
}

/// Watches every new process of the run: the program's descendants, and
/// orphans it left (they are re-parented to this process, the subreaper).
fn follow_tree(sampler: &mut Sampler, root: u32, skip: Option<u32>) {
    let me = std::process::id();
    let skipped: Vec<u32> = skip
        .into_iter()
        .flat_map(|p| std::iter::once(p).chain(crate::os::tasks::descendants(p)))
        .collect();
    for pid in crate::os::tasks::descendants(me) {
        if skipped.contains(&pid) || pid == root {
            continue;
        }
        let parent = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|s| crate::os::processes::parse_state_and_ppid(&s))
            .filter(|(state, _)| *state != 'Z' && *state != 'X')
            .map(|(_, ppid)| ppid);
        if let Some(parent) = parent {
            sampler.watch(pid, Some(parent));
        }
    }
}

/// After the program exits, processes it started may still run (a script that
/// forks and exits): they are sampled for up to 2 s more, then ended. Returns
/// how many had to be ended.
fn linger(sampler: &mut Sampler, root: u32, skip: Option<u32>) -> usize {
    let until = Instant::now() + Duration::from_secs(2);
    let alive = |sampler: &Sampler| -> Vec<u32> {
        let mine = crate::os::tasks::descendants(std::process::id());
        sampler
            .pids()
            .into_iter()
            .filter(|p| *p != root && Some(*p) != skip && mine.contains(p))
            .filter(|p| {
                std::fs::read_to_string(format!("/proc/{p}/stat"))
                    .ok()
                    .and_then(|s| crate::os::processes::parse_state_and_ppid(&s))
                    .is_some_and(|(state, _)| state != 'Z' && state != 'X')
            })
            .collect()
    };
    follow_tree(sampler, root, skip);
    let mut left = alive(sampler);
    while !left.is_empty() && Instant::now() < until {
        follow_tree(sampler, root, skip);
        sampler.tick();
        std::thread::sleep(Duration::from_millis(20));
        left = alive(sampler);
    }
    let spare: Vec<u32> = skip.into_iter().collect();
    if !left.is_empty() {
        crate::os::processes::kill_descendants_except(&spare);
    }
    left.len()
}

/// CPU seconds this process has used (user + system, all its threads).
fn own_cpu_s() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| crate::os::processes::parse_cpu_ticks(&s))
        .map_or(0.0, |t| t as f64 / crate::os::tasks::ticks_per_second())
}

fn sampler_label(mode: GilMode) -> String {
    match mode {
        GilMode::On => format!(
            "py-spy {} (reads the process's memory: GIL holder, thread names, stacks) + /proc (thread state, CPU clock, futex on the GIL)",
            PY_SPY_VERSION
        ),
        GilMode::Off => {
            "/proc only (thread state, CPU clock): no GIL to hold or wait for; py-spy does not read free-threaded builds".into()
        }
    }
}

/// The py-spy crate this build links.
const PY_SPY_VERSION: &str = "0.4";

fn code_of(status: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0))
}

/// The free-threaded build's single-thread cost: one pure-Python loop timed in
/// each interpreter, median of three runs each.
fn free_threaded_cost(
    base: &InterpreterFacts,
    ft: &InterpreterFacts,
    python_dir: &Path,
) -> Result<FreeThreadedCost> {
    const RUNS: usize = 3;
    let time_of = |facts: &InterpreterFacts| -> Result<f64> {
        let code = "import time\nbest=[]\nfor _ in range(3):\n t=time.perf_counter(); sum(i*i for i in range(1_000_000)); best.append(time.perf_counter()-t)\nbest.sort(); print(best[1])";
        let out = launcher::python(&facts.executable, python_dir)
            .args(["-c", code])
            .output()?;
        anyhow::ensure!(out.status.success(), "the timing loop failed");
        Ok(String::from_utf8_lossy(&out.stdout).trim().parse()?)
    };
    let base_s = time_of(base)?;
    let ft_s = time_of(ft)?;
    Ok(FreeThreadedCost {
        python: ft.python_version.clone(),
        slowdown: ft_s / base_s.max(1e-9),
        runs: RUNS,
    })
}

/// How far under the bound a measured wall time may fall and still count as
/// holding it: two runs of one program on a shared machine differ this much.
const CHECK_NOISE: f64 = 0.10;

/// Runs the program again, plainly, on the free-threaded build and times it.
fn check_prediction(
    report: &DiagnoseReport,
    ft: &InterpreterFacts,
    python_dir: &Path,
    program: &Program,
    args: &[String],
) -> Result<Option<PredictionCheck>> {
    let Some(predicted) = diagnose::free_threaded_prediction(report) else {
        return Ok(None);
    };
    let started = Instant::now();
    let mut child: Child = launcher::python(&ft.executable, python_dir)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .args(program.argv())
        .args(args)
        .spawn()?;
    let status = child.wait()?;
    let measured = started.elapsed().as_secs_f64();
    Ok(Some(PredictionCheck {
        python: ft.python_version.clone(),
        predicted_wall_s: predicted,
        measured_wall_s: measured,
        exit_code: code_of(status),
        measured_over_predicted: measured / predicted.max(1e-9),
        bound_held: measured >= predicted * (1.0 - CHECK_NOISE),
    }))
}

/// A recording's threads as `(tid, gil_wait_share)`, for instruments to compare.
pub fn wait_shares(recording: &Recording, pid: u32) -> Vec<(u32, String, f64, f64)> {
    recording
        .threads
        .iter()
        .filter(|t| t.pid == pid && !t.states.is_empty())
        .map(|t| {
            let n = t.states.len() as f64;
            let count = |s| t.states.iter().filter(|(_, x)| *x == s).count() as f64 / n;
            (
                t.tid,
                t.name.clone(),
                count(crate::report::diagnose::ThreadState::Waiting),
                count(crate::report::diagnose::ThreadState::Held),
            )
        })
        .collect()
}
