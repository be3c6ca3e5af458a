//! Faults and bad input: signals, timeouts, runaway output, guards. Each test
//! runs the built binary in its own process group and checks nothing is left.

mod common;

use std::os::unix::process::CommandExt;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// Starts `gil-lab ARGS` in its own process group with `TMPDIR` inside `tmp`.
fn start(args: &[&str], tmp: &std::path::Path) -> Child {
    let mut cmd = gil_lab();
    cmd.args(args)
        .env("TMPDIR", tmp)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .process_group(0);
    cmd.spawn().expect("gil-lab starts")
}

#[test]
fn sigterm_ends_a_comparison_with_143_and_no_child_left() {
    let _one = exclusive();
    let tmp = tempfile::tempdir().unwrap();
    let child = start(
        &[
            "compare",
            "processes",
            "--start-method",
            "spawn",
            "--runs",
            "50",
        ],
        tmp.path(),
    );
    interrupt(child, libc::SIGTERM, 2500, SIGNAL_HANG_BOUND_S, 143);
}

#[test]
fn ctrl_c_ends_a_lesson_its_pool_and_its_temp_files() {
    let _one = exclusive();
    let tmp = tempfile::tempdir().unwrap();
    let script = tmp.path().join("pool_forever.py");
    std::fs::write(
        &script,
        "import multiprocessing as mp, tempfile, time\n\
         def spin(_):\n    while True: pass\n\
         if __name__ == '__main__':\n\
         \x20   f = tempfile.NamedTemporaryFile(delete=False); f.write(b'x'); f.close()\n\
         \x20   with mp.get_context('forkserver').Pool(2) as p: p.map(spin, range(4))\n",
    )
    .unwrap();
    let child = start(&["run", script.to_str().unwrap()], tmp.path());
    interrupt(child, libc::SIGINT, 2500, SIGNAL_HANG_BOUND_S, 130);
    let private: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("gil-lab-"))
        .collect();
    assert!(
        private.is_empty(),
        "private temp folder left: {:?}",
        private[0].path()
    );
}

#[test]
fn ctrl_c_ends_live_with_its_process_pool_and_restores_the_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let child = start(&["live", "threading", "--duration", "4"], tmp.path());
    let pgid = child.id();
    // Wait for the process pool group: the moment with children to leave behind.
    let begun = Instant::now();
    while processes_in_group(pgid).len() < 2 {
        // A hang bound, not a timing goal: the pool starts within seconds.
        assert!(begun.elapsed() < Duration::from_secs(90), "no pool started");
        std::thread::sleep(Duration::from_millis(50));
    }
    interrupt(child, libc::SIGINT, 500, SIGNAL_HANG_BOUND_S, 130);
}

/// How long a `compare --timeout 1` run may take before the test calls it a
/// hang: a hang bound, not a timing goal. Such a run ends in a few seconds; one
/// whose timeout did not reach the work would run for minutes (each test's
/// tasks are sized so). scripts/bench.sh measures how long it really takes.
const TIMEOUT_HANG_BOUND: Duration = Duration::from_secs(60);

/// `compare SCENARIO --timeout 1` over `strategies` with tasks of `size`, plus
/// `more` options, killed as a hang after [`TIMEOUT_HANG_BOUND`]: the output
/// and the JSON report.
fn compare_with_a_timeout(
    scenario: &str,
    strategies: &str,
    size: &str,
    more: &[&str],
) -> (std::process::Output, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let mut args = vec![
        "compare",
        scenario,
        "--size",
        size,
        "--timeout",
        "1",
        "--strategies",
        strategies,
        "--json",
        json.to_str().unwrap(),
    ];
    args.extend_from_slice(more);
    let out = run(&args, TIMEOUT_HANG_BOUND);
    assert_eq!(out.status.code(), Some(1), "{scenario}: {}", stderr(&out));
    let report = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    (out, report)
}

