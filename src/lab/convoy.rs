//! `gil-lab compare convoy`: the convoy effect (Beazley). An I/O thread's round
//! trips are timed while K CPU-bound workers run, under several switch
//! intervals, in the embedded interpreter and in every `--python` one. The
//! experiment itself is `python/gil_lab/experiments/convoy.py`.

use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::cpython::interpreter::{Embedded, InterpreterFacts, call_json};
use crate::os::machine::Machine;
pub use crate::report::convoy::{ConvoyReport, Run};

/// Runs the experiment in the embedded interpreter, then in each of `others`.
pub fn convoy(
    python: &Embedded,
    others: &[InterpreterFacts],
    quick: bool,
    start_method: Option<&str>,
) -> Result<ConvoyReport> {
    let machine = Machine::this();
    let mut runs = vec![call_json::<Run, _>(
        "gil_lab.experiments.convoy",
        "measure",
        (quick, start_method),
    )?];
    for facts in others {
        runs.push(in_other(facts, python.python_dir(), quick, start_method)?);
    }
    Ok(ConvoyReport {
        scenario: "convoy",
        quick,
        machine,
        runs,
    })
}

fn in_other(
    facts: &InterpreterFacts,
    python_dir: &Path,
    quick: bool,
    start_method: Option<&str>,
) -> Result<Run> {
    let mut cmd = crate::cpython::launcher::python(&facts.executable, python_dir);
    cmd.args(["-m", "gil_lab.experiments.convoy"]);
    if quick {
        cmd.arg("--quick");
    }
    if let Some(m) = start_method {
        cmd.args(["--start-method", m]);
    }
    let out = cmd
        .output()
        .with_context(|| format!("starting {}", facts.executable))?;
    if !out.status.success() {
        bail!(
            "the convoy experiment in {} failed ({}):\n{}",
            facts.executable,
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    serde_json::from_slice(&out.stdout)
        .with_context(|| format!("decoding the convoy answer of {}", facts.executable))
}
