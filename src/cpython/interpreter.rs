//! The one place that starts, owns and stops the embedded CPython.
//!
//! The host configures the interpreter itself (PyConfig) instead of letting pyo3
//! do it: `sys.executable` must be the real interpreter the build found, or
//! process pools under spawn/forkserver start whatever `python3` comes first on
//! PATH (Debian's, with another standard library) — or nothing at all.

use std::ffi::CString;
use std::mem::MaybeUninit;
use std::path::Path;

use anyhow::{Context, Result, bail};
use pyo3::ffi;
use pyo3::prelude::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::cpython::python_files::{self, Origin, PythonFiles};

/// The interpreter the host was built against (`sys.executable` at build time).
pub const BUILD_PYTHON: &str = env!("GIL_LAB_BUILD_PYTHON");
/// pyo3's version as locked at build time.
pub const PYO3_VERSION: &str = env!("GIL_LAB_PYO3_VERSION");

/// Facts about the embedded interpreter, as `gil-lab info` prints them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InterpreterFacts {
    /// e.g. "CPython".
    pub implementation: String,
    /// "3.11.7", or "3.13.1t" for a free-threaded build.
    pub python_version: String,
    /// `[major, minor, micro]`.
    pub version_info: Vec<u32>,
    /// `sys.executable`: the interpreter that process pools start.
    pub executable: String,
    /// `sys.prefix`.
    pub prefix: String,
    /// Built with `--disable-gil`.
    pub free_threaded_build: bool,
    /// The GIL is off in this process (free-threaded build and not re-enabled).
    pub gil_disabled: bool,
    /// 3.12+: subinterpreters can have their own GIL (PEP 684).
    pub own_gil_subinterpreters: bool,
    /// `concurrent.futures.InterpreterPoolExecutor` exists.
    pub interpreter_pool: bool,
    /// multiprocessing's default start method here.
    pub start_method: String,
    /// `os.cpu_count()`.
    pub cpus: usize,
    /// The subinterpreter API Python code can use here (`gil_lab.runtime.interpreters`).
    #[serde(default)]
    pub subinterpreter_api: Option<String>,
    /// 3.14+: `concurrent.interpreters` exists.
    #[serde(default)]
    pub concurrent_interpreters: bool,
    /// Which InterpreterPoolExecutor runs here (stdlib or a backport), if any.
    #[serde(default)]
    pub interpreter_pool_api: Option<String>,
    /// Why Tachyon (3.15's `profiling.sampling`) cannot sample this interpreter; `None`: it can.
    #[serde(default)]
    pub tachyon_reason: Option<String>,
}

/// The row-level description of an interpreter, as results carry it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InterpreterRef {
    pub version: String,
    pub path: String,
    pub gil_disabled: bool,
}

impl InterpreterFacts {
    pub fn as_ref(&self) -> InterpreterRef {
        InterpreterRef {
            version: self.python_version.clone(),
            path: self.executable.clone(),
            gil_disabled: self.gil_disabled,
        }
    }

    /// "CPython 3.11.7 (GIL)" for headers.
    pub fn label(&self) -> String {
        let gil = if self.gil_disabled {
            "free-threaded"
        } else {
            "GIL"
        };
        format!("{} {} ({gil})", self.implementation, self.python_version)
    }
}

/// Names the CPython to embed instead of [`BUILD_PYTHON`]: a wheel's entry point
/// sets it to the interpreter it was installed into (with that interpreter's
/// libpython on the loader's path), so `sys.executable` is the user's Python.
pub const EXECUTABLE_ENV: &str = "GIL_LAB_PYTHON_EXECUTABLE";

/// The CPython this process embeds: `GIL_LAB_PYTHON_EXECUTABLE`, or [`BUILD_PYTHON`].
pub fn executable() -> String {
    std::env::var(EXECUTABLE_ENV)
        .ok()
        .filter(|e| !e.is_empty())
        .unwrap_or_else(|| BUILD_PYTHON.to_string())
}

/// The embedded interpreter. Created once by [`Embedded::start`]; finalized on drop.
///
/// While it exists, no thread holds the GIL unless it is inside `Python::attach`.
pub struct Embedded {
    main_thread_state: *mut ffi::PyThreadState,
    python_files: PythonFiles,
}

