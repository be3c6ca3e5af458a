//! Chunk timelines: when each worker ran each piece of its work, and what that shows.
//!
//! A chunk's wall interval includes any time its thread spent waiting for the GIL,
//! so for CPU-bound work the chunk is taken to have *run* during the last `cpu_ns`
//! of its interval. Summing those running intervals against the time covered gives
//! `overlap`, the mean number of workers running at once.

use serde::Serialize;

/// One piece of one task, as a worker recorded it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Chunk {
    /// Worker number, 0-based in order of first appearance.
    pub worker: u64,
    /// CLOCK_MONOTONIC, comparable across processes.
    pub start_ns: u64,
    pub end_ns: u64,
    /// CPU time of the recording thread during the chunk.
    pub cpu_ns: u64,
}

/// CLOCK_MONOTONIC in ns: the clock Python's `time.monotonic_ns()` reads on Linux.
pub fn now_ns() -> u64 {
    clock_ns(libc::CLOCK_MONOTONIC)
}

/// This thread's CPU time in ns (`time.thread_time_ns()`).
pub fn thread_cpu_ns() -> u64 {
    clock_ns(libc::CLOCK_THREAD_CPUTIME_ID)
}

fn clock_ns(clock: libc::clockid_t) -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we own.
    unsafe { libc::clock_gettime(clock, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// Renumbers worker keys (thread ids, PIDs) 0, 1, 2… in order of first start.
pub fn renumber_workers(chunks: &mut [Chunk]) {
    let mut order: Vec<(u64, u64)> = Vec::new(); // (first start, key)
    for c in chunks.iter() {
        match order.iter_mut().find(|(_, key)| *key == c.worker) {
            Some(entry) => entry.0 = entry.0.min(c.start_ns),
            None => order.push((c.start_ns, c.worker)),
        }
    }
    order.sort();
    for c in chunks.iter_mut() {
        c.worker = order
            .iter()
            .position(|(_, key)| *key == c.worker)
            .unwrap_or(0) as u64;
    }
}

/// Number of distinct workers in a timeline.
pub fn worker_count(chunks: &[Chunk]) -> usize {
    let mut workers: Vec<u64> = chunks.iter().map(|c| c.worker).collect();
    workers.sort_unstable();
    workers.dedup();
    workers.len()
}

/// The interval during which a chunk is taken to have been running.
pub fn running_interval(c: &Chunk, cpu_bound: bool) -> (u64, u64) {
    let wall = c.end_ns.saturating_sub(c.start_ns);
    if cpu_bound {
        (c.end_ns - c.cpu_ns.min(wall), c.end_ns)
    } else {
        (c.start_ns, c.end_ns)
    }
}

/// What a timeline shows about concurrency.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TimelineStats {
    /// Mean number of workers running at once while any was running.
    pub overlap: f64,
    /// How often the running worker changed with no overlap: GIL hand-overs.
    pub handoffs: u64,
}

pub fn analyse(chunks: &[Chunk], cpu_bound: bool) -> TimelineStats {
    let mut intervals: Vec<(u64, u64, u64)> = chunks
        .iter()
        .map(|c| {
            let (s, e) = running_interval(c, cpu_bound);
            (s, e, c.worker)
        })
        .filter(|(s, e, _)| e > s)
        .collect();
    intervals.sort();
    let busy: u64 = intervals.iter().map(|(s, e, _)| e - s).sum();
    let mut covered = 0u64;
    let mut reach = 0u64;
    for &(s, e, _) in &intervals {
        if e > reach {
            covered += e - s.max(reach);
            reach = e;
        }
    }
    // A hand-over: a different worker starts once every earlier interval has
    // (nearly) ended. Workers running side by side never hand over.
    let mut handoffs = 0u64;
    let (mut reach, mut reach_worker) = (0u64, None);
    for &(s, e, w) in &intervals {
        if reach_worker.is_some_and(|rw| rw != w) && s + (e - s) / 10 >= reach {
            handoffs += 1;
        }
        if e > reach || reach_worker.is_none() {
            reach = e;
            reach_worker = Some(w);
        }
    }
    TimelineStats {
        overlap: if covered == 0 {
            0.0
        } else {
            busy as f64 / covered as f64
        },
        handoffs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(worker: u64, start_ns: u64, end_ns: u64, cpu_ns: u64) -> Chunk {
        Chunk {
            worker,
            start_ns,
            end_ns,
            cpu_ns,
        }
    }

    #[test]
    fn two_workers_running_together_overlap_two() {
        let c = [chunk(0, 0, 100, 100), chunk(1, 0, 100, 100)];
        let s = analyse(&c, true);
        assert_eq!(s.overlap, 2.0);
        assert_eq!(s.handoffs, 0);
    }

    #[test]
    fn a_gil_staircase_overlaps_one_and_counts_each_handover() {
        // A runs 0-10, B 10-20, A 20-30; B's chunk started at 0 but waited for the GIL.
        let c = [
            chunk(0, 0, 10, 10),
            chunk(1, 0, 20, 10),
            chunk(0, 10, 30, 10),
        ];
        let s = analyse(&c, true);
        assert_eq!(s.overlap, 1.0);
        assert_eq!(s.handoffs, 2);
    }

    #[test]
    fn workers_running_side_by_side_never_hand_over() {
        let c: Vec<Chunk> = (0..10)
            .flat_map(|k| {
                [
                    chunk(0, k * 10, k * 10 + 10, 10),
                    chunk(1, k * 10 + 3, k * 10 + 13, 10),
                ]
            })
            .collect();
        let s = analyse(&c, true);
        assert_eq!(s.handoffs, 0);
        assert!(s.overlap > 1.8);
    }

    #[test]
    fn waits_count_their_whole_interval_for_io() {
        let c = [chunk(0, 0, 100, 0), chunk(1, 50, 150, 0)];
        let s = analyse(&c, false);
        assert_eq!(s.overlap, 200.0 / 150.0);
        assert_eq!(analyse(&c, true).overlap, 0.0);
    }

    #[test]
    fn workers_are_renumbered_by_first_start() {
        let mut c = [
            chunk(777, 50, 60, 1),
            chunk(42, 10, 20, 1),
            chunk(777, 5, 8, 1),
        ];
        renumber_workers(&mut c);
        assert_eq!([c[0].worker, c[1].worker, c[2].worker], [0, 1, 0]);
        assert_eq!(worker_count(&c), 2);
    }

    #[test]
    fn the_monotonic_clock_advances() {
        let a = now_ns();
        let b = now_ns();
        assert!(b >= a && a > 0);
    }
}
