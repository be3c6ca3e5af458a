//! A user's own function as the workload (`compare FILE.py:FUNCTION`): what it is,
//! where its arguments come from, and the figures only such a row has.
//!
//! The Python side (`python/gil_lab/harness/user_function.py`) runs it under each model;
//! this module names it, checks it before anything is measured, and types what
//! the rows report about it.

use std::path::Path;

use anyhow::{Result, anyhow};
use pyo3::prelude::*;
use serde::{Deserialize, Serialize};

use crate::cpython::interpreter::format_py_err;
use crate::error::UsageError;

/// `FILE.py:FUNCTION` or `MODULE:FUNCTION`, resolved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Callable {
    /// As the user wrote it.
    pub target: String,
    /// The file's absolute path, for `FILE.py:FUNCTION`.
    pub path: Option<String>,
    /// The module's dotted name, for `MODULE:FUNCTION`.
    pub module: Option<String>,
    /// The function's name in its module (dotted for a class's static method).
    pub function: String,
}

impl Callable {
    /// Parses `target`; a file must exist (relative to `cwd`).
    pub fn parse(target: &str, cwd: &Path, flag: &str) -> Result<Callable, UsageError> {
        let hint = "e.g. work.py:process (a file) or mypackage.jobs:process (importable from here)";
        let Some((place, function)) = target.rsplit_once(':') else {
            return Err(UsageError::new(format!(
                "{flag}'{target}' names no function: write FILE.py:FUNCTION or MODULE:FUNCTION"
            ))
            .with_hint(hint));
        };
        if place.is_empty() || function.is_empty() || !is_dotted_name(function) {
            return Err(UsageError::new(format!(
                "{flag}'{target}' is not FILE.py:FUNCTION or MODULE:FUNCTION"
            ))
            .with_hint(hint));
        }
        let is_file = place.ends_with(".py") || place.contains('/');
        if !is_file {
            if !is_dotted_name(place) {
                return Err(UsageError::new(format!(
                    "{flag}'{place}' is neither a .py file nor a module name"
                ))
                .with_hint(hint));
            }
            return Ok(Callable {
                target: target.into(),
                path: None,
                module: Some(place.into()),
                function: function.into(),
            });
        }
        let path = cwd.join(place);
        if !path.is_file() {
            return Err(
                UsageError::new(format!("{flag}no such file: {place}")).with_hint(format!(
                    "the file is looked for from {}; {hint}",
                    cwd.display()
                )),
            );
        }
        let path = std::fs::canonicalize(&path).unwrap_or(path);
        Ok(Callable {
            target: target.into(),
            path: Some(path.to_string_lossy().into_owned()),
            module: None,
            function: function.into(),
        })
    }

    /// How a table names it: `work.pure`.
    pub fn label(&self) -> String {
        let module = match (&self.path, &self.module) {
            (Some(path), _) => Path::new(path)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
            (None, Some(module)) => module.clone(),
            (None, None) => String::new(),
        };
        format!("{module}.{}", self.function)
    }
}

fn is_dotted_name(text: &str) -> bool {
    text.split('.').all(|part| {
        let mut chars = part.chars();
        chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
            && chars.all(|c| c.is_alphanumeric() || c == '_')
    })
}

/// Where the tasks' arguments come from, as `map` takes them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Inputs {
    /// `FUNCTION(i)` for `i` in `0..tasks` (or `FUNCTION()` when it takes no parameter).
    Count { tasks: usize },
    /// `--input-json`: each element is one task's argument.
    Json { values: Vec<serde_json::Value> },
    /// `--inputs FILE.py:FUNCTION`: called once in each interpreter, it returns the arguments.
    Function(Callable),
}

/// The function and its inputs: what every row runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserFunction {
    #[serde(flatten)]
    pub callable: Callable,
    pub inputs: Inputs,
}

/// What loading the function in the embedded interpreter found.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Loaded {
    pub tasks: usize,
    pub no_argument: bool,
    /// The module whose import switched a free-threaded build's GIL back on.
    pub gil_reenabled_by: Option<String>,
}

/// Loading failed: the user's input is wrong (exit 2), or their code raised on import (exit 1).
#[derive(Debug)]
pub enum LoadFailure {
    Usage(UsageError),
    Raised(String),
}

