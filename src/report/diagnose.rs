//! `diagnose`: what the GIL did to a program, per process and thread, the
//! verdict and what each model could gain, as typed data.
//!
//! The lab hands over a [`Recording`] (what the sampler saw at every tick);
//! [`build`] turns it into the [`DiagnoseReport`] every renderer reads. Every
//! figure is computed here from the recording, so the rules (the verdict, the
//! bounds) are tested on recordings made up in the tests.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::cpython::interpreter::InterpreterRef;

/// What one thread was doing at one sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ThreadState {
    /// It held the GIL.
    Held,
    /// It was blocked on the GIL's own lock: ready to run Python, waiting its turn.
    Waiting,
    /// On a CPU (or ready for one) without the GIL: C code that released it, or no GIL at all.
    WithoutGil,
    /// On a CPU, but whether it held the GIL could not be read.
    Running,
    /// Asleep elsewhere: I/O, sleep, a lock, a join.
    Blocked,
}

impl ThreadState {
    /// One character for strips and lanes.
    pub fn code(self) -> char {
        match self {
            ThreadState::Held => 'H',
            ThreadState::Waiting => 'W',
            ThreadState::WithoutGil => 'R',
            ThreadState::Running => 'r',
            ThreadState::Blocked => '.',
        }
    }

    pub const ALL: [ThreadState; 5] = [
        ThreadState::Held,
        ThreadState::Waiting,
        ThreadState::WithoutGil,
        ThreadState::Running,
        ThreadState::Blocked,
    ];
}

/// The one-word answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Two or more threads want Python at once and take turns on one GIL.
    GilBound,
    /// Work already runs at once: processes, a released GIL, free-threading.
    CpuParallel,
    /// Threads are mostly blocked on I/O, sleep or locks: the GIL is not the problem.
    Waiting,
    /// One thread does the work.
    SingleThreaded,
}

impl Verdict {
    pub fn word(self) -> &'static str {
        match self {
            Verdict::GilBound => "gil-bound",
            Verdict::CpuParallel => "cpu-parallel",
            Verdict::Waiting => "waiting",
            Verdict::SingleThreaded => "single-threaded",
        }
    }
}

/// Whether the processes had a GIL to wait for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Gil {
    Enabled,
    /// A free-threaded build with the GIL off: nobody waits for it.
    Disabled,
}

/// What a model is predicted to gain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Model {
    FreeThreaded,
    Processes,
    MoreThreads,
}

impl Model {
    pub fn label(self) -> &'static str {
        match self {
            Model::FreeThreaded => "free-threaded build",
            Model::Processes => "processes",
            Model::MoreThreads => "more threads",
        }
    }
}

// ------------------------------------------------------------ the recording

/// One thread across the run, as the sampler saw it.
#[derive(Debug, Clone, Default)]
pub struct ThreadTrack {
    pub pid: u32,
    pub tid: u32,
    pub name: String,
    /// `(sample index, state)` for every sample that saw it.
    pub states: Vec<(usize, ThreadState)>,
    /// The OS's per-thread CPU clock when last seen, in seconds.
    pub cpu_s: f64,
    /// Innermost Python function → samples.
    pub functions: HashMap<String, u64>,
}

/// One process the run started (or the program itself).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcessInfo {
    pub pid: u32,
    pub parent: Option<u32>,
    /// Its command line, shortened.
    pub command: String,
    /// Python stacks and the GIL holder could be read from its memory.
    pub python_observed: bool,
    /// Why not, when they could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_observed_because: Option<String>,
}

/// Everything the sampler saw.
#[derive(Debug, Clone, Default)]
pub struct Recording {
    pub rate_hz: f64,
    /// Seconds since the program started, one per sample.
    pub sample_times_s: Vec<f64>,
    pub threads: Vec<ThreadTrack>,
    pub processes: Vec<ProcessInfo>,
    /// The program's wall time, start to exit.
    pub wall_s: f64,
    pub exit_code: i32,
}

// --------------------------------------------------------------- the report

/// Tachyon's view of one thread beside gil-lab's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TachyonThread {
    pub tid: u32,
    pub name: String,
    pub tachyon_gil_held_share: f64,
    pub tachyon_gil_wait_share: f64,
    pub gil_lab_gil_wait_share: f64,
    /// gil-lab's wait − Tachyon's wait.
    pub wait_difference: f64,
}

