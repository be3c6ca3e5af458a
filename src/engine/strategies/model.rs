//! What a concurrency model is, as data kept beside its strategy: which row it
//! is measured against, how it meets the GIL, what its verdict may blame, and
//! where else (live, sweep, another interpreter's harness) it appears.

use serde::Serialize;

use crate::cpython::interpreter::InterpreterFacts;

/// Which sequential row a strategy's speedup is measured against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Implementation {
    /// Python kernel: compared with `py-sequential`.
    Python,
    /// Native kernel: compared with `rust-sequential`.
    Rust,
}

/// How a model's workers meet the GIL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gil {
    /// Threads of one interpreter: one GIL between them unless the build is free-threaded.
    OneInterpreter,
    /// Subinterpreters: a GIL each where the interpreter gives them their own, else one shared.
    PerSubinterpreter,
    /// Processes: an interpreter and a GIL each.
    PerProcess,
    /// Native work with the GIL released around it.
    Released,
    /// No Python at all.
    Native,
}

/// How `live` runs a model's group, if it shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveRole {
    /// `gil_lab.experiments.live.run_group(kind, …)` in a Python interpreter.
    Python(&'static str),
    /// Rust threads that attach to the embedded interpreter for every chunk.
    RustAttached,
    /// A rayon pool running the native kernel.
    Native,
}

/// One concurrency model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Model {
    /// Fixed id used by `--strategies`, exports and tests, e.g. `py-threads`.
    pub id: &'static str,
    pub implementation: Implementation,
    /// How it runs the tasks, in a few words.
    pub method: &'static str,
    /// What verdicts call it: "threads", "the pipeline".
    pub noun: &'static str,
    /// The sequential row its implementation's speedups are measured against.
    pub baseline: bool,
    pub gil: Gil,
    /// What coordinating its workers costs, for a row that overlapped yet gained little.
    pub overhead: &'static str,
    /// How `live` shows it; `None`: not a live group.
    pub live: Option<LiveRole>,
    /// Whether `sweep workers` draws its curve.
    pub sweep: bool,
    /// For a model that pays a hand-off per chunk (a GIL release, a channel
    /// message): the model without that cost it is set against in `sweep chunk`.
    pub chunk_reference: Option<&'static str>,
    /// The model name a harness process in another interpreter runs it by.
    pub harness: Option<&'static str>,
    /// Whether `compare` runs it without `--strategies` (dask rows start a cluster: asked for only).
    pub by_default: bool,
}

impl Model {
    /// Runs Python code, so it needs an interpreter (a detached row still attaches between chunks).
    pub fn uses_python(&self) -> bool {
        self.implementation == Implementation::Python || self.gil == Gil::Released
    }

    /// Whether its workers take turns on one GIL in an interpreter with `facts`.
    pub fn shares_one_gil(&self, facts: &InterpreterFacts) -> bool {
        self.shares_one_gil_given(facts.gil_disabled, facts.own_gil_subinterpreters)
    }

    /// [`Model::shares_one_gil`] from the two facts that decide it.
    pub fn shares_one_gil_given(&self, gil_disabled: bool, own_gil_subinterpreters: bool) -> bool {
        match self.gil {
            Gil::OneInterpreter => !gil_disabled,
            Gil::PerSubinterpreter => !own_gil_subinterpreters,
            Gil::PerProcess | Gil::Released | Gil::Native => false,
        }
    }

    /// Why its workers could run at once on CPU-bound work.
    pub fn why_parallel(&self) -> &'static str {
        match self.gil {
            Gil::OneInterpreter => "no GIL in this build: threads ran Python at the same time",
            Gil::PerProcess => "each process has its own interpreter and GIL",
            Gil::PerSubinterpreter => "each subinterpreter has its own GIL",
            Gil::Released => "the GIL was released (detach) around the native work",
            Gil::Native => "native threads need no GIL",
        }
    }
}
