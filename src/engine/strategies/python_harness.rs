//! Calls into `python/gil_lab/harness/models.py` and turns its answer into a [`Sample`].

use anyhow::{Result, anyhow};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFloat};

use super::{Model, RunReport, Sample};
use crate::cpython::interpreter::format_py_err;
use crate::engine::kernels::Value;
use crate::engine::timeline::Chunk;
use crate::engine::user_function::UserFunction;
use crate::engine::workload::{Kernel, Setup};

/// `harness.<function>(*args)` → `(checksum, chunks, worker_cpu_s)`.
pub fn call<A>(function: &str, args: A) -> Result<Sample>
where
    A: for<'py> pyo3::call::PyCallArgs<'py>,
{
    call_reported(function, args, false)
}

/// Like [`call`]; with `reported`, the function also fills a `report=` dict
/// (API, start method, warnings) that comes back as the sample's [`RunReport`].
pub fn call_reported<A>(function: &str, args: A, reported: bool) -> Result<Sample>
where
    A: for<'py> pyo3::call::PyCallArgs<'py>,
{
    Python::attach(|py| -> PyResult<Sample> {
        let function_object = py.import("gil_lab.harness.models")?.getattr(function)?;
        let report = PyDict::new(py);
        let answer = if reported {
            let kwargs = PyDict::new(py);
            kwargs.set_item("report", &report)?;
            function_object.call(args, Some(&kwargs))?
        } else {
            function_object.call1(args)?
        };
        sample_with_report(py, &answer, &report)
    })
    .map_err(|e| anyhow!("harness.{function} failed:\n{}", format_py_err(&e)))
}

/// Runs the user's function under `model` in the embedded interpreter
/// (`gil_lab.harness.user_function.run`): the kernels' answer, with the report that only
/// a user's function has (results, costs, what cannot run).
pub fn call_user(model: &Model, setup: &Setup, user: &UserFunction) -> Result<Sample> {
    let name = model.harness.unwrap_or(model.id);
    Python::attach(|py| -> PyResult<Sample> {
        let report = PyDict::new(py);
        let kwargs = PyDict::new(py);
        kwargs.set_item("report", &report)?;
        let answer = py
            .import("gil_lab.harness.user_function")?
            .getattr("run")?
            .call(
                (
                    name,
                    user.spec(),
                    setup.workers,
                    setup.start_method.as_deref(),
                ),
                Some(&kwargs),
            )?;
        sample_with_report(py, &answer, &report)
    })
    .map_err(|e| anyhow!("{} failed:\n{}", model.id, format_py_err(&e)))
}

/// An answer `(value, chunks, cpu_s)` and the `report` dict the run filled, as a [`Sample`].
pub fn sample_with_report(
    py: Python<'_>,
    answer: &Bound<'_, PyAny>,
    report: &Bound<'_, PyDict>,
) -> PyResult<Sample> {
    let (checksum, chunks, worker_cpu_s) = parse_answer(answer)?;
    let text: String = py
        .import("json")?
        .getattr("dumps")?
        .call1((report,))?
        .extract()?;
    Ok(Sample {
        checksum,
        chunks,
        worker_cpu_s,
        timing: None,
        report: serde_json::from_str::<RunReport>(&text).unwrap_or_default(),
        cluster: None,
    })
}

/// Why the embedded interpreter cannot run `kernel` (numpy missing), if it cannot.
pub fn kernel_reason(kernel: Kernel) -> Option<String> {
    if !kernel.releases_the_gil() {
        return None;
    }
    Python::attach(|py| -> PyResult<Option<String>> {
        py.import("gil_lab.kernels.tasks")?
            .getattr("kernel_reason")?
            .call1((kernel.python_name(),))?
            .extract()
    })
    .unwrap_or_else(|e| Some(format!("could not check: {}", format_py_err(&e))))
}

/// `(value, chunks, cpu_s)` as the harness returns it for a task or a whole run.
pub fn parse_answer(answer: &Bound<'_, PyAny>) -> PyResult<(Value, Vec<Chunk>, f64)> {
    type RawChunk = (u64, u64, u64, u64);
    let (value, chunks, cpu): (Bound<'_, PyAny>, Vec<RawChunk>, f64) = answer.extract()?;
    Ok((
        value_of(&value)?,
        chunks.into_iter().map(chunk_of).collect(),
        cpu,
    ))
}

/// A Python int or float as a [`Value`].
pub fn value_of(v: &Bound<'_, PyAny>) -> PyResult<Value> {
    if v.is_instance_of::<PyFloat>() {
        Ok(Value::Float(v.extract()?))
    } else {
        Ok(Value::Int(v.extract()?))
    }
}

pub fn chunk_of((worker, start_ns, end_ns, cpu_ns): (u64, u64, u64, u64)) -> Chunk {
    Chunk {
        worker,
        start_ns,
        end_ns,
        cpu_ns,
    }
}

/// Arguments shared by every harness model: kernel name, size, tasks, chunk.
pub fn workload_args(setup: &Setup) -> (&'static str, u64, usize, u64) {
    let w = &setup.workload;
    (w.kernel.python_name(), w.size, w.tasks, w.chunk)
}