/// Tachyon (3.15's `profiling.sampling`) attached to the same run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TachyonView {
    pub python: String,
    pub command: String,
    pub sampling_rate_hz: f64,
    /// Threads both instruments saw working (held or waited ≥ 5 % of their life).
    pub threads: Vec<TachyonThread>,
    pub max_abs_wait_difference: Option<f64>,
    /// Within [`crate::engine::tachyon::AGREEMENT`].
    pub agree: Option<bool>,
    /// Why Tachyon has no figures, when it has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<String>,
}

/// Which instruments ran and what they could not see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Instrument {
    /// e.g. "py-spy 0.4.3 (reads process memory) + /proc (thread state, CPU clock, futex)".
    pub sampler: String,
    pub sampling_rate_hz: f64,
    pub samples: usize,
    /// Samples taken per second of the program's life: below the asked rate
    /// when one round of reading every thread takes longer than a tick.
    pub achieved_rate_hz: f64,
    /// CPU seconds the sampler itself used while the program ran (it runs
    /// beside the program, in gil-lab's process): what watching cost the machine.
    pub sampler_cpu_s: f64,
    /// Figures that are missing, and why (ptrace refused, free-threaded build …).
    pub missing: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tachyon: Option<TachyonView>,
}

/// A Python function and its share of a thread's samples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionShare {
    pub function: String,
    pub share: f64,
}

/// One thread's row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThreadRow {
    pub pid: u32,
    pub tid: u32,
    pub name: String,
    /// Wall time alive while sampled, s.
    pub wall_s: f64,
    /// The OS's per-thread CPU clock, s.
    pub cpu_s: f64,
    pub gil_held_share: f64,
    pub gil_wait_share: f64,
    pub running_without_gil_share: f64,
    /// On a CPU with the GIL holder unreadable (only when Python memory could not be read).
    #[serde(skip_serializing_if = "is_zero")]
    pub running_gil_unknown_share: f64,
    pub blocked_share: f64,
    pub samples: usize,
    pub top_functions: Vec<FunctionShare>,
    /// The thread's life on the run's time axis, [`LANE_CELLS`] cells, one
    /// [`ThreadState::code`] each (the state most samples in the cell had;
    /// a space before it started or after it ended).
    pub lane: String,
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

/// One process's row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcessRow {
    #[serde(flatten)]
    pub info: ProcessInfo,
    pub threads: usize,
    pub cpu_s: f64,
}

/// A bound on what one model could gain, from the measured figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    pub model: Model,
    /// At most this many times faster (wall time); absent where none can be computed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speedup_bound: Option<f64>,
    /// The wall time that bound means, s.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub predicted_wall_s: Option<f64>,
    /// How it was computed.
    pub basis: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caveat: Option<String>,
}

/// The free-threaded build's measured single-thread cost, used by its bound.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FreeThreadedCost {
    pub python: String,
    /// Its time for one pure-Python loop ÷ the diagnosed interpreter's (median of runs).
    pub slowdown: f64,
    pub runs: usize,
}

/// The prediction checked: the program run again on a free-threaded build.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredictionCheck {
    pub python: String,
    pub predicted_wall_s: f64,
    pub measured_wall_s: f64,
    pub exit_code: i32,
    /// measured ÷ predicted: below 1, the run beat the bound.
    pub measured_over_predicted: f64,
    /// The measured wall time is no shorter than the bound, within 10 % for noise.
    pub bound_held: bool,
}

/// `gil-lab diagnose`'s report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiagnoseReport {
    /// The script or `-m module`, and its arguments.
    pub program: String,
    pub args: Vec<String>,
    pub interpreter: InterpreterRef,
    pub gil: Gil,
    pub exit_code: i32,
    pub wall_s: f64,
    pub cpus: usize,
    pub verdict: Verdict,
    /// The verdict as a sentence, with the figures behind it.
    pub verdict_reason: String,
    pub instrument: Instrument,
    pub processes: Vec<ProcessRow>,
    pub threads: Vec<ThreadRow>,
    pub predictions: Vec<Prediction>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub free_threaded_cost: Option<FreeThreadedCost>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check: Option<PredictionCheck>,
}

/// Cells in each thread's lane.
pub const LANE_CELLS: usize = 100;

/// A thread counts as working when it held, waited for or ran without the GIL
/// at least this share of the run's samples.
const WORKING: f64 = 0.10;

