//! The command-line parser. It only describes arguments; `app` turns them into options.

use crate::render::export::Export;
use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "gil-lab",
    version,
    about = "How the GIL constrains Python, measured beside processes, subinterpreters and Rust threads",
    after_help = "Start with: gil-lab compare threading"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Facts about the embedded interpreter: version, executable, GIL, CPUs
    Info {
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// List every lesson of the two documents
    Lessons {
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
        /// Say which lessons this interpreter can run (path, version such as 3.13t)
        #[arg(long, value_name = "SPEC")]
        python: Option<String>,
    },
    /// List the interpreters gil-lab can use with --python
    Pythons {
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Run a lesson (by name) or a .py file in the embedded interpreter
    Run {
        /// End the lesson and all its child processes after this many seconds (exit 124)
        #[arg(long, allow_negative_numbers = true, value_name = "SECONDS")]
        timeout: Option<f64>,
        /// Run it with this interpreter instead of the embedded one (path or version such as 3.13t)
        #[arg(long, value_name = "SPEC")]
        python: Option<String>,
        /// Lesson name (gil-proof) or path to a .py file
        target: String,
        /// Arguments for the lesson, e.g. -- --quick --start-method spawn
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Measure one workload under every concurrency model, in one table
    Compare(Box<CompareArgs>),
    /// Run your program and show what the GIL does to it, per thread, and what each model would gain
    #[command(
        after_help = "e.g. gil-lab diagnose service.py -- --port 8000 · gil-lab diagnose -m pytest -- -x · gil-lab diagnose gil-proof --check-prediction"
    )]
    Diagnose(Box<DiagnoseArgs>),
    /// Watch the GIL at work: a progress bar per worker, group after group
    Live(LiveArgs),
    /// One figure across a range: speedup by workers, IPC cost by payload, memory by worker kind
    Sweep(SweepArgs),
    /// Check every claim of the two documents on this machine, with evidence
    Verify(VerifyArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish or powershell)
    #[command(
        after_help = "e.g. gil-lab completions bash > ~/.local/share/bash-completion/completions/gil-lab"
    )]
    Completions { shell: clap_complete::Shell },
    /// Print the manual page (roff): gil-lab man | man -l -
    Man,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Smaller experiments: every claim in under a minute
    #[arg(long)]
    pub quick: bool,
    #[command(flatten)]
    pub exports: ExportArgs,
    /// Interpreters the claims that need one may use: path, version such as 3.13t, or all [default: all found]
    #[arg(long = "python", value_name = "SPEC")]
    pub pythons: Vec<String>,
    /// Check only these claims: id or number (repeatable)
    #[arg(long = "claim", value_name = "ID")]
    pub claims: Vec<String>,
    /// End a claim's experiment (and its child processes) after this many seconds and mark it timed out
    #[arg(long, allow_negative_numbers = true, value_name = "SECONDS")]
    pub timeout: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SweepKind {
    /// 1 … 2×CPUs workers: speedup curve, Amdahl fit, the cost of leaving a core free
    Workers,
    /// 1k … 1M iterations per chunk: what releasing the GIL or a channel hand-off per chunk costs
    Chunk,
    /// 1 KB … 64 MB sent to a worker and back: pickled, by path, shared, per MB
    Ipc,
    /// PSS and RSS per thread, subinterpreter, fork and spawn child, with a preloaded object
    Memory,
    /// dask's per-task cost: an empty task's round trip, mapped empty tasks, task size vs a loop
    Dask,
}

#[derive(Debug, Args)]
pub struct SweepArgs {
    pub kind: SweepKind,
    /// Fewer points and runs: a sweep in well under a minute
    #[arg(long)]
    pub quick: bool,
    #[command(flatten)]
    pub exports: ExportArgs,
    /// Write the chart as SVG (- for stdout)
    #[arg(long, value_name = "PATH")]
    pub svg: Option<String>,
    /// workers: also sweep the Python rows in this interpreter (repeatable); ipc, memory: run in this one (path or version such as 3.14)
    #[arg(long = "python", value_name = "SPEC")]
    pub pythons: Vec<String>,
    /// workers: the largest worker count [default: 2 × CPUs]
    #[arg(long, allow_negative_numbers = true)]
    pub max_workers: Option<usize>,
    /// memory: size of the preloaded object (the documents' "2 GB model", scaled down)
    #[arg(
        long,
        allow_negative_numbers = true,
        default_value_t = 128,
        value_name = "MB"
    )]
    pub preload_mb: u64,
    /// dask: measure on this existing scheduler (tcp://HOST:PORT) instead of a LocalCluster
    #[arg(long, value_name = "ADDRESS")]
    pub dask: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LiveScenario {
    /// CPU-bound sum(i*i for i in range(n)) in chunks
    Threading,
    /// CPU-bound sum(math.sqrt(i) for i in range(n)) in chunks
    Processes,
    /// Waits (sleep and a blocking recv): threads run side by side
    Io,
    /// hashlib.sha256 of 1 MiB blocks: C code that releases the GIL, threads side by side
    Hashing,
    /// zlib.compress of 1 MiB blocks: C code that releases the GIL
    Compress,
}

