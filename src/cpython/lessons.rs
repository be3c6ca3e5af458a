//! The lesson catalog and running a lesson file as `__main__`.

use std::path::{Path, PathBuf};

use anyhow::Result;
use pyo3::exceptions::PySystemExit;
use pyo3::prelude::*;
use serde::{Deserialize, Serialize};

use crate::cpython::interpreter::{Embedded, call_json};
use crate::error::UsageError;
use crate::error::closest_names;

/// One lesson, described by its file's docstring.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Lesson {
    /// `gil-proof` for `python/lessons/gil_proof.py`.
    pub name: String,
    pub title: String,
    /// `true-parallelism-day14` or `multiprocessing-module`.
    pub document: String,
    pub section: String,
    pub demonstrates: String,
    /// Oldest Python that runs it meaningfully, e.g. "3.8".
    pub min_python: String,
    /// Accepts `--start-method fork|spawn|forkserver`.
    pub start_methods: bool,
    /// This interpreter is new enough.
    pub available: bool,
    /// The Python whose features the whole lesson shows (e.g. "3.14"); older
    /// ones run what they can and say which parts need it.
    #[serde(default)]
    pub best_python: Option<String>,
    #[serde(default)]
    pub best_python_why: Option<String>,
    pub path: PathBuf,
}

impl Lesson {
    /// How it runs on `version`: "yes", "partly: …" (below its best Python) or "no".
    pub fn fit(&self, version: &[u32]) -> String {
        if !runs_on(&self.min_python, version) {
            return "no".into();
        }
        match &self.best_python {
            Some(best) if !runs_on(best, version) => format!(
                "partly: {best}+ for all of it{}",
                self.best_python_why
                    .as_deref()
                    .map_or(String::new(), |why| format!(" ({why})"))
            ),
            _ => "yes".into(),
        }
    }
}

/// Every lesson under `python/lessons/`, read by the embedded interpreter.
pub fn catalog(_python: &Embedded) -> Result<Vec<Lesson>> {
    call_json("gil_lab.lessons_support.catalog", "catalog_json", ())
}

/// What `gil-lab run TARGET` names: a catalog lesson or a `.py` file.
pub fn resolve(target: &str, lessons: &[Lesson]) -> Result<PathBuf, UsageError> {
    let looks_like_path = target.contains('/') || target.ends_with(".py");
    if looks_like_path {
        let path = Path::new(target);
        if path.is_dir() {
            return Err(
                UsageError::new(format!("{target} is a directory, not a Python file"))
                    .with_hint("pass a .py file or a lesson name (gil-lab lessons)"),
            );
        }
        if let Err(e) = std::fs::metadata(path) {
            // ELOOP, EACCES…: say what the system said, not always "no such file".
            let why = match e.kind() {
                std::io::ErrorKind::NotFound if !path.is_symlink() => "no such file".to_string(),
                std::io::ErrorKind::NotFound => "a symlink to nothing".to_string(),
                _ => e.to_string(),
            };
            return Err(UsageError::new(format!("{why}: {target}"))
                .with_hint("pass a .py file or a lesson name (gil-lab lessons)"));
        }
        if !path.is_file() {
            return Err(UsageError::new(format!("not a regular file: {target}"))
                .with_hint("pass a .py file or a lesson name (gil-lab lessons)"));
        }
        return Ok(path.to_path_buf());
    }
    let wanted = target.replace('_', "-");
    if let Some(lesson) = lessons.iter().find(|l| l.name == wanted) {
        return Ok(lesson.path.clone());
    }
    let close = closest_names(&wanted, lessons.iter().map(|l| l.name.as_str()));
    let hint = if close.is_empty() {
        "gil-lab lessons lists them all".to_string()
    } else {
        format!(
            "did you mean {}? (gil-lab lessons lists them all)",
            close.join(", ")
        )
    };
    Err(UsageError::new(format!("no lesson named '{target}'")).with_hint(hint))
}

/// Runs `path` as `__main__` with `sys.argv = [path, *args]`, as `python3 path args` would.
///
/// Returns the exit code: 0, the code of `sys.exit(n)`, or 1 after printing the
/// traceback of an uncaught exception.
pub fn run_file(_python: &Embedded, path: &Path, args: &[String]) -> Result<i32> {
    let path = path.canonicalize()?;
    crate::os::signals::hand_signals_to(Box::new(hand_to_lesson));
    Python::attach(|py| -> Result<i32> {
        let outcome = py
            .import("gil_lab.lessons_support.runner")?
            .getattr("run_main")?
            .call1((path.to_string_lossy(), args.to_vec()));
        let code = match outcome {
            Ok(code) => code.extract()?,
            Err(err) if err.is_instance_of::<PySystemExit>(py) => exit_code_of(py, &err),
            Err(err) => {
                err.print(py);
                1
            }
        };
        flush_std_streams(py);
        Ok(code)
    })
}

