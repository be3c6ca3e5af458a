//! Where the Python side (`gil_lab`, `lessons`) comes from: the binary carries
//! it and unpacks it on first use, so that an installed or copied binary works
//! without its source tree.
//!
//! In order: `GIL_LAB_PYTHON_DIR`; the source tree the binary was built in, while
//! it exists (editing a lesson needs no rebuild); the copy unpacked into
//! `$XDG_CACHE_HOME/gil-lab/<version>-<content hash>`; and, where the cache home
//! cannot be written, a copy in the run's private temporary folder, which goes
//! when gil-lab exits.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use include_dir::{Dir, include_dir};
use serde::Serialize;

use crate::os::unpack;

/// `python/gil_lab` and `python/lessons` as build.rs copied them (no `__pycache__`).
static CARRIED: Dir<'static> = include_dir!("$OUT_DIR/python");
/// A hash of [`CARRIED`]'s paths and bytes, computed by build.rs.
const CONTENT_HASH: &str = env!("GIL_LAB_PYTHON_HASH");
/// The `python/` folder of the source tree the binary was built in.
const SOURCE_DIR: &str = env!("GIL_LAB_SOURCE_PYTHON_DIR");

/// Which copy of the Python side is in use, as `gil-lab info` tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// `GIL_LAB_PYTHON_DIR` names it.
    Override,
    /// The source tree the binary was built in.
    SourceTree,
    /// Unpacked from the binary into the cache home.
    Cache,
    /// Unpacked into the run's private temporary folder (the cache home cannot be written).
    Temporary,
}

impl Origin {
    pub fn label(self) -> &'static str {
        match self {
            Origin::Override => "GIL_LAB_PYTHON_DIR",
            Origin::SourceTree => "source tree",
            Origin::Cache => "unpacked from the binary",
            Origin::Temporary => "unpacked for this run only",
        }
    }
}

/// The folder holding `gil_lab/` and `lessons/`, and where it came from.
#[derive(Debug)]
pub struct PythonFiles {
    pub dir: PathBuf,
    pub origin: Origin,
    /// Holds a [`Origin::Temporary`] copy; removed when dropped.
    _temporary: Option<tempfile::TempDir>,
}

/// The name of this binary's unpacked copy: `<version>-<content hash>`.
pub fn copy_name() -> String {
    format!("{}-{CONTENT_HASH}", env!("CARGO_PKG_VERSION"))
}

/// Keeps bytecode out of the source tree: where the Python side is read from
/// the tree itself (a development build), every interpreter of the run writes
/// its `__pycache__` under `target/pycache` instead, through
/// `PYTHONPYCACHEPREFIX`, which the embedded interpreter and every child
/// inherit. A prefix the user set stays.
///
/// # Safety
/// Sets an environment variable: call before any other thread exists.
pub unsafe fn keep_bytecode_out_of_the_tree() {
    let tree = Path::new(SOURCE_DIR);
    if std::env::var_os("GIL_LAB_PYTHON_DIR").is_some()
        || std::env::var_os("PYTHONPYCACHEPREFIX").is_some()
        || !has_gil_lab(tree)
    {
        return;
    }
    if let Some(repo) = tree.parent() {
        // SAFETY: the caller guarantees no other thread reads the environment now.
        unsafe { std::env::set_var("PYTHONPYCACHEPREFIX", repo.join("target/pycache")) };
    }
}

/// Finds or unpacks the Python side (see the module's doc for the order).
pub fn locate() -> Result<PythonFiles> {
    if let Some(dir) = std::env::var_os("GIL_LAB_PYTHON_DIR").map(PathBuf::from) {
        if !has_gil_lab(&dir) {
            bail!(
                "gil-lab's Python files are not at {} (GIL_LAB_PYTHON_DIR must name a folder holding gil_lab/; unset it to use the copy inside the binary)",
                dir.display()
            );
        }
        return Ok(found(dir, Origin::Override));
    }
    let source = Path::new(SOURCE_DIR);
    if has_gil_lab(source) {
        return Ok(found(source.to_path_buf(), Origin::SourceTree));
    }
    unpacked(unpack::cache_root().as_deref())
}

