//! The groups `live` shows: which workers, where they run, and how one is run.

use std::path::Path;

use anyhow::{Context, Result, bail};
use pyo3::prelude::*;
use serde::Deserialize;

use crate::cpython::interpreter::InterpreterFacts;
use crate::engine::kernels::{self, Value};
use crate::engine::strategies::{self, Gil};
use crate::engine::timeline::{Chunk, now_ns, thread_cpu_ns};
use crate::engine::workload::Kernel;
use crate::lab::live::slots::Slots;
use crate::os::threads::spawn_scoped;

/// How a group's workers run: the model's own live role.
pub use crate::engine::strategies::LiveRole as Runner;

/// One group of workers shown together.
#[derive(Debug, Clone)]
pub struct Group {
    pub id: &'static str,
    pub runner: Runner,
    pub workers: usize,
    /// The interpreter that runs its Python (`None`: no Python at all).
    pub interpreter: Option<InterpreterFacts>,
    /// Whether it runs in the embedded interpreter (so the GIL probe sees it).
    pub embedded: bool,
}

impl Group {
    /// The kernel's speed reference for this group: Python or native.
    pub fn is_native(&self) -> bool {
        self.runner == Runner::Native
    }

    /// Where its workers run: "3.11.7", "Rust + 3.11.7" or "Rust (native)".
    pub fn runs_in(&self) -> String {
        match (&self.runner, &self.interpreter) {
            (Runner::Native, _) | (_, None) => "Rust (native)".into(),
            (Runner::RustAttached, Some(i)) => format!("Rust + {}", i.python_version),
            (_, Some(i)) => i.python_version.clone(),
        }
    }
}

/// The groups of a scenario, in the order they run, and the ones left out with why.
pub fn plan(
    kernel: Kernel,
    workers: usize,
    embedded: &InterpreterFacts,
    other: Option<&InterpreterFacts>,
) -> (Vec<Group>, Vec<String>) {
    let python = other.unwrap_or(embedded);
    let mut groups = Vec::new();
    let mut skipped = Vec::new();
    for model in strategies::models() {
        let Some(runner) = model.live else { continue };
        let group = |interpreter: Option<&InterpreterFacts>, embedded: bool| Group {
            id: model.id,
            runner,
            workers: if model.baseline { 1 } else { workers },
            interpreter: interpreter.cloned(),
            embedded,
        };
        match runner {
            Runner::Python(_)
                if model.gil == Gil::PerSubinterpreter && python.version_info < vec![3, 13] =>
            {
                skipped.push(format!(
                    "{}: own-GIL subinterpreters need Python 3.13's _interpreters; {} has none (try --python 3.13)",
                    model.id, python.python_version
                ));
            }
            Runner::Python(_) => groups.push(group(Some(python), other.is_none())),
            Runner::RustAttached => groups.push(group(Some(embedded), true)),
            Runner::Native if kernel.is_cpu_bound() => groups.push(group(None, true)),
            Runner::Native => {}
        }
    }
    (groups, skipped)
}

/// What a group needs to run.
pub struct Work<'a> {
    pub kernel: Kernel,
    /// Iterations per Python chunk (ms per wait for `io_wait`).
    pub python_chunk: u64,
    /// Iterations per native chunk.
    pub native_chunk: u64,
    pub start_method: Option<&'a str>,
    pub python_dir: &'a Path,
}

#[derive(Deserialize)]
struct Answer {
    chunks: Vec<(u64, u64, u64, u64)>,
}

/// Runs `group` until `slots` says stop; returns the chunks its workers kept.
pub fn run(group: &Group, work: &Work, slots: &Slots) -> Result<Vec<Chunk>> {
    let tuples = match group.runner {
        Runner::Python(kind) if group.embedded => embedded_python(kind, group, work, slots)?,
        Runner::Python(kind) => other_python(kind, group, work, slots)?,
        Runner::RustAttached => return rust_attached(group, work, slots),
        Runner::Native => return native(group, work, slots),
    };
    Ok(tuples
        .into_iter()
        .map(|(worker, start_ns, end_ns, cpu_ns)| Chunk {
            worker,
            start_ns,
            end_ns,
            cpu_ns,
        })
        .collect())
}

fn embedded_python(
    kind: &str,
    group: &Group,
    work: &Work,
    slots: &Slots,
) -> Result<Vec<(u64, u64, u64, u64)>> {
    let text: String = Python::attach(|py| -> PyResult<String> {
        py.import("gil_lab.experiments.live")?
            .getattr("run_group")?
            .call1((
                kind,
                slots.path().to_string_lossy().into_owned(),
                group.workers,
                work.kernel.python_name(),
                work.python_chunk,
                work.start_method,
            ))?
            .extract()
    })
    .map_err(|e| anyhow::anyhow!(crate::cpython::interpreter::format_py_err(&e)))
    .with_context(|| format!("{} failed", group.id))?;
    Ok(serde_json::from_str::<Answer>(&text)?.chunks)
}

