//! Writing exports without harming what is at the path.
//!
//! A regular file (or a new path) is written whole or not at all: a temporary
//! file beside it is renamed over it, so an interrupted run never leaves half a
//! report. A symlink is followed and its target replaced in the target's
//! folder. A FIFO, a character device or a `/dev/stdout`-like path is written
//! directly, streamed: renaming over it would replace the device or the pipe
//! with a regular file. A folder is refused.

use std::io::{ErrorKind, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use crate::error::UsageError;

/// Where an export goes: stdout (`-`) or a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    Stdout,
    File(PathBuf),
}

/// Where an export lands, by what the file system says rather than by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// Something that exists: its device and inode. `discards` for the null
    /// device, where any number of exports may go without harm.
    Node { dev: u64, ino: u64, discards: bool },
    /// A file not made yet: its folder's device and inode, and its name.
    InFolder {
        dev: u64,
        ino: u64,
        name: std::ffi::OsString,
    },
}

/// `(major, minor)` of the null device and of the full one (every write fails).
const NULL_DEVICE: (u32, u32) = (1, 3);
const FULL_DEVICE: (u32, u32) = (1, 7);

fn is_device(m: &std::fs::Metadata, (major, minor): (u32, u32)) -> bool {
    m.file_type().is_char_device()
        && libc::major(m.rdev()) == major
        && libc::minor(m.rdev()) == minor
}

/// What is at an export's path, and so how it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    /// A regular file or nothing yet: written beside, then renamed into place.
    Replace(PathBuf),
    /// A FIFO, a device or a terminal: opened and written as it is.
    Stream(PathBuf),
}

impl Destination {
    pub fn parse(arg: &str) -> Destination {
        if arg == "-" {
            Destination::Stdout
        } else {
            Destination::File(PathBuf::from(arg))
        }
    }

    /// Fails early, before any measuring, when the path cannot take the export.
    pub fn check_writable(&self, flag: &str) -> Result<(), UsageError> {
        let Destination::File(path) = self else {
            return Ok(());
        };
        let refuse = |why: String| {
            UsageError::new(format!(
                "cannot write {flag} {:?}: {why}",
                path.display().to_string()
            ))
            .with_hint("name a file in a folder that exists and is writable, or - for stdout")
        };
        match target(path).map_err(|e| refuse(e.to_string()))? {
            Target::Replace(file) => {
                let probe = temp_path(&file);
                std::fs::File::create(&probe)
                    .and_then(|_| std::fs::remove_file(&probe))
                    .map_err(|e| refuse(e.to_string()))
            }
            Target::Stream(file) => {
                if std::fs::metadata(&file).is_ok_and(|m| is_device(&m, FULL_DEVICE)) {
                    return Err(refuse(
                        "it is the full device: every write to it fails (No space left on device)"
                            .into(),
                    ));
                }
                let c = std::ffi::CString::new(file.as_os_str().as_encoded_bytes())
                    .map_err(|e| refuse(e.to_string()))?;
                // SAFETY: `c` is a valid NUL-terminated path.
                if unsafe { libc::access(c.as_ptr(), libc::W_OK) } == 0 {
                    Ok(())
                } else {
                    Err(refuse(std::io::Error::last_os_error().to_string()))
                }
            }
        }
    }

    /// The place the export really lands in, the same for every name of it:
    /// `-` and `/dev/stdout`, `a.json` and `../here/a.json`, a symlink and its
    /// target. `None` where it cannot be told (a closed stdout, a bad path).
    pub fn place(&self) -> Option<Place> {
        let path = match self {
            Destination::Stdout => PathBuf::from("/dev/stdout"),
            Destination::File(path) => match target(path).ok()? {
                Target::Replace(p) | Target::Stream(p) => p,
            },
        };
        match std::fs::metadata(&path) {
            Ok(m) => Some(Place::Node {
                dev: m.dev(),
                ino: m.ino(),
                discards: is_device(&m, NULL_DEVICE),
            }),
            Err(_) => {
                let folder = match path.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p,
                    _ => Path::new("."),
                };
                let m = std::fs::metadata(folder).ok()?;
                Some(Place::InFolder {
                    dev: m.dev(),
                    ino: m.ino(),
                    name: path.file_name()?.to_os_string(),
                })
            }
        }
    }

    /// Writes `text`: stdout, a stream as it is, or a file whole or not at all.
    pub fn write(&self, text: &str) -> std::io::Result<()> {
        match self {
            Destination::Stdout => {
                let mut out = std::io::stdout().lock();
                out.write_all(text.as_bytes())?;
                out.flush()
            }
            Destination::File(path) => match target(path)? {
                Target::Stream(file) => {
                    let mut f = std::fs::OpenOptions::new().write(true).open(file)?;
                    f.write_all(text.as_bytes())?;
                    f.flush()
                }
                Target::Replace(file) => {
                    let tmp = temp_path(&file);
                    let written =
                        std::fs::write(&tmp, text).and_then(|_| std::fs::rename(&tmp, &file));
                    if written.is_err() {
                        let _ = std::fs::remove_file(&tmp);
                    }
                    written
                }
            },
        }
    }
}

