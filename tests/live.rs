//! `gil-lab live` as a user runs it without a terminal: status lines, the
//! summary, the JSON and the SVG timeline.

mod common;

use std::sync::OnceLock;

use common::*;
use serde_json::Value;

/// One short live run shared by the tests: (stdout, JSON report, SVG text).
fn live_run() -> &'static (String, Value, String) {
    static RUN: OnceLock<(String, Value, String)> = OnceLock::new();
    RUN.get_or_init(|| {
        let _one = exclusive();
        let dir = tempfile::tempdir().unwrap();
        let (json, svg) = (dir.path().join("l.json"), dir.path().join("l.svg"));
        let out = run(
            &[
                "live",
                "threading",
                "--duration",
                "2",
                "--workers",
                "2",
                "--json",
                json.to_str().unwrap(),
                "--svg",
                svg.to_str().unwrap(),
            ],
            2 * MINUTE,
        );
        assert!(out.status.success(), "{}", stderr(&out));
        let report = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        (stdout(&out), report, std::fs::read_to_string(&svg).unwrap())
    })
}

fn groups(report: &Value) -> &Vec<Value> {
    report["groups"].as_array().unwrap()
}

/// `ID t=1.0s RATE M it/s = X× one worker · CPUs busy B …` → (id, t, rate, x, busy).
fn parse_status(line: &str) -> Option<(String, f64, f64, f64, f64)> {
    let (id, rest) = line.split_once(" t=")?;
    let (t, rest) = rest.split_once("s ")?;
    let (rate, rest) = rest.split_once(" M it/s = ")?;
    let (x, rest) = rest.split_once("× one worker · CPUs busy ")?;
    let busy = rest.split_whitespace().next()?;
    Some((
        id.to_string(),
        t.parse().ok()?,
        rate.parse().ok()?,
        x.parse().ok()?,
        busy.parse().ok()?,
    ))
}

#[test]
fn without_a_terminal_every_group_prints_a_status_line_each_second() {
    let (text, report, _) = live_run();
    let lines: Vec<_> = text.lines().filter_map(parse_status).collect();
    for g in groups(report) {
        let id = g["id"].as_str().unwrap();
        let mine: Vec<_> = lines.iter().filter(|l| l.0 == id).collect();
        assert!(!mine.is_empty(), "no status line for {id}:\n{text}");
        for (_, t, rate, x, busy) in &mine {
            assert!(*t >= 1.0 && *t < 3.0, "{id} t={t}");
            assert!(*rate > 0.0 && *x > 0.0 && *busy >= 0.0, "{id}");
        }
        // One line per elapsed second: t=1.x and t=2.x at most.
        let seconds: Vec<u64> = mine.iter().map(|l| l.1.floor() as u64).collect();
        let mut unique = seconds.clone();
        unique.dedup();
        assert_eq!(seconds, unique, "{id} printed twice in one second");
    }
    assert!(text.contains("groups run one after another"));
    assert!(text.contains("gil-lab live threading"));
}

#[test]
fn the_summary_has_every_group_with_rates_spreads_and_references() {
    let (_, report, _) = live_run();
    let ids: Vec<&str> = groups(report)
        .iter()
        .map(|g| g["id"].as_str().unwrap())
        .collect();
    for id in [
        "py-sequential",
        "py-threads",
        "py-process-pool",
        "rust-threads-attached",
        "rayon",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    for g in groups(report) {
        assert!(g["error"].is_null(), "{g}");
        let rate = &g["rate"];
        let (lo, mid, hi) = (
            rate["min"].as_f64().unwrap(),
            rate["median"].as_f64().unwrap(),
            rate["max"].as_f64().unwrap(),
        );
        assert!(lo <= mid && mid <= hi && lo > 0.0, "{g}");
        assert_eq!(
            g["worker_rates"].as_array().unwrap().len(),
            g["workers"].as_u64().unwrap() as usize
        );
        assert!(g["windows"].as_u64().unwrap() >= 1);
    }
    assert_eq!(report["together"], false);
    assert!(!report["references"].as_array().unwrap().is_empty());
    let seq = groups(report)
        .iter()
        .find(|g| g["id"] == "py-sequential")
        .unwrap();
    // py-sequential is its own reference: 1× by construction.
    assert!((seq["vs_one_worker"]["median"].as_f64().unwrap() - 1.0).abs() < 1e-9);
}

#[test]
fn the_svg_is_well_formed_with_one_lane_per_worker() {
    let (_, report, svg) = live_run();
    let doc = roxmltree::Document::parse(svg).expect("well-formed XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    let lanes = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect") && n.attribute("fill") == Some("#f4f4f4"))
        .count();
    let workers: u64 = groups(report)
        .iter()
        .map(|g| g["workers"].as_u64().unwrap())
        .sum();
    assert_eq!(lanes as u64, workers);
    assert!(
        svg.len() < 200_000,
        "the picture should stay small: {} bytes",
        svg.len()
    );
}

#[test]
fn threads_under_the_gil_wait_for_it_and_a_process_pool_does_not() {
    // How much faster the pool progresses is a measurement: scripts/bench.sh
    // holds that goal. Two threads that want one GIL wait for it whatever the
    // machine's load; a pool's workers each have their own.
    if cpus() < CPUS_FOR_ORDERINGS {
        eprintln!("skipped: needs {CPUS_FOR_ORDERINGS} CPUs");
        return;
    }
    let (_, report, _) = live_run();
    if report["python"]["gil_disabled"] == true {
        eprintln!("skipped: free-threaded build");
        return;
    }
    let g = |id: &str| {
        groups(report)
            .iter()
            .find(|g| g["id"] == id)
            .unwrap()
            .clone()
    };
    let wait = |id: &str| g(id)["gil_contention"]["median"].as_f64().unwrap();
    for id in ["py-threads", "py-process-pool"] {
        assert!((0.0..=1.0).contains(&wait(id)), "{}", g(id));
        let x = g(id)["vs_one_worker"]["median"].as_f64().unwrap();
        assert!(x.is_finite() && x > 0.0, "{}", g(id));
    }
    assert!(
        wait("py-threads") > wait("py-process-pool"),
        "threads {} pool {}",
        wait("py-threads"),
        wait("py-process-pool")
    );
}

#[test]
fn bad_live_input_is_a_usage_error() {
    for args in [
        &["live", "--duration", "0"][..],
        &["live", "--workers", "0"],
        &["live", "--duration", "nan"],
        &["live", "--start-method", "teleport"],
        &["live", "--python", "9.9"],
    ] {
        let out = run(args, MINUTE);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("error"), "{args:?}");
    }
    let out = run(&["live", "nonsense"], MINUTE);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn with_json_on_stdout_the_live_view_moves_to_stderr() {
    let _one = exclusive();
    let out = run(
        &["live", "io", "--duration", "1", "--json", "-"],
        2 * MINUTE,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).expect("stdout is only the JSON");
    assert_eq!(report["scenario"], "io");
    let status_lines = stderr(&out)
        .lines()
        .filter(|l| l.starts_with("py-threads t=") && l.contains("× one worker"))
        .count();
    assert!(status_lines >= 1, "{}", stderr(&out));
}
