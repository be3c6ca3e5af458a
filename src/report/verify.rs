//! `verify`'s results: each claim with its experiment, figures and verdict.

use serde::{Deserialize, Serialize};

use crate::os::machine::Machine;

/// What a claim gets. The experiments (Python) write the same words, which
/// deserialize into this; anything else is refused there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verdict {
    #[serde(rename = "holds")]
    Holds,
    #[serde(rename = "does not hold")]
    DoesNotHold,
    #[serde(rename = "depends")]
    Depends,
    #[serde(rename = "cannot test here")]
    CannotTestHere,
    /// `--timeout` ended the experiment: the same word as a timed-out row of `compare`.
    #[serde(rename = "timed out")]
    TimedOut,
}

impl Verdict {
    /// Every verdict, in the order reports count them.
    pub const ALL: [Verdict; 5] = [
        Verdict::Holds,
        Verdict::DoesNotHold,
        Verdict::Depends,
        Verdict::CannotTestHere,
        Verdict::TimedOut,
    ];

    pub fn word(self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::DoesNotHold => "does not hold",
            Verdict::Depends => "depends",
            Verdict::CannotTestHere => "cannot test here",
            Verdict::TimedOut => "timed out",
        }
    }
}

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
    pub verdict: Verdict,
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
    /// How many claims got each verdict, in [`Verdict::ALL`] order; the timed
    /// out ones only if any.
    pub fn counts(&self) -> Vec<(Verdict, usize)> {
        Verdict::ALL
            .iter()
            .map(|v| (*v, self.count(*v)))
            .filter(|(v, n)| *v != Verdict::TimedOut || *n > 0)
            .collect()
    }

    /// Claims whose experiment `--timeout` ended.
    pub fn timed_out(&self) -> usize {
        self.count(Verdict::TimedOut)
    }

    fn count(&self, verdict: Verdict) -> usize {
        self.claims.iter().filter(|c| c.verdict == verdict).count()
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.word())
    }
}
