//! Other interpreters: finding them, checking them, naming them with `--python`.
//!
//! A candidate is asked for its facts by running it with `gil_lab.runtime.facts`; only a
//! CPython 3.11+ that answers is accepted, so every row names an interpreter that
//! really ran it.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use crate::cpython::interpreter::{InterpreterFacts, executable};
use crate::error::UsageError;

/// Oldest CPython gil-lab's harness supports.
pub const MIN_VERSION: (u32, u32) = (3, 11);

/// How long a candidate may take to say what it is.
const PROBE_TIMEOUT: Duration = Duration::from_secs(20);

/// One usable interpreter.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Found {
    /// What the user can pass to `--python` for it, e.g. "3.13t".
    pub spec: String,
    /// Where it was found: "embedded", "install dir" or "PATH".
    pub source: String,
    #[serde(flatten)]
    pub facts: InterpreterFacts,
}

/// `${GIL_LAB_PYTHONS:-$HOME/.cache/gil-lab/pythons}`: where scripts/install-pythons.sh installs.
pub fn install_dir() -> PathBuf {
    std::env::var_os("GIL_LAB_PYTHONS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let home = std::env::var_os("HOME").unwrap_or_else(|| "/root".into());
            PathBuf::from(home).join(".cache/gil-lab/pythons")
        })
}

/// Runs `python` with `gil_lab.runtime.facts` and checks it is a CPython 3.11+.
pub fn probe(python: &Path, python_dir: &Path) -> Result<InterpreterFacts, UsageError> {
    let shown = python.display();
    let hint = "pass a CPython 3.11+ executable, a version such as 3.13t, or all (gil-lab pythons lists them)";
    if !python.exists() {
        return Err(UsageError::new(format!("--python {shown}: no such file")).with_hint(hint));
    }
    let script = format!(
        "import sys; sys.path.insert(0, {dir:?}); from gil_lab.runtime.facts import facts_json; print(facts_json())",
        dir = python_dir.to_string_lossy()
    );
    let child = crate::cpython::launcher::python(python, python_dir)
        .args(["-I", "-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            UsageError::new(format!("--python {shown} cannot be run: {e}")).with_hint(hint)
        })?;
    let output = wait_with_timeout(child, PROBE_TIMEOUT).ok_or_else(|| {
        UsageError::new(format!(
            "--python {shown} did not answer within {PROBE_TIMEOUT:?}"
        ))
        .with_hint(hint)
    })?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let facts: InterpreterFacts = stdout
        .lines()
        .rev()
        .find_map(|line| serde_json::from_str(line).ok())
        .ok_or_else(|| {
            let said = String::from_utf8_lossy(if output.stderr.is_empty() {
                &output.stdout
            } else {
                &output.stderr
            })
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("nothing")
            .trim()
            .to_string();
            UsageError::new(format!(
                "--python {shown} is not a working CPython: it said \"{said}\""
            ))
            .with_hint(hint)
        })?;
    if facts.implementation != "CPython" {
        return Err(UsageError::new(format!(
            "--python {shown} is {} {}, not CPython",
            facts.implementation, facts.python_version
        ))
        .with_hint(hint));
    }
    let version = (
        facts.version_info.first().copied().unwrap_or(0),
        facts.version_info.get(1).copied().unwrap_or(0),
    );
    if version < MIN_VERSION {
        return Err(UsageError::new(format!(
            "--python {shown} is CPython {}, older than {}.{}",
            facts.python_version, MIN_VERSION.0, MIN_VERSION.1
        ))
        .with_hint(hint));
    }
    Ok(facts)
}

pub(crate) fn wait_with_timeout(
    mut child: std::process::Child,
    limit: Duration,
) -> Option<std::process::Output> {
    let start = std::time::Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => return child.wait_with_output().ok(),
            Ok(None) if start.elapsed() < limit => std::thread::sleep(Duration::from_millis(10)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
}

/// "3.13" or "3.13t" for an interpreter's facts.
pub fn spec_of(facts: &InterpreterFacts) -> String {
    let (major, minor) = (
        facts.version_info.first().copied().unwrap_or(0),
        facts.version_info.get(1).copied().unwrap_or(0),
    );
    let t = if facts.free_threaded_build { "t" } else { "" };
    format!("{major}.{minor}{t}")
}

/// Candidate executables: the embedded one, the install dir, `python3.X[t]` on PATH.
fn candidates() -> Vec<(String, PathBuf)> {
    let mut found = vec![("embedded".to_string(), PathBuf::from(executable()))];
    if let Ok(entries) = std::fs::read_dir(install_dir()) {
        let mut dirs: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path().join("bin/python3"))
            .collect();
        dirs.sort();
        found.extend(
            dirs.into_iter()
                .filter(|p| p.exists())
                .map(|p| ("install dir".to_string(), p)),
        );
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for minor in MIN_VERSION.1..=20 {
            for t in ["", "t"] {
                let exe = dir.join(format!("python3.{minor}{t}"));
                if exe.is_file() {
                    found.push(("PATH".to_string(), exe));
                }
            }
        }
    }
    found
}

