//! CPython 3.14 and 3.15 as scripts/install-pythons.sh installs them: their facts,
//! their own start method, the stdlib subinterpreter APIs, the documents' 3.14
//! code, a GIL figure for harness rows and, on 3.15, Tachyon beside it.
//! Each test says why and passes when its interpreter is not installed
//! (scripts/test.sh installs both before running the suite).

mod common;

use common::*;
use serde_json::Value;

fn json_of(args: &[&str]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.json");
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--json", path.to_str().unwrap()]);
    let out = run(&all, 10 * MINUTE);
    assert!(out.status.success(), "gil-lab {all:?}: {}", stderr(&out));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn version_of(row: &Value) -> String {
    row["interpreter"]["version"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

#[test]
fn pythons_lists_314_and_315_with_forkserver_and_the_stdlib_apis() {
    if installed("3.14").is_none() || installed("3.15").is_none() {
        return;
    }
    let out = run(&["pythons", "--json"], MINUTE);
    assert!(out.status.success(), "{}", stderr(&out));
    let listed: Vec<Value> = serde_json::from_str(&stdout(&out)).unwrap();
    for (version, tachyon) in [("3.14", false), ("3.15", true)] {
        let p = listed
            .iter()
            .find(|p| {
                p["python_version"]
                    .as_str()
                    .unwrap_or("")
                    .starts_with(version)
            })
            .unwrap_or_else(|| panic!("no {version} in {listed:?}"));
        assert_eq!(p["start_method"], "forkserver", "{p}");
        assert_eq!(p["concurrent_interpreters"], true, "{p}");
        assert!(
            p["interpreter_pool_api"]
                .as_str()
                .unwrap()
                .contains("stdlib"),
            "{p}"
        );
        assert_eq!(p["tachyon_reason"].is_null(), tachyon, "{p}");
    }
}

#[test]
fn rows_of_314_use_its_start_method_its_stdlib_apis_and_carry_a_gil_figure() {
    if installed("3.14").is_none() {
        return;
    }
    let _one = exclusive();
    let r = json_of(&one_quick_compare(&[
        "--python",
        "3.14",
        "--python",
        "3.11",
        "--strategies",
        "py-threads,py-process-pool,py-subinterpreters,py-interpreter-pool",
    ]));
    let rows = r["results"].as_array().unwrap();
    let of = |strategy: &str, version: &str| {
        rows.iter()
            .find(|x| x["strategy"] == strategy && version_of(x).starts_with(version))
            .unwrap_or_else(|| panic!("no {strategy} @{version}"))
    };
    assert_eq!(of("py-process-pool", "3.14")["start_method"], "forkserver");
    assert_eq!(of("py-process-pool", "3.11")["start_method"], "fork");
    assert!(
        of("py-process-pool", "3.14")["note"]
            .as_str()
            .unwrap()
            .contains("this interpreter's default")
    );
    assert!(
        of("py-subinterpreters", "3.14")["api"]
            .as_str()
            .unwrap()
            .contains("concurrent.interpreters")
    );
    let pool = of("py-interpreter-pool", "3.14");
    assert_eq!(pool["status"], "ok", "{pool}");
    assert!(pool["api"].as_str().unwrap().contains("stdlib"), "{pool}");
    let threads = of("py-threads", "3.14");
    let gil = threads["gil_contention"]
        .as_f64()
        .expect("a GIL figure for a harness row");
    assert!((0.0..=1.0).contains(&gil));
    let header = r["interpreter"]["python_version"]
        .as_str()
        .unwrap()
        .to_string();
    let table = run(
        &one_quick_compare(&["--python", "3.14", "--strategies", "py-threads"]),
        5 * MINUTE,
    );
    let first = stdout(&table).lines().next().unwrap().to_string();
    assert!(
        first.contains("Python rows in ") && first.contains(" and 3.14"),
        "host {header}: {}",
        stdout(&table)
    );
}

#[test]
fn an_explicit_start_method_reaches_a_314_pool() {
    if installed("3.14").is_none() {
        return;
    }
    let _one = exclusive();
    let r = json_of(&one_quick_compare(&[
        "--python",
        "3.14",
        "--strategies",
        "py-process-pool",
        "--start-method",
        "fork",
    ]));
    let pool = r["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["strategy"] == "py-process-pool")
        .unwrap();
    assert_eq!(pool["start_method"], "fork");
    assert!(
        pool["note"].as_str().unwrap().contains("(--start-method)"),
        "{pool}"
    );
}

#[test]
fn the_subinterpreters_lesson_shows_the_documents_error_then_runs_on_314() {
    if installed("3.14").is_none() {
        return;
    }
    let out = run(&["run", "--python", "3.14", "subinterpreters"], 5 * MINUTE);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("No module named 'interpreters'"), "{text}");
    assert!(
        text.contains("from concurrent import interpreters"),
        "{text}"
    );
}

#[test]
fn claim_11_gets_a_real_verdict_on_314() {
    if installed("3.14").is_none() {
        return;
    }
    let _one = exclusive();
    let r = json_of(&[
        "verify",
        "--quick",
        "--python",
        "3.14",
        "--claim",
        "interpreters-module-name",
    ]);
    let claim = &r["claims"][0];
    assert_ne!(claim["verdict"], "cannot test here", "{claim}");
    assert!(
        claim["interpreter"].as_str().unwrap().contains("3.14"),
        "{claim}"
    );
}

#[test]
fn py_threads_on_315_carry_tachyon_beside_gil_labs_own_figure() {
    if installed("3.15").is_none() {
        return;
    }
    let _one = exclusive();
    let r = json_of(&one_quick_compare(&[
        "--python",
        "3.15",
        "--strategies",
        "py-threads",
    ]));
    let threads = r["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["strategy"] == "py-threads" && version_of(x).starts_with("3.15"))
        .unwrap();
    assert!(threads["gil_contention"].as_f64().is_some(), "{threads}");
    let check = &threads["tachyon"];
    assert_eq!(
        check["tachyon"]["python"].as_str().unwrap().get(..4),
        Some("3.15"),
        "{check}"
    );
    let workers = check["workers"].as_array().unwrap();
    assert_eq!(workers.len(), 2, "{check}");
    let limit = 0.15;
    let largest = check["max_abs_wait_difference"].as_f64().unwrap();
    assert_eq!(
        check["agree"].as_bool().unwrap(),
        largest <= limit,
        "{check}"
    );
}

#[test]
fn a_damaged_private_root_is_refused_with_what_it_printed() {
    let Some(exe) = installed("3.14") else { return };
    // A copy of the interpreter whose library path points at an empty root.
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("python3.14");
    std::fs::copy(std::fs::canonicalize(&exe).unwrap(), &copy).unwrap();
    let patched = std::process::Command::new("patchelf")
        .args(["--force-rpath", "--set-rpath", dir.path().to_str().unwrap()])
        .arg(&copy)
        .status();
    if !patched.is_ok_and(|s| s.success()) {
        eprintln!("skipped: patchelf is not available");
        return;
    }
    let out = run(
        &["compare", "threading", "--python", copy.to_str().unwrap()],
        MINUTE,
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("hint:"), "{}", stderr(&out));
}
