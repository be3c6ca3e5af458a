//! Links the binary to the libpython it was built against, copies the Python
//! side into the build so that the binary carries it, and records build facts.
//!
//! Without the rpath, the loader may pick another libpython with the same SONAME
//! (e.g. Debian's /usr/lib copy) and run a different patch version than the one
//! whose standard library the host points at.
//!
//! The Python side (`python/gil_lab`, `python/lessons`) is copied to
//! `$OUT_DIR/python` without `__pycache__` folders (include_dir has no filter),
//! and hashed, so that an unpacked copy is named by its content.

use std::path::{Path, PathBuf};

/// The folders of `python/` the binary carries; `python/tests` stays behind.
const CARRIED: &[&str] = &["gil_lab", "lessons"];

fn main() {
    pyo3_build_config::use_pyo3_cfgs();
    pyo3_build_config::add_libpython_rpath_link_args();

    let config = pyo3_build_config::get();
    let executable = config
        .executable
        .clone()
        .expect("pyo3 found no Python executable; set PYO3_PYTHON to a CPython 3.11+");
    println!("cargo:rustc-env=GIL_LAB_BUILD_PYTHON={executable}");

    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    println!("cargo:rustc-env=GIL_LAB_SOURCE_PYTHON_DIR={manifest}/python");
    println!(
        "cargo:rustc-env=GIL_LAB_PYO3_VERSION={}",
        locked_version(&manifest, "pyo3")
    );

    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let carried = out.join("python");
    let _ = std::fs::remove_dir_all(&carried);
    let mut hash = Fnv::new();
    for folder in CARRIED {
        let from = Path::new(&manifest).join("python").join(folder);
        copy_tree(&from, &carried.join(folder), Path::new(folder), &mut hash)
            .unwrap_or_else(|e| panic!("copying {}: {e}", from.display()));
        // A directory is scanned whole: an added, changed or removed file reruns this.
        println!("cargo:rerun-if-changed=python/{folder}");
    }
    println!("cargo:rustc-env=GIL_LAB_PYTHON_HASH={:016x}", hash.0);
    println!("cargo:rerun-if-env-changed=PYO3_PYTHON");
    println!("cargo:rerun-if-changed=Cargo.lock");
    println!("cargo:rerun-if-changed=build.rs");
}

/// Copies `from` to `to`, without `__pycache__`, feeding every file's relative
/// path and bytes to `hash` in a fixed (sorted) order.
fn copy_tree(from: &Path, to: &Path, rel: &Path, hash: &mut Fnv) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    let mut entries: Vec<_> = std::fs::read_dir(from)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name();
        if name == "__pycache__" || name.to_string_lossy().ends_with(".pyc") {
            continue;
        }
        let kind = entry.file_type()?;
        if kind.is_dir() {
            copy_tree(&entry.path(), &to.join(&name), &rel.join(&name), hash)?;
        } else if kind.is_file() {
            let bytes = std::fs::read(entry.path())?;
            hash.feed(rel.join(&name).to_string_lossy().as_bytes());
            hash.feed(&(bytes.len() as u64).to_le_bytes());
            hash.feed(&bytes);
            std::fs::write(to.join(&name), bytes)?;
        }
    }
    Ok(())
}

/// FNV-1a, 64 bits: stable across Rust versions, unlike `DefaultHasher`.
struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    fn feed(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// The version of `krate` that Cargo.lock pins, or "unknown" (e.g. no Cargo.lock).
fn locked_version(manifest: &str, krate: &str) -> String {
    let lock = std::fs::read_to_string(format!("{manifest}/Cargo.lock")).unwrap_or_default();
    let needle = format!("name = \"{krate}\"\n");
    lock.split("[[package]]")
        .find(|block| block.trim_start().starts_with(needle.trim_end()))
        .and_then(|block| block.lines().find_map(|l| l.strip_prefix("version = ")))
        .map(|v| v.trim_matches('"').to_string())
        .unwrap_or_else(|| "unknown".into())
}
