//! What `compare` measures: a scenario's kernel, sized and split into tasks.

use serde::Serialize;

/// The documents' three workloads, the work that releases the GIL, and a user's own function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scenario {
    /// The GIL proof: CPU-bound `sum(i*i for i in range(n))`, one task per worker.
    Threading,
    /// The multiprocessing module's `Pool.map` of `sum(math.sqrt(i) for i in range(n))`.
    Processes,
    /// The five scouts: waits in `sleep` and in a blocking socket read.
    Io,
    /// "Massive cryptographic hashes": `hashlib.sha256`, which releases the GIL.
    Hashing,
    /// `zlib.compress` (level 6), which releases the GIL.
    Compress,
    /// A numpy matrix product (BLAS pinned to one thread), which releases the GIL.
    Numpy,
    /// The user's own function (`compare FILE.py:FUNCTION`).
    Function,
}

/// The function every strategy runs; Python and native versions compute the same values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kernel {
    SumSquares,
    SqrtSum,
    IoWait,
    /// `hashlib.sha256` of each 1 MiB block; a block's value is its digest's first 8 bytes.
    Sha256,
    /// `zlib.compress(block, 6)` of each 1 MiB block; a block's value is the compressed length.
    Zlib,
    /// `A @ B` of two 256×256 float64 matrices per block; a block's value is the product's sum.
    Numpy,
    /// The user's function: one call per task, opaque to gil-lab.
    UserFunction,
}

impl Kernel {
    /// The name of the kernel in `python/gil_lab/kernels/tasks.py`.
    pub fn python_name(self) -> &'static str {
        match self {
            Kernel::SumSquares => "sum_squares",
            Kernel::SqrtSum => "sqrt_sum",
            Kernel::IoWait => "io_wait",
            Kernel::Sha256 => "sha256",
            Kernel::Zlib => "zlib",
            Kernel::Numpy => "numpy_matmul",
            Kernel::UserFunction => "user_function",
        }
    }

    /// What one task computes, in the documents' Python.
    pub fn describe(self, size: u64) -> String {
        match self {
            Kernel::SumSquares => format!("sum(i*i for i in range({size}))"),
            Kernel::SqrtSum => format!("sum(math.sqrt(i) for i in range({size}))"),
            Kernel::IoWait => format!("wait {size} ms (half sleep, half blocking recv)"),
            Kernel::Sha256 => {
                format!("hashlib.sha256 over {size} MiB, block by block (1 MiB each)")
            }
            Kernel::Zlib => {
                format!("zlib.compress(block, 6) over {size} MiB of text, 1 MiB blocks")
            }
            Kernel::Numpy => format!(
                "{size} numpy products A @ B of 256×256 float64; BLAS pinned to 1 thread (OPENBLAS_NUM_THREADS=1, OMP_NUM_THREADS=1)"
            ),
            Kernel::UserFunction => "your function, one call per task".into(),
        }
    }

    /// CPU-bound kernels run; the I/O kernel waits (a user's function may do either:
    /// it is treated as CPU work, the more demanding reading).
    pub fn is_cpu_bound(self) -> bool {
        !matches!(self, Kernel::IoWait)
    }

    /// Kernels whose work is C code that releases the GIL while it runs.
    pub fn releases_the_gil(self) -> bool {
        matches!(self, Kernel::Sha256 | Kernel::Zlib | Kernel::Numpy)
    }

    /// Whether a native (Rust) version computes the same values; the native rows need one.
    pub fn has_native_twin(self) -> bool {
        !matches!(self, Kernel::Numpy | Kernel::UserFunction)
    }

    /// Kernels that work in blocks: a chunk is one block, for Python and native rows alike.
    pub fn works_in_blocks(self) -> bool {
        matches!(self, Kernel::Sha256 | Kernel::Zlib | Kernel::Numpy)
    }

    /// The unit of `size`.
    pub fn size_unit(self) -> &'static str {
        match self {
            Kernel::IoWait => "ms",
            Kernel::Sha256 | Kernel::Zlib => "MiB",
            Kernel::Numpy => "products",
            Kernel::UserFunction => "calls",
            _ => "iterations",
        }
    }
}

