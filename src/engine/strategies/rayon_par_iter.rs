use std::sync::{Arc, Mutex};

use anyhow::{Result, anyhow};
use rayon::prelude::*;

use super::{Gil, Implementation, LiveRole, Model, Sample, Strategy, combine};
use crate::engine::kernels::{Value, run_task};
use crate::engine::workload::Setup;

/// The model this file runs.
pub const MODEL: Model = Model {
    id: "rayon",
    implementation: Implementation::Rust,
    method: "rayon par_iter, native kernel",
    noun: "rayon",
    baseline: false,
    gil: Gil::Native,
    overhead: "splitting the work and joining rayon's workers",
    live: Some(LiveRole::Native),
    sweep: true,
    chunk_reference: None,
    harness: None,
    by_default: true,
};

/// `par_iter` over the tasks on a rayon pool of `workers` threads.
///
/// The pool is built on first use and reused, as a program reuses rayon's global
/// pool: a fresh pool's threads are still starting when a millisecond-long task
/// is handed out, and the run would measure thread start-up instead of rayon.
#[derive(Default)]
pub struct Rayon {
    pool: Mutex<Option<(usize, Arc<rayon::ThreadPool>)>>,
}

impl Rayon {
    fn pool(&self, workers: usize) -> Result<Arc<rayon::ThreadPool>> {
        let mut slot = self
            .pool
            .lock()
            .map_err(|_| anyhow!("rayon pool lock poisoned"))?;
        match slot.as_ref() {
            Some((n, pool)) if *n == workers => Ok(pool.clone()),
            _ => {
                let pool = Arc::new(
                    rayon::ThreadPoolBuilder::new()
                        .num_threads(workers)
                        .build()?,
                );
                *slot = Some((workers, pool.clone()));
                Ok(pool)
            }
        }
    }
}

impl Strategy for Rayon {
    fn model(&self) -> &'static Model {
        &MODEL
    }
    fn note(&self, _setup: &Setup) -> Option<String> {
        Some("the rayon pool is built once and reused across runs".into())
    }
    fn run(&self, setup: &Setup) -> Result<Sample> {
        let w = &setup.workload;
        let results = self.pool(setup.workers)?.install(|| {
            (0..w.tasks)
                .into_par_iter()
                .map(|_| run_task(w, rayon::current_thread_index().unwrap_or(0) as u64))
                .collect()
        });
        Ok(combine(results, Value::zero(w.kernel)))
    }
}
