//! A harness process in another interpreter (`--python`), spoken to in JSON lines.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Mutex;

use anyhow::{Context, Result, anyhow, bail};
use serde_json::Value as Json;

use crate::interpreter::InterpreterFacts;

/// One long-lived `gil_lab.remote.serve()` process; requests are answered in order.
pub struct RemoteHarness {
    pub facts: InterpreterFacts,
    io: Mutex<Pipes>,
}

struct Pipes {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

impl RemoteHarness {
    /// Starts the harness in `executable` with `env` set and `python_dir` on its
    /// path; its facts are what that process reports (e.g. `PYTHON_GIL=1` turns a
    /// free-threaded build's GIL back on).
    pub fn start(
        executable: &str,
        env: &[(&str, &str)],
        python_dir: &Path,
    ) -> Result<RemoteHarness> {
        let script = format!(
            "import sys; sys.path.insert(0, {dir:?}); from gil_lab.remote import serve; serve()",
            dir = python_dir.to_string_lossy()
        );
        let mut child = Command::new(executable)
            .args(["-u", "-c", &script])
            .envs(env.iter().copied())
            // Subinterpreters of an interpreter pool find `gil_lab` through it.
            .env("PYTHONPATH", python_dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting the harness in {executable}"))?;
        let stdin = child.stdin.take().ok_or_else(|| anyhow!("no stdin"))?;
        let stdout = BufReader::new(child.stdout.take().ok_or_else(|| anyhow!("no stdout"))?);
        let mut harness = RemoteHarness {
            facts: placeholder_facts(executable),
            io: Mutex::new(Pipes {
                child,
                stdin: Some(stdin),
                stdout,
            }),
        };
        let answer = harness.ask(&serde_json::json!({"model": "facts"}))?;
        harness.facts = serde_json::from_value(answer["facts"].clone())
            .context("decoding the harness's facts")?;
        Ok(harness)
    }

    /// Sends one request and returns the answer; `{"ok": false}` becomes an error.
    pub fn ask(&self, request: &Json) -> Result<Json> {
        let mut io = self
            .io
            .lock()
            .map_err(|_| anyhow!("harness lock poisoned"))?;
        let stdin = io
            .stdin
            .as_mut()
            .ok_or_else(|| anyhow!("the harness was closed"))?;
        writeln!(stdin, "{request}")?;
        stdin.flush()?;
        let mut line = String::new();
        if io.stdout.read_line(&mut line)? == 0 {
            bail!("the harness in {} stopped answering", self.facts.executable);
        }
        let answer: Json = serde_json::from_str(&line).context("decoding the harness's answer")?;
        if answer["ok"] != true {
            bail!(
                "{}",
                answer["error"].as_str().unwrap_or("the harness failed")
            );
        }
        Ok(answer)
    }
}

/// Facts until the harness has told its own.
fn placeholder_facts(executable: &str) -> InterpreterFacts {
    InterpreterFacts {
        implementation: "CPython".into(),
        python_version: String::new(),
        version_info: Vec::new(),
        executable: executable.into(),
        prefix: String::new(),
        free_threaded_build: false,
        gil_disabled: false,
        own_gil_subinterpreters: false,
        interpreter_pool: false,
        start_method: String::new(),
        cpus: 0,
    }
}

impl Drop for RemoteHarness {
    /// Closing stdin ends `serve()`; the process is then reaped.
    fn drop(&mut self) {
        if let Ok(mut io) = self.io.lock() {
            io.stdin.take();
            let _ = io.child.wait();
        }
    }
}