impl Embedded {
    /// Starts CPython with `sys.executable` = [`executable`] and the Python side
    /// ([`python_files::locate`]) on `sys.path`.
    ///
    /// Python's own signal handlers are not installed: the host owns SIGINT and
    /// SIGTERM so that it can end every child process before it exits.
    pub fn start() -> Result<Embedded> {
        let python_files = python_files::locate()?;
        let python_dir = python_files.dir.clone();
        let executable = executable();
        if !Path::new(&executable).is_file() {
            bail!(
                "the interpreter gil-lab was built against is gone: {executable} (rebuild with PYO3_PYTHON set to an installed CPython)"
            );
        }
        // SAFETY: called once, before any other Python API use; the config is
        // initialised by PyConfig_InitPythonConfig and cleared after use.
        let main_thread_state = unsafe {
            if ffi::Py_IsInitialized() != 0 {
                bail!("the embedded interpreter was already started");
            }
            let mut config = MaybeUninit::<ffi::PyConfig>::zeroed();
            ffi::PyConfig_InitPythonConfig(config.as_mut_ptr());
            let config = config.as_mut_ptr();
            (*config).install_signal_handlers = 0;
            (*config).parse_argv = 0;
            // Like `python3 -u`: a lesson's output appears as it is printed, also in a pipe.
            (*config).buffered_stdio = 0;
            let exe = CString::new(executable)?;
            let status =
                ffi::PyConfig_SetBytesString(config, &raw mut (*config).executable, exe.as_ptr());
            check_status(status, config)?;
            let status =
                ffi::PyConfig_SetBytesString(config, &raw mut (*config).program_name, exe.as_ptr());
            check_status(status, config)?;
            // As PYTHONPATH: subinterpreters build their sys.path from this config,
            // so they find `gil_lab` too.
            let path = CString::new(python_dir.to_string_lossy().as_bytes())?;
            let status = ffi::PyConfig_SetBytesString(
                config,
                &raw mut (*config).pythonpath_env,
                path.as_ptr(),
            );
            check_status(status, config)?;
            let status = ffi::Py_InitializeFromConfig(config);
            check_status(status, config)?;
            ffi::PyConfig_Clear(config);
            ffi::PyEval_SaveThread()
        };
        let embedded = Embedded {
            main_thread_state,
            python_files,
        };
        Ok(embedded)
    }

    pub fn python_dir(&self) -> &Path {
        &self.python_files.dir
    }

    /// Which copy of the Python side is in use.
    pub fn python_origin(&self) -> Origin {
        self.python_files.origin
    }

    /// Facts about this interpreter (version, executable, GIL).
    pub fn facts(&self) -> Result<InterpreterFacts> {
        call_json("gil_lab.runtime.facts", "facts_json", ())
    }
}

impl Drop for Embedded {
    /// Finalizing runs `atexit` handlers: multiprocessing's resource tracker then
    /// sees every semaphore released and prints no "leaked semaphore" warning.
    fn drop(&mut self) {
        // SAFETY: the thread state was saved by this thread in `start`; no pyo3
        // object outlives the interpreter because none is kept outside `attach`.
        unsafe {
            ffi::PyEval_RestoreThread(self.main_thread_state);
            ffi::Py_FinalizeEx();
        }
    }
}

/// # Safety
/// `config` must point to an initialised PyConfig; it is cleared on error.
unsafe fn check_status(status: ffi::PyStatus, config: *mut ffi::PyConfig) -> Result<()> {
    // SAFETY: forwarded from the caller.
    unsafe {
        if ffi::PyStatus_Exception(status) == 0 {
            return Ok(());
        }
        ffi::PyConfig_Clear(config);
        let msg = if status.err_msg.is_null() {
            "unknown error".to_string()
        } else {
            std::ffi::CStr::from_ptr(status.err_msg)
                .to_string_lossy()
                .into_owned()
        };
        bail!("starting the embedded Python failed: {msg}")
    }
}

/// Calls `module.function(*args)`, which returns JSON text, and decodes it.
pub fn call_json<T, A>(module: &str, function: &str, args: A) -> Result<T>
where
    T: DeserializeOwned,
    A: for<'py> pyo3::call::PyCallArgs<'py>,
{
    let text: String = Python::attach(|py| -> PyResult<String> {
        py.import(module)?.getattr(function)?.call1(args)?.extract()
    })
    .map_err(|e| anyhow::anyhow!(format_py_err(&e)))
    .with_context(|| format!("calling {module}.{function}"))?;
    serde_json::from_str(&text).with_context(|| format!("decoding {module}.{function}'s answer"))
}

/// A Python exception as text, with its traceback.
pub fn format_py_err(err: &PyErr) -> String {
    Python::attach(|py| {
        let traceback = err
            .traceback(py)
            .and_then(|tb| tb.format().ok())
            .unwrap_or_default();
        format!("{traceback}{err}")
    })
}
