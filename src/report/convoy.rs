//! `compare convoy`'s results: round-trip latencies per configuration, and
//! what each row shows against its no-CPU baseline.

use serde::{Deserialize, Serialize};

use crate::os::machine::Machine;

/// One configuration's latencies, as the experiment reports them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// "none", "threads" or "processes".
    pub cpu_workers: String,
    pub k: u32,
    pub switch_interval_ms: f64,
    pub round_trips: u64,
    pub min_ms: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// Share of round trips whose extra wait is near a multiple of the switch interval.
    pub at_interval_multiples: Option<f64>,
    pub p50_over_interval: Option<f64>,
}

/// The experiment in one interpreter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    pub interpreter: String,
    pub setup: String,
    pub rows: Vec<Row>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConvoyReport {
    pub scenario: &'static str,
    pub quick: bool,
    pub machine: Machine,
    pub runs: Vec<Run>,
}

/// Share of round trips near a multiple of the switch interval above which the
/// latencies are said to cluster there (evenly spread waits give about half).
pub const CLUSTERED: f64 = 0.7;

/// A p50 this many times the no-CPU baseline's counts as slowed.
pub const SLOWED: f64 = 2.0;

/// The row without CPU work at the same switch interval.
pub fn baseline<'a>(rows: &'a [Row], row: &Row) -> Option<&'a Row> {
    rows.iter()
        .find(|r| r.k == 0 && r.switch_interval_ms == row.switch_interval_ms)
        .or_else(|| rows.iter().find(|r| r.k == 0))
}

/// What one row shows, in one sentence, against its no-CPU baseline.
pub fn verdict(row: &Row, baseline: Option<&Row>) -> String {
    if row.k == 0 {
        return "baseline: no CPU work".into();
    }
    let Some(base) = baseline.filter(|b| b.p50_ms > 0.0) else {
        return "no baseline row to compare with".into();
    };
    let slower = row.p50_ms / base.p50_ms;
    let share = row.at_interval_multiples.unwrap_or(0.0);
    let intervals = row.p50_over_interval.unwrap_or(0.0);
    if row.cpu_workers == "processes" {
        return format!(
            "CPU work in other processes: p50 {slower:.1}× the baseline; this process's GIL stays free"
        );
    }
    match (slower >= SLOWED, share >= CLUSTERED) {
        (true, true) => format!(
            "convoy: p50 {slower:.0}× the baseline = {intervals:.1} switch intervals; {:.0} % of waits near a multiple of it",
            share * 100.0
        ),
        (true, false) => format!(
            "slowed: p50 {slower:.1}× the baseline, {:.0} % of waits near a multiple of the interval",
            share * 100.0
        ),
        _ => format!("no convoy: p50 {slower:.1}× the baseline"),
    }
}