#[derive(Debug, Args)]
pub struct LiveArgs {
    #[arg(default_value = "threading")]
    pub scenario: LiveScenario,
    /// Workers per group [default: CPU count; 5 for io]
    #[arg(long, allow_negative_numbers = true)]
    pub workers: Option<usize>,
    /// Seconds each group runs
    #[arg(long, allow_negative_numbers = true, default_value_t = 3.0)]
    pub duration: f64,
    /// Run the Python groups in this interpreter: a path or a version such as 3.13t
    #[arg(long, value_name = "SPEC")]
    pub python: Option<String>,
    /// multiprocessing start method for the process pool [default: the platform's]
    #[arg(long, value_name = "fork|spawn|forkserver")]
    pub start_method: Option<String>,
    #[command(flatten)]
    pub exports: ExportArgs,
    /// Draw the first second of each group as an SVG timeline (- for stdout)
    #[arg(long, value_name = "PATH")]
    pub svg: Option<String>,
    /// Run without the GIL contention probe
    #[arg(long)]
    pub no_probe: bool,
    /// Also show the run in a browser: serve a live page on ADDR [default: 127.0.0.1, a free port]
    #[arg(long, value_name = "ADDR", num_args = 0..=1, default_missing_value = "")]
    pub serve: Option<String>,
    /// Let --serve listen on an address other machines can reach (anyone there can watch)
    #[arg(long, requires = "serve")]
    pub allow_remote: bool,
    /// With --serve: end when the run ends instead of serving the result until Ctrl-C
    #[arg(long, requires = "serve")]
    pub exit_when_done: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScenarioArg {
    /// The GIL proof: CPU-bound sum(i*i for i in range(n)), one task per worker
    Threading,
    /// Pool.map of sum(math.sqrt(i) for i in range(n)) over 4 tasks
    Processes,
    /// The five scouts: I/O waits, where threads shine
    Io,
    /// hashlib.sha256 over 1 MiB blocks: C code that releases the GIL ("massive cryptographic hashes")
    Hashing,
    /// zlib.compress (level 6) over 1 MiB blocks: C code that releases the GIL
    Compress,
    /// numpy matrix products, BLAS pinned to one thread (needs numpy in the interpreter's environment)
    Numpy,
    /// threading, processes, io, hashing and compress in one report
    All,
    /// Beazley's convoy effect: an I/O thread's round-trip latency while CPU threads run
    Convoy,
}

/// What `compare` measures: one of gil-lab's scenarios, or the user's own function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompareTarget {
    Scenario(ScenarioArg),
    /// `FILE.py:FUNCTION` or `MODULE:FUNCTION`, as written.
    Function(String),
}

