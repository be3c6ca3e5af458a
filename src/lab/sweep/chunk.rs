//! `gil-lab sweep chunk`: the same native work cut into chunks of 1k … 1M
//! iterations. Releasing the GIL around a chunk (`rust-threads-detached`) or
//! handing it through a channel (`crossbeam-pipeline`) costs about the same
//! each time, whatever the chunk holds: small chunks show that cost, and their
//! references (`rust-threads`, `rayon`), which pay nothing per chunk, show how
//! much of it there was.

use anyhow::Result;

use crate::cpython::interpreter::Embedded;
use crate::engine::chunking::{NATIVE_CHUNK, iterations_per_native_chunk};
use crate::engine::measure::{Progress, Silent};
use crate::engine::strategies::{self, Model};
use crate::engine::workload::Scenario;
use crate::lab::compare::{CompareOptions, compare};
use crate::os::machine::Machine;
pub use crate::report::sweep::{ChunkCurve, ChunkPoint, ChunkSweep};

/// Iterations per chunk, in increasing order: about 1 µs to 1 ms of native work.
pub const CHUNKS: [u64; 6] = [1_000, 4_000, 16_000, 64_000, 256_000, 1_000_000];

pub struct ChunkOptions {
    pub quick: bool,
}

/// The models that hand off per chunk, each followed by its reference, in table order.
fn swept() -> Vec<&'static Model> {
    let models = strategies::models();
    models
        .iter()
        .copied()
        .filter(|m| {
            m.chunk_reference.is_some() || models.iter().any(|o| o.chunk_reference == Some(m.id))
        })
        .collect()
}

pub fn sweep(
    python: &Embedded,
    options: &ChunkOptions,
    progress: &mut dyn Progress,
) -> Result<ChunkSweep> {
    let facts = python.facts()?;
    let workers = crate::os::machine::cpus();
    let total: u64 = if options.quick {
        24_000_000
    } else {
        96_000_000
    };
    let size = total / workers as u64;
    let runs = if options.quick { 2 } else { 5 };
    let scenario = Scenario::Threading;
    let per_ms =
        iterations_per_native_chunk(scenario.kernel()) as f64 / NATIVE_CHUNK.as_secs_f64() / 1e3;
    let models = swept();
    let mut curves: Vec<ChunkCurve> = models
        .iter()
        .map(|m| ChunkCurve {
            model: m.id.to_string(),
            reference: m.chunk_reference.map(str::to_string),
            points: Vec::new(),
        })
        .collect();
    progress.start(CHUNKS.len());
    for chunk in CHUNKS {
        progress.step(&format!("{chunk} iterations per chunk"));
        let compare_options = CompareOptions {
            scenarios: vec![scenario],
            workers: Some(workers),
            tasks: Some(workers),
            size: Some(size),
            runs: Some(runs),
            warmup: Some(1),
            quick: options.quick,
            strategies: Some(models.iter().map(|m| m.id.to_string()).collect()),
            no_probe: true,
            force: true,
            native_chunk: Some(chunk),
            ..CompareOptions::default()
        };
        for outcome in compare(python, &compare_options, &mut Silent)? {
            for row in outcome.report.results.iter().filter(|r| r.status.is_ok()) {
                let (Some(curve), Some(speedup)) = (
                    curves.iter_mut().find(|c| c.model == row.strategy),
                    row.speedup,
                ) else {
                    continue;
                };
                curve.points.push(ChunkPoint {
                    chunk,
                    chunk_us: chunk as f64 / per_ms * 1e3,
                    speedup,
                    speedup_median: row.speedup_median,
                    wall_s: row.wall_s,
                    vs_reference: None,
                    extra_us_per_chunk: None,
                });
            }
        }
    }
    progress.finish();
    let mut s = ChunkSweep {
        sweep: "chunk",
        machine: Machine::this(),
        interpreter: facts.label(),
        workload: format!(
            "sum(i*i for i in range({size})) natively, one task per worker, {total} iterations in all"
        ),
        total_iterations: total,
        workers,
        runs,
        iterations_per_ms: per_ms as u64,
        curves,
        notes: Vec::new(),
    };
    s.relate_to_references(|chunk| chunks_per_worker(size, chunk));
    if workers < 2 {
        s.notes
            .push("one CPU: nothing runs at once, so only the per-chunk cost shows".into());
    }
    Ok(s)
}

/// Chunks one worker runs: its one task of `size` iterations cut every `chunk`.
fn chunks_per_worker(size: u64, chunk: u64) -> f64 {
    size.div_ceil(chunk.max(1)) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_model_that_hands_off_per_chunk_is_swept_with_its_reference() {
        let ids: Vec<&str> = swept().iter().map(|m| m.id).collect();
        for m in swept() {
            if let Some(reference) = m.chunk_reference {
                assert!(ids.contains(&reference), "{} without {reference}", m.id);
            }
        }
        use crate::engine::strategies::{crossbeam_pipeline, py_threads, rust_threads_detached};
        assert!(
            ids.contains(&rust_threads_detached::MODEL.id)
                && ids.contains(&crossbeam_pipeline::MODEL.id)
        );
        assert!(!ids.contains(&py_threads::MODEL.id));
    }

    #[test]
    fn chunk_sizes_increase_and_a_worker_counts_its_last_partial_chunk() {
        assert!(CHUNKS.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(chunks_per_worker(10_000, 4_000), 3.0);
        assert_eq!(chunks_per_worker(10, 0), 10.0);
    }
}
