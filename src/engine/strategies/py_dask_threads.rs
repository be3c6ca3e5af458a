use super::{Gil, Implementation, Model, dask};

/// The model this file runs.
pub const MODEL: Model = Model {
    id: "py-dask-threads",
    implementation: Implementation::Python,
    method: "dask.distributed: 1 worker process × threads (Client.submit)",
    noun: "the dask worker's threads",
    baseline: false,
    gil: Gil::OneInterpreter,
    overhead: dask::OVERHEAD,
    live: None,
    sweep: false,
    harness: Some(dask::HARNESS),
    by_default: false,
    chunk_reference: None,
};

/// Runs it: dask.distributed with one worker process of `workers` threads (a `LocalCluster`
/// started for the run): the tasks take turns on that worker's GIL, as threads do,
/// unless the interpreter is a free-threaded build.
pub const STRATEGY: dask::Dask = dask::Dask(&MODEL);
