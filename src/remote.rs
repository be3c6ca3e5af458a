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
    /// Starts the harness in `facts.executable`, with `python_dir` on its path.
    pub fn start(facts: InterpreterFacts, python_dir: &Path) -> Result<RemoteHarness> {
        let script = format!(
            "import sys; sys.path.insert(0, {dir:?}); from gil_lab.remote import serve; serve()",
            dir = python_dir.to_string_lossy()
        );
        let mut child = Command::new(&facts.executable)
            .args(["-u", "-c", &script])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting the harness in {}", facts.executable))?;
        let stdin = child.stdin.take().ok_or_else(|| anyhow!("no stdin"))?;
        let stdout = BufReader::new(child.stdout.take().ok_or_else(|| anyhow!("no stdout"))?);
        Ok(RemoteHarness {
            facts,
            io: Mutex::new(Pipes {
                child,
                stdin: Some(stdin),
                stdout,
            }),
        })
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

impl Drop for RemoteHarness {
    /// Closing stdin ends `serve()`; the process is then reaped.
    fn drop(&mut self) {
        if let Ok(mut io) = self.io.lock() {
            io.stdin.take();
            let _ = io.child.wait();
        }
    }
}
