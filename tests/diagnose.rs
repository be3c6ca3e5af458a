//! `gil-lab diagnose` on programs of the kinds users bring: two threads taking
//! turns on the GIL, sleeping threads, a process pool, a thread in C code that
//! released the GIL, and the faults (a missing script, a syntax error, an exit
//! code, a script that forks and exits, 200 threads). The figures are checked
//! with margins wide enough that a busy machine cannot flip them; on 3.13t, 3.14
//! and 3.15 the tests run where the interpreter is installed and say why not.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::*;
use serde_json::Value;

const LIMIT: Duration = Duration::from_secs(240);

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/diagnose")
}

/// Runs `gil-lab diagnose ARGS --json FILE` in the fixtures folder; returns the
/// report, the output and the exit code.
fn diagnose(args: &[&str]) -> (Value, std::process::Output) {
    let _one_at_a_time = exclusive();
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("report.json");
    let mut cmd = gil_lab();
    cmd.current_dir(fixtures())
        .arg("diagnose")
        .args(["--json", json.to_str().unwrap()])
        .args(args);
    let out = run_cmd(&mut cmd, LIMIT);
    let report = std::fs::read_to_string(&json)
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap_or(Value::Null);
    (report, out)
}

fn threads_named<'a>(report: &'a Value, prefix: &str) -> Vec<&'a Value> {
    report["threads"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["name"].as_str().unwrap_or("").starts_with(prefix))
        .collect()
}

fn share(thread: &Value, key: &str) -> f64 {
    thread[key]
        .as_f64()
        .unwrap_or_else(|| panic!("no {key} in {thread}"))
}

