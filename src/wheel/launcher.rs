//! The wheel's `gil-lab`: the binary that links libpython (`gil-lab-core`) can
//! only start once the loader finds the libpython of the interpreter the wheel
//! was installed into, and only that interpreter knows where it is. So this
//! launcher, which links no libpython, runs that interpreter (the `python3`
//! beside it in the environment's `bin/`, else the first on PATH) on the
//! wheel's `gil_lab_cli` module, which reads `sysconfig`, sets the library
//! path and execs `gil-lab-core`. Nothing here touches CPython's API, so the
//! linker drops libpython from this binary (`--as-needed`).

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::Command;

/// Tells `gil_lab_cli` where `gil-lab-core` is: beside this launcher.
const CORE_ENV: &str = "GIL_LAB_CORE";

pub fn main() {
    let here = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(PathBuf::from));
    let python = here
        .iter()
        .flat_map(|dir| ["python3", "python"].map(|name| dir.join(name)))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| PathBuf::from("python3"));
    let mut command = Command::new(&python);
    // -I: the launcher module comes from the installed wheel, never from the
    // current folder or PYTHONPATH.
    command
        .args(["-I", "-m", "gil_lab_cli"])
        .args(std::env::args_os().skip(1));
    if let Some(dir) = &here {
        command.env(CORE_ENV, dir.join("gil-lab-core"));
    }
    let err = command.exec();
    eprintln!(
        "error: cannot start {} to launch gil-lab: {err}",
        python.display()
    );
    eprintln!(
        "  hint: run gil-lab from the environment pip installed it into (its bin/ holds python3), or put that python3 first on PATH"
    );
    std::process::exit(2);
}
