//! A Python strategy run by a harness process in another interpreter (`--python`).

use std::sync::Arc;

use anyhow::{Result, anyhow};
use serde_json::json;

use super::python_harness::chunk_of;
use super::{Implementation, Sample, Strategy, Timing};
use crate::cpython::harness::RemoteHarness;
use crate::cpython::interpreter::InterpreterFacts;
use crate::engine::kernels::Value;
use crate::engine::workload::{Kernel, Setup};

/// The Python strategies a harness process can run, with their harness model.
pub const REMOTE_MODELS: [(&str, &str); 5] = [
    ("py-sequential", "sequential"),
    ("py-threads", "threads"),
    ("py-process-pool", "process_pool"),
    ("py-subinterpreters", "subinterpreters"),
    ("py-interpreter-pool", "interpreter_pool"),
];

/// `id` run by `harness`, timed inside that interpreter.
pub struct RemoteStrategy {
    pub id: &'static str,
    pub model: &'static str,
    pub method: &'static str,
    pub harness: Arc<RemoteHarness>,
}

impl Strategy for RemoteStrategy {
    fn id(&self) -> &'static str {
        self.id
    }
    fn implementation(&self) -> Implementation {
        Implementation::Python
    }
    fn method(&self) -> &'static str {
        self.method
    }
    fn workers(&self, setup: &Setup) -> usize {
        if self.model == "sequential" {
            1
        } else {
            setup.workers
        }
    }
    fn process(&self) -> Option<u32> {
        self.harness.pid()
    }
    fn runs_in(&self) -> Option<&InterpreterFacts> {
        Some(&self.harness.facts)
    }
    fn unavailable(&self, _setup: &Setup) -> Option<String> {
        if !matches!(self.model, "interpreter_pool" | "subinterpreters") {
            return None;
        }
        match self
            .harness
            .ask(&json!({"model": "reason", "of": self.model}))
        {
            Ok(answer) => answer["reason"].as_str().map(str::to_string),
            Err(e) => Some(format!("could not check: {e}")),
        }
    }
    fn note(&self, setup: &Setup) -> Option<String> {
        if self.model == "subinterpreters" {
            return Some(
                "isolated subinterpreters (own GIL) made from Python with _interpreters; wall time includes creating them"
                    .into(),
            );
        }
        (self.model == "process_pool").then(|| {
            format!(
                "{}, start method {}; wall time includes starting {} worker processes",
                if setup.workload.kernel == Kernel::SqrtSum {
                    "multiprocessing.Pool.map"
                } else {
                    "ProcessPoolExecutor"
                },
                setup.start_method,
                setup.workers
            )
        })
    }
    fn run(&self, setup: &Setup) -> Result<Sample> {
        let w = &setup.workload;
        let answer = self.harness.ask(&json!({
            "model": self.model,
            "kernel": w.kernel.python_name(),
            "size": w.size,
            "tasks": w.tasks,
            "chunk": w.chunk,
            "workers": setup.workers,
            "start_method": setup.start_method,
            "api": if w.kernel == Kernel::SqrtSum { "pool" } else { "executor" },
        }))?;
        let checksum = Value::parse(
            answer["kind"].as_str().unwrap_or(""),
            answer["value"]
                .as_str()
                .ok_or_else(|| anyhow!("no value"))?,
        )?;
        let chunks: Vec<(u64, u64, u64, u64)> = serde_json::from_value(answer["chunks"].clone())?;
        let num = |k: &str| answer[k].as_f64().ok_or_else(|| anyhow!("no {k}"));
        Ok(Sample {
            checksum,
            chunks: chunks.into_iter().map(chunk_of).collect(),
            worker_cpu_s: 0.0,
            timing: Some(Timing {
                wall_s: num("wall_s")?,
                cpu_s: num("cpu_s")?,
                start_ns: answer["start_ns"]
                    .as_u64()
                    .ok_or_else(|| anyhow!("no start_ns"))?,
            }),
        })
    }
}
