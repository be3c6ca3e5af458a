//! What a free-threaded build costs and what its missing GIL buys, as separate figures.

use serde::Serialize;

use crate::cpython::interpreter::InterpreterRef;
use crate::report::compare::Row;

/// What a free-threaded build costs and what its missing GIL buys, as separate figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FreeThreadingCost {
    /// e.g. "3.13.5t".
    pub interpreter: String,
    /// The GIL build of the same minor version it is compared with, if measured.
    pub gil_build: Option<String>,
    /// py-sequential fastest run, free-threaded build / GIL build: the single-thread
    /// price of the build (published: ~40 % on 3.13).
    pub sequential_vs_gil_build: Option<f64>,
    /// py-sequential with `PYTHON_GIL=1` / without, in the same build.
    pub sequential_with_gil_vs_without: Option<f64>,
    /// py-threads speedup with the GIL off, and with `PYTHON_GIL=1`: what the GIL itself does.
    pub threads_speedup_without_gil: Option<f64>,
    pub threads_speedup_with_gil: Option<f64>,
}

/// The free-threading split, from the rows of every interpreter in a report.
pub fn free_threading_costs(results: &[Row]) -> Vec<FreeThreadingCost> {
    let find = |id: &str, pick: &dyn Fn(&InterpreterRef) -> bool| {
        results
            .iter()
            .find(|r| r.strategy == id && r.interpreter.as_ref().is_some_and(pick))
    };
    let fastest = |row: Option<&Row>| row.and_then(|r| r.wall_s).map(|w| w.min);
    let mut out: Vec<FreeThreadingCost> = Vec::new();
    for ft in results.iter().filter_map(|r| r.interpreter.as_ref()) {
        if !ft.gil_disabled || out.iter().any(|c| c.interpreter == ft.version) {
            continue;
        }
        let minor = ft
            .version
            .trim_end_matches('t')
            .rsplitn(2, '.')
            .last()
            .unwrap_or("")
            .to_string();
        let gil_build = |i: &InterpreterRef| {
            !i.version.ends_with('t') && i.version.rsplitn(2, '.').last() == Some(minor.as_str())
        };
        let same_build_with_gil = |i: &InterpreterRef| i.path == ft.path && !i.gil_disabled;
        let this = |i: &InterpreterRef| i == ft;
        let ratio = |a: Option<f64>, b: Option<f64>| a.zip(b).map(|(a, b)| a / b);
        let seq = fastest(find("py-sequential", &this));
        out.push(FreeThreadingCost {
            interpreter: ft.version.clone(),
            gil_build: find("py-sequential", &gil_build)
                .and_then(|r| r.interpreter.as_ref())
                .map(|i| i.version.clone()),
            sequential_vs_gil_build: ratio(seq, fastest(find("py-sequential", &gil_build))),
            sequential_with_gil_vs_without: ratio(
                fastest(find("py-sequential", &same_build_with_gil)),
                seq,
            ),
            threads_speedup_without_gil: find("py-threads", &this).and_then(|r| r.speedup),
            threads_speedup_with_gil: find("py-threads", &same_build_with_gil)
                .and_then(|r| r.speedup),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::stats::Spread;

    fn row(
        strategy: &str,
        version: &str,
        path: &str,
        gil_disabled: bool,
        min: f64,
        speedup: f64,
    ) -> Row {
        let mut r = crate::render::fixture::report().results[0].clone();
        r.strategy = strategy.into();
        r.interpreter = Some(InterpreterRef {
            version: version.into(),
            path: path.into(),
            gil_disabled,
        });
        r.wall_s = Some(Spread {
            median: min,
            min,
            max: min,
        });
        r.speedup = Some(speedup);
        r
    }

    #[test]
    fn free_threading_cost_is_split_into_build_cost_and_gil_effect() {
        let rows = [
            row("py-sequential", "3.13.5", "/p/3.13", false, 1.0, 1.0),
            row("py-threads", "3.13.5", "/p/3.13", false, 1.0, 0.98),
            row("py-sequential", "3.13.5t", "/p/3.13t", true, 1.4, 1.0),
            row("py-threads", "3.13.5t", "/p/3.13t", true, 0.75, 1.9),
            row("py-sequential", "3.13.5t", "/p/3.13t", false, 1.5, 1.0),
            row("py-threads", "3.13.5t", "/p/3.13t", false, 1.5, 1.0),
        ];
        let costs = free_threading_costs(&rows);
        assert_eq!(costs.len(), 1);
        let c = &costs[0];
        assert_eq!(c.interpreter, "3.13.5t");
        assert_eq!(c.gil_build.as_deref(), Some("3.13.5"));
        assert!((c.sequential_vs_gil_build.unwrap() - 1.4).abs() < 1e-12);
        assert!((c.sequential_with_gil_vs_without.unwrap() - 1.5 / 1.4).abs() < 1e-12);
        assert_eq!(c.threads_speedup_without_gil, Some(1.9));
        assert_eq!(c.threads_speedup_with_gil, Some(1.0));
    }

    #[test]
    fn no_free_threaded_interpreter_gives_no_split() {
        assert!(
            free_threading_costs(&[row("py-sequential", "3.11.7", "/p", false, 1.0, 1.0)])
                .is_empty()
        );
    }
}
