//! Unpacking into real folders: a fresh copy, a reused one, stale and damaged
//! copies replaced, concurrent first runs, an unwritable cache home.

use include_dir::{Dir, DirEntry, File};

use super::*;

static FILES: Dir<'static> = Dir::new(
    "",
    &[
        DirEntry::File(File::new("top.py", b"print('top')\n")),
        DirEntry::Dir(Dir::new(
            "pkg",
            &[
                DirEntry::File(File::new("pkg/__init__.py", b"")),
                DirEntry::File(File::new("pkg/mod.py", b"X = 1\n")),
            ],
        )),
    ],
);

fn leftovers(root: &Path) -> Vec<String> {
    std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "copy")
        .collect()
}

#[test]
fn a_fresh_copy_is_whole_and_is_reused() {
    let root = tempfile::tempdir().unwrap();
    let dir = unpack(&FILES, root.path(), "copy", "h1").unwrap();
    assert_eq!(dir, root.path().join("copy"));
    assert_eq!(std::fs::read(dir.join("pkg/mod.py")).unwrap(), b"X = 1\n");
    assert_eq!(std::fs::read_to_string(dir.join(MARKER)).unwrap(), "h1");
    // A file put there by hand survives a second call: the copy is reused, not rewritten.
    std::fs::write(dir.join("mine"), "kept").unwrap();
    unpack(&FILES, root.path(), "copy", "h1").unwrap();
    assert!(dir.join("mine").is_file());
    assert!(
        leftovers(root.path()).is_empty(),
        "{:?}",
        leftovers(root.path())
    );
}

#[test]
fn a_stale_or_damaged_copy_is_replaced() {
    let root = tempfile::tempdir().unwrap();
    let dir = unpack(&FILES, root.path(), "copy", "h1").unwrap();
    // Stale: the marker names other content.
    std::fs::write(dir.join(MARKER), "old").unwrap();
    std::fs::write(dir.join("pkg/mod.py"), "X = 0  # old\n").unwrap();
    unpack(&FILES, root.path(), "copy", "h1").unwrap();
    assert_eq!(std::fs::read(dir.join("pkg/mod.py")).unwrap(), b"X = 1\n");
    // Damaged: a file is gone although the marker is right.
    std::fs::remove_file(dir.join("top.py")).unwrap();
    assert!(!is_complete(&FILES, &dir, "h1"));
    unpack(&FILES, root.path(), "copy", "h1").unwrap();
    assert!(is_complete(&FILES, &dir, "h1"));
    // Interrupted: no marker at all (a run killed mid-copy before the rename).
    std::fs::remove_file(dir.join(MARKER)).unwrap();
    unpack(&FILES, root.path(), "copy", "h1").unwrap();
    assert!(is_complete(&FILES, &dir, "h1"));
    assert!(
        leftovers(root.path()).is_empty(),
        "{:?}",
        leftovers(root.path())
    );
}

#[test]
fn concurrent_first_runs_all_get_the_same_whole_copy() {
    let root = tempfile::tempdir().unwrap();
    let barrier = std::sync::Barrier::new(8);
    let dirs: Vec<PathBuf> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    unpack(&FILES, root.path(), "copy", "h1").unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(dirs.iter().all(|d| *d == root.path().join("copy")));
    assert!(is_complete(&FILES, &dirs[0], "h1"));
    assert!(
        leftovers(root.path()).is_empty(),
        "{:?}",
        leftovers(root.path())
    );
}

#[test]
fn an_unwritable_cache_home_is_an_error_not_a_panic() {
    // A regular file where a folder should be: unwritable even for root.
    let home = tempfile::NamedTempFile::new().unwrap();
    let err = unpack(&FILES, &home.path().join("gil-lab"), "copy", "h1").unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::ENOTDIR), "{err}");
    assert!(!home.path().join("gil-lab").exists());
}
