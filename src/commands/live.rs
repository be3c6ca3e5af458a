//! `gil-lab live`: the GIL at work, a bar per worker, group after group.

use std::sync::Arc;

use anyhow::Result;

use super::exports::Exports;
use super::live_serve::{self, Both, Publish};
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
        LiveScenario::Hashing => Scenario::Hashing,
        LiveScenario::Compress => Scenario::Compress,
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
    let [json, markdown, html] = args.exports.flags();
    let exports = Exports::plan(&[json, markdown, html, ("--svg", args.svg.as_deref())])?;
    let server = args
        .serve
        .as_deref()
        .map(|addr| live_serve::start(addr, args.allow_remote))
        .transpose()?;
    if let Some(s) = &server {
        // On stderr: stdout may carry an export (--json -).
        eprintln!("watch it at {}", s.url());
    }
    // With an export on stdout, the live view draws on stderr so stdout stays parseable.
    let screen = if exports.takes_stdout() {
        Screen::Stderr
    } else {
        Screen::Stdout
    };
    let mut view = for_screen(screen);
    if let Some(s) = &server {
        view = Box::new(Both(view, Box::new(Publish::new(Arc::clone(s)))));
    }
    let report = live(python, &options, view.as_mut())?;
    drop(view);
    exports.show(&render::live::render_fit(&report, exports.fit()))?;
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
    let json = serde_json::to_string_pretty(&report)? + "\n";
    exports.write("--json", || Ok(json.clone()))?;
    exports.write("--markdown", || Ok(render::live::markdown(&report)))?;
    exports.write("--html", || render::html::live_report_page(&report, &json))?;
    let failed: Vec<&str> = report
        .groups
        .iter()
        .filter(|g| g.error.is_some())
        .map(|g| g.id.as_str())
        .collect();
    let code = if failed.is_empty() {
        0
    } else {
        eprintln!(
            "error: {} group(s) failed: {}",
            failed.len(),
            failed.join(", ")
        );
        1
    };
    if let Some(s) = server {
        live_serve::finish(s, serde_json::to_value(&report)?, args.exit_when_done);
    }
    Ok(code)
}
