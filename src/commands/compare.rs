//! `gil-lab compare`: one workload under every model, in one table and its exports.

use anyhow::Result;

use super::exports::Exports;
use super::progress::Bar;
use crate::cli::{CompareArgs, ScenarioArg};
use crate::cpython::interpreter::Embedded;
use crate::engine::workload::Scenario;
use crate::error::UsageError;
use crate::lab::compare::{CompareOptions, compare};
use crate::render::{self, Format};

/// Checks the arguments and the export destinations before anything runs.
pub fn plan(args: &CompareArgs) -> Result<(CompareOptions, Exports), UsageError> {
    let scenarios = match args.scenario {
        ScenarioArg::Threading => vec![Scenario::Threading],
        ScenarioArg::Processes => vec![Scenario::Processes],
        ScenarioArg::Io => vec![Scenario::Io],
        ScenarioArg::All => Scenario::ALL.to_vec(),
        ScenarioArg::Convoy => {
            return Err(
                UsageError::new("convoy measures latency, not a split workload")
                    .with_hint("gil-lab compare convoy [--quick] [--python SPEC]"),
            );
        }
    };
    let options = CompareOptions {
        scenarios,
        workers: args.workers,
        size: args.size,
        tasks: args.tasks,
        runs: args.runs,
        warmup: args.warmup,
        quick: args.quick,
        strategies: args.strategies.clone(),
        start_method: args.start_method.clone(),
        pythons: args.pythons.clone(),
        timeout_s: args.timeout,
        force: args.force,
        no_probe: args.no_probe,
        dask: args.dask.clone(),
        native_chunk: None,
    };
    options.validate(crate::os::machine::cpus())?;
    let [json, markdown, html] = args.exports.flags();
    let exports = Exports::plan(&[
        json,
        ("--csv", args.csv.as_deref()),
        markdown,
        html,
        ("--timeline", args.timeline.as_deref()),
        ("--svg", args.svg.as_deref()),
    ])?;
    Ok((options, exports))
}

/// Measures, prints the table (with `strip`: each timeline as text under it) and writes the exports.
pub fn run(
    python: &Embedded,
    options: &CompareOptions,
    exports: &Exports,
    strip: bool,
    wide: bool,
) -> Result<i32> {
    let outcomes = compare(python, options, &mut Bar::new())?;
    let reports: Vec<_> = outcomes.iter().map(|o| o.report.clone()).collect();
    let mut table = render::table::render_fit(&reports, exports.fit(), wide);
    if strip {
        for o in &outcomes {
            table += &render::timeline::strip(&o.report, &o.timelines, 72);
        }
    }
    exports.show(&table)?;
    exports.write("--svg", || {
        let panels: Vec<_> = outcomes
            .iter()
            .map(|o| (&o.report, o.timelines.as_slice()))
            .collect();
        Ok(render::timeline::svg(&panels))
    })?;
    for (flag, format) in [
        ("--json", Format::Json),
        ("--csv", Format::Csv),
        ("--markdown", Format::Markdown),
    ] {
        exports.write(flag, || render::render(format, &reports))?;
    }
    exports.write("--html", || {
        let timelines: Vec<_> = outcomes.iter().map(|o| o.timelines.as_slice()).collect();
        render::html::data::compare(&reports, &timelines)
    })?;
    exports.write("--timeline", || {
        let all: Vec<_> = outcomes
            .iter()
            .map(|o| serde_json::json!({"scenario": o.report.scenario, "timelines": o.timelines}))
            .collect();
        Ok(serde_json::to_string(&all)? + "\n")
    })?;
    let failed: Vec<String> = reports
        .iter()
        .flat_map(|r| &r.results)
        .filter(|row| row.error.is_some())
        .map(|row| format!("{} ({})", row.strategy, row.verdict))
        .collect();
    if !failed.is_empty() {
        eprintln!(
            "error: {} strategy run(s) failed: {}",
            failed.len(),
            failed.join("; ")
        );
        return Ok(1);
    }
    Ok(0)
}