/// The copy in `cache_root`, or a temporary one when it cannot be written there.
pub fn unpacked(cache_root: Option<&Path>) -> Result<PythonFiles> {
    let why = match cache_root {
        Some(root) => match unpack::unpack(&CARRIED, root, &copy_name(), CONTENT_HASH) {
            Ok(dir) => return Ok(found(dir, Origin::Cache)),
            Err(e) => format!("cannot write to {}: {e}", root.display()),
        },
        None => "neither XDG_CACHE_HOME nor HOME is set".to_string(),
    };
    // TMPDIR is the run's private folder (os::signals::private_temp_dir), which
    // every way out removes; the guard below removes it on a normal exit too.
    let temporary = tempfile::Builder::new()
        .prefix("gil-lab-python-")
        .tempdir()?;
    let dir = unpack::unpack(&CARRIED, temporary.path(), &copy_name(), CONTENT_HASH)?;
    eprintln!("note: {why}; gil-lab's Python files are unpacked for this run only");
    Ok(PythonFiles {
        dir,
        origin: Origin::Temporary,
        _temporary: Some(temporary),
    })
}

fn found(dir: PathBuf, origin: Origin) -> PythonFiles {
    PythonFiles {
        dir,
        origin,
        _temporary: None,
    }
}

fn has_gil_lab(dir: &Path) -> bool {
    dir.join("gil_lab").join("__init__.py").is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_binary_carries_every_python_file_of_the_tree_and_no_bytecode() {
        let mut in_tree = Vec::new();
        for folder in ["gil_lab", "lessons"] {
            collect(&Path::new(SOURCE_DIR).join(folder), folder, &mut in_tree);
        }
        in_tree.sort();
        let mut carried = Vec::new();
        carried_files(&CARRIED, &mut carried);
        carried.sort();
        assert_eq!(carried, in_tree);
        assert!(carried.iter().any(|p| p == "gil_lab/__init__.py"));
        assert!(!carried.iter().any(|p| p.starts_with("tests/")));
    }

    fn collect(dir: &Path, rel: &str, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap().map(Result::unwrap) {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name == "__pycache__" || name.ends_with(".pyc") {
                continue;
            }
            let rel = format!("{rel}/{name}");
            if entry.file_type().unwrap().is_dir() {
                collect(&entry.path(), &rel, out);
            } else {
                out.push(rel);
            }
        }
    }

    fn carried_files(dir: &Dir<'_>, out: &mut Vec<String>) {
        out.extend(dir.files().map(|f| f.path().to_string_lossy().into_owned()));
        for d in dir.dirs() {
            carried_files(d, out);
        }
    }

    #[test]
    fn an_unwritable_cache_home_falls_back_to_a_copy_that_goes_with_its_guard() {
        let not_a_folder = tempfile::NamedTempFile::new().unwrap();
        let files = unpacked(Some(&not_a_folder.path().join("gil-lab"))).unwrap();
        assert_eq!(files.origin, Origin::Temporary);
        assert!(has_gil_lab(&files.dir));
        let dir = files.dir.clone();
        drop(files);
        assert!(
            !dir.exists(),
            "the temporary copy is removed with its guard"
        );
    }

    #[test]
    fn a_cache_home_gets_a_copy_named_by_version_and_content() {
        let home = tempfile::tempdir().unwrap();
        let files = unpacked(Some(home.path())).unwrap();
        assert_eq!(files.origin, Origin::Cache);
        assert_eq!(files.dir, home.path().join(copy_name()));
        assert!(has_gil_lab(&files.dir) && files.dir.join("lessons").is_dir());
    }
}
