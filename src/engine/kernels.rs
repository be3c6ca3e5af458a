//! Native kernels that compute exactly what the Python kernels compute.
//!
//! `sum_squares` gives the same integers; `sqrt_sum` adds the same correctly
//! rounded square roots in the same order, so a task's float matches Python's
//! `sum()` on 3.11 bit for bit (3.12+ compensates its float sums: within 1e-12).

use std::hint::black_box;
use std::io::Read;
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use crate::cpython::deadline::stop_requested;
use crate::engine::timeline::{Chunk, now_ns, thread_cpu_ns};
use crate::engine::workload::{Kernel, Workload};

/// A task's value or a run's checksum.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    Int(u128),
    Float(f64),
}

impl Value {
    pub fn zero(kernel: Kernel) -> Value {
        match kernel {
            Kernel::SqrtSum => Value::Float(0.0),
            _ => Value::Int(0),
        }
    }

    pub fn plus(self, other: Value) -> Value {
        match (self, other) {
            (Value::Int(a), Value::Int(b)) => Value::Int(a + b),
            (a, b) => Value::Float(a.as_f64() + b.as_f64()),
        }
    }

    /// A value sent as text by a harness: `kind` "int" or "float", `text` its repr.
    pub fn parse(kind: &str, text: &str) -> anyhow::Result<Value> {
        Ok(match kind {
            "int" => Value::Int(text.parse()?),
            "float" => Value::Float(text.parse()?),
            other => anyhow::bail!("unknown value kind '{other}'"),
        })
    }

    pub fn as_f64(self) -> f64 {
        match self {
            Value::Int(v) => v as f64,
            Value::Float(v) => v,
        }
    }

    /// Integers must be equal; floats equal within 1e-9 relative.
    pub fn agrees_with(self, other: Value) -> bool {
        match (self, other) {
            (Value::Int(a), Value::Int(b)) => a == b,
            (a, b) => {
                let (a, b) = (a.as_f64(), b.as_f64());
                (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(f64::MIN_POSITIVE)
            }
        }
    }
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Int(v) => write!(f, "{v}"),
            Value::Float(v) => write!(f, "{v}"),
        }
    }
}

impl serde::Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Int(v) => s.serialize_u128(*v),
            Value::Float(v) => s.serialize_f64(*v),
        }
    }
}

/// `sum(i*i for i in range(lo, hi))`. `black_box` keeps LLVM from replacing the
/// loop by its closed form, which would measure nothing.
pub fn sum_squares(lo: u64, hi: u64) -> u128 {
    let mut acc: u128 = 0;
    for i in lo..hi {
        let i = black_box(i) as u128;
        acc += i * i;
    }
    acc
}

/// `sum((math.sqrt(i) for i in range(lo, hi)), acc)`, added in order.
pub fn sqrt_sum(lo: u64, hi: u64, mut acc: f64) -> f64 {
    for i in lo..hi {
        acc += (i as f64).sqrt();
    }
    acc
}

/// Half the wait asleep, half blocked in `recv` on a socket pair that stays silent.
pub fn io_wait(ms: u64) -> u128 {
    let half = Duration::from_micros(ms * 500);
    wait_in_slices(half, std::thread::sleep);
    if let Ok((mut a, _b)) = UnixStream::pair() {
        wait_in_slices(half, |slice| {
            // A zero timeout means "block forever" to the OS: keep it positive.
            let _ = a.set_read_timeout(Some(slice.max(Duration::from_micros(1))));
            let _ = a.read(&mut [0u8; 1]);
        });
    }
    1
}

/// The longest a wait goes without looking at [`stop_requested`].
const WAIT_SLICE: Duration = Duration::from_millis(50);

/// Waits `total` in slices of at most [`WAIT_SLICE`], ending early once the run
/// is asked to stop (a wait of a minute must not outlive its `--timeout`).
fn wait_in_slices(total: Duration, mut wait: impl FnMut(Duration)) {
    let end = Instant::now() + total;
    loop {
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() || stop_requested() {
            return;
        }
        wait(left.min(WAIT_SLICE));
    }
}

/// One chunk of a task: continues `acc` over `[lo, hi)`.
pub fn run_chunk(kernel: Kernel, lo: u64, hi: u64, acc: Value) -> Value {
    match (kernel, acc) {
        (Kernel::SumSquares, Value::Int(a)) => Value::Int(a + sum_squares(lo, hi)),
        (Kernel::SqrtSum, Value::Float(a)) => Value::Float(sqrt_sum(lo, hi, a)),
        (Kernel::IoWait, Value::Int(a)) => Value::Int(a + io_wait(hi - lo)),
        (Kernel::Sha256, Value::Int(a)) => {
            Value::Int(a + (lo..hi).map(|_| blocks::sha256()).sum::<u128>())
        }
        (Kernel::Zlib, Value::Int(a)) => {
            Value::Int(a + (lo..hi).map(|_| blocks::zlib()).sum::<u128>())
        }
        (_, acc) => acc,
    }
}

/// The block kernels' data and work, as `python/gil_lab/kernels/blocks.py` does them.
pub mod blocks {
    use std::io::Write;
    use std::sync::OnceLock;

    use sha2::{Digest, Sha256};

    const WORDS: [&[u8]; 16] = [
        b"the",
        b"global",
        b"interpreter",
        b"lock",
        b"thread",
        b"process",
        b"pool",
        b"python",
        b"worker",
        b"queue",
        b"pickle",
        b"memory",
        b"core",
        b"task",
        b"result",
        b"future",
    ];

