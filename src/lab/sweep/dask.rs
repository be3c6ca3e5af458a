//! `gil-lab sweep dask`: what one task costs on a warm dask cluster, measured
//! by `gil_lab.dask.overhead.overhead` (empty tasks one by one and mapped, then
//! tasks of growing size on dask against a plain loop).

use anyhow::{Result, bail};

use crate::cpython::interpreter::call_json;
use crate::engine::strategies::dask;
use crate::engine::strategies::py_dask::MODEL;
pub use crate::report::dask::OverheadSweep;

/// Worker processes of the LocalCluster the sweep starts.
pub const WORKERS: usize = 2;

/// Measures dask's per-task overhead on a LocalCluster, or on the scheduler at `address`.
pub fn overhead(quick: bool, address: Option<&str>) -> Result<OverheadSweep> {
    if let Some(address) = address {
        crate::os::net::check_scheduler(address, crate::os::net::CONNECT_TIMEOUT)?;
    }
    if let Some(why) = dask::reason(&MODEL, address) {
        bail!("{why}");
    }
    call_json(
        "gil_lab.dask.overhead",
        "overhead_json",
        (MODEL.id, WORKERS, address, quick),
    )
}
