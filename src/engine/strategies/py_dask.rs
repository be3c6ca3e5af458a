use super::{Gil, Implementation, Model, dask};

/// The model this file runs.
pub const MODEL: Model = Model {
    id: "py-dask",
    implementation: Implementation::Python,
    method: "dask.distributed: worker processes × 1 thread (Client.submit)",
    noun: "dask workers",
    baseline: false,
    gil: Gil::PerProcess,
    overhead: dask::OVERHEAD,
    live: None,
    sweep: false,
    harness: Some(dask::HARNESS),
    by_default: false,
    chunk_reference: None,
};

/// Runs it: dask.distributed with one-thread worker processes: a `LocalCluster` of
/// `workers` processes started for the run, or the scheduler named by `--dask`
/// (an existing cluster, possibly on other machines). Each worker has its own
/// interpreter and GIL, as in a process pool; every task goes through the scheduler.
pub const STRATEGY: dask::Dask = dask::Dask(&MODEL);
