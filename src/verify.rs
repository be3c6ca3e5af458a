//! `gil-lab verify`: every claim of the two documents, checked by an experiment
//! run now, on this machine. The experiments are `python/gil_lab/claims/`; this
//! module runs them one by one, shows progress and collects the verdicts.

use std::time::Instant;

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::interpreter::{Embedded, call_json};
use crate::pythons::Found;
use crate::report::Machine;

/// The four verdicts a claim can get.
pub const VERDICTS: [&str; 4] = ["holds", "does not hold", "depends", "cannot test here"];

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
    /// How many claims got each verdict, in [`VERDICTS`] order.
    pub fn counts(&self) -> Vec<(&'static str, usize)> {
        VERDICTS
            .iter()
            .map(|v| (*v, self.claims.iter().filter(|c| c.verdict == *v).count()))
            .collect()
    }
}

/// Told before and after each claim.
pub trait VerifyProgress {
    fn begin(&mut self, index: usize, total: usize, claim: &Claim);
    fn done(&mut self, checked: &Checked);
}

pub struct NoProgress;

impl VerifyProgress for NoProgress {
    fn begin(&mut self, _: usize, _: usize, _: &Claim) {}
    fn done(&mut self, _: &Checked) {}
}

/// The claims, in the documents' order.
pub fn claims() -> Result<Vec<Claim>> {
    call_json("gil_lab.verify", "claims", ())
}

/// The interpreters handed to the experiments, as `gil_lab.claims.elsewhere` reads them.
fn interpreters_json(others: &[Found]) -> String {
    let list: Vec<serde_json::Value> = others
        .iter()
        .map(|f| {
            serde_json::json!({
                "spec": f.spec,
                "path": f.facts.executable,
                "version": f.facts.python_version,
                "free_threaded": f.facts.free_threaded_build,
            })
        })
        .collect();
    serde_json::Value::Array(list).to_string()
}

/// Checks `only` (ids or numbers; empty = every claim), using `others` where a claim needs them.
pub fn verify(
    python: &Embedded,
    others: &[Found],
    quick: bool,
    only: &[String],
    progress: &mut dyn VerifyProgress,
) -> Result<VerifyReport> {
    let machine = Machine::this();
    let begun = Instant::now();
    let all = claims()?;
    let chosen: Vec<&Claim> = all
        .iter()
        .filter(|c| {
            only.is_empty()
                || only
                    .iter()
                    .any(|o| *o == c.id || *o == c.number.to_string())
        })
        .collect();
    let interpreters = interpreters_json(others);
    let mut checked = Vec::new();
    for (i, claim) in chosen.iter().enumerate() {
        progress.begin(i, chosen.len(), claim);
        let started = Instant::now();
        let mut c: Checked = call_json(
            "gil_lab.verify",
            "check",
            (claim.id.as_str(), quick, interpreters.as_str()),
        )?;
        c.seconds = started.elapsed().as_secs_f64();
        progress.done(&c);
        checked.push(c);
    }
    Ok(VerifyReport {
        gil_lab_version: env!("CARGO_PKG_VERSION"),
        machine,
        interpreter: python.facts()?.label(),
        others: others.iter().map(|f| f.facts.label()).collect(),
        quick,
        seconds: begun.elapsed().as_secs_f64(),
        claims: checked,
    })
}
