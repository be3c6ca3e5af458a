//! The embedded interpreter, the lesson catalog and `run`, through the built binary.

mod common;

use common::*;
use serde_json::Value;

fn json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(out)))
}

/// The interpreter the host was built against: `PYO3_PYTHON`, else `python3`.
fn real_python() -> String {
    let build = std::env::var("PYO3_PYTHON").unwrap_or_else(|_| "python3".into());
    let out = std::process::Command::new(build)
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .expect("python3 runs");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn info_reports_the_real_interpreter_and_its_gil() {
    let out = run(&["info", "--json"], MINUTE);
    assert!(out.status.success(), "{}", stderr(&out));
    let v = json(&out);
    assert!(v["python_version"].as_str().unwrap().starts_with("3."));
    assert!(v["cpus"].as_u64().unwrap() >= 1);
    assert!(v["gil_disabled"].is_boolean() && v["own_gil_subinterpreters"].is_boolean());
    let exe = v["executable"].as_str().unwrap();
    assert!(std::path::Path::new(exe).is_file(), "{exe} is not a file");
}

#[test]
fn info_keeps_the_real_executable_whatever_the_path() {
    let expected = std::fs::canonicalize(real_python()).unwrap();
    for path in ["/usr/bin:/bin", "/nonexistent"] {
        let out = run_cmd(gil_lab().args(["info", "--json"]).env("PATH", path), MINUTE);
        assert!(out.status.success(), "PATH={path}: {}", stderr(&out));
        let exe = json(&out)["executable"].as_str().unwrap().to_string();
        assert!(
            !exe.starts_with("/usr/bin"),
            "PATH={path}: executable {exe}"
        );
        assert_eq!(
            std::fs::canonicalize(&exe).unwrap(),
            expected,
            "PATH={path}"
        );
    }
}

fn lessons() -> Vec<Value> {
    let out = run(&["lessons", "--json"], MINUTE);
    assert!(out.status.success(), "{}", stderr(&out));
    json(&out).as_array().unwrap().clone()
}

#[test]
fn lessons_lists_every_example_with_its_document() {
    let all = lessons();
    assert!(all.len() >= 18, "only {} lessons", all.len());
    let names: Vec<&str> = all.iter().map(|l| l["name"].as_str().unwrap()).collect();
    for wanted in [
        "io-threads",
        "raw-process",
        "process-pool",
        "subinterpreters",
        "gil-proof",
        "fork-bomb-guard",
        "ram-cloning",
        "ipc-cost",
        "thread-lock",
        "shared-state",
        "small-tasks",
        "pass-a-path",
        "astra-forge",
        "forge-queue",
        "forge-interpreters",
        "pool-map",
        "executor-map",
        "pool-sizes",
        "async-processes",
        "pipeline",
        "cpu-scaling",
    ] {
        assert!(
            names.contains(&wanted),
            "lesson {wanted} missing from {names:?}"
        );
    }
    for l in &all {
        let doc = l["document"].as_str().unwrap();
        assert!(
            doc == "true-parallelism-day14" || doc == "multiprocessing-module",
            "{}: document {doc}",
            l["name"]
        );
        assert!(!l["demonstrates"].as_str().unwrap().is_empty());
    }
}

fn assert_clean_run(args: &[&str]) {
    let out = run(args, 3 * MINUTE);
    let err = stderr(&out);
    assert!(out.status.success(), "gil-lab {args:?} failed: {err}");
    for bad in ["Traceback", "leaked", "Warning"] {
        assert!(
            !err.contains(bad),
            "gil-lab {args:?} printed {bad} on stderr: {err}"
        );
    }
}

#[test]
fn every_lesson_runs_in_quick_mode() {
    for l in lessons() {
        assert_clean_run(&["run", l["name"].as_str().unwrap(), "--", "--quick"]);
    }
}

#[test]
fn every_process_lesson_runs_under_each_start_method() {
    for l in lessons().iter().filter(|l| l["start_methods"] == true) {
        for method in ["fork", "spawn", "forkserver"] {
            assert_clean_run(&[
                "run",
                l["name"].as_str().unwrap(),
                "--",
                "--quick",
                "--start-method",
                method,
            ]);
        }
    }
}

#[test]
fn process_pool_shows_different_worker_pids() {
    let out = run(&["run", "process-pool", "--", "--quick"], MINUTE);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let mut pids: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split("PID: ").nth(1))
        .map(|p| p.trim())
        .collect();
    pids.sort();
    pids.dedup();
    assert!(pids.len() >= 2, "one PID only: {text}");
}

