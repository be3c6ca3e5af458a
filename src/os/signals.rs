//! Ctrl-C, SIGTERM and SIGHUP: end every child process, restore the terminal,
//! exit 130/143/129.
//!
//! The embedded interpreter installs no signal handlers of its own, so a signal
//! never has to wait for Python code to reach a safe point.

use std::io::IsTerminal;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use crate::os::processes::{adopt_orphans, kill_descendants};

/// The run's private temporary folder, removed on every way out.
static PRIVATE_DIR: OnceLock<PathBuf> = OnceLock::new();

/// What must be undone on the way out (progress bars on the screen).
type Cleanup = Box<dyn Fn() + Send>;
static ON_EXIT: Mutex<Vec<Cleanup>> = Mutex::new(Vec::new());

/// Runs `cleanup` when a signal or a timeout ends the process.
pub fn on_exit(cleanup: Cleanup) {
    if let Ok(mut all) = ON_EXIT.lock() {
        all.push(cleanup);
    }
}

/// Names, for every interpreter and process of this run, the file whose existence
/// asks running tasks to stop (see [`crate::cpython::deadline`]).
pub const STOP_FILE_ENV: &str = "GIL_LAB_STOP_FILE";

/// Creates the private temporary folder and points `TMPDIR` at it, so that temp
/// files and sockets of lessons and workers land there. Call before Python starts
/// and before other threads exist; the folder goes when the returned guard drops
/// or when a signal ends the process. Folders that killed runs left behind
/// (their PID is in the name) are removed first.
///
/// Like Python's `tempfile`, it falls back from a `TMPDIR` that cannot be used
/// to /tmp, /var/tmp and the current folder.
pub fn private_temp_dir() -> std::io::Result<tempfile::TempDir> {
    let prefix = format!("gil-lab-{}-", std::process::id());
    let mut last = None;
    for parent in temp_candidates() {
        remove_abandoned(&parent);
        match tempfile::Builder::new().prefix(&prefix).tempdir_in(&parent) {
            Ok(dir) => {
                let _ = PRIVATE_DIR.set(dir.path().to_path_buf());
                // SAFETY: called from `main`'s thread before any other thread is started.
                unsafe {
                    std::env::set_var("TMPDIR", dir.path());
                    std::env::set_var(STOP_FILE_ENV, dir.path().join("stop"));
                    std::env::set_var(HOST_PID_ENV, std::process::id().to_string());
                }
                return Ok(dir);
            }
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no temporary folder")))
}

/// Tells worker processes which process is the host (see `gil_lab.runtime.lifeline`).
pub const HOST_PID_ENV: &str = "GIL_LAB_HOST_PID";

fn temp_candidates() -> Vec<PathBuf> {
    let mut all: Vec<PathBuf> = ["TMPDIR", "TEMP", "TMP"]
        .iter()
        .filter_map(std::env::var_os)
        .map(PathBuf::from)
        .collect();
    all.extend(["/tmp", "/var/tmp"].map(PathBuf::from));
    if let Ok(here) = std::env::current_dir() {
        all.push(here);
    }
    all
}

/// Removes `gil-lab-PID-*` folders in `parent` whose process no longer exists
/// (a run killed with SIGKILL, or a lesson that called `os._exit`).
fn remove_abandoned(parent: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix("gil-lab-"))
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<libc::pid_t>().ok())
        else {
            continue;
        };
        // SAFETY: kill with signal 0 only checks that the process exists.
        let gone = unsafe { libc::kill(pid, 0) } != 0
            && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH);
        if gone && entry.file_type().is_ok_and(|t| t.is_dir()) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Starts the thread that turns SIGINT/SIGTERM/SIGHUP (a closed terminal) into a clean exit, and makes
/// this process the reaper of orphaned descendants so that none escapes it.
pub fn install() -> std::io::Result<()> {
    adopt_orphans();
    let mut signals = Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    // Forked children (fork start method) inherit the handler and its pipe; give
    // them the default dispositions, as a fresh Python would have. And once the
    // process is on its way out, no thread may fork a child it would leave behind.
    // SAFETY: both atfork handlers only make async-signal-safe calls.
    unsafe {
        libc::pthread_atfork(Some(hold_forks_when_exiting), None, Some(reset_in_child));
    }
    std::thread::Builder::new()
        .name("gil-lab-signals".into())
        .spawn(move || {
            let mut first = None;
            for signal in signals.forever() {
                if first.is_some() {
                    exit_now(128 + signal, "interrupted again");
                }
                first = Some(signal);
                let handled = HANDOVER
                    .get()
                    .is_some_and(|handover| handover(signal));
                if !handled {
                    exit_now(128 + signal, "interrupted");
                }
                // Written, not eprintln!: a closed stderr must not stop this thread.
                let _ = writeln!(
                    std::io::stderr(),
                    "\ngil-lab: the program may handle {} itself; send it again (Ctrl-C) or wait {} s and every child process ends",
                    name(signal),
                    GRACE.as_secs()
                );
                let _ = std::thread::Builder::new()
                    .name("gil-lab-grace".into())
                    .spawn(move || {
                        std::thread::sleep(GRACE);
                        exit_now(128 + signal, "the program did not end in time");
                    });
            }
        })?;
    Ok(())
}