#[test]
fn compare_timeout_marks_the_slow_rows_and_still_reports_the_others() {
    let _one = exclusive();
    let (out, r) = compare_with_a_timeout(
        "threading",
        "py-threads,py-process-pool,rust-threads",
        "20000000",
        &["--runs", "2"],
    );
    for row in r["results"].as_array().unwrap() {
        let python = row["implementation"] == "python";
        let status = row["status"].as_str().unwrap();
        assert_eq!(status, if python { "timed out" } else { "ok" }, "{row}");
        if python {
            assert_eq!(row["verdict"], "timed out after 1 s");
        } else {
            assert!(row["wall_s"]["median"].as_f64().unwrap() > 0.0);
        }
    }
    assert!(!stderr(&out).contains("Traceback"), "{}", stderr(&out));
}

#[test]
fn a_timeout_reaches_tasks_inside_subinterpreters() {
    let _one = exclusive();
    // Eight tasks of ~16 s of CPU work in 4 M-iteration chunks, then five
    // waits of 60 s: no exception raised from outside reaches a
    // subinterpreter's thread, so they must notice the timeout themselves,
    // between chunks and between slices of a wait, or the run (a minute or
    // more of work on two workers) overruns the hang bound.
    for (scenario, size, tasks) in [("threading", "400000000", "8"), ("io", "60000", "5")] {
        let (_, r) = compare_with_a_timeout(
            scenario,
            "py-subinterpreters",
            size,
            &["--runs", "1", "--tasks", tasks],
        );
        let rows = r["results"].as_array().unwrap();
        let sub = rows
            .iter()
            .find(|row| row["strategy"] == "py-subinterpreters")
            .unwrap();
        assert_eq!(sub["status"], "timed out", "{scenario}: {sub}");
        assert_eq!(sub["verdict"], "timed out after 1 s");
    }
}

#[test]
fn a_timeout_reaches_native_rows_between_chunks_and_slices_of_a_wait() {
    let _one = exclusive();
    // Minutes of native work or waiting per task: the native kernels must look
    // at the stop flag, or the process ends with 124 and no report at all.
    for (scenario, size) in [("threading", "100000000000"), ("io", "60000")] {
        let (_, r) = compare_with_a_timeout(
            scenario,
            "rust-sequential,rust-threads,rust-threads-detached,rayon,crossbeam-pipeline",
            size,
            &["--force", "--runs", "1", "--warmup", "0"],
        );
        let rows = r["results"].as_array().unwrap();
        assert_eq!(rows.len(), 5, "{scenario}");
        for row in rows {
            assert_eq!(row["status"], "timed out", "{scenario}: {row}");
        }
    }
}