    /// Bytes of a block.
    pub const BLOCK: usize = 1 << 20;

    /// Length of the text that repeats through a block: longer than deflate's
    /// 32 KiB window, so compressing it is work, as text is.
    const PATTERN: usize = 1 << 16;

    /// 1 MiB of words picked by a linear congruential generator: the same bytes in Python.
    pub fn block() -> &'static [u8] {
        static BLOCK_BYTES: OnceLock<Vec<u8>> = OnceLock::new();
        BLOCK_BYTES.get_or_init(|| {
            let mut x: u64 = 12345;
            let mut pattern = Vec::with_capacity(PATTERN + 16);
            while pattern.len() < PATTERN {
                x = (x * 1_103_515_245 + 12_345) & 0x7FFF_FFFF;
                pattern.extend_from_slice(WORDS[((x >> 16) & 15) as usize]);
                pattern.push(b' ');
            }
            pattern.truncate(PATTERN);
            pattern.repeat(BLOCK / PATTERN)
        })
    }

    /// The first 8 bytes of the block's SHA-256, as an integer.
    pub fn sha256() -> u128 {
        let digest = Sha256::digest(block());
        u128::from(u64::from_be_bytes(
            digest[..8].try_into().unwrap_or_default(),
        ))
    }

    /// The length of the block compressed by zlib at level 6 (the same library Python's `zlib` uses).
    pub fn zlib() -> u128 {
        let mut encoder = flate2::write::ZlibEncoder::new(
            Vec::with_capacity(BLOCK / 4),
            flate2::Compression::new(6),
        );
        let written = encoder.write_all(block()).and_then(|()| encoder.finish());
        written.map(|out| out.len() as u128).unwrap_or(0)
    }
}

/// The `[lo, hi)` bounds of a task's native chunks (one chunk of `size` ms for `io_wait`).
pub fn chunk_bounds(workload: &Workload) -> Vec<(u64, u64)> {
    let (size, step) = (workload.size, workload.native_chunk.max(1));
    (0..size.div_ceil(step))
        .map(|k| (k * step, ((k + 1) * step).min(size)))
        .collect()
}

/// One whole task on this thread, chunk by chunk, recording each chunk as `worker`;
/// it ends early when the run is asked to stop (see [`stop_requested`]).
pub fn run_task(workload: &Workload, worker: u64) -> (Value, Vec<Chunk>) {
    run_task_with(workload, worker, |lo, hi, acc| {
        run_chunk(workload.kernel, lo, hi, acc)
    })
}

/// Like [`run_task`], with the chunk step supplied (e.g. wrapped in `detach`).
pub fn run_task_with(
    workload: &Workload,
    worker: u64,
    mut step: impl FnMut(u64, u64, Value) -> Value,
) -> (Value, Vec<Chunk>) {
    let mut acc = Value::zero(workload.kernel);
    let bounds = chunk_bounds(workload);
    let mut chunks = Vec::with_capacity(bounds.len());
    for (lo, hi) in bounds {
        // A timed-out run's value is thrown away: stopping early is safe.
        if stop_requested() {
            break;
        }
        let (start_ns, cpu0) = (now_ns(), thread_cpu_ns());
        acc = step(lo, hi, acc);
        chunks.push(Chunk {
            worker,
            start_ns,
            end_ns: now_ns(),
            cpu_ns: thread_cpu_ns().saturating_sub(cpu0),
        });
    }
    (acc, chunks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sum_squares_matches_the_closed_form() {
        let n: u128 = 4_000_000;
        assert_eq!(sum_squares(0, 4_000_000), (n - 1) * n * (2 * n - 1) / 6);
        assert_eq!(sum_squares(0, 10), 285);
    }

    #[test]
    fn chunked_sum_squares_equals_the_whole_sum() {
        let w = Workload::new(Kernel::SumSquares, 12_345, 1).with_native_chunk(124);
        let (value, chunks) = run_task(&w, 0);
        assert_eq!(value, Value::Int(sum_squares(0, 12_345)));
        assert_eq!(chunks.len(), 100);
    }

    #[test]
    fn sqrt_sum_in_chunks_is_bit_identical_to_one_pass() {
        let w = Workload::new(Kernel::SqrtSum, 10_001, 1).with_native_chunk(101);
        let (value, _) = run_task(&w, 0);
        assert_eq!(value, Value::Float(sqrt_sum(0, 10_001, 0.0)));
    }

    #[test]
    fn values_agree_exactly_for_ints_and_within_1e9_for_floats() {
        assert!(Value::Int(5).agrees_with(Value::Int(5)));
        assert!(!Value::Int(5).agrees_with(Value::Int(6)));
        assert!(Value::Float(1e6).agrees_with(Value::Float(1e6 * (1.0 + 1e-12))));
        assert!(!Value::Float(1e6).agrees_with(Value::Float(1e6 * (1.0 + 1e-6))));
    }

    #[test]
    fn the_block_is_words_and_compresses_like_text() {
        let block = blocks::block();
        assert_eq!(block.len(), blocks::BLOCK);
        assert!(block.starts_with(b"task ") || block[..64].contains(&b' '));
        let ratio = blocks::BLOCK as f64 / blocks::zlib() as f64;
        assert!((2.0..20.0).contains(&ratio), "compression ratio {ratio}");
        assert_ne!(blocks::sha256(), 0);
    }

    #[test]
    fn big_integers_serialize_as_json_numbers() {
        let v = Value::Int(u128::from(u64::MAX) * 10);
        assert_eq!(serde_json::to_string(&v).unwrap(), "184467440737095516150");
    }
}
