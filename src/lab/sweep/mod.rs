//! `gil-lab sweep`: one figure measured across a range — workers, payload size,
//! worker kind — as a table, JSON, Markdown and an SVG chart.

pub mod workers;

use anyhow::Result;
use serde_json::Value;

use crate::cpython::interpreter::call_json;

/// `gil_lab.sweeps.ipc`: a payload sent to a worker and back, by route and size.
pub fn ipc(quick: bool) -> Result<Value> {
    call_json("gil_lab.sweeps", "ipc", (quick,))
}

/// `gil_lab.sweeps.memory`: PSS and RSS per worker kind, with and without a preloaded object.
pub fn memory(quick: bool, preload_mb: u64) -> Result<Value> {
    call_json("gil_lab.sweeps", "memory", (quick, preload_mb))
}
