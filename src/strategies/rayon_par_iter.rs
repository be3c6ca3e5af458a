use anyhow::Result;
use rayon::prelude::*;

use super::{Implementation, Sample, Strategy, combine};
use crate::kernels::{Value, run_task};
use crate::workload::Setup;

/// `par_iter` over the tasks on a rayon pool of `workers` threads.
pub struct Rayon;

impl Strategy for Rayon {
    fn id(&self) -> &'static str {
        "rayon"
    }
    fn implementation(&self) -> Implementation {
        Implementation::Rust
    }
    fn method(&self) -> &'static str {
        "rayon par_iter, native kernel"
    }
    fn run(&self, setup: &Setup) -> Result<Sample> {
        let w = &setup.workload;
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(setup.workers)
            .build()?;
        let results = pool.install(|| {
            (0..w.tasks)
                .into_par_iter()
                .map(|_| run_task(w, rayon::current_thread_index().unwrap_or(0) as u64))
                .collect()
        });
        Ok(combine(results, Value::zero(w.kernel)))
    }
}
