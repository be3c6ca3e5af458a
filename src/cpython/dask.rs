//! Which interpreters have dask: `gil_lab.runtime.dask_env.availability_json()`
//! asked once in each, the embedded one in-process, the others in parallel.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::cpython::interpreter::call_json;
use crate::cpython::pythons::wait_with_timeout;

/// How long an interpreter may take to import dask and answer.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Whether an interpreter can run the dask rows, and where its dask comes from.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DaskAvailability {
    pub available: bool,
    /// Why not, with the install command.
    pub reason: Option<String>,
    pub install_command: Option<String>,
    /// The private virtual environment that holds (or would hold) its dask.
    pub venv: Option<String>,
    /// The environment's `dask` command (`dask scheduler`, `dask worker`).
    pub dask_command: Option<String>,
    pub dask_version: Option<String>,
    pub distributed_version: Option<String>,
    /// dask's GIL contention monitor; `null`: dask reports no GIL figure there.
    pub gilknocker_version: Option<String>,
}

impl DaskAvailability {
    fn failed(why: String) -> DaskAvailability {
        DaskAvailability {
            reason: Some(why),
            ..Default::default()
        }
    }
}

/// The embedded interpreter's answer.
pub fn embedded() -> DaskAvailability {
    call_json("gil_lab.runtime.dask_env", "availability_json", ())
        .unwrap_or_else(|e| DaskAvailability::failed(format!("{e:#}")))
}

/// The answers of `executables`, asked at once; `None` stands for the embedded interpreter.
pub fn availability(executables: &[Option<&str>], python_dir: &Path) -> Vec<DaskAvailability> {
    let script = format!(
        "import sys; sys.path.insert(0, {dir:?}); from gil_lab.runtime.dask_env import availability_json as a; print(a())",
        dir = python_dir.to_string_lossy()
    );
    let children: Vec<_> = executables
        .iter()
        .map(|exe| {
            exe.map(|exe| {
                crate::cpython::launcher::python(exe, python_dir)
                    .args(["-I", "-c", &script])
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
            })
        })
        .collect();
    children
        .into_iter()
        .map(|child| match child {
            None => embedded(),
            Some(Err(e)) => DaskAvailability::failed(format!("cannot be run: {e}")),
            Some(Ok(child)) => match wait_with_timeout(child, TIMEOUT) {
                None => DaskAvailability::failed(format!("did not answer within {TIMEOUT:?}")),
                Some(out) => String::from_utf8_lossy(&out.stdout)
                    .lines()
                    .rev()
                    .find_map(|line| serde_json::from_str(line).ok())
                    .unwrap_or_else(|| {
                        let err = String::from_utf8_lossy(&out.stderr);
                        DaskAvailability::failed(format!(
                            "no answer: {}",
                            err.lines().last().unwrap_or("nothing").trim()
                        ))
                    }),
            },
        })
        .collect()
}
