//! The answer to "which model for this code, and how much faster?", as typed data:
//! `lab::compare::answer` draws it from a report's own rows.

use serde::Serialize;

/// Which model ran the work fastest here, the runner-up, and why, in sentences.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Answer {
    /// The fastest row (Python models), when any ran.
    pub fastest: Option<Pick>,
    /// The second fastest.
    pub next: Option<Pick>,
    /// `false` when the runs cannot tell the two apart, or the work is too short to tell.
    pub conclusive: bool,
    /// The answer in sentences, in the order the table prints them.
    pub lines: Vec<String>,
}

/// One row the answer names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pick {
    pub strategy: String,
    /// As the table labels it (with its interpreter when several ran).
    pub label: String,
    /// The interpreter that ran it, e.g. "3.11.7".
    pub interpreter: Option<String>,
    /// Fastest sequential run / its fastest run.
    pub speedup: f64,
    /// Median / median.
    pub speedup_median: f64,
    /// Why, from the row's own figures.
    pub why: String,
}
