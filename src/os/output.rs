//! Writing exports: whole or not at all.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::UsageError;

/// Where an export goes: stdout (`-`) or a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    Stdout,
    File(PathBuf),
}

impl Destination {
    pub fn parse(arg: &str) -> Destination {
        if arg == "-" {
            Destination::Stdout
        } else {
            Destination::File(PathBuf::from(arg))
        }
    }

    /// Fails early, before any measuring, when the file cannot be written.
    pub fn check_writable(&self, flag: &str) -> Result<(), UsageError> {
        let Destination::File(path) = self else {
            return Ok(());
        };
        let probe = temp_path(path);
        std::fs::File::create(&probe)
            .and_then(|_| std::fs::remove_file(&probe))
            .map_err(|e| {
                UsageError::new(format!("cannot write {flag} {}: {e}", path.display())).with_hint(
                    "choose a path in a folder that exists and is writable, or - for stdout",
                )
            })
    }

    /// Writes `text` to a temporary file beside the target and renames it into
    /// place, so an interrupted run never leaves half a report.
    pub fn write(&self, text: &str) -> std::io::Result<()> {
        match self {
            Destination::Stdout => std::io::stdout().write_all(text.as_bytes()),
            Destination::File(path) => {
                let tmp = temp_path(path);
                std::fs::write(&tmp, text)?;
                std::fs::rename(&tmp, path)
            }
        }
    }
}

fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_whole_files_and_refuses_missing_folders() {
        let dir = tempfile::tempdir().unwrap();
        let target = Destination::parse(dir.path().join("r.json").to_str().unwrap());
        target.check_writable("--json").unwrap();
        target.write("{}").unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("r.json")).unwrap(),
            "{}"
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        let bad = Destination::parse("/no/such/folder/r.json");
        assert!(bad.check_writable("--json").is_err());
        assert_eq!(Destination::parse("-"), Destination::Stdout);
    }
}
