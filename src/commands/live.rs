//! `gil-lab live`: the GIL at work, a bar per worker, group after group.

use anyhow::Result;

use super::exports::Exports;
use super::live_view::{Screen, for_screen};
use super::one_python;
use crate::cli::{LiveArgs, LiveScenario};
use crate::cpython::interpreter::Embedded;
use crate::engine::guard::check_start_method;
use crate::engine::workload::Scenario;
use crate::lab::live::{LiveOptions, group::TIMELINE_S, live};
use crate::render;

pub fn run(python: &Embedded, args: &LiveArgs) -> Result<i32> {
    let scenario = match args.scenario {
        LiveScenario::Threading => Scenario::Threading,
        LiveScenario::Processes => Scenario::Processes,
        LiveScenario::Io => Scenario::Io,
    };
    let other = args
        .python
        .as_deref()
        .map(|s| one_python(python, s))
        .transpose()?;
    let options = LiveOptions {
        scenario,
        workers: args.workers,
        duration_s: args.duration,
        python: other,
        start_method: args.start_method.clone(),
        probe: !args.no_probe,
    };
    options.validate(crate::os::machine::cpus())?;
    check_start_method(args.start_method.as_deref())?;
    let [json, markdown] = args.exports.flags();
    let exports = Exports::plan(&[json, markdown, ("--svg", args.svg.as_deref())])?;
    // With an export on stdout, the live view draws on stderr so stdout stays parseable.
    let screen = if exports.takes_stdout() {
        Screen::Stderr
    } else {
        Screen::Stdout
    };
    let mut view = for_screen(screen);
    let report = live(python, &options, view.as_mut())?;
    exports.show(&render::live::render(&report))?;
    exports.write("--svg", || {
        let timelines = report.timelines();
        let captions = vec![
            format!(
                "gil-lab live {}: Python in {} · {} CPUs · the first {} s of each group",
                report.scenario.id(),
                report.python.version,
                report.machine.cpus,
                TIMELINE_S
            ),
            format!("chunks of {}", report.workload),
        ];
        Ok(render::timeline::svg_sections(&[
            render::timeline::Section {
                captions,
                cpu_bound: scenario.kernel().is_cpu_bound(),
                timelines: &timelines,
            },
        ]))
    })?;
    exports.write("--json", || {
        Ok(serde_json::to_string_pretty(&report)? + "\n")
    })?;
    exports.write("--markdown", || Ok(render::live::markdown(&report)))?;
    let failed: Vec<&str> = report
        .groups
        .iter()
        .filter(|g| g.error.is_some())
        .map(|g| g.id.as_str())
        .collect();
    if !failed.is_empty() {
        eprintln!(
            "error: {} group(s) failed: {}",
            failed.len(),
            failed.join(", ")
        );
        return Ok(1);
    }
    Ok(0)
}