fn compare_target(text: &str) -> Result<CompareTarget, String> {
    if let Ok(scenario) = ScenarioArg::from_str(text, true) {
        return Ok(CompareTarget::Scenario(scenario));
    }
    if text.contains(':') {
        return Ok(CompareTarget::Function(text.to_string()));
    }
    let known: Vec<String> = ScenarioArg::value_variants()
        .iter()
        .filter_map(|v| v.to_possible_value().map(|p| p.get_name().to_string()))
        .collect();
    Err(format!(
        "'{text}' is no scenario ({}) and no FILE.py:FUNCTION",
        known.join(", ")
    ))
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// A scenario (threading, processes, io, hashing, compress, numpy, all, convoy) or your own
    /// function: FILE.py:FUNCTION or MODULE:FUNCTION
    #[arg(value_parser = compare_target, value_name = "SCENARIO|FILE.py:FUNCTION")]
    pub target: CompareTarget,
    /// Your function's arguments: FILE.py:FUNCTION returning an iterable, one item per task
    #[arg(long, value_name = "FILE.py:FUNCTION", conflicts_with = "input_json")]
    pub inputs: Option<String>,
    /// Your function's arguments as a JSON array, one element per task
    #[arg(long, value_name = "JSON")]
    pub input_json: Option<String>,
    /// Workers per strategy [default: CPU count; 5 for io]
    #[arg(long, allow_negative_numbers = true)]
    pub workers: Option<usize>,
    /// Iterations per task (ms per wait for io, MiB for hashing and compress, products for numpy)
    #[arg(long, allow_negative_numbers = true)]
    pub size: Option<u64>,
    /// Number of tasks [default: workers; 4 for processes, 5 for io; your function: the inputs' count]
    #[arg(long, allow_negative_numbers = true)]
    pub tasks: Option<usize>,
    /// Measured runs per strategy [default: 5; 3 with --quick]
    #[arg(long, allow_negative_numbers = true)]
    pub runs: Option<usize>,
    /// Unmeasured warm-up runs per strategy [default: 1]
    #[arg(long, allow_negative_numbers = true)]
    pub warmup: Option<usize>,
    /// Small sizes and fewer runs: a whole comparison in a few seconds
    #[arg(long)]
    pub quick: bool,
    /// Comma-separated strategy ids (sequential baselines are added)
    #[arg(long, value_delimiter = ',')]
    pub strategies: Option<Vec<String>>,
    /// multiprocessing start method for process pools [default: the platform's]
    #[arg(long, value_name = "fork|spawn|forkserver")]
    pub start_method: Option<String>,
    #[command(flatten)]
    pub exports: ExportArgs,
    /// Write the rows as CSV (- for stdout)
    #[arg(long, value_name = "PATH")]
    pub csv: Option<String>,
    /// Write each strategy's raw chunk timeline as JSON (- for stdout)
    #[arg(long, value_name = "PATH")]
    pub timeline: Option<String>,
    /// Draw the timelines as an SVG picture: a lane per worker, a bar per chunk (- for stdout)
    #[arg(long, value_name = "PATH")]
    pub svg: Option<String>,
    /// Print the timelines as text strips under the table
    #[arg(long)]
    pub timeline_strip: bool,
    /// Show every column on a terminal, however wide (piped output always has them all)
    #[arg(long)]
    pub wide: bool,
    /// Run the Python rows in this interpreter too: a path, a version such as 3.13t, or all (repeatable)
    #[arg(long = "python", value_name = "SPEC")]
    pub pythons: Vec<String>,
    /// Interrupt a strategy's run after this many seconds and mark its row timed out
    #[arg(long, allow_negative_numbers = true, value_name = "SECONDS")]
    pub timeout: Option<f64>,
    /// Measure without the GIL contention probe (a thread that times how long attaching waits)
    #[arg(long)]
    pub no_probe: bool,
    /// Run even where the resource guard refuses (many workers, hours of work)
    #[arg(long)]
    pub force: bool,
    /// Run py-dask on this existing dask scheduler (tcp://HOST:PORT) instead of a LocalCluster
    #[arg(long, value_name = "ADDRESS")]
    pub dask: Option<String>,
}

/// `gil-lab diagnose`.
#[derive(Debug, Args)]
pub struct DiagnoseArgs {
    /// The .py file to run (or a lesson name, as `run` takes)
    #[arg(required_unless_present = "module", conflicts_with = "module")]
    pub script: Option<String>,
    /// Run a module as a script, as `python -m MODULE` does
    #[arg(short = 'm', value_name = "MODULE")]
    pub module: Option<String>,
    /// Run it with this interpreter instead of the embedded one (path or version such as 3.14, 3.13t)
    #[arg(long, value_name = "SPEC")]
    pub python: Option<String>,
    /// Samples per second (each costs the program a little; the rate is printed)
    #[arg(long, value_name = "HZ", default_value_t = 100.0)]
    pub rate: f64,
    /// Run the program again on an installed free-threaded build and print predicted vs measured wall time
    #[arg(long)]
    pub check_prediction: bool,
    /// End the program and all its child processes after this many seconds (exit 124)
    #[arg(long, allow_negative_numbers = true, value_name = "SECONDS")]
    pub timeout: Option<f64>,
    #[command(flatten)]
    pub exports: ExportArgs,
    /// Arguments for the program, after --
    #[arg(last = true)]
    pub args: Vec<String>,
}

/// The exports every measuring command writes: the same data as the table.
#[derive(Debug, Clone, Default, Args)]
pub struct ExportArgs {
    /// Write the report as JSON (- for stdout)
    #[arg(long, value_name = "PATH")]
    pub json: Option<String>,
    /// Write a Markdown report (- for stdout); verify puts a chart per claim beside the file
    #[arg(long, value_name = "PATH")]
    pub markdown: Option<String>,
    /// Write one self-contained HTML page: table, charts, timelines and the JSON inside (- for stdout)
    #[arg(long, value_name = "PATH")]
    pub html: Option<String>,
}

impl ExportArgs {
    /// `(format, path)` of each export, for `Exports::plan`.
    pub fn flags(&self) -> [(Export, Option<&str>); 3] {
        [
            (Export::Json, self.json.as_deref()),
            (Export::Markdown, self.markdown.as_deref()),
            (Export::Html, self.html.as_deref()),
        ]
    }
}
