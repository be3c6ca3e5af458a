//! `compare FILE.py:FUNCTION`: a user's function under every Python model, its
//! findings in Python's words, the answer line, and the work that releases the GIL.
//! The legacy extension tests compile a single-phase-init module with gcc for
//! the installed 3.13t and 3.14; they say why and pass where those are missing
//! (scripts/test.sh installs them first).

mod common;

use std::path::Path;
use std::process::Output;

use common::*;
use serde_json::Value;

const MINUTE: std::time::Duration = std::time::Duration::from_secs(60);

/// A scratch folder holding the fixture files, as a user's project would.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/yourcode");
    for name in ["work.py", "legacy_work.py", "legacy.c"] {
        std::fs::copy(fixtures.join(name), dir.path().join(name)).unwrap();
    }
    dir
}

/// `gil-lab compare ARGS --runs 1 --json …` in `dir`: its output and report.
fn compare_in(dir: &Path, args: &[&str]) -> (Output, Option<Value>) {
    let json = dir.join("report.json");
    let _ = std::fs::remove_file(&json);
    let mut cmd = gil_lab();
    cmd.current_dir(dir)
        .arg("compare")
        .args(args)
        .args(["--runs", "1", "--json"])
        .arg(&json);
    let out = run_cmd(&mut cmd, 10 * MINUTE);
    let report = std::fs::read_to_string(&json).ok().map(|text| {
        match serde_json::from_str::<Value>(&text).unwrap() {
            Value::Array(mut reports) => reports.remove(0),
            report => report,
        }
    });
    (out, report)
}

fn rows<'a>(report: &'a Value, strategy: &str) -> Vec<&'a Value> {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["strategy"] == strategy)
        .collect()
}

