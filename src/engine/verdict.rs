//! One plain sentence per row, derived from that row's measured figures.

use crate::engine::strategies::Implementation;

/// The measured facts a verdict is built from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Facts<'a> {
    pub strategy: &'a str,
    pub implementation: Implementation,
    pub cpu_bound: bool,
    /// Workers the row used; `ideal` = the speedup perfect scaling would give.
    pub workers: usize,
    pub ideal: f64,
    pub speedup: f64,
    pub overlap: f64,
    pub wall_median_s: f64,
    /// Seconds before the first chunk of work started.
    pub startup_s: f64,
    pub gil_disabled: bool,
    pub own_gil_subinterpreters: bool,
}

/// How well a row scaled against its ideal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scaling {
    Baseline,
    Slower,
    NoFaster,
    Partly,
    Parallel,
}

pub fn scaling(f: &Facts) -> Scaling {
    if f.workers <= 1 || f.ideal <= 1.0 {
        return Scaling::Baseline;
    }
    if f.speedup < 0.9 {
        Scaling::Slower
    } else if f.speedup < 1.25 {
        Scaling::NoFaster
    } else if f.speedup < 1.0 + 0.6 * (f.ideal - 1.0) {
        Scaling::Partly
    } else {
        Scaling::Parallel
    }
}

fn subject(strategy: &str) -> &str {
    match strategy {
        "py-threads" => "threads",
        "py-process-pool" => "processes",
        "py-subinterpreters" => "subinterpreters",
        "py-interpreter-pool" => "the interpreter pool",
        "rust-threads-attached" => "attached Rust threads",
        "rust-threads-detached" => "detached Rust threads",
        "rust-threads" => "Rust threads",
        "rayon" => "rayon",
        "crossbeam-pipeline" => "the pipeline",
        other => other,
    }
}

/// Runs Python bytecode on several threads of one interpreter (or shared GIL).
fn shares_one_gil(f: &Facts) -> bool {
    match f.strategy {
        "py-threads" | "rust-threads-attached" | "py-interpreter-pool" => !f.gil_disabled,
        "py-subinterpreters" => !f.own_gil_subinterpreters,
        _ => false,
    }
}

fn why_parallel(f: &Facts) -> &'static str {
    if !f.cpu_bound {
        return "the waits overlapped: a waiting worker holds no GIL";
    }
    match f.strategy {
        "py-threads" | "rust-threads-attached" => {
            "no GIL in this build: threads ran Python at the same time"
        }
        "py-process-pool" => "each process has its own interpreter and GIL",
        "py-subinterpreters" | "py-interpreter-pool" => "each subinterpreter has its own GIL",
        "rust-threads-detached" => "the GIL was released (detach) around the native work",
        _ => "native threads need no GIL",
    }
}

fn why_not(f: &Facts) -> String {
    if f.cpu_bound && shares_one_gil(f) {
        "one thread at a time held the GIL".into()
    } else if f.startup_s >= 0.25 * f.wall_median_s {
        format!(
            "starting the workers took {:.0} ms of its {:.0} ms",
            f.startup_s * 1e3,
            f.wall_median_s * 1e3
        )
    } else if f.overlap >= 1.0 + 0.5 * (f.ideal - 1.0) {
        "the workers did run together, but coordinating them (threads, channels, pickling) cost what they gained".into()
    } else {
        "the work did not spread over the workers (tasks too short, or cores busy)".into()
    }
}

/// e.g. "threads ran 0.97× sequential: one thread at a time held the GIL (1.01 workers ran at once)".
pub fn verdict(f: &Facts) -> String {
    let baseline = match f.implementation {
        Implementation::Python => "Python sequential",
        Implementation::Rust => "native sequential",
    };
    let at_once = format!("{:.2} workers ran at once on average", f.overlap);
    let head = format!("{} ran {:.2}× {baseline}", subject(f.strategy), f.speedup);
    match scaling(f) {
        Scaling::Baseline if f.workers <= 1 && f.strategy.ends_with("sequential") => format!(
            "baseline for {} rows: one worker, {:.3} s median",
            match f.implementation {
                Implementation::Python => "Python",
                Implementation::Rust => "native",
            },
            f.wall_median_s
        ),
        Scaling::Baseline => format!("{head}: with one worker or task there is nothing to overlap"),
        Scaling::Slower => format!("{head}, slower: {} ({at_once})", why_not(f)),
        Scaling::NoFaster => format!("{head}: {} ({at_once})", why_not(f)),
        Scaling::Partly => format!(
            "{head} of an ideal {:.1}×: partly parallel ({at_once})",
            f.ideal
        ),
        Scaling::Parallel => format!("{head}: {} ({at_once})", why_parallel(f)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(strategy: &str, speedup: f64, overlap: f64) -> Facts<'_> {
        Facts {
            strategy,
            implementation: Implementation::Python,
            cpu_bound: true,
            workers: 2,
            ideal: 2.0,
            speedup,
            overlap,
            wall_median_s: 0.5,
            startup_s: 0.001,
            gil_disabled: false,
            own_gil_subinterpreters: false,
        }
    }

    #[test]
    fn gil_bound_threads_are_blamed_on_the_gil() {
        assert_eq!(
            verdict(&facts("py-threads", 0.97, 1.01)),
            "threads ran 0.97× Python sequential: one thread at a time held the GIL (1.01 workers ran at once on average)"
        );
    }

    #[test]
    fn parallel_processes_credit_their_own_gil() {
        let v = verdict(&facts("py-process-pool", 1.9, 1.98));
        assert!(v.starts_with(
            "processes ran 1.90× Python sequential: each process has its own interpreter"
        ));
    }

    #[test]
    fn slower_rows_say_slower() {
        assert_eq!(scaling(&facts("py-threads", 0.8, 1.0)), Scaling::Slower);
        assert!(verdict(&facts("py-threads", 0.8, 1.0)).contains(", slower:"));
    }

    #[test]
    fn a_slow_start_is_named_with_its_share_of_the_run() {
        let mut f = facts("py-process-pool", 1.1, 1.2);
        f.startup_s = 0.2;
        assert!(verdict(&f).ends_with(
            ": starting the workers took 200 ms of its 500 ms (1.20 workers ran at once on average)"
        ));
    }

    #[test]
    fn overlapping_workers_without_a_gain_blame_coordination() {
        let f = facts("crossbeam-pipeline", 1.1, 1.8);
        assert!(verdict(&f).contains("did run together, but coordinating them"));
    }

    #[test]
    fn sequential_rows_are_baselines() {
        let mut f = facts("py-sequential", 1.0, 1.0);
        f.workers = 1;
        assert_eq!(
            verdict(&f),
            "baseline for Python rows: one worker, 0.500 s median"
        );
    }

    #[test]
    fn partial_scaling_is_named_against_its_ideal() {
        let mut f = facts("rayon", 1.4, 1.5);
        f.implementation = Implementation::Rust;
        assert_eq!(scaling(&f), Scaling::Partly);
        assert!(verdict(&f).contains("of an ideal 2.0×: partly parallel"));
    }
}
