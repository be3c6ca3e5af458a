//! A Python strategy run by a harness process in another interpreter (`--python`).

use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use serde_json::json;

use super::python_harness::chunk_of;
use super::{Gil, Model, Sample, Strategy, Timing, dask};
use crate::cpython::harness::RemoteHarness;
use crate::cpython::interpreter::InterpreterFacts;
use crate::engine::kernels::Value;
use crate::engine::tachyon::TachyonCheck;
use crate::engine::workload::{Kernel, Setup};

/// A Python model run by `harness` (its `Model::harness` names it there), timed inside that interpreter.
pub struct RemoteStrategy {
    pub model: &'static Model,
    pub harness: Arc<RemoteHarness>,
}

impl RemoteStrategy {
    /// The harness's name for the model.
    fn kind(&self) -> &'static str {
        self.model.harness.unwrap_or("")
    }
}

impl RemoteStrategy {
    /// The harness's reason why `of` cannot run here, if it cannot.
    fn reason(&self, of: &str, args: serde_json::Value) -> Option<String> {
        match self
            .harness
            .ask(&json!({"model": "reason", "of": of, "args": args}))
        {
            Ok(answer) => answer["reason"].as_str().map(str::to_string),
            Err(e) => Some(format!("could not check: {e}")),
        }
    }
}

impl Strategy for RemoteStrategy {
    fn model(&self) -> &'static Model {
        self.model
    }
    fn workers(&self, setup: &Setup) -> usize {
        if self.model.baseline {
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
    fn unavailable(&self, setup: &Setup) -> Option<String> {
        if setup.workload.kernel.releases_the_gil()
            && let Some(why) = self.reason("kernel", json!([setup.workload.kernel.python_name()]))
        {
            return Some(why);
        }
        let args = match self.kind() {
            "interpreter_pool" | "subinterpreters" => json!([]),
            dask::HARNESS => match dask::scenario_reason(self.model, setup) {
                Some(why) => return Some(why),
                None => json!([self.model.id, dask::address(self.model, setup)]),
            },
            _ => return None,
        };
        self.reason(self.kind(), args)
    }
    fn note(&self, setup: &Setup) -> Option<String> {
        if self.kind() == dask::HARNESS {
            return Some(dask::note(self.model, setup));
        }
        if self.kind() == "subinterpreters" {
            return Some(
                "isolated subinterpreters (own GIL) made from Python; wall time includes creating them"
                    .into(),
            );
        }
        (self.kind() == "process_pool").then(|| {
            format!(
                "{}; wall time includes starting {} worker processes",
                if setup.workload.kernel == Kernel::SqrtSum {
                    "multiprocessing.Pool.map"
                } else {
                    "ProcessPoolExecutor"
                },
                setup.workers
            )
        })
    }
    fn tachyon(&self, setup: &Setup) -> Option<Result<TachyonCheck>> {
        // Threads of one interpreter are what both instruments can see.
        if self.model.gil != Gil::OneInterpreter || self.model.baseline {
            return None;
        }
        if self.harness.facts.tachyon_reason.is_some() || self.harness.facts.gil_disabled {
            return None;
        }
        let w = &setup.workload;
        Some(
            self.harness
                .ask(&json!({
                    "model": "tachyon",
                    "of": self.kind(),
                    "kernel": w.kernel.python_name(),
                    "size": w.size,
                    "tasks": w.tasks,
                    "chunk": w.chunk,
                    "workers": setup.workers,
                }))
                .and_then(|answer| TachyonCheck::from_answer(&answer)),
        )
    }
    fn run(&self, setup: &Setup) -> Result<Sample> {
        let w = &setup.workload;
        let mut request = json!({
            "model": self.kind(),
            "kernel": w.kernel.python_name(),
            "size": w.size,
            "tasks": w.tasks,
            "chunk": w.chunk,
            "workers": setup.workers,
            "api": if w.kernel == Kernel::SqrtSum { "pool" } else { "executor" },
            "strategy": self.model.id,
            "address": dask::address(self.model, setup),
        });
        // Without --start-method the pool uses that interpreter's own default.
        if let Some(method) = &setup.start_method {
            request["start_method"] = method.as_str().into();
        }
        if !setup.probe {
            request["probe_interval_s"] = serde_json::Value::Null;
        }
        if let Some(user) = &setup.user {
            request["user"] = user.spec().into();
        }
        let answer = self.harness.ask(&request)?;
        let checksum = Value::parse(
            answer["kind"].as_str().unwrap_or(""),
            answer["value"]
                .as_str()
                .ok_or_else(|| anyhow!("no value"))?,
        )?;
        let chunks: Vec<(u64, u64, u64, u64)> = serde_json::from_value(answer["chunks"].clone())?;
        let chunks = chunks.into_iter().map(chunk_of).collect();
        if !answer["details"].is_null() {
            let details = serde_json::from_value(answer["details"].clone())
                .context("decoding the dask run's details")?;
            return Ok(dask::sample(checksum, chunks, details));
        }
        let num = |k: &str| answer[k].as_f64().ok_or_else(|| anyhow!("no {k}"));
        Ok(Sample {
            checksum,
            chunks,
            worker_cpu_s: 0.0,
            timing: Some(Timing {
                wall_s: num("wall_s")?,
                cpu_s: num("cpu_s")?,
                start_ns: answer["start_ns"]
                    .as_u64()
                    .ok_or_else(|| anyhow!("no start_ns"))?,
                setup_s: 0.0,
            }),
            report: serde_json::from_value(answer.clone()).unwrap_or_default(),
            cluster: None,
        })
    }
}