/// Gives `signal` to the running lesson if it asked for it (`gil_lab.lessons_support.runner`
/// recorded its `signal.signal`): its handler runs in the main thread, as in
/// `python3`; an ignored signal is dropped. False: the lesson left it alone.
fn hand_to_lesson(signal: i32) -> bool {
    let wish = Python::attach(|py| -> PyResult<String> {
        py.import("gil_lab.lessons_support.runner")?
            .getattr("lesson_handler")?
            .call1((signal,))?
            .extract()
    });
    match wish.as_deref() {
        Ok("ignore") => true,
        Ok("handler") => {
            // SAFETY: Py_AddPendingCall may be called from any thread; the
            // callback runs later in the main thread with the GIL held.
            unsafe {
                pyo3::ffi::Py_AddPendingCall(
                    Some(deliver),
                    signal as isize as *mut std::ffi::c_void,
                ) == 0
            }
        }
        _ => false,
    }
}

/// Runs the lesson's handler for the signal packed into `arg` (a pending call).
extern "C" fn deliver(arg: *mut std::ffi::c_void) -> std::ffi::c_int {
    let signal = arg as isize as i32;
    Python::attach(|py| {
        let called = py
            .import("gil_lab.lessons_support.runner")
            .and_then(|runner| runner.getattr("deliver")?.call1((signal,)).map(|_| ()));
        match called {
            Ok(()) => 0,
            // The handler raised (KeyboardInterrupt, SystemExit…): the main thread gets it.
            Err(e) => {
                e.restore(py);
                -1
            }
        }
    })
}

/// Runs `path` with another interpreter as `EXE path args`, its output passed through.
pub fn run_file_with(exe: &str, python_dir: &Path, path: &Path, args: &[String]) -> Result<i32> {
    let status = crate::cpython::launcher::python(exe, python_dir)
        .stdin(std::process::Stdio::inherit())
        .arg(path)
        .args(args)
        .status()?;
    use std::os::unix::process::ExitStatusExt;
    Ok(status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0)))
}

/// A lesson that needs `min_python` ("3.8") runs on `version` (`[3, 13, 1]`).
pub fn runs_on(min_python: &str, version: &[u32]) -> bool {
    let needed: Vec<u32> = min_python
        .split('.')
        .filter_map(|p| p.parse().ok())
        .collect();
    version
        .iter()
        .take(needed.len())
        .copied()
        .collect::<Vec<_>>()
        >= needed
}

/// The process exit code that `raise SystemExit(code)` asks for, as CPython maps it.
fn exit_code_of(py: Python<'_>, err: &PyErr) -> i32 {
    let code = err.value(py).getattr("code").ok();
    match code {
        None => 1,
        Some(c) if c.is_none() => 0,
        Some(c) => match c.extract::<i32>() {
            Ok(n) => n,
            Err(_) => {
                // `sys.exit("message")` prints the message and exits 1.
                eprintln!("{c}");
                1
            }
        },
    }
}

fn flush_std_streams(py: Python<'_>) {
    if let Ok(sys) = py.import("sys") {
        for stream in ["stdout", "stderr"] {
            if let Ok(s) = sys.getattr(stream) {
                let _ = s.call_method0("flush");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimum_versions_compare_numerically() {
        assert!(runs_on("3.8", &[3, 11, 7]));
        assert!(runs_on("3.14", &[3, 14, 0]));
        assert!(!runs_on("3.14", &[3, 13, 5]));
        assert!(!runs_on("3.10", &[3, 9, 18]));
    }

    #[test]
    fn suggests_the_nearest_lesson_names() {
        let names = ["gil-proof", "pool-map", "pool-sizes", "io-threads"];
        assert_eq!(closest_names("gil-prof", names.into_iter())[0], "gil-proof");
        assert!(closest_names("pool", names.into_iter()).contains(&"pool-map".to_string()));
        assert!(closest_names("zzzzzzzz", names.into_iter()).is_empty());
    }
}
