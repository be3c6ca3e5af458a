//! The host's process tree: end every descendant before exiting, on any path.
//!
//! Process pools, forkservers and resource trackers are all descendants of the
//! host; reading `/proc` finds them wherever multiprocessing put them.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// What a scan of `/proc` tells about one process.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Process {
    pid: u32,
    ppid: u32,
    /// `R`, `S`, `D`, `Z` (exited, not yet reaped), …
    state: char,
}

/// Every process's parent and state, from one read of each `/proc/PID/stat`.
fn process_table() -> Vec<Process> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            let (state, ppid) = parse_state_and_ppid(&stat)?;
            Some(Process { pid, ppid, state })
        })
        .collect()
}

/// The processes of `table` that descend from `root`, children before grandchildren.
fn descendants_in(table: &[Process], root: u32) -> Vec<Process> {
    let mut children: HashMap<u32, Vec<Process>> = HashMap::new();
    for p in table {
        children.entry(p.ppid).or_default().push(*p);
    }
    let mut found = Vec::new();
    let mut frontier = vec![root];
    while let Some(pid) = frontier.pop() {
        for child in children.get(&pid).into_iter().flatten() {
            found.push(*child);
            frontier.push(child.pid);
        }
    }
    found
}

/// PIDs of every descendant of `root`, children before grandchildren.
pub fn descendants(root: u32) -> Vec<u32> {
    descendants_in(&process_table(), root)
        .iter()
        .map(|p| p.pid)
        .collect()
}

/// The fields after the parenthesised name of a `/proc/PID/stat` line (from
/// field 3, the state); the name may itself contain spaces and parentheses.
fn fields_after_name(stat: &str) -> Option<Vec<&str>> {
    Some(stat[stat.rfind(')')? + 1..].split_whitespace().collect())
}

/// `pid (comm) state ppid …` → (state, ppid).
pub fn parse_state_and_ppid(stat: &str) -> Option<(char, u32)> {
    let fields = fields_after_name(stat)?;
    let state = fields.first()?.chars().next()?;
    Some((state, fields.get(1)?.parse().ok()?))
}

/// Makes this process the reaper of its orphaned descendants: when a forkserver
/// or a pool's parent dies first, its children are re-parented here instead of
/// to init, so they stay findable (and killable) as descendants.
pub fn adopt_orphans() {
    // SAFETY: prctl with PR_SET_CHILD_SUBREAPER takes one integer argument.
    unsafe {
        libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1 as libc::c_ulong, 0, 0, 0);
    }
}

/// How long the killing goes on while new descendants keep appearing (a fork in
/// flight, a pool replacing its workers, an orphan being re-parented).
const KILL_FOR: Duration = Duration::from_millis(200);

