use anyhow::{Result, anyhow};
use crossbeam::channel;

use super::{Gil, Implementation, Model, Sample, Strategy};
use crate::engine::kernels::{Value, chunk_bounds, run_chunk};
use crate::engine::timeline::{Chunk, now_ns, thread_cpu_ns};
use crate::engine::workload::{Kernel, Setup};
use crate::os::threads::spawn_scoped;

/// The model this file runs.
pub const MODEL: Model = Model {
    id: "crossbeam-pipeline",
    implementation: Implementation::Rust,
    method: "crossbeam channels: producer, workers, collector",
    noun: "the pipeline",
    baseline: false,
    gil: Gil::Native,
    overhead: "handing chunks through channels and waking the workers for each",
    live: None,
    sweep: false,
    chunk_reference: Some("rayon"),
    harness: None,
    by_default: true,
};

/// Producer → workers → collector over crossbeam channels: "share memory by
/// communicating". Workers own no task; they compute whatever chunk arrives.
pub struct CrossbeamPipeline;

impl Strategy for CrossbeamPipeline {
    fn model(&self) -> &'static Model {
        &MODEL
    }
    fn note(&self, setup: &Setup) -> Option<String> {
        (setup.workload.kernel == Kernel::SqrtSum).then(|| {
            "each chunk is summed on its own: the float checksum agrees within 1e-9".into()
        })
    }
    fn run(&self, setup: &Setup) -> Result<Sample> {
        let w = &setup.workload;
        let bounds = chunk_bounds(w);
        let (work_tx, work_rx) = channel::bounded::<(usize, usize, u64, u64)>(setup.workers * 2);
        let (done_tx, done_rx) = channel::unbounded::<(usize, usize, Value, Chunk)>();
        let per_task = bounds.len();
        let mut partials = vec![vec![None; per_task]; w.tasks];
        let mut chunks = Vec::with_capacity(per_task * w.tasks);
        std::thread::scope(|scope| -> Result<()> {
            let producer = spawn_scoped(scope, "gil-lab-producer", || {
                for task in 0..w.tasks {
                    for (index, &(lo, hi)) in bounds.iter().enumerate() {
                        // A timed-out run gets no more chunks; its result is thrown away.
                        if crate::cpython::deadline::stop_requested()
                            || work_tx.send((task, index, lo, hi)).is_err()
                        {
                            return;
                        }
                    }
                }
                drop(work_tx);
            })?;
            let workers: Vec<_> = (0..setup.workers)
                .map(|worker| {
                    let (rx, tx) = (work_rx.clone(), done_tx.clone());
                    spawn_scoped(scope, format!("gil-lab-pipeline-{worker}"), move || {
                        for (task, index, lo, hi) in rx {
                            let (start_ns, cpu0) = (now_ns(), thread_cpu_ns());
                            let value = run_chunk(w.kernel, lo, hi, Value::zero(w.kernel));
                            let chunk = Chunk {
                                worker: worker as u64,
                                start_ns,
                                end_ns: now_ns(),
                                cpu_ns: thread_cpu_ns().saturating_sub(cpu0),
                            };
                            if tx.send((task, index, value, chunk)).is_err() {
                                return;
                            }
                        }
                    })
                })
                .collect::<Result<_>>()?;
            drop(done_tx);
            for (task, index, value, chunk) in done_rx.iter() {
                partials[task][index] = Some(value);
                chunks.push(chunk);
            }
            producer
                .join()
                .map_err(|_| anyhow!("producer thread panicked"))?;
            for (n, h) in workers.into_iter().enumerate() {
                h.join()
                    .map_err(|_| anyhow!("pipeline worker {n} panicked"))?;
            }
            Ok(())
        })?;
        let mut checksum = Value::zero(w.kernel);
        for task in partials {
            let mut task_value = Value::zero(w.kernel);
            for part in task {
                task_value =
                    task_value.plus(part.ok_or_else(|| anyhow!("a chunk never came back"))?);
            }
            checksum = checksum.plus(task_value);
        }
        Ok(Sample {
            checksum,
            chunks,
            worker_cpu_s: 0.0,
            timing: None,
            report: Default::default(),
            cluster: None,
        })
    }
}
