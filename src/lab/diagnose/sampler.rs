//! The outside sampler: at every tick, each thread of each process of the run
//! is put in one [`ThreadState`], from two views taken from outside the
//! program, which therefore runs unchanged:
//!
//! - the process's memory, read by `py-spy` (without stopping the process):
//!   which thread holds the GIL, each thread's Python name and innermost
//!   function;
//! - the kernel's view (`/proc/PID/task/TID`): running or asleep, the CPU
//!   clock, and the system call a sleeping thread is in. A thread asleep on a
//!   futex inside `_PyRuntime` (where the main interpreter's GIL lives, in
//!   every CPython from 3.11 on) waits for the GIL; asleep anywhere else, it
//!   is blocked on I/O, a sleep, a lock or a join.

use crate::report::shorten;
use std::collections::HashMap;
use std::time::{Duration, Instant};

use py_spy::config::LockingStrategy;
use py_spy::{Config, PythonSpy};

use crate::os::tasks::{self, Task};
use crate::report::diagnose::{ProcessInfo, Recording, ThreadState, ThreadTrack};

/// How long a process gets to bring its interpreter up before the sampler
/// stops trying to read its Python state.
const ATTACH_FOR: Duration = Duration::from_secs(3);
/// Between two attempts to read a starting process's Python state.
const ATTACH_EVERY: Duration = Duration::from_millis(50);

/// Whether the processes have a GIL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GilMode {
    On,
    /// Free-threaded with the GIL off: nothing to hold or wait for.
    Off,
}

/// Puts one thread in one state, from the kernel's view of it just `before`
/// and just `after` its process's memory was read, and whether that read found
/// it holding the GIL (`None`: the memory could not be read). `gil_lock` is the
/// address range of the GIL's lock (`_PyRuntime`), when known.
///
/// Two kernel reads around the memory read, because the GIL changes hands
/// every few milliseconds: a thread running Python before the read may have
/// dropped the GIL by the time the memory is read, and wait for it after.
/// Only a thread on a CPU at both instants without the GIL in between ran
/// without it (C code that released it).
pub fn classify(
    before: Option<&Task>,
    after: &Task,
    owns_gil: Option<bool>,
    gil_lock: Option<(u64, u64)>,
    mode: GilMode,
) -> ThreadState {
    let on_cpu = |t: &Task| t.state == 'R';
    if mode == GilMode::Off {
        return if on_cpu(after) || before.is_some_and(on_cpu) {
            ThreadState::WithoutGil
        } else {
            ThreadState::Blocked
        };
    }
    if owns_gil == Some(true) {
        return ThreadState::Held;
    }
    let on_gil_lock = |t: &Task| match (gil_lock, t.syscall) {
        (Some((start, end)), Some(call)) => t.state != 'R' && call.futex_within(start, end),
        _ => false,
    };
    if on_gil_lock(after) || before.is_some_and(on_gil_lock) {
        ThreadState::Waiting
    } else if on_cpu(after) && before.is_none_or(on_cpu) {
        match owns_gil {
            Some(_) => ThreadState::WithoutGil,
            None => ThreadState::Running,
        }
    } else {
        ThreadState::Blocked
    }
}

/// One process being watched.
struct Watched {
    pid: u32,
    info: ProcessInfo,
    spy: Option<PythonSpy>,
    gil_lock: Option<(u64, u64)>,
    first_seen: Instant,
    last_attempt: Option<Instant>,
    gave_up: bool,
    names: HashMap<u32, String>,
    /// Memory reads that failed in a row, and the last error.
    failed_reads: usize,
    last_error: Option<String>,
    /// Fresh readers made to learn thread names, and when the last was made.
    renamed: usize,
    last_renamed: Option<Instant>,
}

/// py-spy looks a new thread's name up once and, if the thread was not yet
/// registered with `threading`, not again for a second: long enough for a short
/// program's threads to end nameless. A fresh reader looks them up at once;
/// at most this many per process, this far apart.
const RENAMES: usize = 5;
const RENAME_EVERY: Duration = Duration::from_millis(250);

/// Immediate retries of a memory read that failed (torn by the running program).
const TORN_RETRIES: usize = 2;

/// Failed reads in a row after which a live process's memory counts as unreadable.
const UNREADABLE_AFTER: usize = 20;

