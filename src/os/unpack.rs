//! Unpacks a folder carried inside the binary (an `include_dir::Dir`) into a
//! cache folder named by its content, so that a copied or installed binary
//! needs no source tree.
//!
//! The copy is written to a temporary folder beside its final place, a marker
//! holding the content hash is written last, and the folder is renamed into
//! place: a reader never sees half a copy, and two first runs at once both end
//! with the same complete copy (the loser of the rename uses the winner's). A
//! copy whose marker is missing or names another hash, or whose files are
//! missing or of the wrong size, is replaced.

use std::io;
use std::path::{Path, PathBuf};

use include_dir::{Dir, DirEntry};

/// Written last into a complete copy; holds the content hash.
pub const MARKER: &str = ".gil-lab-complete";

/// How often a rename that lost a race is retried before giving up.
const ATTEMPTS: usize = 5;

/// `$XDG_CACHE_HOME/gil-lab`, or `~/.cache/gil-lab`; `None` without either.
pub fn cache_root() -> Option<PathBuf> {
    let xdg = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute());
    let home = || {
        std::env::var_os("HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .map(|h| h.join(".cache"))
    };
    xdg.or_else(home).map(|c| c.join("gil-lab"))
}

/// `files` unpacked at `root/name`, where `name` names the content (its hash is
/// `hash`): an existing complete copy is used as it is, otherwise one is written.
pub fn unpack(files: &Dir<'_>, root: &Path, name: &str, hash: &str) -> io::Result<PathBuf> {
    let target = root.join(name);
    if is_complete(files, &target, hash) {
        return Ok(target);
    }
    std::fs::create_dir_all(root)?;
    for _ in 0..ATTEMPTS {
        let staging = tempfile::Builder::new()
            .prefix(&format!(".{name}.partial-"))
            .tempdir_in(root)?;
        write_all(files, staging.path())?;
        std::fs::write(staging.path().join(MARKER), hash)?;
        match std::fs::rename(staging.path(), &target) {
            Ok(()) => {
                // The folder now lives at `target`; nothing is left to remove.
                let _ = staging.keep();
                return Ok(target);
            }
            // Another process put a copy there first: use it if it is whole.
            Err(_) if is_complete(files, &target, hash) => return Ok(target),
            Err(e) if target.exists() => {
                // A damaged or stale copy: move it aside, then try again.
                set_aside(root, &target).map_err(|_| e)?;
            }
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other(format!(
        "{} kept changing under concurrent writers",
        target.display()
    )))
}

/// Whether `dir` is a complete copy of `files` with content `hash`.
pub fn is_complete(files: &Dir<'_>, dir: &Path, hash: &str) -> bool {
    std::fs::read_to_string(dir.join(MARKER)).is_ok_and(|m| m == hash)
        && every_file(files)
            .into_iter()
            .all(|(path, len)| std::fs::metadata(dir.join(path)).is_ok_and(|m| m.len() == len))
}

/// Renames `target` to a unique name in `root` and removes it there; a process
/// still reading the old copy keeps its open files.
fn set_aside(root: &Path, target: &Path) -> io::Result<()> {
    let trash = tempfile::Builder::new()
        .prefix(".stale-")
        .tempdir_in(root)?;
    let place = trash.path().join("copy");
    match std::fs::rename(target, &place) {
        Ok(()) => Ok(()),
        // Someone else moved it first.
        Err(_) if !target.exists() => Ok(()),
        Err(e) => Err(e),
    }
    // `trash` drops here and removes the old copy with it.
}

fn write_all(files: &Dir<'_>, to: &Path) -> io::Result<()> {
    for entry in files.entries() {
        let path = to.join(entry.path());
        match entry {
            DirEntry::Dir(dir) => {
                std::fs::create_dir_all(&path)?;
                write_all(dir, to)?;
            }
            DirEntry::File(file) => {
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                std::fs::write(&path, file.contents())?;
            }
        }
    }
    Ok(())
}

/// Every file's path (relative to the root of `files`) and length.
fn every_file<'a>(files: &'a Dir<'_>) -> Vec<(&'a Path, u64)> {
    let mut all = Vec::new();
    for entry in files.entries() {
        match entry {
            DirEntry::Dir(dir) => all.extend(every_file(dir)),
            DirEntry::File(file) => all.push((file.path(), file.contents().len() as u64)),
        }
    }
    all
}

#[cfg(test)]
mod tests;