/// What `path` names, symlinks followed; a folder or an empty name is an error.
fn target(path: &Path) -> std::io::Result<Target> {
    let text = path.as_os_str().to_string_lossy();
    if text.is_empty() {
        return Err(std::io::Error::new(
            ErrorKind::InvalidInput,
            "an empty path",
        ));
    }
    if text.ends_with('/')
        || text == "."
        || text == ".."
        || text.ends_with("/.")
        || text.ends_with("/..")
    {
        return Err(std::io::Error::new(
            ErrorKind::IsADirectory,
            "it names a folder",
        ));
    }
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => Err(std::io::Error::new(
            ErrorKind::IsADirectory,
            "it is a folder",
        )),
        Ok(m) => {
            let t = m.file_type();
            if t.is_fifo() || t.is_char_device() || t.is_block_device() || t.is_socket() {
                // Opened by its own name: /dev/stdout resolves to whatever fd 1 is.
                Ok(Target::Stream(path.to_path_buf()))
            } else {
                Ok(Target::Replace(std::fs::canonicalize(path)?))
            }
        }
        // A dangling symlink: write where it points.
        Err(e) if e.kind() == ErrorKind::NotFound && path.is_symlink() => {
            let link = std::fs::read_link(path)?;
            Ok(Target::Replace(match path.parent() {
                Some(dir) if link.is_relative() => dir.join(link),
                _ => link,
            }))
        }
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(Target::Replace(path.to_path_buf())),
        Err(e) => Err(e),
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

    #[test]
    fn folders_and_empty_names_are_refused_and_leave_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().to_str().unwrap().to_string();
        for bad in [
            folder.clone(),
            format!("{folder}/"),
            String::new(),
            ".".into(),
        ] {
            let err = Destination::parse(&bad)
                .check_writable("--csv")
                .unwrap_err();
            assert!(err.to_string().contains("--csv"), "{err}");
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_symlink_is_followed_and_stays_a_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.json");
        std::fs::write(&real, "old").unwrap();
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let d = Destination::File(link.clone());
        d.check_writable("--json").unwrap();
        d.write("new").unwrap();
        assert!(link.is_symlink());
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
        assert_eq!(d.place(), Destination::File(real).place());
    }

    #[test]
    fn a_fifo_is_streamed_to_and_stays_a_fifo() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid path; mkfifo only creates the node.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
        };
        let d = Destination::File(fifo.clone());
        d.check_writable("--json").unwrap();
        d.write("{\"a\": 1}").unwrap();
        assert_eq!(reader.join().unwrap(), "{\"a\": 1}");
        assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    }

    #[test]
    fn one_file_named_two_ways_is_one_place_and_the_full_device_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let direct = Destination::File(dir.path().join("a.json"));
        let around = Destination::File(dir.path().join("sub/../a.json"));
        assert_eq!(direct.place(), around.place());
        assert!(direct.place().is_some());
        assert_ne!(
            direct.place(),
            Destination::File(dir.path().join("b.json")).place()
        );
        assert!(
            Destination::parse("/dev/full")
                .check_writable("--json")
                .is_err()
        );
    }

    #[test]
    fn a_character_device_is_written_to_not_replaced() {
        let d = Destination::parse("/dev/null");
        d.check_writable("--csv").unwrap();
        d.write("x").unwrap();
        assert!(
            std::fs::metadata("/dev/null")
                .unwrap()
                .file_type()
                .is_char_device()
        );
    }
}
