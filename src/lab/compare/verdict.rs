//! One plain sentence per row, derived from that row's measured figures and
//! from what its model is: a verdict names only causes the row can have.

use crate::engine::strategies::{Implementation, Model};

/// The measured facts a verdict is built from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Facts {
    pub model: &'static Model,
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
    /// The work is C code that releases the GIL (hashlib, zlib, numpy).
    pub releases_gil: bool,
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

/// A pass shorter than this shows start-up and joining, not the model.
pub const SHORTEST_TELLING_PASS_S: f64 = 0.001;

/// Start-up above this share of the wall time leaves too little work to judge the model.
pub const STARTUP_DOMINATES: f64 = 0.5;

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

fn ms(seconds: f64) -> String {
    format!("{:.0} ms", seconds * 1e3)
}

fn why_not(f: &Facts) -> String {
    if f.startup_s >= STARTUP_DOMINATES * f.wall_median_s {
        format!(
            "too short to tell: starting the workers took {} of its {}",
            ms(f.startup_s),
            ms(f.wall_median_s)
        )
    } else if f.wall_median_s < SHORTEST_TELLING_PASS_S {
        format!(
            "too short to tell: a pass of {:.2} ms is mostly starting and joining workers (below {:.0} ms)",
            f.wall_median_s * 1e3,
            SHORTEST_TELLING_PASS_S * 1e3
        )
    } else if f.cpu_bound
        && f.model
            .shares_one_gil_given(f.gil_disabled, f.own_gil_subinterpreters)
        && f.overlap < 1.5
    {
        "one thread at a time held the GIL".into()
    } else if f.startup_s >= 0.25 * f.wall_median_s {
        format!(
            "starting the workers took {} of its {}",
            ms(f.startup_s),
            ms(f.wall_median_s)
        )
    } else if f.overlap >= 1.0 + 0.5 * (f.ideal - 1.0) {
        format!(
            "the workers did run together, but coordinating them ({}) cost what they gained",
            f.model.overhead
        )
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
    let head = format!("{} ran {:.2}× {baseline}", f.model.noun, f.speedup);
    match scaling(f) {
        Scaling::Baseline if f.workers <= 1 && f.model.baseline => format!(
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
        Scaling::Parallel => format!(
            "{head}: {} ({at_once})",
            if f.releases_gil
                && f.model
                    .shares_one_gil_given(f.gil_disabled, f.own_gil_subinterpreters)
            {
                "the work released the GIL (C code): they ran it at the same time"
            } else if f.cpu_bound {
                f.model.why_parallel()
            } else {
                "the waits overlapped: a waiting worker holds no GIL"
            }
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::strategies::{crossbeam_pipeline, py_process_pool};

    fn facts(strategy: &str, speedup: f64, overlap: f64) -> Facts {
        Facts {
            model: crate::engine::strategies::model(strategy).expect("a known model"),
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
            releases_gil: false,
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
        let v = verdict(&facts(py_process_pool::MODEL.id, 1.9, 1.98));
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
        let mut f = facts(py_process_pool::MODEL.id, 1.1, 1.2);
        f.startup_s = 0.2;
        assert!(verdict(&f).ends_with(
            ": starting the workers took 200 ms of its 500 ms (1.20 workers ran at once on average)"
        ));
    }

    #[test]
    fn overlapping_workers_without_a_gain_blame_coordination() {
        let f = facts(crossbeam_pipeline::MODEL.id, 1.1, 1.8);
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

    #[test]
    fn a_run_mostly_start_up_is_too_short_to_tell() {
        let mut f = facts("py-threads", 0.6, 1.0);
        f.startup_s = 0.3;
        assert!(
            verdict(&f)
                .contains("too short to tell: starting the workers took 300 ms of its 500 ms")
        );
        let mut f = facts("rayon", 1.0, 1.1);
        f.implementation = Implementation::Rust;
        f.wall_median_s = 0.0002;
        f.startup_s = 0.0;
        assert!(verdict(&f).contains("too short to tell: a pass of 0.20 ms"));
    }

    #[test]
    fn workers_that_ran_together_are_not_blamed_on_one_gil() {
        let f = facts("py-threads", 1.1, 1.9);
        assert!(
            !verdict(&f).contains("one thread at a time"),
            "{}",
            verdict(&f)
        );
    }

    #[test]
    fn native_rows_blame_only_their_own_overheads() {
        let mut f = facts("rayon", 1.1, 1.8);
        f.implementation = Implementation::Rust;
        let v = verdict(&f);
        assert!(
            v.contains("coordinating them") && !v.contains("pickl"),
            "{v}"
        );
    }
}