#[test]
fn spawn_children_find_the_real_interpreter_with_a_debian_path() {
    let out = run_cmd(
        gil_lab()
            .args([
                "run",
                "pool-map",
                "--",
                "--quick",
                "--start-method",
                "spawn",
            ])
            .env("PATH", "/usr/bin:/bin"),
        MINUTE,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("leaked"));
}

fn script(body: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("script.py");
    std::fs::write(&path, body).unwrap();
    (dir, path.to_string_lossy().into_owned())
}

#[test]
fn an_exception_exits_1_with_the_scripts_traceback() {
    let (_dir, path) = script("def f():\n    raise ValueError('boom')\nf()\n");
    let out = run(&["run", &path], MINUTE);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.starts_with("Traceback (most recent call last):"),
        "{err}"
    );
    assert!(
        err.contains("ValueError: boom") && err.contains("in f"),
        "{err}"
    );
    assert!(
        !err.contains("runpy"),
        "host frames leaked into the traceback: {err}"
    );
}

#[test]
fn sys_exit_codes_pass_through() {
    for (body, code) in [
        ("import sys\nsys.exit(3)\n", 3),
        ("import sys\nsys.exit()\n", 0),
        ("import sys\nsys.exit('bye')\n", 1),
    ] {
        let (_dir, path) = script(body);
        assert_eq!(
            run(&["run", &path], MINUTE).status.code(),
            Some(code),
            "{body}"
        );
    }
}

#[test]
fn a_script_sees_its_arguments_and_runs_as_main() {
    let (_dir, path) = script("import sys\nassert __name__ == '__main__'\nprint(sys.argv[1:])\n");
    let out = run(&["run", &path, "--", "--quick", "x"], MINUTE);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), "['--quick', 'x']");
}

#[test]
fn fails_for_unknown_lesson_with_the_closest_names() {
    let out = run(&["run", "gil-prof"], MINUTE);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.starts_with("error: no lesson named 'gil-prof'"),
        "{err}"
    );
    assert!(err.contains("did you mean gil-proof"), "{err}");
}

#[test]
fn fails_for_a_directory_or_a_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.py");
    for target in [dir.path().to_str().unwrap(), missing.to_str().unwrap()] {
        let out = run(&["run", target], MINUTE);
        assert_eq!(out.status.code(), Some(2), "{target}");
        assert_eq!(
            stderr(&out)
                .lines()
                .next()
                .map(|l| l.starts_with("error: ")),
            Some(true)
        );
    }
}

/// How long `run --timeout 2` on a script that never ends may take before the
/// test calls it a hang.
const RUN_TIMEOUT_HANG_BOUND: std::time::Duration = std::time::Duration::from_secs(30);

#[test]
fn run_timeout_ends_a_hanging_script_and_its_children() {
    let (_dir, path) = script(
        "import multiprocessing as mp, time\n\
         def sleeper():\n    time.sleep(60)\n\
         if __name__ == '__main__':\n    p = mp.Process(target=sleeper); p.start()\n    while True: time.sleep(0.1)\n",
    );
    let start = std::time::Instant::now();
    use std::os::unix::process::CommandExt;
    let mut cmd = gil_lab();
    cmd.args(["run", "--timeout", "2", &path])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .process_group(0);
    let child = cmd.spawn().unwrap();
    let pgid = child.id();
    // A hang bound, not a timing goal: the run ends about 2 s in, while its
    // sleeping child, had it been left, would hold stderr open for 60 s.
    // scripts/bench.sh measures how soon after the timeout it ends.
    let out = wait_with_limit(child, RUN_TIMEOUT_HANG_BOUND);
    assert_eq!(out.status.code(), Some(124), "{}", stderr(&out));
    // The timeout cannot fire before it is due.
    assert!(start.elapsed().as_secs_f64() >= 2.0);
    assert!(stderr(&out).contains("timed out after 2 s"));
    assert_group_ends(pgid);
}