/// What `build` needs besides the recording.
pub struct Context {
    pub program: String,
    pub args: Vec<String>,
    pub interpreter: InterpreterRef,
    pub cpus: usize,
    pub instrument: Instrument,
    pub free_threaded_cost: Option<FreeThreadedCost>,
}

/// The report from what the sampler recorded.
pub fn build(rec: &Recording, ctx: Context) -> DiagnoseReport {
    let gil = if ctx.interpreter.gil_disabled {
        Gil::Disabled
    } else {
        Gil::Enabled
    };

    let dt = if rec.rate_hz > 0.0 {
        1.0 / rec.rate_hz
    } else {
        0.0
    };
    let mut threads: Vec<ThreadRow> = rec
        .threads
        .iter()
        .filter(|t| !t.states.is_empty())
        .map(|t| thread_row(t, rec, dt))
        .collect();
    threads.sort_by_key(|t| (t.pid, t.tid));
    let processes = rec
        .processes
        .iter()
        .map(|p| {
            let mine: Vec<&ThreadRow> = threads.iter().filter(|t| t.pid == p.pid).collect();
            ProcessRow {
                info: p.clone(),
                threads: mine.len(),
                cpu_s: mine.iter().map(|t| t.cpu_s).sum(),
            }
        })
        .collect();
    let per_sample = SampleSummary::of(rec);
    let (verdict, mut verdict_reason) = verdict(rec, &threads, &per_sample, gil, ctx.cpus);
    if threads.iter().any(|t| t.running_gil_unknown_share > 0.05) {
        verdict_reason.push_str(
            " (some threads' GIL state could not be read: their held and waiting shares are missing, see \"not observed\")",
        );
    }
    let predictions =
        if gil == Gil::Enabled && threads.iter().any(|t| t.running_gil_unknown_share > 0.05) {
            unpredictable()
        } else {
            predictions(
                rec,
                &threads,
                &per_sample,
                verdict,
                gil,
                ctx.cpus,
                ctx.free_threaded_cost.as_ref(),
            )
        };
    DiagnoseReport {
        program: ctx.program,
        args: ctx.args,
        interpreter: ctx.interpreter,
        gil,
        exit_code: rec.exit_code,
        wall_s: rec.wall_s,
        cpus: ctx.cpus,
        verdict,
        verdict_reason,
        instrument: ctx.instrument,
        processes,
        threads,
        predictions,
        free_threaded_cost: ctx.free_threaded_cost,
        check: None,
    }
}

/// Counts the GIL's hand-overs in every thread of a recording made under a GIL
/// as waiting (see [`count_handovers_as_waiting`]); every figure, gil-lab's and
/// the comparison with Tachyon, is read after it.
pub fn count_handovers(rec: &mut Recording) {
    for t in &mut rec.threads {
        count_handovers_as_waiting(&mut t.states);
    }
}

/// A single sample "on a CPU without the GIL" between two samples in which the
/// thread held or waited for the GIL is the hand-over, not C code that released
/// it: the thread was woken to take the GIL (or had just been made to drop it)
/// and was waiting for a CPU to get on with it, which a busy machine makes
/// common. C code that releases the GIL (hashing a buffer, compressing) runs
/// for several samples at a time and is left as it is.
fn count_handovers_as_waiting(states: &mut [(usize, ThreadState)]) {
    let wants = |s: ThreadState| matches!(s, ThreadState::Held | ThreadState::Waiting);
    for k in 1..states.len().saturating_sub(1) {
        let (before, now, after) = (states[k - 1], states[k], states[k + 1]);
        let consecutive = before.0 + 1 == now.0 && now.0 + 1 == after.0;
        if consecutive && now.1 == ThreadState::WithoutGil && wants(before.1) && wants(after.1) {
            states[k].1 = ThreadState::Waiting;
        }
    }
}

