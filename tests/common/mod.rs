//! Helpers shared by the integration tests: run the built binary, never leave it behind.
#![allow(dead_code)]

use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt;

/// The built `gil-lab` binary.
pub fn gil_lab() -> Command {
    let mut cmd = Command::cargo_bin("gil-lab").expect("the gil-lab binary is built");
    cmd.stdin(Stdio::null());
    cmd
}

/// Runs `gil-lab ARGS` to completion (killed after `limit`), returning its output.
pub fn run(args: &[&str], limit: Duration) -> Output {
    run_cmd(gil_lab().args(args), limit)
}

/// Runs a prepared command with a time limit; a command that overruns is killed
/// with its whole process group and the test fails.
pub fn run_cmd(cmd: &mut Command, limit: Duration) -> Output {
    use std::os::unix::process::CommandExt;
    let child = cmd
        .process_group(0)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("gil-lab starts");
    wait_with_limit(child, limit)
}

/// Waits for a started child; one that overruns `limit` is killed with its
/// process group and the test fails.
pub fn wait_with_limit(child: std::process::Child, limit: Duration) -> Output {
    let pgid = child.id() as i32;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(out) => out.expect("gil-lab output"),
        Err(_) => {
            // SAFETY: kill(2) on the process (group) we started.
            unsafe {
                libc::kill(-pgid, libc::SIGKILL);
                libc::kill(pgid, libc::SIGKILL);
            }
            panic!("gil-lab did not finish within {limit:?}");
        }
    }
}

/// The row of `strategy` in a compare report.
pub fn row<'a>(report: &'a serde_json::Value, strategy: &str) -> &'a serde_json::Value {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["strategy"] == strategy)
        .unwrap_or_else(|| panic!("no row {strategy} in {report}"))
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Measuring tests run one at a time: two comparisons at once on a small machine
/// would measure each other.
pub fn exclusive() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// Live processes whose process group is `pgid`.
pub fn processes_in_group(pgid: u32) -> Vec<u32> {
    processes_where(2, pgid)
}

/// Live processes whose session is `sid` (a command started with `setsid`).
pub fn processes_in_session(sid: u32) -> Vec<u32> {
    processes_where(3, sid)
}

/// Live processes whose `field` of /proc/PID/stat after the name (0 state, 1 ppid,
/// 2 pgrp, 3 session) is `id`; zombies of a reaped group do not count.
fn processes_where(field: usize, id: u32) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        if fields.get(field).and_then(|g| g.parse::<u32>().ok()) == Some(id) && fields[0] != "Z" {
            found.push(pid);
        }
    }
    found
}

/// Asserts that every process of group `pgid` is gone. A SIGKILLed process
/// may need a moment on a loaded machine to leave; one left running is not.
pub fn assert_group_ends(pgid: u32) {
    let begun = Instant::now();
    loop {
        let left = processes_in_group(pgid);
        if left.is_empty() {
            return;
        }
        if begun.elapsed() > Duration::from_secs(3) {
            let described: Vec<String> = left.iter().map(|&pid| describe(pid)).collect();
            panic!("processes left in the group: {described:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `PID: STAT-LINE | CMDLINE` of a process, for a failure message.
fn describe(pid: u32) -> String {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
    format!("{} | {}", stat.trim(), cmdline.trim())
}

pub const MINUTE: Duration = Duration::from_secs(60);

/// Seconds a signalled run may take to end before a test calls it a hang: a
/// hang bound, not a timing goal. Runs end in well under a second;
/// scripts/bench.sh measures how far under.
pub const SIGNAL_HANG_BOUND_S: u64 = 10;
pub const CPUS_FOR_ORDERINGS: usize = 2;

pub fn cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// CPUs that other work keeps busy, when at least half a CPU: orderings of
/// parallel rows only hold on cores free to run them.
pub fn busy_cpus() -> Option<f64> {
    gil_lab::testing::busy_cpus().filter(|&busy| busy >= 0.5)
}

/// Sends `signal` after `after_ms`, then expects exit within `within_s` (a hang
/// bound such as [`SIGNAL_HANG_BOUND_S`]) with `code` and no process of the
/// group left behind.
pub fn interrupt(
    mut child: std::process::Child,
    signal: i32,
    after_ms: u64,
    within_s: u64,
    code: i32,
) {
    let (after, within) = (
        Duration::from_millis(after_ms),
        Duration::from_secs(within_s),
    );
    let pgid = child.id();
    std::thread::sleep(after);
    assert!(
        child.try_wait().unwrap().is_none(),
        "exited before the signal"
    );
    // SAFETY: a signal to the child we started.
    unsafe { libc::kill(pgid as i32, signal) };
    let sent = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if sent.elapsed() > within {
            // SAFETY: clean up the group we started.
            unsafe { libc::kill(-(pgid as i32), libc::SIGKILL) };
            panic!("still running {within:?} after signal {signal}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(status.code(), Some(code));
    assert_group_ends(pgid);
}

/// `compare threading` with one quick measured run and no warm-up, then `extra`.
pub fn one_quick_compare<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "compare",
        "threading",
        "--quick",
        "--runs",
        "1",
        "--warmup",
        "0",
    ];
    args.extend_from_slice(extra);
    args
}

/// The interpreter `version` that scripts/install-pythons.sh installs, or `None`
/// with the reason printed; with `GIL_LAB_REQUIRE_ALL` set a missing one fails the test.
pub fn installed(version: &str) -> Option<std::path::PathBuf> {
    let exe = gil_lab::testing::install_dir()
        .join(version)
        .join("bin/python3");
    if exe.exists() {
        return Some(exe);
    }
    let why = format!(
        "no CPython {version} at {} (scripts/install-pythons.sh --only {version})",
        exe.display()
    );
    assert!(
        std::env::var_os("GIL_LAB_REQUIRE_ALL").is_none(),
        "GIL_LAB_REQUIRE_ALL: {why}"
    );
    eprintln!("skipped: {why}");
    None
}
