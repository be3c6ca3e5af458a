//! `gil-lab compare convoy`: the I/O thread's latency table, as a user runs it.

mod common;

use common::*;
use serde_json::Value;

fn convoy_json(extra: &[&str]) -> (String, Value) {
    let _one = exclusive();
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("c.json");
    let mut args = vec![
        "compare",
        "convoy",
        "--quick",
        "--json",
        json.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let out = run(&args, 3 * MINUTE);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    (stdout(&out), report)
}

fn num(v: &Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or_else(|| panic!("{key} in {v}"))
}

fn check_rows(run: &Value) {
    let rows = run["rows"].as_array().unwrap();
    for interval in [0.5, 5.0, 50.0] {
        for k in 0..=2 {
            let kind = if k == 0 { "none" } else { "threads" };
            assert!(
                rows.iter().any(|r| r["cpu_workers"] == kind
                    && r["k"] == k
                    && num(r, "switch_interval_ms") == interval),
                "no row for {kind} K={k} at {interval} ms"
            );
        }
    }
    assert!(rows.iter().any(|r| r["cpu_workers"] == "processes"));
    for r in rows {
        assert!(r["round_trips"].as_u64().unwrap() > 0, "{r}");
        let (lo, p50, p99, hi) = (
            num(r, "min_ms"),
            num(r, "p50_ms"),
            num(r, "p99_ms"),
            num(r, "max_ms"),
        );
        assert!(0.0 < lo && lo <= p50 && p50 <= p99 && p99 <= hi, "{r}");
        if let Some(share) = r["at_interval_multiples"].as_f64() {
            assert!((0.0..=1.0).contains(&share), "{r}");
        }
    }
}

#[test]
fn convoy_reports_latency_percentiles_for_every_configuration() {
    let (text, report) = convoy_json(&[]);
    let runs = report["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    check_rows(&runs[0]);
    for header in ["p50 ms", "p99 ms", "max ms", "switch ms", "verdict"] {
        assert!(text.contains(header), "{header} missing:\n{text}");
    }
    assert!(text.contains("baseline: no CPU work"));
}

#[test]
fn convoy_runs_on_a_free_threaded_interpreter_too() {
    let python = gil_lab::testing::install_dir().join("3.13t/bin/python3");
    if !python.exists() {
        eprintln!("skipped: no 3.13t (scripts/install-pythons.sh builds it)");
        return;
    }
    let (text, report) = convoy_json(&["--python", "3.13t"]);
    let runs = report["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert!(
        runs[1]["interpreter"]
            .as_str()
            .unwrap()
            .contains("free-threaded")
    );
    check_rows(&runs[1]);
    assert!(text.contains("free-threaded"));
}

#[test]
fn workload_flags_are_refused_for_convoy() {
    let out = run(&["compare", "convoy", "--workers", "4"], MINUTE);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("does not take --workers"),
        "{}",
        stderr(&out)
    );
}