/// SIGKILLs every descendant of this process until none is left alive; looks
/// again a moment later for a fork that was in flight when the killing began.
pub fn kill_descendants() {
    for _ in 0..2 {
        kill_descendants_except(&[]);
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A process a program left running: its PID and command line.
pub type Leftover = (u32, String);

/// Ends what a program left running when it exited normally (a `Popen` it never
/// waited for, a forked child, an `mp.Process` it walked away from): every
/// descendant, as the signal path does, and reaps them, so that none lingers
/// as a zombie. Returns the `(pid, command)` of those it ended.
///
/// multiprocessing's own helpers (its resource tracker and forkserver) are
/// spared: the interpreter still owns them and waits for them when it
/// finalizes (a reaped one makes that wait fail); they end with it.
pub fn end_leftovers() -> Vec<Leftover> {
    let me = std::process::id();
    let (helpers, left): (Vec<Leftover>, Vec<Leftover>) = descendants_in(&process_table(), me)
        .into_iter()
        .filter(|p| p.state != 'Z' && p.state != 'X')
        .map(|p| (p.pid, command_line(p.pid)))
        .partition(|(_, cmd)| is_multiprocessing_helper(cmd));
    if left.is_empty() {
        return left;
    }
    let spare: Vec<u32> = helpers.iter().map(|(pid, _)| *pid).collect();
    kill_descendants_except(&spare);
    let begun = Instant::now();
    while !left.iter().all(|&(pid, _)| reaped(pid)) && begun.elapsed() < KILL_FOR {
        std::thread::sleep(Duration::from_millis(5));
    }
    left
}

/// Reaps `pid` if it has ended; true once it is gone or not ours to wait for.
fn reaped(pid: u32) -> bool {
    // SAFETY: non-blocking waitpid on one PID.
    let r = unsafe { libc::waitpid(pid as libc::pid_t, std::ptr::null_mut(), libc::WNOHANG) };
    r != 0
}

/// `/proc/PID/cmdline` with spaces between the arguments ("" once it is gone).
fn command_line(pid: u32) -> String {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|raw| {
            raw.split(|b| *b == 0)
                .filter(|a| !a.is_empty())
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

fn is_multiprocessing_helper(cmd: &str) -> bool {
    cmd.contains("multiprocessing.resource_tracker") || cmd.contains("multiprocessing.forkserver")
}

/// Like [`kill_descendants`], sparing the processes in `spare` and their own
/// descendants (e.g. idle harness processes of other rows).
pub fn kill_descendants_except(spare: &[u32]) {
    let me = std::process::id();
    let begun = Instant::now();
    // Grandchildren killed here come back to us as orphans; nobody else will reap them.
    let mut grandchildren: Vec<u32> = Vec::new();
    loop {
        let table = process_table();
        let spared: Vec<u32> = spare
            .iter()
            .flat_map(|&p| {
                std::iter::once(p).chain(descendants_in(&table, p).into_iter().map(|d| d.pid))
            })
            .collect();
        let doomed: Vec<Process> = descendants_in(&table, me)
            .into_iter()
            .filter(|p| !spared.contains(&p.pid) && p.state != 'Z' && p.state != 'X')
            .collect();
        for p in &doomed {
            // SAFETY: plain kill(2) on a PID we just saw as our descendant.
            unsafe {
                libc::kill(p.pid as libc::pid_t, libc::SIGKILL);
            }
            if p.ppid != me && !grandchildren.contains(&p.pid) {
                grandchildren.push(p.pid);
            }
        }
        reap_orphans(&grandchildren);
        if doomed.is_empty() || begun.elapsed() > KILL_FOR {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Reaps those of `orphans` that were re-parented to us and have ended. Our own
/// children are left to whoever started them (Python's pools, Rust's `Child`):
/// reaping one behind their back makes their wait fail.
fn reap_orphans(orphans: &[u32]) {
    for &pid in orphans {
        // SAFETY: non-blocking waitpid on one PID; it fails harmlessly if not our child.
        unsafe { libc::waitpid(pid as libc::pid_t, std::ptr::null_mut(), libc::WNOHANG) };
    }
}

/// CPU seconds (user + system) used so far by this process and its live descendants.
pub fn tree_cpu_seconds() -> f64 {
    let me = std::process::id();
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    std::iter::once(me)
        .chain(descendants(me))
        .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/stat")).ok())
        .filter_map(|stat| parse_cpu_ticks(&stat))
        .sum::<u64>() as f64
        / ticks
}

/// `utime + stime` in clock ticks from a `/proc/PID/stat` line (fields 14 and 15).
pub fn parse_cpu_ticks(stat: &str) -> Option<u64> {
    let fields = fields_after_name(stat)?;
    // The fields start at field 3 (state): utime is field 14, stime 15.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_state_and_parent_pid_even_when_the_name_has_spaces_and_parens() {
        assert_eq!(
            parse_state_and_ppid("42 (a) b) c) S 7 42 42 0"),
            Some(('S', 7))
        );
        assert_eq!(parse_state_and_ppid("9 (x) Z 1 9"), Some(('Z', 1)));
        assert_eq!(parse_state_and_ppid("1 (systemd) S 0 1 1"), Some(('S', 0)));
        assert_eq!(parse_state_and_ppid("garbage"), None);
    }

    #[test]
    fn descendants_are_found_through_the_tree_and_nothing_else() {
        let p = |pid, ppid| Process {
            pid,
            ppid,
            state: 'S',
        };
        let table = [p(1, 0), p(10, 1), p(11, 10), p(12, 11), p(20, 1), p(13, 10)];
        let mut found: Vec<u32> = descendants_in(&table, 10).iter().map(|d| d.pid).collect();
        found.sort();
        assert_eq!(found, vec![11, 12, 13]);
        assert!(descendants_in(&table, 20).is_empty());
    }

    #[test]
    fn cpu_ticks_are_utime_plus_stime() {
        let stat = "42 (py (x)) R 1 42 42 0 -1 4194560 100 0 0 0 250 17 0 0 20 0 3 0 99";
        assert_eq!(parse_cpu_ticks(stat), Some(267));
        assert_eq!(parse_cpu_ticks("7 (short) S 1"), None);
    }

    #[test]
    fn finds_a_spawned_child_among_descendants() {
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .unwrap();
        let found = descendants(std::process::id());
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(found.contains(&child.id()));
    }
}
