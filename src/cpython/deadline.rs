//! `--timeout` for one measured run: a run that overruns is interrupted, not waited for.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use pyo3::ffi;
use pyo3::prelude::*;

use crate::error::UsageError;
use crate::os::processes::kill_descendants_except;
use crate::os::signals::{STOP_FILE_ENV, exit_now};

/// `--timeout SECONDS` as given: a positive, finite number of seconds.
pub fn check_timeout(seconds: Option<f64>) -> Result<Option<Duration>, UsageError> {
    match seconds {
        None => Ok(None),
        Some(t) => match Duration::try_from_secs_f64(t) {
            Ok(limit) if t > 0.0 && t <= MAX_TIMEOUT_S => Ok(Some(limit)),
            _ => Err(UsageError::new(format!(
                "--timeout must be a positive number of seconds up to {}, not {}",
                crate::error::typed(MAX_TIMEOUT_S),
                crate::error::typed(t)
            ))
            .with_hint("e.g. --timeout 30")),
        },
    }
}

/// The longest `--timeout`: about 31 years, far beyond any run, far inside a `Duration`.
pub const MAX_TIMEOUT_S: f64 = 1e9;

/// How long an interrupted run gets to return before the whole process gives up.
pub const GRACE: Duration = Duration::from_secs(3);

/// How long a process pool gets to notice its killed workers.
pub const POOL_NOTICE: Duration = Duration::from_millis(500);

/// How long the threads running tasks get to unwind before the measuring thread is interrupted too.
pub const TASKS_NOTICE: Duration = Duration::from_millis(500);

/// Guards one run. When `limit` passes first, it asks the tasks to stop (Python
/// ones raise `TimeoutError` at their next chunk, subinterpreters' too; native
/// ones return early), kills every child process (a pool then reports itself
/// broken), then raises `TimeoutError` in the threads running tasks and, if that
/// is not enough, in the measuring thread; a run that still does not return
/// within [`GRACE`] (code that looks at neither the stop file nor the flag)
/// ends the process with exit code 124.
///
/// Idle threads are never interrupted: an exception raised in a pool's idle
/// thread can swallow the wake-up the pool sends it, and the pool would then
/// wait for that thread forever.
pub struct Deadline {
    done: Arc<(Mutex<bool>, Condvar)>,
    fired: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    /// The thread that runs the strategy, as `threading.get_ident()` knows it.
    caller: u64,
}

impl Deadline {
    /// Starts the clock for a run on the calling thread. `spare`: processes the
    /// deadline must leave alone (other rows' harnesses).
    pub fn start(limit: Duration, what: String, spare: Vec<u32>) -> std::io::Result<Deadline> {
        let done = Arc::new((Mutex::new(false), Condvar::new()));
        let fired = Arc::new(AtomicBool::new(false));
        let (done2, fired2) = (done.clone(), fired.clone());
        // SAFETY: pthread_self has no preconditions; CPython's thread ident is this value.
        let caller = unsafe { libc::pthread_self() } as u64;
        let thread = std::thread::Builder::new()
            .name("gil-lab-deadline".into())
            .spawn(move || {
                if wait_done(&done2, limit) {
                    return;
                }
                fired2.store(true, Ordering::SeqCst);
                // Tasks look for the stop file between chunks, in every interpreter:
                // the one way to reach a subinterpreter's threads.
                ask_tasks_to_stop(true);
                // Killing the workers is enough for a pool: it reports itself broken.
                kill_descendants_except(&spare);
                if wait_done(&done2, POOL_NOTICE) {
                    return;
                }
                // Again: a pool that was starting may have forked since.
                kill_descendants_except(&spare);
                interrupt_soon(Threads::RunningTasks, &done2);
                if wait_done(&done2, TASKS_NOTICE) {
                    return;
                }
                kill_descendants_except(&spare);
                interrupt_soon(Threads::Only(caller), &done2);
                if !wait_done(&done2, GRACE) {
                    exit_now(
                        124,
                        &format!(
                            "{what} timed out after {} s and could not be interrupted",
                            limit.as_secs_f64()
                        ),
                    );
                }
            })?;
        Ok(Deadline {
            done,
            fired,
            thread: Some(thread),
            caller,
        })
    }

    /// The limit passed before the run returned.
    pub fn fired(&self) -> bool {
        self.fired.load(Ordering::SeqCst)
    }
}

