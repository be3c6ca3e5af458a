//! Tachyon (CPython 3.15's `profiling.sampling`) attached to the same run as
//! gil-lab's sampler: its gecko profile marks every sample of every thread
//! "Has GIL" / "Waiting for GIL", and each thread's wait share is put beside
//! the one gil-lab's sampler measured. Tachyon reads the target's memory with
//! its own version's layout, so it is always the target's own interpreter.

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::cpython::interpreter::{InterpreterFacts, call_json};
use crate::cpython::launcher;
use crate::engine::tachyon::AGREEMENT;
use crate::report::diagnose::{Recording, TachyonThread, TachyonView};

/// Tachyon's sampling rate here: a few times gil-lab's, well below its default
/// 1 kHz, so the two samplers together leave the program a core.
const RATE_FLOOR_HZ: f64 = 250.0;
/// How long Tachyon may take to write its profile once the program has ended.
const FINISH_WITHIN: Duration = Duration::from_secs(30);
/// Threads whose life is at least this share held or waiting are compared.
const WORKING: f64 = 0.05;

/// Tachyon attached to the program, or why it could not be.
pub enum Attached {
    Running {
        child: Child,
        profile: PathBuf,
        stderr: PathBuf,
        view: TachyonView,
        root: u32,
    },
    Failed(TachyonView),
}

/// Starts `python -m profiling.sampling attach` on `pid`.
pub fn attach(facts: &InterpreterFacts, python_dir: &Path, pid: u32, rate_hz: f64) -> Attached {
    let rate = rate_hz.max(RATE_FLOOR_HZ).round();
    let dir = std::env::temp_dir();
    let profile = dir.join(format!("tachyon-{pid}.json"));
    let stderr = dir.join(format!("tachyon-{pid}.err"));
    let args: Vec<String> = [
        "-m",
        "profiling.sampling",
        "attach",
        "-a",
        "--gecko",
        "-r",
        &format!("{rate}"),
        "-o",
        &profile.display().to_string(),
        &pid.to_string(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let view = TachyonView {
        python: facts.python_version.clone(),
        command: format!("python{} {}", short_version(facts), args.join(" ")),
        sampling_rate_hz: rate,
        threads: Vec::new(),
        max_abs_wait_difference: None,
        agree: None,
        unavailable: None,
    };
    let err_file = std::fs::File::create(&stderr);
    let spawned = err_file.and_then(|err| {
        launcher::python(&facts.executable, python_dir)
            .args(&args)
            .stdout(Stdio::null())
            .stderr(err)
            .spawn()
    });
    match spawned {
        Ok(child) => Attached::Running {
            child,
            profile,
            stderr,
            view,
            root: pid,
        },
        Err(e) => Attached::Failed(TachyonView {
            unavailable: Some(format!("Tachyon could not start: {e}")),
            ..view
        }),
    }
}

fn short_version(facts: &InterpreterFacts) -> String {
    facts
        .version_info
        .iter()
        .take(2)
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(".")
}

impl Attached {
    pub fn pid(&self) -> Option<u32> {
        match self {
            Attached::Running { child, .. } => Some(child.id()),
            Attached::Failed(_) => None,
        }
    }

    /// Waits for Tachyon's profile and compares its wait shares with the recording's.
    pub fn finish(self, recording: &Recording) -> TachyonView {
        let (mut child, profile, stderr, view, root) = match self {
            Attached::Failed(view) => return view,
            Attached::Running {
                child,
                profile,
                stderr,
                view,
                root,
            } => (child, profile, stderr, view, root),
        };
        let begun = Instant::now();
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if begun.elapsed() < FINISH_WITHIN => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                _ => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break None;
                }
            }
        };
        let complaint = std::fs::read_to_string(&stderr).unwrap_or_default();
        let _ = std::fs::remove_file(&stderr);
        let shares: Result<std::collections::HashMap<String, Shares>, _> = if profile.exists() {
            call_json(
                "gil_lab.harness.tachyon",
                "gil_shares_file",
                (profile.display().to_string(),),
            )
        } else {
            Err(anyhow::anyhow!(
                "Tachyon wrote no profile ({}): {}",
                status.map_or("timed out".into(), |s| s.to_string()),
                complaint.lines().last().unwrap_or("no message")
            ))
        };
        let _ = std::fs::remove_file(&profile);
        match shares {
            Ok(shares) => compare(view, &shares, recording, root),
            Err(e) => TachyonView {
                unavailable: Some(format!("{e:#}")),
                ..view
            },
        }
    }
}

#[derive(Debug, serde::Deserialize)]
struct Shares {
    held_ms: f64,
    waiting_ms: f64,
    sampled_ms: f64,
}

fn compare(
    mut view: TachyonView,
    shares: &std::collections::HashMap<String, Shares>,
    recording: &Recording,
    root: u32,
) -> TachyonView {
    for (tid, name, ours_wait, ours_held) in super::wait_shares(recording, root) {
        let Some(theirs) = shares.get(&tid.to_string()).filter(|s| s.sampled_ms > 0.0) else {
            continue;
        };
        let held = theirs.held_ms / theirs.sampled_ms;
        let wait = theirs.waiting_ms / theirs.sampled_ms;
        if held + wait < WORKING && ours_wait + ours_held < WORKING {
            continue;
        }
        view.threads.push(TachyonThread {
            tid,
            name,
            tachyon_gil_held_share: held,
            tachyon_gil_wait_share: wait,
            gil_lab_gil_wait_share: ours_wait,
            wait_difference: ours_wait - wait,
        });
    }
    view.max_abs_wait_difference = view
        .threads
        .iter()
        .map(|t| t.wait_difference.abs())
        .reduce(f64::max);
    view.agree = view.max_abs_wait_difference.map(|d| d <= AGREEMENT);
    if view.threads.is_empty() {
        view.unavailable =
            Some("Tachyon's profile names none of the threads gil-lab saw working".into());
    }
    view
}