/// Every interpreter that answers, one per real executable, in discovery order.
pub fn discover(python_dir: &Path) -> Vec<Found> {
    let mut seen: Vec<PathBuf> = Vec::new();
    let mut all = Vec::new();
    for (source, exe) in candidates() {
        let Ok(facts) = probe(&exe, python_dir) else {
            continue;
        };
        let real = std::fs::canonicalize(&facts.executable)
            .unwrap_or_else(|_| PathBuf::from(&facts.executable));
        if seen.contains(&real) {
            continue;
        }
        seen.push(real);
        // `--python 3.11` names the first 3.11 found; another one is named by its path.
        let spec = match spec_of(&facts) {
            spec if all.iter().any(|f: &Found| f.spec == spec) => facts.executable.clone(),
            spec => spec,
        };
        all.push(Found {
            spec,
            source,
            facts,
        });
    }
    all
}

/// Resolves `--python` values: paths, versions ("3.13", "3.13t") or "all".
pub fn resolve(specs: &[String], python_dir: &Path) -> Result<Vec<InterpreterFacts>, UsageError> {
    let mut chosen: Vec<InterpreterFacts> = Vec::new();
    let mut discovered: Option<Vec<Found>> = None;
    for spec in specs {
        let facts: Vec<InterpreterFacts> = if spec == "all" {
            discovered
                .get_or_insert_with(|| discover(python_dir))
                .iter()
                .map(|f| f.facts.clone())
                .collect()
        } else if spec.contains('/') {
            vec![probe(Path::new(spec), python_dir)?]
        } else if is_version(spec) {
            let all = discovered.get_or_insert_with(|| discover(python_dir));
            let hit = all.iter().find(|f| f.spec == *spec).ok_or_else(|| {
                let mut have: Vec<&str> = Vec::new();
                for f in all.iter() {
                    if !have.contains(&f.spec.as_str()) {
                        have.push(f.spec.as_str());
                    }
                }
                let installable = ["3.13", "3.13t", "3.14", "3.15"];
                let hint = if installable.contains(&spec.as_str()) {
                    format!("scripts/install-pythons.sh --only {spec} installs it; or pass the interpreter's path")
                } else {
                    "scripts/install-pythons.sh installs 3.13, 3.13t, 3.14 and 3.15; or pass the interpreter's path".to_string()
                };
                UsageError::new(format!("no Python {spec} found (found: {})", have.join(", ")))
                    .with_hint(hint)
            })?;
            vec![hit.facts.clone()]
        } else {
            return Err(UsageError::new(format!(
                "--python {spec}: not a path, a version such as 3.13t, or all"
            ))
            .with_hint("e.g. --python 3.13t, --python /usr/local/bin/python3.13, --python all"));
        };
        for f in facts {
            if !chosen.iter().any(|c| c.executable == f.executable) {
                chosen.push(f);
            }
        }
    }
    Ok(chosen)
}

/// "3.13" / "3.13t" / "3.11".
fn is_version(spec: &str) -> bool {
    let core = spec.strip_suffix('t').unwrap_or(spec);
    let mut parts = core.split('.');
    matches!((parts.next(), parts.next(), parts.next()), (Some(a), Some(b), None)
        if !a.is_empty() && !b.is_empty() && a.chars().all(|c| c.is_ascii_digit()) && b.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_told_from_paths_and_nonsense() {
        assert!(is_version("3.13") && is_version("3.13t") && is_version("3.11"));
        assert!(
            !is_version("3")
                && !is_version("3.13.1")
                && !is_version("python3")
                && !is_version("3.x")
        );
    }

    #[test]
    fn a_missing_interpreter_is_a_usage_error() {
        let err = probe(Path::new("/no/such/python3"), Path::new("/tmp")).unwrap_err();
        assert_eq!(err.message, "--python /no/such/python3: no such file");
    }

    #[test]
    fn a_program_that_is_not_python_is_refused_with_what_it_said() {
        let err = probe(Path::new("/bin/echo"), Path::new("/tmp")).unwrap_err();
        assert!(
            err.message
                .starts_with("--python /bin/echo is not a working CPython"),
            "{}",
            err.message
        );
    }
}