fn thread_row(t: &ThreadTrack, rec: &Recording, dt: f64) -> ThreadRow {
    let n = t.states.len();
    let share = |s: ThreadState| t.states.iter().filter(|(_, x)| *x == s).count() as f64 / n as f64;
    let mut functions: Vec<(&String, &u64)> = t.functions.iter().collect();
    functions.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let first = t.states.first().map_or(0, |s| s.0);
    let last = t.states.last().map_or(0, |s| s.0);
    let time = |i: usize| rec.sample_times_s.get(i).copied().unwrap_or(0.0);
    ThreadRow {
        pid: t.pid,
        tid: t.tid,
        name: t.name.clone(),
        wall_s: (time(last) - time(first) + dt).max(0.0),
        cpu_s: t.cpu_s,
        gil_held_share: share(ThreadState::Held),
        gil_wait_share: share(ThreadState::Waiting),
        running_without_gil_share: share(ThreadState::WithoutGil),
        running_gil_unknown_share: share(ThreadState::Running),
        blocked_share: share(ThreadState::Blocked),
        samples: n,
        top_functions: functions
            .into_iter()
            .take(3)
            .map(|(f, c)| FunctionShare {
                function: f.clone(),
                share: *c as f64 / n as f64,
            })
            .collect(),
        lane: lane(t, rec),
    }
}

/// The thread's states binned onto the run's time axis.
fn lane(t: &ThreadTrack, rec: &Recording) -> String {
    let wall = rec.wall_s.max(1e-9);
    let mut cells = vec![[0u32; 5]; LANE_CELLS];
    for &(i, state) in &t.states {
        let at = rec.sample_times_s.get(i).copied().unwrap_or(0.0);
        let cell = ((at / wall) * LANE_CELLS as f64).floor() as usize;
        let k = ThreadState::ALL
            .iter()
            .position(|s| *s == state)
            .unwrap_or(4);
        cells[cell.min(LANE_CELLS - 1)][k] += 1;
    }
    cells
        .iter()
        .map(|counts| {
            let (k, most) = counts
                .iter()
                .enumerate()
                .max_by_key(|(k, c)| (**c, std::cmp::Reverse(*k)))
                .unwrap_or((0, &0));
            if *most == 0 {
                ' '
            } else {
                ThreadState::ALL[k].code()
            }
        })
        .collect()
}

/// Per sample: how many threads of the busiest process wanted Python (held or
/// waited for its GIL), and how many threads ran at once anywhere.
struct SampleSummary {
    /// Max over processes of (held + waiting) threads.
    want_python: Vec<usize>,
    /// Threads holding a GIL or running without one, all processes together.
    running: Vec<usize>,
    /// Some thread waited for a GIL.
    contended: Vec<bool>,
}

impl SampleSummary {
    fn of(rec: &Recording) -> SampleSummary {
        let n = rec.sample_times_s.len();
        let mut want: Vec<HashMap<u32, usize>> = vec![HashMap::new(); n];
        // Threads on a CPU whose GIL state could not be read: under a GIL at
        // most one of a process's may be running Python, so they count once.
        let mut unknown: Vec<HashMap<u32, usize>> = vec![HashMap::new(); n];
        let mut running = vec![0usize; n];
        let mut contended = vec![false; n];
        for t in &rec.threads {
            for &(i, s) in &t.states {
                if i >= n {
                    continue;
                }
                match s {
                    ThreadState::Held => {
                        *want[i].entry(t.pid).or_default() += 1;
                        running[i] += 1;
                    }
                    ThreadState::Waiting => {
                        *want[i].entry(t.pid).or_default() += 1;
                        contended[i] = true;
                    }
                    ThreadState::WithoutGil => running[i] += 1,
                    ThreadState::Running => *unknown[i].entry(t.pid).or_default() += 1,
                    ThreadState::Blocked => {}
                }
            }
        }
        for (i, per_process) in unknown.iter().enumerate() {
            running[i] += per_process.len();
        }
        SampleSummary {
            want_python: want
                .iter()
                .map(|m| m.values().copied().max().unwrap_or(0))
                .collect(),
            running,
            contended,
        }
    }

    fn share(&self, keep: impl Fn(usize) -> bool) -> f64 {
        let n = self.running.len();
        if n == 0 {
            return 0.0;
        }
        (0..n).filter(|&i| keep(i)).count() as f64 / n as f64
    }
}

