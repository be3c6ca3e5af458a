//! The dask rows through the built binary: a LocalCluster, an existing scheduler
//! on 127.0.0.1, a worker killed mid-run, an unreachable address, Ctrl-C.
//! Tests that need dask skip (saying why) when the private environment is absent;
//! scripts/test.sh makes it with scripts/install-dask.sh.

mod common;

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

/// The embedded interpreter's private dask environment, if scripts/install-dask.sh made it.
fn dask_env() -> Option<PathBuf> {
    let python = env!("GIL_LAB_BUILD_PYTHON");
    let out = Command::new(python)
        .args([
            "-I",
            "-c",
            "import sys, sysconfig; print('%d.%d%s' % (sys.version_info[:2] + ('t' if sysconfig.get_config_var('Py_GIL_DISABLED') else '',)))",
        ])
        .output()
        .ok()?;
    let label = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let home = std::env::var_os("GIL_LAB_DASK_HOME").map_or_else(
        || PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/gil-lab/dask"),
        PathBuf::from,
    );
    let env = home.join(label);
    env.join("bin/dask").is_file().then_some(env)
}

/// `dask_env()`, or `None` after printing why the test is skipped.
fn dask_or_skip(test: &str) -> Option<PathBuf> {
    let env = dask_env();
    if env.is_none() {
        eprintln!(
            "skipped {test}: no private dask environment for {} (scripts/install-dask.sh makes it)",
            env!("GIL_LAB_BUILD_PYTHON")
        );
    }
    env
}

/// Runs `compare ARGS --json FILE` and returns its exit code, stderr and report.
fn compare_json(args: &[&str], limit: Duration) -> (Option<i32>, String, Option<Value>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.json");
    let mut all = vec!["compare"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--json", path.to_str().unwrap()]);
    let out = run(&all, limit);
    let report = std::fs::read_to_string(&path)
        .ok()
        .map(|text| serde_json::from_str(&text).unwrap());
    (out.status.code(), stderr(&out), report)
}

/// A dask scheduler and two one-thread workers on 127.0.0.1, killed (the whole
/// process group) when dropped.
struct Cluster {
    address: String,
    scheduler: Child,
    workers: Vec<Child>,
    env: PathBuf,
}

impl Cluster {
    fn start(env: &std::path::Path) -> Cluster {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let address = format!("tcp://127.0.0.1:{port}");
        let dask = env.join("bin/dask");
        let quiet = |cmd: &mut Command| {
            cmd.stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null());
        };
        let mut scheduler = Command::new(&dask);
        scheduler.args([
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--no-dashboard",
        ]);
        quiet(&mut scheduler);
        let scheduler = scheduler.process_group(0).spawn().unwrap();
        let group = scheduler.id() as i32;
        let workers = (0..2)
            .map(|_| {
                let mut w = Command::new(&dask);
                w.args(["worker", &address, "--nthreads", "1", "--no-dashboard"]);
                quiet(&mut w);
                w.process_group(group).spawn().unwrap()
            })
            .collect();
        let cluster = Cluster {
            address,
            scheduler,
            workers,
            env: env.to_path_buf(),
        };
        let ready = cluster.python(&format!(
            "from distributed import Client\n\
             c = Client({:?}, timeout=60)\n\
             c.wait_for_workers(2, timeout=120)\n\
             c.close()",
            cluster.address
        ));
        assert!(ready.status.success(), "{}", stderr(&ready));
        cluster
    }

    /// Runs `code` in the dask environment's python, with a time limit.
    fn python(&self, code: &str) -> std::process::Output {
        run_cmd(
            Command::new(self.env.join("bin/python"))
                .args(["-c", code])
                .stdin(Stdio::null()),
            3 * MINUTE,
        )
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // SAFETY: kill(2) on the process group this test started.
        unsafe { libc::kill(-(self.scheduler.id() as i32), libc::SIGKILL) };
        let _ = self.scheduler.wait();
        for w in &mut self.workers {
            let _ = w.wait();
        }
    }
}