#[test]
fn verify_timeout_marks_the_slow_claim_and_still_reports_the_others() {
    let _one = exclusive();
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("v.json");
    // Unquick, claim 3 sleeps at least 13 s by construction (three rounds of a
    // 1 s wait in a pool, then two rounds of five 1 s waits in a row), so a 4 s
    // budget always cuts it; claim 6 parks idle threads and reads /proc for a few
    // tens of milliseconds, far inside the same budget even on a loaded machine.
    let out = run(
        &[
            "verify",
            "--claim",
            "3",
            "--claim",
            "6",
            "--timeout",
            "4",
            "--json",
            json.to_str().unwrap(),
        ],
        2 * MINUTE,
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("1 claim(s) timed out"),
        "{}",
        stderr(&out)
    );
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let verdict = |n: u64| {
        r["claims"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["number"] == n)
            .map(|c| c["verdict"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(verdict(3), "timed out");
    assert_ne!(verdict(6), "timed out");
}

/// Waits until `marker` appears on the child's standard error, which goes on
/// being drained afterwards so that the child never blocks on it.
fn wait_for_stderr(child: &mut Child, marker: &'static str, within: Duration) {
    use std::io::Read;
    let mut stderr = child.stderr.take().expect("stderr is piped");
    let (seen, wait) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let (mut text, mut chunk) = (String::new(), [0u8; 4096]);
        while let Ok(n @ 1..) = stderr.read(&mut chunk) {
            text.push_str(&String::from_utf8_lossy(&chunk[..n]));
            if text.contains(marker) {
                let _ = seen.send(());
                text.clear();
            }
        }
    });
    assert!(
        wait.recv_timeout(within).is_ok(),
        "{marker:?} not on stderr within {within:?}"
    );
}

#[test]
fn ctrl_c_ends_verify_and_its_experiments_processes() {
    let _one = exclusive();
    let tmp = tempfile::tempdir().unwrap();
    // Claim 4 starts processes over and over for several seconds.
    let child = start(&["verify", "--claim", "4"], tmp.path());
    interrupt(child, libc::SIGINT, 1200, SIGNAL_HANG_BOUND_S, 130);
}

#[test]
fn ctrl_c_during_the_fork_bomb_claim_exits_130_not_0() {
    let _one = exclusive();
    let tmp = tempfile::tempdir().unwrap();
    // Killing the claim's processes lets it finish at once; the signal's exit
    // code must still win over the verify that completes behind it.
    let mut child = start(&["verify", "--claim", "10"], tmp.path());
    wait_for_stderr(
        &mut child,
        "fork-bomb-without-guard",
        Duration::from_secs(60),
    );
    interrupt(child, libc::SIGINT, 400, SIGNAL_HANG_BOUND_S, 130);
}

#[test]
fn megabytes_of_output_stream_through_without_piling_up_in_memory() {
    let tmp = tempfile::tempdir().unwrap();
    let script = tmp.path().join("chatty.py");
    // 200 MB of output: a host that buffered it would grow past that.
    std::fs::write(
        &script,
        "import sys\nline = 'x' * 999 + '\\n'\nfor _ in range(200_000): sys.stdout.write(line)\n",
    )
    .unwrap();
    let mut cmd = gil_lab();
    cmd.args(["run", script.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    // Reaped below with wait4, which also reports the peak memory.
    #[allow(clippy::zombie_processes)]
    let mut child = cmd.spawn().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let reader =
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()).unwrap());
    let mut status = 0;
    // SAFETY: wait4 on our own child, filling structs we own.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as i32);
    assert_eq!(reader.join().unwrap(), 200_000_000);
    assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0);
    let max_rss_mb = usage.ru_maxrss / 1024;
    assert!(
        max_rss_mb < 120,
        "peak memory {max_rss_mb} MB for 200 MB of output"
    );
}

#[test]
fn the_fork_bomb_lesson_stays_bounded() {
    let mut cmd = gil_lab();
    cmd.args(["run", "fork-bomb-guard", "--", "--quick"])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().unwrap();
    let mut peak = 0;
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        // A hang bound, not a timing goal: the quick lesson takes seconds.
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "fork-bomb-guard ran over a minute"
        );
        let descendants = gil_lab::testing::descendants(child.id()).len();
        peak = peak.max(descendants);
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success());
    assert!(peak <= 16, "{peak} processes at once");
}

#[test]
fn the_deadlock_lesson_reports_instead_of_hanging() {
    let out = run(&["run", "deadlock-watchdog", "--", "--quick"], MINUTE);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(text.matches("DEADLOCK detected").count(), 2, "{text}");
}

#[test]
fn absurd_or_oversized_work_is_refused_with_a_figure() {
    for (args, first) in [
        (
            &["compare", "threading", "--workers", "1000000"][..],
            "error: --workers 1000000 is more than",
        ),
        (
            &["compare", "threading", "--size", "100000000000"][..],
            "error: one py-sequential run of threading would take about",
        ),
        (
            &["compare", "io", "--size", "100000000"][..],
            "error: one py-sequential run of io would take about",
        ),
        (
            &["compare", "threading", "--timeout=-1"][..],
            "error: --timeout must be a positive number",
        ),
        (
            &["run", "--timeout", "0", "gil-proof"][..],
            "error: --timeout must be a positive number",
        ),
        (
            &["verify", "--timeout", "1e300"][..],
            "error: --timeout must be a positive number of seconds up to 1e9, not 1e300",
        ),
        (
            &["live", "--duration", "-1"][..],
            "error: --duration must be more than 0 and at most 600 seconds, not -1",
        ),
    ] {
        let out = run(args, MINUTE);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&out).starts_with(first),
            "{args:?}: {}",
            stderr(&out)
        );
        assert!(stderr(&out).contains("hint:"), "{args:?}: no hint");
    }
}
