//! The one export path of every command: destinations are checked before
//! anything is measured, then each export is written whole (see `os::output`).

use anyhow::{Context, Result};

use crate::error::UsageError;
use crate::os::output::{Destination, Place};
use crate::os::terminal::{Stream, width};
use crate::render::export::{Destinations, Export, Exporter};
use crate::render::fit::Fit;

/// The exports one command was asked for, checked up front.
#[derive(Debug, Default)]
pub struct Exports {
    to: Destinations,
    /// Where stdout really goes, to tell `/dev/stdout` (or the file stdout is
    /// redirected to) from another file.
    stdout: Option<Place>,
}

impl Exports {
    /// Checks every requested `(format, path)` before anything is measured: the
    /// report `R` writes that format, the path can be written, and no two
    /// exports (nor the files one puts beside it) land in one place, however
    /// they are named; `-` and `/dev/stdout` are one place.
    pub fn plan<R: Exporter>(requested: &[(Export, Option<&str>)]) -> Result<Exports, UsageError> {
        let stdout = Destination::Stdout.place();
        let mut exports = Exports {
            to: Destinations::default(),
            stdout: stdout.clone(),
        };
        let mut taken: Vec<(String, Place)> = Vec::new();
        for &(format, path) in requested {
            let Some(path) = path else { continue };
            let flag = format.flag();
            if !R::FORMATS.contains(&format) {
                let can: Vec<&str> = R::FORMATS.iter().map(|f| f.flag()).collect();
                return Err(UsageError::new(format!("this report has no {flag} export"))
                    .with_hint(format!("it writes {}", can.join(", "))));
            }
            let d = Destination::parse(path);
            d.check_writable(flag)?;
            let mut places = vec![(flag.to_string(), path.to_string(), d.place())];
            if let Destination::File(file) = &d {
                for b in R::beside(format, file) {
                    let place = Destination::File(b.clone()).place();
                    let name = b.display().to_string();
                    places.push((format!("{flag} (beside it)"), name, place));
                }
            }
            for (what, path, place) in places {
                // The null device takes any number of exports; a place that
                // cannot be read (`-` on a closed stdout) is checked by name below.
                let place = match place {
                    Some(Place::Node { discards: true, .. }) | None => continue,
                    Some(place) => place,
                };
                if let Some((other, _)) = taken.iter().find(|(_, p)| *p == place) {
                    let (target, hint) = if Some(&place) == stdout.as_ref() {
                        (
                            "stdout".to_string(),
                            "one export can take stdout (- or /dev/stdout); write the others to files",
                        )
                    } else {
                        (
                            format!("{path:?}"),
                            "give each export its own file: the second would overwrite the first",
                        )
                    };
                    return Err(UsageError::new(format!(
                        "{other} and {what} both write to {target}"
                    ))
                    .with_hint(hint));
                }
                taken.push((what, place));
            }
            if d == Destination::Stdout
                && exports
                    .to
                    .targets
                    .iter()
                    .any(|(_, o)| *o == Destination::Stdout)
            {
                return Err(
                    UsageError::new(format!("two exports and {flag} write to stdout"))
                        .with_hint("one export can take stdout (-); write the others to files"),
                );
            }
            exports.to.targets.push((format, d));
        }
        Ok(exports)
    }

    /// Every planned destination, for a report that names another export's file.
    pub fn destinations(&self) -> &Destinations {
        &self.to
    }

    /// Whether an export takes stdout, so the human-readable output moves to stderr.
    pub fn takes_stdout(&self) -> bool {
        self.to.targets.iter().any(|(_, d)| {
            *d == Destination::Stdout
                || (self.stdout.is_some()
                    && d.place() == self.stdout
                    && !matches!(self.stdout, Some(Place::Node { discards: true, .. })))
        })
    }

    /// The width `show` must fit: its terminal's, or none for a pipe or a file.
    pub fn fit(&self) -> Fit {
        Fit(width(if self.takes_stdout() {
            Stream::Stderr
        } else {
            Stream::Stdout
        }))
    }

    /// Prints `table` on stdout, or on stderr when an export takes stdout; on
    /// a terminal, its prose lines are wrapped to the width (tables are drawn
    /// to it already).
    pub fn show(&self, table: &str) -> Result<()> {
        use std::io::Write;
        let table = &self.fit().wrap(table);
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

    /// Writes every planned export of `report`, and the files each puts beside it.
    pub fn write_all<R: Exporter>(&self, report: &R) -> Result<()> {
        for (format, d) in &self.to.targets {
            let rendered = report.render(*format, &self.to)?;
            for (file, text) in &rendered.beside {
                Destination::File(file.clone())
                    .write(text)
                    .with_context(|| format!("writing {}", file.display()))?;
            }
            d.write(&rendered.text)
                .with_context(|| format!("writing {}", format.flag()))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::export::Rendered;

    /// A report that writes JSON, CSV and an SVG beside its Markdown.
    struct Fake;

    impl Exporter for Fake {
        const FORMATS: &'static [Export] = &[Export::Json, Export::Csv, Export::Markdown];

        fn beside(format: Export, file: &std::path::Path) -> Vec<std::path::PathBuf> {
            match format {
                Export::Markdown => vec![file.with_extension("svg")],
                _ => Vec::new(),
            }
        }

        fn render(&self, _: Export, _: &Destinations) -> Result<Rendered> {
            Ok(Rendered::default())
        }
    }

    fn plan(requested: &[(Export, Option<&str>)]) -> Result<Exports, UsageError> {
        Exports::plan::<Fake>(requested)
    }

    #[test]
    fn two_exports_to_one_place_or_two_to_stdout_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let same = dir.path().join("same");
        let same = same.to_str().unwrap();
        let err = plan(&[(Export::Json, Some(same)), (Export::Csv, Some(same))]).unwrap_err();
        assert!(err.to_string().contains("--json and --csv"), "{err}");
        let around = dir.path().join("sub/../same");
        let err = plan(&[
            (Export::Json, Some(same)),
            (Export::Csv, Some(around.to_str().unwrap())),
        ])
        .unwrap_err();
        assert!(err.to_string().contains("--json and --csv"), "{err}");
        let err = plan(&[(Export::Json, Some("-")), (Export::Csv, Some("-"))]).unwrap_err();
        assert!(err.to_string().contains("stdout"), "{err}");
        let ok = plan(&[(Export::Json, Some("-")), (Export::Csv, Some(same))]).unwrap();
        assert!(ok.takes_stdout() && ok.destinations().get(Export::Csv).is_some());
        assert!(ok.destinations().get(Export::Markdown).is_none());
    }

    #[test]
    fn a_file_written_beside_an_export_counts_as_taken() {
        let dir = tempfile::tempdir().unwrap();
        let md = dir.path().join("r.md");
        let svg = dir.path().join("r.svg");
        let err = plan(&[
            (Export::Markdown, Some(md.to_str().unwrap())),
            (Export::Json, Some(svg.to_str().unwrap())),
        ])
        .unwrap_err();
        assert!(err.to_string().contains("--markdown (beside it)"), "{err}");
    }

    #[test]
    fn a_format_the_report_does_not_write_is_refused_with_what_it_writes() {
        let err = plan(&[(Export::Html, Some("x.html"))]).unwrap_err();
        assert!(err.to_string().contains("no --html export"), "{err}");
        assert!(
            err.hint
                .as_deref()
                .is_some_and(|h| h.contains("--json, --csv, --markdown")),
            "{err:?}"
        );
    }
}
