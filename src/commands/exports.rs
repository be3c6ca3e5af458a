//! The one export path of every command: destinations are checked before
//! anything is measured, then each export is written whole (see `os::output`).

use anyhow::{Context, Result};

use crate::error::UsageError;
use crate::os::output::Destination;
use crate::os::terminal::{Stream, width};
use crate::render::fit::Fit;

/// The exports one command was asked for, by flag, checked up front.
#[derive(Debug, Default)]
pub struct Exports {
    targets: Vec<(&'static str, Destination)>,
}

impl Exports {
    /// Checks every requested `(flag, path)`: each path can be written, no two
    /// exports share a file, and at most one takes stdout.
    pub fn plan(requested: &[(&'static str, Option<&str>)]) -> Result<Exports, UsageError> {
        let mut exports = Exports::default();
        for &(flag, path) in requested {
            let Some(path) = path else { continue };
            let d = Destination::parse(path);
            d.check_writable(flag)?;
            if let Some((other, _)) = exports.targets.iter().find(|(_, o)| same_place(o, &d)) {
                let (what, hint) = if d == Destination::Stdout {
                    (
                        "stdout".to_string(),
                        "one export can take stdout (-); write the others to files",
                    )
                } else {
                    (
                        format!("{path:?}"),
                        "give each export its own file: the second would overwrite the first",
                    )
                };
                return Err(
                    UsageError::new(format!("{other} and {flag} both write to {what}"))
                        .with_hint(hint),
                );
            }
            exports.targets.push((flag, d));
        }
        Ok(exports)
    }

    /// Where `flag`'s export goes, if it was asked for.
    pub fn get(&self, flag: &str) -> Option<&Destination> {
        self.targets
            .iter()
            .find(|(f, _)| *f == flag)
            .map(|(_, d)| d)
    }

    /// Whether an export takes stdout, so the human-readable output moves to stderr.
    pub fn takes_stdout(&self) -> bool {
        self.targets.iter().any(|(_, d)| *d == Destination::Stdout)
    }

    /// The width `show` must fit: its terminal's, or none for a pipe or a file.
    pub fn fit(&self) -> Fit {
        Fit(width(if self.takes_stdout() {
            Stream::Stderr
        } else {
            Stream::Stdout
        }))
    }

    /// Prints `table` on stdout, or on stderr when an export takes stdout.
    pub fn show(&self, table: &str) -> Result<()> {
        use std::io::Write;
        if self.takes_stdout() {
            eprint!("{table}");
            Ok(())
        } else {
            let mut out = std::io::stdout().lock();
            out.write_all(table.as_bytes())?;
            out.flush()?;
            Ok(())
        }
    }

    /// Writes `flag`'s export, rendering it only when it was asked for.
    pub fn write(&self, flag: &str, render: impl FnOnce() -> Result<String>) -> Result<()> {
        if let Some(d) = self.get(flag) {
            let text = render()?;
            d.write(&text).with_context(|| format!("writing {flag}"))?;
        }
        Ok(())
    }
}

fn same_place(a: &Destination, b: &Destination) -> bool {
    match (a, b) {
        (Destination::Stdout, Destination::Stdout) => true,
        (Destination::File(_), Destination::File(_)) => a.identity() == b.identity(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_exports_to_one_file_or_two_to_stdout_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let same = dir.path().join("same");
        let same = same.to_str().unwrap();
        let err = Exports::plan(&[("--json", Some(same)), ("--csv", Some(same))]).unwrap_err();
        assert!(err.to_string().contains("--json and --csv"), "{err}");
        let err = Exports::plan(&[("--json", Some("-")), ("--csv", Some("-"))]).unwrap_err();
        assert!(err.to_string().contains("stdout"), "{err}");
        let ok = Exports::plan(&[
            ("--json", Some("-")),
            ("--csv", Some(same)),
            ("--svg", None),
        ])
        .unwrap();
        assert!(ok.takes_stdout() && ok.get("--csv").is_some() && ok.get("--svg").is_none());
    }
}