fn verdict(
    rec: &Recording,
    threads: &[ThreadRow],
    s: &SampleSummary,
    gil: Gil,
    cpus: usize,
) -> (Verdict, String) {
    if threads.is_empty() {
        return (
            Verdict::SingleThreaded,
            "single-threaded, as far as can be told: the program ended before its interpreter could be read".into(),
        );
    }
    let run_samples = rec.sample_times_s.len().max(1) as f64;
    // Working: the thread wanted a CPU for a tenth of the run or more.
    let working: Vec<&ThreadRow> = threads
        .iter()
        .filter(|t| {
            let busy = t.gil_held_share
                + t.gil_wait_share
                + t.running_without_gil_share
                + t.running_gil_unknown_share;
            busy * t.samples as f64 / run_samples >= WORKING
        })
        .collect();
    let contended = s.share(|i| s.contended[i]);
    // Of the samples in which anything ran, the share in which two or more did.
    let ran = s.share(|i| s.running[i] >= 1);
    let parallel = if ran > 0.0 {
        s.share(|i| s.running[i] >= 2) / ran
    } else {
        0.0
    };
    let total_cpu: f64 = threads.iter().map(|t| t.cpu_s).sum();
    let busy = total_cpu / rec.wall_s.max(1e-9);
    let waiters = working.iter().filter(|t| t.gil_wait_share >= 0.1).count();
    if gil == Gil::Enabled && contended >= 0.25 && waiters >= 1 && working.len() >= 2 {
        return (
            Verdict::GilBound,
            format!(
                "gil-bound: {} threads run Python and take turns on the GIL; in {:.0} % of samples one of them waited for it",
                working.len(),
                contended * 100.0
            ),
        );
    }
    if working.len() >= 2 && ((parallel >= 0.25 && busy >= 0.3) || busy >= 1.25) {
        let how = if gil == Gil::Disabled {
            "no GIL (free-threaded build): threads run at once"
        } else {
            "work already runs at once (processes or a released GIL)"
        };
        return (
            Verdict::CpuParallel,
            format!(
                "cpu-parallel: {how}; when anything ran, two or more threads did in {:.0} % of samples; {busy:.1} CPUs busy on average of {cpus}",
                parallel * 100.0
            ),
        );
    }
    let threads_seen = threads.len();
    if busy < 0.5 {
        let who = if threads_seen == 1 {
            "the one thread spends most of its life".to_string()
        } else {
            format!("{threads_seen} threads spend most of their life")
        };
        return (
            Verdict::Waiting,
            format!(
                "waiting: {who} blocked (I/O, sleep, locks); {busy:.2} CPUs busy on average: the GIL is not the problem"
            ),
        );
    }
    (
        Verdict::SingleThreaded,
        format!(
            "single-threaded: {} working thread{} at a time; {busy:.2} CPUs busy on average",
            working.len().max(1),
            if working.len() > 1 { "s, one" } else { "" }
        ),
    )
}

/// No bounds: the GIL state of working threads could not be read, so the
/// time they would save cannot be told from the time they ran.
fn unpredictable() -> Vec<Prediction> {
    [Model::FreeThreaded, Model::Processes, Model::MoreThreads]
        .into_iter()
        .map(|model| Prediction {
            model,
            speedup_bound: None,
            predicted_wall_s: None,
            basis: "not computed: the GIL state of working threads could not be read".into(),
            caveat: None,
        })
        .collect()
}

