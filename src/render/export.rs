//! The exports a report writes (after hyperfine's `ExportType` / `Exporter`):
//! one enum of formats, and one trait each kind of report implements. A
//! command plans its exports from [`Exporter::FORMATS`] before measuring, so a
//! format a report does not write is refused up front instead of skipped.
//! Adding a format touches this enum, its renderer and the CLI flag.

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::os::output::Destination;

/// One export format, named by its command-line flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Export {
    Json,
    Csv,
    Markdown,
    Html,
    /// A chart or timelines as one SVG file.
    Svg,
    /// `compare`'s raw chunk timelines, as JSON.
    Timeline,
}

impl Export {
    pub fn flag(self) -> &'static str {
        match self {
            Export::Json => "--json",
            Export::Csv => "--csv",
            Export::Markdown => "--markdown",
            Export::Html => "--html",
            Export::Svg => "--svg",
            Export::Timeline => "--timeline",
        }
    }
}

/// Where each requested export goes, once checked (see `commands::exports`).
#[derive(Debug, Default)]
pub struct Destinations {
    pub targets: Vec<(Export, Destination)>,
}

impl Destinations {
    pub fn get(&self, format: Export) -> Option<&Destination> {
        self.targets
            .iter()
            .find(|(f, _)| *f == format)
            .map(|(_, d)| d)
    }

    /// The file `format` goes to, if it goes to a file.
    pub fn file(&self, format: Export) -> Option<&Path> {
        match self.get(format) {
            Some(Destination::File(p)) => Some(p),
            _ => None,
        }
    }

    /// The file name `format` goes to (a Markdown report links its chart by it).
    pub fn file_name(&self, format: Export) -> Option<String> {
        self.file(format)
            .and_then(Path::file_name)
            .map(|n| n.to_string_lossy().into_owned())
    }
}

/// An export's text, and the files that go beside it (name, text).
#[derive(Debug, Default)]
pub struct Rendered {
    pub text: String,
    pub beside: Vec<(PathBuf, String)>,
}

impl From<String> for Rendered {
    fn from(text: String) -> Rendered {
        Rendered {
            text,
            beside: Vec::new(),
        }
    }
}

/// A finished report's exports.
pub trait Exporter {
    /// The formats this kind of report writes.
    const FORMATS: &'static [Export];

    /// Files a `format` export written to `file` puts beside it, known before
    /// measuring so that no other export may land on one of them.
    fn beside(_format: Export, _file: &Path) -> Vec<PathBuf> {
        Vec::new()
    }

    /// The text of `format` (one of [`Exporter::FORMATS`]); `to` says where
    /// every export goes, for reports that refer to each other's files.
    fn render(&self, format: Export, to: &Destinations) -> Result<Rendered>;
}

/// The `--json` text of any serializable report: pretty, with a final newline.
pub fn json<T: serde::Serialize>(report: &T) -> Result<String> {
    Ok(serde_json::to_string_pretty(report)? + "\n")
}

/// For an `Exporter` whose `render` met a format outside its `FORMATS`: a bug, said plainly.
pub fn not_written(format: Export) -> anyhow::Error {
    anyhow::anyhow!("this report does not write {}", format.flag())
}