/// Samples a process tree until told to stop; produces the [`Recording`].
pub struct Sampler {
    mode: GilMode,
    started: Instant,
    rate_hz: f64,
    watched: Vec<Watched>,
    tracks: HashMap<(u32, u32), ThreadTrack>,
    order: Vec<(u32, u32)>,
    times: Vec<f64>,
    ticks_per_s: f64,
}

impl Sampler {
    pub fn new(mode: GilMode, rate_hz: f64, started: Instant) -> Sampler {
        Sampler {
            mode,
            started,
            rate_hz,
            watched: Vec::new(),
            tracks: HashMap::new(),
            order: Vec::new(),
            times: Vec::new(),
            ticks_per_s: tasks::ticks_per_second(),
        }
    }

    /// Starts watching `pid` (a process of the run) if it is new.
    pub fn watch(&mut self, pid: u32, parent: Option<u32>) {
        if self.watched.iter().any(|w| w.pid == pid) {
            return;
        }
        let command = std::fs::read(format!("/proc/{pid}/cmdline"))
            .map(|b| {
                String::from_utf8_lossy(&b)
                    .split('\0')
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default();
        self.watched.push(Watched {
            pid,
            info: ProcessInfo {
                pid,
                parent,
                command: shorten(&command_label(&command), 120),
                python_observed: false,
                not_observed_because: None,
            },
            spy: None,
            gil_lock: None,
            first_seen: Instant::now(),
            last_attempt: None,
            gave_up: self.mode == GilMode::Off,
            names: HashMap::new(),
            failed_reads: 0,
            last_error: None,
            renamed: 0,
            last_renamed: None,
        });
        if self.mode == GilMode::Off
            && let Some(w) = self.watched.last_mut()
        {
            w.info.not_observed_because = Some(
                "free-threaded build: py-spy does not read it; CPU and blocking come from /proc"
                    .into(),
            );
        }
    }

    /// PIDs being watched.
    pub fn pids(&self) -> Vec<u32> {
        self.watched.iter().map(|w| w.pid).collect()
    }

    /// The root's Python state has been read (its interpreter is up).
    pub fn observing(&self, pid: u32) -> bool {
        self.watched
            .iter()
            .any(|w| w.pid == pid && (w.spy.is_some() || w.gave_up))
    }

    /// One sample of every watched process.
    pub fn tick(&mut self) {
        let index = self.times.len();
        self.times.push(self.started.elapsed().as_secs_f64());
        for w in &mut self.watched {
            try_attach(w);
            if w.spy.is_none() && !w.gave_up {
                // Its interpreter is still starting: nothing to hold or wait
                // for yet. Its threads are sampled from the first read on.
                continue;
            }
            let before = tasks::tasks(w.pid);
            if before.is_empty() {
                continue;
            }
            let read = w.spy.as_mut().map(|spy| {
                // A read races the running program: retry a torn one at once.
                let mut result = spy.get_stack_traces();
                for _ in 0..TORN_RETRIES {
                    if result.is_ok() {
                        break;
                    }
                    result = spy.get_stack_traces();
                }
                result
            });
            let traces = match read {
                Some(Ok(traces)) => {
                    w.failed_reads = 0;
                    Some(traces)
                }
                // A torn read while the process changes (threads starting or
                // ending): this sample has no Python view of it. Many in a
                // row: the memory cannot be read any more (the process made
                // itself undumpable, or permission was withdrawn).
                Some(Err(e)) => {
                    w.failed_reads += 1;
                    w.last_error = Some(format!("{e:#}"));
                    if w.failed_reads == UNREADABLE_AFTER {
                        w.info.not_observed_because = Some(format!(
                            "its memory could no longer be read after {:.1} s ({}): GIL held/waiting shares and Python functions are missing from then on; CPU and blocking come from /proc",
                            w.first_seen.elapsed().as_secs_f64(),
                            shorten(w.last_error.as_deref().unwrap_or(""), 80)
                        ));
                    }
                    if w.failed_reads < UNREADABLE_AFTER {
                        // Transient: this tick has no view of the process
                        // rather than a view without its GIL holder.
                        continue;
                    }
                    None
                }
                None => None,
            };
            let mut by_tid: HashMap<u32, &py_spy::StackTrace> = HashMap::new();
            let mut nameless = false;
            if let Some(traces) = &traces {
                for t in traces {
                    if let Some(tid) = t.os_thread_id {
                        by_tid.insert(tid as u32, t);
                        match &t.thread_name {
                            Some(name) => {
                                w.names.insert(tid as u32, name.clone());
                            }
                            None => nameless |= !w.names.contains_key(&(tid as u32)),
                        }
                    }
                }
            }
            if nameless {
                renew_for_names(w);
            }
            let after = tasks::tasks(w.pid);
            let gil_free = traces
                .as_ref()
                .is_some_and(|traces| !traces.iter().any(|t| t.owns_gil));
            for task in &after {
                let trace = by_tid.get(&task.tid);
                let owns_gil = traces.as_ref().map(|_| trace.is_some_and(|t| t.owns_gil));
                let earlier = before.iter().find(|t| t.tid == task.tid);
                let key = (w.pid, task.tid);
                let track = self.tracks.entry(key).or_insert_with(|| {
                    self.order.push(key);
                    ThreadTrack {
                        pid: w.pid,
                        tid: task.tid,
                        ..ThreadTrack::default()
                    }
                });
                let mut state = classify(earlier, task, owns_gil, w.gil_lock, self.mode);
                if state == ThreadState::WithoutGil
                    && gil_free
                    && track
                        .states
                        .last()
                        .is_some_and(|(_, s)| matches!(s, ThreadState::Waiting | ThreadState::Held))
                {
                    // The GIL is between holders and this thread wanted it a
                    // tick ago: it has been woken to take it and waits for a
                    // CPU to do so (the hand-over), not running C code.
                    state = ThreadState::Waiting;
                }
                track.name = w.names.get(&task.tid).cloned().unwrap_or_else(|| {
                    if task.tid == w.pid && w.spy.is_some() {
                        "MainThread".into()
                    } else {
                        task.comm.clone()
                    }
                });
                track.states.push((index, state));
                track.cpu_s = task.cpu_ticks as f64 / self.ticks_per_s;
                if let Some(frame) = trace.and_then(|t| t.frames.first()) {
                    let file = frame
                        .short_filename
                        .clone()
                        .unwrap_or_else(|| basename(&frame.filename));
                    *track
                        .functions
                        .entry(format!("{} ({})", frame.name, basename(&file)))
                        .or_default() += 1;
                }
            }
        }
    }

    /// The recording, once the program has ended.
    pub fn finish(mut self, wall_s: f64, exit_code: i32) -> Recording {
        let order = std::mem::take(&mut self.order);
        Recording {
            rate_hz: self.rate_hz,
            sample_times_s: self.times,
            threads: order.iter().filter_map(|k| self.tracks.remove(k)).collect(),
            processes: self
                .watched
                .into_iter()
                .map(|mut w| {
                    if w.spy.is_none() && w.info.not_observed_because.is_none() {
                        w.info.not_observed_because =
                            Some("it ended or never ran a Python interpreter in time".into());
                    }
                    w.info
                })
                .collect(),
            wall_s,
            exit_code,
        }
    }
}

/// Replaces the process's reader with a fresh one, whose first read looks every
/// thread's name up again (see [`RENAMES`]).
fn renew_for_names(w: &mut Watched) {
    if w.renamed >= RENAMES || w.last_renamed.is_some_and(|t| t.elapsed() < RENAME_EVERY) {
        return;
    }
    w.renamed += 1;
    w.last_renamed = Some(Instant::now());
    if let Ok(spy) = PythonSpy::new(w.pid as py_spy::Pid, &reader_config()) {
        w.spy = Some(spy);
    }
}

fn reader_config() -> Config {
    Config {
        blocking: LockingStrategy::NonBlocking,
        native: false,
        gil_only: false,
        ..Config::default()
    }
}

/// Reads the process's Python state once its interpreter is up; gives up after
/// [`ATTACH_FOR`] (not a Python process, or its memory cannot be read).
fn try_attach(w: &mut Watched) {
    if w.spy.is_some() || w.gave_up {
        return;
    }
    if w.last_attempt.is_some_and(|t| t.elapsed() < ATTACH_EVERY) {
        return;
    }
    w.last_attempt = Some(Instant::now());
    match PythonSpy::new(w.pid as py_spy::Pid, &reader_config()) {
        Ok(spy) => {
            w.gil_lock = gil_lock_range(w.pid);
            w.spy = Some(spy);
            w.info.python_observed = true;
            w.info.not_observed_because = None;
        }
        Err(e) => {
            let text = format!("{e:#}");
            let refused = text.contains("Permission denied")
                || text.contains("Operation not permitted")
                || text.contains("EPERM");
            if refused || w.first_seen.elapsed() > ATTACH_FOR {
                w.gave_up = true;
                w.info.not_observed_because = Some(if refused {
                    format!(
                        "its memory could not be read (ptrace refused: {}): GIL held/waiting shares and Python functions are missing; CPU and blocking come from /proc",
                        shorten(&text, 80)
                    )
                } else {
                    format!("no Python state found: {}", shorten(&text, 100))
                });
            }
        }
    }
}

/// Where `_PyRuntime` lies in `pid`'s memory: the main interpreter's GIL (its
/// mutex and condition variable) is inside it.
fn gil_lock_range(pid: u32) -> Option<(u64, u64)> {
    let process = remoteprocess::Process::new(pid as remoteprocess::Pid).ok()?;
    let info = py_spy::python_process_info::PythonProcessInfo::new(&process).ok()?;
    [info.python_binary.as_ref(), info.libpython_binary.as_ref()]
        .into_iter()
        .flatten()
        .find(|b| b.pyruntime_addr != 0 && b.pyruntime_size != 0)
        .map(|b| (b.pyruntime_addr, b.pyruntime_addr + b.pyruntime_size))
}

/// `python3.11 script.py …` from `/usr/bin/python3.11 script.py …`.
fn command_label(command: &str) -> String {
    match command.split_once(' ') {
        Some((exe, rest)) => format!("{} {rest}", basename(exe)),
        None => basename(command),
    }
}

fn basename(path: &str) -> String {
    path.rsplit('/').next().unwrap_or(path).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::os::tasks::{FUTEX, Syscall};

    fn task(state: char, syscall: Option<Syscall>) -> Task {
        Task {
            tid: 7,
            state,
            cpu_ticks: 0,
            comm: "t".into(),
            syscall,
        }
    }

    #[test]
    fn a_thread_asleep_on_the_gil_lock_waits_and_elsewhere_is_blocked() {
        let gil = Some((0x1000, 0x2000));
        let on_gil = Some(Syscall {
            number: FUTEX,
            first_arg: 0x1800,
        });
        let elsewhere = Some(Syscall {
            number: FUTEX,
            first_arg: 0x9000,
        });
        let sleep = Some(Syscall {
            number: 230,
            first_arg: 0x1800,
        });
        assert_eq!(
            classify(None, &task('S', on_gil), Some(false), gil, GilMode::On),
            ThreadState::Waiting
        );
        assert_eq!(
            classify(None, &task('S', elsewhere), Some(false), gil, GilMode::On),
            ThreadState::Blocked
        );
        assert_eq!(
            classify(None, &task('S', sleep), Some(false), gil, GilMode::On),
            ThreadState::Blocked
        );
        assert_eq!(
            classify(None, &task('S', on_gil), Some(true), gil, GilMode::On),
            ThreadState::Held
        );
    }

    #[test]
    fn a_thread_that_dropped_the_gil_between_the_reads_waits_for_it() {
        let gil = Some((0x1000, 0x2000));
        let on_gil = Some(Syscall {
            number: FUTEX,
            first_arg: 0x1800,
        });
        let ran = task('R', None);
        let waits = task('S', on_gil);
        assert_eq!(
            classify(Some(&ran), &waits, Some(false), gil, GilMode::On),
            ThreadState::Waiting
        );
        assert_eq!(
            classify(Some(&waits), &ran, Some(false), gil, GilMode::On),
            ThreadState::Waiting
        );
        assert_eq!(
            classify(Some(&ran), &ran, Some(false), gil, GilMode::On),
            ThreadState::WithoutGil
        );
    }

    #[test]
    fn a_running_thread_without_the_gil_runs_without_it_or_unknown() {
        assert_eq!(
            classify(None, &task('R', None), Some(false), None, GilMode::On),
            ThreadState::WithoutGil
        );
        assert_eq!(
            classify(None, &task('R', None), None, None, GilMode::On),
            ThreadState::Running
        );
        assert_eq!(
            classify(None, &task('R', None), Some(true), None, GilMode::On),
            ThreadState::Held
        );
        assert_eq!(
            classify(None, &task('R', None), None, None, GilMode::Off),
            ThreadState::WithoutGil
        );
        assert_eq!(
            classify(None, &task('D', None), None, None, GilMode::Off),
            ThreadState::Blocked
        );
    }
}