fn name(signal: i32) -> String {
    match signal {
        SIGINT => "SIGINT (Ctrl-C)".into(),
        SIGTERM => "SIGTERM".into(),
        SIGHUP => "SIGHUP".into(),
        other => format!("signal {other}"),
    }
}

/// How long a lesson that handles (or ignores) a signal has before the host ends it.
pub const GRACE: Duration = Duration::from_secs(3);

/// Hands a signal to a running lesson that asked for it; answers whether it did.
type Handover = Box<dyn Fn(i32) -> bool + Send + Sync>;
static HANDOVER: OnceLock<Handover> = OnceLock::new();

/// While a lesson runs in this process, the first SIGINT/SIGTERM/SIGHUP goes to
/// `handover`, which delivers it to the lesson's own handler (or respects its
/// SIG_IGN) and returns true; the second signal, or [`GRACE`] later, ends the
/// process and every child as usual. Returning false ends at once.
pub fn hand_signals_to(handover: Handover) {
    let _ = HANDOVER.set(handover);
}

/// Set by whichever way out comes first (the end of the work, a signal, a
/// timeout): from then on a thread that forks, or tries another way out, waits
/// forever while the first one finishes.
static EXITING: AtomicBool = AtomicBool::new(false);

/// Claims the way out; a thread that comes second waits for the first to end the process.
fn claim_exit() {
    if EXITING.swap(true, Ordering::SeqCst) {
        loop {
            std::thread::park();
        }
    }
}

/// Ends the process with `code` once the work is done, unless a signal or a
/// timeout is already ending it: then that exit code stands (a claim whose
/// children the signal killed must not turn Ctrl-C into a success).
pub fn exit(code: i32) -> ! {
    claim_exit();
    std::process::exit(code)
}

extern "C" fn hold_forks_when_exiting() {
    // A pool replacing the workers just killed would fork children (fork start
    // method) that hold each other's pipes open and never end.
    while EXITING.load(Ordering::SeqCst) {
        // SAFETY: pause(2) is async-signal-safe; the process _exits soon.
        unsafe { libc::pause() };
    }
}

extern "C" fn reset_in_child() {
    // SAFETY: signal(2) is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_DFL);
        libc::signal(libc::SIGTERM, libc::SIG_DFL);
        libc::signal(libc::SIGHUP, libc::SIG_DFL);
    }
}

/// Kills every descendant, shows the cursor again and leaves without running
/// Python's finalization (which could wait on the very workers just killed).
pub fn exit_now(code: i32, why: &str) -> ! {
    end_now(code, Some(why))
}

/// Like [`exit_now`], without a word: stdout was closed (`gil-lab … | head`).
pub fn exit_quietly(code: i32) -> ! {
    end_now(code, None)
}

fn end_now(code: i32, why: Option<&str>) -> ! {
    claim_exit();
    kill_descendants();
    if let Some(dir) = PRIVATE_DIR.get() {
        let _ = std::fs::remove_dir_all(dir);
    }
    // try_lock: never wait on a thread that the signal caught mid-registration.
    if let Ok(all) = ON_EXIT.try_lock() {
        for cleanup in all.iter() {
            cleanup();
        }
    }
    if std::io::stderr().is_terminal() {
        let _ = write!(std::io::stderr(), "\x1b[?25h");
    }
    if let Some(why) = why {
        // A closed stderr (its reader gone) must not keep the process from ending.
        let _ = writeln!(
            std::io::stderr(),
            "\ngil-lab: {why}; every child process ended"
        );
    }
    std::thread::sleep(Duration::from_millis(10));
    // SAFETY: _exit ends the process immediately; nothing is left to unwind.
    unsafe { libc::_exit(code) }
}

/// Ends the process after `seconds` unless the work finished first.
pub fn watchdog(seconds: f64, what: String) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("gil-lab-watchdog".into())
        .spawn(move || {
            std::thread::sleep(Duration::from_secs_f64(seconds));
            exit_now(124, &format!("{what} timed out after {seconds} s"));
        })
        .map(|_| ())
}
