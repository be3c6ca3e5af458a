//! The one place that starts another Python process: harness processes, the
//! convoy experiment, `live` groups in another interpreter, interpreter probes,
//! lessons run with `--python`, and the program `diagnose` watches (with
//! Tachyon beside it on 3.15).
//!
//! Every such process finds `gil_lab` on its path, reads nothing from the
//! terminal, and is killed by the kernel if this process dies first, however
//! it dies (SIGKILL and the OOM killer included): a child must never outlive
//! its host and keep a CPU busy.

use std::ffi::OsStr;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};

/// A command that runs `executable` (a CPython) with `python_dir` on its path.
pub fn python(executable: impl AsRef<OsStr>, python_dir: &Path) -> Command {
    let mut cmd = Command::new(executable);
    // Subinterpreters and spawned workers find `gil_lab` through it too.
    cmd.env("PYTHONPATH", python_dir).stdin(Stdio::null());
    // Also in isolated mode (`-I`), which ignores the variable: bytecode stays
    // where `python_files::keep_bytecode_out_of_the_tree` put it.
    if let Some(prefix) = std::env::var_os("PYTHONPYCACHEPREFIX") {
        let mut option = std::ffi::OsString::from("pycache_prefix=");
        option.push(prefix);
        cmd.arg("-X").arg(option);
    }
    die_with_host(&mut cmd);
    cmd
}

/// Asks the kernel to SIGKILL the child when this process ends.
pub fn die_with_host(cmd: &mut Command) {
    let host = std::process::id() as libc::pid_t;
    // SAFETY: the closure runs between fork and exec and calls only
    // async-signal-safe functions (prctl, getppid, _exit).
    unsafe {
        cmd.pre_exec(move || {
            if libc::prctl(
                libc::PR_SET_PDEATHSIG,
                libc::SIGKILL as libc::c_ulong,
                0,
                0,
                0,
            ) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            // The host died between fork and prctl: nobody will ever read our output.
            if libc::getppid() != host {
                libc::_exit(1);
            }
            Ok(())
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_launched_python_finds_gil_lab_and_runs() {
        let dir = Path::new(env!("GIL_LAB_SOURCE_PYTHON_DIR"));
        let out = python(env!("GIL_LAB_BUILD_PYTHON"), dir)
            .args(["-c", "import gil_lab, os; print(os.getppid())"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let parent: u32 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
        assert_eq!(parent, std::process::id());
    }
}
