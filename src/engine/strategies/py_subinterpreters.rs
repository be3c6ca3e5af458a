//! One subinterpreter per Rust thread, through CPython's C API.
//!
//! Before 3.12 every subinterpreter shares the main GIL, so they take turns; from
//! 3.12 `Py_NewInterpreterFromConfig` gives each its own GIL (PEP 684) and they
//! run in parallel inside one process.

use std::ffi::{CStr, CString};

use anyhow::{Result, anyhow, bail};
use pyo3::ffi;
use serde::Deserialize;

use pyo3::prelude::*;
use pyo3::types::PyDict;

use super::python_harness::{chunk_of, sample_with_report};
use super::{Gil, Implementation, LiveRole, Model, Sample, Strategy, spread_tasks};
use crate::cpython::interpreter::format_py_err;
use crate::engine::kernels::Value;
use crate::engine::user_function::UserFunction;
use crate::engine::workload::Setup;

/// The model this file runs.
pub const MODEL: Model = Model {
    id: "py-subinterpreters",
    implementation: Implementation::Python,
    method: "one subinterpreter per Rust thread (C API)",
    noun: "subinterpreters",
    baseline: false,
    gil: Gil::PerSubinterpreter,
    overhead: "creating the subinterpreters and passing results out of them",
    live: Some(LiveRole::Python("subinterpreters")),
    sweep: true,
    chunk_reference: None,
    harness: Some("subinterpreters"),
    by_default: true,
};

pub struct PySubinterpreters;

impl Strategy for PySubinterpreters {
    fn model(&self) -> &'static Model {
        &MODEL
    }
    fn note(&self, setup: &Setup) -> Option<String> {
        Some(if setup.own_gil_subinterpreters {
            "each subinterpreter has its own GIL (PEP 684, Python 3.12+); wall time includes creating them".into()
        } else {
            "before Python 3.12 subinterpreters share the main GIL: they take turns; wall time includes creating them".into()
        })
    }
    fn run(&self, setup: &Setup) -> Result<Sample> {
        if let Some(user) = &setup.user {
            return run_user(setup, user);
        }
        let w = &setup.workload;
        let params = |task: usize, worker: usize| {
            let _ = task;
            serde_json::json!({
                "kernel": w.kernel.python_name(),
                "size": w.size,
                "chunk": w.chunk,
                "worker": worker,
            })
            .to_string()
        };
        let mut by_task = Vec::new();
        for (task, text) in run_in_subinterpreters(setup, params)? {
            let answer: TaskAnswer = serde_json::from_str(&text)
                .map_err(|e| anyhow!("a subinterpreter answered badly: {e}"))?;
            by_task.push((task, answer));
        }
        let mut checksum = Value::zero(w.kernel);
        let mut chunks = Vec::new();
        for (_, answer) in by_task {
            checksum = checksum.plus(answer.value()?);
            chunks.extend(answer.chunks.into_iter().map(chunk_of));
        }
        Ok(Sample {
            checksum,
            chunks,
            worker_cpu_s: 0.0,
            timing: None,
            report: Default::default(),
            cluster: None,
        })
    }
}

/// Runs every task in `workers` subinterpreters (one per thread, each reused for its
/// share of tasks); `params(task, worker)` is what the task's bootstrap receives.
/// Answers come back as text, in task order.
fn run_in_subinterpreters(
    setup: &Setup,
    params: impl Fn(usize, usize) -> String + Sync,
) -> Result<Vec<(usize, String)>> {
    let tasks = setup.workload.tasks;
    let shares = setup.workers.min(tasks).max(1);
    let per_worker = spread_tasks(shares, shares, |_, share| {
        // Share k holds tasks k, k + shares, …: each subinterpreter is created
        // once and reused for its share.
        let mine: Vec<(usize, String)> = (share..tasks)
            .step_by(shares)
            .map(|task| (task, params(task, share)))
            .collect();
        in_subinterpreter(&setup.python_dir, share, &mine)
    })?;
    let mut by_task: Vec<(usize, String)> = per_worker.into_iter().flatten().collect();
    by_task.sort_by_key(|(task, _)| *task);
    Ok(by_task)
}