impl Drop for Deadline {
    fn drop(&mut self) {
        let (lock, signal) = &*self.done;
        if let Ok(mut done) = lock.lock() {
            *done = true;
        }
        signal.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        if self.fired() {
            ask_tasks_to_stop(false);
            // An interrupt that arrived after the run had returned would
            // otherwise surface in whatever Python this thread runs next.
            Python::attach(|_| {
                // SAFETY: attached; a null exception clears the pending one.
                unsafe { ffi::PyThreadState_SetAsyncExc(self.caller as _, std::ptr::null_mut()) };
            });
        }
    }
}

/// Raised while a fired deadline asks tasks to stop: the native kernels look at
/// it between chunks and between slices of a wait, as Python tasks look for the stop file.
static STOP_TASKS: AtomicBool = AtomicBool::new(false);

/// Whether the run in progress has been asked to stop (its `--timeout` passed).
pub fn stop_requested() -> bool {
    STOP_TASKS.load(Ordering::Relaxed)
}

/// Creates or removes the stop file that `gil_lab.kernels.tasks` checks between chunks
/// (at most every 50 ms, so an unhurried run pays nothing for it), and raises or
/// lowers the native tasks' flag.
fn ask_tasks_to_stop(stop: bool) {
    STOP_TASKS.store(stop, Ordering::SeqCst);
    let Some(path) = std::env::var_os(STOP_FILE_ENV) else {
        return;
    };
    let _ = if stop {
        std::fs::write(&path, b"")
    } else {
        std::fs::remove_file(&path)
    };
}

/// Waits until `done` or `limit`; true when done.
fn wait_done(done: &(Mutex<bool>, Condvar), limit: Duration) -> bool {
    let (lock, signal) = done;
    let Ok(guard) = lock.lock() else { return true };
    match signal.wait_timeout_while(guard, limit, |d| !*d) {
        Ok((guard, _)) => *guard,
        Err(_) => true,
    }
}

/// Which threads an interrupt reaches.
#[derive(Clone, Copy)]
enum Threads {
    /// Those with a task of the harness on their stack: interrupting them makes
    /// a pool fail the task's future, and the pool then shuts down cleanly.
    RunningTasks,
    /// One thread, by ident.
    Only(u64),
}

/// [`interrupt_python_threads`] from a thread of its own: taking the GIL may
/// never succeed (3.11's subinterpreters share one GIL, and one that loops in a
/// subinterpreter never hears the main interpreter ask for it), and the deadline
/// must still end the process after [`GRACE`]. An interrupt that gets the GIL
/// only after the run returned does nothing.
fn interrupt_soon(which: Threads, done: &Arc<(Mutex<bool>, Condvar)>) {
    let done = done.clone();
    let _ = std::thread::Builder::new()
        .name("gil-lab-interrupt".into())
        .spawn(move || interrupt_python_threads(which, &done));
}

/// Raises `TimeoutError` at the next bytecode in the chosen threads of the main
/// interpreter (a thread blocked in C sees it on return), unless the run is done.
fn interrupt_python_threads(which: Threads, done: &(Mutex<bool>, Condvar)) {
    let _ = Python::attach(|py| -> PyResult<()> {
        if done.0.lock().map_or(true, |d| *d) {
            return Ok(());
        }
        let me: u64 = py
            .import("threading")?
            .call_method0("get_ident")?
            .extract()?;
        let targets = match which {
            Threads::RunningTasks => py
                .import("gil_lab.kernels.tasks")?
                .call_method0("threads_running_tasks")?,
            Threads::Only(ident) => (ident,).into_pyobject(py)?.into_any(),
        };
        for ident in targets.try_iter()? {
            let ident: u64 = ident?.extract()?;
            if ident != me {
                // SAFETY: attached to the interpreter; the exception type is a builtin.
                unsafe {
                    ffi::PyThreadState_SetAsyncExc(ident as _, ffi::PyExc_TimeoutError);
                }
            }
        }
        Ok(())
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timeout_is_a_positive_duration_that_fits() {
        assert_eq!(check_timeout(None).unwrap(), None);
        assert_eq!(
            check_timeout(Some(1.5)).unwrap(),
            Some(Duration::from_millis(1500))
        );
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e300] {
            let refused = check_timeout(Some(bad)).unwrap_err();
            assert!(refused.message.starts_with("--timeout must be"), "{bad}");
        }
    }
}