fn predictions(
    rec: &Recording,
    threads: &[ThreadRow],
    s: &SampleSummary,
    verdict: Verdict,
    gil: Gil,
    cpus: usize,
    ft_cost: Option<&FreeThreadedCost>,
) -> Vec<Prediction> {
    let cpus = cpus.max(1);
    let n = rec.sample_times_s.len();
    let wall = rec.wall_s;
    let longest_cpu = threads.iter().map(|t| t.cpu_s).fold(0.0, f64::max);
    // The samples' time compressed as if every thread that wanted Python ran
    // at once on the cores there are; `slowdown` stretches that Python time.
    let compressed = |slowdown: f64| -> f64 {
        if n == 0 {
            return wall;
        }
        let per = wall / n as f64;
        let sum: f64 = (0..n)
            .map(|i| match s.want_python[i] {
                0 => per,
                k => per * slowdown / k.min(cpus) as f64,
            })
            .sum();
        sum.max(longest_cpu * slowdown)
    };
    let bound = |predicted: f64| (predicted > 0.0).then(|| wall / predicted);
    let mut out = Vec::new();
    let ft_basis =
        "the GIL-held work spread over the cores, the longest thread's own CPU time as the floor";
    match gil {
        Gil::Enabled => {
            let slowdown = ft_cost.map_or(1.0, |c| c.slowdown.max(1.0));
            let predicted = compressed(slowdown);
            out.push(Prediction {
                model: Model::FreeThreaded,
                speedup_bound: bound(predicted),
                predicted_wall_s: Some(predicted),
                basis: match ft_cost {
                    Some(c) => format!(
                        "{ft_basis}, × {:.2} for the measured single-thread cost of {}",
                        c.slowdown, c.python
                    ),
                    None => format!(
                        "{ft_basis}; the free-threaded build's own single-thread cost not counted (measured only for a gil-bound program, when one is installed)"
                    ),
                },
                caveat: None,
            });
        }
        Gil::Disabled => out.push(Prediction {
            model: Model::FreeThreaded,
            speedup_bound: Some(1.0),
            predicted_wall_s: Some(wall),
            basis: "this run already is the free-threaded build with the GIL off".into(),
            caveat: None,
        }),
    }
    let predicted = compressed(1.0);
    out.push(Prediction {
        model: Model::Processes,
        speedup_bound: bound(predicted),
        predicted_wall_s: Some(predicted),
        basis: format!("{ft_basis} (each process has its own GIL)"),
        caveat: Some("only if the threads exchange little data".into()),
    });
    let running_avg = if n == 0 {
        0.0
    } else {
        s.running.iter().sum::<usize>() as f64 / n as f64
    };
    out.push(match verdict {
        Verdict::GilBound => Prediction {
            model: Model::MoreThreads,
            speedup_bound: Some(1.0),
            predicted_wall_s: Some(wall),
            basis: "none: the threads already take turns on one GIL".into(),
            caveat: None,
        },
        Verdict::CpuParallel => Prediction {
            model: Model::MoreThreads,
            speedup_bound: Some((cpus as f64 / running_avg.max(1.0)).max(1.0)),
            predicted_wall_s: None,
            basis: format!(
                "{cpus} CPUs ÷ {running_avg:.1} threads running on average; only if the work splits further"
            ),
            caveat: None,
        },
        Verdict::Waiting => Prediction {
            model: Model::MoreThreads,
            speedup_bound: None,
            predicted_wall_s: None,
            basis: "depends on what the threads wait for (more overlapping waits help only if the resource allows)".into(),
            caveat: None,
        },
        Verdict::SingleThreaded => Prediction {
            model: Model::MoreThreads,
            speedup_bound: None,
            predicted_wall_s: None,
            basis: "one thread does the work: threads help only once the work is split".into(),
            caveat: None,
        },
    });
    out
}

