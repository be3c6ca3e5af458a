//! `gil-lab verify`: every claim of the two documents, checked by an experiment
//! run now, on this machine. The experiments are `python/gil_lab/claims/`; this
//! module runs them one by one, shows progress and collects the verdicts.

use std::time::{Duration, Instant};

use anyhow::Result;

use crate::cpython::deadline::Deadline;
use crate::cpython::interpreter::{Embedded, call_json};
use crate::cpython::pythons::Found;
use crate::os::machine::Machine;
pub use crate::report::verify::{Checked, Claim, Verdict, VerifyReport};

/// Told before and after each claim.
pub trait VerifyProgress {
    fn begin(&mut self, index: usize, total: usize, claim: &Claim);
    fn done(&mut self, checked: &Checked);
}

/// The claims, in the documents' order.
pub fn claims() -> Result<Vec<Claim>> {
    call_json("gil_lab.claims.verify", "claims", ())
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

/// What a claim whose experiment overran `limit` reports: no figure is kept,
/// since an interrupted experiment's figures describe only part of it.
fn timed_out_check(claim: &Claim, limit: Duration) -> Checked {
    let seconds = limit.as_secs_f64();
    Checked {
        id: claim.id.clone(),
        number: claim.number,
        claim: claim.claim.clone(),
        source: claim.source.clone(),
        experiment: "interrupted".into(),
        interpreter: String::new(),
        figures: Vec::new(),
        evidence: format!("nothing measured: timed out after {seconds} s"),
        verdict: Verdict::TimedOut,
        explanation: format!(
            "the experiment took longer than --timeout {seconds} s and was ended with its child processes; rerun with a larger --timeout"
        ),
        seconds: 0.0,
    }
}

/// Labels of the other interpreters whose figures or verdicts the claims report
/// (their version is named in a claim's or a figure's interpreter); one that
/// was offered but not used is not listed.
fn used_by(others: &[Found], checked: &[Checked]) -> Vec<String> {
    let named = |version: &str| {
        checked.iter().any(|c| {
            mentions(&c.interpreter, version)
                || c.figures.iter().any(|f| {
                    f.interpreter
                        .as_deref()
                        .is_some_and(|i| mentions(i, version))
                })
        })
    };
    others
        .iter()
        .filter(|f| named(&f.facts.python_version))
        .map(|f| f.facts.label())
        .collect()
}

/// Whether `text` names `version` as a whole: "3.13.5" is not in "3.13.5t".
fn mentions(text: &str, version: &str) -> bool {
    text.match_indices(version).any(|(at, _)| {
        !text[at + version.len()..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '.')
    })
}

/// Checks `only` (ids or numbers; empty = every claim), using `others` where a
/// claim needs them; `timeout` ends an experiment that overruns it.
pub fn verify(
    python: &Embedded,
    others: &[Found],
    quick: bool,
    only: &[String],
    timeout: Option<Duration>,
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
        let deadline = match timeout {
            Some(limit) => Some(Deadline::start(
                limit,
                format!("claim {}", claim.id),
                Vec::new(),
            )?),
            None => None,
        };
        let outcome: Result<Checked> = call_json(
            "gil_lab.claims.verify",
            "check",
            (claim.id.as_str(), quick, interpreters.as_str()),
        );
        let timed_out = deadline.as_ref().is_some_and(Deadline::fired);
        drop(deadline);
        let mut c = match (outcome, timeout) {
            (_, Some(limit)) if timed_out => timed_out_check(claim, limit),
            (outcome, _) => outcome?,
        };
        c.seconds = started.elapsed().as_secs_f64();
        progress.done(&c);
        checked.push(c);
    }
    Ok(VerifyReport {
        gil_lab_version: env!("CARGO_PKG_VERSION"),
        machine,
        interpreter: python.facts()?.label(),
        others: used_by(others, &checked),
        quick,
        seconds: begun.elapsed().as_secs_f64(),
        claims: checked,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(number: u32) -> Claim {
        Claim {
            id: format!("claim-{number}"),
            number,
            claim: "words".into(),
            source: "a document".into(),
        }
    }

    fn report(verdicts: &[Verdict]) -> VerifyReport {
        let claims = verdicts
            .iter()
            .enumerate()
            .map(|(i, v)| Checked {
                verdict: *v,
                ..timed_out_check(&claim(i as u32 + 1), Duration::from_secs(1))
            })
            .collect();
        VerifyReport {
            gil_lab_version: "0",
            machine: Machine::this(),
            interpreter: "CPython".into(),
            others: Vec::new(),
            quick: true,
            seconds: 1.0,
            claims,
        }
    }

    #[test]
    fn counts_name_timed_out_claims_only_when_there_are_some() {
        use Verdict::*;
        let r = report(&[Holds, Holds, Depends]);
        assert_eq!(
            r.counts(),
            vec![
                (Holds, 2),
                (DoesNotHold, 0),
                (Depends, 1),
                (CannotTestHere, 0)
            ]
        );
        assert_eq!(r.timed_out(), 0);
        let r = report(&[Holds, TimedOut]);
        assert_eq!(r.counts().last(), Some(&(TimedOut, 1)));
        assert_eq!(r.timed_out(), 1);
    }

    #[test]
    fn a_version_is_named_only_as_a_whole() {
        assert!(mentions("CPython 3.13.5 (GIL)", "3.13.5"));
        assert!(!mentions("CPython 3.13.5t (free-threaded)", "3.13.5"));
        assert!(mentions("CPython 3.13.5t", "3.13.5t"));
    }

    #[test]
    fn a_timed_out_claim_keeps_its_identity_and_no_figure() {
        let c = timed_out_check(&claim(7), Duration::from_millis(1500));
        assert_eq!((c.id.as_str(), c.number), ("claim-7", 7));
        assert_eq!(c.verdict, Verdict::TimedOut);
        assert!(c.figures.is_empty());
        assert!(c.evidence.contains("1.5 s"), "{}", c.evidence);
    }
}
