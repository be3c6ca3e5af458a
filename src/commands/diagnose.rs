//! `gil-lab diagnose`: runs the user's program under the outside sampler and
//! prints what the GIL did to it; the program's exit code is the command's.

use anyhow::Result;

use super::exports::Exports;
use super::one_python;
use crate::cli::DiagnoseArgs;
use crate::cpython::interpreter::Embedded;
use crate::cpython::lessons::{self, catalog};
use crate::error::UsageError;
use crate::lab::diagnose::{self, Options, Program};
use crate::render;
use crate::report::diagnose::DiagnoseReport;

/// Sampling rates outside this range are refused: below, too few samples;
/// above, the sampler itself would cost the program a core.
const RATES_HZ: (f64, f64) = (1.0, 1000.0);

pub fn run(python: &Embedded, args: &DiagnoseArgs) -> Result<i32> {
    crate::cpython::deadline::check_timeout(args.timeout)?;
    if !(RATES_HZ.0..=RATES_HZ.1).contains(&args.rate) {
        return Err(
            UsageError::new(format!("--rate {} is out of range", args.rate))
                .with_hint(format!(
                    "pass {} to {} samples per second (default {})",
                    RATES_HZ.0,
                    RATES_HZ.1,
                    diagnose::DEFAULT_RATE_HZ
                ))
                .into(),
        );
    }
    let exports = Exports::plan::<DiagnoseReport>(&args.exports.flags())?;
    let facts = match &args.python {
        Some(spec) => one_python(python, spec)?,
        None => python.facts()?,
    };
    let program = match (&args.script, &args.module) {
        (_, Some(module)) => {
            diagnose::check_module(&facts, python.python_dir(), module)?;
            Program::Module(module.to_string())
        }
        (Some(script), None) => Program::Script(lessons::resolve(script, &catalog(python)?)?),
        (None, None) => {
            return Err(UsageError::new("name a script or -m MODULE to diagnose")
                .with_hint("gil-lab diagnose my_program.py -- ARGS")
                .into());
        }
    };
    if let Some(seconds) = args.timeout {
        crate::os::signals::watchdog(seconds, program.label())?;
    }
    let options = Options {
        rate_hz: args.rate,
        check: args.check_prediction,
    };
    let report = diagnose::diagnose(&facts, python.python_dir(), &program, &args.args, &options)?;
    exports.show(&render::diagnose::table(&report, exports.fit()))?;
    exports.write_all(&report)?;
    Ok(report.exit_code)
}
