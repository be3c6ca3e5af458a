//! `gil-lab compare`: one workload under every model, in one table and its exports.

use anyhow::Result;

use super::exports::Exports;
use super::progress::Bar;
use crate::cli::{CompareArgs, CompareTarget, ScenarioArg};
use crate::cpython::interpreter::Embedded;
use crate::engine::user_function::{Callable, Inputs, UserFunction};
use crate::engine::workload::Scenario;
use crate::error::UsageError;
use crate::lab::compare::{CompareOptions, compare};
use crate::render::{self, Format};

/// Checks the arguments and the export destinations before anything runs.
pub fn plan(args: &CompareArgs) -> Result<(CompareOptions, Exports), UsageError> {
    let scenario = match &args.target {
        CompareTarget::Function(target) => return plan_function(args, target),
        CompareTarget::Scenario(scenario) => *scenario,
    };
    if args.inputs.is_some() || args.input_json.is_some() {
        return Err(
            UsageError::new("--inputs and --input-json give your function its arguments")
                .with_hint("e.g. gil-lab compare work.py:process --inputs work.py:jobs"),
        );
    }
    let scenarios = match scenario {
        ScenarioArg::Threading => vec![Scenario::Threading],
        ScenarioArg::Processes => vec![Scenario::Processes],
        ScenarioArg::Io => vec![Scenario::Io],
        ScenarioArg::Hashing => vec![Scenario::Hashing],
        ScenarioArg::Compress => vec![Scenario::Compress],
        ScenarioArg::Numpy => vec![Scenario::Numpy],
        ScenarioArg::All => Scenario::ALL.to_vec(),
        ScenarioArg::Convoy => {
            return Err(
                UsageError::new("convoy measures latency, not a split workload")
                    .with_hint("gil-lab compare convoy [--quick] [--python SPEC]"),
            );
        }
    };
    options_and_exports(args, scenarios, None)
}

/// `compare FILE.py:FUNCTION`: the function and its arguments, checked before anything runs.
fn plan_function(
    args: &CompareArgs,
    target: &str,
) -> Result<(CompareOptions, Exports), UsageError> {
    let cwd = std::env::current_dir()
        .map_err(|e| UsageError::new(format!("the current folder cannot be read: {e}")))?;
    let callable = Callable::parse(target, &cwd, "")?;
    let inputs = match (&args.inputs, &args.input_json) {
        (Some(inputs), _) => Inputs::Function(Callable::parse(inputs, &cwd, "--inputs ")?),
        (None, Some(json)) => UserFunction::json_inputs(json)?,
        (None, None) => Inputs::Count {
            tasks: args
                .tasks
                .or(args.workers)
                .unwrap_or_else(crate::os::machine::cpus),
        },
    };
    if args.size.is_some() {
        return Err(
            UsageError::new("--size sizes gil-lab's kernels, not your function").with_hint(
                "give your function its arguments with --inputs, --input-json or --tasks",
            ),
        );
    }
    let user = UserFunction { callable, inputs };
    options_and_exports(args, vec![Scenario::Function], Some(user))
}

fn options_and_exports(
    args: &CompareArgs,
    scenarios: Vec<Scenario>,
    user: Option<UserFunction>,
) -> Result<(CompareOptions, Exports), UsageError> {
    let options = CompareOptions {
        user,
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
    // One serialization for --json and the page's data, so the two agree byte for byte.
    let json = render::json::render(&reports)?;
    exports.write("--json", || Ok(json.clone()))?;
    for (flag, format) in [("--csv", Format::Csv), ("--markdown", Format::Markdown)] {
        exports.write(flag, || render::render(format, &reports))?;
    }
    exports.write("--html", || {
        let timelines: Vec<_> = outcomes.iter().map(|o| o.timelines.as_slice()).collect();
        render::html::compare_page(&reports, &timelines, &json)
    })?;
    exports.write("--timeline", || {
        let all: Vec<_> = outcomes
            .iter()
            .map(|o| serde_json::json!({"scenario": o.report.scenario, "timelines": o.timelines}))
            .collect();
        Ok(serde_json::to_string(&all)? + "\n")
    })?;
    if options.user.is_some() {
        return Ok(function_exit_code(&reports));
    }
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

/// A user's function: a model that cannot run it, or fails where it runs alone,
/// is a finding (exit 0); the function failing on its own, in every
/// interpreter's py-sequential, is 1.
fn function_exit_code(reports: &[crate::report::Report]) -> i32 {
    let baselines: Vec<&crate::report::Row> = reports
        .iter()
        .flat_map(|r| &r.results)
        .filter(|row| crate::engine::strategies::model(&row.strategy).is_some_and(|m| m.baseline))
        .collect();
    if baselines.iter().any(|row| row.wall_s.is_some()) {
        return 0;
    }
    let why = baselines
        .iter()
        .find_map(|row| row.error.as_ref().or(row.cannot_run.as_ref()));
    eprintln!(
        "error: your function failed in py-sequential:\n{}",
        why.map_or("(no row ran)", |s| s.as_str())
    );
    1
}