fn other_python(
    kind: &str,
    group: &Group,
    work: &Work,
    slots: &Slots,
) -> Result<Vec<(u64, u64, u64, u64)>> {
    let facts = group.interpreter.as_ref().context("no interpreter")?;
    let out = crate::cpython::launcher::python(&facts.executable, work.python_dir)
        .args(["-m", "gil_lab.experiments.live", kind])
        .arg(slots.path())
        .args([
            group.workers.to_string(),
            work.kernel.python_name().to_string(),
            work.python_chunk.to_string(),
            work.start_method.unwrap_or("default").to_string(),
        ])
        .output()
        .with_context(|| format!("starting {}", facts.executable))?;
    if !out.status.success() {
        bail!(
            "{} in {} failed ({}):\n{}",
            group.id,
            facts.executable,
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(serde_json::from_slice::<Answer>(&out.stdout)
        .with_context(|| format!("decoding the answer of {}", facts.executable))?
        .chunks)
}

pub use crate::report::live::TIMELINE_S;
const TIMELINE_NS: u64 = (TIMELINE_S * 1e9) as u64;

/// One worker's loop: `step` runs a chunk; progress goes to `slots`.
fn worker_loop(
    worker: usize,
    slots: &Slots,
    mut step: impl FnMut() -> Result<()>,
) -> Result<Vec<Chunk>> {
    let begun = now_ns();
    let mut chunks = Vec::new();
    let mut done = 0;
    while !slots.stopped() {
        let (start_ns, cpu) = (now_ns(), thread_cpu_ns());
        step()?;
        done += 1;
        slots.set_done(worker, done);
        if start_ns < begun + TIMELINE_NS {
            chunks.push(Chunk {
                worker: worker as u64,
                start_ns,
                end_ns: now_ns(),
                cpu_ns: thread_cpu_ns() - cpu,
            });
        }
    }
    Ok(chunks)
}

fn rust_attached(group: &Group, work: &Work, slots: &Slots) -> Result<Vec<Chunk>> {
    let kernel = work.kernel.python_name();
    let chunk = work.python_chunk;
    let per_worker: Vec<Result<Vec<Chunk>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..group.workers)
            .map(|w| {
                spawn_scoped(scope, format!("gil-lab-live-{w}"), move || {
                    let step = Python::attach(|py| -> PyResult<Py<PyAny>> {
                        Ok(py
                            .import("gil_lab.experiments.live")?
                            .getattr("one_chunk")?
                            .unbind())
                    })?;
                    worker_loop(w, slots, || {
                        Python::attach(|py| step.call1(py, (kernel, chunk)).map(|_| ())).map_err(
                            |e| anyhow::anyhow!(crate::cpython::interpreter::format_py_err(&e)),
                        )
                    })
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h?.join()
                    .unwrap_or_else(|_| bail!("a worker thread panicked"))
            })
            .collect()
    });
    flatten(per_worker)
}

fn native(group: &Group, work: &Work, slots: &Slots) -> Result<Vec<Chunk>> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(group.workers)
        .thread_name(|i| format!("gil-lab-rayon-{i}"))
        .build()?;
    let (kernel, chunk) = (work.kernel, work.native_chunk);
    // broadcast: exactly one worker loop on each thread of the pool.
    let per_worker: Vec<Result<Vec<Chunk>>> = pool.broadcast(|ctx| {
        worker_loop(ctx.index(), slots, || {
            std::hint::black_box(kernels::run_chunk(kernel, 0, chunk, Value::zero(kernel)));
            Ok(())
        })
    });
    flatten(per_worker)
}

fn flatten(per_worker: Vec<Result<Vec<Chunk>>>) -> Result<Vec<Chunk>> {
    let mut all = Vec::new();
    for chunks in per_worker {
        all.extend(chunks?);
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn python(version: [u32; 3], gil_disabled: bool) -> InterpreterFacts {
        InterpreterFacts {
            implementation: "CPython".into(),
            python_version: format!("{}.{}.{}", version[0], version[1], version[2]),
            version_info: version.to_vec(),
            executable: "/p/python3".into(),
            prefix: "/p".into(),
            free_threaded_build: gil_disabled,
            gil_disabled,
            own_gil_subinterpreters: version[1] >= 12,
            interpreter_pool: false,
            start_method: "fork".into(),
            cpus: 2,
            ..Default::default()
        }
    }

    fn ids(groups: &[Group]) -> Vec<&str> {
        groups.iter().map(|g| g.id).collect()
    }

    #[test]
    fn subinterpreters_join_from_313_with_or_without_the_gil() {
        let (groups, skipped) = plan(Kernel::SumSquares, 2, &python([3, 11, 7], false), None);
        assert!(!ids(&groups).contains(&"py-subinterpreters"));
        assert!(
            skipped[0].starts_with("py-subinterpreters: "),
            "{skipped:?}"
        );
        for gil_disabled in [false, true] {
            let other = python([3, 13, 5], gil_disabled);
            let (groups, skipped) = plan(
                Kernel::SumSquares,
                2,
                &python([3, 11, 7], false),
                Some(&other),
            );
            use crate::engine::strategies::{
                py_process_pool, py_sequential, py_subinterpreters, py_threads, rayon_par_iter,
                rust_threads_attached,
            };
            assert_eq!(
                ids(&groups),
                [
                    py_sequential::MODEL.id,
                    py_threads::MODEL.id,
                    py_process_pool::MODEL.id,
                    py_subinterpreters::MODEL.id,
                    rust_threads_attached::MODEL.id,
                    rayon_par_iter::MODEL.id,
                ]
            );
            assert!(skipped.is_empty(), "{skipped:?}");
        }
    }
}
