//! The fast tier (`scripts/test.sh --fast`): the command line end to end where
//! nothing needs measuring, or where the mock strategies (fixed figures, no
//! work: `GIL_LAB_MOCK_STRATEGIES`) stand in for the models. Each test here is
//! also a defect's regression test: it fails without its fix.

mod common;

use std::io::Read;
use std::process::Stdio;
use std::time::Duration;

use common::*;
use serde_json::Value;

/// A run that should take seconds may take this long before it counts as a hang.
const HANG_BOUND: Duration = Duration::from_secs(120);

/// `gil-lab ARGS` with the mock strategies in the registry.
fn mocked(args: &[&str], dir: &std::path::Path) -> std::process::Output {
    let mut cmd = gil_lab();
    cmd.args(args)
        .current_dir(dir)
        .env("GIL_LAB_MOCK_STRATEGIES", "1");
    run_cmd(&mut cmd, HANG_BOUND)
}

/// Exit 2 with one `error:` line, a `hint:` and no traceback.
fn assert_usage_error(out: &std::process::Output, says: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains(says), "{err}");
    assert!(err.contains("\n  hint: "), "{err}");
    assert!(!err.contains("Traceback"), "{err}");
}

#[test]
fn mock_rows_give_a_whole_report_with_their_fixed_figures() {
    let dir = tempfile::tempdir().unwrap();
    let out = mocked(
        &[
            "compare",
            "threading",
            "--quick",
            "--json",
            "r.json",
            "--markdown",
            "r.md",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let r: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("r.json")).unwrap()).unwrap();
    let ids: Vec<&str> = r["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["strategy"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["mock-sequential", "mock-parallel"]);
    let parallel = row(&r, "mock-parallel");
    assert_eq!(parallel["status"], "ok");
    assert_eq!(parallel["checksum"], 42);
    // The mock's timeline: two workers side by side, chunk for chunk.
    assert_eq!(parallel["overlap"].as_f64(), Some(2.0));
    assert_eq!(row(&r, "mock-sequential")["overlap"].as_f64(), Some(1.0));
    let md = std::fs::read_to_string(dir.path().join("r.md")).unwrap();
    assert!(md.contains("mock-parallel"), "{md}");
}

#[test]
fn an_export_a_report_does_not_write_is_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let out = mocked(
        &["compare", "convoy", "--quick", "--html", "c.html"],
        dir.path(),
    );
    assert_usage_error(&out, "no --html export");
    assert!(!dir.path().join("c.html").exists());
}

#[test]
fn one_place_named_two_ways_takes_one_export() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let whole = dir.path().join("same.json");
    let mut cmd = gil_lab();
    cmd.args([
        "compare",
        "threading",
        "--quick",
        "--json",
        "../same.json",
        "--markdown",
        whole.to_str().unwrap(),
    ])
    .current_dir(dir.path().join("sub"))
    .env("GIL_LAB_MOCK_STRATEGIES", "1");
    assert_usage_error(&run_cmd(&mut cmd, HANG_BOUND), "both write to");
    // `/dev/stdout` is stdout: with `-` beside it, one of them would be lost.
    let file = std::fs::File::create(dir.path().join("out.txt")).unwrap();
    let mut cmd = gil_lab();
    cmd.args([
        "compare",
        "threading",
        "--quick",
        "--json",
        "/dev/stdout",
        "--markdown",
        "-",
    ])
    .env("GIL_LAB_MOCK_STRATEGIES", "1")
    .stdout(file);
    assert_usage_error(&run_cmd(&mut cmd, HANG_BOUND), "both write to stdout");
    // verify's charts go beside its Markdown: no other export may land on one.
    let out = mocked(
        &[
            "verify",
            "--quick",
            "--markdown",
            "v.md",
            "--json",
            "v-claim-14.svg",
        ],
        dir.path(),
    );
    assert_usage_error(&out, "v-claim-14.svg");
}

#[test]
fn the_full_device_is_refused_before_measuring() {
    let dir = tempfile::tempdir().unwrap();
    let out = mocked(
        &["compare", "threading", "--quick", "--json", "/dev/full"],
        dir.path(),
    );
    assert_usage_error(&out, "/dev/full");
}

#[test]
fn the_guard_refuses_many_tasks_and_absurd_run_counts() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["compare", "threading", "--quick", "--tasks", "100000"][..],
        &["compare", "threading", "--quick", "--runs", "4294967296"][..],
        &[
            "compare",
            "threading",
            "--quick",
            "--warmup",
            "1000000",
            "--force",
        ][..],
    ] {
        assert_usage_error(&mocked(args, dir.path()), "more than");
    }
}

#[test]
fn a_start_method_for_rows_without_a_process_pool_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = mocked(
        &[
            "compare",
            "threading",
            "--start-method",
            "spawn",
            "--strategies",
            "mock-parallel",
        ],
        dir.path(),
    );
    assert_usage_error(&out, "--start-method spawn applies to process pools");
}

#[test]
fn clap_errors_end_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["compare", "threading", "--workers", "-1"][..],
        &["compare", "bogus"][..],
    ] {
        assert_usage_error(&mocked(args, dir.path()), "");
    }
}

#[test]
fn a_listener_that_is_not_a_dask_scheduler_is_refused_not_waited_on() {
    // Accepts, then says nothing: what dask's client used to wait on forever.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("tcp://{}", listener.local_addr().unwrap());
    let held = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        let _ = conn.read(&mut [0u8; 1]);
    });
    let out = run(
        &[
            "compare",
            "processes",
            "--quick",
            "--dask",
            &address,
            "--strategies",
            "py-dask",
        ],
        HANG_BOUND,
    );
    assert_usage_error(&out, "not a dask scheduler");
    held.join().unwrap();
}

#[test]
fn run_ends_the_processes_a_program_left_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("leak.py");
    std::fs::write(
        &script,
        "import subprocess\nchild = subprocess.Popen(['sleep', '97531'])\nopen('child.pid', 'w').write(str(child.pid))\n",
    )
    .unwrap();
    let mut cmd = gil_lab();
    cmd.args(["run", script.to_str().unwrap()])
        .current_dir(dir.path());
    let out = run_cmd(&mut cmd, HANG_BOUND);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("left 1 process(es) running; ended them"));
    let pid: i32 = std::fs::read_to_string(dir.path().join("child.pid"))
        .unwrap()
        .parse()
        .unwrap();
    // SAFETY: signal 0 only asks whether the process exists.
    assert_ne!(unsafe { libc::kill(pid, 0) }, 0, "sleep {pid} survived");
}

#[test]
fn run_into_a_closed_pipe_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("talk.py");
    std::fs::write(&script, "for i in range(200000):\n    print('line', i)\n").unwrap();
    let mut child = gil_lab()
        .args(["run", script.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // The reader is gone, as with `| head -1`.
    let out = wait_with_limit(child, HANG_BOUND);
    let err = stderr(&out);
    assert!(!err.contains("Traceback"), "{err}");
    assert!(!err.contains("BrokenPipeError"), "{err}");
}
