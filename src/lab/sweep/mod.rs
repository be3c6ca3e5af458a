//! `gil-lab sweep`: one figure measured across a range — workers, chunk size,
//! payload size, worker kind. The IPC and memory experiments are `python/gil_lab/experiments/sweeps.py`.

pub mod chunk;
pub mod dask;
pub mod workers;

use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::de::DeserializeOwned;

use crate::cpython::interpreter::{InterpreterFacts, call_json};
pub use crate::report::sweep::{IpcSweep, MemorySweep};

/// `gil_lab.experiments.sweeps.ipc`: a payload sent to a worker and back, by route and size;
/// in the embedded interpreter, or in `other` (`--python`).
pub fn ipc(quick: bool, other: Option<(&InterpreterFacts, &Path)>) -> Result<IpcSweep> {
    match other {
        None => call_json("gil_lab.experiments.sweeps", "ipc", (quick,)),
        Some((facts, dir)) => in_other(facts, dir, &["ipc"], quick),
    }
}

/// `gil_lab.experiments.sweeps.memory`: PSS and RSS per worker kind, with and without a
/// preloaded object; in the embedded interpreter, or in `other` (`--python`).
pub fn memory(
    quick: bool,
    preload_mb: u64,
    other: Option<(&InterpreterFacts, &Path)>,
) -> Result<MemorySweep> {
    match other {
        None => call_json("gil_lab.experiments.sweeps", "memory", (quick, preload_mb)),
        Some((facts, dir)) => in_other(
            facts,
            dir,
            &["memory", "--preload-mb", &preload_mb.to_string()],
            quick,
        ),
    }
}

/// Runs `python -m gil_lab.experiments.sweeps ARGS` in another interpreter and reads its JSON.
fn in_other<T: DeserializeOwned>(
    facts: &InterpreterFacts,
    python_dir: &Path,
    args: &[&str],
    quick: bool,
) -> Result<T> {
    let mut cmd = crate::cpython::launcher::python(&facts.executable, python_dir);
    cmd.args(["-m", "gil_lab.experiments.sweeps"]).args(args);
    if quick {
        cmd.arg("--quick");
    }
    let out = cmd
        .output()
        .with_context(|| format!("starting {}", facts.executable))?;
    if !out.status.success() {
        bail!(
            "the sweep in {} failed ({}):\n{}",
            facts.python_version,
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    serde_json::from_slice(&out.stdout)
        .with_context(|| format!("decoding the sweep of {}", facts.python_version))
}
