//! `gil-lab compare` through the built binary: schema, checksums, orderings, bad input.

mod common;

use common::*;
use serde_json::Value;

/// Runs `compare ARGS --json FILE` and returns the parsed report.
fn compare_json(args: &[&str]) -> Value {
    let _one_at_a_time = exclusive();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.json");
    let mut all = vec!["compare"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--json", path.to_str().unwrap()]);
    let out = run(&all, 5 * MINUTE);
    assert!(out.status.success(), "gil-lab {all:?}: {}", stderr(&out));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn num(row: &Value, key: &str) -> f64 {
    row[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} missing in {row}"))
}

/// The default set: the dask rows start a cluster and run only when asked for.
const ALL_IDS: [&str; 11] = [
    "py-sequential",
    "py-threads",
    "py-process-pool",
    "py-subinterpreters",
    "py-interpreter-pool",
    "rust-threads-attached",
    "rust-threads-detached",
    "rust-sequential",
    "rust-threads",
    "rayon",
    "crossbeam-pipeline",
];

#[test]
fn threading_report_has_every_strategy_with_the_same_checksum() {
    let r = compare_json(&["threading", "--quick"]);
    for key in [
        "gil_lab_version",
        "machine",
        "interpreter",
        "scenario",
        "workload",
        "results",
    ] {
        assert!(r.get(key).is_some(), "report lacks {key}");
    }
    assert_eq!(r["scenario"], "threading");
    assert_eq!(r["workload"]["kernel"], "sum_squares");
    let ids: Vec<&str> = r["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["strategy"].as_str().unwrap())
        .collect();
    // A free-threaded host adds py-sequential and py-threads with PYTHON_GIL=1 after these.
    assert_eq!(ids[..ALL_IDS.len()], ALL_IDS);
    let n = r["workload"]["size"].as_u64().unwrap() as u128;
    let tasks = r["workload"]["tasks"].as_u64().unwrap() as u128;
    let expected = tasks * (n - 1) * n * (2 * n - 1) / 6;
    for x in r["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["available"] == true)
    {
        assert_eq!(
            x["checksum"].to_string(),
            expected.to_string(),
            "{}",
            x["strategy"]
        );
        for key in [
            "speedup",
            "vs_python_sequential",
            "efficiency",
            "parallelism",
            "overlap",
            "handoffs",
            "cpu_s",
        ] {
            assert!(x[key].is_number(), "{} lacks {key}", x["strategy"]);
        }
        let wall = &x["wall_s"];
        assert!(num(wall, "min") <= num(wall, "median") && num(wall, "median") <= num(wall, "max"));
        assert!(!x["verdict"].as_str().unwrap().is_empty());
    }
    let pool = row(&r, "py-interpreter-pool");
    if pool["available"] == false {
        assert!(
            pool["note"]
                .as_str()
                .unwrap()
                .contains("InterpreterPoolExecutor")
        );
    }
    assert_eq!(
        row(&r, "py-sequential")["interpreter"]["version"],
        r["interpreter"]["python_version"]
    );
    assert!(row(&r, "rayon")["interpreter"].is_null());
}

/// `got` is `want` up to the rounding of a JSON figure.
fn agrees(got: f64, want: f64) -> bool {
    (got - want).abs() <= 0.02 * want.abs().max(1e-9)
}

#[test]
fn every_ratio_is_the_measured_walls_divided_and_every_share_in_range() {
    // Which model is faster is a measurement: scripts/bench.sh holds those goals.
    // Here the derived figures must follow from the walls the same run measured.
    let r = compare_json(&[
        "threading",
        "--quick",
        "--strategies",
        "py-threads,py-process-pool,rayon",
    ]);
    let fastest = |id: &str| num(&row(&r, id)["wall_s"], "min");
    for id in ["py-threads", "py-process-pool", "rayon"] {
        let x = row(&r, id);
        assert_eq!(x["status"], "ok", "{x}");
        let wall = fastest(id);
        assert!(wall.is_finite() && wall > 0.0, "{x}");
        let sequential = if x["implementation"] == "python" {
            "py-sequential"
        } else {
            "rust-sequential"
        };
        let speedup = num(x, "speedup");
        assert!(agrees(speedup, fastest(sequential) / wall), "{id}: {x}");
        assert!(
            agrees(
                num(x, "vs_python_sequential"),
                fastest("py-sequential") / wall
            ),
            "{id}: {x}"
        );
        let workers = num(x, "workers");
        assert!(agrees(num(x, "efficiency"), speedup / workers), "{id}: {x}");
        let overlap = num(x, "overlap");
        assert!((0.0..=workers + 0.01).contains(&overlap), "{id}: {x}");
        assert!(num(x, "parallelism") > 0.0, "{id}: {x}");
    }
}

#[test]
fn io_rows_run_every_wait() {
    let r = compare_json(&["io", "--quick", "--strategies", "py-threads,rust-threads"]);
    assert_eq!(r["workload"]["kernel"], "io_wait");
    assert_eq!(r["workload"]["tasks"], 5);
    // How much the waits overlap is scripts/bench.sh's figure; here every wait ran.
    for id in ["py-threads", "rust-threads"] {
        let x = row(&r, id);
        assert_eq!(x["status"], "ok", "{x}");
        assert_eq!(x["checksum"], 5, "{x}");
        let speedup = num(x, "speedup");
        assert!(speedup.is_finite() && speedup > 0.0, "{x}");
    }
}

#[test]
fn processes_scenario_agrees_on_the_float_checksum_under_spawn() {
    let r = compare_json(&[
        "processes",
        "--quick",
        "--start-method",
        "spawn",
        "--strategies",
        "py-process-pool,crossbeam-pipeline,rust-threads",
    ]);
    assert_eq!(r["settings"]["start_method"], "spawn");
    let sums: Vec<f64> = r["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| num(x, "checksum"))
        .collect();
    for s in &sums {
        assert!((s - sums[0]).abs() <= 1e-9 * sums[0].abs(), "{sums:?}");
    }
    assert!(
        row(&r, "py-process-pool")["note"]
            .as_str()
            .unwrap()
            .contains("multiprocessing.Pool.map")
    );
}

#[test]
fn csv_markdown_and_timeline_exports_carry_the_rows() {
    let _one_at_a_time = exclusive();
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let out = run(
        &[
            "compare",
            "threading",
            "--quick",
            "--strategies",
            "py-threads,rayon",
            "--csv",
            &p("r.csv"),
            "--markdown",
            &p("r.md"),
            "--timeline",
            &p("t.json"),
        ],
        5 * MINUTE,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let csv = std::fs::read_to_string(p("r.csv")).unwrap();
    assert!(csv.starts_with("scenario,strategy,"));
    // Header + py-sequential, py-threads, rust-sequential, rayon (+ PYTHON_GIL=1 rows on a free-threaded host).
    assert!(csv.lines().count() >= 5, "{csv}");
    assert!(
        csv.lines()
            .any(|l| l.starts_with("threading,py-threads,python,")),
        "{csv}"
    );
    let md = std::fs::read_to_string(p("r.md")).unwrap();
    assert!(
        md.contains("| `py-threads") && md.contains("**Verdicts**"),
        "{md}"
    );
    let t: Value = serde_json::from_str(&std::fs::read_to_string(p("t.json")).unwrap()).unwrap();
    let lines = t[0]["timelines"].as_array().unwrap();
    let threads = lines
        .iter()
        .find(|l| l["strategy"] == "py-threads")
        .unwrap();
    assert_eq!(threads["workers"], 2);
    let chunk = &threads["chunks"][0];
    assert!(chunk["end_ns"].as_u64() >= chunk["start_ns"].as_u64());
    let table = stdout(&out);
    assert!(table.contains("py-threads") && table.contains("threads ran"));
}

#[test]
fn the_html_page_embeds_the_json_export_byte_for_byte() {
    let _one_at_a_time = exclusive();
    let dir = tempfile::tempdir().unwrap();
    let (json, html) = (dir.path().join("a.json"), dir.path().join("a.html"));
    let args = one_quick_compare(&[
        "--strategies",
        "rayon",
        "--json",
        json.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
    ]);
    let out = run(&args, 5 * MINUTE);
    assert!(out.status.success(), "{}", stderr(&out));
    let export = std::fs::read_to_string(&json).unwrap();
    let page = std::fs::read_to_string(&html).unwrap();
    let open = "<script type=\"application/json\" id=\"gil-lab-data\">";
    let from = page.find(open).expect("the data element") + open.len();
    let embedded = &page[from..from + page[from..].find("</script>").unwrap()];
    // The page writes <, > and & as JSON escapes so that its script element
    // cannot be closed early; undone, the text is the export's.
    let unescaped = embedded
        .replace("\\u003c", "<")
        .replace("\\u003e", ">")
        .replace("\\u0026", "&");
    assert_eq!(unescaped, export);
    if !export.contains(['<', '>', '&']) {
        assert_eq!(embedded, export, "nothing to escape: the very same bytes");
    }
    assert!(export.contains("\"rayon\""), "{export}");
}

#[test]
fn json_to_stdout_keeps_stdout_parseable() {
    let _one_at_a_time = exclusive();
    let out = run(
        &[
            "compare",
            "io",
            "--quick",
            "--strategies",
            "rust-threads",
            "--json",
            "-",
        ],
        MINUTE,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["scenario"], "io");
    assert!(stderr(&out).contains("rust-threads"));
}

fn assert_usage_error(args: &[&str], first_line: &str) {
    let out = run(args, MINUTE);
    assert_eq!(out.status.code(), Some(2), "gil-lab {args:?}");
    let err = stderr(&out);
    assert!(
        err.lines().next().unwrap_or("").starts_with(first_line),
        "gil-lab {args:?}: {err}"
    );
}

#[test]
fn fails_for_bad_input_with_exit_2() {
    let cases: [(&[&str], &str); 7] = [
        (&["--workers", "0"], "error: --workers must be at least 1"),
        (
            &["--workers", "1000000"],
            "error: --workers 1000000 is more than",
        ),
        (
            &["--strategies", "py-thread"],
            "error: unknown strategy 'py-thread'",
        ),
        (
            &["--json", "/no/such/dir/r.json"],
            "error: cannot write --json",
        ),
        (
            &["--start-method", "vfork"],
            "error: unknown start method 'vfork'",
        ),
        (&["--size", "0"], "error: --size must be at least 1"),
        (&["--runs", "0"], "error: --runs must be at least 1"),
    ];
    for (extra, first_line) in cases {
        let mut args = vec!["compare", "threading"];
        args.extend_from_slice(extra);
        assert_usage_error(&args, first_line);
    }
    assert_usage_error(&["compare", "nonsense"], "error: invalid value 'nonsense'");
}

#[test]
fn ctrl_c_ends_a_comparison_and_every_child_process() {
    use std::os::unix::process::CommandExt;
    let _one_at_a_time = exclusive();
    let mut cmd = gil_lab();
    cmd.args([
        "compare",
        "processes",
        "--start-method",
        "forkserver",
        "--runs",
        "50",
    ])
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::null())
    .process_group(0);
    let child = cmd.spawn().unwrap();
    interrupt(child, libc::SIGINT, 2500, SIGNAL_HANG_BOUND_S, 130);
}

/// Direct children of `pid`.
fn children_of(pid: u32) -> Vec<u32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// utime + stime of a process, in clock ticks (10 ms).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    // After the name: state is field 3, utime 14 and stime 15 (1-based).
    let tick = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    tick(11) + tick(12)
}

#[test]
fn a_killed_pool_worker_fails_its_row_and_the_others_still_report() {
    let _one_at_a_time = exclusive();
    // ProcessPoolExecutor notices by itself; multiprocessing.Pool would hang without the harness's watch.
    kill_a_worker_during("threading", "4000000", "BrokenProcessPool");
    kill_a_worker_during("processes", "3000000", "BrokenPool");
}

/// How long a pool worker may take to appear and start a task before the test
/// calls it a hang.
const WORKER_HANG_BOUND: std::time::Duration = std::time::Duration::from_secs(30);

fn kill_a_worker_during(scenario: &str, size: &str, expected: &str) {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let mut cmd = gil_lab();
    cmd.args([
        "compare",
        scenario,
        "--size",
        size,
        "--runs",
        "6",
        "--strategies",
        "py-process-pool",
        "--json",
        json.to_str().unwrap(),
    ])
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::piped());
    let child = cmd.spawn().unwrap();
    let start = std::time::Instant::now();
    let victim = loop {
        // A forked pool worker (named like the host, unlike a harness process in
        // another interpreter) that has used 30 ms of CPU is inside a task.
        let forked = |c: &u32| {
            std::fs::read_to_string(format!("/proc/{c}/comm")).is_ok_and(|n| n.trim() == "gil-lab")
        };
        if let Some(worker) = children_of(child.id())
            .into_iter()
            .filter(forked)
            .find(|&c| cpu_ticks(c) >= 3)
        {
            break worker;
        }
        // A hang bound, not a timing goal: a worker is busy within a second or two.
        assert!(
            start.elapsed() < WORKER_HANG_BOUND,
            "no pool worker appeared"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    // SAFETY: SIGKILL to a pool worker the test just found.
    unsafe { libc::kill(victim as i32, libc::SIGKILL) };
    let out = wait_with_limit(child, 2 * MINUTE);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let pool = row(&r, "py-process-pool");
    assert!(pool["error"].as_str().unwrap().contains(expected), "{pool}");
    assert!(pool["verdict"].as_str().unwrap().starts_with("failed: "));
    assert!(num(&row(&r, "py-sequential")["wall_s"], "median") > 0.0);
    assert!(stderr(&out).contains("py-process-pool"));
}

#[test]
fn svg_and_text_strip_draw_one_lane_per_worker() {
    let _one_at_a_time = exclusive();
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("t.svg");
    let out = run(
        &[
            "compare",
            "threading",
            "--quick",
            "--strategies",
            "py-threads",
            "--timeline-strip",
            "--svg",
            svg.to_str().unwrap(),
        ],
        2 * MINUTE,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(
        text.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\"")
            && text.trim_end().ends_with("</svg>")
    );
    let strip = stdout(&out);
    assert!(strip.contains("timelines of the median runs (threading)"));
    // py-sequential has one lane, py-threads two (a free-threaded host adds both
    // again with PYTHON_GIL=1): the picture and the strip show the same lanes.
    let lanes = strip.lines().filter(|l| l.starts_with("  w")).count();
    assert!(lanes == 3 || lanes == 6, "{strip}");
    assert_eq!(text.matches(r##"fill="#f4f4f4""##).count(), lanes);
    assert!(text.matches("<rect").count() >= 2 * lanes);
}

#[test]
fn the_gil_probe_sees_threads_wait_and_a_process_pool_not() {
    if cpus() < CPUS_FOR_ORDERINGS {
        eprintln!("skipped: needs {CPUS_FOR_ORDERINGS} CPUs");
        return;
    }
    let r = compare_json(&[
        "threading",
        "--quick",
        "--strategies",
        "py-threads,py-process-pool,rayon",
    ]);
    let wait = |id: &str| num(row(&r, id), "gil_contention");
    if r["interpreter"]["gil_disabled"] == false {
        assert!(
            wait("py-threads") > wait("py-process-pool"),
            "threads {} pool {}",
            wait("py-threads"),
            wait("py-process-pool")
        );
    }
    assert!(wait("rayon") < 0.5, "native rows never hold the GIL");
    let off = compare_json(&[
        "threading",
        "--quick",
        "--no-probe",
        "--strategies",
        "py-threads",
    ]);
    assert!(row(&off, "py-threads")["gil_contention"].is_null());
}