/// `tasks` × sum(i*i for i in range(size)), as the threading scenario's checksum.
fn sum_squares(size: u128, tasks: u128) -> String {
    (tasks * (size - 1) * size * (2 * size - 1) / 6).to_string()
}

#[test]
fn dask_rows_agree_with_the_process_pool_and_time_the_cluster_apart() {
    let Some(_) = dask_or_skip("dask_rows_agree_with_the_process_pool") else {
        return;
    };
    let _one = exclusive();
    let (code, err, report) = compare_json(
        &[
            "processes",
            "--quick",
            "--runs",
            "1",
            "--workers",
            "2",
            "--strategies",
            "py-dask,py-dask-threads,py-process-pool",
        ],
        5 * MINUTE,
    );
    assert_eq!(code, Some(0), "{err}");
    let r = report.unwrap();
    let reference = row(&r, "py-sequential")["checksum"].to_string();
    for id in ["py-dask", "py-dask-threads", "py-process-pool"] {
        let x = row(&r, id);
        assert_eq!(x["status"], "ok", "{x}");
        assert_eq!(x["checksum"].to_string(), reference, "{id}");
    }
    let dask = &row(&r, "py-dask")["cluster"];
    assert_eq!(dask["cluster"], "local");
    assert_eq!(dask["workers"], 2);
    assert_eq!(dask["threads_per_worker"], serde_json::json!([1]));
    assert!(dask["cluster_start_s"].as_f64().unwrap() > 0.0);
    let note = row(&r, "py-dask")["note"].as_str().unwrap();
    assert!(note.contains("not in the wall time"), "{note}");
    let threads = &row(&r, "py-dask-threads")["cluster"];
    assert_eq!(threads["workers"], 1);
    assert_eq!(threads["threads_per_worker"], serde_json::json!([2]));
    assert!(row(&r, "py-process-pool")["cluster"].is_null());
}

#[test]
fn an_existing_scheduler_runs_py_dask_and_survives_a_killed_worker() {
    let Some(env) = dask_or_skip("an_existing_scheduler_runs_py_dask") else {
        return;
    };
    let _one = exclusive();
    let cluster = Cluster::start(&env);
    let (code, err, report) = compare_json(
        &[
            "threading",
            "--dask",
            &cluster.address,
            "--strategies",
            "py-dask",
            "--quick",
            "--workers",
            "2",
        ],
        5 * MINUTE,
    );
    assert_eq!(code, Some(0), "{err}");
    let r = report.unwrap();
    let size = r["workload"]["size"].as_u64().unwrap() as u128;
    let tasks = r["workload"]["tasks"].as_u64().unwrap() as u128;
    let x = row(&r, "py-dask");
    assert_eq!(x["status"], "ok", "{x}");
    assert_eq!(x["checksum"].to_string(), sum_squares(size, tasks));
    let c = &x["cluster"];
    assert_eq!(c["cluster"], "existing");
    assert_eq!(c["workers"], 2);
    assert_eq!(c["threads_per_worker"], serde_json::json!([1]));
    assert!(
        c["address"]
            .as_str()
            .unwrap()
            .ends_with(&cluster.address[6..])
    );
    assert!(!c["hosts"].as_array().unwrap().is_empty());
    assert_eq!(c["per_worker"].as_array().unwrap().len(), 2);

    // A worker killed mid-run: dask reschedules its task, or the row fails with dask's error.
    let (size, tasks) = ("20000000", "6");
    let mut child = gil_lab()
        .args([
            "compare",
            "threading",
            "--dask",
            &cluster.address,
            "--strategies",
            "py-dask",
            "--runs",
            "1",
            "--warmup",
            "0",
            "--size",
            size,
            "--tasks",
            tasks,
            "--workers",
            "2",
            "--timeout",
            "240",
            "--json",
            "-",
        ])
        .process_group(0)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The pid of a worker with a gil-lab task, once one has started.
    let busy = cluster.python(&format!(
        "import os, time\n\
         from distributed import Client\n\
         c = Client({:?}, timeout=60)\n\
         end = time.monotonic() + 240\n\
         while time.monotonic() < end:\n\
         \x20   busy = [w for w, keys in c.processing().items() if any('gil-lab-' in str(k) for k in keys)]\n\
         \x20   if busy:\n\
         \x20       print(c.run(os.getpid, workers=busy[:1])[busy[0]])\n\
         \x20       break\n\
         \x20   time.sleep(0.05)\n\
         c.close()",
        cluster.address
    ));
    let pid: i32 = stdout(&busy).trim().parse().unwrap_or_else(|_| {
        let _ = child.kill();
        panic!("no worker took a task: {}", stderr(&busy))
    });
    std::thread::sleep(Duration::from_millis(300));
    // SAFETY: a worker process of the cluster this test started.
    unsafe { libc::kill(pid, libc::SIGKILL) };
    let out = wait_with_limit(child, 5 * MINUTE);
    let r: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("no report ({e}): {}", stderr(&out)));
    let x = row(&r, "py-dask");
    match (out.status.code(), x["status"].as_str().unwrap()) {
        // (Beyond u64: compared with py-sequential's, which compare itself checks exactly.)
        (Some(0), "ok") => assert_eq!(x["checksum"], row(&r, "py-sequential")["checksum"]),
        // A failed row makes compare exit 1, with dask's error in the row.
        (Some(1), "failed") => assert!(!x["error"].as_str().unwrap().is_empty(), "{x}"),
        (code, status) => panic!("py-dask after a killed worker: exit {code:?}, {status}: {x}"),
    }
}

