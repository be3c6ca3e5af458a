//! A live report: its facts, summary table and timelines.

use std::fmt::Write;

use super::timelines::timelines_block;
use super::*;

const LIVE_HTML: &str = include_str!("../../../web/live.html");
const LIVE_JS: &str = include_str!("../../../web/live.js");

/// The live page `live --serve` serves, with its script and style inlined: it
/// draws what `/state` and `/events` send (the schema is in `web/README.md`).
pub fn live_page() -> String {
    LIVE_HTML
        .replacen("{{CSS}}", CSS, 1)
        .replacen("{{JS}}", LIVE_JS, 1)
}

// ---------------------------------------------------------------- live

pub(super) fn live(r: &LiveReport, timelines: &[Timeline]) -> String {
    let mut out = format!(
        "<section class=\"report live\">\n<h1>gil-lab live {}</h1>\n",
        r.scenario.id()
    );
    out += &facts(&[
        ("Python", interpreter_ref(Some(&r.python))),
        ("machine", machine_line(&r.machine)),
        (
            "workload",
            format!(
                "chunks of {} · {} s per group · rates in {} per 0.5 s window",
                r.workload, r.duration_s, r.unit
            ),
        ),
        ("groups", r.why_one_after_another.clone()),
    ]);
    out += &busy_warning(&r.machine, "figures");
    out += &live_table(r);
    if !timelines.is_empty() {
        out += &timelines_block(
            timelines,
            r.scenario.kernel().is_cpu_bound(),
            "axis-live",
            "Chunk timelines (the first 1.5 s of each group)",
        );
    }
    out + "</section>\n"
}

/// The summary table of a live report. The `--serve` page's script draws
/// the same table from the events it is sent (`web/live.js`).
fn live_table(r: &LiveReport) -> String {
    let unit = escape(&r.unit);
    let mut out = format!(
        "<div class=\"scroll\"><table class=\"results summary\"><thead><tr><th>group</th><th class=\"num\">workers</th><th>runs in</th><th class=\"num\">rate {unit} median (min–max)</th><th class=\"num\">× one worker</th><th class=\"num\">CPUs busy</th><th class=\"num\">GIL wait</th><th class=\"num\">per worker {unit}</th></tr></thead><tbody>\n"
    );
    for g in &r.groups {
        let id = escape(&g.id);
        let runs_in = match &g.interpreter {
            Some(i) if g.id.starts_with("rust") => format!("Rust + {}", i.version),
            Some(i) => i.version.clone(),
            None => "Rust (native)".into(),
        };
        let per_worker = g
            .worker_rates
            .iter()
            .map(|x| format!("{x:.1}"))
            .collect::<Vec<_>>()
            .join(" ");
        let _ = writeln!(
            out,
            "<tr data-strategy=\"{id}\"><th>{id}</th><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            g.workers,
            escape(&runs_in),
            spread(g.rate, 1),
            spread(g.vs_one_worker, 2),
            spread(g.cpus_busy, 2),
            spread(g.gil_contention, 2),
            escape(&per_worker),
        );
        if let Some(e) = &g.error {
            let _ = writeln!(
                out,
                "<tr class=\"error\"><td colspan=\"8\">{id} failed: {}</td></tr>",
                escape(crate::report::last_line(e))
            );
        }
    }
    out += "</tbody></table></div>\n<ul class=\"notes\">";
    for reference in &r.references {
        let _ = write!(
            out,
            "<li>1× = {}: {:.1} {unit} ({})</li>",
            escape(&reference.what),
            reference.rate,
            escape(&reference.measured_by)
        );
    }
    for s in &r.skipped {
        let _ = write!(out, "<li>not shown: {}</li>", escape(s));
    }
    out + "</ul>\n"
}
