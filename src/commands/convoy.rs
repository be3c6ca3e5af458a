//! `gil-lab compare convoy`: an I/O thread's latency while CPU threads run.

use anyhow::Result;

use super::exports::Exports;
use crate::cli::CompareArgs;
use crate::cpython::interpreter::Embedded;
use crate::engine::guard::check_start_method;
use crate::error::UsageError;
use crate::render;
use crate::report::convoy::ConvoyReport;

/// Convoy measures latency, not a workload split in tasks: the workload flags do not apply.
pub fn check_args(args: &CompareArgs) -> Result<Exports, UsageError> {
    let unused = [
        ("--workers", args.workers.is_some()),
        ("--size", args.size.is_some()),
        ("--tasks", args.tasks.is_some()),
        ("--runs", args.runs.is_some()),
        ("--warmup", args.warmup.is_some()),
        ("--strategies", args.strategies.is_some()),
        ("--csv", args.csv.is_some()),
        ("--timeline", args.timeline.is_some()),
        ("--svg", args.svg.is_some()),
        ("--timeline-strip", args.timeline_strip),
    ];
    if let Some((flag, _)) = unused.iter().find(|(_, given)| *given) {
        return Err(
            UsageError::new(format!("compare convoy does not take {flag}"))
                .with_hint("convoy takes --quick, --python, --start-method, --json and --markdown"),
        );
    }
    check_start_method(args.start_method.as_deref())?;
    Exports::plan::<ConvoyReport>(&args.exports.flags())
}

pub fn run(python: &Embedded, args: &CompareArgs) -> Result<i32> {
    let exports = check_args(args)?;
    let others = crate::cpython::pythons::resolve(&args.pythons, python.python_dir())?;
    let report =
        crate::lab::convoy::convoy(python, &others, args.quick, args.start_method.as_deref())?;
    exports.show(&render::convoy::render(&report, exports.fit()))?;
    exports.write_all(&report)?;
    Ok(0)
}