#[test]
fn an_unreachable_scheduler_is_a_usage_error_naming_the_address() {
    let out = run(
        &[
            "compare",
            "threading",
            "--quick",
            "--dask",
            "tcp://127.0.0.1:1",
            "--strategies",
            "py-dask",
        ],
        2 * MINUTE,
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("tcp://127.0.0.1:1"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn dask_without_py_dask_in_the_selection_is_refused() {
    let out = run(
        &[
            "compare",
            "threading",
            "--dask",
            "tcp://127.0.0.1:8786",
            "--strategies",
            "py-threads",
        ],
        MINUTE,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("add py-dask"), "{}", stderr(&out));
}

#[test]
fn ctrl_c_during_a_py_dask_run_leaves_no_process_of_its_session() {
    if dask_or_skip("ctrl_c_during_a_py_dask_run").is_none() {
        return;
    }
    let _one = exclusive();
    let mut cmd = gil_lab();
    cmd.args([
        "compare",
        "threading",
        "--strategies",
        "py-dask",
        "--size",
        "20000000",
        "--tasks",
        "4",
        "--workers",
        "2",
        "--runs",
        "1",
        "--warmup",
        "0",
        "--force",
    ])
    .stdout(Stdio::null())
    .stderr(Stdio::null());
    // SAFETY: setsid(2) between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd.spawn().unwrap();
    let sid = child.id();
    // Wait for the LocalCluster's worker processes (gil-lab plus at least two more).
    let begun = Instant::now();
    while processes_in_session(sid).len() < 3 {
        assert!(
            begun.elapsed() < 3 * MINUTE && child.try_wait().unwrap().is_none(),
            "the LocalCluster never started"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_secs(1));
    // SAFETY: SIGINT to the process this test started.
    unsafe { libc::kill(sid as i32, libc::SIGINT) };
    let sent = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if sent.elapsed() > MINUTE {
            // SAFETY: clean up the session's group we started.
            unsafe { libc::kill(-(sid as i32), libc::SIGKILL) };
            panic!("still running a minute after Ctrl-C");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(130));
    let begun = Instant::now();
    loop {
        let left = processes_in_session(sid);
        if left.is_empty() {
            break;
        }
        assert!(
            begun.elapsed() < Duration::from_secs(10),
            "processes left in the session: {left:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
