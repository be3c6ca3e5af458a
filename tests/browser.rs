//! Reports and the live page in a real browser: headless Chromium driven by
//! the node scripts in `tests/browser/` (playwright-core). Each test skips,
//! saying why, where node, Chromium or playwright-core is missing, so that
//! `cargo test` passes on a bare machine; `scripts/test.sh` installs them
//! first (`scripts/install-browser.sh`), so there they run. Screenshots go to
//! `target/browser-artifacts/`.

mod common;

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{MINUTE, exclusive, interrupt, run, stderr};

/// `NODE_PATH` holding playwright-core, when node, Chromium and it are all here.
fn browser() -> Option<PathBuf> {
    let home = std::env::var("HOME").unwrap_or_default();
    let modules = std::env::var("GIL_LAB_NODE")
        .map(|d| PathBuf::from(d).join("node_modules"))
        .unwrap_or_else(|_| Path::new(&home).join(".cache/gil-lab/node/node_modules"));
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let missing = if Command::new("node").arg("--version").output().is_err() {
        Some("node is not installed".to_string())
    } else if !Path::new(&chromium).exists() {
        Some(format!("no Chromium at {chromium}"))
    } else if !modules.join("playwright-core").exists() {
        Some(format!("no playwright-core in {}", modules.display()))
    } else {
        None
    };
    match missing {
        Some(why) => {
            eprintln!(
                "SKIP: {why}; scripts/install-browser.sh installs what the browser tests need"
            );
            None
        }
        None => Some(modules),
    }
}

fn artifacts(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/browser-artifacts")
        .join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `tests/browser/SCRIPT ARGS` with node and asserts it passed.
fn node(modules: &Path, script: &str, args: &[&str]) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/browser")
        .join(script);
    let out = common::run_cmd(
        Command::new("node")
            .arg(path)
            .args(args)
            .env("NODE_PATH", modules),
        3 * MINUTE,
    );
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    println!("{said}");
    assert!(out.status.success(), "{script} {args:?}: {said}");
}

/// Writes `--html` for `args` and checks the page in Chromium.
fn report_in_browser(name: &str, args: &[&str]) {
    let Some(modules) = browser() else { return };
    let _one = exclusive();
    let dir = artifacts(name);
    let page = dir.join(format!("{name}.html"));
    let page = page.to_str().unwrap();
    let mut all = args.to_vec();
    all.extend(["--html", page]);
    let out = run(&all, 5 * MINUTE);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    node(&modules, "report.cjs", &[page, dir.to_str().unwrap()]);
}

#[test]
fn a_compare_report_shows_every_strategy_and_the_timelines_in_chromium() {
    report_in_browser("compare", &["compare", "threading", "--quick"]);
}

#[test]
fn a_verify_report_shows_the_claim_and_its_verdict_in_chromium() {
    report_in_browser(
        "verify",
        &["verify", "--quick", "--claim", "shared-counter-needs-lock"],
    );
}

#[test]
fn the_live_page_grows_during_a_run_survives_a_reload_and_ends_with_the_table() {
    let Some(modules) = browser() else { return };
    let _one = exclusive();
    let mut child = common::gil_lab()
        .args([
            "live",
            "threading",
            "--duration",
            "2",
            "--serve",
            "127.0.0.1:0",
        ])
        .process_group(0)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("gil-lab starts");
    let _ends_with_the_test = KillGroupOnPanic(child.id());
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let url = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| l.strip_prefix("watch it at ").map(str::to_string))
        .expect("live --serve prints its URL");
    // Keep reading stderr, so the run never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    let dir = artifacts("live");
    node(&modules, "live.cjs", &[&url, dir.to_str().unwrap(), "120"]);
    // The server keeps serving after the end, until Ctrl-C.
    interrupt(child, libc::SIGINT, 0, 5, 130);
}

/// Kills the process group led by a child when its test fails first: a failed
/// check must not leave `live --serve` serving (it runs until Ctrl-C).
struct KillGroupOnPanic(u32);

impl Drop for KillGroupOnPanic {
    fn drop(&mut self) {
        if std::thread::panicking() {
            // SAFETY: kill(2) on the process group this test started.
            unsafe { libc::kill(-(self.0 as i32), libc::SIGKILL) };
        }
    }
}

#[test]
fn a_port_in_use_is_refused_before_anything_runs() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let addr = format!("127.0.0.1:{port}");
    let out = run(
        &["live", "--duration", "1", "--serve", &addr],
        Duration::from_secs(60),
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains(&port.to_string()), "{}", stderr(&out));
    let out = run(
        &["live", "--duration", "1", "--serve", "0.0.0.0:0"],
        Duration::from_secs(60),
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--allow-remote"), "{}", stderr(&out));
}

#[test]
fn an_unwritable_html_path_is_refused_before_measuring() {
    let out = run(
        &[
            "compare",
            "threading",
            "--quick",
            "--html",
            "/proc/nope.html",
        ],
        Duration::from_secs(60),
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(!common::stdout(&out).contains("py-threads"));
}
