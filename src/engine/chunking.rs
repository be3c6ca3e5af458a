//! How a task is cut into chunks for the native kernels: by time, not by count.
//!
//! The Python kernel runs a chunk of 40,000 iterations in about 1 ms; the native
//! kernel runs the same chunk in about 15 µs, so a native row cut like a Python
//! one pays a GIL release or a channel hand-off every 15 µs and measures that
//! instead of its model. Native chunks get about [`NATIVE_CHUNK`] of work each,
//! from the kernel's speed measured once per process.

use std::hint::black_box;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::engine::kernels::{Value, run_chunk};
use crate::engine::workload::{Kernel, Workload};

/// The work a native chunk is sized to: long beside a detach/attach or a
/// channel wake-up (about a microsecond), short beside a `--timeout`.
pub const NATIVE_CHUNK: Duration = Duration::from_millis(1);

/// Fewest iterations a calibrated chunk gets, whatever the clock said.
pub const MIN_NATIVE_CHUNK: u64 = 1_000;

/// Most iterations a calibrated chunk gets, whatever the clock said.
pub const MAX_NATIVE_CHUNK: u64 = 1_000_000_000;

/// Iterations per calibration pass: about 0.1 ms of native work.
const PROBE_ITERATIONS: u64 = 100_000;

/// Calibration passes; the fastest counts, since interference only adds time.
const PROBE_PASSES: usize = 8;

/// Iterations of `kernel` that take about [`NATIVE_CHUNK`] on this machine,
/// measured on first use and kept for the rest of the process.
pub fn iterations_per_native_chunk(kernel: Kernel) -> u64 {
    static SUM_SQUARES: OnceLock<u64> = OnceLock::new();
    static SQRT_SUM: OnceLock<u64> = OnceLock::new();
    match kernel {
        Kernel::SumSquares => *SUM_SQUARES.get_or_init(|| calibrate(kernel)),
        Kernel::SqrtSum => *SQRT_SUM.get_or_init(|| calibrate(kernel)),
        // A wait is not iterations: one chunk per task, as in Python.
        Kernel::IoWait => u64::MAX,
        // A block is a chunk (about 1 ms of hashing, 40 ms of compressing): as in Python.
        Kernel::Sha256 | Kernel::Zlib | Kernel::Numpy | Kernel::UserFunction => 1,
    }
}

/// Times the native kernel briefly and scales its fastest pass to [`NATIVE_CHUNK`].
fn calibrate(kernel: Kernel) -> u64 {
    let fastest = (0..PROBE_PASSES)
        .map(|_| {
            let start = Instant::now();
            black_box(run_chunk(
                kernel,
                0,
                black_box(PROBE_ITERATIONS),
                Value::zero(kernel),
            ));
            start.elapsed()
        })
        .min()
        .unwrap_or(NATIVE_CHUNK);
    iterations_for(PROBE_ITERATIONS, fastest)
}

/// Iterations in [`NATIVE_CHUNK`] when `iterations` took `took`, within the bounds.
pub fn iterations_for(iterations: u64, took: Duration) -> u64 {
    let per_chunk = NATIVE_CHUNK.as_secs_f64() / took.as_secs_f64().max(1e-9) * iterations as f64;
    (per_chunk as u64).clamp(MIN_NATIVE_CHUNK, MAX_NATIVE_CHUNK)
}

/// The chunk that cuts `size` into equal pieces of at most `target` iterations
/// (the last piece is never a sliver that a worker waits on alone).
pub fn even_chunk(size: u64, target: u64) -> u64 {
    let pieces = size.div_ceil(target.max(1)).max(1);
    size.div_ceil(pieces).max(1)
}

/// A native task's chunk: about [`NATIVE_CHUNK`] of `kernel`'s work, cut evenly from `size`.
pub fn native_chunk(kernel: Kernel, size: u64) -> u64 {
    if kernel.is_cpu_bound() {
        even_chunk(size, iterations_per_native_chunk(kernel))
    } else {
        size.max(1)
    }
}

impl Workload {
    /// For the Python kernel each task is cut into about 100 chunks: about 1 ms each
    /// at the default size, well below CPython's 5 ms switch interval, so GIL
    /// hand-overs show in the timeline. The native kernel is about 60 times faster:
    /// its chunks are sized by its measured speed to about 1 ms each too.
    pub fn new(kernel: Kernel, size: u64, tasks: usize) -> Workload {
        let chunk = if kernel.works_in_blocks() || kernel == Kernel::UserFunction {
            1
        } else if kernel.is_cpu_bound() {
            size.div_ceil(100).max(1)
        } else {
            size.max(1)
        };
        Workload {
            kernel,
            size,
            tasks,
            chunk,
            native_chunk: native_chunk(kernel, size),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_calibrated_chunk_is_within_its_bounds_for_every_cpu_kernel() {
        for kernel in [Kernel::SumSquares, Kernel::SqrtSum] {
            let n = iterations_per_native_chunk(kernel);
            assert!((MIN_NATIVE_CHUNK..=MAX_NATIVE_CHUNK).contains(&n), "{n}");
            // Measured once: the second answer is the first.
            assert_eq!(iterations_per_native_chunk(kernel), n);
        }
    }

    #[test]
    fn a_clock_that_says_nothing_or_forever_still_gives_a_usable_chunk() {
        assert_eq!(iterations_for(100_000, Duration::ZERO), MAX_NATIVE_CHUNK);
        assert_eq!(
            iterations_for(100_000, Duration::from_secs(3600)),
            MIN_NATIVE_CHUNK
        );
        assert_eq!(
            iterations_for(100_000, Duration::from_micros(100)),
            1_000_000
        );
    }

    #[test]
    fn even_chunks_are_never_zero_nor_above_the_target() {
        assert_eq!(even_chunk(4_000_000, 900_000), 800_000);
        assert_eq!(even_chunk(10, 1_000_000), 10);
        assert_eq!(even_chunk(0, 1_000), 1);
        assert_eq!(even_chunk(5, 0), 1);
        for size in [1, 7, 999, 1_000_001, 4_000_000] {
            for target in [1, 3, 1_000, 900_000] {
                let c = even_chunk(size, target);
                assert!(c >= 1 && c <= target.max(1), "{size} {target} {c}");
                // No more pieces than the target asks for.
                assert_eq!(
                    size.div_ceil(c),
                    size.div_ceil(target).max(1),
                    "{size} {target}"
                );
            }
        }
    }

    #[test]
    fn a_wait_is_one_chunk_per_task_and_native_chunks_cover_the_task() {
        assert_eq!(native_chunk(Kernel::IoWait, 100), 100);
        let c = native_chunk(Kernel::SumSquares, 4_000_000);
        assert!((1..=4_000_000).contains(&c));
    }
}
