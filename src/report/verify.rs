//! `verify`'s results: each claim with its experiment, figures and verdict.

use serde::{Deserialize, Serialize};

use crate::os::machine::Machine;

/// The four verdicts a claim can get.
pub const VERDICTS: [&str; 4] = ["holds", "does not hold", "depends", "cannot test here"];

/// What a claim gets instead of a verdict when `--timeout` ended its
/// experiment: the same word as a timed-out row of `compare`.
pub use crate::engine::measure::TIMED_OUT;

/// A claim as the documents state it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claim {
    pub id: String,
    pub number: u32,
    pub claim: String,
    pub source: String,
}

/// One measured figure behind a verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    pub name: String,
    pub value: f64,
    pub unit: String,
    /// `[min, max]` over the repeats, where repeated.
    pub spread: Option<Vec<f64>>,
    pub interpreter: Option<String>,
}

/// A claim with its experiment and verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checked {
    pub id: String,
    pub number: u32,
    pub claim: String,
    pub source: String,
    pub experiment: String,
    pub interpreter: String,
    pub figures: Vec<Figure>,
    pub evidence: String,
    pub verdict: String,
    pub explanation: String,
    /// Seconds the experiment took.
    #[serde(default)]
    pub seconds: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub gil_lab_version: &'static str,
    pub machine: Machine,
    pub interpreter: String,
    /// Other interpreters the experiments could use.
    pub others: Vec<String>,
    pub quick: bool,
    pub seconds: f64,
    pub claims: Vec<Checked>,
}

impl VerifyReport {
    /// How many claims got each verdict, in [`VERDICTS`] order, then the timed
    /// out ones if any.
    pub fn counts(&self) -> Vec<(&'static str, usize)> {
        let mut counts: Vec<(&'static str, usize)> =
            VERDICTS.iter().map(|v| (*v, self.count(v))).collect();
        if self.timed_out() > 0 {
            counts.push((TIMED_OUT, self.timed_out()));
        }
        counts
    }

    /// Claims whose experiment `--timeout` ended.
    pub fn timed_out(&self) -> usize {
        self.count(TIMED_OUT)
    }

    fn count(&self, verdict: &str) -> usize {
        self.claims.iter().filter(|c| c.verdict == verdict).count()
    }
}
