//! The threads of a process as the kernel sees them, from `/proc/PID/task`:
//! each thread's scheduler state, its CPU clock, its name and the system call
//! it is blocked in. `diagnose` reads them beside the Python stacks to tell a
//! thread waiting for the GIL from one blocked elsewhere.

use std::path::Path;

/// One thread at one instant.
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    pub tid: u32,
    /// `R` (running or runnable), `S` (sleeping), `D` (uninterruptible), …
    pub state: char,
    /// utime + stime, in clock ticks.
    pub cpu_ticks: u64,
    /// The kernel's thread name (`comm`, at most 15 bytes).
    pub comm: String,
    /// The system call it is inside, when it is blocked in one.
    pub syscall: Option<Syscall>,
}

/// A blocking system call: its number and first argument (for futex, the address waited on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Syscall {
    pub number: i64,
    pub first_arg: u64,
}

/// The futex system call's number on this architecture.
pub const FUTEX: i64 = libc::SYS_futex;

impl Syscall {
    /// Waiting on the futex at an address within `[start, end)`.
    pub fn futex_within(&self, start: u64, end: u64) -> bool {
        self.number == FUTEX && (start..end).contains(&self.first_arg)
    }
}

/// Every thread of `pid` now; empty once the process has gone.
pub fn tasks(pid: u32) -> Vec<Task> {
    let dir = format!("/proc/{pid}/task");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|tid| task(&Path::new(&dir).join(tid.to_string()), tid))
        .collect()
}

fn task(dir: &Path, tid: u32) -> Option<Task> {
    let stat = std::fs::read_to_string(dir.join("stat")).ok()?;
    let (comm, state, cpu_ticks) = parse_stat(&stat)?;
    // Unreadable without ptrace rights: then the call is simply unknown.
    let syscall = std::fs::read_to_string(dir.join("syscall"))
        .ok()
        .and_then(|s| parse_syscall(&s));
    Some(Task {
        tid,
        state,
        cpu_ticks,
        comm,
        syscall,
    })
}

/// `tid (comm) state …` → (comm, state, utime + stime).
pub fn parse_stat(stat: &str) -> Option<(String, char, u64)> {
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let comm = stat.get(open + 1..close)?.to_string();
    let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
    let state = fields.first()?.chars().next()?;
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((comm, state, utime + stime))
}

/// `/proc/…/syscall`: `202 0x7f… …` while blocked in a call, `running` or `-1 …` otherwise.
pub fn parse_syscall(text: &str) -> Option<Syscall> {
    let mut parts = text.split_whitespace();
    let number: i64 = parts.next()?.parse().ok()?;
    if number < 0 {
        return None;
    }
    let arg = parts.next()?;
    let first_arg = u64::from_str_radix(arg.trim_start_matches("0x"), 16).ok()?;
    Some(Syscall { number, first_arg })
}

/// Every descendant of `root`, children before grandchildren, read from each
/// thread's `children` file: only the tree itself is read, not all of `/proc`.
/// Falls back to a scan of `/proc` on kernels without those files.
pub fn descendants(root: u32) -> Vec<u32> {
    if !Path::new(&format!("/proc/{root}/task/{root}/children")).exists() {
        return crate::os::processes::descendants(root);
    }
    let mut found = Vec::new();
    let mut frontier = vec![root];
    while let Some(pid) = frontier.pop() {
        let Ok(threads) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
            continue;
        };
        for thread in threads.flatten() {
            let Ok(text) = std::fs::read_to_string(thread.path().join("children")) else {
                continue;
            };
            for child in text
                .split_whitespace()
                .filter_map(|c| c.parse::<u32>().ok())
            {
                if !found.contains(&child) {
                    found.push(child);
                    frontier.push(child);
                }
            }
        }
    }
    found
}

/// Clock ticks per second (`_SC_CLK_TCK`).
pub fn ticks_per_second() -> f64 {
    // SAFETY: sysconf has no preconditions.
    (unsafe { libc::sysconf(libc::_SC_CLK_TCK) }).max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_thread_stat_line_with_a_name_holding_spaces_and_parens() {
        let stat = "42 (math (1) x) S 7 42 42 0 -1 4194560 100 0 0 0 250 17 0 0 20 0 3 0 99";
        assert_eq!(parse_stat(stat), Some(("math (1) x".into(), 'S', 267)));
        assert_eq!(parse_stat("7 (short) S 1"), None);
    }

    #[test]
    fn parses_a_blocking_call_and_ignores_a_running_thread() {
        let s =
            parse_syscall("202 0x7f12345680 0x189 0x0 0x0 0x0 0xffffffff 0x7ffd 0x7f11\n").unwrap();
        assert_eq!(s.number, 202);
        assert_eq!(s.first_arg, 0x7f12345680);
        assert_eq!(
            s.futex_within(0x007f_1234_5000, 0x007f_1234_6000),
            FUTEX == 202
        );
        assert_eq!(parse_syscall("running\n"), None);
        assert_eq!(parse_syscall("-1 0x7ffd 0x7f11\n"), None);
    }

    #[test]
    fn finds_a_grandchild_through_the_children_files() {
        let mut child = std::process::Command::new("sh")
            .args(["-c", "sleep 5 & wait"])
            .spawn()
            .unwrap();
        let mut found = Vec::new();
        for _ in 0..100 {
            found = descendants(std::process::id());
            if found.len() >= 2 {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let grandchildren = crate::os::processes::descendants(child.id());
        child.kill().unwrap();
        child.wait().unwrap();
        for g in grandchildren {
            // SAFETY: kill(2) on the sleep this test started.
            unsafe { libc::kill(g as libc::pid_t, libc::SIGKILL) };
        }
        assert!(found.contains(&child.id()), "{found:?}");
        assert!(found.len() >= 2, "{found:?}");
    }

    #[test]
    fn reads_this_process_threads() {
        let mine = tasks(std::process::id());
        assert!(mine.iter().any(|t| t.tid == std::process::id()));
    }
}