/// The prediction for the free-threaded build, if there is one.
pub fn free_threaded_prediction(report: &DiagnoseReport) -> Option<f64> {
    report
        .predictions
        .iter()
        .find(|p| p.model == Model::FreeThreaded)
        .and_then(|p| p.predicted_wall_s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ThreadState::*;

    fn track(pid: u32, tid: u32, name: &str, states: &[ThreadState], cpu_s: f64) -> ThreadTrack {
        ThreadTrack {
            pid,
            tid,
            name: name.into(),
            states: states.iter().copied().enumerate().collect(),
            cpu_s,
            functions: HashMap::from([("work (x.py)".to_string(), states.len() as u64)]),
        }
    }

    fn recording(threads: Vec<ThreadTrack>, n: usize, wall_s: f64) -> Recording {
        Recording {
            rate_hz: n as f64 / wall_s,
            sample_times_s: (0..n).map(|i| i as f64 * wall_s / n as f64).collect(),
            threads,
            processes: Vec::new(),
            wall_s,
            exit_code: 0,
        }
    }

    fn context(gil_disabled: bool) -> Context {
        Context {
            program: "x.py".into(),
            args: vec![],
            interpreter: InterpreterRef {
                version: "3.11.7".into(),
                path: "python3".into(),
                gil_disabled,
            },
            cpus: 2,
            instrument: Instrument {
                sampler: "test".into(),
                sampling_rate_hz: 100.0,
                achieved_rate_hz: 100.0,
                sampler_cpu_s: 0.0,
                samples: 0,
                missing: vec![],
                tachyon: None,
            },
            free_threaded_cost: None,
        }
    }

    fn alternate(n: usize, first: ThreadState, second: ThreadState) -> Vec<ThreadState> {
        (0..n)
            .map(|i| if i % 2 == 0 { first } else { second })
            .collect()
    }

    #[test]
    fn two_threads_taking_turns_are_gil_bound_and_gain_twice_at_most() {
        let n = 100;
        let rec = recording(
            vec![
                track(1, 1, "MainThread", &[Blocked; 100], 0.0),
                track(1, 2, "math-0", &alternate(n, Held, Waiting), 1.0),
                track(1, 3, "math-1", &alternate(n, Waiting, Held), 1.0),
            ],
            n,
            2.0,
        );
        let r = build(&rec, context(false));
        assert_eq!(r.verdict, Verdict::GilBound);
        let math: Vec<&ThreadRow> = r
            .threads
            .iter()
            .filter(|t| t.name.starts_with("math"))
            .collect();
        assert!(math.iter().all(|t| (t.gil_wait_share - 0.5).abs() < 1e-9));
        let processes = r
            .predictions
            .iter()
            .find(|p| p.model == Model::Processes)
            .unwrap();
        assert!((processes.speedup_bound.unwrap() - 2.0).abs() < 1e-9);
        let more = r
            .predictions
            .iter()
            .find(|p| p.model == Model::MoreThreads)
            .unwrap();
        assert_eq!(more.speedup_bound, Some(1.0));
        assert_eq!(math[0].lane.len(), LANE_CELLS);
    }

    #[test]
    fn sleeping_threads_are_waiting_and_one_busy_thread_is_single_threaded() {
        let rec = recording(
            (0..5)
                .map(|k| track(1, k, "scout", &[Blocked; 50], 0.0))
                .collect(),
            50,
            1.0,
        );
        assert_eq!(build(&rec, context(false)).verdict, Verdict::Waiting);
        let rec = recording(vec![track(1, 1, "MainThread", &[Held; 50], 0.9)], 50, 1.0);
        assert_eq!(build(&rec, context(false)).verdict, Verdict::SingleThreaded);
    }

    #[test]
    fn two_processes_holding_their_own_gil_are_cpu_parallel_and_gain_nothing_more() {
        let rec = recording(
            vec![
                track(1, 1, "MainThread", &[Blocked; 50], 0.0),
                track(2, 2, "MainThread", &[Held; 50], 1.0),
                track(3, 3, "MainThread", &[Held; 50], 1.0),
            ],
            50,
            1.0,
        );
        let r = build(&rec, context(false));
        assert_eq!(r.verdict, Verdict::CpuParallel);
        let processes = r
            .predictions
            .iter()
            .find(|p| p.model == Model::Processes)
            .unwrap();
        assert!((processes.speedup_bound.unwrap() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn without_a_gil_running_threads_are_cpu_parallel() {
        let rec = recording(
            vec![
                track(1, 2, "math-0", &[WithoutGil; 50], 1.0),
                track(1, 3, "math-1", &[WithoutGil; 50], 1.0),
            ],
            50,
            1.0,
        );
        let r = build(&rec, context(true));
        assert_eq!(r.verdict, Verdict::CpuParallel);
        assert_eq!(r.gil, Gil::Disabled);
        assert!(r.verdict_reason.contains("no GIL"));
    }

    #[test]
    fn threads_of_one_unreadable_gil_process_never_make_it_parallel() {
        let rec = recording(
            vec![
                track(1, 2, "a", &[Running; 50], 0.5),
                track(1, 3, "b", &[Running; 50], 0.5),
            ],
            50,
            1.0,
        );
        let r = build(&rec, context(false));
        assert_ne!(r.verdict, Verdict::CpuParallel, "{}", r.verdict_reason);
        assert!(r.verdict_reason.contains("could not be read"));
        assert!(r.predictions.iter().all(|p| p.speedup_bound.is_none()));
    }

    #[test]
    fn one_sample_off_the_gil_between_turns_is_the_hand_over_but_a_long_run_is_c_code() {
        let mut states: Vec<(usize, ThreadState)> =
            [Held, WithoutGil, Waiting, WithoutGil, WithoutGil, Held]
                .into_iter()
                .enumerate()
                .collect();
        count_handovers_as_waiting(&mut states);
        let after: Vec<ThreadState> = states.iter().map(|s| s.1).collect();
        assert_eq!(
            after,
            vec![Held, Waiting, Waiting, WithoutGil, WithoutGil, Held]
        );
    }

    #[test]
    fn verdicts_and_models_serialize_in_kebab_case() {
        assert_eq!(
            serde_json::to_string(&Verdict::GilBound).unwrap(),
            "\"gil-bound\""
        );
        assert_eq!(
            serde_json::to_string(&Model::FreeThreaded).unwrap(),
            "\"free-threaded\""
        );
        assert_eq!(
            serde_json::to_string(&Verdict::SingleThreaded).unwrap(),
            "\"single-threaded\""
        );
    }
}
