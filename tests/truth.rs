//! What a hostile but fair user tries: special files at an export path, closed
//! pipes, a host killed or hung up on, lessons that ignore a signal, absurd or
//! misleading inputs. Each test is the trial itself, on files it makes.

mod common;

use std::os::unix::fs::FileTypeExt;
use std::os::unix::process::CommandExt;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::*;

const QUICK_THREADS: [&str; 2] = ["--strategies", "py-threads"];

fn quick_with(extra: &[&str]) -> Vec<String> {
    one_quick_compare(&QUICK_THREADS)
        .iter()
        .chain(extra)
        .map(|s| s.to_string())
        .collect()
}

fn run_owned(args: &[String], limit: Duration) -> std::process::Output {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run(&args, limit)
}

#[test]
fn a_character_device_at_the_export_path_stays_a_device() {
    let dir = tempfile::tempdir().unwrap();
    let node = dir.path().join("null");
    let c = std::ffi::CString::new(node.to_str().unwrap()).unwrap();
    // SAFETY: mknod of /dev/null's numbers (1, 3) in a folder of our own; needs root.
    let made = unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 3)) } == 0;
    if !made {
        eprintln!("skipped: mknod needs root");
        return;
    }
    let out = run_owned(&quick_with(&["--csv", node.to_str().unwrap()]), 2 * MINUTE);
    assert!(out.status.success(), "{}", stderr(&out));
    let kind = std::fs::symlink_metadata(&node).unwrap().file_type();
    assert!(kind.is_char_device(), "the device became {kind:?}");
}

#[test]
fn a_fifo_with_a_reader_gets_the_whole_json_and_stays_a_fifo() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid path in a folder of our own.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let out = run_owned(&quick_with(&["--json", fifo.to_str().unwrap()]), 2 * MINUTE);
    assert!(out.status.success(), "{}", stderr(&out));
    let got: serde_json::Value = serde_json::from_str(&reader.join().unwrap()).unwrap();
    assert!(got["results"].is_array());
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );
}

#[test]
fn a_symlink_is_followed_and_its_target_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target.json");
    std::fs::write(&target, "{}").unwrap();
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let out = run_owned(&quick_with(&["--json", link.to_str().unwrap()]), 2 * MINUTE);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let got: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&target).unwrap()).unwrap();
    assert!(got["results"].is_array());
}

#[test]
fn a_folder_or_a_shared_destination_is_refused_before_measuring() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().to_str().unwrap().to_string();
    let same = dir.path().join("same").to_str().unwrap().to_string();
    for (args, flag) in [
        (vec!["--json".to_string(), folder.clone()], "--json"),
        (vec!["--csv".to_string(), format!("{folder}/")], "--csv"),
        (
            vec![
                "--json".to_string(),
                same.clone(),
                "--csv".to_string(),
                same,
            ],
            "--csv",
        ),
        (
            vec!["--json".into(), "-".into(), "--csv".into(), "-".into()],
            "stdout",
        ),
    ] {
        let begun = Instant::now();
        let mut all = vec!["compare".to_string(), "threading".into()];
        all.extend(args);
        let out = run_owned(&all, MINUTE);
        assert_eq!(out.status.code(), Some(2), "{all:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.starts_with("error: ") && err.contains(flag) && err.contains("hint:"),
            "{err}"
        );
        // Refused up front: a full comparison takes many seconds, a refusal none.
        assert!(
            begun.elapsed() < Duration::from_secs(20),
            "{all:?} measured first"
        );
    }
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn a_closed_stdout_ends_quietly() {
    for args in [
        vec!["info"],
        vec!["lessons"],
        vec!["pythons"],
        one_quick_compare(&QUICK_THREADS),
        one_quick_compare(&["--strategies", "py-threads", "--json", "-"]),
    ] {
        let mut child = gil_lab()
            .args(&args)
            .process_group(0)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = wait_with_limit(child, 3 * MINUTE);
        let err = stderr(&out);
        assert!(
            !err.contains("panicked")
                && !err.contains("Broken pipe")
                && !err.contains("internal error"),
            "{args:?}: {err}"
        );
        assert!(
            matches!(out.status.code(), Some(0) | None),
            "{args:?}: {:?} {err}",
            out.status
        );
    }
}

/// Starts `gil-lab ARGS` in a session of its own, with a private TMPDIR.
fn in_own_session(args: &[&str], tmp: &std::path::Path) -> std::process::Child {
    let mut cmd = gil_lab();
    cmd.args(args)
        .env("TMPDIR", tmp)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    // SAFETY: setsid is async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    cmd.spawn().unwrap()
}

fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let begun = Instant::now();
    while !done() {
        assert!(begun.elapsed() < limit, "{what} within {limit:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The child's exit status, which must come within `limit`.
fn exit_within(
    child: &mut std::process::Child,
    limit: Duration,
    what: &str,
) -> std::process::ExitStatus {
    let begun = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(begun.elapsed() < limit, "{what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn sigkill_of_the_host_during_lives_process_pool_leaves_no_worker() {
    let _one = exclusive();
    let tmp = tempfile::tempdir().unwrap();
    let mut host = in_own_session(&["live", "threading", "--duration", "1.5"], tmp.path());
    let sid = host.id();
    // The process-pool group: the host and at least two workers in its session.
    wait_for("live's workers", Duration::from_secs(60), || {
        processes_in_session(sid).len() >= 3
    });
    host.kill().unwrap();
    host.wait().unwrap();
    wait_for("every worker to end", Duration::from_secs(5), || {
        processes_in_session(sid).is_empty()
    });
}

#[test]
fn sighup_ends_like_sigterm_and_removes_the_temp_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let mut host = in_own_session(
        &["compare", "processes", "--quick", "--start-method", "spawn"],
        tmp.path(),
    );
    wait_for("the private temp folder", Duration::from_secs(30), || {
        std::fs::read_dir(tmp.path()).unwrap().next().is_some()
    });
    std::thread::sleep(Duration::from_millis(800));
    // SAFETY: a signal to the child we started.
    unsafe { libc::kill(host.id() as i32, libc::SIGHUP) };
    let status = exit_within(
        &mut host,
        Duration::from_secs(5),
        "SIGHUP did not end compare",
    );
    assert_eq!(status.code(), Some(129));
    assert!(
        std::fs::read_dir(tmp.path()).unwrap().next().is_none(),
        "temp folder left"
    );
}

#[test]
fn a_second_ctrl_c_ends_a_lesson_that_ignores_the_first_and_sigterm_beats_sig_ign() {
    let dir = tempfile::tempdir().unwrap();
    for (script, signal, code) in [
        (
            "signal.signal(signal.SIGINT, lambda *a: None)",
            libc::SIGINT,
            130,
        ),
        (
            "signal.signal(signal.SIGTERM, signal.SIG_IGN)",
            libc::SIGTERM,
            143,
        ),
    ] {
        let lesson = dir.path().join("ignores.py");
        std::fs::write(
            &lesson,
            format!("import signal, time\n{script}\nprint('ready', flush=True)\ntime.sleep(60)\n"),
        )
        .unwrap();
        let mut child = gil_lab()
            .args(["run", lesson.to_str().unwrap()])
            .process_group(0)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        std::io::BufRead::read_line(&mut out, &mut line).unwrap();
        assert_eq!(line.trim(), "ready");
        let begun = Instant::now();
        // SAFETY: signals to the child we started.
        unsafe { libc::kill(child.id() as i32, signal) };
        if signal == libc::SIGINT {
            std::thread::sleep(Duration::from_millis(300));
            unsafe { libc::kill(child.id() as i32, signal) };
        }
        let limit = Duration::from_secs(10).saturating_sub(begun.elapsed());
        let status = exit_within(
            &mut child,
            limit,
            &format!("{script}: the lesson was not ended"),
        );
        assert_eq!(status.code(), Some(code), "{script}");
    }
}

#[test]
fn threads_only_are_not_refused_for_a_pool_and_absurd_workers_are_refused_cleanly() {
    let out = run(
        &one_quick_compare(&["--workers", "64", "--strategies", "py-threads"]),
        3 * MINUTE,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(
        &[
            "compare",
            "threading",
            "--workers",
            "4294967297",
            "--force",
            "--strategies",
            "rust-sequential",
        ],
        MINUTE,
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.starts_with("error: --workers 4294967297") && !err.contains("panicked"),
        "{err}"
    );
}

#[test]
fn a_syntax_error_shows_the_users_file_only_and_a_loop_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.py");
    std::fs::write(&bad, "x = (\n").unwrap();
    let out = run(&["run", bad.to_str().unwrap()], MINUTE);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("SyntaxError") && err.contains("bad.py"),
        "{err}"
    );
    assert!(
        !err.contains("runner.py") && !err.contains("runpy"),
        "{err}"
    );
    let (a, b) = (dir.path().join("a.py"), dir.path().join("b.py"));
    std::os::unix::fs::symlink(&b, &a).unwrap();
    std::os::unix::fs::symlink(&a, &b).unwrap();
    let out = run(&["run", a.to_str().unwrap()], MINUTE);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("symbolic links"), "{}", stderr(&out));
}

#[test]
fn an_unusable_tmpdir_falls_back_like_python() {
    let out = run_cmd(
        gil_lab().arg("info").env("TMPDIR", "/nonexistent/gil-lab"),
        MINUTE,
    );
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn verify_uses_the_python_it_was_given_even_outside_discovery() {
    let exe = gil_lab::testing::install_dir().join("3.14/bin/python3");
    if !exe.exists() {
        eprintln!("skipped: no CPython 3.14 installed");
        return;
    }
    let _one = exclusive();
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = dir.path().join("python3");
    std::os::unix::fs::symlink(&exe, &elsewhere).unwrap();
    let json = dir.path().join("v.json");
    let out = run(
        &[
            "verify",
            "--quick",
            "--python",
            elsewhere.to_str().unwrap(),
            "--claim",
            "interpreters-module-name",
            "--json",
            json.to_str().unwrap(),
        ],
        5 * MINUTE,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let claim = &r["claims"][0];
    assert!(
        claim["interpreter"].as_str().unwrap().contains("3.14"),
        "{claim}"
    );
    assert_ne!(claim["verdict"], "cannot test here", "{claim}");
}
