//! A harness process in another interpreter (`--python`), spoken to in JSON lines.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Stdio};

use crate::cpython::launcher;
use std::sync::Mutex;

use anyhow::{Context, Result, anyhow, bail};
use serde_json::Value as Json;

use crate::cpython::interpreter::InterpreterFacts;

/// PIDs of the live harness processes: a timeout in one row spares the others'.
static HARNESS_PIDS: Mutex<Vec<u32>> = Mutex::new(Vec::new());

/// Harness processes other than `running`.
pub fn idle_harnesses(running: Option<u32>) -> Vec<u32> {
    HARNESS_PIDS
        .lock()
        .map(|pids| {
            pids.iter()
                .copied()
                .filter(|&p| Some(p) != running)
                .collect()
        })
        .unwrap_or_default()
}

/// One long-lived `gil_lab.harness.remote.serve()` process; requests are answered in order.
pub struct RemoteHarness {
    pub facts: InterpreterFacts,
    launch: Launch,
    io: Mutex<Pipes>,
}

struct Pipes {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

impl Pipes {
    /// Starts `serve()` in `executable` and registers its PID.
    fn spawn(how: &Launch) -> Result<Pipes> {
        let script = format!(
            "import sys; sys.path.insert(0, {dir:?}); from gil_lab.harness.remote import serve; serve()",
            dir = how.python_dir.to_string_lossy()
        );
        let mut child = launcher::python(&how.executable, &how.python_dir)
            .args(["-u", "-c", &script])
            .envs(how.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting the harness in {}", how.executable))?;
        if let Ok(mut pids) = HARNESS_PIDS.lock() {
            pids.push(child.id());
        }
        let stdin = child.stdin.take().ok_or_else(|| anyhow!("no stdin"))?;
        let stdout = BufReader::new(child.stdout.take().ok_or_else(|| anyhow!("no stdout"))?);
        Ok(Pipes {
            child,
            stdin: Some(stdin),
            stdout,
        })
    }

    /// Closes stdin (ending `serve()`), reaps the process and forgets its PID.
    fn close(&mut self) {
        self.stdin.take();
        let _ = self.child.wait();
        if let Ok(mut pids) = HARNESS_PIDS.lock() {
            pids.retain(|&p| p != self.child.id());
        }
    }
}

/// How a harness process is started, kept to start it again after a timeout killed it.
struct Launch {
    executable: String,
    env: Vec<(String, String)>,
    python_dir: PathBuf,
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
        let launch = Launch {
            executable: executable.into(),
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            python_dir: python_dir.into(),
        };
        let pipes = Pipes::spawn(&launch)?;
        let mut harness = RemoteHarness {
            facts: placeholder_facts(executable),
            launch,
            io: Mutex::new(pipes),
        };
        let answer = harness.ask(&serde_json::json!({"model": "facts"}))?;
        harness.facts = serde_json::from_value(answer["facts"].clone())
            .context("decoding the harness's facts")?;
        Ok(harness)
    }

    /// The harness process's PID.
    pub fn pid(&self) -> Option<u32> {
        self.io.lock().ok().map(|io| io.child.id())
    }

    /// Sends one request and returns the answer; `{"ok": false}` becomes an error.
    /// A harness that a timeout killed is started again for the next request.
    pub fn ask(&self, request: &Json) -> Result<Json> {
        let mut io = self
            .io
            .lock()
            .map_err(|_| anyhow!("harness lock poisoned"))?;
        if io.child.try_wait()?.is_some() {
            io.close();
            *io = Pipes::spawn(&self.launch)?;
        }
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
        ..Default::default()
    }
}

impl Drop for RemoteHarness {
    /// Closing stdin ends `serve()`; the process is then reaped.
    fn drop(&mut self) {
        if let Ok(mut io) = self.io.lock() {
            io.close();
        }
    }
}
