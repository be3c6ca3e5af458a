//! `gil-lab sweep`: one figure measured across a range — workers, chunk size,
//! payload size, worker kind. The IPC and memory experiments are `python/gil_lab/sweeps.py`.

pub mod chunk;
pub mod dask;
pub mod workers;

use anyhow::Result;

use crate::cpython::interpreter::call_json;
pub use crate::report::sweep::{IpcSweep, MemorySweep};

/// `gil_lab.sweeps.ipc`: a payload sent to a worker and back, by route and size.
pub fn ipc(quick: bool) -> Result<IpcSweep> {
    call_json("gil_lab.sweeps", "ipc", (quick,))
}

/// `gil_lab.sweeps.memory`: PSS and RSS per worker kind, with and without a preloaded object.
pub fn memory(quick: bool, preload_mb: u64) -> Result<MemorySweep> {
    call_json("gil_lab.sweeps", "memory", (quick, preload_mb))
}