#[test]
fn a_function_runs_under_every_python_model_with_results_checked_and_an_answer() {
    let dir = project();
    let (out, report) = compare_in(dir.path(), &["work.py:pure", "--inputs", "work.py:sizes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = report.unwrap();
    assert_eq!(report["scenario"], "function");
    assert_eq!(report["workload"]["tasks"], 2);
    assert_eq!(report["function"]["function"], "pure");
    for strategy in ["py-sequential", "py-threads", "py-process-pool"] {
        let row = rows(&report, strategy)[0];
        assert_eq!(row["status"], "ok", "{strategy}: {row}");
        let expected = if strategy == "py-sequential" {
            "reference"
        } else {
            "same"
        };
        assert_eq!(row["results_check"]["outcome"], expected, "{strategy}");
    }
    // No native row runs a Python function; the answer says so.
    assert!(
        report["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["implementation"] == "python")
    );
    let answer = &report["answer"];
    assert!(answer["fastest"]["strategy"].is_string(), "{answer}");
    let lines: Vec<&str> = answer["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert!(
        lines.iter().any(|l| l.starts_with("Fastest for work.pure")),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("No native rows")),
        "{lines:?}"
    );
    let table = stdout(&out);
    assert!(
        table.contains("answer:") && table.contains("Fastest for work.pure"),
        "{table}"
    );
    // The pool row carries what pickling costs this function.
    let pool = rows(&report, "py-process-pool")[0];
    assert!(pool["costs"]["arg_bytes"].as_u64().unwrap() > 0, "{pool}");
    assert!(pool["costs"]["pickle_s_per_task"].as_f64().unwrap() > 0.0);
}

#[test]
fn a_lambda_cannot_run_in_a_pool_and_that_is_a_finding_in_pythons_words() {
    let dir = project();
    let (out, report) = compare_in(dir.path(), &["work.py:lam", "--tasks", "2"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = report.unwrap();
    let pool = rows(&report, "py-process-pool")[0];
    assert_eq!(pool["status"], "cannot run", "{pool}");
    assert!(
        pool["cannot_run"]
            .as_str()
            .unwrap()
            .contains("PicklingError"),
        "{pool}"
    );
    assert_eq!(rows(&report, "py-threads")[0]["status"], "ok");
}

#[test]
fn results_that_differ_from_sequential_are_marked_not_hidden() {
    let dir = project();
    let (out, report) = compare_in(
        dir.path(),
        &[
            "work.py:which_thread",
            "--tasks",
            "2",
            "--strategies",
            "py-threads",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let threads = rows(report.as_ref().unwrap(), "py-threads")[0].clone();
    assert_eq!(threads["results_check"]["outcome"], "differ", "{threads}");
    assert!(stdout(&out).contains("RESULTS DIFFER"), "{}", stdout(&out));
}

#[test]
fn printed_output_is_captured_into_the_note_and_a_no_argument_function_is_called_bare() {
    let dir = project();
    let (out, report) = compare_in(
        dir.path(),
        &[
            "work.py:noisy",
            "--tasks",
            "2",
            "--strategies",
            "py-threads,py-process-pool",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let table = stdout(&out);
    assert!(
        !table.lines().any(|l| l.starts_with("hello from task")),
        "{table}"
    );
    for strategy in ["py-sequential", "py-threads", "py-process-pool"] {
        let row = rows(report.as_ref().unwrap(), strategy)[0];
        assert_eq!(
            row["output"]["first"], "hello from task 0",
            "{strategy}: {row}"
        );
    }
    let (out, report) = compare_in(
        dir.path(),
        &[
            "work.py:no_argument",
            "--tasks",
            "3",
            "--strategies",
            "py-threads",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        rows(report.as_ref().unwrap(), "py-threads")[0]["results_check"]["outcome"],
        "same"
    );
}

#[test]
fn a_function_that_raises_exits_1_with_the_users_frames() {
    let dir = project();
    let (out, _) = compare_in(
        dir.path(),
        &[
            "work.py:broken",
            "--tasks",
            "2",
            "--strategies",
            "py-threads",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("ValueError: bad input 0"), "{err}");
    assert!(err.contains("work.py\", line"), "{err}");
    assert!(
        !err.contains("gil_lab/harness/user_function.py"),
        "gil-lab's own frames shown: {err}"
    );
}

#[test]
fn bad_targets_are_one_error_line_with_a_hint() {
    let dir = project();
    for args in [
        vec!["nope.py:f"],
        vec!["work.py:missing"],
        vec!["work.py"],
        vec!["work.py:pure", "--input-json", "[1,"],
        vec!["threading", "--inputs", "work.py:sizes"],
    ] {
        let (out, _) = compare_in(dir.path(), &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.starts_with("error:"), "{args:?}: {err}");
        // (A target clap refuses gets clap's own help line instead of a hint.)
        assert!(
            args[0] == "work.py" || err.contains("hint:"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn hashing_and_compress_give_the_same_checksum_in_every_row_native_included() {
    for scenario in ["hashing", "compress"] {
        let dir = tempfile::tempdir().unwrap();
        let (out, report) = compare_in(dir.path(), &[scenario, "--size", "4", "--warmup", "0"]);
        assert!(out.status.success(), "{scenario}: {}", stderr(&out));
        let report = report.unwrap();
        let checksums: Vec<&Value> = report["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["status"] == "ok")
            .map(|r| &r["checksum"])
            .collect();
        assert!(checksums.len() >= 6, "{scenario}: {report}");
        assert!(
            checksums.iter().all(|c| *c == checksums[0]),
            "{scenario}: {checksums:?}"
        );
        assert!(rows(&report, "rayon")[0]["status"] == "ok");
        assert!(
            report["answer"]["lines"]
                .as_array()
                .is_some_and(|l| !l.is_empty())
        );
    }
}

/// Compiles `legacy.c` in `dir` for `python`, with its headers (Debian's need both include folders).
fn build_legacy(python: &Path, dir: &Path) {
    let ask = |expr: &str| {
        let out = std::process::Command::new(python)
            .args(["-c", &format!("import sysconfig; print({expr})")])
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    let include = ask("sysconfig.get_paths()['include']");
    let suffix = ask("sysconfig.get_config_var('EXT_SUFFIX')");
    let parent = Path::new(&include).parent().unwrap().to_path_buf();
    let status = std::process::Command::new("gcc")
        .args(["-shared", "-fPIC", "-O2"])
        .arg(format!("-I{include}"))
        .arg(format!("-I{}", parent.display()))
        .arg(dir.join("legacy.c"))
        .arg("-o")
        .arg(dir.join(format!("legacy{suffix}")))
        .status()
        .unwrap();
    assert!(
        status.success(),
        "gcc could not build legacy for {}",
        python.display()
    );
}

#[test]
fn a_single_phase_extension_cannot_load_in_314_subinterpreters() {
    let Some(python) = installed("3.14") else {
        return;
    };
    let dir = project();
    build_legacy(&python, dir.path());
    let (out, report) = compare_in(
        dir.path(),
        &["legacy_work.py:spin", "--tasks", "2", "--python", "3.14"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let report = report.unwrap();
    for strategy in ["py-subinterpreters", "py-interpreter-pool"] {
        let row = rows(&report, strategy)
            .into_iter()
            .find(|r| {
                r["interpreter"]["version"]
                    .as_str()
                    .is_some_and(|v| v.starts_with("3.14"))
            })
            .unwrap();
        assert_eq!(row["status"], "cannot run", "{strategy}: {row}");
        assert!(
            row["cannot_run"]
                .as_str()
                .unwrap()
                .contains("does not support loading in subinterpreters"),
            "{strategy}: {row}"
        );
    }
    assert!(stdout(&out).contains("does not support loading in subinterpreters"));
}

#[test]
fn importing_a_legacy_extension_on_313t_says_it_re_enabled_the_gil() {
    let Some(python) = installed("3.13t") else {
        return;
    };
    let dir = project();
    build_legacy(&python, dir.path());
    let (out, report) = compare_in(
        dir.path(),
        &[
            "legacy_work.py:spin",
            "--tasks",
            "2",
            "--python",
            "3.13t",
            "--strategies",
            "py-threads",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let report = report.unwrap();
    let threads = rows(&report, "py-threads")
        .into_iter()
        .find(|r| r["interpreter"]["gil_disabled"] == true)
        .unwrap();
    assert_eq!(threads["gil_reenabled_by"], "legacy", "{threads}");
    let table = stdout(&out);
    assert!(
        table.contains("re-enabled the GIL") && table.contains("'legacy'"),
        "{table}"
    );
}

#[test]
fn a_function_that_never_returns_is_ended_by_the_timeout_in_every_row() {
    let dir = project();
    let (out, report) = compare_in(
        dir.path(),
        &[
            "work.py:forever",
            "--tasks",
            "2",
            "--strategies",
            "py-threads,py-process-pool",
            "--timeout",
            "2",
        ],
    );
    // py-sequential never finished: the function fails on its own.
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = report.expect("the report is written even so");
    for strategy in ["py-sequential", "py-threads", "py-process-pool"] {
        assert_eq!(
            rows(&report, strategy)[0]["status"],
            "timed out",
            "{strategy}"
        );
    }
}