impl UserFunction {
    /// The spec `python/gil_lab/harness/user_function.py` reads.
    pub fn spec(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// `work.pure(x) for 2 arguments from work.sizes()`.
    pub fn describe(&self, tasks: usize) -> String {
        let f = self.callable.label();
        match &self.inputs {
            Inputs::Count { .. } => format!("{f}(i) for i in range({tasks}) ({tasks} tasks)"),
            Inputs::Json { .. } => format!("{f}(x) for {tasks} arguments from --input-json"),
            Inputs::Function(source) => {
                format!("{f}(x) for {tasks} arguments from {}()", source.label())
            }
        }
    }

    /// Parses `--input-json`: a JSON array, one element per task.
    pub fn json_inputs(text: &str) -> Result<Inputs, UsageError> {
        match serde_json::from_str::<serde_json::Value>(text) {
            Ok(serde_json::Value::Array(values)) if !values.is_empty() => {
                Ok(Inputs::Json { values })
            }
            Ok(_) => Err(
                UsageError::new("--input-json must be a non-empty JSON array").with_hint(
                    "each element is one task's argument, e.g. --input-json '[1000000, 2000000]'",
                ),
            ),
            Err(e) => Err(UsageError::new(format!("--input-json is not JSON: {e}"))
                .with_hint("e.g. --input-json '[1000000, 2000000]'")),
        }
    }

    /// Imports the function and makes its arguments in the embedded interpreter,
    /// before anything is measured.
    pub fn load(&self) -> Result<Loaded, LoadFailure> {
        let answer = Python::attach(|py| -> PyResult<String> {
            py.import("gil_lab.harness.user_function")?
                .getattr("check")?
                .call1((self.spec(),))?
                .extract()
        })
        .map_err(|e| LoadFailure::Raised(format_py_err(&e)))?;
        self.loaded_from(&answer)
    }

    /// Reads what `gil_lab.harness.user_function.check` answered (JSON text), here or in a harness.
    pub fn loaded_from(&self, answer: &str) -> Result<Loaded, LoadFailure> {
        let mut value: serde_json::Value = serde_json::from_str(answer)
            .map_err(|e| LoadFailure::Raised(format!("checking the function: {e}")))?;
        if let serde_json::Value::String(text) = &value {
            value = serde_json::from_str(text)
                .map_err(|e| LoadFailure::Raised(format!("checking the function: {e}")))?;
        }
        if let Some(error) = value["error"].as_str() {
            let frames = value["frames"].as_str().unwrap_or(error).to_string();
            return Err(match value["kind"].as_str() {
                Some("load") if value["frames"].is_null() => LoadFailure::Usage(
                    UsageError::new(error.to_string()).with_hint(self.load_hint()),
                ),
                _ => LoadFailure::Raised(frames),
            });
        }
        let loaded: Loaded = serde_json::from_value(value)
            .map_err(|e| LoadFailure::Raised(format!("checking the function: {e}")))?;
        if loaded.tasks == 0 {
            return Err(LoadFailure::Usage(
                UsageError::new("the inputs give no task to run")
                    .with_hint("--inputs must return at least one argument"),
            ));
        }
        Ok(loaded)
    }

    fn load_hint(&self) -> String {
        match &self.callable.path {
            Some(path) => format!("check the function's name in {path}"),
            None => "a module must be importable from the current folder".into(),
        }
    }
}

/// How a row's results compare with the sequential row's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResultsOutcome {
    /// This is the sequential row: the reference.
    Reference,
    /// Equal, by `==` or by pickled bytes.
    Same,
    /// A task's result differs: the row computed something else.
    Differ,
    /// The results could not be compared (the detail says why).
    NotCompared,
}

/// A row's results against the sequential row's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultsCheck {
    pub outcome: ResultsOutcome,
    pub detail: String,
}

/// What a pool pays for this function, measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserCosts {
    /// Pickled bytes of a task's argument (median over tasks).
    pub arg_bytes: u64,
    /// Pickled bytes of a task's result (median over tasks).
    pub result_bytes: u64,
    /// Seconds to pickle and unpickle one task's argument and result (parent side,
    /// best of 3, median over up to 8 tasks).
    pub pickle_s_per_task: f64,
    /// The pickle protocol (the interpreter's default, as multiprocessing uses).
    pub protocol: u32,
    /// PSS of a worker process after its tasks (median over workers), KiB.
    #[serde(default)]
    pub pss_kb_per_worker: Option<u64>,
    #[serde(default)]
    pub worker_processes: Option<u32>,
}

/// What the function printed in a row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrintedOutput {
    /// Tasks that printed something.
    pub tasks: usize,
    /// The first task's output, on one line, shortened.
    pub first: String,
}

/// Builds the error of a function that could not be loaded.
pub fn load_error(failure: LoadFailure) -> anyhow::Error {
    match failure {
        LoadFailure::Usage(e) => anyhow::Error::new(e),
        LoadFailure::Raised(text) => anyhow!("importing your code raised:\n{text}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_name_a_file_or_a_module() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("work.py"), "def f(i): return i\n").unwrap();
        let file = Callable::parse("work.py:f", dir.path(), "").unwrap();
        assert!(file.path.unwrap().ends_with("work.py"));
        assert_eq!(file.function, "f");
        let module = Callable::parse("pkg.jobs:run", dir.path(), "").unwrap();
        assert_eq!(module.module.as_deref(), Some("pkg.jobs"));
        assert!(Callable::parse("nope.py:f", dir.path(), "").is_err());
        assert!(Callable::parse("work.py", dir.path(), "").is_err());
        assert!(Callable::parse("work.py:", dir.path(), "").is_err());
        assert!(Callable::parse("work.py:1x", dir.path(), "").is_err());
    }

    #[test]
    fn json_inputs_must_be_a_non_empty_array() {
        assert!(UserFunction::json_inputs("[1, 2]").is_ok());
        assert!(UserFunction::json_inputs("[]").is_err());
        assert!(UserFunction::json_inputs("{}").is_err());
        assert!(UserFunction::json_inputs("[1,").is_err());
    }

    #[test]
    fn the_spec_is_what_the_python_side_reads() {
        let f = UserFunction {
            callable: Callable {
                target: "m:f".into(),
                path: None,
                module: Some("m".into()),
                function: "f".into(),
            },
            inputs: Inputs::Count { tasks: 3 },
        };
        let spec: serde_json::Value = serde_json::from_str(&f.spec()).unwrap();
        assert_eq!(spec["function"], "f");
        assert_eq!(spec["inputs"]["kind"], "count");
        assert_eq!(spec["inputs"]["tasks"], 3);
    }
}