fn assert_gil_bound(report: &Value, out: &std::process::Output) {
    assert_eq!(report["verdict"], "gil-bound", "{report}\n{}", stderr(out));
    let math = threads_named(report, "math-");
    assert_eq!(math.len(), 2, "{report}");
    for t in math {
        assert!(share(t, "gil_wait_share") >= 0.25, "{t}");
        assert!(share(t, "gil_held_share") >= 0.25, "{t}");
    }
    let more = report["predictions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["model"] == "more-threads")
        .unwrap();
    assert_eq!(more["speedup_bound"], 1.0, "{more}");
}

#[test]
fn two_threads_of_python_are_gil_bound_and_each_waits_for_the_gil() {
    let (report, out) = diagnose(&["two_math_threads.py"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_gil_bound(&report, &out);
    assert!(
        report["instrument"]["sampler"]
            .as_str()
            .unwrap()
            .contains("py-spy")
    );
    let table = stdout(&out);
    assert!(
        table.contains("gil-bound") && table.contains("math-0"),
        "{table}"
    );
    assert!(
        report["predictions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["model"] == "processes"
                && p["caveat"].as_str().unwrap().contains("little data")),
        "{report}"
    );
}

#[test]
fn sleeping_threads_are_waiting_and_the_programs_output_and_exit_code_pass_through() {
    let (report, out) = diagnose(&["sleeping_scouts.py", "--", "3"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!(report["verdict"], "waiting", "{report}");
    assert_eq!(report["exit_code"], 3);
    assert!(stdout(&out).contains("scouts back: [0, 1, 2, 3, 4]"));
    let scouts = threads_named(&report, "ThreadPoolExecutor");
    assert_eq!(scouts.len(), 5, "{report}");
    for t in scouts {
        assert!(share(t, "blocked_share") >= 0.7, "{t}");
        assert!(share(t, "gil_wait_share") <= 0.2, "{t}");
    }
}

#[test]
fn a_pool_is_cpu_parallel_over_its_worker_processes() {
    let (report, out) = diagnose(&["pool_map.py"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(report["verdict"], "cpu-parallel", "{report}");
    let busy: std::collections::HashSet<u64> = report["threads"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| share(t, "cpu_s") > 0.2)
        .map(|t| t["pid"].as_u64().unwrap())
        .collect();
    assert!(busy.len() >= 2, "{report}");
    assert!(
        report["processes"].as_array().unwrap().len() >= 3,
        "{report}"
    );
}

#[test]
fn a_thread_in_hashlib_runs_without_the_gil() {
    let (report, out) = diagnose(&["hashing_beside_math.py"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let hashing = threads_named(&report, "hashing")[0];
    let math = threads_named(&report, "math")[0];
    assert!(
        share(hashing, "running_without_gil_share") >= 0.4,
        "{hashing}"
    );
    assert!(
        share(hashing, "gil_held_share") < share(math, "gil_held_share"),
        "{report}"
    );
}

#[test]
fn a_module_runs_with_its_arguments() {
    let (report, out) = diagnose(&["-m", "diag_pkg.busy", "--", "a", "b"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("busy got ['a', 'b']"),
        "{}",
        stdout(&out)
    );
    assert_eq!(report["program"], "-m diag_pkg.busy");
}

#[test]
fn a_missing_script_or_module_is_a_usage_error() {
    for args in [&["nope.py"][..], &["-m", "no_such_module_here"][..]] {
        let (_, out) = diagnose(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.starts_with("error:") && err.contains("hint:"), "{err}");
    }
}

#[test]
fn a_syntax_error_shows_the_users_frame_only_and_its_exit_code() {
    let (report, out) = diagnose(&["syntax_error.py"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("syntax_error.py") && err.contains("SyntaxError"),
        "{err}"
    );
    assert!(!err.contains("gil_lab") && !err.contains(".rs"), "{err}");
    assert_eq!(report["exit_code"], 1);
}

#[test]
fn a_script_that_forks_and_exits_leaves_nothing_behind() {
    let (report, out) = diagnose(&["forks_and_exits.py"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        report["processes"].as_array().unwrap().len() >= 2,
        "{report}"
    );
    let missing = report["instrument"]["missing"].to_string();
    assert!(missing.contains("left running"), "{missing}");
    let left = std::process::Command::new("pgrep")
        .args(["-f", "forks_and_exits.py"])
        .output()
        .unwrap();
    assert!(left.stdout.is_empty(), "left running: {}", stdout(&left));
}

#[test]
fn two_hundred_threads_are_all_reported() {
    let (report, out) = diagnose(&["many_threads.py"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        report["threads"].as_array().unwrap().len() >= 150,
        "{report}"
    );
    assert!(stdout(&out).contains("more threads (every one is in --json)"));
}

#[test]
fn a_bad_rate_is_refused_before_anything_runs() {
    let out = run(&["diagnose", "--rate", "0", "x.py"], LIMIT);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("hint:"));
}

#[test]
fn html_and_markdown_carry_the_verdict_and_a_lane_per_thread() {
    let _one_at_a_time = exclusive();
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("d.html");
    let md = dir.path().join("d.md");
    let mut cmd = gil_lab();
    cmd.current_dir(fixtures()).args([
        "diagnose",
        "--html",
        html.to_str().unwrap(),
        "--markdown",
        md.to_str().unwrap(),
        "sleeping_scouts.py",
    ]);
    let out = run_cmd(&mut cmd, LIMIT);
    assert!(out.status.success(), "{}", stderr(&out));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains("class=\"lanes\"") && page.contains("waiting"),
        "{page}"
    );
    assert!(page.matches("<rect").count() >= 6);
    let text = std::fs::read_to_string(&md).unwrap();
    assert!(text.contains("**Verdict: waiting**"), "{text}");
}

#[test]
fn on_313t_the_gil_proof_is_cpu_parallel_with_no_gil() {
    if installed("3.13t").is_none() {
        return;
    }
    let (report, out) = diagnose(&["--python", "3.13t", "two_math_threads.py"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(report["verdict"], "cpu-parallel", "{report}");
    assert_eq!(report["gil"], "disabled");
    assert!(
        report["verdict_reason"]
            .as_str()
            .unwrap()
            .contains("no GIL")
    );
    for t in report["threads"].as_array().unwrap() {
        assert_eq!(share(t, "gil_wait_share"), 0.0, "{t}");
    }
}

#[test]
fn on_314_the_gil_proof_is_gil_bound() {
    if installed("3.14").is_none() {
        return;
    }
    let (report, out) = diagnose(&["--python", "3.14", "two_math_threads.py"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_gil_bound(&report, &out);
}

#[test]
fn on_315_tachyon_watches_the_same_run_and_its_waits_are_compared() {
    if installed("3.15").is_none() {
        return;
    }
    let (report, out) = diagnose(&["--python", "3.15", "two_math_threads.py"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_gil_bound(&report, &out);
    let tachyon = &report["instrument"]["tachyon"];
    assert!(tachyon["unavailable"].is_null(), "{tachyon}");
    let threads = tachyon["threads"].as_array().unwrap();
    assert!(threads.len() >= 2, "{tachyon}");
    // Agreement itself is reported, not asserted: it is a measurement.
    assert!(tachyon["agree"].is_boolean(), "{tachyon}");
    assert!(stdout(&out).contains("Tachyon"));
}

#[test]
fn check_prediction_runs_the_program_again_on_the_free_threaded_build() {
    if installed("3.13t").is_none() {
        return;
    }
    let (report, out) = diagnose(&["--check-prediction", "two_math_threads.py"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let check = &report["check"];
    assert!(check["measured_wall_s"].as_f64().unwrap() > 0.0, "{report}");
    assert!(
        check["predicted_wall_s"].as_f64().unwrap() > 0.0,
        "{report}"
    );
    assert!(report["free_threaded_cost"]["slowdown"].as_f64().unwrap() > 0.0);
    assert!(stdout(&out).contains("predicted wall"));
}

#[test]
fn memory_that_cannot_be_read_is_named_with_the_figures_it_costs() {
    // Root reads any process (CAP_SYS_PTRACE): drop that capability first.
    let root = unsafe { libc::geteuid() } == 0;
    let setpriv = std::process::Command::new("setpriv")
        .arg("--help")
        .output()
        .is_ok_and(|o| o.status.success());
    if root && !setpriv {
        eprintln!("skipped: running as root without setpriv to drop CAP_SYS_PTRACE");
        return;
    }
    let _one_at_a_time = exclusive();
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("report.json");
    let exe = assert_cmd::cargo::cargo_bin("gil-lab");
    let mut cmd = if root {
        let mut c = std::process::Command::new("setpriv");
        c.args(["--inh-caps=-sys_ptrace", "--bounding-set=-sys_ptrace"])
            .arg(&exe);
        c
    } else {
        std::process::Command::new(&exe)
    };
    cmd.current_dir(fixtures())
        .stdin(std::process::Stdio::null())
        .args([
            "diagnose",
            "--json",
            json.to_str().unwrap(),
            "undumpable.py",
        ]);
    let out = run_cmd(&mut cmd, LIMIT);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let missing = report["instrument"]["missing"].to_string();
    assert!(missing.contains("could"), "{missing}");
    assert!(missing.contains("GIL held/waiting shares"), "{missing}");
    assert!(stdout(&out).contains("not observed"), "{}", stdout(&out));
    assert_ne!(report["verdict"], "cpu-parallel", "{report}");
}