/// The user's function in the host's own subinterpreters: the parameters are made
/// and the answers read by `gil_lab.harness.user_function` in the main interpreter.
fn run_user(setup: &Setup, user: &UserFunction) -> Result<Sample> {
    let spec = user.spec();
    fn module(py: Python<'_>) -> PyResult<Bound<'_, pyo3::types::PyModule>> {
        py.import("gil_lab.harness.user_function")
    }
    let precheck: Option<String> = Python::attach(|py| {
        module(py)?
            .getattr("subinterpreter_precheck")?
            .call1((&spec,))?
            .extract()
    })
    .map_err(|e| anyhow!("{}", format_py_err(&e)))?;
    let params: Vec<String> = if precheck.is_some() {
        Vec::new()
    } else {
        let shares = setup.workers.min(setup.workload.tasks).max(1);
        Python::attach(|py| -> PyResult<Vec<String>> {
            let make = module(py)?.getattr("subinterpreter_params")?;
            (0..setup.workload.tasks)
                .map(|task| make.call1((&spec, task, task % shares))?.extract())
                .collect()
        })
        .map_err(|e| anyhow!("{}", format_py_err(&e)))?
    };
    let texts: Vec<String> = if precheck.is_some() {
        Vec::new()
    } else {
        run_in_subinterpreters(setup, |task, _| params[task].clone())?
            .into_iter()
            .map(|(_, text)| text)
            .collect()
    };
    Python::attach(|py| -> PyResult<Sample> {
        let report = PyDict::new(py);
        if let Some(why) = &precheck {
            report.set_item("cannot_run", why)?;
            return sample_with_report(
                py,
                &(0, Vec::<(u64, u64, u64, u64)>::new(), 0.0)
                    .into_pyobject(py)?
                    .into_any(),
                &report,
            );
        }
        let kwargs = PyDict::new(py);
        kwargs.set_item("report", &report)?;
        let answer = module(py)?
            .getattr("finish_subinterpreters")?
            .call((&spec, texts), Some(&kwargs))?;
        sample_with_report(py, &answer, &report)
    })
    .map_err(|e| anyhow!("{}", format_py_err(&e)))
}

/// What `gil_lab.harness.subinterp.run_task_json` answers.
#[derive(Deserialize)]
struct TaskAnswer {
    kind: String,
    value: String,
    chunks: Vec<(u64, u64, u64, u64)>,
}

impl TaskAnswer {
    fn value(&self) -> Result<Value> {
        Value::parse(&self.kind, &self.value)
    }
}

/// Runs the bootstrap in a subinterpreter: it cannot see the host's objects, so
/// it finds `gil_lab` itself and answers in JSON text.
const BOOTSTRAP: &CStr = c"
import sys
if python_dir not in sys.path:
    sys.path.insert(0, python_dir)
try:
    from gil_lab.harness.subinterp import run_task_json
    result = run_task_json(params)
except BaseException:
    import traceback
    result = 'ERR' + traceback.format_exc()
";

/// Creates a subinterpreter on this thread, runs each task's bootstrap with its
/// parameters in it, and ends it; the answers are the bootstrap's text.
fn in_subinterpreter(
    python_dir: &str,
    worker: usize,
    tasks: &[(usize, String)],
) -> Result<Vec<(usize, String)>> {
    // SAFETY: this thread holds no thread state on entry. PyGILState_Ensure gives
    // it one of the main interpreter; the subinterpreter's thread state is current
    // only between creation and Py_EndInterpreter, and no pyo3 call happens then.
    unsafe {
        let gil = ffi::PyGILState_Ensure();
        let main_state = ffi::PyThreadState_Get();
        let sub = match new_interpreter() {
            Ok(sub) => sub,
            Err(e) => {
                ffi::PyGILState_Release(gil);
                return Err(e);
            }
        };
        let mut answers = Vec::with_capacity(tasks.len());
        let mut failure = None;
        for (task, params) in tasks {
            match run_bootstrap(python_dir, params) {
                Ok(text) if text.starts_with("ERR") => {
                    failure = Some(anyhow!("in subinterpreter {worker}:\n{}", &text[3..]));
                    break;
                }
                Ok(text) => answers.push((*task, text)),
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        ffi::Py_EndInterpreter(sub);
        restore_main(main_state);
        ffi::PyGILState_Release(gil);
        match failure {
            Some(e) => Err(e),
            None => Ok(answers),
        }
    }
}

/// A new subinterpreter, current on this thread: its own GIL where the API allows.
#[cfg(Py_3_12)]
unsafe fn new_interpreter() -> Result<*mut ffi::PyThreadState> {
    let config = ffi::PyInterpreterConfig {
        use_main_obmalloc: 0,
        allow_fork: 0,
        allow_exec: 0,
        allow_threads: 1,
        allow_daemon_threads: 0,
        check_multi_interp_extensions: 1,
        gil: ffi::PyInterpreterConfig_OWN_GIL,
    };
    let mut state: *mut ffi::PyThreadState = std::ptr::null_mut();
    // SAFETY: the caller holds the main GIL with a current thread state.
    let status = unsafe { ffi::Py_NewInterpreterFromConfig(&mut state, &config) };
    // SAFETY: status comes from the call above.
    if unsafe { ffi::PyStatus_Exception(status) } != 0 || state.is_null() {
        bail!("Py_NewInterpreterFromConfig failed");
    }
    Ok(state)
}

#[cfg(not(Py_3_12))]
unsafe fn new_interpreter() -> Result<*mut ffi::PyThreadState> {
    // SAFETY: the caller holds the (shared) GIL with a current thread state.
    let state = unsafe { ffi::Py_NewInterpreter() };
    if state.is_null() {
        bail!("Py_NewInterpreter failed");
    }
    Ok(state)
}

/// After `Py_EndInterpreter` no thread state is current: an own-GIL subinterpreter
/// took its GIL with it, so the main GIL must be taken again; a shared GIL is still held.
unsafe fn restore_main(main_state: *mut ffi::PyThreadState) {
    // SAFETY: main_state is this thread's main-interpreter thread state.
    unsafe {
        #[cfg(Py_3_12)]
        ffi::PyEval_RestoreThread(main_state);
        #[cfg(not(Py_3_12))]
        ffi::PyThreadState_Swap(main_state);
    }
}

/// Runs [`BOOTSTRAP`] in the current (sub)interpreter and returns `result`.
unsafe fn run_bootstrap(python_dir: &str, params: &str) -> Result<String> {
    // SAFETY: a subinterpreter's thread state is current and holds its GIL; every
    // new reference is released before returning.
    unsafe {
        let globals = ffi::PyDict_New();
        if globals.is_null() {
            bail!("PyDict_New failed in a subinterpreter");
        }
        ffi::PyDict_SetItemString(globals, c"__builtins__".as_ptr(), ffi::PyEval_GetBuiltins());
        for (key, value) in [(c"python_dir", python_dir), (c"params", params)] {
            let text = CString::new(value)?;
            let obj = ffi::PyUnicode_FromString(text.as_ptr());
            ffi::PyDict_SetItemString(globals, key.as_ptr(), obj);
            ffi::Py_XDECREF(obj);
        }
        let outcome = ffi::PyRun_String(BOOTSTRAP.as_ptr(), ffi::Py_file_input, globals, globals);
        let answer = if outcome.is_null() {
            ffi::PyErr_Clear();
            Err(anyhow!("the subinterpreter bootstrap raised"))
        } else {
            ffi::Py_DECREF(outcome);
            let result = ffi::PyDict_GetItemString(globals, c"result".as_ptr());
            let mut len: ffi::Py_ssize_t = 0;
            let utf8 = if result.is_null() {
                std::ptr::null()
            } else {
                ffi::PyUnicode_AsUTF8AndSize(result, &mut len)
            };
            if utf8.is_null() {
                ffi::PyErr_Clear();
                Err(anyhow!("the subinterpreter left no result"))
            } else {
                let bytes = std::slice::from_raw_parts(utf8 as *const u8, len as usize);
                Ok(String::from_utf8_lossy(bytes).into_owned())
            }
        };
        ffi::Py_DECREF(globals);
        answer
    }
}
