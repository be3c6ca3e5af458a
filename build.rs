//! Links the binary to the libpython it was built against and records build facts.
//!
//! Without the rpath, the loader may pick another libpython with the same SONAME
//! (e.g. Debian's /usr/lib copy) and run a different patch version than the one
//! whose standard library the host points at.

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
    println!("cargo:rerun-if-env-changed=PYO3_PYTHON");
    println!("cargo:rerun-if-changed=Cargo.lock");
}

/// The version of `krate` that Cargo.lock pins, or "unknown".
fn locked_version(manifest: &str, krate: &str) -> String {
    let lock = std::fs::read_to_string(format!("{manifest}/Cargo.lock")).unwrap_or_default();
    let needle = format!("name = \"{krate}\"\n");
    lock.split("[[package]]")
        .find(|block| block.trim_start().starts_with(needle.trim_end()))
        .and_then(|block| block.lines().find_map(|l| l.strip_prefix("version = ")))
        .map(|v| v.trim_matches('"').to_string())
        .unwrap_or_else(|| "unknown".into())
}
