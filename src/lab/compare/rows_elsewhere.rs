//! Rows that run or are checked outside the embedded interpreter: harness
//! processes of other interpreters, a dask cluster's Python, and CPython's own
//! GIL instrument run over a row's work.

use std::sync::Arc;

use anyhow::Result;

use crate::cpython::harness::RemoteHarness;
use crate::cpython::interpreter::{Embedded, InterpreterFacts};
use crate::cpython::pythons;
use crate::engine::strategies::remote::RemoteStrategy;
use crate::engine::strategies::{self, Strategy};
use crate::engine::user_function::{LoadFailure, UserFunction, load_error};
use crate::engine::workload::Setup;
use crate::error::UsageError;
use crate::report::Report;

/// Same interpreter: the same real executable.
pub(super) fn same_executable(a: &InterpreterFacts, b: &InterpreterFacts) -> bool {
    let real = |f: &InterpreterFacts| {
        std::fs::canonicalize(&f.executable).unwrap_or_else(|_| f.executable.clone().into())
    };
    real(a) == real(b)
}

/// Adds the models a harness can run (up to `limit` of them) to the strategies.
pub(super) fn add_remote(
    all: &mut Vec<Box<dyn Strategy>>,
    harness: &Arc<RemoteHarness>,
    limit: usize,
) {
    let models: Vec<_> = strategies::models()
        .into_iter()
        .filter(|m| m.harness.is_some())
        .take(limit)
        .collect();
    for model in models {
        all.push(Box::new(RemoteStrategy {
            model,
            harness: harness.clone(),
        }));
    }
}

/// Where CPython has its own GIL instrument (3.15's Tachyon), runs the rows'
/// work once more under it and keeps its figures beside gil-lab's.
pub(super) fn cross_check_the_gil(chosen: &[&dyn Strategy], setup: &Setup, report: &mut Report) {
    if !setup.workload.kernel.is_cpu_bound() {
        return;
    }
    for (strategy, row) in chosen.iter().zip(report.results.iter_mut()) {
        if !row.status.is_ok() {
            continue;
        }
        match strategy.tachyon(setup) {
            Some(Ok(check)) => row.tachyon = Some(check),
            Some(Err(e)) => {
                let why = format!(
                    "Tachyon could not run: {}",
                    crate::report::last_line(&format!("{e:#}"))
                );
                row.note = Some(match row.note.take() {
                    Some(note) => format!("{note}; {why}"),
                    None => why,
                });
            }
            None => {}
        }
    }
}

/// dask ships task code pickled, which loads only in the same Python. A
/// `--dask` cluster whose Python none of the row interpreters has: without
/// `--python`, the rows move to an installed interpreter of the cluster's
/// version (returned, and said on stderr); otherwise the user must choose (exit 2).
pub(super) fn check_cluster_python(
    address: &str,
    interpreters: &[InterpreterFacts],
    chosen: bool,
    python: &Embedded,
) -> Result<Option<InterpreterFacts>> {
    let theirs: Option<String> = crate::cpython::interpreter::call_json(
        "gil_lab.dask.cluster",
        "cluster_python",
        (address,),
    )?;
    let Some(theirs) = theirs else {
        return Ok(None);
    };
    let minor = |v: &str| v.split('.').take(2).collect::<Vec<_>>().join(".");
    let wanted = minor(&theirs);
    if interpreters
        .iter()
        .any(|i| minor(&i.python_version) == wanted)
    {
        return Ok(None);
    }
    if !chosen
        && let Some(found) = pythons::discover(python.python_dir())
            .into_iter()
            .find(|f| minor(&f.facts.python_version) == wanted && !f.facts.gil_disabled)
    {
        eprintln!(
            "note: the dask cluster at {address} runs Python {wanted}: the Python rows run in {} ({}); --python chooses another",
            found.facts.python_version, found.facts.executable
        );
        return Ok(Some(found.facts));
    }
    let ours: Vec<&str> = interpreters
        .iter()
        .map(|i| i.python_version.as_str())
        .collect();
    Err(UsageError::new(format!(
        "the dask cluster at {address} runs Python {wanted}, the rows run {}: dask sends task code pickled, which loads only in the same Python",
        ours.join(", ")
    ))
    .with_hint(format!(
        "add --python {wanted} (scripts/install-pythons.sh --only {wanted}, then scripts/install-dask.sh)"
    ))
    .into())
}

/// Loads the user's function where rows will run it (the embedded interpreter
/// first, then each `--python` harness) and returns its task count. A wrong
/// name is a usage error (exit 2); code that imports in none of them is the
/// user's failing on its own (exit 1); code that imports in some only runs
/// there, and the others' rows say why they cannot.
pub(super) fn load_user_function(
    user: &UserFunction,
    embedded: bool,
    harnesses: &[Arc<RemoteHarness>],
) -> Result<usize> {
    let mut raised = Vec::new();
    if embedded {
        match user.load() {
            Ok(loaded) => return Ok(loaded.tasks),
            Err(LoadFailure::Raised(text)) => raised.push(text),
            Err(usage) => return Err(load_error(usage)),
        }
    }
    for harness in harnesses {
        let answer =
            harness.ask(&serde_json::json!({"model": "user_check", "user": user.spec()}))?;
        match user.loaded_from(&answer["check"].to_string()) {
            Ok(loaded) => return Ok(loaded.tasks),
            Err(LoadFailure::Raised(text)) => raised.push(text),
            Err(usage) => return Err(load_error(usage)),
        }
    }
    Err(load_error(LoadFailure::Raised(raised.join("\n"))))
}
