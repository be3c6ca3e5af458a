//! `--python` and `gil-lab pythons`: other interpreters, found, checked and used.

mod common;

use common::*;
use serde_json::Value;

fn assert_refused(args: &[&str], first_line: &str) {
    let out = run(args, MINUTE);
    assert_eq!(
        out.status.code(),
        Some(2),
        "gil-lab {args:?}: {}",
        stderr(&out)
    );
    let err = stderr(&out);
    assert!(err.starts_with(first_line), "gil-lab {args:?}: {err}");
    assert!(err.contains("hint:"), "{err}");
}

#[test]
fn fails_for_a_python_that_is_missing_broken_or_not_cpython() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("fakepy");
    std::fs::write(&fake, "#!/bin/sh\necho not python\n").unwrap();
    let broken = dir.path().join("brokenpy");
    std::fs::write(
        &broken,
        "#!/bin/sh\necho 'Fatal Python error: init_fs_encoding' >&2\nexit 1\n",
    )
    .unwrap();
    for f in [&fake, &broken] {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let (fake, broken) = (fake.to_str().unwrap(), broken.to_str().unwrap());
    assert_refused(
        &["compare", "threading", "--python", "/no/such/python3"],
        "error: --python /no/such/python3: no such file",
    );
    assert_refused(
        &["compare", "threading", "--python", fake],
        &format!("error: --python {fake} is not a working CPython: it said \"not python\""),
    );
    assert_refused(
        &["compare", "threading", "--python", broken],
        &format!("error: --python {broken} is not a working CPython: it said \"Fatal Python error"),
    );
    assert_refused(
        &["compare", "threading", "--python", "3.99t"],
        "error: no Python 3.99t found",
    );
    assert_refused(
        &["compare", "threading", "--python", "snake"],
        "error: --python snake: not a path",
    );
    assert_refused(&["run", "--python", fake, "gil-proof"], "error: --python");
    let old = "/root/.pyenv/versions/3.9.18/bin/python3";
    if std::path::Path::new(old).exists() {
        assert_refused(
            &["compare", "threading", "--python", old],
            &format!("error: --python {old} is CPython 3.9.18, older than 3.11"),
        );
    }
}

/// Another CPython 3.11+ GIL build than the embedded one, if the machine has one
/// (a free-threaded one would add its PYTHON_GIL=1 rows).
fn another_python() -> Option<Value> {
    let out = run(&["pythons", "--json"], 2 * MINUTE);
    assert!(out.status.success(), "{}", stderr(&out));
    let all: Value = serde_json::from_slice(&out.stdout).unwrap();
    let all = all.as_array().unwrap();
    assert_eq!(all[0]["source"], "embedded");
    all.iter()
        .find(|p| p["source"] != "embedded" && p["free_threaded_build"] == false)
        .cloned()
}

#[test]
fn python_rows_run_in_the_named_interpreter_too_with_the_same_checksums() {
    let Some(other) = another_python() else {
        eprintln!("skipped: no second CPython 3.11+ on this machine");
        return;
    };
    let exe = other["executable"].as_str().unwrap();
    let _one = exclusive();
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let out = run(
        &[
            "compare",
            "threading",
            "--quick",
            "--python",
            exe,
            "--strategies",
            "py-threads,rayon",
            "--json",
            json.to_str().unwrap(),
        ],
        3 * MINUTE,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let rows = r["results"].as_array().unwrap();
    // `--python` adds that interpreter's Python rows to the host's own.
    let host = r["interpreter"]["executable"].as_str().unwrap();
    let mut ids: Vec<(&str, &str)> = rows
        .iter()
        .map(|x| {
            (
                x["strategy"].as_str().unwrap(),
                x["interpreter"]["path"].as_str().unwrap_or("native"),
            )
        })
        .collect();
    // A free-threaded host adds its rows with the GIL switched on (PYTHON_GIL=1): the same pairs again.
    ids.sort();
    ids.dedup();
    let mut expected = vec![
        ("py-sequential", host),
        ("py-sequential", exe),
        ("py-threads", host),
        ("py-threads", exe),
        ("rayon", "native"),
        ("rust-sequential", "native"),
    ];
    expected.sort();
    assert_eq!(ids, expected);
    for row in rows.iter().filter(|x| x["implementation"] == "python") {
        assert!(row["speedup"].is_number(), "{row}");
    }
    let sums: Vec<String> = rows.iter().map(|x| x["checksum"].to_string()).collect();
    assert!(sums.iter().all(|s| *s == sums[0]), "{sums:?}");
}

#[test]
fn run_can_use_another_interpreter_and_passes_its_exit_code() {
    let Some(other) = another_python() else {
        eprintln!("skipped: no second CPython 3.11+ on this machine");
        return;
    };
    let exe = other["executable"].as_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("v.py");
    std::fs::write(&script, "import sys\nprint(sys.executable)\nsys.exit(4)\n").unwrap();
    let out = run(&["run", "--python", exe, script.to_str().unwrap()], MINUTE);
    assert_eq!(out.status.code(), Some(4));
    assert_eq!(stdout(&out).trim(), exe);
}

#[test]
fn own_gil_subinterpreters_run_in_a_313_harness() {
    let out = run(&["pythons", "--json"], 2 * MINUTE);
    let all: Value = serde_json::from_slice(&out.stdout).unwrap();
    let Some(py313) = all.as_array().unwrap().iter().find(|p| {
        p["source"] != "embedded"
            && p["version_info"][1].as_u64() >= Some(13)
            && p["gil_disabled"] == false
    }) else {
        eprintln!("skipped: no CPython 3.13+ GIL build besides the embedded one");
        return;
    };
    let exe = py313["executable"].as_str().unwrap();
    let _one = exclusive();
    // Tasks so short that creating the subinterpreters outweighs them: the row
    // is slower, and its verdict must say why without blaming a shared GIL.
    let out = run(
        &[
            "compare",
            "threading",
            "--quick",
            "--size",
            "10000",
            "--python",
            exe,
            "--strategies",
            "py-subinterpreters",
            "--json",
            "-",
        ],
        3 * MINUTE,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = r["results"].as_array().unwrap();
    let sub = rows
        .iter()
        .find(|x| x["strategy"] == "py-subinterpreters" && x["interpreter"]["path"] == exe)
        .unwrap();
    assert_eq!(sub["status"], "ok", "{sub}");
    assert!(sub["note"].as_str().unwrap().contains("own GIL"));
    let verdict = sub["verdict"].as_str().unwrap();
    assert!(!verdict.contains("held the GIL"), "{verdict}");
    let seq = rows
        .iter()
        .find(|x| x["strategy"] == "py-sequential" && x["interpreter"]["path"] == exe)
        .unwrap();
    assert_eq!(sub["checksum"], seq["checksum"]);
}
