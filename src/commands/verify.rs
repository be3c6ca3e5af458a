//! `gil-lab verify`: every claim of the two documents, judged on this machine.

use anyhow::Result;

use super::exports::Exports;
use crate::cli::VerifyArgs;
use crate::cpython::interpreter::Embedded;
use crate::cpython::pythons::{Found, discover, resolve};
use crate::error::UsageError;
use crate::lab::verify::{Checked, Claim, VerifyProgress, claims, verify};
use crate::render;
use crate::report::verify::VerifyReport;

/// Progress of `verify` on stderr, one line per claim.
struct ClaimLines;

impl VerifyProgress for ClaimLines {
    fn begin(&mut self, index: usize, total: usize, claim: &Claim) {
        eprint!("[{:>2}/{total}] {} … ", index + 1, claim.id);
    }
    fn done(&mut self, checked: &Checked) {
        eprintln!("{} ({:.1} s)", checked.verdict, checked.seconds);
    }
}

/// Expected duration of a whole `verify` on 2 CPUs, from the experiments' budgets.
fn expectation(quick: bool) -> &'static str {
    if quick {
        "under a minute"
    } else {
        "about two minutes"
    }
}

/// The interpreters the experiments may use besides the embedded one: all
/// found, or exactly those `--python` names (found by discovery or not).
fn others(python: &Embedded, specs: &[String]) -> Result<Vec<Found>> {
    let embedded = python.facts()?.executable;
    let found = discover(python.python_dir());
    let chosen = if specs.is_empty() {
        found
    } else {
        resolve(specs, python.python_dir())?
            .into_iter()
            .map(|facts| {
                found
                    .iter()
                    .find(|f| f.facts.executable == facts.executable)
                    .cloned()
                    .unwrap_or_else(|| Found {
                        spec: facts.executable.clone(),
                        source: "--python".into(),
                        facts,
                    })
            })
            .collect()
    };
    Ok(chosen
        .into_iter()
        .filter(|f| f.facts.executable != embedded)
        .collect())
}

pub fn run(python: &Embedded, args: &VerifyArgs) -> Result<i32> {
    let timeout = crate::cpython::deadline::check_timeout(args.timeout)?;
    let exports = Exports::plan::<VerifyReport>(&args.exports.flags())?;
    let known = claims()?;
    if let Some(bad) = args.claims.iter().find(|c| {
        !known
            .iter()
            .any(|k| k.id == **c || k.number.to_string() == **c)
    }) {
        return Err(UsageError::new(format!("no claim {bad:?}"))
            .with_hint(format!(
                "claims are numbered 1-{} or named, e.g. {}",
                known.len(),
                known.first().map_or("", |k| k.id.as_str())
            ))
            .into());
    }
    let others = others(python, &args.pythons)?;
    eprintln!(
        "checking {} claims ({}): expected {} on 2 CPUs",
        if args.claims.is_empty() {
            known.len()
        } else {
            args.claims.len()
        },
        if args.quick { "quick" } else { "full" },
        expectation(args.quick)
    );
    let report = verify(
        python,
        &others,
        args.quick,
        &args.claims,
        timeout,
        &mut ClaimLines,
    )?;
    exports.show(&render::verify::table(&report, exports.fit()))?;
    exports.write_all(&report)?;
    if report.timed_out() > 0 {
        eprintln!(
            "error: {} claim(s) timed out; the others are reported",
            report.timed_out()
        );
        return Ok(1);
    }
    Ok(0)
}