impl Scenario {
    /// What `compare all` runs: the documents' three, and the two that release the GIL
    /// (numpy only when asked: it needs numpy in each interpreter's environment).
    pub const ALL: [Scenario; 5] = [
        Scenario::Threading,
        Scenario::Processes,
        Scenario::Io,
        Scenario::Hashing,
        Scenario::Compress,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Scenario::Threading => "threading",
            Scenario::Processes => "processes",
            Scenario::Io => "io",
            Scenario::Hashing => "hashing",
            Scenario::Compress => "compress",
            Scenario::Numpy => "numpy",
            Scenario::Function => "function",
        }
    }

    pub fn kernel(self) -> Kernel {
        match self {
            Scenario::Threading => Kernel::SumSquares,
            Scenario::Processes => Kernel::SqrtSum,
            Scenario::Io => Kernel::IoWait,
            Scenario::Hashing => Kernel::Sha256,
            Scenario::Compress => Kernel::Zlib,
            Scenario::Numpy => Kernel::Numpy,
            Scenario::Function => Kernel::UserFunction,
        }
    }

    /// Default task size; `quick` keeps a whole comparison within a few seconds.
    pub fn default_size(self, quick: bool) -> u64 {
        match (self, quick) {
            (Scenario::Threading, false) => 4_000_000,
            (Scenario::Threading, true) => 1_000_000,
            (Scenario::Processes, false) => 1_000_000,
            (Scenario::Processes, true) => 300_000,
            (Scenario::Io, false) => 100,
            (Scenario::Io, true) => 40,
            // About 0.3 s a task here (sha256 with SHA extensions: 1.5 GiB/s; zlib level 6 on text: 22 MiB/s).
            (Scenario::Hashing, false) => 512,
            (Scenario::Hashing, true) => 128,
            (Scenario::Compress, false) => 8,
            (Scenario::Compress, true) => 2,
            (Scenario::Numpy, false) => 320,
            (Scenario::Numpy, true) => 96,
            // One call per task: the size is the task count's business.
            (Scenario::Function, _) => 1,
        }
    }

    /// Default worker count: every core for CPU work; one per wait for I/O (the five scouts).
    pub fn default_workers(self, cpus: usize) -> usize {
        match self {
            Scenario::Io => 5,
            _ => cpus,
        }
    }

    /// Default task count: one per worker (GIL proof), four (`[N] * 4`), five scouts.
    pub fn default_tasks(self, workers: usize) -> usize {
        match self {
            Scenario::Processes => 4,
            Scenario::Io => 5,
            _ => workers,
        }
    }
}

/// One measured configuration: the same for every strategy of a comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Workload {
    pub kernel: Kernel,
    /// Iterations per task (ms per task for `io_wait`).
    pub size: u64,
    pub tasks: usize,
    /// Iterations per chunk of the Python kernel (ms for `io_wait`).
    pub chunk: u64,
    /// Iterations per chunk of the native kernel: about 1 ms of native work
    /// (see [`crate::engine::chunking`]), so a chunk's hand-off is not the measurement.
    pub native_chunk: u64,
}

/// `Workload::new` lives with the chunk sizing (`engine::chunking`), which
/// measures the native kernel: this module stays below both.
impl Workload {
    /// The same workload with native chunks of `iterations` (at least 1, at most a task).
    pub fn with_native_chunk(mut self, iterations: u64) -> Workload {
        self.native_chunk = iterations.clamp(1, self.size.max(1));
        self
    }
}

/// Everything a strategy needs to run once.
#[derive(Debug, Clone)]
pub struct Setup {
    pub workload: Workload,
    pub workers: usize,
    /// `--start-method` for process pools; `None`: each interpreter's own default.
    pub start_method: Option<String>,
    /// Whether harness processes probe their own GIL (`--no-probe` turns it off).
    pub probe: bool,
    /// Where `gil_lab/` lives, for subinterpreters that start with a bare `sys.path`.
    pub python_dir: String,
    /// The embedded interpreter lets subinterpreters have their own GIL (3.12+).
    pub own_gil_subinterpreters: bool,
    /// `--dask`: the existing dask scheduler `py-dask` runs on; `None`: a LocalCluster.
    pub dask_address: Option<String>,
    /// The user's function, for [`Kernel::UserFunction`].
    pub user: Option<crate::engine::user_function::UserFunction>,
}
